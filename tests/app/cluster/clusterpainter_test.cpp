// SPDX-License-Identifier: GPL-2.0-or-later
// ClusterPainter without any widget: a layout of the host-small fixture painted onto a QImage (and
// an SVG) lands where the layout and the transform put it, flagged clusters get their red halo,
// the selection ring follows the options, and the layered path the view uses draws the same picture.
#include "app/cluster/clusterpainter.h"
#include "tests/app/cluster/layoutcheck.h"
#include "tests/app/gui_testutil.h"
#include "tests/common/enginesfixture.h"

#include <QBuffer>
#include <QPainter>
#include <QPicture>
#include <QRegularExpression>
#include <QSvgGenerator>
#include <algorithm>
#include <cmath>
#include <gtest/gtest.h>
#include <tuple>

using namespace nsviz;

namespace
{

const QSize kSize(1200, 800);

/// The fixture laid out by @p type, labelled, and handed to a painter: everything a picture needs.
struct Scene {
    Snapshot snapshot = guitest::hostSmall();
    ClusterLayout layout;
    std::vector<ClusterLabel> labels;
    ClusterPainter painter;
    ClusterPaintOptions options;

    explicit Scene(NsType type, const ClusterStyle &style = ClusterStyle::light()) { init(type, style); }
    Scene(NsType type, Snapshot s) : snapshot(std::move(s)) { init(type, ClusterStyle::light()); }
    void init(NsType type, const ClusterStyle &style)
    {
        layout.setType(type);
        layout.update(snapshot);
        labels = ClusterLabeler::labels(snapshot, layout, false);
        painter.setStyle(style);
        painter.setScene(snapshot, layout, labels);
        const auto fit = ClusterPainter::fitTransform(layout, kSize);
        options.scale = fit.scale;
        options.offset = fit.offset;
    }
    QImage render() const
    {
        QImage img(kSize, QImage::Format_ARGB32_Premultiplied);
        img.fill(Qt::black);
        QPainter p(&img);
        painter.paint(p, kSize, options);
        return img;
    }
    const ClusterLayout::Cluster &clusterOf(int pid) const
    {
        const int d = layout.dotOfPid(pid);
        EXPECT_GE(d, 0) << "no dot for pid " << pid;
        return layout.clusters()[layout.dots()[d].cluster];
    }
    QPointF screenCentre(const ClusterLayout::Cluster &c) const { return options.toScreen(c.x, c.y); }
    QPointF screenOfPid(int pid) const
    {
        const auto &d = layout.dots()[layout.dotOfPid(pid)];
        return options.toScreen(d.x, d.y);
    }
};

bool near(QRgb c, const QColor &colour, int tolerance)
{
    return std::abs(qRed(c) - colour.red()) <= tolerance &&
           std::abs(qGreen(c) - colour.green()) <= tolerance &&
           std::abs(qBlue(c) - colour.blue()) <= tolerance;
}

/// Pixels of @p colour whose centre is between @p r0 and @p r1 px from @p centre.
int countInRing(const QImage &img, QPointF centre, double r0, double r1, const QColor &colour, int tolerance)
{
    const QImage im = img.convertToFormat(QImage::Format_ARGB32);
    int n = 0;
    const int y0 = std::max(0, static_cast<int>(centre.y() - r1) - 1);
    const int y1 = std::min(im.height() - 1, static_cast<int>(centre.y() + r1) + 1);
    const int x0 = std::max(0, static_cast<int>(centre.x() - r1) - 1);
    const int x1 = std::min(im.width() - 1, static_cast<int>(centre.x() + r1) + 1);
    for (int y = y0; y <= y1; ++y)
        for (int x = x0; x <= x1; ++x) {
            const double dist = std::hypot(x + 0.5 - centre.x(), y + 0.5 - centre.y());
            if (dist >= r0 && dist <= r1 && near(im.pixel(x, y), colour, tolerance))
                ++n;
        }
    return n;
}

struct Blob {
    int count = 0;
    QPointF centroid;
};

/// Where the pixels of exactly @p colour are.
Blob find(const QImage &img, const QColor &colour)
{
    const QImage im = img.convertToFormat(QImage::Format_ARGB32);
    Blob b;
    QPointF sum;
    for (int y = 0; y < im.height(); ++y)
        for (int x = 0; x < im.width(); ++x)
            if (near(im.pixel(x, y), colour, 0)) {
                ++b.count;
                sum += QPointF(x + 0.5, y + 0.5);
            }
    if (b.count > 0)
        b.centroid = sum / b.count;
    return b;
}

} // namespace

