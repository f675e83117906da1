// SPDX-License-Identifier: GPL-2.0-or-later
#include "helper/demo/caller.h"

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <unistd.h>

namespace nsviz::helper
{

namespace
{
std::uint32_t parseUid(const char *name, const char *text)
{
    std::uint32_t uid = 0;
    const char *end = text + std::strlen(text);
    auto [ptr, ec] = std::from_chars(text, end, uid);
    // (uid_t)-1 means "no uid" to the kernel: never a caller.
    if (*text == '\0' || ec != std::errc() || ptr != end || uid == 0xFFFFFFFFu)
        throw std::runtime_error(std::string(name) +
                                 " is not a valid uid; refusing to guess who the caller is");
    return uid;
}
} // namespace

Caller callerFromEnvironment()
{
    Caller c;
    const char *pk = std::getenv("PKEXEC_UID");
    const char *su = std::getenv("SUDO_UID");
    // pkexec clears the environment, so it never passes a SUDO_UID on; sudo always sets SUDO_UID,
    // but a sudoers rule that lets the user set variables could let them add PKEXEC_UID=0.
    // Both at once, naming different users, is someone claiming to be someone else.
    if (pk && su && std::strcmp(pk, su) != 0)
        throw std::runtime_error(
            "PKEXEC_UID and SUDO_UID name different users; refusing to guess who the caller is");
    if (const char *p = pk) {
        c.uid = parseUid("PKEXEC_UID", p);
        c.via = "pkexec";
    } else if (const char *s = su) {
        c.uid = parseUid("SUDO_UID", s);
        c.via = "sudo";
    } else {
        c.uid = std::uint32_t(::getuid());
    }
    c.forSomeoneElse = !c.via.empty() && c.uid != std::uint32_t(::geteuid());
    return c;
}

} // namespace nsviz::helper
