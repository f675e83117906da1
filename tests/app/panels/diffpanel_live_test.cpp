// SPDX-License-Identifier: GPL-2.0-or-later
// The diff panel as a teaching tool: capabilities by name (those beyond Docker's default marked),
// values never cut, live while the target lives and marked when it exits, and a title that says
// what is compared with what. Inspect replies come from a fake helper with hand-made documents.
#include "app/panels/diffpanel.h"
#include "app/transport/helperclient.h"
#include "tests/app/faketransport.h"

#include <QFontMetrics>
#include <QHeaderView>
#include <QSignalSpy>
#include <QTest>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>
#include <gtest/gtest.h>
#include <set>

using namespace nsviz;
using nlohmann::json;

namespace
{

json inspectDoc(int pid, std::uint64_t mnt, const json &bounding, const std::string &longMount = {})
{
    json d = {{"schema", "nsviz.inspect/1"}, {"pid", pid}, {"state", "running"}, {"startTime", 5000 + pid}};
    d["comm"] = pid == 1 ? "systemd" : "worker";
    const char *types[] = {"mnt", "pid", "net", "uts", "ipc", "user", "cgroup", "time"};
    for (const char *t : types)
        d["ns"][t] = {{"dev", 4}, {"ino", 4026531840u}};
    d["ns"]["mnt"]["ino"] = mnt;
    d["ns"]["pid"]["ino"] = mnt + 1;
    d["inspector"] = {{"privileged", true}};
    d["sections"] = json::object();
    for (const char *t : types)
        d["sections"][t] = json::object();
    // Both sides list their mounts (a side without a list is unknown, not empty).
    d["sections"]["mnt"]["mounts"] = {{{"target", longMount.empty() ? std::string("/") : longMount},
                                       {"source", "overlay"},
                                       {"fstype", "overlay"},
                                       {"options", "rw"},
                                       {"propagation", "private"}}};
    d["sections"]["mnt"]["count"] = 1;
    d["security"] = {{"caps", {{"effective", bounding}, {"permitted", bounding}, {"bounding", bounding}}}};
    return d;
}

/// A helper that answers inspect from documents the test keeps; pids in gone get not_found.
struct FakeHelper {
    testutil::FakeTransport transport;
    HelperClient client{&transport};
    std::map<int, json> docs;
    std::set<int> gone;
    int inspects = 0;
    FakeHelper()
    {
        transport.responder = [this](testutil::FakeTransport &t, quint64 id, const json &req) {
            if (req.value("type", std::string()) != "inspect")
                return;
            ++inspects;
            const int pid = req.value("pid", 0);
            if (gone.count(pid) || !docs.count(pid))
                t.fail(id, "not_found", "no such process", true);
            else
                t.answer(id, docs[pid], true);
        };
        transport.start();
    }
};

QTreeWidgetItem *find(QTreeWidget *tree, const QString &field)
{
    for (QTreeWidgetItemIterator it(tree); *it; ++it)
        if ((*it)->text(0) == field)
            return *it;
    return nullptr;
}

} // namespace

TEST(DiffPanelLive, NamesCapabilitiesAndMarksThoseBeyondDockersDefault)
{
    FakeHelper h;
    h.docs[42] = inspectDoc(42, 4026532001u, {"cap_chown", "cap_kill", "cap_sys_admin", "cap_net_admin"});
    h.docs[1] = inspectDoc(1, 4026531841u, {"cap_chown", "cap_kill"});
    DiffPanel panel;
    panel.setClient(&h.client);
    panel.setLiveIntervalMs(0);
    QSignalSpy ready(&panel, &DiffPanel::diffReady);
    panel.setTarget(42, 1);
    ASSERT_TRUE(ready.wait(5000));
    auto *tree = panel.findChild<QTreeWidget *>();
    auto *caps = find(tree, QStringLiteral("bounding capabilities"));
    ASSERT_TRUE(caps);
    EXPECT_EQ(caps->text(2), QStringLiteral("4: cap_chown, cap_kill, cap_sys_admin, cap_net_admin"));
    auto *beyond = find(tree, QStringLiteral("effective beyond Docker's default"));
    ASSERT_TRUE(beyond);
    EXPECT_EQ(beyond->text(2), QStringLiteral("cap_sys_admin, cap_net_admin"));
    EXPECT_EQ(beyond->text(3), QStringLiteral("(none)"));
    EXPECT_TRUE(beyond->font(2).bold());
    EXPECT_EQ(beyond->foreground(2).color(), QColor(0xB9, 0x1C, 0x1C)); // red: beyond the default
    EXPECT_FALSE(beyond->font(3).bold());
    EXPECT_TRUE(panel.toMarkdown().contains(QStringLiteral("cap_net_admin")));
}

