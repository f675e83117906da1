// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file procreader.h Reading the files of a proc tree.
///
/// The readers work relative to directory fds and reuse one buffer, so a scan of 10k processes does
/// not allocate per file; the parsers (procfiles.h and its siblings) take text, so the tests feed
/// them broken input directly.

#include "core/model/nstype.h"

#include <array>
#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nsviz
{

/// Reads files of a proc tree: relative to directory fds into a reused buffer (the discovery hot
/// path), or whole by path. The parsing is in procfiles.h, netfiles.h, sysvipcfiles.h, mountinfo.h.
class ProcReader
{
public:
    /// The errno the readers answer for a file that is not a regular file (a FIFO, socket or device
    /// planted in a proc tree): refused as unreadable, never read or blocked on. A symlink answers
    /// ELOOP (O_NOFOLLOW). A real procfs has only regular files where these readers look.
    static constexpr int kNotRegularFile = ENXIO;

    /// Opens @p name relative to @p dirfd (AT_FDCWD: a path) for reading with O_NOFOLLOW|O_NONBLOCK
    /// and checks that it is a regular file. Returns the fd, or -errno (ELOOP for a symlink,
    /// kNotRegularFile for anything else that is not a regular file). Every file of a proc tree
    /// nsviz reads goes through here.
    static int openRegular(int dirfd, const char *name);

    /// Reads the file @p name relative to @p dirfd (at most @p maxBytes; openRegular()). Returns 0 or
    /// an errno.
    /// The view stays valid until the next read.
    int read(int dirfd, const char *name, std::string_view &out, std::size_t maxBytes = 1 << 20);

    /// Reads the 8 namespace links in the ns directory @p nsDirFd (an O_PATH fd is enough) into
    /// @p inodes (0 where unreadable or unsupported). Sets @p denied when a link answered EACCES
    /// or EPERM. Returns how many links were read.
    static int readNsLinks(int nsDirFd, std::array<std::uint64_t, kNsTypeCount> &inodes, bool &denied);

    /// Reads the whole file at @p path into @p out (openRegular()). Returns 0 or an errno; EFBIG when
    /// the file holds more than @p maxBytes, with the first @p maxBytes in @p out.
    static int readFile(const std::string &path, std::string &out, std::size_t maxBytes = 1 << 16);

    /// The start time (field 22 of stat) of @p pid in the proc tree @p procRoot; nullopt when the
    /// process is gone, unreadable or @p pid <= 0. With the pid, it identifies a process.
    static std::optional<std::uint64_t> startTime(int pid, const std::string &procRoot = "/proc");
    /// The argv of @p pid, capped as procparse::parseCmdline() caps it (@p truncated tells); empty
    /// when gone or unreadable.
    static std::vector<std::string> cmdline(int pid, const std::string &procRoot = "/proc",
                                            bool *truncated = nullptr);
    /// sys/kernel/random/boot_id without the newline; "" when unreadable.
    static std::string bootId(const std::string &procRoot = "/proc");

private:
    std::string m_buf;
};

} // namespace nsviz
