// SPDX-License-Identifier: GPL-2.0-or-later
// LiveScan over a copy of a fixture tree that the test changes the way processes do (exec into
// another namespace, exit, setns without any event, a new pid nobody told about): after each
// update or sweep, the kept state equals discover() of the same tree, and an update reads only
// what it was told (plus the children of an exited process).
#include "core/discovery/discovery.h"
#include "core/discovery/hierarchycache.h"
#include "core/discovery/livescan.h"
#include "core/model/delta.h"
#include "tests/common/fakensquery.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <unistd.h>

using namespace nsviz;
using nsviz::test::FakeNsQuery;
namespace fs = std::filesystem;

namespace
{
/// Replaces every whole-word @p from in @p file by @p to.
void rewrite(const fs::path &file, const std::string &from, const std::string &to)
{
    std::ifstream in(file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    in.close();
    for (std::size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size())
        text.replace(at, from.size(), to);
    std::ofstream(file, std::ios::trunc) << text;
}

constexpr std::uint64_t kHostUser = 4026531837, kBoxUser = 4026532405, kBoxNet = 4026532402,
                        kOtherUts = 4026532990;

class LiveScanFixture : public ::testing::Test
{
protected:
    void SetUp() override
    {
        m_root = fs::path(NSVIZ_TEST_OUTPUT) / ("livescan-" + std::to_string(::getpid()));
        fs::remove_all(m_root);
        fs::copy(fs::path(NSVIZ_TEST_DATA) / "proc-basic", m_root,
                 fs::copy_options::recursive | fs::copy_options::copy_symlinks);
        m_query = std::make_shared<FakeNsQuery>();
        m_query->setDefaultOwner(kHostUser);
        m_query->add(kBoxUser, {NsType::User, kHostUser, 0, kHostUser, 0, 100000});
        m_query->add(kBoxNet, {NsType::Net, kBoxUser, 0, 0, EPERM, 0});
        m_opts.procRoot = m_root.string();
    }
    void TearDown() override { fs::remove_all(m_root); }

    /// discover() of the tree as it is now, with nothing kept from earlier scans.
    Snapshot fresh()
    {
        FakeNsQuery q = *m_query;
        DiscoveryOptions o = m_opts;
        o.hierarchyCache.reset();
        o.bindMountCache.reset();
        return discover(o, q);
    }
    /// A new process @p pid, a copy of @p from (its stat and status say the new pid).
    void copyProcess(int from, int pid)
    {
        fs::copy(m_root / std::to_string(from), m_root / std::to_string(pid),
                 fs::copy_options::recursive | fs::copy_options::copy_symlinks);
        rewrite(m_root / std::to_string(pid) / "stat", std::to_string(from) + " (",
                std::to_string(pid) + " (");
        rewrite(m_root / std::to_string(pid) / "status", "\t" + std::to_string(from),
                "\t" + std::to_string(pid));
    }
    void relink(int pid, const std::string &type, const std::string &target)
    {
        fs::path link = m_root / std::to_string(pid) / "ns" / type;
        fs::remove(link);
        fs::create_symlink(target, link);
    }
    static void expectSame(const Snapshot &got, const Snapshot &want, const char *when)
    {
        EXPECT_TRUE(sameContent(got, want)) << when;
        EXPECT_EQ(got.processes.size(), want.processes.size()) << when;
        EXPECT_EQ(got.namespaces.size(), want.namespaces.size()) << when;
        EXPECT_EQ(got.warnings, want.warnings) << when;
    }

    fs::path m_root;
    std::shared_ptr<FakeNsQuery> m_query;
    DiscoveryOptions m_opts;
};
} // namespace

TEST_F(LiveScanFixture, UpdatesAndSweepsEqualAFreshScan)
{
    auto cache = std::make_shared<HierarchyCache>();
    m_opts.hierarchyCache = cache;
    LiveScan live(m_opts, m_query);
    live.setVerify(true);
    Snapshot first = live.full();
    expectSame(first, fresh(), "first scan");
    const std::uint64_t afterFull = live.processReads();

    // "exec" into the box's net namespace: the event names pid 100, only it is read again.
    relink(100, "net", "net:[" + std::to_string(kBoxNet) + "]");
    Snapshot s = live.update({100});
    EXPECT_EQ(live.processReads(), afterFull + 1);
    expectSame(s, fresh(), "after pid 100 exec'd into another net namespace");
    EXPECT_EQ(s.findProcess(100)->ns[index(NsType::Net)].ino, kBoxNet);

    // The box's init exits: it is dropped, and its child (reparented) is read again with it.
    fs::remove_all(m_root / "200");
    const std::uint64_t before = live.processReads();
    s = live.update({200});
    EXPECT_EQ(live.processReads(), before + 2) << "pid 200 and its child 201";
    expectSame(s, fresh(), "after pid 200 exited");
    EXPECT_EQ(s.findProcess(200), nullptr);

    // setns without exec: no event; an update of other pids does not see it, a sweep does.
    relink(101, "uts", "uts:[" + std::to_string(kOtherUts) + "]");
    s = live.update({});
    EXPECT_FALSE(sameContent(s, fresh())) << "nothing told LiveScan about pid 101";
    LiveScan::SweepStats st;
    s = live.sweep(&st);
    expectSame(s, fresh(), "after a sweep found pid 101 in another uts namespace");
    // Pid 101, and the fixture's 105, which has no stat (no process to keep: read each sweep).
    EXPECT_EQ(st.reread, 2u);
    EXPECT_EQ(st.removed, 0u);

    // A fork whose event was lost, and an exit whose event was lost: the sweep finds both.
    fs::copy(m_root / "104", m_root / "106", fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    {
        std::ifstream in(m_root / "104" / "stat");
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        text.replace(0, 3, "106");
        std::ofstream(m_root / "106" / "stat") << text;
    }
    fs::remove_all(m_root / "102");
    s = live.sweep(&st);
    expectSame(s, fresh(), "after a sweep found a new pid 106 and pid 102 gone");
    EXPECT_NE(s.findProcess(106), nullptr);
    EXPECT_EQ(s.findProcess(102), nullptr);
    EXPECT_EQ(st.removed, 1u);
    EXPECT_EQ(m_query->openHandles(), 0);
    // The namespaces that lived on were not asked about again (hidden ancestors included).
    EXPECT_GT(cache->hits, 0u);
}

TEST_F(LiveScanFixture, ANamespaceWhoseProcessesAllChangedIsAskedAgain)
{
    // Same inode, but none of the processes that were in it is in it now: it may be a new
    // namespace that reuses the inode, so its owner is asked again, not taken from the cache.
    auto cache = std::make_shared<HierarchyCache>();
    m_opts.hierarchyCache = cache;
    LiveScan live(m_opts, m_query);
    live.setVerify(true);
    live.full();
    constexpr std::uint64_t kReusedOwner = 4026532999;
    m_query->add(kReusedOwner, {NsType::User, kHostUser, 0, kHostUser, 0, 2000});
    m_query->add(kBoxNet, {NsType::Net, kReusedOwner, 0, 0, EPERM, 0});
    fs::remove_all(m_root / "200");
    fs::remove_all(m_root / "201");
    relink(101, "net", "net:[" + std::to_string(kBoxNet) + "]");
    Snapshot s = live.update({200, 201, 101});
    expectSame(s, fresh(), "after the box net namespace's inode came back with another owner");
    ASSERT_NE(s.findNamespace(NsId{FakeNsQuery::kDev, kBoxNet}), nullptr);
    EXPECT_EQ(s.findNamespace(NsId{FakeNsQuery::kDev, kBoxNet})->owner->ino, kReusedOwner);
}

TEST_F(LiveScanFixture, AnInodeReusedAsAnotherTypeRereadsTheOldNamespacesMembers)
{
    // The box (200, 201) ends, but no exit has been read yet; at once its pid namespace's inode
    // comes back as a new net namespace that host process 102 execs into. Patching 102 alone would
    // add "net X" while the picture still holds "pid X": a client refuses such a delta (a
    // namespace is known by its inode). The whole pipeline sees both and says both at once.
    constexpr std::uint64_t kBoxPid = 4026532401;
    LiveScan live(m_opts, m_query);
    const Snapshot first = live.full();
    ASSERT_NE(first.findNamespace(NsId{FakeNsQuery::kDev, kBoxPid}), nullptr);
    fs::remove_all(m_root / "200");
    fs::remove_all(m_root / "201");
    relink(102, "net", "net:[" + std::to_string(kBoxPid) + "]");
    LiveScan::Change c = live.updateChange({102});
    ASSERT_TRUE(c.has_value());
    Snapshot replayed = first;
    ASSERT_NO_THROW(applyDelta(replayed, *c));
    expectSame(replayed, fresh(), "the delta, applied to the picture the client holds");
    const Namespace *net = replayed.findNamespace(NsId{FakeNsQuery::kDev, kBoxPid});
    ASSERT_NE(net, nullptr);
    EXPECT_EQ(net->type, NsType::Net);
}

TEST_F(LiveScanFixture, AnInodeThatEndsAndComesBackAsAnotherTypeInOneChangeIsPatched)
{
    // Churn's everyday case (a quarter of the deltas of the 10k soak went through the whole
    // pipeline for it): a process alone in a fresh uts namespace exits, and in the same change
    // another process execs into a fresh net namespace that got the freed inode. Both are read in
    // this change, so the patch sees the old namespace go and says the inode's namespace changed
    // (to net), as the pipeline's computeDelta() would, without running the pipeline. (When the old
    // one still has processes whose exits are not read: AnInodeReusedAsAnotherType... above.)
    for (int pid = 300; pid < 320; ++pid)
        copyProcess(201, pid);
    constexpr std::uint64_t kReused = 4026533200;
    LiveScan live(m_opts, m_query);
    live.setVerify(true); // every patch is checked against the whole pipeline
    live.full();
    m_query->add(kReused, {NsType::Uts, kHostUser, 0, 0, EPERM, 0});
    relink(310, "uts", "uts:[" + std::to_string(kReused) + "]");
    ASSERT_TRUE(live.updateChange({310}).has_value());
    const Snapshot before = live.current();
    ASSERT_NE(before.findNamespace(NsId{FakeNsQuery::kDev, kReused}), nullptr);
    const std::uint64_t assembled = live.assembledChanges();

    fs::remove_all(m_root / "310");
    m_query->add(kReused, {NsType::Net, kHostUser, 0, 0, EPERM, 0});
    relink(311, "net", "net:[" + std::to_string(kReused) + "]");
    LiveScan::Change c = live.updateChange({310, 311});
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(live.assembledChanges(), assembled) << "went through the whole pipeline";
    ASSERT_EQ(c->changedNamespaces.size(), 1u);
    EXPECT_EQ(c->changedNamespaces[0].id.ino, kReused);
    EXPECT_EQ(c->changedNamespaces[0].type, NsType::Net);
    EXPECT_EQ(c->changedNamespaces[0].pids, std::vector<int>{311});
    for (const NsId &id : c->removedNamespaces)
        EXPECT_NE(id.ino, kReused);
    for (const Namespace &n : c->addedNamespaces)
        EXPECT_NE(n.id.ino, kReused);
    expectSame(live.current(), fresh(), "after the uts inode came back as a net namespace");
    Snapshot replayed = before;
    ASSERT_NO_THROW(applyDelta(replayed, *c));
    expectSame(replayed, fresh(), "the delta, applied to the picture the client holds");

    // The same with a namespace of the same type (a uts namespace's inode taken by the next uts
    // namespace, here owned by the box's user namespace): asked again, and patched too.
    constexpr std::uint64_t kNextOwner = kBoxUser;
    fs::remove_all(m_root / "311");
    m_query->add(kReused, {NsType::Net, kNextOwner, 0, 0, EPERM, 0});
    relink(312, "net", "net:[" + std::to_string(kReused) + "]");
    const Snapshot held = live.current();
    c = live.updateChange({311, 312});
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(live.assembledChanges(), assembled) << "went through the whole pipeline";
    ASSERT_EQ(c->changedNamespaces.size(), 1u);
    EXPECT_EQ(c->changedNamespaces[0].pids, std::vector<int>{312});
    ASSERT_TRUE(c->changedNamespaces[0].owner.has_value());
    EXPECT_EQ(c->changedNamespaces[0].owner->ino, kNextOwner);
    expectSame(live.current(), fresh(), "after a net namespace's inode came back as the next one");
    replayed = held;
    ASSERT_NO_THROW(applyDelta(replayed, *c));
    expectSame(replayed, fresh(), "that delta, applied to the picture the client holds");
}

TEST_F(LiveScanFixture, UpdateOfAVanishedUnknownPidChangesNothing)
{
    LiveScan live(m_opts, m_query);
    Snapshot first = live.full();
    Snapshot s = live.update({99999, -4, 0});
    expectSame(s, first, "an event about a pid that is already gone");
}

TEST_F(LiveScanFixture, ADeltaNamesOnlyWhatChanged)
{
    // 150 more processes in the box, each a copy of its child 201: a host of many processes where
    // one of them changes. The delta must name that one (and the namespaces whose member lists it
    // changed), nothing else, and be made without running the whole pipeline.
    for (int pid = 300; pid < 450; ++pid)
        copyProcess(201, pid);
    LiveScan live(m_opts, m_query);
    live.setVerify(true); // every in-place patch is checked against the whole pipeline
    Snapshot first = live.full();
    expectSame(first, fresh(), "first scan");
    ASSERT_GT(first.processes.size(), 150u);
    const std::uint64_t assembled = live.assembledChanges();

    // One process changes state (S -> R): exactly it, no namespace, no sandbox.
    rewrite(m_root / "350" / "stat", "(boxchild) S", "(boxchild) R");
    LiveScan::Change c = live.updateChange({350, 351, 352});
    ASSERT_TRUE(c.has_value());
    ASSERT_EQ(c->changedProcesses.size(), 1u);
    EXPECT_EQ(c->changedProcesses[0].pid, 350);
    EXPECT_EQ(c->changedProcesses[0].state, 'R');
    EXPECT_TRUE(c->addedProcesses.empty());
    EXPECT_TRUE(c->removedProcesses.empty());
    EXPECT_TRUE(c->addedNamespaces.empty());
    EXPECT_TRUE(c->removedNamespaces.empty());
    EXPECT_TRUE(c->changedNamespaces.empty());
    EXPECT_TRUE(c->namespaceMembers.empty());
    EXPECT_FALSE(c->sandboxes.has_value());
    EXPECT_TRUE(c->changedSandboxes.empty());
    EXPECT_TRUE(c->removedSandboxes.empty());
    expectSame(live.current(), fresh(), "after pid 350 changed state");

    // A fork in the box: the new process, and the member lists of exactly its namespaces.
    copyProcess(201, 450);
    c = live.updateChange({450});
    ASSERT_TRUE(c.has_value());
    ASSERT_EQ(c->addedProcesses.size(), 1u);
    EXPECT_EQ(c->addedProcesses[0].pid, 450);
    EXPECT_TRUE(c->changedProcesses.empty());
    EXPECT_TRUE(c->removedProcesses.empty());
    EXPECT_TRUE(c->addedNamespaces.empty());
    std::size_t valid = 0;
    for (const NsId &id : c->addedProcesses[0].ns)
        valid += id.valid();
    // In the member-deltas form (delta.h): who joined, not the whole member lists.
    EXPECT_TRUE(c->changedNamespaces.empty());
    EXPECT_EQ(c->namespaceMembers.size(), valid);
    for (const NsMembers &m : c->namespaceMembers) {
        EXPECT_NE(std::find(c->addedProcesses[0].ns.begin(), c->addedProcesses[0].ns.end(), m.id),
                  c->addedProcesses[0].ns.end());
        EXPECT_EQ(m.added, std::vector<int>{450});
        EXPECT_TRUE(m.removed.empty());
    }
    EXPECT_FALSE(c->sandboxes.has_value());
    ASSERT_EQ(c->changedSandboxes.size(), 1u) << "the box's member list grew";
    EXPECT_TRUE(c->removedSandboxes.empty());
    expectSame(live.current(), fresh(), "after a fork in the box");

    // It exits: exactly its removal.
    fs::remove_all(m_root / "450");
    c = live.updateChange({450});
    ASSERT_TRUE(c.has_value());
    ASSERT_EQ(c->removedProcesses.size(), 1u);
    EXPECT_EQ(c->removedProcesses[0].pid, 450);
    EXPECT_TRUE(c->addedProcesses.empty());
    EXPECT_TRUE(c->changedProcesses.empty());
    EXPECT_TRUE(c->changedNamespaces.empty());
    EXPECT_EQ(c->namespaceMembers.size(), valid);
    for (const NsMembers &m : c->namespaceMembers) {
        EXPECT_TRUE(m.added.empty());
        EXPECT_EQ(m.removed, std::vector<int>{450});
    }
    expectSame(live.current(), fresh(), "after the fork exited");
    EXPECT_EQ(live.patchedChanges(), 3u);
    EXPECT_EQ(live.assembledChanges(), assembled) << "none of these needed the whole pipeline";

    // Events about processes that did not change: no delta at all.
    EXPECT_FALSE(live.updateChange({300, 301, 99999}).has_value());

    // An exec into a fresh net namespace (no parent, owns nothing): patched too, its owner asked
    // as the hierarchy step asks it.
    constexpr std::uint64_t kFreshNet = 4026533100;
    m_query->add(kFreshNet, {NsType::Net, kBoxUser, 0, 0, EPERM, 0});
    relink(370, "net", "net:[" + std::to_string(kFreshNet) + "]");
    c = live.updateChange({370});
    ASSERT_TRUE(c.has_value());
    ASSERT_EQ(c->changedProcesses.size(), 1u);
    EXPECT_EQ(c->changedProcesses[0].pid, 370);
    ASSERT_EQ(c->addedNamespaces.size(), 1u);
    EXPECT_EQ(c->addedNamespaces[0].id.ino, kFreshNet);
    ASSERT_TRUE(c->addedNamespaces[0].owner.has_value());
    EXPECT_EQ(c->addedNamespaces[0].owner->ino, kBoxUser);
    ASSERT_EQ(c->namespaceMembers.size(), 1u) << "the box's net namespace lost pid 370";
    EXPECT_EQ(c->namespaceMembers[0].removed, std::vector<int>{370});
    EXPECT_EQ(live.assembledChanges(), assembled);
    expectSame(live.current(), fresh(), "after an exec into a fresh net namespace");

    // It leaves it again: the namespace is gone with its last process.
    relink(370, "net", "net:[" + std::to_string(kBoxNet) + "]");
    c = live.updateChange({370});
    ASSERT_TRUE(c.has_value());
    ASSERT_EQ(c->removedNamespaces.size(), 1u);
    EXPECT_EQ(c->removedNamespaces[0].ino, kFreshNet);
    EXPECT_EQ(live.assembledChanges(), assembled);
    expectSame(live.current(), fresh(), "after the fresh net namespace lost its only process");

    // An exec into a fresh user namespace (a parent, owner of others): the whole pipeline.
    constexpr std::uint64_t kFreshUser = 4026533101;
    m_query->add(kFreshUser, {NsType::User, kBoxUser, 0, kBoxUser, 0, 200000});
    relink(371, "user", "user:[" + std::to_string(kFreshUser) + "]");
    c = live.updateChange({371});
    ASSERT_TRUE(c.has_value());
    ASSERT_EQ(c->addedNamespaces.size(), 1u);
    EXPECT_EQ(c->addedNamespaces[0].id.ino, kFreshUser);
    EXPECT_EQ(live.assembledChanges(), assembled + 1);
    expectSame(live.current(), fresh(), "after an exec into a fresh user namespace");

    // Replaying every change onto the first picture gives the state too.
    LiveScan again(m_opts, m_query);
    Snapshot base = again.full();
    relink(373, "uts", "uts:[" + std::to_string(kOtherUts) + "]");
    fs::remove_all(m_root / "372");
    copyProcess(201, 451);
    LiveScan::Change c2 = again.updateChange({372, 451});
    ASSERT_TRUE(c2.has_value());
    applyDelta(base, *c2);
    LiveScan::Change c3 = again.sweepChange();
    ASSERT_TRUE(c3.has_value()) << "the sweep finds pid 373's setns";
    ASSERT_EQ(c3->changedProcesses.size(), 1u);
    EXPECT_EQ(c3->changedProcesses[0].pid, 373);
    applyDelta(base, *c3);
    expectSame(base, fresh(), "the deltas replayed onto the first picture");
}

TEST_F(LiveScanFixture, ASweepInSlicesFindsWhatAWholeSweepFinds)
{
    // 40 more host processes (copies of pid 100), then changes no event tells of, spread over the
    // pid range: a setns at each end, a lost exit in the middle, a lost fork past the last pid.
    for (int pid = 300; pid < 340; ++pid)
        copyProcess(100, pid);
    LiveScan live(m_opts, m_query);
    live.setVerify(true);
    Snapshot state = live.full();
    relink(101, "uts", "uts:[" + std::to_string(kOtherUts) + "]");
    relink(339, "uts", "uts:[" + std::to_string(kOtherUts) + "]");
    fs::remove_all(m_root / "320");
    copyProcess(300, 400);

    LiveScan::SweepStats st;
    std::size_t calls = 0, listed = 0, removed = 0;
    do {
        ASSERT_LT(++calls, 100u) << "a round must end";
        LiveScan::Change c = live.sweepChange(&st, 8);
        listed += st.listed;
        removed += st.removed;
        if (c)
            applyDelta(state, *c);
        if (!st.roundDone) {
            EXPECT_TRUE(live.sweepInRound());
        }
    } while (!st.roundDone);
    EXPECT_GT(calls, 3u) << "the pids were taken 8 at a time";
    EXPECT_FALSE(live.sweepInRound());
    EXPECT_EQ(removed, 1u) << "pid 320";
    Snapshot want = fresh();
    EXPECT_EQ(listed, want.processes.size() + 1) << "every listed pid once (105 has no stat)";
    expectSame(state, want, "the slices' deltas replayed");
    expectSame(live.current(), want, "after a sliced sweep round");
    ASSERT_NE(state.findProcess(400), nullptr);
    EXPECT_EQ(state.findProcess(339)->ns[index(NsType::Uts)].ino, kOtherUts);
}

TEST_F(LiveScanFixture, TheRestOfAFirstPictureIsWholeInTheDeltaAndInCurrent)
{
    // The delta that adds the rest takes the processes it adds out of current() (one copy of them
    // while it is written, not two); current() puts them back from the records on its next look.
    // Every member a process reads from /proc must come back: this tree has each of them set.
    LiveScan live(m_opts, m_query);
    live.setVerify(true);
    Snapshot client = live.beginFull(2);
    ASSERT_TRUE(live.hasUnread());
    LiveScan::Change d = live.readRestChange();
    ASSERT_TRUE(d.has_value());
    const Snapshot want = fresh();
    ASSERT_FALSE(d->addedProcesses.empty());
    bool comm = false, cmdline = false, nspid = false, cgroup = false;
    for (const Process &p : d->addedProcesses) {
        auto w = std::find_if(want.processes.begin(), want.processes.end(),
                              [&](const Process &x) { return x.pid == p.pid; });
        ASSERT_NE(w, want.processes.end()) << p.pid;
        EXPECT_EQ(p, *w) << "process " << p.pid << " in the delta";
        comm = comm || !p.comm.empty();
        cmdline = cmdline || !p.cmdline.empty();
        nspid = nspid || !p.nspid.empty();
        cgroup = cgroup || !p.cgroup.empty();
    }
    EXPECT_TRUE(comm && cmdline && nspid && cgroup) << "the tree should give the added processes each member";
    applyDelta(client, *d);
    // Then what the fds hold, which a first picture in parts reads last.
    ASSERT_TRUE(live.hasUnreadFds());
    if (LiveScan::Change f = live.readFdsChange())
        applyDelta(client, *f);
    expectSame(client, want, "a client after the rest and the fds");
    expectSame(live.current(), want, "current() after the rest and the fds");

    // And the kept state goes on as usual: an exec into another net namespace, then an exit.
    relink(100, "net", "net:[" + std::to_string(kBoxNet) + "]");
    LiveScan::Change c = live.updateChange({100});
    ASSERT_TRUE(c.has_value());
    applyDelta(client, *c);
    expectSame(client, fresh(), "a client after an update");
    expectSame(live.current(), fresh(), "current() after an update");
    fs::remove_all(m_root / "102");
    c = live.updateChange({102});
    ASSERT_TRUE(c.has_value());
    applyDelta(client, *c);
    expectSame(live.current(), fresh(), "current() after an exit");
    expectSame(client, live.current(), "a client after an exit");
}

TEST_F(LiveScanFixture, AFirstPictureInPartsReadsTheFdsLast)
{
    // Pid 1 holds a net namespace that nothing else does, by its fd 7. A first picture in parts
    // reads no fds (on a big host they are a third of the reading or more); they come after the
    // rest, as a change of their own, without reading any process again.
    auto heldByFd = [](const Snapshot &s) {
        return std::count_if(s.namespaces.begin(), s.namespaces.end(),
                             [](const Namespace &n) { return !n.fdHolders.empty(); });
    };
    const Snapshot want = fresh();
    ASSERT_EQ(heldByFd(want), 1);
    LiveScan live(m_opts, m_query);
    live.setVerify(true);
    Snapshot client = live.beginFull(2);
    EXPECT_TRUE(live.hasUnread());
    EXPECT_TRUE(live.hasUnreadFds());
    EXPECT_EQ(heldByFd(client), 0);
    LiveScan::Change d = live.readRestChange();
    ASSERT_TRUE(d.has_value());
    applyDelta(client, *d);
    EXPECT_EQ(client.processes.size(), want.processes.size()) << "every process after the rest";
    EXPECT_EQ(heldByFd(client), 0) << "the fds are not read yet";
    ASSERT_TRUE(live.hasUnreadFds());
    const std::uint64_t reads = live.processReads();
    LiveScan::Change f = live.readFdsChange();
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(live.processReads(), reads) << "only fds read";
    EXPECT_FALSE(live.hasUnreadFds());
    applyDelta(client, *f);
    expectSame(client, want, "a client after the fds");
    expectSame(live.current(), want, "current() after the fds");
    EXPECT_FALSE(live.readFdsChange().has_value()) << "nothing left to read";

    // An event about pid 1 before the fds are read reads its fds with it; the fd pass then finds
    // nothing new.
    LiveScan early(m_opts, m_query);
    early.setVerify(true);
    client = early.beginFull(2);
    d = early.updateChange({1});
    ASSERT_TRUE(d.has_value());
    applyDelta(client, *d);
    EXPECT_EQ(heldByFd(client), 1);
    if (LiveScan::Change r = early.readRestChange())
        applyDelta(client, *r);
    EXPECT_FALSE(early.readFdsChange().has_value());
    expectSame(client, want, "a client after an early update, the rest and the fds");

    // A whole first picture reads the fds with the processes.
    LiveScan whole(m_opts, m_query);
    expectSame(whole.beginFull(1000), want, "a whole first picture");
    EXPECT_FALSE(whole.hasUnreadFds());

    // A full re-read reads every process whole: no fd pass is left after it.
    LiveScan resynced(m_opts, m_query);
    client = resynced.beginFull(2);
    if (LiveScan::Change r = resynced.resync())
        applyDelta(client, *r);
    EXPECT_FALSE(resynced.hasUnreadFds());
    expectSame(client, want, "a client after a resync");
}

TEST_F(LiveScanFixture, AResyncEqualsAFreshScanAndReadsEveryProcessOnce)
{
    // A resync drops the kept records before reading them all again (one set of records in
    // memory, not two): what it gives must still be exactly a fresh scan, and the delta exactly
    // what changed since current().
    LiveScan live(m_opts, m_query);
    live.setVerify(true);
    Snapshot first = live.full();
    const std::size_t kept = live.size();
    ASSERT_GT(kept, 0u);

    // Changes no event told about: an exec into another net namespace, an exit.
    relink(100, "net", "net:[" + std::to_string(kBoxNet) + "]");
    fs::remove_all(m_root / "102");
    const std::uint64_t before = live.processReads();
    LiveScan::Change d = live.resync();
    ASSERT_TRUE(d.has_value());
    expectSame(live.current(), fresh(), "after a resync");
    EXPECT_EQ(live.size(), kept - 1);
    // Every listed pid read once: the kept ones less 102, plus the fixture's 105 (listed, no stat);
    // and 102, known and not listed, looked for once more to drop it.
    EXPECT_EQ(live.processReads() - before, kept + 1);
    Snapshot replayed = first;
    applyDelta(replayed, *d);
    EXPECT_TRUE(sameContent(replayed, live.current()));

    // Nothing changed since: no delta, same state.
    EXPECT_FALSE(live.resync().has_value());
    expectSame(live.current(), fresh(), "after a second resync");
    EXPECT_FALSE(live.hasUnread());
}

TEST_F(LiveScanFixture, AFullReReadInSlicesEqualsAFreshScan)
{
    // 40 more host processes, then changes that only a full re-read finds (a state and a command
    // line changed in place, an fd-less exec into another uts namespace, a lost exit and a lost
    // fork): read 8 pids a call, every slice's delta replays, the round reads each process once
    // and ends with the whole pipeline, and the result is a fresh scan.
    for (int pid = 300; pid < 340; ++pid)
        copyProcess(100, pid);
    LiveScan live(m_opts, m_query);
    live.setVerify(true);
    Snapshot state = live.full();
    const Process *was = state.findProcess(310);
    ASSERT_NE(was, nullptr);
    const char oldState = was->state;
    const char newState = oldState == 'R' ? 'S' : 'R';
    rewrite(m_root / "310" / "stat", std::string(") ") + oldState, std::string(") ") + newState);
    {
        std::ofstream(m_root / "330" / "cmdline", std::ios::binary | std::ios::trunc)
            << std::string("rewritten\0in-place\0", 19);
    }
    relink(335, "uts", "uts:[" + std::to_string(kOtherUts) + "]");
    fs::remove_all(m_root / "320");
    copyProcess(300, 400);

    const std::uint64_t reads = live.processReads(), assembled = live.assembledChanges();
    std::size_t calls = 0;
    do {
        ASSERT_LT(++calls, 100u) << "a round must end";
        LiveScan::Change c = live.resyncChange(8);
        if (c)
            applyDelta(state, *c);
        if (live.resyncInRound()) {
            EXPECT_EQ(live.assembledChanges(), assembled) << "only the round's end runs the pipeline";
        }
    } while (live.resyncInRound());
    EXPECT_GT(calls, 3u) << "the pids were taken 8 at a time";
    EXPECT_EQ(live.assembledChanges(), assembled + 1) << "the round's end ran the pipeline once";
    Snapshot want = fresh();
    // Every listed pid once (105 is listed, has no stat), and 320 looked for once to drop it.
    EXPECT_EQ(live.processReads() - reads, want.processes.size() + 2);
    expectSame(state, want, "the slices' deltas replayed");
    expectSame(live.current(), want, "after a sliced full re-read");
    EXPECT_EQ(state.findProcess(310)->state, newState);
    EXPECT_EQ(state.findProcess(330)->cmdline, (std::vector<std::string>{"rewritten", "in-place"}));
    EXPECT_EQ(state.findProcess(335)->ns[index(NsType::Uts)].ino, kOtherUts);
    EXPECT_EQ(state.findProcess(320), nullptr);
    EXPECT_NE(state.findProcess(400), nullptr);

    // A link sweep in the middle of a full round goes on with it (whole reads), and a restart
    // begins a new round from the lowest pid.
    live.resyncChange(8);
    ASSERT_TRUE(live.resyncInRound());
    LiveScan::SweepStats st;
    live.sweepChange(&st, 8);
    EXPECT_TRUE(live.resyncInRound()) << "the sweep took the full round's next slice";
    EXPECT_EQ(st.listed, 8u);
    live.resyncChange(8, true);
    EXPECT_TRUE(live.resyncInRound());
    while (live.resyncInRound())
        live.resyncChange(0);
    expectSame(live.current(), fresh(), "after a restarted round");
}

TEST_F(LiveScanFixture, ProcessesNotReadAgainThatChangeGoOutWhole)
{
    // PID 1 (the host reference) moves to another uts namespace: only it is read again, yet every
    // process's "differs from the host" changes. The whole pipeline runs with the strings of the
    // processes not read again held only by their records (reassemble()); the delta must still
    // carry those processes whole, and a client that applies it must hold a fresh scan.
    LiveScan live(m_opts, m_query);
    Snapshot client = live.full();
    relink(1, "uts", "uts:[" + std::to_string(kOtherUts) + "]");
    const std::uint64_t reads = live.processReads();
    LiveScan::Change c = live.updateChange({1});
    EXPECT_EQ(live.processReads() - reads, 1u);
    ASSERT_TRUE(c.has_value());
    bool anyOther = false;
    for (const Process &p : c->changedProcesses) {
        if (p.pid == 1)
            continue;
        anyOther = true;
        const Process *was = client.findProcess(p.pid);
        ASSERT_NE(was, nullptr);
        EXPECT_EQ(p.comm, was->comm) << p.pid;
        EXPECT_EQ(p.cmdline, was->cmdline) << p.pid;
        EXPECT_EQ(p.nspid, was->nspid) << p.pid;
        EXPECT_EQ(p.cgroup, was->cgroup) << p.pid;
    }
    EXPECT_TRUE(anyOther) << "no other process changed with the host reference";
    applyDelta(client, *c);
    expectSame(client, fresh(), "a client after the host reference moved");
    expectSame(live.current(), fresh(), "current() after the host reference moved");
    // And once more with nothing changed: no delta, and current() stays whole.
    EXPECT_FALSE(live.resync().has_value());
    expectSame(live.current(), fresh(), "current() after a resync that found nothing");
}

TEST_F(LiveScanFixture, PatchedSandboxesKeepTheNamesTheEnginesGave)
{
    // The box as a podman container whose runtime state names it. A fork in it is patched in place;
    // the classifier alone knows no name, so the sandbox must keep the one the pipeline learnt from
    // the engine's state (verify mode compares with that pipeline after the patch).
    const std::string id(64, 'a');
    for (int pid : {200, 201})
        std::ofstream(m_root / std::to_string(pid) / "cgroup", std::ios::trunc)
            << "0::/machine.slice/libpod-" << id << ".scope\n";
    fs::create_directories(m_root / "run" / "runc" / id);
    std::ofstream(m_root / "run" / "runc" / id / "state.json")
        << R"({"config":{"labels":["nerdctl/name=web"]}})";
    EngineNameSources names;
    names.runRoot = (m_root / "run").string();
    names.lxcPaths.clear();
    names.sockets.clear();
    m_opts.engineNames = names;
    auto nameOf = [&id](const std::vector<Sandbox> &boxes) {
        for (const Sandbox &b : boxes)
            if (b.engineId == id)
                return b.name;
        return std::string("(no such sandbox)");
    };
    LiveScan live(m_opts, m_query);
    live.setVerify(true);
    Snapshot first = live.full();
    ASSERT_EQ(nameOf(first.sandboxes), "web")
        << "the fixture's container was not named from its runtime state";

    copyProcess(201, 450);
    LiveScan::Change c = live.updateChange({450});
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(live.patchedChanges(), 1u) << "a fork in a known container is patched in place";
    ASSERT_EQ(c->changedSandboxes.size(), 1u) << "the container's member list grew";
    EXPECT_EQ(c->changedSandboxes[0].name, "web");
    EXPECT_EQ(nameOf(live.current().sandboxes), "web");
    expectSame(live.current(), fresh(), "after a fork in the named container");
}
