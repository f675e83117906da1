// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file snapshotwriter.h Fast text form of the "nsviz.snapshot/1" document.
///
/// toJson(const Snapshot &) builds a nlohmann::json tree first: for 10k processes that costs more
/// than the scan itself. SnapshotWriter appends the same document straight to a string. It is
/// tested to parse into exactly what toJson() produces; snapshotjson.cpp stays the definition.

#include "core/model/model.h"

#include <string>
#include <string_view>

namespace nsviz
{

/// Writes Snapshot JSON (compact, keys in the same order as nlohmann's dump()).
class SnapshotWriter
{
public:
    /// The whole document, as toJson(s).dump() would print it (up to number formatting).
    static std::string write(const Snapshot &s);
    /// Appends @p text as a JSON string literal; invalid UTF-8 becomes U+FFFD (as dump() with
    /// error_handler_t::replace does), control characters are escaped.
    static void appendString(std::string &out, std::string_view text);

private:
    static void appendProcess(std::string &out, const Process &p);
    static void appendNamespace(std::string &out, const Namespace &n);
    static void appendHost(std::string &out, const HostInfo &h);
    static void appendThread(std::string &out, const LooseThread &t);
};

} // namespace nsviz
