// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/transport/helperclient.h"
#include "app/window/democontroller.h"
#include "core/demo/demospec.h"
#include "tests/app/faketransport.h"

#include <QProcess>
#include <QSignalSpy>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

using namespace nsviz;
using nlohmann::json;
using testutil::FakeTransport;

namespace
{

json demoDoc(int pid, const json &shared = json::array())
{
    json ns = json::object();
    for (NsType t : kAllNsTypes)
        ns[std::string(nsTypeName(t))] = 4026540000u + unsigned(pid) * 10 + index(t);
    return {{"schema", "nsviz.demo/1"},   {"pid", pid}, {"startTime", 1000},
            {"hostname", "nsviz-demo-1"}, {"ns", ns},   {"shared", shared}};
}

DemoSpec sharingNet()
{
    DemoSpec spec;
    spec.fresh[index(NsType::Net)] = false;
    return spec;
}

} // namespace

TEST(DemoController, StartStopListRoundTrips)
{
    FakeTransport t;
    HelperClient client(&t);
    DemoController c(&client);
    QSignalSpy started(&c, &DemoController::demoStarted);
    QSignalSpy ended(&c, &DemoController::demoEnded);

    quint64 id = c.start(sharingNet());
    ASSERT_EQ(t.requests.size(), 1u);
    EXPECT_EQ(t.requests[0]["type"], "demo_start");
    // The spec travels as the args core parses back into the same spec.
    auto back = demoSpecFromJson(t.requests[0]["args"]);
    ASSERT_TRUE(back) << back.error;
    EXPECT_FALSE(back.spec->isFresh(NsType::Net));
    EXPECT_TRUE(back.spec->isFresh(NsType::Pid));
    t.answer(id, demoDoc(100, {"net"}));
    ASSERT_EQ(started.count(), 1);
    auto d = started[0][0].value<DemoInfo>();
    EXPECT_EQ(d.pid, 100);
    EXPECT_TRUE(d.sharesHost(NsType::Net));
    EXPECT_TRUE(c.isDemo(100));
    EXPECT_EQ(c.startedPids(), QList<int>{100});
    EXPECT_EQ(c.demoForNamespace(NsType::Pid, d.ns[index(NsType::Pid)])->pid, 100);
    EXPECT_EQ(c.demoForNamespace(NsType::Net, d.ns[index(NsType::Net)]), nullptr); // shared: the host's

    quint64 sid = c.stop(100);
    EXPECT_EQ(t.requests.back()["type"], "demo_stop");
    EXPECT_EQ(t.requests.back()["args"], (json{{"pid", 100}}));
    t.answer(sid, {{"stopped", {100}}});
    ASSERT_EQ(ended.count(), 1);
    EXPECT_EQ(ended[0][0].toInt(), 100);
    EXPECT_FALSE(c.hasRunningDemos());
    EXPECT_TRUE(c.startedPids().isEmpty());

    quint64 lid = c.refresh();
    EXPECT_EQ(t.requests.back()["type"], "demo_list");
    t.answer(lid, {{"demos", {demoDoc(200), demoDoc(201), {{"schema", "other"}}}}});
    EXPECT_EQ(c.demos().size(), 2);
    EXPECT_TRUE(c.startedPids().isEmpty()); // listed, not started by us
    quint64 aid = c.stopAll();
    EXPECT_EQ(t.requests.back()["args"], (json{{"all", true}}));
    t.answer(aid, {{"stopped", {200, 201}}});
    EXPECT_FALSE(c.hasRunningDemos());
    EXPECT_EQ(ended.count(), 3);
}

