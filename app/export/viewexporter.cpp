// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/export/viewexporter.h"

#include "app/cluster/clusterview.h"

#include <QFileInfo>
#include <QPainter>
#include <QSaveFile>
#include <QSvgGenerator>
#include <QWidget>

namespace nsviz
{

namespace
{
void paintView(QWidget *view, QPainter &p)
{
    if (auto *cv = qobject_cast<ClusterView *>(view))
        cv->paintScene(p, view->size());
    else
        view->render(&p, QPoint(), QRegion(), QWidget::DrawWindowBackground | QWidget::DrawChildren);
}
} // namespace

QImage ViewExporter::renderImage(QWidget *view, double scale)
{
    const QSize logical = view->size();
    QImage img(logical * scale, QImage::Format_ARGB32_Premultiplied);
    img.setDevicePixelRatio(scale);
    img.fill(view->palette().color(QPalette::Window));
    QPainter p(&img);
    p.setRenderHint(QPainter::Antialiasing);
    p.setRenderHint(QPainter::TextAntialiasing);
    paintView(view, p);
    p.end();
    return img;
}

bool ViewExporter::savePng(QWidget *view, const QString &file, double scale, QString *error)
{
    if (scale < 1 || scale > 8) {
        if (error)
            *error = QStringLiteral("scale must be between 1 and 8");
        return false;
    }
    const QImage img = renderImage(view, scale);
    // QSaveFile: a failed write never leaves a half-written picture behind the old one.
    QSaveFile f(file);
    if (!f.open(QIODevice::WriteOnly) || !img.save(&f, "PNG") || !f.commit()) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(file, f.errorString());
        return false;
    }
    return true;
}

bool ViewExporter::saveSvg(QWidget *view, const QString &file, QString *error)
{
    QSaveFile f(file);
    if (!f.open(QIODevice::WriteOnly)) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(file, f.errorString());
        return false;
    }
    QSvgGenerator gen;
    gen.setOutputDevice(&f);
    gen.setSize(view->size());
    gen.setViewBox(QRect(QPoint(0, 0), view->size()));
    gen.setTitle(QStringLiteral("nsviz"));
    gen.setDescription(QStringLiteral("Linux namespaces drawn by nsviz"));
    QPainter p;
    if (!p.begin(&gen)) {
        if (error)
            *error = QStringLiteral("cannot start the SVG painter");
        return false;
    }
    paintView(view, p);
    p.end();
    if (!f.commit()) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(file, f.errorString());
        return false;
    }
    return true;
}

bool ViewExporter::save(QWidget *view, const QString &file, double scale, QString *error)
{
    if (QFileInfo(file).suffix().compare(QStringLiteral("svg"), Qt::CaseInsensitive) == 0)
        return saveSvg(view, file, error);
    return savePng(view, file, scale, error);
}

} // namespace nsviz
