// SPDX-License-Identifier: GPL-2.0-or-later
// The cluster picture for keyboard and screen-reader users: the keys walk the circles in reading
// order and the processes inside one, the selection follows, the focused item is ringed on screen
// (never in an export), the Menu key opens the focused item's menu, and the accessible tree names
// every circle as its label does.
#include "app/cluster/clusterview.h"
#include "app/models/snapshotstore.h"
#include "app/window/mainwindow.h"
#include "tests/app/gui_testutil.h"

#include <QAbstractButton>
#include <QAbstractItemView>
#include <QAccessible>
#include <QComboBox>
#include <QGraphicsView>
#include <QHeaderView>
#include <QLineEdit>
#include <QPainter>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSlider>
#include <QTest>
#include <gtest/gtest.h>
#include <set>

using namespace nsviz;

namespace
{

QList<std::pair<QAccessible::Event, QString>> g_seen;

void recordEvent(QAccessibleEvent *e)
{
    if (QAccessibleInterface *iface = e->accessibleInterface())
        g_seen.append({e->type(), iface->text(QAccessible::Name)});
}

struct Fixture {
    SnapshotStore store;
    ClusterView view{&store};
    Fixture()
    {
        store.setSnapshot(guitest::hostSmall());
        view.resize(1280, 720);
        view.show();
        view.activateWindow();
        EXPECT_TRUE(QTest::qWaitForWindowActive(&view));
        view.setFocus(Qt::TabFocusReason);
    }
    QString focusName()
    {
        QAccessibleInterface *iface = QAccessible::queryAccessibleInterface(&view);
        QAccessibleInterface *f = iface ? iface->focusChild() : nullptr;
        return f ? f->text(QAccessible::Name) : QString();
    }
    int clusterOf(int pid) const
    {
        const int d = view.clusterLayout().dotOfPid(pid);
        return d < 0 ? -1 : view.clusterLayout().dots()[d].cluster;
    }
};

} // namespace

TEST(ClusterKeys, ArrowsWalkClustersInReadingOrderAndProcessesInside)
{
    Fixture f;
    ClusterView &v = f.view;
    ASSERT_TRUE(v.hasFocus());
    const auto &order = v.clusterOrder();
    ASSERT_GE(order.size(), 4u);
    // Reading order: every cluster is listed once, and rows go down the picture.
    EXPECT_EQ(std::set<int>(order.begin(), order.end()).size(), v.clusterLayout().clusters().size());
    const auto &cl = v.clusterLayout().clusters();
    EXPECT_LE(cl[order.front()].y - cl[order.front()].r, cl[order.back()].y + cl[order.back()].r);

    // Tabbing in rings the first cluster and selects nothing.
    EXPECT_EQ(v.focusCluster(), order.front());
    EXPECT_EQ(v.selectedPid(), 0);

    QSignalSpy clusters(&v, &ClusterView::clusterSelected);
    QSignalSpy processes(&v, &ClusterView::processSelected);
    QTest::keyClick(&v, Qt::Key_Down);
    EXPECT_EQ(v.focusCluster(), order[1]);
    ASSERT_EQ(clusters.count(), 1); // the selection follows, as a click on the circle
    EXPECT_EQ(clusters.last().at(2).toULongLong(), cl[order[1]].id.ino);
    QTest::keyClick(&v, Qt::Key_End);
    EXPECT_EQ(v.focusCluster(), order.back());
    QTest::keyClick(&v, Qt::Key_Down); // no wrap at the end
    EXPECT_EQ(v.focusCluster(), order.back());
    QTest::keyClick(&v, Qt::Key_Home);
    EXPECT_EQ(v.focusCluster(), order.front());

    // Into the docker container's processes and back out.
    const int docker = f.clusterOf(2120);
    ASSERT_GE(docker, 0);
    while (v.focusCluster() != docker && v.focusCluster() != order.back())
        QTest::keyClick(&v, Qt::Key_Down);
    ASSERT_EQ(v.focusCluster(), docker);
    QTest::keyClick(&v, Qt::Key_Right);
    const auto dots = v.dotOrder(docker);
    ASSERT_FALSE(dots.empty());
    EXPECT_EQ(v.focusDot(), dots.front());
    const int firstPid = v.displayedSnapshot().processes[v.clusterLayout().dots()[dots.front()].proc].pid;
    EXPECT_EQ(v.selectedPid(), firstPid);
    EXPECT_EQ(processes.last().at(0).toInt(), firstPid);
    if (dots.size() > 1) {
        QTest::keyClick(&v, Qt::Key_Down);
        EXPECT_EQ(v.focusDot(), dots[1]);
        QTest::keyClick(&v, Qt::Key_End);
        EXPECT_EQ(v.focusDot(), dots.back());
    }
    QTest::keyClick(&v, Qt::Key_Left);
    EXPECT_EQ(v.focusDot(), -1);
    EXPECT_EQ(v.focusCluster(), docker);
    EXPECT_EQ(v.selectedPid(), 0);
    QTest::keyClick(&v, Qt::Key_Return);
    EXPECT_EQ(v.focusDot(), dots.front());
    QTest::keyClick(&v, Qt::Key_Escape);
    EXPECT_EQ(v.focusDot(), -1);
    EXPECT_EQ(v.focusCluster(), docker);

    // Tab moves between clusters too; a selection made elsewhere moves the focus with it.
    const auto at = std::find(order.begin(), order.end(), docker) - order.begin();
    if (at + 1 < static_cast<long>(order.size())) {
        QTest::keyClick(&v, Qt::Key_Tab);
        EXPECT_EQ(v.focusCluster(), order[at + 1]);
    }
    v.selectPid(4242);
    EXPECT_EQ(v.focusCluster(), f.clusterOf(4242));
    EXPECT_EQ(v.focusDot(), v.clusterLayout().dotOfPid(4242));
}

