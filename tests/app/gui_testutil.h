// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Shared by the gui_* tests: the host-small fixture and pixel counting on rendered pictures.

#include "tests/app/views_testutil.h"

#include <QColor>
#include <QImage>

namespace nsviz::guitest
{

inline Snapshot hostSmall()
{
    return testutil::loadSnapshot("host-small.json");
}

/// Pixels of @p img within @p tolerance (per channel) of @p colour.
inline int countNear(const QImage &img, const QColor &colour, int tolerance)
{
    const QImage im = img.convertToFormat(QImage::Format_ARGB32);
    int n = 0;
    for (int y = 0; y < im.height(); ++y) {
        const QRgb *line = reinterpret_cast<const QRgb *>(im.constScanLine(y));
        for (int x = 0; x < im.width(); ++x) {
            const QRgb c = line[x];
            if (std::abs(qRed(c) - colour.red()) <= tolerance &&
                std::abs(qGreen(c) - colour.green()) <= tolerance &&
                std::abs(qBlue(c) - colour.blue()) <= tolerance)
                ++n;
        }
    }
    return n;
}

/// A process in a brand-new namespace of every type but @p shared (which stays the host's).
inline Process freshProcess(int pid, std::uint64_t firstIno, const Snapshot &like,
                            std::initializer_list<NsType> shared)
{
    Process p = testutil::makeProcess(pid, 900000 + pid, "newbie", like);
    std::uint64_t ino = firstIno;
    for (NsType t : kAllNsTypes) {
        bool keep = false;
        for (NsType s : shared)
            keep = keep || s == t;
        if (!keep)
            p.ns[index(t)] = NsId{like.hostNs[index(t)].dev, ino++};
    }
    return p;
}

} // namespace nsviz::guitest
