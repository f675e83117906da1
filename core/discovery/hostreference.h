// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file hostreference.h The process whose namespaces define "the host", as discovery chose it.
///
/// HostStep (hoststep.h) is the only place that decides; everything else (the diff, the findings,
/// the CLI and the GUI) takes the reference from a snapshot, or, with no snapshot at hand, from
/// findHostReference(), which runs the same step on a minimal scan.

#include "core/model/model.h"

#include <cstdint>
#include <string>

namespace nsviz
{

class NsQuery;

/// The reference process of one scan (HostInfo::referencePid and friends).
struct HostReference {
    int pid = 0;                 ///< 0: neither PID 1 nor kthreadd could be read, there is none
    std::uint64_t startTime = 0; ///< with pid, the process's identity; 0 when unknown
    std::string comm;
    std::string note; ///< why this one (or why none): "PID 1", or an explanation of the fallback
    bool valid() const { return pid > 0; }
};

/// The reference @p snapshot carries.
HostReference hostReference(const Snapshot &snapshot);

/// True when @p p is @p snapshot's reference process (same pid and, when both are known, start time).
bool isHostReference(const Snapshot &snapshot, const Process &p);

/// Runs discovery's host step on a minimal scan of @p procRoot, for callers with no snapshot at hand
/// (`nsviz-helper diff PID`): only PID 1 and kthreadd are read, so it is cheap. When neither can be
/// read the scan covers every process, so that the note says what discovery's would (which host
/// namespaces the kernel's fixed initial inodes still tell). Throws std::system_error when
/// @p procRoot cannot be opened, like discover().
HostReference findHostReference(const std::string &procRoot = "/proc");
/// The same with @p query answering the nsfs questions (tests scan fixture trees with a fake).
HostReference findHostReference(const std::string &procRoot, NsQuery &query);

} // namespace nsviz
