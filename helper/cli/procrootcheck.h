// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file procrootcheck.h May this caller point the helper at this proc root (--proc DIR)?
/// Run as root for someone else (pkexec, sudo), the helper would read, as root, whatever a tree
/// the caller built links to. See docs/security.md.

#include "helper/demo/caller.h"

#include <string>

namespace nsviz::helper
{

/// "" when @p caller may use @p path as the proc root, else why not. Anyone may use any tree
/// for themselves. For someone else it must be a canonical absolute path (no symlink in it, which
/// could be re-pointed after the check), and a real proc file system or a tree that only root
/// can change: @p path, each directory above it, and every entry in it owned by root and not
/// writable by group or others (a sticky directory above it, like /tmp, is fine).
std::string procRootRefusal(const std::string &path, const Caller &caller);
/// The same for the caller named by the environment (callerFromEnvironment()); a malformed
/// PKEXEC_UID/SUDO_UID is a refusal too.
std::string procRootRefusal(const std::string &path);

} // namespace nsviz::helper
