// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file bindmountcache.h What the bind-mount step found per mount namespace, kept between scans.

#include "core/model/model.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace nsviz
{

/// The nsfs bind mounts of each mount namespace, kept from one scan to the next (a subscription's
/// ticks) while that namespace lives and its mount table has not changed.
///
/// Reading a mountinfo costs in proportion to its mounts, and an unprivileged user can stack tens
/// of thousands in a user+mount namespace of their own: without this every scan would pay for them.
/// The change check is the kernel's own: a mountinfo fd polls POLLPRI once the mount table of its
/// namespace changed after the fd was opened (proc(5)), so an unchanged namespace costs one poll(2)
/// per scan. The open fd also pins the namespace, so its inode (the key) cannot be reused while it
/// is cached. Only a real procfs is cached (a fixture tree's regular files never poll a change).
/// Not thread-safe: one scan at a time uses it.
class BindMountCache
{
public:
    /// How many mount namespaces are cached at most (each holds one fd; others are read on every
    /// scan, and make every live sweep run the whole pipeline): half the fds the process may open
    /// beyond 512 kept for the scan itself, at least 64 and at most 16384 (maxEntriesFor()). The
    /// soft limit is read once, at the first cache made: raiseFdLimit() (core/proc/fdlimit.h) goes
    /// first. 256 with the common default of 1024, which a host of 500 containers outgrew.
    static std::size_t maxEntries();
    static std::size_t maxEntriesFor(unsigned long softFdLimit);

    BindMountCache() = default;
    ~BindMountCache();
    BindMountCache(const BindMountCache &) = delete;
    BindMountCache &operator=(const BindMountCache &) = delete;

    /// How many mountinfo files were parsed, and how many namespaces were answered from the cache,
    /// over the cache's life (tests and NSVIZ_TRACE_STEPS).
    /// Atomic: a test may watch them while a serve loop's scan worker counts.
    std::uint64_t mountinfoReads() const { return m_reads; }
    std::uint64_t hits() const { return m_hits; }
    std::size_t size() const { return m_entries.size(); }

    /// One nsfs bind mount as found in a mountinfo.
    struct Mount {
        NsType type = NsType::Net;
        std::uint64_t ino = 0;
        std::string target;
    };
    struct Entry {
        int pid = 0;       ///< whose mountinfo was read: the cached targets are as that process sees them
        int fd = -1;       ///< that mountinfo, open, polled for a change
        bool seen = false; ///< found in the scan running now
        std::uint64_t readNumber = 0; ///< mountinfoReads() when it was read (tests tell re-reads)
        std::vector<Mount> mounts;
    };

    /// The entry of @p mntIno, or nullptr; no change check (for tests and tracing).
    const Entry *find(std::uint64_t mntIno) const
    {
        auto it = m_entries.find(mntIno);
        return it == m_entries.end() ? nullptr : &it->second;
    }

    /// The entry of mount namespace @p mntIno when it is cached, its process @p pid is among
    /// @p pids and its mount table has not changed; else nullptr (a changed entry is dropped).
    const Entry *lookup(std::uint64_t mntIno, const std::vector<int> &pids);
    /// Whether lookup() would answer @p mntIno from the cache now (a changed entry is dropped, as
    /// there: polling a mountinfo consumes its change), without counting a hit. A live scan asks
    /// this to learn whether any mount table needs reading again.
    bool fresh(std::uint64_t mntIno, const std::vector<int> &pids);
    /// Opens @p mountinfoPath to watch it before it is read; -1 when not cacheable (not procfs, the
    /// cache is full, or it cannot be opened). Pass the fd to store() or closeWatch().
    int watch(const std::string &mountinfoPath) const;
    /// Keeps @p mounts of @p mntIno as read from @p pid's mountinfo (watched by @p fd).
    void store(std::uint64_t mntIno, int pid, int fd, std::vector<Mount> mounts);
    static void closeWatch(int fd);
    /// Starts a scan: nothing is seen yet.
    void beginScan();
    /// Ends a scan: forgets the namespaces the scan did not see (they ended, or lost their processes).
    void endScan();

private:
    std::unordered_map<std::uint64_t, Entry> m_entries;
    std::atomic<std::uint64_t> m_reads{0}, m_hits{0};
};

} // namespace nsviz
