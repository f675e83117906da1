// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/proc/fdio.h"

#include <cerrno>
#include <cstddef>

#include <unistd.h>

namespace nsviz
{

bool writeAll(int fd, std::string_view data, const volatile std::sig_atomic_t *stop)
{
    const char *p = data.data();
    std::size_t left = data.size();
    while (left > 0) {
        if (stop && *stop) {
            errno = EINTR;
            return false;
        }
        const ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue; // the loop's head gives up when the signal asked to stop
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
