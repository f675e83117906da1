// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Pictures of a view for training material: PNG at 1x/2x/4x and SVG. The cluster view paints
// itself through ClusterView::paintScene (vector all the way into SVG); other views render as widgets.

#include <QImage>
#include <QSize>
#include <QString>

class QWidget;

namespace nsviz
{

class ViewExporter
{
public:
    /// Renders @p view at its current size (logical pixels) times @p scale.
    static QImage renderImage(QWidget *view, double scale);
    /// Saves a PNG; false with @p error set on failure.
    static bool savePng(QWidget *view, const QString &file, double scale, QString *error);
    /// Saves an SVG (text stays text, so it can be edited and searched).
    static bool saveSvg(QWidget *view, const QString &file, QString *error);
    /// Picks PNG or SVG from the file suffix.
    static bool save(QWidget *view, const QString &file, double scale, QString *error);
};

} // namespace nsviz
