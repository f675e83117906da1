// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file inspector.h Gathers what the diff needs about processes ("nsviz.inspect/1"), caching what
/// is per namespace (hostname, interfaces, IPC objects) so that inspecting many processes of one
/// container enters its namespaces once.

#include "core/inspect/nsinspectors.h"

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace nsviz
{

inline constexpr const char *kInspectSchema = "nsviz.inspect/1";

class Inspector
{
public:
    /// @p procRoot is the proc tree to read (tests pass fixture trees). What needs entering a
    /// namespace (uts, addresses and link state, IPC objects, the cgroup view) is only gathered when
    /// @p procRoot is the live "/proc".
    explicit Inspector(std::string procRoot = "/proc");

    /// The "nsviz.inspect/1" document for @p pid. Never throws for a vanished or unreadable
    /// process: "state" is "exited" (or "zombie", "unreadable") and each section carries an "error".
    /// With @p startTime (not 0), only the process (pid, startTime) is inspected: when @p pid now
    /// belongs to another process, "state" is "exited" and "pidReused" is true. On the live /proc
    /// the process is held by a pidfd from the start, its namespaces are entered through it, and
    /// its start time is checked after the pidfd was opened. Throws std::invalid_argument for
    /// pid <= 0.
    nlohmann::json inspect(int pid, std::uint64_t startTime = 0);

    /// Called after everything was read and before the process is checked again for having exited
    /// (tests use it to make a process exit mid-inspection deterministically).
    void setBeforeRecheckHook(std::function<void()> hook) { m_beforeRecheck = std::move(hook); }

    /// Seconds a forked namespace-entering child may take before it is killed (default 5).
    void setChildTimeout(int seconds) { m_childTimeout = seconds; }

private:
    /// Gathers what the table's inspectors need from inside the target's namespaces: here for the
    /// namespaces we share where that is enough, else in one forked child that enters them all.
    void gatherInside(nsinspect::Target &t);
    /// The forked child: enters each of @p entries' namespaces in turn and gathers there.
    nlohmann::json enterAndGather(const nsinspect::Target &t,
                                  const std::vector<const nsinspect::NsInspector *> &entries);

    std::string m_procRoot;
    bool m_live = false;
    int m_childTimeout = 5;
    std::function<void()> m_beforeRecheck;
    /// What holds per namespace; valid for the lifetime of this Inspector.
    nsinspect::Cache m_cache;
};

} // namespace nsviz
