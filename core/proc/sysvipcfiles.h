// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file sysvipcfiles.h Typed parser of /proc/sysvipc/{shm,sem,msg}: the System V IPC objects of
/// the reader's IPC namespace.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nsviz::procparse
{

enum class SysvIpcKind { Shm, Sem, Msg };
/// "shm", "sem", "msg": the file name under /proc/sysvipc.
const char *sysvIpcKindName(SysvIpcKind kind);
/// The kind's extra column: "size" (shm), "nsems" (sem), "qnum" (msg).
const char *sysvIpcExtraName(SysvIpcKind kind);

/// One object of a /proc/sysvipc file.
struct SysvIpcObject {
    std::int64_t key = 0; ///< printed signed
    std::int64_t id = 0;
    std::string perms; ///< octal, as printed
    std::uint32_t uid = 0;
    std::optional<std::uint64_t> extra; ///< see sysvIpcExtraName()
};

/// Columns are found by the header's names (their order differs between the three files); a file
/// without the needed columns yields nothing, a line with another column count is skipped.
std::vector<SysvIpcObject> parseSysvipc(std::string_view text, SysvIpcKind kind);

} // namespace nsviz::procparse
