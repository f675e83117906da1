// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file demoproc.h Small process and file helpers shared by the demo manager, supervisor and init.
/// Reading /proc (start times, argv, boot id, whole files) is core's ProcReader; this adds the demo's
/// own rule of what counts as one of its processes.

#include <csignal>
#include <cstdint>
#include <string>
#include <sys/syscall.h>
#include <unistd.h>

namespace nsviz::helper::demoproc
{

// Bookworm's <sys/pidfd.h> lacks extern "C" (glibc 2.36), so call the system calls directly.
inline int pidfdOpen(int pid)
{
    return int(::syscall(SYS_pidfd_open, pid, 0));
}
inline int pidfdSignal(int pidfd, int sig)
{
    return int(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

/// True when @p pid runs nsviz-helper in @p mode (argv[1]) and started at @p start.
bool isOurs(int pid, std::uint64_t start, const char *mode);
/// Wall clock in ms since the epoch.
std::uint64_t nowMs();
/// Writes @p text to the file at @p path (O_WRONLY, no create, no follow); errno-style message or "".
std::string writeFile(const std::string &path, const std::string &text);
/// strerror as std::string.
std::string errnoText(int err);

} // namespace nsviz::helper::demoproc
