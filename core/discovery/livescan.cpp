// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/discovery/livescan.h"

#include "core/discovery/bindmountcache.h"
#include "core/discovery/discoverycontext.h"
#include "core/discovery/hierarchycache.h"
#include "core/discovery/hoststep.h"
#include "core/discovery/processstep.h"
#include "core/proc/nsfsquery.h"
#include "core/proc/procreader.h"
#include "core/sandbox/classifier.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <unistd.h>
#include <unordered_map>

namespace nsviz
{

namespace
{
bool isZombie(const Process &p)
{
    return p.state == 'Z' || p.state == 'X';
}

bool contains(const std::vector<int> &sorted, int pid)
{
    return std::binary_search(sorted.begin(), sorted.end(), pid);
}

void sortUnique(std::vector<int> &v)
{
    std::erase_if(v, [](int pid) { return pid <= 0; });
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
}

/// Lets go of what a process of a snapshot copies from its record and refill() puts back.
void stripRecordFields(Process &p)
{
    std::string().swap(p.comm);
    std::vector<std::string>().swap(p.cmdline);
    std::vector<int>().swap(p.nspid);
    std::string().swap(p.cgroup);
}

/// Puts back into @p p what stripRecordFields() let go of, from its @p record.
void copyRecordFields(Process &p, const Process &record)
{
    p.comm = record.comm;
    p.cmdline = record.cmdline;
    p.nspid = record.nspid;
    p.cgroup = record.cgroup;
}

bool sameRecord(const ProcessRecord &a, const ProcessRecord &b)
{
    return a.process == b.process && a.fdLinks == b.fdLinks && a.warnings == b.warnings;
}

const ProcessRecord *findRecord(const std::vector<ProcessRecord> &v, int pid)
{
    auto it = std::lower_bound(v.begin(), v.end(), pid,
                               [](const ProcessRecord &r, int p) { return r.process.pid < p; });
    return it != v.end() && it->process.pid == pid ? &*it : nullptr;
}

std::vector<Process>::iterator lowerPid(std::vector<Process> &v, int pid)
{
    return std::lower_bound(v.begin(), v.end(), pid, [](const Process &p, int q) { return p.pid < q; });
}

std::vector<Namespace>::iterator findNs(std::vector<Namespace> &v, NsType type, const NsId &id)
{
    auto it =
        std::lower_bound(v.begin(), v.end(), std::tie(type, id),
                         [](const Namespace &n, const auto &key) { return std::tie(n.type, n.id) < key; });
    return it != v.end() && it->type == type && it->id == id ? it : v.end();
}

void fillNs(Process &p, std::uint64_t dev, const std::array<NsId, kNsTypeCount> &hostNs)
{
    p.differsFromHost = 0;
    for (NsType t : kAllNsTypes) {
        NsId &id = p.ns[index(t)];
        if (!id.valid())
            continue;
        id.dev = dev;
        const NsId &host = hostNs[index(t)];
        if (host.valid() && id != host)
            p.differsFromHost |= static_cast<std::uint8_t>(1u << index(t));
    }
}
/// NSVIZ_TRACE_STEPS (as discover() reads it): one line per change, patched or through the pipeline.
bool traceChanges()
{
    static const bool trace = std::getenv("NSVIZ_TRACE_STEPS") != nullptr;
    return trace;
}

double msSince(std::chrono::steady_clock::time_point t0)
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}
} // namespace

/// One process that an update found changed: before (null: new) and after (null: gone).
struct LiveScan::Changed {
    const ProcessRecord *before = nullptr;
    const ProcessRecord *after = nullptr;
};

LiveScan::LiveScan(DiscoveryOptions opts, std::shared_ptr<NsQuery> query)
    : m_opts(std::move(opts)), m_query(std::move(query))
{
    m_opts.pids.clear();
    m_opts.records = nullptr;
    if (!m_opts.bindMountCache)
        m_opts.bindMountCache = std::make_shared<BindMountCache>();
    if (!m_opts.hierarchyCache)
        m_opts.hierarchyCache = std::make_shared<HierarchyCache>();
    if (!m_query)
        m_query = std::make_shared<NsfsQuery>();
    if (m_opts.sandboxes && !m_opts.sandboxClassifier) {
        // One classifier for every change, patched or through the pipeline: it keeps what it
        // worked out (classifier.h). The proc root as the pipeline's context spells it.
        ClassifyOptions o;
        o.procRoot = m_opts.procRoot;
        while (o.procRoot.size() > 1 && o.procRoot.back() == '/')
            o.procRoot.pop_back();
        m_opts.sandboxClassifier = std::make_shared<SandboxClassifier>(std::move(o));
    }
}

LiveScan::~LiveScan() = default;

