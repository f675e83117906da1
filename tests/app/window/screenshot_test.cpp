// SPDX-License-Identifier: GPL-2.0-or-later
// The real `nsviz --screenshot` binary: exits 0, writes a PNG whose pixels show clusters (not a
// blank or single-colour image), prints the summary; bad arguments and files fail cleanly.
#include "tests/app/gui_testutil.h"
#include "tests/app/window/nsvizrun.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QImage>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <gtest/gtest.h>

using namespace nsviz;

namespace
{

using testutil::nsvizBinary;
using testutil::NsvizRun;
using testutil::runNsviz;

QString fixture(const char *name)
{
    return testutil::snapshotFixture(name);
}

} // namespace

TEST(GuiScreenshot, ClusterPngShowsClustersAndSummary)
{
    ASSERT_TRUE(QFileInfo::exists(nsvizBinary())) << nsvizBinary().toStdString();
    QTemporaryDir dir;
    const QString png = dir.filePath(QStringLiteral("cluster.png"));
    const NsvizRun r =
        runNsviz({QStringLiteral("--screenshot"), png, QStringLiteral("--snapshot"),
                  fixture("host-small.json"), QStringLiteral("--size"), QStringLiteral("1000x700"),
                  QStringLiteral("--theme"), QStringLiteral("light")});
    ASSERT_EQ(r.code, 0) << r.err.toStdString();
    EXPECT_TRUE(r.out.contains(QStringLiteral("processes: 49")));
    EXPECT_TRUE(r.out.contains(QStringLiteral("host reference: PID 1 (systemd)")));
    EXPECT_TRUE(r.out.contains(
        QStringLiteral("sharing the host network namespace while isolated otherwise: 2 containers")));
    EXPECT_TRUE(r.out.contains(QStringLiteral("agent (pid 4242)")));

    QImage img(png);
    ASSERT_FALSE(img.isNull());
    EXPECT_EQ(img.size(), QSize(1000, 700));
    // Not blank: many colours, and the colours of clusters are there: host dots (slate), the
    // warning red, and at least three distinct cluster hues.
    QSet<QRgb> colours;
    for (int y = 0; y < img.height(); y += 2)
        for (int x = 0; x < img.width(); x += 2)
            colours.insert(img.pixel(x, y) & 0xffffff);
    EXPECT_GT(colours.size(), 200);
    EXPECT_GT(guitest::countNear(img, QColor(0x7c, 0x8a, 0x9e), 6), 500);  // host dots
    EXPECT_GT(guitest::countNear(img, QColor(0xdc, 0x26, 0x26), 20), 100); // host-net warnings
    int hues = 0;
    for (const QColor &c : {QColor(0x4e, 0x79, 0xa7), QColor(0xf2, 0x8e, 0x2b), QColor(0x59, 0xa1, 0x4f),
                            QColor(0xb0, 0x7a, 0xa1), QColor(0x76, 0xb7, 0xb2), QColor(0x9c, 0x75, 0x5f)})
        hues += guitest::countNear(img, c, 6) > 150;
    EXPECT_GE(hues, 3);
}

TEST(GuiScreenshot, EveryViewRendersAtScaleAndAsSvg)
{
    QTemporaryDir dir;
    for (const char *view : {"cluster", "tree", "table", "charts"}) {
        const QString png = dir.filePath(QString::fromUtf8(view) + QStringLiteral(".png"));
        const NsvizRun r =
            runNsviz({QStringLiteral("--screenshot"), png, QStringLiteral("--view"), QString::fromUtf8(view),
                      QStringLiteral("--snapshot"), fixture("host-small.json"), QStringLiteral("--size"),
                      QStringLiteral("800x600"), QStringLiteral("--scale"), QStringLiteral("2")});
        ASSERT_EQ(r.code, 0) << view << ": " << r.err.toStdString();
        QImage img(png);
        EXPECT_EQ(img.size(), QSize(1600, 1200)) << view;
        QSet<QRgb> colours;
        for (int y = 0; y < img.height(); y += 4)
            for (int x = 0; x < img.width(); x += 4)
                colours.insert(img.pixel(x, y));
        EXPECT_GT(colours.size(), 20) << view << " looks blank";
    }
    const QString svg = dir.filePath(QStringLiteral("cluster.svg"));
    const NsvizRun r = runNsviz({QStringLiteral("--screenshot"), svg, QStringLiteral("--snapshot"),
                                 fixture("host-small.json"), QStringLiteral("--group-by"),
                                 QStringLiteral("pid"), QStringLiteral("--redact")});
    ASSERT_EQ(r.code, 0) << r.err.toStdString();
    QFile f(svg);
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    const QByteArray text = f.readAll();
    EXPECT_TRUE(text.contains("<svg"));
    EXPECT_TRUE(text.contains("Processes by pid namespace"));
    EXPECT_FALSE(text.contains("lab-host-17"));
    EXPECT_FALSE(text.contains("hunter2"));
    EXPECT_FALSE(r.out.contains(QStringLiteral("lab-host-17")));
}

TEST(GuiScreenshot, BadInputFailsWithAMessage)
{
    QTemporaryDir dir;
    const QString png = dir.filePath(QStringLiteral("x.png"));
    NsvizRun r = runNsviz(
        {QStringLiteral("--screenshot"), png, QStringLiteral("--snapshot"), fixture("truncated.json")});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(r.err.contains(QStringLiteral("not valid JSON")));
    EXPECT_FALSE(QFileInfo::exists(png));
    r = runNsviz(
        {QStringLiteral("--screenshot"), png, QStringLiteral("--group-by"), QStringLiteral("bogus")});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(r.err.contains(QStringLiteral("unknown namespace type")));
    r = runNsviz({QStringLiteral("--screenshot"), png, QStringLiteral("--view"), QStringLiteral("pie"),
                  QStringLiteral("--snapshot"), fixture("host-small.json")});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(r.err.contains(QStringLiteral("no view")));
    r = runNsviz({QStringLiteral("--screenshot"), png, QStringLiteral("--size"), QStringLiteral("12")});
    EXPECT_EQ(r.code, 2);
    EXPECT_FALSE(QFileInfo::exists(png));
}
