// SPDX-License-Identifier: GPL-2.0-or-later
// The namespace tree model (user and pid hierarchies).
#include "app/models/namespacetreemodel.h"
#include "app/models/snapshotstore.h"
#include "app/panels/treepanel.h"
#include "tests/app/views_testutil.h"

#include <QAbstractItemModelTester>
#include <QFont>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTreeView>

#include <gtest/gtest.h>

using namespace nsviz;
using namespace nsviz::testutil;
using Tree = NamespaceTreeModel;

namespace
{
const QList<int> kRoles = {Qt::DisplayRole,    Qt::ToolTipRole,  Qt::ForegroundRole, Qt::FontRole,
                           Qt::DecorationRole, Tree::KindRole,   Tree::PidRole,      Tree::NspidRole,
                           Tree::NsInodeRole,  Tree::HiddenRole, Tree::HostRole,     Tree::UnknownParentRole,
                           Tree::FoundByRole};

NsId id(std::uint64_t ino)
{
    return {4, ino};
}

QList<quint64> childInodes(const QAbstractItemModel &m, const QModelIndex &parent)
{
    QList<quint64> out;
    for (int r = 0; r < m.rowCount(parent); ++r) {
        const QModelIndex i = m.index(r, 0, parent);
        if (i.data(Tree::KindRole).toInt() == int(Tree::NodeKind::Namespace))
            out << i.data(Tree::NsInodeRole).toULongLong();
    }
    return out;
}

QList<int> childPids(const QAbstractItemModel &m, const QModelIndex &parent)
{
    QList<int> out;
    for (int r = 0; r < m.rowCount(parent); ++r) {
        const QModelIndex i = m.index(r, 0, parent);
        if (i.data(Tree::KindRole).toInt() == int(Tree::NodeKind::Process))
            out << i.data(Tree::PidRole).toInt();
    }
    return out;
}
} // namespace

TEST(ViewsTree, PidHierarchyWithProcessesAndNamespacedPids)
{
    SnapshotStore store;
    store.setSnapshot(loadSnapshot("views-basic.json"));
    Tree model(&store, Tree::Hierarchy::Pid);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);

    // Top level: the host pid namespace, the one whose parent the kernel would not tell, and the
    // processes whose pid namespace could not be read.
    ASSERT_EQ(model.rowCount(), 3);
    const QModelIndex host = model.index(0, 0);
    EXPECT_EQ(host.data(Tree::NsInodeRole).toULongLong(), 4026531836u);
    EXPECT_TRUE(host.data(Tree::HostRole).toBool());
    EXPECT_TRUE(host.data().toString().contains(QStringLiteral("host")));
    EXPECT_TRUE(host.data(Qt::FontRole).value<QFont>().bold());
    EXPECT_EQ(model.index(1, 0).data(Tree::NsInodeRole).toULongLong(), 4026532800u);
    EXPECT_EQ(model.index(2, 0).data(Tree::KindRole).toInt(), int(Tree::NodeKind::Group));
    EXPECT_EQ(model.index(2, 0).data().toString(), QStringLiteral("Pid namespace not visible (1)"));
    EXPECT_EQ(childPids(model, model.index(2, 0)), (QList<int>{9500}));

    // Child pid namespaces first, then the host's own processes.
    EXPECT_EQ(childInodes(model, host), (QList<quint64>{4026532301u, 4026532402u, 4026532501u, 4026532900u}));
    EXPECT_EQ(childPids(model, host), (QList<int>{1, 2, 612, 1500}));
    EXPECT_EQ(model.index(0, Tree::ProcessesColumn, host).data().toInt(), 2); // docker: nginx x2

    // Nested twice: pid in every namespace from the outermost in.
    const QModelIndex sh = model.indexOfProcess(7150);
    ASSERT_TRUE(sh.isValid());
    EXPECT_EQ(sh.data(Tree::NspidRole).toString(), QStringLiteral("7150/146/1"));
    EXPECT_EQ(sh.siblingAtColumn(Tree::PidsColumn).data().toString(), QStringLiteral("7150/146/1"));
    EXPECT_EQ(sh.parent().data(Tree::NsInodeRole).toULongLong(), 4026532410u);
    EXPECT_EQ(sh.parent().parent().data(Tree::NsInodeRole).toULongLong(), 4026532402u);
    EXPECT_EQ(sh.parent().parent().parent(), host);
    EXPECT_EQ(model.indexOfProcess(6025).siblingAtColumn(Tree::PidsColumn).data().toString(),
              QStringLiteral("6025/1"));
    EXPECT_EQ(model.indexOfProcess(1).siblingAtColumn(Tree::PidsColumn).data().toString(),
              QStringLiteral("1"));
    EXPECT_FALSE(model.indexOfProcess(424242).isValid());
}