TEST(ClusterPainter, HostCircleIsPaintedWhereTheLayoutPutsIt)
{
    // An opaque fill no other part of the picture uses, so the host's disc can be found exactly.
    ClusterStyle style = ClusterStyle::light();
    style.hostFill = QColor(0x12, 0xab, 0x34);
    Scene scene(NsType::Net, style);
    const auto &host = scene.clusterOf(1);
    ASSERT_TRUE(host.isHost);
    const double r = host.r * scene.options.scale;
    ASSERT_GT(r, 60) << "the host circle should be big in a 1200x800 picture of 49 processes";

    for (const QPointF pan : {QPointF(0, 0), QPointF(-140, 90)}) {
        scene.options.offset += pan;
        const QImage img = scene.render();
        const QPointF centre = scene.screenCentre(host);
        const Blob fill = find(img, style.hostFill);
        // Most of the disc is the fill (dots, the label and the badge cover the rest), nothing
        // outside it is, and the fill is centred where the layout and the transform put it.
        EXPECT_GT(fill.count, 0.6 * M_PI * r * r);
        EXPECT_EQ(countInRing(img, centre, 0, r + 1, style.hostFill, 0), fill.count);
        EXPECT_LT(QLineF(fill.centroid, centre).length(), 0.1 * r)
            << "fill centred at " << fill.centroid.x() << "," << fill.centroid.y() << ", layout says "
            << centre.x() << "," << centre.y();
        // A plain host process is a host-coloured dot, the flagged agent a red one.
        EXPECT_TRUE(near(img.pixel(scene.screenOfPid(1290).toPoint()), style.hostDot, 3));
        EXPECT_TRUE(near(img.pixel(scene.screenOfPid(4242).toPoint()), style.warning, 3));
    }
}

TEST(ClusterPainter, FlaggedClusterGetsTheRedHalo)
{
    for (const ClusterStyle &style : {ClusterStyle::light(), ClusterStyle::dark_()}) {
        Scene scene(NsType::Net, style);
        const QImage img = scene.render();
        // By net, the host's cluster holds the processes sharing the host network: a dashed ring
        // of the warning colour 5 px outside its circle.
        const auto &host = scene.clusterOf(1);
        ASSERT_GT(host.warnings, 0);
        const double hr = host.r * scene.options.scale;
        EXPECT_GT(countInRing(img, scene.screenCentre(host), hr + 3.5, hr + 6.5, style.warning, 40), hr)
            << "no warning halo around the host cluster (dark: " << style.dark << ")";
        // Docker has its own network: no halo.
        const auto &docker = scene.clusterOf(2120);
        ASSERT_EQ(docker.warnings, 0);
        const double dr = docker.r * scene.options.scale;
        EXPECT_EQ(countInRing(img, scene.screenCentre(docker), dr + 3.5, dr + 6.5, style.warning, 40), 0);
    }

    // By pid, the agent is a cluster of its own and that one is flagged.
    Scene byPid(NsType::Pid);
    const QImage img = byPid.render();
    const auto &agent = byPid.clusterOf(4242);
    ASSERT_EQ(agent.warnings, 1);
    const double r = agent.r * byPid.options.scale;
    EXPECT_GT(
        countInRing(img, byPid.screenCentre(agent), r + 3.5, r + 6.5, byPid.painter.style().warning, 40), r);
}

