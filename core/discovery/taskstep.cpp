// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/discovery/taskstep.h"
#include "core/discovery/processstep.h"
#include "core/proc/procreader.h"

#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

namespace nsviz
{

void TaskStep::run(DiscoveryContext &ctx)
{
    Snapshot &s = ctx.snapshot();
    ProcReader reader;
    for (std::size_t i = 0; i < s.processes.size(); ++i) {
        const Process &p = s.processes[i];
        if (p.kernelThread || !p.visible)
            continue;
        char path[32];
        std::snprintf(path, sizeof path, "%d/task", p.pid);
        int taskFd = ::openat(ctx.procFd(), path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (taskFd < 0)
            continue;
        std::vector<int> tids = ProcessStep::listPids(taskFd);
        if (tids.size() > 1) {
            for (int tid : tids) {
                if (tid == p.pid)
                    continue;
                char nsPath[32];
                std::snprintf(nsPath, sizeof nsPath, "%d/ns", tid);
                int nsFd = ::openat(taskFd, nsPath, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (nsFd < 0)
                    continue;
                std::array<std::uint64_t, kNsTypeCount> inodes{};
                bool denied = false;
                ProcReader::readNsLinks(nsFd, inodes, denied);
                ::close(nsFd);
                LooseThread t;
                t.pid = p.pid;
                t.tid = tid;
                bool differs = false;
                for (NsType type : kAllNsTypes) {
                    if (!inodes[index(type)])
                        continue;
                    t.ns[index(type)] = NsId{ctx.nsDev(), inodes[index(type)]};
                    if (s.processes[i].ns[index(type)].valid() &&
                        t.ns[index(type)] != s.processes[i].ns[index(type)])
                        differs = true;
                }
                if (!differs)
                    continue;
                char commPath[32];
                std::snprintf(commPath, sizeof commPath, "%d/comm", tid);
                std::string_view text;
                if (reader.read(taskFd, commPath, text, 256) == 0) {
                    if (!text.empty() && text.back() == '\n')
                        text.remove_suffix(1);
                    t.comm = std::string(text);
                }
                for (NsType type : kAllNsTypes)
                    if (t.ns[index(type)].valid())
                        ctx.addNamespace(type, t.ns[index(type)], FoundByProcess);
                s.looseThreads.push_back(std::move(t));
            }
        }
        ::close(taskFd);
    }
}

} // namespace nsviz
