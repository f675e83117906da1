// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Draws the cluster picture (circles, dots, warnings, labels, callouts, header, legend) on any
// QPainter: the view's widget, a QImage for PNG export and headless screenshots, an SVG generator.
// No widget in here: what to draw comes from setScene()/setStyle()/setFilter(), how it is framed
// (zoom, pan, selection, hover) from a ClusterPaintOptions passed to each paint call.

#include "app/cluster/clusterlabeler.h"
#include "app/cluster/clusterlayout.h"
#include "app/cluster/clusterstyle.h"

#include <QFont>
#include <QImage>
#include <QPointF>
#include <QRectF>
#include <QSizeF>
#include <QString>
#include <QVector>
#include <map>
#include <vector>

class QPainter;

namespace nsviz
{

/// How one picture is framed: the world-to-screen transform and the marks of the interaction.
struct ClusterPaintOptions {
    double scale = 1.0; ///< world-to-screen scale; 1 means one world unit per logical pixel
    QPointF offset;     ///< screen position of the world origin
    int selectedPid = 0;
    NsId selectedCluster;
    int hoverDot = -1;     ///< index into ClusterLayout::dots(), or -1
    bool redacted = false; ///< the header says the picture is redacted
    bool waiting = false;  ///< no data yet: the empty picture says "waiting", not "no processes"
    QFont font;            ///< base font; every text sets its own pixel size on a copy

    QPointF toScreen(double x, double y) const { return QPointF(x * scale, y * scale) + offset; }
    QPointF toWorld(QPointF screen) const { return (screen - offset) / scale; }
};

class ClusterPainter
{
public:
    static constexpr double kHeaderHeight = 70;
    static constexpr double kMargin = 18;
    static constexpr double kLegendWidth = 350;
    static constexpr double kLegendHeight = 158;
    static constexpr double kMinScale = 0.01;

    struct Transform {
        double scale = 1.0;
        QPointF offset;
    };

    /// The data drawn: @p snapshot laid out as @p layout with @p labels (one per cluster). The
    /// three are not copied: they must stay alive and unchanged until the next setScene() or
    /// clearScene(). Hands out hues to clusters seen for the first time and recomputes the colours.
    void setScene(const Snapshot &snapshot, const ClusterLayout &layout,
                  const std::vector<ClusterLabel> &labels);
    /// Draws nothing but the empty picture until the next setScene().
    void clearScene();
    /// Forgets which hue each namespace had (a new snapshot, not an update of the old one); takes
    /// effect at the next setScene().
    void resetHues();
    void setStyle(const ClusterStyle &style);
    const ClusterStyle &style() const { return m_style; }
    /// Dims what does not match @p text (pid, command, cluster title, namespace inode).
    void setFilter(const QString &text);

    /// Flagged processes in the scene (host network, isolated otherwise).
    int warningCount() const { return m_warningCount; }
    /// Hue of the cluster of namespace @p id as drawn (in order of appearance).
    QColor clusterHue(const NsId &id) const;
    /// Colour of dot @p dotIndex as drawn, the filter's dimming included.
    QColor dotColour(int dotIndex) const;

    /// Where the picture goes in a frame of @p size: below the header, beside or above the legend.
    static QRectF contentRect(const QSizeF &size);
    static QRectF legendRect(const QSizeF &size);
    /// The transform that fits @p layout into contentRect(@p size), with room for labels.
    static Transform fitTransform(const ClusterLayout &layout, const QSizeF &size);

    /// The whole picture over @p size logical pixels (export, headless, full repaint).
    void paint(QPainter &p, const QSizeF &size, const ClusterPaintOptions &o) const;
    /// Whether there is anything but the empty picture to draw.
    bool hasClusters() const { return m_layout && !m_layout->clusters().empty(); }
    /// What lives in world space (background, circles, dots, warning marks, labels) for the
    /// screen region @p area of a frame of @p viewSize; the view caches this layer.
    void paintWorld(QPainter &p, const QRectF &area, const QSizeF &viewSize,
                    const ClusterPaintOptions &o) const;
    /// What is drawn over the world layer: hover and selection rings, header, legend.
    void paintOverlay(QPainter &p, const QSizeF &size, const ClusterPaintOptions &o) const;

private:
    /// Flagged processes grouped by container (or process) for the callouts next to their cluster.
    struct WarningGroup {
        int cluster = 0;
        QString label;
        QString detail; ///< "host net · own mnt, pid, ipc"
        std::vector<int> dots;
    };

    void recolour();
    QColor baseDotColour(const ClusterLayout::Dot &d) const;
    void paintEmpty(QPainter &p, const QSizeF &size, const ClusterPaintOptions &o) const;
    void paintClusters(QPainter &p, const QRectF &world, const ClusterPaintOptions &o) const;
    void paintDots(QPainter &p, const QRectF &world, const ClusterPaintOptions &o) const;
    void paintWarnings(QPainter &p, const QRectF &world, const ClusterPaintOptions &o) const;
    void paintLabels(QPainter &p, const QRectF &area, const QSizeF &viewSize,
                     const ClusterPaintOptions &o) const;
    void paintCallouts(QPainter &p, const QRectF &area, QVector<QRectF> &taken,
                       const ClusterPaintOptions &o) const;
    void paintRings(QPainter &p, const ClusterPaintOptions &o) const;
    void paintHeader(QPainter &p, const QSizeF &size, const ClusterPaintOptions &o) const;
    void paintLegend(QPainter &p, const QSizeF &size, const ClusterPaintOptions &o) const;

    const Snapshot *m_snapshot = nullptr;
    const ClusterLayout *m_layout = nullptr;
    const std::vector<ClusterLabel> *m_labels = nullptr;
    ClusterStyle m_style = ClusterStyle::light();
    QString m_filter;

    /// Cluster hues handed out in order of appearance, so neighbours rarely share a colour.
    std::map<NsId, int> m_hueIndex;
    int m_nextHue = 0;
    int m_warningCount = 0;
    std::vector<WarningGroup> m_warningGroups;
    std::vector<QRgb> m_dotColour; ///< per dot, with the filter's dimming applied
    std::vector<std::uint8_t> m_clusterMatches;

    /// Raster targets stamp one pre-rendered antialiased dot per colour (a cache, hence mutable).
    mutable std::vector<QRgb> m_spriteKeys;
    mutable std::vector<QImage> m_sprites;
    mutable double m_spriteRadius = -1;
};

} // namespace nsviz
