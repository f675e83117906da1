// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/models/snapshotstore.h"

#include "app/logging/logging.h"
#include "app/models/redactiongate.h"
#include "core/model/containerid.h"

#include <algorithm>
#include <set>
#include <utility>

namespace nsviz
{

namespace
{
bool pidLess(const Process &a, const Process &b)
{
    return a.key() < b.key();
}
bool nsLess(const Namespace &a, const Namespace &b)
{
    return std::pair(a.type, a.id) < std::pair(b.type, b.id);
}

/// The process with key @p k in @p procs (sorted by pid), or nullptr.
const Process *findKey(const std::vector<Process> &procs, const ProcKey &k)
{
    auto it = std::lower_bound(procs.begin(), procs.end(), k.pid,
                               [](const Process &p, int pid) { return p.pid < pid; });
    return (it != procs.end() && it->pid == k.pid && it->startTime == k.startTime) ? &*it : nullptr;
}

/// Position of namespace @p id in @p nss (sorted by (type, id)), or end.
std::vector<Namespace>::const_iterator findNs(const std::vector<Namespace> &nss, const NsId &id)
{
    const Namespace *n = findSortedNamespace(nss, id);
    return n ? nss.cbegin() + (n - nss.data()) : nss.cend();
}

int sandboxCount(const Snapshot &s, SandboxKind kind)
{
    return static_cast<int>(std::count_if(s.sandboxes.begin(), s.sandboxes.end(),
                                          [&](const Sandbox &sb) { return sb.kind == kind; }));
}

std::string containerKey(const Process &p)
{
    if (p.cgroup.empty())
        return {};
    const ContainerIdentity c = containerFromCgroup(p.cgroup);
    return c.valid() ? c.engine + '\n' + c.id : std::string();
}
} // namespace

std::string SnapshotStore::whyNotApplicable(const Snapshot &s, const SnapshotDelta &d)
{
    // The same rules, in the same order, as nsviz::applyDelta: removals, then changes, then additions.
    std::set<ProcKey> removed;
    for (const auto &k : d.removedProcesses)
        if (!findKey(s.processes, k) || !removed.insert(k).second)
            return "delta removes process " + std::to_string(k.pid) + " which is not in the snapshot";
    for (const auto &p : d.changedProcesses)
        if (!findKey(s.processes, p.key()) || removed.count(p.key()))
            return "delta changes process " + std::to_string(p.pid) + " which is not in the snapshot";
    std::set<int> addedPids;
    std::set<ProcKey> added;
    for (const auto &p : d.addedProcesses) {
        const bool present =
            (findKey(s.processes, p.key()) && !removed.count(p.key())) || added.count(p.key());
        if (present)
            return "delta adds process " + std::to_string(p.pid) + " which is already there";
        added.insert(p.key());
        // Two live processes cannot share a pid: the one there now must be removed by this delta.
        auto it = std::lower_bound(s.processes.begin(), s.processes.end(), p.pid,
                                   [](const Process &q, int pid) { return q.pid < pid; });
        const bool pidTaken = it != s.processes.end() && it->pid == p.pid && !removed.count(it->key());
        if (pidTaken || !addedPids.insert(p.pid).second)
            return "delta leaves two processes with pid " + std::to_string(p.pid);
    }

    std::set<NsId> removedNs;
    for (const auto &id : d.removedNamespaces)
        if (findNs(s.namespaces, id) == s.namespaces.end() || !removedNs.insert(id).second)
            return "delta removes namespace " + std::to_string(id.ino) + " which is not in the snapshot";
    for (const auto &n : d.changedNamespaces)
        if (findNs(s.namespaces, n.id) == s.namespaces.end() || removedNs.count(n.id))
            return "delta changes namespace " + std::to_string(n.id.ino) + " which is not in the snapshot";
    std::set<NsId> addedNs;
    for (const auto &n : d.addedNamespaces) {
        const bool present = (findNs(s.namespaces, n.id) != s.namespaces.end() && !removedNs.count(n.id)) ||
                             !addedNs.insert(n.id).second;
        if (present)
            return "delta adds namespace " + std::to_string(n.id.ino) + " which is already there";
    }
    return whySandboxChangesDoNotFit(s.sandboxes, d);
}

void SnapshotStore::applyInPlace(Snapshot &s, const SnapshotDelta &d)
{
    // Processes: erase the removed in one pass, overwrite the changed, merge the added in.
    if (!d.removedProcesses.empty()) {
        std::vector<ProcKey> gone(d.removedProcesses.begin(), d.removedProcesses.end());
        std::sort(gone.begin(), gone.end());
        std::erase_if(s.processes, [&](const Process &p) {
            return std::binary_search(gone.begin(), gone.end(), p.key());
        });
    }
    for (const auto &p : d.changedProcesses) {
        auto it = std::lower_bound(s.processes.begin(), s.processes.end(), p, pidLess);
        *it = p; // whyNotApplicable() made sure it is there
    }
    if (!d.addedProcesses.empty()) {
        const auto mid = static_cast<std::ptrdiff_t>(s.processes.size());
        s.processes.insert(s.processes.end(), d.addedProcesses.begin(), d.addedProcesses.end());
        std::sort(s.processes.begin() + mid, s.processes.end(), pidLess);
        std::inplace_merge(s.processes.begin(), s.processes.begin() + mid, s.processes.end(), pidLess);
    }

    // Namespaces alike, sorted by (type, id).
    if (!d.removedNamespaces.empty()) {
        std::vector<NsId> gone(d.removedNamespaces.begin(), d.removedNamespaces.end());
        std::sort(gone.begin(), gone.end());
        std::erase_if(s.namespaces,
                      [&](const Namespace &n) { return std::binary_search(gone.begin(), gone.end(), n.id); });
    }
    // Find every changed namespace before changing any: a change of type (an inode the kernel
    // reused for a namespace of another type) unsorts the vector, and a binary search after it
    // could miss a namespace that is there, and write past the end.
    bool resort = false;
    std::vector<std::size_t> at;
    at.reserve(d.changedNamespaces.size());
    for (const auto &n : d.changedNamespaces)
        at.push_back(static_cast<std::size_t>(findNs(s.namespaces, n.id) - s.namespaces.cbegin()));
    for (std::size_t i = 0; i < at.size(); ++i) {
        Namespace &slot = s.namespaces[at[i]];
        resort |= slot.type != d.changedNamespaces[i].type;
        slot = d.changedNamespaces[i];
    }
    if (!d.addedNamespaces.empty()) {
        const auto mid = static_cast<std::ptrdiff_t>(s.namespaces.size());
        s.namespaces.insert(s.namespaces.end(), d.addedNamespaces.begin(), d.addedNamespaces.end());
        std::sort(s.namespaces.begin() + mid, s.namespaces.end(), nsLess);
        std::inplace_merge(s.namespaces.begin(), s.namespaces.begin() + mid, s.namespaces.end(), nsLess);
    }
    if (resort)
        std::sort(s.namespaces.begin(), s.namespaces.end(), nsLess);

    s.host = d.host;
    s.hostNs = d.hostNs;
    s.looseThreads = d.looseThreads;
    s.warnings = d.warnings;
    if (d.sandboxes) // sent whole, and only when some sandbox changed (as nsviz::applyDelta)
        s.sandboxes = *d.sandboxes;
    else
        applySandboxChanges(s.sandboxes, d); // the few that changed, not a copy of the list
}

SnapshotCounts SnapshotStore::countsOf(const Snapshot &s)
{
    SnapshotCounts c;
    c.processes = static_cast<int>(s.processes.size());
    c.namespaces = static_cast<int>(s.namespaces.size());
    if (!s.sandboxes.empty()) {
        c.containers = sandboxCount(s, SandboxKind::Container);
        c.pods = sandboxCount(s, SandboxKind::Pod);
        return c;
    }
    std::set<std::string> containers;
    for (const auto &p : s.processes)
        if (std::string k = containerKey(p); !k.empty())
            containers.insert(std::move(k));
    c.containers = static_cast<int>(containers.size());
    return c;
}

void SnapshotStore::forgetContainerOf(const Process &p)
{
    const std::string k = containerKey(p);
    if (k.empty())
        return;
    if (auto it = m_containers.find(k); it != m_containers.end() && --it->second <= 0)
        m_containers.erase(it);
}

void SnapshotStore::noteContainerOf(const Process &p)
{
    if (std::string k = containerKey(p); !k.empty())
        ++m_containers[std::move(k)];
}

void SnapshotStore::recountContainers()
{
    m_containers.clear();
    for (const auto &p : m_snapshot.processes)
        noteContainerOf(p);
}

void SnapshotStore::updateCounts()
{
    m_counts.processes = static_cast<int>(m_snapshot.processes.size());
    m_counts.namespaces = static_cast<int>(m_snapshot.namespaces.size());
    // The sandboxes are few and come whole with any delta that changes them: counted each time.
    // Without them, the cgroup tally kept per process as deltas arrive.
    const bool sandboxes = !m_snapshot.sandboxes.empty();
    m_counts.containers =
        sandboxes ? sandboxCount(m_snapshot, SandboxKind::Container) : static_cast<int>(m_containers.size());
    m_counts.pods = sandboxes ? sandboxCount(m_snapshot, SandboxKind::Pod) : 0;
}

SnapshotStore::SnapshotStore(QObject *parent) : QObject(parent), m_redaction(new RedactionGate(this)) {}

void SnapshotStore::setSnapshot(Snapshot snapshot)
{
    Q_EMIT aboutToReset();
    m_snapshot = std::move(snapshot);
    recountContainers();
    updateCounts();
    Q_EMIT snapshotReset();
    Q_EMIT countsChanged();
}

bool SnapshotStore::applyDelta(const SnapshotDelta &delta)
{
    if (!delta.namespaceMembers.empty()) {
        // The member-deltas form: namespace member changes are made whole against what the store
        // holds, so that every model sees changed namespaces whole. The copy costs the changed
        // namespaces' member lists, far less than parsing them would. The sandbox changes stay
        // changes (applied in place; a model that follows sandboxes reads the store's list).
        SnapshotDelta whole = delta;
        try {
            expandMembers(m_snapshot, whole);
        } catch (const DeltaError &e) {
            ++m_refused;
            qCWarning(lcModels).noquote() << "refused delta seq" << delta.seq << ":" << e.what();
            Q_EMIT error(QString::fromUtf8(e.what()));
            return false;
        }
        return applyDelta(whole);
    }
    if (const std::string why = whyNotApplicable(m_snapshot, delta); !why.empty()) {
        ++m_refused;
        qCWarning(lcModels).noquote()
            << "refused delta seq" << delta.seq << ":" << QString::fromStdString(why);
        Q_EMIT error(QString::fromStdString(why));
        return false;
    }
    Q_EMIT deltaAboutToBeApplied(delta);
    // Container counts follow the processes that leave, change and arrive (old values first).
    for (const auto &k : delta.removedProcesses)
        forgetContainerOf(*findKey(m_snapshot.processes, k));
    for (const auto &p : delta.changedProcesses) {
        forgetContainerOf(*findKey(m_snapshot.processes, p.key()));
        noteContainerOf(p);
    }
    for (const auto &p : delta.addedProcesses)
        noteContainerOf(p);
    applyInPlace(m_snapshot, delta);
    ++m_applied;
    updateCounts();
    Q_EMIT deltaApplied(delta);
    Q_EMIT countsChanged();
    if (m_batchDepth > 0)
        m_batchApplied = true;
    else
        Q_EMIT settled();
    return true;
}

void SnapshotStore::beginBatch()
{
    ++m_batchDepth;
}

void SnapshotStore::endBatch()
{
    if (m_batchDepth == 0 || --m_batchDepth > 0)
        return;
    if (std::exchange(m_batchApplied, false))
        Q_EMIT settled();
}

} // namespace nsviz