TEST(ViewsTree, HiddenAndUnknownParentsAreFlagged)
{
    SnapshotStore store;
    store.setSnapshot(loadSnapshot("views-basic.json"));
    Tree pidTree(&store, Tree::Hierarchy::Pid);
    QAbstractItemModelTester tester(&pidTree, QAbstractItemModelTester::FailureReportingMode::Fatal);

    // A pid namespace no process is in, known only as the parent of another.
    const QModelIndex hidden = pidTree.indexOfNamespace(id(4026532900));
    ASSERT_TRUE(hidden.isValid());
    EXPECT_TRUE(hidden.data(Tree::HiddenRole).toBool());
    EXPECT_TRUE(hidden.data(Qt::FontRole).value<QFont>().italic());
    EXPECT_TRUE(hidden.data(Qt::ForegroundRole).isValid());
    EXPECT_TRUE(hidden.data(Qt::ToolTipRole).toString().contains(QStringLiteral("only as the parent")));
    EXPECT_TRUE(
        hidden.siblingAtColumn(Tree::DetailsColumn).data().toString().contains(QStringLiteral("hidden")));
    EXPECT_EQ(pidTree.rowCount(hidden), 1);
    EXPECT_EQ(pidTree.indexOfProcess(9100).siblingAtColumn(Tree::PidsColumn).data().toString(),
              QStringLiteral("9100/12/1"));
    EXPECT_EQ(pidTree.indexOfProcess(9100).parent().parent(), hidden);

    // A normal namespace is neither.
    const QModelIndex docker = pidTree.indexOfNamespace(id(4026532301));
    EXPECT_FALSE(docker.data(Tree::HiddenRole).toBool());
    EXPECT_FALSE(docker.data(Tree::UnknownParentRole).toBool());
    EXPECT_FALSE(docker.data(Qt::FontRole).isValid());
    EXPECT_TRUE(docker.siblingAtColumn(Tree::DetailsColumn)
                    .data()
                    .toString()
                    .contains(QStringLiteral("nginx (6025)")));

    // NS_GET_PARENT refused: at the top, marked unknown, and the text says so (not "no parent").
    const QModelIndex unknown = pidTree.indexOfNamespace(id(4026532800));
    EXPECT_FALSE(unknown.parent().isValid());
    EXPECT_TRUE(unknown.data(Tree::UnknownParentRole).toBool());
    EXPECT_TRUE(
        unknown.siblingAtColumn(Tree::DetailsColumn).data().toString().contains(QStringLiteral("unknown")));
    EXPECT_TRUE(unknown.data(Qt::ToolTipRole).toString().contains(QStringLiteral("would not tell")));
    // The host's pid namespace has no parent at all, which is not "unknown".
    EXPECT_FALSE(pidTree.indexOfNamespace(id(4026531836)).data(Tree::UnknownParentRole).toBool());
}

