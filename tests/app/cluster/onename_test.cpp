// SPDX-License-Identifier: GPL-2.0-or-later
// One name for one thing (issue 10): over the real engines' snapshot, every view that names a
// sandbox (the cluster labels and callouts, the table's tooltip, the tree, the charts, the CLI's
// findings and diff, the status bar's count) gives each sandbox the same name: sandboxLabel().
#include "app/cluster/clusterlabeler.h"
#include "app/cluster/clusterlayout.h"
#include "app/models/hostsharing.h"
#include "app/models/namespacestats.h"
#include "app/models/namespacetreemodel.h"
#include "app/models/processtablemodel.h"
#include "app/models/snapshotstore.h"
#include "app/window/headless.h"
#include "core/inspect/diff.h"
#include "core/inspect/findings.h"
#include "core/model/delta.h"
#include "core/sandbox/sandbox.h"
#include "tests/common/enginesfixture.h"

#include <algorithm>
#include <functional>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

using namespace nsviz;

namespace
{

/// Sandbox id -> view -> the names that view gave it.
using Names = std::map<std::string, std::map<std::string, std::set<std::string>>>;

const Sandbox *majority(const Snapshot &s, const std::vector<int> &members)
{
    std::map<const Sandbox *, int> count;
    for (int m : members)
        if (const Sandbox *sb = sandboxOf(s, s.processes[m]))
            ++count[sb];
    for (const auto &[sb, n] : count)
        if (n * 2 >= static_cast<int>(members.size()))
            return sb;
    return nullptr;
}

void walk(const QAbstractItemModel &m, const QModelIndex &parent, const std::function<void(QModelIndex)> &f)
{
    for (int r = 0; r < m.rowCount(parent); ++r) {
        const QModelIndex i = m.index(r, 0, parent);
        f(i);
        walk(m, i, f);
    }
}

} // namespace

