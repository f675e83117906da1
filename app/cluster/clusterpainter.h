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
#include <QHash>
#include <QImage>
#include <QLineF>
#include <QPointF>
#include <QRectF>
#include <QSizeF>
#include <QString>
#include <QStringList>
#include <QVector>
#include <array>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

class QPainter;

namespace nsviz
{

/// One piece of text the painter drew, where it drew it: the record behind `--layout-json` and
/// the overlap tests. Recorded by the painting code itself, so it cannot drift from the picture.
struct PaintedItem {
    enum class Kind { Title, Subtitle, Label, Badge, Callout, Legend, List };
    Kind kind = Kind::Label;
    QRectF rect;          ///< logical pixels of the frame
    QString text;         ///< what it says, lines joined by '\n'
    quint64 ns = 0;       ///< inode of the namespace it names, 0 for none
    bool flagged = false; ///< names or announces processes flagged for the host network
    /// The leader line from what it names to the text (callouts, and numbers moved off their
    /// circle); null when there is none. No two leader lines cross.
    QLineF line;
    /// What a comparison says of what it names: "new", "gone", "moved", "" for nothing (or no
    /// comparison).
    QString mark;

    static const char *kindName(Kind k);
};

/// What a comparison of two moments (nsviz.compare/1) marks in a picture of the later one: the
/// scene then holds B plus the processes and namespaces only A had (drawn as ghosts).
struct ClusterMarks {
    enum class Mark : std::uint8_t { None, New, Gone, Moved };
    std::vector<Mark> process; ///< per Snapshot::processes index of the scene
    std::map<NsId, Mark> ns;   ///< New or Gone
    QString title;             ///< replaces "Processes by TYPE namespace": "A (time) → B (time)"
    QString subtitle;          ///< replaces the scene's counts (they would mix A and B)
    QStringList changes;       ///< the change list drawn beside the picture ("+ 4242 nginx")
    QStringList changeMarks;   ///< per line of changes: "new", "gone", "moved" or ""
    static const char *markName(Mark m);
};

/// How one picture is framed: the world-to-screen transform and the marks of the interaction.
struct ClusterPaintOptions {
    double scale = 1.0; ///< world-to-screen scale; 1 means one world unit per logical pixel
    QPointF offset;     ///< screen position of the world origin
    int selectedPid = 0;
    NsId selectedCluster;
    int hoverDot = -1; ///< index into ClusterLayout::dots(), or -1
    /// The keyboard focus ring (only the widget on screen sets it: exports never show it): a ring
    /// around the circle of focusCluster, or around the dot of focusPid when that is not 0.
    bool showFocus = false;
    NsId focusCluster;
    int focusPid = 0;
    bool redacted = false;  ///< the header says the picture is redacted
    bool waiting = false;   ///< no data yet: the empty picture says "waiting", not "no processes"
    QFont font;             ///< base font; every text sets its own pixel size on a copy
    double textScale = 1.0; ///< every text and the frame around the picture (presentation: ~1.4)
    /// The picture is being dragged, zoomed or animated: labels wait until it rests.
    bool moving = false;
    /// When set, each paint() appends what it drew (cleared first); nullptr records nothing.
    std::vector<PaintedItem> *record = nullptr;

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

    /// The data drawn: @p snapshot laid out as @p layout (updated with this very snapshot: its dots
    /// class the processes) with @p labels (one per cluster). The
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
    /// Marks of a comparison (nullptr: none). Not copied: must stay alive and unchanged until the
    /// next setMarks(); set before setScene(), which colours by them.
    void setMarks(const ClusterMarks *marks);
    const ClusterStyle &style() const { return m_style; }
    /// Dims what does not match @p text (pid, command, cluster title, namespace inode).
    void setFilter(const QString &text);
    /// Dims, and leaves unnamed, the circles of service sandboxes and engine helpers
    /// (ClusterLabel::informational), as the findings hide them by default.
    void setDimInformational(bool dim);
    bool dimInformational() const { return m_dimInformational; }
    /// Whether cluster @p i is drawn dimmed (the filter, or de-emphasised information).
    bool clusterDimmed(int i) const;

