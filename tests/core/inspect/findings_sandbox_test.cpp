// SPDX-License-Identifier: GPL-2.0-or-later
// findHostSharing() by sandbox kind over tests/data/proc-engines (every engine layout on one host).
#include "core/inspect/findings.h"
#include "core/model/delta.h"
#include "tests/common/enginesfixture.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <set>

using namespace nsviz;
using nlohmann::json;

namespace
{

json findingsOfEngines()
{
    return findHostSharing(test::scanProcEngines(), test::procEnginesRoot());
}

const json *entry(const json &list, int pid)
{
    for (const auto &c : list)
        for (const auto &p : c["pids"])
            if (p == pid)
                return &c;
    return nullptr;
}

bool hasCode(const json &c, const char *code)
{
    for (const auto &x : c["findings"])
        if (x["code"] == code)
            return true;
    return false;
}
} // namespace

TEST(FindingsBySandbox, HostNetworkAlarmOnlyForContainersAndPidOrUserSandboxes)
{
    const json f = findingsOfEngines();
    std::set<std::string> alarmed;
    for (const auto &c : f["containers"])
        if (hasCode(c, "host-net"))
            alarmed.insert(c["label"].get<std::string>());
    // docker --network=host, the nspawn machine without a private network, bwrap --share-net.
    EXPECT_EQ(alarmed, (std::set<std::string>{"docker c1c1c1c1c1c1", "deb", "bwrap (pid 1001)"}))
        << f.dump(1);
    // The text names them by label, kind, engine and id, CRITICAL first.
    const std::string text = findingsToText(f);
    EXPECT_NE(text.find("docker c1c1c1c1c1c1  [container, docker c1c1"), std::string::npos) << text;
}

TEST(FindingsBySandbox, ServicesAndEngineHelpersAreInformationalNeverContainers)
{
    const json f = findingsOfEngines();
    // The mount-only nginx service, rootless podman's catatonit and slirp4netns, conmons, shims,
    // the LXC monitor: none is a finding.
    for (int pid : {300, 500, 510, 513, 600, 700, 800, 1399})
        EXPECT_EQ(entry(f["containers"], pid), nullptr) << pid;
    const json *svc = entry(f["informational"], 300);
    ASSERT_NE(svc, nullptr);
    EXPECT_EQ((*svc)["kind"], "service");
    EXPECT_EQ((*svc)["label"], "nginx.service");
    const json *slirp = entry(f["informational"], 513);
    ASSERT_NE(slirp, nullptr);
    EXPECT_EQ((*slirp)["kind"], "infrastructure");
    std::string a1;
    while (a1.size() < 64)
        a1 += "a1";
    EXPECT_EQ((*slirp)["attachedTo"], "podman:" + a1);
    EXPECT_NE(findingsToText(f).find("INFO     nginx.service  [service, systemd nginx.service]"),
              std::string::npos);
}

TEST(FindingsBySandbox, CapabilitiesFromTheEffectiveSetNotTheBoundingSet)
{
    const json f = findingsOfEngines();
    const json *docker = entry(f["containers"], 701);
    ASSERT_NE(docker, nullptr);
    // Bounding set full, effective and permitted empty: nothing to flag.
    EXPECT_FALSE(hasCode(*docker, "extra-caps")) << docker->dump(1);
    EXPECT_GE((*docker)["security"]["bounding"].size(), 38u);
    EXPECT_TRUE((*docker)["security"]["effective"].empty());
}

TEST(FindingsBySandbox, APodIsListedOnceByItsPod)
{
    const json f = findingsOfEngines();
    int pods = 0;
    for (const auto &c : f["containers"])
        if (c["kind"] == "pod" && c["engine"] == "podman") {
            ++pods;
            EXPECT_EQ(c["containers"], json::array({"web1", "db1"})); // by sandbox id
        }
    EXPECT_EQ(pods, 1);
    // Its containers do not repeat what the pod shares.
    const json *web1 = entry(f["containers"], 611);
    if (web1) {
        EXPECT_FALSE(hasCode(*web1, "host-net"));
    }
}

TEST(FindingsBySandbox, APodIsReportedOnceByThePodNotByEachContainer)
{
    // The real engines' snapshot: a podman pod of two containers, all in the host user namespace.
    const Snapshot snap = test::enginesSnapshot();
    const json f = findHostSharing(snap, std::string());
    const json *pod = nullptr;
    for (const auto &c : f["containers"]) {
        if (c["kind"] == "pod") {
            EXPECT_EQ(pod, nullptr) << "one entry for the pod";
            pod = &c;
        }
        // A container of the pod has nothing the pod does not report already: the namespaces it
        // shares with the pod (user among them here) are the pod's findings.
        if (!c.contains("pod"))
            continue;
        for (const auto &x : c["findings"]) {
            EXPECT_TRUE(x["code"] != "no-userns" && x["code"] != "host-net" && x["code"] != "host-ipc" &&
                        x["code"] != "host-uts")
                << c["label"] << ": " << x.dump();
        }
    }
    ASSERT_NE(pod, nullptr) << f.dump(1);
    EXPECT_TRUE(hasCode(*pod, "no-userns")) << pod->dump(1);
    EXPECT_EQ((*pod)["containers"], json({"nsviz-eng-pod-a", "nsviz-eng-pod-b"})) << pod->dump(1);
    // And the text lists the pod once, with its containers.
    const std::string text = findingsToText(f);
    EXPECT_NE(text.find("nsviz-eng-pod-a"), std::string::npos) << text;
}

TEST(FindingsBySandbox, TheWorkersInputGivesTheSameFindingsAsTheWholeSnapshot)
{
    // The GUI hands its findings worker findingsInput(), not a copy of the whole picture: it must
    // hold everything findHostSharing() reads. Every engine layout on one host, then the real
    // engines' snapshot (without a proc tree: no security context, the rest from the snapshot).
    const Snapshot engines = test::scanProcEngines();
    ASSERT_FALSE(engines.sandboxes.empty());
    const Snapshot slim = findingsInput(engines);
    EXPECT_TRUE(slim.namespaces.empty());
    for (const Process &p : slim.processes)
        EXPECT_TRUE(p.cmdline.empty() && p.cgroup.empty() && p.nspid.empty()) << p.pid;
    const json whole = findHostSharing(engines, test::procEnginesRoot());
    ASSERT_FALSE(whole["containers"].empty());
    EXPECT_EQ(findHostSharing(slim, test::procEnginesRoot()), whole);

    const Snapshot real = test::enginesSnapshot();
    ASSERT_FALSE(real.sandboxes.empty());
    EXPECT_EQ(findHostSharing(findingsInput(real), "/nonexistent"), findHostSharing(real, "/nonexistent"));

    // Without sandboxes (a file saved before they existed) the classifier needs everything.
    Snapshot old = engines;
    old.sandboxes.clear();
    const Snapshot copy = findingsInput(old);
    EXPECT_TRUE(sameContent(copy, old));
}
