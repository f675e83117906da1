// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file bindmountstep.h Pipeline step: namespaces held by nsfs bind mounts, in every mount namespace.

#include "core/discovery/discoverystep.h"

namespace nsviz
{

class BindMountCache;

/// Reads /proc/PID/mountinfo (with libmount) of one process per mount namespace found so far and
/// records every nsfs mount (e.g. /run/netns/NAME) with FoundByBindMount and "mntns-inode:path".
/// A mount namespace without processes cannot be read; that is a limit of /proc, as for lsns.
/// With DiscoveryOptions::bindMountCache, a mount namespace whose table did not change since the
/// last scan is answered from the cache (bindmountcache.h).
class BindMountStep : public DiscoveryStep
{
public:
    std::string_view name() const override { return "bindmounts"; }
    void run(DiscoveryContext &ctx) override;

private:
    /// False when the mountinfo of @p pid could not be read (vanished).
    bool readMountinfo(DiscoveryContext &ctx, int pid, std::uint64_t mntIno, BindMountCache *cache);
};

} // namespace nsviz
