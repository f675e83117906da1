// SPDX-License-Identifier: GPL-2.0-or-later
// Demos in the GUI: which process and which cluster belong to a demo, the stop entries of the
// cluster's and the findings' context menus, and a demo this window launched surviving a snapshot
// file being opened (its connection is kept) with quitting then asking only about demos that run.
#include "app/cluster/clusterview.h"
#include "app/models/snapshotstore.h"
#include "app/panels/findingspanel.h"
#include "app/transport/helperclient.h"
#include "app/window/democontroller.h"
#include "app/window/demomenus.h"
#include "app/window/mainwindow.h"
#include "app/window/session.h"
#include "core/demo/demospec.h"
#include "core/model/nstype.h"
#include "core/protocol/snapshotjson.h"
#include "tests/app/faketransport.h"
#include "tests/common/syntheticsnapshot.h"

#include <QAction>
#include <QFile>
#include <QMenu>
#include <QPointer>
#include <QSignalSpy>
#include <QTest>
#include <QTreeWidget>
#include <gtest/gtest.h>

using namespace nsviz;
using nlohmann::json;
using testutil::FakeTransport;

namespace
{

constexpr std::uint64_t kDemoPidNs = 4026560001u;

json demoDoc(int pid)
{
    json ns = json::object();
    for (NsType t : kAllNsTypes)
        ns[std::string(nsTypeName(t))] = 4026560000u + index(t); // pid: kDemoPidNs
    return {{"schema", "nsviz.demo/1"},   {"pid", pid}, {"startTime", 1000},
            {"hostname", "nsviz-demo-1"}, {"ns", ns},   {"shared", json::array()}};
}

/// A host with a demo: its init (pid 4100) and a sleeper (4101) in the demo's pid namespace.
Snapshot hostWithDemo()
{
    testkit::SyntheticHost h(3);
    h.start(false);
    h.start(true);
    Snapshot s = h.snapshot();
    for (int pid : {4100, 4101}) {
        Process p;
        p.pid = pid;
        p.ppid = pid == 4100 ? 1 : 4100;
        p.startTime = 1000 + static_cast<std::uint64_t>(pid - 4100);
        p.comm = pid == 4100 ? "nsviz-demo-init" : "demo-sleeper";
        for (NsType t : kAllNsTypes)
            p.ns[index(t)] = NsId{4, 4026560000u + index(t)};
        p.differsFromHost = 0xff;
        s.processes.push_back(p);
    }
    // Namespaces as discovery would list them.
    for (NsType t : kAllNsTypes) {
        Namespace n;
        n.type = t;
        n.id = NsId{4, 4026560000u + index(t)};
        n.pids = {4100, 4101};
        n.foundBy = FoundByProcess;
        s.namespaces.push_back(n);
    }
    std::sort(s.namespaces.begin(), s.namespaces.end(), [](const Namespace &a, const Namespace &b) {
        return std::make_pair(index(a.type), a.id.ino) < std::make_pair(index(b.type), b.id.ino);
    });
    return s;
}

/// Starts a demo through @p c and answers it as the helper would.
void startDemo(FakeTransport &t, DemoController &c, int pid)
{
    const quint64 id = c.start(DemoSpec());
    t.answer(id, demoDoc(pid));
}

} // namespace

TEST(DemoMenus, ProcessesAndClustersKnowTheirDemo)
{
    FakeTransport t;
    HelperClient client(&t);
    DemoController demos(&client);
    startDemo(t, demos, 4100);
    const Snapshot s = hostWithDemo();
    EXPECT_EQ(DemoMenus::demoOfProcess(s, demos, 4100), 4100); // its init
    EXPECT_EQ(DemoMenus::demoOfProcess(s, demos, 4101), 4100); // in its fresh pid namespace
    EXPECT_EQ(DemoMenus::demoOfProcess(s, demos, s.processes.front().pid), 0);
    EXPECT_EQ(DemoMenus::demoOfProcess(s, demos, 999999), 0);

    SnapshotStore store;
    store.setSnapshot(s);
    ClusterView view(&store);
    view.setGroupBy(NsType::Pid);
    view.resize(1000, 700);
    view.fitToView();
    const ClusterLayout &layout = view.clusterLayout();
    const int ci = layout.clusterIndex(NsId{4, kDemoPidNs});
    ASSERT_GE(ci, 0);
    const auto &c = layout.clusters()[static_cast<std::size_t>(ci)];
    const QPoint onDemo = (QPointF(c.x, c.y) * view.zoom() + view.panOffset()).toPoint();
    EXPECT_EQ(DemoMenus::demosInClusterAt(view, demos, onDemo), QList<int>{4100});
    const int host = layout.clusterIndex(s.hostNs[index(NsType::Pid)]);
    ASSERT_GE(host, 0);
    const auto &hc = layout.clusters()[static_cast<std::size_t>(host)];
    const QPoint onHost = (QPointF(hc.x, hc.y) * view.zoom() + view.panOffset()).toPoint();
    EXPECT_TRUE(DemoMenus::demosInClusterAt(view, demos, onHost).isEmpty());

    // The cluster's menu stops it through the controller (a demo_stop request for its pid).
    std::unique_ptr<QMenu> menu(DemoMenus::clusterMenu(view, demos, onDemo, nullptr));
    auto *stop = menu->findChild<QAction *>(QStringLiteral("stopDemo"));
    ASSERT_TRUE(stop);
    stop->trigger();
    EXPECT_EQ(t.requests.back()["type"], "demo_stop");
    EXPECT_EQ(t.requests.back()["args"], (json{{"pid", 4100}}));
    std::unique_ptr<QMenu> none(DemoMenus::clusterMenu(view, demos, onHost, nullptr));
    EXPECT_FALSE(none->findChild<QAction *>(QStringLiteral("stopDemo")));
}

