// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file fdstep.h Pipeline step: namespaces held by open file descriptors.

#include "core/discovery/discoverystep.h"

namespace nsviz
{

/// Records namespaces that processes hold open fds to (/proc/PID/fd/N -> "net:[4026532000]") with
/// FoundByFd and the holder "pid/fd". Uses the links ProcessStep collected when it did; else it
/// looks through /proc/PID/fd of every visible user process itself.
class FdStep : public DiscoveryStep
{
public:
    std::string_view name() const override { return "fds"; }
    void run(DiscoveryContext &ctx) override;

    /// Appends the nsfs fd links of the process whose /proc/PID directory is @p pidFd.
    /// Thread-safe. Only the link text is read: no fd of the process is opened.
    static void scanFds(int pidFd, int pid, std::vector<FdLink> &out);
    /// The same for process @p pid of the proc root @p procFd (nothing when it vanished).
    static void scanPid(int procFd, int pid, std::vector<FdLink> &out);
};

} // namespace nsviz
