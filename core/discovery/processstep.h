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

private:
    /// Per-thread state: buffers are reused from pid to pid.
    struct Worker {
        ProcReader reader;
        procparse::Stat stat;
        procparse::Status status;
        std::vector<std::pair<int, std::string>> warnings; ///< (pid, text)
        std::vector<FdLink> fdLinks;
    };
    /// False when the pid vanished (or is not a process at all). Thread-safe: reads only the
    /// context's proc fd and options.
    static bool readProcess(const DiscoveryContext &ctx, Worker &w, int pid, Process &p);
    /// The nsfs device from some process's link (all namespaces share it).
    static void learnDevice(DiscoveryContext &ctx);
};

} // namespace nsviz