TEST(ClusterPainter, SelectionRingFollowsTheOptions)
{
    Scene scene(NsType::Net);
    const auto &docker = scene.clusterOf(2120);
    const double r = docker.r * scene.options.scale;
    const QColor blue = scene.painter.style().selection;
    const QPointF centre = scene.screenCentre(docker);
    EXPECT_EQ(countInRing(scene.render(), centre, r + 1, r + 4, blue, 20), 0);
    scene.options.selectedCluster = docker.id;
    EXPECT_GT(countInRing(scene.render(), centre, r + 1, r + 4, blue, 20), 4 * r);
}

TEST(ClusterPainter, LayeredPaintingIsTheWholePicture)
{
    // The view caches paintWorld() and draws paintOverlay() on top; at the same transform that
    // must be exactly what paint() draws for an export.
    Scene scene(NsType::Net);
    scene.options.hoverDot = scene.layout.dotOfPid(1290);
    scene.options.selectedPid = 4242;
    const QImage whole = scene.render();
    QImage layered(kSize, QImage::Format_ARGB32_Premultiplied);
    layered.fill(Qt::black);
    QPainter p(&layered);
    scene.painter.paintWorld(p, QRectF(QPointF(0, 0), kSize), kSize, scene.options);
    scene.painter.paintOverlay(p, kSize, scene.options);
    p.end();
    EXPECT_EQ(layered, whole);
}

TEST(ClusterPainter, CirclesStampedFromTheCacheLookAsDrawnOnes)
{
    // On raster targets small circles (halo and selection ring included) are drawn once per look
    // and stamped after; vector targets (here a QPicture, replayed onto an image) draw each one.
    // The two pictures may differ where a stamp snapped to the pixel grid, nowhere more.
    const QSize size(600, 400);
    Scene scene(NsType::Net);
    const auto fit = ClusterPainter::fitTransform(scene.layout, size);
    scene.options.scale = fit.scale;
    scene.options.offset = fit.offset;
    scene.options.selectedCluster = scene.clusterOf(4242).id; // flagged: halo, and selected
    int small = 0;
    for (const auto &c : scene.layout.clusters())
        small += c.r * fit.scale <= 64;
    ASSERT_GT(small, 3) << "no circle small enough to be stamped";
    auto world = [&](QPaintDevice &device) {
        QPainter p(&device);
        scene.painter.paintWorld(p, QRectF(QPointF(0, 0), size), size, scene.options);
    };
    QImage first(size, QImage::Format_ARGB32_Premultiplied), again(size, QImage::Format_ARGB32_Premultiplied);
    world(first);
    world(again);
    EXPECT_EQ(first, again) << "a stamped circle differs from the one first drawn";
    QPicture picture;
    world(picture);
    QImage drawn(size, QImage::Format_ARGB32_Premultiplied);
    {
        QPainter p(&drawn);
        p.drawPicture(0, 0, picture);
    }
    int off = 0;
    for (int y = 0; y < size.height(); ++y)
        for (int x = 0; x < size.width(); ++x) {
            const QRgb a = first.pixel(x, y), b = drawn.pixel(x, y);
            off += std::max({std::abs(qRed(a) - qRed(b)), std::abs(qGreen(a) - qGreen(b)),
                             std::abs(qBlue(a) - qBlue(b))}) > 64;
        }
    // Edges a fraction of a pixel apart: under 200 of 240,000 pixels here; every stamp two pixels
    // off would be over 1,500.
    EXPECT_LT(off, 600) << off << " pixels differ strongly between stamped and drawn circles";
}

TEST(ClusterPainter, SvgHasTheLabelsAndTheEmptyPictureSaysWhy)
{
    auto svg = [](const ClusterPainter &painter, const ClusterPaintOptions &options) {
        QBuffer buffer;
        buffer.open(QIODevice::WriteOnly);
        QSvgGenerator gen;
        gen.setOutputDevice(&buffer);
        gen.setSize(kSize);
        QPainter p(&gen);
        painter.paint(p, kSize, options);
        p.end();
        return QString::fromUtf8(buffer.data());
    };
    Scene scene(NsType::Net);
    const QString text = svg(scene.painter, scene.options);
    EXPECT_TRUE(text.contains(QStringLiteral("docker 3f2a9c1b7e4d")));
    EXPECT_TRUE(text.contains(QStringLiteral("Processes by net namespace")));
    EXPECT_FALSE(text.contains(QStringLiteral("redacted")));
    scene.options.redacted = true;
    EXPECT_TRUE(svg(scene.painter, scene.options).contains(QStringLiteral("redacted")));

    ClusterPainter empty;
    ClusterPaintOptions options;
    options.waiting = true;
    EXPECT_TRUE(svg(empty, options).contains(QStringLiteral("Waiting for the first snapshot")));
    scene.painter.clearScene();
    options.waiting = false;
    EXPECT_TRUE(svg(scene.painter, options).contains(QStringLiteral("No processes in this snapshot")));
}

