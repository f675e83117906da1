// SPDX-License-Identifier: GPL-2.0-or-later
// The Qt transports: the real helper over pipes, a helper killed mid-stream, fake helpers that speak
// garbage, another protocol or nothing, fake pkexec/sudo verdicts, and the in-process transport.
#include "app/transport/localtransport.h"
#include "app/transport/processtransport.h"
#include "core/model/delta.h"
#include "tests/common/childset.h"
#include "tests/common/nschild.h"
#include "tests/common/syntheticsnapshot.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <gtest/gtest.h>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sched.h>
#include <sys/wait.h>

using namespace nsviz;
using Error = Transport::Error;

namespace
{

ProcessTransport::Options realHelper()
{
    ProcessTransport::Options o;
    o.helperPath = QStringLiteral(NSVIZ_HELPER_BIN);
    o.helperArgs = {QStringLiteral("--quiet")};
    o.connectTimeoutMs = 30000;
    return o;
}

/// Writes an executable shell script into @p dir.
QString script(const QTemporaryDir &dir, const char *name, const char *body)
{
    const QString path = dir.filePath(QString::fromLatin1(name));
    QFile f(path);
    EXPECT_TRUE(f.open(QIODevice::WriteOnly));
    f.write("#!/bin/sh\n");
    f.write(body);
    f.close();
    f.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    return path;
}

Error errorOf(const QSignalSpy &spy, int i = 0)
{
    return spy.at(i).at(0).value<Error>();
}

/// Waits until @p spy has at least @p n entries.
bool waitFor(QSignalSpy &spy, int n, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (spy.count() < n && t.elapsed() < timeoutMs)
        spy.wait(std::max<int>(1, timeoutMs - static_cast<int>(t.elapsed())));
    return spy.count() >= n;
}

bool alive(qint64 pid)
{
    return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) == 0;
}

} // namespace

TEST(ProcessTransport, RealHelperStreamsSnapshotAndDeltas)
{
    ProcessTransport t(realHelper());
    QSignalSpy connectedSpy(&t, &Transport::connected);
    QSignalSpy snapSpy(&t, &Transport::snapshotReceived);
    QSignalSpy deltaSpy(&t, &Transport::deltaReceived);
    QSignalSpy failSpy(&t, &Transport::failed);
    t.start();
    ASSERT_TRUE(waitFor(connectedSpy, 1, 30000));
    EXPECT_TRUE(t.privileged()); // the tests run as root, so the helper does
    EXPECT_FALSE(t.helperVersion().isEmpty());
    t.subscribe(200);
    ASSERT_TRUE(waitFor(snapSpy, 1, 180000));
    Snapshot state = snapSpy.at(0).at(0).value<Snapshot>();
    EXPECT_GT(state.processes.size(), 1u);

    // A process in fresh namespaces shows up in a delta, and its exit in another.
    int pid = 0;
    {
        test::NsChild child({CLONE_NEWNET | CLONE_NEWUTS});
        ASSERT_TRUE(child.error().empty()) << child.error();
        pid = child.pid(0);
        bool added = false;
        QElapsedTimer timer; // generous: a loaded host with many processes scans slowly
        timer.start();
        while (!added && timer.elapsed() < 180000) {
            deltaSpy.wait(100);
            for (const auto &args : deltaSpy)
                for (const auto &p : args.at(0).value<SnapshotDelta>().addedProcesses)
                    added = added || p.pid == pid;
        }
        EXPECT_TRUE(added) << "pid " << pid << " never added";
    }
    bool removed = false;
    QElapsedTimer timer;
    timer.start();
    while (!removed && timer.elapsed() < 180000) {
        deltaSpy.wait(100);
        for (const auto &args : deltaSpy)
            for (const auto &k : args.at(0).value<SnapshotDelta>().removedProcesses)
                removed = removed || k.pid == pid;
    }
    EXPECT_TRUE(removed) << "pid " << pid << " never removed";
    // The deltas apply in order to the first snapshot.
    for (const auto &args : deltaSpy)
        ASSERT_NO_THROW(applyDelta(state, args.at(0).value<SnapshotDelta>()));
    EXPECT_TRUE(failSpy.isEmpty()) << (failSpy.isEmpty() ? "" : failSpy.at(0).at(1).toString().toStdString());

    QSignalSpy discSpy(&t, &Transport::disconnected);
    const qint64 helperPid = t.processId();
    t.stop();
    ASSERT_TRUE(waitFor(discSpy, 1, 10000));
    EXPECT_FALSE(alive(helperPid));
}

