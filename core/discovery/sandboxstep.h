// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file sandboxstep.h Pipeline step after the host reference: group the processes into sandboxes.

#include "core/discovery/discoverystep.h"

namespace nsviz
{

/// Fills Snapshot::sandboxes (core/sandbox/classifier.h). Runs after HostStep: a sandbox is what
/// differs from the host reference, and after the bind mount step, whose /run/netns mounts name
/// `ip netns` namespaces. Files inside processes' roots are read through the proc root.
class SandboxStep : public DiscoveryStep
{
public:
    std::string_view name() const override { return "sandboxes"; }
    void run(DiscoveryContext &ctx) override;
};

} // namespace nsviz
