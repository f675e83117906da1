// SPDX-License-Identifier: GPL-2.0-or-later
// Event-driven subscriptions (the proc connector) against real processes entering fresh namespaces:
// the deltas replay to a fresh scan, the connector path and the polling fallback agree, a process
// that execs into fresh namespaces shows up, and hello says which way the helper follows changes.
// Needs root in the host's initial namespaces (the kernel sends process events only there).
#include "core/discovery/discovery.h"
#include "core/discovery/livescan.h"
#include "core/model/delta.h"
#include "core/proc/procconnector.h"
#include "core/proc/procreader.h"
#include "core/protocol/snapshotjson.h"
#include "helper/serve/server.h"
#include "tests/common/childset.h"
#include "tests/common/nschild.h"
#include "tests/helper/serve/serve_util.h"

#include <algorithm>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sched.h>
#include <set>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace nsviz;
using namespace nsviz::protocol;
using namespace std::chrono_literals;
using nlohmann::json;
using testkit::all;
using testkit::InProcessServer;
using testkit::is;

namespace
{

/// Why event-driven tests cannot run here, or "".
std::string connectorUnavailable()
{
    if (::geteuid() != 0)
        return "needs root";
    std::string why;
    if (!helper::Server::openConnector("/proc", why))
        return why;
    return {};
}

/// Processes the test starts: some exec into fresh namespaces (unshare(1) then exec), some unshare
/// without exec (no event says so: the sweep must find them); short ones exit on their own.
class Churn
{
public:
    /// One round: a short-lived exec into fresh net/uts/ipc, a long-lived one every few rounds, and
    /// a long-lived fork that unshares without exec every few rounds.
    void round(int i)
    {
        ASSERT_GT(m_children.spawn({"/usr/bin/unshare", "-n", "-u", "-i", "/bin/sleep", "0.1"}), 0);
        if (i % 4 == 0) {
            pid_t p = m_children.spawn({"/usr/bin/unshare", "-n", "-u", "/bin/sleep", "600"});
            ASSERT_GT(p, 0);
            m_long.push_back(p);
            ++m_longExecd;
        }
        if (i % 5 == 2) {
            auto c = std::make_unique<testkit::NamespacedChild>();
            ASSERT_TRUE(c->ready());
            m_long.push_back(c->pid());
            m_unshared.push_back(std::move(c));
        }
        m_children.reap();
    }
    /// Waits until only the long-lived ones are left.
    void settle()
    {
        auto deadline = std::chrono::steady_clock::now() + 60s;
        while (m_children.reap() > m_longExecd && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(20ms);
    }
    const std::vector<pid_t> &longLived() const { return m_long; }
    const std::set<pid_t> &ended() const { return m_children.ended(); }

private:
    test::ChildSet m_children; ///< the exec'd ones
    std::size_t m_longExecd = 0;
    std::vector<pid_t> m_long;
    std::vector<std::unique_ptr<testkit::NamespacedChild>> m_unshared;
};

/// What a scan's reader does not refresh without an event (docs/protocol.md, "Events, sweeps and
/// deltas"): the scheduler state. Everything else must match.
Process normalised(Process p)
{
    p.state = '?';
    return p;
}

/// @p got (a subscription's replayed state) against @p fresh (a scan made after the churn), for
/// what the test controls: its long-lived processes, their non-host namespaces, and the absence
/// of the ones that ended.
void expectSameForTestProcesses(const Snapshot &got, const Snapshot &fresh, const Churn &churn,
                                const std::string &what)
{
    for (pid_t pid : churn.longLived()) {
        const Process *a = got.findProcess(pid);
        const Process *b = fresh.findProcess(pid);
        ASSERT_TRUE(b) << "pid " << pid << " is not in the fresh scan";
        ASSERT_TRUE(a) << what << ": long-lived pid " << pid << " is missing";
        EXPECT_TRUE(normalised(*a) == normalised(*b))
            << what << ": pid " << pid << " differs (comm " << a->comm << " vs " << b->comm << ")";
        EXPECT_NE(b->differsFromHost, 0) << "pid " << pid << " is not in fresh namespaces";
        for (NsType t : kAllNsTypes) {
            const NsId &id = b->ns[index(t)];
            if (!id.valid() || id == fresh.hostNs[index(t)])
                continue;
            const Namespace *na = got.findNamespace(id);
            const Namespace *nb = fresh.findNamespace(id);
            ASSERT_TRUE(nb);
            ASSERT_TRUE(na) << what << ": namespace " << nsTypeName(t) << ":" << id.ino << " is missing";
            EXPECT_TRUE(*na == *nb) << what << ": namespace " << nsTypeName(t) << ":" << id.ino << " differs";
        }
    }
    for (pid_t pid : churn.ended()) {
        const Process *a = got.findProcess(pid);
        const Process *b = fresh.findProcess(pid);
        // A pid may be reused by someone else meanwhile: then both must agree on who holds it.
        if (!b) {
            EXPECT_FALSE(a) << what << ": pid " << pid << " ended but is still there";
        } else if (a) {
            EXPECT_EQ(a->startTime, b->startTime) << what << ": pid " << pid;
        }
    }
}

/// Records what the server published, and replays the client's frames.
struct Published {
    std::mutex mutex;
    std::uint64_t lastSeq = 0;
    Snapshot last;
    void operator()(std::uint64_t seq, const Snapshot &s)
    {
        std::lock_guard lock(mutex);
        lastSeq = seq;
        last = s;
    }
};

Snapshot replay(const std::vector<ClientEvent> &events)
{
    auto snaps = all<event::SnapshotDone>(events);
    EXPECT_EQ(snaps.size(), 1u);
    if (snaps.empty())
        return {};
    Snapshot state = snaps[0].snapshot;
    for (const auto &d : all<event::Delta>(events)) {
        EXPECT_NO_THROW(applyDelta(state, d.delta)) << "delta " << d.delta.seq << " refused";
    }
    return state;
}

/// A subscribed in-process server (event-driven or polling) that the test drives.
struct Subscriber {
    Published pub;
    std::unique_ptr<InProcessServer> srv;
    explicit Subscriber(helper::Server::Options::Live live, bool memberDeltas = false,
                        const std::function<void(helper::Server::Options &)> &tweak = {})
    {
        helper::Server::Options o;
        o.live = live;
        o.onPublished = std::ref(pub);
        // Sweeps often enough for a short test; the defaults keep a big host's load low.
        o.minSweepMs = o.maxSweepMs = 300;
        // Every delta patched in place is checked against the whole pipeline (an error frame if not).
        o.verifyLive = true;
        if (tweak)
            tweak(o);
        srv = std::make_unique<InProcessServer>(o);
        srv->send(requestLine(RequestType::Hello, 1));
        json args{{"interval_ms", 200}};
        if (memberDeltas)
            args["member_deltas"] = true;
        srv->send(requestLine(RequestType::Subscribe, 2, args));
    }
    bool snapshotArrived()
    {
        return srv->reader().until([](const ClientEvent &e) { return is<event::SnapshotDone>(e); }, 180s);
    }
    std::string liveMode()
    {
        for (const auto &e : srv->reader().events())
            if (auto *r = std::get_if<event::Hello>(&e))
                return json::parse(r->text).value("live", "");
        return {};
    }
    void pump(std::chrono::milliseconds d)
    {
        srv->reader().until([](const ClientEvent &) { return false; }, d);
    }
    /// Whether what the helper last published holds every long-lived process of @p churn and none
    /// that ended (a pid that runs again as another process aside).
    bool caughtUp(const Churn &churn)
    {
        std::lock_guard lock(pub.mutex);
        for (pid_t pid : churn.longLived())
            if (!pub.last.findProcess(pid))
                return false;
        for (pid_t pid : churn.ended())
            if (const Process *p = pub.last.findProcess(pid); p && ProcReader::startTime(pid) != p->startTime)
                return false;
        return true;
    }
    /// Unsubscribes, reads to the end, and returns the replayed state (checked against what the
    /// server says the client holds).
    Snapshot finish()
    {
        srv->send(requestLine(RequestType::Unsubscribe, 3));
        EXPECT_TRUE(srv->reader().until([](const ClientEvent &e) { return is<event::Reply>(e); }, 60s));
        srv->join();
        EXPECT_FALSE(srv->reader().failed());
        for (const auto &e : srv->reader().events())
            if (auto *err = std::get_if<event::Error>(&e))
                ADD_FAILURE() << "error frame: " << err->code << ": " << err->message;
        Snapshot state = replay(srv->reader().events());
        std::lock_guard lock(pub.mutex);
        EXPECT_TRUE(sameContent(state, snapshotFromJsonText(dumpFrame(toJson(pub.last)))))
            << "the replayed deltas differ from what the helper published at seq " << pub.lastSeq;
        return state;
    }
};

} // namespace

namespace
{
/// After the churn: past the coalescing window, a namespace sweep (300 ms here) and two polling
/// ticks, and then on until both helpers have caught up with it. On a busy host (thousands of
/// processes, with the whole pipeline checking every patch) that can take seconds; the bound is a
/// hang's, and the checks after it say what is missing.
void pumpUntilCaughtUp(Subscriber &a, Subscriber &b, const Churn &churn)
{
    for (int i = 0; i < 15; ++i) {
        a.pump(100ms);
        b.pump(100ms);
    }
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    while (!(a.caughtUp(churn) && b.caughtUp(churn)) && std::chrono::steady_clock::now() < deadline) {
        a.pump(100ms);
        b.pump(100ms);
    }
}

/// Member changes (namespaces and sandboxes) in the deltas a subscriber received.
std::size_t memberEntries(Subscriber &s)
{
    std::size_t n = 0;
    for (const auto &d : all<event::Delta>(s.srv->reader().events()))
        n += d.delta.namespaceMembers.size() + d.delta.changedSandboxes.size() +
             d.delta.removedSandboxes.size();
    return n;
}
} // namespace

TEST(ServeLive, ChurnReplaysToAFreshScanAndMatchesPolling)
{
    if (std::string why = connectorUnavailable(); !why.empty())
        GTEST_SKIP() << "proc connector not available: " << why;
    Subscriber events(helper::Server::Options::Live::Auto);
    Subscriber polling(helper::Server::Options::Live::Polling);
    ASSERT_TRUE(events.snapshotArrived());
    ASSERT_TRUE(polling.snapshotArrived());
    EXPECT_EQ(events.liveMode(), "proc-connector");
    EXPECT_EQ(polling.liveMode(), "polling");

    Churn churn;
    for (int i = 0; i < 24; ++i) {
        churn.round(i);
        if (HasFatalFailure())
            return;
        events.pump(40ms);
        polling.pump(40ms);
    }
    churn.settle();
    pumpUntilCaughtUp(events, polling, churn);
    Snapshot fromEvents = events.finish();
    Snapshot fromPolling = polling.finish();
    DiscoveryOptions o;
    Snapshot fresh = discover(o);
    expectSameForTestProcesses(fromEvents, fresh, churn, "proc connector");
    expectSameForTestProcesses(fromPolling, fresh, churn, "polling");
    expectSameForTestProcesses(fromEvents, fromPolling, churn, "proc connector against polling");
    // The events path did follow the churn with deltas (not one big resync at the end).
    EXPECT_GE(all<event::Delta>(events.srv->reader().events()).size(), 5u);
    // Neither asked for member deltas: whole namespaces and sandbox lists only.
    EXPECT_EQ(memberEntries(events), 0u);
    EXPECT_EQ(memberEntries(polling), 0u);
}

TEST(ServeLive, MemberDeltasReplayToAFreshScan)
{
    // The churn of ChurnReplaysToAFreshScanAndMatchesPolling seen by clients that asked for the
    // member-deltas form, event-driven and polling: they get member changes, and replayed they give
    // what their helper published and a fresh scan (that test covers the whole form).
    if (std::string why = connectorUnavailable(); !why.empty())
        GTEST_SKIP() << "proc connector not available: " << why;
    using Live = helper::Server::Options::Live;
    Subscriber events(Live::Auto, true), polling(Live::Polling, true);
    ASSERT_TRUE(events.snapshotArrived());
    ASSERT_TRUE(polling.snapshotArrived());
    bool offered = false;
    for (const auto &e : events.srv->reader().events())
        if (auto *h = std::get_if<event::Hello>(&e))
            offered = std::find(h->capabilities.begin(), h->capabilities.end(), "member-deltas") !=
                      h->capabilities.end();
    EXPECT_TRUE(offered) << "hello does not offer member-deltas";

    Churn churn;
    for (int i = 0; i < 16; ++i) {
        churn.round(i);
        if (HasFatalFailure())
            return;
        events.pump(40ms);
        polling.pump(40ms);
    }
    churn.settle();
    pumpUntilCaughtUp(events, polling, churn);
    EXPECT_GT(memberEntries(events), 0u);
    EXPECT_GT(memberEntries(polling), 0u);
    Snapshot fromEvents = events.finish();
    Snapshot fromPolling = polling.finish();
    DiscoveryOptions o;
    Snapshot fresh = discover(o);
    expectSameForTestProcesses(fromEvents, fresh, churn, "proc connector, member deltas");
    expectSameForTestProcesses(fromPolling, fresh, churn, "polling, member deltas");
}

TEST(ServeLive, ProcessExecingIntoFreshNamespacesAppearsInADelta)
{
    if (std::string why = connectorUnavailable(); !why.empty())
        GTEST_SKIP() << "proc connector not available: " << why;
    testkit::HelperProcess h({NSVIZ_HELPER_BIN, "serve", "--quiet"});
    ASSERT_GT(h.pid(), 0);
    testkit::FrameReader reader(h.outFd());
    // A ten-minute interval: were it polling, nothing would come within the test.
    ASSERT_TRUE(h.send("{\"v\":1,\"type\":\"hello\",\"id\":1}\n"
                       "{\"v\":1,\"type\":\"subscribe\",\"id\":2,\"interval_ms\":600000}\n"));
    ASSERT_TRUE(reader.until([](const ClientEvent &e) { return is<event::SnapshotDone>(e); }, 180s));
    auto hello = all<event::Hello>(reader.events());
    ASSERT_EQ(hello.size(), 1u);
    EXPECT_EQ(json::parse(hello[0].text).value("live", ""), "proc-connector");

    test::ChildSet children;
    pid_t pid = children.spawn({"/usr/bin/unshare", "-n", "-u", "-i", "/bin/sleep", "600"});
    ASSERT_GT(pid, 0);
    bool seen = reader.until(
        [&](const ClientEvent &e) {
            auto *d = std::get_if<event::Delta>(&e);
            if (!d)
                return false;
            for (const auto *list : {&d->delta.addedProcesses, &d->delta.changedProcesses})
                for (const Process &p : *list)
                    if (p.pid == pid && p.comm == "sleep" && p.differs(NsType::Net) && p.differs(NsType::Uts))
                        return true;
            return false;
        },
        120s);
    children.kill(pid);
    EXPECT_TRUE(seen) << "no delta showed pid " << pid << " running sleep in its fresh namespaces";
    EXPECT_FALSE(reader.failed());
}

TEST(ServeLive, AReapedZombieLeavesWhileOtherEventsKeepComing)
{
    // No event says when a zombie is reaped: the helper looks at its zombies again, less and less
    // often. Other processes' events must not put that look off: on a busy host a job ends every few
    // tens of milliseconds, and a zombie reaped meanwhile must not wait for the sweep (here: never).
    if (std::string why = connectorUnavailable(); !why.empty())
        GTEST_SKIP() << "proc connector not available: " << why;
    Subscriber events(helper::Server::Options::Live::Auto, false, [](helper::Server::Options &o) {
        o.minSweepMs = o.maxSweepMs = 600000;
        o.minResyncMs = o.maxResyncMs = 600000;
    });
    ASSERT_TRUE(events.snapshotArrived());
    test::ChildSet children, noise;
    const pid_t pid = children.spawn({"/bin/sleep", "0.2"});
    ASSERT_GT(pid, 0);
    auto published = [&]() -> std::optional<Process> {
        std::lock_guard lock(events.pub.mutex);
        if (const Process *p = events.pub.last.findProcess(pid))
            return *p;
        return std::nullopt;
    };
    // It exits and, not reaped yet, stays as a zombie.
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (!(published() && published()->exited) && std::chrono::steady_clock::now() < deadline)
        events.pump(20ms);
    ASSERT_TRUE(published() && published()->exited) << "pid " << pid << " never showed as exited";
    ASSERT_EQ(children.reap(), 0u);
    // Reaped; meanwhile other processes start and end every 20 ms, each an event.
    const auto until = std::chrono::steady_clock::now() + 30s;
    while (published() && std::chrono::steady_clock::now() < until) {
        ASSERT_GT(noise.spawn({"/bin/true"}), 0);
        events.pump(20ms);
        noise.reap();
    }
    EXPECT_FALSE(published()) << "pid " << pid << ", reaped, stayed in the picture while events kept coming";
    EXPECT_GT(noise.started(), 0u);
    events.finish();
}

TEST(ServeLive, AFullReReadInSlicesFindsWhatNoEventTellsAndKeepsUpWithChurn)
{
    // The full re-read (every 200 ms here, 16 pids a slice, no namespace sweep) under churn: the
    // deltas still replay to what the helper published and to a fresh scan, and it finds what no
    // event tells of: a shell that starts spinning after its child exited is running ('R'), which
    // only a re-read of its stat shows.
    if (std::string why = connectorUnavailable(); !why.empty())
        GTEST_SKIP() << "proc connector not available: " << why;
    Subscriber events(helper::Server::Options::Live::Auto, true, [](helper::Server::Options &o) {
        o.minSweepMs = o.maxSweepMs = 600000;
        o.minResyncMs = o.maxResyncMs = 200;
        o.sweepSlice = 16;
    });
    ASSERT_TRUE(events.snapshotArrived());
    test::ChildSet spinners;
    const pid_t spinner = spinners.spawn({"/bin/sh", "-c", "/bin/sleep 0.3; while :; do :; done"});
    ASSERT_GT(spinner, 0);
    Churn churn;
    for (int i = 0; i < 12; ++i) {
        churn.round(i);
        if (HasFatalFailure())
            return;
        events.pump(40ms);
    }
    churn.settle();
    for (int i = 0; i < 15; ++i)
        events.pump(100ms);
    auto running = [&] {
        std::lock_guard lock(events.pub.mutex);
        const Process *p = events.pub.last.findProcess(spinner);
        return p && p->state == 'R';
    };
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    while (!(events.caughtUp(churn) && running()) && std::chrono::steady_clock::now() < deadline)
        events.pump(100ms);
    EXPECT_TRUE(running()) << "the spinning shell " << spinner << " never showed as running";
    spinners.kill(spinner);
    Snapshot fromEvents = events.finish();
    DiscoveryOptions o;
    expectSameForTestProcesses(fromEvents, discover(o), churn, "sliced full re-reads");
}

TEST(ServeLive, AProcessThatStartsWhileAFullReReadGoesOnIsShownByItsEvents)
{
    // A full re-read lists the pids once and reads them slice after slice; a process that forks
    // after the listing is known from its events alone. The server once dropped those events
    // whenever it scheduled the round's next slice, so such a process stayed unseen until the next
    // round or sweep: in the 10k soak, 2 % of the probes (each living 10 s) never appeared. Here a
    // round (one pid a slice, so it takes a while) runs 4 s after subscribing, none again before
    // 8 s, no sweep; processes living 3 s start every 20 ms around it: every one must be in a delta.
    if (std::string why = connectorUnavailable(); !why.empty())
        GTEST_SKIP() << "proc connector not available: " << why;
    Subscriber events(helper::Server::Options::Live::Auto, true, [](helper::Server::Options &o) {
        o.minSweepMs = o.maxSweepMs = 600000;
        o.minResyncMs = o.maxResyncMs = 4000;
        o.sweepSlice = 1;
    });
    const auto subscribed = std::chrono::steady_clock::now();
    ASSERT_TRUE(events.snapshotArrived());
    test::ChildSet kids;
    std::vector<pid_t> started;
    while (std::chrono::steady_clock::now() < subscribed + 2500ms)
        events.pump(50ms);
    while (std::chrono::steady_clock::now() < subscribed + 6000ms) {
        const pid_t pid = kids.spawn({"/bin/sleep", "3"});
        ASSERT_GT(pid, 0);
        started.push_back(pid);
        events.pump(20ms);
        kids.reap(); // an ended one is gone, not a zombie a later look could still find
    }
    while (kids.reap() > 0)
        events.pump(100ms);
    events.pump(500ms);
    std::set<pid_t> named;
    for (const auto &d : all<event::Delta>(events.srv->reader().events())) {
        for (const auto &p : d.delta.addedProcesses)
            named.insert(p.pid);
        for (const auto &p : d.delta.changedProcesses)
            named.insert(p.pid);
    }
    std::vector<pid_t> unseen;
    for (pid_t pid : started)
        if (!named.count(pid))
            unseen.push_back(pid);
    EXPECT_TRUE(unseen.empty()) << unseen.size() << " of " << started.size()
                                << " processes, each living 3 s, were never in a delta (the first: "
                                << (unseen.empty() ? 0 : unseen.front()) << ")";
    events.finish();
}

TEST(ServeLive, AFailedLiveChangeStartsThePictureOverOnTheSameSubscription)
{
    // A live change that fails after the helper's picture moved (here: the whole pipeline, which
    // checks every patch in this mode, finds a namespace that only a new bind mount holds, which no
    // process event announces) used to leave the client a delta behind: every later delta was
    // refused. The helper says what failed and sends the whole picture again (seq 0, same id).
    if (std::string why = connectorUnavailable(); !why.empty())
        GTEST_SKIP() << "proc connector not available: " << why;
    Subscriber events(helper::Server::Options::Live::Auto, true, [](helper::Server::Options &o) {
        o.minSweepMs = o.maxSweepMs = 600000; // no sweep finds the bind mount first
        o.minResyncMs = o.maxResyncMs = 600000;
    });
    ASSERT_TRUE(events.snapshotArrived());
    // A net namespace held by a bind mount alone, unmounted whatever happens below.
    const std::string holder = ::testing::TempDir() + "nsviz-held-netns-" + std::to_string(::getpid());
    ASSERT_TRUE(std::ofstream(holder).good());
    struct Unmount {
        std::string path;
        ~Unmount()
        {
            ::umount2(path.c_str(), MNT_DETACH);
            ::unlink(path.c_str());
        }
    } unmount{holder};
    test::ChildSet kids;
    const pid_t maker = kids.spawn({"/usr/bin/unshare", "--net=" + holder, "/bin/true"});
    ASSERT_GT(maker, 0);
    while (kids.reap() > 0)
        events.pump(20ms);
    struct stat st {
    };
    ASSERT_EQ(::stat(holder.c_str(), &st), 0);
    const std::uint64_t heldIno = st.st_ino;
    // Any patched change now meets the pipeline's extra namespace.
    const pid_t sleeper = kids.spawn({"/bin/sleep", "600"});
    ASSERT_GT(sleeper, 0);
    auto &reader = events.srv->reader();
    auto snapshots = [&] { return all<event::SnapshotDone>(reader.events()); };
    ASSERT_TRUE(reader.until([&](const ClientEvent &) { return snapshots().size() >= 2; }, 60s))
        << "no second picture after the failed change";
    const auto errors = all<event::Error>(reader.events());
    ASSERT_FALSE(errors.empty());
    EXPECT_EQ(errors[0].id, 2u);
    EXPECT_EQ(errors[0].code, err::ScanFailed);
    EXPECT_NE(errors[0].message.find("only in the pipeline"), std::string::npos) << errors[0].message;
    const auto again = snapshots()[1];
    EXPECT_EQ(again.id, 2u);
    EXPECT_EQ(again.seq, 0u);
    EXPECT_TRUE(again.snapshot.findProcess(sleeper));
    EXPECT_TRUE(std::any_of(again.snapshot.namespaces.begin(), again.snapshot.namespaces.end(),
                            [&](const Namespace &n) { return n.type == NsType::Net && n.id.ino == heldIno; }))
        << "the new picture lacks the bind-mounted namespace";
    // The deltas go on from the new picture: a process started now is in one, and they replay.
    const pid_t later = kids.spawn({"/bin/sleep", "600"});
    ASSERT_GT(later, 0);
    ASSERT_TRUE(reader.until(
        [&](const ClientEvent &e) {
            auto *d = std::get_if<event::Delta>(&e);
            return d && std::any_of(d->delta.addedProcesses.begin(), d->delta.addedProcesses.end(),
                                    [&](const Process &p) { return p.pid == later; });
        },
        60s));
    kids.kill(sleeper);
    kids.kill(later);
    events.pump(300ms);
    events.srv->send(requestLine(RequestType::Unsubscribe, 3));
    EXPECT_TRUE(reader.until([](const ClientEvent &e) { return is<event::Reply>(e); }, 60s));
    events.srv->join();
    EXPECT_FALSE(reader.failed());
    Snapshot state = again.snapshot;
    bool after = false;
    for (const auto &e : reader.events()) {
        if (auto *sd = std::get_if<event::SnapshotDone>(&e)) {
            after = sd->seq == 0 && sd->snapshot.findProcess(sleeper);
        } else if (auto *d = std::get_if<event::Delta>(&e); d && after) {
            EXPECT_NO_THROW(applyDelta(state, d->delta)) << "delta " << d->delta.seq << " refused";
        }
    }
    std::lock_guard lock(events.pub.mutex);
    EXPECT_TRUE(sameContent(state, snapshotFromJsonText(dumpFrame(toJson(events.pub.last)))))
        << "the deltas after the new picture do not replay to what the helper holds";
}

TEST(ServeLive, HelloSaysHowSubscriptionsFollowChanges)
{
    auto helloOf = [](std::vector<std::string> argv) {
        testkit::HelperProcess h(std::move(argv));
        testkit::FrameReader reader(h.outFd());
        h.send("{\"v\":1,\"type\":\"hello\",\"id\":1}\n");
        reader.until([](const ClientEvent &e) { return is<event::Hello>(e); }, 60s);
        h.closeInput();
        auto hello = all<event::Hello>(reader.events());
        return hello.empty() ? json() : json::parse(hello[0].text);
    };
    json forced = helloOf({"/usr/bin/env", "NSVIZ_LIVE=polling", NSVIZ_HELPER_BIN, "serve", "--quiet"});
    EXPECT_EQ(forced.value("live", ""), "polling");
    EXPECT_NE(forced.value("live_reason", "").find("NSVIZ_LIVE"), std::string::npos) << forced.dump();

    json option = helloOf({NSVIZ_HELPER_BIN, "serve", "--quiet", "--live", "polling"});
    EXPECT_EQ(option.value("live", ""), "polling");

    // A fixture tree is not this host's /proc: its pids are not the ones events name.
    std::string fixture = std::string(NSVIZ_TEST_DATA) + "/proc-basic";
    json other = helloOf({NSVIZ_HELPER_BIN, "serve", "--quiet", "--proc", fixture});
    EXPECT_EQ(other.value("live", ""), "polling");
    EXPECT_NE(other.value("live_reason", ""), "");

    json plain = helloOf({NSVIZ_HELPER_BIN, "serve", "--quiet"});
    if (std::string why = connectorUnavailable(); !why.empty()) {
        EXPECT_EQ(plain.value("live", ""), "polling");
        EXPECT_NE(plain.value("live_reason", ""), "");
    } else {
        EXPECT_EQ(plain.value("live", ""), "proc-connector");
    }
}

TEST(ServeLive, FirstPictureComesBeforeTheWholeScanAndADeltaCompletesIt)
{
    if (std::string why = connectorUnavailable(); !why.empty())
        GTEST_SKIP() << "proc connector not available: " << why;
    Published pub;
    helper::Server::Options o;
    o.onPublished = std::ref(pub);
    o.firstBatch = 16; // this test host has far fewer processes than the default's 500
    const Snapshot before = discover(DiscoveryOptions{});
    InProcessServer srv(o);
    srv.send(requestLine(RequestType::Subscribe, 1, {{"interval_ms", 600000}}));
    ASSERT_TRUE(srv.reader().until(
        [](const ClientEvent &e) {
            auto *d = std::get_if<event::Delta>(&e);
            return d && d->completes;
        },
        180s))
        << "no delta completed the first picture";
    auto snaps = all<event::SnapshotDone>(srv.reader().events());
    ASSERT_EQ(snaps.size(), 1u);
    EXPECT_FALSE(snaps[0].complete);
    EXPECT_LE(snaps[0].snapshot.processes.size(), 16u);
    EXPECT_GE(snaps[0].snapshot.processes.size(), 1u);
    // The frame says so on the wire, for clients that read frames themselves.
    EXPECT_NE(srv.reader().bytes().find("\"complete\":false"), std::string::npos);
    srv.send(requestLine(RequestType::Unsubscribe, 2));
    ASSERT_TRUE(srv.reader().until([](const ClientEvent &e) { return is<event::Reply>(e); }, 60s));
    srv.join();
    Snapshot state = replay(srv.reader().events());
    {
        std::lock_guard lock(pub.mutex);
        EXPECT_TRUE(sameContent(state, snapshotFromJsonText(dumpFrame(toJson(pub.last)))));
    }
    // Complete now: every process there before the subscription and still there after (the host
    // churns meanwhile) is in the state.
    Snapshot after = discover(DiscoveryOptions{});
    std::size_t found = 0, missing = 0;
    for (const Process &p : before.processes) {
        const Process *now = after.findProcess(p.pid);
        if (!now || now->startTime != p.startTime)
            continue;
        const Process *got = state.findProcess(p.pid);
        (got && got->startTime == p.startTime ? found : missing) += 1;
    }
    EXPECT_GT(found, 16u);
    EXPECT_EQ(missing, 0u);
}

// A first picture in parts leaves the fds for last: a namespace that only an open fd holds is in
// neither the partial snapshot nor the delta that completes the processes, but in a delta right
// after, with its holder.
TEST(ServeLive, AFirstPictureInPartsReadsTheFdsLast)
{
    if (std::string why = connectorUnavailable(); !why.empty())
        GTEST_SKIP() << "proc connector not available: " << why;
    int held = -1;
    {
        test::NsChild child({CLONE_NEWNET});
        ASSERT_TRUE(child.error().empty()) << child.error();
        held = ::open(("/proc/" + std::to_string(child.pid(0)) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC);
        ASSERT_GE(held, 0) << std::strerror(errno);
    } // the child is gone: only this fd holds its network namespace
    struct FdGuard {
        int fd;
        ~FdGuard() { ::close(fd); }
    } guard{held};
    struct stat st {
    };
    ASSERT_EQ(::fstat(held, &st), 0);
    const std::uint64_t ino = st.st_ino;
    const std::string holder = std::to_string(::getpid()) + "/" + std::to_string(held);

    helper::Server::Options o;
    o.firstBatch = 16; // this test host has far fewer processes than the default's 500
    InProcessServer srv(o);
    srv.send(requestLine(RequestType::Subscribe, 1, {{"interval_ms", 600000}}));
    auto addsIt = [&](const ClientEvent &e) {
        auto *d = std::get_if<event::Delta>(&e);
        return d && std::any_of(d->delta.addedNamespaces.begin(), d->delta.addedNamespaces.end(),
                                [&](const Namespace &n) { return n.id.ino == ino; });
    };
    ASSERT_TRUE(srv.reader().until(addsIt, 180s)) << "no delta added the namespace held by fd " << holder;
    srv.send(requestLine(RequestType::Unsubscribe, 2));
    ASSERT_TRUE(srv.reader().until([](const ClientEvent &e) { return is<event::Reply>(e); }, 60s));
    srv.join();

    const std::vector<ClientEvent> events = srv.reader().events();
    auto snaps = all<event::SnapshotDone>(events);
    ASSERT_EQ(snaps.size(), 1u);
    EXPECT_FALSE(snaps[0].complete);
    for (const Namespace &x : snaps[0].snapshot.namespaces)
        EXPECT_NE(x.id.ino, ino) << "held by an fd, in the partial first picture";
    bool completed = false, added = false;
    for (const ClientEvent &e : events) {
        auto *d = std::get_if<event::Delta>(&e);
        if (!d)
            continue;
        if (addsIt(e)) {
            EXPECT_TRUE(completed) << "the fds come after the delta that completes the processes";
            EXPECT_FALSE(d->completes);
            added = true;
        }
        completed = completed || d->completes;
    }
    EXPECT_TRUE(added);
    Snapshot state = replay(events);
    const Namespace *n = nullptr;
    for (const Namespace &x : state.namespaces)
        if (x.type == NsType::Net && x.id.ino == ino)
            n = &x;
    ASSERT_NE(n, nullptr);
    EXPECT_TRUE(n->pids.empty());
    EXPECT_NE(std::find(n->fdHolders.begin(), n->fdHolders.end(), holder), n->fdHolders.end())
        << "held by " << holder;
}

TEST(ServeLive, LiveScansMemberDeltasReplayToItsStateThroughEveryKindOfChange)
{
    // Without a server: every change LiveScan makes of real churn (a partial first picture and its
    // rest, updates, zombie checks, sliced sweeps, resyncs), applied in the member-deltas form to a
    // client's copy, gives exactly LiveScan's own state after each step.
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root to read every process's namespaces";
    DiscoveryOptions o;
    LiveScan live(o);
    Snapshot client = live.beginFull(20);
    std::size_t members = 0;
    Churn churn;
    auto allPids = [] {
        std::vector<int> v;
        for (const auto &e : std::filesystem::directory_iterator("/proc"))
            if (int p = std::atoi(e.path().filename().c_str()); p > 0)
                v.push_back(p);
        std::sort(v.begin(), v.end());
        return v;
    };
    for (int i = 0; i < 150; ++i) {
        churn.round(i);
        if (HasFatalFailure())
            return;
        for (int k = 0; k < 3; ++k) {
            std::vector<int> some = allPids();
            std::vector<int> few;
            for (std::size_t j = i % 7; j < some.size(); j += 7)
                few.push_back(some[j]);
            LiveScan::Change c = i == 3 && k == 0         ? live.readRestChange()
                                 : i % 50 == 49 && k == 1 ? live.resync()
                                 : k == 2                 ? live.sweepChange(nullptr, 16)
                                 : k == 1                 ? live.updateChange(live.zombies())
                                                          : live.updateChange(few);
            if (!c)
                continue;
            members += c->namespaceMembers.size();
            try {
                applyDelta(client, *c);
            } catch (const DeltaError &e) {
                FAIL() << "step " << i << "." << k << ": " << e.what();
            }
            if (!sameContent(client, live.current())) {
                SnapshotDelta diff = computeDelta(client, live.current());
                std::string what;
                for (auto &n : diff.changedNamespaces)
                    what += " ns " + std::to_string(n.id.ino);
                for (auto &p : diff.changedProcesses)
                    what += " p " + std::to_string(p.pid);
                FAIL() << "step " << i << "." << k << " diverged:" << what << " sandboxes "
                       << bool(diff.sandboxes) << " added " << diff.addedProcesses.size() << " removed "
                       << diff.removedProcesses.size();
            }
        }
    }
    EXPECT_GT(members, 0u) << "no change was said in the member-deltas form";
}