TEST(OneName, EveryViewNamesEverySandboxTheSameWay)
{
    const Snapshot snap = test::enginesSnapshot();
    ASSERT_FALSE(snap.sandboxes.empty());
    Names names;

    // The cluster view, grouped by each type: a circle most of whose processes are one sandbox's.
    for (NsType t : kAllNsTypes) {
        ClusterLayout layout;
        layout.setType(t);
        layout.update(snap);
        for (const auto &c : layout.clusters()) {
            if (c.isHost || !c.id.valid() || c.members.empty())
                continue;
            if (const Sandbox *sb = majority(snap, c.members))
                names[sb->id]["cluster"].insert(ClusterLabeler::label(snap, c, t, false).title.toStdString());
        }
    }
    // The red callouts and the headless summary's list: the flagged groups.
    for (const auto &g : hostNetGroups(snap))
        if (const Sandbox *sb = sandboxOf(snap, snap.processes[g.procs.front()]))
            names[sb->id]["callout"].insert(g.label);
    SnapshotStore store;
    store.setSnapshot(snap);
    // The table's tooltip: "in NAME".
    ProcessTableModel table(&store);
    for (int r = 0; r < table.rowCount(); ++r) {
        const QModelIndex i = table.index(r, ProcessTableModel::PidColumn);
        const Process *p = snap.findProcess(i.data(ProcessTableModel::PidRole).toInt());
        const Sandbox *sb = p ? sandboxOf(snap, *p) : nullptr;
        if (!sb)
            continue;
        const QString tip = i.data(Qt::ToolTipRole).toString();
        const qsizetype at = tip.indexOf(QStringLiteral("\nin "));
        ASSERT_GE(at, 0) << tip.toStdString();
        names[sb->id]["table"].insert(tip.mid(at + 4).section(QLatin1Char('\n'), 0, 0).toStdString());
    }
    // The tree: a namespace's leading process, "NAME: comm (pid)" or just NAME.
    for (auto h : {NamespaceTreeModel::Hierarchy::User, NamespaceTreeModel::Hierarchy::Pid}) {
        NamespaceTreeModel tree(&store, h);
        walk(tree, {}, [&](const QModelIndex &i) {
            if (i.data(NamespaceTreeModel::KindRole).toInt() != int(NamespaceTreeModel::NodeKind::Namespace))
                return;
            const Namespace *n = nullptr;
            for (const auto &x : snap.namespaces)
                if (x.id.ino == i.data(NamespaceTreeModel::NsInodeRole).toULongLong())
                    n = &x;
            if (!n || n->pids.empty())
                return;
            const Process *p = snap.findProcess(n->pids.front());
            const Sandbox *sb = p ? sandboxOf(snap, *p) : nullptr;
            if (!sb)
                return;
            const QString tip = i.data(Qt::ToolTipRole).toString();
            const qsizetype at = tip.indexOf(QStringLiteral("leading process: "));
            ASSERT_GE(at, 0) << tip.toStdString();
            const QString leader = tip.mid(at + 17).section(QLatin1Char('\n'), 0, 0);
            const QString tail = QStringLiteral(": ") + QString::fromStdString(p->comm) +
                                 QStringLiteral(" (") + QString::number(p->pid) + QLatin1Char(')');
            const QString own = QString::fromStdString(p->comm) + QStringLiteral(" (") +
                                QString::number(p->pid) + QLatin1Char(')');
            // "NAME: comm (pid)", or NAME alone, or "comm (pid)" when NAME is the comm itself.
            QString name = leader.endsWith(tail) ? leader.chopped(tail.size()) : leader;
            if (leader == own && sandboxLabel(*sb) == p->comm)
                name = QString::fromStdString(p->comm);
            names[sb->id]["tree"].insert(name.toStdString());
        });
    }
    // The charts' biggest namespaces.
    for (const auto &e : NamespaceStats::compute(snap, 1000).top)
        if (const Process *p = snap.findProcess(e.leaderPid))
            if (const Sandbox *sb = sandboxOf(snap, *p))
                names[sb->id]["charts"].insert(e.leader.toStdString());
    // The CLI: findings (alarms and informational) and diff's mark of side A.
    const nlohmann::json f = findHostSharing(snap, std::string());
    for (const char *list : {"containers", "informational"})
        for (const auto &c : f[list])
            names[c["sandbox"].get<std::string>()]["findings"].insert(c["label"].get<std::string>());
    for (const Sandbox &sb : snap.sandboxes) {
        ASSERT_TRUE(sb.init);
        nlohmann::json d = {{"a", {{"pid", sb.init->pid}, {"startTime", sb.init->startTime}}}};
        markSandbox(d, snap);
        names[sb.id]["diff"].insert(d["a"]["sandbox"]["label"].get<std::string>());
    }

    // Every sandbox is named by the cluster view, the table, the findings (each case of the
    // fixture has either a finding or is informational, or is clean) and the diff, and every name
    // any view gave it is sandboxLabel().
    std::set<std::string> views;
    for (const Sandbox &sb : snap.sandboxes) {
        SCOPED_TRACE(sb.id);
        const std::string label = sandboxLabel(sb);
        EXPECT_TRUE(names[sb.id].count("table"));
        EXPECT_TRUE(names[sb.id].count("diff"));
        if (sb.kind != SandboxKind::Infrastructure) { // helpers may be too few for a circle of their own
            EXPECT_TRUE(names[sb.id].count("cluster"));
        }
        for (const auto &[view, got] : names[sb.id]) {
            views.insert(view);
            EXPECT_EQ(got, std::set<std::string>{label}) << view;
        }
    }
    // Each view was looked at on some sandbox.
    EXPECT_EQ(views,
              (std::set<std::string>{"callout", "cluster", "table", "tree", "charts", "findings", "diff"}));

    // The bare `unshare -n -m -p -f` sandbox: the launcher, what it runs and the init's pid.
    bool unshare = false;
    for (const Sandbox &sb : snap.sandboxes)
        if (sb.engine == "unshare") {
            unshare = true;
            EXPECT_EQ(sandboxLabel(sb), "unshare: sleep (pid " + std::to_string(sb.init->pid) + ")");
        }
    EXPECT_TRUE(unshare);
}

TEST(OneName, OneContainerCountInTheStatusBarAndTheSummary)
{
    const Snapshot snap = test::enginesSnapshot();
    int containers = 0, pods = 0;
    for (const Sandbox &sb : snap.sandboxes) {
        containers += sb.kind == SandboxKind::Container;
        pods += sb.kind == SandboxKind::Pod;
    }
    // podman default/host net/host pid/rootless and the pod's two, LXC, two nspawn; one pod.
    EXPECT_EQ(containers, 9);
    EXPECT_EQ(pods, 1);
    SnapshotStore store;
    store.setSnapshot(snap);
    EXPECT_EQ(store.counts().containers, containers);
    EXPECT_EQ(store.counts().pods, pods);
    EXPECT_EQ(store.counts(), SnapshotStore::countsOf(snap));
    const QString summary = Headless::summary(snap, NsType::Net);
    EXPECT_TRUE(summary.contains(QStringLiteral("containers: 9, pods: 1\n"))) << summary.toStdString();

    // A delta that ends a container (its sandbox goes with it) counts it out.
    Snapshot next = snap;
    const auto gone = std::find_if(next.sandboxes.begin(), next.sandboxes.end(),
                                   [](const Sandbox &sb) { return sb.kind == SandboxKind::Container; });
    next.sandboxes.erase(gone);
    const SnapshotDelta d = computeDelta(snap, next);
    ASSERT_TRUE(d.sandboxes);
    ASSERT_TRUE(store.applyDelta(d));
    EXPECT_EQ(store.counts().containers, containers - 1);
    EXPECT_EQ(store.counts(), SnapshotStore::countsOf(store.snapshot()));
}
