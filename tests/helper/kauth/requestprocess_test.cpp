// SPDX-License-Identifier: GPL-2.0-or-later
// The KAuth helper runs each request in a child process with only the capabilities its verb needs
// (helper/kauth/requestprocess.h): read from /proc/CHILD/status while a subscription streams, and
// reported from inside a demo request; a child that dies is a failed request, not a hang.
#include "helper/kauth/requestprocess.h"

#include "core/protocol/protocol.h"
#include "helper/serve/privileges.h"
#include "helper/serve/server.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <poll.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace nsviz;
using namespace nsviz::kauth;
using nlohmann::json;

namespace
{

/// The "Key:\tvalue" lines of /proc/PID/status ("self" for this process).
std::map<std::string, std::string> statusOf(const std::string &pid)
{
    std::map<std::string, std::string> m;
    std::ifstream in("/proc/" + pid + "/status");
    std::string line;
    while (std::getline(in, line)) {
        const auto colon = line.find(':');
        if (colon == std::string::npos)
            continue;
        auto v = line.substr(colon + 1);
        v.erase(0, v.find_first_not_of(" \t"));
        m[line.substr(0, colon)] = v;
    }
    return m;
}

std::uint64_t hex(const std::string &s)
{
    return s.empty() ? ~std::uint64_t(0) : std::stoull(s, nullptr, 16);
}

std::uint64_t mask(const std::vector<int> &caps)
{
    std::uint64_t m = 0;
    for (int c : caps)
        m |= std::uint64_t(1) << c;
    return m;
}

bool writeLine(int fd, const std::string &frame)
{
    const std::string s = frame + '\n';
    return ::send(fd, s.data(), s.size(), MSG_NOSIGNAL) == ssize_t(s.size());
}

/// The request's end of a socket pair: closed by the test to stop it (as a client closes its channel).
bool peerGone(int fd)
{
    pollfd p{fd, POLLRDHUP, 0};
    return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

/// Reads one line from @p fd, waiting up to @p ms.
std::string readLine(int fd, int ms)
{
    std::string line;
    char c;
    while (true) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, ms) <= 0 || ::read(fd, &c, 1) != 1)
            return line;
        if (c == '\n')
            return line;
        line += c;
    }
}

} // namespace

TEST(RequestProcess, ReadOnlyVerbsGetServesReadOnlySetAndDemoVerbsTheDemoSet)
{
    // One rule, one place: the same sets as `nsviz-helper serve` and `serve-demos`.
    for (Verb v : {Verb::Scan, Verb::Inspect})
        EXPECT_EQ(RequestProcess::capabilitiesFor(v), helper::keptCapabilities(false));
    for (Verb v : {Verb::DemoStart, Verb::DemoStop, Verb::DemoList})
        EXPECT_EQ(RequestProcess::capabilitiesFor(v), helper::keptCapabilities(true));
    const auto readOnly = mask(RequestProcess::capabilitiesFor(Verb::Scan));
    EXPECT_EQ(readOnly & (std::uint64_t(1) << CAP_CHOWN), 0u) << "the channel's chown stays with the parent";
    EXPECT_EQ(readOnly & (std::uint64_t(1) << CAP_DAC_OVERRIDE), 0u);
    EXPECT_EQ(readOnly & (std::uint64_t(1) << CAP_SYS_MODULE), 0u);
}

