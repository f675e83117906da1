// SPDX-License-Identifier: GPL-2.0-or-later
// The diff and the findings on real namespaces that the tests make themselves (NsChild::unshared).
// Every process started here is killed and reaped by NsChild's destructor.
#include "core/inspect/diff.h"
#include "core/inspect/findings.h"
#include "core/inspect/inspector.h"
#include "core/model/nstype.h"
#include "tests/common/nschild.h"

#include <csignal>
#include <cstring>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace nsviz;
using nlohmann::json;
using nsviz::test::NsChild;

namespace
{

const json &nsEntry(const json &diff, const char *type)
{
    for (const auto &n : diff["namespaces"])
        if (n["type"] == type)
            return n;
    static const json none;
    return none;
}

json item(const json &nsDiff, const std::string &field)
{
    for (const auto &i : nsDiff["details"]["items"])
        if (i["field"] == field)
            return i;
    return json();
}

/// A snapshot built from inspect documents, as the discovery would (for the findings).
Process processFrom(const json &doc)
{
    Process p;
    p.pid = doc["pid"];
    p.comm = doc.value("comm", "");
    for (NsType t : kAllNsTypes) {
        const json &n = doc["ns"][std::string(nsTypeName(t))];
        if (n.contains("ino"))
            p.ns[index(t)] = NsId{n["dev"], n["ino"]};
    }
    if (doc["sections"]["pid"].contains("nspid"))
        p.nspid = doc["sections"]["pid"]["nspid"].get<std::vector<int>>();
    p.cgroup = doc["sections"]["cgroup"].value("path", "");
    return p;
}

#define NEEDS_ROOT()                                                                                         \
    if (::geteuid() != 0)                                                                                    \
    GTEST_SKIP() << "creating namespaces and reading other processes' namespaces needs root"

} // namespace

