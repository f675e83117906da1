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
    if (const char *p = std::getenv("PKEXEC_UID")) {
        c.uid = parseUid("PKEXEC_UID", p);
        c.via = "pkexec";
    } else if (const char *s = std::getenv("SUDO_UID")) {
        c.uid = parseUid("SUDO_UID", s);
        c.via = "sudo";
    } else {
        c.uid = std::uint32_t(::getuid());
    }
    c.forSomeoneElse = !c.via.empty() && c.uid != std::uint32_t(::geteuid());
    return c;
}

} // namespace nsviz::helper
