// SPDX-License-Identifier: GPL-2.0-or-later
// discover() over the fake proc trees in tests/data with a fake NsQuery (see make-fixtures.py).
#include "core/discovery/discovery.h"
#include "core/model/delta.h"
#include "core/protocol/snapshotjson.h"
#include "tests/common/fakensquery.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <system_error>

using namespace nsviz;
using nsviz::test::FakeNsQuery;

namespace
{
const std::string kBasic = std::string(NSVIZ_TEST_DATA) + "/proc-basic";
constexpr std::uint64_t kHostUser = 4026531837, kHostPid = 4026531836, kHostNet = 4026531840;
constexpr std::uint64_t kBoxUser = 4026532405, kBoxPid = 4026532401, kBoxNet = 4026532402;
constexpr std::uint64_t kHiddenUser = 4026532800, kHiddenPid = 4026532801;
constexpr std::uint64_t kBindNet = 4026532600, kFdNet = 4026532601, kThreadNet = 4026532602,
                        kBindUts = 4026532700;

// The made-up kernel behind proc-basic: box user ns -> hidden user ns -> host; box pid ns ->
// hidden pid ns -> host; the thread's net ns answers EPERM for its owner.
void setUpBasic(FakeNsQuery &q)
{
    q.setDefaultOwner(kHostUser);
    q.add(kHostUser, {NsType::User, 0, EPERM, 0, EPERM, 0});
    q.add(kHostPid, {NsType::Pid, kHostUser, 0, 0, EPERM, 0});
    q.add(kHiddenUser, {NsType::User, kHostUser, 0, kHostUser, 0, 1000});
    q.add(kBoxUser, {NsType::User, kHiddenUser, 0, kHiddenUser, 0, 100000});
    q.add(kHiddenPid, {NsType::Pid, kHiddenUser, 0, kHostPid, 0, 0});
    q.add(kBoxPid, {NsType::Pid, kBoxUser, 0, kHiddenPid, 0, 0});
    q.add(4026532400, {NsType::Mnt, kBoxUser, 0, 0, EPERM, 0});
    q.add(kBoxNet, {NsType::Net, kBoxUser, 0, 0, EPERM, 0});
    q.add(4026532403, {NsType::Uts, kBoxUser, 0, 0, EPERM, 0});
    q.add(4026532404, {NsType::Ipc, kBoxUser, 0, 0, EPERM, 0});
    q.add(kThreadNet, {NsType::Net, 0, EPERM, 0, EPERM, 0});
    q.addPath(kBasic + "/1/root/run/netns/blue", kBindNet);
    q.addPath(kBasic + "/200/root/run/keep-uts", kBindUts);
}

const Namespace &ns(const Snapshot &s, std::uint64_t ino)
{
    const Namespace *n = s.findNamespace(NsId{FakeNsQuery::kDev, ino});
    if (!n)
        throw std::runtime_error("namespace " + std::to_string(ino) + " not found");
    return *n;
}

Snapshot scanBasic(FakeNsQuery &q, bool tasks = false)
{
    setUpBasic(q);
    DiscoveryOptions o;
    o.procRoot = kBasic;
    o.tasks = tasks;
    return discover(o, q);
}
} // namespace

