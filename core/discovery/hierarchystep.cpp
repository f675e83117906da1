// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/discovery/hierarchystep.h"
#include "core/discovery/hierarchycache.h"

#include <algorithm>
#include <cerrno>

namespace nsviz
{

namespace
{
// User namespaces nest at most 32 deep, pid namespaces likewise; anything deeper is a loop in a
// broken (fake) NsQuery, not a real hierarchy.
constexpr int kMaxDepth = 64;
} // namespace

NsQuery::Handle HierarchyStep::openNamespace(DiscoveryContext &ctx, std::size_t idx)
{
    NsQuery &q = ctx.query();
    const Namespace &n = ctx.snapshot().namespaces[idx];
    auto tryPath = [&](const std::string &path) -> NsQuery::Handle {
        NsQuery::Handle h = NsQuery::kNoHandle;
        if (q.open(path, h) != 0)
            return NsQuery::kNoHandle;
        NsId got;
        // The pid may have been reused or have called setns() since: only the same inode counts.
        if (q.identify(h, got) != 0 || got.ino != n.id.ino) {
            q.close(h);
            return NsQuery::kNoHandle;
        }
        return h;
    };
    std::string typeName(nsTypeName(n.type));
    int tries = 0;
    for (int pid : n.pids) {
        if (++tries > 4)
            break;
        auto h = tryPath(ctx.procRoot() + "/" + std::to_string(pid) + "/ns/" + typeName);
        if (h != NsQuery::kNoHandle)
            return h;
    }
    for (const std::string &path : ctx.openPaths(idx)) {
        auto h = tryPath(path);
        if (h != NsQuery::kNoHandle)
            return h;
    }
    return NsQuery::kNoHandle;
}

std::optional<NsId> HierarchyStep::follow(DiscoveryContext &ctx, NsQuery::Handle h, NsType expected,
                                          int depth)
{
    NsQuery &q = ctx.query();
    NsId id;
    if (q.identify(h, id) != 0) {
        q.close(h);
        return std::nullopt;
    }
    std::size_t idx = ctx.findNamespace(id);
    if (idx == DiscoveryContext::npos) {
        NsType type = expected;
        NsType asked;
        if (q.type(h, asked) == 0)
            type = asked;
        idx = ctx.addNamespace(type, id, FoundByHidden);
    }
    if (m_done.size() < ctx.snapshot().namespaces.size())
        m_done.resize(ctx.snapshot().namespaces.size(), false);
    if (!m_done[idx])
        resolve(ctx, idx, h, depth + 1);
    q.close(h);
    return id;
}

void HierarchyStep::resolve(DiscoveryContext &ctx, std::size_t idx, NsQuery::Handle h, int depth)
{
    if (m_done.size() < ctx.snapshot().namespaces.size())
        m_done.resize(ctx.snapshot().namespaces.size(), false);
    m_done[idx] = true;
    if (m_asked.size() < m_done.size())
        m_asked.resize(m_done.size(), false);
    m_asked[idx] = true;
    if (depth > kMaxDepth) {
        ctx.warn("namespace hierarchy deeper than " + std::to_string(kMaxDepth) + " levels; stopped there");
        ctx.snapshot().namespaces[idx].ownerKnown = false;
        ctx.snapshot().namespaces[idx].parentKnown = false;
        return;
    }
    NsQuery &q = ctx.query();
    // Copy what we need: follow() may grow the namespace vector.
    const NsType type = ctx.snapshot().namespaces[idx].type;
    const std::uint64_t ino = ctx.snapshot().namespaces[idx].id.ino;
    const bool initial =
        (type == NsType::User && ino == kInitUserIno) || (type == NsType::Pid && ino == kInitPidIno);

    std::optional<NsId> owner;
    bool ownerKnown = true;
    NsQuery::Handle oh = NsQuery::kNoHandle;
    int err = q.owner(h, oh);
    if (err == 0) {
        owner = follow(ctx, oh, NsType::User, depth);
        ownerKnown = owner.has_value();
    } else {
        // EPERM: the owner lies outside our user namespace. Only the initial user namespace
        // truly has none.
        ownerKnown = type == NsType::User && ino == kInitUserIno;
    }

    std::optional<NsId> parent;
    bool parentKnown = true;
    if (type == NsType::Pid || type == NsType::User) {
        NsQuery::Handle ph = NsQuery::kNoHandle;
        err = q.parent(h, ph);
        if (err == 0) {
            parent = follow(ctx, ph, type, depth);
            parentKnown = parent.has_value();
        } else {
            parentKnown = initial;
        }
    }

    std::optional<std::uint32_t> ownerUid;
    if (type == NsType::User) {
        std::uint32_t uid = 0;
        if (q.ownerUid(h, uid) == 0)
            ownerUid = uid;
    }

    Namespace &n = ctx.snapshot().namespaces[idx];
    n.owner = owner;
    n.ownerKnown = ownerKnown;
    if (type == NsType::Pid || type == NsType::User) {
        n.parent = parent;
        n.parentKnown = parentKnown;
    } else {
        n.parent.reset();
        n.parentKnown = true; // only pid and user namespaces have parents
    }
    n.ownerUid = ownerUid;
}

bool HierarchyStep::trusted(DiscoveryContext &ctx, std::size_t idx) const
{
    const HierarchyCache *cache = ctx.options().hierarchyCache.get();
    const Namespace &n = ctx.snapshot().namespaces[idx];
    auto it = cache->entries.find(n.id);
    if (it == cache->entries.end() || it->second.type != n.type)
        return false;
    const ProcKey &w = it->second.witness;
    if (n.pids.empty())
        return true; // held otherwise, and in both scans (see hierarchycache.h)
    if (w.pid == 0)
        return false; // it had no processes before and has now: ask
    if (std::find(n.pids.begin(), n.pids.end(), w.pid) == n.pids.end())
        return false;
    const Process *p = ctx.snapshot().findProcess(w.pid);
    return p && p->startTime == w.startTime && p->ns[index(n.type)].ino == n.id.ino;
}

bool HierarchyStep::fromCache(DiscoveryContext &ctx, std::size_t idx, int depth)
{
    if (depth > kMaxDepth || !trusted(ctx, idx))
        return false;
    HierarchyCache &cache = *ctx.options().hierarchyCache;
    const HierarchyCache::Entry e = cache.entries.at(ctx.snapshot().namespaces[idx].id);
    // The owner and parent must be in this scan too: add them as hidden when nothing else found
    // them, from their own entries (they were in the previous scan with this namespace).
    for (const std::optional<NsId> &rel : {e.owner, e.parent}) {
        if (!rel || ctx.findNamespace(*rel) != DiscoveryContext::npos)
            continue;
        auto it = cache.entries.find(*rel);
        if (it == cache.entries.end())
            return false;
        std::size_t r = ctx.addNamespace(it->second.type, *rel, FoundByHidden);
        if (m_done.size() < ctx.snapshot().namespaces.size()) {
            m_done.resize(ctx.snapshot().namespaces.size(), false);
            m_asked.resize(ctx.snapshot().namespaces.size(), false);
            m_cached.resize(ctx.snapshot().namespaces.size(), false);
        }
        m_done[r] = true;
        if (!fromCache(ctx, r, depth + 1)) {
            // Cannot be completed from the cache: ask about this hidden one through the kernel
            // after all, by way of the namespace that refers to it.
            m_done[r] = false;
            return false;
        }
    }
    Namespace &n = ctx.snapshot().namespaces[idx];
    n.owner = e.owner;
    n.ownerKnown = e.ownerKnown;
    n.parent = e.parent;
    n.parentKnown = e.parentKnown;
    n.ownerUid = e.ownerUid;
    m_done[idx] = true;
    if (m_cached.size() <= idx)
        m_cached.resize(idx + 1, false);
    m_cached[idx] = true;
    ++cache.hits;
    return true;
}

void HierarchyStep::run(DiscoveryContext &ctx)
{
    m_done.assign(ctx.snapshot().namespaces.size(), false);
    m_asked.assign(ctx.snapshot().namespaces.size(), false);
    m_cached.assign(ctx.snapshot().namespaces.size(), false);
    HierarchyCache *cache = ctx.options().hierarchyCache.get();
    // Without a cache, only the namespaces found before this step (hidden ones are resolved as they
    // are found); with one, also a hidden one the cache added but could not complete.
    const std::size_t count = ctx.snapshot().namespaces.size();
    for (std::size_t idx = 0; idx < (cache ? ctx.snapshot().namespaces.size() : count); ++idx) {
        if (m_done.size() <= idx)
            m_done.resize(idx + 1, false);
        if (m_done[idx])
            continue;
        if (cache && fromCache(ctx, idx, 0))
            continue;
        NsQuery::Handle h = openNamespace(ctx, idx);
        if (h == NsQuery::kNoHandle) {
            m_done[idx] = true;
            Namespace &n = ctx.snapshot().namespaces[idx];
            n.ownerKnown = false;
            if (n.type == NsType::Pid || n.type == NsType::User)
                n.parentKnown = false;
            continue;
        }
        if (cache)
            ++cache->misses;
        resolve(ctx, idx, h, 0);
        ctx.query().close(h);
    }
    if (!cache)
        return;
    // Keep what this scan knows, for the next one; what it did not see is forgotten. A namespace
    // that could not be opened is asked again next time.
    std::unordered_map<NsId, HierarchyCache::Entry, NsIdHash> next;
    const Snapshot &s = ctx.snapshot();
    for (std::size_t idx = 0; idx < s.namespaces.size(); ++idx) {
        const Namespace &n = s.namespaces[idx];
        const bool keep = (idx < m_asked.size() && m_asked[idx]) || (idx < m_cached.size() && m_cached[idx]);
        if (!keep)
            continue;
        HierarchyCache::Entry e;
        e.type = n.type;
        e.owner = n.owner;
        e.ownerKnown = n.ownerKnown;
        e.parent = n.parent;
        e.parentKnown = n.parentKnown;
        e.ownerUid = n.ownerUid;
        if (!n.pids.empty()) {
            const Process *p = s.findProcess(n.pids.front());
            if (p)
                e.witness = p->key();
        }
        next.emplace(n.id, e);
    }
    cache->entries = std::move(next);
}

} // namespace nsviz
