// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/discovery/discoverycontext.h"

#include <cerrno>
#include <fcntl.h>
#include <system_error>
#include <unistd.h>

namespace nsviz
{

DiscoveryContext::DiscoveryContext(const DiscoveryOptions &opts, NsQuery &query, Snapshot &out)
    : m_opts(opts), m_query(query), m_out(out), m_procRoot(opts.procRoot)
{
    while (m_procRoot.size() > 1 && m_procRoot.back() == '/')
        m_procRoot.pop_back();
    if (m_procRoot.empty())
        throw std::system_error(ENOENT, std::generic_category(), "empty proc root");
    m_procFd = ::open(m_procRoot.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (m_procFd < 0)
        throw std::system_error(errno, std::generic_category(), "cannot open proc root " + m_procRoot);
}

DiscoveryContext::~DiscoveryContext()
{
    if (m_procFd >= 0)
        ::close(m_procFd);
}

bool DiscoveryContext::learnNsDev(const std::string &path)
{
    if (m_nsDev != 0)
        return true;
    std::uint64_t dev = 0;
    if (m_query.device(path, dev) != 0 || dev == 0)
        return false;
    m_nsDev = dev;
    return true;
}

std::size_t DiscoveryContext::addNamespace(NsType type, const NsId &id, std::uint8_t how)
{
    auto [it, added] = m_index.try_emplace(id, m_out.namespaces.size());
    if (added) {
        Namespace n;
        n.type = type;
        n.id = id;
        m_out.namespaces.push_back(std::move(n));
    }
    m_out.namespaces[it->second].foundBy |= how;
    return it->second;
}

std::size_t DiscoveryContext::findNamespace(const NsId &id) const
{
    auto it = m_index.find(id);
    return it == m_index.end() ? npos : it->second;
}

void DiscoveryContext::addOpenPath(std::size_t index, std::string path)
{
    auto &v = m_openPaths[index];
    // A few alternatives are plenty: they are only tried when the first one vanished.
    if (v.size() < 4)
        v.push_back(std::move(path));
}

const std::vector<std::string> &DiscoveryContext::openPaths(std::size_t index) const
{
    static const std::vector<std::string> none;
    auto it = m_openPaths.find(index);
    return it == m_openPaths.end() ? none : it->second;
}

void DiscoveryContext::warn(std::string message)
{
    m_out.warnings.push_back(std::move(message));
}

} // namespace nsviz
