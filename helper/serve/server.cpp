// SPDX-License-Identifier: GPL-2.0-or-later
#include "helper/serve/server.h"

#include "core/discovery/bindmountcache.h"
#include "core/discovery/discovery.h"
#include "core/discovery/livescan.h"
#include "core/inspect/inspect.h"
#include "core/model/delta.h"
#include "core/model/textsafe.h"
#include "core/proc/fdio.h"
#include "core/proc/heap.h"
#include "core/proc/procconnector.h"
#include "core/protocol/linebuffer.h"
#include "core/protocol/requestparser.h"
#include "helper/serve/handlererror.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
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

std::string linkText(const std::string &path)
{
    char buf[128];
    ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

using Clock = std::chrono::steady_clock;

/// NSVIZ_TRACE_STEPS (as discover() and LiveScan read it): one line per live job the subscription
/// schedules, on CLOCK_MONOTONIC, so that a run can be lined up with what its client saw.
bool traceJobs()
{
    static const bool trace = std::getenv("NSVIZ_TRACE_STEPS") != nullptr;
    return trace;
}

/// Seconds on CLOCK_MONOTONIC: the clock of the client's measurements (bench/soak.py).
double monotonicSeconds()
{
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

void traceJob(const char *what, std::size_t pids)
{
    std::fprintf(stderr, "nsviz: %.3f live job: %s (%zu pids)\n", monotonicSeconds(), what, pids);
}

int msUntil(Clock::time_point t)
{
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(t - Clock::now()).count();
    return left < 0 ? 0 : static_cast<int>(std::min<long long>(left, 1 << 30));
}
} // namespace

std::shared_ptr<ProcConnector> Server::openConnector(const std::string &procRoot, std::string &why)
{
    // Events name pids as the initial pid namespace sees them, and the kernel sends them only to
    // listeners there: they fit a proc root only when it is the host's own /proc.
    if (linkText("/proc/self/ns/pid") != "pid:[4026531836]" ||
        linkText("/proc/self/ns/user") != "user:[4026531837]") {
        why = "the helper does not run in the host's initial pid and user namespaces, where the kernel's "
              "process events are sent";
        return nullptr;
    }
    std::string root = procRoot;
    while (root.size() > 1 && root.back() == '/')
        root.pop_back();
    if (linkText(root + "/self") != std::to_string(::getpid())) {
        why = "the proc root " + procRoot + " is not this host's own /proc";
        return nullptr;
    }
    std::unique_ptr<ProcConnector> c = ProcConnector::open(why);
    return std::shared_ptr<ProcConnector>(std::move(c));
}

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
    m_customScan = static_cast<bool>(m_options.scan);
    if (m_options.live == Options::Live::Polling) {
        m_liveReason = "polling asked for (NSVIZ_LIVE=polling or --live polling)";
    } else if (m_customScan) {
        m_liveReason = "a custom scan function";
    } else if (!m_options.connector) {
        if (m_options.connectorError.empty())
            m_options.connector = openConnector(m_options.procRoot, m_options.connectorError);
        if (!m_options.connector)
            m_liveReason = m_options.connectorError.empty() ? std::string("no proc connector")
                                                            : m_options.connectorError;
    }
    if (!m_options.scan) {
        std::string root = m_options.procRoot;
        // One cache per connection: a subscription's ticks do not read an unchanged mount table
        // again. Only the scan worker uses it, one scan at a time.
        auto cache = m_options.bindMountCache ? m_options.bindMountCache : std::make_shared<BindMountCache>();
        m_options.bindMountCache = cache; // event-driven subscriptions use it too (jobs run one at a time)
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
    if (!writeAll(m_outFd, line, &g_stop)) {
        // The reader went away (EPIPE): nobody to serve any more. Or a signal asked us to stop
        // while the reader was not reading: the rest is not written.
        log(g_stop ? std::string("stopping on signal in the middle of writing (the client is not reading)")
                   : std::string("output closed: ") + std::strerror(errno));
        m_outputBroken = true;
        m_done = true;
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

Server::ScanResult Server::scanOnWorker(const Job &job)
{
    ScanResult r;
    try {
        if (job.change) {
            r.delta = job.change();
            r.changeDone = true;
        } else {
            r.snapshot = job.work();
        }
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
        if (job.kind != Job::Kind::Scan && job.kind != Job::Kind::Subscribe &&
            (!m_sub || job.generation != m_subGeneration))
            continue; // unsubscribed or replaced meanwhile
        if (!job.work && !job.change)
            job.work = m_options.scan;
        m_running = job;
        m_jobStarted = Clock::now();
        // The worker blocks every signal (it inherits the mask it is created with), so SIGTERM
        // interrupts the serving thread's poll() rather than landing on the worker.
        sigset_t all, old;
        ::sigfillset(&all);
        ::pthread_sigmask(SIG_BLOCK, &all, &old);
        m_worker = std::thread([this, job] {
            m_result = scanOnWorker(job);
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
    const bool subWork = job.kind == Job::Kind::Tick || job.kind == Job::Kind::Update ||
                         job.kind == Job::Kind::Sweep || job.kind == Job::Kind::Resync;
    const auto took = Clock::now() - m_jobStarted;
    if (subWork && (!m_sub || job.generation != m_subGeneration)) {
        startNextJob(); // unsubscribed or replaced while it ran: dropped, errors too
        return;
    }
    if (result.failed())
        replyError(job.id, result.errorCode, result.errorMessage);
    if (result.failed() && subWork && m_sub->live) {
        // A change that failed half-way may have moved the helper's picture without the client's:
        // the next delta would not fit what the client holds. The picture starts over on the same
        // subscription, a snapshot at seq 0 that the deltas continue (docs/protocol.md). A failed
        // polling tick changes nothing: the next one compares with the last picture sent.
        log("a live change failed; sending the whole picture again");
        m_completing = false;
        const Subscription &sub = *m_sub;
        subscribe(sub.id, sub.intervalMs, sub.memberDeltas);
        return;
    }
    if (result.failed() && !subWork) {
        // reported; a failed tick still keeps the cadence below
    } else if (job.kind == Job::Kind::Scan) {
        m_writer.writeSnapshot(job.id, 0, *result.snapshot);
    } else if (job.kind == Job::Kind::Subscribe) {
        // Answered either way; it subscribes only when no subscribe or unsubscribe came after it.
        // A first picture of part of the processes says so; the delta that adds the rest says
        // "complete": true (docs/protocol.md).
        const bool partial = job.generation == m_subGeneration && m_pendingLive && m_pendingLive->hasUnread();
        m_writer.writeSnapshot(job.id, 0, *result.snapshot,
                               partial ? json{{"complete", false}} : json::object());
        if (job.generation == m_subGeneration) {
            Subscription sub;
            sub.id = job.id;
            sub.intervalMs = job.intervalMs;
            sub.memberDeltas = job.memberDeltas;
            sub.nextTick = std::chrono::steady_clock::now() + std::chrono::milliseconds(job.intervalMs);
            sub.live = std::move(m_pendingLive);
            // Event-driven: LiveScan keeps the snapshot the client holds (no second copy here).
            if (!sub.live)
                sub.last = std::move(*result.snapshot);
            if (sub.live) {
                const auto now = Clock::now();
                sub.nextSweep = now + std::chrono::milliseconds(m_options.minSweepMs);
                // The first full re-read waits as every later one does, 300 times what reading the
                // whole host cost (the first picture's, completed by the delta that adds the rest:
                // see below), not a fixed minute: at 10k processes a round in the first minute was
                // as much CPU as a minute of sweeps.
                sub.firstPictureMs = std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
                sub.nextResync = now + resyncPause(sub.firstPictureMs);
                sub.nextZombieCheck = now;
            }
            m_sub = std::move(sub);
            if (m_options.onPublished)
                m_options.onPublished(0, m_sub->live ? m_sub->live->current() : m_sub->last);
            log("subscribed (request " + std::to_string(job.id) + ", " +
                (m_sub->live ? std::string("on process events")
                             : "every " + std::to_string(job.intervalMs) + " ms") +
                ")");
        }
    } else if (job.kind == Job::Kind::Tick) {
        if (result.snapshot)
            tick(std::move(result));
        // Keep the cadence, but never try to catch up on missed ticks, and rest at least three
        // times as long as the scan took: on a host whose scan outlasts the interval, polling would
        // otherwise scan without pause and take a core (docs/protocol.md).
        auto now = std::chrono::steady_clock::now();
        m_sub->nextTick += std::chrono::milliseconds(m_sub->intervalMs);
        if (m_sub->nextTick < now)
            m_sub->nextTick = now + std::chrono::milliseconds(m_sub->intervalMs);
        m_sub->nextTick = std::max(
            m_sub->nextTick, now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(3 * took));
    } else if (m_sub && m_sub->live) { // Update, Sweep, Resync
        if (result.changeDone)
            publish(std::move(result.delta));
        const bool completed = m_completing;
        m_completing = false;
        const auto now = Clock::now();
        const auto cost = std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
        if (completed && job.kind != Job::Kind::Resync) {
            m_sub->firstPictureMs += cost;
            m_sub->nextResync = now + resyncPause(m_sub->firstPictureMs);
        }
        // A sweep costs at most 1% of a core, a full re-read 0.3%, within the configured bounds.
        // A round taken in slices pauses 100 times a slice's cost between them, then waits as a
        // whole round would before the next.
        if (job.kind == Job::Kind::Sweep && m_sub->live->sweepInRound())
            m_sub->nextSweep =
                now + std::chrono::milliseconds(std::clamp<long long>(cost * 100, 0, m_options.maxSweepMs));
        else if (job.kind == Job::Kind::Sweep)
            m_sub->nextSweep = now + std::chrono::milliseconds(std::clamp<long long>(
                                         cost * 100, m_options.minSweepMs, m_options.maxSweepMs));
        if (job.kind == Job::Kind::Resync) {
            // A full re-read goes on slice after slice (an event's update still comes first, see
            // scheduleLiveWork()); the next round waits 300 times what the whole round cost.
            m_sub->resyncCostMs += cost;
            if (m_sub->live->resyncInRound()) {
                m_sub->nextResync = now;
            } else {
                m_sub->nextResync = now + resyncPause(m_sub->resyncCostMs);
                m_sub->resyncCostMs = 0;
                m_sub->nextSweep =
                    std::max(m_sub->nextSweep, now + std::chrono::milliseconds(m_options.minSweepMs));
            }
        }
        // Nothing says when a zombie is reaped: look again soon, then less and less often, counted
        // from the last look (not from the last job, which on a busy host is always recent).
        if (m_sub->live->zombies().empty()) {
            m_sub->zombieDelayMs = 0;
        } else if (m_sub->zombieDelayMs == 0 || job.zombiesChecked) {
            m_sub->zombieDelayMs = std::clamp(m_sub->zombieDelayMs * 2, 100, m_options.minSweepMs);
            m_sub->nextZombieCheck = now + std::chrono::milliseconds(m_sub->zombieDelayMs);
        }
    }
    // A scan or whole-pipeline change leaves megabytes free: give them back before the next job.
    result = {};
    releaseFreeHeap();
    startNextJob();
}

std::chrono::milliseconds Server::resyncPause(long long roundCostMs) const
{
    // A full re-read costs 0.3 % of a core, within the configured bounds.
    return std::chrono::milliseconds(
        std::clamp<long long>(roundCostMs * 300, m_options.minResyncMs, m_options.maxResyncMs));
}

bool Server::eventDriven() const
{
    return m_liveReason.empty() && m_options.connector != nullptr;
}

void Server::stopListening()
{
    if (!m_listening)
        return;
    std::string ignored;
    m_options.connector->listen(false, ignored);
    m_listening = false;
    std::vector<ProcEvent> drop;
    m_options.connector->drain(drop); // what was queued belongs to no subscription now
    m_pendingPids.clear();
    m_eventsLost = false;
    m_flushAt.reset();
}

void Server::readEvents()
{
    std::vector<ProcEvent> events;
    if (!m_options.connector->drain(events)) {
        // ENOBUFS: the kernel dropped some; only a full read is sure now.
        if (!m_eventsLost)
            log("process events were lost (the kernel's buffer overflowed): reading every process again");
        m_eventsLost = true;
    }
    for (const ProcEvent &e : events) {
        // A thread's exit, comm or credentials are not the process's (status and stat show the
        // leader's); an exec by any thread replaces the whole process.
        if (e.tid != e.pid && e.kind != ProcEvent::Kind::Exec)
            continue;
        m_pendingPids.push_back(e.pid);
    }
    // A storm of forks must not grow this without bound: past a full table's worth, re-read all.
    if (m_pendingPids.size() > 65536) {
        if (!m_eventsLost)
            log("more than 65536 processes named by events at once: reading every process again");
        m_pendingPids.clear();
        m_eventsLost = true;
    }
    if ((!m_pendingPids.empty() || m_eventsLost) && !m_flushAt)
        m_flushAt = Clock::now() + std::chrono::milliseconds(m_options.coalesceMs);
}

int Server::liveTimeoutMs() const
{
    if (!m_sub || !m_sub->live || m_running || !m_queue.empty())
        return -1;
    if (m_sub->live->hasUnread() || m_sub->live->hasUnreadFds())
        return 0;
    Clock::time_point next = std::min(m_sub->nextSweep, m_sub->nextResync);
    if (m_flushAt)
        next = std::min(next, *m_flushAt);
    if (m_sub->zombieDelayMs > 0)
        next = std::min(next, m_sub->nextZombieCheck);
    return msUntil(next);
}

void Server::scheduleLiveWork()
{
    if (!m_sub || !m_sub->live || m_running || !m_queue.empty() || m_done)
        return;
    const auto now = Clock::now();
    std::shared_ptr<LiveScan> live = m_sub->live;
    Job job{Job::Kind::Update, m_sub->id, 0, m_subGeneration, false, {}, {}};
    const bool flush = m_flushAt && now >= *m_flushAt;
    const std::size_t pending = m_pendingPids.size();
    bool restart = false; // a full re-read starts over
    bool fdsJob = false;
    if (live->hasUnread() && !m_eventsLost) {
        // The rest of a partial first picture comes before anything else.
        job.change = [live] { return live->readRestChange(); };
        m_completing = true;
    } else if (flush && m_eventsLost) {
        job.kind = Job::Kind::Resync;
        m_sub->resyncCostMs = 0;
        restart = true; // what was lost may be in the part of a round already read
    } else if (flush) {
        std::vector<int> pids = std::move(m_pendingPids);
        if (m_sub->zombieDelayMs > 0 && now >= m_sub->nextZombieCheck) {
            std::vector<int> z = live->zombies();
            pids.insert(pids.end(), z.begin(), z.end());
            job.zombiesChecked = true;
        }
        job.change = [live, pids = std::move(pids)] { return live->updateChange(pids); };
    } else if (live->hasUnreadFds()) {
        // Then the fds the first picture left for last (what only they hold: LiveScan::beginFull()),
        // after the updates due, which keep their latency.
        job.change = [live] { return live->readFdsChange(); };
        fdsJob = true;
    } else if (now >= m_sub->nextResync) {
        job.kind = Job::Kind::Resync;
    } else if (now >= m_sub->nextSweep) {
        job.kind = Job::Kind::Sweep;
        job.change = [live, slice = m_options.sweepSlice] { return live->sweepChange(nullptr, slice); };
    } else if (m_sub->zombieDelayMs > 0 && now >= m_sub->nextZombieCheck) {
        job.change = [live, pids = live->zombies()] { return live->updateChange(pids); };
        job.zombiesChecked = true;
    } else {
        return;
    }
    if (live->hasUnread())
        m_completing = true; // this job's delta completes the first picture
    // A re-read that starts a round lists every pid anew: what events named so far is in it. One
    // that goes on with a round reads only pids it listed before: a process that forked (or
    // exec'd in a slice already read) since is known from its events alone, which must wait for
    // their update. Dropping them here hid such a process until the next round or sweep: 2 % of the
    // soak's probes, living 10 s each, never appeared.
    const bool newRound = job.kind == Job::Kind::Resync && (restart || !live->resyncInRound());
    if (job.kind == Job::Kind::Resync) {
        // In slices, as the sweep: an event's update waits at most one slice, and the re-read never
        // holds every record twice (LiveScan::resyncChange()).
        // Events lost while the rest of a first picture was due: one piece, so that its delta does
        // complete the picture, as it says.
        const std::size_t slice = live->hasUnread() ? 0 : m_options.sweepSlice;
        job.change = [live, restart, slice] { return live->resyncChange(slice, restart); };
        m_eventsLost = false;
    }
    if (traceJobs())
        traceJob(
            job.kind == Job::Kind::Resync
                ? (newRound ? (restart ? "re-read, restarted" : "re-read, new round") : "re-read, next slice")
            : job.kind == Job::Kind::Sweep ? "sweep"
            : flush                        ? "update"
            : fdsJob                       ? "fds"
                                           : "other",
            pending);
    if (newRound || flush) {
        m_pendingPids.clear();
        m_flushAt.reset();
    }
    enqueue(std::move(job));
}

void Server::subscribe(std::uint64_t id, int intervalMs, bool memberDeltas)
{
    // A new subscription replaces the old one at once and starts again at seq 0.
    m_sub.reset();
    m_pendingLive.reset();
    m_pendingPids.clear();
    m_eventsLost = false;
    m_flushAt.reset();
    Job job{Job::Kind::Subscribe, id, intervalMs, ++m_subGeneration, memberDeltas, {}, {}};
    if (eventDriven()) {
        // Listen before the first scan: what changes while it runs is read again after it.
        std::string why;
        if (m_listening || m_options.connector->listen(true, why)) {
            m_listening = true;
            DiscoveryOptions o;
            o.procRoot = m_options.procRoot;
            o.bindMountCache = m_options.bindMountCache;
            auto live = std::make_shared<LiveScan>(o);
            live->setVerify(m_options.verifyLive);
            m_pendingLive = live;
            job.work = [live, first = m_options.firstBatch] { return live->beginFull(first); };
        } else {
            m_liveReason = why;
            log("falling back to polling: " + why);
        }
    }
    if (!m_pendingLive)
        stopListening();
    enqueue(job);
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
        json caps =
            json::array({"scan", "subscribe", "inspect", "ping", "chunked", "fragments", "member-deltas"});
        if (m_handlers.count(RequestType::DemoStart))
            caps.push_back("demo");
        f["capabilities"] = caps;
        f["privileged"] = ::geteuid() == 0;
        f["proc_root"] = m_options.procRoot;
        f["pid"] = static_cast<int>(::getpid());
        f["max_frame_bytes"] = m_writer.limits().maxFrameBytes;
        f["max_request_bytes"] = kMaxRequestBytes;
        // How a subscription learns of changes (additive: older clients ignore it).
        f["live"] = eventDriven() ? "proc-connector" : "polling";
        f["live_reason"] = eventDriven()
                               ? std::string("process events from the kernel; namespace links swept "
                                             "in between")
                               : m_liveReason;
        reply(f);
        return;
    }
    case RequestType::Scan:
        enqueue(Job{Job::Kind::Scan, r.id, 0, 0, false, {}, {}});
        return;
    case RequestType::Subscribe:
        subscribe(r.id, r.intervalMs, r.memberDeltas);
        return;
    case RequestType::Unsubscribe: {
        // Also stops a subscribe still waiting for its first scan (its snapshot is still sent).
        bool was = m_sub.has_value();
        for (const Job &j : m_queue)
            was = was || j.kind == Job::Kind::Subscribe;
        was = was || (m_running && m_running->kind == Job::Kind::Subscribe);
        ++m_subGeneration;
        m_sub.reset();
        m_pendingLive.reset();
        stopListening();
        replyResult(r, json{{"subscribed", false}, {"was_subscribed", was}});
        return;
    }
    case RequestType::Ping:
        replyResult(r, json::object());
        return;
    case RequestType::Bye:
        enqueue(Job{Job::Kind::Bye, r.id, 0, 0, false, {}, {}}); // after the scans asked for before it
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
    if (sub.memberDeltas)
        compactDelta(sub.last, d);
    d.seq = ++sub.seq;
    m_writer.writeDelta(sub.id, d, m_completing ? json{{"complete", true}} : json::object());
    sub.last = std::move(*s);
    if (m_options.onPublished)
        m_options.onPublished(sub.seq, sub.last);
}

void Server::publish(std::optional<SnapshotDelta> change)
{
    if (!change)
        return; // only real changes make a delta
    auto &sub = *m_sub;
    // LiveScan says what changed in the member-deltas form; a client that did not ask for it gets
    // the changed namespaces and the sandbox list whole, as they are now.
    if (!sub.memberDeltas)
        expandDeltaFromAfter(sub.live->current(), *change);
    change->seq = ++sub.seq;
    m_writer.writeDelta(sub.id, *change, m_completing ? json{{"complete", true}} : json::object());
    if (traceJobs()) // when the delta left, for bench/soak.py to line up with what its GUI saw
        std::fprintf(stderr, "nsviz: %.3f delta written: seq %llu\n", monotonicSeconds(),
                     static_cast<unsigned long long>(change->seq));
    if (m_options.onPublished)
        m_options.onPublished(sub.seq, sub.live->current());
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
        if (m_sub && !m_sub->live && !m_running && !eof) {
            auto now = std::chrono::steady_clock::now();
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(m_sub->nextTick - now).count();
            timeout = left < 0 ? 0 : static_cast<int>(left);
        } else if (!eof) {
            timeout = liveTimeoutMs();
        }
        pollfd pfds[3] = {{m_wake[0], POLLIN, 0},
                          {eof ? -1 : inFd, POLLIN, 0},
                          {m_listening && !eof ? m_options.connector->fd() : -1, POLLIN, 0}};
        int pr = ::poll(pfds, 3, timeout);
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
        if (pfds[2].revents && m_listening)
            readEvents();
        if (m_sub && !m_sub->live && !m_done && !eof && !m_running && m_queue.empty() &&
            std::chrono::steady_clock::now() >= m_sub->nextTick)
            enqueue(Job{Job::Kind::Tick, m_sub->id, 0, m_subGeneration, false, {}, {}});
        if (!eof)
            scheduleLiveWork();
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
    m_pendingLive.reset();
    stopListening();
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
