// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file livescan.h Discovery that keeps what it read and re-reads only the processes that changed.
///
/// A subscription driven by process events (fork, exec, exit) does not need to read every process on
/// every change: LiveScan keeps each process's record (what ProcessStep read) and re-reads only the
/// pids it is told about; the later steps (fds, bind mounts, hierarchy, host) then run over the kept
/// records exactly as over a fresh read, so a snapshot from it equals discover() of the same /proc
/// wherever the kept records are still true. What no event reports (setns or unshare without exec,
/// lost events) is caught by sweep(), which reads only the namespace links of known processes.

#include "core/discovery/discovery.h"

#include <memory>
#include <vector>

namespace nsviz
{

class NsQuery;

class LiveScan
{
public:
    /// @p query: the nsfs operations (null: the real ones). A bind-mount cache is made when the
    /// options have none. Not thread-safe: one call at a time.
    explicit LiveScan(DiscoveryOptions opts, std::shared_ptr<NsQuery> query = nullptr);
    ~LiveScan();

    /// Reads every process again: the first picture, and a resync after lost events.
    Snapshot full();
    /// The first picture, fast: lists the pids but reads only the first @p count (the lowest pids,
    /// where the host's own services are; 0: an eighth of them, at least 500); readRest() reads
    /// the others. Between the two, update()
    /// and sweep() work as usual (a sweep reads the unread ones as new).
    Snapshot beginFull(std::size_t count);
    bool hasUnread() const { return !m_unread.empty(); }
    Snapshot readRest();
    /// Re-reads @p pids (those gone are dropped). The children of a process that exited are read
    /// again too: the kernel gave them a new parent without telling anyone.
    Snapshot update(std::vector<int> pids);

    struct SweepStats {
        std::size_t listed = 0;  ///< pids under the proc root
        std::size_t checked = 0; ///< known processes whose namespace links were read
        std::size_t reread = 0;  ///< processes read again (new, or their links changed)
        std::size_t removed = 0; ///< known processes no longer there
    };
    /// Lists the pids; reads the new ones, drops the vanished ones, and of every known process reads
    /// only its 8 namespace links: the ones whose links changed are read again.
    Snapshot sweep(SweepStats *stats = nullptr);

    /// Pids of kept processes that are zombies (exited, not yet reaped: no event says when they go).
    std::vector<int> zombies() const;
    std::size_t size() const { return m_records.size(); }
    /// How many processes were read since construction (tests: an update reads only what it is told).
    std::uint64_t processReads() const { return m_reads; }

private:
    Snapshot assemble();
    /// Replaces the records of @p asked (ascending, unique) by @p fresh (a subset, ascending).
    void merge(const std::vector<int> &asked, std::vector<ProcessRecord> fresh);
    std::vector<ProcessRecord> read(const std::vector<int> &pids);

    DiscoveryOptions m_opts;
    std::shared_ptr<NsQuery> m_query;
    std::vector<ProcessRecord> m_records; ///< ascending pid
    std::vector<int> m_unread;            ///< listed by beginFull(), not read yet
    std::uint64_t m_reads = 0;
};

} // namespace nsviz
