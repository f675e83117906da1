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

/// Judges the snapshot's sandboxes (Snapshot::sandboxes; classified here when a snapshot has none)
/// by kind and lists, for each that shares something with the host, the findings, worst first:
/// host-net (a container or pod, or a sandbox isolating pid or user, on the host network),
/// host-pid, host-ipc, host-uts, no-userns, extra-caps (effective or permitted capabilities beyond
/// the default, and only without a user namespace of its own), seccomp-off; all but host-net only
/// for containers and pods. A pod's containers leave what the pod shares to the pod. Service
/// sandboxes and engine helpers are listed apart under "informational", never as findings.
/// Reads PID/status under @p procRoot for capabilities and seccomp.
/// The host reference is the snapshot's (discovery decides it; see hostreference.h).
/// Result: {schema, reference: {pid, startTime, comm, note}, containers: [{sandbox, label, kind, engine,
/// id, name, pod?, pid, comm, processes, pids, isolates, sharesWithHost, containers? (a pod's),
/// ns: {type: ino}, security, findings: [{code, rank, title, detail}]}],
/// informational: [{sandbox, label, kind, engine, id, name, attachedTo?, pid, comm, processes, pids,
/// isolates, sharesWithHost}], clean: N, notes: [..]}. The label is sandboxLabel().
nlohmann::json findHostSharing(const Snapshot &snapshot, const std::string &procRoot = "/proc");

/// What findHostSharing() reads of @p snapshot, for a worker deriving findings while the snapshot
/// goes on changing: the host, the sandboxes and every process without its argv, NSpid and cgroup
/// (namespace objects, warnings and loose threads are not read). A fraction of a whole copy at 10k
/// processes (the GUI made one every second). A snapshot without sandboxes, which findHostSharing()
/// classifies from everything, is copied whole. findHostSharing() gives the same for both.
Snapshot findingsInput(const Snapshot &snapshot);

/// The readable report of `nsviz-helper findings`.
std::string findingsToText(const nlohmann::json &findings);
/// The same as Markdown (a table per container) for course material and tickets.
std::string findingsToMarkdown(const nlohmann::json &findings);
/// "CRITICAL", "HIGH", "MEDIUM" or "LOW" for a finding's rank (1 is the worst).
const char *findingSeverity(int rank);

} // namespace nsviz
