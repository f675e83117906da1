// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file discovery.h Scan a proc tree into a Snapshot.
///
/// Discovery is an ordered pipeline of steps writing into one result: processes, tasks (optional),
/// fds, bind mounts (in every mount namespace), hierarchy (adds hidden parents/owners), host reference,
/// sandboxes.

#include "core/model/model.h"
#include "core/sandbox/enginenames.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nsviz
{

class NsQuery;
class BindMountCache;
struct HierarchyCache;
class SandboxClassifier;

/// An open fd of some process that refers to a namespace (/proc/PID/fd/FD -> "net:[4026532000]").
struct FdLink {
    int pid = 0;
    int fd = 0;
    NsType type = NsType::Net;
    std::uint64_t ino = 0;
    bool operator==(const FdLink &) const = default;
};

/// What reading one /proc/PID gave: the process (namespace ids without their device, which the scan
/// fills in), the nsfs fds it holds (when fds are wanted) and warnings about it. Live discovery
/// keeps these between scans and re-reads only the processes that changed.
struct ProcessRecord {
    Process process;
    std::vector<FdLink> fdLinks;
    std::vector<std::string> warnings;
};

struct DiscoveryOptions {
    std::string procRoot = "/proc"; ///< injectable for tests (tests/data/proc-*)
    bool tasks = false;             ///< look for loose threads in /proc/PID/task/TID/ns
    bool fds = true;                ///< namespaces held by open fds
    bool bindMounts = true;         ///< namespaces held by nsfs bind mounts
    bool hierarchy = true;          ///< NS_GET_PARENT / NS_GET_USERNS / NS_GET_OWNER_UID
    bool sandboxes = true;          ///< group the processes into sandboxes (core/sandbox/classifier.h)
    /// Where the sandboxes' names are looked up when the processes do not say them (OCI runtime
    /// state, LXC configs, engine sockets: core/sandbox/enginenames.h). nullopt: the host's
    /// (EngineNameSources{}) when procRoot is the host's "/proc", none for any other proc root (a
    /// fake tree says nothing of this host's engines).
    std::optional<EngineNameSources> engineNames;
    /// Threads reading /proc/PID: 0 picks by machine and tree size (one for small trees).
    unsigned threads = 0;
    /// Read only these pids (those that exist) instead of every pid under the proc root; empty means
    /// every pid. findHostReference() reads just PID 1 and kthreadd this way.
    std::vector<int> pids;
    /// Keeps each mount namespace's nsfs bind mounts between scans that pass the same cache (a
    /// subscription's ticks): an unchanged mount table is not read again. Null: read every time.
    std::shared_ptr<BindMountCache> bindMountCache;
    /// Keeps each namespace's owner, parent and owner uid between scans that pass the same cache
    /// (hierarchycache.h says when an answer is trusted again). Null: ask every time.
    std::shared_ptr<HierarchyCache> hierarchyCache;
    /// Classifies the sandboxes for scans that pass the same one (a subscription's changes), keeping
    /// what it worked out between them (core/sandbox/classifier.h; it gives exactly what
    /// classifySandboxes() gives). Made for this procRoot. Null: classifySandboxes() every time.
    std::shared_ptr<SandboxClassifier> sandboxClassifier;
    /// Use these records (ascending pids, as readProcessRecords() gives them) instead of reading the
    /// processes: the later steps run over them as over a fresh read. Not owned; null: read /proc.
    const std::vector<ProcessRecord> *records = nullptr;
};

/// Reads the processes @p pids (ascending, unique) of @p opts.procRoot as the first step of a scan
/// does; the pids that vanished or are not processes are left out. Throws std::system_error only
/// when the proc root cannot be opened.
std::vector<ProcessRecord> readProcessRecords(const DiscoveryOptions &opts, const std::vector<int> &pids);

/// Scan with the real nsfs operations. Never throws because of one pid; throws std::system_error
/// only when the proc root itself cannot be opened.
Snapshot discover(const DiscoveryOptions &opts = {});

/// Scan with @p query answering the nsfs questions (namespace device, NS_GET_* ioctls); tests pass
/// a fake to scan fixture trees. Same guarantees as discover(const DiscoveryOptions &).
Snapshot discover(const DiscoveryOptions &opts, NsQuery &query);

} // namespace nsviz
