// SPDX-License-Identifier: GPL-2.0-or-later
// The serve loop: in-process against hand-made churn and real processes in fresh namespaces,
// and the real nsviz-helper binary over pipes (the done criterion of issue 3).
#include "core/discovery/discovery.h"
#include "core/model/delta.h"
#include "core/protocol/snapshotjson.h"
#include "helper/serve/handlererror.h"
#include "helper/serve/server.h"
#include "tests/common/syntheticsnapshot.h"
#include "tests/helper/serve/serve_util.h"

#include <fstream>
#include <gtest/gtest.h>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sys/resource.h>
#include <thread>

using namespace nsviz;
using namespace nsviz::protocol;
using namespace std::chrono_literals;
using nlohmann::json;

namespace
{
using testkit::all;
using testkit::InProcessServer;
using testkit::is;

Snapshot overTheWire(const Snapshot &s)
{
    return snapshotFromJsonText(dumpFrame(toJson(s)));
}

/// Records what the server published at each seq (the "fresh scan at that sequence number").
struct Published {
    std::mutex mutex;
    std::map<std::uint64_t, Snapshot> bySeq;
    void operator()(std::uint64_t seq, const Snapshot &s)
    {
        std::lock_guard lock(mutex);
        bySeq[seq] = s;
    }
};

/// Applies the client's deltas in order and checks each state against the published scan.
void expectDeltasReproduceScans(const std::vector<ClientEvent> &events, Published &pub, std::size_t minDeltas)
{
    auto snaps = all<event::SnapshotDone>(events);
    auto deltas = all<event::Delta>(events);
    ASSERT_EQ(snaps.size(), 1u);
    ASSERT_GE(deltas.size(), minDeltas);
    std::lock_guard lock(pub.mutex);
    Snapshot state = snaps[0].snapshot;
    ASSERT_TRUE(sameContent(state, overTheWire(pub.bySeq.at(0))));
    for (const auto &d : deltas) {
        ASSERT_NO_THROW(applyDelta(state, d.delta)) << "delta " << d.delta.seq;
        ASSERT_TRUE(pub.bySeq.count(d.delta.seq));
        EXPECT_TRUE(sameContent(state, overTheWire(pub.bySeq.at(d.delta.seq))))
            << "state after delta " << d.delta.seq << " differs from the scan published with it";
    }
}

} // namespace

TEST(Serve, BadRequestsGetErrorsAndServingContinues)
{
    helper::Server::Options o;
    o.scan = [] { return Snapshot{}; };
    InProcessServer srv(o);
    srv.send("not json\n");
    srv.send("{\"v\":1,\"type\":\"format_disk\",\"id\":4}\n");
    srv.send("\xc3\x28\n");
    srv.send(std::string(100000, 'x') + "\n");
    srv.send("{\"v\":1,\"type\":\"inspect\",\"id\":5,\"pid\":-3}\n");
    srv.send("{\"v\":1,\"type\":\"demo_start\",\"id\":6}\n");
    srv.send(requestLine(RequestType::Hello, 7));
    ASSERT_TRUE(srv.reader().until([](const ClientEvent &e) { return is<event::Hello>(e); }, 5s));
    auto errors = all<event::Error>(srv.reader().events());
    ASSERT_EQ(errors.size(), 6u);
    EXPECT_EQ(errors[0].code, err::BadJson);
    EXPECT_EQ(errors[1].code, err::UnknownType);
    EXPECT_EQ(errors[1].id, 4u);
    EXPECT_EQ(errors[2].code, err::BadUtf8);
    EXPECT_EQ(errors[3].code, err::TooLarge);
    EXPECT_EQ(errors[4].code, err::BadRequest);
    EXPECT_EQ(errors[4].id, 5u);
    EXPECT_EQ(errors[5].code, err::Unsupported);
    EXPECT_EQ(errors[5].id, 6u);
    auto hello = all<event::Hello>(srv.reader().events());
    EXPECT_EQ(hello[0].id, 7u);
    EXPECT_EQ(hello[0].protocol, 1);
    EXPECT_FALSE(srv.reader().failed());
}

