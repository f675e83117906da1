// SPDX-License-Identifier: GPL-2.0-or-later
// The request parser trusts nothing: every malformed request becomes a typed error, never a crash.
#include "core/protocol/linebuffer.h"
#include "core/protocol/protocol.h"
#include "core/protocol/requestparser.h"

#include <gtest/gtest.h>

using namespace nsviz::protocol;

namespace
{

Request ok(std::string_view line)
{
    auto r = parseRequest(line);
    if (auto *e = std::get_if<ParseError>(&r)) {
        ADD_FAILURE() << "refused " << line << ": " << e->code << ": " << e->message;
        return {};
    }
    return std::get<Request>(r);
}

ParseError bad(std::string_view line)
{
    auto r = parseRequest(line);
    if (!std::holds_alternative<ParseError>(r)) {
        ADD_FAILURE() << "accepted " << line;
        return {};
    }
    return std::get<ParseError>(r);
}

} // namespace

TEST(RequestParser, AcceptsEveryRequestType)
{
    EXPECT_EQ(ok(R"({"v":1,"type":"hello","id":1})").type, RequestType::Hello);
    EXPECT_EQ(ok(R"({"v":1,"type":"scan","id":2})").type, RequestType::Scan);
    EXPECT_EQ(ok(R"({"v":1,"type":"unsubscribe","id":3})").type, RequestType::Unsubscribe);
    EXPECT_EQ(ok(R"({"v":1,"type":"ping","id":3})").type, RequestType::Ping);
    EXPECT_EQ(ok(R"({"v":1,"type":"bye","id":4})").type, RequestType::Bye);
    auto sub = ok(R"({"v":1,"type":"subscribe","id":5})");
    EXPECT_EQ(sub.type, RequestType::Subscribe);
    EXPECT_EQ(sub.intervalMs, kDefaultIntervalMs);
    EXPECT_EQ(ok(R"({"v":1,"type":"subscribe","id":5,"interval_ms":200})").intervalMs, 200);
    EXPECT_FALSE(ok(R"({"v":1,"type":"subscribe","id":5})").memberDeltas);
    EXPECT_TRUE(ok(R"({"v":1,"type":"subscribe","id":5,"member_deltas":true})").memberDeltas);
    EXPECT_FALSE(ok(R"({"v":1,"type":"subscribe","id":5,"member_deltas":false})").memberDeltas);
    auto insp = ok(R"({"type":"inspect","id":9007199254740991,"v":1,"pid":4194304})");
    EXPECT_EQ(insp.pid, 4194304);
    EXPECT_EQ(insp.id, kMaxRequestId);
    EXPECT_EQ(insp.startTime, 0u); // not given
    EXPECT_EQ(ok(R"({"v":1,"type":"inspect","id":1,"pid":7,"start_time":123456})").startTime, 123456u);
    auto demo = ok(R"({"v":1,"type":"demo_start","id":6,"args":{"name":"x","ns":["net"]}})");
    EXPECT_EQ(demo.type, RequestType::DemoStart);
    EXPECT_EQ(demo.args["name"], "x");
    EXPECT_EQ(ok(R"({"v":1,"type":"demo_list","id":7})").args, nlohmann::json::object());
    EXPECT_EQ(ok(R"({"v":1,"type":"demo_stop","id":7,"args":{}})").type, RequestType::DemoStop);
    // Whitespace and multi-byte UTF-8 inside strings are fine.
    EXPECT_EQ(
        ok(" {\"v\":1, \"type\":\"demo_start\", \"id\":8, \"args\":{\"name\":\"d\xc3\xa9mo \xe2\x9c\x93\"}} ")
            .id,
        8u);
}

TEST(RequestParser, RejectsUnknownTypesAndFields)
{
    auto e = bad(R"({"v":1,"type":"run","id":3})");
    EXPECT_EQ(e.code, err::UnknownType);
    EXPECT_EQ(e.id, 3u);
    EXPECT_EQ(bad(R"({"v":1,"type":"","id":3})").code, err::UnknownType);
    EXPECT_EQ(bad(R"({"v":1,"type":"HELLO","id":3})").code, err::UnknownType);
    e = bad(R"({"v":1,"type":"scan","id":3,"cmd":"rm -rf /"})");
    EXPECT_EQ(e.code, err::BadRequest);
    EXPECT_NE(e.message.find("cmd"), std::string::npos);
    EXPECT_EQ(bad(R"({"v":1,"type":"hello","id":3,"pid":5})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"scan","id":3,"interval_ms":100})").code, err::BadRequest);
}

