// SPDX-License-Identifier: GPL-2.0-or-later
// The store and every model through a long synthetic churn: processes start, exit, change and enter
// fresh namespaces, thousands of deltas. The store applies in place exactly what core's applyDelta
// gives (and refuses exactly what it refuses); the models stay consistent under
// QAbstractItemModelTester with row operations only; and every view's count equals the store's
// after every delta.
#include "app/cluster/clusterlayout.h"
#include "app/cluster/clusterview.h"
#include "app/models/namespacetreemodel.h"
#include "app/models/processfilterproxymodel.h"
#include "app/models/processtablemodel.h"
#include "app/models/snapshotstore.h"
#include "core/model/delta.h"
#include "core/sandbox/classifier.h"
#include "tests/app/views_testutil.h"
#include "tests/common/syntheticsnapshot.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>

#include <gtest/gtest.h>

using namespace nsviz;
using namespace nsviz::testutil;
using Tree = NamespaceTreeModel;

namespace
{

/// One step of a container host: containers (groups of processes in fresh namespaces) start and
/// stop, workers join them and exit, processes change.
void churnStep(testkit::SyntheticHost &h, int changes)
{
    auto &rng = h.rng();
    for (int i = 0; i < changes; ++i) {
        const auto pids = h.pids();
        const unsigned r = rng() % 10;
        if (pids.size() < 20 || r < 3) {
            if (rng() % 3 == 0)
                h.start(true); // a fresh container
            else
                h.join(pids[rng() % pids.size()]);
        } else if (r < 6) {
            if (const int pid = pids[rng() % pids.size()]; pid != 1)
                h.stop(pid);
        } else {
            h.touch(pids[rng() % pids.size()]);
        }
    }
}

/// Processes rows in the pid tree (every process is under its pid namespace or the unknown group).
int processRows(const QAbstractItemModel &m, const QModelIndex &parent = {})
{
    int n = 0;
    for (int r = 0; r < m.rowCount(parent); ++r) {
        const QModelIndex i = m.index(r, 0, parent);
        n += i.data(Tree::KindRole).toInt() == static_cast<int>(Tree::NodeKind::Process);
        n += processRows(m, i);
    }
    return n;
}

/// Namespace rows in the user tree (every namespace appears once: user namespaces by parent, the
/// others under their owner or in the owner-unknown group).
int namespaceRows(const QAbstractItemModel &m, const QModelIndex &parent = {})
{
    int n = 0;
    for (int r = 0; r < m.rowCount(parent); ++r) {
        const QModelIndex i = m.index(r, 0, parent);
        n += i.data(Tree::KindRole).toInt() == static_cast<int>(Tree::NodeKind::Namespace);
        n += namespaceRows(m, i);
    }
    return n;
}

} // namespace

