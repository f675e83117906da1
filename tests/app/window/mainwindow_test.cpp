// SPDX-License-Identifier: GPL-2.0-or-later
// MainWindow and Session: the live flow through a transport (first snapshot, then deltas, pause),
// the unprivileged banner, and opening bad files leaving the view as it was.
#include "app/cluster/clusterview.h"
#include "app/models/snapshotstore.h"
#include "app/panels/diffpanel.h"
#include "app/panels/findingspanel.h"
#include "app/panels/tablepanel.h"
#include "app/panels/treepanel.h"
#include "app/transport/localtransport.h"
#include "app/window/democontroller.h"
#include "app/window/mainwindow.h"
#include "app/window/session.h"
#include "core/demo/demospec.h"
#include "tests/app/faketransport.h"
#include "tests/app/gui_testutil.h"

#include <QElapsedTimer>
#include <QFrame>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QSettings>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <gtest/gtest.h>

using namespace nsviz;

namespace
{

/// A transport the test drives by hand: what a helper would send, frame by frame.
using testutil::FakeTransport;

QString data(const char *name)
{
    return QStringLiteral(NSVIZ_TEST_DATA "/snapshots/") + QString::fromUtf8(name);
}

/// Subscribes @p win (not interactive, interval 1 s) through a FakeTransport the test drives;
/// @p fake is the transport (again after a resync), and must outlive the window's session.
void connectFake(MainWindow &win, FakeTransport *&fake)
{
    win.setInteractive(false);
    win.session()->setTransportFactory(
        [&fake](bool, QObject *parent) { return fake = new FakeTransport(parent); });
    win.session()->setIntervalMs(1000);
    win.session()->connectLive(false);
}

} // namespace

TEST(GuiMainWindow, LiveSnapshotThenDeltasThenPause)
{
    MainWindow win;
    FakeTransport *fake = nullptr;
    connectFake(win, fake);
    ASSERT_TRUE(fake);
    EXPECT_EQ(fake->subscribedMs, 1000); // a subscription starts with a snapshot
    EXPECT_TRUE(win.session()->waitingForFirstSnapshot());

    Snapshot s = guitest::hostSmall();
    Q_EMIT fake->snapshotReceived(s);
    EXPECT_FALSE(win.session()->waitingForFirstSnapshot());
    EXPECT_EQ(win.store()->snapshot().processes.size(), s.processes.size());
    EXPECT_EQ(win.clusterView()->clusterLayout().dots().size(), s.processes.size());
    QSignalSpy findings(win.findingsPanel(), &FindingsPanel::findingsReady);
    ASSERT_TRUE(findings.wait(10000));
    const int containers = win.findingsPanel()->containerCount();
    EXPECT_GE(containers, 2);
    EXPECT_TRUE(win.findingsPanel()->toText().contains(QStringLiteral("4242")))
        << win.findingsPanel()->toText().toStdString();
    auto *counts = win.findChild<QLabel *>(QStringLiteral("statusCounts"));
    ASSERT_TRUE(counts);
    EXPECT_TRUE(counts->text().startsWith(QStringLiteral("49 processes")));
    EXPECT_TRUE(
        win.findChild<QLabel *>(QStringLiteral("statusSource"))->text().contains(QStringLiteral("fake")));

    // A delta: one more process sharing only the host net namespace -> flagged at once.
    Snapshot next = s;
    next.processes.push_back(guitest::freshProcess(9200, 4026539200, next, {NsType::Net}));
    testutil::finalize(next);
    SnapshotDelta d = computeDelta(s, next);
    d.seq = 1;
    Q_EMIT fake->deltaReceived(d);
    EXPECT_EQ(win.store()->snapshot().processes.size(), s.processes.size() + 1);
    EXPECT_GE(win.clusterView()->clusterLayout().dotOfPid(9200), 0);
    EXPECT_EQ(
        win.clusterView()->clusterLayout().dots()[win.clusterView()->clusterLayout().dotOfPid(9200)].relation,
        HostRelation::HostNetWarning);
    ASSERT_TRUE(findings.wait(10000));
    EXPECT_EQ(win.findingsPanel()->containerCount(), containers + 1);

    // Paused: the transport stops sending (so its base stays what we show).
    win.session()->setPaused(true);
    EXPECT_EQ(fake->subscribedMs, 0);
    win.session()->setPaused(false);
    EXPECT_EQ(fake->subscribedMs, 1000);

    // A delta that does not fit (missed frame) is refused and the view resyncs with a new
    // subscription (a one-shot scan would not be the base of the subscription's next delta).
    const int scans = fake->scans;
    const int subscriptions = fake->subscriptions;
    Q_EMIT fake->deltaReceived(d); // adds pid 9200 again
    EXPECT_EQ(fake->subscriptions, subscriptions + 1);
    EXPECT_EQ(fake->scans, scans);
    EXPECT_EQ(win.session()->resyncs(), 1u);
    EXPECT_EQ(win.store()->snapshot().processes.size(), s.processes.size() + 1);
}

