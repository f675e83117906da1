// SPDX-License-Identifier: GPL-2.0-or-later
// Live on the real host: a process started in a fresh network namespace appears as a new cluster
// in the cluster view (existing clusters stay where they were), and disappears when it exits.
#include "app/cluster/clusterview.h"
#include "app/models/snapshotstore.h"
#include "app/transport/localtransport.h"
#include "app/window/session.h"

#include <QProcess>
#include <QStandardPaths>
#include <QTest>
#include <gtest/gtest.h>
#include <unistd.h>

using namespace nsviz;

namespace
{

// Waits (running the event loop) until @p pred holds or @p ms pass.
template <typename Pred> bool waitFor(Pred pred, int ms)
{
    for (int waited = 0; waited < ms; waited += 50) {
        if (pred())
            return true;
        QTest::qWait(50);
    }
    return pred();
}

} // namespace

TEST(GuiLive, ClusterAppearsAndGoesWithAProcessInAFreshNetns)
{
    const QString unshare = QStandardPaths::findExecutable(QStringLiteral("unshare"));
    if (unshare.isEmpty())
        GTEST_SKIP() << "unshare (util-linux) not installed";
    // As root a plain new net namespace; otherwise inside a new user namespace (same result here).
    QStringList args;
    if (geteuid() != 0)
        args << QStringLiteral("--user") << QStringLiteral("--map-root-user");
    args << QStringLiteral("--net") << QStringLiteral("sleep") << QStringLiteral("120");

    SnapshotStore store;
    ClusterView view(&store);
    view.resize(1200, 800);
    Session session(&store);
    session.setTransportFactory(
        [](bool, QObject *parent) { return new LocalTransport(QStringLiteral("/proc"), {}, parent); });
    session.setIntervalMs(500);
    session.connectLive(false);
    ASSERT_TRUE(waitFor([&] { return !store.isEmpty(); }, 60000)) << "no first snapshot";
    const auto before = view.clusterLayout().clusters();

    QProcess child;
    child.start(unshare, args); // unshare execs sleep: the child's pid is the process to find
    ASSERT_TRUE(child.waitForStarted(10000));
    const int pid = static_cast<int>(child.processId());
    auto clusterOfChild = [&]() -> int {
        const int di = view.clusterLayout().dotOfPid(pid);
        if (di < 0)
            return -1;
        const auto &c = view.clusterLayout().clusters()[view.clusterLayout().dots()[di].cluster];
        return c.id.valid() && !c.isHost ? view.clusterLayout().dots()[di].cluster : -1;
    };
    const bool appeared = waitFor([&] { return clusterOfChild() >= 0; }, 60000);
    if (!appeared) {
        child.kill();
        child.waitForFinished(5000);
    }
    ASSERT_TRUE(appeared) << "pid " << pid << " never showed up in its own net cluster";
    const auto &c = view.clusterLayout().clusters()[clusterOfChild()];
    EXPECT_EQ(c.members.size(), 1u);
    EXPECT_EQ(view.labels()[clusterOfChild()].title, QStringLiteral("sleep (pid %1)").arg(pid));
    // Clusters that were there before and still are did not move.
    for (const auto &old : before) {
        const int i = view.clusterLayout().clusterIndex(old.id);
        if (i < 0)
            continue; // other tests' namespaces come and go on a shared machine
        EXPECT_EQ(view.clusterLayout().clusters()[i].x, old.x);
        EXPECT_EQ(view.clusterLayout().clusters()[i].y, old.y);
    }
    const NsId netns = c.id;

    child.kill();
    ASSERT_TRUE(child.waitForFinished(10000));
    EXPECT_TRUE(waitFor(
        [&] {
            return view.clusterLayout().dotOfPid(pid) < 0 && view.clusterLayout().clusterIndex(netns) < 0;
        },
        60000))
        << "the exited process's cluster stayed";
    session.disconnectLive();
}