TEST(GuiChurn, StoreAppliesInPlaceExactlyWhatCoreApplies)
{
    testkit::SyntheticHost h(7);
    h.setNested(true);
    for (int i = 0; i < 60; ++i)
        h.start(i % 4 == 0);
    SnapshotStore store;
    Snapshot prev = h.snapshot();
    store.setSnapshot(prev);
    std::mt19937 rng(11);
    int refused = 0;
    for (int step = 0; step < 400; ++step) {
        SCOPED_TRACE("step " + std::to_string(step));
        churnStep(h, 1 + static_cast<int>(rng() % 8));
        Snapshot next = h.snapshot();
        SnapshotDelta d = computeDelta(prev, next);
        // Every fourth delta is broken on purpose in one of the ways a missed or doubled frame breaks it.
        SnapshotDelta bad = d;
        bool broken = false;
        switch (step % 4 == 3 ? rng() % 6 : 99) {
        case 0:
            bad.removedProcesses.push_back({999999, 1}); // unknown process
            broken = true;
            break;
        case 1:
            if (!prev.processes.empty()) {
                bad.addedProcesses.push_back(prev.processes[rng() % prev.processes.size()]); // already there
                broken = std::find_if(d.removedProcesses.begin(), d.removedProcesses.end(), [&](auto &k) {
                             return k == bad.addedProcesses.back().key();
                         }) == d.removedProcesses.end();
            }
            break;
        case 2: {
            Process p = prev.processes.front();
            p.pid = 999998;
            bad.changedProcesses.push_back(p); // unknown process changed
            broken = true;
            break;
        }
        case 3:
            bad.removedNamespaces.push_back({4, 1}); // unknown namespace
            broken = true;
            break;
        case 4:
            if (!prev.namespaces.empty()) {
                bad.addedNamespaces.push_back(prev.namespaces[rng() % prev.namespaces.size()]);
                broken = std::find(d.removedNamespaces.begin(), d.removedNamespaces.end(),
                                   bad.addedNamespaces.back().id) == d.removedNamespaces.end();
            }
            break;
        case 5:
            if (!prev.processes.empty()) {
                Process twin = prev.processes[rng() % prev.processes.size()];
                twin.startTime += 1; // same pid, another process: two live processes cannot share it
                bad.addedProcesses.push_back(twin);
                broken = std::find_if(d.removedProcesses.begin(), d.removedProcesses.end(),
                                      [&](auto &k) { return k.pid == twin.pid; }) == d.removedProcesses.end();
            }
            break;
        }
        if (broken) {
            Snapshot viaCore = store.snapshot();
            EXPECT_THROW(applyDelta(viaCore, bad), DeltaError);
            EXPECT_FALSE(SnapshotStore::whyNotApplicable(store.snapshot(), bad).empty());
            QSignalSpy errors(&store, &SnapshotStore::error);
            EXPECT_FALSE(store.applyDelta(bad));
            EXPECT_EQ(errors.count(), 1);
            EXPECT_TRUE(sameContent(store.snapshot(), prev)) << "a refused delta changed the snapshot";
            ++refused;
        }
        Snapshot viaCore = prev;
        applyDelta(viaCore, d);
        ASSERT_TRUE(store.applyDelta(d)) << SnapshotStore::whyNotApplicable(store.snapshot(), d);
        ASSERT_TRUE(sameContent(store.snapshot(), viaCore));
        ASSERT_TRUE(sameContent(store.snapshot(), next));
        ASSERT_EQ(store.counts(), SnapshotStore::countsOf(store.snapshot()));
        prev = std::move(next);
    }
    EXPECT_GT(refused, 50);
    EXPECT_EQ(store.deltasRefused(), static_cast<quint64>(refused));
}