TEST(Serve, TruncatedInputGetsAnErrorAndEndHooksRun)
{
    helper::Server::Options o;
    o.scan = [] { return Snapshot{}; };
    int hooks = 0;
    {
        InProcessServer srv(o, [&](helper::Server &s) { s.addConnectionEndHook([&] { ++hooks; }); });
        srv.send("{\"v\":1,\"type\":\"sc");
        srv.join();
        auto errors = all<event::Error>(srv.reader().events());
        ASSERT_EQ(errors.size(), 1u);
        EXPECT_EQ(errors[0].code, err::Truncated);
        EXPECT_TRUE(srv.reader().eof());
    }
    EXPECT_EQ(hooks, 1);
}

TEST(Serve, ByeEndsTheConnectionAndRunsHooks)
{
    helper::Server::Options o;
    o.scan = [] { return Snapshot{}; };
    int hooks = 0;
    InProcessServer srv(o, [&](helper::Server &s) { s.addConnectionEndHook([&] { ++hooks; }); });
    srv.send(requestLine(RequestType::Bye, 3) + requestLine(RequestType::Hello, 4));
    ASSERT_TRUE(srv.reader().until([](const ClientEvent &e) { return is<event::Bye>(e); }, 5s));
    // Nothing after bye is served: the output ends.
    srv.reader().until([](const ClientEvent &) { return false; }, 5s);
    EXPECT_TRUE(srv.reader().eof());
    EXPECT_TRUE(all<event::Hello>(srv.reader().events()).empty());
    EXPECT_EQ(hooks, 1);
}

TEST(Serve, RegisteredHandlersAnswerAndFailCleanly)
{
    helper::Server::Options o;
    o.scan = [] { return Snapshot{}; };
    InProcessServer srv(o, [](helper::Server &s) {
        s.setHandler(RequestType::DemoStart, [](const Request &r) {
            if (!r.args.contains("name"))
                throw helper::HandlerError(err::BadRequest, "demo_start needs args.name");
            return json{{"started", r.args["name"]}};
        });
        s.setHandler(RequestType::Inspect, [](const Request &r) { return json{{"pid", r.pid}}; });
    });
    srv.send(requestLine(RequestType::DemoStart, 1, {{"args", {{"name", "web"}}}}));
    srv.send(requestLine(RequestType::DemoStart, 2));
    srv.send(requestLine(RequestType::Inspect, 3, {{"pid", 1234}}));
    srv.send(requestLine(RequestType::DemoList, 4));
    srv.send(requestLine(RequestType::Hello, 5));
    ASSERT_TRUE(srv.reader().until([](const ClientEvent &e) { return is<event::Hello>(e); }, 5s));
    auto replies = all<event::Reply>(srv.reader().events());
    ASSERT_EQ(replies.size(), 2u);
    auto r1 = json::parse(replies[0].text);
    EXPECT_EQ(r1["id"], 1);
    EXPECT_EQ(r1["request"], "demo_start");
    EXPECT_EQ(r1["result"]["started"], "web");
    EXPECT_EQ(json::parse(replies[1].text)["result"]["pid"], 1234);
    auto errors = all<event::Error>(srv.reader().events());
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[0].id, 2u);
    EXPECT_EQ(errors[0].code, err::BadRequest);
    EXPECT_EQ(errors[1].id, 4u);
    EXPECT_EQ(errors[1].code, err::Unsupported);
    auto hello = all<event::Hello>(srv.reader().events());
    EXPECT_NE(std::find(hello[0].capabilities.begin(), hello[0].capabilities.end(), "demo"),
              hello[0].capabilities.end());
}

