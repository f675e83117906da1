// SPDX-License-Identifier: GPL-2.0-or-later
// Demo containers through `nsviz-helper serve` (the GUI's path) and seen by `findings`.
// Real processes, as root; everything started is stopped by pid.
#include "core/proc/procfiles.h"
#include "core/proc/procreader.h"
#include "core/protocol/protocol.h"
#include "helper/demo/demomanager.h"
#include "helper/demo/demoserve.h"
#include "helper/serve/server.h"
#include "tests/helper/serve/serve_util.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace nsviz;
using namespace nsviz::protocol;
using namespace std::chrono_literals;
using nlohmann::json;

extern char **environ;

namespace
{

/// The reply (result or error) to request @p id, as JSON; null on timeout.
json replyTo(testkit::FrameReader &reader, std::uint64_t id, std::chrono::milliseconds timeout = 30s)
{
    json out;
    reader.until(
        [&](const ClientEvent &e) {
            if (auto *r = std::get_if<event::Reply>(&e); r && r->id == id) {
                out = json::parse(r->text);
                return true;
            }
            if (auto *er = std::get_if<event::Error>(&e); er && er->id == id) {
                out = {{"type", "error"}, {"code", er->code}, {"message", er->message}};
                return true;
            }
            return false;
        },
        timeout);
    return out;
}

std::string request(const char *type, std::uint64_t id, const json &args)
{
    return dumpFrame({{"v", 1}, {"type", type}, {"id", id}, {"args", args}}) + "\n";
}

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
        std::this_thread::sleep_for(10ms);
    }
}

/// Stops a demo by pid at scope exit unless the test saw it end.
struct Cleanup {
    int pid = 0;
    ~Cleanup()
    {
        if (pid > 0) {
            try {
                helper::DemoManager().stop(pid);
            } catch (const std::exception &) {
            }
        }
    }
};

std::string runCapture(const std::vector<std::string> &args, int &rc)
{
    std::vector<std::string> all{NSVIZ_HELPER_BIN};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char *> argv;
    for (auto &a : all)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0)
        return {};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    pid_t pid = -1;
    int err = ::posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(out[1]);
    std::string s;
    char buf[65536];
    ssize_t n;
    while (err == 0 && ((n = ::read(out[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)))
        if (n > 0)
            s.append(buf, std::size_t(n));
    ::close(out[0]);
    int status = 0;
    if (err == 0)
        ::waitpid(pid, &status, 0);
    rc = err == 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return s;
}

class DemoServe : public ::testing::Test
{
protected:
    void SetUp() override
    {
        if (::geteuid() != 0)
            GTEST_SKIP() << "demo containers need root";
    }
};

} // namespace

TEST_F(DemoServe, SigkillOfServeEndsItsDemoWithinASecond)
{
    testkit::HelperProcess serve({NSVIZ_HELPER_BIN, "serve-demos", "--quiet"});
    ASSERT_GT(serve.pid(), 0);
    testkit::FrameReader reader(serve.outFd());
    ASSERT_TRUE(serve.send(request("demo_start", 1, {{"lifetime", 300}})));
    json r = replyTo(reader, 1);
    ASSERT_EQ(r.value("type", ""), "result") << r.dump();
    json demo = r.at("result");
    int pid = demo.at("pid").get<int>();
    Cleanup cleanup{pid};
    EXPECT_EQ(demo.at("owner").get<int>(), serve.pid());
    auto start = demo.at("startTime").get<std::uint64_t>();
    ASSERT_FALSE(goneWithin(pid, start, 0));

    ASSERT_EQ(::kill(serve.pid(), SIGKILL), 0);
    EXPECT_TRUE(goneWithin(pid, start, 1000)) << "the demo outlived the serve process that owned it";
    cleanup.pid = 0;
}