// Deltas that queued up in the pipe while the GUI was busy are handed over as one burst
// (deltasBegin(), the deltas, deltasEnd()), so that the views redo what costs the whole picture once.
TEST(ProcessTransport, DeltasThatQueuedUpArriveAsOneBurst)
{
    if (geteuid() != 0)
        GTEST_SKIP() << "needs root: the helper sends a delta per process event only through the kernel's "
                        "process connector";
    ProcessTransport t(realHelper());
    QSignalSpy connectedSpy(&t, &Transport::connected);
    QSignalSpy snapSpy(&t, &Transport::snapshotReceived);
    QSignalSpy deltaSpy(&t, &Transport::deltaReceived);
    t.start();
    ASSERT_TRUE(waitFor(connectedSpy, 1, 30000));
    t.subscribe(200);
    ASSERT_TRUE(waitFor(snapSpy, 1, 180000));
    Snapshot state = snapSpy.at(0).at(0).value<Snapshot>();
    QTest::qWait(500); // the partial first picture's completion and what followed it

    std::string order; // B: deltasBegin, d: a delta, E: deltasEnd
    QObject::connect(&t, &Transport::deltasBegin, &t, [&] { order += 'B'; });
    QObject::connect(&t, &Transport::deltasEnd, &t, [&] { order += 'E'; });
    QObject::connect(&t, &Transport::deltaReceived, &t, [&] { order += 'd'; });
    // The event loop does not run for 2 s (a busy GUI) while processes start and end every 200 ms:
    // the helper's deltas wait in the pipe.
    test::ChildSet churn;
    for (int i = 0; i < 10; ++i) {
        ASSERT_GT(churn.spawn({"/bin/sleep", "0.05"}), 0);
        ::usleep(200 * 1000);
        churn.reap();
    }
    QElapsedTimer timer;
    timer.start();
    while (order.find('E') == std::string::npos && timer.elapsed() < 30000)
        QTest::qWait(50);
    QTest::qWait(300);

    // Well nested: every burst ends before the next begins, and holds two deltas or more.
    std::size_t bursts = 0, inBursts = 0;
    for (std::size_t i = 0; i < order.size(); ++i) {
        if (order[i] != 'B')
            continue;
        const std::size_t end = order.find('E', i);
        ASSERT_NE(end, std::string::npos) << order;
        const std::string inside = order.substr(i + 1, end - i - 1);
        EXPECT_EQ(inside.find_first_not_of('d'), std::string::npos) << order;
        EXPECT_GE(inside.size(), 2u) << order;
        ++bursts;
        inBursts += inside.size();
        i = end;
    }
    EXPECT_EQ(std::count(order.begin(), order.end(), 'E'), static_cast<long>(bursts)) << order;
    EXPECT_GE(bursts, 1u) << "no burst: " << order;
    EXPECT_GE(inBursts, 2u) << order;
    // The deltas of a burst are the helper's deltas, in order: they apply one after the other.
    for (const auto &args : deltaSpy) {
        const SnapshotDelta d = args.at(0).value<SnapshotDelta>();
        ASSERT_NO_THROW(applyDelta(state, d)) << "seq " << d.seq;
    }
    t.stop();
}

TEST(ProcessTransport, DeadHelperIsReportedAndReconnectResumes)
{
    ProcessTransport t(realHelper());
    QSignalSpy connectedSpy(&t, &Transport::connected);
    QSignalSpy snapSpy(&t, &Transport::snapshotReceived);
    QSignalSpy failSpy(&t, &Transport::failed);
    QSignalSpy discSpy(&t, &Transport::disconnected);
    t.start();
    ASSERT_TRUE(waitFor(connectedSpy, 1, 30000));
    t.subscribe(100);
    ASSERT_TRUE(waitFor(snapSpy, 1, 180000));
    const qint64 pid = t.processId();
    ASSERT_GT(pid, 0);
    ASSERT_EQ(::kill(static_cast<pid_t>(pid), SIGKILL), 0);
    ASSERT_TRUE(waitFor(failSpy, 1, 10000));
    EXPECT_EQ(errorOf(failSpy), Error::HelperDied);
    EXPECT_FALSE(failSpy.at(0).at(1).toString().isEmpty());
    ASSERT_TRUE(waitFor(discSpy, 1, 5000));
    EXPECT_FALSE(t.isConnected());

    // Reconnect: a new helper, and the subscription resumes with a fresh snapshot.
    t.start();
    ASSERT_TRUE(waitFor(connectedSpy, 2, 30000));
    ASSERT_TRUE(waitFor(snapSpy, 2, 180000));
    EXPECT_NE(t.processId(), pid);
    t.stop();
    ASSERT_TRUE(waitFor(discSpy, 2, 10000));
}

