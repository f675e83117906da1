// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file nsquery.h The nsfs operations discovery needs, behind an interface tests can replace.
///
/// A text fixture cannot fake an nsfs inode or answer NS_GET_PARENT, so everything that needs a
/// real namespace file goes through NsQuery. The real implementation is NsfsQuery.

#include "core/model/model.h"

#include <cstdint>
#include <string>

namespace nsviz
{

/// Opens namespace files and asks the kernel about them. Every function returns 0 on success or a
/// positive errno value (never negative, never -1). Handles are opaque; each opened one must be
/// passed to close() exactly once.
class NsQuery
{
public:
    using Handle = int;
    static constexpr Handle kNoHandle = -1;

    virtual ~NsQuery() = default;

    /// st_dev of the namespace file at @p path (the link is followed). Discovery asks this once:
    /// all namespaces share the one nsfs device, inodes come from the link text.
    virtual int device(const std::string &path, std::uint64_t &dev) = 0;
    /// Opens the namespace file at @p path (a /proc/PID/ns/TYPE link, a /proc/PID/fd/N link or a
    /// bind-mounted nsfs file).
    virtual int open(const std::string &path, Handle &out) = 0;
    /// (st_dev, st_ino) of an open namespace.
    virtual int identify(Handle h, NsId &out) = 0;
    /// NS_GET_NSTYPE.
    virtual int type(Handle h, NsType &out) = 0;
    /// NS_GET_USERNS: the owning user namespace, as a new handle.
    virtual int owner(Handle h, Handle &out) = 0;
    /// NS_GET_PARENT (pid and user namespaces), as a new handle.
    virtual int parent(Handle h, Handle &out) = 0;
    /// NS_GET_OWNER_UID (user namespaces).
    virtual int ownerUid(Handle h, std::uint32_t &out) = 0;
    virtual void close(Handle h) = 0;
};

} // namespace nsviz