TEST(ViewsTree, UserHierarchyWithOwnedNamespaces)
{
    SnapshotStore store;
    store.setSnapshot(loadSnapshot("views-basic.json"));
    Tree model(&store, Tree::Hierarchy::User);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);

    // The initial user namespace, and a group for what the kernel would not attribute.
    ASSERT_EQ(model.rowCount(), 2);
    const QModelIndex host = model.index(0, 0);
    EXPECT_EQ(host.data(Tree::NsInodeRole).toULongLong(), 4026531837u);
    EXPECT_TRUE(host.data(Tree::HostRole).toBool());
    const QModelIndex group = model.index(1, 0);
    EXPECT_EQ(group.data().toString(), QStringLiteral("Owner unknown (1)"));
    EXPECT_EQ(childInodes(model, group), (QList<quint64>{4026532800u}));
    EXPECT_TRUE(model.index(0, 0, group).data(Tree::UnknownParentRole).toBool());

    // Child user namespaces first (podman's and a hidden one), then the owned namespaces by type.
    const QList<quint64> kids = childInodes(model, host);
    ASSERT_GE(kids.size(), 3);
    EXPECT_EQ(kids.mid(0, 2), (QList<quint64>{4026532400u, 4026532450u}));
    EXPECT_EQ(kids.at(2), 4026531841u);       // host mnt: the first owned, by (type, inode)
    EXPECT_TRUE(kids.contains(4026532600u));  // bind-mounted net namespace, owned by the host user ns
    EXPECT_TRUE(kids.contains(4026532700u));  // fd-held ipc namespace
    EXPECT_FALSE(kids.contains(4026532401u)); // podman's mnt belongs to podman's user namespace

    const QModelIndex podman = model.indexOfNamespace(id(4026532400));
    EXPECT_EQ(podman.parent(), host);
    EXPECT_EQ(childInodes(model, podman),
              (QList<quint64>{4026532401u, 4026532402u, 4026532410u, 4026532405u, 4026532403u, 4026532404u}));
    EXPECT_TRUE(podman.siblingAtColumn(Tree::DetailsColumn)
                    .data()
                    .toString()
                    .contains(QStringLiteral("owner uid 1000")));

    // Hidden user namespace owning a bind-mounted network namespace; both flagged, found-by in the tooltip.
    const QModelIndex hiddenUser = model.indexOfNamespace(id(4026532450));
    EXPECT_TRUE(hiddenUser.data(Tree::HiddenRole).toBool());
    const QModelIndex red = model.indexOfNamespace(id(4026532601));
    EXPECT_EQ(red.parent(), hiddenUser);
    EXPECT_TRUE(red.data(Tree::HiddenRole).toBool());
    EXPECT_TRUE(red.data(Qt::ToolTipRole).toString().contains(QStringLiteral("/run/netns/red")));
    EXPECT_TRUE(model.indexOfNamespace(id(4026532700))
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("1500/5")));
    EXPECT_EQ(model.indexOfNamespace(id(4026532600)).data(Tree::FoundByRole).toInt(), int(FoundByBindMount));
}

TEST(ViewsTree, ParentMissingFromSnapshotIsShownNotGuessed)
{
    Snapshot s = loadSnapshot("views-basic.json");
    // Drop the hidden pid namespace: its child now names a parent the snapshot does not have.
    std::erase_if(s.namespaces, [](auto &n) { return n.id.ino == 4026532900; });
    SnapshotStore store;
    store.setSnapshot(s);
    Tree model(&store, Tree::Hierarchy::Pid);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    const QModelIndex orphan = model.indexOfNamespace(id(4026532910));
    EXPECT_FALSE(orphan.parent().isValid());
    EXPECT_TRUE(orphan.data(Tree::UnknownParentRole).toBool());
    EXPECT_TRUE(orphan.siblingAtColumn(Tree::DetailsColumn)
                    .data()
                    .toString()
                    .contains(QStringLiteral("pid:[4026532900] not in the snapshot")));
}

