// SPDX-License-Identifier: GPL-2.0-or-later
// Renders the tree, table and charts panels offscreen, light and dark, checks the pictures are not
// blank and keeps them (in $NSVIZ_VIEWS_RENDER_DIR, else a temp dir) for people to look at.
#include "app/models/snapshotstore.h"
#include "app/panels/chartspanel.h"
#include "app/panels/tablepanel.h"
#include "app/panels/treepanel.h"
#include "tests/app/views_testutil.h"

#include <QApplication>
#include <QDir>
#include <QImage>
#include <QLineSeries>
#include <QPixmap>
#include <QSet>

#include <gtest/gtest.h>

using namespace nsviz;
using namespace nsviz::testutil;

namespace
{
QString outDir()
{
    QString dir = qEnvironmentVariable("NSVIZ_VIEWS_RENDER_DIR");
    if (dir.isEmpty())
        dir = QDir::tempPath() + QStringLiteral("/nsviz-views-render");
    QDir().mkpath(dir);
    return dir;
}

QPalette darkPalette()
{
    QPalette p;
    const QColor window(0x2b, 0x2d, 0x31), base(0x1f, 0x21, 0x24), text(0xe8, 0xe8, 0xe8);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x28, 0x2c));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::Highlight, QColor(0x3d, 0xae, 0xe9));
    p.setColor(QPalette::HighlightedText, Qt::black);
    p.setColor(QPalette::ToolTipBase, base);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x90, 0x90, 0x90));
    p.setColor(QPalette::Mid, QColor(0x45, 0x47, 0x4b));
    return p;
}

/// Share of pixels that differ from the most common colour (the background).
double inkShare(const QImage &img)
{
    QHash<QRgb, int> counts;
    for (int y = 0; y < img.height(); y += 2)
        for (int x = 0; x < img.width(); x += 2)
            ++counts[img.pixel(x, y)];
    int most = 0, total = 0;
    for (int c : counts) {
        most = std::max(most, c);
        total += c;
    }
    return total ? 1.0 - double(most) / total : 0.0;
}

int colourCount(const QImage &img)
{
    QSet<QRgb> colours;
    for (int y = 0; y < img.height(); y += 3)
        for (int x = 0; x < img.width(); x += 3)
            colours.insert(img.pixel(x, y));
    return static_cast<int>(colours.size());
}

struct Scene {
    SnapshotStore store;
    std::vector<Snapshot> seq;
    qint64 clock = 1764444000000;
};

void fill(Scene &scene, ChartsPanel *charts)
{
    if (charts)
        charts->setClock([&scene] { return scene.clock; });
    for (std::size_t i = 1; i < scene.seq.size(); ++i) {
        scene.clock += 4000;
        ASSERT_TRUE(scene.store.applyDelta(computeDelta(scene.seq[i - 1], scene.seq[i])));
    }
}

QImage render(QWidget &w, const QString &name)
{
    w.resize(1500, 860);
    w.show();
    QApplication::processEvents();
    const QImage img = w.grab().toImage();
    const QString path = outDir() + QLatin1Char('/') + name + QStringLiteral(".png");
    EXPECT_TRUE(img.save(path)) << path.toStdString();
    return img;
}

class ViewsRender : public ::testing::TestWithParam<bool>
{
protected:
    void SetUp() override
    {
        m_saved = QApplication::palette();
        if (GetParam())
            QApplication::setPalette(darkPalette());
    }
    void TearDown() override { QApplication::setPalette(m_saved); }
    QString suffix() const { return GetParam() ? QStringLiteral("-dark") : QStringLiteral("-light"); }
    QPalette m_saved;
};
} // namespace

TEST_P(ViewsRender, TreePanel)
{
    Scene scene;
    scene.store.setSnapshot(loadSnapshot("views-basic.json"));
    TreePanel panel(&scene.store);
    panel.selectProcess(7150);
    const QImage img = render(panel, QStringLiteral("tree") + suffix());
    EXPECT_GT(inkShare(img), 0.05);
    EXPECT_GT(colourCount(img), 20); // type colours, icons, text: not a flat picture
}

TEST_P(ViewsRender, TablePanel)
{
    Scene scene;
    scene.store.setSnapshot(loadSnapshot("views-basic.json"));
    TablePanel panel(&scene.store);
    panel.selectProcess(6040);
    const QImage img = render(panel, QStringLiteral("table") + suffix());
    EXPECT_GT(inkShare(img), 0.05);
    // The isolated-cell tint is on screen.
}

TEST_P(ViewsRender, ChartsPanel)
{
    Scene scene;
    scene.seq = deltaSequence(loadSnapshot("views-basic.json"));
    ChartsPanel panel(&scene.store);
    panel.setClock([&scene] { return scene.clock; });
    scene.store.setSnapshot(scene.seq.front());
    fill(scene, nullptr);
    panel.selectProcess(7100);
    EXPECT_EQ(panel.processHistory().size(), static_cast<int>(scene.seq.size()));
    const QImage img = render(panel, QStringLiteral("charts") + suffix());
    EXPECT_EQ(panel.processSeries()->points(), panel.processHistory()) << "the picture has every point";
    EXPECT_GT(inkShare(img), 0.05);
    EXPECT_GT(colourCount(img), 20);
}

INSTANTIATE_TEST_SUITE_P(Palettes, ViewsRender, ::testing::Values(false, true),
                         [](const auto &info) { return std::string(info.param ? "Dark" : "Light"); });