std::vector<ProcessRecord> LiveScan::read(const std::vector<int> &pids, bool fds)
{
    Snapshot unused;
    DiscoveryOptions o = m_opts;
    o.fds = o.fds && fds;
    DiscoveryContext ctx(o, *m_query, unused);
    m_reads += pids.size();
    if (!o.fds && m_opts.fds) {
        std::vector<int> all;
        all.reserve(m_unreadFds.size() + pids.size());
        std::merge(m_unreadFds.begin(), m_unreadFds.end(), pids.begin(), pids.end(), std::back_inserter(all));
        all.erase(std::unique(all.begin(), all.end()), all.end());
        m_unreadFds = std::move(all);
    }
    return ProcessStep::readRecords(ctx, pids);
}

Snapshot LiveScan::assemble()
{
    DiscoveryOptions o = m_opts;
    o.records = &m_records;
    return discover(o, *m_query);
}

Snapshot LiveScan::full()
{
    return beginFull(static_cast<std::size_t>(-1));
}

Snapshot LiveScan::beginFull(std::size_t count)
{
    refill(); // should what follows throw, current() stays whole
    std::vector<int> pids;
    {
        Snapshot unused;
        DiscoveryContext ctx(m_opts, *m_query, unused);
        pids = ProcessStep::listPids(ctx.procFd());
    }
    m_unread.clear();
    m_unreadFds.clear();
    if (count == 0)
        count = std::max<std::size_t>(500, pids.size() / 8);
    const bool parts = count < pids.size();
    if (parts) {
        m_unread.assign(pids.begin() + static_cast<std::ptrdiff_t>(count), pids.end());
        pids.resize(count);
    }
    m_records = read(pids, /*fds=*/!parts);
    m_snap = assemble();
    ++m_assembled;
    return m_snap;
}

LiveScan::Change LiveScan::readRestChange()
{
    std::vector<int> pids = std::move(m_unread);
    m_unread.clear();
    refill();
    return reread(std::move(pids), false, false, /*fds=*/m_unreadFds.empty());
}

LiveScan::Change LiveScan::readFdsChange()
{
    refill();
    std::vector<int> unread = std::move(m_unreadFds);
    m_unreadFds.clear();
    // Those still kept, that can have fds to see (kernel threads have none; the links of a process
    // hidden from us are as unreadable as its fds), and where their records are (both ascending;
    // the records stay as they are until the links are read).
    std::vector<int> pids;
    std::vector<ProcessRecord *> records;
    auto r = m_records.begin();
    for (int pid : unread) {
        r = std::lower_bound(r, m_records.end(), pid,
                             [](const ProcessRecord &x, int p) { return x.process.pid < p; });
        if (r == m_records.end())
            break;
        if (r->process.pid == pid && !r->process.kernelThread && r->process.visible) {
            pids.push_back(pid);
            records.push_back(&*r);
        }
    }
    // In one thread: this runs while the client takes in the picture just completed (at 10k
    // processes its parse and apply of the rest take a core for a good 100 ms), and what it adds
    // is no hurry.
    Snapshot unused;
    DiscoveryOptions o = m_opts;
    o.threads = 1;
    DiscoveryContext ctx(o, *m_query, unused);
    std::vector<std::vector<FdLink>> links = ProcessStep::readFdLinks(ctx, pids);
    std::vector<int> changed;
    for (std::size_t i = 0; i < pids.size(); ++i) {
        if (records[i]->fdLinks == links[i])
            continue;
        records[i]->fdLinks = std::move(links[i]);
        changed.push_back(pids[i]);
    }
    if (changed.empty())
        return std::nullopt; // no fd holds a namespace: nothing to tell
    // The processes are as they were; what changes is what the fd step makes of their links.
    const auto t0 = std::chrono::steady_clock::now();
    Change c = reassemble(changed);
    if (traceChanges())
        std::fprintf(stderr, "nsviz: live fds of %zu processes through the pipeline %8.1f ms\n",
                     changed.size(), msSince(t0));
    return c;
}

Snapshot LiveScan::readRest()
{
    readRestChange();
    return current();
}

Snapshot LiveScan::update(std::vector<int> pids)
{
    updateChange(std::move(pids));
    return current();
}

Snapshot LiveScan::sweep(SweepStats *stats)
{
    sweepChange(stats);
    return current();
}

