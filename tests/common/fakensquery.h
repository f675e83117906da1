// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file fakensquery.h An NsQuery over a table, for scanning the fixture trees in tests/data.

#include "core/proc/nsquery.h"

#include <map>
#include <set>
#include <string>

namespace nsviz::test
{

/// Answers like the kernel would for a made-up set of namespaces. Paths that are symlinks with a
/// kernel-like text ("net:[4026531840]") open the namespace they name; other paths can be mapped
/// with addPath(). Counts open handles so tests can check that discovery closes every one.
class FakeNsQuery : public NsQuery
{
public:
    static constexpr std::uint64_t kDev = 77;

    struct Entry {
        NsType type = NsType::Net;
        std::uint64_t owner = 0; ///< owning user namespace; 0 = answer ownerErr
        int ownerErr = EPERM;
        std::uint64_t parent = 0; ///< pid/user parent; 0 = answer parentErr
        int parentErr = EPERM;
        std::uint32_t uid = 0;
    };

    void add(std::uint64_t ino, Entry e) { m_entries[ino] = e; }
    void addPath(const std::string &path, std::uint64_t ino) { m_paths[path] = ino; }
    /// Namespaces not added are owned by this user namespace (when non-zero).
    void setDefaultOwner(std::uint64_t ino) { m_defaultOwner = ino; }

    int openHandles() const { return static_cast<int>(m_open.size()); }
    int opens() const { return m_opens; }
    int deviceCalls() const { return m_deviceCalls; }

    int device(const std::string &path, std::uint64_t &dev) override;
    int open(const std::string &path, Handle &out) override;
    int identify(Handle h, NsId &out) override;
    int type(Handle h, NsType &out) override;
    int owner(Handle h, Handle &out) override;
    int parent(Handle h, Handle &out) override;
    int ownerUid(Handle h, std::uint32_t &out) override;
    void close(Handle h) override;

private:
    Handle make(std::uint64_t ino);
    Entry entry(std::uint64_t ino) const;

    std::map<std::uint64_t, Entry> m_entries;
    std::map<std::string, std::uint64_t> m_paths;
    std::map<Handle, std::uint64_t> m_open;
    std::uint64_t m_defaultOwner = 0;
    Handle m_next = 100;
    int m_opens = 0;
    int m_deviceCalls = 0;
};

} // namespace nsviz::test
