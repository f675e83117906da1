// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file server.h The serve loop of nsviz-helper: protocol requests in, frames out (Qt-free).

#include "core/model/delta.h"
#include "core/model/model.h"
#include "core/protocol/framewriter.h"
#include "core/protocol/protocol.h"

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace nsviz
{
class BindMountCache;
class LiveScan;
class ProcConnector;
} // namespace nsviz

namespace nsviz::helper
{

/// Serves one connection: reads requests from one fd, writes frames to another, until end of
/// input, "bye", a broken output or a termination signal.
///
/// Scans (scan, subscribe, the subscription's ticks) run on a worker thread, one at a time, so
/// that ping, inspect, unsubscribe and the other requests are answered while a slow scan runs.
/// Every frame is written by the serving thread, a request's frames in order. A scan, subscribe or
/// bye that arrives while a scan runs waits its turn, in the order received (docs/protocol.md).
///
/// Handlers: inspect has a default (inspectProcessJson); demo_start/demo_stop/demo_list answer
/// "unsupported" unless setHandler() gave them one. A handler returns the "result" object of the reply
/// or throws HandlerError. Connection-end hooks run once when the connection ends, however it ends
/// (demos must not outlive the connection that started them).
class Server
{
public:
    using Handler = std::function<nlohmann::json(const protocol::Request &)>;
    using ScanFunction = std::function<Snapshot()>;

    struct Options {
        std::string procRoot = "/proc";
        /// How to scan; default discover() over procRoot. Tests inject their own.
        ScanFunction scan;
        /// The default scan's bind-mount cache (one per connection, made when null); tests pass
        /// theirs to watch it. Unused with a custom scan.
        std::shared_ptr<BindMountCache> bindMountCache;
        protocol::FrameWriter::Limits limits;
        /// Called after each snapshot or delta of a subscription is written, with the seq and the
        /// snapshot the client now has (tests compare with it).
        std::function<void(std::uint64_t seq, const Snapshot &)> onPublished;
        bool log = true; ///< one line per request on stderr

        /// How a subscription learns of changes. Auto: from the kernel's process events (the proc
        /// connector) where it can have them, else by polling; Polling: always by rescanning every
        /// interval (tests compare the two; NSVIZ_LIVE=polling or serve --live polling).
        enum class Live { Auto, Polling };
        Live live = Live::Auto;
        /// The connector, opened by the caller before it dropped privileges (openConnector()); with
        /// Auto and none given (and no connectorError), the Server opens one itself.
        std::shared_ptr<ProcConnector> connector;
        std::string connectorError; ///< why the caller could not open one
        /// Events are gathered this long before the processes concerned are read: a burst of forks
        /// and execs becomes one delta.
        int coalesceMs = 25;
        /// The first snapshot of an event-driven subscription reads only this many processes
        /// (0: an eighth of them, at least 500) and says "complete": false; the next delta adds
        /// the others and says "complete": true.
        std::size_t firstBatch = 0;
        /// Bounds of the namespace-link sweep's interval (it adapts to cost 1% of a core at most)
        /// and of the full re-read's (at most 0.3%: it refreshes what no event and no link shows,
        /// e.g. fds, cgroup moves, process state).
        int minSweepMs = 2000, maxSweepMs = 30000;
        /// Tests: check every in-place delta against the whole pipeline (LiveScan::setVerify); a
        /// mismatch fails the update with a scan-failed error.
        bool verifyLive = false;
        /// A sweep checks at most this many pids per piece of work (0: all at once), so that an
        /// event's update never waits behind a whole host's namespace links.
        std::size_t sweepSlice = 1024;
        int minResyncMs = 60000, maxResyncMs = 600000;
    };

    /// Opens the proc connector for a subscription over @p procRoot, or says why not (not the
    /// host's own /proc, not in the initial namespaces, refused by the kernel).
    static std::shared_ptr<ProcConnector> openConnector(const std::string &procRoot, std::string &why);

    explicit Server(Options options);

    void setHandler(protocol::RequestType type, Handler handler);
    /// Answers @p type, which has no handler, with error @p code and @p message instead of
    /// "unsupported" (e.g. demo requests to a helper not authorised for them). The hello
    /// capabilities still do not list it.
    void setRefusal(protocol::RequestType type, std::string code, std::string message);
    void addConnectionEndHook(std::function<void()> hook);

    /// Serves until the connection ends; returns the process exit code (0 on a clean end).
    int run(int inFd, int outFd);

