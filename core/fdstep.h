// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file fdstep.h Pipeline step: namespaces held by open file descriptors.

#include "discoverystep.h"

namespace nsviz {

/// Looks through /proc/PID/fd/* of every visible user process for links to nsfs files
/// ("net:[4026532000]") and records them with FoundByFd and the holder "pid/fd".
class FdStep : public DiscoveryStep {
public:
    std::string_view name() const override { return "fds"; }
    void run(DiscoveryContext &ctx) override;
};

} // namespace nsviz
