// SPDX-License-Identifier: GPL-2.0-or-later
// The views on this very host: two real scans (with a process the test starts in fresh namespaces
// between them) go through every views model as a snapshot and then a delta, under
// QAbstractItemModelTester, and must match models built from the second scan directly.
#include "app/panels/chartspanel.h"
#include "core/discovery/discovery.h"
#include "app/models/namespacetreemodel.h"
#include "app/models/processtablemodel.h"
#include "app/models/snapshotstore.h"
#include "tests/app/views_testutil.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QLineSeries>
#include <QSignalSpy>

#include <gtest/gtest.h>

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

using namespace nsviz;
using namespace nsviz::testutil;

namespace
{
/// A child in new pid/net/uts/mount namespaces (unshare(1)), killed and reaped on destruction.
class Unshared
{
public:
    Unshared()
    {
        m_pid = fork();
        if (m_pid == 0) {
            // --kill-child: the sleep dies with unshare, so SIGKILL to unshare cleans up everything.
            execlp("unshare", "unshare", "--fork", "--kill-child", "--pid", "--net", "--uts", "--mount",
                   "--mount-proc", "sleep", "120", static_cast<char *>(nullptr));
            _exit(127);
        }
    }
    ~Unshared()
    {
        if (m_pid > 0) {
            kill(m_pid, SIGKILL);
            waitpid(m_pid, nullptr, 0);
        }
    }
    pid_t pid() const { return m_pid; }

private:
    pid_t m_pid = -1;
};

const Process *childOf(const Snapshot &s, int ppid)
{
    for (const auto &p : s.processes)
        if (p.ppid == ppid)
            return &p;
    return nullptr;
}
} // namespace

TEST(ViewsLive, HostScansThroughEveryModel)
{
    if (geteuid() != 0)
        GTEST_SKIP() << "needs root to create pid namespaces with unshare";
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

    Unshared child;
    ASSERT_GT(child.pid(), 0);
    // Wait until unshare has forked its sleep inside the new pid namespace.
    Snapshot second;
    const Process *sleeper = nullptr;
    for (int i = 0; i < 100 && !sleeper; ++i) {
        usleep(20000);
        second = discover();
        sleeper = childOf(second, child.pid());
    }
    ASSERT_TRUE(sleeper) << "unshare never started its child";
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
    EXPECT_EQ(dumpModel(table, roles), dumpModel(ProcessTableModel(&fresh), roles));
    EXPECT_EQ(dumpModel(userTree, roles),
              dumpModel(NamespaceTreeModel(&fresh, NamespaceTreeModel::Hierarchy::User), roles));
    EXPECT_EQ(dumpModel(pidTree, roles),
              dumpModel(NamespaceTreeModel(&fresh, NamespaceTreeModel::Hierarchy::Pid), roles));

    // The process in fresh namespaces: its own net inode (not greyed), PID 1 in its pid namespace.
    const int row = table.rowOfPid(sleeper->pid);
    ASSERT_GE(row, 0);
    const int netCol = ProcessTableModel::columnOfNsType(NsType::Net);
    EXPECT_FALSE(table.index(row, netCol).data(ProcessTableModel::HostEqualRole).toBool());
    EXPECT_TRUE(table.index(row, ProcessTableModel::columnOfNsType(NsType::Ipc))
                    .data(ProcessTableModel::HostEqualRole)
                    .toBool());
    const QModelIndex inTree = pidTree.indexOfProcess(sleeper->pid);
    ASSERT_TRUE(inTree.isValid());
    EXPECT_EQ(inTree.data(NamespaceTreeModel::NspidRole).toString(),
              QString::number(sleeper->pid) + QStringLiteral("/1"));
    EXPECT_EQ(inTree.parent().data(NamespaceTreeModel::NsInodeRole).toULongLong(),
              sleeper->ns[index(NsType::Pid)].ino);
    EXPECT_EQ(charts.processSeries()->count(), 2);
}
