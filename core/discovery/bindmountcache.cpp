// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/discovery/bindmountcache.h"

#include "core/proc/procreader.h"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/vfs.h>
#include <unistd.h>

namespace nsviz
{

namespace
{
constexpr long kProcSuperMagic = 0x9fa0; // PROC_SUPER_MAGIC (linux/magic.h)
}

std::size_t BindMountCache::maxEntriesFor(unsigned long softFdLimit)
{
    const unsigned long room = softFdLimit > 1024 ? (softFdLimit - 512) / 2 : softFdLimit / 4;
    return std::clamp<std::size_t>(room, 64, 16384);
}

std::size_t BindMountCache::maxEntries()
{
    static const std::size_t max = [] {
        rlimit r{};
        if (::getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur == RLIM_INFINITY)
            return maxEntriesFor(1024);
        return maxEntriesFor(static_cast<unsigned long>(r.rlim_cur));
    }();
    return max;
}

BindMountCache::~BindMountCache()
{
    for (auto &[ino, e] : m_entries)
        closeWatch(e.fd);
}

void BindMountCache::closeWatch(int fd)
{
    if (fd >= 0)
        ::close(fd);
}

bool BindMountCache::fresh(std::uint64_t mntIno, const std::vector<int> &pids)
{
    auto it = m_entries.find(mntIno);
    if (it == m_entries.end())
        return false;
    const bool seen = it->second.seen; // only a scan marks what it saw
    const std::uint64_t hits = m_hits;
    if (!lookup(mntIno, pids))
        return false; // dropped: the next scan reads it
    m_hits = hits;
    it->second.seen = seen;
    return true;
}

const BindMountCache::Entry *BindMountCache::lookup(std::uint64_t mntIno, const std::vector<int> &pids)
{
    auto it = m_entries.find(mntIno);
    if (it == m_entries.end())
        return nullptr;
    Entry &e = it->second;
    bool changed = !std::binary_search(pids.begin(), pids.end(), e.pid);
    if (!changed) {
        pollfd pfd{e.fd, POLLPRI, 0};
        int rc;
        while ((rc = ::poll(&pfd, 1, 0)) < 0 && errno == EINTR) {
        }
        // POLLERR|POLLPRI: the mount table changed since the fd was opened (or last polled).
        changed = rc != 0 && (pfd.revents & (POLLERR | POLLPRI | POLLNVAL));
    }
    if (changed) {
        closeWatch(e.fd);
        m_entries.erase(it);
        return nullptr;
    }
    e.seen = true;
    ++m_hits;
    return &e;
}

int BindMountCache::watch(const std::string &mountinfoPath) const
{
    if (m_entries.size() >= maxEntries())
        return -1;
    int fd = ProcReader::openRegular(AT_FDCWD, mountinfoPath.c_str());
    if (fd < 0)
        return -1;
    struct statfs fs {
    };
    if (::fstatfs(fd, &fs) != 0 || fs.f_type != kProcSuperMagic) {
        ::close(fd);
        return -1;
    }
    return fd;
}

void BindMountCache::store(std::uint64_t mntIno, int pid, int fd, std::vector<Mount> mounts)
{
    ++m_reads;
    if (fd < 0)
        return;
    Entry &e = m_entries[mntIno];
    closeWatch(e.fd);
    e.pid = pid;
    e.fd = fd;
    e.seen = true;
    e.readNumber = m_reads;
    e.mounts = std::move(mounts);
}

void BindMountCache::beginScan()
{
    for (auto &[ino, e] : m_entries)
        e.seen = false;
}

void BindMountCache::endScan()
{
    for (auto it = m_entries.begin(); it != m_entries.end();) {
        if (it->second.seen) {
            ++it;
        } else {
            closeWatch(it->second.fd);
            it = m_entries.erase(it);
        }
    }
}

} // namespace nsviz
