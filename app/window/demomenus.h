// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Which demo container a process or a cluster of the picture belongs to, and the context menu of
// the cluster view that offers to stop it (the findings panel offers the same for its rows).

#include "core/model/model.h"

#include <QList>
#include <QPoint>

class QMenu;
class QWidget;

namespace nsviz
{

class ClusterView;
class DemoController;

class DemoMenus
{
public:
    /// The demo (its init's pid) process @p pid belongs to, 0 for none: the init itself, or a
    /// process in a namespace the demo made fresh (pid, then mnt, uts, ipc, net, cgroup, user, time).
    static int demoOfProcess(const Snapshot &snapshot, const DemoController &demos, int pid);
    /// The demos with a process in the cluster under @p viewPos (widget coordinates), ascending.
    static QList<int> demosInClusterAt(const ClusterView &view, const DemoController &demos, QPoint viewPos);
    /// The cluster view's context menu at @p viewPos: "Stop Demo Container (pid N)" per demo there
    /// (through @p demos), or a disabled line saying there is none. The caller owns the menu.
    static QMenu *clusterMenu(ClusterView &view, DemoController &demos, QPoint viewPos, QWidget *parent);
};

} // namespace nsviz
