// SPDX-License-Identifier: GPL-2.0-or-later
// The main window on a 1280x720 projector: it fits (no panel forces it wider or taller), the panels
// share one tabbed column so the picture keeps most of the width, and Presentation mode shows the
// picture alone with bigger type, then puts every bar and panel back. The grabs are written to
// the build tree to be looked at.
#include "app/cluster/clusterview.h"
#include "app/models/snapshotstore.h"
#include "app/window/mainwindow.h"
#include "app/window/session.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QMenuBar>
#include <QStatusBar>
#include <QTabBar>
#include <QTabWidget>
#include <QTest>
#include <QToolBar>
#include <gtest/gtest.h>

using namespace nsviz;

TEST(GuiProjector, MainWindowFits1280x720WithTabbedPanels)
{
    MainWindow win;
    win.setInteractive(false);
    win.session()->openFile(QStringLiteral(NSVIZ_TEST_DATA "/snapshots/host-small.json"));
    win.resize(1280, 720);
    win.show();
    ASSERT_TRUE(QTest::qWaitFor([&]() { return !win.store()->isEmpty(); }, 10000));
    QApplication::processEvents();
    EXPECT_LE(win.minimumSizeHint().width(), 1280);
    EXPECT_LE(win.minimumSizeHint().height(), 720);
    EXPECT_EQ(win.size(), QSize(1280, 720))
        << "something forces the window to " << win.width() << "x" << win.height();
    auto *findings = win.findChild<QDockWidget *>(QStringLiteral("findingsDock"));
    auto *diff = win.findChild<QDockWidget *>(QStringLiteral("diffDock"));
    ASSERT_TRUE(findings && diff);
    EXPECT_TRUE(win.tabifiedDockWidgets(findings).contains(diff)) << "the panels share one tabbed column";
    // The picture keeps most of the window.
    EXPECT_GT(win.clusterView()->width(), 1280 * 0.55) << win.clusterView()->width();
    EXPECT_GT(win.clusterView()->height(), 720 * 0.6) << win.clusterView()->height();
    const QString out = QStringLiteral(NSVIZ_TEST_OUTPUT "/screenshots");
    QDir().mkpath(out);
    EXPECT_TRUE(win.grab().save(out + QStringLiteral("/window-1280x720.png")));
}

TEST(GuiProjector, PresentationModeShowsThePictureAloneAndRestoresTheWindow)
{
    MainWindow win;
    win.setInteractive(false);
    win.session()->openFile(QStringLiteral(NSVIZ_TEST_DATA "/snapshots/host-small.json"));
    win.resize(1280, 720);
    win.show();
    ASSERT_TRUE(QTest::qWaitFor([&]() { return !win.store()->isEmpty(); }, 10000));
    QApplication::processEvents();
    win.activateWindow();
    ASSERT_TRUE(QTest::qWaitForWindowActive(&win)); // window shortcuts need the active window
    auto *action = win.findChild<QAction *>(QStringLiteral("presentationAction"));
    ASSERT_TRUE(action);
    EXPECT_EQ(action->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P));
    auto *toolbar = win.findChild<QToolBar *>(QStringLiteral("mainToolBar"));
    auto *findings = win.findChild<QDockWidget *>(QStringLiteral("findingsDock"));
    ASSERT_TRUE(toolbar && findings);
    ASSERT_TRUE(toolbar->isVisible());
    ASSERT_TRUE(findings->isVisible());

    action->trigger();
    QApplication::processEvents();
    EXPECT_FALSE(win.menuBar()->isVisible());
    EXPECT_FALSE(win.statusBar()->isVisible());
    EXPECT_FALSE(toolbar->isVisible());
    EXPECT_FALSE(findings->isVisible());
    EXPECT_FALSE(win.tabs()->tabBar()->isVisible());
    EXPECT_DOUBLE_EQ(win.clusterView()->textScale(), 1.4);
    EXPECT_TRUE(win.windowState() & Qt::WindowFullScreen);
    // The offscreen platform has no real full screen: make the grab projector-sized.
    win.resize(1280, 720);
    QApplication::processEvents();
    const QString out = QStringLiteral(NSVIZ_TEST_OUTPUT "/screenshots");
    QDir().mkpath(out);
    EXPECT_TRUE(win.grab().save(out + QStringLiteral("/window-presentation-1280x720.png")));

    // Esc leaves it (the menus are hidden, the shortcut lives on the window).
    QTest::keyClick(&win, Qt::Key_Escape);
    QApplication::processEvents();
    EXPECT_FALSE(action->isChecked());
    EXPECT_TRUE(win.menuBar()->isVisible());
    EXPECT_TRUE(win.statusBar()->isVisible());
    EXPECT_TRUE(toolbar->isVisible());
    EXPECT_TRUE(findings->isVisible());
    EXPECT_TRUE(win.tabs()->tabBar()->isVisible());
    EXPECT_DOUBLE_EQ(win.clusterView()->textScale(), 1.0);
    EXPECT_FALSE(win.windowState() & Qt::WindowFullScreen);
}
