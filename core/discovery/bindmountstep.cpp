// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/discovery/bindmountstep.h"
#include "core/proc/procreader.h"

#include <cstring>
#include <libmount.h>
#include <memory>

namespace nsviz
{

namespace
{
struct TableDeleter {
    void operator()(libmnt_table *t) const { mnt_unref_table(t); }
};
struct IterDeleter {
    void operator()(libmnt_iter *i) const { mnt_free_iter(i); }
};
} // namespace

bool BindMountStep::readMountinfo(DiscoveryContext &ctx, int pid, std::uint64_t mntIno)
{
    std::string pidDir = ctx.procRoot() + "/" + std::to_string(pid);
    std::unique_ptr<libmnt_table, TableDeleter> table(mnt_new_table());
    std::unique_ptr<libmnt_iter, IterDeleter> iter(mnt_new_iter(MNT_ITER_FORWARD));
    if (!table || !iter)
        return false;
    if (mnt_table_parse_file(table.get(), (pidDir + "/mountinfo").c_str()) != 0)
        return false;
    // An empty table means the process died before we read it (its mountinfo reads as empty).
    if (mnt_table_get_nents(table.get()) == 0)
        return false;
    Snapshot &s = ctx.snapshot();
    libmnt_fs *fs = nullptr;
    while (mnt_table_next_fs(table.get(), iter.get(), &fs) == 0) {
        const char *fstype = mnt_fs_get_fstype(fs);
        if (!fstype || std::strcmp(fstype, "nsfs") != 0)
            continue;
        const char *target = mnt_fs_get_target(fs);
        const char *root = mnt_fs_get_root(fs);
        if (!target)
            continue;
        std::string openPath = pidDir + "/root" + target;
        NsType type;
        NsId id;
        std::uint64_t ino = 0;
        if (root && ProcReader::parseNsLink(root, type, ino)) {
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
        s.namespaces[idx].bindMounts.push_back(std::to_string(mntIno) + ":" + target);
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
