// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file procparsers.h Transitional: the JSON form of the status parser, kept only for
/// core/inspect/findings.cpp, which is being changed on another branch. New code parses with
/// procfiles.h and gets JSON from core/inspect/inspectjson.h. Delete this header once findings.cpp
/// calls inspectjson::statusFromText() (or the typed parser) itself.

#include "core/inspect/inspectjson.h"

#include <nlohmann/json.hpp>
#include <string_view>

namespace nsviz::procparse
{

/// The "nsviz.inspect/1" fragment of /proc/PID/status; see inspectjson::status().
inline nlohmann::json parseStatus(std::string_view text)
{
    return inspectjson::statusFromText(text);
}

} // namespace nsviz::procparse
