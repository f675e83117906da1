// SPDX-License-Identifier: GPL-2.0-or-later
#include "fdstep.h"
#include "procreader.h"

#include <cstdio>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

namespace nsviz {

void FdStep::run(DiscoveryContext &ctx)
{
    Snapshot &s = ctx.snapshot();
    // Indexes, not references: addNamespace() may grow the namespace vector.
    for (std::size_t i = 0; i < s.processes.size(); ++i) {
        const Process &p = s.processes[i];
        // Kernel threads have no fd table; invisible processes answer EACCES anyway.
        if (p.kernelThread || !p.visible)
            continue;
        char path[32];
        std::snprintf(path, sizeof path, "%d/fd", p.pid);
        int fd = ::openat(ctx.procFd(), path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            continue; // vanished or not ours to see
        DIR *dir = ::fdopendir(fd);
        if (!dir) {
            ::close(fd);
            continue;
        }
        int dfd = ::dirfd(dir);
        char buf[64];
        while (struct dirent *e = ::readdir(dir)) {
            if (e->d_name[0] == '.')
                continue;
            ssize_t n = ::readlinkat(dfd, e->d_name, buf, sizeof buf);
            if (n <= 0 || buf[n - 1] != ']')
                continue;
            NsType type;
            std::uint64_t ino = 0;
            if (!ProcReader::parseNsLink(std::string_view(buf, static_cast<std::size_t>(n)), type, ino))
                continue;
            std::string pidStr = std::to_string(p.pid);
            std::string linkPath = ctx.procRoot() + "/" + pidStr + "/fd/" + e->d_name;
            if (ctx.nsDev() == 0)
                ctx.learnNsDev(linkPath);
            std::size_t idx = ctx.addNamespace(type, NsId{ctx.nsDev(), ino}, FoundByFd);
            std::string holder = pidStr + "/" + e->d_name;
            ctx.addOpenPath(idx, std::move(linkPath));
            s.namespaces[idx].fdHolders.push_back(std::move(holder));
        }
        ::closedir(dir);
    }
}

} // namespace nsviz
