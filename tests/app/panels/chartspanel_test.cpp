// SPDX-License-Identifier: GPL-2.0-or-later
// The chart numbers and the charts panel's live updates.
#include "app/models/namespacestats.h"
#include "app/models/snapshotstore.h"
#include "app/panels/chartspanel.h"
#include "tests/app/views_testutil.h"

#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QHorizontalStackedBarSeries>
#include <QLineSeries>
#include <QSignalSpy>
#include <QStackedBarSeries>
#include <QTest>

#include <gtest/gtest.h>

using namespace nsviz;
using namespace nsviz::testutil;

namespace
{
QBarSet *barSet(QChartView *view, const QString &label)
{
    for (QAbstractSeries *s : view->chart()->series())
        if (auto *bars = qobject_cast<QAbstractBarSeries *>(s))
            for (QBarSet *set : bars->barSets())
                if (set->label() == label)
                    return set;
    return nullptr;
}
} // namespace

TEST(ViewsCharts, StatsPerTypeHostOtherHidden)
{
    const Snapshot s = loadSnapshot("views-basic.json");
    const NamespaceStats st = NamespaceStats::compute(s);
    EXPECT_EQ(st.processes, 12);
    EXPECT_EQ(st.namespaces, static_cast<int>(s.namespaces.size()));
    auto at = [&](NsType t) { return st.perType[index(t)]; };
    EXPECT_EQ(at(NsType::Mnt).host, 1);
    EXPECT_EQ(at(NsType::Mnt).other, 3);
    EXPECT_EQ(at(NsType::Mnt).hidden, 0);
    EXPECT_EQ(at(NsType::Pid).other, 6);  // docker, podman, its nested one, metrics, mystery, worker
    EXPECT_EQ(at(NsType::Pid).hidden, 1); // the parent-only pid namespace
    EXPECT_EQ(at(NsType::Net).other, 2);
    EXPECT_EQ(at(NsType::Net).hidden, 2); // two bind-mounted ones
    EXPECT_EQ(at(NsType::Ipc).hidden, 1); // fd-held
    EXPECT_EQ(at(NsType::User).hidden, 1);
    EXPECT_EQ(at(NsType::Time).total(), 1);
    int total = 0;
    for (const auto &c : st.perType)
        total += c.total();
    EXPECT_EQ(total, st.namespaces);
}

TEST(ViewsCharts, TopNamespacesGroupSameProcessesExcludeTheHostsAndRank)
{
    const NamespaceStats st = NamespaceStats::compute(loadSnapshot("views-basic.json"), 10);
    // nginx's six namespaces hold the same two processes: one entry. So do podman's five.
    ASSERT_EQ(st.top.size(), 7);
    const auto &nginx = st.top[0];
    EXPECT_EQ(nginx.processes, 2);
    EXPECT_EQ(nginx.leaderPid, 6025);
    EXPECT_EQ(nginx.leader, QStringLiteral("nginx"));
    EXPECT_EQ(nginx.types, (QList<NsType>{NsType::Mnt, NsType::Pid, NsType::Net, NsType::Uts, NsType::Ipc,
                                          NsType::Cgroup}));
    EXPECT_EQ(nginx.ids.front().ino, 4026532300u);
    EXPECT_EQ(nginx.label(), QStringLiteral("nginx (6025) · mnt pid net uts ipc cgroup"));
    const auto &podman = st.top[1];
    EXPECT_EQ(podman.leaderPid, 7100);
    EXPECT_EQ(podman.types,
              (QList<NsType>{NsType::Mnt, NsType::Net, NsType::Uts, NsType::Ipc, NsType::User}));
    // Then the one-process groups, by their first (type, inode): metrics-agent (mnt) before the pid ones.
    EXPECT_EQ(st.top[2].leaderPid, 8200);
    EXPECT_EQ(st.top[3].label(), QStringLiteral("catatonit (7100) · pid:[4026532402]"));
    EXPECT_EQ(st.top[4].leaderPid, 7150);
    EXPECT_EQ(st.top[5].leaderPid, 9001);
    EXPECT_EQ(st.top[6].leaderPid, 9100);
    for (const auto &e : st.top)
        for (const NsId &id : e.ids)
            EXPECT_GE(id.ino, 4026532300u); // never one of the host's (4026531xxx), never a hidden one
    EXPECT_TRUE(nginx.contains(*loadSnapshot("views-basic.json").findProcess(6040)));
    EXPECT_FALSE(nginx.contains(*loadSnapshot("views-basic.json").findProcess(7100)));
    EXPECT_EQ(NamespaceStats::compute(loadSnapshot("views-basic.json"), 3).top.size(), 3);
}

