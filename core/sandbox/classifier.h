// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file classifier.h Group a snapshot's processes into sandboxes (issue 10, docs/schema.md).
///
/// Identity comes from what the host shows without asking any daemon: cgroup paths
/// (containerFromCgroup(), podman pod slices, systemd units), the argv of engine helpers (conmon
/// `-c ID -n NAME`, containerd-shim `-namespace NS -id ID`, `[lxc monitor] PATH NAME`,
/// systemd-nspawn `-M NAME`/`-D DIR`), the launcher a sandbox was started by (unshare, bwrap,
/// firejail, systemd-nspawn), files in the process's root (/run/.containerenv, /.flatpak-info)
/// and nsfs bind mounts under /run/netns (ip netns).

#include "core/model/model.h"

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace nsviz
{

struct ClassifyOptions {
    /// Proc root for reading files in a process's root (PID/root/run/.containerenv,
    /// PID/root/.flatpak-info). Empty: read nothing, judge from the snapshot alone (a saved file).
    std::string procRoot;
};

/// The sandboxes of @p snapshot (which must have its host reference decided: hostNs,
/// differsFromHost), sorted by id. Every process is in at most one; kernel threads, exited
/// processes and processes in all of the host's namespaces that are not engine helpers or
/// launchers are in none.
std::vector<Sandbox> classifySandboxes(const Snapshot &snapshot, const ClassifyOptions &options = {});

/// classifySandboxes() for one snapshot after another (a live subscription, core/discovery/livescan.h):
/// classify() gives exactly what classifySandboxes(snapshot, options) gives, and keeps between calls
/// what does not need working out again — what each distinct cgroup path says, the files read in a
/// process's root (kept per pid and start time, so a reused pid is never mistaken; failed reads are
/// tried again) — and its buffers. Every call still decides every process and every sandbox from
/// the snapshot it is given (the grouping is global: a launcher, a pod's infra container, an
/// engine helper tie sandboxes to each other), but with those facts at hand that costs a pass over
/// integers instead of parsing and string maps per process. What the last call did not use is
/// dropped, so the kept state follows the live processes. Not thread-safe: one call at a time.
class SandboxClassifier
{
public:
    explicit SandboxClassifier(ClassifyOptions options = {});
    ~SandboxClassifier();
    SandboxClassifier(SandboxClassifier &&) noexcept;
    SandboxClassifier &operator=(SandboxClassifier &&) noexcept;

    std::vector<Sandbox> classify(const Snapshot &snapshot);

    /// What is kept (tests: bounded by what the last call used).
    std::size_t cachedCgroups() const;
    std::size_t cachedFiles() const;

private:
    class Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace nsviz
