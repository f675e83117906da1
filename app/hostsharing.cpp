// SPDX-License-Identifier: GPL-2.0-or-later
#include "hostsharing.h"

namespace nsviz {

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

HostRelation hostRelation(const Snapshot &s, const Process &p)
{
    if (p.pid == s.host.referencePid)
        return HostRelation::Host;
    bool anyValid = false;
    for (const auto &id : p.ns)
        anyValid = anyValid || id.valid();
    if (!anyValid)
        return HostRelation::Invisible;
    const NsId &net = p.ns[index(NsType::Net)];
    const bool hostNet = net.valid() && net == s.hostNs[index(NsType::Net)];
    const bool isolated = differsFromHost(s, p, NsType::Mnt) || differsFromHost(s, p, NsType::Pid);
    if (hostNet && isolated)
        return HostRelation::HostNetWarning;
    if (hostDifferenceMask(s, p) != 0)
        return HostRelation::Isolated;
    return HostRelation::Host;
}

std::vector<int> hostNetWarnings(const Snapshot &s)
{
    std::vector<int> out;
    for (std::size_t i = 0; i < s.processes.size(); ++i)
        if (hostRelation(s, s.processes[i]) == HostRelation::HostNetWarning)
            out.push_back(static_cast<int>(i));
    return out;
}

} // namespace nsviz
