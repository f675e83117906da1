// SPDX-License-Identifier: GPL-2.0-or-later
// The per-process file parsers discovery uses, fed broken input directly, and the readers.
#include "core/proc/procfiles.h"
#include "core/proc/procreader.h"

#include <cerrno>
#include <gtest/gtest.h>
#include <unistd.h>

using namespace nsviz;

TEST(ProcReaderStat, SplitsAtTheLastParenthesis)
{
    procparse::Stat f;
    ASSERT_TRUE(
        procparse::parseStat("42 (a) b) (c)) R 7 42 42 0 -1 4194560 1 2 3 4 5 6 7 8 20 0 1 0 987 0 0", f));
    EXPECT_EQ(f.comm, "a) b) (c)");
    EXPECT_EQ(f.state, 'R');
    EXPECT_EQ(f.ppid, 7);
    EXPECT_EQ(f.flags, 4194560u);
    EXPECT_EQ(f.startTime, 987u);
}

TEST(ProcReaderStat, EmptyNameAndNewlineAtTheEnd)
{
    procparse::Stat f;
    ASSERT_TRUE(procparse::parseStat("5 () S 1 5 5 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 12\n", f));
    EXPECT_EQ(f.comm, "");
    EXPECT_EQ(f.startTime, 12u);
}

TEST(ProcReaderStat, TruncatedKeepsWhatItHas)
{
    procparse::Stat f;
    EXPECT_FALSE(procparse::parseStat("102 (trunc) S 1 102", f));
    EXPECT_EQ(f.comm, "trunc");
    EXPECT_EQ(f.state, 'S');
    EXPECT_EQ(f.ppid, 1);
    EXPECT_EQ(f.startTime, 0u);
}

TEST(ProcReaderStat, Garbage)
{
    procparse::Stat f;
    EXPECT_FALSE(procparse::parseStat("", f));
    EXPECT_FALSE(procparse::parseStat("no parens at all", f));
    EXPECT_FALSE(procparse::parseStat("1 ) x (", f));
    EXPECT_FALSE(procparse::parseStat("1 (x) S notanumber 1", f));
    EXPECT_FALSE(procparse::parseStat("1 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 -5", f));
}

TEST(ProcReaderStatus, IdsAndNspid)
{
    procparse::Status f;
    procparse::parseStatus("Name:\tx\nUid:\t1000\t0\t0\t0\nGid:\t100\t100\t100\t100\nNSpid:\t4711\t12\t1\n",
                           f, procparse::StatusScope::Ids);
    ASSERT_TRUE(f.uid && f.gid);
    EXPECT_EQ(f.uid->real, 1000u);
    EXPECT_EQ(f.uid->effective, 0u);
    EXPECT_EQ(f.gid->real, 100u);
    EXPECT_EQ(f.nspid, (std::vector<int>{4711, 12, 1}));
    EXPECT_FALSE(f.name); // not asked for
}

TEST(ProcReaderStatus, GarbageNspidIsEmptyNotHalf)
{
    procparse::Status f;
    procparse::parseStatus("Uid:\t1\t1\t1\t1\nGid:\t1\t1\t1\t1\nNSpid:\t104 x7 !\n", f);
    EXPECT_TRUE(f.nspid.empty());
    procparse::parseStatus("NSpid:\t0\t-3\n", f);
    EXPECT_TRUE(f.nspid.empty());
    EXPECT_FALSE(f.uid || f.gid); // reset from the call before
    // A key that merely starts like another one must not match.
    procparse::parseStatus("NSpidX:\t9\nUidX:\t5\t5\t5\t5\n", f);
    EXPECT_TRUE(f.nspid.empty());
    EXPECT_FALSE(f.uid);
}

TEST(ProcReaderCmdline, Splits)
{
    using V = std::vector<std::string>;
    EXPECT_EQ(procparse::parseCmdline(std::string_view("a\0b c\0\0", 7)), (V{"a", "b c", ""}));
    EXPECT_EQ(procparse::parseCmdline(""), V{});
    // A process that rewrote its argv without NULs.
    EXPECT_EQ(procparse::parseCmdline("sshd: user [priv]"), (V{"sshd: user [priv]"}));
}

