// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file processstep.h Pipeline step 1: every process of the proc root and its namespaces.

#include "discoverystep.h"
#include "procreader.h"

namespace nsviz {

/// Reads stat, status, cmdline, cgroup and the 8 ns links of every /proc/PID, in pid order, and
/// adds each namespace seen with FoundByProcess. A vanished pid is skipped; a pid whose links are
/// not readable is kept with visible == false.
class ProcessStep : public DiscoveryStep {
public:
    std::string_view name() const override { return "processes"; }
    void run(DiscoveryContext &ctx) override;

    /// The numeric entries of the directory @p dirfd, ascending. Used for /proc and /proc/PID/task.
    static std::vector<int> listPids(int dirfd);

private:
    /// False when the pid vanished (or is not a process at all).
    bool readProcess(DiscoveryContext &ctx, int pid, Process &p);

    ProcReader m_reader;
    StatFields m_stat;
    StatusFields m_status;
};

} // namespace nsviz
