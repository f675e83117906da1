// SPDX-License-Identifier: GPL-2.0-or-later
// The process table model, its filter proxy and the table panel.
#include "app/models/processfilterproxymodel.h"
#include "app/models/processtablemodel.h"
#include "app/models/snapshotstore.h"
#include "app/panels/tablepanel.h"
#include "tests/app/views_testutil.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QBrush>
#include <QClipboard>
#include <QHeaderView>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

using namespace nsviz;
using namespace nsviz::testutil;

namespace
{
const QList<int> kRoles = {Qt::DisplayRole,
                           Qt::ToolTipRole,
                           Qt::ForegroundRole,
                           Qt::BackgroundRole,
                           ProcessTableModel::SortRole,
                           ProcessTableModel::HostEqualRole,
                           ProcessTableModel::TsvRole,
                           ProcessTableModel::HostNetWarningRole,
                           Qt::DecorationRole};

QModelIndex cell(const ProcessTableModel &m, int pid, int column)
{
    return m.index(m.rowOfPid(pid), column);
}
} // namespace

TEST(ViewsTable, LoadsFixtureOneRowPerProcess)
{
    SnapshotStore store;
    store.setSnapshot(loadSnapshot("views-basic.json"));
    ProcessTableModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);

    ASSERT_EQ(model.rowCount(), static_cast<int>(store.snapshot().processes.size()));
    EXPECT_EQ(model.columnCount(), 4 + 8);
    EXPECT_EQ(model.headerData(ProcessTableModel::PidColumn, Qt::Horizontal).toString(),
              QStringLiteral("PID"));
    EXPECT_EQ(model.headerData(ProcessTableModel::columnOfNsType(NsType::Net), Qt::Horizontal).toString(),
              QStringLiteral("net"));
    EXPECT_EQ(model.headerData(ProcessTableModel::CommandColumn, Qt::Horizontal).toString(),
              QStringLiteral("Command"));
    for (int r = 0; r < model.rowCount(); ++r)
        EXPECT_EQ(model.index(r, ProcessTableModel::PidColumn).data().toInt(),
                  store.snapshot().processes[r].pid);

    EXPECT_EQ(cell(model, 6025, ProcessTableModel::CommandColumn).data().toString(),
              QStringLiteral("nginx: master process nginx -g daemon off;"));
    // Kernel threads have no argv: shown like ps does.
    EXPECT_EQ(cell(model, 2, ProcessTableModel::CommandColumn).data().toString(),
              QStringLiteral("[kthreadd]"));
    EXPECT_EQ(cell(model, 6025, ProcessTableModel::columnOfNsType(NsType::Net)).data().toString(),
              QStringLiteral("4026532305"));
    EXPECT_EQ(cell(model, 6040, ProcessTableModel::PpidColumn).data().toInt(), 6025);
    // A foreign host's snapshot: uids are not resolved through this machine's passwd.
    EXPECT_EQ(cell(model, 1500, ProcessTableModel::UserColumn).data().toString(), QStringLiteral("uid 1000"));
    EXPECT_EQ(cell(model, 1500, ProcessTableModel::UserColumn).data(ProcessTableModel::TsvRole).toString(),
              QStringLiteral("1000"));
}

