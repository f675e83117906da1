// SPDX-License-Identifier: GPL-2.0-or-later
// The one text splitter of core/proc: lines, fields, key:value, numbers.
#include "core/proc/textsplit.h"

#include <gtest/gtest.h>
#include <string>
#include <vector>

using namespace nsviz;
using V = std::vector<std::string>;

namespace
{
V collect(const text::Split &s)
{
    V out;
    for (std::string_view piece : s)
        out.emplace_back(piece);
    return out;
}

V collect(const text::Fields &f)
{
    V out;
    for (std::string_view piece : f)
        out.emplace_back(piece);
    return out;
}
} // namespace

TEST(TextSplit, Lines)
{
    EXPECT_EQ(collect(text::lines("")), V{});
    EXPECT_EQ(collect(text::lines("a")), V{"a"});                   // no newline at the end
    EXPECT_EQ(collect(text::lines("a\n")), V{"a"});                 // a trailing newline ends the last line
    EXPECT_EQ(collect(text::lines("a\n\nb\n")), (V{"a", "", "b"})); // empty lines in between are kept
    EXPECT_EQ(collect(text::lines("\n")), V{""});
    EXPECT_EQ(collect(text::lines("\n\n")), (V{"", ""}));
    EXPECT_EQ(collect(text::lines("x\r\ny")), (V{"x\r", "y"})); // only '\n' splits
    EXPECT_TRUE(text::lines("").empty());
}

TEST(TextSplit, LinesAreViewsIntoTheText)
{
    const std::string text = "first\nsecond\n";
    auto lines = text::lines(text);
    auto it = lines.begin();
    EXPECT_EQ((*it).data(), text.data());
    ++it;
    EXPECT_EQ((*it).data(), text.data() + 6);
    EXPECT_EQ(*it++, "second");
    EXPECT_EQ(it, lines.end());
}

TEST(TextSplit, VeryLongLine)
{
    std::string text(1 << 20, 'x');
    text += "\nshort";
    V got = collect(text::lines(text));
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].size(), std::size_t(1) << 20);
    EXPECT_EQ(got[1], "short");
}

TEST(TextSplit, NulSeparated)
{
    EXPECT_EQ(collect(text::nulSeparated(std::string_view("a\0b c\0\0", 7))), (V{"a", "b c", ""}));
    EXPECT_EQ(collect(text::nulSeparated(std::string_view("\0", 1))), V{""});
    EXPECT_EQ(collect(text::nulSeparated("no nul at all")), V{"no nul at all"});
}

TEST(TextSplit, Fields)
{
    EXPECT_EQ(collect(text::fields("")), V{});
    EXPECT_EQ(collect(text::fields(" \t \n")), V{});
    EXPECT_EQ(collect(text::fields("a")), V{"a"});
    EXPECT_EQ(collect(text::fields("  a \t b\t\tc  ")), (V{"a", "b", "c"}));
    EXPECT_EQ(collect(text::fields("a\r\n")), V{"a"});
}

TEST(TextSplit, NextFieldCursor)
{
    std::string_view s = " 12  ab\tc\n";
    std::size_t pos = 0;
    EXPECT_EQ(text::nextField(s, pos), "12");
    EXPECT_EQ(text::nextField(s, pos), "ab");
    EXPECT_EQ(text::nextField(s, pos), "c");
    EXPECT_EQ(text::nextField(s, pos), "");
    EXPECT_EQ(text::nextField(s, pos), ""); // stays at the end
    EXPECT_EQ(pos, s.size());
}

TEST(TextSplit, SplitFieldsCountsBeyondTheArray)
{
    std::array<std::string_view, 3> f;
    EXPECT_EQ(text::splitFields("0 100000 65536", f), 3u);
    EXPECT_EQ(f[1], "100000");
    EXPECT_EQ(text::splitFields("a b c d e", f), 5u); // more than fit: the count says so
    EXPECT_EQ(f[2], "c");
    EXPECT_EQ(text::splitFields("", f), 0u);
    EXPECT_EQ(text::splitFields("one", f), 1u);
}

TEST(TextSplit, KeyValue)
{
    std::string_view k, v;
    ASSERT_TRUE(text::splitKeyValue("Uid:\t0\t0\t0\t0", k, v));
    EXPECT_EQ(k, "Uid");
    EXPECT_EQ(v, "0\t0\t0\t0");
    ASSERT_TRUE(text::splitKeyValue("Name:", k, v));
    EXPECT_EQ(k, "Name");
    EXPECT_EQ(v, "");
    ASSERT_TRUE(text::splitKeyValue("Name:\tweird: name \t", k, v)); // only the first ':' splits
    EXPECT_EQ(v, "weird: name");
    EXPECT_FALSE(text::splitKeyValue("no colon here", k, v));
    EXPECT_FALSE(text::splitKeyValue("", k, v));
}

TEST(TextSplit, Trim)
{
    EXPECT_EQ(text::trim(""), "");
    EXPECT_EQ(text::trim(" \t\n"), "");
    EXPECT_EQ(text::trim("\t a b \r\n"), "a b");
}

TEST(TextSplit, Numbers)
{
    int i = 0;
    EXPECT_TRUE(text::parseNumber("42", i));
    EXPECT_EQ(i, 42);
    EXPECT_TRUE(text::parseNumber("-7", i));
    EXPECT_EQ(i, -7);
    EXPECT_FALSE(text::parseNumber("", i));
    EXPECT_FALSE(text::parseNumber(" 1", i));
    EXPECT_FALSE(text::parseNumber("1 ", i));
    EXPECT_FALSE(text::parseNumber("1x", i));
    EXPECT_FALSE(text::parseNumber("99999999999", i)); // overflow
    unsigned u = 0;
    EXPECT_FALSE(text::parseNumber("-1", u));
    EXPECT_TRUE(text::parseNumber("ff", u, 16));
    EXPECT_EQ(u, 255u);
    EXPECT_EQ(text::number<std::uint64_t>("18446744073709551615"), UINT64_MAX);
    EXPECT_FALSE(text::number<std::uint64_t>("18446744073709551616"));
    EXPECT_EQ(text::number<int>("777", 8), 511);
}
