// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// What a cluster is called: the host marker for the reference process's namespace, the
// sandbox most members are in (sandboxLabel(), the one name every view uses), else the container
// engine and id from the members' cgroup paths (a snapshot without sandboxes), otherwise the
// leading process; always the inode.

#include "app/cluster/clusterlayout.h"
#include "core/sandbox/sandbox.h"

#include <QString>
#include <vector>

namespace nsviz
{

struct ClusterLabel {
    enum class Kind { Host, Container, Process, Held, Unreadable };
    Kind kind = Kind::Process;
    QString title;   ///< "Host", "docker 3f2a9c1b7e4d", "agent (pid 4242)"
    QString detail;  ///< "net:[4026531840] · 23 processes"
    QString command; ///< leading process's command line (elided), empty for host/containers
    QString engine;  ///< container engine when Kind::Container
    /// The circle is a service sandbox's or an engine helper's (isInformational()): the view can
    /// de-emphasise it, as the findings list those apart.
    bool informational = false;
};

class ClusterLabeler
{
public:
    /// Label of @p c (a cluster of namespace type @p type in @p s). @p localUsers: resolve uids to names.
    static ClusterLabel label(const Snapshot &s, const ClusterLayout::Cluster &c, NsType type,
                              bool localUsers);
    /// The same, finding the members' sandboxes through @p sandboxes (a SandboxIndex of @p s).
    static ClusterLabel label(const Snapshot &s, const ClusterLayout::Cluster &c, NsType type,
                              bool localUsers, const SandboxIndex &sandboxes);
    /// label() of every cluster of @p layout (laid out from @p s), in cluster order.
    static std::vector<ClusterLabel> labels(const Snapshot &s, const ClusterLayout &layout, bool localUsers);
    /// Index into s.processes of the cluster's leading process: the lowest pid whose parent is not
    /// in the cluster (a container's init), or -1 for an empty cluster.
    static int leadingProcess(const Snapshot &s, const ClusterLayout::Cluster &c);
    /// "PID 1 (systemd)", "PID 2 (kthreadd) — PID 1 not readable", or with no reference
    /// "unknown: neither PID 1 nor kthreadd readable" (never "PID 0").
    static QString referenceText(const Snapshot &s);
};

} // namespace nsviz
