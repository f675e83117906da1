// SPDX-License-Identifier: GPL-2.0-or-later
// Help and looks: the handbook (built in, opened from Help), the theme choice every view and
// export follows, `nsviz --help`/`--version` without a display, the table's Command column on screen.
#include "app/cluster/clusterview.h"
#include "app/export/viewexporter.h"
#include "app/models/processtablemodel.h"
#include "app/models/snapshotstore.h"
#include "app/models/viewhelpers.h"
#include "app/panels/diffpanel.h"
#include "app/panels/tablepanel.h"
#include "app/window/mainwindow.h"
#include "app/window/theme.h"
#include "core/inspect/diff.h"
#include "tests/app/window/nsvizrun.h"
#include "tests/common/syntheticsnapshot.h"

#include <QAction>
#include <QApplication>
#include <QCoreApplication>
#include <QDialog>
#include <QFile>
#include <QFileInfo>
#include <QFrame>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QProcess>
#include <QTableView>
#include <QTest>
#include <QTextBrowser>
#include <gtest/gtest.h>

using namespace nsviz;

namespace
{

using testutil::nsvizBinary;

QAction *menuAction(QMainWindow &w, const QString &menu, const QString &text)
{
    for (QAction *m : w.menuBar()->actions())
        if (m->text() == menu && m->menu())
            for (QAction *a : m->menu()->actions())
                if (a->text() == text)
                    return a;
    return nullptr;
}

/// Restores the system theme whatever a test did.
struct ThemeGuard {
    ~ThemeGuard() { Theme::apply(Theme::Mode::System); }
};

} // namespace

TEST(Help, HandbookIsBuiltInAndOpensFromHelp)
{
    QFile f(MainWindow::handbookPath());
    ASSERT_TRUE(f.open(QIODevice::ReadOnly)) << MainWindow::handbookPath().toStdString();
    const QString text = QString::fromUtf8(f.readAll());
    EXPECT_TRUE(text.contains(QStringLiteral("## What each picture means")));
    EXPECT_TRUE(text.contains(QStringLiteral("10-minute lesson")));
    // The copy in the app is the one in docs/.
    QFile src(QStringLiteral(NSVIZ_SOURCE_DIR "/docs/handbook.md"));
    ASSERT_TRUE(src.open(QIODevice::ReadOnly));
    EXPECT_EQ(text, QString::fromUtf8(src.readAll()));

    MainWindow w;
    w.setInteractive(false);
    QAction *a = menuAction(w, QStringLiteral("&Help"), QStringLiteral("nsviz &Handbook"));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->shortcut(), QKeySequence(QKeySequence::HelpContents));
    a->trigger();
    auto *dlg = w.findChild<QDialog *>(QStringLiteral("handbook"));
    ASSERT_TRUE(dlg);
    EXPECT_TRUE(dlg->isVisible());
    auto *browser = dlg->findChild<QTextBrowser *>();
    ASSERT_TRUE(browser);
    EXPECT_TRUE(
        browser->toPlainText().contains(QStringLiteral("A 10-minute lesson with the demo container")));
    dlg->close();
}

TEST(Theme, ChoiceReachesPaletteClusterAndExports)
{
    ThemeGuard guard;
    MainWindow w;
    w.setInteractive(false);
    ASSERT_TRUE(menuAction(w, QStringLiteral("&View"), QStringLiteral("&Theme")));
    w.setTheme(Theme::Mode::Dark);
    QApplication::processEvents(); // widgets take the application palette from an event
    EXPECT_TRUE(views::isDark(QApplication::palette()));
    EXPECT_TRUE(views::isDark(w.palette()));
    EXPECT_EQ(w.clusterView()->style().background, ClusterStyle::dark_().background);
    // The diff's export page follows too.
    DiffPanel diff;
    diff.setLiveIntervalMs(0);
    nlohmann::json doc = {{"schema", "nsviz.inspect/1"}, {"pid", 5}, {"state", "running"}};
    diff.setDiff(diffInspections(doc, doc));
    const QImage dark = diff.renderImage(1);
    EXPECT_LT(QColor(dark.pixel(2, 2)).lightness(), 80);

    w.setTheme(Theme::Mode::Light);
    EXPECT_FALSE(views::isDark(QApplication::palette()));
    EXPECT_EQ(w.clusterView()->style().background, ClusterStyle::light().background);
    EXPECT_GT(QColor(diff.renderImage(1).pixel(2, 2)).lightness(), 200);
    const QImage light = ViewExporter::renderImage(w.clusterView(), 1);
    EXPECT_FALSE(light.isNull());

    w.setTheme(Theme::Mode::System);
    EXPECT_EQ(Theme::current(), Theme::Mode::System);
    EXPECT_EQ(Theme::fromName(QStringLiteral("dark")), Theme::Mode::Dark);
    EXPECT_EQ(Theme::fromName(QStringLiteral("auto")), Theme::Mode::System);
    EXPECT_FALSE(Theme::fromName(QStringLiteral("purple")));
}

