// SPDX-License-Identifier: GPL-2.0-or-later
// Real demo containers, started as root through the nsviz-helper binary and the DemoManager API.
// Every test stops what it starts, by pid.
#include "helper/demo/demomanager.h"

#include "core/proc/procfiles.h"
#include "core/proc/procreader.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace nsviz;
using namespace nsviz::helper;
using nlohmann::json;
namespace fs = std::filesystem;

extern char **environ;

namespace
{

struct RunResult {
    int rc = -1;
    std::string out, err;
};

std::string readAllFd(int fd)
{
    std::string s;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0)
            s.append(buf, std::size_t(n));
    return s;
}

/// Runs nsviz-helper with @p args, capturing stdout and stderr.
RunResult runHelper(const std::vector<std::string> &args)
{
    std::vector<std::string> all{NSVIZ_HELPER_BIN};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char *> argv;
    for (auto &a : all)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    int out[2], err[2];
    EXPECT_EQ(::pipe2(out, O_CLOEXEC), 0);
    EXPECT_EQ(::pipe2(err, O_CLOEXEC), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    pid_t pid = -1;
    int rc = ::posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(out[1]);
    ::close(err[1]);
    RunResult r;
    if (rc != 0) {
        ::close(out[0]);
        ::close(err[0]);
        return r;
    }
    // stderr is small; read stdout fully first, then stderr.
    r.out = readAllFd(out[0]);
    r.err = readAllFd(err[0]);
    ::close(out[0]);
    ::close(err[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

std::uint64_t nsInode(int pid, NsType t)
{
    struct stat st {
    };
    std::string p = "/proc/" + std::to_string(pid) + "/ns/" + std::string(nsTypeName(t));
    return ::stat(p.c_str(), &st) == 0 ? st.st_ino : 0;
}

bool haveTimeNs()
{
    return ::access("/proc/self/ns/time", F_OK) == 0;
}

/// The host reference: PID 1 cannot be inspected on this machine (EACCES), kthreadd can.
int hostRef()
{
    return nsInode(1, NsType::Net) != 0 ? 1 : 2;
}

std::vector<int> allPids()
{
    std::vector<int> out;
    for (const auto &e : fs::directory_iterator("/proc")) {
        std::string n = e.path().filename();
        if (!n.empty() && std::all_of(n.begin(), n.end(), ::isdigit))
            out.push_back(std::stoi(n));
    }
    return out;
}

std::vector<int> childrenOf(int parent)
{
    std::vector<int> out;
    for (int pid : allPids()) {
        std::string text;
        procparse::Stat stat;
        if (ProcReader::readFile("/proc/" + std::to_string(pid) + "/stat", text) == 0 &&
            procparse::parseStat(text, stat) && stat.ppid == parent)
            out.push_back(pid);
    }
    return out;
}

/// Hostname in the uts namespace of @p pid, read by a child that joins it.
std::string hostnameOf(int pid)
{
    int p[2];
    if (::pipe(p) != 0)
        return {};
    pid_t c = ::fork();
    if (c == 0) {
        ::close(p[0]);
        int fd = ::open(("/proc/" + std::to_string(pid) + "/ns/uts").c_str(), O_RDONLY);
        utsname u{};
        if (fd >= 0 && ::setns(fd, CLONE_NEWUTS) == 0 && ::uname(&u) == 0)
            (void)!::write(p[1], u.nodename, std::strlen(u.nodename));
        ::_exit(0);
    }
    ::close(p[1]);
    std::string s = readAllFd(p[0]);
    ::close(p[0]);
    ::waitpid(c, nullptr, 0);
    return s;
}

std::vector<std::string> netDevices(int pid)
{
    std::vector<std::string> out;
    std::ifstream in("/proc/" + std::to_string(pid) + "/net/dev");
    std::string line;
    while (std::getline(in, line)) {
        auto colon = line.find(':');
        if (colon == std::string::npos)
            continue;
        std::string name = line.substr(0, colon);
        name.erase(0, name.find_first_not_of(' '));
        out.push_back(name);
    }
    return out;
}

/// True once @p pid (started at @p start) is gone, waiting up to @p ms.
bool goneWithin(int pid, std::uint64_t start, int ms)
{
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    for (;;) {
        auto st = ProcReader::startTime(pid);
        if (!st || *st != start)
            return true;
        // A zombie still has a stat entry until reaped: treat state Z as gone.
        std::string text;
        procparse::Stat stat;
        if (ProcReader::readFile("/proc/" + std::to_string(pid) + "/stat", text) == 0 &&
            procparse::parseStat(text, stat) && stat.state == 'Z')
            return true;
        if (std::chrono::steady_clock::now() > until)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

/// Clock ticks since boot, in the unit of /proc/PID/stat start times.
std::uint64_t nowTicks()
{
    double up = 0;
    std::ifstream("/proc/uptime") >> up;
    return std::uint64_t(up * double(::sysconf(_SC_CLK_TCK)));
}

/// Every process still in one of @p inodes (of the fresh types) that could be the demo's.
/// Inode numbers of freed namespaces are reused at once, and other tests on this machine make
/// namespaces all the time: a process that started after @p stoppedAt in a namespace with a
/// recycled number is theirs, unless it runs our demo modes.
std::vector<int> holders(const std::map<NsType, std::uint64_t> &inodes, std::uint64_t stoppedAt)
{
    std::vector<int> out;
    for (int pid : allPids())
        for (const auto &[t, ino] : inodes)
            if (ino != 0 && nsInode(pid, t) == ino) {
                auto argv = ProcReader::cmdline(pid);
                bool ours = argv.size() >= 2 && argv[1].rfind("__demo-", 0) == 0;
                if (ours || ProcReader::startTime(pid).value_or(0) <= stoppedAt)
                    out.push_back(pid);
                break;
            }
    return out;
}

/// Supervisors whose configuration (their argv[2], JSON) satisfies @p match. Demos are told
/// apart by what they were started with, never by counting: other tests on this machine may run
/// demos of their own at the same time.
int countSupervisors(const std::function<bool(const json &)> &match)
{
    int n = 0;
    for (int pid : allPids()) {
        auto argv = ProcReader::cmdline(pid);
        if (argv.size() < 3 || argv[1] != kDemoSuperviseMode)
            continue;
        json config = json::parse(argv[2], nullptr, false);
        if (config.is_object() && match(config))
            ++n;
    }
    return n;
}

/// Demos run by the manager with state directory @p dir.
int countInStateDir(const std::string &dir)
{
    return countSupervisors([&](const json &c) { return c.value("stateDir", "") == dir; });
}

/// Stops a demo on scope exit (by pid, verified by the manager) if the test did not.
struct DemoGuard {
    DemoManager *mgr;
    int pid;
    ~DemoGuard()
    {
        if (pid > 0) {
            try {
                mgr->stop(pid);
            } catch (const std::exception &) {
            }
        }
    }
};

class DemoTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        if (::geteuid() != 0)
            GTEST_SKIP() << "demo containers need root";
    }
};

/// A manager with its own state directory, running the real helper binary.
struct TempManager {
    std::string dir;
    std::unique_ptr<DemoManager> mgr;
    explicit TempManager(int max = 8)
    {
        char tmpl[] = "/run/nsviz-test-XXXXXX";
        char *d = ::mkdtemp(tmpl);
        dir = d ? std::string(d) + "/demos" : "/nonexistent";
        DemoManager::Options o;
        o.stateDir = dir;
        o.helperPath = NSVIZ_HELPER_BIN;
        o.maxDemos = max;
        mgr = std::make_unique<DemoManager>(o);
    }
    ~TempManager()
    {
        try {
            mgr->stopAll();
        } catch (const std::exception &) {
        }
        std::error_code ec;
        fs::remove_all(fs::path(dir).parent_path(), ec);
    }
};

} // namespace

TEST_F(DemoTest, AllFreshCliStartAndStop)
{
    auto r = runHelper({"demo", "start", "--json", "--hostname", "nsviz-test-all", "--lifetime", "300"});
    ASSERT_EQ(r.rc, 0) << r.err;
    json j = json::parse(r.out);
    int pid = j.at("pid").get<int>();
    DemoManager mgr;
    DemoGuard guard{&mgr, pid};
    EXPECT_EQ(j.at("schema"), "nsviz.demo/1");
    EXPECT_EQ(j.at("hostname"), "nsviz-test-all");
    const int ref = hostRef();

    // 8 new namespaces (7 without time namespaces), all different from the host's.
    std::map<NsType, std::uint64_t> fresh;
    for (NsType t : kAllNsTypes) {
        std::uint64_t ino = nsInode(pid, t);
        std::uint64_t host = nsInode(ref, t);
        if (t == NsType::Time && !haveTimeNs())
            continue;
        ASSERT_NE(ino, 0u) << nsTypeName(t);
        EXPECT_NE(ino, host) << nsTypeName(t) << " should be fresh";
        EXPECT_EQ(j.at("ns").at(std::string(nsTypeName(t))).get<std::uint64_t>(), ino) << nsTypeName(t);
        fresh[t] = ino;
    }
    EXPECT_EQ(fresh.size(), haveTimeNs() ? 8u : 7u);

    // Its processes: the init and two sleepers, all in those namespaces.
    auto kids = childrenOf(pid);
    EXPECT_EQ(kids.size(), 2u);
    for (int k : kids)
        for (const auto &[t, ino] : fresh)
            EXPECT_EQ(nsInode(k, t), ino) << "child " << k << " " << nsTypeName(t);
    // Its pid 1 is our init.
    std::string text;
    procparse::Status status, self;
    ASSERT_EQ(ProcReader::readFile("/proc/" + std::to_string(pid) + "/status", text), 0);
    procparse::parseStatus(text, status);
    EXPECT_EQ(status.nspid, (std::vector<int>{pid, 1})) << text;
    // Like a default container: Docker's capability set, a seccomp filter, no_new_privs.
    const std::uint64_t dockerCaps = 0xa80425fbULL; // CHOWN ... AUDIT_WRITE, as Docker keeps
    ASSERT_EQ(ProcReader::readFile("/proc/self/status", text), 0);
    procparse::parseStatus(text, self);
    constexpr auto kBnd = std::size_t(procparse::CapSet::Bounding);
    ASSERT_TRUE(status.caps[kBnd] && self.caps[kBnd]);
    EXPECT_EQ(*status.caps[kBnd], dockerCaps & *self.caps[kBnd]);
    EXPECT_EQ(status.seccomp, 2);
    EXPECT_EQ(status.noNewPrivs, true);
    auto argv = ProcReader::cmdline(pid);
    ASSERT_GE(argv.size(), 2u);
    EXPECT_EQ(argv[1], kDemoInitMode);
    // Hostname as asked, only lo in the network namespace, root inside mapped elsewhere.
    EXPECT_EQ(hostnameOf(pid), "nsviz-test-all");
    EXPECT_EQ(netDevices(pid), std::vector<std::string>{"lo"});
    ASSERT_EQ(ProcReader::readFile("/proc/" + std::to_string(pid) + "/uid_map", text), 0);
    auto uidMap = procparse::parseIdMap(text);
    ASSERT_EQ(uidMap.size(), 1u) << text;
    EXPECT_EQ(uidMap[0].inside, 0u);
    EXPECT_EQ(uidMap[0].outside, j.at("uidBase").get<std::uint32_t>());
    EXPECT_EQ(j.at("uidBase").get<std::uint32_t>() >= 100000u, true);
    // Its own cgroup where cgroup v2 is writable.
    if (!j.at("cgroup").is_null()) {
        ASSERT_EQ(ProcReader::readFile("/proc/" + std::to_string(pid) + "/cgroup", text), 0);
        EXPECT_EQ(procparse::parseCgroupPath(text), j.at("cgroup").get<std::string>()) << text;
    }
    // listed
    auto l = runHelper({"demo", "list", "--json"});
    ASSERT_EQ(l.rc, 0) << l.err;
    bool listed = false;
    const json listed_ = json::parse(l.out);
    for (const auto &d : listed_.at("demos"))
        listed = listed || d.at("pid").get<int>() == pid;
    EXPECT_TRUE(listed) << l.out;
    auto mine = [](const json &c) { return c.value("hostname", "") == "nsviz-test-all"; };
    EXPECT_EQ(countSupervisors(mine), 1);

    // Stop: no process and no namespace of it remains.
    std::string cgroupDir = j.at("cgroupDir").get<std::string>();
    // By inode: a demo started meanwhile by another test may get the same directory name.
    struct stat cgSt {
    };
    if (!cgroupDir.empty()) {
        ASSERT_EQ(::stat(cgroupDir.c_str(), &cgSt), 0) << cgroupDir;
    }
    auto s = runHelper({"demo", "stop", std::to_string(pid)});
    const std::uint64_t stoppedAt = nowTicks();
    ASSERT_EQ(s.rc, 0) << s.err;
    guard.pid = 0;
    EXPECT_TRUE(goneWithin(pid, j.at("startTime").get<std::uint64_t>(), 0));
    EXPECT_TRUE(holders(fresh, stoppedAt).empty());
    EXPECT_FALSE(fs::exists("/run/nsviz/demos/" + std::to_string(pid) + ".json"));
    if (!cgroupDir.empty()) {
        struct stat now {
        };
        EXPECT_TRUE(::stat(cgroupDir.c_str(), &now) != 0 || now.st_ino != cgSt.st_ino)
            << cgroupDir << " remains";
    }
    EXPECT_EQ(countSupervisors(mine), 0);
    // Stopping it again is refused cleanly.
    auto again = runHelper({"demo", "stop", std::to_string(pid)});
    EXPECT_EQ(again.rc, 1);
    EXPECT_NE(again.err.find("not a running nsviz demo container"), std::string::npos) << again.err;
}

TEST_F(DemoTest, SharingHostNetwork)
{
    auto r = runHelper({"demo", "start", "--json", "--share", "net", "--lifetime", "300"});
    ASSERT_EQ(r.rc, 0) << r.err;
    json j = json::parse(r.out);
    int pid = j.at("pid").get<int>();
    DemoManager mgr;
    DemoGuard guard{&mgr, pid};
    const int ref = hostRef();
    EXPECT_EQ(nsInode(pid, NsType::Net), nsInode(ref, NsType::Net));
    EXPECT_EQ(j.at("ns").at("net").get<std::uint64_t>(), nsInode(ref, NsType::Net));
    EXPECT_EQ(j.at("shared"), json::array({"net"}));
    EXPECT_NE(nsInode(pid, NsType::Uts), nsInode(ref, NsType::Uts));
    EXPECT_NE(nsInode(pid, NsType::Pid), nsInode(ref, NsType::Pid));
    // Default hostname nsviz-demo-N.
    EXPECT_EQ(hostnameOf(pid).rfind("nsviz-demo-", 0), 0u) << hostnameOf(pid);
    // The host's interfaces are visible in it (it shares the stack: the risk findings flag).
    auto devs = netDevices(pid);
    auto hostDevs = netDevices(::getpid());
    EXPECT_EQ(devs.size(), hostDevs.size());
}

TEST_F(DemoTest, SharedPidNamespaceStillCleansUp)
{
    // Without a pid namespace the kernel does not kill the sleepers with the init: the
    // parent-death signal and the cgroup must.
    TempManager tm;
    auto spec = demoSpecFromArgs({"pid"}, std::nullopt, 300);
    ASSERT_TRUE(spec) << spec.error;
    DemoRecord rec = tm.mgr->start(*spec.spec);
    DemoGuard guard{tm.mgr.get(), rec.pid};
    EXPECT_EQ(nsInode(rec.pid, NsType::Pid), nsInode(hostRef(), NsType::Pid));
    auto kids = childrenOf(rec.pid);
    ASSERT_EQ(kids.size(), 2u);
    std::vector<std::uint64_t> kidStart;
    for (int k : kids)
        kidStart.push_back(ProcReader::startTime(k).value_or(0));
    // Kill the supervisor: the lifeline takes the init down, PDEATHSIG the sleepers.
    ASSERT_EQ(::kill(rec.supervisorPid, SIGKILL), 0);
    EXPECT_TRUE(goneWithin(rec.pid, rec.startTime, 1000));
    for (std::size_t i = 0; i < kids.size(); ++i)
        EXPECT_TRUE(goneWithin(kids[i], kidStart[i], 1000)) << kids[i];
    guard.pid = 0;
    // The stale record is pruned by the next list.
    EXPECT_TRUE(tm.mgr->list().empty());
    EXPECT_FALSE(fs::exists(tm.dir + "/" + std::to_string(rec.pid) + ".json"));
}

TEST_F(DemoTest, OwnerKilledEndsDemo)
{
    // The owner: `nsviz-helper demo start --foreground`, which owns the demo it starts.
    int out[2];
    ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    std::string bin = NSVIZ_HELPER_BIN;
    const char *argv[] = {bin.c_str(), "demo",       "start", "--foreground",
                          "--json",    "--lifetime", "300",   nullptr};
    pid_t owner = -1;
    ASSERT_EQ(::posix_spawn(&owner, argv[0], &fa, nullptr, const_cast<char **>(argv), environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    ::close(out[1]);
    std::string line;
    char c;
    while (::read(out[0], &c, 1) == 1 && c != '\n')
        line += c;
    ::close(out[0]);
    json j;
    ASSERT_NO_THROW(j = json::parse(line)) << line;
    int pid = j.at("pid").get<int>();
    DemoManager mgr;
    DemoGuard guard{&mgr, pid};
    EXPECT_EQ(j.at("owner").get<int>(), owner);
    auto kids = childrenOf(pid);
    std::map<NsType, std::uint64_t> fresh;
    for (NsType t : kAllNsTypes)
        fresh[t] = j.at("ns").at(std::string(nsTypeName(t))).get<std::uint64_t>();

    ASSERT_EQ(::kill(owner, SIGKILL), 0);
    ::waitpid(owner, nullptr, 0);
    EXPECT_TRUE(goneWithin(pid, j.at("startTime").get<std::uint64_t>(), 1000)) << "demo outlived its owner";
    const std::uint64_t stoppedAt = nowTicks();
    guard.pid = 0;
    // Its sleepers die with the pid namespace; give the kernel the same second.
    for (int k : kids)
        EXPECT_TRUE(goneWithin(k, ProcReader::startTime(k).value_or(0), 1000));
    auto supStart = j.at("supervisorStartTime").get<std::uint64_t>();
    EXPECT_TRUE(goneWithin(j.at("supervisor").get<int>(), supStart, 2000));
    EXPECT_TRUE(holders(fresh, stoppedAt).empty());
}

TEST_F(DemoTest, OwnerProcessViaApi)
{
    // What serve does: start with an owner; here the owner is a child we kill.
    TempManager tm;
    pid_t owner = ::fork();
    if (owner == 0) {
        ::pause();
        ::_exit(0);
    }
    ASSERT_GT(owner, 0);
    DemoRecord rec;
    try {
        rec = tm.mgr->start(DemoSpec{}, DemoOwner{owner, 0});
    } catch (const std::exception &e) {
        ::kill(owner, SIGKILL);
        ::waitpid(owner, nullptr, 0);
        FAIL() << e.what();
    }
    EXPECT_EQ(rec.ownerPid, owner);
    EXPECT_EQ(tm.mgr->list().size(), 1u);
    ::kill(owner, SIGKILL);
    ::waitpid(owner, nullptr, 0);
    EXPECT_TRUE(goneWithin(rec.pid, rec.startTime, 1000));
    // stopAllOwnedBy (serve's connection-end hook) on a live owner.
    pid_t owner2 = ::fork();
    if (owner2 == 0) {
        ::pause();
        ::_exit(0);
    }
    DemoRecord a = tm.mgr->start(DemoSpec{}, DemoOwner{owner2, 0});
    DemoRecord b = tm.mgr->start(DemoSpec{});
    DemoGuard gb{tm.mgr.get(), b.pid};
    EXPECT_EQ(tm.mgr->stopAllOwnedBy(owner2), 1);
    EXPECT_TRUE(goneWithin(a.pid, a.startTime, 0));
    EXPECT_FALSE(goneWithin(b.pid, b.startTime, 0));
    ::kill(owner2, SIGKILL);
    ::waitpid(owner2, nullptr, 0);
    // A dead owner is refused up front.
    EXPECT_THROW(tm.mgr->start(DemoSpec{}, DemoOwner{owner2, 0}), DemoError);
}

TEST_F(DemoTest, LifetimeEnds)
{
    TempManager tm;
    auto spec = demoSpecFromArgs({}, std::nullopt, 1);
    ASSERT_TRUE(spec);
    DemoRecord rec = tm.mgr->start(*spec.spec);
    DemoGuard guard{tm.mgr.get(), rec.pid};
    EXPECT_TRUE(goneWithin(rec.pid, rec.startTime, 5000));
    guard.pid = 0;
}

TEST_F(DemoTest, AtMostMaxDemos)
{
    TempManager tm(2);
    DemoRecord a = tm.mgr->start(DemoSpec{});
    DemoGuard ga{tm.mgr.get(), a.pid};
    DemoRecord b = tm.mgr->start(DemoSpec{});
    DemoGuard gb{tm.mgr.get(), b.pid};
    EXPECT_NE(a.slot, b.slot);
    EXPECT_NE(a.hostname, b.hostname);
    try {
        tm.mgr->start(DemoSpec{});
        ADD_FAILURE() << "a third demo started";
    } catch (const DemoError &e) {
        EXPECT_EQ(e.code(), "limit");
        EXPECT_NE(std::string(e.what()).find("at most 2"), std::string::npos) << e.what();
    }
    EXPECT_EQ(countInStateDir(tm.dir), 2);
    EXPECT_EQ(tm.mgr->stopAll(), 2);
    ga.pid = gb.pid = 0;
    EXPECT_TRUE(tm.mgr->list().empty());
}

TEST_F(DemoTest, InvalidStartRequestsStartNothing)
{
    // Every case carries a distinctive valid lifetime (or an invalid value) so that a demo it
    // wrongly started would be recognisable among demos other tests may be running.
    const std::string mark = "4321";
    auto wronglyStarted = [](const json &c) {
        const json spec = c.value("spec", json::object());
        auto lifetime = spec.value("lifetime", 0LL);
        auto host = c.value("hostname", "");
        return lifetime == 4321 || lifetime <= 0 || lifetime > 86400 || host == "a/b" || host == "x" ||
               host.size() > 64;
    };
    struct Case {
        std::vector<std::string> args;
        std::string expect;
    };
    std::vector<Case> cases = {
        {{"--share", "bogus", "--lifetime", mark}, "unknown namespace type 'bogus'"},
        {{"--share", "net,nope", "--lifetime", mark}, "unknown namespace type 'nope'"},
        {{"--hostname", "a/b", "--lifetime", mark}, "'/'"},
        {{"--hostname", std::string(300, 'a'), "--lifetime", mark}, "300 bytes"},
        {{"--lifetime", "0"}, "at least 1 second"},
        {{"--lifetime", "99999999999"}, "at most 86400"},
        {{"--lifetime", "-3"}, "at least 1 second"},
        {{"--share", "uts", "--hostname", "x", "--lifetime", mark}, "fresh uts"},
        {{"--lifetime", mark, "/bin/sh"}, "/bin/sh"},
        {{"--lifetime", mark, "--command", "id"}, "--command"},
    };
    for (const auto &c : cases) {
        std::vector<std::string> args{"demo", "start"};
        args.insert(args.end(), c.args.begin(), c.args.end());
        auto r = runHelper(args);
        EXPECT_EQ(r.rc, 2) << c.expect << ": " << r.err;
        EXPECT_TRUE(r.out.empty()) << r.out;
        EXPECT_NE(r.err.find(c.expect), std::string::npos) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
    }
    EXPECT_EQ(countSupervisors(wronglyStarted), 0);

    // The protocol form.
    TempManager tm;
    for (const char *bad : {R"({"share":["bogus"]})", R"({"hostname":"a/b"})", R"({"lifetime":0})",
                            R"({"lifetime":1000000000})", R"({"command":"sh"})", R"("x")"}) {
        try {
            tm.mgr->startJson(json::parse(bad), std::nullopt);
            ADD_FAILURE() << "started: " << bad;
        } catch (const DemoError &e) {
            EXPECT_EQ(e.code(), "bad_request") << bad;
        }
    }
    EXPECT_EQ(countInStateDir(tm.dir), 0);
}

TEST_F(DemoTest, InvalidStopRequestsStopNothing)
{
    // A process that is not a demo.
    pid_t victim = ::fork();
    if (victim == 0) {
        ::pause();
        ::_exit(0);
    }
    ASSERT_GT(victim, 0);
    auto victimStart = ProcReader::startTime(victim).value_or(0);

    auto r1 = runHelper({"demo", "stop", "1"});
    EXPECT_EQ(r1.rc, 2);
    EXPECT_NE(r1.err.find("pid 1 is not a demo container"), std::string::npos) << r1.err;
    auto r2 = runHelper({"demo", "stop", std::to_string(victim)});
    EXPECT_EQ(r2.rc, 1);
    EXPECT_NE(r2.err.find("is not a running nsviz demo container"), std::string::npos) << r2.err;
    for (auto args : std::vector<std::vector<std::string>>{{"demo", "stop"},
                                                           {"demo", "stop", "0"},
                                                           {"demo", "stop", "-4"},
                                                           {"demo", "stop", "abc"},
                                                           {"demo", "stop", "5", "--all"}}) {
        auto r = runHelper(args);
        EXPECT_EQ(r.rc, 2) << args.back() << ": " << r.err;
    }

    // A forged state file naming the victim: wrong start time, then right start time but not
    // our init (marker): both refused, the victim lives, the forged file is dropped.
    TempManager tm;
    DemoRecord fake;
    fake.pid = victim;
    fake.startTime = victimStart + 1;
    fake.supervisorPid = victim;
    fake.supervisorStartTime = victimStart;
    fake.slot = 1;
    fake.hostname = "forged";
    fake.bootId = ProcReader::bootId();
    fs::create_directories(tm.dir);
    ::chmod(tm.dir.c_str(), 0700);
    for (std::uint64_t st : {victimStart + 1, victimStart}) {
        fake.startTime = st;
        {
            std::ofstream f(tm.dir + "/" + std::to_string(victim) + ".json");
            f << fake.toJson().dump();
        }
        ::chmod((tm.dir + "/" + std::to_string(victim) + ".json").c_str(), 0600);
        try {
            tm.mgr->stop(victim);
            ADD_FAILURE() << "stopped a forged demo";
        } catch (const DemoError &e) {
            EXPECT_EQ(e.code(), "not_found") << e.what();
        }
        EXPECT_EQ(::kill(victim, 0), 0) << "the victim was killed";
        EXPECT_FALSE(goneWithin(victim, victimStart, 0));
    }
    EXPECT_FALSE(fs::exists(tm.dir + "/" + std::to_string(victim) + ".json"));
    // A corrupt file is ignored and removed.
    {
        std::ofstream f(tm.dir + "/123.json");
        f << "{not json";
    }
    ::chmod((tm.dir + "/123.json").c_str(), 0600);
    EXPECT_TRUE(tm.mgr->list().empty());
    EXPECT_FALSE(fs::exists(tm.dir + "/123.json"));

    // The protocol form.
    for (const char *bad : {R"({"pid":1})", R"({"pid":0})", R"({"pid":"5"})", R"({})",
                            R"({"pid":5,"all":true})", R"({"all":"yes"})", R"({"signal":9})"}) {
        try {
            tm.mgr->stopJson(json::parse(bad));
            ADD_FAILURE() << "accepted: " << bad;
        } catch (const DemoError &e) {
            EXPECT_EQ(e.code(), "bad_request") << bad << ": " << e.what();
        }
    }
    try {
        tm.mgr->stopJson(json{{"pid", victim}});
        ADD_FAILURE() << "stopped a non-demo";
    } catch (const DemoError &e) {
        EXPECT_EQ(e.code(), "not_found");
    }
    EXPECT_EQ(::kill(victim, 0), 0);
    ::kill(victim, SIGKILL);
    ::waitpid(victim, nullptr, 0);
}

TEST_F(DemoTest, HiddenModesRefuseToRunByHand)
{
    auto r = runHelper({kDemoInitMode});
    EXPECT_EQ(r.rc, 2);
    EXPECT_NE(r.err.find("internal"), std::string::npos) << r.err;
    auto s = runHelper({kDemoSuperviseMode, "{}"});
    EXPECT_EQ(s.rc, 2);
    // Hidden from --help.
    auto h = runHelper({"--help"});
    EXPECT_EQ(h.out.find("__demo"), std::string::npos) << h.out;
}

TEST_F(DemoTest, ListAndStopJson)
{
    TempManager tm;
    DemoRecord a = tm.mgr->start(DemoSpec{});
    DemoGuard ga{tm.mgr.get(), a.pid};
    json l = tm.mgr->listJson(json::object());
    EXPECT_EQ(l.at("schema"), "nsviz.demolist/1");
    ASSERT_EQ(l.at("demos").size(), 1u);
    EXPECT_EQ(l.at("demos")[0].at("pid").get<int>(), a.pid);
    EXPECT_THROW(tm.mgr->listJson(json{{"x", 1}}), DemoError);
    json s = tm.mgr->stopJson(json{{"pid", a.pid}});
    EXPECT_EQ(s.at("stopped"), json::array({a.pid}));
    ga.pid = 0;
    EXPECT_TRUE(goneWithin(a.pid, a.startTime, 0));
    EXPECT_TRUE(tm.mgr->listJson(json::object()).at("demos").empty());
}

TEST_F(DemoTest, ScanRightAfterStartSeesIt)
{
    auto r = runHelper({"demo", "start", "--json", "--lifetime", "300"});
    ASSERT_EQ(r.rc, 0) << r.err;
    json d = json::parse(r.out);
    int pid = d.at("pid").get<int>();
    DemoManager mgr;
    DemoGuard guard{&mgr, pid};
    auto kids = childrenOf(pid);
    ASSERT_EQ(kids.size(), 2u);

    auto s = runHelper({"scan", "--json"});
    ASSERT_EQ(s.rc, 0) << s.err;
    json snap = json::parse(s.out);
    int found = 0;
    for (const auto &ns : snap.at("namespaces")) {
        std::string type = ns.at("type").get<std::string>();
        if (!d.at("ns").contains(type) ||
            ns.at("inode").get<std::uint64_t>() != d.at("ns").at(type).get<std::uint64_t>())
            continue;
        ++found;
        EXPECT_FALSE(ns.at("is_host").get<bool>()) << type;
        auto pids = ns.at("pids").get<std::vector<int>>();
        for (int p : {pid, kids[0], kids[1]})
            EXPECT_NE(std::find(pids.begin(), pids.end(), p), pids.end()) << type << " lacks " << p;
        // Everything but the user namespace itself (and time, created before it) is owned by
        // the demo's user namespace.
        if (type != "user" && type != "time") {
            EXPECT_EQ(ns.at("owner"), d.at("ns").at("user")) << type;
        }
    }
    EXPECT_EQ(found, haveTimeNs() ? 8 : 7);
}

TEST_F(DemoTest, NonRootIsRefusedClearly)
{
    for (std::vector<std::string> args :
         {std::vector<std::string>{"demo", "start"}, {"demo", "list"}, {"demo", "stop", "5"}}) {
        int err[2];
        ASSERT_EQ(::pipe2(err, O_CLOEXEC), 0);
        pid_t c = ::fork();
        if (c == 0) {
            ::dup2(err[1], 2);
            if (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 ||
                ::setresuid(65534, 65534, 65534) != 0)
                ::_exit(99);
            std::vector<std::string> all{NSVIZ_HELPER_BIN};
            all.insert(all.end(), args.begin(), args.end());
            std::vector<char *> argv;
            for (auto &a : all)
                argv.push_back(a.data());
            argv.push_back(nullptr);
            ::execv(argv[0], argv.data());
            ::_exit(98);
        }
        ::close(err[1]);
        std::string text = readAllFd(err[0]);
        ::close(err[0]);
        int status = 0;
        ::waitpid(c, &status, 0);
        ASSERT_TRUE(WIFEXITED(status));
        if (WEXITSTATUS(status) == 98)
            GTEST_SKIP() << "the helper binary is not executable by nobody here";
        EXPECT_EQ(WEXITSTATUS(status), 1) << args.back() << ": " << text;
        EXPECT_NE(text.find("need root"), std::string::npos) << text;
    }
}
