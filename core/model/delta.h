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

/// How the member list of one namespace changed: the pids that joined and the pids that left, both
/// ascending. The member-deltas form of a namespace whose other fields stayed the same.
struct NsMembers {
    NsId id;
    std::vector<int> added;
    std::vector<int> removed;
    bool operator==(const NsMembers &) const = default;
};

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

    /// The member-deltas form (docs/protocol.md, subscribe's "member_deltas"), which costs what
    /// changed rather than what the host holds: a namespace whose only change is its member list is
    /// here as the pids that joined and left, not whole in changedNamespaces (the host's cgroup and
    /// time namespaces hold nearly every process)...
    std::vector<NsMembers> namespaceMembers;
    /// ... and the sandboxes that were added or changed (whole) and removed (by id), instead of the
    /// whole list in `sandboxes`. A delta uses one form or the other for the sandboxes, never both.
    std::vector<Sandbox> changedSandboxes;
    std::vector<std::string> removedSandboxes;

    /// True when nothing but host timing changed (and the sandboxes did not).
    bool empty() const;
    /// True when some part is in the member-deltas form (expandDelta() turns it into the whole form).
    bool compact() const
    {
        return !namespaceMembers.empty() || !changedSandboxes.empty() || !removedSandboxes.empty();
    }
    /// True when the sandbox list changes, whole (sandboxes) or as changes.
    bool changesSandboxes() const
    {
        return sandboxes.has_value() || !changedSandboxes.empty() || !removedSandboxes.empty();
    }
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
/// The same, but the processes it adds are moved out of @p to, not copied: they are left with their
/// pid, start time, namespaces and flags, and with comm, cmdline, nspid and cgroup empty. For a
/// caller that holds those elsewhere and puts them back (LiveScan: the delta that adds most of a
/// host then holds its processes once, not twice).
SnapshotDelta computeDeltaTakingAdded(const Snapshot &from, Snapshot &to);
/// Apply @p d to @p s in place. Throws DeltaError (and leaves @p s unchanged) when @p d does not fit
/// @p s: removing or changing something absent, adding something present. Takes either form.
void applyDelta(Snapshot &s, const SnapshotDelta &d);

/// Rewrites @p d, a delta from @p before in the whole form (computeDelta()), into the member-deltas
/// form: each changed namespace whose fields other than `pids` are as in @p before becomes an
/// NsMembers entry, and a whole `sandboxes` list becomes the sandboxes added, changed and removed.
void compactDelta(const Snapshot &before, SnapshotDelta &d);
/// The inverse, for a receiver that holds @p before: the member changes become whole changed
/// namespaces and the sandbox changes the whole new list. Throws DeltaError (and leaves @p d
/// unchanged) when they do not fit @p before: a namespace that is not there or listed twice, a pid
/// removed that is not a member or added that already is, lists not ascending, a sandbox removed that
/// is not there, or both sandbox forms at once.
void expandDelta(const Snapshot &before, SnapshotDelta &d);
/// The namespace part of expandDelta() alone: member changes become whole changed namespaces, the
/// sandbox changes stay as they are (for a receiver that applies those in place:
/// applySandboxChanges()). Throws DeltaError (and leaves @p d unchanged) as expandDelta() does.
void expandMembers(const Snapshot &before, SnapshotDelta &d);
/// Why the sandbox changes of @p d (changedSandboxes, removedSandboxes) do not fit @p before, the
/// sandbox list they change: a sandbox named twice, one removed that is not there, both forms at
/// once. Empty when they fit.
std::string whySandboxChangesDoNotFit(const std::vector<Sandbox> &before, const SnapshotDelta &d);
/// Applies the sandbox changes of @p d to @p list in place: the list ends ascending by id (as
/// expandDelta() gives it), removed ones gone, changed ones replaced or added. For changes that
/// whySandboxChangesDoNotFit() accepted.
void applySandboxChanges(std::vector<Sandbox> &list, const SnapshotDelta &d);
/// The same for a sender that holds the state after the delta (@p after == applyDelta(before, d)):
/// copies the changed namespaces and the sandbox list from @p after. Throws DeltaError when @p after
/// lacks a namespace @p d names.
void expandDeltaFromAfter(const Snapshot &after, SnapshotDelta &d);

} // namespace nsviz