namespace
{

/// What @p scene draws at @p size (fitted, as a screenshot is), as the painter records it.
std::vector<PaintedItem> drawn(Scene &scene, QSize size, double textScale = 1.0)
{
    const auto fit = ClusterPainter::fitTransform(scene.layout, size, textScale);
    ClusterPaintOptions o = scene.options;
    o.scale = fit.scale;
    o.offset = fit.offset;
    o.textScale = textScale;
    std::vector<PaintedItem> items;
    o.record = &items;
    QImage img(size, QImage::Format_ARGB32_Premultiplied);
    QPainter p(&img);
    scene.painter.paint(p, size, o);
    return items;
}

} // namespace

TEST(ClusterPainter, EveryCircleNamedAndNoTextOverlapsAtEverySize)
{
    // From a 1280x720 projector up, every grouping, light and dark, normal and presentation type:
    // the painter's own record of what it drew shows no overlap and every circle named.
    for (NsType type : kAllNsTypes) {
        for (const ClusterStyle &style : {ClusterStyle::light(), ClusterStyle::dark_()}) {
            Scene scene(type, style);
            // Projectors, laptops, desktops, and odd shapes in between (a window being resized).
            for (const QSize size :
                 {QSize(1280, 720), QSize(1366, 768), QSize(1440, 900), QSize(1600, 1000), QSize(1920, 1080),
                  QSize(2560, 1440), QSize(1280, 1024), QSize(1500, 720), QSize(1710, 830), QSize(2100, 1300),
                  QSize(1300, 1400)})
                for (double ts : {1.0, 1.4}) {
                    const auto items = drawn(scene, size, ts);
                    const QStringList bad = layoutcheck::problems(layoutcheck::fromRecord(items),
                                                                  scene.snapshot, type, QSizeF(size));
                    EXPECT_TRUE(bad.isEmpty()) << nsTypeName(type) << " " << size.width() << "x"
                                               << size.height() << " text x" << ts << " dark " << style.dark
                                               << ":\n  " << bad.join(QStringLiteral("\n  ")).toStdString();
                }
        }
    }
}

TEST(ClusterPainter, RecordHasHeaderLegendAndFlaggedCallouts)
{
    Scene scene(NsType::Net);
    const auto items = drawn(scene, QSize(1280, 720));
    auto find = [&](PaintedItem::Kind k, const QString &text) {
        for (const auto &it : items)
            if (it.kind == k && it.text.contains(text))
                return &it;
        return static_cast<const PaintedItem *>(nullptr);
    };
    ASSERT_TRUE(find(PaintedItem::Kind::Title, QStringLiteral("Processes by net namespace")));
    ASSERT_TRUE(find(PaintedItem::Kind::Subtitle, QStringLiteral("lab-host-17")));
    const PaintedItem *warn = find(PaintedItem::Kind::Subtitle, QStringLiteral("share the host network"));
    ASSERT_TRUE(warn);
    EXPECT_TRUE(warn->flagged);
    ASSERT_TRUE(find(PaintedItem::Kind::Legend, QStringLiteral("Circle: a net namespace")));
    // The agent sharing the host's network is named at its processes, flagged, with its namespace.
    bool agent = false;
    for (const auto &it : items)
        agent = agent || (it.flagged && it.ns == scene.clusterOf(4242).id.ino &&
                          it.text.contains(QStringLiteral("agent (pid 4242)")));
    EXPECT_TRUE(agent);
    // The legend sits beside the picture, not over a circle.
    const QRectF legend = ClusterPainter::legendRect(QSizeF(1280, 720));
    const auto fit = ClusterPainter::fitTransform(scene.layout, QSizeF(1280, 720));
    for (const auto &c : scene.layout.clusters()) {
        const QPointF centre = QPointF(c.x, c.y) * fit.scale + fit.offset;
        const double r = c.r * fit.scale;
        EXPECT_FALSE(legend.intersects(QRectF(centre.x() - r, centre.y() - r, 2 * r, 2 * r)))
            << "circle " << c.id.ino << " under the legend";
    }
}

