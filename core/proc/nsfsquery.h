// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file nsfsquery.h NsQuery on the real kernel: open(2), fstat(2) and the NS_GET_* ioctls.

#include "core/proc/nsquery.h"

namespace nsviz
{

/// The real nsfs operations. Handles are file descriptors (O_CLOEXEC).
class NsfsQuery : public NsQuery
{
public:
    int device(const std::string &path, std::uint64_t &dev) override;
    int open(const std::string &path, Handle &out) override;
    int identify(Handle h, NsId &out) override;
    int type(Handle h, NsType &out) override;
    int owner(Handle h, Handle &out) override;
    int parent(Handle h, Handle &out) override;
    int ownerUid(Handle h, std::uint32_t &out) override;
    void close(Handle h) override;
};

} // namespace nsviz
