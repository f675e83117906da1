// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/window/democontroller.h"
#include "app/transport/transport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSignalSpy>

#include <gtest/gtest.h>
#include <unistd.h>

using namespace nsviz;

namespace
{

/// Records requests; the test answers them by emitting replyReceived.
class FakeTransport : public Transport
{
public:
    QString description() const override { return QStringLiteral("fake"); }
    bool privileged() const override { return true; }
    void start() override {}
    void stop() override {}
    void requestScan() override {}
    void subscribe(int) override {}
    void unsubscribe() override {}
    quint64 request(const QByteArray &requestJson) override
    {
        sent.append(QJsonDocument::fromJson(requestJson).object());
        return ++lastId;
    }
    void answer(quint64 id, const QJsonObject &result)
    {
        QJsonObject f{{QStringLiteral("v"), 1},
                      {QStringLiteral("type"), QStringLiteral("result")},
                      {QStringLiteral("id"), double(id)},
                      {QStringLiteral("result"), result}};
        Q_EMIT replyReceived(id, QJsonDocument(f).toJson(QJsonDocument::Compact));
    }
    void fail(quint64 id, const QString &message)
    {
        QJsonObject f{{QStringLiteral("v"), 1},
                      {QStringLiteral("type"), QStringLiteral("error")},
                      {QStringLiteral("id"), double(id)},
                      {QStringLiteral("code"), QStringLiteral("bad_request")},
                      {QStringLiteral("message"), message}};
        Q_EMIT replyReceived(id, QJsonDocument(f).toJson(QJsonDocument::Compact));
    }
    QList<QJsonObject> sent;
    quint64 lastId = 0;
};

QJsonObject demoDoc(int pid, const QJsonArray &shared = {})
{
    QJsonObject ns;
    for (NsType t : kAllNsTypes)
        ns.insert(QString::fromLatin1(nsTypeName(t).data(), qsizetype(nsTypeName(t).size())),
                  double(4026540000u + pid * 10 + index(t)));
    return QJsonObject{{QStringLiteral("schema"), QStringLiteral("nsviz.demo/1")},
                       {QStringLiteral("pid"), pid},
                       {QStringLiteral("startTime"), 1000},
                       {QStringLiteral("hostname"), QStringLiteral("nsviz-demo-1")},
                       {QStringLiteral("ns"), ns},
                       {QStringLiteral("shared"), shared}};
}

} // namespace

TEST(DemoController, StartStopListRoundTrips)
{
    FakeTransport t;
    DemoController c(&t);
    QSignalSpy started(&c, &DemoController::demoStarted);
    QSignalSpy ended(&c, &DemoController::demoEnded);

    quint64 id = c.start(QByteArrayLiteral(R"({"type":"demo_start","args":{"share":["net"]}})"));
    ASSERT_EQ(t.sent.size(), 1);
    EXPECT_EQ(t.sent[0].value(QStringLiteral("type")).toString(), QStringLiteral("demo_start"));
    t.answer(id, demoDoc(100, {QStringLiteral("net")}));
    ASSERT_EQ(started.count(), 1);
    auto d = started[0][0].value<DemoInfo>();
    EXPECT_EQ(d.pid, 100);
    EXPECT_TRUE(d.sharesHost(NsType::Net));
    EXPECT_TRUE(c.isDemo(100));
    EXPECT_EQ(c.demoForNamespace(NsType::Pid, d.ns[index(NsType::Pid)])->pid, 100);
    EXPECT_EQ(c.demoForNamespace(NsType::Net, d.ns[index(NsType::Net)]), nullptr); // shared: the host's

    quint64 sid = c.stop(100);
    EXPECT_EQ(t.sent.last().value(QStringLiteral("args")).toObject().value(QStringLiteral("pid")).toInt(),
              100);
    t.answer(sid, QJsonObject{{QStringLiteral("stopped"), QJsonArray{100}}});
    ASSERT_EQ(ended.count(), 1);
    EXPECT_EQ(ended[0][0].toInt(), 100);
    EXPECT_FALSE(c.hasRunningDemos());

    quint64 lid = c.refresh();
    EXPECT_EQ(t.sent.last().value(QStringLiteral("type")).toString(), QStringLiteral("demo_list"));
    t.answer(lid, QJsonObject{{QStringLiteral("demos"), QJsonArray{demoDoc(200), demoDoc(201)}}});
    EXPECT_EQ(c.demos().size(), 2);
    quint64 aid = c.stopAll();
    EXPECT_TRUE(t.sent.last().value(QStringLiteral("args")).toObject().value(QStringLiteral("all")).toBool());
    t.answer(aid, QJsonObject{{QStringLiteral("stopped"), QJsonArray{200, 201}}});
    EXPECT_FALSE(c.hasRunningDemos());
    EXPECT_EQ(ended.count(), 3);
}

TEST(DemoController, ErrorsAndForeignRepliesAndVanishedDemos)
{
    FakeTransport t;
    DemoController c(&t);
    QSignalSpy failed(&c, &DemoController::requestFailed);
    QSignalSpy ended(&c, &DemoController::demoEnded);
    quint64 id = c.start(QByteArrayLiteral(R"({"type":"demo_start","args":{"hostname":"a/b"}})"));
    t.fail(id, QStringLiteral("hostname 'a/b' contains '/'"));
    ASSERT_EQ(failed.count(), 1);
    EXPECT_TRUE(failed[0][0].toString().contains(QStringLiteral("'/'")));
    t.answer(999, demoDoc(5)); // not ours: ignored
    EXPECT_FALSE(c.hasRunningDemos());
    // A malformed document is an error, not a demo.
    quint64 id2 = c.start(QByteArrayLiteral(R"({"type":"demo_start","args":{}})"));
    t.answer(id2, QJsonObject{{QStringLiteral("schema"), QStringLiteral("other")}});
    EXPECT_EQ(failed.count(), 2);
    // A demo whose init disappears from the snapshot (lifetime over) ends.
    quint64 id3 = c.start(QByteArrayLiteral(R"({"type":"demo_start","args":{}})"));
    t.answer(id3, demoDoc(300));
    Snapshot s;
    Process p;
    p.pid = 300;
    p.startTime = 1000;
    s.processes.push_back(p);
    c.noteSnapshot(s);
    EXPECT_TRUE(c.isDemo(300));
    s.processes[0].startTime = 2000; // pid reused by another process
    c.noteSnapshot(s);
    EXPECT_FALSE(c.isDemo(300));
    EXPECT_EQ(ended.count(), 1);
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
    QJsonObject doc = QJsonDocument::fromJson(helper.readAllStandardOutput()).object();
    auto d = DemoInfo::fromJson(doc);
    // Stop it before any assertion can return early.
    QProcess stop;
    stop.start(QStringLiteral(NSVIZ_HELPER_BIN), {QStringLiteral("demo"), QStringLiteral("stop"),
                                                  QString::number(doc.value(QStringLiteral("pid")).toInt())});
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
