// SPDX-License-Identifier: GPL-2.0-or-later
// Session against a simulated helper that keeps a churning host and answers like the real one:
// a subscription's deltas follow its own seq-0 snapshot, a one-shot scan is taken at its own
// moment, and frames of a replaced subscription are dropped on arrival. The test decides when
// frames arrive, so the interleavings that broke the live view (a refresh after a demo launch
// while deltas were in flight: "delta removes process … which is not in the snapshot") are replayed
// exactly, and a delta that does not fit must lead to a clean resync.
#include "app/models/snapshotstore.h"
#include "app/transport/transport.h"
#include "app/window/session.h"
#include "core/model/delta.h"
#include "tests/common/syntheticsnapshot.h"

#include <gtest/gtest.h>

#include <deque>
#include <functional>

using namespace nsviz;

namespace
{

class SimulatedHelper : public Transport
{
public:
    explicit SimulatedHelper(testkit::SyntheticHost *host, QObject *parent) : Transport(parent), m_host(host)
    {
    }

    QString description() const override { return QStringLiteral("simulated"); }
    bool privileged() const override { return true; }
    void start() override { Q_EMIT connected(); }
    void stop() override {}
    void requestScan() override
    {
        ++scans;
        // The scan is taken now; its reply comes whenever the test delivers it.
        m_frames.push_back([this, s = m_host->snapshot()] { Q_EMIT snapshotReceived(s); });
    }
    void subscribe(int) override
    {
        ++subscriptions;
        const int sub = ++m_subscription; // replaces the previous one, as the helper does
        m_active = true;
        m_base = m_host->snapshot();
        m_seq = 0;
        m_frames.push_back([this, sub, s = m_base] {
            if (sub == m_subscription) // the transport drops frames of a replaced subscription
                Q_EMIT snapshotReceived(s);
        });
    }
    void unsubscribe() override
    {
        ++m_subscription; // what was in flight for it is dropped
        m_active = false;
    }
    quint64 request(const QByteArray &) override { return ++m_nextId; }

    /// A tick of the subscription: a delta against the previous scan of this subscription.
    void tick()
    {
        if (!m_active)
            return;
        Snapshot now = m_host->snapshot();
        if (sameContent(now, m_base))
            return;
        SnapshotDelta d = computeDelta(m_base, now);
        d.seq = ++m_seq;
        m_base = std::move(now);
        m_frames.push_back([this, sub = m_subscription, d] {
            if (sub == m_subscription)
                Q_EMIT deltaReceived(d);
        });
    }
    /// Delivers every frame sent so far, in order.
    void deliver()
    {
        while (!m_frames.empty()) {
            auto f = std::move(m_frames.front());
            m_frames.pop_front();
            f();
        }
    }
    /// Sends @p d as the current subscription's next delta (a frame the helper never sent as such).
    void inject(SnapshotDelta d)
    {
        d.seq = ++m_seq;
        Q_EMIT deltaReceived(d);
    }

    int scans = 0;
    int subscriptions = 0;

private:
    testkit::SyntheticHost *m_host;
    std::deque<std::function<void()>> m_frames;
    Snapshot m_base;
    int m_subscription = 0;
    bool m_active = false;
    std::uint64_t m_seq = 0;
    quint64 m_nextId = 0;
};

QStringList g_log;
void captureLog(QtMsgType, const QMessageLogContext &, const QString &msg)
{
    g_log << msg;
}

struct Rig {
    testkit::SyntheticHost host{5};
    SnapshotStore store;
    Session session{&store};
    SimulatedHelper *helper = nullptr;

    Rig()
    {
        host.setNested(true);
        for (int i = 0; i < 80; ++i)
            host.start(i % 6 == 0);
        session.setTransportFactory(
            [this](bool, QObject *parent) { return helper = new SimulatedHelper(&host, parent); });
        session.connectLive(false);
        helper->deliver();
    }
    void churn(int n)
    {
        for (int i = 0; i < n; ++i)
            host.churn();
    }
};

} // namespace

