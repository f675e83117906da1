// SPDX-License-Identifier: GPL-2.0-or-later
// The /proc parsers behind the diff, on fixture files in tests/data/diff-*, and the JSON the
// inspector makes of them.
#include "core/inspect/findings.h"
#include "core/inspect/inspectjson.h"
#include "core/inspect/inspector.h"
#include "core/proc/mountinfo.h"
#include "core/proc/netfiles.h"
#include "core/proc/procfiles.h"
#include "core/proc/sysvipcfiles.h"

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

using namespace nsviz;
using nlohmann::json;

namespace
{
const std::string kProc = std::string(NSVIZ_TEST_DATA) + "/diff-proc";

std::string fixture(const std::string &rel)
{
    std::ifstream f(std::string(NSVIZ_TEST_DATA) + "/" + rel);
    EXPECT_TRUE(f) << rel;
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}
} // namespace

TEST(DiffParsers, StatusFields)
{
    procparse::Status st;
    procparse::parseStatus(fixture("diff-proc/4242/status"), st);
    ASSERT_TRUE(st.name && st.uid && st.noNewPrivs && st.seccomp && st.seccompFilters);
    EXPECT_EQ(*st.name, "my (weird) app");
    EXPECT_EQ(st.nspid, (std::vector<int>{4242, 7, 1}));
    EXPECT_EQ(st.seccompFilters, 1);
    EXPECT_EQ(st.caps[std::size_t(procparse::CapSet::Effective)], 0xa80425fbu);

    // The wire shape, made in core/inspect from the typed result.
    json s = inspectjson::statusFromText(fixture("diff-proc/4242/status"));
    EXPECT_EQ(s["name"], "my (weird) app");
    EXPECT_EQ(s["uid"], json({0, 0, 0, 0}));
    EXPECT_EQ(s["nspid"], json({4242, 7, 1}));
    EXPECT_EQ(s["noNewPrivs"], true);
    EXPECT_EQ(s["seccomp"]["mode"], "filter");
    EXPECT_EQ(s["seccomp"]["filters"], 1);
    EXPECT_EQ(s["capsHex"]["bounding"], "00000000a82425fb"); // as the kernel prints it
    // 0xa80425fb is exactly docker's default set.
    std::vector<std::string> eff = s["caps"]["effective"];
    std::vector<std::string> dflt = defaultContainerCapabilities();
    std::sort(eff.begin(), eff.end());
    std::sort(dflt.begin(), dflt.end());
    EXPECT_EQ(eff, dflt);
    std::vector<std::string> bnd = s["caps"]["bounding"];
    EXPECT_NE(std::find(bnd.begin(), bnd.end(), "cap_sys_admin"), bnd.end());
    EXPECT_EQ(bnd.size(), 15u);
    EXPECT_TRUE(s["caps"]["ambient"].empty());
}

TEST(DiffParsers, GarbageStatusGivesNothingWrong)
{
    json s = inspectjson::statusFromText(fixture("diff-proc/4243/status"));
    EXPECT_FALSE(s.contains("uid"));
    EXPECT_FALSE(s.contains("nspid")); // "1 banana" is not a chain
    EXPECT_FALSE(s.contains("caps"));
    EXPECT_FALSE(procparse::parseCapMask("zz"));
    EXPECT_FALSE(procparse::parseCapMask(""));
    EXPECT_FALSE(procparse::parseCapMask("11111111111111111")); // 17 digits: more than 64 bits
    EXPECT_EQ(procparse::parseCapMask("1"), 1u);
    EXPECT_EQ(procparse::capNames(1), std::vector<std::string>{"cap_chown"});
    EXPECT_TRUE(procparse::capNames(0).empty());
}

TEST(DiffParsers, StatStartTimeAfterLastParen)
{
    EXPECT_EQ(procparse::parseStatStartTime(fixture("diff-proc/4242/stat")), 987654u);
    EXPECT_FALSE(procparse::parseStatStartTime(fixture("diff-proc/4243/stat")));
    EXPECT_FALSE(procparse::parseStatStartTime(""));
    EXPECT_FALSE(procparse::parseStatStartTime("1 (x) S 1 2"));
}

