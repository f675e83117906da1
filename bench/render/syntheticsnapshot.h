// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Synthetic host snapshots for the render benchmark: a host with N processes, a share of them in
// containers of power-law sizes (a few big, many small), some of those on the host network.

#include "core/model/model.h"

namespace nsviz::bench
{

/// Deterministic for a given (processes, seed).
Snapshot syntheticSnapshot(int processes, unsigned seed = 1);

} // namespace nsviz::bench
