// SPDX-License-Identifier: GPL-2.0-or-later
// Grouping processes into sandboxes. The kernel facts (namespace inodes) say which processes are
// together; the engine is learnt from what each runtime leaves on the host. The order of the
// steps matters: engine identity first (it joins processes across nested mount namespaces, e.g.
// services with PrivateTmp= inside an LXC container), then namespaces, then launchers (an
// `unshare`, `bwrap` or `systemd-nspawn` that stays in the host pid namespace is part of the
// sandbox it started), then the engines' helper processes, attached to what they serve.
#include "core/sandbox/classifier.h"

#include "core/model/containerid.h"
#include "core/proc/procreader.h"
#include "core/proc/textsplit.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>

namespace nsviz
{

namespace
{

bool startsWith(std::string_view s, std::string_view p)
{
    return s.substr(0, p.size()) == p;
}
bool endsWith(std::string_view s, std::string_view p)
{
    return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

/// The value of option @p shortOpt / @p longOpt in @p argv ("-c ID", "-cID", "--cid ID", "--cid=ID").
std::string optionValue(const std::vector<std::string> &argv, std::string_view shortOpt,
                        std::string_view longOpt)
{
    for (std::size_t i = 1; i < argv.size(); ++i) {
        std::string_view a = argv[i];
        if (a == "--")
            break;
        const bool isShort = !shortOpt.empty() && a == shortOpt;
        const bool isLong = !longOpt.empty() && a == longOpt;
        if ((isShort || isLong) && i + 1 < argv.size())
            return argv[i + 1];
        if (!longOpt.empty() && startsWith(a, std::string(longOpt) + "="))
            return std::string(a.substr(longOpt.size() + 1));
        // "-MNAME": a short option glued to its value (only for single-letter options).
        if (!shortOpt.empty() && shortOpt.size() == 2 && a.size() > 2 && startsWith(a, shortOpt) &&
            a[1] != '-')
            return std::string(a.substr(2));
    }
    return {};
}

std::string baseName(std::string_view path)
{
    while (path.size() > 1 && path.back() == '/')
        path.remove_suffix(1);
    auto slash = path.rfind('/');
    return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

/// podman's pod slice: "machine-libpod_pod_<id>.slice" (root) or "user-libpod_pod_<id>.slice"
/// (rootless), or cgroupfs "/libpod_parent/<id>/libpod-<container id>" (the cgroupfs manager, as on
/// a host without systemd; seen on real podman 4.3 in tests/engines). The slice form is the one
/// systemd hosts use.
std::string podmanPodFromCgroup(std::string_view cgroup)
{
    const std::vector<std::string_view> parts = cgroupPathParts(cgroup);
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const std::string_view part = parts[i];
        // cgroupfs: a pod's containers sit one level below libpod_parent, in a folder named by the
        // pod id (a container outside a pod is "libpod_parent/libpod-<id>" directly).
        if (part == "libpod_parent" && i + 2 < parts.size() && parts[i + 2].substr(0, 7) == "libpod-" &&
            parts[i + 1].size() == 64 &&
            parts[i + 1].find_first_not_of("0123456789abcdef") == std::string_view::npos)
            return std::string(parts[i + 1]);
        auto at = part.find("libpod_pod_");
        if (at == std::string_view::npos || !endsWith(part, ".slice"))
            continue;
        std::string_view id = part.substr(at + 11, part.size() - at - 11 - 6);
        if (!id.empty())
            return std::string(id);
    }
    return {};
}

/// The innermost systemd service unit of a cgroup path ("/system.slice/nginx.service" -> "nginx.service").
std::string serviceUnit(std::string_view cgroup)
{
    std::string unit;
    for (std::string_view part : cgroupPathParts(cgroup))
        if (endsWith(part, ".service") && part.size() > 8)
            unit = std::string(part);
    return unit;
}

/// `key="value"` or `key=value` lines (/run/.containerenv); the value of @p key or empty.
std::string keyValue(std::string_view text, std::string_view key)
{
    for (std::string_view line : text::lines(text)) {
        if (line.size() > key.size() && startsWith(line, key) && line[key.size()] == '=') {
            std::string_view v = line.substr(key.size() + 1);
            if (v.size() >= 2 && v.front() == '"' && v.back() == '"')
                v = v.substr(1, v.size() - 2);
            return std::string(v);
        }
    }
    return {};
}

/// `key=value` in section @p section of an ini file (/.flatpak-info).
std::string iniValue(std::string_view text, std::string_view section, std::string_view key)
{
    std::string_view current;
    for (std::string_view line : text::lines(text)) {
        if (line.size() >= 2 && line.front() == '[' && line.back() == ']') {
            current = line.substr(1, line.size() - 2);
            continue;
        }
        if (current == section && line.size() > key.size() && startsWith(line, key) &&
            line[key.size()] == '=')
            return std::string(line.substr(key.size() + 1));
    }
    return {};
}

/// What kind of engine helper a process is, from its comm and argv; Role::None for anything else.
enum class Role { None, Conmon, Shim, Catatonit, NetHelper, LxcMonitor };

struct Identity {
    std::string engine;
    std::string id;
    std::string name;
    std::string pod; ///< engine pod id (podman pod id, Kubernetes pod uid)
    bool valid() const { return !engine.empty(); }
};

constexpr std::array<NsType, kNsTypeCount> kDefiningOrder = {NsType::Mnt,    NsType::Pid, NsType::User,
                                                             NsType::Net,    NsType::Uts, NsType::Ipc,
                                                             NsType::Cgroup, NsType::Time};

class Classifier
{
public:
    Classifier(const Snapshot &s, const ClassifyOptions &o) : m_s(s), m_o(o) {}

    std::vector<Sandbox> run()
    {
        const auto &procs = m_s.processes;
        m_info.resize(procs.size());
        for (std::size_t i = 0; i < procs.size(); ++i)
            m_byPid.emplace(procs[i].pid, i);
        for (std::size_t i = 0; i < procs.size(); ++i)
            describe(i);
        for (std::size_t i = 0; i < procs.size(); ++i)
            identifyFromParent(i);
        groupProcesses();
        attachLaunchers();
        std::vector<Sandbox> out = buildSandboxes();
        return out;
    }

private:
    struct Info {
        bool considered = false; ///< not a kernel thread, not exited
        Role role = Role::None;
        bool launcher = false;
        Identity cg;          ///< from the cgroup path
        Identity fromParent;  ///< from the engine helper that is its parent (conmon, nspawn, lxc, shim)
        std::string attachId; ///< for helpers: engine id (or name) of what they serve
        std::string attachEngine;
        NsId attachNet;    ///< for network helpers: the net namespace they serve
        std::string group; ///< group key; empty: in no sandbox
    };

    const Process &proc(std::size_t i) const { return m_s.processes[i]; }
    const Process *parentOf(std::size_t i) const
    {
        auto it = m_byPid.find(proc(i).ppid);
        return it == m_byPid.end() ? nullptr : &m_s.processes[it->second];
    }
    std::size_t indexOf(const Process *p) const { return static_cast<std::size_t>(p - m_s.processes.data()); }

    void describe(std::size_t i)
    {
        const Process &p = proc(i);
        Info &in = m_info[i];
        in.considered = !p.kernelThread && !p.exited && p.state != 'Z' && p.state != 'X';
        if (!in.considered)
            return;
        in.cg = fromCgroup(p.cgroup);
        const std::string_view comm = p.comm;
        const std::string arg0 = p.cmdline.empty() ? std::string() : p.cmdline[0];
        if (startsWith(arg0, "[lxc monitor]")) {
            // "[lxc monitor] /var/lib/lxc web1", in one argument or split at the spaces.
            std::string all;
            for (const auto &a : p.cmdline)
                all += (all.empty() ? "" : " ") + a;
            while (!all.empty() && all.back() == ' ')
                all.pop_back();
            in.role = Role::LxcMonitor;
            in.attachEngine = "lxc";
            in.attachId = baseName(all.substr(all.rfind(' ') + 1));
        } else if (comm == "conmon") {
            in.role = Role::Conmon;
            in.attachEngine = p.cgroup.find("crio") != std::string::npos ? "cri-o" : "podman";
            in.attachId = optionValue(p.cmdline, "-c", "--cid");
        } else if (startsWith(comm, "containerd-shim")) {
            in.role = Role::Shim;
            const std::string ns = optionValue(p.cmdline, "", "-namespace");
            in.attachEngine = ns == "moby" ? "docker" : ns == "k8s.io" ? "kubernetes" : "containerd";
            in.attachId = optionValue(p.cmdline, "", "-id");
        } else if (comm == "catatonit" && !in.cg.valid() && !isConmon(parentOf(i))) {
            // Rootless podman's pause process: it holds podman's user namespace, serves no one
            // container. (catatonit as a pod's infra container is in a container cgroup or under conmon.)
            in.role = Role::Catatonit;
            in.attachEngine = "podman";
        } else if (comm == "slirp4netns" || comm == "pasta" || comm == "pasta.avx2" || comm == "passt" ||
                   comm == "rootlessport" || comm == "rootlessport-ch" || comm == "aardvark-dns") {
            in.role = Role::NetHelper;
            in.attachEngine = "podman";
            in.attachNet = servedNetns(p);
        } else if (comm == "unshare" || comm == "bwrap" || comm == "firejail" || comm == "systemd-nspawn") {
            in.launcher = true;
        }
    }

    static bool isConmon(const Process *p) { return p && p->comm == "conmon"; }

    /// @p p's namespace of type @p t is known and not the host reference's. Computed from hostNs
    /// rather than taken from differsFromHost, so that a snapshot built by hand (or read from a
    /// file that lacks it) is judged the same way.
    bool differs(const Process &p, NsType t) const
    {
        const NsId &mine = p.ns[index(t)], &host = m_s.hostNs[index(t)];
        return mine.valid() && host.valid() && mine != host;
    }

    Identity fromCgroup(const std::string &cgroup) const
    {
        Identity id;
        const ContainerIdentity c = containerFromCgroup(cgroup);
        if (c.valid()) {
            id.engine = c.engine;
            id.id = c.id;
            id.pod = c.pod;
            if (c.engine == "lxc" || c.engine == "nspawn" || c.engine == "nsviz-demo")
                id.name = c.id;
            if (c.engine == "podman")
                id.pod = podmanPodFromCgroup(cgroup);
            if (c.engine == "kubernetes" && c.id.empty() && !c.pod.empty())
                id.id = c.pod; // a process in the pod's own cgroup: the pod
        }
        return id;
    }

    /// The network namespace a slirp4netns/pasta serves: its argv names a pid or a netns path
    /// (found among the nsfs bind mounts discovery saw).
    NsId servedNetns(const Process &p) const
    {
        std::string path = optionValue(p.cmdline, "", "--netns");
        if (path.empty()) {
            // slirp4netns [options] PID|PATH TAPNAME
            if (p.cmdline.size() >= 3)
                path = p.cmdline[p.cmdline.size() - 2];
        }
        if (path.empty())
            return {};
        if (std::all_of(path.begin(), path.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
            path.size() < 10) {
            auto it = m_byPid.find(std::stoi(path));
            return it == m_byPid.end() ? NsId{} : m_s.processes[it->second].ns[index(NsType::Net)];
        }
        for (const Namespace &n : m_s.namespaces) {
            if (n.type != NsType::Net)
                continue;
            for (const auto &b : n.bindMounts) {
                auto colon = b.find(':');
                if (colon != std::string::npos && std::string_view(b).substr(colon + 1) == path)
                    return n.id;
            }
        }
        return {};
    }

    void identifyFromParent(std::size_t i)
    {
        Info &in = m_info[i];
        if (!in.considered || in.role != Role::None)
            return;
        const Process *parent = parentOf(i);
        if (!parent)
            return;
        const Info &pin = m_info[indexOf(parent)];
        Identity id;
        if (pin.role == Role::Conmon && !pin.attachId.empty()) {
            id.engine = pin.attachEngine;
            id.id = pin.attachId;
            id.name = optionValue(parent->cmdline, "-n", "--name");
        } else if (pin.role == Role::LxcMonitor && !pin.attachId.empty()) {
            id.engine = "lxc";
            id.id = id.name = pin.attachId;
        } else if (pin.role == Role::Shim && !pin.attachId.empty() && pin.attachEngine != "kubernetes") {
            id.engine = pin.attachEngine;
            id.id = pin.attachId;
        } else if (parent->comm == "systemd-nspawn" && differs(proc(i), NsType::Mnt)) {
            // Registered or not (--register=no leaves no machine scope), the machine is named by
            // -M/--machine, else by the last component of -D/--directory or -i/--image.
            std::string name = optionValue(parent->cmdline, "-M", "--machine");
            if (name.empty()) {
                std::string dir = optionValue(parent->cmdline, "-D", "--directory");
                if (dir.empty())
                    dir = optionValue(parent->cmdline, "-i", "--image");
                name = baseName(dir);
                if (auto dot = name.rfind(".raw"); dot != std::string::npos && dot + 4 == name.size())
                    name.resize(dot);
            }
            if (!name.empty()) {
                id.engine = "nspawn";
                id.id = id.name = name;
            }
        }
        in.fromParent = std::move(id);
    }

    /// The namespace that sets a process apart: the first of mnt, pid, user, net, ... that
    /// differs from the host's. Invalid when it is in every host namespace it could be compared in.
    NsId definingNs(const Process &p, NsType *type = nullptr) const
    {
        for (NsType t : kDefiningOrder)
            if (differs(p, t)) {
                if (type)
                    *type = t;
                return p.ns[index(t)];
            }
        return {};
    }

    static std::string identityKey(const Identity &id) { return "E|" + id.engine + ":" + id.id; }

    void groupProcesses()
    {
        std::map<std::string, std::string> nsToIdentity; // "N|dev:ino" -> identity key
        for (std::size_t i = 0; i < m_info.size(); ++i) {
            Info &in = m_info[i];
            if (!in.considered || in.role != Role::None)
                continue;
            const Process &p = proc(i);
            NsId def = definingNs(p);
            // A cgroup name alone is not a sandbox: libvirt puts whole VMs (qemu, in every host
            // namespace) under machine-*.scope, which reads like an nspawn machine. Every engine
            // gives its containers at least a mount namespace of their own.
            // When the host's mount namespace is unknown (no host reference), the cgroup is trusted.
            const NsId hostMnt = m_s.hostNs[index(NsType::Mnt)];
            const bool inHostMnt = hostMnt.valid() && p.ns[index(NsType::Mnt)] == hostMnt;
            const Identity none;
            const Identity &id = !def.valid() && inHostMnt ? none : in.cg.valid() ? in.cg : in.fromParent;
            std::string nsKey =
                def.valid() ? "N|" + std::to_string(def.dev) + ":" + std::to_string(def.ino) : "";
            if (id.valid()) {
                in.group = identityKey(id);
                m_identity.emplace(in.group, id);
                // A name learnt from a parent fills in what the cgroup alone could not tell.
                if (in.cg.valid() && in.fromParent.valid() && in.fromParent.id == in.cg.id &&
                    m_identity[in.group].name.empty())
                    m_identity[in.group].name = in.fromParent.name;
                if (!nsKey.empty() && !in.cg.valid())
                    nsToIdentity.emplace(nsKey, in.group);
            } else if (!nsKey.empty()) {
                in.group = nsKey;
            }
        }
        // The rest of a container known from its init's parent (rootless podman on a v1 host, an
        // unregistered nspawn machine): the processes in the same defining namespace.
        for (Info &in : m_info) {
            auto it = nsToIdentity.find(in.group);
            if (it != nsToIdentity.end())
                in.group = it->second;
        }
    }

    void attachLaunchers()
    {
        std::map<std::string, int> sizes;
        for (const Info &in : m_info)
            if (!in.group.empty())
                ++sizes[in.group];
        for (std::size_t i = 0; i < m_info.size(); ++i) {
            const Info &in = m_info[i];
            if (in.group.empty())
                continue;
            const Process *parent = parentOf(i);
            if (!parent)
                continue;
            Info &pin = m_info[indexOf(parent)];
            if (!pin.launcher || pin.group == in.group)
                continue;
            // A launcher in the host's namespaces, or alone in namespaces of its own (unshare -U
            // moves itself into the new user namespace, its child into the pid namespace too),
            // belongs to the sandbox it started. One inside another sandbox stays there.
            if (pin.group.empty() || (pin.group[0] == 'N' && sizes[pin.group] == 1)) {
                if (!pin.group.empty())
                    --sizes[pin.group];
                pin.group = in.group;
                ++sizes[in.group];
                m_launcherOf[in.group] = parent->comm;
            }
        }
        for (std::size_t i = 0; i < m_info.size(); ++i)
            if (m_info[i].launcher && !m_info[i].group.empty() && !m_launcherOf.count(m_info[i].group))
                m_launcherOf[m_info[i].group] = proc(i).comm;
    }

    /// PID 1 of its own pid namespace if there is one (the shallowest), else the top-most member
    /// that is not a launcher, else the lowest pid.
    std::size_t pickInit(const std::vector<std::size_t> &m) const
    {
        const std::size_t npos = static_cast<std::size_t>(-1);
        std::size_t best = npos;
        for (std::size_t i : m) {
            const Process &p = proc(i);
            if (p.nspid.size() > 1 && p.nspid.back() == 1 &&
                (best == npos || p.nspid.size() < proc(best).nspid.size()))
                best = i;
        }
        if (best != npos)
            return best;
        std::set<int> pids;
        for (std::size_t i : m)
            pids.insert(proc(i).pid);
        for (std::size_t i : m)
            if (!m_info[i].launcher && !pids.count(proc(i).ppid))
                return i;
        for (std::size_t i : m)
            if (!m_info[i].launcher)
                return i;
        return m.front();
    }

    void fillNamespaces(Sandbox &sb, const Process *init) const
    {
        sb.isolates = sb.sharesWithHost = sb.unknown = 0;
        for (NsType t : kAllNsTypes) {
            const auto bit = static_cast<std::uint8_t>(1u << index(t));
            const NsId host = m_s.hostNs[index(t)];
            if (!init || !init->ns[index(t)].valid() || !host.valid())
                sb.unknown |= bit;
            else if (init->ns[index(t)] == host)
                sb.sharesWithHost |= bit;
            else
                sb.isolates |= bit;
        }
    }

    std::string readInRoot(const Process &p, const char *path) const
    {
        if (m_o.procRoot.empty())
            return {};
        std::string text;
        if (ProcReader::readFile(m_o.procRoot + "/" + std::to_string(p.pid) + "/root" + path, text,
                                 1 << 14) != 0)
            return {};
        return text;
    }

    /// "ip netns" names the net namespace it made by a bind mount under /run/netns.
    std::string netnsName(const NsId &net) const
    {
        const Namespace *n = m_s.findNamespace(net);
        if (!n)
            return {};
        for (const auto &b : n->bindMounts) {
            auto colon = b.find(':');
            std::string_view path =
                colon == std::string::npos ? std::string_view(b) : std::string_view(b).substr(colon + 1);
            if (startsWith(path, "/run/netns/") && path.size() > 11)
                return std::string(path.substr(11));
        }
        return {};
    }

    static std::string defKey(SandboxKind kind, const NsId &def)
    {
        return std::string(sandboxKindName(kind)) + ":" + std::to_string(def.dev) + ":" +
               std::to_string(def.ino);
    }

    static SandboxMember member(const Process &p) { return {p.pid, p.startTime}; }

    std::vector<Sandbox> buildSandboxes()
    {
        std::map<std::string, Sandbox> byId;
        // Group key -> member indices, ascending by pid (the processes are sorted by pid).
        std::map<std::string, std::vector<std::size_t>> groups;
        for (std::size_t i = 0; i < m_info.size(); ++i)
            if (!m_info[i].group.empty())
                groups[m_info[i].group].push_back(i);
        // Podman pods known only by their shared network namespace (no pod slice on a cgroup v1
        // host): the net namespace of an infra container -> pod id.
        std::map<NsId, std::string> inferredPodByNet;
        for (const auto &[g, m] : groups) {
            const Process &init = proc(pickInit(m));
            Sandbox sb;
            NsType defType = NsType::Mnt;
            const NsId def = definingNs(init, &defType);
            auto idIt = m_identity.find(g);
            if (idIt != m_identity.end()) {
                const Identity &id = idIt->second;
                sb.engine = id.engine;
                sb.engineId = id.id;
                sb.name = id.name;
                sb.kind = SandboxKind::Container;
                if (sb.engine == "podman" && sb.name.empty()) {
                    const std::string env = readInRoot(init, "/run/.containerenv");
                    sb.name = keyValue(env, "name");
                }
                if (!id.pod.empty()) {
                    sb.pod = id.engine + ":" + id.pod;
                    if (isInfraInit(init, sb.name)) {
                        sb.kind = SandboxKind::Pod;
                        m_infraContainer[sb.engineId] = sb.pod;
                        sb.id = sb.pod;
                        sb.engineId = id.pod;
                        sb.name.clear();
                        sb.pod.clear();
                    }
                }
                if (sb.id.empty())
                    sb.id = sb.engine + ":" + sb.engineId;
                if (sb.kind == SandboxKind::Container && sb.pod.empty() && sb.engine == "podman" &&
                    isInfraInit(init, sb.name) && differs(init, NsType::Net))
                    inferredPodByNet[init.ns[index(NsType::Net)]] = sb.id;
            } else {
                classifyByLauncher(g, init, sb);
                if (sb.id.empty())
                    sb.id = defKey(sb.kind, def);
            }
            sb.init = member(init);
            sb.initComm = init.comm;
            for (std::size_t i : m)
                sb.processes.push_back(member(proc(i)));
            fillNamespaces(sb, &init);
            merge(byId, std::move(sb), indexOf(&init));
        }

        // Pods without a pod slice: the infra container's net namespace, shared by its containers.
        for (auto &[net, infraId] : inferredPodByNet) {
            auto it = byId.find(infraId);
            if (it == byId.end())
                continue;
            std::vector<std::string> partners;
            for (auto &[id, sb] : byId)
                if (id != infraId && sb.kind == SandboxKind::Container && sb.engine == "podman" &&
                    sb.pod.empty() && proc(m_initOf[id]).ns[index(NsType::Net)] == net)
                    partners.push_back(id);
            if (partners.empty())
                continue; // a lone catatonit container is a container
            Sandbox pod = std::move(it->second);
            byId.erase(it);
            m_infraContainer[pod.engineId] = defKey(SandboxKind::Pod, net);
            pod.kind = SandboxKind::Pod;
            pod.id = m_infraContainer[pod.engineId];
            pod.engineId.clear();
            pod.name.clear();
            for (const auto &p : partners)
                byId[p].pod = pod.id;
            m_initOf[pod.id] = m_initOf[infraId];
            byId.emplace(pod.id, std::move(pod));
        }
        // A pod every container refers to, even one without an infra container.
        std::vector<Sandbox> missingPods;
        for (auto &[id, sb] : byId)
            if (!sb.pod.empty() && !byId.count(sb.pod)) {
                Sandbox pod;
                pod.id = sb.pod;
                pod.kind = SandboxKind::Pod;
                pod.engine = sb.engine;
                pod.engineId = sb.pod.substr(sb.pod.find(':') + 1);
                fillNamespaces(pod, nullptr);
                missingPods.push_back(std::move(pod));
            }
        for (auto &p : missingPods)
            byId.emplace(p.id, std::move(p));

        buildInfrastructure(byId);

        std::vector<Sandbox> out;
        out.reserve(byId.size());
        for (auto &[id, sb] : byId) {
            std::sort(sb.processes.begin(), sb.processes.end());
            out.push_back(std::move(sb));
        }
        return out;
    }

    /// A pod's infra container: podman's "<pod id>-infra" running catatonit, Kubernetes' pause.
    static bool isInfraInit(const Process &init, const std::string &name)
    {
        if (endsWith(name, "-infra"))
            return true;
        if (init.comm == "pause")
            return true;
        if (init.comm == "catatonit")
            return std::find(init.cmdline.begin(), init.cmdline.end(), "-P") != init.cmdline.end();
        return false;
    }

    void classifyByLauncher(const std::string &group, const Process &init, Sandbox &sb) const
    {
        auto launcher = m_launcherOf.find(group);
        const std::string l = launcher == m_launcherOf.end() ? std::string() : launcher->second;
        // flatpak runs its apps through bwrap: the app id is in the sandbox's /.flatpak-info.
        if (l == "bwrap" || init.comm == "bwrap" || differs(init, NsType::Mnt)) {
            const std::string info =
                l == "bwrap" || init.comm == "bwrap" ? readInRoot(init, "/.flatpak-info") : "";
            const std::string app = iniValue(info, "Application", "name");
            if (!app.empty()) {
                sb.kind = SandboxKind::AppSandbox;
                sb.engine = "flatpak";
                sb.name = app;
                sb.engineId = iniValue(info, "Instance", "instance-id");
                if (sb.engineId.empty())
                    sb.engineId = app;
                sb.id = "flatpak:" + sb.engineId;
                return;
            }
        }
        if (l == "bwrap" || l == "firejail" || init.comm == "bwrap" || init.comm == "firejail") {
            sb.kind = SandboxKind::AppSandbox;
            sb.engine = l.empty() ? init.comm : l;
            return;
        }
        if (l == "systemd-nspawn") {
            sb.kind = SandboxKind::Container;
            sb.engine = "nspawn";
            return;
        }
        if (differs(init, NsType::Net)) {
            const std::string netns = netnsName(init.ns[index(NsType::Net)]);
            if (!netns.empty()) {
                sb.kind = SandboxKind::Bare;
                sb.engine = "ip-netns";
                sb.engineId = sb.name = netns;
                sb.id = "ip-netns:" + netns;
                return;
            }
        }
        if (l == "unshare") {
            sb.kind = SandboxKind::Bare;
            sb.engine = "unshare";
            return;
        }
        const std::string unit = serviceUnit(init.cgroup);
        if (!unit.empty()) {
            sb.kind = SandboxKind::Service;
            sb.engine = "systemd";
            sb.engineId = sb.name = unit;
            sb.id = "systemd:" + unit;
            return;
        }
        sb.kind = SandboxKind::Bare;
        sb.engine = "unknown";
    }

    /// Two groups that turned out to be the same sandbox (two `ip netns exec blue` with their own
    /// mount namespaces; one service unit in two mount namespaces) become one.
    void merge(std::map<std::string, Sandbox> &byId, Sandbox sb, std::size_t initIndex)
    {
        auto it = byId.find(sb.id);
        if (it == byId.end()) {
            m_initOf[sb.id] = initIndex;
            byId.emplace(sb.id, std::move(sb));
            return;
        }
        Sandbox &old = it->second;
        old.processes.insert(old.processes.end(), sb.processes.begin(), sb.processes.end());
        if (sb.init && old.init && sb.init->pid < old.init->pid) {
            old.init = sb.init;
            old.initComm = sb.initComm;
            old.isolates = sb.isolates;
            old.sharesWithHost = sb.sharesWithHost;
            old.unknown = sb.unknown;
            m_initOf[old.id] = initIndex;
        }
    }

    /// Engine helpers: one infrastructure sandbox per thing served ("infrastructure:<its id>"),
    /// or per helper process when what it serves is unknown.
    void buildInfrastructure(std::map<std::string, Sandbox> &byId)
    {
        // Engine id -> sandbox id, for conmon -c, shim -id, lxc monitor names.
        std::map<std::string, std::string> byEngineId;
        std::map<NsId, std::string> byNet;
        for (auto &[id, sb] : byId) {
            if (!sb.engineId.empty())
                byEngineId.emplace(sb.engine + ":" + sb.engineId, id);
            if (sb.init && (sb.kind == SandboxKind::Container || sb.kind == SandboxKind::Pod)) {
                const NsId net = proc(m_initOf[id]).ns[index(NsType::Net)];
                if (net.valid() && differs(proc(m_initOf[id]), NsType::Net) &&
                    (!byNet.count(net) || sb.kind == SandboxKind::Pod))
                    byNet[net] = sb.pod.empty() ? id : sb.pod;
            }
        }
        for (auto &[cid, podId] : m_infraContainer)
            byEngineId.emplace("podman:" + cid, podId);
        for (std::size_t i = 0; i < m_info.size(); ++i) {
            const Info &in = m_info[i];
            if (!in.considered || in.role == Role::None || !in.group.empty())
                continue;
            const Process &p = proc(i);
            std::string target;
            if (!in.attachId.empty()) {
                auto it = byEngineId.find(in.attachEngine + ":" + in.attachId);
                // The helper's engine may not be the one the cgroup named (a shim in k8s.io, a
                // CRI-O conmon under kubepods): the id alone decides then.
                if (it == byEngineId.end())
                    for (const auto &[key, id] : byEngineId)
                        if (endsWith(key, ":" + in.attachId))
                            it = byEngineId.find(key);
                if (it != byEngineId.end())
                    target = it->second;
            } else if (in.attachNet.valid()) {
                auto it = byNet.find(in.attachNet);
                if (it != byNet.end())
                    target = it->second;
            }
            const NsId def = definingNs(p);
            std::string id;
            if (!target.empty())
                id = "infrastructure:" + target;
            else if (def.valid())
                id = defKey(SandboxKind::Infrastructure, def);
            else
                id = "infrastructure:" + in.attachEngine + ":" + std::to_string(p.pid) + ":" +
                     std::to_string(p.startTime);
            auto it = byId.find(id);
            if (it == byId.end()) {
                Sandbox sb;
                sb.id = id;
                sb.kind = SandboxKind::Infrastructure;
                sb.engine = target.empty() ? in.attachEngine : byId.at(target).engine;
                sb.attachedTo = target;
                sb.init = member(p);
                sb.initComm = p.comm;
                fillNamespaces(sb, &p);
                m_initOf[id] = i;
                it = byId.emplace(id, std::move(sb)).first;
            } else {
                // The helper nearest the root of the process tree is the one to show.
                const Process &old = proc(m_initOf[id]);
                if (p.ppid != old.pid && (old.ppid == p.pid || p.pid < old.pid)) {
                    it->second.init = member(p);
                    it->second.initComm = p.comm;
                    fillNamespaces(it->second, &p);
                    m_initOf[id] = i;
                }
            }
            it->second.processes.push_back(member(p));
        }
    }

    const Snapshot &m_s;
    const ClassifyOptions &m_o;
    std::vector<Info> m_info;
    std::unordered_map<int, std::size_t> m_byPid;
    std::map<std::string, Identity> m_identity;          ///< identity group key -> identity
    std::map<std::string, std::string> m_launcherOf;     ///< group key -> launcher comm
    std::map<std::string, std::size_t> m_initOf;         ///< sandbox id -> index of its init
    std::map<std::string, std::string> m_infraContainer; ///< infra container id -> pod sandbox id
};

} // namespace

std::vector<Sandbox> classifySandboxes(const Snapshot &snapshot, const ClassifyOptions &options)
{
    return Classifier(snapshot, options).run();
}

} // namespace nsviz
