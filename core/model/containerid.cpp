// SPDX-License-Identifier: GPL-2.0-or-later
// Container identity from a cgroup path. The cgroup path is the one piece of kernel truth every
// engine leaves behind (engines' own configs misreport joined namespaces), so identity comes from it.
#include "core/model/containerid.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace nsviz
{

namespace
{

bool isHex(std::string_view s)
{
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

/// Container ids of docker/containerd/podman/cri-o are 64 hex digits.
bool isContainerId(std::string_view s)
{
    return s.size() == 64 && isHex(s);
}

bool startsWith(std::string_view s, std::string_view p)
{
    return s.substr(0, p.size()) == p;
}
bool endsWith(std::string_view s, std::string_view p)
{
    return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

/// "PREFIXid.scope" -> id, or empty.
std::string_view scopeId(std::string_view part, std::string_view prefix)
{
    if (!startsWith(part, prefix) || !endsWith(part, ".scope"))
        return {};
    return part.substr(prefix.size(), part.size() - prefix.size() - 6);
}

/// systemd unit names escape '-' and other bytes as \xNN; undo that for machine names.
std::string unescapeSystemd(std::string_view s)
{
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x' && isHex(s.substr(i + 2, 2))) {
            out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 2, 2)), nullptr, 16)));
            i += 3;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

/// Kubernetes pod uid from "pod<uid>" (cgroupfs) or "kubepods-<qos>-pod<uid_with_underscores>.slice".
std::string podUid(std::string_view part)
{
    std::string_view p = part;
    if (endsWith(p, ".slice"))
        p.remove_suffix(6);
    std::size_t at = p.rfind("pod");
    if (at == std::string_view::npos)
        return {};
    if (at != 0 && p[at - 1] != '-')
        return {};
    std::string uid(p.substr(at + 3));
    std::replace(uid.begin(), uid.end(), '_', '-');
    if (uid.empty())
        return {};
    return uid;
}

/// The container id inside a Kubernetes leaf: "<id>", "cri-containerd-<id>.scope", "crio-<id>.scope",
/// "docker-<id>.scope".
std::string_view k8sContainerId(std::string_view part)
{
    if (isContainerId(part))
        return part;
    for (std::string_view prefix : {"cri-containerd-", "crio-", "docker-", "containerd-"}) {
        std::string_view id = scopeId(part, prefix);
        if (isContainerId(id))
            return id;
    }
    return {};
}

ContainerIdentity make(std::string engine, std::string_view id, std::string pod = {})
{
    ContainerIdentity c;
    c.engine = std::move(engine);
    c.id = std::string(id);
    c.pod = std::move(pod);
    return c;
}

} // namespace

std::vector<std::string_view> cgroupPathParts(std::string_view path)
{
    std::vector<std::string_view> parts;
    std::size_t i = 0;
    while (i < path.size()) {
        std::size_t j = path.find('/', i);
        if (j == std::string_view::npos)
            j = path.size();
        if (j > i)
            parts.push_back(path.substr(i, j - i));
        i = j + 1;
    }
    return parts;
}

ContainerIdentity containerFromCgroup(std::string_view cgroupPath)
{
    const std::vector<std::string_view> parts = cgroupPathParts(cgroupPath);

    // Kubernetes first: its leaves look like docker/containerd ones, the kubepods ancestor decides.
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (!startsWith(parts[i], "kubepods"))
            continue;
        std::string pod;
        for (std::size_t j = i; j < parts.size(); ++j) {
            // "pod<uid>" (cgroupfs) or "kubepods-<qos>-pod<uid>.slice" (systemd driver)
            const bool podPart =
                startsWith(parts[j], "pod") ||
                (endsWith(parts[j], ".slice") && parts[j].find("-pod") != std::string_view::npos);
            if (podPart)
                pod = podUid(parts[j]);
            std::string_view id = k8sContainerId(parts[j]);
            if (!id.empty())
                return make("kubernetes", id, pod);
        }
        if (!pod.empty())
            return make("kubernetes", {}, pod); // the pod's sandbox cgroup itself
    }

    for (std::size_t i = 0; i < parts.size(); ++i) {
        std::string_view p = parts[i];
        // docker, cgroupfs driver: /docker/<id>; systemd driver: docker-<id>.scope
        if (p == "docker" && i + 1 < parts.size() && isContainerId(parts[i + 1]))
            return make("docker", parts[i + 1]);
        if (std::string_view id = scopeId(p, "docker-"); isContainerId(id))
            return make("docker", id);
        // podman: libpod-<id>.scope (systemd), /libpod_parent/libpod-<id> (cgroupfs). The conmon
        // scope (libpod-conmon-<id>.scope) is the monitor, not the container.
        if (std::string_view id = scopeId(p, "libpod-"); isContainerId(id))
            return make("podman", id);
        if (startsWith(p, "libpod-") && isContainerId(p.substr(7)))
            return make("podman", p.substr(7));
        // containerd without Kubernetes: nerdctl-<id>.scope, cri-containerd-<id>.scope,
        // cgroupfs /<namespace>/<id> is too generic to claim.
        for (std::string_view prefix : {"nerdctl-", "cri-containerd-", "containerd-"}) {
            if (std::string_view id = scopeId(p, prefix); isContainerId(id))
                return make("containerd", id);
        }
        if (std::string_view id = scopeId(p, "crio-"); isContainerId(id))
            return make("cri-o", id);
        // LXC: /lxc/<name>, /lxc.payload.<name>, /lxc.payload/<name> (LXD/Incus too).
        if ((p == "lxc" || p == "lxc.payload") && i + 1 < parts.size())
            return make("lxc", parts[i + 1]);
        if (startsWith(p, "lxc.payload.") && p.size() > 12)
            return make("lxc", p.substr(12));
        // systemd-nspawn: machine-<name>.scope or systemd-nspawn@<name>.service under machine.slice.
        if (std::string_view name = scopeId(p, "machine-"); !name.empty())
            return make("nspawn", unescapeSystemd(name));
        if (startsWith(p, "systemd-nspawn@") && endsWith(p, ".service") && p.size() > 23)
            return make("nspawn", unescapeSystemd(p.substr(15, p.size() - 23)));
        // nsviz demo containers: /nsviz-demo/<name> or nsviz-demo-<name>.scope.
        if (p == "nsviz-demo" && i + 1 < parts.size())
            return make("nsviz-demo", parts[i + 1]);
        if (std::string_view name = scopeId(p, "nsviz-demo-"); !name.empty())
            return make("nsviz-demo", name);
    }
    return {};
}

std::string ContainerIdentity::label() const
{
    if (!valid())
        return {};
    auto shortId = [](const std::string &s) { return isContainerId(s) ? s.substr(0, 12) : s; };
    if (engine == "kubernetes") {
        std::string out = "k8s pod ";
        out += pod.size() > 8 ? pod.substr(0, 8) + "\u2026" : (pod.empty() ? std::string("?") : pod);
        if (!id.empty())
            out += "/" + shortId(id);
        return out;
    }
    if (id.empty())
        return engine;
    return engine + " " + shortId(id);
}

} // namespace nsviz
