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
#include <span>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

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

/// What a cgroup path says (fromCgroup()), kept per distinct path: many processes share one, and
/// the path is its own key, so neither an exec nor a reused pid can make an entry wrong.
struct CgroupFacts {
    Identity id;
    std::string key;            ///< identityKey(id) when id is valid
    std::uint64_t used = 0;     ///< the last run that looked it up (entries not used in a run are dropped)
    std::uint64_t groupRun = 0; ///< the run in which `group` was set
    int group = -1;             ///< that run's group index for `key`
};

} // namespace

/// The classification, and what it keeps between runs (SandboxClassifier): the facts of each
/// distinct cgroup path, files read in processes' roots, and buffers. Every run decides every
/// process and every sandbox again from the snapshot it is given, so a run's result depends only
/// on that snapshot (and the files); the kept facts only save the parsing and the reading.
class SandboxClassifier::Impl
{
public:
    explicit Impl(ClassifyOptions o) : m_o(std::move(o)) {}

    std::vector<Sandbox> run(const Snapshot &s)
    {
        m_s = &s;
        ++m_run;
        const auto &procs = s.processes;
        m_info.assign(procs.size(), Info{});
        m_roles.clear();
        m_fromParent.clear();
        m_groups.clear();
        m_nsGroups.clear();
        m_idGroups.clear();
        m_initOf.clear();
        m_infraContainer.clear();
        // Snapshots list their processes by ascending pid, each once: a pid is found by bisection.
        // Anything else (a hand-made snapshot) through a map, the first of a pid winning.
        m_byPid.clear();
        m_sortedPids = std::adjacent_find(procs.begin(), procs.end(), [](const Process &a, const Process &b) {
                           return a.pid >= b.pid;
                       }) == procs.end();
        m_duplicatePids = false;
        if (!m_sortedPids)
            for (std::size_t i = 0; i < procs.size(); ++i)
                m_duplicatePids = !m_byPid.emplace(procs[i].pid, i).second || m_duplicatePids;
        m_parent.resize(procs.size());
        for (std::size_t i = 0; i < procs.size(); ++i)
            m_parent[i] = indexOfPid(procs[i].ppid);
        // Net namespaces that some nsfs bind mount holds: only those can have an `ip netns` name.
        m_boundNets.clear();
        for (const Namespace &n : s.namespaces)
            if (!n.bindMounts.empty())
                m_boundNets.insert(n.id);
        for (std::size_t i = 0; i < procs.size(); ++i)
            describe(i);
        for (std::size_t i = 0; i < procs.size(); ++i)
            identifyFromParent(i);
        groupProcesses();
        attachLaunchers();
        std::vector<Sandbox> out = buildSandboxes();
        // Bounded: only what this run used stays (cgroups of live processes, files of live inits).
        std::erase_if(m_cgroups, [this](const auto &e) { return e.second.used != m_run; });
        std::erase_if(m_files, [this](const auto &e) { return e.second.used != m_run; });
        m_s = nullptr;
        return out;
    }

    std::size_t cachedCgroups() const { return m_cgroups.size(); }
    std::size_t cachedFiles() const { return m_files.size(); }

private:
    /// Per process, small: what only a few processes have (helpers' targets, an identity learnt
    /// from the parent) lives in side tables, by index.
    struct Info {
        bool considered = false; ///< not a kernel thread, not exited
        Role role = Role::None;
        bool launcher = false;
        const CgroupFacts *cg = nullptr; ///< from the cgroup path (considered processes)
        int fromParent =
            -1; ///< m_fromParent index: from the engine helper that is its parent (conmon, nspawn, lxc, shim)
        int roleData = -1; ///< m_roles index, for engine helpers
        int group = -1;    ///< m_groups index; -1: in no sandbox
    };
    struct RoleData {
        std::string attachId; ///< for helpers: engine id (or name) of what they serve
        std::string attachEngine;
        NsId attachNet; ///< for network helpers: the net namespace they serve
    };
    /// A group of processes that becomes a sandbox: a defining namespace ("N|dev:ino") or an
    /// engine identity ("E|engine:id"). Kept as an index; the key orders the groups as before.
    struct Group {
        std::string key;
        bool byNs = false;
        NsId ns;              ///< for byNs groups
        Identity identity;    ///< for identity groups
        std::string launcher; ///< comm of the launcher that started it; empty: none
        int remap = -1;       ///< byNs groups merged into an identity group
    };
    const Identity &cgIdentity(const Info &in) const { return in.cg ? in.cg->id : m_noIdentity; }
    const Identity &parentIdentity(const Info &in) const
    {
        return in.fromParent >= 0 ? m_fromParent[static_cast<std::size_t>(in.fromParent)] : m_noIdentity;
    }
    const RoleData &roleOf(const Info &in) const { return m_roles[static_cast<std::size_t>(in.roleData)]; }
    RoleData &newRole(Info &in)
    {
        in.roleData = static_cast<int>(m_roles.size());
        return m_roles.emplace_back();
    }