TEST(ViewsCharts, PanelFollowsDeltasAndKeepsATimeline)
{
    const auto seq = deltaSequence(loadSnapshot("views-basic.json"));
    SnapshotStore store;
    ChartsPanel panel(&store);
    panel.show();
    qint64 now = 1000000;
    panel.setClock([&now] { return now; });
    store.setSnapshot(seq.front());
    ASSERT_EQ(panel.processHistory().size(), 1);

    for (std::size_t i = 1; i < seq.size(); ++i) {
        now += 2000;
        ASSERT_TRUE(store.applyDelta(computeDelta(seq[i - 1], seq[i])));
        const NamespaceStats expected = NamespaceStats::compute(seq[i]);
        // Bars show the new numbers.
        for (NsType t : kAllNsTypes) {
            const int ti = static_cast<int>(index(t));
            EXPECT_EQ(barSet(panel.typeChartView(), QStringLiteral("host"))->at(ti),
                      expected.perType[index(t)].host);
            EXPECT_EQ(barSet(panel.typeChartView(), QStringLiteral("other (with processes)"))->at(ti),
                      expected.perType[index(t)].other);
            EXPECT_EQ(barSet(panel.typeChartView(), QStringLiteral("hidden (no process)"))->at(ti),
                      expected.perType[index(t)].hidden);
        }
        ASSERT_EQ(panel.topLabels().size(), expected.top.size());
        // One timeline point per update, at the update's time, with the counts; updates 2 s apart
        // are drawn at once.
        ASSERT_EQ(panel.processHistory().size(), static_cast<int>(i + 1));
        const QPointF p = panel.processHistory().at(static_cast<int>(i));
        EXPECT_EQ(p.x(), now);
        EXPECT_EQ(p.y(), static_cast<qreal>(seq[i].processes.size()));
        EXPECT_EQ(panel.namespaceHistory().at(static_cast<int>(i)).y(),
                  static_cast<qreal>(seq[i].namespaces.size()));
        EXPECT_EQ(panel.processSeries()->points(), panel.processHistory());
        EXPECT_EQ(panel.namespaceSeries()->points(), panel.namespaceHistory());
    }
    // Step 8 added dozens of "job" processes in one nested pid namespace: it leads the top chart.
    EXPECT_TRUE(panel.topLabels().join(QLatin1Char('\n')).contains(QStringLiteral("job")));

    // Reconnecting to the same host continues the timeline; another host starts a new one.
    store.setSnapshot(seq.back());
    EXPECT_EQ(panel.processHistory().size(), static_cast<int>(seq.size() + 1));
    Snapshot other = seq.front();
    other.host.hostname = "elsewhere";
    store.setSnapshot(other);
    EXPECT_EQ(panel.processHistory().size(), 1);
    EXPECT_EQ(panel.grab().isNull(), false); // a paint brings the lines up to date
    EXPECT_EQ(panel.processSeries()->points(), panel.processHistory());
}

TEST(ViewsCharts, LinesFollowTheHistoryAtMostTwiceASecond)
{
    // Under churn a batch of deltas settles many times a second; each point added to a Qt Charts
    // line strokes the whole path again. The history takes every point at once, the lines at most
    // every kTimelineSyncMs, and a paint (a grab, an export) always shows the whole history.
    const auto seq = deltaSequence(loadSnapshot("views-basic.json"));
    ASSERT_GE(seq.size(), 5u);
    SnapshotStore store;
    ChartsPanel panel(&store);
    panel.show();
    qint64 now = 1000000;
    panel.setClock([&now] { return now; });
    store.setSnapshot(seq[0]);
    ASSERT_EQ(panel.processSeries()->count(), 1) << "the first point is drawn at once";
    now += 10;
    ASSERT_TRUE(store.applyDelta(computeDelta(seq[0], seq[1])));
    now += 10;
    ASSERT_TRUE(store.applyDelta(computeDelta(seq[1], seq[2])));
    EXPECT_EQ(panel.processHistory().size(), 3);
    EXPECT_EQ(panel.processSeries()->count(), 1) << "drawn again within the sync interval";
    // The timer catches the lines up (the test's clock stands still; the timer runs on real time).
    now += ChartsPanel::kTimelineSyncMs;
    ASSERT_TRUE(QTest::qWaitFor([&] { return panel.processSeries()->count() == 3; }, 5000));
    EXPECT_EQ(panel.processSeries()->points(), panel.processHistory());
    EXPECT_EQ(panel.namespaceSeries()->points(), panel.namespaceHistory());
    // A point 10 ms later waits for the timer again, unless the panel paints first.
    now += 10;
    ASSERT_TRUE(store.applyDelta(computeDelta(seq[2], seq[3])));
    EXPECT_EQ(panel.processSeries()->count(), 3);
    const QImage shot = panel.grab().toImage();
    EXPECT_FALSE(shot.isNull());
    EXPECT_EQ(panel.processSeries()->count(), 4) << "a grab draws the whole history";
    // The wall clock going back (a clock step) does not hold the lines back for as long as it went.
    now -= 3600 * 1000;
    ASSERT_TRUE(store.applyDelta(computeDelta(seq[3], seq[4])));
    EXPECT_TRUE(QTest::qWaitFor([&] { return panel.processSeries()->count() == 5; }, 3000));
}