TEST(DiffParsers, IdMapsSkipGarbage)
{
    auto m = procparse::parseIdMap(fixture("diff-proc/4242/gid_map"));
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].inside, 0u);
    EXPECT_EQ(m[0].outside, 100000u);
    EXPECT_EQ(m[0].count, 65536u);
    EXPECT_EQ(inspectjson::idMap(m), json::parse(R"([{"inside":0,"outside":100000,"count":65536}])"));
    EXPECT_TRUE(procparse::parseIdMap("").empty()); // a fresh user namespace before its map is written
}

TEST(DiffParsers, CgroupPathV2AndV1)
{
    EXPECT_EQ(procparse::parseCgroupPath(fixture("diff-proc/4242/cgroup")),
              "/system.slice/docker-3f2a9c1b7e4d5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d.scope");
    EXPECT_EQ(procparse::parseCgroupPath("12:pids:/user.slice\n11:cpu,cpuacct:/x\n"), "/user.slice");
    EXPECT_EQ(procparse::parseCgroupPath("1:name=systemd:/a\n0::/b:with:colons\n"), "/b:with:colons");
    EXPECT_EQ(procparse::parseCgroupPath("garbage"), "");
}

TEST(DiffParsers, TimensOffsets)
{
    auto t = procparse::parseTimensOffsets(fixture("diff-proc/4242/timens_offsets"));
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t[0].clock, "monotonic");
    EXPECT_EQ(t[0].seconds, 3600);
    EXPECT_EQ(t[1].clock, "boottime");
    EXPECT_EQ(t[1].seconds, -7200);
    EXPECT_EQ(t[1].nanoseconds, 500000000);
    EXPECT_EQ(inspectjson::timeOffsets(t)[1]["seconds"], -7200);
    EXPECT_EQ(procparse::parseTimensOffsets("1 5 0\n")[0].clock, "monotonic"); // old kernels print ids
}

TEST(DiffParsers, NetDevAndIfInet6)
{
    auto d = procparse::parseNetDev(fixture("diff-proc/4242/net/dev"));
    ASSERT_EQ(d.size(), 2u); // the header and the broken line are skipped
    EXPECT_EQ(d[0].name, "lo");
    EXPECT_EQ(d[1].name, "eth0");
    EXPECT_EQ(d[1].rxBytes, 98765432u);
    EXPECT_EQ(d[1].txPackets, 4321u);
    auto a = procparse::parseIfInet6(fixture("diff-proc/4242/net/if_inet6"));
    ASSERT_EQ(a.size(), 3u);
    EXPECT_EQ(a[0].address, "::1");
    EXPECT_EQ(a[0].prefix, 128);
    EXPECT_STREQ(procparse::inet6ScopeName(a[0].scope), "host");
    EXPECT_EQ(a[1].address, "fd00::2");
    EXPECT_EQ(a[1].prefix, 64);
    EXPECT_STREQ(procparse::inet6ScopeName(a[1].scope), "global");
    EXPECT_STREQ(procparse::inet6ScopeName(a[2].scope), "link");
}

TEST(DiffParsers, Routes)
{
    auto r = procparse::parseRoute(fixture("diff-proc/4242/net/route"));
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(inspectjson::route(r[0])["destination"], "0.0.0.0/0");
    EXPECT_EQ(r[0].gateway, "172.17.0.1");
    EXPECT_EQ(r[0].dev, "eth0");
    EXPECT_EQ(inspectjson::route(r[1])["destination"], "172.17.0.0/16");
    EXPECT_FALSE(r[1].gateway);
    EXPECT_FALSE(inspectjson::route(r[1]).contains("gateway"));
    auto r6 = procparse::parseIpv6Route(fixture("diff-proc/4242/net/ipv6_route"));
    ASSERT_EQ(r6.size(), 2u);
    EXPECT_EQ(inspectjson::route(r6[0])["destination"], "fd00::/64");
    EXPECT_EQ(inspectjson::route(r6[0])["family"], "inet6");
    EXPECT_EQ(r6[0].metric, 256);
    EXPECT_EQ(inspectjson::route(r6[1])["destination"], "::/0");
    EXPECT_EQ(r6[1].gateway, "fd00::1");
}