namespace
{

/// The fixture with @p sandboxes more one-process sandboxes and @p flagged more processes that
/// share only the host's network (flagged), laid out by net into @p scene.
void crowd(Scene &scene, int sandboxes, int flagged)
{
    Snapshot &s = scene.snapshot;
    for (int k = 0; k < sandboxes; ++k)
        s.processes.push_back(guitest::freshProcess(30000 + k, 4026540000ull + 10 * k, s, {}));
    for (int k = 0; k < flagged; ++k)
        s.processes.push_back(guitest::freshProcess(31000 + k, 4026560000ull + 10 * k, s, {NsType::Net}));
    testutil::finalize(s);
    scene.layout.clear();
    scene.layout.update(s);
    scene.labels = ClusterLabeler::labels(s, scene.layout, false);
    scene.painter.setScene(s, scene.layout, scene.labels);
}

} // namespace

TEST(ClusterPainter, CrowdedPictureKeysCirclesIntoTheList)
{
    // Sixteen more one-process sandboxes and six more flagged processes at 1280x720: small circles
    // with no room for every label, flagged groups with no room for callouts. What gets no label
    // gets a number and a list row; still no overlap, nothing unnamed.
    // Presentation type lists fewer rows beside the legend: a smaller crowd there.
    for (const auto &[ts, sandboxes, flagged] : {std::tuple{1.0, 16, 6}, std::tuple{1.4, 6, 3}}) {
        Scene scene(NsType::Net);
        crowd(scene, sandboxes, flagged);
        const auto items = drawn(scene, QSize(1280, 720), ts);
        const QStringList bad = layoutcheck::problems(layoutcheck::fromRecord(items), scene.snapshot,
                                                      NsType::Net, QSizeF(1280, 720));
        EXPECT_TRUE(bad.isEmpty()) << "text x" << ts << ":\n" << bad.join(QStringLiteral("\n")).toStdString();
        int rows = 0;
        for (const auto &it : items)
            rows += it.kind == PaintedItem::Kind::List && it.ns != 0;
        EXPECT_GT(rows, 0) << "a crowded 1280x720 picture should need the key list";
    }
}

TEST(ClusterPainter, OverfullKeyListSaysHowManyMoreAndStillOverlapsNothing)
{
    Scene scene(NsType::Net);
    crowd(scene, 120, 0);
    const auto items = drawn(scene, QSize(1280, 720));
    QStringList bad =
        layoutcheck::problems(layoutcheck::fromRecord(items), scene.snapshot, NsType::Net, QSizeF(1280, 720));
    // More circles than any list beside a 1280x720 picture holds: the rest are counted, not named.
    bad = bad.filter(QRegularExpression(QStringLiteral("^(overlap|outside|list row)")));
    EXPECT_TRUE(bad.isEmpty()) << bad.join(QStringLiteral("\n")).toStdString();
    bool more = false;
    for (const auto &it : items)
        more = more || (it.kind == PaintedItem::Kind::List &&
                        it.text.contains(QStringLiteral("more (see the Table view)")));
    EXPECT_TRUE(more);
}

