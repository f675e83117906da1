// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/cluster/clusterview.h"

#include "app/cluster/clusteraccessible.h"

#include "app/models/hostsharing.h"
#include "app/models/redactor.h"
#include "app/models/snapshotstore.h"
#include "app/models/usernames.h"

#include <QContextMenuEvent>
#include <QElapsedTimer>
#include <QHelpEvent>
#include <QKeyEvent>
#include <QPainter>
#include <QTimer>
#include <QToolTip>
#include <QVariantAnimation>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>
#include <tuple>

namespace nsviz
{

namespace
{

constexpr double kMinScale = ClusterPainter::kMinScale;
constexpr double kMaxScale = 40;
constexpr int kLayerMargin = 256; // logical px cached around the viewport for panning

QString htmlEscape(const QString &s)
{
    return s.toHtmlEscaped();
}

} // namespace

ClusterView::ClusterView(SnapshotStore *store, QWidget *parent) : QWidget(parent), m_store(store)
{
    // Before anything that may ask Qt for this widget's accessible interface (setting its name
    // does): the interface Qt makes first is the one it keeps.
    ClusterAccessible::install();
    setObjectName(QStringLiteral("clusterView"));
    setAccessibleName(QStringLiteral("Cluster view"));
    setAccessibleDescription(QStringLiteral("Processes drawn as dots inside one circle per namespace"));
    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent);
    m_painter.setStyle(ClusterStyle::forPalette(palette()));
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
        // Once per batch of deltas that arrived together: the layout costs the whole picture.
        connect(m_store, &SnapshotStore::settled, this, &ClusterView::onDelta);
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
    applyStyle();
}

void ClusterView::setTextScale(double scale)
{
    scale = std::clamp(scale, 0.5, 3.0);
    if (scale == m_textScale)
        return;
    m_textScale = scale;
    invalidateLayer();
    if (!m_userMoved)
        fitToView();
    update();
}

void ClusterView::applyStyle()
{
    m_painter.setStyle(m_darkOverride ? (*m_darkOverride ? ClusterStyle::dark_() : ClusterStyle::light())
                                      : ClusterStyle::forPalette(palette()));
    invalidateLayer();
    update();
}

void ClusterView::onReset()
{
    m_layout.clear();
    m_painter.resetHues();
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
    m_labels = ClusterLabeler::labels(s, m_layout, m_localUsers && !m_redacted);
    m_painter.setScene(s, m_layout, m_labels);
    m_clusterOrder = computeClusterOrder();
    if (m_layout.dotOfPid(m_selectedPid) < 0 && m_selectedPid != 0)
        m_selectedPid = 0;
    // The focus stays on its cluster when its process exits, and goes when the cluster goes.
    if (m_focusPid != 0 && m_layout.dotOfPid(m_focusPid) < 0)
        m_focusPid = 0;
    if (m_layout.clusterIndex(m_focusCluster) < 0)
        m_focusCluster = {}, m_focusPid = 0;
    if (m_hoverDot >= static_cast<int>(m_layout.dots().size()))
        m_hoverDot = -1;
    m_layoutMs = timer.nsecsElapsed() / 1e6;
    invalidateLayer();
    Q_EMIT layoutUpdated();
    ClusterAccessible::notifyReorder(this);
    update();
}

ClusterPaintOptions ClusterView::paintOptions() const
{
    ClusterPaintOptions o;
    o.scale = m_scale;
    o.offset = m_offset;
    o.selectedPid = m_selectedPid;
    o.selectedCluster = m_selectedCluster;
    o.hoverDot = m_hoverDot;
    o.redacted = m_redacted;
    o.waiting = !m_store || m_store->isEmpty();
    o.font = font();
    o.textScale = m_textScale;
    // Dragged, wheel-zoomed (the crisp timer runs until the wheel rests) or animated: labels are
    // placed and drawn again once the picture rests, so moving frames stay cheap.
    o.moving = m_dragging || m_crispTimer->isActive() || m_anim->state() == QAbstractAnimation::Running;
    return o;
}

