// SPDX-License-Identifier: GPL-2.0-or-later
// End-to-end test of the KAuth path: KAuthTransport -> system D-Bus -> polkitd -> nsviz_kauth_helper
// (root, D-Bus activated). Run by scripts/kauth-e2e.sh as an unprivileged user inside the Debian 13
// root, which sets NSVIZ_KAUTH_E2E to "allowed" (a polkit rule lets this user run the actions) or
// "denied" (no rule). Not registered with ctest: it needs that environment.
#include "churn.h"
#include "kauthtransport.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QElapsedTimer>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

using nsviz::KAuthTransport;
using nsviz::Transport;

namespace
{

QString mode()
{
    return qEnvironmentVariable("NSVIZ_KAUTH_E2E");
}

/// Runs the event loop until @p done or @p ms pass; true when done.
template <typename F> bool waitFor(F done, int ms)
{
    QDeadlineTimer deadline(ms);
    while (!done() && !deadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 50);
    return done();
}

int countProcDirs()
{
    int n = 0;
    for (const QString &e : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        bool ok = false;
        e.toInt(&ok);
        n += ok;
    }
    return n;
}

/// Everything one transport reported, for assertions.
struct Recorder {
    explicit Recorder(KAuthTransport &t)
    {
        QObject::connect(&t, &KAuthTransport::frameReceived,
                         [this](quint64 id, quint64 seq, const QByteArray &f) {
                             frames.push_back({id, seq, f});
                         });
        QObject::connect(&t, &Transport::snapshotReceived,
                         [this](const nsviz::Snapshot &s) { snapshots.push_back(s); });
        QObject::connect(&t, &Transport::deltaReceived,
                         [this](const nsviz::SnapshotDelta &d) { deltas.push_back(d); });
        QObject::connect(&t, &Transport::failed, [this](Transport::Error e, const QString &m) {
            errors.push_back({e, m});
        });
        QObject::connect(&t, &KAuthTransport::requestFinished, [this](quint64 id, const QString &s) {
            finished.push_back({id, s});
        });
        QObject::connect(&t, &Transport::replyReceived, [this](quint64 id, const QByteArray &f) {
            replies.push_back({id, f});
        });
    }
    struct Frame {
        quint64 id, seq;
        QByteArray text;
    };
    std::vector<Frame> frames;
    std::vector<nsviz::Snapshot> snapshots;
    std::vector<nsviz::SnapshotDelta> deltas;
    std::vector<std::pair<Transport::Error, QString>> errors;
    std::vector<std::pair<quint64, QString>> finished;
    std::vector<std::pair<quint64, QByteArray>> replies;

    int framesOfType(const char *type) const
    {
        int n = 0;
        for (const auto &f : frames)
            n += nlohmann::json::parse(f.text.toStdString())["type"] == type;
        return n;
    }
};

std::string describe(const Recorder &r)
{
    std::string s;
    for (const auto &e : r.errors)
        s += "error " + std::to_string(int(e.first)) + ": " + e.second.toStdString() + "\n";
    return s;
}

KAuthTransport::Options testOptions()
{
    KAuthTransport::Options o;
    o.chunkBytes = nsviz::kauth::kMinChunkBytes; // several frames for any real process list
    o.firstFrameTimeoutMs = 30000;
    o.idleTimeoutMs = 20000;
    return o;
}

class KAuthE2E : public ::testing::Test
{
protected:
    void SetUp() override
    {
        if (mode() != QLatin1String("allowed"))
            GTEST_SKIP() << "run by scripts/kauth-e2e.sh (NSVIZ_KAUTH_E2E=allowed)";
        ASSERT_NE(::geteuid(), 0u) << "the client must run unprivileged";
    }
};

class KAuthE2EDenied : public ::testing::Test
{
protected:
    void SetUp() override
    {
        if (mode() != QLatin1String("denied"))
            GTEST_SKIP() << "run by scripts/kauth-e2e.sh (NSVIZ_KAUTH_E2E=denied)";
        ASSERT_NE(::geteuid(), 0u) << "the client must run unprivileged";
    }
};

} // namespace