TEST(ViewsTable, HostEqualCellsAreGreyedAndIsolatedOnesTinted)
{
    SnapshotStore store;
    store.setSnapshot(loadSnapshot("views-basic.json"));
    ProcessTableModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);

    const int userCol = ProcessTableModel::columnOfNsType(NsType::User);
    const int netCol = ProcessTableModel::columnOfNsType(NsType::Net);
    // nginx: own net namespace, the host's user namespace.
    const QModelIndex shared = cell(model, 6025, userCol);
    const QModelIndex isolated = cell(model, 6025, netCol);
    EXPECT_TRUE(shared.data(ProcessTableModel::HostEqualRole).toBool());
    EXPECT_FALSE(isolated.data(ProcessTableModel::HostEqualRole).toBool());
    ASSERT_TRUE(shared.data(Qt::ForegroundRole).canConvert<QBrush>());
    const QColor grey = shared.data(Qt::ForegroundRole).value<QBrush>().color();
    const QColor text = QGuiApplication::palette().color(QPalette::Text);
    EXPECT_NE(grey, text);
    EXPECT_FALSE(isolated.data(Qt::ForegroundRole).isValid()); // normal text colour
    EXPECT_TRUE(isolated.data(Qt::BackgroundRole).canConvert<QBrush>());
    EXPECT_FALSE(shared.data(Qt::BackgroundRole).isValid());
    EXPECT_TRUE(shared.data(Qt::ToolTipRole).toString().contains(QStringLiteral("shared with the host")));
    EXPECT_TRUE(isolated.data(Qt::ToolTipRole).toString().contains(QStringLiteral("isolated")));

    // metrics-agent shares only the host's network namespace.
    EXPECT_TRUE(cell(model, 8200, netCol).data(ProcessTableModel::HostEqualRole).toBool());
    EXPECT_FALSE(cell(model, 8200, ProcessTableModel::columnOfNsType(NsType::Mnt))
                     .data(ProcessTableModel::HostEqualRole)
                     .toBool());

    // ... which the table flags with a warning on the net cell, and only there.
    EXPECT_TRUE(cell(model, 8200, 0).data(ProcessTableModel::HostNetWarningRole).toBool());
    EXPECT_TRUE(cell(model, 8200, netCol).data(Qt::DecorationRole).isValid());
    EXPECT_TRUE(cell(model, 8200, netCol)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("host networking")));
    EXPECT_FALSE(cell(model, 8200, userCol).data(Qt::DecorationRole).isValid());
    // The rule the cluster view uses (hostRelation): host net plus an own mnt or pid namespace.
    for (int pid : {9001, 9100})
        EXPECT_TRUE(cell(model, pid, 0).data(ProcessTableModel::HostNetWarningRole).toBool()) << pid;
    for (int pid : {1, 2, 612, 6025, 7150, 9500})
        EXPECT_FALSE(cell(model, pid, 0).data(ProcessTableModel::HostNetWarningRole).toBool()) << pid;

    // Every column of PID 1 equals the host's.
    for (NsType t : kAllNsTypes)
        EXPECT_TRUE(cell(model, 1, ProcessTableModel::columnOfNsType(t))
                        .data(ProcessTableModel::HostEqualRole)
                        .toBool());

    // An unreadable process: no inode, greyed dash, never "equal to the host".
    const QModelIndex unreadable = cell(model, 9500, netCol);
    EXPECT_EQ(unreadable.data().toString(), QStringLiteral("—"));
    EXPECT_FALSE(unreadable.data(ProcessTableModel::HostEqualRole).toBool());
    EXPECT_TRUE(unreadable.data(Qt::ForegroundRole).canConvert<QBrush>());
    EXPECT_EQ(unreadable.data(ProcessTableModel::TsvRole).toString(), QString());
}

TEST(ViewsTable, FollowsDeltasWithRowOperationsNeverAReset)
{
    const auto seq = deltaSequence(loadSnapshot("views-basic.json"));
    SnapshotStore store;
    store.setSnapshot(seq.front());
    ProcessTableModel model(&store);
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
        ProcessTableModel expected(&fresh);
        ASSERT_EQ(dumpModel(model, kRoles), dumpModel(expected, kRoles));
    }
    EXPECT_EQ(resets.count(), 0);
    EXPECT_GT(inserted.count(), 0);
    EXPECT_GT(removed.count(), 0);
    EXPECT_GT(changed.count(), 0);

    // A new snapshot is the one time the model resets.
    store.setSnapshot(seq.front());
    EXPECT_EQ(resets.count(), 1);
    EXPECT_EQ(model.rowCount(), static_cast<int>(seq.front().processes.size()));
}

TEST(ViewsTable, ReusedPidIsARemovalAndAnInsertion)
{
    Snapshot a = loadSnapshot("views-basic.json");
    Snapshot b = a;
    Process *p = findProc(b, 612);
    p->startTime += 1;
    p->comm = "sshd-new";
    finalize(b);
    SnapshotStore store;
    store.setSnapshot(a);
    ProcessTableModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    const int row = model.rowOfPid(612);

    ASSERT_TRUE(store.applyDelta(computeDelta(a, b)));
    ASSERT_EQ(removed.count(), 1);
    ASSERT_EQ(inserted.count(), 1);
    EXPECT_EQ(removed.at(0).at(1).toInt(), row);
    EXPECT_EQ(inserted.at(0).at(1).toInt(), row);
    EXPECT_EQ(changed.count(), 0);
    EXPECT_EQ(model.processAt(row)->startTime, findProc(b, 612)->startTime);
    EXPECT_EQ(model.processAt(row)->comm, "sshd-new");
    EXPECT_TRUE(model.index(row, 0).data(Qt::ToolTipRole).toString().contains(QStringLiteral("sshd-new")));
}