void ClusterView::setGroupBy(NsType type)
{
    if (type == m_layout.type() && !m_layout.clusters().empty())
        return;
    m_layout.setType(type);
    m_selectedCluster = {};
    m_focusCluster = {};
    m_focusPid = 0;
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
    m_painter.setFilter(text);
    invalidateLayer();
    update();
}

void ClusterView::setDimInformational(bool dim)
{
    if (dim == m_painter.dimInformational())
        return;
    m_painter.setDimInformational(dim);
    invalidateLayer();
    update();
}

void ClusterView::compactLayout()
{
    m_layout.clear();
    rebuild();
    fitToView();
}

void ClusterView::fitToView()
{
    m_anim->stop();
    m_crispTimer->stop();
    invalidateLayer();
    const auto fit = ClusterPainter::fitTransform(m_layout, size(), m_textScale);
    m_scale = fit.scale;
    m_offset = fit.offset;
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
    m_crispTimer->start(); // labels back when the panning rests
    update();
}

void ClusterView::zoomToCluster(int ci)
{
    if (ci < 0 || ci >= static_cast<int>(m_layout.clusters().size()))
        return;
    const auto &c = m_layout.clusters()[ci];
    const QRectF area = ClusterPainter::contentRect(size(), m_textScale);
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
    m_focusPid = pid;
    m_focusCluster = m_selectedCluster;
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
    m_painter.paintWorld(p, QRectF(-kLayerMargin, -kLayerMargin, logical.width(), logical.height()), size(),
                         paintOptions());
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
    ClusterPaintOptions o = paintOptions();
    // The focus ring is the widget's alone: paintOptions() (exports, headless) never carries it.
    o.showFocus = hasFocus();
    o.focusCluster = m_focusCluster;
    o.focusPid = m_focusPid;
    if (!m_painter.hasClusters()) {
        m_painter.paint(p, size(), o);
        m_paintMs = timer.nsecsElapsed() / 1e6;
        return;
    }
    if (!layerCovers())
        renderLayer();
    // screen_now = (layer_point - margin - layerOffset) * k + offset
    const double k = m_scale / m_layerScale;
    p.fillRect(rect(), m_painter.style().background);
    p.save();
    p.translate(m_offset - (m_layerOffset + QPointF(kLayerMargin, kLayerMargin)) * k);
    p.scale(k, k);
    p.setRenderHint(QPainter::SmoothPixmapTransform, std::abs(k - 1) > 1e-9);
    p.drawImage(QPointF(0, 0), m_layer);
    p.restore();
    m_painter.paintOverlay(p, size(), o);
    m_paintMs = timer.nsecsElapsed() / 1e6;
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
                    .arg(m_painter.style().warningText.name(), differsFromHost(s, p, NsType::Pid)
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
    // The Menu key as the platform reports it: the menu of the focused item, not of the mouse's spot.
    if (e->type() == QEvent::ContextMenu && contextMenuPolicy() == Qt::CustomContextMenu &&
        static_cast<QContextMenuEvent *>(e)->reason() == QContextMenuEvent::Keyboard) {
        Q_EMIT customContextMenuRequested(focusPoint());
        return true;
    }
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
        update(); // the labels come back where the picture came to rest
        return;
    }
    const int d = dotAtScreen(e->position());
    if (d >= 0) {
        const auto &dot = m_layout.dots()[d];
        m_selectedPid = displayedSnapshot().processes[dot.proc].pid;
        m_selectedCluster = m_layout.clusters()[dot.cluster].id;
        m_focusPid = m_selectedPid;
        m_focusCluster = m_selectedCluster;
        Q_EMIT processSelected(m_selectedPid);
        Q_EMIT clusterSelected(m_layout.type(), m_selectedCluster.dev, m_selectedCluster.ino);
        notifyFocus();
    } else {
        const QPointF w = toWorld(e->position());
        const int ci = m_layout.clusterAt(w.x(), w.y());
        m_selectedPid = 0;
        m_selectedCluster = ci >= 0 ? m_layout.clusters()[ci].id : NsId{};
        Q_EMIT processSelected(0);
        if (ci >= 0) {
            m_focusCluster = m_selectedCluster;
            m_focusPid = 0;
            Q_EMIT clusterSelected(m_layout.type(), m_selectedCluster.dev, m_selectedCluster.ino);
            notifyFocus();
        }
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
        const auto fit = ClusterPainter::fitTransform(m_layout, size(), m_textScale);
        m_userMoved = false;
        animateTo(fit.scale, fit.offset);
    }
}

