// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/model/model.h"

#include <algorithm>
#include <utility>

namespace nsviz
{

const Process *Snapshot::findProcess(int pid) const
{
    auto it = std::lower_bound(processes.begin(), processes.end(), pid,
                               [](const Process &p, int v) { return p.pid < v; });
    if (it != processes.end() && it->pid == pid)
        return &*it;
    // Not sorted (e.g. built by hand): fall back to a scan.
    for (const auto &p : processes)
        if (p.pid == pid)
            return &p;
    return nullptr;
}

const Namespace *findSortedNamespace(const std::vector<Namespace> &list, const NsId &id)
{
    for (NsType t : kAllNsTypes) {
        auto it =
            std::lower_bound(list.begin(), list.end(), std::pair(t, id),
                             [](const Namespace &n, const auto &k) { return std::pair(n.type, n.id) < k; });
        if (it != list.end() && it->type == t && it->id == id)
            return &*it;
    }
    return nullptr;
}

const Namespace *Snapshot::findNamespace(const NsId &id) const
{
    if (const Namespace *n = findSortedNamespace(namespaces, id))
        return n;
    // Not sorted (e.g. built by hand): fall back to a scan.
    for (const auto &n : namespaces)
        if (n.id == id)
            return &n;
    return nullptr;
}

} // namespace nsviz
