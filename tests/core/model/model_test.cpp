// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/model/delta.h"
#include "core/model/nstype.h"
#include "core/protocol/snapshotjson.h"

#include <functional>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sched.h>

using namespace nsviz;

namespace
{
Process proc(int pid, std::uint64_t start, std::uint64_t netIno)
{
    Process p;
    p.pid = pid;
    p.ppid = 1;
    p.startTime = start;
    p.comm = "p" + std::to_string(pid);
    p.cmdline = {"/bin/p", "arg with space"};
    for (NsType t : kAllNsTypes)
        p.ns[index(t)] = NsId{4, 4026531830u + index(t)};
    p.ns[index(NsType::Net)] = NsId{4, netIno};
    return p;
}

Namespace ns(NsType t, std::uint64_t ino, std::vector<int> pids)
{
    Namespace n;
    n.type = t;
    n.id = NsId{4, ino};
    n.pids = std::move(pids);
    n.foundBy = FoundByProcess;
    return n;
}
} // namespace

TEST(NsType, NamesRoundTrip)
{
    for (NsType t : kAllNsTypes) {
        auto back = nsTypeFromName(nsTypeName(t));
        ASSERT_TRUE(back);
        EXPECT_EQ(*back, t);
        EXPECT_EQ(nsTypeFromCloneFlag(nsCloneFlag(t)), t);
    }
    EXPECT_EQ(nsCloneFlag(NsType::Net), CLONE_NEWNET);
    EXPECT_FALSE(nsTypeFromName("network"));
    EXPECT_FALSE(nsTypeFromName(""));
}

TEST(SnapshotJson, RoundTripKeepsEverything)
{
    Snapshot s;
    s.host.hostname = "h";
    s.host.referencePid = 2;
    s.host.referenceNote = "PID 1 not readable";
    s.host.referenceStartTime = 12345;
    s.processes = {proc(1, 10, 4026531840u), proc(7, 99, 4026532000u)};
    s.processes[1].differsFromHost = 1u << index(NsType::Net);
    s.processes[1].nspid = {7, 1};
    s.namespaces = {ns(NsType::Net, 4026531840u, {1}), ns(NsType::Net, 4026532000u, {7})};
    s.namespaces[1].owner = NsId{4, 4026531837u};
    s.namespaces[1].parentKnown = false;
    s.hostNs = s.processes[0].ns;
    auto j = toJson(s);
    EXPECT_EQ(j["schema"], "nsviz.snapshot/1");
    EXPECT_EQ(j["namespaces"][1]["owner"], 4026531837u);
    EXPECT_TRUE(j["namespaces"][1]["parent"].is_null());
    EXPECT_EQ(j["processes"][1]["ns"]["net"], 4026532000u);
    EXPECT_EQ(j["host"]["reference_start_time"], 12345u);
    Snapshot back = snapshotFromJsonText(j.dump());
    EXPECT_TRUE(sameContent(s, back));
    EXPECT_EQ(back.host.referenceStartTime, 12345u);
    // Older documents have no reference start time: unknown, not an error.
    j["host"].erase("reference_start_time");
    EXPECT_EQ(snapshotFromJsonText(j.dump()).host.referenceStartTime, 0u);
}

TEST(SnapshotJson, RejectsForeignAndBrokenDocuments)
{
    EXPECT_THROW(snapshotFromJsonText("{\"schema\": \"other/1\"}"), SchemaError);
    EXPECT_THROW(snapshotFromJsonText("[1,2]"), SchemaError);
    EXPECT_THROW(snapshotFromJsonText(
                     "{\"schema\": \"nsviz.snapshot/1\", \"host\": {\"hostname\": \"x\"}, "
                     "\"namespaces\": [], \"processes\": [{\"pid\": -4, \"comm\": \"x\", \"ns\": {}}]}"),
                 SchemaError);
    EXPECT_THROW(snapshotFromJsonText("{\"schema\": \"nsviz.snapshot/1\", \"host\""), SchemaError);
    EXPECT_THROW(
        snapshotFromJsonText("{\"schema\": \"nsviz.snapshot/1\", \"host\": {\"hostname\": \"x\"}, "
                             "\"namespaces\": [{\"type\": \"bogus\", \"inode\": 5}], \"processes\": []}"),
        SchemaError);
}

TEST(Delta, ApplyReproducesTarget)
{
    Snapshot a;
    a.processes = {proc(1, 10, 100), proc(5, 50, 100), proc(9, 90, 200)};
    a.namespaces = {ns(NsType::Net, 100, {1, 5}), ns(NsType::Net, 200, {9})};
    Snapshot b = a;
    b.processes.erase(b.processes.begin() + 1); // 5 exits
    b.processes.push_back(proc(12, 120, 300));  // 12 starts in a new netns
    b.processes[1].comm = "renamed";            // 9 changes
    b.host.referenceStartTime = 42;             // the reference is a new process
    b.namespaces[0].pids = {1};
    b.namespaces.push_back(ns(NsType::Net, 300, {12}));
    auto d = computeDelta(a, b);
    EXPECT_EQ(d.addedProcesses.size(), 1u);
    EXPECT_EQ(d.removedProcesses.size(), 1u);
    EXPECT_EQ(d.changedProcesses.size(), 1u);
    EXPECT_EQ(d.addedNamespaces.size(), 1u);
    EXPECT_EQ(d.changedNamespaces.size(), 1u);
    Snapshot c = a;
    applyDelta(c, d);
    EXPECT_TRUE(sameContent(b, c));
}

