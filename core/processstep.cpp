// SPDX-License-Identifier: GPL-2.0-or-later
#include "processstep.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace nsviz {

namespace {
constexpr unsigned kPfKthread = 0x00200000; // PF_KTHREAD (include/linux/sched.h)

bool vanished(int err) { return err == ENOENT || err == ESRCH; }

// After EACCES on a link, tell "not allowed" from "the task just died" (proc answers EACCES for a
// dead task's ns links): a dead task's directory no longer resolves its entries.
bool stillThere(int pidFd)
{
    struct stat st {};
    return ::fstatat(pidFd, "stat", &st, 0) == 0 || !vanished(errno);
}
} // namespace

std::vector<int> ProcessStep::listPids(int dirfd)
{
    std::vector<int> pids;
    int fd = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return pids;
    DIR *dir = ::fdopendir(fd);
    if (!dir) {
        ::close(fd);
        return pids;
    }
    while (struct dirent *e = ::readdir(dir)) {
        int pid = 0;
        if (ProcReader::parsePid(e->d_name, pid))
            pids.push_back(pid);
    }
    ::closedir(dir);
    std::sort(pids.begin(), pids.end());
    return pids;
}

bool ProcessStep::readProcess(DiscoveryContext &ctx, int pid, Process &p)
{
    char name[16];
    std::snprintf(name, sizeof name, "%d", pid);
    int pidFd = ::openat(ctx.procFd(), name, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (pidFd < 0)
        return false; // vanished, or hidden from us (hidepid): nothing to show either way
    p.pid = pid;

    std::string_view text;
    int err = m_reader.read(pidFd, "stat", text, 4096);
    if ((err && vanished(err)) || (!err && text.empty())) {
        ::close(pidFd);
        return false;
    }
    bool statOk = !err && ProcReader::parseStat(text, m_stat);
    if (!err) {
        // Keep what a short stat gave us (comm, maybe state and ppid).
        p.comm = m_stat.comm;
        p.state = m_stat.state;
        p.ppid = m_stat.ppid;
        p.startTime = m_stat.startTime;
    }
    if (!statOk)
        ctx.warn("pid " + std::string(name) + ": malformed or unreadable stat; start time unknown");
    p.kernelThread = statOk ? (m_stat.flags & kPfKthread) != 0
                            : (pid == 2 && p.comm == "kthreadd") || (p.ppid == 2 && pid > 2);

    if (p.kernelThread) {
        // Kernel threads live in the initial pid namespace and run as root; status adds nothing.
        p.nspid = {pid};
    } else {
        err = m_reader.read(pidFd, "status", text, 1 << 16);
        if (err && vanished(err)) {
            ::close(pidFd);
            return false;
        }
        if (!err) {
            ProcReader::parseStatus(text, m_status);
            p.uid = m_status.uid;
            p.euid = m_status.euid;
            p.gid = m_status.gid;
            p.nspid = std::move(m_status.nspid);
        }
        if (m_reader.read(pidFd, "cmdline", text, 1 << 17) == 0)
            p.cmdline = ProcReader::parseCmdline(text);
    }
    if (m_reader.read(pidFd, "cgroup", text, 1 << 16) == 0)
        p.cgroup = ProcReader::parseCgroup(text);

    std::array<std::uint64_t, kNsTypeCount> inodes{};
    bool denied = false;
    int nsFd = ::openat(pidFd, "ns", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (nsFd < 0) {
        if (vanished(errno) && !stillThere(pidFd)) {
            ::close(pidFd);
            return false;
        }
        denied = true; // no ns directory we may look into: the namespaces are unknown
    } else {
        int found = ProcReader::readNsLinks(nsFd, inodes, denied);
        ::close(nsFd);
        if (found > 0 && ctx.nsDev() == 0) {
            for (NsType t : kAllNsTypes)
                if (inodes[index(t)]) {
                    ctx.learnNsDev(ctx.procRoot() + "/" + name + "/ns/" + std::string(nsTypeName(t)));
                    break;
                }
        }
        if (denied && !stillThere(pidFd)) {
            ::close(pidFd);
            return false;
        }
    }
    ::close(pidFd);
    for (NsType t : kAllNsTypes)
        if (inodes[index(t)])
            p.ns[index(t)] = NsId{ctx.nsDev(), inodes[index(t)]};
    p.visible = !denied;
    return true;
}

void ProcessStep::run(DiscoveryContext &ctx)
{
    Snapshot &s = ctx.snapshot();
    std::vector<int> pids = listPids(ctx.procFd());
    s.processes.reserve(pids.size());
    for (int pid : pids) {
        Process p;
        if (readProcess(ctx, pid, p))
            s.processes.push_back(std::move(p));
    }
    // Consecutive processes mostly share namespaces: remember the last hit per type.
    std::array<NsId, kNsTypeCount> lastId{};
    std::array<std::size_t, kNsTypeCount> lastIdx{};
    for (const Process &p : s.processes) {
        if (!p.visible)
            ++s.host.invisibleProcesses;
        for (NsType t : kAllNsTypes) {
            const NsId &id = p.ns[index(t)];
            if (!id.valid())
                continue;
            std::size_t idx;
            if (lastId[index(t)] == id && lastId[index(t)].valid()) {
                idx = lastIdx[index(t)];
            } else {
                idx = ctx.addNamespace(t, id, FoundByProcess);
                lastId[index(t)] = id;
                lastIdx[index(t)] = idx;
            }
            s.namespaces[idx].pids.push_back(p.pid);
        }
    }
}

} // namespace nsviz