    /// Ask run() to stop at the next opportunity (async-signal-safe).
    static void requestStop();

private:
    void handleLine(const std::string &line);
    void handle(const protocol::Request &r);
    void reply(const nlohmann::json &frame);
    void replyResult(const protocol::Request &r, nlohmann::json result);
    void replyError(std::uint64_t id, const std::string &code, const std::string &message);
    /// What waits for, or runs on, the scan worker.
    struct Job {
        /// Tick: a polling rescan; Update, Sweep, Resync: an event-driven subscription's work.
        enum class Kind { Scan, Subscribe, Tick, Update, Sweep, Resync, Bye } kind = Kind::Scan;
        std::uint64_t id = 0;
        int intervalMs = 0;
        std::uint64_t generation = 0;   ///< m_subGeneration when queued (Subscribe, Tick, ...)
        bool memberDeltas = false;      ///< Subscribe: the client asked for the member-deltas form
        std::function<Snapshot()> work; ///< what the worker runs
        /// An event-driven subscription's update: what changed, from LiveScan (instead of work).
        std::function<std::optional<SnapshotDelta>()> change;
        /// Update: it reads the kept zombies again (the zombie check's back-off restarts from
        /// it, not from every job: on a busy host jobs follow each other faster than the check's
        /// delay, and a reaped zombie would wait for the slow sweep).
        bool zombiesChecked = false;
    };
    /// A scan's outcome, handed from the worker to the serving thread.
    struct ScanResult {
        std::optional<Snapshot> snapshot;
        bool changeDone = false;            ///< Job::change ran (and delta is its answer)
        std::optional<SnapshotDelta> delta; ///< nullopt: nothing changed
        std::string errorCode, errorMessage;
        bool failed() const { return !snapshot && !changeDone; }
    };
    ScanResult scanOnWorker(const Job &job);
    /// How long the next full re-read waits after one that cost @p roundCostMs.
    std::chrono::milliseconds resyncPause(long long roundCostMs) const;
    bool eventDriven() const;
    /// Reads the connector: pids to read again, or a resync when events were lost.
    void readEvents();
    /// Starts the event-driven subscription's next piece of work when one is due.
    void scheduleLiveWork();
    /// Milliseconds until the next timed thing of the subscription (-1: none).
    int liveTimeoutMs() const;
    void stopListening();
    /// Starts (or starts over) the subscription @p id: its first picture at seq 0, then deltas.
    void subscribe(std::uint64_t id, int intervalMs, bool memberDeltas);
    void enqueue(Job job);
    void startNextJob();
    void finishJob();
    void tick(ScanResult result);
    /// Sends an event-driven subscription's change (numbered here), if any.
    void publish(std::optional<SnapshotDelta> change);
    void log(const std::string &message) const;
    void writeOut(std::string_view line);

    struct Subscription {
        std::uint64_t id = 0;
        int intervalMs = protocol::kDefaultIntervalMs;
        /// Deltas in the member-deltas form (asked for in subscribe); else in the whole form.
        bool memberDeltas = false;
        std::uint64_t seq = 0;
        Snapshot last;
        std::chrono::steady_clock::time_point nextTick;
        /// Event-driven: the kept records, and when the next sweep, resync, zombie check are due.
        std::shared_ptr<LiveScan> live;
        std::chrono::steady_clock::time_point nextSweep, nextResync, nextZombieCheck;
        int zombieDelayMs = 0;
        long long resyncCostMs = 0;   ///< what the slices of the full re-read in progress cost
        long long firstPictureMs = 0; ///< what reading the whole host for the first picture cost
    };

    Options m_options;
    std::map<protocol::RequestType, Handler> m_handlers;
    std::map<protocol::RequestType, std::pair<std::string, std::string>> m_refusals;
    std::vector<std::function<void()>> m_endHooks;
    protocol::FrameWriter m_writer;
    std::optional<Subscription> m_sub;
    /// Bumped by subscribe and unsubscribe: a tick or subscribe queued before is stale.
    std::uint64_t m_subGeneration = 0;
    std::deque<Job> m_queue;
    std::optional<Job> m_running; ///< the job the worker runs
    std::chrono::steady_clock::time_point m_jobStarted;
    std::thread m_worker;
    ScanResult m_result;      ///< written by the worker before it signals m_wake
    int m_wake[2] = {-1, -1}; ///< the worker writes a byte to [1] when its scan is done
    int m_outFd = -1;
    bool m_customScan = false;
    std::string m_liveReason; ///< why subscriptions poll (empty: they use the connector)
    bool m_listening = false;
    std::shared_ptr<LiveScan> m_pendingLive; ///< an event-driven subscribe waiting for its first scan
    std::vector<int> m_pendingPids;          ///< pids events named since the last update
    bool m_eventsLost = false;
    bool m_completing = false; ///< the running job reads the rest of a partial first snapshot
    std::optional<std::chrono::steady_clock::time_point> m_flushAt;
    bool m_done = false;
    bool m_outputBroken = false;
};

/// Code that extends the serve loop (the demo commands) registers here before main() runs the
/// command: each function is called on the Server before it serves.
void addServeExtension(std::function<void(Server &)> extension);
const std::vector<std::function<void(Server &)>> &serveExtensions();

} // namespace nsviz::helper
