// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Charts (Qt Charts): namespaces per type (host / other / hidden, stacked), the biggest non-host
// namespaces by process count, and a live timeline of process and namespace counts since the panel
// was created. Updated on every batch of store deltas; while hidden only the timeline's history,
// the bars and the drawn lines when shown again. The lines follow the history at most twice a
// second: under churn a batch settles 10-30 times a second, and each point added to a Qt Charts
// line strokes its whole path again (a tenth of the GUI thread at 10k processes, tab hidden).

#include "app/models/namespacestats.h"

#include <QList>
#include <QPointF>
#include <QWidget>

#include <functional>

class QLabel;
class QChart;
class QChartView;
class QBarSet;
class QBarCategoryAxis;
class QValueAxis;
class QDateTimeAxis;
class QLineSeries;
class QStackedBarSeries;
class QTimer;
class QHorizontalBarSeries;

namespace nsviz
{

class SnapshotStore;

class ChartsPanel : public QWidget
{
    Q_OBJECT
public:
    explicit ChartsPanel(SnapshotStore *store, QWidget *parent = nullptr);

    /// The numbers currently drawn.
    const NamespaceStats &stats() const { return m_stats; }
    /// The timeline's history: a point per update (x: ms since the epoch, y: the store's counts).
    const QList<QPointF> &processHistory() const { return m_procPoints; }
    const QList<QPointF> &namespaceHistory() const { return m_nsPoints; }
    /// The drawn lines: the history as of the last sync (see syncTimeline()).
    QLineSeries *processSeries() const { return m_procLine; }
    QLineSeries *namespaceSeries() const { return m_nsLine; }
    /// The lines follow the history at most this often while the panel is shown (ms).
    static constexpr int kTimelineSyncMs = 500;
    QChartView *typeChartView() const { return m_typeView; }
    QChartView *topChartView() const { return m_topView; }
    QChartView *timelineView() const { return m_timeView; }
    /// Category labels of the top chart, top bar first.
    QStringList topLabels() const;
    /// The bar set of the top chart (bars bottom-up: index size-1 is the biggest).
    QBarSet *topBarSet() const { return m_topSet; }
    /// Tooltip text of a top chart bar, as shown on hover (top entry @p entry, biggest first).
    QString topToolTip(int entry) const;
    /// Replace the wall clock (tests).
    void setClock(std::function<qint64()> clock) { m_clock = std::move(clock); }
    /// The timeline keeps at most this many points (oldest dropped).
    static constexpr int kMaxTimelinePoints = 3600;

public Q_SLOTS:
    /// Highlight the bars of the namespaces @p pid is in (no processSelected() echo).
    void selectProcess(int pid);

Q_SIGNALS:
    /// The user clicked a bar of the top chart: its namespace's leading process.
    void processSelected(int pid);

protected:
    void changeEvent(QEvent *event) override;
    void showEvent(QShowEvent *event) override;
    /// Brings the lines up to date before the charts paint: a grab or an export of the panel shows
    /// the whole history, however recent its last point.
    void paintEvent(QPaintEvent *event) override;

private:
    void refresh();
    /// After a live update: everything when shown; while hidden (another tab) only the timeline's
    /// point (from the store's counts), the bars wait for showEvent().
    void onSettled();
    void updateBars();
    QString redacted(const QString &text) const;
    void addTimelinePoint();
    /// The lines and the time axis from the history, when it changed since the last time.
    void syncTimeline();
    void updateTypeChart();
    void updateTopChart();
    void updateTimelineAxes();
    void applyTheme();
    void styleChart(QChart *chart);

    SnapshotStore *m_store;
    NamespaceStats m_stats;
    std::function<qint64()> m_clock;
    int m_selectedPid = 0;
    std::string m_hostKey;    ///< hostname + boot id: a different host starts a new timeline
    bool m_barsStale = false; ///< updates came while hidden: the bars are of an older picture
    QList<QPointF> m_procPoints;
    QList<QPointF> m_nsPoints;
    bool m_timelineStale = false;   ///< the history has points the lines do not show yet
    qint64 m_timelineSyncedAt = -1; ///< m_clock() at the last sync; -1: never

    QChartView *m_typeView;
    QChartView *m_topView;
    QChartView *m_timeView;
    QLabel *m_caption;
    QTimer *m_timelineTimer;

    QStackedBarSeries *m_typeSeries;
    QBarSet *m_hostSet;
    QBarSet *m_otherSet;
    QBarSet *m_hiddenSet;
    QValueAxis *m_typeY;

    QHorizontalBarSeries *m_topSeries;
    QBarSet *m_topSet;
    QBarCategoryAxis *m_topCategories;
    QValueAxis *m_topX;

    QLineSeries *m_procLine;
    QLineSeries *m_nsLine;
    QDateTimeAxis *m_timeX;
    QValueAxis *m_procY;
    QValueAxis *m_nsY;
};

} // namespace nsviz