TEST(Theme, UnprivilegedBannerFollowsTheTheme)
{
    ThemeGuard guard;
    MainWindow w;
    w.setInteractive(false);
    auto *banner = w.findChild<QFrame *>(QStringLiteral("privilegeBanner"));
    ASSERT_TRUE(banner);
    auto *text = w.findChild<QLabel *>(QStringLiteral("privilegeBannerText"));
    ASSERT_TRUE(text);
    // The banner's amber and its text, read from what it paints with.
    const auto look = [&] {
        QApplication::processEvents();
        return std::make_pair(banner->palette().color(QPalette::Window),
                              text->palette().color(QPalette::WindowText));
    };
    w.setTheme(Theme::Mode::Dark);
    const auto [darkBg, darkText] = look();
    EXPECT_LT(darkBg.lightness(), 100);
    EXPECT_GT(darkText.lightness(), darkBg.lightness() + 80);
    // The rest of the banner (its button) keeps following the window.
    EXPECT_EQ(banner->palette().color(QPalette::Button), w.palette().color(QPalette::Button));

    w.setTheme(Theme::Mode::Light);
    const auto [lightBg, lightText] = look();
    EXPECT_GT(lightBg.lightness(), 180);
    EXPECT_LT(lightText.lightness(), lightBg.lightness() - 80);
    EXPECT_EQ(banner->palette().color(QPalette::Button), w.palette().color(QPalette::Button));

    w.setTheme(Theme::Mode::Dark); // and back: not a one-way switch
    EXPECT_EQ(look().first, darkBg);
}

TEST(CommandLine, HelpAndVersionNeedNoDisplay)
{
    for (const QString &arg : {QStringLiteral("--help"), QStringLiteral("--version")}) {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        // A platform that cannot start here: a QApplication would abort; --help must not need one.
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("xcb"));
        env.remove(QStringLiteral("DISPLAY"));
        env.remove(QStringLiteral("WAYLAND_DISPLAY"));
        p.setProcessEnvironment(env);
        p.start(nsvizBinary(), {arg});
        ASSERT_TRUE(p.waitForFinished(60000));
        const QString out = QString::fromUtf8(p.readAllStandardOutput());
        EXPECT_EQ(p.exitStatus(), QProcess::NormalExit) << arg.toStdString();
        EXPECT_EQ(p.exitCode(), 0) << arg.toStdString()
                                   << QString::fromUtf8(p.readAllStandardError()).toStdString();
        if (arg == QLatin1String("--help")) {
            EXPECT_TRUE(out.contains(QStringLiteral("--screenshot"))) << out.toStdString();
            EXPECT_TRUE(out.contains(QStringLiteral("--theme"))) << out.toStdString();
        } else {
            EXPECT_TRUE(out.contains(QStringLiteral(NSVIZ_VERSION))) << out.toStdString();
        }
    }
}

TEST(TableColumns, CommandIsBesideThePidNotOffScreen)
{
    EXPECT_LT(ProcessTableModel::CommandColumn, ProcessTableModel::FirstNsColumn);
    EXPECT_FALSE(ProcessTableModel::isNsColumn(ProcessTableModel::CommandColumn));
    for (NsType t : kAllNsTypes)
        EXPECT_TRUE(ProcessTableModel::isNsColumn(ProcessTableModel::columnOfNsType(t)));
    SnapshotStore store;
    testkit::SyntheticHost h;
    for (int i = 0; i < 5; ++i)
        h.start(i % 2);
    store.setSnapshot(h.snapshot());
    TablePanel panel(&store);
    panel.resize(1280, 600);
    panel.show();
    QApplication::processEvents();
    QHeaderView *hh = panel.view()->horizontalHeader();
    const int right = hh->sectionViewportPosition(ProcessTableModel::CommandColumn) +
                      hh->sectionSize(ProcessTableModel::CommandColumn);
    EXPECT_LE(right, panel.view()->viewport()->width()) << "the Command column fits a 1280 px window";
    EXPECT_TRUE(panel.model()
                    ->index(0, ProcessTableModel::CommandColumn)
                    .data()
                    .toString()
                    .contains(QStringLiteral("/usr/bin/thing")));
}
