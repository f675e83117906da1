// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file findings.h Containers that share namespaces with the host, worst first ("nsviz.findings/1").
///
/// Derived from namespace inodes and /proc only, never from engine configuration: engines misreport
/// namespaces joined with --network=host / hostNetwork and the like.

#include "core/model/model.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace nsviz
{

inline constexpr const char *kFindingsSchema = "nsviz.findings/1";

/// The capabilities docker (and containerd/podman by default) gives a container; anything beyond is
/// flagged as extra. Names as libcap's cap_to_name() spells them.
const std::vector<std::string> &defaultContainerCapabilities();

/// Groups the snapshot's processes into containers (processes isolated from the host reference in
/// their mnt or pid namespace, grouped by (pid ns, mnt ns), kernel threads excluded) and lists, for
/// each that shares something with the host, the findings, worst first:
/// host-net, host-pid, host-ipc, host-uts, no-userns, extra-caps, seccomp-off.
/// Reads PID/status under @p procRoot for capabilities and seccomp.
/// The host reference is the snapshot's (discovery decides it; see hostreference.h).
/// Result: {schema, reference: {pid, startTime, comm, note}, containers: [{pid, comm, label, engine, id,
/// kind, processes, pids, ns: {type: ino}, findings: [{code, rank, title, detail}]}], clean: N, notes: [..]}.
nlohmann::json findHostSharing(const Snapshot &snapshot, const std::string &procRoot = "/proc");

/// The readable report of `nsviz-helper findings`.
std::string findingsToText(const nlohmann::json &findings);
/// The same as Markdown (a table per container) for course material and tickets.
std::string findingsToMarkdown(const nlohmann::json &findings);
/// "CRITICAL", "HIGH", "MEDIUM" or "LOW" for a finding's rank (1 is the worst).
const char *findingSeverity(int rank);

} // namespace nsviz
