// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file sandbox.h The one name of a sandbox, and finding a process's sandbox in a snapshot.
///
/// The Sandbox struct itself lives in core/model/sandbox.h (the snapshot carries it); the classifier
/// that makes sandboxes is classifier.h.

#include "core/model/model.h"
#include "core/model/sandbox.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace nsviz
{

/// The display label, the same everywhere (CLI, findings, the GUI's cluster, table, tree, charts):
/// the name when one is known ("web", "nginx.service", "org.gnome.Calculator"); else the engine
/// and the engine id cut to 12 characters ("podman 3f2a9c1b7e4d"; a pod: "podman pod 1a2b3c4d5e6f");
/// else the launcher, the init's comm and its pid ("unshare: sleep (pid 4242)", "bwrap (pid 7)"
/// when the launcher is what runs, "sleep (pid 4242)" when the launcher is unknown); else the id.
std::string sandboxLabel(const Sandbox &sandbox);

/// The sandbox that lists @p p (same pid and start time), or null. O(sandboxes · log members):
/// for one process. A pass over many processes builds a SandboxIndex once.
const Sandbox *sandboxOf(const Snapshot &snapshot, const Process &p);

/// sandboxOf() for a pass over a snapshot's processes: built once in O(M log M) over the M
/// processes the sandboxes list, then O(log M) per process (the GUI's layout, labels and host
/// network groups asked every sandbox for each of 10k processes on every change). It points into
/// the snapshot it was built from, which must not change while the index is used.
class SandboxIndex
{
public:
    SandboxIndex() = default;
    explicit SandboxIndex(const Snapshot &snapshot);
    /// What sandboxOf(snapshot, p) gives: the first sandbox in the snapshot's order that lists @p p.
    const Sandbox *of(const Process &p) const;

private:
    const Snapshot *m_snapshot = nullptr;
    /// Every listed member and the index of the first sandbox listing it, ascending member.
    std::vector<std::pair<SandboxMember, std::uint32_t>> m_members;
};
/// The sandbox with id @p id, or null.
const Sandbox *findSandbox(const Snapshot &snapshot, const std::string &id);

/// The host-network alarm of issue 10: true for a container or pod that shares the host network
/// namespace, and for any other sandbox that isolates its pid or user namespace while sharing the
/// host network (an app sandbox, bare namespaces). A service sandbox or an engine's helper is
/// never alarmed: findings list those apart, as information.
bool hostNetworkAlarm(const Sandbox &sandbox);

/// True for the kinds findings list apart, as information: service sandboxes and engine helpers.
bool isInformational(const Sandbox &sandbox);

} // namespace nsviz