TEST(Serve, ScanFailureIsAnErrorFrame)
{
    helper::Server::Options o;
    o.scan = []() -> Snapshot { throw std::system_error(ENOENT, std::generic_category(), "/nonexistent"); };
    InProcessServer srv(o);
    srv.send(requestLine(RequestType::Scan, 8));
    ASSERT_TRUE(srv.reader().until([](const ClientEvent &e) { return is<event::Error>(e); }, 5s));
    auto errors = all<event::Error>(srv.reader().events());
    EXPECT_EQ(errors[0].id, 8u);
    EXPECT_EQ(errors[0].code, err::ScanFailed);
}

TEST(Serve, SubscriptionDeltasReproduceEachPublishedScan_Synthetic)
{
    // Hand-made churn under a lock: every scan sees a few processes start, stop or change.
    std::mutex m;
    testkit::SyntheticHost host(42);
    for (int i = 0; i < 300; ++i)
        host.start(i % 4 == 0);
    Published pub;
    helper::Server::Options o;
    o.limits.chunkBytes = 2048; // many parts per snapshot and per delta
    o.limits.maxFrameBytes = 8192;
    int scans = 0;
    o.scan = [&] {
        std::lock_guard lock(m);
        if (scans++ % 3 != 2) // every third scan sees no change: no delta for it
            for (int k = 0; k < 7; ++k)
                host.churn();
        return host.snapshot();
    };
    o.onPublished = std::ref(pub);
    InProcessServer srv(o);
    srv.send(requestLine(RequestType::Subscribe, 1, {{"interval_ms", 100}}));
    int deltas = 0;
    ASSERT_TRUE(
        srv.reader().until([&](const ClientEvent &e) { return is<event::Delta>(e) && ++deltas == 15; }, 20s));
    srv.send(requestLine(RequestType::Unsubscribe, 2));
    ASSERT_TRUE(srv.reader().until([](const ClientEvent &e) { return is<event::Reply>(e); }, 5s));
    srv.join();
    EXPECT_FALSE(srv.reader().failed());
    // Deltas carry the subscription's id and consecutive seqs.
    auto ds = all<event::Delta>(srv.reader().events());
    for (std::size_t i = 0; i < ds.size(); ++i) {
        EXPECT_EQ(ds[i].id, 1u);
        EXPECT_EQ(ds[i].delta.seq, i + 1);
    }
    expectDeltasReproduceScans(srv.reader().events(), pub, 15);
}

TEST(Serve, SubscriptionDeltasReproduceEachPublishedScan_RealChurn)
{
    // Real processes in fresh namespaces start and exit while the real discovery runs. A scan of a
    // busy host takes a while, so each change waits for one scan that began after it.
    Published pub;
    std::mutex m;
    int started = 0, completed = 0;
    helper::Server::Options o;
    o.scan = [&] {
        {
            std::lock_guard lock(m);
            ++started;
        }
        DiscoveryOptions d;
        d.fds = false; // the process/namespace churn is what this test is about; keep scans quick
        Snapshot s = discover(d);
        std::lock_guard lock(m);
        ++completed;
        return s;
    };
    o.onPublished = std::ref(pub);
    InProcessServer srv(o);
    // Keep reading while waiting: the server blocks on a full pipe otherwise.
    auto waitForFreshScan = [&] {
        int after;
        {
            std::lock_guard lock(m);
            after = started;
        }
        auto deadline = std::chrono::steady_clock::now() + 180s;
        while (std::chrono::steady_clock::now() < deadline) {
            srv.reader().until([](const ClientEvent &) { return false; }, 100ms);
            std::lock_guard lock(m);
            if (completed > after)
                return;
        }
        FAIL() << "no scan completed in 180 s";
    };
    srv.send(requestLine(RequestType::Subscribe, 1, {{"interval_ms", 100}}));
    ASSERT_TRUE(srv.reader().until([](const ClientEvent &e) { return is<event::SnapshotDone>(e); }, 180s));
    std::vector<std::unique_ptr<testkit::NamespacedChild>> children;
    std::vector<pid_t> seen;
    for (int round = 0; round < 6; ++round) {
        auto c = std::make_unique<testkit::NamespacedChild>();
        ASSERT_TRUE(c->ready()) << "unshare(CLONE_NEWNET|CLONE_NEWUTS|CLONE_NEWIPC) failed";
        seen.push_back(c->pid());
        children.push_back(std::move(c));
        if (round % 2 == 1)
            children.erase(children.begin()); // kills and reaps the oldest
        waitForFreshScan();
    }
    children.clear();
    waitForFreshScan();
    waitForFreshScan(); // its delta is written after the scan returns
    srv.send(requestLine(RequestType::Unsubscribe, 2));
    ASSERT_TRUE(srv.reader().until([](const ClientEvent &e) { return is<event::Reply>(e); }, 60s));
    srv.join();
    EXPECT_FALSE(srv.reader().failed());
    expectDeltasReproduceScans(srv.reader().events(), pub, 3);

    // The churn is visible: each child was added by some delta and removed by a later one.
    std::set<int> added, removed;
    for (const auto &d : all<event::Delta>(srv.reader().events())) {
        for (const auto &p : d.delta.addedProcesses)
            added.insert(p.pid);
        for (const auto &k : d.delta.removedProcesses)
            removed.insert(k.pid);
    }
    for (pid_t p : seen) {
        EXPECT_TRUE(added.count(p)) << "pid " << p << " never reported as started";
        EXPECT_TRUE(removed.count(p)) << "pid " << p << " never reported as exited";
    }
}

