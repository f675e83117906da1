// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file hierarchystep.h Pipeline step: owners, parents and owner uids; hidden namespaces.

#include "core/discovery/discoverystep.h"

#include <vector>

namespace nsviz
{

/// Asks NS_GET_USERNS of every namespace, NS_GET_PARENT of pid and user namespaces and
/// NS_GET_OWNER_UID of user namespaces, once per namespace. A parent or owner not found otherwise
/// is added as its own node with FoundByHidden, and asked in turn, up to the top.
///
/// EPERM means "beyond what we may see": the relation is recorded as unknown, except for the
/// kernel's initial pid and user namespaces, whose fixed inodes say they have no parent.
class HierarchyStep : public DiscoveryStep
{
public:
    std::string_view name() const override { return "hierarchy"; }
    void run(DiscoveryContext &ctx) override;

    /// The fixed inode numbers of the kernel's initial namespaces (include/linux/proc_ns.h).
    static constexpr std::uint64_t kInitUserIno = 0xEFFFFFFDu;
    static constexpr std::uint64_t kInitPidIno = 0xEFFFFFFCu;

private:
    /// Opens namespace @p idx through one of its processes or recorded paths, checking that the
    /// file still is that namespace. kNoHandle when none worked.
    NsQuery::Handle openNamespace(DiscoveryContext &ctx, std::size_t idx);
    /// Resolves namespace @p idx through the open handle @p h (which the caller closes).
    void resolve(DiscoveryContext &ctx, std::size_t idx, NsQuery::Handle h, int depth);
    /// Identifies the namespace behind @p h (a parent/owner the kernel handed us), adds it as hidden
    /// when new and resolves it. Closes @p h. Returns its id (invalid on failure).
    std::optional<NsId> follow(DiscoveryContext &ctx, NsQuery::Handle h, NsType expected, int depth);

    /// Takes namespace @p idx (and the hidden ancestors it needs) from the cache when its answer
    /// may be trusted; false when it must be asked.
    bool fromCache(DiscoveryContext &ctx, std::size_t idx, int depth);
    /// Whether namespace @p idx's cache entry may be trusted (see hierarchycache.h).
    bool trusted(DiscoveryContext &ctx, std::size_t idx) const;

    std::vector<bool> m_done;
    std::vector<bool> m_asked;  ///< resolved by asking the kernel (worth caching)
    std::vector<bool> m_cached; ///< taken from the cache
};

} // namespace nsviz