TEST(ViewsTable, NewHostReferenceRegreysCells)
{
    Snapshot a = loadSnapshot("views-basic.json");
    Snapshot b = a;
    const std::uint64_t dev = a.hostNs[0].dev;
    b.hostNs[index(NsType::Net)] = {dev, 4026532305}; // pretend nginx's net namespace is the host's
    finalize(b);
    SnapshotStore store;
    store.setSnapshot(a);
    ProcessTableModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    const int netCol = ProcessTableModel::columnOfNsType(NsType::Net);
    EXPECT_FALSE(cell(model, 6025, netCol).data(ProcessTableModel::HostEqualRole).toBool());
    EXPECT_TRUE(cell(model, 1, netCol).data(ProcessTableModel::HostEqualRole).toBool());
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    ASSERT_TRUE(store.applyDelta(computeDelta(a, b)));
    EXPECT_GT(changed.count(), 0);
    EXPECT_TRUE(cell(model, 6025, netCol).data(ProcessTableModel::HostEqualRole).toBool());
    EXPECT_FALSE(cell(model, 1, netCol).data(ProcessTableModel::HostEqualRole).toBool());
}

TEST(ViewsTable, NewSandboxesSignalOnlyTheRowsWhoseSandboxChanged)
{
    // Under churn nearly every delta carries the sandbox list; a signal over every row made the
    // sort proxy walk the whole table each time. Only rows whose "in …" tooltip line changes.
    Snapshot a = loadSnapshot("views-basic.json");
    auto member = [&a](int pid) { return SandboxMember{pid, findProc(a, pid)->startTime}; };
    auto box = [](std::string id, std::string name, std::vector<SandboxMember> procs) {
        Sandbox sb;
        sb.id = std::move(id);
        sb.name = std::move(name);
        sb.processes = std::move(procs);
        return sb;
    };
    a.sandboxes = {box("c:web", "web", {member(6025)}), box("c:db", "db", {member(7100), member(7150)}),
                   box("c:metrics", "metrics", {member(8200)}), box("c:gone", "gone", {member(9001)})};
    Snapshot b = a;
    b.sandboxes = {box("c:web", "web", {member(6025), member(6040)}),     // 6040 joins
                   box("c:db", "database", {member(7100), member(7150)}), // renamed
                   box("c:metrics", "metrics", {member(8200)})};          // "gone" ended
    b.sandboxes[2].isolates = 0x3; // changed, but not what the tooltip says
    SnapshotStore store;
    store.setSnapshot(a);
    ProcessTableModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    EXPECT_TRUE(cell(model, 9001, 0).data(Qt::ToolTipRole).toString().contains(QStringLiteral("\nin gone")));
    EXPECT_FALSE(cell(model, 6040, 0).data(Qt::ToolTipRole).toString().contains(QStringLiteral("\nin ")));

    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    const SnapshotDelta d = computeDelta(a, b);
    ASSERT_TRUE(d.sandboxes);
    ASSERT_TRUE(store.applyDelta(d));
    std::set<int> signalled;
    for (const QList<QVariant> &args : changed) {
        const auto from = args[0].value<QModelIndex>(), to = args[1].value<QModelIndex>();
        EXPECT_EQ(from.column(), 0);
        EXPECT_EQ(to.column(), model.columnCount() - 1);
        EXPECT_EQ(args[2].value<QList<int>>(), QList<int>{Qt::ToolTipRole});
        for (int r = from.row(); r <= to.row(); ++r)
            signalled.insert(model.index(r, ProcessTableModel::PidColumn).data().toInt());
    }
    EXPECT_EQ(signalled, (std::set<int>{6040, 7100, 7150, 9001}));
    EXPECT_TRUE(cell(model, 6040, 0).data(Qt::ToolTipRole).toString().contains(QStringLiteral("\nin web")));
    EXPECT_TRUE(
        cell(model, 7150, 0).data(Qt::ToolTipRole).toString().contains(QStringLiteral("\nin database")));
    EXPECT_FALSE(cell(model, 9001, 0).data(Qt::ToolTipRole).toString().contains(QStringLiteral("\nin ")));

    // A process two sandboxes list is in the first: a list that puts another one first moves it.
    Snapshot e = b;
    e.sandboxes = {box("c:metrics", "metrics", {member(6025), member(8200)}),
                   box("c:web", "web", {member(6025), member(6040)}),
                   box("c:db", "database", {member(7100), member(7150)})};
    changed.clear();
    ASSERT_TRUE(store.applyDelta(computeDelta(b, e)));
    signalled.clear();
    for (const QList<QVariant> &args : changed)
        for (int r = args[0].value<QModelIndex>().row(); r <= args[1].value<QModelIndex>().row(); ++r)
            signalled.insert(model.index(r, ProcessTableModel::PidColumn).data().toInt());
    EXPECT_EQ(signalled, (std::set<int>{6025}));
    EXPECT_TRUE(
        cell(model, 6025, 0).data(Qt::ToolTipRole).toString().contains(QStringLiteral("\nin metrics")));
    ASSERT_TRUE(store.applyDelta(computeDelta(e, b)));
    EXPECT_TRUE(cell(model, 6025, 0).data(Qt::ToolTipRole).toString().contains(QStringLiteral("\nin web")));

    // A delta that leaves the sandboxes alone signals no row of them.
    Snapshot c = b;
    c.processes.erase(
        std::find_if(c.processes.begin(), c.processes.end(), [](const Process &p) { return p.pid == 9500; }));
    finalize(c);
    changed.clear();
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    ASSERT_TRUE(store.applyDelta(computeDelta(b, c)));
    EXPECT_EQ(removed.count(), 1);
    EXPECT_EQ(changed.count(), 0);
}

