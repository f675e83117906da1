// SPDX-License-Identifier: GPL-2.0-or-later
// ClusterView on the offscreen platform: follows the store's reset and deltas, labels clusters,
// marks host-network sharing in the pixels, and redaction removes names from exported SVG.
#include "app/cluster/clusterview.h"
#include "app/export/viewexporter.h"
#include "app/models/hostsharing.h"
#include "app/models/redactor.h"
#include "app/models/snapshotstore.h"
#include "tests/app/gui_testutil.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <gtest/gtest.h>

#include <algorithm>

using namespace nsviz;

namespace
{

const ClusterLabel *labelOf(const ClusterView &v, const NsId &id)
{
    const int i = v.clusterLayout().clusterIndex(id);
    return i < 0 ? nullptr : &v.labels()[i];
}

} // namespace

TEST(GuiClusterView, LabelsHostContainersAndLeadingProcesses)
{
    SnapshotStore store;
    store.setSnapshot(guitest::hostSmall());
    ClusterView view(&store);
    view.resize(1200, 800);
    const Snapshot &s = store.snapshot();
    const auto net = [&](int pid) {
        return testutil::findProc(const_cast<Snapshot &>(s), pid)->ns[index(NsType::Net)];
    };

    const ClusterLabel *host = labelOf(view, s.hostNs[index(NsType::Net)]);
    ASSERT_TRUE(host);
    EXPECT_EQ(host->kind, ClusterLabel::Kind::Host);
    EXPECT_TRUE(host->command.contains(QStringLiteral("PID 1 (systemd)")));
    EXPECT_EQ(labelOf(view, net(2120))->title, QStringLiteral("docker 3f2a9c1b7e4d"));
    EXPECT_EQ(labelOf(view, net(2120))->kind, ClusterLabel::Kind::Container);
    EXPECT_EQ(labelOf(view, net(6025))->title, QStringLiteral("lxc web1"));
    EXPECT_TRUE(labelOf(view, net(5001))->title.startsWith(QStringLiteral("podman ")));
    // No container in the cgroup: the leading process names it.
    EXPECT_EQ(labelOf(view, net(7100))->title, QStringLiteral("chrome (pid 7100)"));
    EXPECT_TRUE(labelOf(view, net(7100))->detail.contains(QStringLiteral("net:[")));

    // Grouped by pid: the flagged agent is its own cluster, named by its process.
    view.setGroupBy(NsType::Pid);
    const NsId agentPid = testutil::findProc(const_cast<Snapshot &>(s), 4242)->ns[index(NsType::Pid)];
    EXPECT_EQ(labelOf(view, agentPid)->title, QStringLiteral("agent (pid 4242)"));
    EXPECT_EQ(view.clusterLayout().clusters()[view.clusterLayout().clusterIndex(agentPid)].warnings, 1);
}

TEST(GuiClusterView, FollowsDeltasWithoutMovingExistingClusters)
{
    SnapshotStore store;
    store.setSnapshot(guitest::hostSmall());
    ClusterView view(&store);
    view.resize(1200, 800);
    QSignalSpy updated(&view, &ClusterView::layoutUpdated);
    const auto clustersBefore = view.clusterLayout().clusters();

    Snapshot next = store.snapshot();
    next.processes.push_back(guitest::freshProcess(9100, 4026539100, next, {}));
    testutil::finalize(next);
    ASSERT_TRUE(store.applyDelta(computeDelta(store.snapshot(), next)));

    EXPECT_EQ(updated.count(), 1);
    EXPECT_EQ(view.clusterLayout().clusters().size(), clustersBefore.size() + 1);
    EXPECT_GE(view.clusterLayout().dotOfPid(9100), 0);
    for (const auto &c : clustersBefore) {
        const int i = view.clusterLayout().clusterIndex(c.id);
        ASSERT_GE(i, 0);
        EXPECT_EQ(view.clusterLayout().clusters()[i].x, c.x);
        EXPECT_EQ(view.clusterLayout().clusters()[i].y, c.y);
    }
    // The newcomer is a one-process cluster labelled by its process.
    const int ni =
        view.clusterLayout().clusterIndex(NsId{next.hostNs[0].dev, 4026539100 + index(NsType::Net)});
    ASSERT_GE(ni, 0);
    EXPECT_EQ(view.labels()[ni].title, QStringLiteral("newbie (pid 9100)"));

    // And it exits.
    Snapshot after = next;
    after.processes.erase(
        std::remove_if(after.processes.begin(), after.processes.end(), [](auto &p) { return p.pid == 9100; }),
        after.processes.end());
    testutil::finalize(after);
    ASSERT_TRUE(store.applyDelta(computeDelta(store.snapshot(), after)));
    EXPECT_EQ(view.clusterLayout().dotOfPid(9100), -1);
    EXPECT_EQ(view.clusterLayout().clusters().size(), clustersBefore.size());
}