TEST(GuiSessionResync, RefreshWhileDeltasAreInFlightNeverRefusesADelta)
{
    Rig rig;
    ASSERT_EQ(rig.store.counts().processes, static_cast<int>(rig.host.size()));
    for (int round = 0; round < 200; ++round) {
        SCOPED_TRACE("round " + std::to_string(round));
        rig.churn(3);
        rig.helper->tick();
        if (round % 7 == 3) {
            // A demo starts (a process in fresh namespaces) and the window asks for a picture at
            // once, while the subscription's delta from before is still on its way and the next
            // tick sees the demo too.
            rig.host.start(true);
            rig.session.refresh();
            rig.churn(2);
            rig.helper->tick();
        }
        if (round % 3 != 0)
            rig.helper->deliver(); // sometimes two ticks arrive together
    }
    rig.helper->deliver();
    EXPECT_EQ(rig.store.deltasRefused(), 0u);
    EXPECT_EQ(rig.session.resyncs(), 0u);
    EXPECT_EQ(rig.helper->scans, 0) << "a one-shot scan does not belong to the subscription's timeline";
    EXPECT_TRUE(sameContent(rig.store.snapshot(), rig.host.snapshot()));
    EXPECT_GT(rig.store.deltasApplied(), 150u);
}

TEST(GuiSessionResync, ADeltaThatDoesNotFitResyncsWithALogLine)
{
    Rig rig;
    rig.churn(5);
    rig.helper->tick();
    rig.helper->deliver();
    const int subscriptions = rig.helper->subscriptions;

    // A delta that removes a process the view never had (a frame from another timeline).
    SnapshotDelta bad;
    bad.host = rig.store.snapshot().host;
    bad.hostNs = rig.store.snapshot().hostNs;
    bad.removedProcesses.push_back({424242, 1});
    g_log.clear();
    const auto previous = qInstallMessageHandler(captureLog);
    rig.helper->inject(bad);
    qInstallMessageHandler(previous);
    EXPECT_EQ(rig.store.deltasRefused(), 1u);
    EXPECT_EQ(rig.session.resyncs(), 1u);
    EXPECT_EQ(rig.helper->subscriptions, subscriptions + 1) << "resync is a new subscription";
    EXPECT_EQ(rig.helper->scans, 0);
    const QString log = g_log.join(QLatin1Char('\n'));
    EXPECT_TRUE(log.contains(QLatin1String("removes process 424242"))) << log.toStdString();
    EXPECT_TRUE(log.contains(QLatin1String("resyncing"))) << log.toStdString();

    // Meanwhile the host went on; the new subscription's snapshot and deltas bring the view back.
    rig.churn(10);
    rig.helper->tick();
    rig.helper->deliver();
    for (int i = 0; i < 20; ++i) {
        rig.churn(4);
        rig.helper->tick();
        rig.helper->deliver();
    }
    EXPECT_EQ(rig.store.deltasRefused(), 1u);
    EXPECT_TRUE(sameContent(rig.store.snapshot(), rig.host.snapshot()));
    EXPECT_EQ(rig.store.counts(), SnapshotStore::countsOf(rig.host.snapshot()));
}

TEST(GuiSessionResync, PausedRefreshIsOneScanAndNoDeltaFollows)
{
    Rig rig;
    rig.session.setPaused(true);
    rig.churn(6);
    rig.helper->tick(); // unsubscribed: nothing is sent
    rig.session.refresh();
    EXPECT_EQ(rig.helper->scans, 1);
    rig.helper->deliver();
    EXPECT_TRUE(sameContent(rig.store.snapshot(), rig.host.snapshot()));
    rig.session.setPaused(false);
    rig.churn(6);
    rig.helper->tick();
    rig.helper->deliver();
    EXPECT_EQ(rig.store.deltasRefused(), 0u);
    EXPECT_TRUE(sameContent(rig.store.snapshot(), rig.host.snapshot()));
}
