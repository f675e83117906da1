// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// The numbers the charts show, computed from a snapshot (plain data, so tests check them directly).

#include "model.h"

#include <QString>
#include <QList>

#include <array>

namespace nsviz {

struct NamespaceStats {
    struct TypeCounts {
        int host = 0;   ///< the host's namespace of this type (normally 1)
        int other = 0;  ///< not the host's, with processes in it
        int hidden = 0; ///< not the host's, no process in it (bind mount, fd, parent/owner only)
        int total() const { return host + other + hidden; }
    };
    struct TopEntry {
        NsType type = NsType::Mnt;
        NsId id;
        int processes = 0;
        int leaderPid = 0;  ///< lowest pid in it
        QString leader;     ///< its comm
    };

    std::array<TypeCounts, kNsTypeCount> perType{};
    /// Namespaces other than the host's, by process count (descending), then type and inode.
    QList<TopEntry> top;
    int processes = 0;
    int namespaces = 0;

    /// @p topN caps the "top" list.
    static NamespaceStats compute(const Snapshot &s, int topN = 10);
};

} // namespace nsviz
