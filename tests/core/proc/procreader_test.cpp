// SPDX-License-Identifier: GPL-2.0-or-later
// The proc file parsers, fed broken input directly.
#include "core/proc/procreader.h"

#include <gtest/gtest.h>

using namespace nsviz;

TEST(ProcReaderStat, SplitsAtTheLastParenthesis)
{
    StatFields f;
    ASSERT_TRUE(
        ProcReader::parseStat("42 (a) b) (c)) R 7 42 42 0 -1 4194560 1 2 3 4 5 6 7 8 20 0 1 0 987 0 0", f));
    EXPECT_EQ(f.comm, "a) b) (c)");
    EXPECT_EQ(f.state, 'R');
    EXPECT_EQ(f.ppid, 7);
    EXPECT_EQ(f.flags, 4194560u);
    EXPECT_EQ(f.startTime, 987u);
}

TEST(ProcReaderStat, EmptyNameAndNewlineAtTheEnd)
{
    StatFields f;
    ASSERT_TRUE(ProcReader::parseStat("5 () S 1 5 5 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 12\n", f));
    EXPECT_EQ(f.comm, "");
    EXPECT_EQ(f.startTime, 12u);
}

TEST(ProcReaderStat, TruncatedKeepsWhatItHas)
{
    StatFields f;
    EXPECT_FALSE(ProcReader::parseStat("102 (trunc) S 1 102", f));
    EXPECT_EQ(f.comm, "trunc");
    EXPECT_EQ(f.state, 'S');
    EXPECT_EQ(f.ppid, 1);
    EXPECT_EQ(f.startTime, 0u);
}

TEST(ProcReaderStat, Garbage)
{
    StatFields f;
    EXPECT_FALSE(ProcReader::parseStat("", f));
    EXPECT_FALSE(ProcReader::parseStat("no parens at all", f));
    EXPECT_FALSE(ProcReader::parseStat("1 ) x (", f));
    EXPECT_FALSE(ProcReader::parseStat("1 (x) S notanumber 1", f));
    EXPECT_FALSE(ProcReader::parseStat("1 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 -5", f));
}

TEST(ProcReaderStatus, IdsAndNspid)
{
    StatusFields f;
    ProcReader::parseStatus("Name:\tx\nUid:\t1000\t0\t0\t0\nGid:\t100\t100\t100\t100\nNSpid:\t4711\t12\t1\n",
                            f);
    EXPECT_TRUE(f.haveIds);
    EXPECT_EQ(f.uid, 1000u);
    EXPECT_EQ(f.euid, 0u);
    EXPECT_EQ(f.gid, 100u);
    EXPECT_EQ(f.nspid, (std::vector<int>{4711, 12, 1}));
}

TEST(ProcReaderStatus, GarbageNspidIsEmptyNotHalf)
{
    StatusFields f;
    ProcReader::parseStatus("Uid:\t1\t1\t1\t1\nGid:\t1\t1\t1\t1\nNSpid:\t104 x7 !\n", f);
    EXPECT_TRUE(f.nspid.empty());
    ProcReader::parseStatus("NSpid:\t0\t-3\n", f);
    EXPECT_TRUE(f.nspid.empty());
    EXPECT_FALSE(f.haveIds);
    // A key that merely starts like another one must not match.
    ProcReader::parseStatus("NSpidX:\t9\nUidX:\t5\t5\n", f);
    EXPECT_TRUE(f.nspid.empty());
    EXPECT_EQ(f.uid, 0u);
}

TEST(ProcReaderCmdline, Splits)
{
    using V = std::vector<std::string>;
    EXPECT_EQ(ProcReader::parseCmdline(std::string_view("a\0b c\0\0", 7)), (V{"a", "b c", ""}));
    EXPECT_EQ(ProcReader::parseCmdline(""), V{});
    // A process that rewrote its argv without NULs.
    EXPECT_EQ(ProcReader::parseCmdline("sshd: user [priv]"), (V{"sshd: user [priv]"}));
}

TEST(ProcReaderCgroup, PrefersV2)
{
    EXPECT_EQ(ProcReader::parseCgroup("0::/user.slice/a:b\n"), "/user.slice/a:b");
    EXPECT_EQ(ProcReader::parseCgroup("12:cpu,cpuacct:/x\n0::/y\n"), "/y");
    EXPECT_EQ(ProcReader::parseCgroup("12:cpu,cpuacct:/x\n1:name=systemd:/z\n"), "/x");
    EXPECT_EQ(ProcReader::parseCgroup("garbage\n"), "");
    EXPECT_EQ(ProcReader::parseCgroup(""), "");
}

TEST(ProcReaderNsLink, OnlyNamespaceLinks)
{
    NsType t;
    std::uint64_t ino = 0;
    ASSERT_TRUE(ProcReader::parseNsLink("net:[4026531840]", t, ino));
    EXPECT_EQ(t, NsType::Net);
    EXPECT_EQ(ino, 4026531840u);
    ASSERT_TRUE(ProcReader::parseNsLink("time:[4026531834]", t, ino));
    EXPECT_EQ(t, NsType::Time);
    EXPECT_FALSE(ProcReader::parseNsLink("socket:[12345]", t, ino));
    EXPECT_FALSE(ProcReader::parseNsLink("pipe:[1]", t, ino));
    EXPECT_FALSE(ProcReader::parseNsLink("anon_inode:[pidfd]", t, ino));
    EXPECT_FALSE(ProcReader::parseNsLink("/dev/null", t, ino));
    EXPECT_FALSE(ProcReader::parseNsLink("net:[]", t, ino));
    EXPECT_FALSE(ProcReader::parseNsLink("net:[0]", t, ino));
    EXPECT_FALSE(ProcReader::parseNsLink("net:[12x]", t, ino));
    EXPECT_FALSE(ProcReader::parseNsLink("net:[12", t, ino));
}

TEST(ProcReaderPid, OnlyPositiveDecimals)
{
    int pid = 0;
    EXPECT_TRUE(ProcReader::parsePid("4711", pid));
    EXPECT_EQ(pid, 4711);
    EXPECT_FALSE(ProcReader::parsePid("0", pid));
    EXPECT_FALSE(ProcReader::parsePid("self", pid));
    EXPECT_FALSE(ProcReader::parsePid("012", pid));
    EXPECT_FALSE(ProcReader::parsePid("12a", pid));
    EXPECT_FALSE(ProcReader::parsePid("99999999999999", pid));
    EXPECT_FALSE(ProcReader::parsePid("", pid));
}
