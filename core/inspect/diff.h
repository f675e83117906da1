// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file diff.h Compare two processes' namespaces and what differs inside them ("nsviz.diff/1").
///
/// Works on two "nsviz.inspect/1" documents (see inspector.h), so the GUI can diff what a remote or
/// privileged helper gathered, and the CLI what it gathered itself.

#include "core/discovery/hostreference.h"
#include "core/model/model.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace nsviz
{

inline constexpr const char *kDiffSchema = "nsviz.diff/1";

/// Marks B of @p diff as compared against the host reference @p ref (from a snapshot, or from
/// findHostReference() when there is none): adds "reference": {pid, startTime, comm, note}, sets
/// b.hostReference when B is that very process (same pid and, when both are known, start time),
/// and adds to "notes" why the reference is not PID 1, or that B's pid now belongs to another
/// process (a reused pid is never taken for the reference).
void markHostReference(nlohmann::json &diff, const HostReference &ref);

/// Compares @p a (the container) with @p b (the reference). @p snapshot, when given, supplies the
/// pid/user namespace parent links where the inspect documents lack them.
/// The result: {schema, a, b, namespaces: [{type, a, b, shared, relation, details}], security, notes}.
/// details: {items: [{field, a, b, differs}], onlyInA: [text], onlyInB: [text],
///           changed: [{key, a, b, fields}], errors: [text], differences: N}.
nlohmann::json diffInspections(const nlohmann::json &a, const nlohmann::json &b,
                               const Snapshot *snapshot = nullptr);

/// Adds diff["a"]["sandbox"] = {id, kind, engine, label, isolates, hostNetworkAlarm}: the sandbox
/// of @p snapshot that A belongs to (same pid and start time), when there is one.
/// diffInspections() does this itself when given a snapshot.
void markSandbox(nlohmann::json &diff, const Snapshot &snapshot);

/// When diff["b"]["hostReference"] is true: what A shares with the host, worst first, judged by
/// A's sandbox kind (markSandbox()): a container or pod on the host network is "A (label) is a
/// container that SHARES THE HOST NETWORK NAMESPACE", a sandbox isolating pid or user says so too;
/// a service sandbox (a mount namespace of its own) or an engine helper gets no warning. Without a
/// sandbox mark, isolating pid or user counts as a container and a mount namespace alone does not.
std::vector<std::string> hostSharingWarnings(const nlohmann::json &diff);

/// The side-by-side text report (what `nsviz-helper diff` prints).
std::string diffToText(const nlohmann::json &diff);
/// The same as a Markdown document (tables), for copying into course material.
std::string diffToMarkdown(const nlohmann::json &diff);

} // namespace nsviz
