// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/model/delta.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>

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
           addedNamespaces.empty() && removedNamespaces.empty() && changedNamespaces.empty() && !sandboxes &&
           !compact();
}

bool sameContent(const Snapshot &a, const Snapshot &b)
{
    return sameHostContent(a.host, b.host) && a.hostNs == b.hostNs && a.namespaces == b.namespaces &&
           a.processes == b.processes && a.looseThreads == b.looseThreads && a.warnings == b.warnings &&
           a.sandboxes == b.sandboxes;
}

namespace
{
/// The elements of an old list by key, each to be found at most once; what was never found is what
/// the new list removed. A sorted vector, not a map: at 10k processes a map's nodes were a megabyte
/// of a live helper's peak, for what a binary search does.
template <typename Key, typename T> class FoundOnce
{
public:
    template <typename KeyOf> FoundOnce(const std::vector<T> &list, KeyOf keyOf)
    {
        m_entries.reserve(list.size());
        for (const T &e : list)
            m_entries.emplace_back(keyOf(e), &e);
        std::sort(m_entries.begin(), m_entries.end(),
                  [](const auto &a, const auto &b) { return a.first < b.first; });
        m_found.resize(m_entries.size());
    }
    /// The element with @p key not found before, or nullptr.
    const T *find(const Key &key)
    {
        auto it = std::lower_bound(m_entries.begin(), m_entries.end(), key,
                                   [](const auto &e, const Key &k) { return e.first < k; });
        const std::size_t at = static_cast<std::size_t>(it - m_entries.begin());
        if (it == m_entries.end() || key < it->first || m_found[at])
            return nullptr;
        m_found[at] = true;
        return it->second;
    }
    /// The keys never found, ascending.
    std::vector<Key> left() const
    {
        std::vector<Key> out;
        for (std::size_t i = 0; i < m_entries.size(); ++i)
            if (!m_found[i])
                out.push_back(m_entries[i].first);
        return out;
    }

private:
    std::vector<std::pair<Key, const T *>> m_entries;
    std::vector<bool> m_found;
};

/// computeDelta() for a const @p to (the added processes copied) and for one whose added
/// processes are moved out (TakeAdded).
template <bool TakeAdded, typename To> SnapshotDelta deltaBetween(const Snapshot &from, To &to)
{
    SnapshotDelta d;
    d.host = to.host;
    d.hostNs = to.hostNs;
    d.looseThreads = to.looseThreads;
    d.warnings = to.warnings;
    // The sandboxes are few and derived from everything else: the whole list when any changed.
    if (from.sandboxes != to.sandboxes)
        d.sandboxes = to.sandboxes;

    // Processes are keyed by (pid, start time): a reused pid is a removal plus an addition. What
    // is added or changed is found first and then copied (or moved) once into vectors of the
    // exact size.
    FoundOnce<ProcKey, Process> old(from.processes, [](const Process &p) { return p.key(); });
    std::vector<std::size_t> added, changed;
    for (std::size_t i = 0; i < to.processes.size(); ++i) {
        const Process &p = to.processes[i];
        if (const Process *was = old.find(p.key())) {
            if (!(*was == p))
                changed.push_back(i);
        } else {
            added.push_back(i);
        }
    }
    d.addedProcesses.reserve(added.size());
    for (std::size_t i : added) {
        if constexpr (TakeAdded)
            d.addedProcesses.push_back(std::move(to.processes[i]));
        else
            d.addedProcesses.push_back(to.processes[i]);
    }
    d.changedProcesses.reserve(changed.size());
    for (std::size_t i : changed)
        d.changedProcesses.push_back(to.processes[i]);
    d.removedProcesses = old.left();

    FoundOnce<NsId, Namespace> oldNs(from.namespaces, [](const Namespace &n) { return n.id; });
    std::vector<const Namespace *> addedNs, changedNs;
    for (const auto &n : to.namespaces) {
        if (const Namespace *was = oldNs.find(n.id)) {
            if (!(*was == n))
                changedNs.push_back(&n);
        } else {
            addedNs.push_back(&n);
        }
    }
    d.addedNamespaces.reserve(addedNs.size());
    for (const Namespace *n : addedNs)
        d.addedNamespaces.push_back(*n);
    d.changedNamespaces.reserve(changedNs.size());
    for (const Namespace *n : changedNs)
        d.changedNamespaces.push_back(*n);
    d.removedNamespaces = oldNs.left();
    return d;
}
} // namespace

SnapshotDelta computeDelta(const Snapshot &from, const Snapshot &to)
{
    return deltaBetween<false>(from, to);
}

SnapshotDelta computeDeltaTakingAdded(const Snapshot &from, Snapshot &to)
{
    return deltaBetween<true>(from, to);
}

