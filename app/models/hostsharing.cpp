// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/models/hostsharing.h"

#include "core/discovery/hostreference.h"
#include "core/model/containerid.h"
#include "core/sandbox/sandbox.h"

#include <algorithm>
#include <map>
#include <unordered_map>

namespace nsviz
{

bool differsFromHost(const Snapshot &s, const Process &p, NsType t)
{
    // Compare with hostNs rather than trusting differsFromHost bits: files from other tools or
    // older helpers may not carry them, and the comparison is cheap.
    const NsId &mine = p.ns[index(t)];
    const NsId &host = s.hostNs[index(t)];
    return mine.valid() && host.valid() && mine != host;
}

std::uint8_t hostDifferenceMask(const Snapshot &s, const Process &p)
{
    std::uint8_t mask = 0;
    for (NsType t : kAllNsTypes)
        if (differsFromHost(s, p, t))
            mask |= 1u << index(t);
    return mask;
}

namespace
{
/// hostRelation() with @p sandboxOfP, the sandbox of p (called only for a snapshot with sandboxes).
template <typename SandboxLookup>
HostRelation relation(const Snapshot &s, const Process &p, SandboxLookup sandboxOfP)
{
    // Kernel threads (kdevtmpfs has its own mount namespace) are not containers.
    if (isHostReference(s, p) || p.kernelThread)
        return HostRelation::Host;
    bool anyValid = false;
    for (const auto &id : p.ns)
        anyValid = anyValid || id.valid();
    if (!anyValid)
        return HostRelation::Invisible;
    if (!s.sandboxes.empty()) {
        // The helper classified the sandboxes: the alarm is its rule (issue 10), so that a
        // mount-only service or an engine helper never gets a red ring.
        const Sandbox *sb = sandboxOfP();
        if (sb && hostNetworkAlarm(*sb))
            return HostRelation::HostNetWarning;
        return hostDifferenceMask(s, p) != 0 ? HostRelation::Isolated : HostRelation::Host;
    }
    // A snapshot without sandboxes (saved by an older nsviz): the rule before them.
    const NsId &net = p.ns[index(NsType::Net)];
    const bool hostNet = net.valid() && net == s.hostNs[index(NsType::Net)];
    const bool isolated = differsFromHost(s, p, NsType::Mnt) || differsFromHost(s, p, NsType::Pid);
    if (hostNet && isolated)
        return HostRelation::HostNetWarning;
    if (hostDifferenceMask(s, p) != 0)
        return HostRelation::Isolated;
    return HostRelation::Host;
}
} // namespace

HostRelation hostRelation(const Snapshot &s, const Process &p)
{
    return relation(s, p, [&] { return sandboxOf(s, p); });
}

HostRelation hostRelation(const Snapshot &s, const Process &p, const SandboxIndex &sandboxes)
{
    return relation(s, p, [&] { return sandboxes.of(p); });
}

namespace
{
std::vector<int> hostNetWarnings(const Snapshot &s, const SandboxIndex &sandboxes)
{
    std::vector<int> out;
    for (std::size_t i = 0; i < s.processes.size(); ++i)
        if (hostRelation(s, s.processes[i], sandboxes) == HostRelation::HostNetWarning)
            out.push_back(static_cast<int>(i));
    return out;
}
} // namespace

std::vector<int> hostNetWarnings(const Snapshot &s)
{
    return hostNetWarnings(s, SandboxIndex(s));
}

std::vector<HostNetGroup> hostNetGroups(const Snapshot &s)
{
    return hostNetGroups(s, hostNetWarnings(s));
}

std::vector<HostNetGroup> hostNetGroups(const Snapshot &s, const std::vector<int> &warnings)
{
    if (warnings.empty())
        return {};
    std::map<std::string, HostNetGroup> byKey;
    // A sandbox's group is found by the sandbox, not by a key string made per process (thousands of
    // them under churn, for every layout); the keys are made once per sandbox at the end, so that
    // the order is as if they had been.
    std::unordered_map<const Sandbox *, HostNetGroup> bySandbox;
    const SandboxIndex sandboxes(s);
    for (int i : warnings) {
        const Process &p = s.processes[i];
        if (const Sandbox *sb = sandboxes.of(p)) {
            // One group per sandbox, named as everywhere else.
            HostNetGroup &g = bySandbox[sb];
            if (g.procs.empty()) {
                g.label = sandboxLabel(*sb);
                g.own = sb->isolates;
            }
            g.procs.push_back(i);
            continue;
        }
        const ContainerIdentity id = containerFromCgroup(p.cgroup);
        std::string key;
        if (id.valid())
            key = "c:" + id.label();
        else if (differsFromHost(s, p, NsType::Pid))
            key = "p:" + std::to_string(p.ns[index(NsType::Pid)].ino);
        else
            key = "m:" + std::to_string(p.ns[index(NsType::Mnt)].ino);
        HostNetGroup &g = byKey[key];
        if (g.procs.empty()) {
            g.label = id.valid() ? id.label() : p.comm + " (pid " + std::to_string(p.pid) + ")";
            g.own = hostDifferenceMask(s, p);
        }
        g.procs.push_back(i);
    }
    for (auto &[sb, g] : bySandbox) {
        auto [it, fresh] = byKey.try_emplace("s:" + sb->id, std::move(g));
        if (fresh)
            continue;
        // Two sandboxes with one id (not from the helper): one group, named by its first process's.
        HostNetGroup &into = it->second;
        if (g.procs.front() < into.procs.front())
            std::swap(into, g);
        into.procs.insert(into.procs.end(), g.procs.begin(), g.procs.end());
        std::sort(into.procs.begin(), into.procs.end());
    }
    std::vector<HostNetGroup> out;
    out.reserve(byKey.size());
    for (auto &[key, g] : byKey)
        out.push_back(std::move(g));
    std::stable_sort(out.begin(), out.end(),
                     [](const auto &a, const auto &b) { return a.procs.size() > b.procs.size(); });
    return out;
}

} // namespace nsviz
