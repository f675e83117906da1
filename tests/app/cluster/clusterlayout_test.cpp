// SPDX-License-Identifier: GPL-2.0-or-later
// ClusterLayout: every process is a dot inside its cluster, circles never overlap, and live
// updates leave existing clusters and dots where they were.
#include "app/cluster/clusterlayout.h"
#include "tests/app/gui_testutil.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

using namespace nsviz;

namespace
{

void expectConsistent(const ClusterLayout &l, const Snapshot &s)
{
    ASSERT_EQ(l.dots().size(), s.processes.size());
    for (const auto &d : l.dots()) {
        const auto &c = l.clusters()[d.cluster];
        const double dist = std::hypot(d.x - c.x, d.y - c.y);
        EXPECT_LE(dist + ClusterLayout::kDotRadius, c.r + 1e-3) << "pid " << s.processes[d.proc].pid;
        EXPECT_EQ(s.processes[d.proc].ns[index(l.type())], c.id);
    }
    for (std::size_t i = 0; i < l.clusters().size(); ++i)
        for (std::size_t j = i + 1; j < l.clusters().size(); ++j) {
            const auto &a = l.clusters()[i], &b = l.clusters()[j];
            EXPECT_GE(std::hypot(a.x - b.x, a.y - b.y), a.r + b.r - 1e-6)
                << "clusters " << i << " and " << j << " overlap";
        }
}

std::map<NsId, std::pair<double, double>> centres(const ClusterLayout &l)
{
    std::map<NsId, std::pair<double, double>> m;
    for (const auto &c : l.clusters())
        m[c.id] = {c.x, c.y};
    return m;
}

} // namespace

TEST(GuiClusterLayout, FixtureClustersByNetAndPid)
{
    const Snapshot s = guitest::hostSmall();
    ClusterLayout l;
    l.update(s);
    // 5 net namespaces with processes and the one held only by a bind mount.
    EXPECT_EQ(l.clusters().size(), 6u);
    expectConsistent(l, s);
    const int host = l.clusterIndex(s.hostNs[index(NsType::Net)]);
    ASSERT_GE(host, 0);
    EXPECT_TRUE(l.clusters()[host].isHost);
    // The k8s hostNetwork pod (2) and the process sharing only net (1) are flagged inside the host cluster.
    EXPECT_EQ(l.clusters()[host].warnings, 3);
    int empty = 0;
    for (const auto &c : l.clusters())
        empty += c.members.empty();
    EXPECT_EQ(empty, 1);

    l.setType(NsType::Pid);
    l.update(s);
    EXPECT_EQ(l.clusters().size(), 7u);
    expectConsistent(l, s);
}

TEST(GuiClusterLayout, StableWhenAProcessStartsAndANamespaceAppears)
{
    Snapshot s = guitest::hostSmall();
    ClusterLayout l;
    l.update(s);
    const auto before = centres(l);
    std::map<int, std::pair<float, float>> dotsBefore;
    for (const auto &d : l.dots())
        dotsBefore[s.processes[d.proc].pid] = {d.x, d.y};

    // One more process on the host: nothing moves.
    s.processes.push_back(testutil::makeProcess(9001, 123456, "newbie", s));
    testutil::finalize(s);
    auto st = l.update(s);
    EXPECT_EQ(st.placed, 0);
    EXPECT_EQ(centres(l), before);
    expectConsistent(l, s);
    for (const auto &d : l.dots()) {
        const int pid = s.processes[d.proc].pid;
        if (pid == 9001)
            continue;
        EXPECT_EQ(dotsBefore.at(pid), std::make_pair(d.x, d.y)) << "dot of pid " << pid << " moved";
    }

    // A container in fresh namespaces: one new cluster, placed without moving the others.
    s.processes.push_back(guitest::freshProcess(9002, 4026539000, s, {}));
    testutil::finalize(s);
    st = l.update(s);
    EXPECT_EQ(st.placed, 1);
    const auto after = centres(l);
    EXPECT_EQ(after.size(), before.size() + 1);
    for (const auto &[id, xy] : before)
        EXPECT_EQ(after.at(id), xy);
    expectConsistent(l, s);

    // It exits again: its cluster goes, the rest still stays.
    s.processes.erase(
        std::remove_if(s.processes.begin(), s.processes.end(), [](auto &p) { return p.pid == 9002; }),
        s.processes.end());
    testutil::finalize(s);
    st = l.update(s);
    EXPECT_EQ(st.removed, 1);
    EXPECT_EQ(centres(l), before);
}

TEST(GuiClusterLayout, OutgrownClusterMovesAloneAndCompactPacksAgain)
{
    Snapshot s = guitest::hostSmall();
    ClusterLayout l;
    l.update(s);
    const auto before = centres(l);
    const NsId docker = testutil::findProc(s, 2120)->ns[index(NsType::Net)];
    ASSERT_TRUE(docker.valid());
    const int capacity = l.clusters()[l.clusterIndex(docker)].capacity;
    // Fill the docker container beyond its headroom.
    for (int i = 0; i < capacity; ++i) {
        Process p = *testutil::findProc(s, 2160);
        p.pid = 20000 + i;
        p.startTime = 50000 + i;
        s.processes.push_back(p);
    }
    testutil::finalize(s);
    const auto st = l.update(s);
    EXPECT_EQ(st.placed, 1);
    const auto after = centres(l);
    for (const auto &[id, xy] : before) {
        if (id != docker) {
            EXPECT_EQ(after.at(id), xy);
        }
    }
    expectConsistent(l, s);
    l.clear();
    l.update(s);
    expectConsistent(l, s);
}

