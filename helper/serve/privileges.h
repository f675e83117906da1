// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file privileges.h What `nsviz-helper serve` keeps of root once it runs: the capabilities scan
/// and inspect need (and, when it serves demos, those starting one needs), no_new_privs, and
/// nothing else: a bug in the protocol code can then not load a module, write raw devices or
/// program BPF, and nothing it executes gains privileges.

#include <string>
#include <vector>

namespace nsviz::helper
{

/// The capabilities serve keeps (CAP_* numbers), measured against what the code does:
/// - scanning and inspecting: CAP_SYS_PTRACE (other users' /proc/PID/ns, fd, root, mountinfo),
///   CAP_DAC_READ_SEARCH (proc and bind-mount paths the DAC would hide), CAP_SYS_ADMIN (setns into
///   another user's namespaces, the mqueue mount of the IPC inspector), CAP_SYS_CHROOT (setns into
///   a mount namespace);
/// - with @p demos, also what demo start/stop use and hand on to the demo's init (see
///   docs/security.md): the demo's own kept set plus CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SETPCAP,
///   CAP_SYS_RESOURCE.
std::vector<int> keptCapabilities(bool demos);

/// Drops, for this process and everything it starts, every capability but keptCapabilities(@p
/// demos) from the bounding, permitted, effective, inheritable and ambient sets, and sets
/// PR_SET_NO_NEW_PRIVS. Call before any thread starts (capabilities are per thread). Returns "" or
/// what failed. Not root (no capabilities to drop): only no_new_privs is set.
std::string dropPrivileges(bool demos);

} // namespace nsviz::helper
