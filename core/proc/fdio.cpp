// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/proc/fdio.h"

#include <cerrno>
#include <cstddef>

#include <unistd.h>

namespace nsviz
{

bool writeAll(int fd, std::string_view data)
{
    const char *p = data.data();
    std::size_t left = data.size();
    while (left > 0) {
        const ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return false;
        if (n == 0) {
            errno = EIO;
            return false;
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    return true;
}

} // namespace nsviz