TEST_F(DemoServe, EndOfConnectionStopsItsDemos)
{
    testkit::HelperProcess serve({NSVIZ_HELPER_BIN, "serve-demos", "--quiet"});
    testkit::FrameReader reader(serve.outFd());
    ASSERT_TRUE(serve.send(request("demo_start", 1, {{"share", {"net"}}, {"lifetime", 300}})));
    json r = replyTo(reader, 1);
    ASSERT_EQ(r.value("type", ""), "result") << r.dump();
    int pid = r.at("result").at("pid").get<int>();
    Cleanup cleanup{pid};
    auto start = r.at("result").at("startTime").get<std::uint64_t>();
    // Listed over the same connection.
    ASSERT_TRUE(serve.send(request("demo_list", 2, json::object())));
    json l = replyTo(reader, 2);
    ASSERT_EQ(l.value("type", ""), "result") << l.dump();
    bool listed = false;
    for (const auto &d : l.at("result").at("demos"))
        listed = listed || d.at("pid").get<int>() == pid;
    EXPECT_TRUE(listed);
    serve.closeInput();
    int status = serve.wait(10s);
    ASSERT_NE(status, -1);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_TRUE(goneWithin(pid, start, 0)) << "the end hook should have stopped it before serve exited";
    cleanup.pid = 0;
}

TEST_F(DemoServe, InvalidRequestsAreRefusedAndChangeNothing)
{
    // A process that is not a demo, to try to stop.
    pid_t victim = ::fork();
    if (victim == 0) {
        ::pause();
        ::_exit(0);
    }
    ASSERT_GT(victim, 0);
    testkit::HelperProcess serve({NSVIZ_HELPER_BIN, "serve-demos", "--quiet"});
    testkit::FrameReader reader(serve.outFd());

    struct Case {
        const char *type;
        json args;
        const char *code;
        const char *text;
    };
    std::vector<Case> cases = {
        {"demo_start",
         {{"share", {"bogus"}}, {"lifetime", 4321}},
         err::BadRequest,
         "unknown namespace type 'bogus'"},
        {"demo_start", {{"hostname", "a/b"}, {"lifetime", 4321}}, err::BadRequest, "'/'"},
        {"demo_start",
         {{"hostname", std::string(300, 'a')}, {"lifetime", 4321}},
         err::BadRequest,
         "300 bytes"},
        {"demo_start", {{"lifetime", 0}}, err::BadRequest, "at least 1 second"},
        {"demo_start", {{"lifetime", 100000000}}, err::BadRequest, "at most 86400"},
        {"demo_start",
         {{"command", "/bin/sh"}, {"lifetime", 4321}},
         err::BadRequest,
         "unknown key 'command'"},
        {"demo_stop", {{"pid", 1}}, err::BadRequest, "pid 1 is not a demo"},
        {"demo_stop", {{"pid", victim}}, err::NotFound, "not a running nsviz demo container"},
        {"demo_stop", {{"pid", -7}}, err::BadRequest, "invalid pid"},
    };
    std::uint64_t id = 10;
    for (const auto &c : cases) {
        ASSERT_TRUE(serve.send(request(c.type, id, c.args)));
        json r = replyTo(reader, id);
        EXPECT_EQ(r.value("type", ""), "error") << c.text << ": " << r.dump();
        EXPECT_EQ(r.value("code", ""), c.code) << c.text;
        EXPECT_NE(r.value("message", "").find(c.text), std::string::npos) << r.value("message", "");
        ++id;
    }
    // Nothing started: no supervisor carries any of these requests (other tests may be running
    // demos of their own, so this looks for ours rather than counting).
    int wrong = 0;
    for (const auto &entry : std::filesystem::directory_iterator("/proc")) {
        auto argv = ProcReader::cmdline(std::atoi(entry.path().filename().c_str()));
        if (argv.size() < 3 || argv[1] != helper::kDemoSuperviseMode)
            continue;
        json c = json::parse(argv[2], nullptr, false);
        if (!c.is_object())
            continue;
        auto lifetime = c.value("spec", json::object()).value("lifetime", 0LL);
        auto host = c.value("hostname", "");
        if (lifetime == 4321 || lifetime <= 0 || lifetime > 86400 || host == "a/b" || host.size() > 64)
            ++wrong;
    }
    EXPECT_EQ(wrong, 0);
    EXPECT_EQ(::kill(victim, 0), 0) << "a non-demo process was killed";
    ::kill(victim, SIGKILL);
    ::waitpid(victim, nullptr, 0);
}

