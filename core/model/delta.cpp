// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/model/delta.h"

#include <algorithm>
#include <map>

namespace nsviz
{

bool operator==(const Process &a, const Process &b)
{
    return a.pid == b.pid && a.ppid == b.ppid && a.uid == b.uid && a.euid == b.euid && a.gid == b.gid &&
           a.startTime == b.startTime && a.state == b.state && a.comm == b.comm && a.cmdline == b.cmdline &&
           a.cmdlineTruncated == b.cmdlineTruncated && a.nspid == b.nspid && a.cgroup == b.cgroup &&
           a.ns == b.ns && a.visible == b.visible && a.exited == b.exited &&
           a.kernelThread == b.kernelThread && a.differsFromHost == b.differsFromHost;
}

bool operator==(const Namespace &a, const Namespace &b)
{
    return a.type == b.type && a.id == b.id && a.pids == b.pids && a.foundBy == b.foundBy &&
           a.owner == b.owner && a.ownerKnown == b.ownerKnown && a.parent == b.parent &&
           a.parentKnown == b.parentKnown && a.ownerUid == b.ownerUid && a.isHost == b.isHost &&
           a.bindMounts == b.bindMounts && a.fdHolders == b.fdHolders;
}

bool operator==(const LooseThread &a, const LooseThread &b)
{
    return a.pid == b.pid && a.tid == b.tid && a.comm == b.comm && a.ns == b.ns;
}

namespace
{
bool sameHostContent(const HostInfo &a, const HostInfo &b)
{
    return a.hostname == b.hostname && a.kernel == b.kernel && a.bootId == b.bootId &&
           a.procRoot == b.procRoot && a.privileged == b.privileged && a.referencePid == b.referencePid &&
           a.referenceComm == b.referenceComm && a.referenceNote == b.referenceNote &&
           a.referenceStartTime == b.referenceStartTime && a.invisibleProcesses == b.invisibleProcesses;
}

bool nsLess(const Namespace &a, const Namespace &b)
{
    return std::pair(a.type, a.id) < std::pair(b.type, b.id);
}
} // namespace

bool SnapshotDelta::empty() const
{
    return addedProcesses.empty() && removedProcesses.empty() && changedProcesses.empty() &&
           addedNamespaces.empty() && removedNamespaces.empty() && changedNamespaces.empty() && !sandboxes;
}

bool sameContent(const Snapshot &a, const Snapshot &b)
{
    return sameHostContent(a.host, b.host) && a.hostNs == b.hostNs && a.namespaces == b.namespaces &&
           a.processes == b.processes && a.looseThreads == b.looseThreads && a.warnings == b.warnings &&
           a.sandboxes == b.sandboxes;
}

SnapshotDelta computeDelta(const Snapshot &from, const Snapshot &to)
{
    SnapshotDelta d;
    d.host = to.host;
    d.hostNs = to.hostNs;
    d.looseThreads = to.looseThreads;
    d.warnings = to.warnings;
    // The sandboxes are few and derived from everything else: the whole list when any changed.
    if (from.sandboxes != to.sandboxes)
        d.sandboxes = to.sandboxes;

    // Processes are keyed by (pid, start time): a reused pid is a removal plus an addition.
    std::map<ProcKey, const Process *> old;
    for (const auto &p : from.processes)
        old.emplace(p.key(), &p);
    for (const auto &p : to.processes) {
        auto it = old.find(p.key());
        if (it == old.end()) {
            d.addedProcesses.push_back(p);
        } else {
            if (!(*it->second == p))
                d.changedProcesses.push_back(p);
            old.erase(it);
        }
    }
    for (const auto &[key, p] : old)
        d.removedProcesses.push_back(key);

    std::map<NsId, const Namespace *> oldNs;
    for (const auto &n : from.namespaces)
        oldNs.emplace(n.id, &n);
    for (const auto &n : to.namespaces) {
        auto it = oldNs.find(n.id);
        if (it == oldNs.end()) {
            d.addedNamespaces.push_back(n);
        } else {
            if (!(*it->second == n))
                d.changedNamespaces.push_back(n);
            oldNs.erase(it);
        }
    }
    for (const auto &[id, n] : oldNs)
        d.removedNamespaces.push_back(id);
    return d;
}

void applyDelta(Snapshot &s, const SnapshotDelta &d)
{
    // Work on copies so that a delta that does not fit leaves s untouched.
    std::map<ProcKey, Process> procs;
    for (const auto &p : s.processes)
        procs.emplace(p.key(), p);
    for (const auto &k : d.removedProcesses)
        if (procs.erase(k) == 0)
            throw DeltaError("delta removes process " + std::to_string(k.pid) +
                             " which is not in the snapshot");
    for (const auto &p : d.changedProcesses) {
        auto it = procs.find(p.key());
        if (it == procs.end())
            throw DeltaError("delta changes process " + std::to_string(p.pid) +
                             " which is not in the snapshot");
        it->second = p;
    }
    for (const auto &p : d.addedProcesses)
        if (!procs.emplace(p.key(), p).second)
            throw DeltaError("delta adds process " + std::to_string(p.pid) + " which is already there");

    std::map<NsId, Namespace> nss;
    for (const auto &n : s.namespaces)
        nss.emplace(n.id, n);
    for (const auto &id : d.removedNamespaces)
        if (nss.erase(id) == 0)
            throw DeltaError("delta removes namespace " + std::to_string(id.ino) +
                             " which is not in the snapshot");
    for (const auto &n : d.changedNamespaces) {
        auto it = nss.find(n.id);
        if (it == nss.end())
            throw DeltaError("delta changes namespace " + std::to_string(n.id.ino) +
                             " which is not in the snapshot");
        it->second = n;
    }
    for (const auto &n : d.addedNamespaces)
        if (!nss.emplace(n.id, n).second)
            throw DeltaError("delta adds namespace " + std::to_string(n.id.ino) + " which is already there");

    std::vector<Process> newProcs;
    newProcs.reserve(procs.size());
    for (auto &[k, p] : procs)
        newProcs.push_back(std::move(p));
    // Two live processes cannot share a pid; if the delta says so it is inconsistent.
    for (std::size_t i = 1; i < newProcs.size(); ++i)
        if (newProcs[i].pid == newProcs[i - 1].pid)
            throw DeltaError("delta leaves two processes with pid " + std::to_string(newProcs[i].pid));
    std::vector<Namespace> newNs;
    newNs.reserve(nss.size());
    for (auto &[id, n] : nss)
        newNs.push_back(std::move(n));
    std::sort(newNs.begin(), newNs.end(), nsLess);

    s.processes = std::move(newProcs);
    s.namespaces = std::move(newNs);
    s.host = d.host;
    s.hostNs = d.hostNs;
    s.looseThreads = d.looseThreads;
    s.warnings = d.warnings;
    if (d.sandboxes)
        s.sandboxes = *d.sandboxes;
}

} // namespace nsviz