LiveScan::Change LiveScan::reassemble(const std::vector<int> &reread)
{
    // What current() and the new snapshot hold of comm, cmdline, nspid and cgroup is what the
    // records hold, for every process not read again: let it go from current() before the new
    // snapshot is made, and from that one before the diff, so that the pipeline's peak holds those
    // strings once (in the records), not three times. refill() puts them back at the next look.
    refill();
    std::vector<int> lent;
    lent.reserve(m_snap.processes.size());
    for (Process &p : m_snap.processes)
        if (!contains(reread, p.pid)) {
            stripRecordFields(p);
            lent.push_back(p.pid);
        }
    m_lent = std::move(lent); // should assemble() throw, current() is whole again at its next look
    Snapshot next = assemble();
    ++m_assembled;
    for (Process &p : next.processes)
        if (!contains(reread, p.pid))
            stripRecordFields(p);
    if (sameContent(m_snap, next)) {
        // Unchanged: the client keeps what it holds, timings included.
        return std::nullopt;
    }
    // The processes it adds go into the delta, not copies of them: the records hold what they
    // were made of, and current() takes that back once the delta has been written (refill()).
    SnapshotDelta d = computeDeltaTakingAdded(m_snap, next);
    // A process not read again can still change (its flags from the host reference): it goes out
    // whole, with what the records hold.
    for (Process &p : d.changedProcesses)
        if (!contains(reread, p.pid))
            if (const ProcessRecord *r = findRecord(m_records, p.pid))
                copyRecordFields(p, r->process);
    compactDelta(m_snap, d); // what a change costs on the wire follows the change (delta.h)
    m_snap = std::move(next);
    // Lent now: every process not read again, and the added ones (taken by the delta).
    m_lent.clear();
    auto added = d.addedProcesses.begin(); // ascending pid, as the snapshot's
    for (const Process &p : m_snap.processes) {
        while (added != d.addedProcesses.end() && added->pid < p.pid)
            ++added;
        if (!contains(reread, p.pid) || (added != d.addedProcesses.end() && added->pid == p.pid))
            m_lent.push_back(p.pid);
    }
    return d;
}

void LiveScan::refill() const
{
    if (m_lent.empty())
        return;
    // Both ascending by pid. Only these members are left empty by a move out of a Process (see
    // computeDeltaTakingAdded()); the rest (namespaces with their device, flags the later steps
    // set) stayed in place.
    auto r = m_records.begin();
    auto p = m_snap.processes.begin();
    for (int pid : m_lent) {
        r = std::lower_bound(r, m_records.end(), pid,
                             [](const ProcessRecord &x, int q) { return x.process.pid < q; });
        p = std::lower_bound(p, m_snap.processes.end(), pid,
                             [](const Process &x, int q) { return x.pid < q; });
        if (r == m_records.end() || p == m_snap.processes.end() || r->process.pid != pid || p->pid != pid)
            throw std::logic_error("LiveScan: process " + std::to_string(pid) + " of a delta has no record");
        copyRecordFields(*p, r->process);
    }
    m_lent.clear();
}

bool LiveScan::hostFactsChanged() const
{
    Snapshot unused;
    DiscoveryContext ctx(m_opts, *m_query, unused);
    HostInfo h;
    HostStep::readFacts(ctx.procFd(), h);
    return h.hostname != m_snap.host.hostname || h.kernel != m_snap.host.kernel ||
           h.bootId != m_snap.host.bootId;
}

std::optional<Namespace> LiveScan::leafNamespace(NsType type, const NsId &id, const std::vector<int> &pids)
{
    // As the hierarchy step resolves it: opened through a member's link (the same inode), its
    // owner asked with NS_GET_USERNS. Anything less sure (no member to open, an owner not in the
    // picture) is left to the whole pipeline.
    std::string root = m_opts.procRoot;
    while (root.size() > 1 && root.back() == '/')
        root.pop_back();
    NsQuery &q = *m_query;
    NsQuery::Handle h = NsQuery::kNoHandle;
    int tries = 0;
    for (int pid : pids) {
        if (++tries > 4)
            break;
        if (q.open(root + "/" + std::to_string(pid) + "/ns/" + std::string(nsTypeName(type)), h) != 0)
            continue;
        NsId got;
        if (q.identify(h, got) == 0 && got.ino == id.ino)
            break;
        q.close(h);
        h = NsQuery::kNoHandle;
    }
    if (h == NsQuery::kNoHandle)
        return std::nullopt;
    std::optional<NsId> owner;
    NsQuery::Handle oh = NsQuery::kNoHandle;
    if (q.owner(h, oh) == 0) {
        NsId o;
        if (q.identify(oh, o) == 0 && findNs(m_snap.namespaces, NsType::User, o) != m_snap.namespaces.end())
            owner = o;
        q.close(oh);
    }
    q.close(h);
    if (!owner)
        return std::nullopt;
    Namespace n;
    n.type = type;
    n.id = id;
    n.pids = pids;
    n.foundBy = FoundByProcess;
    n.owner = owner;
    n.ownerKnown = true;
    n.parentKnown = true; // only pid and user namespaces have parents
    n.isHost = m_snap.hostNs[index(type)] == id;
    return n;
}

