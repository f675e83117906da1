// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/common/fakensquery.h"
#include "core/proc/procfiles.h"

#include <cerrno>
#include <unistd.h>

namespace nsviz::test
{

int FakeNsQuery::device(const std::string &path, std::uint64_t &dev)
{
    ++m_deviceCalls;
    char buf[64];
    if (::readlink(path.c_str(), buf, sizeof buf) < 0)
        return errno;
    dev = kDev;
    return 0;
}

NsQuery::Handle FakeNsQuery::make(std::uint64_t ino)
{
    Handle h = m_next++;
    m_open[h] = ino;
    return h;
}

FakeNsQuery::Entry FakeNsQuery::entry(std::uint64_t ino) const
{
    auto it = m_entries.find(ino);
    if (it != m_entries.end())
        return it->second;
    Entry e;
    e.owner = m_defaultOwner;
    return e;
}

int FakeNsQuery::open(const std::string &path, Handle &out)
{
    ++m_opens;
    if (auto it = m_paths.find(path); it != m_paths.end()) {
        out = make(it->second);
        return 0;
    }
    char buf[64];
    ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
    if (n < 0)
        return errno;
    NsType t;
    std::uint64_t ino = 0;
    if (!procparse::parseNsLink(std::string_view(buf, static_cast<std::size_t>(n)), t, ino))
        return EINVAL;
    if (auto it = m_entries.find(ino); it != m_entries.end() && it->second.type != t)
        return EINVAL; // the fixture and the table disagree: a test bug
    out = make(ino);
    return 0;
}

int FakeNsQuery::identify(Handle h, NsId &out)
{
    auto it = m_open.find(h);
    if (it == m_open.end())
        return EBADF;
    out = NsId{kDev, it->second};
    return 0;
}

int FakeNsQuery::type(Handle h, NsType &out)
{
    auto it = m_open.find(h);
    if (it == m_open.end())
        return EBADF;
    auto e = m_entries.find(it->second);
    if (e == m_entries.end())
        return ENOTTY;
    out = e->second.type;
    return 0;
}

int FakeNsQuery::owner(Handle h, Handle &out)
{
    auto it = m_open.find(h);
    if (it == m_open.end())
        return EBADF;
    Entry e = entry(it->second);
    if (!e.owner)
        return e.ownerErr;
    out = make(e.owner);
    return 0;
}

int FakeNsQuery::parent(Handle h, Handle &out)
{
    auto it = m_open.find(h);
    if (it == m_open.end())
        return EBADF;
    Entry e = entry(it->second);
    if (e.type != NsType::Pid && e.type != NsType::User)
        return EINVAL;
    if (!e.parent)
        return e.parentErr;
    out = make(e.parent);
    return 0;
}

int FakeNsQuery::ownerUid(Handle h, std::uint32_t &out)
{
    auto it = m_open.find(h);
    if (it == m_open.end())
        return EBADF;
    Entry e = entry(it->second);
    if (e.type != NsType::User)
        return EINVAL;
    out = e.uid;
    return 0;
}

void FakeNsQuery::close(Handle h)
{
    m_open.erase(h);
}

} // namespace nsviz::test
