// SPDX-License-Identifier: GPL-2.0-or-later
// The sandbox model over a redacted snapshot of real engines, all running at once
// (tests/data/snapshots/engines-all.json, made by tests/engines/make-fixtures.sh from the cases of
// tests/engines/engines.sh): the snapshot JSON carries it unchanged, every case is one sandbox with
// the one label everyone shows, and the host-network alarm (hostNetworkAlarm) is for exactly the
// sandboxes issue 10's "Done when" names. Fast: no engine, no /proc.
#include "core/protocol/snapshotjson.h"
#include "core/sandbox/sandbox.h"
#include "tests/common/enginesfixture.h"

#include <functional>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

using namespace nsviz;

namespace
{

const std::string kFixture = test::enginesSnapshotPath();

/// One case of engines.sh, found in the fixture by what the host showed of it.
struct FixtureCase {
    const char *name;
    std::function<bool(const Sandbox &)> is;
    SandboxKind kind;
    bool alarm;
};

bool named(const Sandbox &s, const char *engine, const char *name)
{
    return s.engine == engine && s.name == name;
}

const std::vector<FixtureCase> &cases()
{
    static const std::vector<FixtureCase> c = {
        {"podman-default", [](const Sandbox &s) { return named(s, "podman", "nsviz-eng-podman-default"); },
         SandboxKind::Container, false},
        {"podman-hostnet", [](const Sandbox &s) { return named(s, "podman", "nsviz-eng-podman-hostnet"); },
         SandboxKind::Container, true},
        {"podman-hostpid", [](const Sandbox &s) { return named(s, "podman", "nsviz-eng-podman-hostpid"); },
         SandboxKind::Container, false},
        {"podman-pod-a", [](const Sandbox &s) { return named(s, "podman", "nsviz-eng-pod-a"); },
         SandboxKind::Container, false},
        {"podman-pod-b", [](const Sandbox &s) { return named(s, "podman", "nsviz-eng-pod-b"); },
         SandboxKind::Container, false},
        {"podman-rootless", [](const Sandbox &s) { return named(s, "podman", "nsviz-eng-rootless"); },
         SandboxKind::Container, false},
        {"lxc",
         [](const Sandbox &s) {
             return s.kind == SandboxKind::Container && named(s, "lxc", "nsviz-eng-lxc");
         },
         SandboxKind::Container, false},
        {"nspawn-private", [](const Sandbox &s) { return named(s, "nspawn", "nsviz-eng-nspawn-private"); },
         SandboxKind::Container, false},
        {"nspawn-hostnet", [](const Sandbox &s) { return named(s, "nspawn", "nsviz-eng-nspawn-hostnet"); },
         SandboxKind::Container, true},
        {"bwrap-private", [](const Sandbox &s) { return s.engine == "bwrap" && s.isolatesType(NsType::Net); },
         SandboxKind::AppSandbox, false},
        {"bwrap-sharenet", [](const Sandbox &s) { return s.engine == "bwrap" && s.sharesType(NsType::Net); },
         SandboxKind::AppSandbox, true},
        {"firejail", [](const Sandbox &s) { return s.engine == "firejail"; }, SandboxKind::AppSandbox, true},
        // The mount-only sandbox: unshare exec'd the command, so nothing names the engine.
        {"unshare-mnt",
         [](const Sandbox &s) {
             return s.kind == SandboxKind::Bare && s.isolates == (1u << index(NsType::Mnt));
         },
         SandboxKind::Bare, false},
        {"unshare-nmpf", [](const Sandbox &s) { return s.engine == "unshare"; }, SandboxKind::Bare, false},
        {"ip-netns", [](const Sandbox &s) { return named(s, "ip-netns", "nsviz-eng-netns"); },
         SandboxKind::Bare, false},
    };
    return c;
}

class RealEnginesSnapshot : public ::testing::Test
{
protected:
    void SetUp() override
    {
        m_text = test::enginesSnapshotText();
        ASSERT_FALSE(m_text.empty()) << kFixture;
        m_snap = snapshotFromJsonText(m_text);
    }
    std::string m_text;
    Snapshot m_snap;
};

} // namespace

TEST_F(RealEnginesSnapshot, SnapshotJsonCarriesTheSandboxesUnchanged)
{
    ASSERT_FALSE(m_snap.sandboxes.empty());
    const auto original = nlohmann::json::parse(m_text);
    EXPECT_EQ(toJson(m_snap).at("sandboxes"), original.at("sandboxes"));
    // And the whole document reads back to the same snapshot.
    EXPECT_EQ(snapshotFromJson(toJson(m_snap)).sandboxes, m_snap.sandboxes);
}

TEST_F(RealEnginesSnapshot, EveryCaseIsExactlyOneSandboxWithItsLabel)
{
    for (const FixtureCase &c : cases()) {
        SCOPED_TRACE(c.name);
        std::vector<const Sandbox *> found;
        for (const Sandbox &s : m_snap.sandboxes)
            if (c.is(s))
                found.push_back(&s);
        ASSERT_EQ(found.size(), 1u);
        const Sandbox &s = *found.front();
        EXPECT_EQ(s.kind, c.kind) << sandboxKindName(s.kind);
        ASSERT_TRUE(s.init.has_value());
        const std::string label = sandboxLabel(s);
        EXPECT_FALSE(label.empty());
        if (!s.name.empty()) {
            EXPECT_EQ(label, s.name);
        }
    }
}

