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
///
/// LiveScan also keeps the snapshot it last gave (current()) and says what changed as a delta built
/// from the re-read processes themselves: when every changed process stays in namespaces that were
/// already there and keep one of their old processes, and nothing about fds, warnings, the host
/// reference or the first pid of a mount namespace changed, the kept snapshot is patched in place
/// (the processes, the member lists of the namespaces they left and joined, the sandboxes) and the
/// delta names exactly those. A new or emptied namespace of a type without parent or children
/// (net, uts, ipc, cgroup, time) is patched too. Anything else (a new or emptied user, pid or mount
/// namespace, an fd, the host reference) runs the whole pipeline over the kept records and diffs it.

#include "core/discovery/discovery.h"
#include "core/model/delta.h"

#include <memory>
#include <optional>
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

    /// Reads every process again: the first picture (kept as current()).
    Snapshot full();
    /// The first picture, fast: lists the pids but reads only the first @p count (the lowest pids,
    /// where the host's own services are; 0: an eighth of them, at least 500); readRest() reads
    /// the others. Between the two, update()
    /// and sweep() work as usual (a sweep reads the unread ones as new).
    /// A first picture in parts also leaves every process's fds for last (readFdsChange()): on a
    /// host of thousands of processes, or of a few with thousands of fds each, they are a third
    /// of the reading or more, and they add only the namespaces held by nothing but an fd.
    Snapshot beginFull(std::size_t count);
    bool hasUnread() const { return !m_unread.empty(); }
    /// Whether processes of the first picture have their fds still to be read.
    bool hasUnreadFds() const { return !m_unreadFds.empty(); }

    /// The snapshot as of the last call: what a client that applied every delta holds.
    const Snapshot &current() const
    {
        refill();
        return m_snap;
    }

    /// What changed since current(), which then becomes the new state. nullopt: nothing did (host
    /// timings aside). The delta's seq is left 0 for the caller to number.
    using Change = std::optional<SnapshotDelta>;
    /// Reads every process again (a resync after lost events, or the periodic full re-read), all at
    /// once: resyncChange() with no slice.
    Change resync() { return resyncChange(0); }
    /// A full re-read taken in slices: a round lists the pids, then every call reads at most
    /// @p slice of them whole (stat, status, cmdline, cgroup, fds; 0: the rest of the round) and
    /// says what changed there, as an update would (patched in place when it can be); the round's
    /// last call also looks at mount tables and host facts and runs the whole pipeline over the
    /// kept records once, for what only it derives (hierarchy, bind mounts, the engines' names).
    /// So the re-read never holds a second set of every record, nor the new records beside two
    /// snapshots (the helper's peak at 10k processes). A call starts a new round unless one is in
    /// progress (resyncInRound()) and @p restart is false; a namespace-link round in progress is
    /// dropped for it. @p restart: events were lost, maybe in the part of a round already read.
    Change resyncChange(std::size_t slice, bool restart = false);
    /// Reads the pids that beginFull() left out.
    Change readRestChange();
    /// Reads the fds beginFull() and readRestChange() left unread, and says what they hold (the
    /// namespaces found by an fd, their holders); nullopt when nothing (the common case).
    Change readFdsChange();
    /// Re-reads @p pids (those gone are dropped). The children of a process that exited are read
    /// again too: the kernel gave them a new parent without telling anyone.
    Change updateChange(std::vector<int> pids);

    struct SweepStats {
        std::size_t listed = 0;  ///< pids under the proc root
        std::size_t checked = 0; ///< known processes whose namespace links were read
        std::size_t reread = 0;  ///< processes read again (new, or their links changed)
        std::size_t removed = 0; ///< known processes no longer there
        bool roundDone = false;  ///< this call checked the last pids of a round
    };
    /// Lists the pids; reads the new ones, drops the vanished ones, and of every known process reads
    /// only its 8 namespace links: the ones whose links changed are read again. Mount tables (bind
    /// mounts) and host facts, which no process event announces, are looked at here too, once per
    /// round. @p slice > 0: check at most that many listed pids per call, going on from where the
    /// last call stopped (a round lists the pids once, then takes them slice by slice); 0: the rest
    /// of the round (a whole round when none is in progress).
    Change sweepChange(SweepStats *stats = nullptr, std::size_t slice = 0);
    /// True between the slices of a sweep round (of either kind).
    bool sweepInRound() const { return !m_sweepList.empty(); }
    /// True between the slices of a full re-read round: the next resyncChange() goes on with it.
    bool resyncInRound() const { return m_roundFull && !m_sweepList.empty(); }

    /// The same, returning current() (tests).
    Snapshot readRest();
    Snapshot update(std::vector<int> pids);
    Snapshot sweep(SweepStats *stats = nullptr);

    /// Pids of kept processes that are zombies (exited, not yet reaped: no event says when they go).
    std::vector<int> zombies() const;
    std::size_t size() const { return m_records.size(); }
    /// How many processes were read since construction (tests: an update reads only what it is told).
    std::uint64_t processReads() const { return m_reads; }
    /// How many changes were patched in place, and how many ran the whole pipeline (tests, tracing).
    std::uint64_t patchedChanges() const { return m_patched; }
    std::uint64_t assembledChanges() const { return m_assembled; }
    /// Tests: after every in-place patch, also run the whole pipeline and throw std::logic_error when
    /// the two differ.
    void setVerify(bool on) { m_verify = on; }

