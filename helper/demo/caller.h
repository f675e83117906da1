// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file caller.h Who the helper acts for. pkexec and sudo run it as root on behalf of someone
/// else and say who in PKEXEC_UID / SUDO_UID; the helper's rules (demo ownership, --proc, the
/// hidden demo modes) follow from that. See docs/security.md.

#include <cstdint>
#include <string>

namespace nsviz::helper
{

/// The user on whose behalf this process runs.
struct Caller {
    std::uint32_t uid = 0;
    /// "pkexec" (PKEXEC_UID), "sudo" (SUDO_UID) or "" (no wrapper: the real uid).
    std::string via;
    /// Runs with more rights than its caller: started by pkexec/sudo for another uid than ours.
    bool forSomeoneElse = false;
};

/// PKEXEC_UID, else SUDO_UID, else the real uid. A variable that is set but not a plain decimal
/// uid below 2^32-1 throws std::runtime_error: the helper must not guess whom it serves.
Caller callerFromEnvironment();

} // namespace nsviz::helper