    const CgroupFacts &cgroupFacts(const std::string &cgroup)
    {
        auto it = m_cgroups.find(cgroup);
        if (it == m_cgroups.end()) {
            CgroupFacts f;
            f.id = fromCgroup(cgroup);
            if (f.id.valid())
                f.key = identityKey(f.id);
            it = m_cgroups.emplace(cgroup, std::move(f)).first;
        }
        it->second.used = m_run;
        return it->second;
    }

    static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
    std::size_t indexOfPid(int pid) const
    {
        if (m_sortedPids) {
            const auto &v = m_s->processes;
            auto it =
                std::lower_bound(v.begin(), v.end(), pid, [](const Process &p, int q) { return p.pid < q; });
            return it != v.end() && it->pid == pid ? static_cast<std::size_t>(it - v.begin()) : kNone;
        }
        auto it = m_byPid.find(pid);
        return it == m_byPid.end() ? kNone : it->second;
    }
    const Process &proc(std::size_t i) const { return m_s->processes[i]; }
    const Process *parentOf(std::size_t i) const
    {
        const std::size_t at = m_parent[i];
        return at == kNone ? nullptr : &m_s->processes[at];
    }
    std::size_t indexOf(const Process *p) const
    {
        return static_cast<std::size_t>(p - m_s->processes.data());
    }

