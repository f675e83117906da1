// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/discovery/hostreference.h"

#include "core/discovery/discovery.h"
#include "core/proc/nsfsquery.h"

namespace nsviz
{

HostReference hostReference(const Snapshot &snapshot)
{
    const HostInfo &h = snapshot.host;
    HostReference r;
    if (h.referencePid > 0) {
        r.pid = h.referencePid;
        r.startTime = h.referenceStartTime;
        r.comm = h.referenceComm;
    }
    r.note = h.referenceNote;
    return r;
}

bool isHostReference(const Snapshot &snapshot, const Process &p)
{
    const HostInfo &h = snapshot.host;
    return h.referencePid > 0 && p.pid == h.referencePid &&
           (h.referenceStartTime == 0 || p.startTime == 0 || p.startTime == h.referenceStartTime);
}

HostReference findHostReference(const std::string &procRoot)
{
    NsfsQuery query;
    return findHostReference(procRoot, query);
}

HostReference findHostReference(const std::string &procRoot, NsQuery &query)
{
    // The host step decides from PID 1 and kthreadd alone; nothing else it reads changes the choice.
    DiscoveryOptions o;
    o.procRoot = procRoot;
    o.fds = false;
    o.bindMounts = false;
    o.hierarchy = false;
    o.sandboxes = false;
    o.pids = {1, 2};
    HostReference r = hostReference(discover(o, query));
    if (r.valid())
        return r;
    // No reference: the note lists the host namespaces still known by their fixed inodes, which
    // takes every namespace discovery would find.
    DiscoveryOptions full;
    full.procRoot = procRoot;
    return hostReference(discover(full, query));
}

} // namespace nsviz
