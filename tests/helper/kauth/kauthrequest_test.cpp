// SPDX-License-Identifier: GPL-2.0-or-later
// The KAuth boundary: every key, type and range of the action arguments is checked.
#include "helper/kauth/contract/kauthrequest.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <limits>

using namespace nsviz::kauth;

namespace
{

const QString kToken = QStringLiteral("0123456789abcdef0123456789abcdef");

/// Every action needs a channel token (tested on its own below); the other tests add a valid one.
QVariantMap withToken(QVariantMap m)
{
    if (!m.contains(QStringLiteral("channel_token")))
        m.insert(QStringLiteral("channel_token"), kToken);
    return m;
}

std::variant<KAuthRequest, KAuthArgError> parseWithToken(Verb v, const QVariantMap &m)
{
    return parseKAuthArgs(v, withToken(m));
}

QVariantMap scanArgs()
{
    return {{QStringLiteral("id"), QVariant::fromValue<qulonglong>(42)}};
}

std::string errorOf(Verb v, const QVariantMap &m)
{
    auto r = parseWithToken(v, m);
    if (auto *e = std::get_if<KAuthArgError>(&r))
        return e->message.toStdString();
    return {};
}

} // namespace

TEST(KAuthRequest, ActionNames)
{
    EXPECT_EQ(actionName(Verb::Scan).toStdString(), "org.nsviz.helper.scan");
    EXPECT_EQ(actionName(Verb::Inspect).toStdString(), "org.nsviz.helper.inspect");
    EXPECT_EQ(actionName(Verb::DemoStart).toStdString(), "org.nsviz.helper.demostart");
    EXPECT_EQ(actionName(Verb::DemoStop).toStdString(), "org.nsviz.helper.demostop");
    EXPECT_EQ(actionName(Verb::DemoList).toStdString(), "org.nsviz.helper.demolist");
}

TEST(KAuthRequest, MinimalScanIsASnapshot)
{
    auto r = parseWithToken(Verb::Scan, scanArgs());
    ASSERT_TRUE(std::holds_alternative<KAuthRequest>(r)) << errorOf(Verb::Scan, scanArgs());
    const auto &req = std::get<KAuthRequest>(r);
    EXPECT_EQ(req.id, 42u);
    EXPECT_FALSE(req.subscribe);
    EXPECT_EQ(req.chunkBytes, kDefaultChunkBytes);
}

TEST(KAuthRequest, RoundTripThroughClientArguments)
{
    KAuthRequest in;
    in.verb = Verb::Scan;
    in.id = kMaxRequestId;
    in.subscribe = true;
    in.intervalMs = 250;
    in.maxDurationMs = 5000;
    in.chunkBytes = 4096;
    auto r = parseWithToken(Verb::Scan, toKAuthArgs(in));
    ASSERT_TRUE(std::holds_alternative<KAuthRequest>(r)) << errorOf(Verb::Scan, toKAuthArgs(in));
    const auto &out = std::get<KAuthRequest>(r);
    EXPECT_EQ(out.id, in.id);
    EXPECT_TRUE(out.subscribe);
    EXPECT_EQ(out.intervalMs, 250);
    EXPECT_EQ(out.maxDurationMs, 5000);
    EXPECT_EQ(out.chunkBytes, 4096);

    KAuthRequest ins;
    ins.verb = Verb::Inspect;
    ins.id = 7;
    ins.pid = 123;
    auto ri = parseWithToken(Verb::Inspect, toKAuthArgs(ins));
    ASSERT_TRUE(std::holds_alternative<KAuthRequest>(ri));
    EXPECT_EQ(std::get<KAuthRequest>(ri).pid, 123);
}

TEST(KAuthRequest, IdIsRequiredIntegerAndInRange)
{
    EXPECT_NE(errorOf(Verb::Scan, {}).find("missing argument \"id\""), std::string::npos);
    for (const QVariant &bad : {QVariant(0), QVariant(-1), QVariant::fromValue<qulonglong>(kMaxRequestId + 1),
                                QVariant::fromValue<qulonglong>(std::numeric_limits<qulonglong>::max())}) {
        QVariantMap m{{QStringLiteral("id"), bad}};
        EXPECT_NE(errorOf(Verb::Scan, m).find("out of range"), std::string::npos)
            << bad.toString().toStdString();
    }
    for (const QVariant &bad :
         {QVariant(QStringLiteral("5")), QVariant(5.0), QVariant(true), QVariant(QByteArray("5"))}) {
        QVariantMap m{{QStringLiteral("id"), bad}};
        EXPECT_NE(errorOf(Verb::Scan, m).find("must be an integer"), std::string::npos) << bad.typeName();
    }
}

