// SPDX-License-Identifier: GPL-2.0-or-later
// The typed /proc parsers on malformed input: empty, truncated, garbage, very long, hostile names.
// Well-formed input is covered on real-shaped fixtures in procparsers_test and procreader_test.
#include "core/proc/netfiles.h"
#include "core/proc/procfiles.h"
#include "core/proc/sysvipcfiles.h"

#include <gtest/gtest.h>
#include <string>

using namespace nsviz;
using namespace nsviz::procparse;

namespace
{
// 52 fields, as a 6.x kernel prints them; @p comm goes between the parentheses.
std::string statLine(const std::string &comm, const std::string &startTime = "4711")
{
    return "123 (" + comm + ") S 1 123 123 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 " + startTime +
           " 1000 100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
}
} // namespace

TEST(ProcFilesStat, HostileNames)
{
    Stat s;
    for (const std::string comm : {"", " ", ")", "((", ") S 9 9 9", "a) (b", "x)) ) R 1", "tab\tname"}) {
        ASSERT_TRUE(parseStat(statLine(comm), s)) << comm;
        EXPECT_EQ(s.comm, comm);
        EXPECT_EQ(s.state, 'S') << comm;
        EXPECT_EQ(s.ppid, 1) << comm;
        EXPECT_EQ(s.startTime, 4711u) << comm;
        EXPECT_EQ(parseStatStartTime(statLine(comm)), 4711u) << comm;
    }
}

TEST(ProcFilesStat, TruncatedAtEveryLength)
{
    const std::string full = statLine("sh");
    Stat s;
    // Any cut before the start time fails, none crashes; the cut inside the start time fails
    // only when it leaves no digit.
    const std::size_t startPos = full.find(" 4711 ") + 1;
    for (std::size_t n = 0; n < full.size(); ++n) {
        bool ok = parseStat(std::string_view(full).substr(0, n), s);
        EXPECT_EQ(ok, n > startPos) << n;
        EXPECT_EQ(parseStatStartTime(std::string_view(full).substr(0, n)).has_value(), ok) << n;
    }
}

TEST(ProcFilesStat, GarbageAndLongLines)
{
    Stat s;
    EXPECT_FALSE(parseStat("\n", s));
    EXPECT_FALSE(parseStat(std::string(100000, ')'), s));
    EXPECT_FALSE(parseStat(std::string(100000, '('), s));
    EXPECT_FALSE(parseStat("1 (x) S 1 1 1 0 -1 notflags 0 0 0 0 0 0 0 0 20 0 1 0 5", s));
    EXPECT_FALSE(parseStat(statLine("x", "99999999999999999999999"), s)); // start time overflows
    EXPECT_FALSE(parseStat(statLine("x", "12x"), s));
    // A 64 KiB name still parses; the parser keeps its buffer for the next call.
    ASSERT_TRUE(parseStat(statLine(std::string(65536, 'n')), s));
    EXPECT_EQ(s.comm.size(), 65536u);
    ASSERT_TRUE(parseStat(statLine("short"), s));
    EXPECT_EQ(s.comm, "short");
    EXPECT_FALSE(parseStat("1 ) x (", s));
    EXPECT_TRUE(s.comm.empty()); // reset, not left from the call before
}

TEST(ProcFilesStatus, EmptyAndGarbage)
{
    Status s;
    parseStatus("", s);
    EXPECT_FALSE(s.name || s.uid || s.gid || s.noNewPrivs || s.seccomp || s.seccompFilters);
    EXPECT_TRUE(s.nspid.empty());
    parseStatus("garbage\n\n:::\n\0\0\n", s);
    EXPECT_FALSE(s.name || s.uid);
    parseStatus(std::string(1 << 20, 'x'), s); // one very long line without a colon
    EXPECT_FALSE(s.uid);
}

TEST(ProcFilesStatus, WrongIdCounts)
{
    Status s;
    parseStatus("Uid:\t1\t2\t3\nGid:\t1\t2\t3\t4\t5\n", s);
    EXPECT_FALSE(s.uid); // three ids: not a Uid line
    EXPECT_FALSE(s.gid); // five
    parseStatus("Uid:\t1\t2\t3\tx\n", s);
    EXPECT_FALSE(s.uid);
    parseStatus("Uid:\t-1\t0\t0\t0\n", s);
    EXPECT_FALSE(s.uid);
    parseStatus("Uid:\t4294967295\t0\t0\t0\n", s);
    ASSERT_TRUE(s.uid);
    EXPECT_EQ(s.uid->real, 4294967295u);
    parseStatus("Uid:\t4294967296\t0\t0\t0\n", s); // does not fit a uid
    EXPECT_FALSE(s.uid);
}