    /// Flagged processes in the scene (host network, isolated otherwise).
    int warningCount() const { return m_warningCount; }
    /// Hue of the cluster of namespace @p id as drawn (in order of appearance).
    QColor clusterHue(const NsId &id) const;
    /// Colour of dot @p dotIndex as drawn, the filter's dimming included.
    QColor dotColour(int dotIndex) const;

    /// How a circle is drawn: its fill, its outline's colour, width and line style.
    struct CircleStyle {
        QColor fill, stroke;
        double width = 1.4;
        Qt::PenStyle pen = Qt::SolidLine;
    };
    /// The style of cluster @p c before any dimming: the host's, a partly isolated namespace's
    /// (its hue), dashed for a namespace held by a bind mount or fd with no process, dotted grey
    /// for processes whose namespace is not readable, and dotted grey over a grey fill for the
    /// exited processes (zombies), which have no namespace at all.
    CircleStyle circleStyle(const ClusterLayout::Cluster &c) const;
    /// The texts of the legend's rows, in order: the fixed ones, then a row for the exited
    /// processes and one for unreadable namespaces only when the picture has such a circle.
    QStringList legendRows() const;

    /// Where the picture goes in a frame of @p size: below the header, beside or above the legend
    /// (never under it), with @p textScale as in ClusterPaintOptions.
    static QRectF contentRect(const QSizeF &size, double textScale = 1.0);
    static QRectF legendRect(const QSizeF &size, double textScale = 1.0);
    /// The room beside the legend (above it, or right of it) where the key to circles too crowded
    /// for a label on the picture is listed.
    static QRectF keyListRect(const QSizeF &size, double textScale = 1.0);
    static double headerHeight(double textScale = 1.0) { return kHeaderHeight * textScale; }
    /// The transform that fits @p layout into contentRect(@p size), with room for labels.
    static Transform fitTransform(const ClusterLayout &layout, const QSizeF &size, double textScale = 1.0);

    /// The whole picture over @p size logical pixels (export, headless, full repaint).
    void paint(QPainter &p, const QSizeF &size, const ClusterPaintOptions &o) const;
    /// Whether there is anything but the empty picture to draw.
    bool hasClusters() const { return m_layout && !m_layout->clusters().empty(); }
    /// What lives in world space (background, circles, dots, warning marks) for the
    /// screen region @p area of a frame of @p viewSize; the view caches this layer.
    void paintWorld(QPainter &p, const QRectF &area, const QSizeF &viewSize,
                    const ClusterPaintOptions &o) const;
    /// What is drawn over the world layer: hover and selection rings, labels, callouts, badges,
    /// the key list, header and legend. Labels are placed here, in screen space, for this frame.
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
    /// Rings of moved processes, outlines of gone ones, the green edge of new ones.
    void paintMarks(QPainter &p, const QRectF &world, const ClusterPaintOptions &o) const;
    ClusterMarks::Mark processMark(int proc) const;
    ClusterMarks::Mark nsMark(const NsId &id) const;
    struct Placement; // the state of one frame's label placement (clusterpainter.cpp)
    /// Labels, callouts, badges and the key list: every circle holding processes that are not the
    /// host's, and every flagged group, is named on the picture or keyed into the list.
    void paintLabels(QPainter &p, const QSizeF &size, Placement &pl, const ClusterPaintOptions &o) const;
    void paintCallouts(QPainter &p, Placement &pl, const ClusterPaintOptions &o) const;
    void paintKeys(QPainter &p, const QSizeF &size, Placement &pl, const ClusterPaintOptions &o) const;
    /// A comparison's change list, at the top of the column the key list uses.
    void paintChanges(QPainter &p, Placement &pl, const ClusterPaintOptions &o) const;
    void paintRings(QPainter &p, const ClusterPaintOptions &o) const;
    /// Header, legend, and (unless moving) labels, callouts, badges and the key list.
    void paintTexts(QPainter &p, const QSizeF &size, const ClusterPaintOptions &o) const;
    void paintHeader(QPainter &p, const QSizeF &size, Placement &pl, const ClusterPaintOptions &o) const;
    void paintLegend(QPainter &p, const QSizeF &size, const ClusterPaintOptions &o) const;