TEST(RequestProcess, ASubscriptionStreamsFromAChildWithOnlyTheReadOnlySet)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root: the point is the capabilities root gives up";
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    KAuthRequest req;
    req.verb = Verb::Scan;
    req.id = 7;
    req.subscribe = true;
    req.intervalMs = 100;
    req.maxDurationMs = 120000;
    std::atomic<pid_t> child{0};
    std::atomic<int> heartbeats{0};
    RequestRunner::Outcome out;
    const int requestEnd = sv[0];
    // Something of this process's that the request must not hold (the helper's D-Bus socket, say).
    const int secret = ::memfd_create("nsviz-test-secret", MFD_CLOEXEC);
    ASSERT_GE(secret, 0);
    std::thread running([&] {
        out = RequestProcess::run(
            req, {requestEnd}, [requestEnd](const std::string &f) { return writeLine(requestEnd, f); },
            [requestEnd] { return peerGone(requestEnd); }, [&] { ++heartbeats; },
            [&](pid_t p) { child = p; });
    });
    // The first frame arrives while the child streams; look at it from outside meanwhile.
    const std::string first = readLine(sv[1], 60000);
    ASSERT_FALSE(first.empty()) << "no frame from the request";
    EXPECT_EQ(json::parse(first).value("id", 0), 7);
    ASSERT_GT(child.load(), 0);
    const auto st = statusOf(std::to_string(child.load()));
    // What the set keeps of what this process holds (a container may not grant every one).
    const std::uint64_t want =
        mask(RequestProcess::capabilitiesFor(Verb::Scan)) & hex(statusOf("self").at("CapPrm"));
    EXPECT_NE(want & (std::uint64_t(1) << CAP_SYS_PTRACE), 0u);
    EXPECT_EQ(st.at("Name"), "nsviz-kauth-req");
    EXPECT_EQ(hex(st.at("CapEff")), want) << st.at("CapEff");
    EXPECT_EQ(hex(st.at("CapPrm")), want) << st.at("CapPrm");
    EXPECT_EQ(hex(st.at("CapBnd")), want) << st.at("CapBnd");
    EXPECT_EQ(hex(st.at("CapInh")), 0u);
    EXPECT_EQ(hex(st.at("CapAmb")), 0u);
    EXPECT_EQ(st.at("NoNewPrivs"), "1");
    // This process (the helper's stand-in) keeps what it has: it makes the next channel.
    EXPECT_NE(hex(statusOf("self").at("CapEff")) & (std::uint64_t(1) << CAP_CHOWN), 0u);
    EXPECT_EQ(statusOf("self").at("NoNewPrivs"), "0");
    // Of this process's files the child kept the channel and nothing else of note.
    const std::string fdDir = "/proc/" + std::to_string(child.load()) + "/fd";
    int seen = 0;
    for (const auto &e : std::filesystem::directory_iterator(fdDir)) {
        std::error_code ec;
        const auto target = std::filesystem::read_symlink(e.path(), ec).string();
        EXPECT_EQ(target.find("nsviz-test-secret"), std::string::npos) << e.path() << " -> " << target;
        ++seen;
    }
    EXPECT_GT(seen, 0);
    ::close(secret);

    ::close(sv[1]); // the client goes: the child ends the stream
    running.join();
    ::close(sv[0]);
    EXPECT_EQ(out.status, RequestRunner::Status::Cancelled) << out.message;
    EXPECT_GE(out.frames, 1u);
}

TEST(RequestProcess, DemoRequestsRunWithTheDemoSet)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root: the point is the capabilities root gives up";
    // A stand-in demo_list handler (the real ones start containers) reports what its process holds.
    auto extension = [](helper::Server &server) {
        server.setHandler(protocol::RequestType::DemoList, [](const protocol::Request &) {
            const auto st = statusOf("self");
            return json{{"CapEff", st.at("CapEff")},
                        {"CapBnd", st.at("CapBnd")},
                        {"NoNewPrivs", st.at("NoNewPrivs")}};
        });
    };
    KAuthRequest req;
    req.verb = Verb::DemoList;
    req.id = 8;
    std::vector<std::string> frames;
    const auto out = RequestProcess::run(
        req, {},
        [&frames](const std::string &f) {
            frames.push_back(f); // the child's copy: only the outcome's count reaches this process
            return true;
        },
        [] { return false; }, {}, {}, "/proc", extension);
    ASSERT_EQ(out.status, RequestRunner::Status::Done) << out.errorCode << ": " << out.message;
    EXPECT_EQ(out.frames, 1u);
    EXPECT_TRUE(frames.empty()) << "the sink runs in the child";

    // The reply went to a sink in the child: run it again with the frame sent over a pipe.
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
    const int w = p[1];
    const auto again = RequestProcess::run(
        req, {w},
        [w](const std::string &f) {
            return ::write(w, (f + "\n").data(), f.size() + 1) == ssize_t(f.size() + 1);
        },
        [] { return false; }, {}, {}, "/proc", extension);
    ::close(p[1]);
    ASSERT_EQ(again.status, RequestRunner::Status::Done);
    const json reply = json::parse(readLine(p[0], 10000));
    ::close(p[0]);
    const auto &r = reply.at("result");
    const std::uint64_t want =
        mask(RequestProcess::capabilitiesFor(Verb::DemoList)) & hex(statusOf("self").at("CapPrm"));
    EXPECT_EQ(hex(r.at("CapEff")), want) << reply.dump();
    EXPECT_EQ(hex(r.at("CapBnd")), want) << reply.dump();
    EXPECT_EQ(r.at("NoNewPrivs"), "1");
    EXPECT_NE(want & (std::uint64_t(1) << CAP_KILL), 0u) << "demo stop signals the demo's processes";
    EXPECT_NE(want & (std::uint64_t(1) << CAP_CHOWN), 0u);
}

TEST(RequestProcess, AChildThatDiesIsAFailedRequestNotAHang)
{
    auto extension = [](helper::Server &server) {
        server.setHandler(protocol::RequestType::DemoList, [](const protocol::Request &) -> json {
            ::raise(SIGKILL);
            return json::object();
        });
    };
    KAuthRequest req;
    req.verb = Verb::DemoList;
    req.id = 9;
    const auto out = RequestProcess::run(
        req, {}, [](const std::string &) { return true; }, [] { return false; }, {}, {}, "/proc", extension);
    EXPECT_EQ(out.status, RequestRunner::Status::Failed);
    EXPECT_NE(out.message.find("signal 9"), std::string::npos) << out.message;
}
