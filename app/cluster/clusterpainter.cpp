// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/cluster/clusterpainter.h"

#include "app/models/hostsharing.h"

#include <QDateTime>
#include <QHash>
#include <QLinearGradient>
#include <QLocale>
#include <QPaintEngine>
#include <QPainter>
#include <QPainterPath>
#include <QStringList>
#include <algorithm>
#include <cmath>

namespace nsviz
{

namespace
{

constexpr int kMaxLabels = 160; // beyond this many the picture is too crowded to read them anyway

QFont pixelFont(const QFont &base, double px, bool bold = false)
{
    QFont f = base;
    f.setPixelSize(std::max(1, static_cast<int>(std::lround(px))));
    f.setBold(bold);
    return f;
}

// A warning triangle with an exclamation mark, centred on @p c, @p size px wide.
void drawWarningTriangle(QPainter &p, QPointF c, double size, const QColor &fill, const QColor &mark)
{
    QPainterPath tri;
    const double h = size * 0.9;
    tri.moveTo(c.x(), c.y() - h / 2);
    tri.lineTo(c.x() + size / 2, c.y() + h / 2);
    tri.lineTo(c.x() - size / 2, c.y() + h / 2);
    tri.closeSubpath();
    p.setPen(QPen(mark, std::max(1.0, size / 10), Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    p.setBrush(fill);
    p.drawPath(tri);
    p.setPen(QPen(mark, std::max(1.2, size / 7.5), Qt::SolidLine, Qt::RoundCap));
    p.drawLine(QPointF(c.x(), c.y() - h * 0.16), QPointF(c.x(), c.y() + h * 0.17));
    p.drawPoint(QPointF(c.x(), c.y() + h * 0.33));
}

bool legendOnRight(const QSizeF &size)
{
    return size.width() >= size.height() * 1.15 && size.width() > ClusterPainter::kLegendWidth * 2.4;
}

} // namespace

void ClusterPainter::setScene(const Snapshot &snapshot, const ClusterLayout &layout,
                              const std::vector<ClusterLabel> &labels)
{
    m_snapshot = &snapshot;
    m_layout = &layout;
    m_labels = &labels;
    m_warningCount = 0;
    m_warningGroups.clear();
    for (const auto &c : layout.clusters()) {
        m_warningCount += c.warnings;
        if (!c.isHost && c.id.valid() && !m_hueIndex.count(c.id))
            m_hueIndex[c.id] = m_nextHue++;
    }
    // Bounded under churn: forget the hues of clusters long gone once they outnumber the living
    // (each survivor keeps its hue; a namespace that comes back later is a new cluster anyway).
    if (m_hueIndex.size() > 2 * layout.clusters().size() + 64)
        std::erase_if(m_hueIndex, [&](const auto &e) { return layout.clusterIndex(e.first) < 0; });
    // Callout groups: the flagged containers, split by the cluster their processes sit in.
    for (const auto &g : hostNetGroups(snapshot)) {
        std::map<int, std::vector<int>> byCluster;
        for (int pi : g.procs) {
            const int di = layout.dotOfPid(snapshot.processes[pi].pid);
            if (di >= 0)
                byCluster[layout.dots()[di].cluster].push_back(di);
        }
        QStringList own;
        for (NsType t : kAllNsTypes)
            if (g.own & (1u << index(t)))
                own << QString::fromLatin1(nsTypeName(t));
        for (auto &[ci, dots] : byCluster) {
            const QString n = dots.size() == 1 ? QStringLiteral("1 process")
                                               : QStringLiteral("%1 processes").arg(dots.size());
            m_warningGroups.push_back(
                {ci, QString::fromStdString(g.label),
                 n + QStringLiteral(" · host net, own ") + own.join(QStringLiteral(", ")), std::move(dots)});
        }
    }
    recolour();
}

void ClusterPainter::clearScene()
{
    m_snapshot = nullptr;
    m_layout = nullptr;
    m_labels = nullptr;
    m_warningCount = 0;
    m_warningGroups.clear();
    recolour();
}

void ClusterPainter::resetHues()
{
    // No recolour here: the scene may already be stale (the store holds the new snapshot while
    // the layout still describes the old one); the next setScene() colours with fresh hues.
    m_hueIndex.clear();
    m_nextHue = 0;
}

void ClusterPainter::setStyle(const ClusterStyle &style)
{
    m_style = style;
    recolour();
}

void ClusterPainter::setFilter(const QString &text)
{
    m_filter = text;
    recolour();
}

QColor ClusterPainter::clusterHue(const NsId &id) const
{
    auto it = m_hueIndex.find(id);
    if (it == m_hueIndex.end())
        return m_style.hue(id);
    return m_style.hues[static_cast<std::size_t>(it->second) % m_style.hues.size()];
}

QColor ClusterPainter::dotColour(int dotIndex) const
{
    if (dotIndex < 0 || dotIndex >= static_cast<int>(m_dotColour.size()))
        return {};
    return QColor::fromRgba(m_dotColour[static_cast<std::size_t>(dotIndex)]);
}

QColor ClusterPainter::baseDotColour(const ClusterLayout::Dot &d) const
{
    const auto &c = m_layout->clusters()[d.cluster];
    switch (d.relation) {
    case HostRelation::HostNetWarning:
        return m_style.warning;
    case HostRelation::Invisible:
        return m_style.invisible;
    case HostRelation::Host:
        return m_style.hostDot;
    case HostRelation::Isolated:
        break;
    }
    if (!c.isHost)
        return clusterHue(c.id);
    // An isolated process inside the host's cluster takes the colour of the first namespace it
    // has of its own, which is the colour that namespace's cluster has when grouping by that type.
    const Snapshot &s = *m_snapshot;
    const Process &p = s.processes[d.proc];
    for (NsType t : kAllNsTypes)
        if (differsFromHost(s, p, t))
            return m_style.hue(p.ns[index(t)]);
    return m_style.hostDot;
}

void ClusterPainter::recolour()
{
    m_dotColour.clear();
    m_clusterMatches.clear();
    if (!m_layout)
        return;
    const Snapshot &s = *m_snapshot;
    const auto &dots = m_layout->dots();
    m_dotColour.assign(dots.size(), 0);
    m_clusterMatches.assign(m_layout->clusters().size(), 1);
    const QString needle = m_filter.trimmed();
    const bool filtering = !needle.isEmpty();
    std::vector<std::uint8_t> clusterLabelMatch(m_layout->clusters().size(), 0);
    if (filtering) {
        for (std::size_t i = 0; i < m_layout->clusters().size(); ++i) {
            const auto &l = (*m_labels)[i];
            clusterLabelMatch[i] = l.title.contains(needle, Qt::CaseInsensitive) ||
                                   l.detail.contains(needle, Qt::CaseInsensitive);
            m_clusterMatches[i] = clusterLabelMatch[i];
        }
    }
    for (std::size_t i = 0; i < dots.size(); ++i) {
        QColor c = baseDotColour(dots[i]);
        if (filtering) {
            const Process &p = s.processes[dots[i].proc];
            bool match = clusterLabelMatch[dots[i].cluster] || QString::number(p.pid) == needle ||
                         QString::fromStdString(p.comm).contains(needle, Qt::CaseInsensitive);
            for (std::size_t a = 0; !match && a < p.cmdline.size(); ++a)
                match = QString::fromStdString(p.cmdline[a]).contains(needle, Qt::CaseInsensitive);
            for (const auto &id : p.ns)
                match = match || (id.valid() && QString::number(id.ino) == needle);
            if (match)
                m_clusterMatches[dots[i].cluster] = 1;
            else
                c.setAlpha(38);
        }
        m_dotColour[i] = c.rgba();
    }
}

// ---- frame geometry -------------------------------------------------------------------------

QRectF ClusterPainter::contentRect(const QSizeF &size)
{
    QRectF r(kMargin, kHeaderHeight, size.width() - 2 * kMargin, size.height() - kHeaderHeight - kMargin);
    // Reserve the legend's room only where that leaves the picture most of the space; in a small
    // window the legend floats over the corner instead.
    if (legendOnRight(size) && size.width() >= 1100)
        r.setRight(r.right() - kLegendWidth - kMargin);
    else if (!legendOnRight(size) && size.height() >= 760)
        r.setBottom(r.bottom() - kLegendHeight - kMargin);
    if (r.width() < 50 || r.height() < 50)
        r = QRectF(QPointF(0, 0), size);
    return r;
}

QRectF ClusterPainter::legendRect(const QSizeF &size)
{
    if (legendOnRight(size))
        return QRectF(size.width() - kMargin - kLegendWidth, size.height() - kMargin - kLegendHeight,
                      kLegendWidth, kLegendHeight);
    return QRectF(kMargin, size.height() - kMargin - kLegendHeight,
                  std::min(kLegendWidth, size.width() - 2 * kMargin), kLegendHeight);
}

ClusterPainter::Transform ClusterPainter::fitTransform(const ClusterLayout &layout, const QSizeF &size)
{
    const auto b = layout.bounds();
    const QRectF area = contentRect(size);
    // Labels hang below the circles: leave room for them.
    const double labelRoom = 44;
    if (b.empty())
        return {1, area.center()};
    const double w = b.x1 - b.x0, h = b.y1 - b.y0;
    Transform t;
    t.scale = std::clamp(std::min(area.width() / w, (area.height() - labelRoom) / h), kMinScale, 4.0);
    const QPointF worldCentre((b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2);
    t.offset = QPointF(area.center().x(), area.center().y() - labelRoom / 2) - worldCentre * t.scale;
    return t;
}

// ---- painting -------------------------------------------------------------------------------

void ClusterPainter::paint(QPainter &p, const QSizeF &size, const ClusterPaintOptions &o) const
{
    p.save();
    if (!hasClusters()) {
        QLinearGradient bg(0, 0, 0, size.height());
        bg.setColorAt(0, m_style.background);
        bg.setColorAt(1, m_style.backgroundEdge);
        p.fillRect(QRectF(QPointF(0, 0), size), bg);
        paintEmpty(p, size, o);
        p.restore();
        return;
    }
    paintWorld(p, QRectF(QPointF(0, 0), size), size, o);
    paintOverlay(p, size, o);
    p.restore();
}

void ClusterPainter::paintWorld(QPainter &p, const QRectF &area, const QSizeF &viewSize,
                                const ClusterPaintOptions &o) const
{
    QLinearGradient bg(0, 0, 0, viewSize.height());
    bg.setColorAt(0, m_style.background);
    bg.setColorAt(1, m_style.backgroundEdge);
    p.fillRect(area, bg);
    if (!hasClusters())
        return;
    const QRectF world(o.toWorld(area.topLeft()), o.toWorld(area.bottomRight()));
    p.setRenderHint(QPainter::Antialiasing, true);
    paintClusters(p, world, o);
    paintDots(p, world, o);
    paintWarnings(p, world, o);
    paintLabels(p, area, viewSize, o);
}

void ClusterPainter::paintOverlay(QPainter &p, const QSizeF &size, const ClusterPaintOptions &o) const
{
    if (!hasClusters())
        return;
    p.setRenderHint(QPainter::Antialiasing, true);
    paintRings(p, o);
    paintHeader(p, size, o);
    paintLegend(p, size, o);
}

void ClusterPainter::paintEmpty(QPainter &p, const QSizeF &size, const ClusterPaintOptions &o) const
{
    p.setPen(m_style.mutedText);
    p.setFont(pixelFont(o.font, 15));
    p.drawText(QRectF(QPointF(0, 0), size), Qt::AlignCenter,
               o.waiting ? QStringLiteral("Waiting for the first snapshot…")
                         : QStringLiteral("No processes in this snapshot"));
}

void ClusterPainter::paintClusters(QPainter &p, const QRectF &world, const ClusterPaintOptions &o) const
{
    const auto &clusters = m_layout->clusters();
    const bool filtering = !m_filter.trimmed().isEmpty();
    for (std::size_t i = 0; i < clusters.size(); ++i) {
        const auto &c = clusters[i];
        if (c.x + c.r < world.left() || c.x - c.r > world.right() || c.y + c.r < world.top() ||
            c.y - c.r > world.bottom())
            continue;
        const QPointF centre = o.toScreen(c.x, c.y);
        const double r = c.r * o.scale;
        const bool dim = filtering && !m_clusterMatches[i];
        QColor fill, stroke;
        double width = 1.4;
        Qt::PenStyle penStyle = Qt::SolidLine;
        if (!c.id.valid()) {
            fill = Qt::transparent;
            stroke = m_style.invisible;
            penStyle = Qt::DotLine;
        } else if (c.isHost) {
            fill = m_style.hostFill;
            stroke = m_style.hostStroke;
            width = 2.4;
        } else if (c.members.empty()) {
            fill = Qt::transparent;
            stroke = m_style.clusterStroke;
            penStyle = Qt::DashLine;
        } else {
            const QColor hue = clusterHue(c.id);
            fill = m_style.fillFor(hue);
            stroke = m_style.dark ? hue : hue.darker(115);
        }
        if (dim) {
            fill.setAlphaF(fill.alphaF() * 0.35f);
            stroke.setAlphaF(0.3f);
        }
        if (r < 1.0) {
            p.setPen(QPen(stroke, 1));
            p.drawPoint(centre);
            continue;
        }
        if (c.warnings > 0 && !dim) {
            // A red halo around any cluster that holds flagged processes: visible at every zoom.
            p.setPen(QPen(m_style.warning, std::max(2.0, r * 0.012), Qt::DashLine, Qt::RoundCap));
            p.setBrush(Qt::NoBrush);
            p.drawEllipse(centre, r + 5, r + 5);
        }
        p.setPen(QPen(stroke, width, penStyle));
        p.setBrush(fill);
        p.drawEllipse(centre, r, r);
        if (c.id == o.selectedCluster && c.id.valid()) {
            p.setPen(QPen(m_style.selection, 3));
            p.setBrush(Qt::NoBrush);
            p.drawEllipse(centre, r + 2.5, r + 2.5);
        }
    }
}

void ClusterPainter::paintDots(QPainter &p, const QRectF &world, const ClusterPaintOptions &o) const
{
    const double rd = ClusterLayout::kDotRadius * o.scale;
    if (rd < 0.35)
        return; // too small to see: the cluster fills tell the story
    const auto &dots = m_layout->dots();
    const auto &clusters = m_layout->clusters();
    const double pad = ClusterLayout::kDotRadius;
    const QRectF cull = world.adjusted(-pad, -pad, pad, pad);
    // Batch by colour: one brush change per colour instead of one per dot.
    QHash<QRgb, QVector<QRectF>> batches;
    for (std::size_t ci = 0; ci < clusters.size(); ++ci) {
        const auto &c = clusters[ci];
        if (c.x + c.r < world.left() || c.x - c.r > world.right() || c.y + c.r < world.top() ||
            c.y - c.r > world.bottom())
            continue;
        const bool whole = world.contains(QRectF(c.x - c.r, c.y - c.r, 2 * c.r, 2 * c.r));
        for (std::size_t k = 0; k < c.members.size(); ++k) {
            const int di = c.firstDot + static_cast<int>(k);
            const auto &d = dots[di];
            if (!whole && !cull.contains(d.x, d.y))
                continue;
            const QPointF s = o.toScreen(d.x, d.y);
            batches[m_dotColour[di]].append(QRectF(s.x() - rd, s.y() - rd, 2 * rd, 2 * rd));
        }
    }
    const bool tiny = rd < 1.6;
    // On raster targets a pre-rendered antialiased sprite per colour is stamped instead of
    // rasterising thousands of ellipses; vector targets (SVG) get real circles.
    const bool sprites =
        !tiny && p.paintEngine() && p.paintEngine()->type() == QPaintEngine::Raster && rd < 24;
    const qreal dpr = p.device() ? p.device()->devicePixelRatioF() : 1.0;
    if (sprites && std::abs(m_spriteRadius - rd * dpr) > 1e-6) {
        m_spriteKeys.clear();
        m_sprites.clear();
        m_spriteRadius = rd * dpr;
    }
    p.setPen(Qt::NoPen);
    for (auto it = batches.cbegin(); it != batches.cend(); ++it) {
        p.setBrush(QColor::fromRgba(it.key()));
        if (sprites) {
            auto k = std::find(m_spriteKeys.begin(), m_spriteKeys.end(), it.key());
            if (k == m_spriteKeys.end()) {
                const int px = static_cast<int>(std::ceil(2 * rd * dpr)) + 2;
                QImage sprite(px, px, QImage::Format_ARGB32_Premultiplied);
                sprite.fill(Qt::transparent);
                QPainter sp(&sprite);
                sp.setRenderHint(QPainter::Antialiasing);
                sp.setPen(Qt::NoPen);
                sp.setBrush(QColor::fromRgba(it.key()));
                sp.drawEllipse(QPointF(px / 2.0, px / 2.0), rd * dpr, rd * dpr);
                sp.end();
                sprite.setDevicePixelRatio(dpr);
                m_spriteKeys.push_back(it.key());
                m_sprites.push_back(sprite);
                k = m_spriteKeys.end() - 1;
            }
            const QImage &sprite = m_sprites[static_cast<std::size_t>(k - m_spriteKeys.begin())];
            const double half = sprite.width() / dpr / 2.0;
            for (const QRectF &r : it.value())
                p.drawImage(QPointF(r.center().x() - half, r.center().y() - half), sprite);
        } else if (tiny) {
            // Sub-3px dots: squares look the same and fill much faster than ellipses.
            p.setRenderHint(QPainter::Antialiasing, false);
            p.drawRects(it.value().constData(), static_cast<int>(it.value().size()));
            p.setRenderHint(QPainter::Antialiasing, true);
        } else {
            for (const QRectF &r : it.value())
                p.drawEllipse(r);
        }
    }
}

void ClusterPainter::paintRings(QPainter &p, const ClusterPaintOptions &o) const
{
    const auto &dots = m_layout->dots();
    const double rd = ClusterLayout::kDotRadius * o.scale;
    auto ring = [&](int di, const QColor &colour, double width) {
        if (di < 0 || di >= static_cast<int>(dots.size()))
            return;
        const QPointF s = o.toScreen(dots[di].x, dots[di].y);
        const double rr = std::max(rd + 3, 6.0);
        p.setPen(QPen(colour, width));
        p.setBrush(Qt::NoBrush);
        p.drawEllipse(s, rr, rr);
    };
    ring(o.hoverDot, m_style.text, 1.5);
    ring(m_layout->dotOfPid(o.selectedPid), m_style.selection, 2.5);
}

void ClusterPainter::paintWarnings(QPainter &p, const QRectF &world, const ClusterPaintOptions &o) const
{
    if (m_warningCount == 0)
        return;
    const double rd = ClusterLayout::kDotRadius * o.scale;
    const auto &dots = m_layout->dots();
    // Zoomed out, halos around thousands of neighbouring dots melt into one red blob: then the
    // dots alone are red, and one triangle marks each flagged group.
    const bool halos = rd >= 2.2;
    const double halo = std::max(rd * 1.7, 6.5);
    const double tri = std::clamp(rd * 3.0, 11.0, 20.0);
    for (const auto &c : m_layout->clusters()) {
        if (c.warnings == 0)
            continue;
        for (std::size_t k = 0; k < c.members.size(); ++k) {
            const auto &d = dots[c.firstDot + k];
            if (d.relation != HostRelation::HostNetWarning || !world.contains(d.x, d.y))
                continue;
            const QPointF s = o.toScreen(d.x, d.y);
            if (halos) {
                p.setPen(QPen(m_style.warning, 1.8));
                p.setBrush(m_style.warningHalo);
                p.drawEllipse(s, halo, halo);
            }
            p.setPen(Qt::NoPen);
            p.setBrush(m_style.warning);
            const double r = halos ? std::max(rd, 2.5) : std::max(rd * 1.2, 1.2);
            p.drawEllipse(s, r, r);
        }
    }
    QVector<QPointF> triangles;
    int drawn = 0;
    for (const auto &g : m_warningGroups) {
        for (int di : g.dots) {
            const auto &d = dots[di];
            if (!world.contains(d.x, d.y))
                continue;
            const QPointF at = o.toScreen(d.x, d.y) +
                               (halos ? QPointF(halo * 0.95, -halo * 0.95) : QPointF(tri * 0.6, -tri * 0.6));
            bool near = false;
            for (const QPointF &t : triangles)
                near = near || QLineF(t, at).length() < tri * 1.6;
            if (!near && ++drawn <= (halos ? 200 : 40)) {
                triangles.append(at);
                drawWarningTriangle(p, at, tri, m_style.warning, Qt::white);
            }
            if (!halos)
                break; // one per group when zoomed out
        }
    }
}

void ClusterPainter::paintLabels(QPainter &p, const QRectF &area, const QSizeF &viewSize,
                                 const ClusterPaintOptions &o) const
{
    const auto &clusters = m_layout->clusters();
    std::vector<int> order(clusters.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = static_cast<int>(i);
    // Host and flagged clusters first, then the big ones: they get their labels placed first.
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        const auto &ca = clusters[a], &cb = clusters[b];
        const int pa = ca.isHost * 2 + (ca.warnings > 0), pb = cb.isHost * 2 + (cb.warnings > 0);
        if (pa != pb)
            return pa > pb;
        return ca.r > cb.r;
    });
    const QFont titleFont = pixelFont(o.font, 13, true);
    const QFont detailFont = pixelFont(o.font, 11);
    const QFontMetricsF tfm(titleFont), dfm(detailFont);
    // Labels go where the viewport was when this was painted (not into the cache's margin, which
    // is off screen): a label must be readable in the picture it was made for.
    QRectF bounds = QRectF(QPointF(0, 0), viewSize).intersected(area);
    bounds.setTop(std::max(bounds.top(), kHeaderHeight - 6));
    QVector<QRectF> taken;
    taken.append(legendRect(viewSize).adjusted(-4, -4, 4, 4)); // the legend is drawn over the picture
    // Circles on screen, once per frame, for the "do not cover another circle" test.
    struct ScreenCircle {
        QPointF c;
        double r;
        QRectF box;
    };
    std::vector<ScreenCircle> circles(clusters.size());
    for (std::size_t k = 0; k < clusters.size(); ++k) {
        const QPointF oc = o.toScreen(clusters[k].x, clusters[k].y);
        const double orr = clusters[k].r * o.scale * 0.8;
        circles[k] = {oc, orr, QRectF(oc.x() - orr, oc.y() - orr, 2 * orr, 2 * orr)};
    }
    int attempts = 0;
    const bool filtering = !m_filter.trimmed().isEmpty();

    for (int i : order) {
        const auto &c = clusters[i];
        const auto &l = (*m_labels)[i];
        const QPointF centre = o.toScreen(c.x, c.y);
        const double r = c.r * o.scale;
        if (r < 9 && !c.isHost)
            continue;
        if (filtering && !m_clusterMatches[i])
            continue;
        if (!bounds.intersects(QRectF(centre.x() - r - 200, centre.y() - r - 60, 2 * r + 400, 2 * r + 120)))
            continue;
        if (++attempts > kMaxLabels)
            break;
        QStringList lines{l.title, l.detail};
        if (!l.command.isEmpty() && r > 16)
            lines << l.command;
        QString warning;
        if (c.warnings > 0)
            warning = QStringLiteral("%1 isolated process%2 on the host network")
                          .arg(c.warnings)
                          .arg(c.warnings == 1 ? QString() : QStringLiteral("es"));
        double w = tfm.horizontalAdvance(lines[0]);
        for (int k = 1; k < lines.size(); ++k)
            w = std::max(w, dfm.horizontalAdvance(lines[k]));
        const QFontMetricsF wfm(pixelFont(o.font, 11, true));
        if (!warning.isEmpty())
            w = std::max(w, wfm.horizontalAdvance(warning) + 20);
        const double h =
            tfm.height() + (lines.size() - 1) * dfm.height() + (warning.isEmpty() ? 0 : dfm.height() + 2);
        const QSizeF box(w + 14, h + 8);
        const QRectF below(centre.x() - box.width() / 2, centre.y() + r + 7, box.width(), box.height());
        const QRectF above(centre.x() - box.width() / 2, centre.y() - r - 7 - box.height(), box.width(),
                           box.height());
        const QRectF inside(centre.x() - box.width() / 2, centre.y() + r * 0.55 - box.height() / 2,
                            box.width(), box.height());
        QRectF chosen;
        const QRectF right(centre.x() + r + 8, centre.y() - box.height() / 2, box.width(), box.height());
        const QRectF left(centre.x() - r - 8 - box.width(), centre.y() - box.height() / 2, box.width(),
                          box.height());
        const bool fitsInside = inside.width() < 1.5 * r && inside.height() < 0.6 * r;
        for (const QRectF &cand : {below, above, right, left, inside}) {
            if (!bounds.contains(cand) || (cand == inside && !fitsInside))
                continue;
            bool clash = false;
            for (const QRectF &t : taken)
                clash = clash || t.intersects(cand);
            // Never cover the middle of another circle; grazing a rim is fine.
            for (std::size_t k = 0; !clash && k < circles.size(); ++k) {
                if (static_cast<int>(k) == i || !circles[k].box.intersects(cand))
                    continue;
                const QPointF oc = circles[k].c;
                const double orr = circles[k].r;
                const double nx = std::clamp(oc.x(), cand.left(), cand.right()),
                             ny = std::clamp(oc.y(), cand.top(), cand.bottom());
                clash = (nx - oc.x()) * (nx - oc.x()) + (ny - oc.y()) * (ny - oc.y()) < orr * orr;
            }
            if (!clash) {
                chosen = cand;
                break;
            }
        }
        if (chosen.isNull())
            continue;
        taken.append(chosen.adjusted(-3, -2, 3, 2));
        p.setPen(QPen(c.isHost ? m_style.hostStroke : m_style.clusterStroke, 0.8));
        p.setBrush(m_style.labelBackground);
        p.drawRoundedRect(chosen, 5, 5);
        double y = chosen.top() + 4;
        p.setFont(titleFont);
        p.setPen(c.isHost
                     ? m_style.text
                     : (c.members.empty() || !c.id.valid()
                            ? m_style.mutedText
                            : (m_style.dark ? clusterHue(c.id).lighter(125) : clusterHue(c.id).darker(140))));
        if (c.isHost)
            p.setPen(m_style.text);
        p.drawText(QRectF(chosen.left(), y, chosen.width(), tfm.height()),
                   Qt::AlignHCenter | Qt::AlignVCenter, lines[0]);
        y += tfm.height();
        p.setFont(detailFont);
        p.setPen(m_style.mutedText);
        for (int k = 1; k < lines.size(); ++k) {
            p.drawText(QRectF(chosen.left(), y, chosen.width(), dfm.height()),
                       Qt::AlignHCenter | Qt::AlignVCenter, lines[k]);
            y += dfm.height();
        }
        if (!warning.isEmpty()) {
            y += 2;
            const double tw = wfm.horizontalAdvance(warning) + 18;
            const double x0 = chosen.center().x() - tw / 2;
            drawWarningTriangle(p, QPointF(x0 + 6, y + dfm.height() / 2), 12, m_style.warning, Qt::white);
            p.setFont(pixelFont(o.font, 11, true));
            p.setPen(m_style.warningText);
            p.drawText(QRectF(x0 + 16, y, tw, dfm.height()), Qt::AlignLeft | Qt::AlignVCenter, warning);
        }
    }

    paintCallouts(p, contentRect(viewSize).adjusted(-kMargin / 2, 0, kMargin / 2, 0), taken, o);

    // The host badge sits on the host circle's rim, so the host is obvious even without its label.
    for (const auto &c : clusters) {
        if (!c.isHost)
            continue;
        const QPointF centre = o.toScreen(c.x, c.y);
        const double r = c.r * o.scale;
        if (r < 14)
            break;
        const QFont bf = pixelFont(o.font, 11, true);
        const QString text = QStringLiteral("HOST");
        const double bw = QFontMetricsF(bf).horizontalAdvance(text) + 16;
        const QRectF badge(centre.x() - bw / 2, centre.y() - r - 10, bw, 20);
        p.setPen(Qt::NoPen);
        p.setBrush(m_style.hostBadge);
        p.drawRoundedRect(badge, 10, 10);
        p.setPen(m_style.hostBadgeText);
        p.setFont(bf);
        p.drawText(badge, Qt::AlignCenter, text);
    }
}

void ClusterPainter::paintCallouts(QPainter &p, const QRectF &area, QVector<QRectF> &taken,
                                   const ClusterPaintOptions &o) const
{
    // Callouts name the flagged containers next to their cluster: the one thing a slide about
    // host-network sharing has to show, readable without hovering.
    if (m_warningGroups.empty())
        return;
    const QFont tf = pixelFont(o.font, 12, true);
    const QFont df = pixelFont(o.font, 11);
    const QFontMetricsF tfm(tf), dfm(df);
    const auto &dots = m_layout->dots();
    constexpr int kMaxCallouts = 6;
    int shown = 0, hidden = 0;
    for (const auto &g : m_warningGroups) {
        if (shown >= kMaxCallouts) {
            ++hidden;
            continue;
        }
        const auto &c = m_layout->clusters()[g.cluster];
        if (g.dots.size() == c.members.size())
            continue; // the whole cluster is this container: its own label already names it
        const QPointF centre = o.toScreen(c.x, c.y);
        const double r = c.r * o.scale;
        QPointF anchor;
        for (int di : g.dots)
            anchor += o.toScreen(dots[di].x, dots[di].y);
        anchor /= static_cast<double>(g.dots.size());
        if (!area.contains(anchor))
            continue;
        const double w = std::max(tfm.horizontalAdvance(g.label) + 22, dfm.horizontalAdvance(g.detail)) + 16;
        const double h = tfm.height() + dfm.height() + 8;
        // Try spots around the cluster, sides first, and take the first that covers no other
        // circle and no other label.
        auto freeSpot = [&](const QRectF &box) {
            if (!area.contains(box))
                return false;
            for (const QRectF &t : taken)
                if (t.intersects(box))
                    return false;
            for (const auto &other : m_layout->clusters()) {
                const QPointF oc = o.toScreen(other.x, other.y);
                const double orr = other.r * o.scale + 4;
                const double nx = std::clamp(oc.x(), box.left(), box.right()),
                             ny = std::clamp(oc.y(), box.top(), box.bottom());
                if ((nx - oc.x()) * (nx - oc.x()) + (ny - oc.y()) * (ny - oc.y()) < orr * orr)
                    return false;
            }
            return true;
        };
        QRectF box;
        bool right = true;
        const double angles[] = {0, 180, 20, 160, -20, 200, 40, 140, -40, 220, 60, 120, -60, 240, 90, 270};
        for (double deg : angles) {
            const double a = deg * M_PI / 180;
            const QPointF at = centre + QPointF(std::cos(a), std::sin(a)) * (r + 26);
            const bool toRight = std::cos(a) >= -1e-9;
            QRectF cand(toRight ? at.x() : at.x() - w, at.y() - h / 2, w, h);
            if (deg == 90 || deg == 270)
                cand.moveLeft(at.x() - w / 2);
            if (deg == 270 || deg == 240 || deg == -60 || deg == -40 || deg == 220)
                cand.moveBottom(at.y());
            if (freeSpot(cand)) {
                box = cand;
                right = toRight;
                break;
            }
        }
        if (box.isNull()) {
            ++hidden; // no room next to the cluster: counted in "+ N more" instead of piling up
            continue;
        }
        taken.append(box.adjusted(-3, -3, 3, 3));
        const QPointF boxEdge(right ? box.left() : box.right(), box.center().y());
        p.setPen(QPen(m_style.warning, 1.6));
        p.setBrush(Qt::NoBrush);
        QPainterPath leader(anchor);
        leader.lineTo(boxEdge);
        p.drawPath(leader);
        p.setBrush(m_style.labelBackground);
        p.drawRoundedRect(box, 5, 5);
        drawWarningTriangle(p, QPointF(box.left() + 15, box.top() + 4 + tfm.height() / 2), 13,
                            m_style.warning, Qt::white);
        p.setFont(tf);
        p.setPen(m_style.warningText);
        p.drawText(QRectF(box.left() + 26, box.top() + 4, w - 30, tfm.height()),
                   Qt::AlignLeft | Qt::AlignVCenter, g.label);
        p.setFont(df);
        p.setPen(m_style.text);
        p.drawText(QRectF(box.left() + 8, box.top() + 4 + tfm.height(), w - 12, dfm.height()),
                   Qt::AlignLeft | Qt::AlignVCenter, g.detail);
        ++shown;
    }
    if (hidden > 0) {
        // The rest are in the host-network panel; say how many, under the last callout.
        const QString more = QStringLiteral("+ %1 more flagged group%2")
                                 .arg(hidden)
                                 .arg(hidden == 1 ? QString() : QStringLiteral("s"));
        QRectF last = taken.isEmpty() ? QRectF(area.left(), area.top(), 0, 0) : taken.last();
        QRectF box(last.left() + 3, last.bottom() + 4, dfm.horizontalAdvance(more) + 16, dfm.height() + 6);
        if (!area.contains(box))
            box.moveBottom(last.top() - 4);
        p.setPen(QPen(m_style.warning, 1));
        p.setBrush(m_style.labelBackground);
        p.drawRoundedRect(box, 4, 4);
        p.setFont(df);
        p.setPen(m_style.warningText);
        p.drawText(box, Qt::AlignCenter, more);
        taken.append(box);
    }
}

void ClusterPainter::paintHeader(QPainter &p, const QSizeF &size, const ClusterPaintOptions &o) const
{
    const Snapshot &s = *m_snapshot;
    const QString typeName = QString::fromLatin1(nsTypeName(m_layout->type()));
    int nsCount = 0;
    for (const auto &c : m_layout->clusters())
        nsCount += c.id.valid();
    const QLocale loc;
    p.setPen(Qt::NoPen);
    QColor band = m_style.background;
    band.setAlpha(230);
    p.setBrush(band);
    p.drawRect(QRectF(0, 0, size.width(), kHeaderHeight - 10));

    p.setFont(pixelFont(o.font, 19, true));
    p.setPen(m_style.text);
    const QString title = QStringLiteral("Processes by %1 namespace").arg(typeName);
    p.drawText(QRectF(kMargin, 10, size.width() - 2 * kMargin, 26), Qt::AlignLeft | Qt::AlignVCenter, title);

    QStringList meta;
    if (!s.host.hostname.empty())
        meta << QString::fromStdString(s.host.hostname);
    meta << QStringLiteral("%1 processes").arg(loc.toString(static_cast<qlonglong>(s.processes.size())));
    meta << (nsCount == 1 ? QStringLiteral("%1 %2 namespace") : QStringLiteral("%1 %2 namespaces"))
                .arg(loc.toString(nsCount), typeName);
    meta << QStringLiteral("host reference ") + ClusterLabeler::referenceText(s);
    if (s.host.scannedAtMs)
        meta << QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(s.host.scannedAtMs))
                    .toString(QStringLiteral("yyyy-MM-dd HH:mm"));
    if (o.redacted)
        meta << QStringLiteral("redacted");
    p.setFont(pixelFont(o.font, 12.5));
    p.setPen(m_style.mutedText);
    const QFontMetricsF mfm(p.font());
    p.drawText(
        QRectF(kMargin, 36, size.width() - 2 * kMargin, 20), Qt::AlignLeft | Qt::AlignVCenter,
        mfm.elidedText(meta.join(QStringLiteral("  ·  ")), Qt::ElideRight, size.width() - 2 * kMargin));

    if (m_warningCount > 0 && m_layout->type() == NsType::Net) {
        const QString w = QStringLiteral("%1 isolated process%2 share%3 the host network namespace")
                              .arg(m_warningCount)
                              .arg(m_warningCount == 1 ? QString() : QStringLiteral("es"))
                              .arg(m_warningCount == 1 ? QStringLiteral("s") : QString());
        const QFont wf = pixelFont(o.font, 13, true);
        const double tw = QFontMetricsF(wf).horizontalAdvance(w);
        const double x = size.width() - kMargin - tw;
        if (x > kMargin + QFontMetricsF(pixelFont(o.font, 19, true)).horizontalAdvance(title) + 30) {
            drawWarningTriangle(p, QPointF(x - 13, 23), 16, m_style.warning, Qt::white);
            p.setFont(wf);
            p.setPen(m_style.warningText);
            p.drawText(QRectF(x, 10, tw + 2, 26), Qt::AlignLeft | Qt::AlignVCenter, w);
        }
    } else if (m_warningCount > 0) {
        // Grouped by another type the flagged processes are still marked; say why.
        const QString w = QStringLiteral("%1 flagged: host network, isolated otherwise").arg(m_warningCount);
        const QFont wf = pixelFont(o.font, 13, true);
        const double tw = QFontMetricsF(wf).horizontalAdvance(w);
        const double x = size.width() - kMargin - tw;
        if (x > size.width() / 2) {
            drawWarningTriangle(p, QPointF(x - 13, 23), 16, m_style.warning, Qt::white);
            p.setFont(wf);
            p.setPen(m_style.warningText);
            p.drawText(QRectF(x, 10, tw + 2, 26), Qt::AlignLeft | Qt::AlignVCenter, w);
        }
    }
}

void ClusterPainter::paintLegend(QPainter &p, const QSizeF &size, const ClusterPaintOptions &o) const
{
    const QString typeName = QString::fromLatin1(nsTypeName(m_layout->type()));
    const QRectF box = legendRect(size);
    p.setPen(QPen(m_style.clusterStroke, 0.8));
    p.setBrush(m_style.labelBackground);
    p.drawRoundedRect(box, 8, 8);

    const QFont head = pixelFont(o.font, 12.5, true);
    const QFont item = pixelFont(o.font, 12);
    const double x = box.left() + 14;
    double y = box.top() + 10;
    p.setFont(head);
    p.setPen(m_style.text);
    p.drawText(QRectF(x, y, box.width() - 28, 18), Qt::AlignLeft | Qt::AlignVCenter,
               QStringLiteral("Circle = a %1 namespace · dot = a process").arg(typeName));
    y += 26;
    const double rowH = 23;
    auto row = [&](auto drawSymbol, const QString &text) {
        const QPointF sym(x + 9, y + rowH / 2 - 2);
        p.save();
        drawSymbol(sym);
        p.restore();
        p.setFont(item);
        p.setPen(m_style.text);
        p.drawText(QRectF(x + 26, y - 2, box.width() - 44, rowH), Qt::AlignLeft | Qt::AlignVCenter, text);
        y += rowH;
    };
    row(
        [&](QPointF c) {
            p.setPen(Qt::NoPen);
            p.setBrush(m_style.hostDot);
            p.drawEllipse(c, 4.5, 4.5);
        },
        QStringLiteral("Same namespaces as the host"));
    row(
        [&](QPointF c) {
            p.setPen(Qt::NoPen);
            for (int k = 0; k < 3; ++k) {
                p.setBrush(m_style.hues[k]);
                p.drawEllipse(c + QPointF(-6 + 6 * k, k == 1 ? -3 : 2), 3.4, 3.4);
            }
        },
        QStringLiteral("Isolated in some namespaces (cluster colour)"));
    row(
        [&](QPointF c) {
            p.setPen(QPen(m_style.warning, 1.5));
            p.setBrush(m_style.warningHalo);
            p.drawEllipse(c, 7, 7);
            p.setPen(Qt::NoPen);
            p.setBrush(m_style.warning);
            p.drawEllipse(c, 3.2, 3.2);
        },
        QStringLiteral("Host network, isolated otherwise"));
    row(
        [&](QPointF c) {
            p.setPen(QPen(m_style.clusterStroke, 1.3, Qt::DashLine));
            p.setBrush(Qt::NoBrush);
            p.drawEllipse(c, 7, 7);
        },
        QStringLiteral("Held by a bind mount or fd, no process"));
    row(
        [&](QPointF c) {
            p.setPen(Qt::NoPen);
            p.setBrush(m_style.hostBadge);
            p.drawRoundedRect(QRectF(c.x() - 10, c.y() - 6, 20, 12), 6, 6);
        },
        QStringLiteral("The host's namespace (") +
            (m_snapshot->host.referencePid > 0
                 ? ClusterLabeler::referenceText(*m_snapshot).section(QLatin1Char(' '), 0, 1)
                 : QStringLiteral("reference unknown")) +
            QLatin1Char(')'));
}

} // namespace nsviz