TEST(ViewsTree, ParentLoopDoesNotLoseNodes)
{
    Snapshot s = loadSnapshot("views-basic.json");
    // Corrupt input: two pid namespaces naming each other as parent.
    findNs(s, 4026532900)->parent = NsId{4, 4026532910};
    SnapshotStore store;
    store.setSnapshot(s);
    Tree model(&store, Tree::Hierarchy::Pid);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    EXPECT_TRUE(model.indexOfNamespace(id(4026532900)).isValid());
    EXPECT_TRUE(model.indexOfNamespace(id(4026532910)).isValid());
    EXPECT_TRUE(model.indexOfProcess(9100).isValid());
}

class ViewsTreeDeltas : public ::testing::TestWithParam<Tree::Hierarchy>
{
};

TEST_P(ViewsTreeDeltas, FollowsDeltasWithRowOperationsNeverAReset)
{
    const auto seq = deltaSequence(loadSnapshot("views-basic.json"));
    SnapshotStore store;
    store.setSnapshot(seq.front());
    Tree model(&store, GetParam());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

    for (std::size_t i = 1; i < seq.size(); ++i) {
        SCOPED_TRACE("step " + std::to_string(i));
        ASSERT_TRUE(store.applyDelta(computeDelta(seq[i - 1], seq[i])));
        SnapshotStore fresh;
        fresh.setSnapshot(seq[i]);
        Tree expected(&fresh, GetParam());
        ASSERT_EQ(dumpModel(model, kRoles), dumpModel(expected, kRoles));
    }
    EXPECT_EQ(resets.count(), 0);
    EXPECT_GT(inserted.count(), 0);
    EXPECT_GT(removed.count(), 0);
    EXPECT_GT(changed.count(), 0);
}

INSTANTIATE_TEST_SUITE_P(BothHierarchies, ViewsTreeDeltas,
                         ::testing::Values(Tree::Hierarchy::User, Tree::Hierarchy::Pid),
                         [](const auto &info) {
                             return std::string(info.param == Tree::Hierarchy::User ? "User" : "Pid");
                         });

TEST(ViewsTree, DeltaKeepsExpansionAndSelection)
{
    Snapshot a = loadSnapshot("views-basic.json");
    SnapshotStore store;
    store.setSnapshot(a);
    Tree model(&store, Tree::Hierarchy::Pid);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QTreeView view;
    view.setModel(&model);
    const QModelIndex podman = model.indexOfNamespace(id(4026532402));
    view.expand(podman.parent());
    view.expand(podman);
    view.setCurrentIndex(model.indexOfProcess(7100));

    // A process starts inside the podman pid namespace, and an unrelated one exits.
    Snapshot b = a;
    Process p = makeProcess(7120, 1, "sleep", b);
    p.ns = findProc(b, 7100)->ns;
    p.nspid = {7120, 2};
    b.processes.push_back(p);
    std::erase_if(b.processes, [](auto &q) { return q.pid == 612; });
    finalize(b);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    ASSERT_TRUE(store.applyDelta(computeDelta(a, b)));

    ASSERT_EQ(inserted.count(), 1);
    EXPECT_EQ(inserted.at(0).at(0).value<QModelIndex>(), model.indexOfNamespace(id(4026532402)));
    EXPECT_TRUE(view.isExpanded(model.indexOfNamespace(id(4026532402))));
    EXPECT_EQ(view.currentIndex().data(Tree::PidRole).toInt(), 7100);
    EXPECT_EQ(model.indexOfProcess(7120).siblingAtColumn(Tree::PidsColumn).data().toString(),
              QStringLiteral("7120/2"));
    EXPECT_FALSE(model.indexOfProcess(612).isValid());
}