TEST(GuiClusterLayout, HitTesting)
{
    const Snapshot s = guitest::hostSmall();
    ClusterLayout l;
    l.update(s);
    const int di = l.dotOfPid(4242);
    ASSERT_GE(di, 0);
    const auto &d = l.dots()[di];
    EXPECT_EQ(l.dotAt(d.x + 0.5, d.y - 0.5, 3), di);
    EXPECT_EQ(l.clusterAt(d.x, d.y), d.cluster);
    EXPECT_EQ(l.dots()[di].relation, HostRelation::HostNetWarning);
    const auto b = l.bounds();
    EXPECT_EQ(l.clusterAt(b.x1 + 100, b.y1 + 100), -1);
}

TEST(GuiClusterLayout, ShrinksInPlaceWhenLoadLeavesAndKeepsOthersStill)
{
    Snapshot s = guitest::hostSmall();
    ClusterLayout l;
    l.update(s);
    const NsId docker = testutil::findProc(s, 2120)->ns[index(NsType::Net)];
    const NsId host = s.hostNs[index(NsType::Net)];
    const double hostR = l.clusters()[l.clusterIndex(host)].r;
    const int dockerBase = static_cast<int>(l.clusters()[l.clusterIndex(docker)].members.size());

    // Load arrives in the docker container: it outgrows its room once and is placed anew.
    for (int i = 0; i < 200; ++i) {
        Process p = *testutil::findProc(s, 2160);
        p.pid = 20000 + i;
        p.startTime = 50000 + i;
        s.processes.push_back(p);
    }
    testutil::finalize(s);
    l.update(s);
    expectConsistent(l, s);
    const auto loaded = centres(l);
    const double peakR = l.clusters()[l.clusterIndex(docker)].r;
    std::map<int, std::pair<float, float>> hostDots;
    for (const auto &d : l.dots())
        if (l.clusters()[d.cluster].id == host)
            hostDots[s.processes[d.proc].pid] = {d.x, d.y};

    // It leaves in steps: every circle keeps its centre, and the docker circle gets smaller.
    double lastR = peakR;
    for (int left = 200; left > 0;) {
        left -= 40;
        std::erase_if(s.processes, [&](const Process &p) { return p.pid >= 20000 + std::max(0, left); });
        testutil::finalize(s);
        const auto st = l.update(s);
        expectConsistent(l, s);
        EXPECT_EQ(st.placed, 0) << "nothing is placed anew when processes leave";
        EXPECT_EQ(centres(l), loaded) << "a circle moved while load left";
        const double r = l.clusters()[l.clusterIndex(docker)].r;
        EXPECT_LE(r, lastR);
        lastR = r;
    }
    const auto &c = l.clusters()[l.clusterIndex(docker)];
    EXPECT_LT(c.r, peakR * 0.5) << "the circle keeps its peak size after the load left";
    EXPECT_LE(c.r, ClusterLayout::radiusFor(dockerBase + std::max(2, dockerBase / 5 + 1)) + 1e-9);
    EXPECT_LT(c.capacity, 3 * dockerBase + 3);
    // Clusters that did not change are untouched, down to their dots.
    EXPECT_DOUBLE_EQ(l.clusters()[l.clusterIndex(host)].r, hostR);
    for (const auto &d : l.dots()) {
        if (l.clusters()[d.cluster].id == host) {
            EXPECT_EQ(hostDots.at(s.processes[d.proc].pid), std::make_pair(d.x, d.y));
        }
    }
}

TEST(GuiClusterLayout, ChurnKeepsUnchangedClustersStillAndSizesFollowTheLoad)
{
    // Containers come and go, a big one swells and drains again: circles that stay never move
    // unless they outgrew their room, and no circle stays far bigger than its processes need.
    Snapshot s = guitest::hostSmall();
    ClusterLayout l;
    l.update(s);
    const Process like = *testutil::findProc(s, 2160);
    std::mt19937 rng(5);
    int nextPid = 40000;
    for (int step = 0; step < 300; ++step) {
        SCOPED_TRACE("step " + std::to_string(step));
        const auto before = centres(l);
        const int phase = (step / 50) % 2; // swell, then drain
        for (int k = 0; k < 6; ++k) {
            if (phase == 0 || rng() % 5 == 0) {
                Process p = like;
                p.pid = nextPid++;
                p.startTime = static_cast<std::uint64_t>(p.pid) * 3;
                if (rng() % 8 == 0) // a fresh container of its own
                    p.ns[index(NsType::Net)] = NsId{like.ns[index(NsType::Net)].dev,
                                                    4026600000u + static_cast<std::uint64_t>(p.pid)};
                s.processes.push_back(p);
            } else {
                std::vector<int> mine;
                for (const auto &p : s.processes)
                    if (p.pid >= 40000)
                        mine.push_back(p.pid);
                if (!mine.empty()) {
                    const int gone = mine[rng() % mine.size()];
                    std::erase_if(s.processes, [&](const Process &p) { return p.pid == gone; });
                }
            }
        }
        testutil::finalize(s);
        const auto st = l.update(s);
        expectConsistent(l, s);
        const auto after = centres(l);
        int moved = 0;
        for (const auto &[id, xy] : before)
            if (auto it = after.find(id); it != after.end() && it->second != xy)
                ++moved;
        EXPECT_LE(moved, st.placed) << "only outgrown clusters move";
        for (const auto &c : l.clusters())
            EXPECT_LE(c.capacity, std::max<int>(3, static_cast<int>(c.members.size()) * 2 + 3))
                << "a cluster kept room for processes long gone";
    }
}