TEST(Delta, TakingTheAddedProcessesGivesTheSameDeltaAndLeavesTheirKeys)
{
    Snapshot a;
    a.processes = {proc(1, 10, 100), proc(5, 50, 100)};
    a.namespaces = {ns(NsType::Net, 100, {1, 5})};
    Snapshot b = a;
    b.processes[1].comm = "renamed"; // 5 changes
    Process born = proc(12, 120, 300);
    born.cmdline = {"/bin/sleep", "1000"};
    born.nspid = {12, 1};
    born.cgroup = "/system.slice/x.service";
    b.processes.push_back(born); // 12 starts in a new netns
    b.namespaces.push_back(ns(NsType::Net, 300, {12}));
    const SnapshotDelta copied = computeDelta(a, b);
    Snapshot taken = b;
    const SnapshotDelta moved = computeDeltaTakingAdded(a, taken);
    EXPECT_EQ(copied.addedProcesses, moved.addedProcesses);
    EXPECT_EQ(copied.changedProcesses, moved.changedProcesses);
    EXPECT_EQ(copied.removedProcesses, moved.removedProcesses);
    EXPECT_EQ(copied.addedNamespaces, moved.addedNamespaces);
    EXPECT_EQ(copied.changedNamespaces, moved.changedNamespaces);
    ASSERT_EQ(moved.addedProcesses.size(), 1u);
    EXPECT_EQ(moved.addedProcesses[0], born);
    // What stays with the snapshot: the key, the namespaces, the flags. Only the changed process is
    // a copy: the snapshot's own is whole.
    const Process &left = taken.processes[2];
    EXPECT_EQ(left.key(), born.key());
    EXPECT_EQ(left.ns, born.ns);
    EXPECT_EQ(taken.processes[1], b.processes[1]);
}

TEST(Delta, ReusedPidIsRemovalPlusAddition)
{
    Snapshot a;
    a.processes = {proc(5, 50, 100)};
    Snapshot b;
    b.processes = {proc(5, 77, 100)};
    auto d = computeDelta(a, b);
    EXPECT_EQ(d.removedProcesses.size(), 1u);
    EXPECT_EQ(d.addedProcesses.size(), 1u);
    EXPECT_TRUE(d.changedProcesses.empty());
}

TEST(Delta, MisfitLeavesSnapshotUntouched)
{
    Snapshot a;
    a.processes = {proc(5, 50, 100)};
    Snapshot before = a;
    SnapshotDelta d;
    d.removedProcesses = {ProcKey{6, 1}};
    EXPECT_THROW(applyDelta(a, d), DeltaError);
    EXPECT_TRUE(sameContent(a, before));
    SnapshotDelta dup;
    dup.addedProcesses = {proc(5, 51, 100)};
    EXPECT_THROW(applyDelta(a, dup), DeltaError);
    EXPECT_TRUE(sameContent(a, before));
}

namespace
{
Sandbox box(std::string id, std::vector<int> pids)
{
    Sandbox b;
    b.id = std::move(id);
    b.kind = SandboxKind::Container;
    for (int pid : pids)
        b.processes.push_back(SandboxMember{pid, static_cast<std::uint64_t>(pid) * 10});
    return b;
}

// Two pictures of one host: the host's net namespace loses 5 and gains 12 and 14, a namespace
// gains an fd holder (not only its members change), one sandbox appears, one changes, one goes.
std::pair<Snapshot, Snapshot> memberChangeFixture()
{
    Snapshot a;
    a.processes = {proc(1, 10, 100), proc(5, 50, 100), proc(9, 90, 200)};
    a.namespaces = {ns(NsType::Net, 100, {1, 5}), ns(NsType::Net, 200, {9}), ns(NsType::Uts, 400, {1, 5, 9})};
    a.sandboxes = {box("container:a", {9}), box("container:b", {5}), box("container:c", {1})};
    Snapshot b = a;
    b.processes.erase(b.processes.begin() + 1);
    b.processes.push_back(proc(12, 120, 100));
    b.processes.push_back(proc(14, 140, 100));
    b.namespaces[0].pids = {1, 12, 14};
    b.namespaces[1].fdHolders = {"1/3"};
    b.namespaces[1].foundBy |= FoundByFd;
    b.namespaces[2].pids = {1, 9, 12, 14};
    b.sandboxes = {box("container:a", {9, 14}), box("container:c", {1}), box("container:d", {12})};
    return {a, b};
}
} // namespace