TEST(GuiChurn, StoreTakesMemberDeltasAsItTakesWholeOnes)
{
    // The member-deltas form (docs/protocol.md): the store makes each whole against the picture it
    // holds, so its state and what its models are told equal the whole form's; member changes that
    // do not fit are refused like any other misfit, and change nothing.
    testkit::SyntheticHost h(19);
    h.setNested(true);
    for (int i = 0; i < 60; ++i)
        h.start(i % 4 == 0);
    SnapshotStore whole, members;
    Snapshot prev = h.snapshot();
    whole.setSnapshot(prev);
    members.setSnapshot(prev);
    NamespaceTreeModel tree(&members, NamespaceTreeModel::Hierarchy::User);
    QAbstractItemModelTester tester(&tree, QAbstractItemModelTester::FailureReportingMode::Fatal);
    std::vector<SnapshotDelta> told;
    QObject::connect(&members, &SnapshotStore::deltaApplied,
                     [&](const SnapshotDelta &d) { told.push_back(d); });
    std::mt19937 rng(5);
    std::size_t memberEntries = 0;
    int refused = 0;
    for (int step = 0; step < 200; ++step) {
        SCOPED_TRACE("step " + std::to_string(step));
        churnStep(h, 1 + static_cast<int>(rng() % 6));
        Snapshot next = h.snapshot();
        SnapshotDelta d = computeDelta(prev, next);
        SnapshotDelta m = d;
        compactDelta(prev, m);
        memberEntries += m.namespaceMembers.size();
        if (step % 5 == 4 && !m.namespaceMembers.empty()) {
            SnapshotDelta bad = m;
            bad.namespaceMembers.front().removed.push_back(999999); // not a member
            QSignalSpy errors(&members, &SnapshotStore::error);
            EXPECT_FALSE(members.applyDelta(bad));
            EXPECT_EQ(errors.count(), 1);
            EXPECT_TRUE(sameContent(members.snapshot(), prev))
                << "a refused member delta changed the snapshot";
            ++refused;
        }
        told.clear();
        ASSERT_TRUE(whole.applyDelta(d));
        ASSERT_TRUE(members.applyDelta(m));
        ASSERT_TRUE(sameContent(members.snapshot(), next));
        ASSERT_TRUE(sameContent(members.snapshot(), whole.snapshot()));
        ASSERT_EQ(members.counts(), whole.counts());
        ASSERT_EQ(told.size(), 1u);
        EXPECT_TRUE(told[0].namespaceMembers.empty()) << "the models were told member changes";
        EXPECT_EQ(told[0].changedNamespaces, d.changedNamespaces);
        prev = std::move(next);
    }
    EXPECT_GT(memberEntries, 0u);
    EXPECT_GT(refused, 0);
    EXPECT_EQ(members.deltasRefused(), static_cast<quint64>(refused));
    EXPECT_EQ(namespaceRows(tree), static_cast<int>(members.snapshot().namespaces.size()));
}

TEST(GuiChurn, StoreAppliesSandboxChangesInPlace)
{
    // Under churn nearly every delta changes some sandbox's member list: the store applies the
    // member-deltas form's sandbox changes to its list in place (no copy of hundreds of sandboxes
    // per delta). Its list then equals what expandDelta() makes of the same delta; the table's
    // "in sandbox" tooltips follow; changes that do not fit are refused and change nothing.
    testkit::SyntheticHost h(23);
    h.setNested(true);
    for (int i = 0; i < 80; ++i)
        h.start(i % 3 == 0);
    auto picture = [&h] {
        Snapshot s = h.snapshot();
        s.sandboxes = classifySandboxes(s);
        return s;
    };
    SnapshotStore members;
    Snapshot prev = picture();
    ASSERT_GE(prev.sandboxes.size(), 5u) << "the synthetic host should have sandboxes";
    members.setSnapshot(prev);
    ProcessTableModel table(&members);
    QAbstractItemModelTester tester(&table, QAbstractItemModelTester::FailureReportingMode::Fatal);
    bool toldChanges = false;
    QObject::connect(&members, &SnapshotStore::deltaApplied,
                     [&](const SnapshotDelta &d) { toldChanges = d.changesSandboxes(); });
    std::mt19937 rng(3);
    std::size_t changed = 0, removed = 0;
    int refused = 0;
    for (int step = 0; step < 150; ++step) {
        SCOPED_TRACE("step " + std::to_string(step));
        churnStep(h, 1 + static_cast<int>(rng() % 6));
        if (step % 10 == 9 && !prev.sandboxes.empty()) // a whole sandbox ends now and then
            for (const SandboxMember &p : prev.sandboxes[rng() % prev.sandboxes.size()].processes)
                if (p.pid != 1)
                    h.stop(p.pid);
        Snapshot next = picture();
        SnapshotDelta m = computeDelta(prev, next);
        compactDelta(prev, m);
        changed += m.changedSandboxes.size();
        removed += m.removedSandboxes.size();
        if (step % 7 == 6) {
            for (int how = 0; how < 3; ++how) {
                SnapshotDelta bad = m;
                if (how == 0)
                    bad.removedSandboxes.push_back("container:nowhere"); // not there
                else if (how == 1)
                    bad.changedSandboxes.push_back(prev.sandboxes.front()), // named twice
                        bad.changedSandboxes.push_back(prev.sandboxes.front());
                else
                    bad.sandboxes = prev.sandboxes, bad.changedSandboxes.push_back(prev.sandboxes.front());
                SCOPED_TRACE("broken " + std::to_string(how));
                const Snapshot before = members.snapshot();
                Snapshot viaCore = before;
                EXPECT_THROW(applyDelta(viaCore, bad), DeltaError);
                EXPECT_FALSE(members.applyDelta(bad));
                EXPECT_TRUE(sameContent(members.snapshot(), before))
                    << "a refused delta changed the snapshot";
                ++refused;
            }
        }
        // What expandDelta() makes of the same delta against the same picture.
        Snapshot expected = members.snapshot();
        SnapshotDelta whole = m;
        expandDelta(expected, whole);
        applyDelta(expected, whole);
        toldChanges = false;
        ASSERT_TRUE(members.applyDelta(m)) << SnapshotStore::whyNotApplicable(members.snapshot(), m);
        ASSERT_TRUE(sameContent(members.snapshot(), expected));
        EXPECT_EQ(toldChanges, m.changesSandboxes());
        // The same sandboxes as the helper's picture, in id order.
        std::vector<Sandbox> want = next.sandboxes;
        std::stable_sort(want.begin(), want.end(),
                         [](const Sandbox &a, const Sandbox &b) { return a.id < b.id; });
        if (!m.changesSandboxes()) {
            std::vector<Sandbox> have = members.snapshot().sandboxes;
            std::stable_sort(have.begin(), have.end(),
                             [](const Sandbox &a, const Sandbox &b) { return a.id < b.id; });
            ASSERT_EQ(have, want);
        } else {
            ASSERT_EQ(members.snapshot().sandboxes, want);
        }
        // The table's tooltips (which name a process's sandbox) are those of a table made afresh.
        SnapshotStore fresh;
        fresh.setSnapshot(members.snapshot());
        ProcessTableModel freshTable(&fresh);
        ASSERT_EQ(table.rowCount(), freshTable.rowCount());
        for (int r = 0; r < table.rowCount(); ++r)
            ASSERT_EQ(table.index(r, 0).data(Qt::ToolTipRole), freshTable.index(r, 0).data(Qt::ToolTipRole))
                << "row " << r;
        prev = std::move(next);
    }
    EXPECT_GT(changed, 20u);
    EXPECT_GT(removed, 0u);
    EXPECT_EQ(members.deltasRefused(), static_cast<quint64>(refused));
}