TEST(ClusterKeys, TabLeavesThePictureAfterTheLastCluster)
{
    QWidget window;
    auto *before = new QWidget(&window);
    before->setFocusPolicy(Qt::StrongFocus);
    SnapshotStore store;
    store.setSnapshot(guitest::hostSmall());
    auto *view = new ClusterView(&store, &window);
    auto *after = new QWidget(&window);
    after->setFocusPolicy(Qt::StrongFocus);
    QWidget::setTabOrder(before, view);
    QWidget::setTabOrder(view, after);
    window.resize(1000, 700);
    view->setGeometry(0, 0, 1000, 700);
    window.show();
    window.activateWindow();
    ASSERT_TRUE(QTest::qWaitForWindowActive(&window));
    before->setFocus(Qt::TabFocusReason);
    QTest::keyClick(before, Qt::Key_Tab);
    ASSERT_TRUE(view->hasFocus());
    const std::size_t n = view->clusterOrder().size();
    for (std::size_t i = 1; i < n; ++i)
        QTest::keyClick(view, Qt::Key_Tab);
    EXPECT_TRUE(view->hasFocus());
    EXPECT_EQ(view->focusCluster(), view->clusterOrder().back());
    QTest::keyClick(view, Qt::Key_Tab);
    EXPECT_TRUE(after->hasFocus()); // never a keyboard trap
}

TEST(ClusterKeys, FocusRingOnScreenOnlyAndMenuKeyOpensTheFocusedItemsMenu)
{
    Fixture f;
    ClusterView &v = f.view;
    QTest::keyClick(&v, Qt::Key_Down);
    const int ci = v.focusCluster();
    ASSERT_GE(ci, 0);
    const QRect circle = v.clusterRect(ci);
    // The ring is drawn 5 px outside the circle in the focus colour, on screen only.
    const auto ringPixels = [&](const QImage &img) {
        int n = 0;
        const QColor ring = v.style().focusRing;
        const QRect box = circle.adjusted(-8, -8, 8, 8).intersected(img.rect());
        for (int y = box.top(); y <= box.bottom(); ++y)
            for (int x = box.left(); x <= box.right(); ++x) {
                const QColor c = img.pixelColor(x, y);
                n += std::abs(c.red() - ring.red()) + std::abs(c.green() - ring.green()) +
                         std::abs(c.blue() - ring.blue()) <
                     30;
            }
        return n;
    };
    QImage screen(v.size(), QImage::Format_ARGB32);
    {
        QPainter p(&screen);
        v.paintFrame(p);
    }
    EXPECT_GT(ringPixels(screen), 20);
    QImage exported(v.size(), QImage::Format_ARGB32);
    {
        QPainter p(&exported);
        v.painter().paint(p, v.size(), v.paintOptions());
    }
    EXPECT_LT(ringPixels(exported), ringPixels(screen) / 4);

    v.setContextMenuPolicy(Qt::CustomContextMenu);
    QSignalSpy menu(&v, &QWidget::customContextMenuRequested);
    QTest::keyClick(&v, Qt::Key_Menu);
    QTest::keyClick(&v, Qt::Key_F10, Qt::ShiftModifier);
    ASSERT_EQ(menu.count(), 2);
    for (const auto &args : menu) {
        const QPointF w = (QPointF(args.at(0).toPoint()) - v.panOffset()) / v.zoom();
        EXPECT_EQ(v.clusterLayout().clusterAt(w.x(), w.y()), ci);
    }
}

