// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/discovery/bindmountstep.h"
#include "core/discovery/bindmountcache.h"
#include "core/proc/mountinfo.h"
#include "core/proc/procfiles.h"
#include "core/proc/procreader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace nsviz
{

namespace
{
std::string pidDir(const DiscoveryContext &ctx, int pid)
{
    return ctx.procRoot() + "/" + std::to_string(pid);
}

/// Adds what one mount namespace's nsfs mounts hold to the scan.
void record(DiscoveryContext &ctx, int pid, std::uint64_t mntIno,
            const std::vector<BindMountCache::Mount> &mounts)
{
    Snapshot &s = ctx.snapshot();
    const std::string dir = pidDir(ctx, pid);
    for (const BindMountCache::Mount &m : mounts) {
        std::size_t idx = ctx.addNamespace(m.type, NsId{ctx.nsDev(), m.ino}, FoundByBindMount);
        s.namespaces[idx].bindMounts.push_back(std::to_string(mntIno) + ":" + m.target);
        ctx.addOpenPath(idx, dir + "/root" + m.target);
    }
}
} // namespace

bool BindMountStep::readMountinfo(DiscoveryContext &ctx, int pid, std::uint64_t mntIno, BindMountCache *cache)
{
    const std::string dir = pidDir(ctx, pid);
    const std::string path = dir + "/mountinfo";
    // Watch before reading: a change after this point shows at the next scan's poll.
    const int watchFd = cache ? cache->watch(path) : -1;
    std::vector<procparse::MountEntry> entries;
    bool cut = false;
    int err = procparse::readMountinfo(path, entries, &cut);
    // An empty table means the process died before we read it (its mountinfo reads as empty).
    if (err != 0 || entries.empty()) {
        BindMountCache::closeWatch(watchFd);
        if (err == ELOOP || err == ProcReader::kNotRegularFile)
            ctx.warn("pid " + std::to_string(pid) + ": mountinfo refused (" +
                     (err == ELOOP ? "a symbolic link" : "not a regular file") +
                     "); its bind mounts are unknown");
        return false;
    }
    if (cut)
        ctx.warn("pid " + std::to_string(pid) + ": mountinfo longer than " +
                 std::to_string(procparse::kMaxMountinfoBytes) + " bytes; read only that far");
    std::vector<BindMountCache::Mount> mounts;
    for (const procparse::MountEntry &m : entries) {
        if (m.fstype != "nsfs" || m.target.empty())
            continue;
        BindMountCache::Mount found;
        found.target = m.target;
        if (!procparse::parseNsLink(m.root, found.type, found.ino)) {
            // Old kernels show "/" as the root of an nsfs mount: ask the file itself.
            NsQuery &q = ctx.query();
            NsQuery::Handle h = NsQuery::kNoHandle;
            if (q.open(dir + "/root" + m.target, h) != 0)
                continue;
            NsId id;
            bool ok = q.identify(h, id) == 0 && q.type(h, found.type) == 0;
            q.close(h);
            if (!ok)
                continue;
            found.ino = id.ino;
        }
        mounts.push_back(std::move(found));
    }
    record(ctx, pid, mntIno, mounts);
    if (cache && !cut)
        cache->store(mntIno, pid, watchFd, std::move(mounts));
    else
        BindMountCache::closeWatch(watchFd);
    return true;
}

void BindMountStep::run(DiscoveryContext &ctx)
{
    Snapshot &s = ctx.snapshot();
    BindMountCache *cache = ctx.options().bindMountCache.get();
    if (cache)
        cache->beginScan();
    // Collect first: readMountinfo() may add namespaces (and grow the vector).
    std::vector<std::pair<std::uint64_t, std::vector<int>>> mntNamespaces;
    for (const Namespace &n : s.namespaces)
        if (n.type == NsType::Mnt && !n.pids.empty())
            mntNamespaces.emplace_back(n.id.ino, n.pids);
    for (auto &[ino, pids] : mntNamespaces) {
        if (cache) {
            std::sort(pids.begin(), pids.end());
            if (const BindMountCache::Entry *e = cache->lookup(ino, pids)) {
                record(ctx, e->pid, ino, e->mounts);
                continue;
            }
        }
        // The first process may exit meanwhile; a few tries are plenty.
        int tries = 0;
        for (int pid : pids) {
            if (readMountinfo(ctx, pid, ino, cache) || ++tries >= 4)
                break;
        }
    }
    if (cache)
        cache->endScan();
}

} // namespace nsviz
