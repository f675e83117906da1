// SPDX-License-Identifier: GPL-2.0-or-later
#include "namespacestats.h"

#include "viewhelpers.h"

#include <algorithm>

namespace nsviz {

NamespaceStats NamespaceStats::compute(const Snapshot &s, int topN)
{
    NamespaceStats st;
    st.processes = static_cast<int>(s.processes.size());
    st.namespaces = static_cast<int>(s.namespaces.size());
    for (const auto &n : s.namespaces) {
        auto &c = st.perType[index(n.type)];
        if (n.isHost)
            ++c.host;
        else if (views::isHidden(n))
            ++c.hidden;
        else
            ++c.other;
        // The host's namespaces hold nearly every process; ranking them would only repeat the
        // process count eight times. The interesting question is which containers are big.
        if (!n.isHost && !n.pids.empty()) {
            TopEntry e;
            e.type = n.type;
            e.id = n.id;
            e.processes = static_cast<int>(n.pids.size());
            e.leaderPid = *std::min_element(n.pids.begin(), n.pids.end());
            if (const Process *p = s.findProcess(e.leaderPid))
                e.leader = QString::fromStdString(p->comm);
            st.top << e;
        }
    }
    std::sort(st.top.begin(), st.top.end(), [](const TopEntry &a, const TopEntry &b) {
        if (a.processes != b.processes)
            return a.processes > b.processes;
        return std::pair(a.type, a.id) < std::pair(b.type, b.id);
    });
    if (topN >= 0 && st.top.size() > topN)
        st.top.resize(topN);
    return st;
}

} // namespace nsviz
