// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/discovery/livescan.h"

#include "core/discovery/bindmountcache.h"
#include "core/discovery/discoverycontext.h"
#include "core/discovery/hierarchycache.h"
#include "core/discovery/processstep.h"
#include "core/proc/nsfsquery.h"
#include "core/proc/procreader.h"

#include <algorithm>
#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

namespace nsviz
{

namespace
{
bool isZombie(const Process &p)
{
    return p.state == 'Z' || p.state == 'X';
}

bool contains(const std::vector<int> &sorted, int pid)
{
    return std::binary_search(sorted.begin(), sorted.end(), pid);
}

void sortUnique(std::vector<int> &v)
{
    std::erase_if(v, [](int pid) { return pid <= 0; });
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
}
} // namespace

LiveScan::LiveScan(DiscoveryOptions opts, std::shared_ptr<NsQuery> query)
    : m_opts(std::move(opts)), m_query(std::move(query))
{
    m_opts.pids.clear();
    m_opts.records = nullptr;
    if (!m_opts.bindMountCache)
        m_opts.bindMountCache = std::make_shared<BindMountCache>();
    if (!m_opts.hierarchyCache)
        m_opts.hierarchyCache = std::make_shared<HierarchyCache>();
    if (!m_query)
        m_query = std::make_shared<NsfsQuery>();
}

LiveScan::~LiveScan() = default;

std::vector<ProcessRecord> LiveScan::read(const std::vector<int> &pids)
{
    Snapshot unused;
    DiscoveryContext ctx(m_opts, *m_query, unused);
    m_reads += pids.size();
    return ProcessStep::readRecords(ctx, pids);
}

Snapshot LiveScan::assemble()
{
    DiscoveryOptions o = m_opts;
    o.records = &m_records;
    return discover(o, *m_query);
}

Snapshot LiveScan::full()
{
    return beginFull(static_cast<std::size_t>(-1));
}

Snapshot LiveScan::beginFull(std::size_t count)
{
    std::vector<int> pids;
    {
        Snapshot unused;
        DiscoveryContext ctx(m_opts, *m_query, unused);
        pids = ProcessStep::listPids(ctx.procFd());
    }
    m_unread.clear();
    if (count == 0)
        count = std::max<std::size_t>(500, pids.size() / 8);
    if (count < pids.size()) {
        m_unread.assign(pids.begin() + static_cast<std::ptrdiff_t>(count), pids.end());
        pids.resize(count);
    }
    m_records = read(pids);
    return assemble();
}

Snapshot LiveScan::readRest()
{
    std::vector<int> pids = std::move(m_unread);
    m_unread.clear();
    return update(std::move(pids));
}

void LiveScan::merge(const std::vector<int> &asked, std::vector<ProcessRecord> fresh)
{
    std::vector<ProcessRecord> out;
    out.reserve(m_records.size() + fresh.size());
    auto f = fresh.begin();
    for (ProcessRecord &r : m_records) {
        while (f != fresh.end() && f->process.pid < r.process.pid)
            out.push_back(std::move(*f++));
        if (contains(asked, r.process.pid))
            continue; // replaced by its fresh read, or gone
        out.push_back(std::move(r));
    }
    while (f != fresh.end())
        out.push_back(std::move(*f++));
    m_records = std::move(out);
}

Snapshot LiveScan::update(std::vector<int> pids)
{
    sortUnique(pids);
    std::vector<ProcessRecord> fresh = read(pids);
    // Whose children were reparented: the asked processes that are gone or have exited.
    std::vector<int> ended;
    {
        auto f = fresh.begin();
        for (int pid : pids) {
            while (f != fresh.end() && f->process.pid < pid)
                ++f;
            if (f == fresh.end() || f->process.pid != pid || isZombie(f->process))
                ended.push_back(pid);
        }
    }
    if (!ended.empty()) {
        std::vector<int> children;
        for (const ProcessRecord &r : m_records)
            if (contains(ended, r.process.ppid) && !contains(pids, r.process.pid))
                children.push_back(r.process.pid);
        if (!children.empty()) {
            std::vector<ProcessRecord> more = read(children);
            std::vector<int> all;
            std::merge(pids.begin(), pids.end(), children.begin(), children.end(), std::back_inserter(all));
            std::vector<ProcessRecord> both;
            both.reserve(fresh.size() + more.size());
            std::merge(std::make_move_iterator(fresh.begin()), std::make_move_iterator(fresh.end()),
                       std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()),
                       std::back_inserter(both), [](const ProcessRecord &a, const ProcessRecord &b) {
                           return a.process.pid < b.process.pid;
                       });
            merge(all, std::move(both));
            return assemble();
        }
    }
    merge(pids, std::move(fresh));
    return assemble();
}

Snapshot LiveScan::sweep(SweepStats *stats)
{
    SweepStats st;
    std::vector<int> reread;
    {
        Snapshot unused;
        DiscoveryContext ctx(m_opts, *m_query, unused);
        const std::vector<int> listed = ProcessStep::listPids(ctx.procFd());
        st.listed = listed.size();
        auto r = m_records.begin();
        for (int pid : listed) {
            while (r != m_records.end() && r->process.pid < pid) { // known, gone
                reread.push_back(r->process.pid);
                ++st.removed;
                ++r;
            }
            if (r == m_records.end() || r->process.pid != pid) { // new: an event was missed
                reread.push_back(pid);
                continue;
            }
            // Known: only its namespace links, which setns() and unshare() change without an event.
            ++st.checked;
            char name[16];
            std::snprintf(name, sizeof name, "%d", pid);
            std::array<std::uint64_t, kNsTypeCount> inodes{};
            bool denied = false;
            bool same = false;
            int pidFd = ::openat(ctx.procFd(), name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (pidFd >= 0) {
                int nsFd = ::openat(pidFd, "ns", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (nsFd >= 0) {
                    ProcReader::readNsLinks(nsFd, inodes, denied);
                    ::close(nsFd);
                } else {
                    denied = true; // as ProcessStep: no ns directory to look into
                }
                same = denied == !r->process.visible;
                for (NsType t : kAllNsTypes)
                    same = same && inodes[index(t)] == r->process.ns[index(t)].ino;
                ::close(pidFd);
            }
            if (!same)
                reread.push_back(pid);
            ++r;
        }
        for (; r != m_records.end(); ++r) {
            reread.push_back(r->process.pid);
            ++st.removed;
        }
    }
    st.reread = reread.size() - st.removed;
    if (stats)
        *stats = st;
    return update(std::move(reread));
}

std::vector<int> LiveScan::zombies() const
{
    std::vector<int> out;
    for (const ProcessRecord &r : m_records)
        if (isZombie(r.process))
            out.push_back(r.process.pid);
    return out;
}

} // namespace nsviz
