// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// uid -> user name for the host the GUI runs on. Names are only meaningful for a snapshot of this
// host (same boot id): a capture from another host shows bare uids.

#include "core/model/model.h"

#include <QHash>
#include <QString>

namespace nsviz
{

class UserNames
{
public:
    /// The name of @p uid on this host, or an empty string.
    static QString localName(std::uint32_t uid);
    /// True when @p s was taken on this host during this boot.
    static bool isLocalSnapshot(const Snapshot &s);
    /// "alice (1000)" for a local snapshot, "uid 1000" otherwise or when unknown.
    static QString describe(std::uint32_t uid, bool local);
};

} // namespace nsviz