namespace
{
// Names learnt from the engines (only `name`, of containers and pods: enginenames.h) carried from
// the sandboxes as they were to the same sandboxes judged again.
void keepEngineNames(const std::vector<Sandbox> &was, std::vector<Sandbox> &now)
{
    auto old = was.begin();
    for (Sandbox &b : now) { // both sorted by id
        while (old != was.end() && old->id < b.id)
            ++old;
        if (old != was.end() && old->id == b.id && b.name.empty() && !old->name.empty() &&
            old->engineId == b.engineId && old->engine == b.engine)
            b.name = old->name;
    }
}
} // namespace

bool LiveScan::patch(const std::vector<Changed> &changed, SnapshotDelta &d)
{
    Snapshot &s = m_snap;
    if (m_opts.tasks || s.namespaces.empty())
        return false; // loose threads are read per scan; an empty picture has nothing to patch
    const std::uint64_t dev = s.namespaces.front().id.dev;
    if (dev == 0)
        return false;
    // A change of a good part of the host (the rest of a first picture, a storm of forks after a
    // pause) goes through the pipeline at once: patching costs what changed, the pipeline what the
    // host holds, and finding out that a patch cannot do (new user, pid or mount namespaces) would
    // first copy every changed process (5 MB and tens of milliseconds for the rest at 10k).
    if (changed.size() > std::max<std::size_t>(1024, m_records.size() / 4))
        return false;
    static const std::vector<FdLink> noLinks;
    static const std::vector<std::string> noWarnings;
    // Namespace (type and inode: an inode may name two of them in one change, see below) -> the
    // member pids it loses and gains.
    using Key = std::pair<NsType, NsId>;
    struct KeyHash {
        std::size_t operator()(const Key &k) const noexcept
        {
            return NsIdHash()(k.second) * 31 + static_cast<std::size_t>(k.first);
        }
    };
    struct Moves {
        std::vector<int> out, in;
    };
    std::unordered_map<Key, Moves, KeyHash> moves;
    std::vector<Process> after; // the new versions, as the snapshot holds them
    after.reserve(changed.size());
    int invisible = s.host.invisibleProcesses;
    for (const Changed &c : changed) {
        const int pid = c.before ? c.before->process.pid : c.after->process.pid;
        // The host reference decides hostNs, isHost and every differsFromHost: not patched.
        if (pid <= 2)
            return false;
        // Fds and warnings feed namespaces (fd holders) and the snapshot's warning list.
        if ((c.before ? c.before->fdLinks : noLinks) != (c.after ? c.after->fdLinks : noLinks) ||
            (c.before ? c.before->warnings : noWarnings) != (c.after ? c.after->warnings : noWarnings))
            return false;
        if (c.before) {
            auto it = lowerPid(s.processes, pid);
            if (it == s.processes.end() || it->pid != pid)
                return false;
            invisible -= !it->visible;
            for (NsType t : kAllNsTypes)
                if (it->ns[index(t)].valid())
                    moves[Key{t, it->ns[index(t)]}].out.push_back(pid);
        }
        if (c.after) {
            Process p = c.after->process;
            fillNs(p, dev, s.hostNs);
            invisible += !p.visible;
            for (NsType t : kAllNsTypes)
                if (p.ns[index(t)].valid())
                    moves[Key{t, p.ns[index(t)]}].in.push_back(pid);
            after.push_back(std::move(p));
        }
    }
    // Every namespace touched must already be there, held by processes, keep one of the processes
    // it had (else its inode may have been reused by a new namespace, whose owner must be asked
    // again), and, for a mount namespace, keep the first process whose mount table the bind-mount
    // step reads. Except for the leaf types (net, uts, ipc, cgroup, time: no parent, never an owner,
    // no mount table): one of those may be new (its owner asked here, as the hierarchy step would)
    // or lose its last process (then it is gone, unless an fd or a bind mount holds it).
    BindMountCache *cache = m_opts.bindMountCache.get();
    auto leaf = [](NsType t) {
        return t == NsType::Net || t == NsType::Uts || t == NsType::Ipc || t == NsType::Cgroup ||
               t == NsType::Time;
    };
    std::vector<std::pair<Key, std::vector<int>>> newPids;
    std::vector<Key> gone;
    std::vector<Namespace> born;
    newPids.reserve(moves.size());
    // A leaf namespace held by processes alone that loses every one of them in this change: gone
    // with it (below).
    auto goesHere = [&](const Namespace &n) {
        if (!leaf(n.type) || n.foundBy != FoundByProcess)
            return false;
        auto m = moves.find(Key{n.type, n.id});
        if (m == moves.end() || !m->second.in.empty())
            return false;
        std::vector<int> out = m->second.out;
        std::sort(out.begin(), out.end());
        return out == n.pids;
    };
    for (auto &[key, m] : moves) {
        const NsType type = key.first;
        const NsId &id = key.second;
        std::sort(m.out.begin(), m.out.end());
        std::sort(m.in.begin(), m.in.end());
        auto it = findNs(s.namespaces, type, id);
        if (it == s.namespaces.end()) {
            if (!leaf(type) || !m.out.empty())
                return false;
            // Its inode may still name a namespace of another type in the picture: nsfs numbers
            // every type from one pool and reuses an inode at once. Under churn the old one often
            // ends in this very change (a uts namespace with its last process, whose inode a new net
            // namespace takes): then the id's namespace changed type, as computeDelta() says it.
            // One that lives on, or whose processes' exits are not read yet: only the whole
            // pipeline sees both, and removes the old one in the same delta that adds the new.
            if (std::any_of(s.namespaces.begin(), s.namespaces.end(),
                            [&](const Namespace &n) { return n.id == id && !goesHere(n); }))
                return false;
            std::optional<Namespace> n = leafNamespace(type, id, m.in);
            if (!n)
                return false;
            born.push_back(std::move(*n));
            continue;
        }
        if (!(it->foundBy & FoundByProcess))
            return false;
        std::vector<int> kept;
        std::set_difference(it->pids.begin(), it->pids.end(), m.out.begin(), m.out.end(),
                            std::back_inserter(kept));
        if (kept.empty() && leaf(type) && it->foundBy == FoundByProcess) {
            // Every process it had left: it is gone. When others came in, that is a new namespace
            // of the same type that got the freed inode at once: its owner is asked again, and the
            // inode's namespace is said to have changed (below), as for one of another type.
            if (!m.in.empty()) {
                std::optional<Namespace> n = leafNamespace(type, id, m.in);
                if (!n)
                    return false;
                born.push_back(std::move(*n));
            }
            gone.emplace_back(type, id);
            continue;
        }
        if (kept.empty())
            return false;
        std::vector<int> pids;
        pids.reserve(kept.size() + m.in.size());
        std::merge(kept.begin(), kept.end(), m.in.begin(), m.in.end(), std::back_inserter(pids));
        if (std::adjacent_find(pids.begin(), pids.end()) != pids.end())
            return false;
        if (type == NsType::Mnt) {
            if (pids.front() != it->pids.front())
                return false;
            const BindMountCache::Entry *e = cache ? cache->find(id.ino) : nullptr;
            if (e && !std::binary_search(pids.begin(), pids.end(), e->pid))
                return false;
        }
        if (pids != it->pids)
            newPids.emplace_back(key, std::move(pids));
    }

    // It fits: patch. Processes first (ascending pid; a reused pid is a removal and an addition).
    std::sort(after.begin(), after.end(), [](const Process &a, const Process &b) { return a.pid < b.pid; });
    bool anyProcess = false;
    auto next = after.begin();
    for (const Changed &c : changed) {
        const int pid = c.before ? c.before->process.pid : c.after->process.pid;
        Process *now = next != after.end() && next->pid == pid ? &*next++ : nullptr;
        auto it = lowerPid(s.processes, pid);
        const bool had = it != s.processes.end() && it->pid == pid;
        if (had && now && it->key() == now->key()) {
            if (*it == *now)
                continue;
            d.changedProcesses.push_back(*now);
            *it = std::move(*now);
        } else {
            if (had) {
                d.removedProcesses.push_back(it->key());
                it = s.processes.erase(it);
            }
            if (now) {
                d.addedProcesses.push_back(*now);
                s.processes.insert(it, std::move(*now));
            }
        }
        anyProcess = true;
    }
    std::sort(newPids.begin(), newPids.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    for (auto &[key, pids] : newPids) {
        auto it = findNs(s.namespaces, key.first, key.second);
        // Only the member list changed: said as the pids that joined and left (delta.h).
        NsMembers m;
        m.id = key.second;
        std::set_difference(pids.begin(), pids.end(), it->pids.begin(), it->pids.end(),
                            std::back_inserter(m.added));
        std::set_difference(it->pids.begin(), it->pids.end(), pids.begin(), pids.end(),
                            std::back_inserter(m.removed));
        it->pids = std::move(pids);
        d.namespaceMembers.push_back(std::move(m));
    }
    // An inode that went with one namespace and came with another in this change: a client knows
    // a namespace by its inode, so that namespace changed (type and all), as computeDelta() says.
    std::vector<NsId> bornIds, goneIds;
    for (const Namespace &n : born)
        bornIds.push_back(n.id);
    for (const Key &key : gone)
        goneIds.push_back(key.second);
    std::sort(bornIds.begin(), bornIds.end());
    std::sort(goneIds.begin(), goneIds.end());
    std::sort(gone.begin(), gone.end());
    for (const Key &key : gone) {
        s.namespaces.erase(findNs(s.namespaces, key.first, key.second));
        if (!std::binary_search(bornIds.begin(), bornIds.end(), key.second))
            d.removedNamespaces.push_back(key.second);
    }
    std::sort(born.begin(), born.end(), [](const Namespace &a, const Namespace &b) {
        return std::tie(a.type, a.id) < std::tie(b.type, b.id);
    });
    for (Namespace &n : born) {
        auto at = std::lower_bound(s.namespaces.begin(), s.namespaces.end(), n,
                                   [](const Namespace &a, const Namespace &b) {
                                       return std::tie(a.type, a.id) < std::tie(b.type, b.id);
                                   });
        (std::binary_search(goneIds.begin(), goneIds.end(), n.id) ? d.changedNamespaces : d.addedNamespaces)
            .push_back(n);
        s.namespaces.insert(at, std::move(n));
    }
    s.host.invisibleProcesses = invisible;
    s.host.privileged = s.host.invisibleProcesses == 0;
    if (anyProcess && m_opts.sandboxes) {
        // Sandboxes list their processes: judged again over the patched snapshot (classifier.h).
        std::vector<Sandbox> boxes = m_opts.sandboxClassifier->classify(s);
        // The classifier judges from the processes alone; the names the pipeline's sandbox step
        // learnt from the engines' state (core/sandbox/enginenames) stay with their sandbox, as
        // asking the engine again would give them, without a socket round trip per change.
        keepEngineNames(s.sandboxes, boxes);
        if (boxes != s.sandboxes) {
            // Said as the sandboxes added, changed and removed (delta.h).
            SnapshotDelta boxChange;
            boxChange.sandboxes = boxes;
            compactDelta(s, boxChange);
            d.changedSandboxes = std::move(boxChange.changedSandboxes);
            d.removedSandboxes = std::move(boxChange.removedSandboxes);
            s.sandboxes = std::move(boxes);
        }
    }
    return true;
}

LiveScan::Change LiveScan::commit(const std::vector<int> &asked, std::vector<ProcessRecord> fresh,
                                  bool sweeping, bool whole)
{
    std::vector<Changed> changed;
    {
        auto f = fresh.begin();
        for (int pid : asked) {
            while (f != fresh.end() && f->process.pid < pid)
                ++f;
            const ProcessRecord *now = f != fresh.end() && f->process.pid == pid ? &*f : nullptr;
            const ProcessRecord *was = findRecord(m_records, pid);
            if (!now && !was)
                continue;
            if (now && was && sameRecord(*now, *was))
                continue;
            changed.push_back({was, now});
        }
    }
    bool reread = whole;
    if (sweeping && !reread) {
        // What no process event announces: a mount table changed (or is not watched, so may have),
        // or the host's name.
        BindMountCache *cache = m_opts.bindMountCache.get();
        for (const Namespace &n : m_snap.namespaces)
            if (n.type == NsType::Mnt && !n.pids.empty() && !(cache && cache->fresh(n.id.ino, n.pids))) {
                reread = true;
                break;
            }
        reread = reread || hostFactsChanged();
    }
    if (changed.empty() && !reread)
        return std::nullopt; // the common idle case: nothing to assemble, nothing to diff
    const auto t0 = std::chrono::steady_clock::now();
    SnapshotDelta d;
    const bool patched = !reread && !changed.empty() && patch(changed, d);
    // The records change only now: patch() looked at the old ones through `changed`.
    if (!changed.empty())
        merge(asked, std::move(fresh));
    if (!patched) {
        Change c = reassemble(asked);
        if (traceChanges())
            std::fprintf(stderr, "nsviz: live change of %zu processes through the pipeline %8.1f ms\n",
                         changed.size(), msSince(t0));
        return c;
    }
    ++m_patched;
    m_snap.host.scanMs = msSince(t0);
    if (traceChanges())
        std::fprintf(stderr, "nsviz: live change of %zu processes patched %8.1f ms\n", changed.size(),
                     m_snap.host.scanMs);
    m_snap.host.scannedAtMs =
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
    d.host = m_snap.host;
    d.hostNs = m_snap.hostNs;
    d.looseThreads = m_snap.looseThreads;
    d.warnings = m_snap.warnings;
    if (m_verify) {
        // The whole pipeline as a fresh scan runs it: classifySandboxes(), not the kept classifier.
        DiscoveryOptions o = m_opts;
        o.records = &m_records;
        o.sandboxClassifier = nullptr;
        Snapshot whole = discover(o, *m_query);
        if (!sameContent(whole, m_snap)) {
            // Say where, so that a failure under churn can be told from a race with /proc.
            const SnapshotDelta diff = computeDelta(whole, m_snap);
            std::string where;
            auto add = [&where](const std::string &s) { where += (where.empty() ? "" : "; ") + s; };
            for (const Process &p : diff.changedProcesses)
                add("process " + std::to_string(p.pid));
            for (const Process &p : diff.addedProcesses)
                add("process " + std::to_string(p.pid) + " only patched");
            for (const ProcKey &k : diff.removedProcesses)
                add("process " + std::to_string(k.pid) + " only in the pipeline");
            for (const Namespace &n : diff.changedNamespaces)
                add(std::string(nsTypeName(n.type)) + " " + std::to_string(n.id.ino));
            for (const Namespace &n : diff.addedNamespaces)
                add(std::string(nsTypeName(n.type)) + " " + std::to_string(n.id.ino) + " only patched");
            for (const NsId &id : diff.removedNamespaces)
                add("namespace " + std::to_string(id.ino) + " only in the pipeline");
            if (diff.sandboxes)
                add("sandboxes");
            if (where.empty())
                add("host facts, warnings or loose threads");
            if (where.size() > 400)
                where = where.substr(0, 400) + "…";
            throw std::logic_error("LiveScan: the patched snapshot differs from the whole pipeline's: " +
                                   where);
        }
    }
    if (d.empty())
        return std::nullopt;
    return d;
}

void LiveScan::merge(const std::vector<int> &asked, std::vector<ProcessRecord> fresh)
{
    // In place: a second vector of every record (3.5 MB at 10k processes) for each update was the
    // largest transient of an event-driven subscription. A re-read pid takes its fresh record in
    // its own slot, a gone one is dropped, and the new pids are merged in at the end.
    std::vector<ProcessRecord> added;
    auto f = fresh.begin();
    std::size_t w = 0;
    for (std::size_t i = 0; i < m_records.size(); ++i) {
        const int pid = m_records[i].process.pid;
        while (f != fresh.end() && f->process.pid < pid)
            added.push_back(std::move(*f++));
        if (contains(asked, pid)) {
            if (f != fresh.end() && f->process.pid == pid)
                m_records[w++] = std::move(*f++); // re-read
            continue;                             // else gone
        }
        if (w != i)
            m_records[w] = std::move(m_records[i]);
        ++w;
    }
    while (f != fresh.end())
        added.push_back(std::move(*f++));
    m_records.erase(m_records.begin() + static_cast<std::ptrdiff_t>(w), m_records.end());
    if (added.empty())
        return;
    const std::size_t old = m_records.size();
    if (m_records.capacity() < old + added.size())
        m_records.reserve(old + added.size() + old / 16); // room for the next few forks
    std::move(added.begin(), added.end(), std::back_inserter(m_records));
    std::inplace_merge(
        m_records.begin(), m_records.begin() + static_cast<std::ptrdiff_t>(old), m_records.end(),
        [](const ProcessRecord &a, const ProcessRecord &b) { return a.process.pid < b.process.pid; });
}

LiveScan::Change LiveScan::updateChange(std::vector<int> pids)
{
    refill();
    return reread(std::move(pids), false);
}

LiveScan::Change LiveScan::reread(std::vector<int> pids, bool sweeping, bool whole, bool fds)
{
    sortUnique(pids);
    std::vector<ProcessRecord> fresh = read(pids, fds);
    // An inode the picture holds as one type that a fresh process shows as another: that namespace
    // died and its inode was reused at once, so its members exited without their events read yet.
    // Read them now too, so that one delta removes the old namespace and adds the new one (a
    // client knows a namespace by its inode, and refuses a second one with the same).
    if (!m_snap.namespaces.empty()) {
        const std::uint64_t dev = m_snap.namespaces.front().id.dev;
        std::vector<int> stale;
        for (const ProcessRecord &r : fresh)
            for (NsType t : kAllNsTypes) {
                const std::uint64_t ino = r.process.ns[index(t)].ino;
                if (ino == 0 || findNs(m_snap.namespaces, t, NsId{dev, ino}) != m_snap.namespaces.end())
                    continue;
                for (const Namespace &n : m_snap.namespaces)
                    if (n.id.ino == ino && n.type != t)
                        for (int pid : n.pids)
                            if (!std::binary_search(pids.begin(), pids.end(), pid))
                                stale.push_back(pid);
            }
        if (!stale.empty()) {
            pids.insert(pids.end(), stale.begin(), stale.end());
            sortUnique(pids);
            fresh = read(pids, fds);
        }
    }
    // Whose children were reparented: the asked processes that are gone or have exited.
    std::vector<int> ended;
    {
        auto f = fresh.begin();
        for (int pid : pids) {
            while (f != fresh.end() && f->process.pid < pid)
                ++f;
            if (f == fresh.end() || f->process.pid != pid || isZombie(f->process))
                ended.push_back(pid);
        }
    }
    if (!ended.empty()) {
        std::vector<int> children;
        for (const ProcessRecord &r : m_records)
            if (contains(ended, r.process.ppid) && !contains(pids, r.process.pid))
                children.push_back(r.process.pid);
        if (!children.empty()) {
            std::vector<ProcessRecord> more = read(children);
            std::vector<int> all;
            std::merge(pids.begin(), pids.end(), children.begin(), children.end(), std::back_inserter(all));
            std::vector<ProcessRecord> both;
            both.reserve(fresh.size() + more.size());
            std::merge(std::make_move_iterator(fresh.begin()), std::make_move_iterator(fresh.end()),
                       std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()),
                       std::back_inserter(both), [](const ProcessRecord &a, const ProcessRecord &b) {
                           return a.process.pid < b.process.pid;
                       });
            return commit(all, std::move(both), sweeping, whole);
        }
    }
    return commit(pids, std::move(fresh), sweeping, whole);
}