TEST(GuiClusterView, HostNetWarningForTheProcessSharingOnlyNet)
{
    const Snapshot s = guitest::hostSmall();
    const Process *agent = s.findProcess(4242);
    ASSERT_TRUE(agent);
    // The fixture's agent shares exactly one namespace with PID 1: net.
    EXPECT_EQ(hostDifferenceMask(s, *agent), 0xff & ~(1u << index(NsType::Net)));
    EXPECT_EQ(hostRelation(s, *agent), HostRelation::HostNetWarning);
    EXPECT_EQ(hostRelation(s, *s.findProcess(2120)), HostRelation::Isolated); // docker: own net
    EXPECT_EQ(hostRelation(s, *s.findProcess(1)), HostRelation::Host);
    EXPECT_EQ(hostRelation(s, *s.findProcess(7100)), HostRelation::Isolated); // browser sandbox: own net
    const auto groups = hostNetGroups(s);
    ASSERT_EQ(groups.size(), 2u);
    EXPECT_EQ(groups[0].label, "k8s pod 1a2b3c4d…/9e8d7c6b5a4f");
    EXPECT_EQ(groups[0].procs.size(), 2u);
    EXPECT_EQ(groups[1].label, "agent (pid 4242)");

    // In the picture: red pixels where the agent's dot is, none of them where a host dot is.
    SnapshotStore store;
    store.setSnapshot(s);
    ClusterView view(&store);
    view.setDarkOverride(false);
    view.resize(1200, 800);
    view.fitToView();
    const QImage img = ViewExporter::renderImage(&view, 1);
    const auto &l = view.clusterLayout();
    // The layout classes every process as hostRelation() does: its flagged dots are the callouts'.
    std::vector<int> flagged;
    for (const auto &dot : l.dots())
        if (dot.relation == HostRelation::HostNetWarning)
            flagged.push_back(dot.proc);
    std::sort(flagged.begin(), flagged.end());
    EXPECT_EQ(flagged, hostNetWarnings(s));
    const auto fromLayout = hostNetGroups(s, flagged);
    ASSERT_EQ(fromLayout.size(), groups.size());
    for (std::size_t i = 0; i < groups.size(); ++i) {
        EXPECT_EQ(fromLayout[i].label, groups[i].label);
        EXPECT_EQ(fromLayout[i].procs, groups[i].procs);
        EXPECT_EQ(fromLayout[i].own, groups[i].own);
    }
    const auto &d = l.dots()[l.dotOfPid(4242)];
    const QPointF at = QPointF(d.x, d.y) * view.zoom() + view.panOffset();
    const QColor red = view.style().warning;
    const QImage around = img.copy(QRect(at.toPoint() - QPoint(8, 8), QSize(17, 17)));
    EXPECT_GT(guitest::countNear(around, red, 30), 20) << "no warning mark at the agent's dot";
    const auto &h = l.dots()[l.dotOfPid(1290)]; // vim: plain host process
    const QPointF hp = QPointF(h.x, h.y) * view.zoom() + view.panOffset();
    const QImage hostAround = img.copy(QRect(hp.toPoint() - QPoint(2, 2), QSize(5, 5)));
    EXPECT_EQ(guitest::countNear(hostAround, red, 30), 0);
    EXPECT_GT(guitest::countNear(hostAround, view.style().hostDot, 12), 10);
}

