// SPDX-License-Identifier: GPL-2.0-or-later
#include "helper/serve/server.h"

#include "core/discovery/discovery.h"
#include "core/inspect/inspect.h"
#include "core/model/delta.h"
#include "core/model/textsafe.h"
#include "core/protocol/linebuffer.h"
#include "core/protocol/requestparser.h"
#include "helper/serve/handlererror.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <iostream>
#include <poll.h>
#include <stdexcept>
#include <sys/utsname.h>
#include <system_error>
#include <unistd.h>

using nlohmann::json;
using namespace nsviz::protocol;

namespace nsviz::helper
{

namespace
{
volatile std::sig_atomic_t g_stop = 0;

std::vector<std::function<void(Server &)>> &extensions()
{
    static std::vector<std::function<void(Server &)>> list;
    return list;
}

std::string kernelRelease()
{
    struct utsname u {
    };
    return uname(&u) == 0 ? std::string(u.release) : std::string();
}
} // namespace

void addServeExtension(std::function<void(Server &)> extension)
{
    extensions().push_back(std::move(extension));
}
const std::vector<std::function<void(Server &)>> &serveExtensions()
{
    return extensions();
}

void Server::requestStop()
{
    g_stop = 1;
}

Server::Server(Options options)
    : m_options(std::move(options)),
      m_writer([this](std::string_view line) { writeOut(line); }, m_options.limits)
{
    if (!m_options.scan) {
        std::string root = m_options.procRoot;
        m_options.scan = [root] {
            DiscoveryOptions o;
            o.procRoot = root;
            return discover(o);
        };
    }
    m_handlers[RequestType::Inspect] = [root = m_options.procRoot](const Request &r) {
        json doc = inspectProcessJson(root, r.pid, r.startTime);
        // Asked about one process (pid, start time): when it is gone, say so rather than answer
        // with a document about nothing, or about whoever holds the pid now.
        if (std::string gone = inspectRefusal(doc, r.startTime); !gone.empty())
            throw HandlerError(err::NotFound, gone);
        return doc;
    };
}

void Server::setHandler(RequestType type, Handler handler)
{
    m_handlers[type] = std::move(handler);
}

void Server::addConnectionEndHook(std::function<void()> hook)
{
    m_endHooks.push_back(std::move(hook));
}

void Server::log(const std::string &message) const
{
    if (m_options.log)
        std::cerr << "nsviz-helper serve: " << terminalSafe(message) << '\n';
}

void Server::writeOut(std::string_view line)
{
    if (m_outputBroken)
        return;
    const char *p = line.data();
    std::size_t left = line.size();
    while (left > 0) {
        ssize_t n = ::write(m_outFd, p, left);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            // The reader went away (EPIPE): nobody to serve any more.
            log(std::string("output closed: ") + std::strerror(errno));
            m_outputBroken = true;
            m_done = true;
            return;
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

void Server::reply(const json &frame)
{
    m_writer.write(frame);
}

void Server::replyResult(const Request &r, json result)
{
    json f = frame("result", r.id);
    f["request"] = std::string(requestTypeName(r.type));
    f["result"] = std::move(result);
    reply(f);
}

void Server::replyError(std::uint64_t id, const std::string &code, const std::string &message)
{
    log("request " + std::to_string(id) + ": " + code + ": " + message);
    reply(errorFrame(id, code, message));
}

std::optional<Snapshot> Server::scanOrReport(std::uint64_t id)
{
    try {
        return m_options.scan();
    } catch (const std::system_error &e) {
        replyError(id, err::ScanFailed, std::string("cannot scan ") + m_options.procRoot + ": " + e.what());
    } catch (const std::exception &e) {
        replyError(id, err::ScanFailed, std::string("scan failed: ") + e.what());
    }
    return std::nullopt;
}

void Server::handleLine(const std::string &line)
{
    auto parsed = parseRequest(line);
    if (auto *e = std::get_if<ParseError>(&parsed)) {
        replyError(e->id, e->code, e->message);
        return;
    }
    handle(std::get<Request>(parsed));
}

void Server::handle(const Request &r)
{
    switch (r.type) {
    case RequestType::Hello: {
        json f = frame("hello", r.id);
        f["protocol"] = kVersion;
        f["helper_version"] = NSVIZ_VERSION;
        f["kernel"] = kernelRelease();
        json caps = json::array({"scan", "subscribe", "inspect", "ping", "chunked", "fragments"});
        if (m_handlers.count(RequestType::DemoStart))
            caps.push_back("demo");
        f["capabilities"] = caps;
        f["privileged"] = ::geteuid() == 0;
        f["proc_root"] = m_options.procRoot;
        f["pid"] = static_cast<int>(::getpid());
        f["max_frame_bytes"] = m_writer.limits().maxFrameBytes;
        f["max_request_bytes"] = kMaxRequestBytes;
        reply(f);
        return;
    }
    case RequestType::Scan: {
        if (auto s = scanOrReport(r.id))
            m_writer.writeSnapshot(r.id, 0, *s);
        return;
    }
    case RequestType::Subscribe: {
        // A new subscription replaces the old one and starts again at seq 0.
        m_sub.reset();
        auto s = scanOrReport(r.id);
        if (!s)
            return;
        Subscription sub;
        sub.id = r.id;
        sub.intervalMs = r.intervalMs;
        sub.last = std::move(*s);
        sub.nextTick = std::chrono::steady_clock::now() + std::chrono::milliseconds(r.intervalMs);
        m_writer.writeSnapshot(sub.id, 0, sub.last);
        if (m_options.onPublished)
            m_options.onPublished(0, sub.last);
        m_sub = std::move(sub);
        log("subscribed (request " + std::to_string(r.id) + ", every " + std::to_string(r.intervalMs) +
            " ms)");
        return;
    }
    case RequestType::Unsubscribe: {
        const bool was = m_sub.has_value();
        m_sub.reset();
        replyResult(r, json{{"subscribed", false}, {"was_subscribed", was}});
        return;
    }
    case RequestType::Ping:
        replyResult(r, json::object());
        return;
    case RequestType::Bye:
        reply(frame("bye", r.id));
        m_done = true;
        return;
    case RequestType::Inspect:
    case RequestType::DemoStart:
    case RequestType::DemoStop:
    case RequestType::DemoList: {
        auto it = m_handlers.find(r.type);
        if (it == m_handlers.end()) {
            replyError(r.id, err::Unsupported,
                       std::string(requestTypeName(r.type)) +
                           " is not available in this build of nsviz-helper");
            return;
        }
        try {
            replyResult(r, it->second(r));
        } catch (const HandlerError &e) {
            replyError(r.id, e.code(), e.what());
        } catch (const std::invalid_argument &e) {
            replyError(r.id, err::BadRequest, e.what());
        } catch (const std::exception &e) {
            replyError(r.id, err::Failed, e.what());
        }
        return;
    }
    }
    replyError(r.id, err::Internal, "request type not handled");
}

void Server::tick()
{
    auto &sub = *m_sub;
    auto s = scanOrReport(sub.id);
    if (!s || !m_sub)
        return;
    // Only real changes make a delta; an unchanged scan keeps the old snapshot (timings included)
    // so that client and server agree on exactly what the client holds.
    if (sameContent(sub.last, *s))
        return;
    SnapshotDelta d = computeDelta(sub.last, *s);
    d.seq = ++sub.seq;
    m_writer.writeDelta(sub.id, d);
    sub.last = std::move(*s);
    if (m_options.onPublished)
        m_options.onPublished(sub.seq, sub.last);
}

int Server::run(int inFd, int outFd)
{
    m_outFd = outFd;
    m_done = false;
    g_stop = 0;
    LineBuffer lines(kMaxRequestBytes);
    std::string buf(64 * 1024, '\0');
    bool eof = false;
    int rc = 0;
    while (!m_done && !eof && !g_stop) {
        int timeout = -1;
        if (m_sub) {
            auto now = std::chrono::steady_clock::now();
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(m_sub->nextTick - now).count();
            timeout = left < 0 ? 0 : static_cast<int>(left);
        }
        pollfd pfd{inFd, POLLIN, 0};
        int pr = ::poll(&pfd, 1, timeout);
        if (pr < 0) {
            if (errno == EINTR)
                continue;
            log(std::string("poll: ") + std::strerror(errno));
            rc = 1;
            break;
        }
        if (pr > 0) {
            ssize_t n = ::read(inFd, buf.data(), buf.size());
            if (n < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (n <= 0) {
                eof = true;
            } else {
                lines.feed(std::string_view(buf.data(), static_cast<std::size_t>(n)));
                while (!m_done) {
                    auto line = lines.next();
                    if (!line)
                        break;
                    if (line->oversize)
                        replyError(0, err::TooLarge,
                                   "request of " + std::to_string(line->size) +
                                       " bytes exceeds the limit of " + std::to_string(kMaxRequestBytes));
                    else
                        handleLine(line->text);
                }
            }
        }
        if (m_sub && !m_done && std::chrono::steady_clock::now() >= m_sub->nextTick) {
            tick();
            if (m_sub) {
                // Keep the cadence, but never try to catch up on missed ticks.
                auto now = std::chrono::steady_clock::now();
                m_sub->nextTick += std::chrono::milliseconds(m_sub->intervalMs);
                if (m_sub->nextTick < now)
                    m_sub->nextTick = now + std::chrono::milliseconds(m_sub->intervalMs);
            }
        }
    }
    if (eof && !lines.empty())
        replyError(0, err::Truncated,
                   "input ended in the middle of a request (" + std::to_string(lines.pending()) +
                       " bytes without a newline)");
    if (g_stop)
        log("stopping on signal");
    m_sub.reset();
    for (auto &hook : m_endHooks) {
        try {
            hook();
        } catch (const std::exception &e) {
            log(std::string("connection-end hook failed: ") + e.what());
        }
    }
    m_endHooks.clear();
    return rc;
}

} // namespace nsviz::helper