LiveScan::Change LiveScan::sweepChange(SweepStats *stats, std::size_t slice)
{
    // A full re-read in progress goes on: it reads everything a link check would.
    return round(stats, slice, m_roundFull && !m_sweepList.empty());
}

LiveScan::Change LiveScan::resyncChange(std::size_t slice, bool restart)
{
    return round(nullptr, slice, true, restart);
}

LiveScan::Change LiveScan::round(SweepStats *stats, std::size_t slice, bool full, bool restart)
{
    refill();
    SweepStats st;
    std::vector<int> reread;
    {
        Snapshot unused;
        DiscoveryContext ctx(m_opts, *m_query, unused);
        // A round lists the pids once and checks them slice by slice: the worker is never busy
        // with a whole host's links at once, so an event's update waits at most one slice.
        if (m_sweepAt >= m_sweepList.size() || m_sweepList.empty() || full != m_roundFull || restart) {
            m_sweepList = ProcessStep::listPids(ctx.procFd());
            m_sweepAt = 0;
            m_roundFull = full;
            if (full) {
                m_unread.clear();    // a full round reads them as new
                m_unreadFds.clear(); // and every process whole, fds included
            }
        }
        const std::size_t size = m_sweepList.size();
        const std::size_t begin = m_sweepAt;
        const std::size_t end = slice == 0 ? size : std::min(size, begin + slice);
        // This slice covers the pids above the last one of the slice before, up to its own last
        // one (or all when it ends the round): what is known there and not listed is gone.
        const int lo = begin == 0 ? 0 : m_sweepList[begin - 1];
        const bool last = end == size;
        const int hi = last ? std::numeric_limits<int>::max() : m_sweepList[end - 1];
        st.listed = end - begin;
        auto r = std::lower_bound(m_records.begin(), m_records.end(), lo + 1,
                                  [](const ProcessRecord &x, int p) { return x.process.pid < p; });
        for (std::size_t i = begin; i < end; ++i) {
            const int pid = m_sweepList[i];
            while (r != m_records.end() && r->process.pid < pid) { // known, gone
                reread.push_back(r->process.pid);
                ++st.removed;
                ++r;
            }
            if (r == m_records.end() || r->process.pid != pid) { // new: an event was missed
                reread.push_back(pid);
                continue;
            }
            ++st.checked;
            if (full) { // read whole; commit() keeps only what differs from the record
                reread.push_back(pid);
                ++r;
                continue;
            }
            // Known: only its namespace links, which setns() and unshare() change without an event.
            char name[16];
            std::snprintf(name, sizeof name, "%d", pid);
            std::array<std::uint64_t, kNsTypeCount> inodes{};
            bool denied = false;
            bool same = false;
            int pidFd = ::openat(ctx.procFd(), name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (pidFd >= 0) {
                int nsFd = ::openat(pidFd, "ns", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (nsFd >= 0) {
                    ProcReader::readNsLinks(nsFd, inodes, denied);
                    ::close(nsFd);
                } else {
                    denied = true; // as ProcessStep: no ns directory to look into
                }
                same = denied == !r->process.visible;
                for (NsType t : kAllNsTypes)
                    same = same && inodes[index(t)] == r->process.ns[index(t)].ino;
                ::close(pidFd);
            }
            if (!same)
                reread.push_back(pid);
            ++r;
        }
        for (; r != m_records.end() && r->process.pid <= hi; ++r) {
            reread.push_back(r->process.pid);
            ++st.removed;
        }
        m_sweepAt = end;
        st.roundDone = last;
        if (last)
            m_sweepList.clear();
    }
    st.reread = reread.size() - st.removed;
    if (stats)
        *stats = st;
    // Mount tables and host facts are looked at once per round; a full round ends with the whole
    // pipeline over the kept records.
    return this->reread(std::move(reread), st.roundDone, full && st.roundDone);
}

std::vector<int> LiveScan::zombies() const
{
    std::vector<int> out;
    for (const ProcessRecord &r : m_records)
        if (isZombie(r.process))
            out.push_back(r.process.pid);
    return out;
}

} // namespace nsviz