    void describe(std::size_t i)
    {
        const Process &p = proc(i);
        Info &in = m_info[i];
        in.considered = !p.kernelThread && !p.exited && p.state != 'Z' && p.state != 'X';
        if (!in.considered)
            return;
        in.cg = &cgroupFacts(p.cgroup);
        const std::string_view comm = p.comm;
        const std::string_view arg0 = p.cmdline.empty() ? std::string_view() : std::string_view(p.cmdline[0]);
        // Most processes are none of what follows; the first letters say so without comparing.
        static constexpr std::string_view kFirst = "cspraubf";
        if ((arg0.empty() || arg0[0] != '[') &&
            (comm.empty() || kFirst.find(comm[0]) == std::string_view::npos))
            return;
        if (startsWith(arg0, "[lxc monitor]")) {
            // "[lxc monitor] /var/lib/lxc web1", in one argument or split at the spaces.
            std::string all;
            for (const auto &a : p.cmdline)
                all += (all.empty() ? "" : " ") + a;
            while (!all.empty() && all.back() == ' ')
                all.pop_back();
            in.role = Role::LxcMonitor;
            RoleData &r = newRole(in);
            r.attachEngine = "lxc";
            r.attachId = baseName(all.substr(all.rfind(' ') + 1));
        } else if (comm == "conmon") {
            in.role = Role::Conmon;
            RoleData &r = newRole(in);
            r.attachEngine = p.cgroup.find("crio") != std::string::npos ? "cri-o" : "podman";
            r.attachId = optionValue(p.cmdline, "-c", "--cid");
        } else if (startsWith(comm, "containerd-shim")) {
            in.role = Role::Shim;
            RoleData &r = newRole(in);
            const std::string ns = optionValue(p.cmdline, "", "-namespace");
            r.attachEngine = ns == "moby" ? "docker" : ns == "k8s.io" ? "kubernetes" : "containerd";
            r.attachId = optionValue(p.cmdline, "", "-id");
        } else if (comm == "catatonit" && !cgIdentity(in).valid() && !isConmon(parentOf(i))) {
            // Rootless podman's pause process: it holds podman's user namespace, serves no one
            // container. (catatonit as a pod's infra container is in a container cgroup or under conmon.)
            in.role = Role::Catatonit;
            newRole(in).attachEngine = "podman";
        } else if (comm == "slirp4netns" || comm == "pasta" || comm == "pasta.avx2" || comm == "passt" ||
                   comm == "rootlessport" || comm == "rootlessport-ch" || comm == "aardvark-dns") {
            in.role = Role::NetHelper;
            RoleData &r = newRole(in);
            r.attachEngine = "podman";
            r.attachNet = servedNetns(p);
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
        const NsId &mine = p.ns[index(t)], &host = m_s->hostNs[index(t)];
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
            const std::size_t at = indexOfPid(std::stoi(path));
            return at == kNone ? NsId{} : m_s->processes[at].ns[index(NsType::Net)];
        }
        for (const Namespace &n : m_s->namespaces) {
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
        static const RoleData none;
        const RoleData &pr = pin.roleData >= 0 ? roleOf(pin) : none;
        Identity id;
        if (pin.role == Role::Conmon && !pr.attachId.empty()) {
            id.engine = pr.attachEngine;
            id.id = pr.attachId;
            id.name = optionValue(parent->cmdline, "-n", "--name");
        } else if (pin.role == Role::LxcMonitor && !pr.attachId.empty()) {
            id.engine = "lxc";
            id.id = id.name = pr.attachId;
        } else if (pin.role == Role::Shim && !pr.attachId.empty() && pr.attachEngine != "kubernetes") {
            id.engine = pr.attachEngine;
            id.id = pr.attachId;
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
        // Every use asks valid() first: an invalid identity need not be kept.
        if (id.valid()) {
            in.fromParent = static_cast<int>(m_fromParent.size());
            m_fromParent.push_back(std::move(id));
        }
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

    int nsGroup(const NsId &def)
    {
        auto [it, isNew] = m_nsGroups.try_emplace(def, static_cast<int>(m_groups.size()));
        if (isNew) {
            Group &g = m_groups.emplace_back();
            g.key = "N|" + std::to_string(def.dev) + ":" + std::to_string(def.ino);
            g.byNs = true;
            g.ns = def;
        }
        return it->second;
    }
    /// The group of @p id (key identityKey(id)); made with @p id when new (the first one seen wins).
    int identityGroup(const Identity &id, const std::string &key)
    {
        auto [it, isNew] = m_idGroups.try_emplace(key, static_cast<int>(m_groups.size()));
        if (isNew) {
            Group &g = m_groups.emplace_back();
            g.key = key;
            g.identity = id;
        }
        return it->second;
    }

    void groupProcesses()
    {
        std::unordered_map<NsId, int, NsIdHash> nsToIdentity; // defining namespace -> identity group
        const NsId hostMnt = m_s->hostNs[index(NsType::Mnt)];
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
            const bool inHostMnt = hostMnt.valid() && p.ns[index(NsType::Mnt)] == hostMnt;
            const Identity &cg = cgIdentity(in);
            const Identity &fromParent = parentIdentity(in);
            const Identity &id = !def.valid() && inHostMnt ? m_noIdentity : cg.valid() ? cg : fromParent;
            if (id.valid()) {
                if (&id == &cg) {
                    // Many processes share a cgroup: its group is looked up once per run.
                    CgroupFacts &f = const_cast<CgroupFacts &>(*in.cg);
                    if (f.groupRun != m_run) {
                        f.group = identityGroup(id, f.key);
                        f.groupRun = m_run;
                    }
                    in.group = f.group;
                } else {
                    in.group = identityGroup(id, identityKey(id));
                }
                // A name learnt from a parent fills in what the cgroup alone could not tell.
                Identity &kept = m_groups[static_cast<std::size_t>(in.group)].identity;
                if (cg.valid() && fromParent.valid() && fromParent.id == cg.id && kept.name.empty())
                    kept.name = fromParent.name;
                if (def.valid() && !cg.valid())
                    nsToIdentity.emplace(def, in.group);
            } else if (def.valid()) {
                in.group = nsGroup(def);
            }
        }
        // The rest of a container known from its init's parent (rootless podman on a v1 host, an
        // unregistered nspawn machine): the processes in the same defining namespace.
        if (nsToIdentity.empty())
            return;
        for (Group &g : m_groups)
            if (g.byNs) {
                auto it = nsToIdentity.find(g.ns);
                if (it != nsToIdentity.end())
                    g.remap = it->second;
            }
        for (Info &in : m_info)
            if (in.group >= 0 && m_groups[static_cast<std::size_t>(in.group)].remap >= 0)
                in.group = m_groups[static_cast<std::size_t>(in.group)].remap;
    }

    void attachLaunchers()
    {
        std::vector<int> sizes(m_groups.size(), 0);
        for (const Info &in : m_info)
            if (in.group >= 0)
                ++sizes[static_cast<std::size_t>(in.group)];
        for (std::size_t i = 0; i < m_info.size(); ++i) {
            const Info &in = m_info[i];
            if (in.group < 0)
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
            if (pin.group < 0 || (m_groups[static_cast<std::size_t>(pin.group)].byNs &&
                                  sizes[static_cast<std::size_t>(pin.group)] == 1)) {
                if (pin.group >= 0)
                    --sizes[static_cast<std::size_t>(pin.group)];
                pin.group = in.group;
                ++sizes[static_cast<std::size_t>(in.group)];
                m_groups[static_cast<std::size_t>(in.group)].launcher = parent->comm;
            }
        }
        for (std::size_t i = 0; i < m_info.size(); ++i)
            if (m_info[i].launcher && m_info[i].group >= 0 &&
                m_groups[static_cast<std::size_t>(m_info[i].group)].launcher.empty())
                m_groups[static_cast<std::size_t>(m_info[i].group)].launcher = proc(i).comm;
    }

    /// PID 1 of its own pid namespace if there is one (the shallowest), else the top-most member
    /// that is not a launcher, else the lowest pid.
    template <class Members> std::size_t pickInit(const Members &m, int group) const
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
        // Whose parent is not a member: the parent by pid is in this group (with unique pids, as
        // every snapshot has them; a hand-made one without falls back to the pid set).
        std::set<int> pids;
        if (m_duplicatePids)
            for (std::size_t i : m)
                pids.insert(proc(i).pid);
        auto parentIsMember = [&](std::size_t i) {
            if (m_duplicatePids)
                return pids.count(proc(i).ppid) > 0;
            const std::size_t at = indexOfPid(proc(i).ppid);
            return at != kNone && m_info[at].group == group;
        };
        for (std::size_t i : m)
            if (!m_info[i].launcher && !parentIsMember(i))
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
            const NsId host = m_s->hostNs[index(t)];
            if (!init || !init->ns[index(t)].valid() || !host.valid())
                sb.unknown |= bit;
            else if (init->ns[index(t)] == host)
                sb.sharesWithHost |= bit;
            else
                sb.isolates |= bit;
        }
    }

