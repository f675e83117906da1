// SPDX-License-Identifier: GPL-2.0-or-later
#include "helper/kauth/requestrunner.h"

#include "core/proc/fdio.h"
#include "core/protocol/protocol.h"
#include "helper/serve/server.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <fcntl.h>
#include <poll.h>
#include <system_error>
#include <thread>
#include <unistd.h>

using nlohmann::json;

namespace nsviz::kauth
{

namespace
{

/// Both pipes between this thread and the serve loop; closes whatever is still open.
struct Pipes {
    int toServerRead = -1, toServerWrite = -1;
    int fromServerRead = -1, fromServerWrite = -1;

    Pipes()
    {
        int a[2], b[2];
        if (::pipe2(a, O_CLOEXEC) != 0)
            throw std::system_error(errno, std::generic_category(), "pipe2");
        if (::pipe2(b, O_CLOEXEC) != 0) {
            const int e = errno;
            ::close(a[0]);
            ::close(a[1]);
            throw std::system_error(e, std::generic_category(), "pipe2");
        }
        toServerRead = a[0];
        toServerWrite = a[1];
        fromServerRead = b[0];
        fromServerWrite = b[1];
    }
    Pipes(const Pipes &) = delete;
    Pipes &operator=(const Pipes &) = delete;
    ~Pipes()
    {
        for (int *fd : {&toServerRead, &toServerWrite, &fromServerRead, &fromServerWrite})
            close(*fd);
    }
    static void close(int &fd)
    {
        if (fd >= 0)
            ::close(fd);
        fd = -1;
    }
};

} // namespace

RequestRunner::RequestRunner(std::string procRoot, Extension extension)
    : m_procRoot(std::move(procRoot)), m_extension(std::move(extension))
{
}

const char *RequestRunner::statusName(Status s)
{
    switch (s) {
    case Status::Done:
        return status::Done;
    case Status::Cancelled:
        return status::Cancelled;
    case Status::Expired:
        return status::Expired;
    case Status::Failed:
        return status::Failed;
    }
    return status::Failed;
}

std::string RequestRunner::requestLine(const KAuthRequest &req)
{
    using protocol::RequestType;
    switch (req.verb) {
    case Verb::Scan:
        if (req.subscribe)
            return protocol::requestLine(RequestType::Subscribe, req.id,
                                         json{{"interval_ms", req.intervalMs}, {"member_deltas", true}});
        return protocol::requestLine(RequestType::Scan, req.id);
    case Verb::Inspect: {
        json args{{"pid", req.pid}};
        if (req.startTime > 0)
            args["start_time"] = req.startTime;
        return protocol::requestLine(RequestType::Inspect, req.id, args);
    }
    case Verb::DemoList:
        return protocol::requestLine(RequestType::DemoList, req.id, json{{"args", json::object()}});
    case Verb::DemoStart:
    case Verb::DemoStop: {
        json args = json::parse(req.demoArgs, nullptr, false);
        if (!args.is_object())
            args = json::object();
        return protocol::requestLine(req.verb == Verb::DemoStart ? RequestType::DemoStart
                                                                 : RequestType::DemoStop,
                                     req.id, json{{"args", std::move(args)}});
    }
    }
    return {};
}

RequestRunner::Outcome RequestRunner::run(const KAuthRequest &req, const FrameSink &sink,
                                          const StopCheck &stopped, const Heartbeat &heartbeat)
{
    using Clock = std::chrono::steady_clock;
    Outcome out;
    Pipes pipes;

    helper::Server::Options options;
    options.procRoot = m_procRoot;
    options.limits.chunkBytes = static_cast<std::size_t>(req.chunkBytes);
    helper::Server server(options);
    for (const auto &extend : helper::serveExtensions())
        extend(server);
    if (m_extension)
        m_extension(server);

    // The serve loop ends at end of input: right after the request for a one-shot request, when we
    // close it (stop, expiry) for a subscription. It closes its output when done so we see EOF.
    std::thread serving([&server, &pipes] {
        server.run(pipes.toServerRead, pipes.fromServerWrite);
        Pipes::close(pipes.fromServerWrite);
    });

    bool inputOpen = writeAll(pipes.toServerWrite, requestLine(req));
    if (!req.subscribe || !inputOpen) {
        Pipes::close(pipes.toServerWrite);
        inputOpen = false;
    }
    const auto deadline = Clock::now() + std::chrono::milliseconds(req.maxDurationMs);
    bool forwarding = true; // false once stopped: the rest of the stream is read and dropped
    std::string pending;
    std::string buf(64 * 1024, '\0');

    auto endStream = [&](Status s) {
        if (out.status == Status::Done)
            out.status = s;
        forwarding = false;
        if (inputOpen) {
            Pipes::close(pipes.toServerWrite);
            inputOpen = false;
        }
    };

    auto lastSent = Clock::now();
    for (;;) {
        if (forwarding && stopped())
            endStream(Status::Cancelled);
        else if (forwarding && req.subscribe && Clock::now() >= deadline)
            endStream(Status::Expired);
        if (forwarding && heartbeat && Clock::now() - lastSent >= std::chrono::milliseconds(kHeartbeatMs)) {
            heartbeat();
            lastSent = Clock::now();
        }

        pollfd p{pipes.fromServerRead, POLLIN, 0};
        const int pr = ::poll(&p, 1, 50);
        if (pr < 0 && errno != EINTR)
            break;
        if (pr <= 0)
            continue;
        const ssize_t n = ::read(pipes.fromServerRead, buf.data(), buf.size());
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            break; // the serve loop has ended
        pending.append(buf.data(), static_cast<std::size_t>(n));
        std::size_t start = 0;
        for (std::size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
            // One read may bring many frames: a stop takes effect before the next one, not after all.
            if (forwarding && stopped())
                endStream(Status::Cancelled);
            if (!forwarding)
                continue;
            const std::string line = pending.substr(start, nl - start);
            // Error frames are small; only those are worth parsing here.
            if (line.size() < 64 * 1024 && line.find("\"error\"") != std::string::npos) {
                const json j = json::parse(line, nullptr, false);
                if (j.is_object() && j.value("type", "") == "error" && out.errorCode.empty()) {
                    out.errorCode = j.value("code", "failed");
                    out.message = j.value("message", "");
                }
            }
            if (!sink(line)) {
                endStream(Status::Cancelled);
                continue;
            }
            ++out.frames;
            lastSent = Clock::now();
        }
        pending.erase(0, start);
    }
    if (inputOpen)
        Pipes::close(pipes.toServerWrite);
    serving.join();
    if (out.status == Status::Done && !out.errorCode.empty())
        out.status = Status::Failed;
    return out;
}

} // namespace nsviz::kauth
