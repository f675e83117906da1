// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file discoverystep.h One step of the discovery pipeline.

#include "core/discovery/discoverycontext.h"

#include <string_view>

namespace nsviz
{

/// A pipeline step: reads what earlier steps left in the context and adds to it.
/// Steps never throw because of one process or one namespace.
class DiscoveryStep
{
public:
    virtual ~DiscoveryStep() = default;
    virtual std::string_view name() const = 0;
    virtual void run(DiscoveryContext &ctx) = 0;
};

} // namespace nsviz
