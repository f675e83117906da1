// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/demo/demospec.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sched.h>

using namespace nsviz;
using nlohmann::json;

TEST(DemoSpec, DefaultsAreAllFreshOneHour)
{
    auto r = demoSpecFromArgs({}, std::nullopt, std::nullopt);
    ASSERT_TRUE(r) << r.error;
    for (NsType t : kAllNsTypes)
        EXPECT_TRUE(r.spec->isFresh(t)) << nsTypeName(t);
    EXPECT_EQ(r.spec->lifetimeSec, 3600u);
    EXPECT_TRUE(r.spec->hostname.empty());
    EXPECT_TRUE(r.spec->sharedNames().empty());
    EXPECT_EQ(r.spec->cloneFlags() & CLONE_NEWNET, CLONE_NEWNET);
    EXPECT_EQ(defaultDemoHostname(3), "nsviz-demo-3");
}

TEST(DemoSpec, ShareListsCommaSeparatedAndRepeated)
{
    auto r = demoSpecFromArgs({"net,ipc", "time"}, std::string("box1"), 60);
    ASSERT_TRUE(r) << r.error;
    EXPECT_FALSE(r.spec->isFresh(NsType::Net));
    EXPECT_FALSE(r.spec->isFresh(NsType::Ipc));
    EXPECT_FALSE(r.spec->isFresh(NsType::Time));
    EXPECT_TRUE(r.spec->isFresh(NsType::Uts));
    EXPECT_EQ(r.spec->cloneFlags() & CLONE_NEWNET, 0);
    EXPECT_EQ(r.spec->sharedNames(), (std::vector<std::string>{"net", "ipc", "time"}));
    EXPECT_EQ(r.spec->hostname, "box1");
    EXPECT_EQ(r.spec->lifetimeSec, 60u);
}

TEST(DemoSpec, UnknownTypeRefusedByName)
{
    auto r = demoSpecFromArgs({"net,bogus"}, std::nullopt, std::nullopt);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error.find("unknown namespace type 'bogus'"), std::string::npos) << r.error;
    EXPECT_NE(r.error.find("known: mnt, pid, net"), std::string::npos) << r.error;
    EXPECT_FALSE(demoSpecFromArgs({"net,"}, std::nullopt, std::nullopt));
    EXPECT_FALSE(demoSpecFromArgs({""}, std::nullopt, std::nullopt));
    EXPECT_FALSE(demoSpecFromArgs({"NET"}, std::nullopt, std::nullopt)); // kernel names are lower case
}

TEST(DemoSpec, HostnameRules)
{
    EXPECT_EQ(hostnameError("nsviz-demo-1"), "");
    EXPECT_EQ(hostnameError("a.b-c.D9"), "");
    EXPECT_EQ(hostnameError("1abc"), ""); // RFC 1123 allows a leading digit
    EXPECT_EQ(hostnameError(std::string(63, 'a')), "");
    EXPECT_EQ(hostnameError(std::string(62, 'a') + ".b"), ""); // 64 bytes in all
}

TEST(DemoSpec, HostnameRefusals)
{
    EXPECT_NE(hostnameError(""), "");
    EXPECT_NE(hostnameError("a/b").find("'/'"), std::string::npos) << hostnameError("a/b");
    EXPECT_NE(hostnameError(std::string(300, 'a')).find("300 bytes"), std::string::npos);
    EXPECT_NE(hostnameError(std::string(64, 'a')).find("label longer than 63"), std::string::npos);
    EXPECT_NE(hostnameError("-abc"), "");
    EXPECT_NE(hostnameError("abc-"), "");
    EXPECT_NE(hostnameError("a..b"), "");
    EXPECT_NE(hostnameError(".abc"), "");
    EXPECT_NE(hostnameError("a b"), "");
    EXPECT_NE(hostnameError("a_b"), "");
    EXPECT_NE(hostnameError(std::string("a\0b", 3)), "");
    EXPECT_NE(hostnameError("caf\xc3\xa9"), "");
    // The message stays one line even for a hostile name.
    std::string e = hostnameError("a\nb");
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
    EXPECT_NE(e.find("\\x0a"), std::string::npos) << e;
    auto r = demoSpecFromArgs({}, std::string(300, 'x'), std::nullopt);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error.find("at most 64"), std::string::npos) << r.error;
}

