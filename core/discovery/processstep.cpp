// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/discovery/processstep.h"
#include "core/discovery/fdstep.h"
#include "core/proc/dirreader.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace nsviz
{

namespace
{
constexpr unsigned kPfKthread = 0x00200000; // PF_KTHREAD (include/linux/sched.h)

bool vanished(int err)
{
    return err == ENOENT || err == ESRCH;
}

// After EACCES on a link, tell "not allowed" from "the task just died" (proc answers EACCES for a
// dead task's ns links): a dead task's directory no longer resolves its entries.
bool stillThere(int pidFd)
{
    struct stat st {
    };
    return ::fstatat(pidFd, "stat", &st, 0) == 0 || !vanished(errno);
}
} // namespace

std::vector<int> ProcessStep::listPids(int dirfd)
{
    std::vector<int> pids;
    // dirfd may be O_PATH, which getdents refuses: open the directory itself for reading.
    int fd = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return pids;
    DirReader::forEach(fd, [&](std::string_view name) {
        int pid = 0;
        if (procparse::parsePid(name, pid))
            pids.push_back(pid);
        return true;
    });
    ::close(fd);
    std::sort(pids.begin(), pids.end());
    return pids;
}

bool ProcessStep::readProcess(const DiscoveryContext &ctx, Worker &w, int pid, ProcessRecord &r)
{
    Process &p = r.process;
    char name[16];
    std::snprintf(name, sizeof name, "%d", pid);
    int pidFd = ::openat(ctx.procFd(), name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (pidFd < 0)
        return false; // vanished, or hidden from us (hidepid): nothing to show either way
    p.pid = pid;

    std::string_view text;
    int err = w.reader.read(pidFd, "stat", text, 4096);
    if ((err && vanished(err)) || (!err && text.empty())) {
        ::close(pidFd);
        return false;
    }
    bool statOk = !err && procparse::parseStat(text, w.stat);
    if (!err) {
        // Keep what a short stat gave us (comm, maybe state and ppid).
        p.comm = w.stat.comm;
        p.state = w.stat.state;
        p.ppid = w.stat.ppid;
        p.startTime = w.stat.startTime;
    }
    if (!statOk)
        r.warnings.push_back("pid " + std::string(name) +
                             ": malformed or unreadable stat; start time unknown");
    p.kernelThread = statOk ? (w.stat.flags & kPfKthread) != 0
                            : (pid == 2 && p.comm == "kthreadd") || (p.ppid == 2 && pid > 2);

    if (p.kernelThread) {
        // Kernel threads live in the initial pid namespace and run as root; status adds nothing.
        p.nspid = {pid};
    } else {
        err = w.reader.read(pidFd, "status", text, 1 << 16);
        if (err && vanished(err)) {
            ::close(pidFd);
            return false;
        }
        if (!err) {
            procparse::parseStatus(text, w.status, procparse::StatusScope::Ids);
            if (w.status.uid) {
                p.uid = w.status.uid->real;
                p.euid = w.status.uid->effective;
            }
            if (w.status.gid)
                p.gid = w.status.gid->real;
            p.nspid = std::move(w.status.nspid);
        }
        // One byte past the cap tells parseCmdline() there was more (procfiles.h).
        if (w.reader.read(pidFd, "cmdline", text, procparse::kMaxCmdlineBytes + 1) == 0)
            p.cmdline = procparse::parseCmdline(text, &p.cmdlineTruncated);
    }
    if (w.reader.read(pidFd, "cgroup", text, 1 << 16) == 0)
        p.cgroup.assign(procparse::parseCgroupPath(text));

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
        ProcReader::readNsLinks(nsFd, inodes, denied);
        ::close(nsFd);
        if (denied && !stillThere(pidFd)) {
            ::close(pidFd);
            return false;
        }
    }
    // Kernel threads have no fd table; others' fds are as unreadable as their ns links.
    if (ctx.options().fds && !denied && !p.kernelThread)
        FdStep::scanFds(pidFd, pid, r.fdLinks);
    ::close(pidFd);
    // The device is filled in by run(): one stat for the whole scan.
    for (NsType t : kAllNsTypes)
        if (inodes[index(t)])
            p.ns[index(t)] = NsId{0, inodes[index(t)]};
    p.visible = !denied;
    // A zombie keeps its pid, and with it its pid and user namespaces (the task's pid and
    // credentials), but the kernel has dropped the others (its nsproxy): their links answer ENOENT.
    // Say what it is, so that it is never taken for a process hidden from us.
    constexpr std::array kDroppedAtExit{NsType::Mnt, NsType::Net,    NsType::Uts,
                                        NsType::Ipc, NsType::Cgroup, NsType::Time};
    if ((p.state == 'Z' || p.state == 'X') && std::none_of(kDroppedAtExit.begin(), kDroppedAtExit.end(),
                                                           [&](NsType t) { return inodes[index(t)] != 0; })) {
        p.exited = true;
        p.visible = true;
    }
    return true;
}

void ProcessStep::learnDevice(DiscoveryContext &ctx)
{
    // Only processes with a readable link count as tries: an unprivileged scan may skip thousands.
    int tries = 0;
    for (const Process &p : ctx.snapshot().processes) {
        for (NsType t : kAllNsTypes) {
            if (!p.ns[index(t)].valid())
                continue;
            if (ctx.learnNsDev(ctx.procRoot() + "/" + std::to_string(p.pid) + "/ns/" +
                               std::string(nsTypeName(t))))
                return;
            ++tries;
            break; // this process is gone or odd: try the next one
        }
        if (tries >= 32)
            break;
    }
}

namespace
{
/// Calls @p work(worker, i) for every i below @p n, over a handful of threads each taking chunks of
/// indices as it goes (each with its own element of @p workers, which has one per thread): reading
/// /proc is system-call bound and scales over cores. Small sets are not worth a thread.
template <typename W, typename F> void forEachChunked(const DiscoveryContext &ctx, std::size_t n, F work)
{
    unsigned threads = ctx.options().threads;
    if (threads == 0) {
        threads = std::min(4u, std::max(1u, std::thread::hardware_concurrency()));
        if (n < 1000)
            threads = 1;
    }
    threads = std::min<unsigned>(threads, std::max<std::size_t>(1, n));
    std::vector<W> workers(threads);
    std::atomic<std::size_t> next{0};
    // Chunks small enough to balance the threads, large enough to keep the counter cold.
    const std::size_t kChunk = std::clamp<std::size_t>(n / (threads * 8), 1, 64);
    auto loop = [&](W &w) {
        for (;;) {
            std::size_t begin = next.fetch_add(kChunk);
            if (begin >= n)
                break;
            std::size_t end = std::min(begin + kChunk, n);
            for (std::size_t i = begin; i < end; ++i)
                work(w, i);
        }
    };
    if (threads == 1) {
        loop(workers[0]);
        return;
    }
    std::vector<std::thread> pool;
    for (unsigned i = 1; i < threads; ++i)
        pool.emplace_back(loop, std::ref(workers[i]));
    loop(workers[0]);
    for (auto &t : pool)
        t.join();
}
} // namespace

std::vector<ProcessRecord> ProcessStep::readRecords(const DiscoveryContext &ctx, const std::vector<int> &pids)
{
    std::vector<ProcessRecord> results(pids.size());
    std::vector<char> keep(pids.size(), 0);
    forEachChunked<Worker>(ctx, pids.size(), [&](Worker &w, std::size_t i) {
        keep[i] = readProcess(ctx, w, pids[i], results[i]);
    });
    std::size_t kept = 0;
    for (std::size_t i = 0; i < pids.size(); ++i)
        if (keep[i]) {
            if (kept != i)
                results[kept] = std::move(results[i]);
            ++kept;
        }
    results.resize(kept);
    return results;
}

std::vector<std::vector<FdLink>> ProcessStep::readFdLinks(const DiscoveryContext &ctx,
                                                          const std::vector<int> &pids)
{
    std::vector<std::vector<FdLink>> links(pids.size());
    struct NoState {
    };
    forEachChunked<NoState>(ctx, pids.size(), [&](NoState &, std::size_t i) {
        FdStep::scanPid(ctx.procFd(), pids[i], links[i]);
    });
    return links;
}

void ProcessStep::run(DiscoveryContext &ctx)
{
    Snapshot &s = ctx.snapshot();
    ctx.setFdLinksCollected(ctx.options().fds);
    std::vector<ProcessRecord> read;
    const std::vector<ProcessRecord> *records = ctx.options().records;
    if (!records) {
        std::vector<int> pids = ctx.options().pids;
        if (pids.empty()) {
            pids = listPids(ctx.procFd());
        } else {
            // Asked for: skip what cannot be a pid, in the order and uniqueness listPids() gives.
            std::erase_if(pids, [](int pid) { return pid <= 0; });
            std::sort(pids.begin(), pids.end());
            pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
        }
        read = readRecords(ctx, pids);
        records = &read;
    }

    // Some room to spare: a live subscription inserts forked processes into this vector in place
    // (LiveScan), and one insert at full capacity would double it (3 MB more at 10k processes) and
    // hold old and new at once.
    s.processes.reserve(records->size() + records->size() / 16);
    std::vector<std::pair<int, std::string>> warnings;
    for (const ProcessRecord &r : *records) {
        s.processes.push_back(r.process);
        if (ctx.options().fds)
            ctx.fdLinks().insert(ctx.fdLinks().end(), r.fdLinks.begin(), r.fdLinks.end());
        for (const std::string &w : r.warnings)
            warnings.emplace_back(r.process.pid, w);
    }
    std::sort(warnings.begin(), warnings.end());
    for (auto &[pid, text] : warnings)
        ctx.warn(std::move(text));

    learnDevice(ctx);
    const std::uint64_t dev = ctx.nsDev();
    // Consecutive processes mostly share namespaces: remember the last hit per type.
    std::array<NsId, kNsTypeCount> lastId{};
    std::array<std::size_t, kNsTypeCount> lastIdx{};
    for (Process &p : s.processes) {
        if (!p.visible)
            ++s.host.invisibleProcesses;
        for (NsType t : kAllNsTypes) {
            NsId &id = p.ns[index(t)];
            if (!id.valid())
                continue;
            id.dev = dev;
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