TEST(ClusterAccessibility, TreeOfClustersAndProcessesNamedLikeTheLabels)
{
    Fixture f;
    ClusterView &v = f.view;
    QAccessibleInterface *iface = QAccessible::queryAccessibleInterface(&v);
    ASSERT_TRUE(iface);
    EXPECT_EQ(iface->role(), QAccessible::Tree);
    EXPECT_EQ(iface->text(QAccessible::Name), QStringLiteral("Cluster view"));
    ASSERT_EQ(iface->childCount(), static_cast<int>(v.clusterLayout().clusters().size()));

    QStringList names;
    for (int i = 0; i < iface->childCount(); ++i) {
        QAccessibleInterface *c = iface->child(i);
        ASSERT_TRUE(c);
        EXPECT_EQ(c->role(), QAccessible::TreeItem);
        EXPECT_EQ(c->parent(), iface);
        EXPECT_EQ(iface->indexOfChild(c), i);
        EXPECT_FALSE(c->rect().isEmpty());
        const int ci = v.clusterOrder()[i];
        EXPECT_EQ(c->childCount(), static_cast<int>(v.clusterLayout().clusters()[ci].members.size()));
        names << c->text(QAccessible::Name);
    }
    const QString all = names.join(QLatin1Char('\n'));
    for (const char *sandbox : {"docker 3f2a9c1b7e4d", "lxc web1", "podman ", "Host"})
        EXPECT_TRUE(all.contains(QLatin1String(sandbox))) << sandbox << "\n" << all.toStdString();

    // A process item: under its cluster, named with its command, pid and cluster.
    const int docker = f.clusterOf(2120);
    const auto at =
        std::find(v.clusterOrder().begin(), v.clusterOrder().end(), docker) - v.clusterOrder().begin();
    QAccessibleInterface *dc = iface->child(static_cast<int>(at));
    ASSERT_TRUE(dc && dc->childCount() > 0);
    QAccessibleInterface *p0 = dc->child(0);
    ASSERT_TRUE(p0);
    EXPECT_EQ(p0->parent(), dc);
    EXPECT_EQ(dc->indexOfChild(p0), 0);
    EXPECT_TRUE(p0->text(QAccessible::Name).contains(QStringLiteral("in docker 3f2a9c1b7e4d")));

    // Grouped by pid namespace, the agent sharing the host network is flagged by name.
    v.setGroupBy(NsType::Pid);
    ASSERT_EQ(iface->childCount(), static_cast<int>(v.clusterLayout().clusters().size()));
    const int agent = f.clusterOf(4242);
    const auto agentAt =
        std::find(v.clusterOrder().begin(), v.clusterOrder().end(), agent) - v.clusterOrder().begin();
    QAccessibleInterface *ac = iface->child(static_cast<int>(agentAt));
    ASSERT_TRUE(ac);
    EXPECT_TRUE(ac->text(QAccessible::Name).contains(QStringLiteral("agent (pid 4242)")));
    EXPECT_TRUE(
        ac->text(QAccessible::Name).contains(QStringLiteral("flagged: 1 process shares the host network")));
    EXPECT_TRUE(
        ac->child(0)->text(QAccessible::Name).contains(QStringLiteral("flagged: shares the host network")));
}