TEST(ProcFilesStatus, NameWithSpacesAndColons)
{
    Status s;
    parseStatus("Name:\tmy: (odd) app \nUid:\t0\t0\t0\t0\n", s);
    ASSERT_TRUE(s.name);
    EXPECT_EQ(*s.name, "my: (odd) app");
    parseStatus("Name:\n", s);
    ASSERT_TRUE(s.name); // present but empty: a process may have an empty name
    EXPECT_EQ(*s.name, "");
}

TEST(ProcFilesStatus, CapsSeccompAndScope)
{
    const std::string text = "Name:\tx\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nNSpid:\t9\n"
                             "CapInh:\t0000000000000000\nCapPrm:\tzz\nCapEff:\t00000000a80425fb\n"
                             "CapBnd:\t000001ffffffffff\nCapAmb:\t10000000000000000\n"
                             "NoNewPrivs:\t1\nSeccomp:\t7\nSeccomp_filters:\tx\n";
    Status s;
    parseStatus(text, s);
    EXPECT_EQ(s.caps[std::size_t(CapSet::Inheritable)], 0u);
    EXPECT_FALSE(s.caps[std::size_t(CapSet::Permitted)]);
    EXPECT_EQ(s.caps[std::size_t(CapSet::Effective)], 0xa80425fbu);
    EXPECT_EQ(s.caps[std::size_t(CapSet::Bounding)], 0x1ffffffffffu);
    EXPECT_FALSE(s.caps[std::size_t(CapSet::Ambient)]); // 17 digits
    EXPECT_EQ(s.noNewPrivs, true);
    EXPECT_EQ(s.seccomp, 7); // unknown modes are kept; what they mean is the caller's business
    EXPECT_FALSE(s.seccompFilters);
    // The discovery scope stops after the ids: nothing else is filled in.
    parseStatus(text, s, StatusScope::Ids);
    EXPECT_TRUE(s.uid && s.gid);
    EXPECT_EQ(s.nspid, std::vector<int>{9});
    EXPECT_FALSE(s.name || s.noNewPrivs || s.caps[std::size_t(CapSet::Effective)]);
}

TEST(ProcFilesStatus, NspidEdgeCases)
{
    Status s;
    parseStatus("NSpid:\n", s);
    EXPECT_TRUE(s.nspid.empty());
    parseStatus("NSpid:\t1\t99999999999\n", s); // overflow: no half chain
    EXPECT_TRUE(s.nspid.empty());
    parseStatus("NSpid:\t5 6 7\n", s); // spaces instead of tabs are fine
    EXPECT_EQ(s.nspid, (std::vector<int>{5, 6, 7}));
}

TEST(ProcFilesCapNames, UnknownBitsAreNumbered)
{
    auto names = capNames(std::uint64_t(1) << 63);
    ASSERT_EQ(names.size(), 1u);
    EXPECT_EQ(names[0], "63");
    EXPECT_EQ(capNames(~std::uint64_t(0)).size(), 64u);
}

TEST(ProcFilesIdMap, Malformed)
{
    EXPECT_TRUE(parseIdMap("garbage\n").empty());
    EXPECT_TRUE(parseIdMap("0 1\n").empty());            // truncated
    EXPECT_TRUE(parseIdMap("0 1 2 3\n").empty());        // too many
    EXPECT_TRUE(parseIdMap("0 -1 2\n").empty());         // negative
    EXPECT_TRUE(parseIdMap("0 4294967296 1\n").empty()); // too large
    auto m = parseIdMap("         0       1000          1\nbroken\n         1     100000      65536");
    ASSERT_EQ(m.size(), 2u); // the last line has no newline
    EXPECT_EQ(m[1].outside, 100000u);
}

TEST(ProcFilesTimens, Malformed)
{
    EXPECT_TRUE(parseTimensOffsets("").empty());
    EXPECT_TRUE(parseTimensOffsets("monotonic 5\n").empty());
    EXPECT_TRUE(parseTimensOffsets("monotonic x 0\n").empty());
    auto t = parseTimensOffsets("7 -1 999999999\nboottime 2 0 extra\n");
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0].clock, "boottime");
    EXPECT_EQ(t[0].seconds, -1);
}

