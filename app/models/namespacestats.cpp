// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/models/namespacestats.h"

#include "app/models/viewhelpers.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <vector>

namespace nsviz
{

QString NamespaceStats::TopEntry::label() const
{
    // A sandbox named by its init already carries a pid ("unshare: sleep (pid 7)"): not twice.
    const QString who =
        leader.isEmpty() ? QString(QStringLiteral("PID ") % QString::number(leaderPid))
        : leader.contains(QStringLiteral(" (pid "))
            ? leader
            : QString(leader % QStringLiteral(" (") % QString::number(leaderPid) % QLatin1Char(')'));
    if (types.size() == 1)
        return QString(who % QStringLiteral(" · ") % views::nsLabel(types.front(), ids.front()));
    QStringList names;
    for (NsType t : types)
        names << views::typeName(t);
    return QString(who % QStringLiteral(" · ") % names.join(QLatin1Char(' ')));
}

bool NamespaceStats::TopEntry::contains(const Process &p) const
{
    return !types.isEmpty() && p.ns[index(types.front())] == ids.front();
}

NamespaceStats NamespaceStats::compute(const Snapshot &s, int topN)
{
    NamespaceStats st;
    st.processes = static_cast<int>(s.processes.size());
    st.namespaces = static_cast<int>(s.namespaces.size());
    std::map<std::vector<int>, qsizetype> byPids;
    const SandboxIndex sandboxes(s);
    // s.namespaces is sorted by (type, id), so each group's types come out in kAllNsTypes order.
    for (const auto &n : s.namespaces) {
        auto &c = st.perType[index(n.type)];
        if (n.isHost)
            ++c.host;
        else if (views::isHidden(n))
            ++c.hidden;
        else
            ++c.other;
        // The host's namespaces hold nearly every process; ranking them would only repeat the
        // process count. The interesting question is which containers are big.
        if (n.isHost || n.pids.empty())
            continue;
        std::vector<int> pids = n.pids;
        std::sort(pids.begin(), pids.end());
        auto [it, fresh] = byPids.emplace(pids, st.top.size());
        if (fresh) {
            TopEntry e;
            e.processes = static_cast<int>(pids.size());
            e.leaderPid = pids.front();
            if (const Process *p = s.findProcess(e.leaderPid)) {
                // A process in a sandbox is named by it, as the cluster view and the CLI name it.
                e.leader = views::sandboxName(sandboxes, *p);
                if (e.leader.isEmpty())
                    e.leader = QString::fromStdString(p->comm);
            }
            st.top << e;
        }
        st.top[it->second].types << n.type;
        st.top[it->second].ids << n.id;
    }
    for (auto &e : st.top) {
        // Keep types and ids in kAllNsTypes order whatever order the snapshot came in.
        QList<qsizetype> order(e.types.size());
        std::iota(order.begin(), order.end(), 0);
        std::sort(order.begin(), order.end(), [&](qsizetype a, qsizetype b) {
            return std::pair(e.types[a], e.ids[a]) < std::pair(e.types[b], e.ids[b]);
        });
        QList<NsType> types;
        QList<NsId> ids;
        for (qsizetype i : order) {
            types << e.types[i];
            ids << e.ids[i];
        }
        e.types = types;
        e.ids = ids;
    }
    std::sort(st.top.begin(), st.top.end(), [](const TopEntry &a, const TopEntry &b) {
        if (a.processes != b.processes)
            return a.processes > b.processes;
        return std::pair(a.types.front(), a.ids.front()) < std::pair(b.types.front(), b.ids.front());
    });
    if (topN >= 0 && st.top.size() > topN)
        st.top.resize(topN);
    return st;
}

} // namespace nsviz
