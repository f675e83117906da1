// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file compare.h Compare two moments of a host ("nsviz.compare/1", docs/compare.md): the
/// namespaces, processes (by pid + start time) and sandboxes that appeared, disappeared, or moved
/// between namespaces.
///
/// Works on two snapshots however they were got: a snapshot file, a moment of a recording, what a
/// remote helper sent. Sandboxes are compared when both documents carry a "sandboxes" array
/// (snapshots from helpers that know sandboxes; the caller passes the arrays as found in the JSON);
/// otherwise the result says they could not be compared.

#include "core/model/model.h"

#include <nlohmann/json.hpp>
#include <string>

namespace nsviz
{

inline constexpr const char *kCompareSchema = "nsviz.compare/1";

/// Compares @p a (before) with @p b (after). @p labelA and @p labelB name them in the result
/// (a file, FILE@SECONDS). @p sandboxesA / @p sandboxesB: the documents' "sandboxes" arrays, or
/// nullptr where a document has none. Sandboxes are matched by their "id" (stable across scans);
/// entries without a string id are ignored and counted in a note.
nlohmann::json compareSnapshots(const Snapshot &a, const Snapshot &b, const std::string &labelA,
                                const std::string &labelB, const nlohmann::json *sandboxesA = nullptr,
                                const nlohmann::json *sandboxesB = nullptr);

/// The text report of a comparison (what `nsviz-helper compare` prints); every name passes
/// terminalSafe().
std::string compareToText(const nlohmann::json &cmp);

} // namespace nsviz