TEST(DiffRealNs, HostNetContainerIsFlaggedAndIsolatedElsewhere)
{
    NEEDS_ROOT();
    auto c = NsChild::unshared(
        CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC,
        "hostname nsviz-hostnet && mount -t tmpfs nsviz-difftest /mnt && ipcmk -Q >/dev/null");
    ASSERT_GT(c.pid(), 0) << c.error();
    const HostReference ref = findHostReference();
    ASSERT_TRUE(ref.valid()) << ref.note;
    Inspector in;
    json a = in.inspect(c.pid());
    json b = in.inspect(ref.pid);
    ASSERT_EQ(a["state"], "running");
    json d = diffInspections(a, b);
    EXPECT_EQ(d["schema"], kDiffSchema);
    EXPECT_EQ(nsEntry(d, "net")["shared"], true);
    for (const char *t : {"mnt", "pid", "uts", "ipc"})
        EXPECT_EQ(nsEntry(d, t)["shared"], false) << t;
    for (const char *t : {"user", "cgroup", "time"})
        EXPECT_EQ(nsEntry(d, t)["shared"], true) << t;
    EXPECT_EQ(nsEntry(d, "net")["details"]["differences"], 0);

    EXPECT_EQ(item(nsEntry(d, "uts"), "hostname")["a"], "nsviz-hostnet");
    EXPECT_EQ(item(nsEntry(d, "uts"), "hostname")["differs"], true);

    bool tmpfsOnlyInA = false;
    for (const auto &m : nsEntry(d, "mnt")["details"]["onlyInA"])
        tmpfsOnlyInA |= m.get<std::string>().rfind("/mnt  (nsviz-difftest tmpfs", 0) == 0;
    EXPECT_TRUE(tmpfsOnlyInA) << nsEntry(d, "mnt")["details"].dump(1);
    EXPECT_EQ(a["sections"]["mnt"]["count"].get<int>(), b["sections"]["mnt"]["count"].get<int>() + 1);

    const json &pid = nsEntry(d, "pid");
    EXPECT_EQ(pid["relation"], "child");
    EXPECT_EQ(item(pid, "NSpid chain (outermost first)")["a"], std::to_string(c.pid()) + " \u2192 1");
    EXPECT_EQ(item(pid, "init (PID 1 inside)")["a"], c.pid());
    EXPECT_EQ(item(pid, "processes visible")["a"], 1); // the command has exited: alone in its namespace
    EXPECT_EQ(a["container"]["init"], c.pid());

    bool queue = false;
    for (const auto &o : nsEntry(d, "ipc")["details"]["onlyInA"])
        queue |= o.get<std::string>().rfind("System V msg", 0) == 0;
    EXPECT_TRUE(queue);

    // The text report says it plainly.
    markHostReference(d, ref);
    EXPECT_EQ(d["b"]["hostReference"], true);
    EXPECT_EQ(d["reference"]["pid"], ref.pid);
    auto warnings = hostSharingWarnings(d);
    ASSERT_FALSE(warnings.empty());
    EXPECT_EQ(warnings[0], "A is a container that SHARES THE HOST NETWORK NAMESPACE");
    std::string text = diffToText(d);
    EXPECT_NE(text.find("WARNING: A is a container that SHARES THE HOST NETWORK NAMESPACE"),
              std::string::npos);
    EXPECT_NE(text.find("net     "), std::string::npos);
    EXPECT_NE(text.find("SHARED"), std::string::npos);
    EXPECT_NE(text.find("nsviz-hostnet"), std::string::npos);
    EXPECT_NE(diffToMarkdown(d).find("| net |"), std::string::npos);

    // Findings: a container (isolated in mnt and pid) sharing the host net namespace, worst first.
    Snapshot snap;
    snap.host.referencePid = ref.pid;
    snap.host.referenceStartTime = ref.startTime;
    snap.host.privileged = true;
    Process host = processFrom(b), cont = processFrom(a);
    snap.hostNs = host.ns;
    snap.processes = {host, cont};
    json f = findHostSharing(snap);
    ASSERT_EQ(f["containers"].size(), 1u) << f.dump(1);
    const json &fc = f["containers"][0];
    EXPECT_EQ(fc["pid"], c.pid());
    EXPECT_EQ(fc["findings"][0]["code"], "host-net");
    std::set<std::string> codes;
    for (const auto &x : fc["findings"])
        codes.insert(x["code"]);
    EXPECT_FALSE(codes.count("host-pid"));
    EXPECT_FALSE(codes.count("host-ipc"));
    EXPECT_FALSE(codes.count("host-uts"));
    EXPECT_TRUE(codes.count("no-userns"));  // root in it is root on the host
    EXPECT_TRUE(codes.count("extra-caps")); // unshare keeps every capability
    EXPECT_TRUE(codes.count("seccomp-off"));
    EXPECT_NE(findingsToText(f).find("CRITICAL shares the host network namespace"), std::string::npos);
}

TEST(DiffRealNs, FreshNetHasOnlyLoopback)
{
    NEEDS_ROOT();
    auto c = NsChild::unshared(CLONE_NEWNET);
    ASSERT_GT(c.pid(), 0) << c.error();
    Inspector in;
    json a = in.inspect(c.pid());
    const json &ifs = a["sections"]["net"]["interfaces"];
    ASSERT_EQ(ifs.size(), 1u) << ifs.dump();
    EXPECT_EQ(ifs[0]["name"], "lo");
    EXPECT_EQ(ifs[0]["state"], "down"); // a new network namespace's lo is down until someone ups it
    EXPECT_EQ(ifs[0]["loopback"], true);
    EXPECT_TRUE(a["sections"]["net"]["listening"].empty());
    json d = diffInspections(a, in.inspect(findHostReference().pid));
    EXPECT_EQ(nsEntry(d, "net")["shared"], false);
    EXPECT_EQ(item(nsEntry(d, "net"), "interfaces")["a"], json({"lo"}));
    EXPECT_EQ(nsEntry(d, "mnt")["shared"], true);
}

