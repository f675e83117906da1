// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/sandbox/sandbox.h"

#include <algorithm>

namespace nsviz
{

std::string sandboxLabel(const Sandbox &s)
{
    if (!s.name.empty())
        return s.name;
    if (!s.engineId.empty() && s.engine != "unknown") {
        const std::string shortId = s.engineId.size() > 12 ? s.engineId.substr(0, 12) : s.engineId;
        return s.engine + (s.kind == SandboxKind::Pod ? " pod " : " ") + shortId;
    }
    // No name and no id: what launched it and what it runs, and the init's pid, since two hundred
    // `unshare ... sleep` sandboxes would otherwise all be "sleep". The launcher is left out when
    // it is what runs ("bwrap (pid 7)", not "bwrap: bwrap (pid 7)") or is not known.
    if (s.init && !s.initComm.empty()) {
        const bool launcher = s.engine != "unknown" && !s.engine.empty() && s.engine != s.initComm;
        return (launcher ? s.engine + ": " : std::string()) + s.initComm + " (pid " +
               std::to_string(s.init->pid) + ")";
    }
    if (!s.initComm.empty())
        return s.initComm;
    return s.id;
}

const Sandbox *sandboxOf(const Snapshot &snapshot, const Process &p)
{
    const SandboxMember key{p.pid, p.startTime};
    for (const Sandbox &s : snapshot.sandboxes)
        if (std::binary_search(s.processes.begin(), s.processes.end(), key))
            return &s;
    return nullptr;
}

SandboxIndex::SandboxIndex(const Snapshot &snapshot) : m_snapshot(&snapshot)
{
    std::size_t n = 0;
    for (const Sandbox &s : snapshot.sandboxes)
        n += s.processes.size();
    m_members.reserve(n);
    for (std::uint32_t i = 0; i < snapshot.sandboxes.size(); ++i)
        for (const SandboxMember &m : snapshot.sandboxes[i].processes)
            m_members.emplace_back(m, i);
    // Sorted by member, then sandbox: the first of equal members is the first sandbox listing it.
    std::sort(m_members.begin(), m_members.end());
    m_members.erase(std::unique(m_members.begin(), m_members.end(),
                                [](const auto &a, const auto &b) { return a.first == b.first; }),
                    m_members.end());
}

const Sandbox *SandboxIndex::of(const Process &p) const
{
    if (!m_snapshot)
        return nullptr;
    const SandboxMember key{p.pid, p.startTime};
    const auto it = std::lower_bound(m_members.begin(), m_members.end(), key,
                                     [](const auto &e, const SandboxMember &k) { return e.first < k; });
    if (it == m_members.end() || it->first != key)
        return nullptr;
    return &m_snapshot->sandboxes[it->second];
}

const Sandbox *findSandbox(const Snapshot &snapshot, const std::string &id)
{
    for (const Sandbox &s : snapshot.sandboxes)
        if (s.id == id)
            return &s;
    return nullptr;
}

bool hostNetworkAlarm(const Sandbox &s)
{
    if (!s.sharesType(NsType::Net))
        return false;
    if (s.kind == SandboxKind::Container || s.kind == SandboxKind::Pod)
        return true;
    // Service sandboxes and engine helpers are information (issue 10), whatever they isolate.
    if (isInformational(s))
        return false;
    return s.isolatesType(NsType::Pid) || s.isolatesType(NsType::User);
}

bool isInformational(const Sandbox &s)
{
    return s.kind == SandboxKind::Service || s.kind == SandboxKind::Infrastructure;
}

} // namespace nsviz
