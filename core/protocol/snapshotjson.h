// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file snapshotjson.h The "nsviz.snapshot/1" JSON form of a Snapshot (see docs/schema.md).

#include "core/model/model.h"

#include <nlohmann/json_fwd.hpp>
#include <stdexcept>
#include <string>

namespace nsviz
{

inline constexpr const char *kSnapshotSchema = "nsviz.snapshot/1";

/// Thrown by the *FromJson functions: the message says which field is wrong.
class SchemaError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

nlohmann::json toJson(const Process &p);
nlohmann::json toJson(const Namespace &n);
nlohmann::json toJson(const HostInfo &h);
nlohmann::json toJson(const LooseThread &t);
nlohmann::json toJson(const Sandbox &s);
/// The whole document, with "schema".
nlohmann::json toJson(const Snapshot &s);

/// Parse one element; throws SchemaError on missing keys, wrong types or out-of-range numbers.
Process processFromJson(const nlohmann::json &j);
Namespace namespaceFromJson(const nlohmann::json &j);
HostInfo hostInfoFromJson(const nlohmann::json &j);
LooseThread looseThreadFromJson(const nlohmann::json &j);
Sandbox sandboxFromJson(const nlohmann::json &j);
/// The "sandboxes" array (of a snapshot, a delta or a frame's trailer).
std::vector<Sandbox> sandboxesFromJson(const nlohmann::json &array);
/// Parse a whole document; checks "schema" and cross-references (process ns inodes exist).
Snapshot snapshotFromJson(const nlohmann::json &j);
/// Parse text (e.g. a saved file); also maps JSON syntax errors to SchemaError.
Snapshot snapshotFromJsonText(const std::string &text);

} // namespace nsviz
