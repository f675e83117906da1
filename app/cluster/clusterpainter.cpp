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
#include <array>
#include <cmath>

namespace nsviz
{

namespace
{

/// QFontMetricsF::horizontalAdvance() of one font, remembered per text in @p all (the painter's
/// m_advances): what paintLabels() and paintCallouts() measure again at every new scene.
class Advances
{
public:
    Advances(QHash<QString, QHash<QString, qreal>> &all, const QFont &font)
        : m_fm(font), m_widths(all[font.key()])
    {
        if (m_widths.size() > 8192) // texts of scenes long gone
            m_widths.clear();
    }
    qreal operator()(const QString &text) const
    {
        if (auto it = m_widths.constFind(text); it != m_widths.cend())
            return *it;
        const qreal w = m_fm.horizontalAdvance(text);
        m_widths.insert(text, w);
        return w;
    }

private:
    QFontMetricsF m_fm;
    QHash<QString, qreal> &m_widths;
};

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

QFont textFont(const ClusterPaintOptions &o, double px, bool bold = false)
{
    return pixelFont(o.font, px * o.textScale, bold);
}

void record(const ClusterPaintOptions &o, PaintedItem::Kind kind, const QRectF &rect, const QString &text,
            quint64 ns = 0, bool flagged = false, const QLineF &line = {}, const QString &mark = QString())
{
    if (o.record)
        o.record->push_back({kind, rect, text, ns, flagged, line, mark});
}

/// Whether segment @p l passes through rectangle @p r (an end inside counts).
bool segmentHitsRect(const QLineF &l, const QRectF &r)
{
    if (r.contains(l.p1()) || r.contains(l.p2()))
        return true;
    const QPointF a = r.topLeft(), b = r.topRight(), c = r.bottomRight(), d = r.bottomLeft();
    for (const QLineF &edge : {QLineF(a, b), QLineF(b, c), QLineF(c, d), QLineF(d, a)})
        if (l.intersects(edge, nullptr) == QLineF::BoundedIntersection)
            return true;
    return false;
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
    if (m_hueType != layout.type()) {
        // Hues follow the clusters of this grouping from the first one, whatever was shown before.
        m_hueIndex.clear();
        m_nextHue = 0;
        m_hueType = layout.type();
    }
    for (const auto &c : layout.clusters()) {
        m_warningCount += c.warnings;
        if (!c.isHost && c.id.valid() && !m_hueIndex.count(c.id))
            m_hueIndex[c.id] = m_nextHue++;
    }
    // Bounded under churn: forget the hues of clusters long gone once they outnumber the living
    // (each survivor keeps its hue; a namespace that comes back later is a new cluster anyway).
    if (m_hueIndex.size() > 2 * layout.clusters().size() + 64)
        std::erase_if(m_hueIndex, [&](const auto &e) { return layout.clusterIndex(e.first) < 0; });
    // Callout groups: the flagged containers, split by the cluster their processes sit in. The
    // layout classed every process already.
    std::vector<int> flagged;
    for (const auto &d : layout.dots())
        if (d.relation == HostRelation::HostNetWarning)
            flagged.push_back(d.proc);
    std::sort(flagged.begin(), flagged.end());
    for (const auto &g : hostNetGroups(snapshot, flagged)) {
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

const char *ClusterMarks::markName(Mark m)
{
    switch (m) {
    case Mark::New:
        return "new";
    case Mark::Gone:
        return "gone";
    case Mark::Moved:
        return "moved";
    case Mark::None:
        break;
    }
    return "";
}

void ClusterPainter::setMarks(const ClusterMarks *marks)
{
    m_marks = marks;
    if (m_layout)
        recolour();
}

ClusterMarks::Mark ClusterPainter::processMark(int proc) const
{
    if (!m_marks || proc < 0 || static_cast<std::size_t>(proc) >= m_marks->process.size())
        return ClusterMarks::Mark::None;
    return m_marks->process[static_cast<std::size_t>(proc)];
}

ClusterMarks::Mark ClusterPainter::nsMark(const NsId &id) const
{
    if (!m_marks)
        return ClusterMarks::Mark::None;
    const auto it = m_marks->ns.find(id);
    return it == m_marks->ns.end() ? ClusterMarks::Mark::None : it->second;
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

void ClusterPainter::setDimInformational(bool dim)
{
    m_dimInformational = dim;
    recolour();
}

bool ClusterPainter::clusterDimmed(int i) const
{
    return i >= 0 && static_cast<std::size_t>(i) < m_clusterMatches.size() && !m_clusterMatches[i];
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
    ++m_generation; // whatever changed, the cached texts are stale
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
    // Information, not alarms: a service sandbox's or engine helper's circle steps back.
    std::vector<std::uint8_t> informational(m_layout->clusters().size(), 0);
    if (m_dimInformational)
        for (std::size_t i = 0; i < m_layout->clusters().size(); ++i)
            if ((*m_labels)[i].informational) {
                informational[i] = 1;
                m_clusterMatches[i] = 0;
            }
    for (std::size_t i = 0; i < dots.size(); ++i) {
        QColor c = baseDotColour(dots[i]);
        // A comparison: new processes are green, gone ones are drawn as outlines only (paintMarks).
        if (const auto mark = processMark(dots[i].proc); mark == ClusterMarks::Mark::New)
            c = m_style.added;
        else if (mark == ClusterMarks::Mark::Gone)
            c = Qt::transparent;
        if (informational[dots[i].cluster]) {
            c.setAlpha(38);
        } else if (filtering) {
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

struct ClusterPainter::Placement {
    QRectF bounds;         ///< where labels, callouts and keys may go
    QVector<QRectF> taken; ///< text already placed (padded)
    struct Circle {
        QPointF c;
        double r = 0;
        double keepOut = 0; ///< radius nothing else may enter (the red ring of a flagged circle)
    };
    std::vector<Circle> circles; ///< per cluster, on screen
    /// Named in the key list instead of on the picture.
    struct Keyed {
        int cluster = -1;
        QString text;
        quint64 ns = 0;
        bool flagged = false;
        bool required = true;
        std::optional<QPointF> anchor; ///< for a flagged group: where its processes are
    };
    std::vector<Keyed> keyed;
    /// Leader lines drawn so far: a new one may not cross any of them.
    std::vector<QLineF> leaders;
    bool crossesLeader(const QLineF &l) const
    {
        for (const QLineF &o : leaders)
            if (l.intersects(o, nullptr) == QLineF::BoundedIntersection)
                return true;
        return false;
    }
    /// Whether @p l runs through text already placed (other circles' labels, badges, callouts).
    bool crossesText(const QLineF &l) const
    {
        for (const QRectF &r : taken)
            if (segmentHitsRect(l, r))
                return true;
        return false;
    }
    /// The column beside the legend: a comparison's change list first, then the key list.
    QRectF listArea;

    /// A grid over the frame listing the circles near each cell, so a test of one spot looks at
    /// the few circles around it, not at every circle of a host with thousands (the view places
    /// labels on every frame, pans included).
    static constexpr double kCell = 48;
    static constexpr double kReach = 24; ///< the most any test looks past a circle's keep-out radius
    QRectF gridArea;
    int gridW = 0, gridH = 0;
    std::vector<std::vector<int>> cells;
    mutable std::vector<unsigned> stamp;
    mutable unsigned stampNow = 0;

    void buildGrid(const QRectF &area)
    {
        gridArea = area;
        gridW = std::max(1, static_cast<int>(std::ceil(area.width() / kCell)));
        gridH = std::max(1, static_cast<int>(std::ceil(area.height() / kCell)));
        cells.assign(static_cast<std::size_t>(gridW * gridH), {});
        stamp.assign(circles.size(), 0);
        for (std::size_t k = 0; k < circles.size(); ++k) {
            const auto &sc = circles[k];
            const double e = sc.keepOut + kReach;
            forCells(QRectF(sc.c.x() - e, sc.c.y() - e, 2 * e, 2 * e),
                     [&](std::size_t cell) { cells[cell].push_back(static_cast<int>(k)); });
        }
    }
    /// Calls @p f with the index of every grid cell @p r touches.
    template <typename F> void forCells(const QRectF &r, F f) const
    {
        const QRectF q = r.intersected(gridArea);
        if (q.isEmpty())
            return;
        const int x0 = static_cast<int>((q.left() - gridArea.left()) / kCell);
        const int x1 = std::min(gridW - 1, static_cast<int>((q.right() - gridArea.left()) / kCell));
        const int y0 = static_cast<int>((q.top() - gridArea.top()) / kCell);
        const int y1 = std::min(gridH - 1, static_cast<int>((q.bottom() - gridArea.top()) / kCell));
        for (int y = y0; y <= y1; ++y)
            for (int x = x0; x <= x1; ++x)
                f(static_cast<std::size_t>(y * gridW + x));
    }
    /// Calls @p f once for every circle that may come within kReach of @p r (r inside the grid).
    template <typename F> void nearCircles(const QRectF &r, F f) const
    {
        if (++stampNow == 0) {
            std::fill(stamp.begin(), stamp.end(), 0);
            stampNow = 1;
        }
        forCells(r, [&](std::size_t cell) {
            for (int k : cells[cell])
                if (stamp[static_cast<std::size_t>(k)] != stampNow) {
                    stamp[static_cast<std::size_t>(k)] = stampNow;
                    f(k);
                }
        });
    }

    bool free(const QRectF &box, int own, bool ownToo = false, double clearance = 0) const
    {
        if (!bounds.contains(box))
            return false;
        for (const QRectF &t : taken)
            if (t.intersects(box))
                return false;
        bool clash = false;
        nearCircles(box, [&](int k) {
            if (clash || (k == own && !ownToo))
                return;
            const auto &sc = circles[static_cast<std::size_t>(k)];
            const double keep = sc.keepOut + (k == own ? 0 : clearance);
            const double nx = std::clamp(sc.c.x(), box.left(), box.right()),
                         ny = std::clamp(sc.c.y(), box.top(), box.bottom());
            clash = (nx - sc.c.x()) * (nx - sc.c.x()) + (ny - sc.c.y()) * (ny - sc.c.y()) < keep * keep;
        });
        return !clash;
    }
};

// ---- frame geometry -------------------------------------------------------------------------

namespace
{

bool legendOnRight(const QSizeF &size)
{
    return size.width() >= size.height() * 1.15 && size.width() >= 700;
}

double legendWidth(const QSizeF &size, double ts)
{
    const double m = ClusterPainter::kMargin;
    return std::max(120.0, std::min(ClusterPainter::kLegendWidth * ts,
                                    legendOnRight(size) ? size.width() * 0.34 : size.width() - 2 * m));
}

} // namespace

const char *PaintedItem::kindName(Kind k)
{
    switch (k) {
    case Kind::Title:
        return "title";
    case Kind::Subtitle:
        return "subtitle";
    case Kind::Label:
        return "label";
    case Kind::Badge:
        return "badge";
    case Kind::Callout:
        return "callout";
    case Kind::Legend:
        return "legend";
    case Kind::List:
        return "list";
    }
    return "label";
}

QRectF ClusterPainter::contentRect(const QSizeF &size, double ts)
{
    const double hh = headerHeight(ts);
    QRectF r(kMargin, hh, size.width() - 2 * kMargin, size.height() - hh - kMargin);
    // The legend always has its own room (beside or below the picture), never over the data.
    const QRectF legend = legendRect(size, ts);
    if (legendOnRight(size))
        r.setRight(legend.left() - kMargin);
    else
        r.setBottom(legend.top() - kMargin);
    if (r.width() < 50 || r.height() < 50)
        r = QRectF(0, hh, size.width(), size.height() - hh);
    return r;
}

QRectF ClusterPainter::legendRect(const QSizeF &size, double ts)
{
    const double w = legendWidth(size, ts), h = kLegendHeight * ts;
    if (legendOnRight(size))
        return QRectF(size.width() - kMargin - w, size.height() - kMargin - h, w, h);
    return QRectF(kMargin, size.height() - kMargin - h, w, h);
}

QRectF ClusterPainter::keyListRect(const QSizeF &size, double ts)
{
    const QRectF legend = legendRect(size, ts);
    QRectF r;
    if (legendOnRight(size))
        r = QRectF(legend.left(), headerHeight(ts), legend.width(),
                   legend.top() - kMargin - headerHeight(ts));
    else
        r = QRectF(legend.right() + kMargin, legend.top(), size.width() - legend.right() - 2 * kMargin,
                   legend.height());
    if (r.width() < 120 * ts || r.height() < 40 * ts)
        return {};
    return r;
}

ClusterPainter::Transform ClusterPainter::fitTransform(const ClusterLayout &layout, const QSizeF &size,
                                                       double ts)
{
    const auto b = layout.bounds();
    const QRectF area = contentRect(size, ts);
    // Labels hang below the circles: leave room for them.
    const double labelRoom = 44 * ts;
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
    if (o.record)
        o.record->clear();
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
    if (m_marks)
        paintMarks(p, world, o);
}

void ClusterPainter::paintOverlay(QPainter &p, const QSizeF &size, const ClusterPaintOptions &o) const
{
    if (o.record)
        o.record->clear();
    if (!hasClusters())
        return;
    p.setRenderHint(QPainter::Antialiasing, true);
    paintRings(p, o);
    // On screen the texts are a cached image: placing and drawing a few hundred labels takes tens
    // of milliseconds on a big host, and a hover or selection change needs none of it again.
    // Exports and recorded paints draw them directly (vector text stays text).
    const bool raster = p.paintEngine() && p.paintEngine()->type() == QPaintEngine::Raster;
    if (!raster || o.record) {
        paintTexts(p, size, o);
        return;
    }
    const qreal dpr = p.device() ? p.device()->devicePixelRatioF() : 1.0;
    const TextCacheKey key{o.scale,      o.offset,   size,     o.textScale, dpr,
                           m_generation, o.redacted, o.moving, o.font};
    if (!(key == m_textCacheKey) || m_textCache.isNull()) {
        // The same image again when the size is: a new one per scene (a few MB, every delta on
        // a live host) was mostly page faults.
        const QSize pixels = (size * dpr).toSize();
        if (m_textCache.size() != pixels || m_textCache.format() != QImage::Format_ARGB32_Premultiplied)
            m_textCache = QImage(pixels, QImage::Format_ARGB32_Premultiplied);
        m_textCache.setDevicePixelRatio(dpr);
        m_textCache.fill(Qt::transparent);
        QPainter tp(&m_textCache);
        tp.setRenderHint(QPainter::Antialiasing, true);
        tp.setRenderHint(QPainter::TextAntialiasing, true);
        paintTexts(tp, size, o);
        tp.end();
        m_textCacheKey = key;
    }
    p.drawImage(QPointF(0, 0), m_textCache);
}

void ClusterPainter::paintTexts(QPainter &p, const QSizeF &size, const ClusterPaintOptions &o) const
{
    const double ts = o.textScale;
    Placement pl;
    // Labels may use the margins around the picture, not the header, the legend or the key list.
    pl.bounds = contentRect(size, ts).adjusted(-kMargin + 4, -8 * ts, kMargin - 4, kMargin - 4);
    pl.bounds = pl.bounds.intersected(QRectF(QPointF(0, 0), size));
    pl.listArea = keyListRect(size, ts);
    paintHeader(p, size, pl, o);
    paintLegend(p, size, o);
    pl.taken.append(legendRect(size, ts).adjusted(-4, -4, 4, 4));
    paintChanges(p, pl, o);
    if (!o.moving) // while the picture moves under the finger, labels would only flicker past
        paintLabels(p, size, pl, o);
}

void ClusterPainter::paintEmpty(QPainter &p, const QSizeF &size, const ClusterPaintOptions &o) const
{
    p.setPen(m_style.mutedText);
    const QFont f = textFont(o, 15);
    p.setFont(f);
    const QString text = o.waiting ? QStringLiteral("Waiting for the first snapshot…")
                                   : QStringLiteral("No processes in this snapshot");
    const QRectF frame(QPointF(0, 0), size);
    p.drawText(frame, Qt::AlignCenter, text);
    const QFontMetricsF fm(f);
    QRectF r(0, 0, fm.horizontalAdvance(text), fm.height());
    r.moveCenter(frame.center());
    record(o, PaintedItem::Kind::Title, r, text);
}

std::size_t ClusterPainter::CircleKeyHash::operator()(const CircleKey &k) const noexcept
{
    std::size_t h = std::hash<int>()(k.r8);
    auto mix = [&h](std::size_t v) { h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); };
    mix(k.fill);
    mix(k.stroke);
    mix(static_cast<std::size_t>(k.width8));
    mix(static_cast<std::size_t>(k.pen));
    mix((k.halo ? 1u : 0u) | (k.selected ? 2u : 0u));
    mix(std::hash<qreal>()(k.dpr));
    return h;
}

namespace
{
/// Circles up to this device radius are stamped from a cached image (paintClusters()).
constexpr double kMaxCircleSprite = 64;
/// What the circle images may take together.
constexpr std::size_t kCircleCacheBytes = 8u << 20;
} // namespace

void ClusterPainter::paintClusters(QPainter &p, const QRectF &world, const ClusterPaintOptions &o) const
{
    const auto &clusters = m_layout->clusters();
    // One circle as it looks: the red halo of a cluster holding flagged processes (visible at
    // every zoom), the circle, the selection ring.
    auto draw = [this](QPainter &q, QPointF centre, double r, const QColor &fill, const QColor &stroke,
                       double width, Qt::PenStyle penStyle, bool halo, bool selected) {
        if (halo) {
            q.setPen(QPen(m_style.warning, std::max(2.0, r * 0.012), Qt::DashLine, Qt::RoundCap));
            q.setBrush(Qt::NoBrush);
            q.drawEllipse(centre, r + 5, r + 5);
        }
        q.setPen(QPen(stroke, width, penStyle));
        q.setBrush(fill);
        q.drawEllipse(centre, r, r);
        if (selected) {
            q.setPen(QPen(m_style.selection, 3));
            q.setBrush(Qt::NoBrush);
            q.drawEllipse(centre, r + 2.5, r + 2.5);
        }
    };
    const bool raster = p.paintEngine() && p.paintEngine()->type() == QPaintEngine::Raster;
    const qreal dpr = p.device() ? p.device()->devicePixelRatioF() : 1.0;
    const quint64 paint = ++m_circlePaints;
    for (std::size_t i = 0; i < clusters.size(); ++i) {
        const auto &c = clusters[i];
        if (c.x + c.r < world.left() || c.x - c.r > world.right() || c.y + c.r < world.top() ||
            c.y - c.r > world.bottom())
            continue;
        const QPointF centre = o.toScreen(c.x, c.y);
        const double r = c.r * o.scale;
        const bool dim = !m_clusterMatches[i];
        auto [fill, stroke, width, penStyle] = circleStyle(c);
        if (const auto mark = nsMark(c.id); mark == ClusterMarks::Mark::New) {
            stroke = m_style.added;
            width = 3.2;
            penStyle = Qt::SolidLine;
        } else if (mark == ClusterMarks::Mark::Gone) {
            // A ghost: where the namespace was, an outline with nothing inside.
            fill = Qt::transparent;
            stroke = m_style.gone;
            width = 2.0;
            penStyle = Qt::DashLine;
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
        const bool halo = c.warnings > 0 && !dim;
        const bool selected = c.id == o.selectedCluster && c.id.valid();
        if (!raster || r * dpr > kMaxCircleSprite) {
            draw(p, centre, r, fill, stroke, width, penStyle, halo, selected);
            continue;
        }
        const CircleKey key{static_cast<int>(std::lround(r * dpr * 8)),
                            fill.rgba(),
                            stroke.rgba(),
                            static_cast<int>(std::lround(width * 8)),
                            static_cast<int>(penStyle),
                            halo,
                            selected,
                            dpr};
        auto it = m_circles.find(key);
        if (it == m_circles.end()) {
            // Room for the halo's and the selection ring's strokes and the antialiasing.
            const double haloWidth = std::max(2.0, r * 0.012);
            const double extent = std::max({r + width / 2, halo ? r + 5 + haloWidth / 2 : 0.0,
                                            selected ? r + 2.5 + 1.5 : 0.0}) +
                                  2;
            const int px = static_cast<int>(std::ceil(2 * extent * dpr)) + 2;
            const std::size_t bytes = static_cast<std::size_t>(px) * static_cast<std::size_t>(px) * 4;
            if (m_circleBytes + bytes > kCircleCacheBytes) {
                // Forget the looks no circle of this picture has used; if that is not enough room,
                // this circle is drawn as it is.
                for (auto e = m_circles.begin(); e != m_circles.end();) {
                    if (e->second.lastUsed != paint) {
                        m_circleBytes -= e->second.image.sizeInBytes();
                        e = m_circles.erase(e);
                    } else {
                        ++e;
                    }
                }
                if (m_circleBytes + bytes > kCircleCacheBytes) {
                    draw(p, centre, r, fill, stroke, width, penStyle, halo, selected);
                    continue;
                }
            }
            QImage image(px, px, QImage::Format_ARGB32_Premultiplied);
            image.fill(Qt::transparent);
            image.setDevicePixelRatio(dpr);
            QPainter q(&image);
            q.setRenderHint(QPainter::Antialiasing, true);
            draw(q, QPointF(px / (2 * dpr), px / (2 * dpr)), r, fill, stroke, width, penStyle, halo,
                 selected);
            q.end();
            m_circleBytes += static_cast<std::size_t>(image.sizeInBytes());
            it = m_circles.emplace(key, CircleSprite{std::move(image), 0}).first;
        }
        it->second.lastUsed = paint;
        const double half = it->second.image.width() / (2 * dpr);
        p.drawImage(QPointF(centre.x() - half, centre.y() - half), it->second.image);
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
    if (!o.showFocus)
        return;
    // Keyboard focus: a dashed ring outside the selection's, in a colour of its own, so it shows
    // whether or not the focused item is also the selected one.
    QPen pen(m_style.focusRing, 2.0, Qt::DashLine);
    pen.setCosmetic(true);
    p.setPen(pen);
    p.setBrush(Qt::NoBrush);
    const int fd = o.focusPid ? m_layout->dotOfPid(o.focusPid) : -1;
    if (fd >= 0) {
        const double rr = std::max(rd + 3, 6.0) + 4;
        p.drawEllipse(o.toScreen(dots[fd].x, dots[fd].y), rr, rr);
        return;
    }
    const int ci = m_layout->clusterIndex(o.focusCluster);
    if (ci < 0)
        return;
    const auto &c = m_layout->clusters()[ci];
    const double rr = c.r * o.scale + 5;
    p.drawEllipse(o.toScreen(c.x, c.y), rr, rr);
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
    const double r = halos ? std::max(rd, 2.5) : std::max(rd * 1.2, 1.2);
    // One flagged dot (its halo when zoomed in, then the red dot), drawn at @p c.
    auto drawOne = [&](QPainter &q, QPointF c) {
        if (halos) {
            q.setPen(QPen(m_style.warning, 1.8));
            q.setBrush(m_style.warningHalo);
            q.drawEllipse(c, halo, halo);
        }
        q.setPen(Qt::NoPen);
        q.setBrush(m_style.warning);
        q.drawEllipse(c, r, r);
    };
    // On raster targets the flagged dot is rendered once and stamped, as paintDots() does: a host
    // whose processes share the host network has thousands of them, each an antialiased ellipse
    // (and a halo) per paint otherwise. Vector targets (SVG) get real circles.
    const double outer = halos ? halo + 1.0 : r;
    const bool sprites = p.paintEngine() && p.paintEngine()->type() == QPaintEngine::Raster && outer < 48;
    const qreal dpr = p.device() ? p.device()->devicePixelRatioF() : 1.0;
    if (sprites) {
        const std::array<double, 4> key = {outer, r, dpr, halos ? 1.0 : 0.0};
        if (key != m_warningSpriteKey || m_warningSprite.isNull()) {
            const int px = static_cast<int>(std::ceil(2 * outer * dpr)) + 4;
            QImage sprite(px, px, QImage::Format_ARGB32_Premultiplied);
            sprite.fill(Qt::transparent);
            QPainter sp(&sprite);
            sp.setRenderHint(QPainter::Antialiasing);
            sp.scale(dpr, dpr);
            drawOne(sp, QPointF(px / dpr / 2.0, px / dpr / 2.0));
            sp.end();
            sprite.setDevicePixelRatio(dpr);
            m_warningSprite = sprite;
            m_warningSpriteKey = key;
        }
    }
    const double half = sprites ? m_warningSprite.width() / dpr / 2.0 : 0.0;
    for (const auto &c : m_layout->clusters()) {
        if (c.warnings == 0)
            continue;
        for (std::size_t k = 0; k < c.members.size(); ++k) {
            const auto &d = dots[c.firstDot + k];
            if (d.relation != HostRelation::HostNetWarning || !world.contains(d.x, d.y))
                continue;
            const QPointF s = o.toScreen(d.x, d.y);
            if (sprites)
                p.drawImage(QPointF(s.x() - half, s.y() - half), m_warningSprite);
            else
                drawOne(p, s);
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

void ClusterPainter::paintMarks(QPainter &p, const QRectF &world, const ClusterPaintOptions &o) const
{
    const double rd = std::max(ClusterLayout::kDotRadius * o.scale, 1.5);
    const auto &dots = m_layout->dots();
    p.setBrush(Qt::NoBrush);
    for (const auto &d : dots) {
        const auto mark = processMark(d.proc);
        if (mark == ClusterMarks::Mark::None || !world.contains(d.x, d.y))
            continue;
        const QPointF s = o.toScreen(d.x, d.y);
        switch (mark) {
        case ClusterMarks::Mark::Gone:
            p.setPen(QPen(m_style.gone, 1.3));
            p.drawEllipse(s, rd, rd);
            break;
        case ClusterMarks::Mark::New:
            p.setPen(QPen(m_style.added, 1.2));
            p.drawEllipse(s, rd + 2.2, rd + 2.2);
            break;
        case ClusterMarks::Mark::Moved:
            p.setPen(QPen(m_style.moved, 2.2));
            p.drawEllipse(s, rd + 2.6, rd + 2.6);
            break;
        case ClusterMarks::Mark::None:
            break;
        }
    }
}

void ClusterPainter::paintChanges(QPainter &p, Placement &pl, const ClusterPaintOptions &o) const
{
    // The change list of a comparison, at the top of the column beside the picture (the key list
    // takes what is left under it): what the marks mean, item by item, readable from the back row.
    if (!m_marks || pl.listArea.isNull())
        return;
    const double ts = o.textScale;
    const QFont head = textFont(o, 12.5, true);
    const QFont item = textFont(o, 12);
    const QFontMetricsF hfm(head), ifm(item);
    const double pad = 10 * ts;
    const QRectF area = pl.listArea;
    const double rowH = std::ceil(ifm.height() + 3 * ts);
    const double headH = std::ceil(hfm.height() + 8 * ts);
    // At most 60% of the column, so that circles keyed there still find room under it.
    const int room = static_cast<int>((area.height() * 0.6 - headH - 2 * pad) / rowH);
    const int total = static_cast<int>(m_marks->changes.size());
    if (room < 1)
        return;
    const int shown = total <= room ? total : room - 1;
    const double h = headH + 2 * pad + rowH * (shown + (shown < total ? 1 : 0)) + (total == 0 ? rowH : 0);
    const QRectF box(area.left(), area.top(), area.width(), h);
    p.setPen(QPen(m_style.clusterStroke, 0.8));
    p.setBrush(m_style.labelBackground);
    p.drawRoundedRect(box, 8, 8);
    const double x = box.left() + 12 * ts, w = box.width() - 24 * ts;
    double y = box.top() + pad;
    p.setFont(head);
    p.setPen(m_style.text);
    const QString heading = total == 1 ? QStringLiteral("1 change") : QStringLiteral("%1 changes").arg(total);
    const QRectF headRect(x, y, w, headH - 8 * ts);
    p.drawText(headRect, Qt::AlignLeft | Qt::AlignVCenter, heading);
    record(o, PaintedItem::Kind::List, headRect, heading);
    y += headH;
    p.setFont(item);
    auto colourOf = [&](const QString &mark) {
        return mark == QLatin1String("new")     ? (m_style.dark ? m_style.added : m_style.added.darker(120))
               : mark == QLatin1String("gone")  ? m_style.mutedText
               : mark == QLatin1String("moved") ? (m_style.dark ? m_style.moved : m_style.moved.darker(125))
                                                : m_style.text;
    };
    if (total == 0) {
        const QString none = QStringLiteral("Nothing appeared, disappeared or moved");
        p.setPen(m_style.mutedText);
        const QRectF r(x, y, w, rowH);
        p.drawText(r, Qt::AlignLeft | Qt::AlignVCenter, ifm.elidedText(none, Qt::ElideRight, w));
        record(o, PaintedItem::Kind::List, r, none);
    }
    for (int k = 0; k < shown; ++k) {
        const QString mark = k < m_marks->changeMarks.size() ? m_marks->changeMarks[k] : QString();
        const QString text = ifm.elidedText(m_marks->changes[k], Qt::ElideRight, w);
        const QRectF r(x, y, std::min(w, ifm.horizontalAdvance(text) + 2), rowH);
        p.setPen(colourOf(mark));
        p.drawText(r, Qt::AlignLeft | Qt::AlignVCenter, text);
        record(o, PaintedItem::Kind::List, r, text, 0, false, {}, mark);
        y += rowH;
    }
    if (shown < total) {
        const QString more =
            QStringLiteral("… and %1 more (the change list has them all)").arg(total - shown);
        p.setPen(m_style.mutedText);
        const QRectF r(x, y, w, rowH);
        p.drawText(r, Qt::AlignLeft | Qt::AlignVCenter, ifm.elidedText(more, Qt::ElideRight, w));
        record(o, PaintedItem::Kind::List, r, more);
    }
    pl.taken.append(box.adjusted(-4, -4, 4, 4));
    QRectF rest = area;
    rest.setTop(box.bottom() + kMargin);
    pl.listArea = rest.height() >= 40 * ts ? rest : QRectF();
}

// ---- labels ---------------------------------------------------------------------------------
//
// Placement is greedy in priority order (flagged, host, sandboxes and containers, held namespaces),
// each label trying spots around its own circle, its last frame's spot first. A spot is free when
// it lies in the picture, touches no text placed before it and no other circle (flagged circles
// with their red ring). What finds no spot gets a number drawn on its circle and a row in the key
// list beside the legend, so a crowded picture still names everything and nothing overlaps.

namespace
{

/// Spots for a box of @p box around a circle at @p c of radius @p r, in order of preference:
/// below, above, right, left, the four diagonals, inside (last: it covers the circle's own dots).
std::array<QRectF, 9> spotsAround(QPointF c, double r, QSizeF box, double gap)
{
    const double w = box.width(), h = box.height(), d = r * 0.71 + gap;
    return {QRectF(c.x() - w / 2, c.y() + r + gap, w, h),
            QRectF(c.x() - w / 2, c.y() - r - gap - h, w, h),
            QRectF(c.x() + r + gap, c.y() - h / 2, w, h),
            QRectF(c.x() - r - gap - w, c.y() - h / 2, w, h),
            QRectF(c.x() + d, c.y() + d, w, h),
            QRectF(c.x() - d - w, c.y() + d, w, h),
            QRectF(c.x() + d, c.y() - d - h, w, h),
            QRectF(c.x() - d - w, c.y() - d - h, w, h),
            QRectF(c.x() - w / 2, c.y() + r * 0.5 - h / 2, w, h)};
}

} // namespace

void ClusterPainter::paintLabels(QPainter &p, const QSizeF &size, Placement &pl,
                                 const ClusterPaintOptions &o) const
{
    const auto &clusters = m_layout->clusters();
    const double ts = o.textScale;
    const QRectF frame(QPointF(0, 0), size);
    pl.circles.resize(clusters.size());
    for (std::size_t k = 0; k < clusters.size(); ++k) {
        const auto &c = clusters[k];
        const double r = c.r * o.scale;
        pl.circles[k] = {o.toScreen(c.x, c.y), r, r + (c.warnings > 0 ? 8 : 3)};
    }
    pl.buildGrid(pl.bounds);
    auto onScreen = [&](int i) {
        const QPointF c = pl.circles[i].c;
        return frame.contains(c) && c.y() > headerHeight(ts) && pl.circles[i].r > 0.5;
    };

    // The host badge first: it sits on the host circle's rim, so the host is obvious at a glance.
    bool hostBadge = false;
    for (std::size_t i = 0; i < clusters.size(); ++i) {
        const auto &c = clusters[i];
        if (!c.isHost || !onScreen(static_cast<int>(i)) || pl.circles[i].r < 14)
            continue;
        const QFont bf = textFont(o, 11, true);
        const QString text = QStringLiteral("HOST");
        const double bw = QFontMetricsF(bf).horizontalAdvance(text) + 16 * ts, bh = 20 * ts;
        const QPointF centre = pl.circles[i].c;
        const QRectF badge(centre.x() - bw / 2, centre.y() - pl.circles[i].r - bh / 2, bw, bh);
        if (!pl.free(badge, static_cast<int>(i)))
            continue; // the host's label still says "Host"
        p.setPen(Qt::NoPen);
        p.setBrush(m_style.hostBadge);
        p.drawRoundedRect(badge, bh / 2, bh / 2);
        p.setPen(m_style.hostBadgeText);
        p.setFont(bf);
        p.drawText(badge, Qt::AlignCenter, text);
        pl.taken.append(badge.adjusted(-2, -2, 2, 2));
        record(o, PaintedItem::Kind::Badge, badge, text, c.id.ino, false);
        hostBadge = true;
    }

    // Who gets a name, in order: flagged, the host, circles holding processes, held namespaces.
    std::vector<int> order;
    for (std::size_t i = 0; i < clusters.size(); ++i)
        if (onScreen(static_cast<int>(i)) && m_clusterMatches[i])
            order.push_back(static_cast<int>(i));
    auto rank = [&](int i) {
        const auto &c = clusters[i];
        return c.warnings > 0 ? 0 : c.isHost ? 1 : !c.members.empty() ? 2 : 3;
    };
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        if (rank(a) != rank(b))
            return rank(a) < rank(b);
        return clusters[a].r > clusters[b].r;
    });

    const QFont titleFont = textFont(o, 13, true);
    const QFont detailFont = textFont(o, 11);
    const QFont warnFont = textFont(o, 11, true);
    const QFontMetricsF tfm(titleFont), dfm(detailFont), wfm(warnFont);
    const Advances titleWidth(m_advances, titleFont), detailWidth(m_advances, detailFont),
        warnWidth(m_advances, warnFont);
    int attempts = 0;
    for (int i : order) {
        const auto &c = clusters[i];
        const auto &l = (*m_labels)[i];
        const auto &sc = pl.circles[i];
        const bool flagged = c.warnings > 0;
        QString warning;
        if (flagged)
            warning = c.warnings == static_cast<int>(c.members.size()) && !c.isHost
                          ? QStringLiteral("on the host network") // the whole circle: short
                          : QStringLiteral("%1 on the host network").arg(c.warnings);
        // Past kMaxLabels the picture is too crowded to read them: straight to the key list.
        QRectF chosen;
        QStringList lines;
        QString warnLine;
        int spot = -1;
        // The host's own label may also be its hostname (uts) or reference; the header already
        // counts the flagged processes, so only its full label repeats that.
        const bool hostNamedElsewhere = c.isHost && hostBadge && m_layout->type() != NsType::Uts;
        if (++attempts <= kMaxLabels) {
            // The full label, then title and command (the host: its hostname or reference), then
            // the title alone, each with the warning line, before giving up on the picture.
            struct Variant {
                QStringList lines;
                QString warn;
                QSizeF box;
            };
            std::vector<Variant> variants;
            for (int v = 0; v < 3; ++v) {
                Variant var{{l.title}, {}, {}};
                if (v == 0)
                    var.lines << l.detail;
                if (v < 2 && !l.command.isEmpty() && (sc.r > 16 || c.isHost))
                    var.lines << l.command;
                else if (v == 1)
                    var.lines.clear(); // nothing between the full label and the title alone
                var.warn = c.isHost && v > 0 ? QString() : warning;
                if (!var.lines.isEmpty()) {
                    double w = titleWidth(var.lines[0]);
                    for (int k = 1; k < var.lines.size(); ++k)
                        w = std::max(w, detailWidth(var.lines[k]));
                    if (!var.warn.isEmpty())
                        w = std::max(w, warnWidth(var.warn) + 20 * ts);
                    const double h = tfm.height() + (var.lines.size() - 1) * dfm.height() +
                                     (var.warn.isEmpty() ? 0 : dfm.height() + 2);
                    var.box = QSizeF(w + 14 * ts, h + 8 * ts);
                }
                variants.push_back(std::move(var));
            }
            // Spot k of variant v: the four sides in every variant before any diagonal, since a
            // short label right under its circle reads better than a long one off its corner.
            auto tryAt = [&](int v, int k) {
                const Variant &var = variants[static_cast<std::size_t>(v)];
                if (var.lines.isEmpty())
                    return false;
                const auto spots = spotsAround(sc.c, sc.r, var.box, (flagged ? 10 : 6) * ts);
                // Inside is for big circles only (it covers some of the circle's own dots).
                if (k == 8 && !(var.box.width() < 1.6 * sc.r && var.box.height() < 0.6 * sc.r))
                    return false;
                const QRectF &cand = spots[static_cast<std::size_t>(k)];
                // Clear of other circles by more than a hair, and nearer its own circle than any
                // other: a label must read as its own circle's, not a neighbour's.
                if (!pl.free(cand, i, false, 6 * ts))
                    return false;
                auto gap = [&](const Placement::Circle &o2) {
                    const double nx = std::clamp(o2.c.x(), cand.left(), cand.right()),
                                 ny = std::clamp(o2.c.y(), cand.top(), cand.bottom());
                    return std::hypot(nx - o2.c.x(), ny - o2.c.y()) - o2.r;
                };
                // A circle nearer than the own one has its rim within `own` of the spot; spots
                // sit 6-10 px off their circle, well inside the grid's reach.
                const double own = gap(sc);
                bool nearer = own > Placement::kReach;
                pl.nearCircles(cand, [&](int k2) {
                    nearer = nearer || (k2 != i && pl.circles[static_cast<std::size_t>(k2)].r > 0.5 &&
                                        gap(pl.circles[static_cast<std::size_t>(k2)]) <= own);
                });
                if (nearer)
                    return false;
                chosen = cand;
                lines = var.lines;
                warnLine = var.warn;
                spot = v * 10 + k;
                return true;
            };
            auto last = m_lastSpot.find(c.id);
            if (last == m_lastSpot.end() || !tryAt(last->second / 10, last->second % 10)) {
                bool done = false;
                for (int phase = 0; phase < 2 && !done; ++phase)
                    for (int v = 0; v < 3 && !done; ++v)
                        for (int k = phase == 0 ? 0 : 4; k < (phase == 0 ? 4 : 9) && !done; ++k)
                            done = tryAt(v, k);
            }
        }
        if (chosen.isNull()) {
            m_lastSpot.erase(c.id);
            if (hostNamedElsewhere)
                continue; // the HOST badge names it
            const bool required = c.isHost || !c.members.empty() || flagged;
            QString text = l.title;
            if (c.isHost && !l.command.isEmpty())
                text += QStringLiteral(" · ") + l.command;
            pl.keyed.push_back({i, text, c.id.ino, flagged, required, std::nullopt});
            continue;
        }
        m_lastSpot[c.id] = spot;
        pl.taken.append(chosen.adjusted(-3, -2, 3, 2));
        const auto mark = nsMark(c.id);
        p.setPen(QPen(flagged                            ? m_style.warning
                      : mark == ClusterMarks::Mark::New  ? m_style.added
                      : mark == ClusterMarks::Mark::Gone ? m_style.gone
                      : c.isHost                         ? m_style.hostStroke
                                                         : m_style.clusterStroke,
                      flagged || mark != ClusterMarks::Mark::None ? 1.6 : 0.8,
                      mark == ClusterMarks::Mark::Gone ? Qt::DashLine : Qt::SolidLine));
        p.setBrush(m_style.labelBackground);
        p.drawRoundedRect(chosen, 5, 5);
        double y = chosen.top() + 4 * ts;
        p.setFont(titleFont);
        p.setPen(c.isHost
                     ? m_style.text
                     : (c.members.empty() || !c.id.valid() || mark == ClusterMarks::Mark::Gone
                            ? m_style.mutedText
                            : (m_style.dark ? clusterHue(c.id).lighter(125) : clusterHue(c.id).darker(140))));
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
        if (!warnLine.isEmpty()) {
            y += 2;
            const double tw = wfm.horizontalAdvance(warnLine) + 18 * ts;
            const double x0 = chosen.center().x() - tw / 2;
            drawWarningTriangle(p, QPointF(x0 + 6 * ts, y + dfm.height() / 2), 12 * ts, m_style.warning,
                                Qt::white);
            p.setFont(warnFont);
            p.setPen(m_style.warningText);
            p.drawText(QRectF(x0 + 16 * ts, y, tw, dfm.height()), Qt::AlignLeft | Qt::AlignVCenter, warnLine);
        }
        record(o, PaintedItem::Kind::Label, chosen,
               (warnLine.isEmpty() ? lines : lines + QStringList{warnLine}).join(QLatin1Char('\n')), c.id.ino,
               flagged, {}, QString::fromLatin1(ClusterMarks::markName(nsMark(c.id))));
    }

    paintCallouts(p, pl, o);
    paintKeys(p, size, pl, o);
}

void ClusterPainter::paintCallouts(QPainter &p, Placement &pl, const ClusterPaintOptions &o) const
{
    // Callouts name the flagged containers next to their cluster: the one thing a slide about
    // host-network sharing has to show, readable without hovering.
    if (m_warningGroups.empty())
        return;
    const double ts = o.textScale;
    const QFont tf = textFont(o, 12, true);
    const QFont df = textFont(o, 11);
    const QFontMetricsF tfm(tf), dfm(df);
    const Advances titleWidth(m_advances, tf), detailWidth(m_advances, df);
    const auto &dots = m_layout->dots();
    for (const auto &g : m_warningGroups) {
        const auto &c = m_layout->clusters()[g.cluster];
        if (g.dots.size() == c.members.size())
            continue; // the whole cluster is this container: its own label (or key) names it
        if (!m_clusterMatches[g.cluster])
            continue;
        QPointF anchor;
        for (int di : g.dots)
            anchor += o.toScreen(dots[di].x, dots[di].y);
        anchor /= static_cast<double>(g.dots.size());
        if (!pl.bounds.contains(anchor))
            continue;
        const QPointF centre = pl.circles[g.cluster].c;
        const double r = pl.circles[g.cluster].r;
        const double w = std::max(titleWidth(g.label) + 22 * ts, detailWidth(g.detail)) + 16 * ts;
        const double h = tfm.height() + dfm.height() + 8 * ts;
        QRectF box;
        QLineF line;
        const double angles[] = {0, 180, 20, 160, -20, 200, 40, 140, -40, 220, 60, 120, -60, 240, 90, 270};
        // A spot where the leader crosses no other leader and no other text first; then one where
        // it only crosses text; a leader never crosses another (else the key list names it).
        for (int pass = 0; pass < 2 && box.isNull(); ++pass) {
            for (double deg : angles) {
                const double a = deg * M_PI / 180;
                const QPointF at = centre + QPointF(std::cos(a), std::sin(a)) * (r + 26);
                const bool toRight = std::cos(a) >= -1e-9;
                QRectF cand(toRight ? at.x() : at.x() - w, at.y() - h / 2, w, h);
                if (deg == 90 || deg == 270)
                    cand.moveLeft(at.x() - w / 2);
                if (deg == 270 || deg == 240 || deg == -60 || deg == -40 || deg == 220)
                    cand.moveBottom(at.y());
                if (!pl.free(cand, -1, true))
                    continue;
                const QLineF l(anchor, QPointF(toRight ? cand.left() : cand.right(), cand.center().y()));
                if (pl.crossesLeader(l) || (pass == 0 && pl.crossesText(l)))
                    continue;
                // Nor may an earlier leader run through this box.
                if (std::any_of(pl.leaders.begin(), pl.leaders.end(),
                                [&](const QLineF &o) { return segmentHitsRect(o, cand); }))
                    continue;
                box = cand;
                line = l;
                break;
            }
        }
        if (box.isNull()) {
            // No room next to the cluster: numbered on one of its processes (the red dot itself,
            // so no other process is covered) and named in the key list.
            pl.keyed.push_back({g.cluster, g.label, c.id.ino, true, true,
                                o.toScreen(dots[g.dots.front()].x, dots[g.dots.front()].y)});
            continue;
        }
        pl.taken.append(box.adjusted(-3, -3, 3, 3));
        pl.leaders.push_back(line);
        const QPointF boxEdge = line.p2();
        p.setPen(QPen(m_style.warning, 1.6));
        p.setBrush(Qt::NoBrush);
        QPainterPath leader(anchor);
        leader.lineTo(boxEdge);
        p.drawPath(leader);
        p.setBrush(m_style.labelBackground);
        p.drawRoundedRect(box, 5, 5);
        drawWarningTriangle(p, QPointF(box.left() + 15 * ts, box.top() + 4 * ts + tfm.height() / 2), 13 * ts,
                            m_style.warning, Qt::white);
        p.setFont(tf);
        p.setPen(m_style.warningText);
        p.drawText(QRectF(box.left() + 26 * ts, box.top() + 4 * ts, w - 30 * ts, tfm.height()),
                   Qt::AlignLeft | Qt::AlignVCenter, g.label);
        p.setFont(df);
        p.setPen(m_style.text);
        p.drawText(QRectF(box.left() + 8 * ts, box.top() + 4 * ts + tfm.height(), w - 12 * ts, dfm.height()),
                   Qt::AlignLeft | Qt::AlignVCenter, g.detail);
        record(o, PaintedItem::Kind::Callout, box, g.label + QLatin1Char('\n') + g.detail, c.id.ino, true,
               line);
    }
}

void ClusterPainter::paintKeys(QPainter &p, const QSizeF &, Placement &pl, const ClusterPaintOptions &o) const
{
    if (pl.keyed.empty())
        return;
    const double ts = o.textScale;
    // Flagged first, then what holds processes, then held namespaces; by cluster inside each, so
    // the numbers do not shuffle between frames.
    std::stable_sort(pl.keyed.begin(), pl.keyed.end(), [](const auto &a, const auto &b) {
        const int ra = a.flagged ? 0 : a.required ? 1 : 2, rb = b.flagged ? 0 : b.required ? 1 : 2;
        if (ra != rb)
            return ra < rb;
        return a.cluster < b.cluster;
    });
    const QRectF listArea = pl.listArea;
    if (listArea.isNull())
        return; // a thumbnail: no room to list, and numbers alone would name nothing
    const QFont head = textFont(o, 12.5, true);
    const QFont item = textFont(o, 12);
    const QFont keyFont = textFont(o, 10.5, true);
    const QFontMetricsF hfm(head), ifm(item), kfm(keyFont);
    const double pad = 10 * ts;
    const double headH = std::ceil(hfm.height() + 8 * ts);
    const double x = listArea.left() + 12 * ts, textW = listArea.width() - 24 * ts;
    const int total = static_cast<int>(pl.keyed.size());
    const double keyW = std::max(16 * ts, kfm.horizontalAdvance(QString::number(total)) + 8 * ts);
    const double tx = x + keyW + 6 * ts, rowTextW = x + textW - tx;
    // Rows wrap rather than elide: a name cut in the middle is no name. As many as fit, and a
    // last row saying how many more there are when not all do.
    struct Row {
        QString text;
        QRectF textRect; ///< relative to the row's top
        double h = 0;
    };
    std::vector<Row> rows;
    const double maxH = listArea.height() - headH - 2 * pad;
    const double moreH = std::ceil(ifm.height() + 5 * ts);
    double used = 0;
    for (int k = 0; k < total; ++k) {
        const QString text = pl.keyed[static_cast<std::size_t>(k)].text;
        const QRectF br =
            ifm.boundingRect(QRectF(0, 0, rowTextW, 1e4), Qt::TextWordWrap | Qt::AlignLeft, text);
        const double h = std::ceil(std::max(br.height(), 16 * ts) + 5 * ts);
        const bool last = k == total - 1;
        if (used + h + (last ? 0 : moreH) > maxH && !(last && used + h <= maxH))
            break;
        rows.push_back({text, br, h});
        used += h;
    }
    const int listed = static_cast<int>(rows.size());
    if (listed == 0 && maxH < moreH)
        return;

    // Numbers on the circles (or on a flagged group's process).
    for (int k = 0; k < listed; ++k) {
        const auto &e = pl.keyed[static_cast<std::size_t>(k)];
        const QString n = QString::number(k + 1);
        const double d = 18 * ts;
        const double bw = std::max(d, kfm.horizontalAdvance(n) + 8 * ts);
        const auto &sc = pl.circles[static_cast<std::size_t>(e.cluster)];
        QRectF badge;
        bool leader = false;
        if (e.anchor) {
            // Where paintWarnings() put the group's warning triangle: the number replaces it.
            const double rd = ClusterLayout::kDotRadius * o.scale;
            const double halo = std::max(rd * 1.7, 6.5), tri = std::clamp(rd * 3.0, 11.0, 20.0);
            QRectF cand(0, 0, bw, d);
            cand.moveCenter(*e.anchor + (rd >= 2.2 ? QPointF(halo * 0.95, -halo * 0.95)
                                                   : QPointF(tri * 0.6, -tri * 0.6)));
            if (pl.free(cand, e.cluster) &&
                std::none_of(pl.leaders.begin(), pl.leaders.end(),
                             [&](const QLineF &l) { return segmentHitsRect(l, cand); }))
                badge = cand;
        }
        const QPointF at = e.anchor ? *e.anchor : sc.c;
        // From the number's centre to the process, or to the rim of the circle (not into it).
        const auto leaderOf = [&](const QRectF &b) {
            const QPointF from = b.center();
            QPointF to = at;
            if (!e.anchor)
                to = sc.c + (from - sc.c) * (sc.r / std::max(1e-6, QLineF(sc.c, from).length()));
            return QLineF(from, to);
        };
        const double angles[] = {-45, -135, 45, 135, -90, 90, 0, 180, -22, -158, 22, 158, -68, -112, 68, 112};
        // Rings further and further out (a crowded spot has many numbers), with a leader line
        // back to the circle or process once the number is not beside it any more.
        for (int ring = 0; ring < 8 && badge.isNull(); ++ring) {
            const double dist = (e.anchor ? 12 * ts + d / 2 : sc.r + d / 2 + 3) + ring * (d + 4);
            for (double deg : angles) {
                const double a = deg * M_PI / 180;
                QRectF cand(0, 0, bw, d);
                cand.moveCenter(at + QPointF(std::cos(a), std::sin(a)) * dist);
                if (!pl.free(cand, e.cluster))
                    continue;
                // A number moved off its circle gets a leader, which may cross no other leader.
                if (ring > 0 && (pl.crossesLeader(leaderOf(cand)) ||
                                 std::any_of(pl.leaders.begin(), pl.leaders.end(),
                                             [&](const QLineF &l) { return segmentHitsRect(l, cand); })))
                    continue;
                badge = cand;
                leader = ring > 0;
                break;
            }
        }
        if (badge.isNull()) {
            // On its own circle (or its process), where it covers nothing but its own dots; on a
            // circle smaller than the number this may touch a neighbour's text, which the layout
            // record then shows.
            badge = QRectF(0, 0, bw, d);
            badge.moveCenter(at);
        }
        QLineF line;
        if (leader) {
            line = leaderOf(badge);
            pl.leaders.push_back(line);
            p.setPen(QPen(e.flagged ? m_style.warning : m_style.hostBadge, 1.2));
            p.drawLine(line);
        }
        pl.taken.append(badge.adjusted(-2, -2, 2, 2));
        p.setPen(QPen(m_style.labelBackground, 1.5));
        p.setBrush(e.flagged ? m_style.warning : m_style.hostBadge);
        p.drawRoundedRect(badge, d / 2, d / 2);
        p.setFont(keyFont);
        p.setPen(e.flagged ? QColor(Qt::white) : m_style.hostBadgeText);
        p.drawText(badge, Qt::AlignCenter, n);
        record(o, PaintedItem::Kind::Badge, badge, n, e.ns, e.flagged, line);
    }

    // The list itself, beside the legend.
    const double panelH = headH + used + (listed < total ? moreH : 0) + 2 * pad;
    const QRectF panel(listArea.left(), listArea.top(), listArea.width(),
                       std::min(panelH, listArea.height()));
    p.setPen(QPen(m_style.clusterStroke, 0.8));
    p.setBrush(m_style.labelBackground);
    p.drawRoundedRect(panel, 8, 8);
    double y = panel.top() + pad;
    const QString title = QStringLiteral("Numbered circles");
    p.setFont(head);
    p.setPen(m_style.text);
    const QRectF headRect(x, y, std::min(textW, hfm.horizontalAdvance(title) + 2), hfm.height());
    p.drawText(headRect, Qt::AlignLeft | Qt::AlignVCenter, title);
    record(o, PaintedItem::Kind::List, headRect, title);
    y += headH;
    for (int k = 0; k < listed; ++k) {
        const auto &e = pl.keyed[static_cast<std::size_t>(k)];
        const Row &row = rows[static_cast<std::size_t>(k)];
        const QString n = QString::number(k + 1);
        const double d = 16 * ts;
        const QRectF key(x, y + 2.5 * ts + (std::min(row.h, ifm.height() + 5 * ts) - 5 * ts - d) / 2, keyW,
                         d);
        p.setPen(Qt::NoPen);
        p.setBrush(e.flagged ? m_style.warning : m_style.hostBadge);
        p.drawRoundedRect(key, d / 2, d / 2);
        p.setFont(keyFont);
        p.setPen(e.flagged ? QColor(Qt::white) : m_style.hostBadgeText);
        p.drawText(key, Qt::AlignCenter, n);
        p.setFont(item);
        p.setPen(e.flagged ? m_style.warningText : m_style.text);
        const QRectF textRect(tx, y + 2.5 * ts, rowTextW, row.textRect.height());
        p.drawText(textRect, Qt::TextWordWrap | Qt::AlignLeft | Qt::AlignTop, row.text);
        record(o, PaintedItem::Kind::List, QRectF(x, y, tx - x + row.textRect.width() + 1, row.h - 1),
               n + QLatin1Char(' ') + row.text, e.ns, e.flagged);
        y += row.h;
    }
    if (listed < total) {
        const QString more = QStringLiteral("… and %1 more (see the Table view)").arg(total - listed);
        p.setFont(item);
        p.setPen(m_style.mutedText);
        const QString shown = ifm.elidedText(more, Qt::ElideRight, textW);
        const QRectF row(x, y, ifm.horizontalAdvance(shown) + 2, moreH - 1);
        p.drawText(QRectF(x, y, textW, moreH - 1), Qt::AlignLeft | Qt::AlignVCenter, shown);
        record(o, PaintedItem::Kind::List, row, shown);
    }
}

void ClusterPainter::paintHeader(QPainter &p, const QSizeF &size, Placement &pl,
                                 const ClusterPaintOptions &o) const
{
    const Snapshot &s = *m_snapshot;
    const double ts = o.textScale;
    const QString typeName = QString::fromLatin1(nsTypeName(m_layout->type()));
    int nsCount = 0;
    for (const auto &c : m_layout->clusters())
        nsCount += c.id.valid();
    const QLocale loc;
    p.setPen(Qt::NoPen);
    QColor band = m_style.background;
    band.setAlpha(230);
    p.setBrush(band);
    p.drawRect(QRectF(0, 0, size.width(), headerHeight(ts) - 10 * ts));

    const QFont titleFont = textFont(o, 19, true);
    p.setFont(titleFont);
    p.setPen(m_style.text);
    const QFontMetricsF tfm(titleFont);
    const QString title = m_marks && !m_marks->title.isEmpty()
                              ? m_marks->title
                              : QStringLiteral("Processes by %1 namespace").arg(typeName);
    const double w = size.width() - 2 * kMargin;
    const QString shownTitle = tfm.elidedText(title, Qt::ElideRight, w);
    const QRectF titleRect(kMargin, 10 * ts, std::min(w, tfm.horizontalAdvance(shownTitle) + 2), 26 * ts);
    p.drawText(titleRect, Qt::AlignLeft | Qt::AlignVCenter, shownTitle);
    record(o, PaintedItem::Kind::Title, titleRect, shownTitle);
    pl.taken.append(titleRect);

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
    if (m_marks && !m_marks->subtitle.isEmpty()) // the scene mixes A and B: its counts say nothing
        meta = QStringList{m_marks->subtitle, QStringLiteral("grouped by %1").arg(typeName)};
    if (o.redacted)
        meta.prepend(QStringLiteral("redacted")); // first, so eliding never hides it
    const QFont metaFont = textFont(o, 12.5);
    p.setFont(metaFont);
    p.setPen(m_style.mutedText);
    const QFontMetricsF mfm(metaFont);
    const QString metaText = mfm.elidedText(meta.join(QStringLiteral("  ·  ")), Qt::ElideRight, w);
    const QRectF metaRect(kMargin, 36 * ts, std::min(w, mfm.horizontalAdvance(metaText) + 2), 20 * ts);
    p.drawText(metaRect, Qt::AlignLeft | Qt::AlignVCenter, metaText);
    record(o, PaintedItem::Kind::Subtitle, metaRect, metaText);
    pl.taken.append(metaRect);

    if (m_warningCount == 0)
        return;
    // Grouped by another type the flagged processes are still marked; say why.
    const QString warn =
        m_layout->type() == NsType::Net
            ? QStringLiteral("%1 isolated process%2 share%3 the host network namespace")
                  .arg(m_warningCount)
                  .arg(m_warningCount == 1 ? QString() : QStringLiteral("es"))
                  .arg(m_warningCount == 1 ? QStringLiteral("s") : QString())
            : QStringLiteral("%1 flagged: host network, isolated otherwise").arg(m_warningCount);
    const QFont wf = textFont(o, 13, true);
    const double tw = QFontMetricsF(wf).horizontalAdvance(warn) + 2;
    const double x = size.width() - kMargin - tw;
    const QRectF warnRect(x - 24 * ts, 10 * ts, tw + 24 * ts, 26 * ts); // the triangle included
    if (warnRect.left() < titleRect.right() + 24 * ts)
        return; // no room beside the title: the red rings and callouts still say it
    drawWarningTriangle(p, QPointF(x - 13 * ts, 23 * ts), 16 * ts, m_style.warning, Qt::white);
    p.setFont(wf);
    p.setPen(m_style.warningText);
    p.drawText(QRectF(x, 10 * ts, tw, 26 * ts), Qt::AlignLeft | Qt::AlignVCenter, warn);
    record(o, PaintedItem::Kind::Subtitle, warnRect, warn, 0, true);
    pl.taken.append(warnRect);
}

ClusterPainter::CircleStyle ClusterPainter::circleStyle(const ClusterLayout::Cluster &c) const
{
    CircleStyle st;
    if (c.exited) {
        // Zombies: no namespace left. Grey and dotted like the unreadable ones, but filled, so the
        // two never read alike, and never dashed (dashed is "held by a bind mount or fd").
        st.fill = m_style.invisible;
        st.fill.setAlphaF(0.18f);
        st.stroke = m_style.invisible;
        st.width = 2.0;
        st.pen = Qt::DotLine;
    } else if (!c.id.valid()) {
        st.fill = Qt::transparent;
        st.stroke = m_style.invisible;
        st.pen = Qt::DotLine;
    } else if (c.isHost) {
        st.fill = m_style.hostFill;
        st.stroke = m_style.hostStroke;
        st.width = 2.4;
    } else if (c.members.empty()) {
        st.fill = Qt::transparent;
        st.stroke = m_style.clusterStroke;
        st.pen = Qt::DashLine;
    } else {
        const QColor hue = clusterHue(c.id);
        st.fill = m_style.fillFor(hue);
        st.stroke = m_style.dark ? hue : hue.darker(115);
    }
    return st;
}

QStringList ClusterPainter::legendRows() const
{
    QStringList rows = {QStringLiteral("Same namespaces as the host"),
                        QStringLiteral("Partly isolated (its circle's colour)"),
                        QStringLiteral("Host network, isolated otherwise"),
                        QStringLiteral("Held by a bind mount or fd, no process")};
    bool exited = false, unreadable = false;
    if (m_layout)
        for (const auto &c : m_layout->clusters()) {
            exited = exited || (c.exited && !c.members.empty());
            unreadable = unreadable || (!c.exited && !c.id.valid() && !c.members.empty());
        }
    if (exited)
        rows << QStringLiteral("Exited processes (zombies), no namespace");
    if (unreadable)
        rows << QStringLiteral("Namespace not readable");
    rows << QStringLiteral("The host's namespace (") +
                (m_snapshot && m_snapshot->host.referencePid > 0
                     ? ClusterLabeler::referenceText(*m_snapshot).section(QLatin1Char(' '), 0, 1)
                     : QStringLiteral("reference unknown")) +
                QLatin1Char(')');
    return rows;
}

void ClusterPainter::paintLegend(QPainter &p, const QSizeF &size, const ClusterPaintOptions &o) const
{
    const double ts = o.textScale;
    const QString typeName = QString::fromLatin1(nsTypeName(m_layout->type()));
    const QRectF box = legendRect(size, ts);
    p.setPen(QPen(m_style.clusterStroke, 0.8));
    p.setBrush(m_style.labelBackground);
    p.drawRoundedRect(box, 8, 8);

    const QFont head = textFont(o, 12.5, true);
    const QFont item = textFont(o, 12);
    const QFontMetricsF hfm(head), ifm(item);
    const double x = box.left() + 14 * ts;
    double y = box.top() + 10 * ts;
    p.setFont(head);
    p.setPen(m_style.text);
    const QString heading = QStringLiteral("Circle: a %1 namespace · dot: a process").arg(typeName);
    p.drawText(QRectF(x, y, box.width() - 28 * ts, 18 * ts), Qt::AlignLeft | Qt::AlignVCenter,
               hfm.elidedText(heading, Qt::ElideRight, box.width() - 28 * ts));
    record(o, PaintedItem::Kind::Legend, box, heading);
    y += 26 * ts;
    const QStringList texts = legendRows();
    // Up to seven rows share the box (its height, and so the key list's room beside it, stays as it
    // was for five): they close up a little when the optional ones are there.
    const double rowH = std::min(23.0, (kLegendHeight - 40) / texts.size()) * ts;
    auto row = [&](auto drawSymbol, const QString &text) {
        const QPointF sym(x + 9 * ts, y + rowH / 2 - 2 * ts);
        p.save();
        p.translate(sym);
        p.scale(ts, ts);
        drawSymbol(QPointF(0, 0));
        p.restore();
        p.setFont(item);
        p.setPen(m_style.text);
        const double tw = box.width() - 44 * ts;
        p.drawText(QRectF(x + 26 * ts, y - 2 * ts, tw, rowH), Qt::AlignLeft | Qt::AlignVCenter,
                   ifm.elidedText(text, Qt::ElideRight, tw));
        y += rowH;
    };
    if (m_marks) {
        // A comparison: the legend explains its marks (the host badge and fills are as usual).
        row(
            [&](QPointF c) {
                p.setPen(Qt::NoPen);
                for (int k = 0; k < 3; ++k) {
                    p.setBrush(k == 0 ? m_style.hostDot : m_style.hues[k]);
                    p.drawEllipse(c + QPointF(-6 + 6 * k, k == 1 ? -3 : 2), 3.4, 3.4);
                }
            },
            QStringLiteral("Unchanged between A and B"));
        row(
            [&](QPointF c) {
                p.setPen(QPen(m_style.added, 2.4));
                p.setBrush(Qt::NoBrush);
                p.drawEllipse(c, 8, 8);
                p.setPen(Qt::NoPen);
                p.setBrush(m_style.added);
                p.drawEllipse(c, 3.4, 3.4);
            },
            QStringLiteral("+ New in B (dot, or circle edged green)"));
        row(
            [&](QPointF c) {
                p.setPen(QPen(m_style.gone, 1.5, Qt::DashLine));
                p.setBrush(Qt::NoBrush);
                p.drawEllipse(c, 8, 8);
                p.setPen(QPen(m_style.gone, 1.2));
                p.drawEllipse(c, 3.4, 3.4);
            },
            QStringLiteral("\u2212 Gone since A (ghost outline)"));
        row(
            [&](QPointF c) {
                p.setPen(Qt::NoPen);
                p.setBrush(m_style.hues[0]);
                p.drawEllipse(c, 3.4, 3.4);
                p.setPen(QPen(m_style.moved, 2.2));
                p.setBrush(Qt::NoBrush);
                p.drawEllipse(c, 6.2, 6.2);
            },
            QStringLiteral("Moved to another namespace"));
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
        return;
    }
    auto circle = [&](const ClusterLayout::Cluster &c) {
        return [&, st = circleStyle(c)](QPointF centre) {
            p.setPen(QPen(st.stroke, std::min(st.width, 1.5), st.pen));
            p.setBrush(st.fill);
            p.drawEllipse(centre, 7, 7);
        };
    };
    int i = 0;
    row(
        [&](QPointF c) {
            p.setPen(Qt::NoPen);
            p.setBrush(m_style.hostDot);
            p.drawEllipse(c, 4.5, 4.5);
        },
        texts[i++]);
    row(
        [&](QPointF c) {
            p.setPen(Qt::NoPen);
            for (int k = 0; k < 3; ++k) {
                p.setBrush(m_style.hues[k]);
                p.drawEllipse(c + QPointF(-6 + 6 * k, k == 1 ? -3 : 2), 3.4, 3.4);
            }
        },
        texts[i++]);
    row(
        [&](QPointF c) {
            p.setPen(QPen(m_style.warning, 1.5));
            p.setBrush(m_style.warningHalo);
            p.drawEllipse(c, 7, 7);
            p.setPen(Qt::NoPen);
            p.setBrush(m_style.warning);
            p.drawEllipse(c, 3.2, 3.2);
        },
        texts[i++]);
    ClusterLayout::Cluster held; // no members, a valid id: what circleStyle() draws dashed
    held.id = NsId{0, 1};
    row(circle(held), texts[i++]);
    if (texts[i].startsWith(QStringLiteral("Exited"))) {
        ClusterLayout::Cluster exited;
        exited.exited = true;
        exited.id = ClusterLayout::kExitedKey;
        row(circle(exited), texts[i++]);
    }
    if (texts[i].startsWith(QStringLiteral("Namespace not readable")))
        row(circle(ClusterLayout::Cluster{}), texts[i++]);
    row(
        [&](QPointF c) {
            p.setPen(Qt::NoPen);
            p.setBrush(m_style.hostBadge);
            p.drawRoundedRect(QRectF(c.x() - 10, c.y() - 6, 20, 12), 6, 6);
        },
        texts[i++]);
}

} // namespace nsviz
