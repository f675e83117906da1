// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file enginenames.h Names for sandboxes that have an engine id but no name yet, from what the
/// engines keep on the host (issue 10).
///
/// The classifier learns identity from the kernel and the processes (cgroups, argv); some engines
/// keep a container's human name only in their own state. This step reads it, for names only:
/// - OCI runtime state: `<runRoot>/runc/<id>/state.json` (runc keeps the bundle's annotations as
///   "key=value" labels, and "bundle=<dir>"; also containerd's `containerd/runc/<namespace>/` and
///   docker's `docker/runtime-runc/moby/`) and `<runRoot>/crun/<id>/status` (crun keeps the
///   bundle); the bundle's config.json has the annotations. Names come from the annotations the
///   engines write: Kubernetes CRI (containerd) `io.kubernetes.cri.container-name` and
///   `io.kubernetes.cri.sandbox-name`/`-namespace`, CRI-O `io.kubernetes.container.name` and
///   `io.kubernetes.pod.name`/`.namespace`, nerdctl `nerdctl/name`.
/// - LXC: `<lxcpath>/<name>/config` confirms a container's name (its engine id is that name) and
///   gives `lxc.uts.name`.
/// - Optionally an engine's API socket (Docker-compatible `GET /containers/json`, which podman's
///   `podman system service` serves too; libpod's `GET /v4.0.0/libpod/pods/json` for pod names). Read only,
///   HTTP/1.0 over a unix socket, with a bounded wait: a socket that is missing, refuses, never
///   answers or answers garbage gives nothing, never an error, and never holds a scan up for long.
///
/// Every failure (missing files, permission denied, malformed JSON, a silent socket) is "no name":
/// a name is a nicety, the sandbox is what the kernel says it is.

#include "core/model/sandbox.h"

#include <map>
#include <string>
#include <vector>

namespace nsviz
{

/// Where to look. The defaults are the host's; tests point them at fake trees and their own sockets.
struct EngineNameSources {
    /// Holds runc/ and crun/ (OCI runtime state). Empty: no runtime state is read.
    std::string runRoot = "/run";
    /// LXC's lxcpaths (the default one; lxc-start -P puts containers elsewhere).
    std::vector<std::string> lxcPaths = {"/var/lib/lxc"};
    /// Engine API sockets (Docker-compatible), asked only when some container or pod still has no
    /// name after the files. Empty: none is asked.
    std::vector<std::string> sockets = {"/run/docker.sock", "/run/podman/podman.sock"};
    /// The longest one socket may take, connect to last byte.
    int socketTimeoutMs = 300;
    /// The most a socket answer may hold.
    std::size_t socketMaxBytes = 4u << 20;
};

/// What was learnt about one engine id.
struct EngineName {
    std::string name;     ///< the container's (or pod's) name
    std::string podName;  ///< the name of the pod it is in ("namespace/name" for Kubernetes)
    std::string podId;    ///< the pod's id, when the source says
    std::string hostname; ///< LXC's lxc.uts.name
};

/// Engine id (full) -> what was learnt. Pods are keyed by their pod id too.
using EngineNames = std::map<std::string, EngineName>;

/// The OCI runtime state directories under @p runRoot: runc/, crun/, docker/runtime-runc/moby/
/// and containerd/runc/<namespace>/ (k8s.io, moby, ...).
std::vector<std::string> ociStateDirs(const std::string &runRoot);
/// OCI runtime state under @p stateDir (runc's or crun's), by container id.
EngineNames readOciRuntimeNames(const std::string &stateDir);
/// The names in one set of OCI annotations (config.json "annotations", or runc's labels).
EngineName namesFromAnnotations(const std::map<std::string, std::string> &annotations);
/// The LXC containers @p names found under @p lxcPath (those with a readable config).
EngineNames readLxcNames(const std::string &lxcPath, const std::vector<std::string> &names);

/// The body of `GET @p target` over the unix socket @p path (HTTP/1.0, read until the server
/// closes), or false with @p error saying why (missing, refused, timed out, too big, not HTTP 200).
bool unixHttpGet(const std::string &path, const std::string &target, int timeoutMs, std::size_t maxBytes,
                 std::string &body, std::string &error);
/// Container and pod names from a Docker-compatible socket: `/containers/json` (ids, "Names",
/// Kubernetes labels), then libpod's `/v4.0.0/libpod/pods/json` (pod ids and names, their
/// containers; podman serves libpod's endpoints under a version prefix).
/// Empty on any failure (@p error says which).
EngineNames querySocketNames(const std::string &path, int timeoutMs, std::size_t maxBytes,
                             std::string &error);

/// Fills the name (and the pod's name) of each sandbox in @p sandboxes that has an engine id and
/// no name, from @p names. Never changes an id, a kind or a name already known. Returns how many
/// sandboxes got a name.
int applyEngineNames(std::vector<Sandbox> &sandboxes, const EngineNames &names);

/// The whole step: runtime state and LXC configs, then the sockets when something still has no
/// name. Tolerates every error.
int learnEngineNames(std::vector<Sandbox> &sandboxes, const EngineNameSources &sources);

} // namespace nsviz