TEST(GuiClusterView, RedactionRemovesNamesFromSvg)
{
    SnapshotStore store;
    store.setSnapshot(guitest::hostSmall());
    ClusterView view(&store);
    // Big enough that the agent's own cluster (by pid) gets its full label, command line included.
    view.resize(2400, 1500);
    view.setGroupBy(NsType::Pid);
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    auto svgText = [&](const QString &name) {
        const QString path = dir.filePath(name);
        QString error;
        EXPECT_TRUE(ViewExporter::saveSvg(&view, path, &error)) << error.toStdString();
        QFile f(path);
        EXPECT_TRUE(f.open(QIODevice::ReadOnly));
        return QString::fromUtf8(f.readAll());
    };
    const QString plain = svgText(QStringLiteral("plain.svg"));
    // The test only means something if the names are there without redaction.
    EXPECT_TRUE(plain.contains(QStringLiteral("lab-host-17")));
    EXPECT_TRUE(plain.contains(QStringLiteral("hunter2")));
    EXPECT_TRUE(plain.contains(QStringLiteral("<text")) || plain.contains(QStringLiteral("font-family")));

    view.setRedacted(true);
    const QString red = svgText(QStringLiteral("redacted.svg"));
    EXPECT_FALSE(red.contains(QStringLiteral("lab-host-17")));
    EXPECT_FALSE(red.contains(QStringLiteral("hunter2")));
    EXPECT_FALSE(red.contains(QStringLiteral("alice")));
    EXPECT_FALSE(red.contains(QStringLiteral("--token")));
    // Still the same picture: the agent's cluster is labelled by its program name.
    EXPECT_TRUE(red.contains(QStringLiteral("agent (pid 4242)")));
    EXPECT_TRUE(red.contains(QStringLiteral("redacted")));
}

TEST(GuiClusterView, RedactorReplacesHostUserAndArguments)
{
    const Snapshot s = guitest::hostSmall();
    const Snapshot r = Redactor::redacted(s);
    EXPECT_EQ(r.host.hostname, "host");
    EXPECT_EQ(r.processes.size(), s.processes.size());
    const Process *vim = r.findProcess(1290);
    ASSERT_TRUE(vim);
    EXPECT_EQ(vim->cmdline, std::vector<std::string>{"vim"});
    EXPECT_EQ(r.findProcess(1201)->cmdline, std::vector<std::string>{"sshd"}); // "sshd: alice [priv]"
    const Redactor red(s);
    EXPECT_EQ(red.text(std::string("/home/alice/x alice lab-host-17 malice")),
              "/home/user1/x user1 host malice");
    EXPECT_EQ(Redactor::programName("/usr/bin/containerd-shim-runc-v2"), "containerd-shim-runc-v2");
    EXPECT_EQ(Redactor::programName("postgres: walwriter"), "postgres");
}

TEST(GuiClusterView, FilterDimsNonMatchingClusters)
{
    SnapshotStore store;
    store.setSnapshot(guitest::hostSmall());
    ClusterView view(&store);
    view.setDarkOverride(false);
    view.resize(1200, 800);
    view.fitToView();
    const QImage all = ViewExporter::renderImage(&view, 1);
    view.setFilterText(QStringLiteral("docker"));
    const QImage filtered = ViewExporter::renderImage(&view, 1);
    // Host dots fade: far fewer pixels of the full host-dot colour remain.
    EXPECT_LT(guitest::countNear(filtered, view.style().hostDot, 6),
              guitest::countNear(all, view.style().hostDot, 6) / 4);
    view.setFilterText(QString());
    EXPECT_EQ(ViewExporter::renderImage(&view, 1), all);
}
