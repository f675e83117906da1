// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/discovery/hierarchystep.h"

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

void HierarchyStep::run(DiscoveryContext &ctx)
{
    m_done.assign(ctx.snapshot().namespaces.size(), false);
    const std::size_t count = ctx.snapshot().namespaces.size();
    for (std::size_t idx = 0; idx < count; ++idx) {
        if (m_done[idx])
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
        resolve(ctx, idx, h, 0);
        ctx.query().close(h);
    }
}

} // namespace nsviz
