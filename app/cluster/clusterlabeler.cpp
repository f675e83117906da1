// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/cluster/clusterlabeler.h"

#include "app/models/usernames.h"
#include "core/model/containerid.h"
#include "core/sandbox/sandbox.h"

#include <QLocale>
#include <algorithm>
#include <map>
#include <unordered_set>

namespace nsviz
{

namespace
{
/// "sleep 600 · root": the command line, elided, and the user.
QString commandOf(const Process &p, bool localUsers)
{
    QStringList args;
    for (const auto &a : p.cmdline)
        args << QString::fromStdString(a);
    QString cmd = args.join(QLatin1Char(' '));
    if (cmd.size() > 48)
        cmd = cmd.left(47) + QChar(0x2026);
    const QString user = UserNames::describe(p.uid, localUsers);
    return cmd.isEmpty() ? user : cmd + QStringLiteral(" · ") + user;
}
} // namespace

int ClusterLabeler::leadingProcess(const Snapshot &s, const ClusterLayout::Cluster &c)
{
    std::unordered_set<int> pids;
    for (int m : c.members)
        pids.insert(s.processes[m].pid);
    int best = -1;
    for (int m : c.members) {
        const Process &p = s.processes[m];
        if (pids.count(p.ppid))
            continue;
        if (best < 0 || p.pid < s.processes[best].pid)
            best = m;
    }
    if (best < 0 && !c.members.empty())
        best = c.members.front();
    return best;
}

QString ClusterLabeler::referenceText(const Snapshot &s)
{
    if (s.host.referencePid <= 0)
        return QStringLiteral("unknown: neither PID 1 nor kthreadd readable");
    const QString comm = QString::fromStdString(s.host.referenceComm);
    QString t = s.host.referencePid == 1 ? QStringLiteral("PID 1")
                                         : QStringLiteral("PID %1").arg(s.host.referencePid);
    if (!comm.isEmpty())
        t += QStringLiteral(" (") + comm + QLatin1Char(')');
    if (s.host.referencePid != 1)
        t += QStringLiteral(" — PID 1 not readable");
    return t;
}

std::vector<ClusterLabel> ClusterLabeler::labels(const Snapshot &s, const ClusterLayout &layout,
                                                 bool localUsers)
{
    std::vector<ClusterLabel> out;
    out.reserve(layout.clusters().size());
    const SandboxIndex sandboxes(s);
    for (const auto &c : layout.clusters())
        out.push_back(label(s, c, layout.type(), localUsers, sandboxes));
    return out;
}

ClusterLabel ClusterLabeler::label(const Snapshot &s, const ClusterLayout::Cluster &c, NsType type,
                                   bool localUsers)
{
    return label(s, c, type, localUsers, SandboxIndex(s));
}

ClusterLabel ClusterLabeler::label(const Snapshot &s, const ClusterLayout::Cluster &c, NsType type,
                                   bool localUsers, const SandboxIndex &sandboxes)
{
    ClusterLabel l;
    const QString typeName = QString::fromLatin1(nsTypeName(type));
    const int n = static_cast<int>(c.members.size());
    const QString count = n == 1 ? QStringLiteral("1 process") : QStringLiteral("%1 processes").arg(n);
    l.detail = c.id.valid() ? QStringLiteral("%1:[%2] · %3").arg(typeName).arg(c.id.ino).arg(count) : count;

    if (!c.id.valid()) {
        l.kind = ClusterLabel::Kind::Unreadable;
        // Zombies have no namespaces left: say what they are, not that they are hidden.
        const bool allExited =
            !c.members.empty() &&
            std::all_of(c.members.begin(), c.members.end(), [&](int m) { return s.processes[m].exited; });
        l.title = allExited ? QStringLiteral("exited processes (zombies)")
                            : QStringLiteral("%1 namespace not readable").arg(typeName);
        return l;
    }
    if (c.isHost) {
        l.kind = ClusterLabel::Kind::Host;
        l.title = QStringLiteral("Host");
        l.command = QStringLiteral("reference ") + referenceText(s);
        // A snapshot knows the host's hostname only (other UTS namespaces' names need an inspect):
        // the uts picture names it in the host's title, which even the shortest label keeps.
        if (type == NsType::Uts && !s.host.hostname.empty())
            l.title = QStringLiteral("Host · ") + QString::fromStdString(s.host.hostname);
        return l;
    }
    if (c.members.empty()) {
        l.kind = ClusterLabel::Kind::Held;
        const Namespace *ns = s.findNamespace(c.id);
        if (ns && !ns->bindMounts.empty()) {
            // "4026531841:/run/netns/blue" -> "/run/netns/blue"
            std::string m = ns->bindMounts.front();
            if (auto colon = m.find(':'); colon != std::string::npos)
                m = m.substr(colon + 1);
            l.title = QStringLiteral("bind mount ") + QString::fromStdString(m);
        } else if (ns && !ns->fdHolders.empty()) {
            l.title = QStringLiteral("held by fd ") + QString::fromStdString(ns->fdHolders.front());
        } else {
            l.title = QStringLiteral("hidden (parent or owner only)");
        }
        l.detail = QStringLiteral("%1:[%2] · no processes").arg(typeName).arg(c.id.ino);
        return l;
    }

    // The sandbox most members are in, named by sandboxLabel() as the CLI, table and charts name it.
    if (!s.sandboxes.empty()) {
        std::map<const Sandbox *, int> inSandbox, inPod;
        for (int m : c.members)
            if (const Sandbox *sb = sandboxes.of(s.processes[m])) {
                ++inSandbox[sb];
                // A pod's namespaces (net, uts, ipc) hold its containers too: they count for the pod.
                if (const Sandbox *pod = sb->pod.empty() ? nullptr : findSandbox(s, sb->pod))
                    ++inPod[pod];
                else if (sb->kind == SandboxKind::Pod)
                    ++inPod[sb];
            }
        const Sandbox *top = nullptr;
        for (const auto &[sb, count] : inSandbox)
            if (!top || count > inSandbox[top])
                top = sb;
        if (top && inSandbox[top] * 2 < n)
            for (const auto &[pod, count] : inPod)
                if (count * 2 >= n) {
                    top = pod;
                    inSandbox[top] = count;
                }
        // Every kind of sandbox, named or not: a bare `unshare` sandbox is "unshare: sleep (pid N)"
        // here as in findings, diff, the table, the tree and the charts.
        if (top && inSandbox[top] * 2 >= n) {
            const bool engineKind = top->kind == SandboxKind::Container || top->kind == SandboxKind::Pod;
            l.kind = engineKind ? ClusterLabel::Kind::Container : ClusterLabel::Kind::Process;
            l.title = QString::fromStdString(sandboxLabel(*top));
            l.engine = QString::fromStdString(top->engine);
            l.informational = isInformational(*top);
            if (!engineKind) // what it runs, as for a cluster named by its leading process
                l.command = commandOf(s.processes[leadingProcess(s, c)], localUsers);
            return l;
        }
    }
    // The container identity most members agree on (a shim or an exec'd debug shell may differ).
    std::map<std::string, std::pair<int, ContainerIdentity>> votes;
    for (int m : c.members) {
        ContainerIdentity id = containerFromCgroup(s.processes[m].cgroup);
        if (!id.valid())
            continue;
        auto &v = votes[id.label()];
        ++v.first;
        v.second = std::move(id);
    }
    const std::pair<int, ContainerIdentity> *best = nullptr;
    for (const auto &[key, v] : votes)
        if (!best || v.first > best->first)
            best = &v;
    if (best && best->first * 2 >= n) {
        l.kind = ClusterLabel::Kind::Container;
        l.title = QString::fromStdString(best->second.label());
        l.engine = QString::fromStdString(best->second.engine);
        return l;
    }

    l.kind = ClusterLabel::Kind::Process;
    const int lead = leadingProcess(s, c);
    const Process &p = s.processes[lead];
    l.title = QStringLiteral("%1 (pid %2)").arg(QString::fromStdString(p.comm)).arg(p.pid);
    l.command = commandOf(p, localUsers);
    return l;
}

} // namespace nsviz