TEST(DiffRealNs, UserNamespaceShowsItsUidMap)
{
    NEEDS_ROOT();
    auto c = NsChild::unshared(CLONE_NEWUSER);
    ASSERT_GT(c.pid(), 0) << c.error();
    {
        std::ofstream("/proc/" + std::to_string(c.pid()) + "/uid_map") << "0 100000 65536\n";
    }
    Inspector in;
    json a = in.inspect(c.pid());
    json d = diffInspections(a, in.inspect(::getpid()));
    const json &user = nsEntry(d, "user");
    EXPECT_EQ(user["shared"], false);
    EXPECT_EQ(user["relation"], "child");
    EXPECT_EQ(item(user, "uid_map")["a"], "0 100000 65536");
    EXPECT_EQ(item(user, "uid_map")["differs"], true);
    EXPECT_EQ(item(user, "gid_map")["a"], "(empty: no mapping)");
    EXPECT_EQ(item(user, "owner uid")["a"], 0);
}

TEST(DiffRealNs, SiblingPidNamespaces)
{
    NEEDS_ROOT();
    auto x = NsChild::unshared(CLONE_NEWPID);
    auto y = NsChild::unshared(CLONE_NEWPID);
    ASSERT_GT(x.pid(), 0) << x.error();
    ASSERT_GT(y.pid(), 0) << y.error();
    Inspector in;
    json d = diffInspections(in.inspect(x.pid()), in.inspect(y.pid()));
    EXPECT_EQ(nsEntry(d, "pid")["relation"], "sibling");
    json back = diffInspections(in.inspect(::getpid()), in.inspect(x.pid()));
    EXPECT_EQ(nsEntry(back, "pid")["relation"], "parent");
}

TEST(DiffRealNs, ProcessAgainstItselfIsAllSharedWithNoDifferences)
{
    Inspector in;
    json a = in.inspect(::getpid());
    json d = diffInspections(a, in.inspect(::getpid()));
    for (const auto &n : d["namespaces"]) {
        if (n["a"].is_null())
            continue; // a type this kernel lacks
        EXPECT_EQ(n["shared"], true) << n["type"];
        EXPECT_EQ(n["relation"], "same") << n["type"];
        EXPECT_EQ(n["details"]["differences"], 0) << n.dump(1);
    }
    EXPECT_EQ(d["security"]["details"]["differences"], 0);
    EXPECT_EQ(d["differences"], 0);
}

TEST(DiffRealNs, ExitedProcessSaysSo)
{
    pid_t child = ::fork();
    if (child == 0)
        ::_exit(0);
    ASSERT_GT(child, 0);
    ::waitpid(child, nullptr, 0); // reaped: the pid is gone
    Inspector in;
    json a = in.inspect(child);
    EXPECT_EQ(a["state"], "exited");
    json d = diffInspections(a, in.inspect(::getpid()));
    ASSERT_FALSE(d["notes"].empty());
    EXPECT_NE(d["notes"][0].get<std::string>().find("exited"), std::string::npos);
    for (const auto &n : d["namespaces"]) {
        EXPECT_TRUE(n["shared"].is_null());
        ASSERT_FALSE(n["details"]["errors"].empty()) << n["type"];
        EXPECT_NE(n["details"]["errors"][0].get<std::string>().find("exited"), std::string::npos);
    }
    EXPECT_NE(diffToText(d).find("exited"), std::string::npos);
}

TEST(DiffRealNs, HelperCliDiffAndExitCodes)
{
    auto run = [](const std::string &args, int &rc) {
        std::string cmd = std::string(NSVIZ_HELPER_BIN) + " " + args + " 2>&1";
        std::string out;
        FILE *p = ::popen(cmd.c_str(), "r");
        char buf[4096];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
            out.append(buf, n);
        rc = WEXITSTATUS(::pclose(p));
        return out;
    };
    int rc = 0;
    std::string self = std::to_string(::getpid());
    json d = json::parse(run("diff " + self + " --against " + self + " --json", rc));
    EXPECT_EQ(rc, 0);
    EXPECT_EQ(d["schema"], "nsviz.diff/1");
    EXPECT_EQ(d["namespaces"].size(), 8u);
    EXPECT_EQ(d["differences"], 0);
    std::string out = run("diff 0", rc);
    EXPECT_EQ(rc, 2);
    EXPECT_NE(out.find("PID must be"), std::string::npos);
    out = run("diff 1 --proc /nonexistent-nsviz", rc);
    EXPECT_EQ(rc, 2);
    out = run("diff abc", rc);
    EXPECT_EQ(rc, 2);
    pid_t child = ::fork();
    if (child == 0)
        ::_exit(0);
    ::waitpid(child, nullptr, 0);
    out = run("diff " + std::to_string(child), rc);
    EXPECT_EQ(rc, 1);
    EXPECT_NE(out.find("exited"), std::string::npos) << out;
    // Fixture proc tree: runs, reports what it could not see.
    out = run("diff 4242 --against 4242 --proc " + std::string(NSVIZ_TEST_DATA) + "/diff-proc", rc);
    EXPECT_EQ(rc, 0) << out;
    // A is named by its sandbox (one name for one thing), with its kind.
    EXPECT_NE(out.find("A: pid 4242 (my (weird) app) [docker 3f2a9c1b7e4d, container]"), std::string::npos)
        << out;
}