TEST(DiffParsers, ListeningSockets)
{
    using procparse::SocketProto;
    auto t = procparse::parseListeningSockets(fixture("diff-proc/4242/net/tcp"), SocketProto::Tcp);
    ASSERT_EQ(t.size(), 2u); // the established connection is not listed
    EXPECT_EQ(t[0].address, "0.0.0.0");
    EXPECT_EQ(t[0].port, 8080);
    EXPECT_EQ(t[0].inode, 31337u);
    EXPECT_EQ(t[1].address, "127.0.0.1");
    EXPECT_EQ(t[1].port, 53);
    EXPECT_EQ(t[1].uid, 101u);
    EXPECT_EQ(inspectjson::listeningSocket(t[1])["proto"], "tcp");
    auto t6 = procparse::parseListeningSockets(fixture("diff-proc/4242/net/tcp6"), SocketProto::Tcp6);
    ASSERT_EQ(t6.size(), 1u);
    EXPECT_EQ(t6[0].address, "::1");
    EXPECT_EQ(t6[0].port, 443);
    auto u = procparse::parseListeningSockets(fixture("diff-proc/4242/net/udp"), SocketProto::Udp);
    ASSERT_EQ(u.size(), 1u); // the connected one is not "listening"
    EXPECT_EQ(u[0].port, 68);
    EXPECT_TRUE(procparse::parseListeningSockets("", SocketProto::Udp6).empty());
}

TEST(DiffParsers, Sysvipc)
{
    using procparse::SysvIpcKind;
    auto shm = procparse::parseSysvipc(fixture("diff-sysvipc/shm"), SysvIpcKind::Shm);
    ASSERT_EQ(shm.size(), 1u);
    EXPECT_EQ(shm[0].key, 1234567);
    EXPECT_EQ(shm[0].id, 3);
    EXPECT_EQ(shm[0].extra, 4096u);
    EXPECT_EQ(shm[0].uid, 1000u);
    EXPECT_EQ(inspectjson::sysvipc(shm, SysvIpcKind::Shm)[0]["size"], 4096u);
    auto msg = procparse::parseSysvipc(fixture("diff-sysvipc/msg"), SysvIpcKind::Msg);
    ASSERT_EQ(msg.size(), 1u);
    EXPECT_EQ(msg[0].key, -1167839540); // keys are printed signed
    EXPECT_EQ(msg[0].extra, 0u);
    EXPECT_EQ(inspectjson::sysvipc(msg, SysvIpcKind::Msg)[0]["qnum"], 0u);
    EXPECT_TRUE(procparse::parseSysvipc(fixture("diff-sysvipc/sem"), SysvIpcKind::Sem).empty());
    EXPECT_TRUE(procparse::parseSysvipc("no header here", SysvIpcKind::Sem).empty());
}

TEST(DiffParsers, MountinfoWithLibmount)
{
    std::vector<procparse::MountEntry> m;
    ASSERT_EQ(procparse::readMountinfo(kProc + "/4242/mountinfo", m), 0);
    ASSERT_EQ(m.size(), 8u); // the garbage line is skipped, not fatal
    EXPECT_EQ(m[0].target, "/");
    EXPECT_EQ(m[0].fstype, "overlay");
    EXPECT_EQ(m[0].source, "overlay");
    EXPECT_EQ(m[0].propagation, "master:1");
    EXPECT_EQ(m[1].propagation, "private");
    const procparse::MountEntry *data = nullptr;
    for (const auto &x : m)
        if (x.target == "/data")
            data = &x;
    ASSERT_NE(data, nullptr);
    EXPECT_EQ(data->root, "/srv/data");
    EXPECT_EQ(data->options, "ro,relatime");
    EXPECT_EQ(data->propagation, "shared:7");
    EXPECT_EQ(inspectjson::mounts(m).size(), 8u);
    EXPECT_EQ(procparse::readMountinfo(kProc + "/nonexistent/mountinfo", m), ENOENT);
    EXPECT_TRUE(m.empty());
}

