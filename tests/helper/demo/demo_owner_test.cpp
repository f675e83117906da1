// SPDX-License-Identifier: GPL-2.0-or-later
// Demo containers belong to their caller: who may list and stop them, how many one user may run,
// and which host ids they map. Callers other than root come from PKEXEC_UID / SUDO_UID, set in
// the helper's environment here exactly as pkexec and sudo set them. Every test stops what it
// starts, by pid.
#include "helper/demo/demomanager.h"

#include "core/proc/procreader.h"
#include "tests/common/commandrunner.h"
#include "tests/helper/serve/serve_util.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace nsviz;
using namespace nsviz::helper;
using nlohmann::json;
using nsviz::test::helperAs;
namespace fs = std::filesystem;

namespace
{

/// A manager with its own state directory and its own subuid/subgid files.
struct OwnerManager {
    std::string base, dir;
    std::unique_ptr<DemoManager> mgr;
    OwnerManager(const std::string &subuid = "", const std::string &subgid = "", int max = 8)
    {
        char tmpl[] = "/run/nsviz-owner-test-XXXXXX";
        char *d = ::mkdtemp(tmpl);
        base = d ? d : "/nonexistent";
        dir = base + "/demos";
        std::ofstream(base + "/subuid") << subuid;
        std::ofstream(base + "/subgid") << subgid;
        DemoManager::Options o;
        o.stateDir = dir;
        o.helperPath = NSVIZ_HELPER_BIN;
        o.maxDemos = max;
        o.subuidPath = base + "/subuid";
        o.subgidPath = base + "/subgid";
        mgr = std::make_unique<DemoManager>(o);
    }
    ~OwnerManager()
    {
        try {
            mgr->stopAll(0);
        } catch (const std::exception &) {
        }
        std::error_code ec;
        fs::remove_all(base, ec);
    }
};

DemoSpec shortSpec()
{
    DemoSpec s;
    s.lifetimeSec = 300;
    return s;
}

bool running(int pid, std::uint64_t start)
{
    return ProcReader::startTime(pid) == start;
}

std::vector<int> pids(const std::vector<DemoRecord> &demos)
{
    std::vector<int> out;
    for (const auto &d : demos)
        out.push_back(d.pid);
    return out;
}

/// Supervisors (their argv[2] is their JSON configuration) of demos in state directory @p dir.
int supervisorsIn(const std::string &dir)
{
    int n = 0;
    for (const auto &e : fs::directory_iterator("/proc")) {
        auto argv = ProcReader::cmdline(std::atoi(e.path().filename().c_str()));
        if (argv.size() < 3 || argv[1] != kDemoSuperviseMode)
            continue;
        json c = json::parse(argv[2], nullptr, false);
        if (c.is_object() && c.value("stateDir", "") == dir)
            ++n;
    }
    return n;
}

/// Stops demo @p pid as root at scope exit, unless the test saw it end.
struct StopLater {
    int pid = 0;
    ~StopLater()
    {
        if (pid > 0) {
            try {
                DemoManager().stop(pid, 0);
            } catch (const std::exception &) {
            }
        }
    }
};

class DemoOwnership : public ::testing::Test
{
protected:
    void SetUp() override
    {
        if (::geteuid() != 0)
            GTEST_SKIP() << "demo containers need root";
    }
};

} // namespace

