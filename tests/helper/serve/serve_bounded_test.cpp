// SPDX-License-Identifier: GPL-2.0-or-later
// Hostile input costs nothing (issue 11): scans run off the serve loop, so ping and unsubscribe are
// answered while a scan runs; and `nsviz-helper scan --json` under an argv attack (a few hundred
// processes with 131,000 empty arguments each) stays small in memory and output.
#include "core/discovery/bindmountcache.h"
#include "core/proc/procfiles.h"
#include "core/proc/procreader.h"
#include "helper/serve/server.h"
#include "tests/helper/serve/serve_util.h"

#include <condition_variable>
#include <csignal>
#include <gtest/gtest.h>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>

using namespace nsviz;
using namespace nsviz::protocol;
using namespace std::chrono_literals;
using nlohmann::json;

namespace
{

/// A scan function that blocks until released, so a test can act while a scan runs.
struct GatedScan {
    std::mutex m;
    std::condition_variable cv;
    bool open = false;
    int started = 0;
    Snapshot operator()()
    {
        std::unique_lock lock(m);
        ++started;
        cv.notify_all();
        cv.wait(lock, [&] { return open; });
        return Snapshot{};
    }
    bool waitStarted(int n)
    {
        std::unique_lock lock(m);
        return cv.wait_for(lock, 30s, [&] { return started >= n; });
    }
    void release()
    {
        std::lock_guard lock(m);
        open = true;
        cv.notify_all();
    }
};

template <typename T> std::vector<T> all(const std::vector<ClientEvent> &ev)
{
    std::vector<T> out;
    for (const auto &e : ev)
        if (auto *x = std::get_if<T>(&e))
            out.push_back(*x);
    return out;
}

bool resultFor(const ClientEvent &e, std::uint64_t id)
{
    auto *r = std::get_if<event::Reply>(&e);
    return r && r->id == id && r->type == "result";
}

} // namespace

TEST(ServeOffLoop, PingAndUnsubscribeAreAnsweredWhileAScanRuns)
{
    auto gate = std::make_shared<GatedScan>();
    int in[2], out[2];
    ASSERT_EQ(::pipe2(in, O_CLOEXEC), 0);
    ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
    helper::Server::Options o;
    o.log = false;
    o.scan = [gate] { return (*gate)(); };
    helper::Server server(o);
    std::thread t([&] { server.run(in[0], out[1]); });
    testkit::FrameReader reader(out[0]);
    auto send = [&](const std::string &s) {
        ASSERT_EQ(::write(in[1], s.data(), s.size()), ssize_t(s.size()));
    };

    send(requestLine(RequestType::Subscribe, 1, {{"interval_ms", 100}}));
    ASSERT_TRUE(gate->waitStarted(1));
    // The scan is held: were it on the serve loop, nothing below could be answered until release().
    // The bounds below only end a failing test; what counts is that the answers come while the
    // scan is held (the GUI transport's watchdog, same situation:
    // ProcessTransport.AHeldScanLeavesNothingDueForTheWatchdog).
    send(requestLine(RequestType::Ping, 2) + requestLine(RequestType::Unsubscribe, 3) +
         requestLine(RequestType::Scan, 4) + requestLine(RequestType::Bye, 5));
    EXPECT_TRUE(reader.until([](const ClientEvent &e) { return resultFor(e, 2); }, 10s))
        << "ping not answered";
    EXPECT_TRUE(reader.until([](const ClientEvent &e) { return resultFor(e, 3); }, 10s))
        << "unsubscribe not answered";
    EXPECT_TRUE(all<event::SnapshotDone>(reader.events()).empty()) << "the scan is still held";
    for (const auto &r : all<event::Reply>(reader.events()))
        if (r.id == 3) { // a subscribe waiting for its scan counts
            EXPECT_EQ(json::parse(r.text)["result"]["was_subscribed"], true) << r.text;
        }
    gate->release();
    // Then the held subscribe's snapshot, the queued scan's, and bye after them, in that order.
    EXPECT_TRUE(
        reader.until([](const ClientEvent &e) { return std::holds_alternative<event::Bye>(e); }, 30s));
    std::vector<std::uint64_t> order;
    for (const auto &e : reader.events()) {
        if (auto *s = std::get_if<event::SnapshotDone>(&e))
            order.push_back(s->id);
        if (auto *b = std::get_if<event::Bye>(&e))
            order.push_back(b->id);
        EXPECT_FALSE(std::holds_alternative<event::Delta>(e)) << "unsubscribed before the first scan ended";
    }
    EXPECT_EQ(order, (std::vector<std::uint64_t>{1, 4, 5}));
    ::close(in[1]);
    t.join();
    ::close(in[0]);
    ::close(out[0]);
    ::close(out[1]);
}

