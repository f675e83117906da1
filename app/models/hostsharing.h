// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Classification of a process against the host reference, shared by the cluster view, the
// host-network panel, the headless summary and the tests, so they all agree on what is flagged.

#include "core/model/model.h"
#include "core/sandbox/sandbox.h"

#include <vector>

namespace nsviz
{

/// How a process relates to the host reference process, from most to least alarming.
enum class HostRelation : std::uint8_t {
    HostNetWarning, ///< shares the host net namespace while its mnt or pid namespace is its own
    Isolated,       ///< differs from the host in at least one namespace
    Host,           ///< every readable namespace equals the host's
    Invisible,      ///< its namespaces could not be read
};

/// True when @p p's namespace of type @p t is readable and not the host reference's.
bool differsFromHost(const Snapshot &s, const Process &p, NsType t);
/// Bitmask (bit index(t)) of differsFromHost() over all types.
std::uint8_t hostDifferenceMask(const Snapshot &s, const Process &p);
/// The classification above. The reference process itself is always Host.
HostRelation hostRelation(const Snapshot &s, const Process &p);
/// The same, finding @p p's sandbox through @p sandboxes (a SandboxIndex of @p s): for passes over
/// every process.
HostRelation hostRelation(const Snapshot &s, const Process &p, const SandboxIndex &sandboxes);
/// Indices into s.processes of every HostNetWarning process, ascending pid.
std::vector<int> hostNetWarnings(const Snapshot &s);

/// Flagged processes of one container: same engine/id from the cgroup, or else the same pid
/// namespace (or mount namespace when the pid namespace is the host's).
struct HostNetGroup {
    std::string label;      ///< "k8s pod 1a2b…/9e8d7c6b5a4f" or the leading process, "agent (pid 4242)"
    std::vector<int> procs; ///< indices into s.processes, ascending pid
    std::uint8_t own = 0;   ///< hostDifferenceMask() of the leading process
};
/// hostNetWarnings() grouped by container, biggest group first.
std::vector<HostNetGroup> hostNetGroups(const Snapshot &s);
/// The same for @p warnings, what hostNetWarnings(s) gives (ascending indices into s.processes), known
/// already: the cluster view's layout classes every process on each update, and classing 10k again
/// for the callouts was 5 % of the GUI thread under churn.
std::vector<HostNetGroup> hostNetGroups(const Snapshot &s, const std::vector<int> &warnings);

} // namespace nsviz