TEST(ViewsCharts, WhileHiddenOnlyTheTimelineFollowsAndTheBarsCatchUpWhenShown)
{
    // The charts are a tab: while another tab is shown, a live update adds its timeline point (the
    // history must not have holes) but the bars, which count every namespace's processes, wait.
    const auto seq = deltaSequence(loadSnapshot("views-basic.json"));
    SnapshotStore store;
    ChartsPanel panel(&store);
    qint64 now = 1000000;
    panel.setClock([&now] { return now; });
    store.setSnapshot(seq.front());
    ASSERT_FALSE(panel.isVisible());
    const NamespaceStats first = NamespaceStats::compute(seq.front());
    for (std::size_t i = 1; i < seq.size(); ++i) {
        now += 2000;
        ASSERT_TRUE(store.applyDelta(computeDelta(seq[i - 1], seq[i])));
        ASSERT_EQ(panel.processHistory().size(), static_cast<int>(i + 1));
        EXPECT_EQ(panel.processHistory().at(static_cast<int>(i)).y(),
                  static_cast<qreal>(seq[i].processes.size()));
        EXPECT_EQ(panel.namespaceHistory().at(static_cast<int>(i)).y(),
                  static_cast<qreal>(seq[i].namespaces.size()));
    }
    EXPECT_EQ(panel.stats().processes, first.processes) << "the hidden bars were computed";
    EXPECT_EQ(panel.processSeries()->count(), 0) << "the hidden lines were drawn";
    ASSERT_NE(NamespaceStats::compute(seq.back()).processes, first.processes);

    panel.show();
    const NamespaceStats last = NamespaceStats::compute(seq.back());
    EXPECT_EQ(panel.stats().processes, last.processes);
    for (NsType t : kAllNsTypes)
        EXPECT_EQ(barSet(panel.typeChartView(), QStringLiteral("other (with processes)"))
                      ->at(static_cast<int>(index(t))),
                  last.perType[index(t)].other);
    EXPECT_EQ(panel.topLabels().size(), last.top.size());
    EXPECT_EQ(panel.processHistory().size(), static_cast<int>(seq.size())) << "showing added no point";
    EXPECT_EQ(panel.processSeries()->points(), panel.processHistory()) << "showing drew the history";
    EXPECT_EQ(panel.namespaceSeries()->points(), panel.namespaceHistory());
}

TEST(ViewsCharts, TimelineIsCapped)
{
    const Snapshot s = loadSnapshot("views-basic.json");
    SnapshotStore store;
    store.setSnapshot(s);
    ChartsPanel panel(&store);
    qint64 now = 0;
    panel.setClock([&now] { return now; });
    const SnapshotDelta nothing = computeDelta(s, s);
    for (int i = 0; i < ChartsPanel::kMaxTimelinePoints + 20; ++i) {
        ++now;
        ASSERT_TRUE(store.applyDelta(nothing));
    }
    EXPECT_EQ(panel.processHistory().size(), ChartsPanel::kMaxTimelinePoints);
    EXPECT_EQ(panel.namespaceHistory().size(), ChartsPanel::kMaxTimelinePoints);
    // The newest points are kept.
    EXPECT_EQ(panel.processHistory().back().x(), now);
    panel.show();
    EXPECT_EQ(panel.processSeries()->points(), panel.processHistory());
}

TEST(ViewsCharts, SelectionHighlightsBarsAndClicksSelectProcesses)
{
    SnapshotStore store;
    store.setSnapshot(loadSnapshot("views-basic.json"));
    ChartsPanel panel(&store);
    QSignalSpy selected(&panel, &ChartsPanel::processSelected);
    const int n = static_cast<int>(panel.stats().top.size());
    ASSERT_EQ(panel.topLabels().first(), QStringLiteral("nginx (6025) · mnt pid net uts ipc cgroup"));
    QBarSet *bars = panel.topBarSet();

    // nginx's worker is in nginx's namespaces: the top bar (drawn last, index n-1) lights up.
    panel.selectProcess(6040);
    EXPECT_EQ(selected.count(), 0);
    EXPECT_TRUE(bars->isBarSelected(n - 1));
    EXPECT_FALSE(bars->isBarSelected(n - 2)); // podman's
    // catatonit is in podman's group and in its own pid namespace: two bars.
    panel.selectProcess(7100);
    EXPECT_FALSE(bars->isBarSelected(n - 1));
    EXPECT_TRUE(bars->isBarSelected(n - 2));
    EXPECT_TRUE(bars->isBarSelected(n - 4));
    EXPECT_EQ(bars->selectedBars().size(), 2);
    panel.selectProcess(1);
    EXPECT_TRUE(bars->selectedBars().isEmpty());

    // Clicking a bar selects its leading process; the hover text lists the inodes.
    Q_EMIT bars->clicked(n - 1);
    ASSERT_EQ(selected.count(), 1);
    EXPECT_EQ(selected.at(0).at(0).toInt(), 6025);
    EXPECT_TRUE(panel.topToolTip(0).contains(QStringLiteral("net:[4026532305]")));
    EXPECT_TRUE(panel.topToolTip(0).contains(QStringLiteral("2 processes")));
}
