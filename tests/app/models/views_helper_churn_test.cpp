// SPDX-License-Identifier: GPL-2.0-or-later
// The GUI's models on deltas from a real `nsviz-helper serve` (spawned as the app spawns it as root,
// following the host with the kernel's process events), while the test churns the host itself: a few
// hundred processes start and exit, a third of them exec'ing into fresh net/uts/ipc namespaces, and
// long-lived ones in fresh namespaces are killed half way. Through all of it the table, the filter
// proxy and both namespace trees stay consistent under QAbstractItemModelTester, no delta is refused
// and none resets a model, the table and the cluster layout hold the store's count after every delta,
// and afterwards every model equals one built fresh from the store's snapshot, which holds the
// test's processes that still run and none of those that ended.
#include "app/cluster/clusterview.h"
#include "app/models/namespacetreemodel.h"
#include "app/models/processfilterproxymodel.h"
#include "app/models/processtablemodel.h"
#include "app/models/snapshotstore.h"
#include "app/transport/processtransport.h"
#include "app/window/session.h"
#include "tests/app/views_testutil.h"
#include "tests/common/childset.h"

#include <QAbstractItemModelTester>
#include <QDir>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

#include <gtest/gtest.h>

#include <set>
#include <unistd.h>

using namespace nsviz;
using namespace nsviz::testutil;
using Tree = NamespaceTreeModel;