TEST(GuiChurn, ANamespaceChangingTypeIsAppliedWhereItIs)
{
    // The kernel reuses a namespace's inode at once, so between two scans "ipc X" can be gone and
    // "net X" be new: computeDelta() (keyed by inode) calls that a changed namespace of another type.
    // Changing it in place unsorts the store's namespaces; the store must still find every other
    // changed namespace (it once searched after changing, missed, and wrote past the end).
    Snapshot a;
    for (std::uint64_t ino = 100; ino < 140; ++ino) {
        Namespace n;
        n.type = ino < 120 ? NsType::Uts : NsType::Ipc;
        n.id = NsId{4, ino};
        n.pids = {static_cast<int>(ino)};
        n.foundBy = FoundByProcess;
        a.namespaces.push_back(n);
    }
    Snapshot b = a;
    // ipc 120, in the middle of the store's vector, is now mnt 120: the delta lists it first, and
    // its slot then breaks the order every later search passes through.
    b.namespaces[20].type = NsType::Mnt;
    for (std::size_t i = 1; i < b.namespaces.size(); i += 3)
        b.namespaces[i].pids.push_back(1000); // and many others change
    std::sort(b.namespaces.begin(), b.namespaces.end(), [](const Namespace &x, const Namespace &y) {
        return std::pair(x.type, x.id) < std::pair(y.type, y.id);
    });
    const SnapshotDelta d = computeDelta(a, b);
    ASSERT_GT(d.changedNamespaces.size(), 10u);
    SnapshotStore store;
    store.setSnapshot(a);
    ASSERT_TRUE(store.applyDelta(d)) << SnapshotStore::whyNotApplicable(a, d);
    EXPECT_TRUE(sameContent(store.snapshot(), b));
}