// The session subscribes from its connected() slot; the transport resumes a subscription asked for
// before the connection was up. Either way the helper is asked once: a second subscribe made it read
// the first picture twice, the GUI waiting for the second.
TEST(ProcessTransport, SubscribesOnceOnConnect)
{
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const QString requests = dir.filePath(QStringLiteral("requests"));
    ProcessTransport::Options o = realHelper();
    // What the transport sends, copied on its way to the real helper.
    o.helperPath =
        script(dir, "tee-helper",
               ("tee -a \"" + requests.toStdString() + "\" | \"" NSVIZ_HELPER_BIN "\" \"$@\"\n").c_str());
    auto subscribes = [&] {
        QFile f(requests);
        if (!f.open(QIODevice::ReadOnly))
            return -1;
        int n = 0;
        for (const QByteArray &line : f.readAll().split('\n'))
            if (!line.isEmpty() && nlohmann::json::parse(line.toStdString()).value("type", "") == "subscribe")
                ++n;
        return n;
    };
    for (const bool fromSlot : {true, false}) {
        SCOPED_TRACE(fromSlot ? "subscribed from connected()" : "subscribed before start()");
        QFile::remove(requests);
        ProcessTransport t(o);
        QSignalSpy snapSpy(&t, &Transport::snapshotReceived);
        QSignalSpy discSpy(&t, &Transport::disconnected);
        if (fromSlot)
            QObject::connect(&t, &Transport::connected, &t, [&t] { t.subscribe(2000); });
        else
            t.subscribe(2000);
        t.start();
        ASSERT_TRUE(waitFor(snapSpy, 1, 180000));
        t.stop();
        ASSERT_TRUE(waitFor(discSpy, 1, 10000));
        EXPECT_EQ(subscribes(), 1);
    }
}

TEST(ProcessTransport, GenericRequestsGetTheirReplies)
{
    ProcessTransport t(realHelper());
    QSignalSpy connectedSpy(&t, &Transport::connected);
    QSignalSpy replySpy(&t, &Transport::replyReceived);
    t.start();
    ASSERT_TRUE(waitFor(connectedSpy, 1, 30000));
    const quint64 ping = t.request(QByteArrayLiteral(R"({"type":"ping"})"));
    const quint64 bad = t.request(QByteArrayLiteral(R"({"type":"inspect","pid":-1})"));
    const quint64 notJson = t.request(QByteArrayLiteral("rm -rf /"));
    ASSERT_TRUE(waitFor(replySpy, 3, 10000));
    std::map<quint64, nlohmann::json> replies;
    for (const auto &args : replySpy)
        replies[args.at(0).toULongLong()] = nlohmann::json::parse(args.at(1).toByteArray().toStdString());
    EXPECT_EQ(replies.at(ping)["type"], "result");
    EXPECT_EQ(replies.at(bad)["type"], "error");
    EXPECT_EQ(replies.at(bad)["code"], "bad_request");
    EXPECT_EQ(replies.at(notJson)["type"], "error");
    EXPECT_TRUE(t.isConnected()); // bad requests do not end the connection
    t.stop();
}

