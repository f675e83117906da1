// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file inspect.h What the diff needs about one process, gathered where /proc can be read
/// (the privileged helper); serialised as "nsviz.inspect/1" for the protocol's inspect request.

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace nsviz
{

/// Gathers the per-namespace details of @p pid (hostname, interfaces, mounts, maps, caps, ...)
/// under @p procRoot. Never throws for a vanished or unreadable process: the result says so per field.
/// With @p startTime (not 0) only the process (pid, startTime) is inspected (Inspector::inspect()).
/// Throws std::invalid_argument for pid <= 0.
nlohmann::json inspectProcessJson(const std::string &procRoot, int pid, std::uint64_t startTime = 0);

/// Whether an inspect request that named (pid, @p startTime) is refused with "not_found" rather
/// than answered with @p doc: the process it named is gone (exited, or the pid was reused). Returns
/// the message, or "" when @p doc is the answer (always "" without a start time: a bare pid gets
/// the document, "state": "exited" included).
std::string inspectRefusal(const nlohmann::json &doc, std::uint64_t startTime);

} // namespace nsviz
