// SPDX-License-Identifier: GPL-2.0-or-later
// The typed helper client: the frames it builds are requests the helper's own parser accepts, and
// every kind of answer (result, error, garbage, none) comes back typed, once, from the event loop.
#include "app/transport/helperclient.h"
#include "app/transport/localtransport.h"
#include "core/demo/demospec.h"
#include "core/protocol/requestparser.h"
#include "tests/app/faketransport.h"

#include <QSignalSpy>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

using namespace nsviz;
using nlohmann::json;
using testutil::FakeTransport;

namespace
{
/// The last request as the helper parses it (the transport adds "v" and "id").
protocol::Request parsed(const FakeTransport &t)
{
    json j = t.requests.back();
    j["v"] = protocol::kVersion;
    j["id"] = std::uint64_t(7);
    auto r = protocol::parseRequestFromJson(j);
    if (auto *e = std::get_if<protocol::ParseError>(&r)) {
        ADD_FAILURE() << "the helper would refuse " << t.requests.back().dump() << ": " << e->message;
        return {};
    }
    return std::get<protocol::Request>(r);
}
} // namespace

TEST(HelperClient, RequestsAreWhatTheHelperAccepts)
{
    FakeTransport t;
    HelperClient c(&t);
    c.inspect(4242);
    EXPECT_EQ(parsed(t).type, protocol::RequestType::Inspect);
    EXPECT_EQ(parsed(t).pid, 4242);
    EXPECT_EQ(parsed(t).startTime, 0u); // unknown: not sent
    c.inspect(4242, 99);
    EXPECT_EQ(parsed(t).startTime, 99u);

    DemoSpec spec;
    spec.fresh[index(NsType::Net)] = false;
    spec.hostname = "web1";
    spec.lifetimeSec = 120;
    c.demoStart(spec);
    EXPECT_EQ(parsed(t).type, protocol::RequestType::DemoStart);
    auto back = demoSpecFromJson(parsed(t).args);
    ASSERT_TRUE(back) << back.error;
    EXPECT_EQ(back.spec->hostname, "web1");
    EXPECT_EQ(back.spec->lifetimeSec, 120u);
    EXPECT_FALSE(back.spec->isFresh(NsType::Net));

    c.demoStop(77);
    EXPECT_EQ(parsed(t).type, protocol::RequestType::DemoStop);
    EXPECT_EQ(parsed(t).args, (json{{"pid", 77}}));
    c.demoStopAll();
    EXPECT_EQ(parsed(t).args, (json{{"all", true}}));
    c.demoList();
    EXPECT_EQ(parsed(t).type, protocol::RequestType::DemoList);

    c.subscribe(1500);
    EXPECT_EQ(t.subscribedMs, 1500);
    c.unsubscribe();
    EXPECT_EQ(t.subscribedMs, 0);
    c.scan();
    EXPECT_EQ(t.scans, 1);
}

TEST(HelperClient, AnswersComeTypedAndOnlyForItsOwnRequests)
{
    FakeTransport t;
    HelperClient c(&t);
    QSignalSpy inspected(&c, &HelperClient::inspected);
    QSignalSpy failed(&c, &HelperClient::requestFailed);
    QSignalSpy listed(&c, &HelperClient::demosListed);

    const quint64 a = c.inspect(10);
    const quint64 b = c.inspect(11);
    const quint64 l = c.demoList();
    t.answer(999, {{"pid", 1}}); // not asked by this client
    t.answer(a, {{"schema", "nsviz.inspect/1"}, {"pid", 10}});
    t.answer(a, {{"pid", 10}}); // a second answer to the same request: ignored
    ASSERT_EQ(inspected.count(), 1);
    EXPECT_EQ(inspected[0][0].toULongLong(), a);
    EXPECT_EQ(inspected[0][1].toInt(), 10);
    EXPECT_EQ(inspected[0][2].value<json>()["schema"], "nsviz.inspect/1");

    t.fail(b, "not_found", "no such process");
    ASSERT_EQ(failed.count(), 1);
    EXPECT_EQ(failed[0][0].toULongLong(), b);
    EXPECT_EQ(failed[0][1].value<HelperClient::Call>(), HelperClient::Call::Inspect);
    EXPECT_EQ(failed[0][2].toString(), QStringLiteral("not_found"));
    EXPECT_EQ(failed[0][3].toString(), QStringLiteral("no such process"));

    t.reply(l, QByteArrayLiteral("[1,2]"));
    ASSERT_EQ(failed.count(), 2);
    EXPECT_EQ(failed[1][2].toString(), QStringLiteral("bad_reply"));
    EXPECT_EQ(listed.count(), 0);
}

