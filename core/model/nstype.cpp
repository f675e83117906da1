// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/model/nstype.h"

#include <sched.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace nsviz
{

namespace
{
struct TypeInfo {
    std::string_view name;
    int flag;
    std::string_view description;
};
constexpr std::array<TypeInfo, kNsTypeCount> kInfo = {{
    {"mnt", CLONE_NEWNS, "mount table: which file systems are visible and where"},
    {"pid", CLONE_NEWPID, "process ids: the container sees its own PID 1 and nothing above"},
    {"net", CLONE_NEWNET, "network stack: interfaces, addresses, routes, sockets, firewall"},
    {"uts", CLONE_NEWUTS, "hostname and NIS domain name"},
    {"ipc", CLONE_NEWIPC, "System V IPC objects and POSIX message queues"},
    {"user", CLONE_NEWUSER, "user and group ids and capabilities: root inside need not be root outside"},
    {"cgroup", CLONE_NEWCGROUP, "the view of the cgroup hierarchy (its root)"},
    {"time", CLONE_NEWTIME, "offsets of the monotonic and boot-time clocks"},
}};
} // namespace

std::string_view nsTypeName(NsType t)
{
    return kInfo[index(t)].name;
}

std::optional<NsType> nsTypeFromName(std::string_view name)
{
    for (NsType t : kAllNsTypes)
        if (kInfo[index(t)].name == name)
            return t;
    return std::nullopt;
}

int nsCloneFlag(NsType t)
{
    return kInfo[index(t)].flag;
}

std::optional<NsType> nsTypeFromCloneFlag(int flag)
{
    for (NsType t : kAllNsTypes)
        if (kInfo[index(t)].flag == flag)
            return t;
    return std::nullopt;
}

std::string_view nsTypeDescription(NsType t)
{
    return kInfo[index(t)].description;
}

} // namespace nsviz