TEST(ClusterPainter, LabelsStayPutAcrossUpdates)
{
    Scene scene(NsType::Net);
    const QSize size(1600, 1000);
    auto labelRects = [&]() {
        std::map<quint64, QRectF> out;
        for (const auto &it : drawn(scene, size))
            if (it.kind == PaintedItem::Kind::Label)
                out[it.ns] = it.rect;
        return out;
    };
    const auto before = labelRects();
    // A new process in the docker container: no circle moves, so no label may move.
    Snapshot &s = scene.snapshot;
    const Process *docker = nullptr;
    for (const auto &p : s.processes)
        if (p.pid == 2120)
            docker = &p;
    ASSERT_TRUE(docker);
    Process extra = *docker;
    extra.pid = 2999;
    extra.startTime += 5000;
    s.processes.push_back(extra);
    testutil::finalize(s);
    const auto stats = scene.layout.update(s);
    ASSERT_EQ(stats.placed, 0);
    scene.labels = ClusterLabeler::labels(s, scene.layout, false);
    scene.painter.setScene(s, scene.layout, scene.labels);
    const auto after = labelRects();
    for (const auto &[ns, rect] : before) {
        ASSERT_TRUE(after.count(ns)) << ns;
        // Same spot (the docker label's detail line says one more process, so its width may grow).
        EXPECT_LT(QLineF(after.at(ns).center(), rect.center()).length(), 12.0) << ns;
        EXPECT_DOUBLE_EQ(after.at(ns).top(), rect.top()) << ns;
    }
}

TEST(ClusterPainter, HuesDependOnTheDataNotOnWhatWasShownBefore)
{
    Scene fresh(NsType::Pid);
    Scene travelled(NsType::Net);
    travelled.layout.setType(NsType::Pid);
    travelled.layout.update(travelled.snapshot);
    travelled.labels = ClusterLabeler::labels(travelled.snapshot, travelled.layout, false);
    travelled.painter.setScene(travelled.snapshot, travelled.layout, travelled.labels);
    for (const auto &c : fresh.layout.clusters())
        EXPECT_EQ(fresh.painter.clusterHue(c.id), travelled.painter.clusterHue(c.id)) << c.id.ino;
}

TEST(ClusterPainter, LabelsWaitWhileThePictureMovesAndTheCacheFollowsTheScene)
{
    Scene scene(NsType::Net);
    ClusterPaintOptions o = scene.options;
    std::vector<PaintedItem> items;
    o.record = &items;
    o.moving = true;
    QImage img(kSize, QImage::Format_ARGB32_Premultiplied);
    {
        QPainter p(&img);
        scene.painter.paint(p, kSize, o);
    }
    int labels = 0, titles = 0;
    for (const auto &it : items) {
        labels += it.kind == PaintedItem::Kind::Label || it.kind == PaintedItem::Kind::Callout;
        titles += it.kind == PaintedItem::Kind::Title;
    }
    EXPECT_EQ(labels, 0);
    EXPECT_EQ(titles, 1);

    // On screen (no record) the texts come from a cache: a filter that matches nothing must still
    // change what is drawn, as it does when painted afresh.
    const QImage before = scene.render();
    scene.painter.setFilter(QStringLiteral("no-such-process-anywhere"));
    const QImage cached = scene.render();
    EXPECT_NE(before, cached);
    ClusterPainter fresh;
    fresh.setStyle(scene.painter.style());
    fresh.setScene(scene.snapshot, scene.layout, scene.labels);
    fresh.setFilter(QStringLiteral("no-such-process-anywhere"));
    QImage again(kSize, QImage::Format_ARGB32_Premultiplied);
    again.fill(Qt::black);
    {
        QPainter p(&again);
        fresh.paint(p, kSize, scene.options);
    }
    EXPECT_EQ(cached, again);
}