    const Snapshot *m_snapshot = nullptr;
    const ClusterLayout *m_layout = nullptr;
    const std::vector<ClusterLabel> *m_labels = nullptr;
    const ClusterMarks *m_marks = nullptr;
    ClusterStyle m_style = ClusterStyle::light();
    QString m_filter;
    bool m_dimInformational = false;

    /// Cluster hues handed out in order of appearance, so neighbours rarely share a colour. Only
    /// the data decides: a fresh painter, or another grouping type, starts from the first hue.
    std::map<NsId, int> m_hueIndex;
    int m_nextHue = 0;
    std::optional<NsType> m_hueType;
    /// Where each label went last (candidate index), tried first next frame: labels stay put
    /// across updates and pans unless their circle moves or the spot is taken.
    mutable std::map<NsId, int> m_lastSpot;
    int m_warningCount = 0;
    std::vector<WarningGroup> m_warningGroups;
    std::vector<QRgb> m_dotColour; ///< per dot, with the filter's dimming applied
    std::vector<std::uint8_t> m_clusterMatches;

    /// Everything paintTexts() drew for one frame on screen, reused while nothing it depends on
    /// changed (hover and selection rings are drawn apart).
    struct TextCacheKey {
        double scale = 0;
        QPointF offset;
        QSizeF size;
        double textScale = 0;
        qreal dpr = 0;
        quint64 generation = 0;
        bool redacted = false, moving = false;
        QFont font;
        bool operator==(const TextCacheKey &k) const
        {
            return scale == k.scale && offset == k.offset && size == k.size && textScale == k.textScale &&
                   dpr == k.dpr && generation == k.generation && redacted == k.redacted &&
                   moving == k.moving && font == k.font;
        }
    };
    quint64 m_generation = 0; ///< bumped whenever the scene, style or filter changes
    mutable TextCacheKey m_textCacheKey;
    mutable QImage m_textCache;

    /// Raster targets stamp one pre-rendered antialiased dot per colour (a cache, hence mutable).
    mutable std::vector<QRgb> m_spriteKeys;
    mutable std::vector<QImage> m_sprites;
    mutable double m_spriteRadius = -1;
    /// paintClusters() on raster targets: each small circle (with its halo and selection ring) is
    /// drawn once per look and then stamped; rasterising 500 antialiased circles, some with dashed
    /// outlines, on every repaint was the largest part of a live host's paint. Keyed by everything
    /// the circle's pixels depend on; bounded in bytes (kCircleCacheBytes).
    struct CircleKey {
        int r8 = 0; ///< device radius in eighths of a pixel
        QRgb fill = 0, stroke = 0;
        int width8 = 0; ///< pen width (device px) in eighths
        int pen = 0;
        bool halo = false, selected = false;
        qreal dpr = 1;
        bool operator==(const CircleKey &) const = default;
    };
    struct CircleKeyHash {
        std::size_t operator()(const CircleKey &k) const noexcept;
    };
    struct CircleSprite {
        QImage image;
        quint64 lastUsed = 0;
    };
    mutable std::unordered_map<CircleKey, CircleSprite, CircleKeyHash> m_circles;
    mutable std::size_t m_circleBytes = 0;
    mutable quint64 m_circlePaints = 0;
    /// paintWarnings(): the flagged dot (with its halo when zoomed in), and what it was drawn for
    /// (outer radius, dot radius, device pixel ratio, halo).
    mutable QImage m_warningSprite;
    mutable std::array<double, 4> m_warningSpriteKey{};
    /// Text widths (QFontMetricsF::horizontalAdvance()) by font key and text, kept across scenes:
    /// the labels and callouts measure hundreds of texts whenever the scene changes (5 % of the
    /// GUI's CPU under churn at 10k processes), and few of those texts change.
    mutable QHash<QString, QHash<QString, qreal>> m_advances;
};

} // namespace nsviz
