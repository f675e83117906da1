// SPDX-License-Identifier: GPL-2.0-or-later
#include "nsfsquery.h"

#include <cerrno>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace nsviz {

namespace {
int errnoOr(int fallback) { return errno > 0 ? errno : fallback; }
} // namespace

int NsfsQuery::device(const std::string &path, std::uint64_t &dev)
{
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return errnoOr(EIO);
    dev = st.st_dev;
    return 0;
}

int NsfsQuery::open(const std::string &path, Handle &out)
{
    // /proc/PID/ns/X and /proc/PID/fd/N are magic links that must be followed (O_NOFOLLOW would
    // refuse them); we check what we got with fstat/NS_GET_NSTYPE instead of trusting the path.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return errnoOr(EIO);
    // A bind-mount path could be a regular file a user put there: nsfs answers NS_GET_NSTYPE,
    // nothing else does.
    if (::ioctl(fd, NS_GET_NSTYPE) < 0) {
        int e = errnoOr(EIO);
        ::close(fd);
        return e == ENOTTY ? EINVAL : e;
    }
    out = fd;
    return 0;
}

int NsfsQuery::identify(Handle h, NsId &out)
{
    struct stat st {};
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