TEST(KAuthRequest, RejectsUnknownKeysAndWrongModes)
{
    auto m = scanArgs();
    m.insert(QStringLiteral("command"), QStringLiteral("rm -rf /"));
    EXPECT_NE(errorOf(Verb::Scan, m).find("unknown argument \"command\""), std::string::npos);

    m = scanArgs();
    m.insert(QStringLiteral("mode"), QStringLiteral("everything"));
    EXPECT_NE(errorOf(Verb::Scan, m).find("\"mode\""), std::string::npos);

    m = scanArgs();
    m.insert(QStringLiteral("mode"), 1);
    EXPECT_NE(errorOf(Verb::Scan, m).find("must be a string"), std::string::npos);

    // interval only makes sense for a subscription
    m = scanArgs();
    m.insert(QStringLiteral("interval_ms"), 500);
    EXPECT_NE(errorOf(Verb::Scan, m).find("only apply"), std::string::npos);

    // keys of another verb are unknown here
    m = scanArgs();
    m.insert(QStringLiteral("pid"), 1);
    EXPECT_NE(errorOf(Verb::Scan, m).find("unknown argument"), std::string::npos);
}

TEST(KAuthRequest, Ranges)
{
    auto sub = [](const char *key, const QVariant &v) {
        auto m = scanArgs();
        m.insert(QStringLiteral("mode"), QStringLiteral("subscribe"));
        m.insert(QString::fromLatin1(key), v);
        return errorOf(Verb::Scan, m);
    };
    EXPECT_EQ(sub("interval_ms", kMinIntervalMs), "");
    EXPECT_NE(sub("interval_ms", kMinIntervalMs - 1), "");
    EXPECT_NE(sub("interval_ms", kMaxIntervalMs + 1), "");
    EXPECT_NE(sub("max_duration_ms", 0), "");
    EXPECT_NE(sub("max_duration_ms", kMaxDurationMs + 1), "");
    EXPECT_NE(sub("chunk_bytes", kMinChunkBytes - 1), "");
    EXPECT_NE(sub("chunk_bytes", kMaxChunkBytes + 1), "");
    EXPECT_EQ(sub("chunk_bytes", kMaxChunkBytes), "");
}

TEST(KAuthRequest, InspectPid)
{
    auto insp = [](const QVariant &pid) {
        QVariantMap m{{QStringLiteral("id"), 9}, {QStringLiteral("pid"), pid}};
        return errorOf(Verb::Inspect, m);
    };
    EXPECT_EQ(insp(1), "");
    EXPECT_EQ(insp(kMaxPid), "");
    EXPECT_NE(insp(0), "");
    EXPECT_NE(insp(-5), "");
    EXPECT_NE(insp(kMaxPid + 1), "");
    EXPECT_NE(insp(QStringLiteral("1")), "");
    EXPECT_NE(errorOf(Verb::Inspect, {{QStringLiteral("id"), 9}}).find("missing argument \"pid\""),
              std::string::npos);
}

TEST(KAuthRequest, ErrorKeepsIdWhenReadable)
{
    QVariantMap m{{QStringLiteral("id"), 77}, {QStringLiteral("pid"), -1}};
    auto r = parseWithToken(Verb::Inspect, m);
    ASSERT_TRUE(std::holds_alternative<KAuthArgError>(r));
    EXPECT_EQ(std::get<KAuthArgError>(r).id, 77u);
}

TEST(KAuthRequest, DemoArgumentsAreBounded)
{
    QVariantMap m{{QStringLiteral("id"), 1},
                  {QStringLiteral("spec"), QString(kMaxDemoArgBytes + 1, QLatin1Char('x'))}};
    EXPECT_NE(errorOf(Verb::DemoStart, m).find("longer than"), std::string::npos);
    QVariantMap s{{QStringLiteral("id"), 1}, {QStringLiteral("pid"), 4242}};
    EXPECT_EQ(errorOf(Verb::DemoStop, s), "");
    s.insert(QStringLiteral("spec"), QStringLiteral("{}"));
    EXPECT_NE(errorOf(Verb::DemoStop, s), "");
}