TEST(ProcessTransport, AHeldScanLeavesNothingDueForTheWatchdog)
{
    // The GUI's watchdog fires after responseTimeoutMs of silence while an answer is due. Under a
    // mount flood every tick of a subscription is slow; were scans on the serve loop, the
    // keepalive ping sent meanwhile would stay due until the tick ended, and the watchdog would
    // fire however long it is set. Here a tick is held until the test lets it go (no clock in
    // it): a ping and an inspect sent meanwhile are answered while it is still held, after which
    // nothing is due and the watchdog is stopped.
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const QString release = dir.filePath(QStringLiteral("release"));
    const QString held = dir.filePath(QStringLiteral("held"));
    ProcessTransport::Options o;
    o.helperPath = QStringLiteral(NSVIZ_GATED_HELPER_BIN);
    o.demos = false;
    o.helperArgs = {release, held};
    o.connectTimeoutMs = 30000;
    o.keepaliveMs = 3600000; // the test sends the ping itself
    ProcessTransport t(o);
    QSignalSpy connectedSpy(&t, &Transport::connected);
    QSignalSpy snapSpy(&t, &Transport::snapshotReceived);
    QSignalSpy replySpy(&t, &Transport::replyReceived);
    QSignalSpy failSpy(&t, &Transport::failed);
    t.start();
    ASSERT_TRUE(waitFor(connectedSpy, 1, 30000));
    t.subscribe(100);
    ASSERT_TRUE(waitFor(snapSpy, 1, 30000)) << "the first scan is not held";
    for (int i = 0; i < 3000 && !QFile::exists(held); ++i)
        QTest::qWait(10);
    ASSERT_TRUE(QFile::exists(held)) << "the second tick never started";
    // A subscription's ticks are not answers the GUI waits for.
    EXPECT_FALSE(t.awaitingAnswer());

    const quint64 ping = t.request(QByteArrayLiteral(R"({"type":"ping"})"));
    const QByteArray inspectSelf = QByteArrayLiteral(R"({"type":"inspect","pid":)") +
                                   QByteArray::number(QCoreApplication::applicationPid()) + '}';
    const quint64 inspect = t.request(inspectSelf);
    EXPECT_TRUE(t.awaitingAnswer()) << "the ping is due: the watchdog runs";
    ASSERT_TRUE(waitFor(replySpy, 2, 30000)) << "not answered while the scan is held";
    std::map<quint64, nlohmann::json> replies;
    for (const auto &args : replySpy)
        replies[args.at(0).toULongLong()] = nlohmann::json::parse(args.at(1).toByteArray().toStdString());
    EXPECT_EQ(replies.at(ping)["type"], "result");
    EXPECT_EQ(replies.at(inspect)["type"], "result") << replies.at(inspect).dump().substr(0, 300);
    EXPECT_FALSE(QFile::exists(release)); // (the tick is still held)
    EXPECT_FALSE(t.awaitingAnswer()) << "answered while the tick is held: nothing left for the watchdog";
    EXPECT_EQ(failSpy.count(), 0);
    EXPECT_TRUE(t.isConnected());

    QFile f(release);
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.close();
    t.stop();
}

TEST(ProcessTransport, MissingHelper)
{
    ProcessTransport::Options o;
    o.helperPath = QStringLiteral("/nonexistent/nsviz-helper");
    ProcessTransport t(o);
    QSignalSpy failSpy(&t, &Transport::failed);
    QSignalSpy discSpy(&t, &Transport::disconnected);
    t.start();
    ASSERT_EQ(failSpy.count(), 1);
    EXPECT_EQ(errorOf(failSpy), Error::HelperMissing);
    EXPECT_EQ(discSpy.count(), 0);
}

TEST(ProcessTransport, GarbageSpeakingHelperIsAProtocolMismatch)
{
    QTemporaryDir dir;
    ProcessTransport::Options o;
    o.helperPath = script(dir, "garbage", "echo 'Password: this is not the nsviz protocol'\nexec sleep 30\n");
    ProcessTransport t(o);
    QSignalSpy failSpy(&t, &Transport::failed);
    t.start();
    ASSERT_TRUE(waitFor(failSpy, 1, 10000));
    EXPECT_EQ(errorOf(failSpy), Error::ProtocolMismatch);
    EXPECT_EQ(t.processId(), 0);
}

TEST(ProcessTransport, OtherProtocolVersionIsAMismatch)
{
    QTemporaryDir dir;
    ProcessTransport::Options o;
    o.helperPath = script(dir, "v2",
                          "read line\n"
                          "echo '{\"v\":2,\"type\":\"hello\",\"id\":1,\"protocol\":2}'\n"
                          "exec sleep 30\n");
    ProcessTransport t(o);
    QSignalSpy failSpy(&t, &Transport::failed);
    t.start();
    ASSERT_TRUE(waitFor(failSpy, 1, 10000));
    EXPECT_EQ(errorOf(failSpy), Error::ProtocolMismatch);
    EXPECT_TRUE(failSpy.at(0).at(1).toString().contains(QStringLiteral("version")));
}