void applyDelta(Snapshot &s, const SnapshotDelta &d)
{
    if (d.compact()) {
        SnapshotDelta whole = d;
        expandDelta(s, whole);
        applyDelta(s, whole);
        return;
    }
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

namespace
{

// Everything but the member list.
bool sameButPids(const Namespace &a, const Namespace &b)
{
    return a.type == b.type && a.id == b.id && a.foundBy == b.foundBy && a.owner == b.owner &&
           a.ownerKnown == b.ownerKnown && a.parent == b.parent && a.parentKnown == b.parentKnown &&
           a.ownerUid == b.ownerUid && a.isHost == b.isHost && a.bindMounts == b.bindMounts &&
           a.fdHolders == b.fdHolders;
}

/// Finds namespaces of a list by id without an index when the list is sorted as discover() sorts
/// it (by type, then id; a client's and LiveScan's always are): a delta names a handful of the
/// host's thousands, and hashing all of them per delta was most of what making a delta whole cost.
/// An unsorted list (a hand-made snapshot) is indexed once.
class NsFinder
{
public:
    explicit NsFinder(const std::vector<Namespace> &list)
        : m_list(list), m_sorted(std::is_sorted(list.begin(), list.end(), nsLess))
    {
        if (m_sorted)
            return;
        m_byId.reserve(list.size());
        for (const auto &n : list)
            m_byId.emplace(n.id, &n);
    }
    /// The namespace with @p id (of whichever type), or nullptr.
    const Namespace *find(const NsId &id) const
    {
        if (m_sorted)
            return findSortedNamespace(m_list, id);
        auto it = m_byId.find(id);
        return it == m_byId.end() ? nullptr : it->second;
    }

private:
    const std::vector<Namespace> &m_list;
    bool m_sorted;
    std::unordered_map<NsId, const Namespace *, NsIdHash> m_byId;
};

bool sandboxIdLess(const Sandbox &a, const Sandbox &b)
{
    return a.id < b.id;
}

/// Where a sandbox with @p id is or would go in @p list, which is ascending by id.
template <typename Vec> auto sandboxAt(Vec &list, std::string_view id)
{
    return std::lower_bound(list.begin(), list.end(), id,
                            [](const Sandbox &b, std::string_view k) { return std::string_view(b.id) < k; });
}

/// Whether the sandbox with @p id is in @p list: a binary search when @p sorted (ascending by id,
/// as every list a delta's changes made is), else a walk.
bool hasSandbox(const std::vector<Sandbox> &list, bool sorted, std::string_view id)
{
    if (sorted) {
        auto it = sandboxAt(list, id);
        return it != list.end() && it->id == id;
    }
    return std::any_of(list.begin(), list.end(), [&](const Sandbox &b) { return b.id == id; });
}

bool strictlyAscending(const std::vector<int> &v)
{
    return std::adjacent_find(v.begin(), v.end(), std::greater_equal<int>()) == v.end();
}

} // namespace

void compactDelta(const Snapshot &before, SnapshotDelta &d)
{
    if (!d.changedNamespaces.empty()) {
        const NsFinder old(before.namespaces);
        std::vector<Namespace> whole;
        for (auto &n : d.changedNamespaces) {
            const Namespace *it = old.find(n.id);
            if (!it || !sameButPids(*it, n) || !strictlyAscending(n.pids) || !strictlyAscending(it->pids)) {
                whole.push_back(std::move(n));
                continue;
            }
            NsMembers m;
            m.id = n.id;
            const auto &was = it->pids;
            std::set_difference(n.pids.begin(), n.pids.end(), was.begin(), was.end(),
                                std::back_inserter(m.added));
            std::set_difference(was.begin(), was.end(), n.pids.begin(), n.pids.end(),
                                std::back_inserter(m.removed));
            d.namespaceMembers.push_back(std::move(m));
        }
        d.changedNamespaces = std::move(whole);
    }
    if (d.sandboxes) {
        std::map<std::string_view, const Sandbox *> old;
        for (const auto &b : before.sandboxes)
            old.emplace(b.id, &b);
        for (auto &b : *d.sandboxes) {
            auto it = old.find(b.id);
            if (it == old.end() || !(*it->second == b))
                d.changedSandboxes.push_back(b);
            if (it != old.end())
                old.erase(it);
        }
        for (const auto &[id, b] : old)
            d.removedSandboxes.emplace_back(id);
        d.sandboxes.reset();
    }
}

void expandMembers(const Snapshot &before, SnapshotDelta &d)
{
    if (d.namespaceMembers.empty())
        return;
    std::vector<Namespace> changed;
    changed.reserve(d.namespaceMembers.size());
    const NsFinder old(before.namespaces);
    std::map<NsId, int> named; // every namespace the delta names, once
    for (const auto &n : d.addedNamespaces)
        ++named[n.id];
    for (const auto &id : d.removedNamespaces)
        ++named[id];
    for (const auto &n : d.changedNamespaces)
        ++named[n.id];
    for (const auto &m : d.namespaceMembers) {
        const std::string ino = std::to_string(m.id.ino);
        const Namespace *it = old.find(m.id);
        if (!it)
            throw DeltaError("delta changes the members of namespace " + ino +
                             " which is not in the snapshot");
        if (++named[m.id] > 1)
            throw DeltaError("delta names namespace " + ino + " more than once");
        if (!strictlyAscending(m.added) || !strictlyAscending(m.removed))
            throw DeltaError("delta's member changes of namespace " + ino + " are not in ascending order");
        const auto &was = it->pids;
        std::vector<int> kept;
        kept.reserve(was.size());
        std::set_difference(was.begin(), was.end(), m.removed.begin(), m.removed.end(),
                            std::back_inserter(kept));
        if (kept.size() + m.removed.size() != was.size())
            throw DeltaError("delta removes a process from namespace " + ino + " which is not a member");
        Namespace n = *it;
        n.pids.clear();
        n.pids.reserve(kept.size() + m.added.size());
        std::set_union(kept.begin(), kept.end(), m.added.begin(), m.added.end(), std::back_inserter(n.pids));
        if (n.pids.size() != kept.size() + m.added.size())
            throw DeltaError("delta adds a process to namespace " + ino + " which is already a member");
        changed.push_back(std::move(n));
    }
    // Nothing above touched d: it fits; now rewrite it.
    for (auto &n : changed)
        d.changedNamespaces.push_back(std::move(n));
    std::sort(d.changedNamespaces.begin(), d.changedNamespaces.end(), nsLess);
    d.namespaceMembers.clear();
}

std::string whySandboxChangesDoNotFit(const std::vector<Sandbox> &before, const SnapshotDelta &d)
{
    if (d.changedSandboxes.empty() && d.removedSandboxes.empty())
        return {};
    if (d.sandboxes)
        return "delta gives the sandboxes both whole and as changes";
    const bool sorted = std::is_sorted(before.begin(), before.end(), sandboxIdLess);
    std::set<std::string_view> named;
    for (const auto &id : d.removedSandboxes) {
        if (!named.insert(id).second)
            return "delta names sandbox " + id + " more than once";
        if (!hasSandbox(before, sorted, id))
            return "delta removes sandbox " + id + " which is not in the snapshot";
    }
    for (const auto &b : d.changedSandboxes)
        if (!named.insert(b.id).second)
            return "delta names sandbox " + b.id + " more than once";
    return {};
}

void applySandboxChanges(std::vector<Sandbox> &list, const SnapshotDelta &d)
{
    if (d.changedSandboxes.empty() && d.removedSandboxes.empty())
        return;
    // Ascending by id, each id once (the first of a list that had one twice), so that the changes
    // are binary searches: the order every list made by changes has.
    if (std::adjacent_find(list.begin(), list.end(),
                           [](const Sandbox &a, const Sandbox &b) { return !(a.id < b.id); }) != list.end()) {
        std::stable_sort(list.begin(), list.end(), sandboxIdLess);
        list.erase(std::unique(list.begin(), list.end(),
                               [](const Sandbox &a, const Sandbox &b) { return a.id == b.id; }),
                   list.end());
    }
    for (const auto &id : d.removedSandboxes)
        if (auto it = sandboxAt(list, id); it != list.end() && it->id == id)
            list.erase(it);
    for (const auto &b : d.changedSandboxes) {
        auto it = sandboxAt(list, b.id);
        if (it != list.end() && it->id == b.id)
            *it = b;
        else
            list.insert(it, b);
    }
}

void expandDelta(const Snapshot &before, SnapshotDelta &d)
{
    if (!d.compact())
        return;
    if (const std::string why = whySandboxChangesDoNotFit(before.sandboxes, d); !why.empty())
        throw DeltaError(why);
    std::optional<std::vector<Sandbox>> boxes;
    if (!d.changedSandboxes.empty() || !d.removedSandboxes.empty()) {
        boxes = before.sandboxes;
        applySandboxChanges(*boxes, d);
    }
    expandMembers(before, d); // throws before it changes d
    if (boxes)
        d.sandboxes = std::move(boxes);
    d.changedSandboxes.clear();
    d.removedSandboxes.clear();
}

void expandDeltaFromAfter(const Snapshot &after, SnapshotDelta &d)
{
    if (!d.compact())
        return;
    if (!d.namespaceMembers.empty()) {
        const NsFinder now(after.namespaces);
        std::vector<Namespace> changed;
        for (const auto &m : d.namespaceMembers) {
            const Namespace *it = now.find(m.id);
            if (!it)
                throw DeltaError("the state after the delta lacks namespace " + std::to_string(m.id.ino));
            changed.push_back(*it);
        }
        for (auto &n : changed)
            d.changedNamespaces.push_back(std::move(n));
        std::sort(d.changedNamespaces.begin(), d.changedNamespaces.end(), nsLess);
        d.namespaceMembers.clear();
    }
    if (!d.changedSandboxes.empty() || !d.removedSandboxes.empty()) {
        d.sandboxes = after.sandboxes;
        d.changedSandboxes.clear();
        d.removedSandboxes.clear();
    }
}

} // namespace nsviz