TEST(KAuthRequest, DemoStopTakesExactlyAPidOrAll)
{
    auto stop = [](std::initializer_list<std::pair<const char *, QVariant>> kv) {
        QVariantMap m{{QStringLiteral("id"), 5}};
        for (const auto &[k, v] : kv)
            m.insert(QString::fromLatin1(k), v);
        return parseWithToken(Verb::DemoStop, m);
    };
    auto argsOf = [](const std::variant<KAuthRequest, KAuthArgError> &r) {
        return std::holds_alternative<KAuthRequest>(r)
                   ? std::get<KAuthRequest>(r).demoArgs
                   : "error: " + std::get<KAuthArgError>(r).message.toStdString();
    };
    EXPECT_EQ(argsOf(stop({{"pid", 77}})), R"({"pid":77})");
    EXPECT_EQ(argsOf(stop({{"all", true}})), R"({"all":true})");
    // Neither, both, wrong types, out of range, false, and the old "name" key: all refused.
    EXPECT_NE(argsOf(stop({})).find("exactly one"), std::string::npos);
    EXPECT_NE(argsOf(stop({{"pid", 77}, {"all", true}})).find("exactly one"), std::string::npos);
    EXPECT_NE(argsOf(stop({{"pid", 0}})).find("out of range"), std::string::npos);
    EXPECT_NE(argsOf(stop({{"pid", -4}})).find("out of range"), std::string::npos);
    EXPECT_NE(argsOf(stop({{"pid", kMaxPid + 1}})).find("out of range"), std::string::npos);
    EXPECT_NE(argsOf(stop({{"pid", QStringLiteral("77")}})).find("integer"), std::string::npos);
    EXPECT_NE(argsOf(stop({{"pid", 7.5}})).find("integer"), std::string::npos);
    EXPECT_NE(argsOf(stop({{"all", false}})).find("boolean true"), std::string::npos);
    EXPECT_NE(argsOf(stop({{"all", 1}})).find("boolean true"), std::string::npos);
    EXPECT_NE(argsOf(stop({{"name", QStringLiteral("demo-1")}})).find("unknown argument"), std::string::npos);

    // The client's map round-trips.
    for (const auto *a : {R"({"pid":77})", R"({"all":true})"}) {
        KAuthRequest r;
        r.verb = Verb::DemoStop;
        r.id = 9;
        r.demoArgs = a;
        EXPECT_EQ(argsOf(parseWithToken(Verb::DemoStop, toKAuthArgs(r))), a);
    }
}

TEST(KAuthRequest, DemoListTakesOnlyTheId)
{
    EXPECT_EQ(errorOf(Verb::DemoList, {{QStringLiteral("id"), 2}}), "");
    EXPECT_NE(
        errorOf(Verb::DemoList, {{QStringLiteral("id"), 2}, {QStringLiteral("all"), true}}).find("unknown"),
        std::string::npos);
    KAuthRequest r;
    r.verb = Verb::DemoList;
    r.id = 2;
    EXPECT_EQ(toKAuthArgs(r), (QVariantMap{{QStringLiteral("id"), QVariant::fromValue<qulonglong>(2)}}));
}

TEST(KAuthRequest, DemoStartOwnerPidIsAPid)
{
    QVariantMap m{{QStringLiteral("id"), 3}, {QStringLiteral("owner_pid"), 1234}};
    auto r = parseWithToken(Verb::DemoStart, m);
    ASSERT_TRUE(std::holds_alternative<KAuthRequest>(r));
    EXPECT_EQ(std::get<KAuthRequest>(r).ownerPid, 1234);
    EXPECT_EQ(toKAuthArgs(std::get<KAuthRequest>(r)), withToken(m));
    for (const QVariant &bad :
         {QVariant(0), QVariant(-1), QVariant(kMaxPid + 1), QVariant(QStringLiteral("1234"))}) {
        m.insert(QStringLiteral("owner_pid"), bad);
        EXPECT_NE(errorOf(Verb::DemoStart, m), "") << bad.toString().toStdString();
    }
    // Without an owner the demo lives until demostop or its lifetime ends.
    auto none = parseWithToken(Verb::DemoStart, {{QStringLiteral("id"), 3}});
    ASSERT_TRUE(std::holds_alternative<KAuthRequest>(none));
    EXPECT_EQ(std::get<KAuthRequest>(none).ownerPid, 0);
}

