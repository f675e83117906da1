// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/model/model.h"

#include <algorithm>

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

const Namespace *Snapshot::findNamespace(const NsId &id) const
{
    for (const auto &n : namespaces)
        if (n.id == id)
            return &n;
    return nullptr;
}

} // namespace nsviz