TEST(DiscoveryFixture, ProcessesAndBrokenEntries)
{
    FakeNsQuery q;
    Snapshot s = scanBasic(q);
    std::vector<int> pids;
    for (const auto &p : s.processes)
        pids.push_back(p.pid);
    // 105 vanished (no stat); "self" and "uptime" are no processes.
    EXPECT_EQ(pids, (std::vector<int>{1, 2, 3, 100, 101, 102, 103, 104, 200, 201}));

    const Process *weird = s.findProcess(100);
    ASSERT_TRUE(weird);
    EXPECT_EQ(weird->comm, "my (weird) proc)");
    EXPECT_EQ(weird->startTime, 200u);
    EXPECT_EQ(weird->uid, 1000u);
    EXPECT_EQ(weird->cmdline, (std::vector<std::string>{"/usr/bin/weird", "a b", ""}));
    EXPECT_TRUE(weird->visible);

    EXPECT_EQ(s.findProcess(101)->comm, "");
    EXPECT_TRUE(s.findProcess(101)->cmdline.empty());

    const Process *trunc = s.findProcess(102);
    EXPECT_EQ(trunc->comm, "trunc");
    EXPECT_EQ(trunc->ppid, 1);
    EXPECT_EQ(trunc->startTime, 0u);
    EXPECT_TRUE(std::any_of(s.warnings.begin(), s.warnings.end(),
                            [](const std::string &w) { return w.find("pid 102") != std::string::npos; }));

    const Process *nons = s.findProcess(103);
    EXPECT_FALSE(nons->visible);
    for (const NsId &id : nons->ns)
        EXPECT_FALSE(id.valid());
    EXPECT_EQ(s.host.invisibleProcesses, 1);
    EXPECT_FALSE(s.host.privileged);

    EXPECT_TRUE(s.findProcess(104)->nspid.empty());
    EXPECT_EQ(s.findProcess(200)->nspid, (std::vector<int>{200, 1}));
    EXPECT_EQ(s.findProcess(200)->cgroup, "/box.slice/a:b");
    EXPECT_EQ(s.findProcess(1)->cgroup, "/init.scope");

    EXPECT_TRUE(s.findProcess(2)->kernelThread);
    EXPECT_TRUE(s.findProcess(3)->kernelThread);
    EXPECT_FALSE(s.findProcess(1)->kernelThread);
    EXPECT_EQ(s.findProcess(1)->ns[index(NsType::Net)], (NsId{FakeNsQuery::kDev, kHostNet}));
    // The device is asked once per scan, not per link.
    EXPECT_EQ(q.deviceCalls(), 1);
}

TEST(DiscoveryFixture, HostReferenceIsPid1WhenReadable)
{
    FakeNsQuery q;
    Snapshot s = scanBasic(q);
    EXPECT_EQ(s.host.referencePid, 1);
    EXPECT_EQ(s.host.referenceComm, "systemd");
    EXPECT_EQ(s.host.hostname, "fakehost");
    EXPECT_EQ(s.host.kernel, "6.1.0-fake");
    EXPECT_EQ(s.host.bootId, "11111111-2222-3333-4444-555555555555");
    EXPECT_EQ(s.hostNs[index(NsType::Net)].ino, kHostNet);
    EXPECT_TRUE(ns(s, kHostNet).isHost);
    EXPECT_FALSE(ns(s, kBoxNet).isHost);
    const Process *box = s.findProcess(200);
    for (NsType t : {NsType::Mnt, NsType::Pid, NsType::Net, NsType::Uts, NsType::Ipc, NsType::User})
        EXPECT_TRUE(box->differs(t)) << nsTypeName(t);
    EXPECT_FALSE(box->differs(NsType::Cgroup));
    EXPECT_FALSE(box->differs(NsType::Time));
    EXPECT_EQ(s.findProcess(100)->differsFromHost, 0);
    EXPECT_EQ(s.findProcess(103)->differsFromHost, 0); // unknown is not "differs"
}

TEST(DiscoveryFixture, NamespacesAndHowTheyWereFound)
{
    FakeNsQuery q;
    Snapshot s = scanBasic(q);
    EXPECT_EQ(ns(s, kHostNet).pids, (std::vector<int>{1, 2, 3, 100, 101, 102, 104}));
    EXPECT_EQ(ns(s, kHostNet).foundBy, FoundByProcess);
    EXPECT_EQ(ns(s, kBoxNet).pids, (std::vector<int>{200, 201}));

    const Namespace &bind = ns(s, kBindNet);
    EXPECT_EQ(bind.type, NsType::Net);
    EXPECT_EQ(bind.foundBy, FoundByBindMount);
    EXPECT_TRUE(bind.pids.empty());
    EXPECT_EQ(bind.bindMounts, (std::vector<std::string>{"4026531841:/run/netns/blue"}));
    EXPECT_EQ(bind.owner, (NsId{FakeNsQuery::kDev, kHostUser}));

    // Found in the mountinfo of the box's mount namespace, not the host's.
    const Namespace &uts = ns(s, kBindUts);
    EXPECT_EQ(uts.type, NsType::Uts);
    EXPECT_EQ(uts.bindMounts, (std::vector<std::string>{"4026532400:/run/keep-uts"}));

    const Namespace &fd = ns(s, kFdNet);
    EXPECT_EQ(fd.foundBy, FoundByFd);
    EXPECT_EQ(fd.fdHolders, (std::vector<std::string>{"1/7"}));

    // Sorted by (type, id).
    for (std::size_t i = 1; i < s.namespaces.size(); ++i)
        EXPECT_LT(std::tie(s.namespaces[i - 1].type, s.namespaces[i - 1].id),
                  std::tie(s.namespaces[i].type, s.namespaces[i].id));
    // Loose threads only when asked.
    EXPECT_TRUE(s.looseThreads.empty());
    EXPECT_EQ(s.findNamespace(NsId{FakeNsQuery::kDev, kThreadNet}), nullptr);
}