namespace
{
/// The refusal code of a protocol request, or "" when it maps to a KAuth request.
std::string refusalOf(const nlohmann::json &request)
{
    auto r = kauthRequestFromProtocol(request);
    if (auto *e = std::get_if<KAuthRefusal>(&r))
        return e->code;
    return {};
}
} // namespace

TEST(KAuthRequest, ProtocolRequestsMapToActionsTheHelperAccepts)
{
    using nlohmann::json;
    auto inspect = kauthRequestFromProtocol({{"type", "inspect"}, {"pid", 4242}});
    ASSERT_TRUE(std::holds_alternative<KAuthRequest>(inspect));
    EXPECT_EQ(std::get<KAuthRequest>(inspect).verb, Verb::Inspect);
    EXPECT_EQ(std::get<KAuthRequest>(inspect).pid, 4242);

    auto start = kauthRequestFromProtocol({{"type", "demo_start"}, {"args", {{"lifetime", 300}}}});
    ASSERT_TRUE(std::holds_alternative<KAuthRequest>(start));
    EXPECT_EQ(std::get<KAuthRequest>(start).verb, Verb::DemoStart);
    EXPECT_EQ(json::parse(std::get<KAuthRequest>(start).demoArgs), (json{{"lifetime", 300}}));

    for (const json &args : {json{{"pid", 77}}, json{{"all", true}}}) {
        auto stop = kauthRequestFromProtocol({{"type", "demo_stop"}, {"args", args}});
        ASSERT_TRUE(std::holds_alternative<KAuthRequest>(stop)) << args.dump();
        EXPECT_EQ(json::parse(std::get<KAuthRequest>(stop).demoArgs), args);
    }
    auto list = kauthRequestFromProtocol({{"type", "demo_list"}});
    ASSERT_TRUE(std::holds_alternative<KAuthRequest>(list));
    EXPECT_EQ(std::get<KAuthRequest>(list).verb, Verb::DemoList);

    // Refused without the bus, with the code the helper would give.
    EXPECT_EQ(refusalOf({{"type", "inspect"}, {"pid", -3}}), "bad_request");
    EXPECT_EQ(refusalOf({{"type", "inspect"}, {"pid", kMaxPid + 1}}), "bad_request");
    EXPECT_EQ(refusalOf({{"type", "inspect"}, {"pid", 5}, {"extra", 1}}), "bad_request");
    EXPECT_EQ(refusalOf({{"type", "demo_stop"}, {"args", {{"name", "x"}}}}), "bad_request");
    EXPECT_EQ(refusalOf({{"type", "demo_stop"}, {"args", {{"pid", 1}, {"all", true}}}}), "bad_request");
    EXPECT_EQ(refusalOf({{"type", "demo_stop"}, {"args", {{"pid", 1ll << 40}}}}), "bad_request");
    EXPECT_EQ(refusalOf({{"type", "demo_stop"}, {"args", {{"all", false}}}}), "bad_request");
    EXPECT_EQ(refusalOf({{"type", "demo_list"}, {"args", {{"all", true}}}}), "bad_request");
    EXPECT_EQ(refusalOf({{"type", "demo_start"}, {"args", {{"hostname", std::string(20000, 'a')}}}}),
              "bad_request");
    EXPECT_EQ(refusalOf({{"type", "ping"}}), "unsupported");
    EXPECT_NE(refusalOf({{"type", "nonsense"}}), "");
    EXPECT_EQ(refusalOf(json::array()), "bad_request");
}

