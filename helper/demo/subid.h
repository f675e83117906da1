// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file subid.h /etc/subuid and /etc/subgid (subuid(5)): "owner:start:count" per line, owner a
/// user name or a numeric uid. Demo containers map their root to a host range that must not
/// overlap any range handed to a user there (docs/demo.md).

#include <cstdint>
#include <string>
#include <vector>

namespace nsviz::helper
{

struct SubIdRange {
    std::string owner;       ///< user name or uid, as written
    std::uint64_t start = 0; ///< first id
    std::uint64_t count = 0; ///< how many
    bool overlaps(std::uint64_t otherStart, std::uint64_t otherCount) const
    {
        return start < otherStart + otherCount && otherStart < start + count;
    }
};

/// Parses the text of a subuid/subgid file. Blank lines and lines starting with '#' are skipped.
/// Any other malformed line (missing field, not a number, count 0, past 2^32) fills @p error with
/// "line N: why" and returns what was read so far; callers refuse to guess then.
std::vector<SubIdRange> parseSubIds(const std::string &text, std::string &error);

/// Reads and parses @p path; a missing file is no ranges. Errors (unreadable, malformed) fill
/// @p error with the path and the reason.
std::vector<SubIdRange> readSubIds(const std::string &path, std::string &error);

} // namespace nsviz::helper