TEST(ServeOffLoop, SubscriptionTicksUseTheBindMountCache)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root to read every mount namespace's table";
    auto cache = std::make_shared<BindMountCache>();
    int in[2], out[2];
    ASSERT_EQ(::pipe2(in, O_CLOEXEC), 0);
    ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
    helper::Server::Options o;
    o.log = false;
    o.bindMountCache = cache; // the default scan (discover() over /proc) with this cache
    // Polling: every tick runs the whole pipeline. (An event-driven subscription patches most
    // changes and looks at the mount tables through the cache once per sweep round.)
    o.live = helper::Server::Options::Live::Polling;
    helper::Server server(o);
    std::thread t([&] { server.run(in[0], out[1]); });
    testkit::FrameReader reader(out[0]);
    const std::string sub = requestLine(RequestType::Subscribe, 1, {{"interval_ms", 100}});
    ASSERT_EQ(::write(in[1], sub.data(), sub.size()), ssize_t(sub.size()));
    ASSERT_TRUE(reader.until(
        [](const ClientEvent &e) { return std::holds_alternative<event::SnapshotDone>(e); }, 60s));
    const std::uint64_t reads = cache->mountinfoReads();
    EXPECT_GE(reads, 1u); // the first scan read each mount namespace's table
    // Later ticks answer the namespaces whose tables did not change from the cache.
    for (int i = 0; i < 600 && cache->hits() < 3; ++i)
        reader.until([](const ClientEvent &) { return false; }, 100ms);
    EXPECT_GE(cache->hits(), 3u);
    const std::string bye = requestLine(RequestType::Unsubscribe, 2) + requestLine(RequestType::Bye, 3);
    ASSERT_EQ(::write(in[1], bye.data(), bye.size()), ssize_t(bye.size()));
    EXPECT_TRUE(
        reader.until([](const ClientEvent &e) { return std::holds_alternative<event::Bye>(e); }, 60s));
    ::close(in[1]);
    t.join();
    ::close(in[0]);
    ::close(out[0]);
    ::close(out[1]);
}

namespace
{

/// A few hundred processes with 131,000 empty arguments each (`sh -c 'read x' sh "" ""...`), all
/// reading one pipe: closing its write end ends them; the destructor also kills them by pid.
class ArgvAttack
{
public:
    ArgvAttack(int processes, int emptyArgs)
    {
        int p[2];
        if (::pipe2(p, O_CLOEXEC) != 0)
            return;
        m_hold = p[1];
        static const std::string kEmpty;
        std::vector<char *> argv = {const_cast<char *>("sh"), const_cast<char *>("-c"),
                                    const_cast<char *>("read x"), const_cast<char *>("sh")};
        argv.insert(argv.end(), static_cast<std::size_t>(emptyArgs), const_cast<char *>(kEmpty.c_str()));
        argv.push_back(nullptr);
        char *envp[] = {nullptr};
        for (int i = 0; i < processes; ++i) {
            pid_t pid = ::fork();
            if (pid == 0) {
                ::dup2(p[0], 0);
                ::execve("/bin/sh", argv.data(), envp);
                ::_exit(127);
            }
            if (pid > 0)
                m_pids.push_back(pid);
        }
        ::close(p[0]);
    }
    ~ArgvAttack()
    {
        ::close(m_hold);
        for (pid_t pid : m_pids) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
    }
    const std::vector<pid_t> &pids() const { return m_pids; }

private:
    int m_hold = -1;
    std::vector<pid_t> m_pids;
};

struct ChildRun {
    std::string out;
    long maxRssKiB = 0;
    int status = -1;
};

/// Runs @p argv with stdout to a pipe read here; its peak RSS from wait4's rusage.
ChildRun runMeasured(std::vector<std::string> args)
{
    ChildRun r;
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0)
        return r;
    std::vector<char *> argv;
    for (auto &a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(p[1], 1);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(p[1]);
    char buf[65536];
    ssize_t n;
    while ((n = ::read(p[0], buf, sizeof buf)) > 0)
        r.out.append(buf, static_cast<std::size_t>(n));
    ::close(p[0]);
    rusage ru{};
    ::wait4(pid, &r.status, 0, &ru);
    r.maxRssKiB = ru.ru_maxrss;
    return r;
}

} // namespace

TEST(ArgvAttack, ScanJsonStaysSmallInMemoryAndOutput)
{
    constexpr int kProcesses = 200, kEmptyArgs = 131000;
    ArgvAttack attack(kProcesses, kEmptyArgs);
    ASSERT_EQ(attack.pids().size(), std::size_t(kProcesses));
    // Wait until each has exec'd (its cmdline is the attack's, not the forked test's).
    for (pid_t pid : attack.pids()) {
        for (int i = 0; i < 1000; ++i) {
            std::string text;
            if (ProcReader::readFile("/proc/" + std::to_string(pid) + "/cmdline", text, 16) == EFBIG &&
                text.substr(0, 3) == std::string("sh\0", 3))
                break;
            ::usleep(10000);
        }
    }

    ChildRun r = runMeasured({NSVIZ_HELPER_BIN, "scan", "--json"});
    ASSERT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0) << r.status;
#if defined(__SANITIZE_ADDRESS__)
    const long kMaxRssKiB = 512 * 1024; // ASan's shadow and quarantine; uncapped it took 1.4 GB
#else
    const long kMaxRssKiB = 64 * 1024;
#endif
    EXPECT_LT(r.maxRssKiB, kMaxRssKiB) << "peak RSS of the scan";
    // Uncapped: 131,072 empty strings per process, 78 MB of output for 200 of them.
    EXPECT_LT(r.out.size(), std::size_t(16) << 20) << "output bytes";

    json doc = json::parse(r.out);
    int seen = 0;
    for (const auto &p : doc["processes"]) {
        if (std::find(attack.pids().begin(), attack.pids().end(), p["pid"].get<int>()) == attack.pids().end())
            continue;
        ++seen;
        EXPECT_EQ(p["cmdline"].size(), procparse::kMaxCmdlineArgs);
        EXPECT_EQ(p["cmdline"][0], "sh");
        EXPECT_EQ(p.value("cmdline_truncated", false), true);
    }
    EXPECT_EQ(seen, kProcesses);
}