TEST_F(KAuthE2E, ScanRunsAsRootAndReturnsEveryProcessInOrder)
{
    KAuthTransport t(testOptions());
    Recorder r(t);
    bool connected = false;
    QObject::connect(&t, &Transport::connected, [&] { connected = true; });
    t.start();
    ASSERT_TRUE(waitFor([&] { return connected || !r.errors.empty(); }, 10000)) << "start() never answered";
    ASSERT_TRUE(connected) << describe(r);

    t.requestScan();
    ASSERT_TRUE(waitFor([&] { return !r.finished.empty(); }, 60000)) << describe(r);
    ASSERT_TRUE(r.errors.empty()) << describe(r);
    EXPECT_EQ(r.finished.front().second.toStdString(), "done");
    const quint64 id = r.finished.front().first;

    // Frames: all ours, numbered 0..n-1 in arrival order, snapshot parts 0..n-1, the last final.
    ASSERT_GE(r.frames.size(), 2u) << "expected a snapshot in several parts with 1 KiB chunks";
    std::printf("snapshot in %zu frames\n", r.frames.size());
    for (std::size_t i = 0; i < r.frames.size(); ++i) {
        EXPECT_EQ(r.frames[i].id, id);
        EXPECT_EQ(r.frames[i].seq, i);
        const auto j = nlohmann::json::parse(r.frames[i].text.toStdString());
        EXPECT_EQ(j["id"].get<quint64>(), id);
        EXPECT_EQ(j["type"], "snapshot");
        EXPECT_EQ(j["part"].get<std::size_t>(), i);
        EXPECT_EQ(j.value("final", false), i + 1 == r.frames.size());
    }

    ASSERT_EQ(r.snapshots.size(), 1u);
    const nsviz::Snapshot &s = r.snapshots.front();
    // Every process: compare with /proc as this (unprivileged) user sees the pid list. Processes
    // may start or end in between, so allow a little churn, not a different order of magnitude.
    const int proc = countProcDirs();
    const int got = static_cast<int>(s.processes.size());
    EXPECT_GT(got, 0);
    EXPECT_NEAR(got, proc, 5) << "snapshot has " << got << " processes, /proc has " << proc;
    // Root: namespaces of processes this user cannot read (root's daemons) are visible.
    EXPECT_TRUE(s.host.privileged) << "the helper did not read /proc as root";
    EXPECT_EQ(s.host.invisibleProcesses, 0);
    bool sawRootOwned = false;
    for (const auto &p : s.processes)
        sawRootOwned |= p.euid == 0 && p.visible && p.ns[0].valid();
    EXPECT_TRUE(sawRootOwned) << "no root-owned process with readable namespaces";
}

TEST_F(KAuthE2E, StopEndsTheHelpersStreamPromptly)
{
    KAuthTransport t(testOptions());
    Recorder r(t);
    Churn churn; // deltas need changes; this test root is otherwise quiet
    t.subscribe(100);
    ASSERT_TRUE(waitFor([&] { return r.deltas.size() >= 2 || !r.errors.empty(); }, 60000)) << describe(r);
    ASSERT_TRUE(r.errors.empty()) << describe(r);
    const quint64 subId = t.currentRequestId();
    ASSERT_NE(subId, 0u);
    // One snapshot, then deltas numbered 1, 2, ...; every frame ours and in order.
    ASSERT_EQ(r.snapshots.size(), 1u);
    for (std::size_t i = 0; i < r.deltas.size(); ++i)
        EXPECT_EQ(r.deltas[i].seq, i + 1);
    for (std::size_t i = 0; i < r.frames.size(); ++i) {
        EXPECT_EQ(r.frames[i].id, subId);
        EXPECT_EQ(r.frames[i].seq, i);
    }

    t.unsubscribe(); // KAuth stopAction -> the helper's isStopped() -> it returns
    ASSERT_FALSE(r.finished.empty());
    EXPECT_EQ(r.finished.back().first, subId);
    EXPECT_EQ(r.finished.back().second.toStdString(), "cancelled");

    // Had the helper not stopped, it would still be streaming (for up to 10 minutes) and a new
    // request would be refused as busy. It must be served instead.
    const std::size_t before = r.finished.size();
    t.requestScan();
    ASSERT_TRUE(waitFor([&] { return r.finished.size() > before; }, 60000)) << describe(r);
    EXPECT_TRUE(r.errors.empty()) << describe(r);
    EXPECT_EQ(r.finished.back().second.toStdString(), "done");
    EXPECT_EQ(r.snapshots.size(), 2u);
}

