// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// The cluster view: processes as dots inside one circle per namespace, painted directly with
// QPainter (no QGraphicsScene: 10k items would cost more in bookkeeping than in drawing). The
// widget handles input (mouse, wheel, keys, tooltips, selection, zoom/pan/fit) and caches frames;
// ClusterPainter draws the picture, here and in exports and headless screenshots alike.

#include "app/cluster/clusterlabeler.h"
#include "app/cluster/clusterlayout.h"
#include "app/cluster/clusterpainter.h"
#include "app/cluster/clusterstyle.h"

#include <QImage>
#include <QPointer>
#include <QWidget>
#include <optional>

class QVariantAnimation;

namespace nsviz
{

class SnapshotStore;

class ClusterView : public QWidget
{
    Q_OBJECT
public:
    explicit ClusterView(SnapshotStore *store, QWidget *parent = nullptr);

    NsType groupBy() const { return m_layout.type(); }
    bool redacted() const { return m_redacted; }
    QString filterText() const { return m_filter; }
    /// What is drawn: the store's snapshot, or its redacted copy while redaction is on.
    const Snapshot &displayedSnapshot() const;
    const ClusterLayout &clusterLayout() const { return m_layout; }
    const std::vector<ClusterLabel> &labels() const { return m_labels; }
    int selectedPid() const { return m_selectedPid; }
    /// Milliseconds the last layout update and the last paint took.
    double lastLayoutMs() const { return m_layoutMs; }
    double lastPaintMs() const { return m_paintMs; }
    /// World-to-screen scale; 1 means one world unit per logical pixel.
    double zoom() const { return m_scale; }
    QPointF panOffset() const { return m_offset; }
    /// Size of every text and of the frame around the picture (1; presentation mode ~1.4).
    double textScale() const { return m_textScale; }
    void setTextScale(double scale);
    /// Force light (false) or dark (true) colours instead of following the palette.
    void setDarkOverride(std::optional<bool> dark);
    const ClusterStyle &style() const { return m_painter.style(); }

    /// Draws the picture; with paintOptions() it paints the view as it is on screen (same zoom,
    /// pan, selection) on any QPainter (PNG/SVG export, headless screenshots).
    const ClusterPainter &painter() const { return m_painter; }
    ClusterPaintOptions paintOptions() const;
    /// Paints what the widget shows, through the cached layer (what paintEvent does; the render
    /// benchmark times it).
    void paintFrame(QPainter &painter);
    /// Rich-text tooltip of process @p procIndex (index into displayedSnapshot().processes).
    QString toolTipForProcess(int procIndex) const;

    // ---- keyboard focus (a tree: clusters, and the processes inside the focused one) --------
    /// Cluster indices in reading order (rows top to bottom, left to right in a row): the order of
    /// Up/Down/Tab and of the accessible children.
    const std::vector<int> &clusterOrder() const { return m_clusterOrder; }
    /// Dot indices of cluster @p clusterIndex in pid order: the order of Up/Down inside a cluster.
    std::vector<int> dotOrder(int clusterIndex) const;
    /// Cluster holding the keyboard focus (-1: none), and the focused process's dot (-1: the
    /// focus is on the cluster itself).
    int focusCluster() const { return m_layout.clusterIndex(m_focusCluster); }
    int focusDot() const { return m_focusPid ? m_layout.dotOfPid(m_focusPid) : -1; }
    /// Text a screen reader says for a cluster or a process: what the picture's label says, the
    /// sandbox, and the host-network flag.
    QString accessibleClusterName(int clusterIndex) const;
    QString accessibleProcessName(int dotIndex) const;
    /// Widget rectangles of a cluster's circle and of a dot (for accessibility and the context menu).
    QRect clusterRect(int clusterIndex) const;
    QRect dotRect(int dotIndex) const;
    /// Moves the keyboard focus (and the selection with it) to a cluster, or to a process.
    void focusClusterAt(int clusterIndex);
    void focusDotAt(int dotIndex);