TEST(ViewsTree, PanelSelectionFilterAndLiveExpansion)
{
    Snapshot a = loadSnapshot("views-basic.json");
    SnapshotStore store;
    store.setSnapshot(a);
    TreePanel panel(&store);
    // Both models and the filter proxies over them.
    std::vector<std::unique_ptr<QAbstractItemModelTester>> testers;
    for (QAbstractItemModel *m : {static_cast<QAbstractItemModel *>(panel.userModel()),
                                  static_cast<QAbstractItemModel *>(panel.pidModel()),
                                  panel.userView()->model(), panel.pidView()->model()})
        testers.push_back(std::make_unique<QAbstractItemModelTester>(
            m, QAbstractItemModelTester::FailureReportingMode::Fatal));
    QSignalSpy procSel(&panel, &TreePanel::processSelected);
    QSignalSpy nsSel(&panel, &TreePanel::namespaceSelected);

    // Programmatic: the process in the pid tree (ancestors opened), its user namespace on the left; no echo.
    panel.selectProcess(7150);
    EXPECT_EQ(procSel.count(), 0);
    EXPECT_EQ(panel.pidView()->currentIndex().data(Tree::PidRole).toInt(), 7150);
    EXPECT_TRUE(panel.pidView()->isExpanded(panel.pidView()->currentIndex().parent()));
    EXPECT_EQ(panel.userView()->currentIndex().data(Tree::NsInodeRole).toULongLong(), 4026532400u);

    // The user picks rows: processes and namespaces are reported.
    auto *pidProxy = static_cast<QSortFilterProxyModel *>(panel.pidView()->model());
    panel.pidView()->setCurrentIndex(pidProxy->mapFromSource(panel.pidModel()->indexOfProcess(6040)));
    ASSERT_EQ(procSel.count(), 1);
    EXPECT_EQ(procSel.at(0).at(0).toInt(), 6040);
    panel.pidView()->setCurrentIndex(
        pidProxy->mapFromSource(panel.pidModel()->indexOfNamespace(id(4026532301))));
    ASSERT_EQ(nsSel.count(), 1);
    EXPECT_EQ(nsSel.at(0).at(0).toInt(), int(index(NsType::Pid)));
    EXPECT_EQ(nsSel.at(0).at(1).toULongLong(), 4026532301u);

    // A container starting live opens up where it appears.
    Snapshot b = a;
    Process p = makeProcess(7300, 9, "postgres", b);
    p.ns[index(NsType::Pid)] = {4, 4026533500};
    p.ns[index(NsType::Mnt)] = {4, 4026533501};
    p.nspid = {7300, 1};
    b.processes.push_back(p);
    finalize(b);
    ASSERT_TRUE(store.applyDelta(computeDelta(a, b)));
    const QModelIndex fresh = pidProxy->mapFromSource(panel.pidModel()->indexOfNamespace(id(4026533500)));
    ASSERT_TRUE(fresh.isValid());
    EXPECT_TRUE(panel.pidView()->isExpanded(fresh));

    // Filtering keeps matches and their ancestors only, in both trees.
    panel.setFilterText(QStringLiteral("POSTGRES"));
    EXPECT_EQ(panel.filterText(), QStringLiteral("POSTGRES"));
    EXPECT_EQ(pidProxy->rowCount(), 1); // the host pid namespace, as the ancestor
    const QModelIndex match = pidProxy->mapFromSource(panel.pidModel()->indexOfProcess(7300));
    ASSERT_TRUE(match.isValid());
    EXPECT_TRUE(panel.pidView()->isExpanded(match.parent()));
    EXPECT_FALSE(pidProxy->mapFromSource(panel.pidModel()->indexOfProcess(6025)).isValid());
    // Filtered out: selecting it clears the selection instead of picking a wrong row.
    panel.selectProcess(6025);
    EXPECT_TRUE(panel.pidView()->selectionModel()->selectedRows().isEmpty());
    panel.setFilterText(QString());
    EXPECT_TRUE(pidProxy->mapFromSource(panel.pidModel()->indexOfProcess(6025)).isValid());
}