TEST_F(KAuthE2E, SecondClientGetsBusyNotSomeoneElsesFrames)
{
    KAuthTransport a(testOptions());
    Recorder ra(a);
    Churn churn;
    a.subscribe(200);
    ASSERT_TRUE(waitFor([&] { return !ra.snapshots.empty() || !ra.errors.empty(); }, 60000)) << describe(ra);
    ASSERT_TRUE(ra.errors.empty()) << describe(ra);

    KAuthTransport::Options ob = testOptions();
    KAuthTransport b(ob);
    Recorder rb(b);
    b.requestScan();
    ASSERT_TRUE(waitFor([&] { return !rb.errors.empty() || !rb.finished.empty(); }, 60000));
    ASSERT_EQ(rb.errors.size(), 1u) << "second client was served while the helper was busy";
    EXPECT_EQ(rb.errors.front().first, Transport::Error::Busy) << describe(rb);
    EXPECT_TRUE(rb.frames.empty()) << "second client took frames";
    EXPECT_TRUE(rb.snapshots.empty());
    EXPECT_GT(b.foreignFrames(), 0u) << "expected to have seen (and dropped) the first client's frames";

    // The first client is undisturbed and keeps streaming its own frames.
    const std::size_t framesA = ra.frames.size();
    ASSERT_TRUE(waitFor([&] { return ra.frames.size() >= framesA + 2 || !ra.errors.empty(); }, 20000));
    EXPECT_TRUE(ra.errors.empty()) << describe(ra);
    const quint64 idA = a.currentRequestId();
    for (std::size_t i = 0; i < ra.frames.size(); ++i) {
        EXPECT_EQ(ra.frames[i].id, idA);
        EXPECT_EQ(ra.frames[i].seq, i);
    }
    a.stop();
}

TEST_F(KAuthE2E, InvalidRequestsAreRefusedByTheClient)
{
    KAuthTransport t(testOptions());
    Recorder r(t);
    const quint64 id = t.request(QByteArrayLiteral(R"({"type":"inspect","pid":-3})"));
    ASSERT_TRUE(waitFor([&] { return !r.replies.empty(); }, 5000));
    EXPECT_EQ(r.replies.front().first, id);
    EXPECT_NE(r.replies.front().second.indexOf("bad_request"), -1);
    EXPECT_TRUE(r.frames.empty());
}

TEST_F(KAuthE2E, DemoActionsAnswerUnsupportedWithTheirId)
{
    KAuthTransport t(testOptions());
    Recorder r(t);
    const quint64 id = t.request(QByteArrayLiteral(R"({"type":"demo_stop","name":"x"})"));
    ASSERT_TRUE(waitFor([&] { return !r.finished.empty() || !r.errors.empty(); }, 60000)) << describe(r);
    ASSERT_EQ(r.replies.size(), 1u) << describe(r);
    EXPECT_EQ(r.replies.front().first, id);
    const auto j = nlohmann::json::parse(r.replies.front().second.toStdString());
    EXPECT_EQ(j["type"], "error");
    EXPECT_EQ(j["code"], "unsupported");
}

TEST_F(KAuthE2E, MissingHelperIsReportedAsSuch)
{
    KAuthTransport::Options o = testOptions();
    o.helperId = QStringLiteral("org.nsviz.nosuchhelper"); // no D-Bus service of that name
    KAuthTransport t(o);
    Recorder r(t);
    t.requestScan();
    ASSERT_TRUE(waitFor([&] { return !r.errors.empty(); }, 60000));
    EXPECT_EQ(r.errors.front().first, Transport::Error::HelperMissing) << describe(r);
    EXPECT_TRUE(r.frames.empty());
}

TEST_F(KAuthE2EDenied, NotAuthorizedQuicklyAndNoData)
{
    KAuthTransport::Options o = testOptions();
    o.firstFrameTimeoutMs = 20000; // a denial must come well before this watchdog
    KAuthTransport t(o);
    Recorder r(t);
    QElapsedTimer timer;
    timer.start();
    t.requestScan();
    ASSERT_TRUE(waitFor([&] { return !r.errors.empty(); }, 60000));
    std::printf("denied after %lld ms\n", static_cast<long long>(timer.elapsed()));
    EXPECT_EQ(r.errors.front().first, Transport::Error::Denied) << describe(r);
    EXPECT_NE(r.errors.front().second.indexOf(QLatin1String("Not authorized")), -1) << describe(r);
    EXPECT_TRUE(r.frames.empty());
    EXPECT_TRUE(r.snapshots.empty());
}

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
