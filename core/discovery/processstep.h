// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file processstep.h Pipeline step 1: every process of the proc root and its namespaces.

#include "core/discovery/discoverystep.h"
#include "core/proc/procfiles.h"
#include "core/proc/procreader.h"

#include <utility>

namespace nsviz
{

/// Reads stat, status, cmdline, cgroup and the 8 ns links of every /proc/PID, and adds each
/// namespace seen with FoundByProcess. A vanished pid is skipped; a pid whose links are not
/// readable is kept with visible == false. When fds are wanted it also collects the nsfs fd links
/// (FdStep::scanFds) while the pid directory is open anyway.
///
/// Large trees are read by a few threads, each over its own chunks of pids; the result is the
/// same as reading them in order.
class ProcessStep : public DiscoveryStep
{
public:
    std::string_view name() const override { return "processes"; }
    void run(DiscoveryContext &ctx) override;

    /// The numeric entries of the directory @p dirfd, ascending. Used for /proc and /proc/PID/task.
    static std::vector<int> listPids(int dirfd);

    /// Reads @p pids (ascending, unique) of the context's proc root, with a few threads for large
    /// sets (DiscoveryOptions::threads); the vanished ones are left out. Collects fd links when
    /// the options want fds.
    static std::vector<ProcessRecord> readRecords(const DiscoveryContext &ctx, const std::vector<int> &pids);
    /// The nsfs fd links of each of @p pids (FdStep::scanFds()), with threads as readRecords();
    /// empty for a pid that vanished or whose fds are not ours to see.
    static std::vector<std::vector<FdLink>> readFdLinks(const DiscoveryContext &ctx,
                                                        const std::vector<int> &pids);

private:
    /// Per-thread state: buffers are reused from pid to pid.
    struct Worker {
        ProcReader reader;
        procparse::Stat stat;
        procparse::Status status;
    };
    /// False when the pid vanished (or is not a process at all). Thread-safe: reads only the
    /// context's proc fd and options.
    static bool readProcess(const DiscoveryContext &ctx, Worker &w, int pid, ProcessRecord &r);
    /// The nsfs device from some process's link (all namespaces share it).
    static void learnDevice(DiscoveryContext &ctx);
};

} // namespace nsviz
