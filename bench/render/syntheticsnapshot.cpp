// SPDX-License-Identifier: GPL-2.0-or-later
#include "bench/render/syntheticsnapshot.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

namespace nsviz::bench
{

Snapshot syntheticSnapshot(int processes, unsigned seed)
{
    std::mt19937 rng(seed);
    Snapshot s;
    s.host.hostname = "bench-host";
    s.host.kernel = "synthetic";
    s.host.privileged = true;
    s.host.referencePid = 1;
    s.host.referenceComm = "systemd";
    const std::uint64_t dev = 4;
    std::uint64_t nextIno = 4026531834;
    for (NsType t : kAllNsTypes)
        s.hostNs[index(t)] = NsId{dev, nextIno++};
    nextIno = 4026532000;

    int pid = 1;
    auto add = [&](const std::array<NsId, kNsTypeCount> &ns, const std::string &comm,
                   const std::string &cgroup, int ppid) {
        Process p;
        p.pid = pid++;
        p.ppid = ppid;
        p.startTime = 100 + static_cast<std::uint64_t>(p.pid);
        p.comm = comm;
        p.cmdline = {"/usr/bin/" + comm, "--worker", std::to_string(p.pid)};
        p.nspid = {p.pid};
        p.state = 'S';
        p.cgroup = cgroup;
        p.ns = ns;
        s.processes.push_back(std::move(p));
        return pid - 1;
    };
    // 40% plain host processes.
    const int hostCount = std::max(1, processes * 2 / 5);
    add(s.hostNs, "systemd", "/init.scope", 0);
    for (int i = 1; i < hostCount; ++i)
        add(s.hostNs, i % 7 == 0 ? "kworker" : "service", "/system.slice/svc.service", 1);
    // The rest in containers: sizes from a Pareto-like distribution, 1..400 processes.
    std::uniform_real_distribution<double> u(0.0, 1.0);
    int c = 0;
    while (pid <= processes) {
        const int size = std::min(
            {processes - pid + 1, 400, 1 + static_cast<int>(std::floor(2.0 / std::pow(u(rng) + 1e-3, 0.9)))});
        std::array<NsId, kNsTypeCount> ns = s.hostNs;
        for (NsType t : {NsType::Mnt, NsType::Pid, NsType::Net, NsType::Uts, NsType::Ipc, NsType::Cgroup})
            ns[index(t)] = NsId{dev, nextIno++};
        if (c % 4 == 0)
            ns[index(NsType::User)] = NsId{dev, nextIno++};
        if (c % 20 == 7)
            ns[index(NsType::Net)] = s.hostNs[index(NsType::Net)]; // hostNetwork: flagged
        char id[65];
        std::snprintf(id, sizeof id, "%016x%016x%016x%016x", c * 2654435761u, c + 17u, c * 97u, c * 31u);
        const std::string cgroup = "/system.slice/docker-" + std::string(id) + ".scope";
        const int init = add(ns, "init", cgroup, 1);
        for (int k = 1; k < size; ++k)
            add(ns, "app", cgroup, init);
        ++c;
    }
    // Namespaces from the processes.
    std::map<NsId, Namespace> nss;
    for (const auto &p : s.processes)
        for (NsType t : kAllNsTypes) {
            auto &n = nss[p.ns[index(t)]];
            n.type = t;
            n.id = p.ns[index(t)];
            n.foundBy = FoundByProcess;
            n.isHost = n.id == s.hostNs[index(t)];
            n.pids.push_back(p.pid);
        }
    for (auto &p : s.processes)
        for (NsType t : kAllNsTypes)
            if (p.ns[index(t)] != s.hostNs[index(t)])
                p.differsFromHost |= 1u << index(t);
    for (auto &[id, n] : nss)
        s.namespaces.push_back(std::move(n));
    std::sort(s.namespaces.begin(), s.namespaces.end(), [](const Namespace &a, const Namespace &b) {
        return std::pair(a.type, a.id) < std::pair(b.type, b.id);
    });
    return s;
}

} // namespace nsviz::bench
