// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file procfiles.h Typed parsers of the per-process files of a proc tree: stat, status, cmdline,
/// cgroup, uid_map/gid_map, timens_offsets and the ns links. Each takes the file's text and fills a
/// plain struct; none throws, and malformed input leaves fields unset instead of half-filled.
/// Discovery calls parseStat()/parseStatus() for every process: they reuse the caller's buffers.

#include "core/model/nstype.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nsviz::procparse
{

/// What nsviz uses from /proc/PID/stat.
struct Stat {
    std::string comm;            ///< field 2, between the first '(' and the last ')'
    char state = '?';            ///< field 3
    int ppid = 0;                ///< field 4
    unsigned flags = 0;          ///< PF_* flags (field 9)
    std::uint64_t startTime = 0; ///< field 22, clock ticks after boot
};

/// Parses stat text. The command name is taken between the first '(' and the LAST ')', since it
/// may itself hold spaces and parentheses. Returns false when the text is too short to hold the
/// start time or a field is malformed; fields parsed before that are still filled in.
bool parseStat(std::string_view text, Stat &out);
/// Just the start time (field 22), without copying the name; nullopt when parseStat() would fail.
std::optional<std::uint64_t> parseStatStartTime(std::string_view text);

/// The four ids of a Uid:/Gid: line of /proc/PID/status.
struct IdSet {
    std::uint32_t real = 0, effective = 0, saved = 0, fs = 0;
};

/// The capability sets of /proc/PID/status, in the order the kernel prints them.
enum class CapSet { Inheritable, Permitted, Effective, Bounding, Ambient };
inline constexpr std::size_t kCapSetCount = 5;

/// What nsviz uses from /proc/PID/status. Each field is set only when its line is well formed.
struct Status {
    std::optional<std::string> name; ///< Name (trimmed)
    std::optional<IdSet> uid, gid;   ///< only when the line holds exactly four numbers
    std::vector<int> nspid;          ///< NSpid, outermost first; empty when missing or bad
    std::array<std::optional<std::uint64_t>, kCapSetCount> caps; ///< by CapSet
    std::optional<bool> noNewPrivs;
    std::optional<int> seccomp;        ///< 0 disabled, 1 strict, 2 filter
    std::optional<int> seccompFilters; ///< Seccomp_filters
};

/// How much of status to parse.
enum class StatusScope {
    All, ///< every field of Status
    Ids, ///< Uid, Gid and NSpid only; stops reading once it has them (discovery)
};

/// Parses status text into @p out, reusing its buffers. A garbage NSpid line (not all positive
/// numbers) yields an empty nspid, never a half chain.
void parseStatus(std::string_view text, Status &out, StatusScope scope = StatusScope::All);

/// A capability mask as printed in status (hex, at most 64 bits); nullopt when malformed.
std::optional<std::uint64_t> parseCapMask(std::string_view hex);
/// Capability names (libcap's cap_to_name, e.g. "cap_net_admin") of the bits set in @p mask, in
/// bit order. A bit this libcap does not know is named by its number.
std::vector<std::string> capNames(std::uint64_t mask);

/// At most this many arguments of a process are kept (discovery, inspect, diff): an unprivileged
/// process can hold 131,000 empty arguments, and a scan of a few hundred such processes must not
/// cost gigabytes.
inline constexpr std::size_t kMaxCmdlineArgs = 256;
/// At most this many bytes of /proc/PID/cmdline (the NULs included) are kept.
inline constexpr std::size_t kMaxCmdlineBytes = 4096;

/// Splits NUL-separated argv; a trailing NUL does not make an empty last argument. Keeps at most
/// kMaxCmdlineArgs arguments from the first kMaxCmdlineBytes bytes of @p text; @p truncated (when
/// given) is set when anything was dropped. Callers read kMaxCmdlineBytes + 1 bytes, so that a
/// longer argument area shows as cut.
std::vector<std::string> parseCmdline(std::string_view text, bool *truncated = nullptr);

/// The cgroup v2 path ("0::PATH") of /proc/PID/cgroup or, when there is no v2 line, the first
/// line's path; empty when there is none. A view into @p text.
std::string_view parseCgroupPath(std::string_view text);

/// One line of uid_map or gid_map.
struct IdMapEntry {
    std::uint32_t inside = 0, outside = 0, count = 0;
};
/// uid_map / gid_map; malformed lines are skipped. Empty for a user namespace whose map is not
/// written yet.
std::vector<IdMapEntry> parseIdMap(std::string_view text);

/// One line of /proc/PID/timens_offsets.
struct TimeOffset {
    std::string clock; ///< "monotonic" or "boottime" (old kernels' numeric ids are translated)
    std::int64_t seconds = 0, nanoseconds = 0;
};
std::vector<TimeOffset> parseTimensOffsets(std::string_view text);

/// Parses a namespace link text "net:[4026531840]". Returns false for anything else (sockets,
/// pipes, files, garbage, inode 0).
bool parseNsLink(std::string_view text, NsType &type, std::uint64_t &ino);

/// Parses a decimal pid (> 0, no leading zero or sign); false for anything else.
bool parsePid(std::string_view text, int &pid);

} // namespace nsviz::procparse