TEST_F(DemoServe, FindingsFlagADemoSharingHostNetwork)
{
    int rc = -1;
    std::string out = runCapture({"demo", "start", "--json", "--share", "net", "--lifetime", "300"}, rc);
    ASSERT_EQ(rc, 0);
    json demo = json::parse(out);
    int pid = demo.at("pid").get<int>();
    Cleanup cleanup{pid};
    std::string f = runCapture({"findings", "--json"}, rc);
    ASSERT_EQ(rc == 0 || rc == 1, true) << "findings exit code " << rc; // 1 may mean "something flagged"
    json findings = json::parse(f);
    bool flagged = false, found = false;
    for (const auto &c : findings.at("containers")) {
        auto pids = c.value("pids", std::vector<int>{});
        if (std::find(pids.begin(), pids.end(), pid) == pids.end())
            continue;
        found = true;
        // The engine is read from the demo's own cgroup; where none could be made (no writable
        // cgroup v2, as in a chroot without /sys/fs/cgroup), the demo says so in its notes.
        const bool hasCgroup = demo.contains("cgroup") && demo["cgroup"].is_string() &&
                               !demo["cgroup"].get<std::string>().empty();
        if (hasCgroup)
            EXPECT_EQ(c.value("engine", ""), "nsviz-demo");
        else
            EXPECT_FALSE(demo.value("notes", json::array()).empty()) << "no cgroup and no note saying why";
        for (const auto &x : c.at("findings"))
            flagged = flagged || x.value("code", "") == "host-net";
    }
    EXPECT_TRUE(found) << "findings does not list the demo";
    EXPECT_TRUE(flagged) << "the demo sharing the host network was not flagged";
}

TEST_F(DemoServe, KAuthStyleOwnerOutlivesTheConnection)
{
    // The KAuth helper drives a Server in-process, one short connection per action, on behalf of
    // the GUI: the GUI process owns the demo, not the connection. Here a child plays the GUI.
    pid_t gui = ::fork();
    if (gui == 0) {
        ::pause();
        ::_exit(0);
    }
    ASSERT_GT(gui, 0);
    char tmpl[] = "/run/nsviz-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    std::string base = tmpl;
    helper::DemoServeOptions opts;
    opts.manager.stateDir = base + "/demos";
    opts.manager.helperPath = NSVIZ_HELPER_BIN; // as a KAuth helper must
    opts.owner = [gui] { return helper::DemoOwner{gui, 0}; };
    opts.stopOnConnectionEnd = false;

    int in[2], out[2];
    ASSERT_EQ(::pipe2(in, O_CLOEXEC), 0);
    ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
    helper::Server::Options so;
    so.log = false;
    helper::Server server(so);
    helper::installDemoHandlers(server, opts);
    std::thread serving([&] {
        server.run(in[0], out[1]);
        ::close(in[0]);
        ::close(out[1]);
    });
    testkit::FrameReader reader(out[0]);
    std::string req = request("demo_start", 1, {{"lifetime", 300}});
    ASSERT_EQ(::write(in[1], req.data(), req.size()), ssize_t(req.size()));
    json r = replyTo(reader, 1);
    ::close(in[1]); // the action (connection) ends
    reader.until([](const ClientEvent &) { return false; }, 5s);
    serving.join();
    ::close(out[0]);
    ASSERT_EQ(r.value("type", ""), "result") << r.dump();
    int pid = r.at("result").at("pid").get<int>();
    auto start = r.at("result").at("startTime").get<std::uint64_t>();
    EXPECT_EQ(r.at("result").at("owner").get<int>(), gui);
    EXPECT_FALSE(goneWithin(pid, start, 200)) << "the demo ended with the connection";

    ::kill(gui, SIGKILL);
    ::waitpid(gui, nullptr, 0);
    EXPECT_TRUE(goneWithin(pid, start, 1000)) << "the demo outlived its GUI owner";
    try {
        helper::DemoManager(opts.manager).stopAll();
    } catch (const std::exception &) {
    }
    std::error_code ec;
    std::filesystem::remove_all(base, ec);
}
