// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/proc/dirreader.h"

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace nsviz
{

namespace
{
// The kernel's struct linux_dirent64 (glibc exposes getdents64 only since 2.30; the raw call is
// the same everywhere).
struct LinuxDirent64 {
    ino64_t d_ino;
    off64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};
} // namespace

int DirReader::forEach(int dirFd, const std::function<bool(std::string_view)> &onEntry)
{
    alignas(8) char buf[16384];
    for (;;) {
        long n = ::syscall(SYS_getdents64, dirFd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (n == 0)
            return 0;
        for (long off = 0; off < n;) {
            auto *d = reinterpret_cast<LinuxDirent64 *>(buf + off);
            off += d->d_reclen;
            std::string_view name(d->d_name, std::strlen(d->d_name));
            if (name == "." || name == "..")
                continue;
            if (!onEntry(name))
                return 0;
        }
    }
}

} // namespace nsviz
