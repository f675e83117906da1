// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file discoverycontext.h The state the discovery steps share while they fill one Snapshot.

#include "core/discovery/discovery.h"
#include "core/proc/nsquery.h"

#include <string>
#include <unordered_map>
#include <vector>

namespace nsviz
{

/// One scan in progress: the result being built, the proc root fd and the namespace index.
class DiscoveryContext
{
public:
    /// Opens the proc root; throws std::system_error when it cannot be opened as a directory.
    DiscoveryContext(const DiscoveryOptions &opts, NsQuery &query, Snapshot &out);
    ~DiscoveryContext();
    DiscoveryContext(const DiscoveryContext &) = delete;
    DiscoveryContext &operator=(const DiscoveryContext &) = delete;

    const DiscoveryOptions &options() const { return m_opts; }
    NsQuery &query() { return m_query; }
    Snapshot &snapshot() { return m_out; }
    /// O_PATH directory fd of the proc root.
    int procFd() const { return m_procFd; }
    /// The proc root path without a trailing slash, for paths handed to NsQuery.
    const std::string &procRoot() const { return m_procRoot; }

    /// The nsfs device; 0 until the first namespace link was resolved.
    std::uint64_t nsDev() const { return m_nsDev; }
    /// Learns the nsfs device from the namespace file at @p path, unless already known. False when
    /// @p path could not be asked (e.g. its process exited): try another one.
    bool learnNsDev(const std::string &path);

    /// Fd links the process step collected while it had each pid directory open (saves walking
    /// /proc/PID again); the fd step turns them into namespaces. Only meaningful when
    /// fdLinksCollected().
    std::vector<FdLink> &fdLinks() { return m_fdLinks; }
    bool fdLinksCollected() const { return m_fdLinksCollected; }
    void setFdLinksCollected(bool on) { m_fdLinksCollected = on; }

    /// Index of the namespace @p id in snapshot().namespaces, adding it when new. Marks @p how.
    std::size_t addNamespace(NsType type, const NsId &id, std::uint8_t how);
    /// Index of @p id, or npos.
    std::size_t findNamespace(const NsId &id) const;
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    /// Extra paths that open namespace @p index (fds, bind mounts), beyond its processes' links.
    void addOpenPath(std::size_t index, std::string path);
    const std::vector<std::string> &openPaths(std::size_t index) const;

    void warn(std::string message);

private:
    const DiscoveryOptions &m_opts;
    NsQuery &m_query;
    Snapshot &m_out;
    int m_procFd = -1;
    std::string m_procRoot;
    std::uint64_t m_nsDev = 0;
    std::vector<FdLink> m_fdLinks;
    bool m_fdLinksCollected = false;
    std::unordered_map<NsId, std::size_t, NsIdHash> m_index;
    std::unordered_map<std::size_t, std::vector<std::string>> m_openPaths;
};

} // namespace nsviz