TEST(DiffPanelLive, ValuesWrapAndTooltipsHoldThemWhole)
{
    FakeHelper h;
    const std::string longPath =
        "/var/lib/containers/storage/overlay/"
        "402f0e1c9a7b4d33b1c0aa8a3f6e2d1c0b9a8f7e6d5c4b3a2910fedcba987654/merged/srv/data";
    h.docs[42] = inspectDoc(42, 4026532001u, {"cap_chown"}, longPath);
    h.docs[1] = inspectDoc(1, 4026531841u, {"cap_chown"});
    DiffPanel panel;
    panel.setClient(&h.client);
    panel.setLiveIntervalMs(0);
    panel.resize(700, 600);
    panel.show();
    QSignalSpy ready(&panel, &DiffPanel::diffReady);
    panel.setTarget(42, 1);
    ASSERT_TRUE(ready.wait(5000));
    auto *tree = panel.findChild<QTreeWidget *>();
    EXPECT_TRUE(tree->wordWrap());
    EXPECT_EQ(tree->textElideMode(), Qt::ElideNone);
    EXPECT_FALSE(tree->uniformRowHeights());
    // Every A/B cell's tooltip is its whole value.
    for (QTreeWidgetItemIterator it(tree); *it; ++it)
        for (int c : {2, 3})
            if (!(*it)->text(c).isEmpty()) {
                EXPECT_EQ((*it)->toolTip(c), (*it)->text(c)) << (*it)->text(0).toStdString();
            }
    // The long mount is on its row whole, and the row grew to show it (wrapped, not cut).
    QTreeWidgetItem *mnt = nullptr;
    for (int i = 0; i < tree->topLevelItemCount(); ++i)
        if (tree->topLevelItem(i)->text(0) == QLatin1String("mnt"))
            mnt = tree->topLevelItem(i);
    ASSERT_TRUE(mnt);
    mnt->setExpanded(true);
    QTreeWidgetItem *longRow = nullptr;
    for (int i = 0; i < mnt->childCount(); ++i)
        if (mnt->child(i)->text(2).contains(QString::fromStdString(longPath)))
            longRow = mnt->child(i);
    ASSERT_TRUE(longRow);
    tree->doItemsLayout();
    const QFontMetrics fm(tree->font());
    const int width = tree->header()->sectionSize(2);
    ASSERT_LT(width, fm.horizontalAdvance(longRow->text(2))) << "the value must be wider than its column";
    EXPECT_GT(tree->visualItemRect(longRow).height(), fm.height() * 3 / 2) << "a wrapped row is taller";
}

TEST(DiffPanelLive, RefreshesWhileVisibleAndMarksTheTargetExited)
{
    FakeHelper h;
    h.docs[42] = inspectDoc(42, 4026532001u, {"cap_chown"});
    h.docs[1] = inspectDoc(1, 4026531841u, {"cap_chown"});
    DiffPanel panel;
    panel.setClient(&h.client);
    panel.setLiveIntervalMs(50);
    panel.show();
    QSignalSpy ready(&panel, &DiffPanel::diffReady);
    QSignalSpy titles(&panel, &DiffPanel::titleChanged);
    panel.setTarget(42, 1);
    ASSERT_TRUE(ready.wait(5000));
    EXPECT_EQ(h.inspects, 2);
    // Live: the same pair is inspected again, and a change shows up without selecting again.
    h.docs[42]["security"]["caps"]["effective"] = {"cap_chown", "cap_sys_admin"};
    ASSERT_TRUE(ready.wait(5000));
    EXPECT_GE(h.inspects, 4);
    EXPECT_TRUE(panel.toText().contains(QStringLiteral("cap_sys_admin")));
    EXPECT_FALSE(panel.targetExited());
    // A exits: the next refresh gets not_found; the last diff stays, marked, and refreshing stops.
    h.gone.insert(42);
    for (int i = 0; i < 100 && !panel.targetExited(); ++i)
        QTest::qWait(50);
    ASSERT_TRUE(panel.targetExited());
    EXPECT_TRUE(panel.title().contains(QStringLiteral("(exited)"))) << panel.title().toStdString();
    EXPECT_TRUE(panel.toText().contains(QStringLiteral("cap_sys_admin"))) << "the last diff is kept";
    EXPECT_TRUE(panel.toText().contains(QStringLiteral("exited")));
    const int after = h.inspects;
    QTest::qWait(300);
    EXPECT_EQ(h.inspects, after) << "no refreshes after the target exited";
    EXPECT_FALSE(titles.isEmpty());
    EXPECT_EQ(titles.last().at(0).toString(), panel.title());
}

