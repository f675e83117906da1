// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// The numbers the charts show, computed from a snapshot (plain data, so tests check them directly).

#include "core/model/model.h"

#include <QList>
#include <QString>

#include <array>

namespace nsviz
{

struct NamespaceStats {
    struct TypeCounts {
        int host = 0;   ///< the host's namespace of this type (normally 1)
        int other = 0;  ///< not the host's, with processes in it
        int hidden = 0; ///< not the host's, no process in it (bind mount, fd, parent/owner only)
        int total() const { return host + other + hidden; }
    };
    /// Non-host namespaces that hold exactly the same processes, counted once: a container's mnt,
    /// pid, net, uts... namespaces would otherwise fill the ranking with one container's copies.
    struct TopEntry {
        QList<NsType> types; ///< in kAllNsTypes order
        QList<NsId> ids;     ///< parallel to types
        int processes = 0;
        int leaderPid = 0; ///< lowest pid in it
        QString leader;    ///< its comm
        /// "nginx (6025) · net:[4026532305]" or, for several namespaces, "nginx (6025) · mnt pid net".
        QString label() const;
        /// True when @p p is in these namespaces.
        bool contains(const Process &p) const;
    };

    std::array<TypeCounts, kNsTypeCount> perType{};
    /// Groups of non-host namespaces, by process count (descending), then first type and inode.
    QList<TopEntry> top;
    int processes = 0;
    int namespaces = 0;

    /// @p topN caps the "top" list.
    static NamespaceStats compute(const Snapshot &s, int topN = 10);
};

} // namespace nsviz
