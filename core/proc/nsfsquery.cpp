// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/proc/nsfsquery.h"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

namespace nsviz
{

namespace
{
int errnoOr(int fallback)
{
    return errno > 0 ? errno : fallback;
}
} // namespace

int NsfsQuery::device(const std::string &path, std::uint64_t &dev)
{
    struct stat st {
    };
    if (::stat(path.c_str(), &st) != 0)
        return errnoOr(EIO);
    dev = st.st_dev;
    return 0;
}

int NsfsQuery::open(const std::string &path, Handle &out)
{
    // Check the file, not the path: a bind-mount path in some mount namespace could meanwhile be
    // anything (a FIFO, a device). O_PATH opens nothing; only an nsfs file is then reopened for
    // real, through the magic link of the very fd we checked. /proc/PID/ns/X and /proc/PID/fd/N
    // are magic links that must be followed, so no O_NOFOLLOW.
    int probe = ::open(path.c_str(), O_PATH | O_CLOEXEC);
    if (probe < 0)
        return errnoOr(EIO);
    struct statfs fs {
    };
    if (::fstatfs(probe, &fs) != 0) {
        int e = errnoOr(EIO);
        ::close(probe);
        return e;
    }
    if (static_cast<unsigned long>(fs.f_type) != NSFS_MAGIC) {
        ::close(probe);
        return EINVAL; // not a namespace file
    }
    char self[64];
    std::snprintf(self, sizeof self, "/proc/self/fd/%d", probe);
    int fd = ::open(self, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
        fd = ::open(path.c_str(),
                    O_RDONLY | O_CLOEXEC | O_NOCTTY); // no /proc here: small race, still checked below
    int e = errno;
    ::close(probe);
    if (fd < 0)
        return e ? e : EIO;
    if (::ioctl(fd, NS_GET_NSTYPE) < 0) {
        e = errnoOr(EIO);
        ::close(fd);
        return e == ENOTTY ? EINVAL : e;
    }
    out = fd;
    return 0;
}

int NsfsQuery::identify(Handle h, NsId &out)
{
    struct stat st {
    };
    if (::fstat(h, &st) != 0)
        return errnoOr(EIO);
    out = NsId{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
    return 0;
}

int NsfsQuery::type(Handle h, NsType &out)
{
    int flag = ::ioctl(h, NS_GET_NSTYPE);
    if (flag < 0)
        return errnoOr(EIO);
    auto t = nsTypeFromCloneFlag(flag);
    if (!t)
        return EINVAL;
    out = *t;
    return 0;
}

int NsfsQuery::owner(Handle h, Handle &out)
{
    int fd = ::ioctl(h, NS_GET_USERNS);
    if (fd < 0)
        return errnoOr(EIO);
    // The ioctl's fd is O_CLOEXEC already (kernel: open_related_ns uses O_RDONLY|O_CLOEXEC).
    out = fd;
    return 0;
}

int NsfsQuery::parent(Handle h, Handle &out)
{
    int fd = ::ioctl(h, NS_GET_PARENT);
    if (fd < 0)
        return errnoOr(EIO);
    out = fd;
    return 0;
}

int NsfsQuery::ownerUid(Handle h, std::uint32_t &out)
{
    uid_t uid = 0;
    if (::ioctl(h, NS_GET_OWNER_UID, &uid) < 0)
        return errnoOr(EIO);
    out = uid;
    return 0;
}

void NsfsQuery::close(Handle h)
{
    if (h >= 0)
        ::close(h);
}

} // namespace nsviz
