// SPDX-License-Identifier: GPL-2.0-or-later
#include "helper/serve/server.h"

#include "core/discovery/bindmountcache.h"
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
#include <fcntl.h>
#include <iostream>
#include <poll.h>
#include <pthread.h>
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
        // One cache per connection: a subscription's ticks do not read an unchanged mount table
        // again. Only the scan worker uses it, one scan at a time.
        auto cache = m_options.bindMountCache ? m_options.bindMountCache : std::make_shared<BindMountCache>();
        m_options.scan = [root, cache] {
            DiscoveryOptions o;
            o.procRoot = root;
            o.bindMountCache = cache;
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

void Server::setRefusal(RequestType type, std::string code, std::string message)
{
    m_refusals[type] = {std::move(code), std::move(message)};
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

Server::ScanResult Server::scanOnWorker()
{
    ScanResult r;
    try {
        r.snapshot = m_options.scan();
    } catch (const std::system_error &e) {
        r.errorCode = err::ScanFailed;
        r.errorMessage = std::string("cannot scan ") + m_options.procRoot + ": " + e.what();
    } catch (const std::exception &e) {
        r.errorCode = err::ScanFailed;
        r.errorMessage = std::string("scan failed: ") + e.what();
    }
    return r;
}

void Server::enqueue(Job job)
{
    m_queue.push_back(job);
    startNextJob();
}

void Server::startNextJob()
{
    while (!m_running && !m_queue.empty() && !m_done) {
        Job job = m_queue.front();
        m_queue.pop_front();
        if (job.kind == Job::Kind::Bye) { // waited for the scans before it; nothing runs now
            reply(frame("bye", job.id));
            m_done = true;
            return;
        }
        if (job.kind == Job::Kind::Tick && (!m_sub || job.generation != m_subGeneration))
            continue; // unsubscribed or replaced meanwhile
        m_running = job;
        // The worker blocks every signal (it inherits the mask it is created with), so SIGTERM
        // interrupts the serving thread's poll() rather than landing on the worker.
        sigset_t all, old;
        ::sigfillset(&all);
        ::pthread_sigmask(SIG_BLOCK, &all, &old);
        m_worker = std::thread([this] {
            m_result = scanOnWorker();
            const char byte = 1;
            while (::write(m_wake[1], &byte, 1) < 0 && errno == EINTR) {
            }
        });
        ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    }
}

void Server::finishJob()
{
    // The worker wrote m_result before its byte; join() orders that before what follows.
    m_worker.join();
    Job job = *m_running;
    m_running.reset();
    ScanResult result = std::move(m_result);
    m_result = {};
    if (job.kind == Job::Kind::Tick && (!m_sub || job.generation != m_subGeneration)) {
        startNextJob(); // unsubscribed or replaced while it ran: dropped, errors too
        return;
    }
    if (!result.snapshot)
        replyError(job.id, result.errorCode, result.errorMessage);
    if (!result.snapshot && job.kind != Job::Kind::Tick) {
        // reported; a failed tick still keeps the cadence below
    } else if (job.kind == Job::Kind::Scan) {
        m_writer.writeSnapshot(job.id, 0, *result.snapshot);
    } else if (job.kind == Job::Kind::Subscribe) {
        // Answered either way; it subscribes only when no subscribe or unsubscribe came after it.
        m_writer.writeSnapshot(job.id, 0, *result.snapshot);
        if (job.generation == m_subGeneration) {
            Subscription sub;
            sub.id = job.id;
            sub.intervalMs = job.intervalMs;
            sub.last = std::move(*result.snapshot);
            sub.nextTick = std::chrono::steady_clock::now() + std::chrono::milliseconds(job.intervalMs);
            if (m_options.onPublished)
                m_options.onPublished(0, sub.last);
            m_sub = std::move(sub);
            log("subscribed (request " + std::to_string(job.id) + ", every " +
                std::to_string(job.intervalMs) + " ms)");
        }
    } else if (job.kind == Job::Kind::Tick) {
        if (result.snapshot)
            tick(std::move(result));
        // Keep the cadence, but never try to catch up on missed ticks.
        auto now = std::chrono::steady_clock::now();
        m_sub->nextTick += std::chrono::milliseconds(m_sub->intervalMs);
        if (m_sub->nextTick < now)
            m_sub->nextTick = now + std::chrono::milliseconds(m_sub->intervalMs);
    }
    startNextJob();
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
    case RequestType::Scan:
        enqueue(Job{Job::Kind::Scan, r.id, 0, 0});
        return;
    case RequestType::Subscribe:
        // A new subscription replaces the old one at once and starts again at seq 0.
        m_sub.reset();
        enqueue(Job{Job::Kind::Subscribe, r.id, r.intervalMs, ++m_subGeneration});
        return;
    case RequestType::Unsubscribe: {
        // Also stops a subscribe still waiting for its first scan (its snapshot is still sent).
        bool was = m_sub.has_value();
        for (const Job &j : m_queue)
            was = was || j.kind == Job::Kind::Subscribe;
        was = was || (m_running && m_running->kind == Job::Kind::Subscribe);
        ++m_subGeneration;
        m_sub.reset();
        replyResult(r, json{{"subscribed", false}, {"was_subscribed", was}});
        return;
    }
    case RequestType::Ping:
        replyResult(r, json::object());
        return;
    case RequestType::Bye:
        enqueue(Job{Job::Kind::Bye, r.id, 0, 0}); // after the scans asked for before it
        return;
    case RequestType::Inspect:
    case RequestType::DemoStart:
    case RequestType::DemoStop:
    case RequestType::DemoList: {
        auto it = m_handlers.find(r.type);
        if (auto refusal = m_refusals.find(r.type); it == m_handlers.end() && refusal != m_refusals.end()) {
            replyError(r.id, refusal->second.first, refusal->second.second);
            return;
        }
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

void Server::tick(ScanResult result)
{
    auto &sub = *m_sub;
    auto &s = result.snapshot;
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
    if (::pipe2(m_wake, O_CLOEXEC) != 0) {
        log(std::string("pipe: ") + std::strerror(errno));
        return 1;
    }
    LineBuffer lines(kMaxRequestBytes);
    std::string buf(64 * 1024, '\0');
    bool eof = false;
    int rc = 0;
    // After the end of input, the scans asked for are still answered; no further ticks.
    while (!m_done && !g_stop && (!eof || m_running)) {
        int timeout = -1;
        if (m_sub && !m_running && !eof) {
            auto now = std::chrono::steady_clock::now();
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(m_sub->nextTick - now).count();
            timeout = left < 0 ? 0 : static_cast<int>(left);
        }
        pollfd pfds[2] = {{m_wake[0], POLLIN, 0}, {eof ? -1 : inFd, POLLIN, 0}};
        int pr = ::poll(pfds, 2, timeout);
        if (pr < 0) {
            if (errno == EINTR)
                continue;
            log(std::string("poll: ") + std::strerror(errno));
            rc = 1;
            break;
        }
        if (pfds[0].revents & POLLIN) {
            char byte;
            while (::read(m_wake[0], &byte, 1) < 0 && errno == EINTR) {
            }
            finishJob();
        }
        if (!eof && !m_done && pfds[1].revents) {
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
        if (m_sub && !m_done && !eof && !m_running && m_queue.empty() &&
            std::chrono::steady_clock::now() >= m_sub->nextTick)
            enqueue(Job{Job::Kind::Tick, m_sub->id, 0, m_subGeneration});
    }
    // A scan still running (bye, a signal, a broken output) is waited for: it cannot be cut short,
    // and the thread must not outlive this object. Its result is dropped.
    if (m_running) {
        m_worker.join();
        m_running.reset();
    }
    m_queue.clear();
    ::close(m_wake[0]);
    ::close(m_wake[1]);
    m_wake[0] = m_wake[1] = -1;
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
