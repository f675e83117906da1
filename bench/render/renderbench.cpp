// SPDX-License-Identifier: GPL-2.0-or-later
// nsviz-render-bench: how long the cluster view takes to lay out and paint synthetic hosts of
// 1k/10k/50k processes, offscreen (raster paint engine, as the widget's backing store uses).
//
//   nsviz-render-bench [--sizes 1000,10000,50000] [--frames 30] [--width 1600 --height 1000]
//
// Reports medians and 95th percentiles in milliseconds as a Markdown table. Budgets from the
// issue: first paint of 10k within 300 ms after the data is there, pan/zoom frames within 16 ms.
#include "app/cluster/clusterlayout.h"
#include "app/cluster/clusterview.h"
#include "app/models/snapshotstore.h"
#include "bench/render/syntheticsnapshot.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QImage>
#include <QPainter>
#include <QTextStream>
#include <algorithm>
#include <functional>
#include <vector>

using namespace nsviz;

namespace
{

struct Stat {
    double median = 0, p95 = 0;
};

Stat stat(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    if (v.empty())
        return {};
    return {v[v.size() / 2], v[std::min(v.size() - 1, static_cast<std::size_t>(v.size() * 0.95))]};
}

double timeMs(const std::function<void()> &f)
{
    QElapsedTimer t;
    t.start();
    f();
    return t.nsecsElapsed() / 1e6;
}

QString fmt(double ms)
{
    return QString::number(ms, 'f', ms < 10 ? 2 : 1);
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Cluster view layout and paint times on synthetic snapshots"));
    parser.addHelpOption();
    QCommandLineOption sizesOpt(QStringLiteral("sizes"), QStringLiteral("Process counts, comma separated."),
                                QStringLiteral("LIST"), QStringLiteral("1000,10000,50000"));
    QCommandLineOption framesOpt(QStringLiteral("frames"), QStringLiteral("Frames per measurement."),
                                 QStringLiteral("N"), QStringLiteral("30"));
    QCommandLineOption widthOpt(QStringLiteral("width"), QStringLiteral("View width."), QStringLiteral("PX"),
                                QStringLiteral("1600"));
    QCommandLineOption heightOpt(QStringLiteral("height"), QStringLiteral("View height."),
                                 QStringLiteral("PX"), QStringLiteral("1000"));
    parser.addOptions({sizesOpt, framesOpt, widthOpt, heightOpt});
    parser.process(app);
    const int frames = std::max(5, parser.value(framesOpt).toInt());
    const QSize size(parser.value(widthOpt).toInt(), parser.value(heightOpt).toInt());

    QTextStream out(stdout);
    out << "# nsviz render benchmark\n\n";
    out << "View " << size.width() << "x" << size.height() << ", raster engine, " << frames
        << " frames per row; times in ms, median / p95. Budgets: first paint of 10k <= 300 ms, pan/zoom "
           "frame <= 16 ms.\n\n";
    out << "| processes | clusters | layout (fresh) | layout (1 process starts) | first paint after data | "
           "full render (export, data change) | pan frame | zoom frame (gesture) | sharp re-render after "
           "zoom | pan frame at 4x zoom |\n";
    out << "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";

    for (const QString &sz : parser.value(sizesOpt).split(QLatin1Char(','))) {
        const int n = sz.toInt();
        if (n <= 0)
            continue;
        const Snapshot snap = bench::syntheticSnapshot(n);

        std::vector<double> fresh, incr;
        std::size_t clusters = 0;
        for (int r = 0; r < 5; ++r) {
            ClusterLayout l;
            fresh.push_back(timeMs([&] { l.update(snap); }));
            clusters = l.clusters().size();
            Snapshot next = snap;
            Process p = next.processes.back();
            p.pid += 1;
            p.startTime += 1;
            next.processes.push_back(p);
            incr.push_back(timeMs([&] { l.update(next); }));
        }

        QImage img(size, QImage::Format_ARGB32_Premultiplied);
        // What the widget does in paintEvent (cached layer, blit on pan, scale while zooming).
        auto paint = [&](ClusterView &v) {
            QPainter p(&img);
            v.paintFrame(p);
        };
        // A full render by the painter without the cache (what an export or a data change costs).
        auto paintFull = [&](ClusterView &v) {
            QPainter p(&img);
            v.painter().paint(p, size, v.paintOptions());
        };
        // First paint after the data is there: the store hands over the snapshot (the view lays
        // out and labels on that signal) and the first frame is painted.
        std::vector<double> first;
        for (int r = 0; r < 3; ++r) {
            SnapshotStore store;
            ClusterView view(&store);
            view.setDarkOverride(false);
            view.resize(size);
            first.push_back(timeMs([&] {
                store.setSnapshot(snap);
                paint(view);
            }));
        }

        SnapshotStore store;
        ClusterView view(&store);
        view.setDarkOverride(false);
        view.resize(size);
        store.setSnapshot(snap);
        view.fitToView();
        paint(view); // warm caches (fonts, glyphs)
        std::vector<double> full, pan, zoom, panZoomed;
        for (int f = 0; f < frames; ++f)
            full.push_back(timeMs([&] { paintFull(view); }));
        for (int f = 0; f < frames; ++f)
            pan.push_back(timeMs([&] {
                view.panBy(QPointF(f % 2 ? -9 : 9, 5));
                paint(view);
            }));
        for (int f = 0; f < frames; ++f)
            zoom.push_back(timeMs([&] {
                if (f % 2)
                    view.zoomOut();
                else
                    view.zoomIn();
                paint(view);
            }));
        // The sharp re-render after the wheel rests (120 ms later in the widget).
        std::vector<double> crisp;
        for (int f = 0; f < std::max(3, frames / 5); ++f) {
            if (f % 2)
                view.zoomOut();
            else
                view.zoomIn();
            view.finishZoomGesture();
            crisp.push_back(timeMs([&] { paint(view); }));
        }
        view.fitToView();
        for (int k = 0; k < 6; ++k)
            view.zoomIn(); // 1.25^6 ~ 3.8x
        view.finishZoomGesture();
        paint(view); // the sharp render at this scale; pans then reuse it
        for (int f = 0; f < frames; ++f)
            panZoomed.push_back(timeMs([&] {
                view.panBy(QPointF(f % 2 ? -9 : 9, 5));
                paint(view);
            }));
        auto cell = [&](const std::vector<double> &v) -> QString {
            const Stat s = stat(v);
            return fmt(s.median) + QStringLiteral(" / ") + fmt(s.p95);
        };
        out << "| " << n << " | " << clusters << " | " << cell(fresh) << " | " << cell(incr) << " | "
            << cell(first) << " | " << cell(full) << " | " << cell(pan) << " | " << cell(zoom) << " | "
            << cell(crisp) << " | " << cell(panZoomed) << " |\n";
        out.flush();
    }
    return 0;
}
