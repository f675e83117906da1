// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/discovery/fdstep.h"
#include "core/proc/dirreader.h"
#include "core/proc/procfiles.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace nsviz
{

void FdStep::scanFds(int pidFd, int pid, std::vector<FdLink> &out)
{
    int fd = ::openat(pidFd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return; // vanished or not ours to see
    char buf[64];
    char name[32];
    DirReader::forEach(fd, [&](std::string_view entry) {
        if (entry.size() >= sizeof name)
            return true;
        FdLink link;
        auto [end, ec] = std::from_chars(entry.data(), entry.data() + entry.size(), link.fd);
        if (ec != std::errc() || end != entry.data() + entry.size())
            return true;
        std::memcpy(name, entry.data(), entry.size());
        name[entry.size()] = '\0';
        // Namespace links are short ("cgroup:[4026531835]"); a longer text is a path or socket.
        ssize_t n = ::readlinkat(fd, name, buf, sizeof buf);
        if (n <= 0 || n >= static_cast<ssize_t>(sizeof buf) || buf[n - 1] != ']')
            return true;
        if (!procparse::parseNsLink(std::string_view(buf, static_cast<std::size_t>(n)), link.type, link.ino))
            return true;
        link.pid = pid;
        out.push_back(link);
        return true;
    });
    ::close(fd);
}

void FdStep::scanPid(int procFd, int pid, std::vector<FdLink> &out)
{
    char name[16];
    std::snprintf(name, sizeof name, "%d", pid);
    int pidFd = ::openat(procFd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (pidFd < 0)
        return; // vanished
    scanFds(pidFd, pid, out);
    ::close(pidFd);
}

void FdStep::run(DiscoveryContext &ctx)
{
    Snapshot &s = ctx.snapshot();
    std::vector<FdLink> own;
    if (!ctx.fdLinksCollected()) {
        for (const Process &p : s.processes)
            if (!p.kernelThread && p.visible)
                scanPid(ctx.procFd(), p.pid, own);
    }
    std::vector<FdLink> &links = ctx.fdLinksCollected() ? ctx.fdLinks() : own;
    std::sort(links.begin(), links.end(),
              [](const FdLink &a, const FdLink &b) { return std::tie(a.pid, a.fd) < std::tie(b.pid, b.fd); });
    for (const FdLink &l : links) {
        std::string holder = std::to_string(l.pid) + "/" + std::to_string(l.fd);
        std::string path = ctx.procRoot() + "/" + std::to_string(l.pid) + "/fd/" + std::to_string(l.fd);
        if (ctx.nsDev() == 0)
            ctx.learnNsDev(path);
        std::size_t idx = ctx.addNamespace(l.type, NsId{ctx.nsDev(), l.ino}, FoundByFd);
        ctx.addOpenPath(idx, std::move(path));
        s.namespaces[idx].fdHolders.push_back(std::move(holder));
    }
}

} // namespace nsviz
