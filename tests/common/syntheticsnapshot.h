// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Deterministic hand-made snapshots and churn for protocol tests (no /proc needed).

#include "core/model/model.h"
#include "core/model/nstype.h"

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace nsviz::testkit
{

/// Builds consistent snapshots from a set of processes: namespaces are derived from the processes'
/// ns links, as discovery would. Each process gets its own net/uts namespace when its "isolated".
class SyntheticHost
{
public:
    explicit SyntheticHost(unsigned seed = 1) : m_rng(seed) {}

    /// Isolated processes also get their own pid namespace (child of the host's), and every third
    /// its own user namespace (child of the host's) owning its other fresh namespaces: the namespace
    /// trees then have depth. Off by default (the protocol tests' snapshots stay as they were).
    void setNested(bool nested) { m_nested = nested; }

    /// The inode of process @p pid's own namespace of type @p t: distinct for every (pid, type), so
    /// that two namespaces never share an id however many processes there are.
    static NsId freshNs(int pid, NsType t)
    {
        return NsId{4, 4026540000u + static_cast<std::uint64_t>(pid) * kNsTypeCount + index(t)};
    }

    /// Adds a process; returns its pid.
    int start(bool isolated)
    {
        Process p;
        p.pid = m_nextPid;
        m_nextPid += 1 + static_cast<int>(m_rng() % 3);
        p.ppid = 1;
        p.startTime = ++m_clock * 7;
        p.uid = static_cast<std::uint32_t>(m_rng() % 2000);
        p.euid = p.uid;
        p.state = "SRD"[m_rng() % 3];
        p.comm = "proc " + std::to_string(p.pid) + " (\xc3\xa9)";
        p.cmdline = {"/usr/bin/thing", "--arg=" + std::to_string(m_rng() % 100000), "with space"};
        p.nspid = {p.pid};
        p.cgroup = "/system.slice/x" + std::to_string(p.pid % 7) + ".service";
        for (NsType t : kAllNsTypes)
            p.ns[index(t)] = NsId{4, 4026531830u + index(t)};
        if (isolated) {
            p.ns[index(NsType::Net)] = freshNs(p.pid, NsType::Net);
            p.ns[index(NsType::Uts)] = freshNs(p.pid, NsType::Uts);
            p.differsFromHost = (1u << index(NsType::Net)) | (1u << index(NsType::Uts));
            if (m_nested) {
                p.ns[index(NsType::Pid)] = freshNs(p.pid, NsType::Pid);
                p.differsFromHost |= 1u << index(NsType::Pid);
                p.nspid = {p.pid, 1};
                if (p.pid % 3 == 0) {
                    p.ns[index(NsType::User)] = freshNs(p.pid, NsType::User);
                    p.differsFromHost |= 1u << index(NsType::User);
                }
            }
        }
        m_procs[p.pid] = p;
        return p.pid;
    }
    /// Adds a process in the namespaces of process @p pid (a container's next process); returns
    /// its pid, or 0 when @p pid is not there.
    int join(int pid)
    {
        auto it = m_procs.find(pid);
        if (it == m_procs.end())
            return 0;
        Process p = it->second;
        p.pid = m_nextPid;
        m_nextPid += 1 + static_cast<int>(m_rng() % 3);
        p.ppid = pid;
        p.startTime = ++m_clock * 7;
        p.comm = "worker " + std::to_string(p.pid);
        p.cmdline = {"/usr/bin/worker", std::to_string(m_rng() % 1000)};
        if (p.nspid.size() > 1)
            p.nspid = {p.pid, p.pid - pid + 1};
        else
            p.nspid = {p.pid};
        m_procs[p.pid] = p;
        return p.pid;
    }
    /// The pids there now, ascending.
    std::vector<int> pids() const
    {
        std::vector<int> v;
        v.reserve(m_procs.size());
        for (const auto &[pid, p] : m_procs)
            v.push_back(pid);
        return v;
    }
    /// Changes a field of process @p pid (its state and argv), as a live process does.
    void touch(int pid)
    {
        if (auto it = m_procs.find(pid); it != m_procs.end()) {
            it->second.state = it->second.state == 'S' ? 'R' : 'S';
            it->second.cmdline.back() = std::to_string(m_rng() % 100000);
        }
    }
    std::mt19937 &rng() { return m_rng; }
    void stop(int pid) { m_procs.erase(pid); }
    void rename(int pid, std::string comm)
    {
        if (auto it = m_procs.find(pid); it != m_procs.end())
            it->second.comm = std::move(comm);
    }
    /// One random step: start, stop or change something.
    void churn()
    {
        auto r = m_rng() % 10;
        if (r < 4 || m_procs.size() < 3) {
            start(m_rng() % 2);
        } else if (r < 7) {
            auto it = m_procs.begin();
            std::advance(it, static_cast<long>(m_rng() % m_procs.size()));
            if (it->first != 1)
                m_procs.erase(it);
        } else {
            auto it = m_procs.begin();
            std::advance(it, static_cast<long>(m_rng() % m_procs.size()));
            it->second.state = it->second.state == 'S' ? 'R' : 'S';
            it->second.cmdline.push_back("more");
        }
    }

    Snapshot snapshot() const
    {
        Snapshot s;
        s.host.hostname = "synthetic";
        s.host.kernel = "6.1.0";
        s.host.scannedAtMs = 1700000000000u + m_clock;
        s.host.scanMs = 1.5 + static_cast<double>(m_clock % 10);
        std::map<std::pair<NsType, NsId>, std::vector<int>> ns;
        for (const auto &[pid, p] : m_procs) {
            s.processes.push_back(p);
            for (NsType t : kAllNsTypes)
                ns[{t, p.ns[index(t)]}].push_back(pid);
        }
        for (const auto &[key, pids] : ns) {
            Namespace n;
            n.type = key.first;
            n.id = key.second;
            n.pids = pids;
            n.foundBy = FoundByProcess;
            n.isHost = n.id.ino < 4026540000u;
            const NsId hostUser{4, 4026531830u + index(NsType::User)};
            if (n.type != NsType::User) {
                n.owner = hostUser;
                // A fresh namespace of a process in its own user namespace is owned by that one.
                if (m_nested && !n.isHost) {
                    const Process &first = m_procs.at(pids.front());
                    if (first.ns[index(NsType::User)] != hostUser)
                        n.owner = first.ns[index(NsType::User)];
                }
            } else if (m_nested && !n.isHost) {
                n.owner = hostUser;
                n.parent = hostUser;
            }
            if (m_nested && n.type == NsType::Pid && !n.isHost)
                n.parent = NsId{4, 4026531830u + index(NsType::Pid)};
            s.namespaces.push_back(n);
        }
        for (NsType t : kAllNsTypes)
            s.hostNs[index(t)] = NsId{4, 4026531830u + index(t)};
        return s;
    }
    std::size_t size() const { return m_procs.size(); }

private:
    std::mt19937 m_rng;
    bool m_nested = false;
    int m_nextPid = 1;
    std::uint64_t m_clock = 0;
    std::map<int, Process> m_procs;
};

} // namespace nsviz::testkit