TEST(KAuthRequest, ChannelTokenIsRequiredAndChecked)
{
    const QVariantMap bare{{QStringLiteral("id"), 5}};
    auto rawError = [](Verb v, const QVariantMap &m) {
        auto r = parseKAuthArgs(v, m);
        const auto *e = std::get_if<KAuthArgError>(&r);
        return e ? e->message.toStdString() : std::string();
    };
    for (Verb v : {Verb::Scan, Verb::Inspect, Verb::DemoStart, Verb::DemoStop, Verb::DemoList}) {
        QVariantMap m = bare;
        if (v == Verb::Inspect || v == Verb::DemoStop)
            m.insert(QStringLiteral("pid"), 77);
        EXPECT_NE(rawError(v, m).find("missing argument \"channel_token\""), std::string::npos)
            << verbName(v).toStdString();
        for (const QVariant &bad :
             {QVariant(QStringLiteral("0123456789ABCDEF0123456789ABCDEF")), // upper case
              QVariant(QStringLiteral("0123456789abcdef")),                 // short
              QVariant(kToken + QStringLiteral("00")),                      // long
              QVariant(QStringLiteral("0123456789abcdef0123456789abcdeg")), // not hex
              QVariant(QByteArray("0123456789abcdef0123456789abcdef")), QVariant(42)}) {
            m.insert(QStringLiteral("channel_token"), bad);
            EXPECT_NE(rawError(v, m).find("channel_token"), std::string::npos) << verbName(v).toStdString();
        }
        m.insert(QStringLiteral("channel_token"), kToken);
        auto r = parseKAuthArgs(v, m);
        ASSERT_TRUE(std::holds_alternative<KAuthRequest>(r)) << verbName(v).toStdString();
        EXPECT_EQ(std::get<KAuthRequest>(r).channelToken, kToken.toStdString());
        EXPECT_EQ(toKAuthArgs(std::get<KAuthRequest>(r)).value(QStringLiteral("channel_token")), kToken);
    }
}

TEST(KAuthRequest, ProgressAndResultDataRoundTrip)
{
    KAuthProgress p;
    p.id = 42;
    p.channel = QStringLiteral("/run/nsviz-kauth/00112233445566778899aabbccddeeff.sock");
    const QVariantMap data = toProgressData(p);
    // The id and the path, and nothing else: progress is a bus broadcast.
    EXPECT_EQ(data.keys(), (QStringList{QStringLiteral("channel"), QStringLiteral("id")}));
    const KAuthProgress back = parseProgressData(data);
    EXPECT_EQ(back.id, 42u);
    EXPECT_FALSE(back.heartbeat);
    EXPECT_EQ(back.channel, p.channel);

    KAuthProgress beat;
    beat.id = 43;
    beat.heartbeat = true;
    const QVariantMap beatData = toProgressData(beat);
    EXPECT_EQ(beatData.keys(), (QStringList{QStringLiteral("heartbeat"), QStringLiteral("id")}));
    EXPECT_TRUE(parseProgressData(beatData).heartbeat);
    EXPECT_EQ(requestIdOf(beatData), 43u);

    const QVariantMap result = toResultData(44, 3, QString::fromLatin1(status::Expired));
    EXPECT_EQ(requestIdOf(result), 44u);
    EXPECT_EQ(statusOf(result), QStringLiteral("expired"));
    EXPECT_EQ(result.value(QStringLiteral("frames")).toULongLong(), 3u);
    // Far above KAuth's own ActionReply::Error values.
    for (int code : {error::BadArguments, error::Busy, error::Unsupported, error::Failed})
        EXPECT_GT(code, 1000);
}

TEST(KAuthRequest, InspectCarriesTheStartTimeOfTheProcessMeant)
{
    // The protocol request's start_time reaches the helper's action arguments and back, so the
    // KAuth path inspects by (pid, start time) through a pidfd like serve does (docs/security.md).
    auto viaProtocol = kauthRequestFromProtocol({{"type", "inspect"}, {"pid", 4242}, {"start_time", 987654}});
    ASSERT_TRUE(std::holds_alternative<KAuthRequest>(viaProtocol));
    KAuthRequest ins = std::get<KAuthRequest>(viaProtocol);
    ins.id = 7;
    EXPECT_EQ(ins.startTime, 987654u);
    auto back = parseWithToken(Verb::Inspect, toKAuthArgs(ins));
    ASSERT_TRUE(std::holds_alternative<KAuthRequest>(back));
    EXPECT_EQ(std::get<KAuthRequest>(back).pid, 4242);
    EXPECT_EQ(std::get<KAuthRequest>(back).startTime, 987654u);

    // Optional, and range-checked when given.
    QVariantMap m{{QStringLiteral("id"), 9}, {QStringLiteral("pid"), 4242}};
    auto noStart = parseWithToken(Verb::Inspect, m);
    ASSERT_TRUE(std::holds_alternative<KAuthRequest>(noStart));
    EXPECT_EQ(std::get<KAuthRequest>(noStart).startTime, 0u);
    m.insert(QStringLiteral("start_time"), 0);
    EXPECT_FALSE(errorOf(Verb::Inspect, m).empty());
    m.insert(QStringLiteral("start_time"), QStringLiteral("12"));
    EXPECT_FALSE(errorOf(Verb::Inspect, m).empty());
}