TEST(ProcessTransport, SilentHelperTimesOutAndIsKilled)
{
    QTemporaryDir dir;
    ProcessTransport::Options o;
    o.helperPath = script(dir, "silent", "exec sleep 60\n");
    o.connectTimeoutMs = 500;
    ProcessTransport t(o);
    QSignalSpy failSpy(&t, &Transport::failed);
    t.start();
    const qint64 pid = t.processId();
    ASSERT_GT(pid, 0);
    ASSERT_TRUE(waitFor(failSpy, 1, 10000));
    EXPECT_EQ(errorOf(failSpy), Error::Timeout);
    // The silent child is killed and reaped in the background.
    for (int i = 0; i < 100 && alive(pid); ++i)
        QTest::qWait(50);
    EXPECT_FALSE(alive(pid));
}

TEST(ProcessTransport, HelperExitingBeforeHelloDied)
{
    QTemporaryDir dir;
    ProcessTransport::Options o;
    o.helperPath = script(dir, "dies", "echo 'nsviz-helper: cannot open /proc' >&2\nexit 3\n");
    ProcessTransport t(o);
    QSignalSpy failSpy(&t, &Transport::failed);
    t.start();
    ASSERT_TRUE(waitFor(failSpy, 1, 10000));
    EXPECT_EQ(errorOf(failSpy), Error::HelperDied);
    EXPECT_TRUE(failSpy.at(0).at(1).toString().contains(QStringLiteral("cannot open /proc")));
}

TEST(ProcessTransport, PkexecVerdictsAreMapped)
{
    QTemporaryDir dir;
    struct Case {
        const char *body;
        ProcessTransport::Mode mode;
        Error expected;
    } cases[] = {
        {"exit 126\n", ProcessTransport::Mode::Pkexec, Error::Cancelled},
        {"echo 'Error executing command as another user: Not authorized' >&2\nexit 127\n",
         ProcessTransport::Mode::Pkexec, Error::Denied},
        {"echo 'sudo: a password is required' >&2\nexit 1\n", ProcessTransport::Mode::Sudo, Error::Denied},
    };
    int n = 0;
    for (const auto &c : cases) {
        ProcessTransport::Options o = realHelper();
        o.mode = c.mode;
        const QString wrapper = script(dir, n++ % 2 ? "w1" : "w0", c.body);
        (c.mode == ProcessTransport::Mode::Pkexec ? o.pkexecPath : o.sudoPath) = wrapper;
        ProcessTransport t(o);
        QSignalSpy failSpy(&t, &Transport::failed);
        t.start();
        ASSERT_TRUE(waitFor(failSpy, 1, 10000)) << c.body;
        EXPECT_EQ(errorOf(failSpy), c.expected) << c.body;
    }
}

TEST(ProcessTransport, PkexecWrapperRunsTheHelper)
{
    // A stand-in for pkexec that just runs its arguments: checks the command line we build.
    QTemporaryDir dir;
    ProcessTransport::Options o = realHelper();
    o.mode = ProcessTransport::Mode::Pkexec;
    o.pkexecPath = script(dir, "pkexec", "exec \"$@\"\n");
    ProcessTransport t(o);
    QSignalSpy connectedSpy(&t, &Transport::connected);
    t.start();
    ASSERT_TRUE(waitFor(connectedSpy, 1, 30000));
    EXPECT_EQ(t.description(), QStringLiteral("nsviz-helper (pkexec)"));
    QSignalSpy discSpy(&t, &Transport::disconnected);
    t.stop();
    ASSERT_TRUE(waitFor(discSpy, 1, 10000));
}

TEST(ProcessTransport, DemoCapableHelperOnlyWhereNothingIsAsked)
{
    // Direct (already root): serve-demos. Through pkexec: the read-only serve (its own polkit
    // action, auth_admin_keep) unless demos are asked for. Stand-ins record the command line.
    QTemporaryDir dir;
    const QString log = dir.filePath(QStringLiteral("argv"));
    const std::string record = "echo \"$@\" > '" + log.toStdString() + "'\n";
    const std::string wrap = record + "exec \"$@\"\n";
    const std::string helper = record + "exec '" + std::string(NSVIZ_HELPER_BIN) + "' \"$@\"\n";
    struct Case {
        ProcessTransport::Mode mode;
        std::optional<bool> demos;
        const char *command;
    } cases[] = {
        {ProcessTransport::Mode::Direct, std::nullopt, "serve-demos"},
        {ProcessTransport::Mode::Pkexec, std::nullopt, "serve"},
        {ProcessTransport::Mode::Pkexec, true, "serve-demos"},
        {ProcessTransport::Mode::Direct, false, "serve"},
    };
    for (const auto &c : cases) {
        ProcessTransport::Options o = realHelper();
        o.mode = c.mode;
        o.demos = c.demos;
        if (c.mode == ProcessTransport::Mode::Pkexec)
            o.pkexecPath = script(dir, "pkexec", wrap.c_str());
        else
            o.helperPath = script(dir, "helper", helper.c_str());
        ProcessTransport t(o);
        QSignalSpy connectedSpy(&t, &Transport::connected);
        t.start();
        ASSERT_TRUE(waitFor(connectedSpy, 1, 30000)) << c.command;
        QFile f(log);
        ASSERT_TRUE(f.open(QIODevice::ReadOnly));
        const QStringList argv = QString::fromUtf8(f.readAll()).trimmed().split(QLatin1Char(' '));
        const int at = c.mode == ProcessTransport::Mode::Pkexec ? 1 : 0; // after the helper's path
        ASSERT_GT(argv.size(), at) << c.command;
        EXPECT_EQ(argv.at(at).toStdString(), c.command);
        QSignalSpy discSpy(&t, &Transport::disconnected);
        t.stop();
        ASSERT_TRUE(waitFor(discSpy, 1, 10000));
    }
}