TEST(DiscoveryFixture, HierarchyWithHiddenNodes)
{
    FakeNsQuery q;
    Snapshot s = scanBasic(q);
    const NsId hostUser{FakeNsQuery::kDev, kHostUser};
    const NsId hiddenUser{FakeNsQuery::kDev, kHiddenUser};

    const Namespace &hu = ns(s, kHostUser);
    EXPECT_TRUE(hu.ownerKnown);
    EXPECT_FALSE(hu.owner);
    EXPECT_TRUE(hu.parentKnown); // the initial user namespace: "none" is known, not guessed
    EXPECT_FALSE(hu.parent);
    EXPECT_EQ(hu.ownerUid, 0u);

    const Namespace &bu = ns(s, kBoxUser);
    EXPECT_EQ(bu.parent, hiddenUser);
    EXPECT_EQ(bu.owner, hiddenUser);
    EXPECT_EQ(bu.ownerUid, 100000u);

    const Namespace &hidden = ns(s, kHiddenUser);
    EXPECT_EQ(hidden.foundBy, FoundByHidden);
    EXPECT_EQ(hidden.type, NsType::User);
    EXPECT_EQ(hidden.parent, hostUser);
    EXPECT_EQ(hidden.ownerUid, 1000u);
    EXPECT_TRUE(hidden.pids.empty());

    const Namespace &bp = ns(s, kBoxPid);
    EXPECT_EQ(bp.parent, (NsId{FakeNsQuery::kDev, kHiddenPid}));
    EXPECT_EQ(bp.owner, (NsId{FakeNsQuery::kDev, kBoxUser}));
    const Namespace &hp = ns(s, kHiddenPid);
    EXPECT_EQ(hp.foundBy, FoundByHidden);
    EXPECT_EQ(hp.type, NsType::Pid);
    EXPECT_EQ(hp.parent, (NsId{FakeNsQuery::kDev, kHostPid}));
    EXPECT_EQ(hp.owner, hiddenUser);
    EXPECT_TRUE(ns(s, kHostPid).parentKnown);
    EXPECT_FALSE(ns(s, kHostPid).parent);

    // Non-pid/user namespaces have no parent, and that is known.
    EXPECT_TRUE(ns(s, kBoxNet).parentKnown);
    EXPECT_FALSE(ns(s, kBoxNet).parent);
    EXPECT_EQ(ns(s, kBoxNet).owner, (NsId{FakeNsQuery::kDev, kBoxUser}));

    EXPECT_EQ(q.openHandles(), 0) << "every handle must be closed";
}

TEST(DiscoveryFixture, EpermMeansUnknownNotNone)
{
    FakeNsQuery q;
    setUpBasic(q);
    // A user namespace that is not the initial one and whose parent the kernel will not show.
    q.add(kBoxUser, {NsType::User, 0, EPERM, 0, EPERM, 100000});
    DiscoveryOptions o;
    o.procRoot = kBasic;
    Snapshot s = discover(o, q);
    const Namespace &bu = ns(s, kBoxUser);
    EXPECT_FALSE(bu.ownerKnown);
    EXPECT_FALSE(bu.parentKnown);
    EXPECT_FALSE(bu.owner);
    // The JSON says so too.
    auto j = toJson(bu);
    EXPECT_TRUE(j["parent"].is_null());
    EXPECT_EQ(j["parent_known"], false);
}

TEST(DiscoveryFixture, LooseThreadsWhenAsked)
{
    FakeNsQuery q;
    Snapshot s = scanBasic(q, true);
    ASSERT_EQ(s.looseThreads.size(), 1u);
    const LooseThread &t = s.looseThreads[0];
    EXPECT_EQ(t.pid, 200);
    EXPECT_EQ(t.tid, 202);
    EXPECT_EQ(t.comm, "networker");
    EXPECT_EQ(t.ns[index(NsType::Net)].ino, kThreadNet);
    const Namespace &tn = ns(s, kThreadNet);
    EXPECT_TRUE(tn.pids.empty());
    EXPECT_FALSE(tn.ownerKnown); // the fake answers EPERM for it
}