TEST(ViewsTable, FilterMatchesTermsAndNamespaceLinks)
{
    SnapshotStore store;
    store.setSnapshot(loadSnapshot("views-basic.json"));
    ProcessTableModel model(&store);
    ProcessFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::Fatal);
    auto pids = [&] {
        QList<int> out;
        for (int r = 0; r < proxy.rowCount(); ++r)
            out << proxy.index(r, 0).data(ProcessTableModel::PidRole).toInt();
        std::sort(out.begin(), out.end());
        return out;
    };

    EXPECT_EQ(proxy.rowCount(), model.rowCount());
    proxy.setFilterText(QStringLiteral("NGINX"));
    EXPECT_EQ(pids(), (QList<int>{6025, 6040}));
    // A namespace link as the kernel prints it, and the bare form.
    proxy.setFilterText(QStringLiteral("net:[4026532405]"));
    EXPECT_EQ(pids(), (QList<int>{7100, 7150}));
    proxy.setFilterText(QStringLiteral("pid:4026532410"));
    EXPECT_EQ(pids(), (QList<int>{7150}));
    // Every term must match.
    proxy.setFilterText(QStringLiteral("  1000   sleep "));
    EXPECT_EQ(pids(), (QList<int>{7150}));
    proxy.setFilterText(QStringLiteral("no-such-thing"));
    EXPECT_EQ(proxy.rowCount(), 0);

    // The filter stays applied while deltas arrive.
    proxy.setFilterText(QStringLiteral("nginx"));
    Snapshot b = store.snapshot();
    Process extra = makeProcess(6100, 42, "nginx", b);
    b.processes.push_back(extra);
    Snapshot a = store.snapshot();
    finalize(b);
    ASSERT_TRUE(store.applyDelta(computeDelta(a, b)));
    EXPECT_EQ(pids(), (QList<int>{6025, 6040, 6100}));

    proxy.setFilterText(QString());
    EXPECT_EQ(proxy.rowCount(), model.rowCount());
}

TEST(ViewsTable, SortsNumericallyBySortRole)
{
    SnapshotStore store;
    store.setSnapshot(loadSnapshot("views-basic.json"));
    ProcessTableModel model(&store);
    ProcessFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::Fatal);
    proxy.sort(ProcessTableModel::PidColumn, Qt::DescendingOrder);
    EXPECT_EQ(proxy.index(0, 0).data(ProcessTableModel::PidRole).toInt(), 9500);
    EXPECT_EQ(proxy.index(proxy.rowCount() - 1, 0).data(ProcessTableModel::PidRole).toInt(), 1);
    // Numeric, not lexical: 612 before 1500 ascending.
    proxy.sort(ProcessTableModel::PidColumn, Qt::AscendingOrder);
    EXPECT_EQ(proxy.index(2, 0).data(ProcessTableModel::PidRole).toInt(), 612);
    EXPECT_EQ(proxy.index(3, 0).data(ProcessTableModel::PidRole).toInt(), 1500);
    // By an inode column: the unreadable process (inode 0) first.
    proxy.sort(ProcessTableModel::columnOfNsType(NsType::Net), Qt::AscendingOrder);
    EXPECT_EQ(proxy.index(0, 0).data(ProcessTableModel::PidRole).toInt(), 9500);
    EXPECT_EQ(
        proxy.index(proxy.rowCount() - 1, ProcessTableModel::columnOfNsType(NsType::Net)).data().toString(),
        QStringLiteral("4026532405"));
}

