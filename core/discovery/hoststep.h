// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file hoststep.h Pipeline step: the host reference and the facts about the host.

#include "core/discovery/discoverystep.h"

namespace nsviz
{

/// Picks the reference process whose namespaces are "the host's": PID 1 when its links are
/// readable, else kthreadd (pid 2, ppid 0), which always lives in the initial namespaces, else none
/// (the kernel's fixed initial inodes still tell six of the host's namespaces). Marks
/// Namespace::isHost and Process::differsFromHost, and fills HostInfo (hostname, kernel, boot id,
/// the reference's pid, start time, comm and note).
///
/// This is the one place that decides what "the host" is: the diff and the findings take the
/// reference from a snapshot, or from findHostReference() (hostreference.h), which runs this step.
class HostStep : public DiscoveryStep
{
public:
    std::string_view name() const override { return "host"; }
    void run(DiscoveryContext &ctx) override;
    /// Hostname, kernel release and boot id as seen under the proc root @p procFd (else uname()).
    static void readFacts(int procFd, HostInfo &h);
};

} // namespace nsviz