TEST_F(DemoOwnership, CallersSeeAndStopOnlyTheirOwnRootAll)
{
    OwnerManager om;
    DemoRecord a = om.mgr->start(shortSpec(), std::nullopt, 1000);
    DemoRecord b = om.mgr->start(shortSpec(), std::nullopt, 1001);
    DemoRecord r = om.mgr->start(shortSpec(), std::nullopt, 0);
    EXPECT_EQ(a.callerUid, 1000u);
    EXPECT_EQ(b.callerUid, 1001u);
    EXPECT_EQ(a.toJson().at("callerUid"), 1000);

    EXPECT_EQ(pids(om.mgr->list(1000)), std::vector<int>{a.pid});
    EXPECT_EQ(pids(om.mgr->list(1001)), std::vector<int>{b.pid});
    EXPECT_EQ(om.mgr->list(0).size(), 3u);

    // 1000 may not stop 1001's demo, nor root's.
    for (int victim : {b.pid, r.pid}) {
        try {
            om.mgr->stop(victim, 1000);
            ADD_FAILURE() << "uid 1000 stopped demo " << victim;
        } catch (const DemoError &e) {
            EXPECT_EQ(e.code(), "not_authorised");
            EXPECT_NE(std::string(e.what()).find("belongs to another user"), std::string::npos) << e.what();
        }
    }
    EXPECT_TRUE(running(b.pid, b.startTime));
    EXPECT_TRUE(running(r.pid, r.startTime));

    // The protocol shape: {"all": true} from 1000 stops only 1000's.
    json stopped = om.mgr->stopJson({{"all", true}}, 1000);
    EXPECT_EQ(stopped.at("stopped"), json::array({a.pid}));
    EXPECT_FALSE(running(a.pid, a.startTime));
    EXPECT_TRUE(running(b.pid, b.startTime));
    EXPECT_EQ(om.mgr->listJson(json::object(), 1001).at("demos").size(), 1u);

    // Root stops anyone's.
    om.mgr->stop(b.pid, 0);
    EXPECT_FALSE(running(b.pid, b.startTime));
    EXPECT_EQ(om.mgr->stopAll(0), 1);
    EXPECT_TRUE(om.mgr->list(0).empty());
    EXPECT_EQ(supervisorsIn(om.dir), 0);
}

TEST_F(DemoOwnership, OneUserMayRunAtMostThree)
{
    OwnerManager om;
    std::vector<DemoRecord> mine;
    for (int i = 0; i < 3; ++i)
        mine.push_back(om.mgr->start(shortSpec(), std::nullopt, 1000));
    try {
        om.mgr->start(shortSpec(), std::nullopt, 1000);
        ADD_FAILURE() << "a fourth demo of one user started";
    } catch (const DemoError &e) {
        EXPECT_EQ(e.code(), "limit");
        EXPECT_NE(std::string(e.what()).find("at most 3 demo containers per user"), std::string::npos)
            << e.what();
    }
    EXPECT_EQ(om.mgr->list(1000).size(), 3u);
    // Someone else still gets a slot.
    DemoRecord other = om.mgr->start(shortSpec(), std::nullopt, 1001);
    EXPECT_EQ(other.callerUid, 1001u);
    EXPECT_EQ(om.mgr->stopAll(0), 4);
    for (const auto &d : mine)
        EXPECT_FALSE(running(d.pid, d.startTime));
    EXPECT_EQ(supervisorsIn(om.dir), 0);
}

TEST_F(DemoOwnership, IdRangesAvoidSubuidSubgidAndEachOther)
{
    // Ranges by name and by uid, in both files; the first free block is past all of them.
    OwnerManager om("# test\nalice:100000:65536\n1000:165536:65536\n", "bob:231072:65536\n");
    DemoRecord a = om.mgr->start(shortSpec(), std::nullopt, 1000);
    DemoRecord b = om.mgr->start(shortSpec(), std::nullopt, 1000);
    const std::vector<SubIdRange> listed = {
        {"alice", 100000, 65536}, {"1000", 165536, 65536}, {"bob", 231072, 65536}};
    for (const DemoRecord *d : {&a, &b}) {
        ASSERT_NE(d->uidBase, 0u);
        for (const auto &r : listed)
            EXPECT_FALSE(r.overlaps(d->uidBase, kDemoIdRange)) << d->uidBase << " overlaps " << r.owner;
        // What the kernel was told: root inside is uidBase outside, for uids and gids.
        for (const char *f : {"uid_map", "gid_map"}) {
            std::ifstream in("/proc/" + std::to_string(d->pid) + "/" + f);
            std::uint64_t inside = 1, outside = 0, count = 0;
            in >> inside >> outside >> count;
            EXPECT_EQ(inside, 0u) << f;
            EXPECT_EQ(outside, d->uidBase) << f;
            EXPECT_EQ(count, kDemoIdRange) << f;
        }
    }
    EXPECT_FALSE(SubIdRange({"a", a.uidBase, kDemoIdRange}).overlaps(b.uidBase, kDemoIdRange));
    EXPECT_EQ(om.mgr->stopAll(0), 2);
    EXPECT_EQ(supervisorsIn(om.dir), 0);
}

