// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// The picture of a comparison of two moments (nsviz.compare/1): the cluster picture of moment B,
// with what only A had drawn as ghosts where it was, and the comparison's marks: new processes and
// namespaces green ("+"), gone ones as outlines ("−"), processes that moved between namespaces with
// an amber ring, and the change list beside it. One object serves the compare window, its exports
// and the headless `nsviz --compare A B --screenshot`.

#include "app/cluster/clusterlabeler.h"
#include "app/cluster/clusterlayout.h"
#include "app/cluster/clusterpainter.h"

#include <QSizeF>
#include <nlohmann/json.hpp>
#include <vector>

namespace nsviz
{

class ComparePicture
{
public:
    /// B with the processes and namespaces only A had (by (pid, start time) and (type, dev,
    /// inode)), so the picture of B can show where the gone ones were.
    static Snapshot merge(const Snapshot &a, const Snapshot &b);

    /// Shows @p cmp (compareSnapshots() of A and B) over @p merged (merge(A, B)), both already
    /// redacted when the picture is to be, grouped by @p groupBy.
    void setComparison(const Snapshot &merged, const nlohmann::json &cmp, NsType groupBy, bool localUsers);
    void setStyle(const ClusterStyle &style) { m_painter.setStyle(style); }

    /// The whole picture over @p size, fitted; @p o's scale and offset are set here.
    void paint(QPainter &p, const QSizeF &size, ClusterPaintOptions o) const;

    const Snapshot &scene() const { return m_scene; }
    const ClusterMarks &marks() const { return m_marks; }
    const ClusterLayout &layout() const { return m_layout; }
    const ClusterPainter &painter() const { return m_painter; }
    const nlohmann::json &comparison() const { return m_cmp; }

private:
    Snapshot m_scene;
    nlohmann::json m_cmp;
    ClusterLayout m_layout;
    std::vector<ClusterLabel> m_labels;
    ClusterMarks m_marks;
    ClusterPainter m_painter;
};

} // namespace nsviz
