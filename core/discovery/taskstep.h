// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file taskstep.h Pipeline step (opt-in): threads whose namespaces differ from their process's.

#include "core/discovery/discoverystep.h"

namespace nsviz
{

/// Reads /proc/PID/task/TID/ns/* of every visible multi-threaded process; a thread in some other
/// namespace than its thread group leader (after setns() or unshare() in that thread) becomes a
/// LooseThread, and a namespace only such a thread is in is added with FoundByProcess.
class TaskStep : public DiscoveryStep
{
public:
    std::string_view name() const override { return "tasks"; }
    void run(DiscoveryContext &ctx) override;
};

} // namespace nsviz
