// SPDX-License-Identifier: GPL-2.0-or-later
#include "helper/kauth/requestprocess.h"

#include "core/proc/fdio.h"
#include "helper/serve/privileges.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

using nlohmann::json;

namespace nsviz::kauth
{

namespace
{

bool isDemoVerb(Verb verb)
{
    return verb == Verb::DemoStart || verb == Verb::DemoStop || verb == Verb::DemoList;
}

RequestRunner::Outcome failed(const std::string &message)
{
    RequestRunner::Outcome out;
    out.status = RequestRunner::Status::Failed;
    out.errorCode = "failed";
    out.message = message;
    return out;
}

// The child's report to the parent, one line each: "h" (heartbeat) or "r {outcome}" (the end).
const char *statusKey(RequestRunner::Status s)
{
    return RequestRunner::statusName(s);
}

RequestRunner::Status statusFromKey(const std::string &s)
{
    using S = RequestRunner::Status;
    for (S v : {S::Done, S::Cancelled, S::Expired, S::Failed})
        if (s == RequestRunner::statusName(v))
            return v;
    return S::Failed;
}

/// Closes every descriptor above stderr but @p keep (sorted, unique).
void closeAllBut(std::vector<int> keep)
{
    std::sort(keep.begin(), keep.end());
    keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
    unsigned from = 3;
    for (int fd : keep) {
        if (fd < int(from))
            continue;
        if (unsigned(fd) > from)
            ::close_range(from, unsigned(fd) - 1, 0);
        from = unsigned(fd) + 1;
    }
    ::close_range(from, ~0U, 0);
}

[[noreturn]] void childMain(int report, const std::vector<int> &keepFds, const KAuthRequest &req,
                            const RequestRunner::FrameSink &sink, const RequestRunner::StopCheck &stopped,
                            const std::string &procRoot, const RequestRunner::Extension &extension)
{
    RequestRunner::Outcome out;
    // Named, so that `ps` and the tests can tell the request from the helper that waits for it.
    ::prctl(PR_SET_NAME, "nsviz-kauth-req", 0, 0, 0);
    // Dies with the helper rather than outliving it as an orphan streaming to the client.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    // Nothing of the helper's but the channel: no D-Bus connection to speak as the helper on.
    std::vector<int> keep = keepFds;
    keep.push_back(report);
    closeAllBut(std::move(keep));
    if (const std::string e = helper::dropPrivileges(isDemoVerb(req.verb)); !e.empty()) {
        out = failed("cannot drop privileges: " + e);
    } else {
        try {
            RequestRunner runner(procRoot, extension);
            out = runner.run(req, sink, stopped, [report] { writeAll(report, "h\n"); });
        } catch (const std::exception &e) {
            out = failed(e.what());
        } catch (...) {
            out = failed("unexpected error");
        }
    }
    const json j{{"status", statusKey(out.status)},
                 {"frames", out.frames},
                 {"code", out.errorCode},
                 {"message", out.message}};
    writeAll(report, "r " + j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n");
    // _exit: no atexit handlers or static destructors of the parent's (Qt, D-Bus) state.
    ::_exit(0);
}

} // namespace

std::vector<int> RequestProcess::capabilitiesFor(Verb verb)
{
    return helper::keptCapabilities(isDemoVerb(verb));
}

RequestRunner::Outcome
RequestProcess::run(const KAuthRequest &req, const std::vector<int> &keepFds,
                    const RequestRunner::FrameSink &sink, const RequestRunner::StopCheck &stopped,
                    const RequestRunner::Heartbeat &heartbeat, const std::function<void(pid_t)> &started,
                    const std::string &procRoot, const RequestRunner::Extension &extension)
{
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0)
        return failed(std::string("pipe2: ") + std::strerror(errno));
    const pid_t child = ::fork();
    if (child < 0) {
        const int e = errno;
        ::close(report[0]);
        ::close(report[1]);
        return failed(std::string("fork: ") + std::strerror(e));
    }
    if (child == 0) {
        ::close(report[0]);
        childMain(report[1], keepFds, req, sink, stopped, procRoot, extension);
    }
    ::close(report[1]);
    if (started)
        started(child);

    // Relay heartbeats until the child reports its end or dies (EOF).
    std::string pending;
    std::optional<json> result;
    char buf[4096];
    for (;;) {
        pollfd p{report[0], POLLIN, 0};
        const int pr = ::poll(&p, 1, -1);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0)
            break;
        const ssize_t n = ::read(report[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        pending.append(buf, std::size_t(n));
        for (std::size_t nl; (nl = pending.find('\n')) != std::string::npos; pending.erase(0, nl + 1)) {
            const std::string line = pending.substr(0, nl);
            if (line == "h") {
                if (heartbeat)
                    heartbeat();
            } else if (line.rfind("r ", 0) == 0) {
                json j = json::parse(line.substr(2), nullptr, false);
                if (j.is_object())
                    result = std::move(j);
            }
        }
    }
    ::close(report[0]);
    int wstatus = 0;
    while (::waitpid(child, &wstatus, 0) < 0 && errno == EINTR) {
    }
    if (!result) {
        if (WIFSIGNALED(wstatus))
            return failed("the request's process was killed by signal " + std::to_string(WTERMSIG(wstatus)));
        return failed("the request's process ended without an outcome");
    }
    RequestRunner::Outcome out;
    out.status = statusFromKey(result->value("status", ""));
    out.frames = result->value("frames", std::uint64_t(0));
    out.errorCode = result->value("code", "");
    out.message = result->value("message", "");
    return out;
}

} // namespace nsviz::kauth