TEST(DemoMenus, OpeningAFileKeepsTheConnectionOurDemoRunsOn)
{
    SnapshotStore store;
    Session session(&store);
    QList<QPointer<FakeTransport>> made;
    session.setTransportFactory([&made](bool, QObject *parent) {
        auto *t = new FakeTransport(parent);
        made << t;
        return t;
    });
    DemoController demos(session.client());
    session.setKeepConnection([&demos] { return !demos.startedPids().isEmpty(); });
    session.connectLive(false);
    ASSERT_EQ(made.size(), 1);
    QSignalSpy stopped(made[0].data(), &Transport::disconnected);
    startDemo(*made[0], demos, 4100);
    ASSERT_EQ(demos.startedPids(), QList<int>{4100});

    const QString path = QStringLiteral(NSVIZ_TEST_OUTPUT "/demomenus-file.json");
    {
        QFile f(path);
        ASSERT_TRUE(f.open(QIODevice::WriteOnly));
        f.write(QByteArray::fromStdString(toJson(hostWithDemo()).dump()));
    }
    QSignalSpy opened(&session, &Session::fileOpened);
    session.openFile(path);
    ASSERT_TRUE(opened.wait(10000));
    EXPECT_EQ(session.source(), Session::Source::File);
    // The demo's connection stays (quiet: unsubscribed), so the demo runs on.
    EXPECT_EQ(stopped.count(), 0);
    EXPECT_TRUE(session.client()->isConnected());
    EXPECT_TRUE(session.holdsIdleConnection());
    EXPECT_EQ(made[0]->subscribedMs, 0);
    EXPECT_EQ(demos.startedPids(), QList<int>{4100});
    // Live again: the same connection, subscribed again; no second helper (which would not know
    // our demo as its own).
    session.connectLive(false);
    EXPECT_EQ(made.size(), 1);
    EXPECT_EQ(stopped.count(), 0);
    EXPECT_GT(made[0]->subscribedMs, 0);
    EXPECT_EQ(session.source(), Session::Source::Live);

    // Without a demo of ours, a file closes the connection as before.
    const quint64 sid = demos.stop(4100);
    made[0]->answer(sid, {{"stopped", {4100}}});
    EXPECT_TRUE(demos.startedPids().isEmpty());
    session.openFile(path);
    ASSERT_TRUE(opened.wait(10000));
    EXPECT_EQ(stopped.count(), 1);
    EXPECT_FALSE(session.client()->isConnected());
}

TEST(DemoMenus, AReconnectAsksWhichDemosStillRun)
{
    FakeTransport t1, t2;
    HelperClient client(&t1);
    DemoController demos(&client);
    startDemo(t1, demos, 4100);
    ASSERT_EQ(demos.startedPids(), QList<int>{4100});
    // A new connection (the old helper, and with it our demo, may be gone): the controller asks.
    client.setTransport(&t2);
    t2.start();
    ASSERT_FALSE(t2.requests.empty());
    EXPECT_EQ(t2.requests.back()["type"], "demo_list");
    t2.answer(t2.lastId, {{"demos", json::array()}});
    EXPECT_TRUE(demos.startedPids().isEmpty()) << "quitting must not offer to stop a demo that is gone";
}

TEST(DemoMenus, WindowWiresStopIntoFindingsAndTitleIntoTheDock)
{
    MainWindow w;
    w.setInteractive(false);
    auto *t = new FakeTransport(&w);
    w.session()->setTransportFactory([t](bool, QObject *) { return t; });
    w.session()->connectLive(false);
    const quint64 id = w.demoController()->start(DemoSpec());
    t->answer(id, demoDoc(4100));
    w.store()->setSnapshot(hostWithDemo());
    FindingsPanel *f = w.findingsPanel();
    json doc = {{"schema", "nsviz.findings/1"},
                {"reference", {{"pid", 1}}},
                {"containers",
                 {{{"label", "nsviz demo"},
                   {"pid", 4101},
                   {"comm", "demo-sleeper"},
                   {"processes", 2},
                   {"kind", "container"},
                   {"worstRank", 1},
                   {"findings", {{{"code", "host-net"}, {"rank", 1}, {"title", "t"}, {"detail", "d"}}}}}}},
                {"clean", 0},
                {"notes", json::array()}};
    f->setFindings(doc);
    auto *tree = f->findChild<QTreeWidget *>();
    std::unique_ptr<QMenu> menu(f->contextMenuFor(tree->topLevelItem(0)));
    auto *stop = menu->findChild<QAction *>(QStringLiteral("stopDemo"));
    ASSERT_TRUE(stop);
    stop->trigger();
    EXPECT_EQ(t->requests.back()["type"], "demo_stop");
    EXPECT_EQ(t->requests.back()["args"], (json{{"pid", 4100}}));
}