TEST(DiffPanelLive, HiddenPanelDoesNotRefreshAndSnapshotMarksExit)
{
    FakeHelper h;
    h.docs[42] = inspectDoc(42, 4026532001u, {"cap_chown"});
    h.docs[1] = inspectDoc(1, 4026531841u, {"cap_chown"});
    DiffPanel panel; // never shown
    panel.setClient(&h.client);
    panel.setLiveIntervalMs(30);
    QSignalSpy ready(&panel, &DiffPanel::diffReady);
    panel.setTarget(42, 1);
    ASSERT_TRUE(ready.wait(5000));
    QTest::qWait(200);
    EXPECT_EQ(h.inspects, 2) << "no inspects while the dock is not visible";
    // The picture's next snapshot no longer has pid 42.
    Snapshot s;
    Process init;
    init.pid = 1;
    init.startTime = 5001;
    s.processes.push_back(init);
    panel.setSnapshot(s);
    EXPECT_TRUE(panel.targetExited());
    // Its pid reused by another process counts as exited too.
    panel.setTarget(42, 1);
    ASSERT_TRUE(ready.wait(5000));
    Process other;
    other.pid = 42;
    other.startTime = 9999; // not the 5042 the diff was taken of
    s.processes.push_back(other);
    panel.setSnapshot(s);
    EXPECT_TRUE(panel.targetExited());
    EXPECT_TRUE(panel.title().contains(QStringLiteral("exited")));
}

TEST(DiffPanelLive, TitleSaysWhatIsComparedWithWhat)
{
    FakeHelper h;
    h.docs[42] = inspectDoc(42, 4026532001u, {"cap_chown"});
    h.docs[77] = inspectDoc(77, 4026532101u, {"cap_chown"});
    h.docs[77]["comm"] = "other";
    DiffPanel panel;
    panel.setClient(&h.client);
    panel.setLiveIntervalMs(0);
    QSignalSpy ready(&panel, &DiffPanel::diffReady);
    panel.setTarget(42, 77);
    ASSERT_TRUE(ready.wait(5000));
    const QString t = panel.title();
    EXPECT_TRUE(t.contains(QStringLiteral("pid 42"))) << t.toStdString();
    EXPECT_TRUE(t.contains(QStringLiteral("pid 77 · other"))) << t.toStdString();
    EXPECT_FALSE(t.contains(QStringLiteral("host"))) << "B is not the host reference: " << t.toStdString();

    // Against the snapshot's host reference: the title says "the host".
    Snapshot s;
    for (int pid : {1, 42}) {
        Process p;
        p.pid = pid;
        p.startTime = 5000 + static_cast<std::uint64_t>(pid);
        p.comm = pid == 1 ? "systemd" : "worker";
        s.processes.push_back(p);
    }
    s.host.referencePid = 1;
    s.host.referenceStartTime = 5001;
    s.host.referenceComm = "systemd";
    h.docs[1] = inspectDoc(1, 4026531841u, {"cap_chown"});
    panel.setSnapshot(s);
    panel.setTarget(42);
    ASSERT_TRUE(ready.wait(5000));
    EXPECT_TRUE(panel.title().contains(QStringLiteral("against the host (pid 1")))
        << panel.title().toStdString();
}
