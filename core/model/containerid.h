// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file containerid.h Container engine and id derived from a cgroup path.

#include <string>
#include <string_view>
#include <vector>

namespace nsviz
{

struct ContainerIdentity {
    std::string engine; ///< "docker", "containerd", "kubernetes", "podman", "lxc", "nspawn", "nsviz-demo";
                        ///< empty: none
    std::string id;     ///< container id (full), machine or container name for lxc/nspawn
    std::string pod;    ///< Kubernetes pod uid, when known
    bool valid() const { return !engine.empty(); }
    /// Short human label: "docker 3f2a9c1b7e4d", "lxc web1", "k8s pod 1a2b…/3f2a9c1b7e4d".
    std::string label() const;
};

/// Recognises the cgroup layouts of docker, containerd/Kubernetes (cgroupfs and systemd drivers),
/// podman/libpod, LXC, systemd-nspawn and nsviz demo containers. Returns an invalid identity otherwise.
ContainerIdentity containerFromCgroup(std::string_view cgroupPath);

/// The non-empty components of a cgroup path, as views into it ("/a//b/" is "a", "b"). The one
/// splitter of containerFromCgroup() and the sandbox classifier's pod slices and units.
std::vector<std::string_view> cgroupPathParts(std::string_view cgroupPath);

} // namespace nsviz
