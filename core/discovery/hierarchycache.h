// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file hierarchycache.h What the hierarchy step learnt of each namespace, kept between scans.

#include "core/model/model.h"

#include <optional>
#include <unordered_map>

namespace nsviz
{

/// A namespace's owner, parent and owner uid never change while it lives, and asking the kernel
/// costs an open and a few ioctls per namespace: a live subscription's scans (one per change) keep
/// the answers here. An answer is reused only while the namespace provably lived on in between:
/// it was in the previous scan and, when it has processes, one process (pid, start time) that was
/// in it then is in it still; otherwise a reused inode could pass for the old namespace. Without
/// processes (held by a bind mount, an fd, or only a child) being in both scans is taken as
/// enough. Not thread-safe: one scan at a time uses it.
struct HierarchyCache {
    struct Entry {
        NsType type = NsType::Mnt;
        std::optional<NsId> owner;
        bool ownerKnown = true;
        std::optional<NsId> parent;
        bool parentKnown = true;
        std::optional<std::uint32_t> ownerUid;
        ProcKey witness; ///< a process in it at the last scan; pid 0 when it had none
    };
    std::unordered_map<NsId, Entry, NsIdHash> entries;
    std::uint64_t hits = 0, misses = 0;
};

} // namespace nsviz