private:
    Snapshot assemble();
    /// Replaces the records of @p asked (ascending, unique) by @p fresh (a subset, ascending).
    void merge(const std::vector<int> &asked, std::vector<ProcessRecord> fresh);
    /// @p fds false: without their fds (their pids go to m_unreadFds).
    std::vector<ProcessRecord> read(const std::vector<int> &pids, bool fds = true);
    /// Takes @p fresh (the re-read records of @p asked) into the kept state and says what changed;
    /// @p sweeping: also look for what no event announces (mount tables, host facts).
    /// updateChange(), and sweepChange() once it knows what to read.
    /// @p whole: run the whole pipeline whatever changed (the last slice of a full re-read).
    /// @p fds false: without their fds (the rest of a first picture in parts).
    Change reread(std::vector<int> pids, bool sweeping, bool whole = false, bool fds = true);
    Change commit(const std::vector<int> &asked, std::vector<ProcessRecord> fresh, bool sweeping, bool whole);
    /// sweepChange() and resyncChange(): @p full reads the known processes whole instead of only
    /// their namespace links (a round of the other kind in progress is dropped).
    Change round(SweepStats *stats, std::size_t slice, bool full, bool restart = false);
    /// The whole pipeline over the kept records, diffed against current(). @p reread: the pids
    /// (ascending) whose records changed since current() was made (the others' are as they were).
    Change reassemble(const std::vector<int> &reread);
    struct Changed;
    /// Patches current() in place for @p changed when that gives what the whole pipeline would;
    /// false (and nothing touched) when it might not.
    bool patch(const std::vector<Changed> &changed, SnapshotDelta &delta);
    /// A namespace of a type that has no parent and owns nothing (net, uts, ipc, cgroup, time), new
    /// with @p pids, as the whole pipeline would describe it; nullopt when unsure.
    std::optional<Namespace> leafNamespace(NsType type, const NsId &id, const std::vector<int> &pids);
    /// Whether the host facts the host step reads (hostname, kernel, boot id) differ from current().
    bool hostFactsChanged() const;
    /// Puts back what reassemble() let go of or a delta took of current()'s processes: their comm,
    /// cmdline, nspid and cgroup, from the records they were assembled from.
    void refill() const;

    DiscoveryOptions m_opts;
    std::shared_ptr<NsQuery> m_query;
    std::vector<ProcessRecord> m_records; ///< ascending pid
    std::vector<int> m_unread;            ///< listed by beginFull(), not read yet
    std::vector<int> m_unreadFds;         ///< read without their fds (ascending)
    std::uint64_t m_reads = 0;
    /// current(). Mutable for refill(): the processes a delta took are put back on the first look.
    mutable Snapshot m_snap;
    /// Pids (ascending) of the processes of m_snap whose comm, cmdline, nspid and cgroup are held
    /// only by their records: taken by the last delta (one adding most of a host, the rest of a
    /// first picture, would otherwise hold a second copy of them while it is written: 5 MB of the
    /// helper's peak at 10k processes), or let go while the whole pipeline ran (reassemble()).
    mutable std::vector<int> m_lent;
    std::vector<int> m_sweepList; ///< the pids of the sweep round in progress
    std::size_t m_sweepAt = 0;    ///< how far into it the round is
    bool m_roundFull = false;     ///< the round in progress reads every process whole
    std::uint64_t m_patched = 0, m_assembled = 0;
    bool m_verify = false;
};

} // namespace nsviz
