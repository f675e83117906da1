// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/window/demomenus.h"

#include "app/cluster/clusterview.h"
#include "app/window/democontroller.h"
#include "core/model/nstype.h"

#include <QAction>
#include <QMenu>
#include <algorithm>

namespace nsviz
{

int DemoMenus::demoOfProcess(const Snapshot &snapshot, const DemoController &demos, int pid)
{
    if (pid <= 0)
        return 0;
    if (demos.isDemo(pid))
        return pid;
    const Process *p = snapshot.findProcess(pid);
    if (!p)
        return 0;
    // The most telling namespace first: a demo's pid namespace holds exactly its processes.
    for (NsType t : {NsType::Pid, NsType::Mnt, NsType::Uts, NsType::Ipc, NsType::Net, NsType::Cgroup,
                     NsType::User, NsType::Time}) {
        const NsId &id = p->ns[index(t)];
        if (!id.valid())
            continue;
        if (const DemoInfo *d = demos.demoForNamespace(t, id.ino))
            return d->pid;
    }
    return 0;
}

QList<int> DemoMenus::demosInClusterAt(const ClusterView &view, const DemoController &demos, QPoint viewPos)
{
    QList<int> out;
    if (view.zoom() <= 0)
        return out;
    const QPointF world = (QPointF(viewPos) - view.panOffset()) / view.zoom();
    const ClusterLayout &layout = view.clusterLayout();
    const int ci = layout.clusterAt(world.x(), world.y());
    if (ci < 0 || ci >= static_cast<int>(layout.clusters().size()))
        return out;
    const Snapshot &s = view.displayedSnapshot();
    for (int member : layout.clusters()[static_cast<std::size_t>(ci)].members) {
        if (member < 0 || member >= static_cast<int>(s.processes.size()))
            continue;
        const int demo = demoOfProcess(s, demos, s.processes[static_cast<std::size_t>(member)].pid);
        if (demo > 0 && !out.contains(demo))
            out.append(demo);
    }
    std::sort(out.begin(), out.end());
    return out;
}

QMenu *DemoMenus::clusterMenu(ClusterView &view, DemoController &demos, QPoint viewPos, QWidget *parent)
{
    auto *menu = new QMenu(parent);
    const QList<int> here = demosInClusterAt(view, demos, viewPos);
    for (int pid : here) {
        auto *a = menu->addAction(QObject::tr("Stop Demo Container (pid %1)").arg(pid), &demos,
                                  [&demos, pid] { demos.stop(pid); });
        a->setObjectName(QStringLiteral("stopDemo"));
    }
    if (here.isEmpty())
        menu->addAction(QObject::tr("No demo container here"))->setEnabled(false);
    return menu;
}

} // namespace nsviz