TEST(DiscoveryFixture, KthreaddIsTheReferenceWhenPid1IsUnreadable)
{
    FakeNsQuery q;
    q.setDefaultOwner(kHostUser);
    q.add(kHostUser, {NsType::User, 0, EPERM, 0, EPERM, 0});
    DiscoveryOptions o;
    o.procRoot = std::string(NSVIZ_TEST_DATA) + "/proc-kthreadd";
    Snapshot s = discover(o, q);
    EXPECT_EQ(s.host.referencePid, 2);
    EXPECT_EQ(s.host.referenceComm, "kthreadd");
    EXPECT_NE(s.host.referenceNote.find("kthreadd"), std::string::npos);
    EXPECT_FALSE(s.findProcess(1)->visible);
    EXPECT_TRUE(s.findProcess(50)->differs(NsType::Net));
    EXPECT_FALSE(s.findProcess(50)->differs(NsType::Pid));
    EXPECT_TRUE(ns(s, kHostNet).isHost);
    EXPECT_EQ(s.host.hostname, "hardened");
}

TEST(DiscoveryFixture, BadProcRoot)
{
    FakeNsQuery q;
    DiscoveryOptions o;
    o.procRoot = std::string(NSVIZ_TEST_DATA) + "/does-not-exist";
    EXPECT_THROW(discover(o, q), std::system_error);
    o.procRoot = std::string(NSVIZ_TEST_DATA) + "/proc-empty";
    Snapshot s = discover(o, q);
    EXPECT_TRUE(s.processes.empty());
    EXPECT_FALSE(s.warnings.empty());
}

TEST(DiscoveryFixture, JsonRoundTripOfARealScan)
{
    FakeNsQuery q;
    Snapshot s = scanBasic(q, true);
    Snapshot back = snapshotFromJsonText(toJson(s).dump());
    EXPECT_TRUE(sameContent(s, back));
}

TEST(DiscoveryFixture, ThreadsDoNotChangeTheResult)
{
    FakeNsQuery q1, q4;
    setUpBasic(q1);
    setUpBasic(q4);
    DiscoveryOptions o;
    o.procRoot = kBasic;
    o.tasks = true;
    o.threads = 1;
    Snapshot one = discover(o, q1);
    o.threads = 4;
    Snapshot four = discover(o, q4);
    EXPECT_TRUE(sameContent(one, four));
    EXPECT_EQ(one.warnings, four.warnings);
}

TEST(DiscoveryFixture, NoReferenceProcessStillKnowsTheFixedInitialNamespaces)
{
    FakeNsQuery q;
    q.setDefaultOwner(kHostUser);
    q.add(kHostUser, {NsType::User, 0, EPERM, 0, EPERM, 0});
    DiscoveryOptions o;
    o.procRoot = std::string(NSVIZ_TEST_DATA) + "/proc-noref";
    Snapshot s = discover(o, q);
    EXPECT_EQ(s.host.referencePid, 0);
    EXPECT_NE(s.host.referenceNote.find("fixed initial inode"), std::string::npos) << s.host.referenceNote;
    EXPECT_EQ(s.hostNs[index(NsType::Uts)].ino, 4026531838u);
    EXPECT_EQ(s.hostNs[index(NsType::User)].ino, kHostUser);
    EXPECT_FALSE(s.hostNs[index(NsType::Net)].valid()); // net and mnt have no fixed inode
    EXPECT_FALSE(s.hostNs[index(NsType::Mnt)].valid());
    EXPECT_EQ(s.findProcess(60)->differsFromHost, 0);
    EXPECT_TRUE(s.findProcess(61)->differs(NsType::Uts));
    EXPECT_FALSE(s.findProcess(61)->differs(NsType::Net)); // unknown is not "differs"
    EXPECT_TRUE(ns(s, 4026531838).isHost);
    EXPECT_FALSE(ns(s, kHostNet).isHost);
    EXPECT_EQ(s.host.invisibleProcesses, 2);
}
