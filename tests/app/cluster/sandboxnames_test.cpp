// SPDX-License-Identifier: GPL-2.0-or-later
// The GUI names sandboxes as the helper classified them (issue 10): cluster labels, the red
// host-network groups and the charts' top namespaces over tests/data/proc-engines.
#include "app/cluster/clusterlabeler.h"
#include "app/models/hostsharing.h"
#include "app/models/namespacestats.h"
#include "tests/common/enginesfixture.h"
#include "tests/common/fakensquery.h"

#include <gtest/gtest.h>
#include <set>

using namespace nsviz;
using nsviz::test::FakeNsQuery;

namespace
{

Snapshot engines()
{
    return test::scanProcEngines();
}

int indexOf(const Snapshot &s, int pid)
{
    for (std::size_t i = 0; i < s.processes.size(); ++i)
        if (s.processes[i].pid == pid)
            return static_cast<int>(i);
    return -1;
}

ClusterLayout::Cluster cluster(const Snapshot &s, NsId id, std::vector<int> pids)
{
    ClusterLayout::Cluster c;
    c.id = id;
    for (int pid : pids)
        c.members.push_back(indexOf(s, pid));
    return c;
}
} // namespace

TEST(SandboxNames, RedGroupsAreTheAlarmedSandboxesOnly)
{
    const Snapshot s = engines();
    std::set<std::string> labels;
    for (const auto &g : hostNetGroups(s))
        labels.insert(g.label);
    EXPECT_EQ(labels, (std::set<std::string>{"docker c1c1c1c1c1c1", "deb", "bwrap (pid 1001)"}));
    // Rootless podman's pause process and slirp4netns, a mount-only service: no red ring.
    for (int pid : {500, 513, 300})
        EXPECT_NE(hostRelation(s, s.processes[indexOf(s, pid)]), HostRelation::HostNetWarning) << pid;
    EXPECT_EQ(hostRelation(s, s.processes[indexOf(s, 300)]), HostRelation::Isolated);
}

TEST(SandboxNames, ClusterLabelsComeFromTheSandboxes)
{
    const Snapshot s = engines();
    // The pod's network namespace holds the infra container and both containers: the pod.
    auto pod = ClusterLabeler::label(s, cluster(s, NsId{FakeNsQuery::kDev, 4026533301}, {601, 611, 621}),
                                     NsType::Net, false);
    EXPECT_EQ(pod.kind, ClusterLabel::Kind::Container);
    EXPECT_EQ(pod.title, QStringLiteral("podman pod b0b0b0b0b0b0"));
    // A container's own mount namespace: the container, by its name.
    auto web = ClusterLabeler::label(s, cluster(s, NsId{FakeNsQuery::kDev, 4026533203}, {511, 512}),
                                     NsType::Mnt, false);
    EXPECT_EQ(web.title, QStringLiteral("web"));
    EXPECT_EQ(web.engine, QStringLiteral("podman"));
    // Zombies: exited, not "not readable".
    auto z = ClusterLabeler::label(s, cluster(s, NsId{}, {1500}), NsType::Net, false);
    EXPECT_EQ(z.title, QStringLiteral("exited processes (zombies)"));
}

TEST(SandboxNames, ChartsNameNamespacesByTheirSandbox)
{
    const Snapshot s = engines();
    const NamespaceStats st = NamespaceStats::compute(s, 100);
    bool web = false, lxc = false;
    for (const auto &e : st.top) {
        web = web || e.label().startsWith(QStringLiteral("web (511)"));
        lxc = lxc || e.label().startsWith(QStringLiteral("web2 (801)"));
    }
    EXPECT_TRUE(web);
    EXPECT_TRUE(lxc);
}
