// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/export/viewexporter.h"

#include "app/cluster/clusterview.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QPainter>
#include <QSaveFile>
#include <QSvgGenerator>
#include <QWidget>

namespace nsviz
{

std::optional<ViewExporter::Target> ViewExporter::askTarget(QWidget *parent, const QString &suggestedName)
{
    const QString title = QStringLiteral("Export Picture");
    Target t;
    t.file = QFileDialog::getSaveFileName(parent, title, suggestedName,
                                          QStringLiteral("PNG image (*.png);;SVG drawing (*.svg)"));
    if (t.file.isEmpty())
        return std::nullopt;
    if (!t.file.endsWith(QLatin1String(".svg"), Qt::CaseInsensitive)) {
        bool ok = false;
        const QString s = QInputDialog::getItem(
            parent, title, QStringLiteral("Pixel scale:"),
            {QStringLiteral("1×"), QStringLiteral("2×"), QStringLiteral("4×")}, 1, false, &ok);
        if (!ok)
            return std::nullopt;
        t.scale = s.left(1).toDouble();
    }
    return t;
}

ViewExporter::Picture ViewExporter::pictureOf(QWidget *view)
{
    Picture picture{view->size(), view->palette().color(QPalette::Window), {}};
    if (auto *cv = qobject_cast<ClusterView *>(view)) {
        // The painter, not the widget: no cached layer, vector output stays vector.
        picture.paint = [cv](QPainter &p) { cv->painter().paint(p, cv->size(), cv->paintOptions()); };
    } else {
        picture.paint = [view](QPainter &p) {
            view->render(&p, QPoint(), QRegion(), QWidget::DrawWindowBackground | QWidget::DrawChildren);
        };
    }
    return picture;
}

QImage ViewExporter::renderImage(const Picture &picture, double scale)
{
    QImage img(picture.size * scale, QImage::Format_ARGB32_Premultiplied);
    img.setDevicePixelRatio(scale);
    img.fill(picture.background);
    QPainter p(&img);
    p.setRenderHint(QPainter::Antialiasing);
    p.setRenderHint(QPainter::TextAntialiasing);
    picture.paint(p);
    p.end();
    return img;
}

bool ViewExporter::savePng(const Picture &picture, const QString &file, double scale, QString *error)
{
    if (scale < 1 || scale > 8) {
        if (error)
            *error = QStringLiteral("scale must be between 1 and 8");
        return false;
    }
    const QImage img = renderImage(picture, scale);
    // QSaveFile: a failed write never leaves a half-written picture behind the old one.
    QSaveFile f(file);
    if (!f.open(QIODevice::WriteOnly) || !img.save(&f, "PNG") || !f.commit()) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(file, f.errorString());
        return false;
    }
    return true;
}

bool ViewExporter::saveSvg(const Picture &picture, const QString &file, QString *error)
{
    QSaveFile f(file);
    if (!f.open(QIODevice::WriteOnly)) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(file, f.errorString());
        return false;
    }
    QSvgGenerator gen;
    gen.setOutputDevice(&f);
    gen.setSize(picture.size);
    gen.setViewBox(QRect(QPoint(0, 0), picture.size));
    gen.setTitle(QStringLiteral("nsviz"));
    gen.setDescription(QStringLiteral("Linux namespaces drawn by nsviz"));
    QPainter p;
    if (!p.begin(&gen)) {
        if (error)
            *error = QStringLiteral("cannot start the SVG painter");
        return false;
    }
    picture.paint(p);
    p.end();
    if (!f.commit()) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(file, f.errorString());
        return false;
    }
    return true;
}

bool ViewExporter::save(const Picture &picture, const QString &file, double scale, QString *error)
{
    if (QFileInfo(file).suffix().compare(QStringLiteral("svg"), Qt::CaseInsensitive) == 0)
        return saveSvg(picture, file, error);
    return savePng(picture, file, scale, error);
}

} // namespace nsviz
