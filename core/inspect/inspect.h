// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file inspect.h What the diff needs about one process, gathered where /proc can be read
/// (the privileged helper); serialised as "nsviz.inspect/1" for the protocol's inspect request.

#include <nlohmann/json_fwd.hpp>
#include <string>

namespace nsviz
{

/// Gathers the per-namespace details of @p pid (hostname, interfaces, mounts, maps, caps, ...)
/// under @p procRoot. Never throws for a vanished or unreadable process: the result says so per field.
/// Throws std::invalid_argument for pid <= 0.
nlohmann::json inspectProcessJson(const std::string &procRoot, int pid);

} // namespace nsviz
