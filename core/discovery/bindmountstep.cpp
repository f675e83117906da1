// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/discovery/bindmountstep.h"
#include "core/proc/mountinfo.h"
#include "core/proc/procfiles.h"

#include <vector>

namespace nsviz
{

bool BindMountStep::readMountinfo(DiscoveryContext &ctx, int pid, std::uint64_t mntIno)
{
    const std::string pidDir = ctx.procRoot() + "/" + std::to_string(pid);
    std::vector<procparse::MountEntry> mounts;
    // An empty table means the process died before we read it (its mountinfo reads as empty).
    if (procparse::readMountinfo(pidDir + "/mountinfo", mounts) != 0 || mounts.empty())
        return false;
    Snapshot &s = ctx.snapshot();
    for (const procparse::MountEntry &m : mounts) {
        if (m.fstype != "nsfs" || m.target.empty())
            continue;
        std::string openPath = pidDir + "/root" + m.target;
        NsType type;
        NsId id;
        std::uint64_t ino = 0;
        if (procparse::parseNsLink(m.root, type, ino)) {
            id = NsId{ctx.nsDev(), ino};
        } else {
            // Old kernels show "/" as the root of an nsfs mount: ask the file itself.
            NsQuery &q = ctx.query();
            NsQuery::Handle h = NsQuery::kNoHandle;
            if (q.open(openPath, h) != 0)
                continue;
            bool ok = q.identify(h, id) == 0 && q.type(h, type) == 0;
            q.close(h);
            if (!ok)
                continue;
        }
        std::size_t idx = ctx.addNamespace(type, id, FoundByBindMount);
        s.namespaces[idx].bindMounts.push_back(std::to_string(mntIno) + ":" + m.target);
        ctx.addOpenPath(idx, std::move(openPath));
    }
    return true;
}

void BindMountStep::run(DiscoveryContext &ctx)
{
    Snapshot &s = ctx.snapshot();
    // Collect first: readMountinfo() may add namespaces (and grow the vector).
    std::vector<std::pair<std::uint64_t, std::vector<int>>> mntNamespaces;
    for (const Namespace &n : s.namespaces)
        if (n.type == NsType::Mnt && !n.pids.empty())
            mntNamespaces.emplace_back(n.id.ino, n.pids);
    for (const auto &[ino, pids] : mntNamespaces) {
        // The first process may exit meanwhile; a few tries are plenty.
        int tries = 0;
        for (int pid : pids) {
            if (readMountinfo(ctx, pid, ino) || ++tries >= 4)
                break;
        }
    }
}

} // namespace nsviz
