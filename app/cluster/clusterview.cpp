// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/cluster/clusterview.h"

#include "core/model/containerid.h"
#include "app/models/redactor.h"
#include "app/models/snapshotstore.h"
#include "app/models/usernames.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QHelpEvent>
#include <QKeyEvent>
#include <QLocale>
#include <QPaintEngine>
#include <QPainter>
#include <QPainterPath>
#include <QTimer>
#include <QToolTip>
#include <QVariantAnimation>
#include <QWheelEvent>
#include <cmath>

namespace nsviz
{

namespace
{

constexpr double kHeaderHeight = 70;
constexpr double kMargin = 18;
constexpr double kLegendWidth = 350;
constexpr double kLegendHeight = 158;
constexpr double kMinScale = 0.01;
constexpr double kMaxScale = 40;
constexpr int kLayerMargin = 256; // logical px cached around the viewport for panning
constexpr int kMaxLabels = 160;   // beyond this many the picture is too crowded to read them anyway

QFont pixelFont(const QFont &base, double px, bool bold = false)
{
    QFont f = base;
    f.setPixelSize(std::max(1, static_cast<int>(std::lround(px))));
    f.setBold(bold);
    return f;
}

QString htmlEscape(const QString &s)
{
    return s.toHtmlEscaped();
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

} // namespace

ClusterView::ClusterView(SnapshotStore *store, QWidget *parent) : QWidget(parent), m_store(store)
{
    setObjectName(QStringLiteral("clusterView"));
    setAccessibleName(QStringLiteral("Cluster view"));
    setAccessibleDescription(QStringLiteral("Processes drawn as dots inside one circle per namespace"));
    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent);
    m_style = ClusterStyle::forPalette(palette());
    m_anim = new QVariantAnimation(this);
    m_anim->setDuration(260);
    m_anim->setEasingCurve(QEasingCurve::OutCubic);
    m_anim->setStartValue(0.0);
    m_anim->setEndValue(1.0);
    m_crispTimer = new QTimer(this);
    m_crispTimer->setSingleShot(true);
    m_crispTimer->setInterval(120);
    connect(m_crispTimer, &QTimer::timeout, this, &ClusterView::finishZoomGesture);
    connect(m_anim, &QVariantAnimation::valueChanged, this, [this](const QVariant &v) {
        m_crispTimer->start();
        const double t = v.toDouble();
        // Interpolate the zoom geometrically so the motion feels even at every scale.
        m_scale = m_animFromScale * std::pow(m_animToScale / m_animFromScale, t);
        m_offset = m_animFromOffset + (m_animToOffset - m_animFromOffset) * t;
        update();
    });
    if (m_store) {
        connect(m_store, &SnapshotStore::snapshotReset, this, &ClusterView::onReset);
        connect(m_store, &SnapshotStore::deltaApplied, this, &ClusterView::onDelta);
        if (!m_store->isEmpty())
            onReset();
    }
}

const Snapshot &ClusterView::displayedSnapshot() const
{
    static const Snapshot empty;
    if (m_redacted)
        return m_redactedSnapshot;
    return m_store ? m_store->snapshot() : empty;
}

void ClusterView::setDarkOverride(std::optional<bool> dark)
{
    m_darkOverride = dark;
    m_style =
        dark ? (*dark ? ClusterStyle::dark_() : ClusterStyle::light()) : ClusterStyle::forPalette(palette());
    recolour();
    update();
}

QColor ClusterView::clusterHue(const NsId &id) const
{
    auto it = m_hueIndex.find(id);
    if (it == m_hueIndex.end())
        return m_style.hue(id);
    return m_style.hues[static_cast<std::size_t>(it->second) % m_style.hues.size()];
}

void ClusterView::onReset()
{
    m_layout.clear();
    m_hueIndex.clear();
    m_nextHue = 0;
    m_userMoved = false;
    m_hoverDot = -1;
    rebuild();
    fitToView();
}

void ClusterView::onDelta()
{
    rebuild();
    if (!m_userMoved)
        fitToView();
}

void ClusterView::rebuild()
{
    QElapsedTimer timer;
    timer.start();
    if (m_store) {
        m_localUsers = UserNames::isLocalSnapshot(m_store->snapshot());
        if (m_redacted)
            m_redactedSnapshot = Redactor::redacted(m_store->snapshot());
        else
            m_redactedSnapshot = Snapshot();
    }
    const Snapshot &s = displayedSnapshot();
    m_layout.update(s);
    m_labels.clear();
    m_labels.reserve(m_layout.clusters().size());
    m_warningCount = 0;
    m_warningGroups.clear();
    for (std::size_t ci = 0; ci < m_layout.clusters().size(); ++ci) {
        const auto &c = m_layout.clusters()[ci];
        m_labels.push_back(ClusterLabeler::label(s, c, m_layout.type(), m_localUsers && !m_redacted));
        m_warningCount += c.warnings;
        if (!c.isHost && c.id.valid() && !m_hueIndex.count(c.id))
            m_hueIndex[c.id] = m_nextHue++;
    }
    // Callout groups: the flagged containers, split by the cluster their processes sit in.
    for (const auto &g : hostNetGroups(s)) {
        std::map<int, std::vector<int>> byCluster;
        for (int pi : g.procs) {
            const int di = m_layout.dotOfPid(s.processes[pi].pid);
            if (di >= 0)
                byCluster[m_layout.dots()[di].cluster].push_back(di);
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
    if (m_layout.dotOfPid(m_selectedPid) < 0 && m_selectedPid != 0)
        m_selectedPid = 0;
    if (m_hoverDot >= static_cast<int>(m_layout.dots().size()))
        m_hoverDot = -1;
    recolour();
    m_layoutMs = timer.nsecsElapsed() / 1e6;
    invalidateLayer();
    Q_EMIT layoutUpdated();
    update();
}

QColor ClusterView::dotColour(const ClusterLayout::Dot &d) const
{
    const auto &c = m_layout.clusters()[d.cluster];
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
    const Snapshot &s = displayedSnapshot();
    const Process &p = s.processes[d.proc];
    for (NsType t : kAllNsTypes)
        if (differsFromHost(s, p, t))
            return m_style.hue(p.ns[index(t)]);
    return m_style.hostDot;
}

void ClusterView::recolour()
{
    invalidateLayer();
    const Snapshot &s = displayedSnapshot();
    const auto &dots = m_layout.dots();
    m_dotColour.assign(dots.size(), 0);
    m_clusterMatches.assign(m_layout.clusters().size(), 1);
    const QString needle = m_filter.trimmed();
    const bool filtering = !needle.isEmpty();
    std::vector<std::uint8_t> clusterLabelMatch(m_layout.clusters().size(), 0);
    if (filtering) {
        for (std::size_t i = 0; i < m_layout.clusters().size(); ++i) {
            const auto &l = m_labels[i];
            clusterLabelMatch[i] = l.title.contains(needle, Qt::CaseInsensitive) ||
                                   l.detail.contains(needle, Qt::CaseInsensitive);
            m_clusterMatches[i] = clusterLabelMatch[i];
        }
    }
    for (std::size_t i = 0; i < dots.size(); ++i) {
        QColor c = dotColour(dots[i]);
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

void ClusterView::setGroupBy(NsType type)
{
    if (type == m_layout.type() && !m_layout.clusters().empty())
        return;
    m_layout.setType(type);
    m_selectedCluster = {};
    m_userMoved = false;
    rebuild();
    fitToView();
}

void ClusterView::setRedacted(bool on)
{
    if (on == m_redacted)
        return;
    m_redacted = on;
    rebuild();
}

void ClusterView::setFilterText(const QString &text)
{
    m_filter = text;
    recolour();
    update();
}

void ClusterView::compactLayout()
{
    m_layout.clear();
    rebuild();
    fitToView();
}

bool ClusterView::legendOnRight(const QSizeF &size) const
{
    return size.width() >= size.height() * 1.15 && size.width() > kLegendWidth * 2.4;
}

QRectF ClusterView::contentRect(const QSizeF &size) const
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

void ClusterView::fitTransform(const QSizeF &size, double &scale, QPointF &offset) const
{
    const auto b = m_layout.bounds();
    const QRectF area = contentRect(size);
    // Labels hang below the circles: leave room for them.
    const double labelRoom = 44;
    if (b.empty()) {
        scale = 1;
        offset = area.center();
        return;
    }
    const double w = b.x1 - b.x0, h = b.y1 - b.y0;
    scale = std::clamp(std::min(area.width() / w, (area.height() - labelRoom) / h), kMinScale, 4.0);
    const QPointF worldCentre((b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2);
    offset = QPointF(area.center().x(), area.center().y() - labelRoom / 2) - worldCentre * scale;
}

void ClusterView::fitToView()
{
    m_anim->stop();
    m_crispTimer->stop();
    invalidateLayer();
    fitTransform(size(), m_scale, m_offset);
    m_userMoved = false;
    update();
}

void ClusterView::animateTo(double scale, QPointF offset)
{
    m_anim->stop();
    m_animFromScale = m_scale;
    m_animFromOffset = m_offset;
    m_animToScale = scale;
    m_animToOffset = offset;
    m_anim->start();
}

void ClusterView::zoomAround(double factor, QPointF anchor)
{
    m_anim->stop();
    const double s = std::clamp(m_scale * factor, kMinScale, kMaxScale);
    const QPointF world = toWorld(anchor);
    m_scale = s;
    m_offset = anchor - world * s;
    m_userMoved = true;
    m_crispTimer->start(); // scale the cached picture now, repaint it sharp when the wheel rests
    update();
}

void ClusterView::zoomIn()
{
    zoomAround(1.25, rect().center());
}

void ClusterView::zoomOut()
{
    zoomAround(0.8, rect().center());
}

void ClusterView::finishZoomGesture()
{
    m_crispTimer->stop();
    invalidateLayer();
    update();
}

void ClusterView::panBy(QPointF delta)
{
    m_anim->stop();
    m_offset += delta;
    m_userMoved = true;
    update();
}

void ClusterView::zoomToCluster(int ci)
{
    if (ci < 0 || ci >= static_cast<int>(m_layout.clusters().size()))
        return;
    const auto &c = m_layout.clusters()[ci];
    const QRectF area = contentRect(size());
    const double s =
        std::clamp(std::min(area.width(), area.height() - 60) / (2.3 * c.r), kMinScale, kMaxScale);
    const QPointF to = QPointF(area.center().x(), area.center().y() - 20) - QPointF(c.x, c.y) * s;
    m_userMoved = true;
    animateTo(s, to);
}

void ClusterView::selectPid(int pid)
{
    const int d = m_layout.dotOfPid(pid);
    if (d < 0)
        return;
    m_selectedPid = pid;
    const auto &dot = m_layout.dots()[d];
    m_selectedCluster = m_layout.clusters()[dot.cluster].id;
    // Bring it into view when it is off screen; keep the zoom otherwise.
    const QPointF sp = toScreen(dot.x, dot.y);
    if (!rect().adjusted(20, 20, -20, -20).contains(sp.toPoint()))
        zoomToCluster(dot.cluster);
    invalidateLayer();
    Q_EMIT processSelected(pid);
    update();
}

int ClusterView::dotAtScreen(QPointF pos) const
{
    const QPointF w = toWorld(pos);
    const double reach = std::max(ClusterLayout::kDotRadius * 1.6, 5.0 / m_scale);
    return m_layout.dotAt(w.x(), w.y(), reach);
}

// ---- painting -------------------------------------------------------------------------------

void ClusterView::invalidateLayer()
{
    m_layerValid = false;
}

bool ClusterView::layerCovers() const
{
    if (!m_layerValid || m_layer.isNull() || m_layerScale <= 0)
        return false;
    const double k = m_scale / m_layerScale;
    if (std::abs(k - 1) > 1e-9)
        return m_crispTimer->isActive() || m_anim->state() == QAbstractAnimation::Running;
    const QPointF d = m_offset - m_layerOffset;
    return std::abs(d.x()) <= kLayerMargin && std::abs(d.y()) <= kLayerMargin;
}

void ClusterView::renderLayer()
{
    const qreal dpr = devicePixelRatioF();
    const QSize logical = size() + QSize(2 * kLayerMargin, 2 * kLayerMargin);
    if (m_layer.size() != logical * dpr || m_layer.devicePixelRatio() != dpr) {
        m_layer = QImage(logical * dpr, QImage::Format_ARGB32_Premultiplied);
        m_layer.setDevicePixelRatio(dpr);
    }
    QPainter p(&m_layer);
    p.translate(kLayerMargin, kLayerMargin);
    paintWorld(p, QRectF(-kLayerMargin, -kLayerMargin, logical.width(), logical.height()), size());
    p.end();
    m_layerScale = m_scale;
    m_layerOffset = m_offset;
    m_layerValid = true;
}

void ClusterView::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    paintFrame(p);
}

void ClusterView::paintFrame(QPainter &p)
{
    QElapsedTimer timer;
    timer.start();
    if (m_layout.clusters().empty()) {
        paintScene(p, size());
        m_paintMs = timer.nsecsElapsed() / 1e6;
        return;
    }
    if (!layerCovers())
        renderLayer();
    // screen_now = (layer_point - margin - layerOffset) * k + offset
    const double k = m_scale / m_layerScale;
    p.fillRect(rect(), m_style.background);
    p.save();
    p.translate(m_offset - (m_layerOffset + QPointF(kLayerMargin, kLayerMargin)) * k);
    p.scale(k, k);
    p.setRenderHint(QPainter::SmoothPixmapTransform, std::abs(k - 1) > 1e-9);
    p.drawImage(QPointF(0, 0), m_layer);
    p.restore();
    p.setRenderHint(QPainter::Antialiasing, true);
    paintRings(p);
    paintHeader(p, size());
    paintLegend(p, size());
    m_paintMs = timer.nsecsElapsed() / 1e6;
}

void ClusterView::paintScene(QPainter &p, const QSizeF &size)
{
    p.save();
    if (m_layout.clusters().empty()) {
        QLinearGradient bg(0, 0, 0, size.height());
        bg.setColorAt(0, m_style.background);
        bg.setColorAt(1, m_style.backgroundEdge);
        p.fillRect(QRectF(QPointF(0, 0), size), bg);
        paintEmpty(p, size);
        p.restore();
        return;
    }
    paintWorld(p, QRectF(QPointF(0, 0), size), size);
    p.setRenderHint(QPainter::Antialiasing, true);
    paintRings(p);
    paintHeader(p, size);
    paintLegend(p, size);
    p.restore();
}

void ClusterView::paintWorld(QPainter &p, const QRectF &area, const QSizeF &viewSize)
{
    QLinearGradient bg(0, 0, 0, viewSize.height());
    bg.setColorAt(0, m_style.background);
    bg.setColorAt(1, m_style.backgroundEdge);
    p.fillRect(area, bg);
    const QRectF world(toWorld(area.topLeft()), toWorld(area.bottomRight()));
    p.setRenderHint(QPainter::Antialiasing, true);
    paintClusters(p, world);
    paintDots(p, world);
    paintWarnings(p, world);
    paintLabels(p, area, viewSize);
}

void ClusterView::paintEmpty(QPainter &p, const QSizeF &size)
{
    p.setPen(m_style.mutedText);
    p.setFont(pixelFont(font(), 15));
    const bool haveStore = m_store && !m_store->isEmpty();
    p.drawText(QRectF(QPointF(0, 0), size), Qt::AlignCenter,
               haveStore ? QStringLiteral("No processes in this snapshot")
                         : QStringLiteral("Waiting for the first snapshot…"));
}

void ClusterView::paintClusters(QPainter &p, const QRectF &world)
{
    const auto &clusters = m_layout.clusters();
    const bool filtering = !m_filter.trimmed().isEmpty();
    for (std::size_t i = 0; i < clusters.size(); ++i) {
        const auto &c = clusters[i];
        if (c.x + c.r < world.left() || c.x - c.r > world.right() || c.y + c.r < world.top() ||
            c.y - c.r > world.bottom())
            continue;
        const QPointF centre = toScreen(c.x, c.y);
        const double r = c.r * m_scale;
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
        if (c.id == m_selectedCluster && c.id.valid()) {
            p.setPen(QPen(m_style.selection, 3));
            p.setBrush(Qt::NoBrush);
            p.drawEllipse(centre, r + 2.5, r + 2.5);
        }
    }
}

void ClusterView::paintDots(QPainter &p, const QRectF &world)
{
    const double rd = ClusterLayout::kDotRadius * m_scale;
    if (rd < 0.35)
        return; // too small to see: the cluster fills tell the story
    const auto &dots = m_layout.dots();
    const auto &clusters = m_layout.clusters();
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
            const QPointF s = toScreen(d.x, d.y);
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

void ClusterView::paintRings(QPainter &p)
{
    const auto &dots = m_layout.dots();
    const double rd = ClusterLayout::kDotRadius * m_scale;
    auto ring = [&](int di, const QColor &colour, double width) {
        if (di < 0 || di >= static_cast<int>(dots.size()))
            return;
        const QPointF s = toScreen(dots[di].x, dots[di].y);
        const double rr = std::max(rd + 3, 6.0);
        p.setPen(QPen(colour, width));
        p.setBrush(Qt::NoBrush);
        p.drawEllipse(s, rr, rr);
    };
    ring(m_hoverDot, m_style.text, 1.5);
    ring(m_layout.dotOfPid(m_selectedPid), m_style.selection, 2.5);
}

void ClusterView::paintWarnings(QPainter &p, const QRectF &world)
{
    if (m_warningCount == 0)
        return;
    const double rd = ClusterLayout::kDotRadius * m_scale;
    const auto &dots = m_layout.dots();
    // Zoomed out, halos around thousands of neighbouring dots melt into one red blob: then the
    // dots alone are red, and one triangle marks each flagged group.
    const bool halos = rd >= 2.2;
    const double halo = std::max(rd * 1.7, 6.5);
    const double tri = std::clamp(rd * 3.0, 11.0, 20.0);
    for (const auto &c : m_layout.clusters()) {
        if (c.warnings == 0)
            continue;
        for (std::size_t k = 0; k < c.members.size(); ++k) {
            const auto &d = dots[c.firstDot + k];
            if (d.relation != HostRelation::HostNetWarning || !world.contains(d.x, d.y))
                continue;
            const QPointF s = toScreen(d.x, d.y);
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
            const QPointF at = toScreen(d.x, d.y) +
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

void ClusterView::paintLabels(QPainter &p, const QRectF &area, const QSizeF &viewSize)
{
    const auto &clusters = m_layout.clusters();
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
    const QFont titleFont = pixelFont(font(), 13, true);
    const QFont detailFont = pixelFont(font(), 11);
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
    for (std::size_t o = 0; o < clusters.size(); ++o) {
        const QPointF oc = toScreen(clusters[o].x, clusters[o].y);
        const double orr = clusters[o].r * m_scale * 0.8;
        circles[o] = {oc, orr, QRectF(oc.x() - orr, oc.y() - orr, 2 * orr, 2 * orr)};
    }
    int attempts = 0;
    const bool filtering = !m_filter.trimmed().isEmpty();

    for (int i : order) {
        const auto &c = clusters[i];
        const auto &l = m_labels[i];
        const QPointF centre = toScreen(c.x, c.y);
        const double r = c.r * m_scale;
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
        const QFontMetricsF wfm(pixelFont(font(), 11, true));
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
            for (std::size_t o = 0; !clash && o < circles.size(); ++o) {
                if (static_cast<int>(o) == i || !circles[o].box.intersects(cand))
                    continue;
                const QPointF oc = circles[o].c;
                const double orr = circles[o].r;
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
            p.setFont(pixelFont(font(), 11, true));
            p.setPen(m_style.warningText);
            p.drawText(QRectF(x0 + 16, y, tw, dfm.height()), Qt::AlignLeft | Qt::AlignVCenter, warning);
        }
    }

    paintCallouts(p, contentRect(viewSize).adjusted(-kMargin / 2, 0, kMargin / 2, 0), taken);

    // The host badge sits on the host circle's rim, so the host is obvious even without its label.
    for (const auto &c : clusters) {
        if (!c.isHost)
            continue;
        const QPointF centre = toScreen(c.x, c.y);
        const double r = c.r * m_scale;
        if (r < 14)
            break;
        const QFont bf = pixelFont(font(), 11, true);
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

void ClusterView::paintCallouts(QPainter &p, const QRectF &area, QVector<QRectF> &taken)
{
    // Callouts name the flagged containers next to their cluster: the one thing a slide about
    // host-network sharing has to show, readable without hovering.
    if (m_warningGroups.empty())
        return;
    const QFont tf = pixelFont(font(), 12, true);
    const QFont df = pixelFont(font(), 11);
    const QFontMetricsF tfm(tf), dfm(df);
    const auto &dots = m_layout.dots();
    constexpr int kMaxCallouts = 6;
    int shown = 0, hidden = 0;
    for (const auto &g : m_warningGroups) {
        if (shown >= kMaxCallouts) {
            ++hidden;
            continue;
        }
        const auto &c = m_layout.clusters()[g.cluster];
        if (g.dots.size() == c.members.size())
            continue; // the whole cluster is this container: its own label already names it
        const QPointF centre = toScreen(c.x, c.y);
        const double r = c.r * m_scale;
        QPointF anchor;
        for (int di : g.dots)
            anchor += toScreen(dots[di].x, dots[di].y);
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
            for (const auto &o : m_layout.clusters()) {
                const QPointF oc = toScreen(o.x, o.y);
                const double orr = o.r * m_scale + 4;
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

void ClusterView::paintHeader(QPainter &p, const QSizeF &size)
{
    const Snapshot &s = displayedSnapshot();
    const QString typeName = QString::fromLatin1(nsTypeName(m_layout.type()));
    int nsCount = 0;
    for (const auto &c : m_layout.clusters())
        nsCount += c.id.valid();
    const QLocale loc;
    p.setPen(Qt::NoPen);
    QColor band = m_style.background;
    band.setAlpha(230);
    p.setBrush(band);
    p.drawRect(QRectF(0, 0, size.width(), kHeaderHeight - 10));

    p.setFont(pixelFont(font(), 19, true));
    p.setPen(m_style.text);
    const QString title = QStringLiteral("Processes by %1 namespace").arg(typeName);
    p.drawText(QRectF(kMargin, 10, size.width() - 2 * kMargin, 26), Qt::AlignLeft | Qt::AlignVCenter, title);

    QStringList meta;
    if (!s.host.hostname.empty())
        meta << QString::fromStdString(s.host.hostname);
    meta << QStringLiteral("%1 processes").arg(loc.toString(static_cast<qlonglong>(s.processes.size())));
    meta << QStringLiteral("%1 %2 namespaces").arg(loc.toString(nsCount), typeName);
    meta << QStringLiteral("host reference ") + ClusterLabeler::referenceText(s);
    if (s.host.scannedAtMs)
        meta << QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(s.host.scannedAtMs))
                    .toString(QStringLiteral("yyyy-MM-dd HH:mm"));
    if (m_redacted)
        meta << QStringLiteral("redacted");
    p.setFont(pixelFont(font(), 12.5));
    p.setPen(m_style.mutedText);
    const QFontMetricsF mfm(p.font());
    p.drawText(
        QRectF(kMargin, 36, size.width() - 2 * kMargin, 20), Qt::AlignLeft | Qt::AlignVCenter,
        mfm.elidedText(meta.join(QStringLiteral("  ·  ")), Qt::ElideRight, size.width() - 2 * kMargin));

    if (m_warningCount > 0 && m_layout.type() == NsType::Net) {
        const QString w = QStringLiteral("%1 isolated process%2 share%3 the host network namespace")
                              .arg(m_warningCount)
                              .arg(m_warningCount == 1 ? QString() : QStringLiteral("es"))
                              .arg(m_warningCount == 1 ? QStringLiteral("s") : QString());
        const QFont wf = pixelFont(font(), 13, true);
        const double tw = QFontMetricsF(wf).horizontalAdvance(w);
        const double x = size.width() - kMargin - tw;
        if (x > kMargin + QFontMetricsF(pixelFont(font(), 19, true)).horizontalAdvance(title) + 30) {
            drawWarningTriangle(p, QPointF(x - 13, 23), 16, m_style.warning, Qt::white);
            p.setFont(wf);
            p.setPen(m_style.warningText);
            p.drawText(QRectF(x, 10, tw + 2, 26), Qt::AlignLeft | Qt::AlignVCenter, w);
        }
    } else if (m_warningCount > 0) {
        // Grouped by another type the flagged processes are still marked; say why.
        const QString w = QStringLiteral("%1 flagged: host network, isolated otherwise").arg(m_warningCount);
        const QFont wf = pixelFont(font(), 13, true);
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

QRectF ClusterView::legendRect(const QSizeF &size) const
{
    if (legendOnRight(size))
        return QRectF(size.width() - kMargin - kLegendWidth, size.height() - kMargin - kLegendHeight,
                      kLegendWidth, kLegendHeight);
    return QRectF(kMargin, size.height() - kMargin - kLegendHeight,
                  std::min(kLegendWidth, size.width() - 2 * kMargin), kLegendHeight);
}

void ClusterView::paintLegend(QPainter &p, const QSizeF &size)
{
    const QString typeName = QString::fromLatin1(nsTypeName(m_layout.type()));
    const QRectF box = legendRect(size);
    p.setPen(QPen(m_style.clusterStroke, 0.8));
    p.setBrush(m_style.labelBackground);
    p.drawRoundedRect(box, 8, 8);

    const QFont head = pixelFont(font(), 12.5, true);
    const QFont item = pixelFont(font(), 12);
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
            ClusterLabeler::referenceText(displayedSnapshot()).section(QLatin1Char(' '), 0, 1) +
            QLatin1Char(')'));
}

// ---- interaction ----------------------------------------------------------------------------

QString ClusterView::toolTipForProcess(int procIndex) const
{
    const Snapshot &s = displayedSnapshot();
    if (procIndex < 0 || procIndex >= static_cast<int>(s.processes.size()))
        return {};
    const Process &p = s.processes[procIndex];
    QStringList args;
    for (const auto &a : p.cmdline)
        args << QString::fromStdString(a);
    QString cmd = args.join(QLatin1Char(' '));
    if (cmd.size() > 160)
        cmd = cmd.left(159) + QChar(0x2026);
    QString html =
        QStringLiteral("<b>%1</b> &nbsp;pid %2").arg(htmlEscape(QString::fromStdString(p.comm))).arg(p.pid);
    if (p.nspid.size() > 1) {
        QStringList chain;
        for (int n : p.nspid)
            chain << QString::number(n);
        html += QStringLiteral(" (%1)").arg(chain.join(QLatin1Char('/')));
    }
    if (!cmd.isEmpty())
        html += QStringLiteral("<br><code>%1</code>").arg(htmlEscape(cmd));
    html += QStringLiteral("<br>%1").arg(htmlEscape(UserNames::describe(p.uid, m_localUsers && !m_redacted)));
    if (!p.cgroup.empty())
        html +=
            QStringLiteral("<br>cgroup <code>%1</code>").arg(htmlEscape(QString::fromStdString(p.cgroup)));
    const HostRelation rel = hostRelation(s, p);
    if (rel == HostRelation::HostNetWarning)
        html += QStringLiteral(
                    "<br><b><font color=\"%1\">&#9888; shares the host network namespace while isolated "
                    "in %2</font></b>")
                    .arg(m_style.warningText.name(), differsFromHost(s, p, NsType::Pid)
                                                         ? QStringLiteral("pid and mnt")
                                                         : QStringLiteral("mnt"));
    html += QStringLiteral("<table cellspacing=0 cellpadding=1>");
    for (NsType t : kAllNsTypes) {
        const NsId &id = p.ns[index(t)];
        QString mark;
        if (!id.valid()) {
            mark = QStringLiteral("<i>not readable</i>");
        } else if (id == s.hostNs[index(t)]) {
            mark = QStringLiteral("= host");
        } else {
            const Namespace *ns = s.findNamespace(id);
            const std::size_t others = ns && !ns->pids.empty() ? ns->pids.size() - 1 : 0;
            mark = QStringLiteral("<b>own</b>");
            if (others > 0)
                mark += QStringLiteral(", shared with %1 other%2")
                            .arg(others)
                            .arg(others == 1 ? QString() : QStringLiteral("s"));
        }
        html += QStringLiteral("<tr><td>%1&nbsp;</td><td align=right>%2&nbsp;</td><td>%3</td></tr>")
                    .arg(QString::fromLatin1(nsTypeName(t)),
                         id.valid() ? QString::number(id.ino) : QStringLiteral("—"), mark);
    }
    html += QStringLiteral("</table>");
    return html;
}

bool ClusterView::event(QEvent *e)
{
    if (e->type() == QEvent::ToolTip) {
        auto *he = static_cast<QHelpEvent *>(e);
        const int d = dotAtScreen(he->pos());
        if (d >= 0) {
            QToolTip::showText(he->globalPos(), toolTipForProcess(m_layout.dots()[d].proc), this);
        } else {
            const QPointF w = toWorld(he->pos());
            const int ci = m_layout.clusterAt(w.x(), w.y());
            if (ci >= 0)
                QToolTip::showText(he->globalPos(),
                                   QStringLiteral("<b>%1</b><br>%2<br>%3")
                                       .arg(htmlEscape(m_labels[ci].title), htmlEscape(m_labels[ci].detail),
                                            htmlEscape(m_labels[ci].command)),
                                   this);
            else
                QToolTip::hideText();
        }
        return true;
    }
    return QWidget::event(e);
}

void ClusterView::resizeEvent(QResizeEvent *)
{
    invalidateLayer();
    if (!m_userMoved)
        fitToView();
}

void ClusterView::wheelEvent(QWheelEvent *e)
{
    const double steps = e->angleDelta().y() / 120.0;
    if (steps == 0)
        return;
    zoomAround(std::pow(1.2, steps), e->position());
    e->accept();
}

void ClusterView::mousePressEvent(QMouseEvent *e)
{
    if (e->button() != Qt::LeftButton)
        return QWidget::mousePressEvent(e);
    m_pressed = true;
    m_dragging = false;
    m_pressPos = e->position().toPoint();
    m_pressOffset = m_offset;
    m_anim->stop();
}

void ClusterView::mouseMoveEvent(QMouseEvent *e)
{
    if (m_pressed && (e->buttons() & Qt::LeftButton)) {
        if (!m_dragging && (e->position().toPoint() - m_pressPos).manhattanLength() > 4) {
            m_dragging = true;
            setCursor(Qt::ClosedHandCursor);
        }
        if (m_dragging) {
            m_offset = m_pressOffset + (e->position() - QPointF(m_pressPos));
            m_userMoved = true;
            update();
        }
        return;
    }
    const int d = dotAtScreen(e->position());
    if (d != m_hoverDot) {
        m_hoverDot = d;
        update();
    }
}

void ClusterView::mouseReleaseEvent(QMouseEvent *e)
{
    if (e->button() != Qt::LeftButton || !m_pressed)
        return QWidget::mouseReleaseEvent(e);
    m_pressed = false;
    if (m_dragging) {
        m_dragging = false;
        unsetCursor();
        return;
    }
    const int d = dotAtScreen(e->position());
    if (d >= 0) {
        const auto &dot = m_layout.dots()[d];
        m_selectedPid = displayedSnapshot().processes[dot.proc].pid;
        m_selectedCluster = m_layout.clusters()[dot.cluster].id;
        Q_EMIT processSelected(m_selectedPid);
        Q_EMIT clusterSelected(m_layout.type(), m_selectedCluster.dev, m_selectedCluster.ino);
    } else {
        const QPointF w = toWorld(e->position());
        const int ci = m_layout.clusterAt(w.x(), w.y());
        m_selectedPid = 0;
        m_selectedCluster = ci >= 0 ? m_layout.clusters()[ci].id : NsId{};
        Q_EMIT processSelected(0);
        if (ci >= 0)
            Q_EMIT clusterSelected(m_layout.type(), m_selectedCluster.dev, m_selectedCluster.ino);
    }
    invalidateLayer();
    update();
}

void ClusterView::mouseDoubleClickEvent(QMouseEvent *e)
{
    const QPointF w = toWorld(e->position());
    const int ci = m_layout.clusterAt(w.x(), w.y());
    if (ci >= 0)
        zoomToCluster(ci);
    else {
        double s;
        QPointF o;
        fitTransform(size(), s, o);
        m_userMoved = false;
        animateTo(s, o);
    }
}

void ClusterView::keyPressEvent(QKeyEvent *e)
{
    const double step = 60;
    switch (e->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomIn();
        break;
    case Qt::Key_Minus:
        zoomOut();
        break;
    case Qt::Key_Left:
        m_offset.rx() += step, m_userMoved = true, update();
        break;
    case Qt::Key_Right:
        m_offset.rx() -= step, m_userMoved = true, update();
        break;
    case Qt::Key_Up:
        m_offset.ry() += step, m_userMoved = true, update();
        break;
    case Qt::Key_Down:
        m_offset.ry() -= step, m_userMoved = true, update();
        break;
    case Qt::Key_Home:
    case Qt::Key_0:
        fitToView();
        break;
    case Qt::Key_PageDown:
    case Qt::Key_PageUp: {
        // Step through the clusters (biggest first), for keyboard-only use.
        const auto &cl = m_layout.clusters();
        if (cl.empty())
            break;
        std::vector<int> order(cl.size());
        for (std::size_t i = 0; i < order.size(); ++i)
            order[i] = static_cast<int>(i);
        std::stable_sort(order.begin(), order.end(),
                         [&](int a, int b) { return cl[a].members.size() > cl[b].members.size(); });
        const int cur = m_layout.clusterIndex(m_selectedCluster);
        auto pos = std::find(order.begin(), order.end(), cur);
        int idx = pos == order.end() ? -1 : static_cast<int>(pos - order.begin());
        idx = e->key() == Qt::Key_PageDown ? (idx + 1) % static_cast<int>(order.size())
                                           : (idx <= 0 ? static_cast<int>(order.size()) - 1 : idx - 1);
        m_selectedCluster = cl[order[idx]].id;
        invalidateLayer();
        Q_EMIT clusterSelected(m_layout.type(), m_selectedCluster.dev, m_selectedCluster.ino);
        zoomToCluster(order[idx]);
        break;
    }
    case Qt::Key_Return:
    case Qt::Key_Enter:
        zoomToCluster(m_layout.clusterIndex(m_selectedCluster));
        break;
    case Qt::Key_Escape:
        m_selectedPid = 0;
        m_selectedCluster = {};
        invalidateLayer();
        Q_EMIT processSelected(0);
        update();
        break;
    default:
        QWidget::keyPressEvent(e);
    }
}

void ClusterView::leaveEvent(QEvent *)
{
    if (m_hoverDot >= 0) {
        m_hoverDot = -1;
        update();
    }
}

void ClusterView::changeEvent(QEvent *e)
{
    if (e->type() == QEvent::PaletteChange && !m_darkOverride) {
        invalidateLayer();
        m_style = ClusterStyle::forPalette(palette());
        recolour();
        update();
    }
    QWidget::changeEvent(e);
}

} // namespace nsviz