    QSize sizeHint() const override { return {960, 640}; }
    QSize minimumSizeHint() const override { return {240, 180}; }

public Q_SLOTS:
    void setGroupBy(nsviz::NsType type);
    void setRedacted(bool on);
    void setFilterText(const QString &text);
    /// De-emphasises service sandboxes and engine helpers (ClusterPainter::setDimInformational).
    void setDimInformational(bool dim);
    void fitToView();
    void zoomIn();
    void zoomOut();
    void zoomToCluster(int clusterIndex);
    /// Ends a zoom gesture: the next frame is rendered sharp at the new scale (the widget does this
    /// 120 ms after the last wheel step).
    void finishZoomGesture();
    /// Moves the picture by @p delta logical pixels (drag, arrow keys, benchmarks).
    void panBy(QPointF delta);
    /// Selects the process and brings it into view (from a findings list, a table, ...).
    void selectPid(int pid);
    /// Packs from scratch (tightens the picture after many clusters came and went).
    void compactLayout();

Q_SIGNALS:
    /// A process was clicked (0: selection cleared).
    void processSelected(int pid);
    /// A cluster was clicked: the namespace of type groupBy() with this id.
    void clusterSelected(nsviz::NsType type, quint64 dev, quint64 inode);
    void layoutUpdated();
    /// The keyboard focus moved to another cluster or process.
    void focusItemChanged();

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void mouseDoubleClickEvent(QMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void leaveEvent(QEvent *event) override;
    void changeEvent(QEvent *event) override;
    bool event(QEvent *event) override;
    void focusInEvent(QFocusEvent *event) override;
    void focusOutEvent(QFocusEvent *event) override;
    bool focusNextPrevChild(bool next) override;

private:
    void onReset();
    void onDelta();
    void rebuild();
    void applyStyle();
    void animateTo(double scale, QPointF offset);
    void zoomAround(double factor, QPointF anchor);
    QPointF toWorld(QPointF screen) const { return (screen - m_offset) / m_scale; }
    QPointF toScreen(double x, double y) const { return QPointF(x * m_scale, y * m_scale) + m_offset; }
    int dotAtScreen(QPointF pos) const;
    /// Brings a cluster into view when it is (partly) off screen; keeps the zoom otherwise.
    void revealCluster(int clusterIndex);
    /// Steps the focus through clusterOrder() / dotOrder() by @p step (wrapping with @p wrap).
    bool moveFocus(int step, bool wrap);
    void focusEdge(bool last);
    /// From a cluster to its first process (Right, Enter).
    void descend();
    void notifyFocus();
    std::vector<int> computeClusterOrder() const;
    /// Where the keyboard's context menu opens: the focused item's centre.
    QPoint focusPoint() const;
    /// The cached picture of the world layer for the viewport plus a margin: pan frames are a
    /// blit, zoom frames scale it until a crisp re-render shortly after the last step.
    void renderLayer();
    bool layerCovers() const;
    void invalidateLayer();

    QPointer<SnapshotStore> m_store;
    ClusterLayout m_layout;
    ClusterPainter m_painter;
    std::optional<bool> m_darkOverride;
    double m_textScale = 1.0;
    bool m_redacted = false;
    Snapshot m_redactedSnapshot;
    bool m_localUsers = false;
    std::vector<ClusterLabel> m_labels;
    QString m_filter;
    QImage m_layer;
    double m_layerScale = 0;
    QPointF m_layerOffset;
    bool m_layerValid = false;
    class QTimer *m_crispTimer = nullptr;

    double m_scale = 1.0;
    QPointF m_offset;
    bool m_userMoved = false; ///< once the user zoomed or panned, updates and resizes keep the view
    QVariantAnimation *m_anim = nullptr;
    double m_animFromScale = 1, m_animToScale = 1;
    QPointF m_animFromOffset, m_animToOffset;

    int m_selectedPid = 0;
    NsId m_selectedCluster;
    /// Keyboard focus: follows the selection (mouse, other views) and leads it (keys).
    NsId m_focusCluster;
    int m_focusPid = 0;
    std::vector<int> m_clusterOrder;
    int m_hoverDot = -1;
    QPoint m_pressPos;
    QPointF m_pressOffset;
    bool m_pressed = false;
    bool m_dragging = false;

    double m_layoutMs = 0;
    double m_paintMs = 0;
};

} // namespace nsviz