// The findings are derived from the whole picture in a worker: under a stream of deltas that is
// at most once a panel interval (1 s), not once per delta (a first snapshot once set the interval
// to 0 for good, and a busy host's GUI spent a third of its CPU re-deriving them), and the last
// derivation still sees every delta.
TEST(GuiMainWindow, FindingsFollowAStreamOfDeltasOnceAnIntervalNotOncePerDelta)
{
    MainWindow win;
    FakeTransport *fake = nullptr;
    connectFake(win, fake);
    ASSERT_TRUE(fake);
    Snapshot s = guitest::hostSmall();
    QSignalSpy findings(win.findingsPanel(), &FindingsPanel::findingsReady);
    Q_EMIT fake->snapshotReceived(s);
    ASSERT_TRUE(findings.wait(10000));
    const int containers = win.findingsPanel()->containerCount();
    findings.clear();

    constexpr int kDeltas = 20;
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < kDeltas; ++i) {
        Snapshot next = s;
        next.processes.push_back(guitest::freshProcess(9300 + i, 4026539300 + 16 * i, next, {NsType::Net}));
        testutil::finalize(next);
        SnapshotDelta d = computeDelta(s, next);
        d.seq = static_cast<std::uint64_t>(i + 1);
        Q_EMIT fake->deltaReceived(d);
        s = next;
        QTest::qWait(100);
    }
    ASSERT_EQ(win.store()->snapshot().processes.size(), s.processes.size());
    // The last derivation: within an interval of the last delta.
    EXPECT_TRUE(
        QTest::qWaitFor([&] { return win.findingsPanel()->containerCount() == containers + kDeltas; }, 10000))
        << win.findingsPanel()->containerCount() << " containers, " << containers << " + " << kDeltas
        << " expected";
    const qint64 seconds = clock.elapsed() / 1000;
    EXPECT_GE(findings.count(), 1);
    EXPECT_LE(findings.count(), seconds + 2) << "findings derived " << findings.count() << " times for "
                                             << kDeltas << " deltas in " << clock.elapsed() << " ms";
}

TEST(GuiMainWindow, UnprivilegedBannerSaysHowManyAreMissing)
{
    MainWindow win;
    win.setInteractive(false);
    win.show();
    FakeTransport *fake = nullptr;
    win.session()->setTransportFactory(
        [&](bool, QObject *parent) { return fake = new FakeTransport(parent); });
    win.session()->connectLive(false);
    Snapshot s = guitest::hostSmall();
    s.host.privileged = false;
    s.host.invisibleProcesses = 17;
    Q_EMIT fake->snapshotReceived(s);
    auto *banner = win.findChild<QFrame *>(QStringLiteral("privilegeBanner"));
    ASSERT_TRUE(banner);
    EXPECT_TRUE(banner->isVisible());
    bool found = false;
    for (auto *l : banner->findChildren<QLabel *>())
        found = found || l->text().contains(QStringLiteral("17 processes not visible"));
    EXPECT_TRUE(found);
    // Escalating asks the factory for the privileged path.
    bool escalated = false;
    win.session()->setTransportFactory([&](bool e, QObject *parent) {
        escalated = e;
        return fake = new FakeTransport(parent);
    });
    win.session()->escalate();
    EXPECT_TRUE(escalated);
    s.host.privileged = true;
    s.host.invisibleProcesses = 0;
    Q_EMIT fake->snapshotReceived(s);
    EXPECT_FALSE(banner->isVisible());
}

TEST(GuiMainWindow, RefusedAuthenticationFallsBackToUnprivileged)
{
    MainWindow win;
    win.setInteractive(false);
    std::vector<bool> asked;
    FakeTransport *fake = nullptr;
    win.session()->setTransportFactory([&](bool escalated, QObject *parent) {
        asked.push_back(escalated);
        return fake = new FakeTransport(parent);
    });
    win.session()->connectLive(true);
    Q_EMIT fake->failed(Transport::Error::Cancelled, QStringLiteral("dismissed"));
    for (int i = 0; i < 200 && asked.size() < 2; ++i)
        QTest::qWait(10); // the fallback connects from the event loop
    ASSERT_EQ(asked.size(), 2u);
    EXPECT_TRUE(asked[0]);
    EXPECT_FALSE(asked[1]);
    EXPECT_TRUE(win.lastError().contains(QStringLiteral("cancelled")));
    EXPECT_EQ(win.session()->source(), Session::Source::Live);
}