TEST(DemoController, ErrorsAndForeignRepliesAndVanishedDemos)
{
    FakeTransport t;
    HelperClient client(&t);
    DemoController c(&client);
    QSignalSpy failed(&c, &DemoController::requestFailed);
    QSignalSpy ended(&c, &DemoController::demoEnded);
    QSignalSpy appeared(&c, &DemoController::demoAppeared);
    quint64 id = c.start(DemoSpec{});
    t.fail(id, "bad_request", "hostname 'a/b' contains '/'");
    ASSERT_EQ(failed.count(), 1);
    EXPECT_TRUE(failed[0][0].toString().contains(QStringLiteral("'/'")));
    t.answer(999, demoDoc(5)); // not ours: ignored
    EXPECT_FALSE(c.hasRunningDemos());
    // A malformed document is an error, not a demo; so is a frame that is no JSON.
    quint64 id2 = c.start(DemoSpec{});
    t.answer(id2, {{"schema", "other"}});
    EXPECT_EQ(failed.count(), 2);
    quint64 id2b = c.start(DemoSpec{});
    t.reply(id2b, QByteArrayLiteral("{not json"));
    EXPECT_EQ(failed.count(), 3);
    EXPECT_FALSE(c.hasRunningDemos());

    // The flow of a demo: started, not yet in the picture (a snapshot taken before it started
    // does not end it), appears, then its pid is reused by another process: it ended.
    quint64 id3 = c.start(DemoSpec{});
    t.answer(id3, demoDoc(300));
    Snapshot s;
    c.noteSnapshot(s);
    EXPECT_TRUE(c.isDemo(300));
    EXPECT_EQ(appeared.count(), 0);
    Process p;
    p.pid = 300;
    p.startTime = 1000;
    s.processes.push_back(p);
    c.noteSnapshot(s);
    EXPECT_TRUE(c.isDemo(300));
    ASSERT_EQ(appeared.count(), 1);
    EXPECT_EQ(appeared[0][0].toInt(), 300);
    c.noteSnapshot(s);
    EXPECT_EQ(appeared.count(), 1);  // once
    s.processes[0].startTime = 2000; // pid reused by another process
    c.noteSnapshot(s);
    EXPECT_FALSE(c.isDemo(300));
    EXPECT_EQ(ended.count(), 1);

    // Without a connection a request fails (later, like any answer), it never hangs.
    HelperClient offline;
    DemoController c2(&offline);
    QSignalSpy failed2(&c2, &DemoController::requestFailed);
    c2.refresh();
    EXPECT_EQ(failed2.count(), 0);
    ASSERT_TRUE(failed2.wait(5000));
}

TEST(DemoController, ParsesTheHelpersRealDocument)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "starting a demo container needs root";
    QProcess helper;
    helper.start(QStringLiteral(NSVIZ_HELPER_BIN),
                 {QStringLiteral("demo"), QStringLiteral("start"), QStringLiteral("--json"),
                  QStringLiteral("--share"), QStringLiteral("net"), QStringLiteral("--lifetime"),
                  QStringLiteral("120")});
    ASSERT_TRUE(helper.waitForFinished(30000));
    ASSERT_EQ(helper.exitCode(), 0) << helper.readAllStandardError().toStdString();
    const json doc = json::parse(helper.readAllStandardOutput().toStdString(), nullptr, false);
    auto d = DemoInfo::fromJson(doc);
    // Stop it before any assertion can return early.
    QProcess stop;
    stop.start(QStringLiteral(NSVIZ_HELPER_BIN),
               {QStringLiteral("demo"), QStringLiteral("stop"),
                QString::number(doc.is_object() ? doc.value("pid", 0) : 0)});
    ASSERT_TRUE(stop.waitForFinished(30000));
    EXPECT_EQ(stop.exitCode(), 0) << stop.readAllStandardError().toStdString();
    ASSERT_TRUE(d.has_value());
    EXPECT_GT(d->pid, 1);
    EXPECT_GT(d->startTime, 0u);
    EXPECT_TRUE(d->hostname.startsWith(QStringLiteral("nsviz-demo-")));
    EXPECT_TRUE(d->sharesHost(NsType::Net));
    EXPECT_FALSE(d->sharesHost(NsType::Pid));
    for (NsType t : kAllNsTypes)
        EXPECT_GT(d->ns[index(t)], 4026531000u) << nsTypeName(t);
}