TEST(RequestParser, RejectsWrongFieldTypes)
{
    EXPECT_EQ(bad(R"({"v":1,"type":5,"id":3})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":null,"id":3})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"id":3})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":"1","type":"scan","id":3})").code, err::BadVersion);
    EXPECT_EQ(bad(R"({"v":1.0,"type":"scan","id":3})").code, err::BadVersion);
    EXPECT_EQ(bad(R"({"type":"scan","id":3})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"scan","id":"3"})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"scan","id":true})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"scan"})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"subscribe","id":1,"interval_ms":"200"})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"subscribe","id":1,"interval_ms":200.5})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"subscribe","id":1,"interval_ms":null})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"subscribe","id":1,"member_deltas":1})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"subscribe","id":1,"member_deltas":"yes"})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"scan","id":1,"member_deltas":true})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"inspect","id":1,"pid":"1"})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"inspect","id":1})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"inspect","id":1,"pid":[1]})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"demo_start","id":1,"args":"--privileged"})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"demo_start","id":1,"args":[]})").code, err::BadRequest);
    // The version check names the request it refuses.
    auto e = bad(R"({"v":2,"type":"scan","id":77})");
    EXPECT_EQ(e.code, err::BadVersion);
    EXPECT_EQ(e.id, 77u);
}

TEST(RequestParser, RejectsNegativeAndHugeNumbers)
{
    EXPECT_EQ(bad(R"({"v":1,"type":"scan","id":-1})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"scan","id":9007199254740992})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"scan","id":18446744073709551616})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"scan","id":1e300})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"inspect","id":1,"pid":0})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"inspect","id":1,"pid":-5})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"inspect","id":1,"pid":4194305})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"inspect","id":1,"pid":18446744073709551615})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"inspect","id":1,"pid":-9223372036854775808})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"inspect","id":1,"pid":7,"start_time":0})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"inspect","id":1,"pid":7,"start_time":-1})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"inspect","id":1,"pid":7,"start_time":"12"})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"inspect","id":1,"pid":7,"start_time":1.5})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"inspect","id":1,"pid":7,"start_time":9007199254740992})").code,
              err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"subscribe","id":1,"interval_ms":99})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"subscribe","id":1,"interval_ms":0})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"subscribe","id":1,"interval_ms":-1000})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"subscribe","id":1,"interval_ms":600001})").code, err::BadRequest);
    EXPECT_EQ(bad(R"({"v":1,"type":"subscribe","id":1,"interval_ms":4294967396})").code, err::BadRequest);
    EXPECT_EQ(ok(R"({"v":1,"type":"subscribe","id":1,"interval_ms":100})").intervalMs, 100);
    EXPECT_EQ(ok(R"({"v":1,"type":"subscribe","id":1,"interval_ms":600000})").intervalMs, 600000);
}