TEST(Delta, MemberFormSaysOnlyWhoJoinedAndLeftAndExpandsBackExactly)
{
    auto [a, b] = memberChangeFixture();
    const SnapshotDelta whole = computeDelta(a, b);
    ASSERT_EQ(whole.changedNamespaces.size(), 3u);
    ASSERT_TRUE(whole.sandboxes);

    SnapshotDelta d = whole;
    compactDelta(a, d);
    EXPECT_TRUE(d.compact());
    // The fd holder is not a member change: that namespace stays whole.
    ASSERT_EQ(d.changedNamespaces.size(), 1u);
    EXPECT_EQ(d.changedNamespaces[0].id.ino, 200u);
    ASSERT_EQ(d.namespaceMembers.size(), 2u);
    const NsMembers &net =
        d.namespaceMembers[0].id.ino == 100 ? d.namespaceMembers[0] : d.namespaceMembers[1];
    const NsMembers &uts =
        d.namespaceMembers[0].id.ino == 100 ? d.namespaceMembers[1] : d.namespaceMembers[0];
    EXPECT_EQ(net.added, (std::vector<int>{12, 14}));
    EXPECT_EQ(net.removed, (std::vector<int>{5}));
    EXPECT_EQ(uts.added, (std::vector<int>{12, 14}));
    EXPECT_EQ(uts.removed, (std::vector<int>{5}));
    EXPECT_FALSE(d.sandboxes);
    ASSERT_EQ(d.changedSandboxes.size(), 2u);
    EXPECT_EQ(d.changedSandboxes[0].id, "container:a");
    EXPECT_EQ(d.changedSandboxes[1].id, "container:d");
    EXPECT_EQ(d.removedSandboxes, (std::vector<std::string>{"container:b"}));

    // Applied as it is, expanded by a receiver that holds a, or by a sender that holds b: the same.
    Snapshot c = a;
    applyDelta(c, d);
    EXPECT_TRUE(sameContent(c, b));
    SnapshotDelta fromBefore = d;
    expandDelta(a, fromBefore);
    EXPECT_FALSE(fromBefore.compact());
    EXPECT_EQ(fromBefore.changedNamespaces, whole.changedNamespaces);
    EXPECT_EQ(fromBefore.sandboxes, whole.sandboxes);
    SnapshotDelta fromAfter = d;
    expandDeltaFromAfter(b, fromAfter);
    EXPECT_FALSE(fromAfter.compact());
    EXPECT_EQ(fromAfter.changedNamespaces, whole.changedNamespaces);
    EXPECT_EQ(fromAfter.sandboxes, whole.sandboxes);
    // Nothing changed: nothing to say in either form.
    SnapshotDelta none = computeDelta(a, a);
    compactDelta(a, none);
    EXPECT_TRUE(none.empty());
}

TEST(Delta, MemberChangesThatDoNotFitAreRefusedAndChangeNothing)
{
    auto [a, b] = memberChangeFixture();
    SnapshotDelta good = computeDelta(a, b);
    compactDelta(a, good);
    auto refused = [&a = a](const SnapshotDelta &bad, const char *what) {
        Snapshot s = a;
        SnapshotDelta d = bad;
        EXPECT_THROW(expandDelta(s, d), DeltaError) << what;
        EXPECT_EQ(d.namespaceMembers, bad.namespaceMembers) << what << ": the delta was touched";
        EXPECT_THROW(applyDelta(s, bad), DeltaError) << what;
        EXPECT_TRUE(sameContent(s, a)) << what << ": the snapshot was touched";
    };
    auto with = [&](const std::function<void(SnapshotDelta &)> &f) {
        SnapshotDelta d = good;
        f(d);
        return d;
    };
    refused(with([](SnapshotDelta &d) { d.namespaceMembers[0].removed = {9}; }), "removes a non-member");
    refused(with([](SnapshotDelta &d) { d.namespaceMembers[0].added = {1}; }), "adds a member again");
    refused(with([](SnapshotDelta &d) { d.namespaceMembers[0].id.ino = 999; }), "unknown namespace");
    refused(with([](SnapshotDelta &d) { d.namespaceMembers[0].added = {14, 12}; }), "not ascending");
    refused(with([](SnapshotDelta &d) { d.namespaceMembers.push_back(d.namespaceMembers[0]); }),
            "named twice");
    refused(with([](SnapshotDelta &d) { d.removedNamespaces.push_back(d.namespaceMembers[0].id); }),
            "removed and changed");
    refused(with([](SnapshotDelta &d) { d.removedSandboxes = {"container:zz"}; }), "unknown sandbox");
    refused(with([&b = b](SnapshotDelta &d) { d.sandboxes = b.sandboxes; }), "both sandbox forms");
    refused(with([](SnapshotDelta &d) { d.changedSandboxes.push_back(d.changedSandboxes[0]); }),
            "sandbox named twice");
}