TEST(DiffParsers, NsLink)
{
    NsType t{};
    std::uint64_t ino = 0;
    ASSERT_TRUE(procparse::parseNsLink("net:[4026531840]", t, ino));
    EXPECT_EQ(ino, 4026531840u);
    EXPECT_FALSE(procparse::parseNsLink("net:[abc]", t, ino));
    EXPECT_FALSE(procparse::parseNsLink("garbage", t, ino));
}

TEST(InspectFixture, WholeProcessFromFixtureTree)
{
    Inspector in(kProc);
    json d = in.inspect(4242);
    EXPECT_EQ(d["schema"], kInspectSchema);
    EXPECT_EQ(d["state"], "running");
    EXPECT_EQ(d["comm"], "my (weird) app");
    EXPECT_EQ(d["cmdline"], json({"my-app", "--port", "808 0"}));
    EXPECT_EQ(d["startTime"], 987654u);
    EXPECT_EQ(d["container"]["engine"], "docker");
    EXPECT_EQ(d["container"]["label"], "docker 3f2a9c1b7e4d");
    const json &s = d["sections"];
    EXPECT_EQ(s["mnt"]["count"], 8);
    EXPECT_EQ(s["user"]["uid_map"][0]["outside"], 100000);
    EXPECT_EQ(s["user"]["setgroups"], "deny");
    EXPECT_EQ(s["pid"]["nspid"], json({4242, 7, 1}));
    EXPECT_EQ(s["pid"]["level"], 2);
    EXPECT_EQ(s["time"]["offsets"][0]["seconds"], 3600);
    ASSERT_EQ(s["net"]["interfaces"].size(), 2u);
    EXPECT_EQ(s["net"]["interfaces"][1]["name"], "eth0");
    // Without entering the namespace (not a live /proc): state unknown, IPv6 addresses from if_inet6.
    EXPECT_EQ(s["net"]["interfaces"][1]["state"], "unknown");
    EXPECT_EQ(s["net"]["interfaces"][1]["addresses"], json({"fd00::2/64", "fe80::fc:ffff:fe00:1/64"}));
    EXPECT_EQ(s["net"]["listening"].size(), 4u);
    EXPECT_EQ(s["net"]["routes"].size(), 4u);
    EXPECT_EQ(s["cgroup"]["path"],
              "/system.slice/docker-3f2a9c1b7e4d5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d.scope");
    // What needs entering a namespace says why it is missing, per field.
    EXPECT_TRUE(s["uts"].contains("error"));
    EXPECT_TRUE(s["ipc"].contains("error"));
    EXPECT_EQ(d["security"]["seccomp"]["mode"], "filter");
    EXPECT_EQ(d["security"]["noNewPrivs"], true);
}

TEST(InspectFixture, BrokenAndMissingProcesses)
{
    Inspector in(kProc);
    json broken = in.inspect(4243); // truncated stat
    EXPECT_EQ(broken["state"], "unreadable");
    EXPECT_TRUE(broken["sections"]["net"].contains("error"));
    json gone = in.inspect(999999);
    EXPECT_EQ(gone["state"], "exited");
    EXPECT_NE(gone["error"].get<std::string>().find("exited"), std::string::npos);
    for (const char *t : {"mnt", "pid", "net", "uts", "ipc", "user", "cgroup", "time"})
        EXPECT_TRUE(gone["sections"][t].contains("error")) << t;
    EXPECT_THROW(in.inspect(0), std::invalid_argument);
    EXPECT_THROW(in.inspect(-5), std::invalid_argument);
}