// The pod of two: one sandbox of kind pod, known by the pod id from its cgroupfs path
// ("/libpod_parent/<pod id>/libpod-<container id>", podman without systemd), which both containers name.
TEST_F(RealEnginesSnapshot, ThePodIsOneSandboxKnownByItsId)
{
    std::vector<const Sandbox *> pods;
    for (const Sandbox &s : m_snap.sandboxes)
        if (s.kind == SandboxKind::Pod)
            pods.push_back(&s);
    ASSERT_EQ(pods.size(), 1u);
    const Sandbox &pod = *pods.front();
    EXPECT_EQ(pod.engine, "podman");
    ASSERT_EQ(pod.engineId.size(), 64u);
    EXPECT_EQ(pod.id, "podman:" + pod.engineId);
    EXPECT_EQ(sandboxLabel(pod), "podman pod " + pod.engineId.substr(0, 12));
    int containers = 0;
    for (const Sandbox &s : m_snap.sandboxes)
        if (s.pod == pod.id) {
            ++containers;
            EXPECT_EQ(s.kind, SandboxKind::Container) << s.id;
            const Process *init = m_snap.findProcess(s.init->pid);
            ASSERT_NE(init, nullptr);
            EXPECT_NE(init->cgroup.find("/libpod_parent/" + pod.engineId + "/libpod-"), std::string::npos)
                << init->cgroup;
        }
    EXPECT_EQ(containers, 2);
}

TEST_F(RealEnginesSnapshot, HostNetworkAlarmIsForExactlyTheHostNetworkCases)
{
    std::set<std::string> want, got;
    for (const FixtureCase &c : cases()) {
        if (c.alarm)
            want.insert(c.name);
        for (const Sandbox &s : m_snap.sandboxes)
            if (c.is(s) && hostNetworkAlarm(s))
                got.insert(c.name);
    }
    EXPECT_EQ(got, want);
    // Nothing else in the fixture is alarmed: not the pod, not the engines' helpers (conmon,
    // catatonit, slirp4netns, the lxc monitor), which are informational.
    for (const Sandbox &s : m_snap.sandboxes) {
        bool aCase = false;
        for (const FixtureCase &c : cases())
            aCase = aCase || c.is(s);
        if (aCase)
            continue;
        EXPECT_FALSE(hostNetworkAlarm(s)) << s.id << " (" << sandboxKindName(s.kind) << ")";
        if (s.kind == SandboxKind::Infrastructure) {
            EXPECT_TRUE(isInformational(s)) << s.id;
        }
    }
}

TEST_F(RealEnginesSnapshot, EveryProcessInAtMostOneSandboxAndHelpersNeverContainers)
{
    std::map<int, std::string> owner;
    for (const Sandbox &s : m_snap.sandboxes)
        for (const SandboxMember &m : s.processes) {
            auto [it, fresh] = owner.emplace(m.pid, s.id);
            EXPECT_TRUE(fresh) << "pid " << m.pid << " in " << it->second << " and " << s.id;
        }
    for (const Process &p : m_snap.processes) {
        if (p.comm != "conmon" && p.comm != "slirp4netns" && p.comm != "lxc-start")
            continue;
        const Sandbox *s = sandboxOf(m_snap, p);
        ASSERT_NE(s, nullptr) << p.comm << " " << p.pid;
        EXPECT_EQ(s->kind, SandboxKind::Infrastructure) << p.comm << " " << p.pid << " in " << s->id;
    }
}

TEST_F(RealEnginesSnapshot, SandboxIndexFindsWhatSandboxOfFinds)
{
    const SandboxIndex index(m_snap);
    int inSandbox = 0;
    for (const Process &p : m_snap.processes) {
        const Sandbox *want = sandboxOf(m_snap, p);
        EXPECT_EQ(index.of(p), want) << p.comm << " " << p.pid;
        inSandbox += want != nullptr;
    }
    EXPECT_GT(inSandbox, 10); // the fixture's engines: the comparison covers real members
}

TEST(SandboxIndex, FirstListingSandboxWinsAndIdentityIsPidAndStartTime)
{
    Snapshot s;
    Process a, b, c;
    a.pid = 10, a.startTime = 100;
    b.pid = 20, b.startTime = 200;
    c.pid = 30, c.startTime = 300;
    s.processes = {a, b, c};
    Sandbox first, second;
    first.id = "first";
    first.processes = {{20, 200}};
    second.id = "second";
    second.processes = {{10, 100}, {20, 200}, {30, 999}}; // 30 with another start time: a reused pid
    s.sandboxes = {first, second};
    const SandboxIndex index(s);
    for (const Process &p : s.processes)
        EXPECT_EQ(index.of(p), sandboxOf(s, p)) << p.pid;
    ASSERT_NE(index.of(b), nullptr);
    EXPECT_EQ(index.of(b)->id, "first");
    EXPECT_EQ(index.of(a)->id, "second");
    EXPECT_EQ(index.of(c), nullptr);
    EXPECT_EQ(SandboxIndex().of(a), nullptr);
    EXPECT_EQ(SandboxIndex(Snapshot()).of(a), nullptr);
}
