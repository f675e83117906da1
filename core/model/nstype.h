// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file nstype.h The eight Linux namespace types and their names.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace nsviz
{

/// The namespace types, in the order nsviz always lists them.
enum class NsType : std::uint8_t { Mnt = 0, Pid, Net, Uts, Ipc, User, Cgroup, Time };

inline constexpr std::size_t kNsTypeCount = 8;
inline constexpr std::array<NsType, kNsTypeCount> kAllNsTypes = {NsType::Mnt,    NsType::Pid, NsType::Net,
                                                                 NsType::Uts,    NsType::Ipc, NsType::User,
                                                                 NsType::Cgroup, NsType::Time};

/// Index of @p t in arrays of size kNsTypeCount.
constexpr std::size_t index(NsType t)
{
    return static_cast<std::size_t>(t);
}

/// The name used by the kernel in /proc/PID/ns/ (and by lsns): "mnt", "pid", "net", ...
std::string_view nsTypeName(NsType t);
/// Inverse of nsTypeName(); nullopt for anything else.
std::optional<NsType> nsTypeFromName(std::string_view name);
/// The CLONE_NEW* flag for @p t.
int nsCloneFlag(NsType t);
/// Maps a CLONE_NEW* flag (as returned by NS_GET_NSTYPE) back to a type.
std::optional<NsType> nsTypeFromCloneFlag(int flag);
/// One line saying what the type isolates, for tooltips and dialogs.
std::string_view nsTypeDescription(NsType t);

} // namespace nsviz