TEST(ProcReaderCgroup, PrefersV2)
{
    EXPECT_EQ(procparse::parseCgroupPath("0::/user.slice/a:b\n"), "/user.slice/a:b");
    EXPECT_EQ(procparse::parseCgroupPath("12:cpu,cpuacct:/x\n0::/y\n"), "/y");
    EXPECT_EQ(procparse::parseCgroupPath("12:cpu,cpuacct:/x\n1:name=systemd:/z\n"), "/x");
    EXPECT_EQ(procparse::parseCgroupPath("garbage\n"), "");
    EXPECT_EQ(procparse::parseCgroupPath(""), "");
}

TEST(ProcReaderNsLink, OnlyNamespaceLinks)
{
    NsType t;
    std::uint64_t ino = 0;
    ASSERT_TRUE(procparse::parseNsLink("net:[4026531840]", t, ino));
    EXPECT_EQ(t, NsType::Net);
    EXPECT_EQ(ino, 4026531840u);
    ASSERT_TRUE(procparse::parseNsLink("time:[4026531834]", t, ino));
    EXPECT_EQ(t, NsType::Time);
    EXPECT_FALSE(procparse::parseNsLink("socket:[12345]", t, ino));
    EXPECT_FALSE(procparse::parseNsLink("pipe:[1]", t, ino));
    EXPECT_FALSE(procparse::parseNsLink("anon_inode:[pidfd]", t, ino));
    EXPECT_FALSE(procparse::parseNsLink("/dev/null", t, ino));
    EXPECT_FALSE(procparse::parseNsLink("net:[]", t, ino));
    EXPECT_FALSE(procparse::parseNsLink("net:[0]", t, ino));
    EXPECT_FALSE(procparse::parseNsLink("net:[12x]", t, ino));
    EXPECT_FALSE(procparse::parseNsLink("net:[12", t, ino));
}

TEST(ProcReaderPid, OnlyPositiveDecimals)
{
    int pid = 0;
    EXPECT_TRUE(procparse::parsePid("4711", pid));
    EXPECT_EQ(pid, 4711);
    EXPECT_FALSE(procparse::parsePid("0", pid));
    EXPECT_FALSE(procparse::parsePid("self", pid));
    EXPECT_FALSE(procparse::parsePid("012", pid));
    EXPECT_FALSE(procparse::parsePid("12a", pid));
    EXPECT_FALSE(procparse::parsePid("99999999999999", pid));
    EXPECT_FALSE(procparse::parsePid("", pid));
}

TEST(ProcReaderFiles, ReadFileWholeAndCapped)
{
    const std::string stat = std::string(NSVIZ_TEST_DATA) + "/diff-proc/4242/stat";
    std::string text;
    ASSERT_EQ(ProcReader::readFile(stat, text), 0);
    EXPECT_EQ(procparse::parseStatStartTime(text), 987654u);
    EXPECT_EQ(ProcReader::readFile(stat, text, 10), EFBIG);
    EXPECT_EQ(text.size(), 10u); // what fits is kept
    EXPECT_EQ(ProcReader::readFile(std::string(NSVIZ_TEST_DATA) + "/no/such/file", text), ENOENT);
    EXPECT_TRUE(text.empty());
}

TEST(ProcReaderFiles, StartTimeCmdlineAndBootIdFromAProcRoot)
{
    const std::string root = std::string(NSVIZ_TEST_DATA) + "/diff-proc";
    EXPECT_EQ(ProcReader::startTime(4242, root), 987654u);
    EXPECT_FALSE(ProcReader::startTime(4243, root)); // truncated stat
    EXPECT_FALSE(ProcReader::startTime(999999, root));
    EXPECT_FALSE(ProcReader::startTime(0, root));
    EXPECT_EQ(ProcReader::cmdline(4242, root), (std::vector<std::string>{"my-app", "--port", "808 0"}));
    EXPECT_TRUE(ProcReader::cmdline(999999, root).empty());
    EXPECT_EQ(ProcReader::bootId(root), ""); // the fixture has none
}

TEST(ProcReaderFiles, LiveSelf)
{
    auto st = ProcReader::startTime(::getpid());
    ASSERT_TRUE(st);
    EXPECT_GT(*st, 0u);
    EXPECT_FALSE(ProcReader::cmdline(::getpid()).empty());
    EXPECT_EQ(ProcReader::bootId().size(), 36u); // a UUID, without the newline
}
