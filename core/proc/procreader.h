// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file procreader.h Reading and parsing the per-process files of a proc tree.
///
/// The parsers take text, so the tests feed them broken input directly; the readers work relative
/// to directory fds and reuse one buffer, so a scan of 10k processes does not allocate per file.

#include "core/model/nstype.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nsviz
{

/// What discovery uses from /proc/PID/stat.
struct StatFields {
    std::string comm;
    char state = '?';
    int ppid = 0;
    unsigned flags = 0;          ///< PF_* flags (field 9)
    std::uint64_t startTime = 0; ///< field 22, clock ticks after boot
};

/// What discovery uses from /proc/PID/status.
struct StatusFields {
    std::uint32_t uid = 0, euid = 0, gid = 0;
    bool haveIds = false;
    std::vector<int> nspid; ///< empty when missing or malformed
};

/// Reads files relative to directory fds into a reused buffer, and parses them.
class ProcReader
{
public:
    /// Parses stat text. The command name is taken between the first '(' and the LAST ')', since
    /// it may itself hold spaces and parentheses. Returns false when the text is too short to hold
    /// the start time (field 22); fields parsed before the cut are still filled in.
    static bool parseStat(std::string_view text, StatFields &out);
    /// Parses Uid/Gid/NSpid out of status text. A garbage NSpid line yields an empty nspid.
    static void parseStatus(std::string_view text, StatusFields &out);
    /// Splits NUL-separated argv; a trailing NUL does not make an empty last argument.
    static std::vector<std::string> parseCmdline(std::string_view text);
    /// The cgroup v2 path ("0::PATH") or, when there is no v2 line, the first line's path.
    static std::string parseCgroup(std::string_view text);
    /// Parses a namespace link text "net:[4026531840]". Returns false for anything else
    /// (sockets, pipes, files, garbage).
    static bool parseNsLink(std::string_view text, NsType &type, std::uint64_t &ino);
    /// Parses a decimal pid (> 0); false for anything else.
    static bool parsePid(std::string_view text, int &pid);

    /// Reads the file @p name relative to @p dirfd (at most @p maxBytes). Returns 0 or an errno.
    /// The view stays valid until the next read.
    int read(int dirfd, const char *name, std::string_view &out, std::size_t maxBytes = 1 << 20);

    /// Reads the 8 namespace links in the ns directory @p nsDirFd (an O_PATH fd is enough) into
    /// @p inodes (0 where unreadable or unsupported). Sets @p denied when a link answered EACCES
    /// or EPERM. Returns how many links were read.
    static int readNsLinks(int nsDirFd, std::array<std::uint64_t, kNsTypeCount> &inodes, bool &denied);

private:
    std::string m_buf;
};

} // namespace nsviz