TEST(GuiChurn, AnOwnedNamespaceThatComesBackAsAnotherTypeMovesInTheUserTreeWithoutARebuild)
{
    // Under churn this is every few deltas (nsfs numbers every type from one pool): a uts namespace
    // ends and a net namespace starts with its inode, which the delta calls a changed namespace.
    // The user tree takes the old leaf out and puts the new one in, as for any namespace that goes
    // and comes; it once rebuilt the whole tree for it (a quarter of the deltas of the 10k soak).
    Snapshot a = loadSnapshot("host-small.json");
    Snapshot b = a;
    Namespace *reused = nullptr;
    for (auto &n : b.namespaces)
        if (n.type == NsType::Uts && n.ownerKnown && n.owner && n.id != b.hostNs[index(NsType::Uts)]) {
            reused = &n;
            break;
        }
    ASSERT_NE(reused, nullptr) << "host-small.json has a container's uts namespace";
    // The uts namespace's processes went back to the host's; the new net namespace is held by an
    // fd of one of them.
    const std::size_t uts = index(NsType::Uts);
    Namespace *hostUts = nullptr;
    for (auto &n : b.namespaces)
        if (n.id == b.hostNs[uts])
            hostUts = &n;
    ASSERT_NE(hostUts, nullptr);
    for (auto &p : b.processes)
        if (p.ns[uts] == reused->id) {
            p.ns[uts] = b.hostNs[uts];
            hostUts->pids.push_back(p.pid);
        }
    std::sort(hostUts->pids.begin(), hostUts->pids.end());
    reused->type = NsType::Net;
    reused->pids.clear();
    reused->foundBy = FoundByFd;
    std::sort(b.namespaces.begin(), b.namespaces.end(), [](const Namespace &x, const Namespace &y) {
        return std::pair(x.type, x.id) < std::pair(y.type, y.id);
    });
    const SnapshotDelta d = computeDelta(a, b);
    ASSERT_FALSE(d.changedNamespaces.empty());

    SnapshotStore store;
    store.setSnapshot(a);
    Tree userTree(&store, Tree::Hierarchy::User);
    QAbstractItemModelTester tester(&userTree, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QSignalSpy resets(&userTree, &QAbstractItemModel::modelReset);
    ASSERT_TRUE(store.applyDelta(d)) << SnapshotStore::whyNotApplicable(a, d);
    EXPECT_EQ(userTree.fullRebuilds(), 0u);
    EXPECT_EQ(resets.count(), 0);
    SnapshotStore fresh;
    fresh.setSnapshot(store.snapshot());
    Tree freshUser(&fresh, Tree::Hierarchy::User);
    const QList<int> roles{Qt::DisplayRole, Tree::KindRole, Tree::HiddenRole, Tree::UnknownParentRole};
    EXPECT_EQ(dumpModel(userTree, roles), dumpModel(freshUser, roles));
    EXPECT_EQ(namespaceRows(userTree), store.counts().namespaces);
}

TEST(GuiChurn, ContainerCountFollowsCgroupsThroughDeltas)
{
    Snapshot s = loadSnapshot("host-small.json");
    SnapshotStore store;
    store.setSnapshot(s);
    const int before = store.counts().containers;
    EXPECT_GT(before, 0) << "host-small has docker/podman/lxc containers";
    // A new docker container's first process, then a second one in it, then both leave.
    Snapshot next = s;
    Process p = makeProcess(31000, 777001, "app", next);
    p.cgroup = "/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope";
    next.processes.push_back(p);
    finalize(next);
    ASSERT_TRUE(store.applyDelta(computeDelta(s, next)));
    EXPECT_EQ(store.counts().containers, before + 1);
    Snapshot third = next;
    p.pid = 31001;
    p.startTime = 777002;
    third.processes.push_back(p);
    finalize(third);
    ASSERT_TRUE(store.applyDelta(computeDelta(next, third)));
    EXPECT_EQ(store.counts().containers, before + 1);
    ASSERT_TRUE(store.applyDelta(computeDelta(third, s)));
    EXPECT_EQ(store.counts().containers, before);
    EXPECT_EQ(store.counts(), SnapshotStore::countsOf(store.snapshot()));
}

// Deltas that arrived together are one batch: each goes through the row models at once, and the views
// that cost the whole picture (the cluster view) follow once, at the end, with every view's count
// the store's again. Outside a batch they follow every delta.
TEST(GuiChurn, ABatchOfDeltasSettlesOnceAndTheClusterViewFollowsIt)
{
    testkit::SyntheticHost host(1234);
    for (int i = 0; i < 40; ++i)
        churnStep(host, 5);
    Snapshot prev = host.snapshot();
    SnapshotStore store;
    store.setSnapshot(prev);
    ProcessTableModel table(&store);
    ClusterView view(&store);
    QSignalSpy settled(&store, &SnapshotStore::settled), applied(&store, &SnapshotStore::deltaApplied),
        layouts(&view, &ClusterView::layoutUpdated);
    auto next = [&] {
        churnStep(host, 6);
        Snapshot s = host.snapshot();
        const SnapshotDelta d = computeDelta(prev, s);
        prev = std::move(s);
        return d;
    };
    auto dots = [&] { return static_cast<int>(view.clusterLayout().dots().size()); };

    ASSERT_TRUE(store.applyDelta(next()));
    EXPECT_EQ(settled.count(), 1);
    EXPECT_EQ(layouts.count(), 1);
    EXPECT_EQ(dots(), store.counts().processes);

    store.beginBatch();
    EXPECT_TRUE(store.inBatch());
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(store.applyDelta(next()));
        EXPECT_EQ(table.rowCount(), store.counts().processes) << "the table follows every delta";
    }
    EXPECT_EQ(applied.count(), 6);
    EXPECT_EQ(settled.count(), 1) << "nothing settles inside a batch";
    EXPECT_EQ(layouts.count(), 1) << "the layout waits for the batch's end";
    store.endBatch();
    EXPECT_FALSE(store.inBatch());
    EXPECT_EQ(settled.count(), 2);
    EXPECT_EQ(layouts.count(), 2);
    EXPECT_EQ(dots(), store.counts().processes);
    EXPECT_TRUE(sameContent(store.snapshot(), prev));

    // A batch that applied nothing (every delta refused, or none came) settles nothing; nested
    // batches end with the outermost; an end without a begin changes nothing.
    store.beginBatch();
    store.beginBatch();
    SnapshotDelta bad;
    bad.removedProcesses.push_back({999999, 1});
    EXPECT_FALSE(store.applyDelta(bad));
    ASSERT_TRUE(store.applyDelta(next()));
    store.endBatch();
    EXPECT_EQ(settled.count(), 2);
    store.endBatch();
    EXPECT_EQ(settled.count(), 3);
    store.beginBatch();
    store.endBatch();
    store.endBatch();
    EXPECT_EQ(settled.count(), 3);
    EXPECT_FALSE(store.inBatch());
    EXPECT_EQ(dots(), store.counts().processes);
}

