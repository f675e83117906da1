// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/cluster/clusterstyle.h"

namespace nsviz
{

QColor ClusterStyle::hue(const NsId &id) const
{
    // Knuth's multiplicative hash spreads consecutive inodes (created one after another) over the palette.
    const std::uint64_t h = (id.ino * 2654435761u) >> 7;
    return hues[h % hues.size()];
}

QColor ClusterStyle::fillFor(const QColor &h) const
{
    QColor c = h;
    c.setAlphaF(dark ? 0.20f : 0.13f);
    return c;
}

ClusterStyle ClusterStyle::light()
{
    ClusterStyle s;
    s.dark = false;
    s.background = QColor(0xfb, 0xfc, 0xfd);
    s.backgroundEdge = QColor(0xee, 0xf1, 0xf5);
    s.text = QColor(0x1f, 0x29, 0x37);
    s.mutedText = QColor(0x5b, 0x67, 0x78);
    s.labelBackground = QColor(255, 255, 255, 225);
    s.hostFill = QColor(0x64, 0x74, 0x8b, 30);
    s.hostStroke = QColor(0x47, 0x55, 0x69);
    s.hostDot = QColor(0x7c, 0x8a, 0x9e);
    s.hostBadge = QColor(0x33, 0x41, 0x55);
    s.hostBadgeText = QColor(255, 255, 255);
    s.clusterStroke = QColor(0x94, 0xa3, 0xb8);
    s.warning = QColor(0xdc, 0x26, 0x26);
    s.warningText = QColor(0xb9, 0x1c, 0x1c);
    s.warningHalo = QColor(0xdc, 0x26, 0x26, 60);
    s.invisible = QColor(0xa0, 0xa8, 0xb4);
    s.selection = QColor(0x25, 0x63, 0xeb);
    s.focusRing = QColor(0x1e, 0x3a, 0x8a);
    // Tableau 10 without red and grey (red means warning, grey means host).
    s.hues = {QColor(0x4e, 0x79, 0xa7), QColor(0xf2, 0x8e, 0x2b), QColor(0x59, 0xa1, 0x4f),
              QColor(0xb0, 0x7a, 0xa1), QColor(0x76, 0xb7, 0xb2), QColor(0x9c, 0x75, 0x5f),
              QColor(0xe0, 0xa9, 0x1a), QColor(0x7b, 0x6c, 0xc9)};
    return s;
}

ClusterStyle ClusterStyle::dark_()
{
    ClusterStyle s;
    s.dark = true;
    s.background = QColor(0x17, 0x1b, 0x22);
    s.backgroundEdge = QColor(0x0f, 0x12, 0x17);
    s.text = QColor(0xe5, 0xe9, 0xf0);
    s.mutedText = QColor(0x9a, 0xa5, 0xb5);
    s.labelBackground = QColor(0x1f, 0x25, 0x2e, 225);
    s.hostFill = QColor(0x94, 0xa3, 0xb8, 34);
    s.hostStroke = QColor(0xa8, 0xb4, 0xc6);
    s.hostDot = QColor(0x8d, 0x99, 0xab);
    s.hostBadge = QColor(0xcb, 0xd5, 0xe1);
    s.hostBadgeText = QColor(0x11, 0x18, 0x27);
    s.clusterStroke = QColor(0x64, 0x70, 0x82);
    s.warning = QColor(0xf8, 0x71, 0x71);
    s.warningText = QColor(0xfc, 0xa5, 0xa5);
    s.warningHalo = QColor(0xf8, 0x71, 0x71, 70);
    s.invisible = QColor(0x6b, 0x72, 0x80);
    s.selection = QColor(0x60, 0xa5, 0xfa);
    s.focusRing = QColor(0xfd, 0xe0, 0x47);
    s.hues = {QColor(0x6f, 0x9f, 0xd8), QColor(0xff, 0xa8, 0x4c), QColor(0x7c, 0xc4, 0x6e),
              QColor(0xd0, 0x9c, 0xc4), QColor(0x8f, 0xd3, 0xce), QColor(0xc4, 0x9a, 0x80),
              QColor(0xf5, 0xc8, 0x42), QColor(0xa3, 0x96, 0xf0)};
    return s;
}

ClusterStyle ClusterStyle::forPalette(const QPalette &palette)
{
    return palette.color(QPalette::Window).lightness() < 128 ? dark_() : light();
}

} // namespace nsviz
