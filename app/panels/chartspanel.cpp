// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/panels/chartspanel.h"

#include "app/models/redactiongate.h"
#include "app/models/snapshotstore.h"
#include "app/models/viewhelpers.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QCursor>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QEvent>
#include <QGridLayout>
#include <QHorizontalBarSeries>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QStackedBarSeries>
#include <QTimer>
#include <QToolTip>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace nsviz
{

namespace
{
/// Integer axis from 0 with round, whole-number ticks a little above @p v, so labels never read
/// "2" for 2.5 and the biggest bar never touches the frame.
void setNiceRange(QValueAxis *axis, qreal v)
{
    const qreal target = std::max<qreal>(v * 1.1, 4);
    qreal step = 1;
    for (qreal mag = 1;; mag *= 10) {
        bool found = false;
        for (qreal s : {1.0, 2.0, 5.0}) {
            if (target / (s * mag) <= 6) {
                step = s * mag;
                found = true;
                break;
            }
        }
        if (found)
            break;
    }
    const qreal max = std::ceil(target / step) * step;
    axis->setTickType(QValueAxis::TicksDynamic);
    axis->setTickAnchor(0);
    axis->setTickInterval(step);
    axis->setRange(0, max);
}

/// QChartView::setChart() hands the old chart back to the caller (the default one every view
/// creates): delete it, or each panel leaks three charts.
void replaceChart(QChartView *view, QChart *chart)
{
    QChart *old = view->chart();
    view->setChart(chart);
    delete old;
}

QColor hostColor(const QPalette &pal)
{
    return views::mutedTextColor(pal);
}
QColor otherColor(const QPalette &pal)
{
    return views::isDark(pal) ? QColor(0xF5, 0xA6, 0x5B) : QColor(0xE0, 0x7B, 0x16);
}

} // namespace

ChartsPanel::ChartsPanel(SnapshotStore *store, QWidget *parent)
    : QWidget(parent), m_store(store), m_clock([] { return QDateTime::currentMSecsSinceEpoch(); }),
      m_typeView(new QChartView(this)), m_topView(new QChartView(this)), m_timeView(new QChartView(this)),
      m_caption(new QLabel(this)), m_timelineTimer(new QTimer(this))
{
    setObjectName(QStringLiteral("ChartsPanel"));
    m_timelineTimer->setSingleShot(true);
    connect(m_timelineTimer, &QTimer::timeout, this, &ChartsPanel::syncTimeline);
    // A chart is a picture to a screen reader: its name says which one, the caption what it shows.
    m_typeView->setAccessibleName(tr("Chart: namespaces per type"));
    m_topView->setAccessibleName(tr("Chart: namespaces with the most processes"));
    m_timeView->setAccessibleName(tr("Chart: processes and namespaces over time"));
    m_caption->setAccessibleName(tr("Charts caption"));

    // Namespaces per type, host vs the rest.
    auto *typeChart = new QChart;
    typeChart->setTitle(QStringLiteral("Namespaces per type"));
    m_typeSeries = new QStackedBarSeries(typeChart);
    m_hostSet = new QBarSet(QStringLiteral("host"));
    m_otherSet = new QBarSet(QStringLiteral("other (with processes)"));
    m_hiddenSet = new QBarSet(QStringLiteral("hidden (no process)"));
    QStringList types;
    for (NsType t : kAllNsTypes) {
        types << views::typeName(t);
        *m_hostSet << 0;
        *m_otherSet << 0;
        *m_hiddenSet << 0;
    }
    m_typeSeries->append({m_hostSet, m_otherSet, m_hiddenSet});
    m_typeSeries->setBarWidth(0.65);
    typeChart->addSeries(m_typeSeries);
    auto *typeX = new QBarCategoryAxis(typeChart);
    typeX->append(types);
    m_typeY = new QValueAxis(typeChart);
    m_typeY->setLabelFormat(QStringLiteral("%d"));
    typeChart->addAxis(typeX, Qt::AlignBottom);
    typeChart->addAxis(m_typeY, Qt::AlignLeft);
    m_typeSeries->attachAxis(typeX);
    m_typeSeries->attachAxis(m_typeY);
    replaceChart(m_typeView, typeChart);

    // The biggest namespaces that are not the host's (namespaces with the same processes as one bar).
    auto *topChart = new QChart;
    topChart->setTitle(QStringLiteral("Largest non-host namespaces (processes)"));
    m_topSeries = new QHorizontalBarSeries(topChart);
    m_topSet = new QBarSet(QStringLiteral("processes"));
    m_topSeries->append(m_topSet);
    m_topSeries->setBarWidth(0.7);
    connect(m_topSet, &QBarSet::clicked, this, [this](int bar) {
        // Bars are drawn bottom-up; the list is biggest first.
        const int entry = static_cast<int>(m_stats.top.size()) - 1 - bar;
        if (entry >= 0 && entry < m_stats.top.size())
            Q_EMIT processSelected(m_stats.top[entry].leaderPid);
    });
    connect(m_topSet, &QBarSet::hovered, this, [this](bool on, int bar) {
        const int entry = static_cast<int>(m_stats.top.size()) - 1 - bar;
        if (on && entry >= 0 && entry < m_stats.top.size())
            QToolTip::showText(QCursor::pos(), topToolTip(entry), m_topView);
        else
            QToolTip::hideText();
    });
    topChart->addSeries(m_topSeries);
    m_topCategories = new QBarCategoryAxis(topChart);
    m_topX = new QValueAxis(topChart);
    m_topX->setLabelFormat(QStringLiteral("%d"));
    topChart->addAxis(m_topCategories, Qt::AlignLeft);
    topChart->addAxis(m_topX, Qt::AlignBottom);
    m_topSeries->attachAxis(m_topCategories);
    m_topSeries->attachAxis(m_topX);
    replaceChart(m_topView, topChart);

    // Timeline since the panel opened.
    auto *timeChart = new QChart;
    timeChart->setTitle(QStringLiteral("Since this window opened"));
    m_procLine = new QLineSeries(timeChart);
    m_procLine->setName(QStringLiteral("processes (left axis)"));
    m_nsLine = new QLineSeries(timeChart);
    m_nsLine->setName(QStringLiteral("namespaces (right axis)"));
    m_procLine->setPointsVisible(true);
    m_nsLine->setPointsVisible(true);
    timeChart->addSeries(m_procLine);
    timeChart->addSeries(m_nsLine);
    m_timeX = new QDateTimeAxis(timeChart);
    m_timeX->setFormat(QStringLiteral("HH:mm:ss"));
    m_timeX->setTickCount(6);
    m_procY = new QValueAxis(timeChart);
    m_procY->setLabelFormat(QStringLiteral("%d"));
    m_nsY = new QValueAxis(timeChart);
    m_nsY->setLabelFormat(QStringLiteral("%d"));
    timeChart->addAxis(m_timeX, Qt::AlignBottom);
    timeChart->addAxis(m_procY, Qt::AlignLeft);
    timeChart->addAxis(m_nsY, Qt::AlignRight);
    m_procLine->attachAxis(m_timeX);
    m_procLine->attachAxis(m_procY);
    m_nsLine->attachAxis(m_timeX);
    m_nsLine->attachAxis(m_nsY);
    replaceChart(m_timeView, timeChart);

    for (QChartView *v : {m_typeView, m_topView, m_timeView}) {
        v->setRenderHint(QPainter::Antialiasing);
        v->setMinimumSize(320, 220);
        v->setFrameShape(QFrame::NoFrame);
    }
    m_caption->setWordWrap(true);
    m_caption->setTextFormat(Qt::PlainText);

    auto *grid = new QGridLayout(this);
    grid->setContentsMargins(6, 6, 6, 6);
    grid->setSpacing(6);
    grid->addWidget(m_typeView, 0, 0);
    grid->addWidget(m_topView, 0, 1);
    grid->addWidget(m_timeView, 1, 0, 1, 2);
    grid->addWidget(m_caption, 2, 0, 1, 2);
    grid->setRowStretch(0, 3);
    grid->setRowStretch(1, 2);
    grid->setColumnStretch(0, 1);
    grid->setColumnStretch(1, 1);

    connect(store, &SnapshotStore::snapshotReset, this, [this] {
        const HostInfo &h = m_store->snapshot().host;
        const std::string key = h.hostname + '\n' + h.bootId;
        // Another host (an opened file) starts a new timeline; a reconnect to the same one continues.
        if (key != m_hostKey) {
            m_procPoints.clear();
            m_nsPoints.clear();
            m_timelineStale = true;
            m_hostKey = key;
        }
        refresh();
    });
    connect(store, &SnapshotStore::settled, this, &ChartsPanel::onSettled);
    if (auto *gate = RedactionGate::of(store))
        connect(gate, &RedactionGate::enabledChanged, this, [this] { refresh(); });

    applyTheme();
    if (!store->isEmpty()) {
        const HostInfo &h = store->snapshot().host;
        m_hostKey = h.hostname + '\n' + h.bootId;
        refresh();
    } else {
        updateTypeChart();
        updateTopChart();
        updateTimelineAxes();
    }
}

void ChartsPanel::refresh()
{
    updateBars();
    addTimelinePoint();
}

void ChartsPanel::updateBars()
{
    m_barsStale = false;
    m_stats = NamespaceStats::compute(m_store->snapshot());
    updateTypeChart();
    updateTopChart();
    selectProcess(m_selectedPid);
}

void ChartsPanel::onSettled()
{
    if (isVisible()) {
        refresh();
        return;
    }
    // Counting every namespace's processes for bars nobody sees was 4 % of the GUI's CPU under
    // churn at 10k processes.
    addTimelinePoint();
    m_barsStale = true;
}

void ChartsPanel::showEvent(QShowEvent *event)
{
    if (m_barsStale)
        updateBars();
    syncTimeline();
    QWidget::showEvent(event);
}

void ChartsPanel::paintEvent(QPaintEvent *event)
{
    syncTimeline(); // before the chart views, which are children, paint
    QWidget::paintEvent(event);
}

void ChartsPanel::updateTypeChart()
{
    int maxTotal = 0;
    for (NsType t : kAllNsTypes) {
        const auto &c = m_stats.perType[index(t)];
        const int i = static_cast<int>(index(t));
        m_hostSet->replace(i, c.host);
        m_otherSet->replace(i, c.other);
        m_hiddenSet->replace(i, c.hidden);
        maxTotal = std::max(maxTotal, c.total());
    }
    setNiceRange(m_typeY, maxTotal);
}

void ChartsPanel::updateTopChart()
{
    const auto &top = m_stats.top;
    QStringList labels;
    QList<qreal> values;
    for (auto it = top.rbegin(); it != top.rend(); ++it) {
        labels << redacted(it->label());
        values << it->processes;
    }
    if (labels.isEmpty()) {
        labels << QStringLiteral("(only the host's namespaces)");
        values << 0;
    }
    m_topSet->remove(0, m_topSet->count());
    m_topSet->append(values);
    if (m_topCategories->categories() != labels)
        m_topCategories->setCategories(labels);
    int maxCount = 0;
    for (const auto &e : top)
        maxCount = std::max(maxCount, e.processes);
    setNiceRange(m_topX, maxCount);
}

QString ChartsPanel::topToolTip(int entry) const
{
    if (entry < 0 || entry >= m_stats.top.size())
        return {};
    const auto &e = m_stats.top[entry];
    QStringList lines;
    lines
        << QStringLiteral("%1 processes, led by %2 (PID %3)").arg(e.processes).arg(e.leader).arg(e.leaderPid);
    for (qsizetype i = 0; i < e.types.size(); ++i)
        lines << views::nsLabel(e.types[i], e.ids[i]);
    lines << QStringLiteral("Click to select PID %1").arg(e.leaderPid);
    return lines.join(QLatin1Char('\n'));
}

void ChartsPanel::addTimelinePoint()
{
    const qint64 now = m_clock();
    // The store's counts (what every view shows; the same as m_stats' when the bars are fresh).
    m_procPoints.append(QPointF(static_cast<qreal>(now), m_store->counts().processes));
    m_nsPoints.append(QPointF(static_cast<qreal>(now), m_store->counts().namespaces));
    if (m_procPoints.size() > kMaxTimelinePoints) {
        m_procPoints.remove(0, m_procPoints.size() - kMaxTimelinePoints);
        m_nsPoints.remove(0, m_nsPoints.size() - kMaxTimelinePoints);
    }
    m_timelineStale = true;
    if (!isVisible())
        return; // showEvent() draws the history
    const qint64 due = m_timelineSyncedAt < 0 ? now : m_timelineSyncedAt + kTimelineSyncMs;
    if (now >= due)
        syncTimeline();
    else if (!m_timelineTimer->isActive()) // never longer than the interval: the wall clock may go back
        m_timelineTimer->start(static_cast<int>(std::min<qint64>(due - now, kTimelineSyncMs)));
}

void ChartsPanel::syncTimeline()
{
    if (!m_timelineStale)
        return;
    m_timelineStale = false;
    m_timelineTimer->stop();
    m_timelineSyncedAt = m_clock();
    // One replace per line: the chart strokes each path once, not once per point.
    m_procLine->replace(m_procPoints);
    m_nsLine->replace(m_nsPoints);
    // A saved snapshot or the first scan is one point: say how the chart fills, not leave it puzzling.
    m_timeView->chart()->setTitle(
        m_procPoints.size() > 1 ? QStringLiteral("Since this window opened")
                                : QStringLiteral("Since this window opened (each live update adds a point)"));
    updateTimelineAxes();
}

void ChartsPanel::updateTimelineAxes()
{
    const qint64 now = m_clock();
    qint64 first = now, last = now;
    qreal maxProc = 0, maxNs = 0;
    if (!m_procPoints.isEmpty()) {
        first = static_cast<qint64>(m_procPoints.front().x());
        last = static_cast<qint64>(m_procPoints.back().x());
    }
    for (const QPointF &p : m_procPoints)
        maxProc = std::max(maxProc, p.y());
    for (const QPointF &p : m_nsPoints)
        maxNs = std::max(maxNs, p.y());
    // At least a minute wide, so the first points do not fill the chart edge to edge.
    m_timeX->setRange(QDateTime::fromMSecsSinceEpoch(first),
                      QDateTime::fromMSecsSinceEpoch(std::max(last, first + 60000)));
    setNiceRange(m_procY, maxProc);
    setNiceRange(m_nsY, maxNs);
}

QStringList ChartsPanel::topLabels() const
{
    QStringList out = m_topCategories->categories();
    std::reverse(out.begin(), out.end());
    return out;
}

void ChartsPanel::selectProcess(int pid)
{
    m_selectedPid = pid;
    m_topSet->deselectAllBars();
    const Process *p = pid > 0 ? m_store->snapshot().findProcess(pid) : nullptr;
    const int n = static_cast<int>(m_stats.top.size());
    int highlighted = 0;
    if (p) {
        for (int i = 0; i < n; ++i) {
            if (m_stats.top[i].contains(*p)) {
                m_topSet->selectBar(n - 1 - i);
                ++highlighted;
            }
        }
    }
    const Snapshot &s = m_store->snapshot();
    QString text = QStringLiteral("%1 · %2 processes · %3 namespaces")
                       .arg(s.host.hostname.empty() ? QStringLiteral("no host")
                                                    : QString::fromStdString(s.host.hostname))
                       .arg(m_stats.processes)
                       .arg(m_stats.namespaces);
    if (p) {
        QStringList isolated;
        for (NsType t : kAllNsTypes)
            if (p->differs(t))
                isolated << views::typeName(t);
        text +=
            QStringLiteral("   |   selected: PID %1 %2 — ").arg(p->pid).arg(QString::fromStdString(p->comm)) %
            (isolated.isEmpty() ? QStringLiteral("all host namespaces")
                                : QStringLiteral("own ") % isolated.join(QStringLiteral(", "))) %
            (highlighted ? QStringLiteral(" (highlighted)") : QString());
    }
    m_caption->setText(redacted(text));
}

QString ChartsPanel::redacted(const QString &text) const
{
    const RedactionGate *gate = RedactionGate::of(m_store);
    return gate ? gate->text(text) : text;
}

void ChartsPanel::styleChart(QChart *chart)
{
    const QPalette pal = palette();
    const QColor text = pal.color(QPalette::WindowText);
    const QColor grid = views::isDark(pal) ? pal.color(QPalette::Window).lighter(160)
                                           : pal.color(QPalette::Window).darker(112);
    chart->setTheme(views::isDark(pal) ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    chart->setBackgroundBrush(pal.color(QPalette::Window));
    chart->setBackgroundRoundness(0);
    chart->setMargins(QMargins(6, 6, 6, 6));
    chart->setAnimationOptions(QChart::NoAnimation);
    QFont title = font();
    title.setBold(true);
    title.setPointSizeF(title.pointSizeF() * 1.2);
    chart->setTitleFont(title);
    chart->setTitleBrush(text);
    chart->legend()->setLabelColor(text);
    chart->legend()->setFont(font());
    chart->legend()->setAlignment(Qt::AlignBottom);
    for (QAbstractAxis *axis : chart->axes()) {
        axis->setLabelsBrush(text);
        axis->setLabelsFont(font());
        axis->setGridLineColor(grid);
        axis->setLinePenColor(grid);
        axis->setTitleBrush(text);
    }
}

void ChartsPanel::applyTheme()
{
    const QPalette pal = palette();
    for (QChartView *v : {m_typeView, m_topView, m_timeView})
        styleChart(v->chart());
    // setTheme() recolours the series; set ours afterwards.
    m_hostSet->setColor(hostColor(pal));
    m_hostSet->setBorderColor(hostColor(pal));
    m_otherSet->setColor(otherColor(pal));
    m_otherSet->setBorderColor(otherColor(pal));
    m_hiddenSet->setColor(views::hiddenTextColor(pal));
    m_hiddenSet->setBorderColor(views::hiddenTextColor(pal));
    m_topSet->setColor(views::nsTypeColor(NsType::Mnt, pal));
    m_topSet->setBorderColor(views::nsTypeColor(NsType::Mnt, pal));
    m_topSet->setSelectedColor(otherColor(pal));
    // One series, labelled on the axis: a legend would only say "processes".
    m_topView->chart()->legend()->hide();
    QPen procPen(otherColor(pal), 2.5);
    m_procLine->setPen(procPen);
    QPen nsPen(views::nsTypeColor(NsType::Mnt, pal), 2.5);
    m_nsLine->setPen(nsPen);
    // Two scales, one grid: the right axis's own grid lines would not line up with the left's.
    m_nsY->setGridLineVisible(false);
    m_procY->setLabelsBrush(procPen.color());
    m_nsY->setLabelsBrush(nsPen.color());
    QPalette capPal = m_caption->palette();
    capPal.setColor(QPalette::WindowText, pal.color(QPalette::WindowText));
    m_caption->setPalette(capPal);
}

void ChartsPanel::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange)
        applyTheme();
    QWidget::changeEvent(event);
}

} // namespace nsviz
