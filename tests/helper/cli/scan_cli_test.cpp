// SPDX-License-Identifier: GPL-2.0-or-later
// `nsviz-helper scan` as a program: the JSON contract, the table, errors, unprivileged runs, and a
// cross-check against lsns on the live host.
#include "core/protocol/snapshotjson.h"
#include "tests/common/commandrunner.h"
#include "tests/common/nschild.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>
#include <sched.h>
#include <set>
#include <unistd.h>

using namespace nsviz;
using nlohmann::json;
using nsviz::test::CommandRunner;
using nsviz::test::helper;
using nsviz::test::NsChild;

namespace
{
const std::string kHelper = NSVIZ_HELPER_BIN;
const std::string kData = NSVIZ_TEST_DATA;

int lineCount(const std::string &s)
{
    return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}
} // namespace

TEST(ScanCli, HelpForTheSubcommand)
{
    auto r = helper({"scan", "--help"});
    EXPECT_EQ(r.exitCode, 0);
    EXPECT_NE(r.out.find("--json"), std::string::npos);
    EXPECT_NE(r.out.find("--proc"), std::string::npos);
    EXPECT_NE(r.out.find("--tasks"), std::string::npos);
}

TEST(ScanCli, UnknownOptionIsOneLineAndNonZero)
{
    auto r = helper({"scan", "--frobnicate"});
    EXPECT_NE(r.exitCode, 0);
    EXPECT_EQ(lineCount(r.err), 1) << r.err;
    EXPECT_TRUE(r.out.empty());
}

TEST(ScanCli, BadProcRootIsOneLineAndNonZero)
{
    for (const std::string &bad :
         {kData + "/no-such-dir", kData + "/make-fixtures.py", kData + "/proc-empty"}) {
        SCOPED_TRACE(bad);
        auto r = helper({"scan", "--json", "--proc", bad});
        EXPECT_NE(r.exitCode, 0);
        EXPECT_GE(r.exitCode, 1);
        EXPECT_LT(r.exitCode, 128) << "must not crash";
        EXPECT_EQ(lineCount(r.err), 1) << r.err;
        EXPECT_NE(r.err.find(bad), std::string::npos) << r.err;
        EXPECT_TRUE(r.out.empty());
    }
    auto r = helper({"scan", "--proc"});
    EXPECT_NE(r.exitCode, 0);
    EXPECT_EQ(lineCount(r.err), 1) << r.err;
}

