// SPDX-License-Identifier: GPL-2.0-or-later
// A running `nsviz-helper serve` holds only the capabilities it needs, has no_new_privs set, and
// can still scan and inspect with them; inspect names a process by (pid, start time).
#include "core/proc/procfiles.h"
#include "helper/serve/privileges.h"
#include "tests/common/commandrunner.h"
#include "tests/helper/serve/serve_util.h"

#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sstream>
#include <sys/capability.h>

using namespace nsviz;
using namespace nsviz::protocol;
using namespace std::chrono_literals;
using nlohmann::json;

namespace
{
/// The "Key:\tvalue" lines of /proc/PID/status.
std::map<std::string, std::string> statusOf(pid_t pid)
{
    std::map<std::string, std::string> m;
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        auto colon = line.find(':');
        if (colon == std::string::npos)
            continue;
        auto v = line.substr(colon + 1);
        v.erase(0, v.find_first_not_of(" \t"));
        m[line.substr(0, colon)] = v;
    }
    return m;
}

std::uint64_t mask(const std::vector<int> &caps)
{
    std::uint64_t m = 0;
    for (int c : caps)
        m |= std::uint64_t(1) << c;
    return m;
}

std::uint64_t startTimeOf(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::stringstream ss;
    ss << in.rdbuf();
    return procparse::parseStatStartTime(ss.str()).value_or(0);
}

template <class T> const T *find(const std::vector<ClientEvent> &events, std::uint64_t id)
{
    for (const auto &e : events)
        if (auto *x = std::get_if<T>(&e); x && x->id == id)
            return x;
    return nullptr;
}

void checkServe(bool demos)
{
    // serve is read-only; serve-demos (its own polkit action) keeps what demo containers need.
    std::vector<std::string> args = {NSVIZ_HELPER_BIN, demos ? "serve-demos" : "serve", "--quiet"};
    testkit::HelperProcess h(args);
    ASSERT_GT(h.pid(), 0);
    testkit::FrameReader reader(h.outFd());
    ASSERT_TRUE(h.send(requestLine(RequestType::Hello, 1)));
    ASSERT_TRUE(
        reader.until([](const ClientEvent &e) { return std::holds_alternative<event::Hello>(e); }, 30s));

    // It answered, so it dropped what it does not need before reading the first request.
    // (What it keeps of what it had: a container may have started us without some of them.)
    auto st = statusOf(h.pid());
    auto ours = statusOf(::getpid());
    const std::uint64_t want = mask(helper::keptCapabilities(demos));
    EXPECT_EQ(std::stoull(st["CapEff"], nullptr, 16), want & std::stoull(ours["CapPrm"], nullptr, 16));
    EXPECT_EQ(std::stoull(st["CapPrm"], nullptr, 16), want & std::stoull(ours["CapPrm"], nullptr, 16));
    EXPECT_EQ(std::stoull(st["CapBnd"], nullptr, 16), want & std::stoull(ours["CapBnd"], nullptr, 16));
    EXPECT_EQ(std::stoull(st["CapInh"], nullptr, 16), 0u);
    EXPECT_EQ(std::stoull(st["CapAmb"], nullptr, 16), 0u);
    EXPECT_EQ(st["NoNewPrivs"], "1");
    // Nothing that loads code into the kernel or writes devices, with or without demos.
    for (int c : {CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_BPF, CAP_SYS_BOOT, CAP_MAC_ADMIN})
        EXPECT_FALSE(want & (std::uint64_t(1) << c)) << c;

    // What it kept is enough: a whole scan sees every process's namespaces ...
    ASSERT_TRUE(h.send(requestLine(RequestType::Scan, 2)));
    ASSERT_TRUE(reader.until(
        [](const ClientEvent &e) { return std::holds_alternative<event::SnapshotDone>(e); }, 180s));
    const auto *snap = find<event::SnapshotDone>(reader.events(), 2);
    ASSERT_TRUE(snap);
    // ... as many as a scan with every capability sees (a sandbox may hide some from root too).
    auto full = test::CommandRunner::run({NSVIZ_HELPER_BIN, "scan", "--json"});
    ASSERT_EQ(full.exitCode, 0) << full.err;
    EXPECT_LE(snap->snapshot.host.invisibleProcesses,
              json::parse(full.out)["host"]["invisible_processes"].get<int>());

    // ... and inspect enters another process's net, uts and ipc namespaces.
    testkit::NamespacedChild child;
    ASSERT_TRUE(child.ready());
    const std::uint64_t start = startTimeOf(child.pid());
    ASSERT_NE(start, 0u);
    ASSERT_TRUE(h.send(requestLine(RequestType::Inspect, 3, {{"pid", child.pid()}, {"start_time", start}})));
    ASSERT_TRUE(reader.until(
        [](const ClientEvent &e) {
            auto *r = std::get_if<event::Reply>(&e);
            return (r && r->id == 3) || std::holds_alternative<event::Error>(e);
        },
        60s));
    const auto *r = find<event::Reply>(reader.events(), 3);
    ASSERT_TRUE(r) << reader.bytes();
    json doc = json::parse(r->text)["result"];
    EXPECT_EQ(doc["state"], "running");
    EXPECT_EQ(doc["startTime"], start);
    for (const char *type : {"uts", "net", "ipc"})
        EXPECT_FALSE(doc["sections"][type].contains("error")) << type << ": " << doc["sections"][type].dump();

    // The same pid under another start time is another process: refused, not inspected.
    ASSERT_TRUE(
        h.send(requestLine(RequestType::Inspect, 4, {{"pid", child.pid()}, {"start_time", start + 1}})));
    ASSERT_TRUE(reader.until(
        [](const ClientEvent &e) {
            auto *x = std::get_if<event::Error>(&e);
            return x && x->id == 4;
        },
        60s));
    const auto *err = find<event::Error>(reader.events(), 4);
    ASSERT_TRUE(err);
    EXPECT_EQ(err->code, "not_found");
    EXPECT_NE(err->message.find("another process"), std::string::npos) << err->message;

    ASSERT_TRUE(h.send(requestLine(RequestType::Bye, 5)));
    int status = h.wait(30s);
    ASSERT_NE(status, -1);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
} // namespace

TEST(ServePrivileges, KeepsOnlyScanInspectAndDemoCapabilities)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root: an unprivileged serve has no capabilities to drop";
    checkServe(true);
}

TEST(ServePrivileges, ReadOnlyServeKeepsOnlyScanAndInspectCapabilities)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root: an unprivileged serve has no capabilities to drop";
    EXPECT_EQ(helper::keptCapabilities(false),
              (std::vector<int>{CAP_DAC_READ_SEARCH, CAP_SYS_CHROOT, CAP_SYS_PTRACE, CAP_SYS_ADMIN}));
    checkServe(false);
}

TEST(ServePrivileges, ReadOnlyServeRefusesDemoRequests)
{
    testkit::HelperProcess h({NSVIZ_HELPER_BIN, "serve", "--quiet"});
    testkit::FrameReader reader(h.outFd());
    ASSERT_TRUE(h.send(requestLine(RequestType::DemoList, 1)));
    ASSERT_TRUE(
        reader.until([](const ClientEvent &e) { return std::holds_alternative<event::Error>(e); }, 30s));
    EXPECT_EQ(find<event::Error>(reader.events(), 1)->code, "not_authorised");
}
