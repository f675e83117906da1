// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Pictures of a view for training material: PNG at 1x/2x/4x and SVG. The cluster picture is drawn
// by ClusterPainter (vector all the way into SVG), with or without its widget; other views render
// as widgets.

#include <QColor>
#include <QImage>
#include <QSize>
#include <QString>
#include <functional>
#include <optional>

class QPainter;
class QWidget;

namespace nsviz
{

class ViewExporter
{
public:
    /// Something to export: its size in logical pixels and how to paint it.
    struct Picture {
        QSize size;
        QColor background; ///< filled under the painting (raster output only)
        std::function<void(QPainter &)> paint;
    };
    /// @p view as it is on screen, at its current size.
    static Picture pictureOf(QWidget *view);

    /// Renders @p picture at its size (logical pixels) times @p scale.
    static QImage renderImage(const Picture &picture, double scale);
    /// Saves a PNG; false with @p error set on failure.
    static bool savePng(const Picture &picture, const QString &file, double scale, QString *error);
    /// Saves an SVG (text stays text, so it can be edited and searched).
    static bool saveSvg(const Picture &picture, const QString &file, QString *error);
    /// Picks PNG or SVG from the file suffix.
    static bool save(const Picture &picture, const QString &file, double scale, QString *error);

    /// Where a picture goes and at what pixel scale.
    struct Target {
        QString file;
        double scale = 1; ///< 1 for SVG
    };
    /// Asks the user for a PNG or SVG file (suggesting @p suggestedName) and, for a PNG, a pixel
    /// scale of 1x, 2x or 4x; nothing when either dialog is cancelled.
    static std::optional<Target> askTarget(QWidget *parent, const QString &suggestedName);

    /// The same for a widget, through pictureOf().
    static QImage renderImage(QWidget *view, double scale) { return renderImage(pictureOf(view), scale); }
    static bool savePng(QWidget *view, const QString &file, double scale, QString *error)
    {
        return savePng(pictureOf(view), file, scale, error);
    }
    static bool saveSvg(QWidget *view, const QString &file, QString *error)
    {
        return saveSvg(pictureOf(view), file, error);
    }
    static bool save(QWidget *view, const QString &file, double scale, QString *error)
    {
        return save(pictureOf(view), file, scale, error);
    }
};

} // namespace nsviz