void ClusterView::keyPressEvent(QKeyEvent *e)
{
    const double step = 60;
    const bool ctrl = e->modifiers().testFlag(Qt::ControlModifier);
    const bool inCluster = focusDot() >= 0;
    switch (e->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomIn();
        break;
    case Qt::Key_Minus:
        zoomOut();
        break;
    case Qt::Key_0:
        fitToView();
        break;
    // Ctrl+arrows pan; plain arrows move the focus like in a tree: Up/Down between siblings,
    // Right into the focused cluster's processes, Left back out.
    case Qt::Key_Left:
        if (ctrl)
            panBy({step, 0});
        else if (inCluster)
            focusClusterAt(focusCluster());
        break;
    case Qt::Key_Right:
        if (ctrl)
            panBy({-step, 0});
        else
            descend();
        break;
    case Qt::Key_Up:
        if (ctrl)
            panBy({0, step});
        else
            moveFocus(-1, false);
        break;
    case Qt::Key_Down:
        if (ctrl)
            panBy({0, -step});
        else
            moveFocus(1, false);
        break;
    case Qt::Key_Home:
    case Qt::Key_End:
        focusEdge(e->key() == Qt::Key_End);
        break;
    case Qt::Key_PageDown:
    case Qt::Key_PageUp: {
        // The next or previous cluster from any level, zoomed in: a quick tour of the picture.
        if (m_layout.clusters().empty())
            break;
        if (inCluster)
            m_focusPid = 0;
        moveFocus(e->key() == Qt::Key_PageDown ? 1 : -1, true);
        zoomToCluster(focusCluster());
        break;
    }
    case Qt::Key_Return:
    case Qt::Key_Enter:
        descend();
        zoomToCluster(focusCluster());
        break;
    case Qt::Key_Escape:
        if (inCluster) {
            focusClusterAt(focusCluster());
            break;
        }
        m_selectedPid = 0;
        m_selectedCluster = {};
        invalidateLayer();
        Q_EMIT processSelected(0);
        update();
        break;
    case Qt::Key_Menu:
        Q_EMIT customContextMenuRequested(focusPoint());
        break;
    case Qt::Key_F10:
        if (e->modifiers().testFlag(Qt::ShiftModifier)) {
            Q_EMIT customContextMenuRequested(focusPoint());
            break;
        }
        QWidget::keyPressEvent(e);
        break;
    default:
        QWidget::keyPressEvent(e);
    }
}