TEST_F(DemoOwnership, NoFreeIdRangeStartsNothing)
{
    OwnerManager om("everyone:0:4294967295\n");
    try {
        om.mgr->start(shortSpec(), std::nullopt, 1000);
        ADD_FAILURE() << "a demo started with no free id range";
    } catch (const DemoError &e) {
        EXPECT_EQ(e.code(), "limit");
        EXPECT_NE(std::string(e.what()).find("no free range"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(om.mgr->list(0).empty());
    EXPECT_EQ(supervisorsIn(om.dir), 0);
    // Sharing the user namespace needs no range.
    DemoSpec shared = shortSpec();
    shared.fresh[index(NsType::User)] = false;
    DemoRecord d = om.mgr->start(shared, std::nullopt, 1000);
    EXPECT_EQ(d.uidBase, 0u);
    EXPECT_EQ(om.mgr->stopAll(0), 1);
}

TEST_F(DemoOwnership, MalformedSubuidRefusesInsteadOfGuessing)
{
    OwnerManager om("alice:100000\n");
    try {
        om.mgr->start(shortSpec(), std::nullopt, 1000);
        ADD_FAILURE() << "a demo started despite an unreadable /etc/subuid";
    } catch (const DemoError &e) {
        EXPECT_EQ(e.code(), "failed");
        EXPECT_NE(std::string(e.what()).find("subuid: line 1"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(om.mgr->list(0).empty());
}

TEST_F(DemoOwnership, CliAsPkexecAndSudoCallers)
{
    // The installed state directory, as pkexec/sudo users get it. Other tests may run demos there
    // too (root's); these are told apart by pid.
    auto a = helperAs({"PKEXEC_UID=64001"}, {"demo", "start", "--json", "--lifetime", "300"});
    ASSERT_EQ(a.exitCode, 0) << a.err;
    json ja = json::parse(a.out);
    StopLater sa{ja.at("pid").get<int>()};
    EXPECT_EQ(ja.at("callerUid"), 64001);
    auto b = helperAs({"SUDO_UID=64002"}, {"demo", "start", "--json", "--lifetime", "300"});
    ASSERT_EQ(b.exitCode, 0) << b.err;
    json jb = json::parse(b.out);
    StopLater sb{jb.at("pid").get<int>()};
    EXPECT_EQ(jb.at("callerUid"), 64002);

    // Each lists only their own.
    auto la = helperAs({"PKEXEC_UID=64001"}, {"demo", "list", "--json"});
    ASSERT_EQ(la.exitCode, 0) << la.err;
    json listA = json::parse(la.out).at("demos");
    ASSERT_EQ(listA.size(), 1u) << la.out;
    EXPECT_EQ(listA[0].at("pid"), sa.pid);

    // 64001 cannot stop 64002's demo, by pid or with --all.
    auto s1 = helperAs({"PKEXEC_UID=64001"}, {"demo", "stop", std::to_string(sb.pid)});
    EXPECT_NE(s1.exitCode, 0);
    EXPECT_NE(s1.err.find("belongs to another user"), std::string::npos) << s1.err;
    auto s2 = helperAs({"PKEXEC_UID=64001"}, {"demo", "stop", "--all"});
    EXPECT_EQ(s2.exitCode, 0) << s2.err;
    EXPECT_NE(s2.out.find("stopped 1 demo container"), std::string::npos) << s2.out;
    EXPECT_FALSE(running(sa.pid, ja.at("startTime").get<std::uint64_t>()));
    EXPECT_TRUE(running(sb.pid, jb.at("startTime").get<std::uint64_t>()));
    sa.pid = 0;

    // Root (no caller variable) may stop it.
    auto s3 = helperAs({}, {"demo", "stop", std::to_string(sb.pid)});
    EXPECT_EQ(s3.exitCode, 0) << s3.err;
    EXPECT_FALSE(running(sb.pid, jb.at("startTime").get<std::uint64_t>()));
    sb.pid = 0;
}

TEST_F(DemoOwnership, MalformedCallerVariableIsRefused)
{
    for (const char *env :
         {"PKEXEC_UID=abc", "PKEXEC_UID=", "SUDO_UID=-1", "SUDO_UID=4294967295", "PKEXEC_UID=1000 "}) {
        auto r = helperAs({env}, {"demo", "start", "--lifetime", "300"});
        EXPECT_NE(r.exitCode, 0) << env;
        EXPECT_NE(r.err.find("not a valid uid"), std::string::npos) << env << ": " << r.err;
    }
    // A PKEXEC_UID smuggled in beside sudo's own SUDO_UID.
    auto both = helperAs({"SUDO_UID=1000", "PKEXEC_UID=0"}, {"demo", "list"});
    EXPECT_NE(both.exitCode, 0);
    EXPECT_NE(both.err.find("name different users"), std::string::npos) << both.err;
}

TEST_F(DemoOwnership, ServeDemosForAPkexecCaller)
{
    DemoManager::Options o; // the installed state directory, as serve-demos uses
    o.helperPath = NSVIZ_HELPER_BIN;
    DemoRecord root = DemoManager(o).start(shortSpec(), std::nullopt, 0);
    StopLater sr{root.pid};
    testkit::HelperProcess serve(
        {"/usr/bin/env", "PKEXEC_UID=64003", NSVIZ_HELPER_BIN, "serve-demos", "--quiet"});
    testkit::FrameReader reader(serve.outFd());
    auto ask = [&](const char *type, std::uint64_t id, const json &args) {
        EXPECT_TRUE(
            serve.send(protocol::dumpFrame({{"v", 1}, {"type", type}, {"id", id}, {"args", args}}) + "\n"));
        json out;
        reader.until(
            [&](const protocol::ClientEvent &e) {
                if (auto *r = std::get_if<protocol::event::Reply>(&e); r && r->id == id) {
                    out = json::parse(r->text);
                    return true;
                }
                if (auto *er = std::get_if<protocol::event::Error>(&e); er && er->id == id) {
                    out = {{"type", "error"}, {"code", er->code}, {"message", er->message}};
                    return true;
                }
                return false;
            },
            std::chrono::seconds(30));
        return out;
    };
    json started = ask("demo_start", 1, {{"lifetime", 300}});
    json demo = started.value("result", json::object());
    ASSERT_EQ(demo.value("callerUid", 0), 64003) << started.dump();
    json listed = ask("demo_list", 2, json::object());
    ASSERT_EQ(listed.at("result").at("demos").size(), 1u) << listed.dump();
    EXPECT_EQ(listed["result"]["demos"][0].at("pid"), demo.at("pid"));
    json refused = ask("demo_stop", 3, {{"pid", root.pid}});
    EXPECT_EQ(refused.value("code", ""), protocol::err::NotAuthorised) << refused.dump();
    EXPECT_TRUE(running(root.pid, root.startTime));
    json all = ask("demo_stop", 4, {{"all", true}});
    EXPECT_EQ(all.at("result").at("stopped"), json::array({demo.at("pid")})) << all.dump();
    EXPECT_TRUE(running(root.pid, root.startTime));
}
