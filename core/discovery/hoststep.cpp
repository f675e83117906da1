// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/discovery/hoststep.h"
#include "core/proc/procreader.h"

#include <sys/utsname.h>

namespace nsviz
{

namespace
{
int countValid(const Process &p)
{
    int n = 0;
    for (const NsId &id : p.ns)
        n += id.valid();
    return n;
}

std::string firstLine(std::string_view text)
{
    auto eol = text.find('\n');
    return std::string(text.substr(0, eol));
}
} // namespace

void HostStep::readFacts(int procFd, HostInfo &h)
{
    // From the proc root (so a fake tree describes its own host), else uname().
    ProcReader reader;
    std::string_view text;
    struct utsname uts {
    };
    ::uname(&uts);
    h.hostname = reader.read(procFd, "sys/kernel/hostname", text, 4096) == 0 && !text.empty()
                     ? firstLine(text)
                     : std::string(uts.nodename);
    h.kernel = reader.read(procFd, "sys/kernel/osrelease", text, 4096) == 0 && !text.empty()
                   ? firstLine(text)
                   : std::string(uts.release);
    if (reader.read(procFd, "sys/kernel/random/boot_id", text, 4096) == 0)
        h.bootId = firstLine(text);
}

void HostStep::run(DiscoveryContext &ctx)
{
    Snapshot &s = ctx.snapshot();
    HostInfo &h = s.host;
    h.procRoot = ctx.procRoot();

    readFacts(ctx.procFd(), h);

    // The reference process.
    const Process *ref = nullptr;
    const Process *init = s.findProcess(1);
    const Process *kthreadd = s.findProcess(2);
    if (kthreadd && !(kthreadd->comm == "kthreadd" && kthreadd->ppid == 0))
        kthreadd = nullptr;
    if (init && init->visible && countValid(*init) > 0) {
        ref = init;
        h.referenceNote = "PID 1";
    } else if (kthreadd && kthreadd->visible && countValid(*kthreadd) > 0) {
        ref = kthreadd;
        h.referenceNote =
            init ? "PID 1's namespaces are not readable (EACCES), so kthreadd (pid 2), which "
                   "always lives in the initial namespaces, is the reference"
                 : "PID 1 not found under " + h.procRoot + ", so kthreadd (pid 2) is the reference";
    }
    if (ref) {
        h.referencePid = ref->pid;
        h.referenceComm = ref->comm;
        h.referenceStartTime = ref->startTime;
        s.hostNs = ref->ns;
    } else {
        // Unprivileged, typically. The kernel gives its initial namespaces fixed inode numbers
        // (include/linux/proc_ns.h) for all types but mnt and net, so those six can still be told.
        h.referencePid = 0;
        h.referenceComm.clear();
        h.referenceStartTime = 0;
        s.hostNs = {};
        constexpr std::pair<NsType, std::uint64_t> kInitial[] = {
            {NsType::Ipc, 0xEFFFFFFFu}, {NsType::Uts, 0xEFFFFFFEu},    {NsType::User, 0xEFFFFFFDu},
            {NsType::Pid, 0xEFFFFFFCu}, {NsType::Cgroup, 0xEFFFFFFBu}, {NsType::Time, 0xEFFFFFFAu}};
        std::string found;
        for (const Namespace &n : s.namespaces)
            for (auto [type, ino] : kInitial)
                if (n.type == type && n.id.ino == ino) {
                    s.hostNs[index(type)] = n.id;
                    found += (found.empty() ? "" : ", ") + std::string(nsTypeName(type));
                }
        h.referenceNote = "neither PID 1 nor kthreadd (pid 2) could be read (run as root to see them)";
        if (found.empty()) {
            h.referenceNote += ": no host reference, nothing is marked as the host's";
        } else {
            h.referenceNote +=
                "; the host's " + found +
                " namespaces are known by the kernel's fixed initial inode numbers, mnt and net "
                "are not";
        }
        s.warnings.push_back(h.referenceNote);
    }

    for (Namespace &n : s.namespaces)
        n.isHost = n.id.valid() && s.hostNs[index(n.type)] == n.id;
    for (Process &p : s.processes) {
        p.differsFromHost = 0;
        for (NsType t : kAllNsTypes) {
            const NsId &mine = p.ns[index(t)];
            const NsId &host = s.hostNs[index(t)];
            if (mine.valid() && host.valid() && mine != host)
                p.differsFromHost |= static_cast<std::uint8_t>(1u << index(t));
        }
    }
    h.privileged = h.invisibleProcesses == 0;
}

} // namespace nsviz