TEST(GuiMainWindow, BadFilesLeaveTheViewUnchanged)
{
    MainWindow win;
    win.setInteractive(false);
    QSignalSpy opened(win.session(), &Session::fileOpened);
    QSignalSpy failed(win.session(), &Session::fileFailed);
    win.session()->openFile(data("host-small.json"));
    ASSERT_TRUE(opened.wait(10000));
    const Snapshot good = win.store()->snapshot();
    ASSERT_EQ(good.processes.size(), 49u);
    const auto clusters = win.clusterView()->clusterLayout().clusters().size();
    QSignalSpy reset(win.store(), &SnapshotStore::snapshotReset);

    const std::pair<const char *, const char *> cases[] = {
        {"truncated.json", "not valid JSON"},
        {"foreign.json", "unsupported schema"},
        {"malformed.json", "must be an integer"},
        {"does-not-exist.json", "cannot open"},
    };
    for (const auto &[file, why] : cases) {
        failed.clear();
        win.session()->openFile(data(file));
        ASSERT_TRUE(failed.wait(10000)) << file;
        EXPECT_TRUE(failed.at(0).at(1).toString().contains(QString::fromUtf8(why)))
            << file << ": " << failed.at(0).at(1).toString().toStdString();
        EXPECT_TRUE(win.lastError().contains(QString::fromUtf8(why))) << file;
        EXPECT_TRUE(win.lastError().contains(QStringLiteral("left as it was")));
        EXPECT_TRUE(sameContent(win.store()->snapshot(), good)) << file;
        EXPECT_EQ(win.clusterView()->clusterLayout().clusters().size(), clusters);
        EXPECT_EQ(win.session()->source(), Session::Source::File);
    }
    EXPECT_EQ(reset.count(), 0);
}

TEST(GuiMainWindow, SaveRedactedSnapshotRoundTrips)
{
    MainWindow win;
    win.setInteractive(false);
    win.store()->setSnapshot(guitest::hostSmall());
    QTemporaryDir dir;
    QString error;
    const QString plain = dir.filePath(QStringLiteral("plain.json")),
                  red = dir.filePath(QStringLiteral("red.json"));
    ASSERT_TRUE(win.session()->saveFile(plain, false, &error)) << error.toStdString();
    ASSERT_TRUE(win.session()->saveFile(red, true, &error)) << error.toStdString();
    EXPECT_TRUE(sameContent(Session::loadFile(plain), win.store()->snapshot()));
    QFile f(red);
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    const QByteArray text = f.readAll();
    for (const char *name : {"lab-host-17", "alice", "hunter2", "secret-plan", "--token"})
        EXPECT_FALSE(text.contains(name)) << name;
    const Snapshot back = Session::loadFile(red);
    EXPECT_EQ(back.processes.size(), 49u);
    EXPECT_EQ(back.namespaces.size(), win.store()->snapshot().namespaces.size());
    EXPECT_FALSE(win.session()->saveFile(dir.filePath(QStringLiteral("no/such/dir/x.json")), false, &error));
    EXPECT_FALSE(error.isEmpty());
}

TEST(GuiMainWindow, InProcessTransportScansAFixtureProcTree)
{
    SnapshotStore store;
    Session session(&store);
    session.setTransportFactory([](bool, QObject *parent) {
        return new LocalTransport(QStringLiteral(NSVIZ_TEST_DATA "/proc-basic"), {}, parent);
    });
    QSignalSpy reset(&store, &SnapshotStore::snapshotReset);
    session.connectLive(false);
    ASSERT_TRUE(reset.wait(20000));
    EXPECT_FALSE(store.snapshot().processes.empty());
    EXPECT_EQ(session.source(), Session::Source::Live);
    // A refresh (a full snapshot of the same host) is applied as a delta, not as a reset, so the
    // picture does not jump.
    QSignalSpy delta(&store, &SnapshotStore::deltaApplied);
    session.refresh();
    ASSERT_TRUE(delta.wait(20000));
    EXPECT_EQ(reset.count(), 1);
    session.disconnectLive();
}

TEST(GuiMainWindow, TabsForEveryViewAndSettingsRemembered)
{
    QTemporaryDir dir;
    qputenv("XDG_CONFIG_HOME", dir.path().toLocal8Bit());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, dir.path());
    {
        MainWindow win;
        EXPECT_GE(win.tabs()->count(), 4);
        win.setGroupBy(NsType::Pid);
        win.close();
    }
    MainWindow again;
    EXPECT_EQ(again.clusterView()->groupBy(), NsType::Pid);
}