TEST(ProcFilesCgroup, Malformed)
{
    EXPECT_EQ(parseCgroupPath("0:"), "");
    EXPECT_EQ(parseCgroupPath("0::"), "");                  // v2 line with an empty path
    EXPECT_EQ(parseCgroupPath("0::/a b\n"), "/a b");        // paths may hold spaces
    EXPECT_EQ(parseCgroupPath("00::/not-v2\n"), "/not-v2"); // "00" is not hierarchy 0, but a first line
    EXPECT_EQ(parseCgroupPath(std::string(100000, ':')), std::string(99998, ':'));
}

TEST(ProcFilesCmdline, Edges)
{
    using V = std::vector<std::string>;
    EXPECT_EQ(parseCmdline(std::string_view("\0", 1)), V{""});
    EXPECT_EQ(parseCmdline(std::string_view("a\0\0b", 4)), (V{"a", "", "b"}));
    // A runaway argument is kept up to the byte cap (issue 11: bounded work for any input).
    bool cut = false;
    EXPECT_EQ(parseCmdline(std::string(200000, 'a'), &cut).at(0).size(), kMaxCmdlineBytes);
    EXPECT_TRUE(cut);
}

TEST(NetFiles, MalformedLinesAreSkipped)
{
    EXPECT_TRUE(parseNetDev("").empty());
    EXPECT_TRUE(parseNetDev("eth0: 1 2 3\n").empty());                               // truncated counters
    EXPECT_TRUE(parseNetDev(":  1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n").empty()); // no name
    auto d = parseNetDev("  my if: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n");
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].name, "my if");
    EXPECT_EQ(d[0].txBytes, 9u);
    EXPECT_TRUE(parseIfInet6("00000000000000000000000000000001 01 80 10 80\n").empty()); // no name
    EXPECT_TRUE(parseIfInet6("0000000000000000000000000000000g 01 80 10 80 lo\n").empty());
    EXPECT_TRUE(parseIfInet6("0001 01 80 10 80 lo\n").empty()); // short address
    // The route header is skipped even when it is all there is; a garbage line too.
    EXPECT_TRUE(parseRoute("Iface\tDestination\tGateway\n").empty());
    EXPECT_TRUE(parseRoute("Iface\nlo\t0000000G\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n").empty());
    EXPECT_TRUE(parseIpv6Route("short line\n").empty());
    const std::string tcpHeader =
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
        "timeout inode\n";
    EXPECT_TRUE(parseListeningSockets(tcpHeader, SocketProto::Tcp).empty());
    EXPECT_TRUE(
        parseListeningSockets(tcpHeader + "   0: 0100007F 00000000:0000 0A\n", SocketProto::Tcp).empty());
    EXPECT_TRUE(parseListeningSockets(tcpHeader + "   0: 0100007F:zz 00000000:0000 0A 0:0 00:0 0 0 0 1\n",
                                      SocketProto::Tcp)
                    .empty());
    auto t = parseListeningSockets(tcpHeader + "   0: 0100007F:0035 00000000:0000 0A 0:0 00:0 0 101 0 77\n",
                                   SocketProto::Tcp);
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0].address, "127.0.0.1");
    EXPECT_EQ(t[0].port, 53);
    EXPECT_STREQ(socketProtoName(SocketProto::Udp6), "udp6");
}

TEST(SysvipcFiles, MalformedLinesAreSkipped)
{
    const std::string head =
        "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  "
        "cuid  cgid      atime      dtime      ctime                   rss                  swap\n";
    EXPECT_TRUE(parseSysvipc("", SysvIpcKind::Shm).empty());
    EXPECT_TRUE(parseSysvipc(head, SysvIpcKind::Shm).empty());
    EXPECT_TRUE(parseSysvipc(head + "1 2 3\n", SysvIpcKind::Shm).empty()); // truncated
    EXPECT_TRUE(parseSysvipc(head + "x 1 666 4096 1 1 0 0 0 0 0 0 0 0 4096 0\n", SysvIpcKind::Shm).empty());
    EXPECT_TRUE(parseSysvipc(head + "1 1 999 4096 1 1 0 0 0 0 0 0 0 0 4096 0\n", SysvIpcKind::Shm).empty())
        << "perms are octal";
    auto ok = parseSysvipc(head + "1 1 666 notanumber 1 1 0 0 0 0 0 0 0 0 4096 0\n", SysvIpcKind::Shm);
    ASSERT_EQ(ok.size(), 1u);
    EXPECT_FALSE(ok[0].extra); // a bad extra column drops only the extra
    // More columns than the parser holds: nothing, rather than a wrong column.
    std::string wide;
    for (int i = 0; i < 40; ++i)
        wide += "c" + std::to_string(i) + " ";
    EXPECT_TRUE(parseSysvipc(wide + "\n", SysvIpcKind::Msg).empty());
}
