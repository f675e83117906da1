// SPDX-License-Identifier: GPL-2.0-or-later
// The host reference is decided once, by discovery's host step: findHostReference() (the minimal scan
// the diff uses without a snapshot) must pick exactly what a full discover() picks, on every fixture
// tree and on the live host.
#include "core/discovery/discovery.h"
#include "core/discovery/hostreference.h"
#include "tests/common/fakensquery.h"

#include <gtest/gtest.h>

using namespace nsviz;
using nsviz::test::FakeNsQuery;

namespace
{
const std::string kData = NSVIZ_TEST_DATA;
constexpr std::uint64_t kHostUser = 4026531837;

struct Case {
    const char *tree;
    int pid;
    const char *comm;
    const char *noteHas;
};

// PID 1 readable; PID 1 unreadable -> kthreadd; neither -> none.
constexpr Case kCases[] = {
    {"proc-basic", 1, "systemd", "PID 1"},
    {"proc-kthreadd", 2, "kthreadd", "kthreadd (pid 2)"},
    {"proc-noref", 0, "", "neither PID 1 nor kthreadd (pid 2) could be read"},
};

void fakeKernel(FakeNsQuery &q)
{
    q.setDefaultOwner(kHostUser);
    q.add(kHostUser, {NsType::User, 0, EPERM, 0, EPERM, 0});
}

void expectSame(const HostReference &got, const HostReference &want, const std::string &where)
{
    EXPECT_EQ(got.pid, want.pid) << where;
    EXPECT_EQ(got.startTime, want.startTime) << where;
    EXPECT_EQ(got.comm, want.comm) << where;
    EXPECT_EQ(got.note, want.note) << where;
}
} // namespace

TEST(HostReference, MinimalScanPicksWhatDiscoveryPicksOnEveryFixture)
{
    for (const Case &c : kCases) {
        const std::string root = kData + "/" + c.tree;
        FakeNsQuery q1, q2;
        fakeKernel(q1);
        fakeKernel(q2);
        DiscoveryOptions o;
        o.procRoot = root;
        const Snapshot s = discover(o, q1);
        const HostReference fromSnapshot = hostReference(s);
        EXPECT_EQ(fromSnapshot.pid, c.pid) << c.tree;
        EXPECT_EQ(fromSnapshot.valid(), c.pid > 0) << c.tree;
        EXPECT_EQ(fromSnapshot.comm, c.comm) << c.tree;
        EXPECT_NE(fromSnapshot.note.find(c.noteHas), std::string::npos)
            << c.tree << ": " << fromSnapshot.note;
        if (c.pid > 0) {
            ASSERT_NE(s.findProcess(c.pid), nullptr);
            EXPECT_EQ(fromSnapshot.startTime, s.findProcess(c.pid)->startTime) << c.tree;
            EXPECT_NE(fromSnapshot.startTime, 0u) << c.tree;
        } else {
            EXPECT_EQ(fromSnapshot.startTime, 0u);
        }
        expectSame(findHostReference(root, q2), fromSnapshot, c.tree);
        EXPECT_EQ(q2.openHandles(), 0) << c.tree;
        // The real nsfs operations on the same tree (its links dangle): the same choice.
        expectSame(findHostReference(root), fromSnapshot, std::string(c.tree) + " (NsfsQuery)");
    }
}

TEST(HostReference, NoReferenceSaysWhatIsStillKnown)
{
    FakeNsQuery q;
    fakeKernel(q);
    const HostReference r = findHostReference(kData + "/proc-noref", q);
    EXPECT_FALSE(r.valid());
    EXPECT_TRUE(r.comm.empty());
    // The minimal scan widened to every process, so the note is discovery's own, fixed inodes and all.
    EXPECT_NE(r.note.find("fixed initial inode"), std::string::npos) << r.note;
    EXPECT_NE(r.note.find("run as root"), std::string::npos) << r.note;
}

TEST(HostReference, AskedPidsOnlyAreRead)
{
    FakeNsQuery q;
    fakeKernel(q);
    DiscoveryOptions o;
    o.procRoot = kData + "/proc-basic";
    o.fds = o.bindMounts = o.hierarchy = false;
    o.pids = {2, 1, 999999, 2, -4, 0};
    const Snapshot s = discover(o, q);
    ASSERT_EQ(s.processes.size(), 2u);
    EXPECT_EQ(s.processes[0].pid, 1);
    EXPECT_EQ(s.processes[1].pid, 2);
    EXPECT_EQ(s.host.referencePid, 1);
}

TEST(HostReference, ReusedPidIsNotTheReference)
{
    FakeNsQuery q;
    fakeKernel(q);
    DiscoveryOptions o;
    o.procRoot = kData + "/proc-kthreadd";
    Snapshot s = discover(o, q);
    const Process kthreadd = *s.findProcess(2);
    EXPECT_EQ(s.host.referenceStartTime, kthreadd.startTime);
    EXPECT_TRUE(isHostReference(s, kthreadd));
    EXPECT_FALSE(isHostReference(s, *s.findProcess(1)));
    EXPECT_FALSE(isHostReference(s, *s.findProcess(50)));
    Process reused = kthreadd;
    reused.startTime += 1000;
    EXPECT_FALSE(isHostReference(s, reused));
    // Unknown on one side (a file from an older helper) falls back to the pid.
    s.host.referenceStartTime = 0;
    EXPECT_TRUE(isHostReference(s, reused));

    // No reference: nothing is it, not even a process with pid 0.
    Snapshot none;
    none.host.referencePid = 0;
    Process zero;
    EXPECT_FALSE(isHostReference(none, zero));
    EXPECT_FALSE(hostReference(none).valid());
}

TEST(HostReference, LiveHostAgreesWithDiscovery)
{
    // On the development VM even root cannot read PID 1's links: this is the kthreadd fallback there,
    // PID 1 elsewhere, and no reference for an unprivileged run in a sandbox.
    DiscoveryOptions o;
    o.fds = o.bindMounts = false;
    const Snapshot s = discover(o);
    const HostReference want = hostReference(s);
    const HostReference got = findHostReference();
    EXPECT_EQ(got.pid, want.pid);
    EXPECT_EQ(got.startTime, want.startTime);
    EXPECT_EQ(got.comm, want.comm);
    if (want.valid()) {
        EXPECT_EQ(got.note, want.note);
        EXPECT_TRUE(isHostReference(s, *s.findProcess(want.pid)));
    }
}
