// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file mountinfo.h /proc/PID/mountinfo read with libmount (which unescapes paths and knows the
/// optional fields), as typed entries. Used by discovery (nsfs bind mounts) and inspection.

#include <cstddef>
#include <string>
#include <vector>

namespace nsviz::procparse
{

/// One line of mountinfo.
struct MountEntry {
    int id = 0, parent = 0;
    std::string target, root, source, fstype;
    std::string options;      ///< per-mount (VFS) options
    std::string superOptions; ///< per-superblock options
    std::string propagation;  ///< the optional fields ("shared:5 master:1"), or "private" when none
};

/// At most this much of a mountinfo is read (30,000 stacked mounts are about 3 MiB).
inline constexpr std::size_t kMaxMountinfoBytes = std::size_t(8) << 20;

/// Reads the mountinfo file at @p path into @p out. The file is opened with O_NOFOLLOW|O_NONBLOCK
/// and must be a regular file (ProcReader::openRegular(): a symlink answers ELOOP, a FIFO
/// ProcReader::kNotRegularFile). At most @p maxBytes are read; beyond that the table ends at the
/// last whole line and @p truncated (when given) is set. Malformed lines are skipped rather than
/// failing the file. Returns 0 or an errno (the file cannot be read at all, or ENOMEM). A process
/// that exited while being read shows an empty table.
int readMountinfo(const std::string &path, std::vector<MountEntry> &out, bool *truncated = nullptr,
                  std::size_t maxBytes = kMaxMountinfoBytes);

} // namespace nsviz::procparse