TEST(GuiChurn, ModelsStayConsistentAndCountsAgreeThroughThousandsOfDeltas)
{
    testkit::SyntheticHost h(3);
    h.setNested(true);
    // Small enough that the testers (which walk the whole tree on every signal) keep this in
    // seconds, big enough for nested namespaces, a group and many containers at once.
    for (int i = 0; i < 60; ++i)
        h.start(i % 5 == 0);
    Snapshot prev = h.snapshot();
    SnapshotStore store;
    store.setSnapshot(prev);
    ProcessTableModel table(&store);
    ProcessFilterProxyModel proxy;
    proxy.setSourceModel(&table);
    proxy.sort(ProcessTableModel::CommandColumn);
    proxy.setFilterText(QStringLiteral("worker"));
    Tree userTree(&store, Tree::Hierarchy::User);
    Tree pidTree(&store, Tree::Hierarchy::Pid);
    using Mode = QAbstractItemModelTester::FailureReportingMode;
    QAbstractItemModelTester t1(&table, Mode::Fatal), t2(&proxy, Mode::Fatal), t3(&userTree, Mode::Fatal),
        t4(&pidTree, Mode::Fatal);
    QSignalSpy r1(&table, &QAbstractItemModel::modelReset), r2(&userTree, &QAbstractItemModel::modelReset),
        r3(&pidTree, &QAbstractItemModel::modelReset);
    QSignalSpy inserted(&table, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&table, &QAbstractItemModel::rowsRemoved);
    ClusterLayout layout;
    layout.update(store.snapshot());

    constexpr int kSteps = 1500;
    std::size_t maxProcs = 0;
    for (int step = 0; step < kSteps; ++step) {
        SCOPED_TRACE("step " + std::to_string(step));
        churnStep(h, 1 + step % 5);
        const Snapshot next = h.snapshot();
        SnapshotDelta d = computeDelta(prev, next);
        d.seq = static_cast<std::uint64_t>(step + 1);
        ASSERT_TRUE(store.applyDelta(d));
        layout.update(store.snapshot());
        maxProcs = std::max(maxProcs, next.processes.size());

        // One number everywhere: the store's count is what the snapshot holds, the table's rows,
        // the pid tree's process rows, the user tree's namespace rows and the cluster view's dots.
        const SnapshotCounts &c = store.counts();
        ASSERT_EQ(c.processes, static_cast<int>(next.processes.size()));
        ASSERT_EQ(c.namespaces, static_cast<int>(next.namespaces.size()));
        ASSERT_EQ(table.rowCount(), c.processes);
        ASSERT_EQ(static_cast<int>(layout.dots().size()), c.processes);
        if (step % 100 == 0 || step == kSteps - 1) {
            ASSERT_EQ(processRows(pidTree), c.processes);
            ASSERT_EQ(namespaceRows(userTree), c.namespaces);
            // Row for row what a fresh model of the same snapshot shows.
            for (int r = 0; r < table.rowCount(); ++r)
                ASSERT_EQ(table.processAt(r)->key(), next.processes[static_cast<std::size_t>(r)].key());
            SnapshotStore fresh;
            fresh.setSnapshot(next);
            const QList<int> roles{Qt::DisplayRole, Tree::KindRole, Tree::HiddenRole,
                                   Tree::UnknownParentRole};
            Tree freshUser(&fresh, Tree::Hierarchy::User), freshPid(&fresh, Tree::Hierarchy::Pid);
            ASSERT_EQ(dumpModel(userTree, roles), dumpModel(freshUser, roles));
            ASSERT_EQ(dumpModel(pidTree, roles), dumpModel(freshPid, roles));
            int workers = 0;
            for (const auto &p : next.processes)
                workers += QString::fromStdString(p.comm).contains(QLatin1String("worker")) ||
                           QString::fromStdString(p.cmdline.front()).contains(QLatin1String("worker"));
            ASSERT_EQ(proxy.rowCount(), workers);
        }
        prev = next;
    }
    EXPECT_EQ(r1.count(), 0) << "a delta reset the table";
    EXPECT_EQ(r2.count(), 0) << "a delta reset the user tree";
    EXPECT_EQ(r3.count(), 0) << "a delta reset the pid tree";
    EXPECT_GT(inserted.count(), kSteps / 4);
    EXPECT_GT(removed.count(), kSteps / 4);
    EXPECT_GT(maxProcs, 60u);
    // Containers starting and stopping are applied node by node, not by rebuilding the trees.
    EXPECT_LT(userTree.fullRebuilds(), static_cast<quint64>(kSteps / 20));
    EXPECT_LT(pidTree.fullRebuilds(), static_cast<quint64>(kSteps / 20));
}
