// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file discovery.h Scan a proc tree into a Snapshot.
///
/// Discovery is an ordered pipeline of steps writing into one result: processes, tasks (optional),
/// fds, bind mounts (in every mount namespace), hierarchy (adds hidden parents/owners), host reference,
/// sandboxes.

#include "core/model/model.h"

#include <memory>
#include <string>
#include <vector>

namespace nsviz
{

class NsQuery;
class BindMountCache;

struct DiscoveryOptions {
    std::string procRoot = "/proc"; ///< injectable for tests (tests/data/proc-*)
    bool tasks = false;             ///< look for loose threads in /proc/PID/task/TID/ns
    bool fds = true;                ///< namespaces held by open fds
    bool bindMounts = true;         ///< namespaces held by nsfs bind mounts
    bool hierarchy = true;          ///< NS_GET_PARENT / NS_GET_USERNS / NS_GET_OWNER_UID
    bool sandboxes = true;          ///< group the processes into sandboxes (core/sandbox/classifier.h)
    /// Threads reading /proc/PID: 0 picks by machine and tree size (one for small trees).
    unsigned threads = 0;
    /// Read only these pids (those that exist) instead of every pid under the proc root; empty means
    /// every pid. findHostReference() reads just PID 1 and kthreadd this way.
    std::vector<int> pids;
    /// Keeps each mount namespace's nsfs bind mounts between scans that pass the same cache (a
    /// subscription's ticks): an unchanged mount table is not read again. Null: read every time.
    std::shared_ptr<BindMountCache> bindMountCache;
};

/// Scan with the real nsfs operations. Never throws because of one pid; throws std::system_error
/// only when the proc root itself cannot be opened.
Snapshot discover(const DiscoveryOptions &opts = {});

/// Scan with @p query answering the nsfs questions (namespace device, NS_GET_* ioctls); tests pass
/// a fake to scan fixture trees. Same guarantees as discover(const DiscoveryOptions &).
Snapshot discover(const DiscoveryOptions &opts, NsQuery &query);

} // namespace nsviz