TEST(ScanCli, FixtureTreeWithTheRealNsfsQuery)
{
    // The fixture's links are text, not nsfs files: identities come from the link text, the
    // hierarchy is unknown, and nothing crashes.
    auto r = helper({"scan", "--json", "--tasks", "--proc", kData + "/proc-basic"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    Snapshot s = snapshotFromJsonText(r.out);
    EXPECT_EQ(s.processes.size(), 10u);
    EXPECT_EQ(s.host.hostname, "fakehost");
    EXPECT_EQ(s.host.referencePid, 1);
    ASSERT_EQ(s.looseThreads.size(), 1u);
    const Namespace *box = s.findNamespace(NsId{0, 4026532402});
    ASSERT_TRUE(box);
    EXPECT_FALSE(box->ownerKnown);
    EXPECT_FALSE(box->parentKnown == false && box->type != NsType::Pid && box->type != NsType::User);
}

TEST(ScanCli, JsonContract)
{
    auto r = helper({"scan", "--json"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    json j = json::parse(r.out);
    EXPECT_EQ(j["schema"], "nsviz.snapshot/1");
    for (const char *k : {"hostname", "kernel", "boot_id", "scan_ms"})
        EXPECT_TRUE(j["host"].contains(k)) << k;
    EXPECT_FALSE(j["host"]["boot_id"].get<std::string>().empty());
    ASSERT_TRUE(j["namespaces"].is_array());
    ASSERT_FALSE(j["namespaces"].empty());
    const std::set<std::string> types = {"mnt", "pid", "net", "uts", "ipc", "user", "cgroup", "time"};
    const std::set<std::string> ways = {"process", "bindmount", "fd", "hidden"};
    for (const json &n : j["namespaces"]) {
        EXPECT_TRUE(types.count(n["type"].get<std::string>()));
        EXPECT_TRUE(n["inode"].is_number_unsigned());
        EXPECT_TRUE(n["dev"].is_number_unsigned());
        EXPECT_EQ(n["nprocs"], n["pids"].size());
        for (const json &f : n["found_by"])
            EXPECT_TRUE(ways.count(f.get<std::string>()));
        EXPECT_TRUE(n["owner"].is_null() || n["owner"].is_number_unsigned());
        EXPECT_TRUE(n["parent"].is_null() || n["parent"].is_number_unsigned());
        if (n["type"] != "pid" && n["type"] != "user") {
            EXPECT_TRUE(n["parent"].is_null());
        }
        EXPECT_TRUE(n["is_host"].is_boolean());
    }
    ASSERT_TRUE(j["processes"].is_array());
    bool sawSelf = false;
    for (const json &p : j["processes"]) {
        for (const char *k :
             {"pid", "ppid", "uid", "comm", "cmdline", "start_time", "nspid", "cgroup", "ns", "visible"})
            EXPECT_TRUE(p.contains(k)) << k;
        for (const auto &t : types)
            EXPECT_TRUE(p["ns"].contains(t)) << t;
        if (p["pid"] == ::getpid()) {
            sawSelf = true;
            EXPECT_EQ(p["ns"]["net"], NsChild::self(NsType::Net).ino);
        }
    }
    EXPECT_TRUE(sawSelf);
    // And it parses back into the model.
    EXPECT_NO_THROW(snapshotFromJson(j));
}

TEST(ScanCli, TableShowsHostReferenceAndHierarchy)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root to create namespaces";
    NsChild c({nsviz::test::NsLevel(CLONE_NEWUSER | CLONE_NEWPID), nsviz::test::NsLevel(0)});
    ASSERT_EQ(c.error(), "");
    auto r = helper({"scan"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_NE(r.out.find("host reference: pid "), std::string::npos);
    EXPECT_NE(r.out.find("NS"), std::string::npos);
    EXPECT_NE(r.out.find("user namespace hierarchy:"), std::string::npos);
    // The new pid namespace sits under the host's in the tree, indented.
    const std::string pidIno = std::to_string(c.ns(1, NsType::Pid).ino);
    EXPECT_NE(r.out.find("    " + pidIno + ", 1 processes, owner user " +
                         std::to_string(c.ns(0, NsType::User).ino)),
              std::string::npos)
        << r.out;
}

TEST(ScanCli, UnprivilegedRunSeesItselfAndMarksTheRest)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root to switch to an unprivileged user";
    auto r = CommandRunner::run({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                 "--inh-caps=-all", kHelper, "scan", "--json"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    Snapshot s = snapshotFromJsonText(r.out);
    EXPECT_FALSE(s.host.privileged);
    EXPECT_GT(s.host.invisibleProcesses, 0);
    int mine = 0;
    for (const Process &p : s.processes) {
        if (p.comm == "nsviz-helper" && p.euid == 65534) {
            ++mine;
            EXPECT_TRUE(p.visible);
            for (NsType t : kAllNsTypes)
                EXPECT_TRUE(p.ns[index(t)].valid()) << nsTypeName(t);
            // Its own namespaces are fully known, hierarchy included.
            const Namespace *user = s.findNamespace(p.ns[index(NsType::User)]);
            ASSERT_TRUE(user);
            EXPECT_TRUE(user->ownerKnown);
            EXPECT_EQ(user->ownerUid, 0u);
        }
        if (p.pid == 2) {
            EXPECT_FALSE(p.visible) << "kthreadd belongs to root";
        }
    }
    EXPECT_EQ(mine, 1);
    // No reference process is readable; the fixed initial inodes still mark the host's user
    // namespace (our own here), and the note says what is missing.
    EXPECT_EQ(s.host.referencePid, 0);
    EXPECT_NE(s.host.referenceNote.find("mnt and net"), std::string::npos) << s.host.referenceNote;
    EXPECT_EQ(s.hostNs[index(NsType::User)], NsChild::self(NsType::User));
    EXPECT_FALSE(s.hostNs[index(NsType::Net)].valid());
    for (const Namespace &n : s.namespaces)
        EXPECT_EQ(n.id.dev, NsChild::self(NsType::Net).dev) << "the nsfs device must be known";
}

TEST(ScanCli, AgreesWithLsnsOnTheLiveHost)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "lsns and nsviz see different things unprivileged";
    // Our helper and lsns each count themselves once in the host namespaces, so on a quiet host
    // the counts match exactly. Other work on the machine makes processes come and go: take
    // scan, lsns, scan and compare what did not change between the two scans.
    using Counts = std::map<std::pair<std::string, std::uint64_t>, std::size_t>;
    auto scanCounts = [](std::string &err) {
        Counts c;
        auto r = helper({"scan", "--json"});
        err = "exit " + std::to_string(r.exitCode) + ": " + r.err;
        if (r.exitCode != 0)
            return c;
        const json doc = json::parse(r.out);
        for (const json &n : doc.at("namespaces"))
            if (n["nprocs"].get<std::size_t>() > 0)
                c[{n["type"].get<std::string>(), n["inode"].get<std::uint64_t>()}] =
                    n["nprocs"].get<std::size_t>();
        return c;
    };
    auto lsnsCounts = [](std::string &err) {
        Counts c;
        auto r = CommandRunner::run({"lsns", "--json"});
        err = "exit " + std::to_string(r.exitCode) + ": " + r.err;
        if (r.exitCode != 0)
            return c;
        const json doc = json::parse(r.out);
        // lsns --json nests child pid/user namespaces under "children".
        std::function<void(const json &)> add = [&](const json &list) {
            for (const json &n : list) {
                std::uint64_t ino = n["ns"].is_string() ? std::stoull(n["ns"].get<std::string>())
                                                        : n["ns"].get<std::uint64_t>();
                std::size_t np = n["nprocs"].is_string() ? std::stoul(n["nprocs"].get<std::string>())
                                                         : n["nprocs"].get<std::size_t>();
                if (np > 0)
                    c[{n["type"].get<std::string>(), ino}] = np;
                if (n.contains("children"))
                    add(n["children"]);
            }
        };
        add(doc.at("namespaces"));
        return c;
    };
    std::string diff;
    // lsns takes seconds on a loaded host: bound the rounds by time as well.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(150);
    int round = 0;
    for (; round < 15 && std::chrono::steady_clock::now() < until; ++round) {
        std::string e1, e2, e3;
        Counts a = scanCounts(e1), l = lsnsCounts(e2), b = scanCounts(e3);
        ASSERT_FALSE(a.empty()) << e1;
        ASSERT_FALSE(b.empty()) << e3;
        if (l.empty()) {
            // lsns itself exits 1 now and then on a busy host (a process it was reading went away):
            // that round says nothing about nsviz; try again.
            diff = "lsns failed: " + e2;
            ::usleep(200000);
            continue;
        }
        // Judge only what was stable around the lsns call: a namespace both scans saw with the
        // same count must be in lsns with that count; one in lsns must be in one of the scans.
        diff.clear();
        int stable = 0;
        for (const auto &[k, v] : a) {
            auto bi = b.find(k);
            if (bi == b.end() || bi->second != v)
                continue; // changed while we looked
            ++stable;
            auto li = l.find(k);
            if (li == l.end() || li->second != v)
                diff += k.first + ":" + std::to_string(k.second) + " nsviz=" + std::to_string(v) +
                        " lsns=" + (li == l.end() ? "-" : std::to_string(li->second)) + "\n";
        }
        for (const auto &[k, v] : l)
            if (!a.count(k) && !b.count(k))
                diff +=
                    k.first + ":" + std::to_string(k.second) + " lsns=" + std::to_string(v) + " nsviz=-\n";
        if (diff.empty() && stable > 0)
            return;
        ::usleep(200000);
    }
    FAIL() << "nsviz and lsns never agreed in " << round << " rounds; last difference:\n" << diff;
}