TEST(LocalTransport, SubscribesOnAWorkerThreadAndSendsDeltas)
{
    std::mutex m;
    testkit::SyntheticHost host(9);
    for (int i = 0; i < 50; ++i)
        host.start(i % 2);
    Snapshot latest;
    LocalTransport t(QStringLiteral("/proc"), [&] {
        std::lock_guard lock(m);
        for (int k = 0; k < 3; ++k)
            host.churn();
        latest = host.snapshot();
        return latest;
    });
    QSignalSpy connectedSpy(&t, &Transport::connected);
    QSignalSpy snapSpy(&t, &Transport::snapshotReceived);
    QSignalSpy deltaSpy(&t, &Transport::deltaReceived);
    t.start();
    ASSERT_TRUE(waitFor(connectedSpy, 1, 5000));
    t.subscribe(100);
    ASSERT_TRUE(waitFor(snapSpy, 1, 5000));
    ASSERT_TRUE(waitFor(deltaSpy, 5, 10000));
    t.unsubscribe();
    QTest::qWait(300); // results of scans still running are dropped
    Snapshot state = snapSpy.at(0).at(0).value<Snapshot>();
    std::uint64_t seq = 0;
    for (const auto &args : deltaSpy) {
        auto d = args.at(0).value<SnapshotDelta>();
        EXPECT_EQ(d.seq, ++seq);
        ASSERT_NO_THROW(applyDelta(state, d));
    }
    const auto count = deltaSpy.count();
    QTest::qWait(300);
    EXPECT_EQ(deltaSpy.count(), count) << "deltas after unsubscribe";
    std::lock_guard lock(m);
    // Every scan changed something, so the last delta brought the state to the last scan.
    EXPECT_TRUE(sameContent(state, latest) || deltaSpy.count() < static_cast<int>(seq));
}

TEST(LocalTransport, RequestsAndStop)
{
    LocalTransport t(QStringLiteral("/proc"), [] { return Snapshot{}; });
    QSignalSpy connectedSpy(&t, &Transport::connected);
    QSignalSpy replySpy(&t, &Transport::replyReceived);
    QSignalSpy snapSpy(&t, &Transport::snapshotReceived);
    QSignalSpy discSpy(&t, &Transport::disconnected);
    t.start();
    ASSERT_TRUE(waitFor(connectedSpy, 1, 5000));
    t.requestScan();
    ASSERT_TRUE(waitFor(snapSpy, 1, 5000));
    const quint64 demo = t.request(QByteArrayLiteral(R"({"type":"demo_list"})"));
    const quint64 bad = t.request(QByteArrayLiteral(R"({"type":"inspect","pid":0})"));
    const quint64 ping = t.request(QByteArrayLiteral(R"({"type":"ping"})"));
    ASSERT_TRUE(waitFor(replySpy, 3, 5000));
    std::map<quint64, nlohmann::json> replies;
    for (const auto &args : replySpy)
        replies[args.at(0).toULongLong()] = nlohmann::json::parse(args.at(1).toByteArray().toStdString());
    EXPECT_EQ(replies.at(demo)["code"], "unsupported");
    EXPECT_EQ(replies.at(bad)["code"], "bad_request");
    EXPECT_EQ(replies.at(ping)["type"], "result");
    t.stop();
    ASSERT_TRUE(waitFor(discSpy, 1, 5000));
}