TEST(DemoSpec, HostnameLimitIs64Bytes)
{
    std::string h64 = std::string(63, 'a') + "b"; // one 64-byte label: too long a label
    EXPECT_NE(hostnameError(h64), "");
    std::string ok64 = std::string(31, 'a') + "." + std::string(32, 'b');
    ASSERT_EQ(ok64.size(), 64u);
    EXPECT_EQ(hostnameError(ok64), "");
    std::string over = std::string(32, 'a') + "." + std::string(32, 'b');
    ASSERT_EQ(over.size(), 65u);
    EXPECT_NE(hostnameError(over).find("65 bytes"), std::string::npos);
}

TEST(DemoSpec, LifetimeBounds)
{
    EXPECT_TRUE(demoSpecFromArgs({}, std::nullopt, 1));
    EXPECT_TRUE(demoSpecFromArgs({}, std::nullopt, 86400));
    auto zero = demoSpecFromArgs({}, std::nullopt, 0);
    ASSERT_FALSE(zero);
    EXPECT_NE(zero.error.find("at least 1 second"), std::string::npos) << zero.error;
    EXPECT_FALSE(demoSpecFromArgs({}, std::nullopt, -5));
    auto huge = demoSpecFromArgs({}, std::nullopt, 86401);
    ASSERT_FALSE(huge);
    EXPECT_NE(huge.error.find("at most 86400"), std::string::npos) << huge.error;
    EXPECT_FALSE(demoSpecFromArgs({}, std::nullopt, 1LL << 40));
}

TEST(DemoSpec, Combinations)
{
    auto r = demoSpecFromArgs({"uts"}, std::string("myname"), std::nullopt);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error.find("fresh uts"), std::string::npos) << r.error;
    EXPECT_TRUE(demoSpecFromArgs({"uts"}, std::nullopt, std::nullopt)); // default name is then unused
    auto all = demoSpecFromArgs({"mnt,pid,net,uts,ipc,user,cgroup,time"}, std::nullopt, std::nullopt);
    ASSERT_FALSE(all);
    EXPECT_NE(all.error.find("at least one"), std::string::npos);
}

TEST(DemoSpec, FromJson)
{
    auto r = demoSpecFromJson(json::parse(R"({"share":["net","user"],"hostname":"web","lifetime":120})"));
    ASSERT_TRUE(r) << r.error;
    EXPECT_FALSE(r.spec->isFresh(NsType::Net));
    EXPECT_FALSE(r.spec->isFresh(NsType::User));
    EXPECT_EQ(r.spec->hostname, "web");
    EXPECT_EQ(r.spec->lifetimeSec, 120u);
    EXPECT_TRUE(demoSpecFromJson(json::object()));
    // Round trip.
    auto back = demoSpecFromJson(demoSpecToJson(*r.spec));
    ASSERT_TRUE(back) << back.error;
    EXPECT_EQ(back.spec->fresh, r.spec->fresh);
    EXPECT_EQ(back.spec->hostname, "web");
    EXPECT_EQ(back.spec->lifetimeSec, 120u);
}

TEST(DemoSpec, FromJsonRefusals)
{
    auto err = [](const char *text) {
        auto r = demoSpecFromJson(json::parse(text));
        EXPECT_FALSE(r) << text;
        return r.error;
    };
    EXPECT_NE(err(R"([])").find("object"), std::string::npos);
    EXPECT_NE(err(R"({"command":"sh"})").find("unknown key 'command'"), std::string::npos);
    EXPECT_NE(err(R"({"share":"net"})").find("array"), std::string::npos);
    EXPECT_NE(err(R"({"share":[1]})").find("array"), std::string::npos);
    EXPECT_NE(err(R"({"share":["net,uts"]})").find("unknown namespace type"), std::string::npos);
    EXPECT_NE(err(R"({"share":["bogus"]})").find("'bogus'"), std::string::npos);
    EXPECT_NE(err(R"({"hostname":5})").find("string"), std::string::npos);
    EXPECT_NE(err(R"({"hostname":"a/b"})").find("'/'"), std::string::npos);
    EXPECT_NE(err(R"({"lifetime":0})").find("at least 1"), std::string::npos);
    EXPECT_NE(err(R"({"lifetime":-1})").find("at least 1"), std::string::npos);
    EXPECT_NE(err(R"({"lifetime":18446744073709551615})").find("at most"), std::string::npos);
    EXPECT_NE(err(R"({"lifetime":1.5})").find("integer"), std::string::npos);
    EXPECT_NE(err(R"({"lifetime":"60"})").find("integer"), std::string::npos);
    EXPECT_NE(err(R"({"lifetime":true})").find("integer"), std::string::npos);
    EXPECT_FALSE(demoSpecFromJson(json::parse(R"({"hostname":")" + std::string(300, 'a') + R"("})")));
}
