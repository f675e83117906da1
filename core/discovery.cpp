// SPDX-License-Identifier: GPL-2.0-or-later
// Placeholder: replaced by the discovery pipeline work.
#include "discovery.h"

namespace nsviz {
Snapshot discover(const DiscoveryOptions &opts)
{
    Snapshot s;
    s.host.procRoot = opts.procRoot;
    s.warnings.push_back("discovery not implemented in this build");
    return s;
}
} // namespace nsviz
