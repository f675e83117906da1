// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file delta.h Differences between two snapshots of the same host.
///
/// The helper streams deltas; Qt models turn them into row inserts/removals/changes.
/// Invariant: applyDelta(a, computeDelta(a, b)) == b (up to host.scanMs/scannedAtMs, which are copied).

#include "core/model/model.h"

#include <optional>
#include <stdexcept>

namespace nsviz
{

struct SnapshotDelta {
    std::uint64_t seq = 0; ///< sequence number; the first snapshot is 0, each delta +1
    HostInfo host;         ///< the new host info (scan time etc.)
    std::array<NsId, kNsTypeCount> hostNs{};
    std::vector<Process> addedProcesses;
    std::vector<ProcKey> removedProcesses;
    std::vector<Process> changedProcesses; ///< same (pid, start time), some field changed
    std::vector<Namespace> addedNamespaces;
    std::vector<NsId> removedNamespaces;
    std::vector<Namespace> changedNamespaces; ///< same id, some field changed (pids, found_by, ...)
    std::vector<LooseThread> looseThreads;    ///< replaces the whole list
    std::vector<std::string> warnings;        ///< replaces the whole list
    /// The whole sandbox list when any sandbox changed; nullopt: unchanged.
    std::optional<std::vector<Sandbox>> sandboxes;

    /// True when nothing but host timing changed (and the sandboxes did not).
    bool empty() const;
};

class DeltaError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

bool operator==(const Process &a, const Process &b);
bool operator==(const Namespace &a, const Namespace &b);
bool operator==(const LooseThread &a, const LooseThread &b);
/// Content equality, ignoring host.scanMs and host.scannedAtMs.
bool sameContent(const Snapshot &a, const Snapshot &b);

/// What changed from @p from to @p to. Both must be sorted as discover() sorts them.
SnapshotDelta computeDelta(const Snapshot &from, const Snapshot &to);
/// Apply @p d to @p s in place. Throws DeltaError (and leaves @p s unchanged) when @p d does not fit
/// @p s: removing or changing something absent, adding something present.
void applyDelta(Snapshot &s, const SnapshotDelta &d);

} // namespace nsviz
