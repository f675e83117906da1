// SPDX-License-Identifier: GPL-2.0-or-later
// ClusterLayout: every process is a dot inside its cluster, circles never overlap, and live
// updates leave existing clusters and dots where they were.
#include "app/cluster/clusterlayout.h"
#include "tests/app/gui_testutil.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

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