namespace
{

/// QAbstractItemModelTester walks every row of a model on every signal: on a host of many thousand
/// processes (a benchmark's load running) one delta costs seconds of walking. The consistency checked
/// here does not depend on the host's size (bench/soak.sh measures the GUI at 10k processes).
constexpr int kMaxHostProcesses = 3000;

int hostProcesses()
{
    return static_cast<int>(QDir(QStringLiteral("/proc"))
                                .entryList(QDir::Dirs | QDir::NoDotAndDotDot)
                                .filter(QRegularExpression(QStringLiteral("^\\d+$")))
                                .size());
}

template <typename Pred> bool waitFor(Pred pred, int ms)
{
    for (int waited = 0; waited < ms; waited += 20) {
        if (pred())
            return true;
        QTest::qWait(20);
    }
    return pred();
}

/// The whole check, on the deltas of `nsviz-helper serve HELPERARGS`.
void churnThroughEveryModel(const QStringList &helperArgs)
{
    if (geteuid() != 0)
        GTEST_SKIP() << "needs root: the helper follows the host through the kernel's process connector, "
                        "and the churn makes namespaces";
    for (const char *tool : {"/usr/bin/unshare", "/bin/sleep"})
        if (access(tool, X_OK) != 0)
            GTEST_SKIP() << tool << " (util-linux, coreutils) not installed";
    if (const int n = hostProcesses(); n > kMaxHostProcesses)
        GTEST_SKIP() << "the host runs " << n
                     << " processes (a load?): the model testers would walk them all "
                     << "on every signal; this checks consistency at up to " << kMaxHostProcesses;

    SnapshotStore store;
    ProcessTableModel table(&store);
    ProcessFilterProxyModel proxy;
    proxy.setSourceModel(&table);
    proxy.sort(ProcessTableModel::CommandColumn);
    proxy.setFilterText(QStringLiteral("sleep"));
    Tree userTree(&store, Tree::Hierarchy::User);
    Tree pidTree(&store, Tree::Hierarchy::Pid);
    ClusterView view(&store);
    using Mode = QAbstractItemModelTester::FailureReportingMode;
    QAbstractItemModelTester t1(&table, Mode::Fatal), t2(&proxy, Mode::Fatal), t3(&userTree, Mode::Fatal),
        t4(&pidTree, Mode::Fatal);

    // After every delta the table's rows are the store's count; the cluster layout's dots are when
    // the store settles (after every delta, or once after deltas that arrived together).
    int deltas = 0, mismatches = 0;
    std::string firstMismatch;
    bool hostGrew = false; // another load started on a shared machine while this ran
    std::uint64_t lastSeq = 0;
    auto mismatch = [&](const char *what, int n, int shown) {
        if (mismatches++ == 0)
            firstMismatch = "seq " + std::to_string(lastSeq) + ": store " + std::to_string(n) + ", " + what +
                            " " + std::to_string(shown);
    };
    QObject::connect(&store, &SnapshotStore::deltaApplied, &store, [&](const SnapshotDelta &d) {
        ++deltas;
        lastSeq = d.seq;
        hostGrew = hostGrew || store.counts().processes > kMaxHostProcesses;
        const int n = store.counts().processes;
        if (table.rowCount() != n)
            mismatch("table", n, table.rowCount());
        if (static_cast<int>(store.snapshot().processes.size()) != n)
            mismatch("snapshot", n, static_cast<int>(store.snapshot().processes.size()));
    });
    int settles = 0;
    QObject::connect(&store, &SnapshotStore::settled, &store, [&] {
        ++settles;
        const int n = store.counts().processes;
        if (const int dots = static_cast<int>(view.clusterLayout().dots().size()); dots != n)
            mismatch("dots", n, dots);
    });

    Session session(&store);
    session.setTransportFactory([helperArgs](bool, QObject *parent) -> Transport * {
        ProcessTransport::Options o;
        o.helperArgs = helperArgs;
        o.helperPath = QStringLiteral(NSVIZ_HELPER_BIN);
        o.mode = ProcessTransport::Mode::Direct;
        o.demos = false;
        return new ProcessTransport(o, parent);
    });
    QString failure;
    QObject::connect(&session, &Session::liveFailed, &session, [&](const QString &m) { failure = m; });
    session.setIntervalMs(500);
    session.connectLive(false);
    // The whole picture: a partial first snapshot is completed by a delta.
    ASSERT_TRUE(waitFor([&] { return !store.isEmpty() || !failure.isEmpty(); }, 60000))
        << "no first snapshot";
    ASSERT_TRUE(failure.isEmpty()) << failure.toStdString();
    waitFor([&] { return store.counts().processes >= hostProcesses() * 9 / 10; }, 30000);

    QSignalSpy r1(&table, &QAbstractItemModel::modelReset), r2(&userTree, &QAbstractItemModel::modelReset),
        r3(&pidTree, &QAbstractItemModel::modelReset), r4(&proxy, &QAbstractItemModel::modelReset);
    const int deltasBefore = deltas;

    // About 300 processes over ~8 s: each round one short exec into fresh net/uts/ipc namespaces and
    // one plain short one; every 10th round a long-lived one in fresh namespaces; half of the
    // long-lived ones are killed half way, so their namespaces go with them.
    test::ChildSet churn;
    std::vector<pid_t> longLived;
    constexpr int kRounds = 120;
    for (int i = 0; i < kRounds; ++i) {
        const std::string life = std::to_string(0.1 + (i % 7) * 0.1);
        ASSERT_GT(churn.spawn({"/usr/bin/unshare", "-n", "-u", "-i", "/bin/sleep", life}), 0);
        ASSERT_GT(churn.spawn({"/bin/sleep", life}), 0);
        if (i % 10 == 0) {
            const pid_t p = churn.spawn({"/usr/bin/unshare", "-n", "-u", "/bin/sleep", "120"});
            ASSERT_GT(p, 0);
            longLived.push_back(p);
        }
        if (i == kRounds / 2)
            for (std::size_t k = 0; k < longLived.size(); k += 2)
                churn.kill(longLived[k]);
        churn.reap();
        QTest::qWait(60); // the deltas are applied while the churn goes on
        if (hostGrew) {
            session.disconnectLive();
            GTEST_SKIP() << "the host grew beyond " << kMaxHostProcesses << " processes while the test ran "
                         << "(another load?): the model testers would walk them all on every signal";
        }
    }
    std::erase_if(longLived, [&](pid_t p) { return churn.ended().count(p) > 0; });
    ASSERT_TRUE(waitFor([&] { return churn.reap() == longLived.size(); }, 30000))
        << "short processes did not end";

    // The view follows: every test process that ended is gone, every long-lived one is there, in
    // namespaces of its own.
    auto caughtUp = [&] {
        if (hostGrew)
            return true; // said below
        for (pid_t p : churn.ended())
            if (std::find(churn.running().begin(), churn.running().end(), p) != churn.running().end())
                continue; // the pid was reused by a later process of ours
            else if (const Process *q = store.snapshot().findProcess(p);
                     q && (q->comm == "sleep" || q->comm == "unshare") && q->ppid == getpid())
                return false;
        for (pid_t p : longLived) {
            const Process *q = store.snapshot().findProcess(p);
            if (!q || q->comm != "sleep" || q->differsFromHost == 0)
                return false;
        }
        return true;
    };
    EXPECT_TRUE(waitFor(caughtUp, 30000)) << "the store does not show the test's processes as they are";
    for (pid_t p : longLived)
        churn.kill(p);
    EXPECT_TRUE(waitFor(
        [&] {
            if (hostGrew)
                return true; // said below
            for (pid_t p : longLived)
                if (const Process *q = store.snapshot().findProcess(p); q && q->ppid == getpid())
                    return false;
            return true;
        },
        30000))
        << "killed long-lived processes stayed";
    if (hostGrew) {
        session.disconnectLive();
        GTEST_SKIP() << "the host grew beyond " << kMaxHostProcesses << " processes while the test ran "
                     << "(another load?): the model testers would walk them all on every signal";
    }
    const Snapshot shown = store.snapshot();
    session.disconnectLive();

    EXPECT_TRUE(failure.isEmpty()) << failure.toStdString();
    EXPECT_EQ(store.deltasRefused(), 0u);
    EXPECT_EQ(session.resyncs(), 0u);
    EXPECT_GT(deltas - deltasBefore, 10)
        << "the churn of " << churn.started() << " processes came in few deltas";
    EXPECT_EQ(mismatches, 0) << firstMismatch;
    EXPECT_GT(settles, 0);
    EXPECT_LE(settles, deltas);
    EXPECT_EQ(r1.count(), 0) << "a delta reset the table";
    EXPECT_EQ(r2.count(), 0) << "a delta reset the user tree";
    EXPECT_EQ(r3.count(), 0) << "a delta reset the pid tree";
    EXPECT_EQ(r4.count(), 0) << "a delta reset the filter proxy";

    // Every model as one built fresh from the same snapshot.
    SnapshotStore fresh;
    fresh.setSnapshot(shown);
    const SnapshotCounts recount = SnapshotStore::countsOf(shown);
    EXPECT_EQ(store.counts().processes, recount.processes);
    EXPECT_EQ(store.counts().namespaces, recount.namespaces);
    ProcessTableModel freshTable(&fresh);
    ASSERT_EQ(table.rowCount(), freshTable.rowCount());
    for (int r = 0; r < table.rowCount(); ++r)
        ASSERT_EQ(table.processAt(r)->key(), freshTable.processAt(r)->key()) << "row " << r;
    const QList<int> roles{Qt::DisplayRole, Tree::KindRole, Tree::HiddenRole, Tree::UnknownParentRole};
    Tree freshUser(&fresh, Tree::Hierarchy::User), freshPid(&fresh, Tree::Hierarchy::Pid);
    EXPECT_EQ(firstDifference(dumpModel(userTree, roles), dumpModel(freshUser, roles)), "");
    EXPECT_EQ(firstDifference(dumpModel(pidTree, roles), dumpModel(freshPid, roles)), "");
    ProcessFilterProxyModel freshProxy;
    freshProxy.setSourceModel(&freshTable);
    freshProxy.sort(ProcessTableModel::CommandColumn);
    freshProxy.setFilterText(QStringLiteral("sleep"));
    // The same rows (rows with equal commands may be in another order: sorting keeps ties as they came).
    QStringList shownRows = dumpModel(proxy, {Qt::DisplayRole}),
                freshRows = dumpModel(freshProxy, {Qt::DisplayRole});
    shownRows.sort();
    freshRows.sort();
    EXPECT_EQ(firstDifference(shownRows, freshRows), "");
}

} // namespace

// As the app runs as root: the helper follows the host through the kernel's process connector.
TEST(ViewsHelperChurn, ModelsStayConsistentOnTheConnectorsDeltas)
{
    churnThroughEveryModel({});
}

// Polling deltas come from computeDelta(), which reports an inode the churn recycled into a
// namespace of another type as a *changed* namespace; the store once wrote past the end of its
// namespace vector on those (GuiChurn.ANamespaceChangingTypeIsAppliedWhereItIs).
TEST(ViewsHelperChurn, ModelsStayConsistentOnPollingDeltas)
{
    churnThroughEveryModel({QStringLiteral("--live"), QStringLiteral("polling")});
}