TEST(HelperClient, ARequestNeverWaitsForAnAnswerThatCannotCome)
{
    FakeTransport first;
    HelperClient c(&first);
    QSignalSpy failed(&c, &HelperClient::requestFailed);
    const quint64 id = c.demoList();
    FakeTransport second;
    c.setTransport(&second);      // reconnected: the first transport will not answer any more
    EXPECT_EQ(failed.count(), 0); // from the event loop, never inside the caller
    ASSERT_TRUE(failed.wait(5000));
    EXPECT_EQ(failed[0][0].toULongLong(), id);
    first.answer(id, {{"demos", json::array()}});
    EXPECT_EQ(failed.count(), 1);

    // The stream follows the new transport only.
    QSignalSpy snapshots(&c, &HelperClient::snapshotReceived);
    Q_EMIT first.snapshotReceived(Snapshot{});
    Q_EMIT second.snapshotReceived(Snapshot{});
    EXPECT_EQ(snapshots.count(), 1);

    c.setTransport(nullptr);
    const quint64 offline = c.inspect(1);
    ASSERT_TRUE(failed.wait(5000));
    EXPECT_EQ(failed.last()[0].toULongLong(), offline);
}

TEST(HelperClient, InspectsThroughTheInProcessTransport)
{
    LocalTransport t;
    HelperClient c(&t);
    QSignalSpy connected(&c, &HelperClient::connected);
    t.start();
    ASSERT_TRUE(connected.wait(5000));
    QSignalSpy inspected(&c, &HelperClient::inspected);
    QSignalSpy failed(&c, &HelperClient::requestFailed);
    c.inspect(::getpid());
    ASSERT_TRUE(inspected.wait(15000));
    EXPECT_EQ(inspected[0][2].value<json>()["pid"], ::getpid());
    // No demos without the helper: a typed refusal.
    c.demoList();
    ASSERT_TRUE(failed.wait(5000));
    EXPECT_EQ(failed[0][1].value<HelperClient::Call>(), HelperClient::Call::DemoList);
    EXPECT_EQ(failed[0][2].toString(), QStringLiteral("unsupported"));
    t.stop();
}

TEST(HelperClient, InspectNamesTheProcessByTheStartTimeOfTheStream)
{
    FakeTransport t;
    HelperClient c(&t);
    Snapshot snap;
    Process p;
    p.pid = 10;
    p.startTime = 777;
    snap.processes.push_back(p);
    Q_EMIT t.snapshotReceived(snap);
    c.inspect(10);
    EXPECT_EQ(parsed(t).startTime, 777u);

    // The pid ends and comes back as another process: the new start time is the one sent.
    SnapshotDelta d;
    d.seq = 1;
    d.removedProcesses.push_back({10, 777});
    p.startTime = 900;
    d.addedProcesses.push_back(p);
    Q_EMIT t.deltaReceived(d);
    c.inspect(10);
    EXPECT_EQ(parsed(t).startTime, 900u);
    EXPECT_EQ(c.knownStartTime(10), 900u);

    SnapshotDelta gone;
    gone.seq = 2;
    gone.removedProcesses.push_back({10, 900});
    Q_EMIT t.deltaReceived(gone);
    EXPECT_EQ(c.knownStartTime(10), 0u);
}