TEST(ViewsTable, PanelCopiesSelectedRowsAsTsv)
{
    SnapshotStore store;
    store.setSnapshot(loadSnapshot("views-basic.json"));
    TablePanel panel(&store);
    QAbstractItemModelTester tester(panel.model(), QAbstractItemModelTester::FailureReportingMode::Fatal);
    QAbstractItemModelTester proxyTester(panel.proxy(),
                                         QAbstractItemModelTester::FailureReportingMode::Fatal);
    panel.resize(1400, 600);
    panel.show();

    panel.selectProcess(6040);
    panel.view()->selectionModel()->select(
        panel.proxy()->mapFromSource(panel.model()->index(panel.model()->rowOfPid(6025), 0)),
        QItemSelectionModel::Select | QItemSelectionModel::Rows);
    // The command beside the user (not last and off-screen), then the eight inodes.
    const QString expected = QStringLiteral(
        "PID\tPPID\tUser\tCommand\tmnt\tpid\tnet\tuts\tipc\tuser\tcgroup\ttime\n"
        "6025\t6001\t0\tnginx: master process nginx -g daemon off;\t4026532300\t4026532301\t4026532305\t"
        "4026532302\t4026532303\t4026531837\t4026532304\t4026531834\n"
        "6040\t6025\t101\tnginx: worker process\t4026532300\t4026532301\t4026532305\t4026532302\t"
        "4026532303\t4026531837\t4026532304\t4026531834\n");
    EXPECT_EQ(panel.selectedRowsAsTsv(), expected);

    // Ctrl+C on the table copies whole rows, not just the current cell.
    QApplication::clipboard()->clear();
    panel.view()->setFocus();
    QTest::keySequence(panel.view(), QKeySequence::Copy);
    EXPECT_EQ(QApplication::clipboard()->text(), expected);

    // The visual column order is what gets copied.
    panel.view()->horizontalHeader()->moveSection(ProcessTableModel::CommandColumn, 0);
    EXPECT_TRUE(panel.selectedRowsAsTsv().startsWith(QStringLiteral("Command\tPID\t")));
}

TEST(ViewsTable, PanelSelectionAndFilterApi)
{
    SnapshotStore store;
    store.setSnapshot(loadSnapshot("views-basic.json"));
    TablePanel panel(&store);
    QAbstractItemModelTester tester(panel.model(), QAbstractItemModelTester::FailureReportingMode::Fatal);
    QAbstractItemModelTester proxyTester(panel.proxy(),
                                         QAbstractItemModelTester::FailureReportingMode::Fatal);
    QSignalSpy selected(&panel, &TablePanel::processSelected);

    // Programmatic selection does not echo back (the main window wires views both ways).
    panel.selectProcess(7150);
    EXPECT_EQ(selected.count(), 0);
    EXPECT_EQ(panel.view()->currentIndex().data(ProcessTableModel::PidRole).toInt(), 7150);

    // User selection is reported.
    const QModelIndex row =
        panel.proxy()->mapFromSource(panel.model()->index(panel.model()->rowOfPid(612), 3));
    panel.view()->selectionModel()->setCurrentIndex(row, QItemSelectionModel::ClearAndSelect |
                                                             QItemSelectionModel::Rows);
    ASSERT_EQ(selected.count(), 1);
    EXPECT_EQ(selected.at(0).at(0).toInt(), 612);

    panel.setFilterText(QStringLiteral("catatonit"));
    EXPECT_EQ(panel.filterText(), QStringLiteral("catatonit"));
    EXPECT_EQ(panel.proxy()->rowCount(), 1);
    // Filtered out: nothing selected rather than a wrong row.
    panel.selectProcess(612);
    EXPECT_TRUE(panel.view()->selectionModel()->selectedRows().isEmpty());
}