TEST(ServeBinary, SubscribeStreamsSnapshotThenDeltasTrackingProcesses)
{
    // Timeouts are generous on purpose: a scan of a host with tens of thousands of processes under
    // load takes seconds; the test ends as soon as the expected frame arrives.
    testkit::HelperProcess h({NSVIZ_HELPER_BIN, "serve"});
    ASSERT_GT(h.pid(), 0);
    testkit::FrameReader reader(h.outFd());
    ASSERT_TRUE(h.send("{\"v\":1,\"type\":\"subscribe\",\"id\":1,\"interval_ms\":200}\n"));
    ASSERT_TRUE(reader.until([](const ClientEvent &e) { return is<event::SnapshotDone>(e); }, 180s));
    auto snap = all<event::SnapshotDone>(reader.events())[0];
    EXPECT_EQ(snap.id, 1u);
    EXPECT_GT(snap.snapshot.processes.size(), 1u);

    auto child = std::make_unique<testkit::NamespacedChild>();
    ASSERT_TRUE(child->ready());
    const pid_t pid = child->pid();
    ASSERT_TRUE(reader.until(
        [&](const ClientEvent &e) {
            auto *d = std::get_if<event::Delta>(&e);
            if (!d)
                return false;
            for (const auto &p : d->delta.addedProcesses)
                if (p.pid == pid)
                    return true;
            return false;
        },
        180s))
        << "no delta added pid " << pid;
    // Its fresh net namespace arrived with it.
    bool newNet = false;
    for (const auto &d : all<event::Delta>(reader.events()))
        for (const auto &p : d.delta.addedProcesses)
            if (p.pid == pid)
                newNet = p.differs(NsType::Net);
    EXPECT_TRUE(newNet);

    child.reset();
    ASSERT_TRUE(reader.until(
        [&](const ClientEvent &e) {
            auto *d = std::get_if<event::Delta>(&e);
            if (!d)
                return false;
            for (const auto &k : d->delta.removedProcesses)
                if (k.pid == pid)
                    return true;
            return false;
        },
        180s))
        << "no delta removed pid " << pid;
    EXPECT_FALSE(reader.failed());

    // End of input ends the helper cleanly (keep reading: it may be writing a delta right now).
    h.closeInput();
    reader.until([](const ClientEvent &) { return false; }, 180s);
    EXPECT_TRUE(reader.eof());
    int status = h.wait(10s);
    ASSERT_NE(status, -1);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(ServeBinary, SigtermEndsCleanly)
{
    testkit::HelperProcess h({NSVIZ_HELPER_BIN, "serve", "--quiet"});
    testkit::FrameReader reader(h.outFd());
    ASSERT_TRUE(h.send(requestLine(RequestType::Hello, 1)));
    ASSERT_TRUE(reader.until([](const ClientEvent &e) { return is<event::Hello>(e); }, 10s));
    ::kill(h.pid(), SIGTERM);
    int status = h.wait(10s);
    ASSERT_NE(status, -1);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(ServeBinary, ASignalStopsItWhileItsClientIsNotReading)
{
    // A client that stops reading but keeps the pipe open (a hung GUI, a stopped ssh): the helper
    // blocks writing. SIGTERM still ends it, promptly and cleanly (a write interrupted by the
    // signal gives up instead of starting again).
    testkit::HelperProcess h({NSVIZ_HELPER_BIN, "serve", "--quiet"});
    for (int i = 1; i <= 64; ++i) // far more than a pipe holds: it must block
        ASSERT_TRUE(h.send(requestLine(RequestType::Scan, static_cast<std::uint64_t>(i))));
    // Blocked in the write once its main thread sleeps on the full pipe.
    const std::string wchan = "/proc/" + std::to_string(h.pid()) + "/wchan";
    bool blocked = false;
    for (int i = 0; i < 400 && !blocked; ++i) {
        std::this_thread::sleep_for(25ms);
        std::ifstream f(wchan);
        std::string w;
        std::getline(f, w);
        blocked = w.find("pipe_write") != std::string::npos;
    }
    ASSERT_TRUE(blocked) << "the helper never blocked writing (wchan " << wchan << ")";
    ::kill(h.pid(), SIGTERM);
    const int status = h.wait(10s);
    ASSERT_NE(status, -1) << "SIGTERM did not end a helper blocked writing";
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(ServeBinary, RaisesItsSoftFdLimitForTheMountTableWatches)
{
    // Started with the common soft limit of 1024 (prlimit, util-linux): serve raises it to its hard
    // limit, at most 65536, so that a host of hundreds of mount namespaces fits its bind-mount cache.
    rlimit r{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &r), 0);
    if (r.rlim_max != RLIM_INFINITY && r.rlim_max <= 1024)
        GTEST_SKIP() << "the hard fd limit here is " << r.rlim_max << ": nothing to raise to";
    const std::string hard = r.rlim_max == RLIM_INFINITY ? "unlimited" : std::to_string(r.rlim_max);
    testkit::HelperProcess h(
        {"/usr/bin/prlimit", "--nofile=1024:" + hard, NSVIZ_HELPER_BIN, "serve", "--quiet"});
    testkit::FrameReader reader(h.outFd());
    ASSERT_TRUE(h.send(requestLine(RequestType::Hello, 1)));
    ASSERT_TRUE(reader.until([](const ClientEvent &e) { return is<event::Hello>(e); }, 10s));
    std::ifstream limits("/proc/" + std::to_string(h.pid()) + "/limits");
    std::string line, soft;
    while (std::getline(limits, line))
        if (line.rfind("Max open files", 0) == 0)
            soft = line.substr(26, 21);
    const rlim_t want = r.rlim_max == RLIM_INFINITY ? 65536 : std::min<rlim_t>(r.rlim_max, 65536);
    EXPECT_EQ(std::stoul(soft), want) << line;
    ::kill(h.pid(), SIGTERM);
    EXPECT_NE(h.wait(10s), -1);
}

TEST(ServeBinary, BadProcRootIsRefusedAtStart)
{
    testkit::HelperProcess h({NSVIZ_HELPER_BIN, "serve", "--proc", "/nonexistent/proc"});
    int status = h.wait(10s);
    ASSERT_NE(status, -1);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 2); // a usage error, as in every subcommand
}
