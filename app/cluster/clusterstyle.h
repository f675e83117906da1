// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Colours of the cluster view, one set for light and one for dark backgrounds. Red is reserved for
// the host-network warning; cluster hues come from a colour-blind-friendly qualitative palette.

#include "core/model/model.h"

#include <QColor>
#include <QPalette>
#include <array>

namespace nsviz
{

struct ClusterStyle {
    bool dark = false;
    QColor background, backgroundEdge;
    QColor text, mutedText, labelBackground;
    QColor hostFill, hostStroke, hostDot, hostBadge, hostBadgeText;
    QColor clusterStroke;
    QColor warning, warningText, warningHalo;
    QColor invisible;
    QColor selection;
    QColor focusRing; ///< keyboard focus: dashed, apart from the selection's solid ring
    /// A comparison's marks: new (green), gone (a ghost outline), moved (an amber ring).
    QColor added, gone, moved;
    std::array<QColor, 8> hues;

    /// Hue of a non-host cluster, stable for the namespace id.
    QColor hue(const NsId &id) const;
    /// A light fill derived from @p hue.
    QColor fillFor(const QColor &hue) const;

    static ClusterStyle light();
    static ClusterStyle dark_();
    /// Light or dark, following the lightness of @p palette's window colour.
    static ClusterStyle forPalette(const QPalette &palette);
};

} // namespace nsviz