std::vector<int> ClusterView::computeClusterOrder() const
{
    const auto &cl = m_layout.clusters();
    std::vector<int> order(cl.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = static_cast<int>(i);
    // Rows: sorted by centre height, a cluster starts a new row when its centre is below the
    // first circle of the current row; then left to right inside each row.
    std::sort(order.begin(), order.end(),
              [&](int a, int b) { return std::tie(cl[a].y, cl[a].x, a) < std::tie(cl[b].y, cl[b].x, b); });
    std::vector<int> row(order.size());
    int r = 0;
    double rowTop = 0, rowReach = 0;
    for (std::size_t i = 0; i < order.size(); ++i) {
        const auto &c = cl[order[i]];
        if (i == 0 || c.y > rowTop + rowReach) {
            if (i != 0)
                ++r;
            rowTop = c.y;
            rowReach = std::max(c.r, ClusterLayout::kDotSpacing);
        }
        row[static_cast<std::size_t>(order[i])] = r;
    }
    std::sort(order.begin(), order.end(),
              [&](int a, int b) { return std::tie(row[a], cl[a].x, a) < std::tie(row[b], cl[b].x, b); });
    return order;
}

std::vector<int> ClusterView::dotOrder(int ci) const
{
    std::vector<int> out;
    if (ci < 0 || ci >= static_cast<int>(m_layout.clusters().size()))
        return out;
    const auto &c = m_layout.clusters()[ci];
    const Snapshot &s = displayedSnapshot();
    for (std::size_t i = 0; i < c.members.size(); ++i)
        out.push_back(c.firstDot + static_cast<int>(i));
    std::sort(out.begin(), out.end(), [&](int a, int b) {
        return s.processes[m_layout.dots()[a].proc].pid < s.processes[m_layout.dots()[b].proc].pid;
    });
    return out;
}

QString ClusterView::accessibleClusterName(int ci) const
{
    if (ci < 0 || ci >= static_cast<int>(m_layout.clusters().size()) ||
        ci >= static_cast<int>(m_labels.size()))
        return {};
    const auto &c = m_layout.clusters()[ci];
    const ClusterLabel &l = m_labels[ci];
    QStringList parts{l.title, l.detail};
    if (c.warnings > 0)
        parts << QStringLiteral("flagged: %1 process%2 share%3 the host network")
                     .arg(c.warnings)
                     .arg(c.warnings == 1 ? QString() : QStringLiteral("es"))
                     .arg(c.warnings == 1 ? QStringLiteral("s") : QString());
    if (!l.command.isEmpty())
        parts << l.command;
    parts.removeAll(QString());
    return parts.join(QStringLiteral(", "));
}

QString ClusterView::accessibleProcessName(int d) const
{
    if (d < 0 || d >= static_cast<int>(m_layout.dots().size()))
        return {};
    const auto &dot = m_layout.dots()[d];
    const Snapshot &s = displayedSnapshot();
    const Process &p = s.processes[dot.proc];
    QString name = QStringLiteral("%1, pid %2").arg(QString::fromStdString(p.comm)).arg(p.pid);
    if (dot.cluster < static_cast<int>(m_labels.size()))
        name += QStringLiteral(", in %1").arg(m_labels[dot.cluster].title);
    if (dot.relation == HostRelation::HostNetWarning)
        name += QStringLiteral(", flagged: shares the host network");
    return name;
}

QRect ClusterView::clusterRect(int ci) const
{
    if (ci < 0 || ci >= static_cast<int>(m_layout.clusters().size()))
        return {};
    const auto &c = m_layout.clusters()[ci];
    const QPointF centre = toScreen(c.x, c.y);
    const double r = c.r * m_scale;
    return QRectF(centre.x() - r, centre.y() - r, 2 * r, 2 * r).toAlignedRect();
}

QRect ClusterView::dotRect(int d) const
{
    if (d < 0 || d >= static_cast<int>(m_layout.dots().size()))
        return {};
    const auto &dot = m_layout.dots()[d];
    const QPointF centre = toScreen(dot.x, dot.y);
    const double r = std::max(ClusterLayout::kDotRadius * m_scale, 3.0);
    return QRectF(centre.x() - r, centre.y() - r, 2 * r, 2 * r).toAlignedRect();
}

void ClusterView::revealCluster(int ci)
{
    if (ci < 0)
        return;
    const QRect r = clusterRect(ci);
    if (!rect().contains(r.center()) || r.width() < 8)
        zoomToCluster(ci);
}

void ClusterView::focusClusterAt(int ci)
{
    if (ci < 0 || ci >= static_cast<int>(m_layout.clusters().size()))
        return;
    m_focusCluster = m_layout.clusters()[ci].id;
    m_focusPid = 0;
    // Selection follows the focus, as a click on the circle would select it.
    m_selectedCluster = m_focusCluster;
    m_selectedPid = 0;
    invalidateLayer();
    Q_EMIT processSelected(0);
    Q_EMIT clusterSelected(m_layout.type(), m_selectedCluster.dev, m_selectedCluster.ino);
    revealCluster(ci);
    notifyFocus();
    update();
}

void ClusterView::focusDotAt(int d)
{
    if (d < 0 || d >= static_cast<int>(m_layout.dots().size()))
        return;
    const auto &dot = m_layout.dots()[d];
    m_focusPid = displayedSnapshot().processes[dot.proc].pid;
    m_focusCluster = m_layout.clusters()[dot.cluster].id;
    m_selectedPid = m_focusPid;
    m_selectedCluster = m_focusCluster;
    const QPointF sp = toScreen(dot.x, dot.y);
    if (!rect().adjusted(20, 20, -20, -20).contains(sp.toPoint()))
        zoomToCluster(dot.cluster);
    invalidateLayer();
    Q_EMIT processSelected(m_selectedPid);
    Q_EMIT clusterSelected(m_layout.type(), m_selectedCluster.dev, m_selectedCluster.ino);
    notifyFocus();
    update();
}

bool ClusterView::moveFocus(int step, bool wrap)
{
    const int fd = focusDot();
    const std::vector<int> order = fd >= 0 ? dotOrder(focusCluster()) : clusterOrder();
    if (order.empty())
        return false;
    const int cur = fd >= 0 ? fd : focusCluster();
    const auto it = std::find(order.begin(), order.end(), cur);
    const int n = static_cast<int>(order.size());
    int i = 0;
    if (it == order.end())
        i = step > 0 ? 0 : n - 1;
    else {
        i = static_cast<int>(it - order.begin()) + step;
        if (i < 0 || i >= n) {
            if (!wrap)
                return false;
            i = (i + n) % n;
        }
    }
    if (fd >= 0)
        focusDotAt(order[i]);
    else
        focusClusterAt(order[i]);
    return true;
}

void ClusterView::focusEdge(bool last)
{
    const int fd = focusDot();
    const std::vector<int> order = fd >= 0 ? dotOrder(focusCluster()) : clusterOrder();
    if (order.empty())
        return;
    if (fd >= 0)
        focusDotAt(last ? order.back() : order.front());
    else
        focusClusterAt(last ? order.back() : order.front());
}

void ClusterView::descend()
{
    const int ci = focusCluster();
    if (ci < 0 || focusDot() >= 0)
        return;
    const std::vector<int> dots = dotOrder(ci);
    if (!dots.empty())
        focusDotAt(dots.front());
}

QPoint ClusterView::focusPoint() const
{
    const int fd = focusDot();
    const QRect r = fd >= 0 ? dotRect(fd) : clusterRect(focusCluster());
    if (r.isNull() || !rect().contains(r.center()))
        return rect().center();
    return r.center();
}

void ClusterView::notifyFocus()
{
    Q_EMIT focusItemChanged();
    if (hasFocus())
        ClusterAccessible::notifyFocus(this);
}

void ClusterView::focusInEvent(QFocusEvent *e)
{
    // Tabbing in shows where the keys start: the selection, else the first (or, backwards, the
    // last) cluster. Only a ring: entering the view selects nothing.
    if (focusCluster() < 0 && !m_layout.clusters().empty()) {
        const auto order = clusterOrder();
        m_focusCluster =
            m_layout.clusters()[e->reason() == Qt::BacktabFocusReason ? order.back() : order.front()].id;
        m_focusPid = 0;
    }
    QWidget::focusInEvent(e);
    notifyFocus();
    update();
}

void ClusterView::focusOutEvent(QFocusEvent *e)
{
    QWidget::focusOutEvent(e);
    update();
}

bool ClusterView::focusNextPrevChild(bool next)
{
    // Tab walks the clusters; past the last one (or before the first) it leaves the view, so the
    // keyboard is never trapped in the picture.
    if (hasFocus() && !m_layout.clusters().empty()) {
        if (focusDot() >= 0)
            m_focusPid = 0; // Tab moves between clusters, from inside one too
        if (moveFocus(next ? 1 : -1, false))
            return true;
    }
    return QWidget::focusNextPrevChild(next);
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
    if (e->type() == QEvent::PaletteChange && !m_darkOverride)
        applyStyle();
    QWidget::changeEvent(e);
}

} // namespace nsviz