TEST(ClusterPainter, ZombiesAreTheirOwnCircleNotDashedAndInTheLegendOnlyWhenThere)
{
    Scene plain(NsType::Net);
    for (const QString &row : plain.painter.legendRows())
        EXPECT_FALSE(row.contains(QStringLiteral("zombie"))) << row.toStdString();

    // Three zombies (no namespaces left) and one process whose namespaces this scan could not read.
    Snapshot s = guitest::hostSmall();
    ASSERT_GT(s.processes.size(), 10u);
    for (std::size_t i = 1; i <= 4; ++i) {
        Process &p = s.processes[s.processes.size() - i];
        p.ns = {};
        p.exited = i != 4;
    }
    Scene scene(NsType::Net, std::move(s));
    const ClusterLayout::Cluster *zombies = nullptr, *unreadable = nullptr;
    int zi = -1;
    for (std::size_t i = 0; i < scene.layout.clusters().size(); ++i) {
        const auto &c = scene.layout.clusters()[i];
        if (c.exited) {
            zombies = &c;
            zi = static_cast<int>(i);
        } else if (!c.id.valid() && !c.members.empty()) {
            unreadable = &c;
        }
    }
    ASSERT_NE(zombies, nullptr);
    ASSERT_NE(unreadable, nullptr);
    EXPECT_EQ(zombies->members.size(), 3u);
    EXPECT_EQ(unreadable->members.size(), 1u);
    EXPECT_EQ(scene.labels[static_cast<std::size_t>(zi)].title, QStringLiteral("exited processes (zombies)"));

    // Dashed is "held by a bind mount or fd": zombies are dotted grey over a grey fill, and look
    // like neither a held namespace nor an unreadable one.
    ClusterLayout::Cluster held;
    held.id = NsId{1, 4026532000};
    const auto z = scene.painter.circleStyle(*zombies), u = scene.painter.circleStyle(*unreadable),
               h = scene.painter.circleStyle(held);
    EXPECT_EQ(h.pen, Qt::DashLine);
    EXPECT_EQ(z.pen, Qt::DotLine);
    EXPECT_EQ(z.stroke, scene.painter.style().invisible);
    EXPECT_GT(z.fill.alpha(), 0);
    EXPECT_NE(std::tuple(z.pen, z.fill.rgba(), z.width), std::tuple(u.pen, u.fill.rgba(), u.width));

    // The legend names them, and unreadable namespaces, since both are in the picture.
    const QStringList rows = scene.painter.legendRows();
    EXPECT_TRUE(rows.contains(QStringLiteral("Exited processes (zombies), no namespace")))
        << rows.join(u'|').toStdString();
    EXPECT_TRUE(rows.contains(QStringLiteral("Namespace not readable")));
    EXPECT_TRUE(rows.last().startsWith(QStringLiteral("The host's namespace")));
    // And the picture with its seven legend rows still overlaps nothing.
    std::vector<PaintedItem> record;
    scene.options.record = &record;
    (void)scene.render();
    const QStringList problems =
        layoutcheck::problems(layoutcheck::fromRecord(record), scene.snapshot, NsType::Net, kSize);
    EXPECT_TRUE(problems.isEmpty()) << problems.join(u'\n').toStdString();
}

TEST(ClusterPainter, ServiceSandboxesAndEngineHelpersStepBackWhenAsked)
{
    Scene scene(NsType::Mnt, test::enginesSnapshot());
    std::vector<int> info;
    for (std::size_t i = 0; i < scene.labels.size(); ++i)
        if (scene.labels[i].informational)
            info.push_back(static_cast<int>(i));
    ASSERT_FALSE(info.empty()) << "conmon, catatonit, slirp4netns, the lxc monitor have mount namespaces";
    for (int i : info)
        EXPECT_FALSE(scene.painter.clusterDimmed(i));
    scene.painter.setDimInformational(true);
    for (int i : info)
        EXPECT_TRUE(scene.painter.clusterDimmed(i)) << scene.labels[i].title.toStdString();
    // The others keep full strength and their names.
    for (std::size_t i = 0; i < scene.labels.size(); ++i) {
        if (!scene.labels[i].informational) {
            EXPECT_FALSE(scene.painter.clusterDimmed(static_cast<int>(i)));
        }
    }
    std::vector<PaintedItem> record;
    scene.options.record = &record;
    (void)scene.render();
    for (const auto &item : record) {
        if (item.kind != PaintedItem::Kind::Label)
            continue;
        for (int i : info) {
            EXPECT_NE(item.ns, scene.layout.clusters()[i].id.ino) << item.text.toStdString();
        }
    }
    scene.painter.setDimInformational(false);
    for (int i : info)
        EXPECT_FALSE(scene.painter.clusterDimmed(i));
}
