// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// One running demo container as the helper describes it ("nsviz.demo/1"), typed for the GUI.

#include "core/model/nstype.h"

#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <optional>

namespace nsviz
{

/// One running demo, from an "nsviz.demo/1" document.
struct DemoInfo {
    int pid = 0;
    quint64 startTime = 0;
    QString hostname;
    std::array<quint64, kNsTypeCount> ns{}; ///< inode per type (index(NsType))
    quint64 nsDev = 0;
    QStringList shared;
    qint64 expiresAtMs = 0;
    int ownerPid = 0;
    QString cgroup;
    QStringList notes;

    bool sharesHost(NsType t) const;
    /// nullopt when @p doc is not a valid nsviz.demo/1 document.
    static std::optional<DemoInfo> fromJson(const nlohmann::json &doc);
};

} // namespace nsviz

Q_DECLARE_METATYPE(nsviz::DemoInfo)
