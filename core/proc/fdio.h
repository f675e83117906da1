// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file fdio.h Whole writes to a file descriptor: pipes to and from helper children, the serve
/// stream. One loop for every caller, so each one retries EINTR and stops at a short write the
/// same way.

#include <csignal>
#include <string_view>

namespace nsviz
{

/// Writes all of @p data to @p fd, retrying after EINTR. False when write() fails (errno says
/// why) or writes nothing (errno is then EIO). Uses nothing but write(2), so a child between
/// fork() and _exit() may call it.
///
/// With @p stop (a flag a signal handler sets, its handler installed without SA_RESTART): gives up
/// once it is set, before a write or when a signal interrupts one (false, errno EINTR). Without
/// this, a writer blocked on a pipe whose reader stopped reading (but keeps it open) could not be
/// stopped but by SIGKILL.
bool writeAll(int fd, std::string_view data, const volatile std::sig_atomic_t *stop = nullptr);

} // namespace nsviz
