// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file demoproc.h Small /proc and file helpers shared by the demo manager, supervisor and init.

#include <csignal>
#include <cstdint>
#include <optional>
#include <string>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

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

/// Start time (field 22 of /proc/PID/stat, parsed after the last ')'); nullopt if gone/unreadable.
std::optional<std::uint64_t> startTime(int pid);
/// argv of @p pid; empty if gone or unreadable.
std::vector<std::string> cmdline(int pid);
/// True when @p pid runs nsviz-helper in @p mode (argv[1]) and started at @p start.
bool isOurs(int pid, std::uint64_t start, const char *mode);
/// /proc/sys/kernel/random/boot_id without the newline ("" if unreadable).
std::string bootId();
/// Wall clock in ms since the epoch.
std::uint64_t nowMs();
/// Writes all of @p data to @p fd (retrying EINTR/short writes); false on error.
bool writeAll(int fd, const std::string &data);
/// Writes @p text to the file at @p path (O_WRONLY, no create, no follow); errno-style message or "".
std::string writeFile(const std::string &path, const std::string &text);
/// Reads a small file whole; nullopt on error.
std::optional<std::string> readFile(const std::string &path, std::size_t max = 1 << 16);
/// strerror as std::string.
std::string errnoText(int err);

} // namespace nsviz::helper::demoproc
