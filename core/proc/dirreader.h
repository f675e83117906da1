// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file dirreader.h Directory listing with getdents64 on an fd we already hold.
///
/// fdopendir() costs an fcntl, an fstat and a 32 KiB allocation per directory; with one /proc/PID/fd
/// directory per process that is 20k extra system calls for a 10k-process scan.

#include <cstddef>
#include <functional>
#include <string_view>

namespace nsviz
{

/// Lists the entries of a directory fd (not "." and ".."). Does not close the fd.
class DirReader
{
public:
    /// Calls @p onEntry for each name; stops early when it returns false. Returns 0 or an errno.
    static int forEach(int dirFd, const std::function<bool(std::string_view name)> &onEntry);
};

} // namespace nsviz
