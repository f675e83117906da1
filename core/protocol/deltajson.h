// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file deltajson.h JSON form of a SnapshotDelta (the body of the protocol's delta frames).
///
/// Elements use the snapshot schema (snapshotjson.h). Removed processes are {"pid","start_time"},
/// removed namespaces {"dev","inode"}.

#include "core/model/delta.h"
#include "core/protocol/snapshotjson.h"

#include <nlohmann/json_fwd.hpp>

namespace nsviz
{

nlohmann::json toJson(const ProcKey &k);
nlohmann::json toJson(const NsId &id);
/// Throw SchemaError on anything malformed.
ProcKey procKeyFromJson(const nlohmann::json &j);
NsId nsIdFromJson(const nlohmann::json &j);

/// A namespace's member changes: {"dev","inode","added":[pids],"removed":[pids]}.
nlohmann::json toJson(const NsMembers &m);
/// Throws SchemaError on anything malformed (pids out of range or not strictly ascending).
NsMembers nsMembersFromJson(const nlohmann::json &j);

/// Reads a delta's "sandboxes_changed" and "sandboxes_removed" into @p d (whose `sandboxes` must
/// already be read: both forms at once is an error). Throws SchemaError.
void takeSandboxChanges(const nlohmann::json &j, SnapshotDelta &d);

/// The host part shared by snapshot headers and deltas: "host", "host_ns", "host_ns_dev".
void putHostFields(nlohmann::json &j, const HostInfo &host, const std::array<NsId, kNsTypeCount> &hostNs);
/// Reads what putHostFields() wrote. Throws SchemaError.
void takeHostFields(const nlohmann::json &j, HostInfo &host, std::array<NsId, kNsTypeCount> &hostNs);

/// The whole delta as one object: "seq", host fields, "added_processes", "removed_processes",
/// "changed_processes", "added_namespaces", "removed_namespaces", "changed_namespaces",
/// "loose_threads", "warnings"; "sandboxes" when some sandbox changed; in the member-deltas form
/// also "namespace_members", "sandboxes_changed" and "sandboxes_removed" (each only when not empty).
nlohmann::json toJson(const SnapshotDelta &d);
/// Inverse of toJson(const SnapshotDelta &). Throws SchemaError.
SnapshotDelta deltaFromJson(const nlohmann::json &j);

} // namespace nsviz