namespace
{
/// Collects the warnings Qt logs while it lives.
class WarningCatcher
{
public:
    WarningCatcher() : m_previous(qInstallMessageHandler(&WarningCatcher::handle)) { s_caught.clear(); }
    ~WarningCatcher() { qInstallMessageHandler(m_previous); }
    WarningCatcher(const WarningCatcher &) = delete;
    WarningCatcher &operator=(const WarningCatcher &) = delete;
    QString text() const { return s_caught.join(QLatin1Char('\n')); }

private:
    static void handle(QtMsgType type, const QMessageLogContext &, const QString &msg)
    {
        if (type == QtWarningMsg || type == QtCriticalMsg)
            s_caught << msg;
    }
    static inline QStringList s_caught;
    QtMessageHandler m_previous;
};
} // namespace

TEST(GuiMainWindow, FilterReachesTheViewsThatFilterWithoutWarnings)
{
    MainWindow win;
    QLineEdit *filter = nullptr;
    for (auto *edit : win.findChildren<QLineEdit *>())
        if (edit->accessibleName() == QStringLiteral("Filter"))
            filter = edit;
    ASSERT_TRUE(filter);
    WarningCatcher warnings;
    filter->setText(QStringLiteral("nginx"));
    // The charts count everything and have no filter: they are not asked (Qt warned about that).
    EXPECT_TRUE(warnings.text().isEmpty()) << warnings.text().toStdString();
    QStringList texts;
    for (int i = 0; i < win.tabs()->count(); ++i) {
        QWidget *w = win.tabs()->widget(i);
        if (auto *c = qobject_cast<ClusterView *>(w))
            texts << c->filterText();
        else if (auto *t = qobject_cast<TablePanel *>(w))
            texts << t->filterText();
        else if (auto *t = qobject_cast<TreePanel *>(w))
            texts << t->filterText();
    }
    EXPECT_EQ(texts, QStringList(3, QStringLiteral("nginx"))); // cluster, tree and table
}

TEST(GuiMainWindow, DemoStartsAppearsAndIsStoppedOnClose)
{
    MainWindow win;
    win.setInteractive(false);
    FakeTransport *fake = nullptr;
    win.session()->setTransportFactory(
        [&](bool, QObject *parent) { return fake = new FakeTransport(parent); });
    win.session()->connectLive(false);
    ASSERT_TRUE(fake);
    Snapshot s = guitest::hostSmall();
    Q_EMIT fake->snapshotReceived(s);

    // The window starts a demo through its controller; the helper answers with the demo document.
    const int demoPid = 9300;
    Process init = guitest::freshProcess(demoPid, 4026539300, s, {NsType::Net});
    nlohmann::json ns = nlohmann::json::object();
    for (NsType t : kAllNsTypes)
        ns[std::string(nsTypeName(t))] = init.ns[index(t)].ino;
    DemoSpec spec;
    spec.fresh[index(NsType::Net)] = false;
    const quint64 id = win.demoController()->start(spec);
    ASSERT_FALSE(fake->requests.empty());
    EXPECT_EQ(fake->requests.back()["type"], "demo_start");
    EXPECT_EQ(fake->requests.back()["args"]["share"], nlohmann::json::array({"net"}));
    const int subscriptions = fake->subscriptions;
    fake->answer(id, {{"schema", "nsviz.demo/1"},
                      {"pid", demoPid},
                      {"startTime", init.startTime},
                      {"ns", ns},
                      {"shared", {"net"}}});
    EXPECT_EQ(win.demoPids(), QList<int>{demoPid});
    // Asks for a picture with the demo at once: a new subscription, whose deltas follow its own
    // snapshot (a one-shot scan here made the next delta not fit: "delta removes process …").
    EXPECT_EQ(fake->subscriptions, subscriptions + 1);

    // It appears in the next snapshot: selected, and its diff asked for.
    QSignalSpy appeared(win.demoController(), &DemoController::demoAppeared);
    Snapshot next = s;
    next.processes.push_back(init);
    testutil::finalize(next);
    Q_EMIT fake->snapshotReceived(next);
    ASSERT_TRUE(appeared.wait(10000));
    EXPECT_EQ(win.clusterView()->selectedPid(), demoPid);
    EXPECT_EQ(win.diffPanel()->targetPid(), demoPid);
    const bool inspected = std::any_of(fake->requests.begin(), fake->requests.end(), [&](const auto &r) {
        return r["type"] == "inspect" && r["pid"] == demoPid;
    });
    EXPECT_TRUE(inspected);

    // Closing the window stops the demo it started (the transport goes at the next event loop turn).
    QPointer<FakeTransport> alive(fake);
    win.close();
    ASSERT_TRUE(alive);
    EXPECT_EQ(fake->requests.back()["type"], "demo_stop");
    EXPECT_EQ(fake->requests.back()["args"], (nlohmann::json{{"pid", demoPid}}));
}