TEST(ClusterAccessibility, FocusChildAndEventsFollowTheKeys)
{
    Fixture f;
    ClusterView &v = f.view;
    g_seen.clear();
    QAccessible::installUpdateHandler(recordEvent);
    QSignalSpy moved(&v, &ClusterView::focusItemChanged);
    QAccessibleInterface *iface = QAccessible::queryAccessibleInterface(&v);
    ASSERT_TRUE(iface);
    QTest::keyClick(&v, Qt::Key_Down);
    const int ci = v.focusCluster();
    const QString name = v.accessibleClusterName(ci);
    EXPECT_EQ(f.focusName(), name);
    ASSERT_TRUE(iface->focusChild());
    EXPECT_TRUE(iface->focusChild()->state().focused);
    EXPECT_TRUE(iface->focusChild()->state().expandable);
    EXPECT_EQ(moved.count(), 1);

    QTest::keyClick(&v, Qt::Key_Right);
    const QString proc = v.accessibleProcessName(v.focusDot());
    EXPECT_EQ(f.focusName(), proc);
    EXPECT_EQ(moved.count(), 2);
    QAccessibleInterface *fc = iface->focusChild();
    ASSERT_TRUE(fc && fc->parent());
    EXPECT_TRUE(fc->state().focused && fc->state().selected);
    EXPECT_EQ(fc->parent()->text(QAccessible::Name), name);
    EXPECT_EQ(fc->parent()->focusChild(), fc);
    EXPECT_TRUE(fc->parent()->state().expanded);
    // Qt hands events to assistive technology only while one is listening (a screen reader on a
    // desktop session); the offscreen platform has none, so there the events are checked only when
    // this Qt reports accessibility active.
    if (QAccessible::isActive()) {
        EXPECT_TRUE(g_seen.contains(std::make_pair(QAccessible::Focus, name)));
        EXPECT_TRUE(g_seen.contains(std::make_pair(QAccessible::Focus, proc)));
        EXPECT_TRUE(g_seen.contains(std::make_pair(QAccessible::Selection, proc)));
    }
    QAccessible::installUpdateHandler(nullptr);
}

TEST(PanelAccessibility, EveryViewFieldAndIconButtonOfTheWindowHasAName)
{
    MainWindow w;
    w.setInteractive(false);
    w.resize(1280, 720);
    QStringList unnamed;
    for (QWidget *child : w.findChildren<QWidget *>()) {
        const bool data = qobject_cast<QAbstractItemView *>(child) || qobject_cast<QLineEdit *>(child) ||
                          (qobject_cast<QAbstractSlider *>(child) && !qobject_cast<QScrollBar *>(child)) ||
                          qobject_cast<QComboBox *>(child) || qobject_cast<QGraphicsView *>(child);
        const auto *button = qobject_cast<QAbstractButton *>(child);
        const bool iconOnly = button && button->text().isEmpty() && !button->icon().isNull();
        if (!data && !iconOnly)
            continue;
        // A combo box's own line edit or popup list (Qt 6.8 puts the list in a popup frame whose
        // parent is the combo box): the combo box carries the name.
        bool inCombo = false;
        for (QWidget *up = child->parentWidget(); up && !inCombo; up = up->parentWidget())
            inCombo = qobject_cast<QComboBox *>(up) != nullptr;
        if (inCombo)
            continue;
        // Qt's own parts: headers (their sections are named), overflow and clear buttons.
        if (qobject_cast<QHeaderView *>(child) || child->objectName().startsWith(QLatin1String("qt_")) ||
            qstrcmp(child->metaObject()->className(), "QLineEditIconButton") == 0)
            continue;
        QAccessibleInterface *iface = QAccessible::queryAccessibleInterface(child);
        ASSERT_TRUE(iface);
        if (iface->text(QAccessible::Name).trimmed().isEmpty())
            unnamed << QStringLiteral("%1 %2").arg(QString::fromLatin1(child->metaObject()->className()),
                                                   child->objectName());
    }
    EXPECT_TRUE(unnamed.isEmpty()) << unnamed.join(QStringLiteral(", ")).toStdString();
}
