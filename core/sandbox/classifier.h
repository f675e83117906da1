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

} // namespace nsviz