TEST(RequestParser, RejectsBrokenJsonAndText)
{
    EXPECT_EQ(bad("").code, err::BadJson);
    EXPECT_EQ(bad("   ").code, err::BadJson);
    EXPECT_EQ(bad("hello").code, err::BadJson);
    EXPECT_EQ(bad(R"({"v":1,"type":"scan","id":1)").code, err::BadJson); // truncated
    EXPECT_EQ(bad(R"({"v":1,"type":"sc)").code, err::BadJson);
    EXPECT_EQ(bad(R"({"v":1,"type":"scan","id":1}{"v":1})").code, err::BadJson); // two documents
    EXPECT_EQ(bad(R"([{"v":1,"type":"scan","id":1}])").code, err::BadJson);
    EXPECT_EQ(bad("42").code, err::BadJson);
    EXPECT_EQ(bad("null").code, err::BadJson);
    EXPECT_EQ(bad(std::string("{\"v\":1,\"type\":\"scan\",\"id\":1}\0", 29)).code, err::BadJson);
    // Invalid UTF-8: a stray continuation byte, an overlong '/', a UTF-16 surrogate, a cut sequence.
    EXPECT_EQ(bad("{\"v\":1,\"type\":\"scan\",\"id\":1,\"x\":\"\x80\"}").code, err::BadUtf8);
    EXPECT_EQ(bad("{\"v\":1,\"type\":\"scan\",\"id\":1,\"x\":\"\xc0\xaf\"}").code, err::BadUtf8);
    EXPECT_EQ(bad("{\"v\":1,\"type\":\"scan\",\"id\":1,\"x\":\"\xed\xa0\x80\"}").code, err::BadUtf8);
    EXPECT_EQ(bad("{\"v\":1,\"type\":\"scan\",\"id\":1,\"x\":\"\xe2\x9c\"}").code, err::BadUtf8);
    EXPECT_EQ(bad("\xff\xfe{}").code, err::BadUtf8);
    // Deep nesting is refused before it costs anything.
    std::string deep(1000, '[');
    deep += std::string(1000, ']');
    EXPECT_EQ(bad("{\"v\":1,\"type\":\"demo_start\",\"id\":1,\"args\":{\"a\":" + deep + "}}").code,
              err::BadJson);
}

TEST(RequestParser, RejectsOversizeRequests)
{
    std::string big =
        R"({"v":1,"type":"demo_start","id":1,"args":{"x":")" + std::string(kMaxRequestBytes, 'a') + "\"}}";
    EXPECT_EQ(bad(big).code, err::TooLarge);
}

TEST(Utf8, Validator)
{
    EXPECT_TRUE(isValidUtf8(""));
    EXPECT_TRUE(isValidUtf8("plain"));
    EXPECT_TRUE(isValidUtf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
    EXPECT_TRUE(isValidUtf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF
    EXPECT_FALSE(isValidUtf8("\xf4\x90\x80\x80")); // past U+10FFFF
    EXPECT_FALSE(isValidUtf8("\xe0\x80\x80"));     // overlong
    EXPECT_FALSE(isValidUtf8("\xf8\x88\x80\x80\x80"));
    EXPECT_FALSE(isValidUtf8("\xc3"));
}

TEST(LineBuffer, SplitsAcrossFeeds)
{
    LineBuffer b(100);
    b.feed("ab");
    EXPECT_FALSE(b.next());
    b.feed("c\nde");
    auto l = b.next();
    ASSERT_TRUE(l);
    EXPECT_EQ(l->text, "abc");
    EXPECT_FALSE(b.next());
    EXPECT_EQ(b.pending(), 2u);
    b.feed("\n\n");
    EXPECT_EQ(b.next()->text, "de");
    EXPECT_EQ(b.next()->text, "");
    EXPECT_FALSE(b.next());
    EXPECT_TRUE(b.empty());
}

TEST(LineBuffer, DropsOversizeLinesWithoutHoldingThem)
{
    LineBuffer b(10);
    b.feed("short\n");
    auto first = b.next();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->text, "short");
    for (int i = 0; i < 1000; ++i) {
        b.feed(std::string(1000, 'x'));
        EXPECT_FALSE(b.next()) << "no complete line yet";
        // The oversize line is counted, not stored.
        EXPECT_LE(b.buffered(), 10u + 1000u);
    }
    b.feed("tail\nok\n");
    auto over = b.next();
    ASSERT_TRUE(over);
    EXPECT_TRUE(over->oversize);
    EXPECT_EQ(over->size, 1000u * 1000u + 4u);
    auto next = b.next();
    ASSERT_TRUE(next);
    EXPECT_FALSE(next->oversize);
    EXPECT_EQ(next->text, "ok");
}

TEST(LineBuffer, ExactlyAtTheCapIsAccepted)
{
    LineBuffer b(10);
    b.feed(std::string(10, 'a') + "\n" + std::string(11, 'b') + "\nc\n");
    EXPECT_EQ(b.next()->text, std::string(10, 'a'));
    EXPECT_TRUE(b.next()->oversize);
    EXPECT_EQ(b.next()->text, "c");
}
