// SPDX-License-Identifier: GPL-2.0-or-later
// /etc/subuid parsing and the choice of a demo's id range clear of it.
#include "helper/demo/demomanager.h"
#include "helper/demo/subid.h"

#include <gtest/gtest.h>

using namespace nsviz::helper;

TEST(SubIds, ParsesNamesUidsCommentsAndBlankLines)
{
    std::string error;
    auto r = parseSubIds("# comment\n\nalice:100000:65536\n1001:165536:65536\r\nsvc-x_1:4294901760:65536\n",
                         error);
    EXPECT_EQ(error, "");
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0].owner, "alice");
    EXPECT_EQ(r[0].start, 100000u);
    EXPECT_EQ(r[0].count, 65536u);
    EXPECT_EQ(r[1].owner, "1001");
    EXPECT_EQ(r[1].start, 165536u);
    EXPECT_EQ(r[2].start + r[2].count, 1ull << 32);
}

TEST(SubIds, MalformedLinesAreErrorsNamingTheLine)
{
    for (const char *bad : {"alice:100000\n", "alice:1:2:3\n", ":100000:65536\n", "alice:x:65536\n",
                            "alice:100000:-1\n", "alice:100000:0\n", "alice:4294967295:2\n", "al ice:1:2\n",
                            "alice: 1:2\n", "alice:99999999999:1\n"}) {
        std::string error;
        parseSubIds(std::string("ok:1:1\n") + bad, error);
        EXPECT_NE(error.find("line 2"), std::string::npos) << bad << " -> " << error;
    }
}

TEST(SubIds, MissingFileIsNoRangesUnreadableIsAnError)
{
    std::string error;
    EXPECT_TRUE(readSubIds("/nonexistent/subuid", error).empty());
    EXPECT_EQ(error, "");
    readSubIds("/", error); // a directory: exists, cannot be read as a file
    EXPECT_NE(error.find("/: "), std::string::npos) << error;
}

TEST(DemoIdBase, AvoidsEveryListedRangeAndOtherDemos)
{
    // Debian's defaults: useradd hands out 100000:65536, 165536:65536, ...
    std::vector<SubIdRange> taken = {
        {"alice", 100000, 65536}, {"1001", 165536, 65536}, {"bob", 231072, 65536}};
    std::uint32_t base = chooseDemoIdBase(taken);
    for (const auto &r : taken)
        EXPECT_FALSE(r.overlaps(base, kDemoIdRange)) << base;
    EXPECT_GE(base, kDemoIdSearchStart);
    taken.push_back({"demo", base, kDemoIdRange});
    std::uint32_t second = chooseDemoIdBase(taken);
    for (const auto &r : taken)
        EXPECT_FALSE(r.overlaps(second, kDemoIdRange)) << second;
    // Empty: the search start itself.
    EXPECT_EQ(chooseDemoIdBase({}), kDemoIdSearchStart);
    // A gap too small is skipped.
    EXPECT_GE(chooseDemoIdBase({{"a", 100000, 1}, {"b", 100002, 65536}}), 100002u + 65536u);
}

TEST(DemoIdBase, NoFreeRangeIsAClearLimitError)
{
    try {
        chooseDemoIdBase({{"everyone", 0, 4294967295ull}});
        ADD_FAILURE() << "a range was found in a full id space";
    } catch (const DemoError &e) {
        EXPECT_EQ(e.code(), "limit");
        EXPECT_NE(std::string(e.what()).find("no free range"), std::string::npos) << e.what();
    }
    // Free space only below the search start does not count.
    EXPECT_THROW(chooseDemoIdBase({{"x", 100000, 4294967295ull - 100000}}), DemoError);
}
