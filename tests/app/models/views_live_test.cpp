// SPDX-License-Identifier: GPL-2.0-or-later
// The views on this very host: two real scans (with a process the test starts in fresh namespaces
// between them) go through every views model as a snapshot and then a delta, under
// QAbstractItemModelTester, and must match models built from the second scan directly.
#include "app/models/namespacetreemodel.h"
#include "app/models/processtablemodel.h"
#include "app/models/snapshotstore.h"
#include "app/panels/chartspanel.h"
#include "core/discovery/discovery.h"
#include "tests/app/views_testutil.h"
#include "tests/common/nschild.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QLineSeries>
#include <QSignalSpy>

#include <gtest/gtest.h>

#include <unistd.h>

using namespace nsviz;
using namespace nsviz::testutil;
using nsviz::test::NsChild;

namespace
{
const Process *processOf(const Snapshot &s, int pid)
{
    for (const auto &p : s.processes)
        if (p.pid == pid)
            return &p;
    return nullptr;
}
} // namespace

TEST(ViewsLive, HostScansThroughEveryModel)
{
    if (geteuid() != 0)
        GTEST_SKIP() << "needs root to create pid namespaces";
    QElapsedTimer t;
    t.start();
    const Snapshot first = discover();
    const qint64 scan1 = t.restart();

    SnapshotStore store;
    store.setSnapshot(first);
    ProcessTableModel table(&store);
    NamespaceTreeModel userTree(&store, NamespaceTreeModel::Hierarchy::User);
    NamespaceTreeModel pidTree(&store, NamespaceTreeModel::Hierarchy::Pid);
    ChartsPanel charts(&store);
    const qint64 build = t.restart();
    QAbstractItemModelTester t1(&table, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QAbstractItemModelTester t2(&userTree, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QAbstractItemModelTester t3(&pidTree, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QSignalSpy r1(&table, &QAbstractItemModel::modelReset), r2(&userTree, &QAbstractItemModel::modelReset),
        r3(&pidTree, &QAbstractItemModel::modelReset);
    EXPECT_EQ(table.rowCount(), static_cast<int>(first.processes.size()));

    // PID 1 of fresh pid/net/uts/mount namespaces; it is there when unshared() returns.
    auto child = NsChild::unshared(CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWNS);
    ASSERT_GT(child.pid(), 0) << child.error();
    const Snapshot second = discover();
    const Process *inner = processOf(second, child.pid());
    ASSERT_TRUE(inner) << "the scan missed the child";
    EXPECT_EQ(inner->startTime, child.startTime()); // the same process, not a reused pid
    t.restart();
    const SnapshotDelta delta = computeDelta(first, second);
    ASSERT_TRUE(store.applyDelta(delta));
    const qint64 apply = t.restart();
    // The same delta without testers: what the GUI pays per update.
    SnapshotStore plain;
    plain.setSnapshot(first);
    ProcessTableModel plainTable(&plain);
    NamespaceTreeModel plainUser(&plain, NamespaceTreeModel::Hierarchy::User);
    NamespaceTreeModel plainPid(&plain, NamespaceTreeModel::Hierarchy::Pid);
    ChartsPanel plainCharts(&plain);
    QElapsedTimer each;
    each.start();
    plain.applyDelta(delta);
    const qint64 plainApply = each.elapsed();
    std::cout << "[ views ] " << first.processes.size() << " processes, " << first.namespaces.size()
              << " namespaces; scan " << scan1 << " ms, models+charts built " << build << " ms, delta (+"
              << delta.addedProcesses.size() << " -" << delta.removedProcesses.size() << " ~"
              << delta.changedProcesses.size() << " processes) applied to all in " << apply
              << " ms with model testers attached, " << plainApply << " ms without\n";

    EXPECT_EQ(r1.count() + r2.count() + r3.count(), 0);
    SnapshotStore fresh;
    fresh.setSnapshot(second);
    const QList<int> roles = {Qt::DisplayRole, Qt::ToolTipRole, Qt::ForegroundRole};
    EXPECT_EQ(firstDifference(dumpModel(table, roles), dumpModel(ProcessTableModel(&fresh), roles)), "");
    EXPECT_EQ(dumpModel(userTree, roles),
              dumpModel(NamespaceTreeModel(&fresh, NamespaceTreeModel::Hierarchy::User), roles));
    EXPECT_EQ(dumpModel(pidTree, roles),
              dumpModel(NamespaceTreeModel(&fresh, NamespaceTreeModel::Hierarchy::Pid), roles));

    // The process in fresh namespaces: its own net inode (not greyed), PID 1 in its pid namespace.
    const int row = table.rowOfPid(inner->pid);
    ASSERT_GE(row, 0);
    const int netCol = ProcessTableModel::columnOfNsType(NsType::Net);
    EXPECT_FALSE(table.index(row, netCol).data(ProcessTableModel::HostEqualRole).toBool());
    EXPECT_TRUE(table.index(row, ProcessTableModel::columnOfNsType(NsType::Ipc))
                    .data(ProcessTableModel::HostEqualRole)
                    .toBool());
    const QModelIndex inTree = pidTree.indexOfProcess(inner->pid);
    ASSERT_TRUE(inTree.isValid());
    EXPECT_EQ(inTree.data(NamespaceTreeModel::NspidRole).toString(),
              QString::number(inner->pid) + QStringLiteral("/1"));
    EXPECT_EQ(inTree.parent().data(NamespaceTreeModel::NsInodeRole).toULongLong(),
              inner->ns[index(NsType::Pid)].ino);
    EXPECT_EQ(charts.processHistory().size(), 2);
}