    /// A file in @p p's root. What was read is kept for that process (pid and start time) and that
    /// file: /run/.containerenv and /.flatpak-info are written before the sandbox's first program
    /// runs and stay as they are. A failed read is not kept (a bwrap that has not yet moved into
    /// its new root shows the host's), so it is tried again next time.
    std::string readInRoot(const Process &p, const char *path)
    {
        if (m_o.procRoot.empty())
            return {};
        const FileKey key{p.pid, p.startTime, path};
        if (auto it = m_files.find(key); it != m_files.end()) {
            it->second.used = m_run;
            return it->second.text;
        }
        std::string text;
        if (ProcReader::readFile(m_o.procRoot + "/" + std::to_string(p.pid) + "/root" + path, text,
                                 1 << 14) != 0)
            return {};
        m_files.emplace(key, FileText{text, m_run});
        return text;
    }

    /// "ip netns" names the net namespace it made by a bind mount under /run/netns.
    std::string netnsName(const NsId &net) const
    {
        if (!m_boundNets.count(net))
            return {}; // no namespace with this id has a bind mount (the common case: no lookup)
        const Namespace *n = m_s->findNamespace(net);
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
        // Group -> member indices, ascending by index (the processes are sorted by pid): one
        // array, each group's members a slice of it.
        // Buffers kept between runs: their memory is not asked for again on every change.
        std::vector<std::size_t> &start = m_start, &members = m_members;
        start.assign(m_groups.size() + 1, 0);
        for (const Info &in : m_info)
            if (in.group >= 0)
                ++start[static_cast<std::size_t>(in.group) + 1];
        for (std::size_t g = 0; g < m_groups.size(); ++g)
            start[g + 1] += start[g];
        members.resize(start.back());
        {
            std::vector<std::size_t> &at = m_at;
            at.assign(start.begin(), start.end() - 1);
            for (std::size_t i = 0; i < m_info.size(); ++i)
                if (m_info[i].group >= 0)
                    members[at[static_cast<std::size_t>(m_info[i].group)]++] = i;
        }
        // The groups in the order of their keys (the order ties between them are settled in).
        std::vector<int> &order = m_order;
        order.clear();
        for (std::size_t g = 0; g < m_groups.size(); ++g)
            if (start[g + 1] > start[g])
                order.push_back(static_cast<int>(g));
        std::sort(order.begin(), order.end(), [this](int a, int b) {
            return m_groups[static_cast<std::size_t>(a)].key < m_groups[static_cast<std::size_t>(b)].key;
        });
        // Podman pods known only by their shared network namespace (no pod slice on a cgroup v1
        // host): the net namespace of an infra container -> pod id.
        std::map<NsId, std::string> inferredPodByNet;
        for (int g : order) {
            const Group &group = m_groups[static_cast<std::size_t>(g)];
            const std::span<const std::size_t> m(members.data() + start[static_cast<std::size_t>(g)],
                                                 start[static_cast<std::size_t>(g) + 1] -
                                                     start[static_cast<std::size_t>(g)]);
            const Process &init = proc(pickInit(m, g));
            Sandbox sb;
            NsType defType = NsType::Mnt;
            const NsId def = definingNs(init, &defType);
            if (!group.byNs) {
                const Identity &id = group.identity;
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
                classifyByLauncher(group, init, sb);
                if (sb.id.empty())
                    sb.id = defKey(sb.kind, def);
            }
            sb.init = member(init);
            sb.initComm = init.comm;
            sb.processes.reserve(m.size());
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

    void classifyByLauncher(const Group &group, const Process &init, Sandbox &sb)
    {
        const std::string &l = group.launcher;
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
            const Info &info = m_info[i];
            if (!info.considered || info.role == Role::None || info.group >= 0)
                continue;
            const RoleData &in = roleOf(info);
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

    struct FileKey {
        int pid;
        std::uint64_t startTime;
        const char *path; ///< one of the two literals readInRoot() is given
        auto operator<=>(const FileKey &) const = default;
    };
    struct FileText {
        std::string text;
        std::uint64_t used = 0;
    };

    const ClassifyOptions m_o;
    const Snapshot *m_s = nullptr;
    std::uint64_t m_run = 0;
    const Identity m_noIdentity;
    // Kept between runs (bounded: what the last run did not use is dropped).
    std::unordered_map<std::string, CgroupFacts> m_cgroups; ///< cgroup path -> what it says
    std::map<FileKey, FileText> m_files;                    ///< files read in processes' roots
    // One run's.
    std::vector<Info> m_info;
    std::vector<RoleData> m_roles;
    std::vector<Identity> m_fromParent;
    std::vector<Group> m_groups;
    std::unordered_map<NsId, int, NsIdHash> m_nsGroups;
    std::unordered_map<std::string, int> m_idGroups;
    std::unordered_map<int, std::size_t> m_byPid;
    std::vector<std::size_t> m_parent;                 ///< index of each process's parent, or kNone
    std::vector<std::size_t> m_start, m_members, m_at; ///< buildSandboxes(): members by group
    std::vector<int> m_order;
    std::unordered_set<NsId, NsIdHash> m_boundNets;
    bool m_sortedPids = false;
    bool m_duplicatePids = false;
    std::map<std::string, std::size_t> m_initOf;         ///< sandbox id -> index of its init
    std::map<std::string, std::string> m_infraContainer; ///< infra container id -> pod sandbox id
};

SandboxClassifier::SandboxClassifier(ClassifyOptions options)
    : m_impl(std::make_unique<Impl>(std::move(options)))
{
}
SandboxClassifier::~SandboxClassifier() = default;
SandboxClassifier::SandboxClassifier(SandboxClassifier &&) noexcept = default;
SandboxClassifier &SandboxClassifier::operator=(SandboxClassifier &&) noexcept = default;

std::vector<Sandbox> SandboxClassifier::classify(const Snapshot &snapshot)
{
    return m_impl->run(snapshot);
}

std::size_t SandboxClassifier::cachedCgroups() const
{
    return m_impl->cachedCgroups();
}
std::size_t SandboxClassifier::cachedFiles() const
{
    return m_impl->cachedFiles();
}

std::vector<Sandbox> classifySandboxes(const Snapshot &snapshot, const ClassifyOptions &options)
{
    return SandboxClassifier(options).classify(snapshot);
}

} // namespace nsviz
