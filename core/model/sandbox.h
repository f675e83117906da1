// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file sandbox.h A sandbox: the processes a runtime put into namespaces together (issue 10).
///
/// The data only: core/sandbox/ classifies a snapshot's processes into sandboxes and names them
/// (sandboxLabel()); the snapshot carries the result so that the helper decides once and the CLI,
/// the findings and the GUI all use the same groups and names. The JSON form is the "sandboxes"
/// array of "nsviz.snapshot/1" (docs/schema.md).

#include "core/model/nstype.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nsviz
{

struct ProcKey;

/// What a sandbox is. Decides how findings judge it: a container or pod sharing the host network
/// is an alarm, a service sandbox or an engine's helper is information.
enum class SandboxKind : std::uint8_t {
    Container,      ///< an engine's container (docker, podman, LXC, nspawn, Kubernetes, ...)
    Pod,            ///< a pod: the namespaces its containers share, held by its infra/pause container
    Service,        ///< a systemd service's own namespaces (PrivateTmp=, ProtectSystem=, ...)
    Infrastructure, ///< an engine's helper processes (conmon, catatonit, slirp4netns, shims, monitors)
    AppSandbox,     ///< an application sandbox (bubblewrap, flatpak, firejail)
    Bare,           ///< namespaces made by hand (unshare, ip netns) or by something unrecognised
};

/// "container", "pod", "service", "infrastructure", "app-sandbox", "bare".
std::string_view sandboxKindName(SandboxKind kind);
/// The inverse of sandboxKindName(); nullopt for anything else.
std::optional<SandboxKind> sandboxKindFromName(std::string_view name);

/// A process by identity, as a sandbox lists it.
struct SandboxMember {
    int pid = 0;
    std::uint64_t startTime = 0;
    auto operator<=>(const SandboxMember &) const = default;
};

struct Sandbox {
    /// Stable key across scans: "<engine>:<engine id>" when the engine id is known, else
    /// "<kind>:<dev>:<ino>" of the namespace that defines it; infrastructure serving a known sandbox
    /// is "infrastructure:<that sandbox's id>".
    std::string id;
    SandboxKind kind = SandboxKind::Bare;
    /// "docker", "containerd", "kubernetes", "cri-o", "podman", "lxc", "nspawn", "bwrap", "flatpak",
    /// "firejail", "systemd", "unshare", "ip-netns", "nsviz-demo" or "unknown".
    std::string engine = "unknown";
    std::string engineId;   ///< container id, unit or machine name as the engine knows it; empty: none
    std::string name;       ///< a human name when one could be learnt; empty: none
    std::string pod;        ///< id of the pod sandbox this container belongs to; empty: none
    std::string attachedTo; ///< for infrastructure: the id of the sandbox it serves; empty: none
    std::optional<SandboxMember> init; ///< its first process (PID 1 inside, or the top-most one)
    std::string initComm; ///< the init's comm (the label of a sandbox with no name and no engine id)
    std::vector<SandboxMember> processes; ///< ascending by pid; a process is in at most one sandbox
    /// Bit index(t): the init's namespace of type t differs from the host reference's / equals it /
    /// could not be compared (unreadable, or the host's is unknown). Each type is in exactly one.
    std::uint8_t isolates = 0;
    std::uint8_t sharesWithHost = 0;
    std::uint8_t unknown = 0;

    bool isolatesType(NsType t) const { return isolates & (1u << index(t)); }
    bool sharesType(NsType t) const { return sharesWithHost & (1u << index(t)); }
    bool operator==(const Sandbox &) const = default;
};

} // namespace nsviz
