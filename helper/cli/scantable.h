// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file scantable.h The human-readable form of a snapshot for `nsviz-helper scan` (like lsns).

#include "core/model/model.h"

#include <functional>
#include <ostream>
#include <string>

namespace nsviz::helper
{

/// Renders a Snapshot as a table grouped by namespace (one row per namespace: inode, type,
/// process count, lowest pid, its user and command, host marker, owner, parent, how it was found),
/// followed by the user/pid namespace hierarchy as an indented tree.
class ScanTable
{
public:
    /// Maps a uid to a user name; defaults to getpwuid_r, tests pass their own.
    using UserNamer = std::function<std::string(std::uint32_t)>;

    explicit ScanTable(const Snapshot &s, UserNamer namer = {});
    void print(std::ostream &out) const;

private:
    std::string userName(std::uint32_t uid) const;
    std::string command(const Namespace &n) const;
    void printTree(std::ostream &out, NsType type) const;

    const Snapshot &m_s;
    UserNamer m_namer;
};

} // namespace nsviz::helper