TEST(DiffRealNs, FindingsCommandFlagsHostNetContainer)
{
    NEEDS_ROOT();
    auto c =
        NsChild::unshared(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC, "hostname nsviz-find");
    auto clean = NsChild::unshared(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET);
    ASSERT_GT(c.pid(), 0) << c.error();
    ASSERT_GT(clean.pid(), 0) << clean.error();
    std::string cmd = std::string(NSVIZ_HELPER_BIN) + " findings --json";
    std::string out;
    FILE *p = ::popen(cmd.c_str(), "r");
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
        out.append(buf, n);
    EXPECT_EQ(WEXITSTATUS(::pclose(p)), 0);
    json f = json::parse(out);
    EXPECT_EQ(f["schema"], "nsviz.findings/1");
    // Other agents may run containers on this machine too: look for ours by pid.
    auto find = [&](int pid) -> json {
        for (const auto &x : f["containers"])
            for (const auto &q : x["pids"])
                if (q == pid)
                    return x;
        return json();
    };
    json mine = find(c.pid());
    ASSERT_FALSE(mine.is_null()) << out;
    EXPECT_EQ(mine["pid"], c.pid()); // its init represents it
    EXPECT_EQ(mine["findings"][0]["code"], "host-net");
    // Made by hand, no engine: bare namespaces, alarmed because it isolates its pid namespace.
    EXPECT_EQ(mine["kind"], "bare");
    json other = find(clean.pid());
    ASSERT_FALSE(other.is_null());
    // Isolated in net, pid, ipc, uts: what is left is the user namespace, capabilities and seccomp.
    EXPECT_EQ(other["findings"][0]["code"], "no-userns");
    // Worst first: ours (host-net) comes before the net-isolated one.
    int posMine = -1, posOther = -1, i = 0;
    for (const auto &x : f["containers"]) {
        if (x["pid"] == c.pid())
            posMine = i;
        if (x["pid"] == clean.pid())
            posOther = i;
        ++i;
    }
    EXPECT_LT(posMine, posOther);
}

TEST(DiffRealNs, ProcessExitingDuringInspectionSaysSo)
{
    pid_t child = ::fork();
    if (child == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        ::execlp("sleep", "sleep", "300", static_cast<char *>(nullptr));
        ::_exit(127);
    }
    ASSERT_GT(child, 0);
    // Wait until it is sleep (not our forked copy) so that the inspection sees a settled process.
    for (int i = 0; i < 200; ++i) {
        std::ifstream comm("/proc/" + std::to_string(child) + "/comm");
        std::string c;
        if (comm >> c && c == "sleep")
            break;
        ::usleep(10000);
    }
    Inspector in;
    in.setBeforeRecheckHook([child] {
        ::kill(child, SIGKILL);
        ::waitpid(child, nullptr, 0); // reaped: the pid is gone before the recheck
    });
    json a = in.inspect(child);
    EXPECT_EQ(a["state"], "exited");
    EXPECT_EQ(a["error"], "process " + std::to_string(child) + " exited during inspection");
    json d = diffInspections(a, Inspector().inspect(::getpid()));
    ASSERT_FALSE(d["notes"].empty());
    EXPECT_NE(d["notes"][0].get<std::string>().find("exited during inspection"), std::string::npos);
    EXPECT_NE(diffToText(d).find("exited during inspection"), std::string::npos);
}
