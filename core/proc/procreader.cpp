// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/proc/procreader.h"

#include "core/proc/procfiles.h"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace nsviz
{

int ProcReader::openRegular(int dirfd, const char *name)
{
    // O_NOFOLLOW: a symlink is refused (ELOOP), never followed into a file the caller did not mean.
    // O_NONBLOCK: opening a FIFO does not wait for a writer; the type check below refuses it.
    int fd = ::openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return -errno;
    struct stat st {
    };
    if (::fstat(fd, &st) != 0) {
        int e = errno;
        ::close(fd);
        return -e;
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        return -kNotRegularFile;
    }
    return fd;
}

int ProcReader::readNsLinks(int nsDirFd, std::array<std::uint64_t, kNsTypeCount> &inodes, bool &denied)
{
    int found = 0;
    char buf[64];
    for (NsType t : kAllNsTypes) {
        inodes[index(t)] = 0;
        // nsTypeName() views string literals, so data() is NUL-terminated.
        ssize_t n = ::readlinkat(nsDirFd, nsTypeName(t).data(), buf, sizeof buf);
        if (n < 0) {
            // ENOENT: the kernel lacks this type (time before 5.6) or the task is a zombie.
            if (errno == EACCES || errno == EPERM)
                denied = true;
            continue;
        }
        NsType got;
        std::uint64_t ino = 0;
        if (procparse::parseNsLink(std::string_view(buf, static_cast<std::size_t>(n)), got, ino) &&
            got == t) {
            inodes[index(t)] = ino;
            ++found;
        }
    }
    return found;
}

int ProcReader::read(int dirfd, const char *name, std::string_view &out, std::size_t maxBytes)
{
    out = {};
    int fd = openRegular(dirfd, name);
    if (fd < 0)
        return -fd;
    if (m_buf.size() < 4096)
        m_buf.resize(4096);
    std::size_t len = 0;
    int err = 0;
    for (;;) {
        // The buffer may be larger than this file's cap (grown by an earlier file): never read past it.
        std::size_t room = std::min(m_buf.size(), maxBytes);
        if (len == room) {
            if (room >= maxBytes)
                break;
            m_buf.resize(std::min(maxBytes, m_buf.size() * 2));
            room = std::min(m_buf.size(), maxBytes);
        }
        ssize_t n = ::read(fd, m_buf.data() + len, room - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            err = errno;
            break;
        }
        if (n == 0)
            break;
        len += static_cast<std::size_t>(n);
        // A short read is the end: proc's seq_file and cmdline files hand out everything that
        // fits in one read, as do regular files. Saves a read() per file, 40k per 10k processes.
        if (len < room)
            break;
    }
    ::close(fd);
    if (err)
        return err;
    out = std::string_view(m_buf.data(), len);
    return 0;
}

int ProcReader::readFile(const std::string &path, std::string &out, std::size_t maxBytes)
{
    out.clear();
    int fd = openRegular(AT_FDCWD, path.c_str());
    if (fd < 0)
        return -fd;
    int err = 0;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            err = errno;
            break;
        }
        if (n == 0)
            break;
        if (out.size() == maxBytes) {
            err = EFBIG; // a runaway file: say so, keep what fits
            break;
        }
        std::size_t take = std::min(static_cast<std::size_t>(n), maxBytes - out.size());
        out.append(buf, take);
        if (take < static_cast<std::size_t>(n)) {
            err = EFBIG; // a runaway file: say so, keep what fits
            break;
        }
    }
    ::close(fd);
    return err;
}

std::optional<std::uint64_t> ProcReader::startTime(int pid, const std::string &procRoot)
{
    std::string text;
    if (pid <= 0 || readFile(procRoot + "/" + std::to_string(pid) + "/stat", text, 4096) != 0)
        return std::nullopt;
    return procparse::parseStatStartTime(text);
}

std::vector<std::string> ProcReader::cmdline(int pid, const std::string &procRoot, bool *truncated)
{
    std::string text;
    // One byte past the cap tells parseCmdline() that there was more.
    int e = pid <= 0 ? EINVAL
                     : readFile(procRoot + "/" + std::to_string(pid) + "/cmdline", text,
                                procparse::kMaxCmdlineBytes + 1);
    if (e != 0 && e != EFBIG) {
        if (truncated)
            *truncated = false;
        return {};
    }
    return procparse::parseCmdline(text, truncated);
}

std::string ProcReader::bootId(const std::string &procRoot)
{
    std::string text;
    if (readFile(procRoot + "/sys/kernel/random/boot_id", text, 4096) != 0)
        return {};
    auto eol = text.find('\n');
    if (eol != std::string::npos)
        text.resize(eol);
    return text;
}

} // namespace nsviz
