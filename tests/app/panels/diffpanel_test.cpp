// SPDX-License-Identifier: GPL-2.0-or-later
// The diff and findings panels on the offscreen platform, fed by the real inspector (in-process and
// through a Transport) on namespaces the test makes itself.
#include "app/panels/diffpanel.h"
#include "app/panels/findingspanel.h"
#include "app/panels/pidpicker.h"
#include "app/transport/helperclient.h"
#include "app/transport/transport.h"
#include "core/discovery/discovery.h"
#include "core/inspect/diff.h"
#include "core/inspect/findings.h"
#include "core/inspect/inspector.h"
#include "core/model/nstype.h"
#include "tests/app/faketransport.h"
#include "tests/common/nschild.h"

#include <QFile>
#include <QImage>
#include <QSignalSpy>
#include <QTest>
#include <QTreeWidget>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <gtest/gtest.h>
#include <set>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace nsviz;
using nlohmann::json;

namespace
{

/// A transport that answers inspect requests from the real inspector, as the helper's serve would;
/// pids in missing get the helper's not_found error, and silent drops every request.
struct InspectingTransport {
    testutil::FakeTransport transport;
    HelperClient client{&transport};
    std::set<int> missing;
    bool silent = false;

    InspectingTransport()
    {
        transport.responder = [this](testutil::FakeTransport &t, quint64 id, const json &req) {
            if (silent)
                return;
            // Replies arrive later, from the event loop, as from a real helper.
            const int pid = req.value("pid", 0);
            if (missing.count(pid))
                t.fail(id, "not_found", "no such process", true);
            else
                t.answer(id, Inspector().inspect(pid), true);
        };
    }
    const std::vector<json> &requests() const { return transport.requests; }
};

QTreeWidgetItem *row(QTreeWidget *tree, const QString &name)
{
    for (int i = 0; i < tree->topLevelItemCount(); ++i)
        if (tree->topLevelItem(i)->text(0) == name)
            return tree->topLevelItem(i);
    return nullptr;
}

QTreeWidgetItem *child(QTreeWidgetItem *top, const QString &field)
{
    for (int i = 0; top && i < top->childCount(); ++i)
        if (top->child(i)->text(0) == field)
            return top->child(i);
    return nullptr;
}

QString outPath(const QString &name)
{
    // Kept in the build tree so people (and reviewers) can look at the rendering.
    return QStringLiteral(NSVIZ_TEST_OUTPUT "/") + name;
}

} // namespace

TEST(DiffPanel, SelfDiffInProcessIsAllShared)
{
    // A process in its own IPC namespace: the host's System V objects and POSIX queues come and go
    // with whatever else runs on the machine, which would make "the same process twice" differ.
    if (::geteuid() != 0)
        GTEST_SKIP() << "creating an IPC namespace needs root";
    auto c = test::NsChild::unshared(CLONE_NEWIPC, "true");
    ASSERT_GT(c.pid(), 0) << c.error();
    DiffPanel panel;
    panel.setInspectFunction([](int pid) { return Inspector().inspect(pid); });
    QSignalSpy ready(&panel, &DiffPanel::diffReady);
    panel.setTarget(c.pid(), c.pid());
    EXPECT_TRUE(panel.isLoading());
    ASSERT_TRUE(ready.wait(15000));
    auto *tree = panel.findChild<QTreeWidget *>();
    ASSERT_TRUE(tree);
    ASSERT_EQ(tree->topLevelItemCount(), 9); // 8 namespace types + security
    for (const char *t : {"mnt", "pid", "net", "uts", "ipc", "user", "cgroup", "time"}) {
        auto *r = row(tree, QLatin1String(t));
        ASSERT_TRUE(r) << t;
        EXPECT_EQ(r->text(1), QStringLiteral("SHARED")) << t;
        EXPECT_EQ(r->text(4), QStringLiteral("—")) << t;
    }
    EXPECT_EQ(panel.diff()["differences"], 0);
}

TEST(DiffPanel, HostNetContainerHighlightsAndExports)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "creating namespaces needs root";
    auto c = test::NsChild::unshared(
        CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC,
        "hostname web-frontend && mount -t tmpfs demo-data /mnt && ipcmk -Q >/dev/null");
    ASSERT_GT(c.pid(), 0) << c.error();
    DiffPanel panel;
    panel.resize(1100, 700);
    InspectingTransport helper;
    panel.setClient(&helper.client);
    QSignalSpy ready(&panel, &DiffPanel::diffReady);
    panel.setTarget(c.pid());
    ASSERT_TRUE(ready.wait(15000));
    ASSERT_EQ(helper.requests().size(), 2u);
    EXPECT_EQ(helper.requests()[0]["type"], "inspect");
    EXPECT_EQ(helper.requests()[0]["pid"], c.pid());
    EXPECT_EQ(helper.requests()[1]["pid"], findHostReference().pid);
    auto *tree = panel.findChild<QTreeWidget *>();
    EXPECT_EQ(row(tree, QStringLiteral("net"))->text(1), QStringLiteral("SHARED · HOST NET"));
    EXPECT_EQ(row(tree, QStringLiteral("uts"))->text(1), QStringLiteral("ISOLATED"));
    EXPECT_EQ(row(tree, QStringLiteral("pid"))->text(1), QStringLiteral("ISOLATED · child"));
    auto *hostname = child(row(tree, QStringLiteral("uts")), QStringLiteral("hostname"));
    ASSERT_TRUE(hostname);
    EXPECT_EQ(hostname->text(2), QStringLiteral("web-frontend"));
    EXPECT_TRUE(hostname->background(2).color().isValid());
    EXPECT_NE(hostname->background(2).style(), Qt::NoBrush); // highlighted
    EXPECT_TRUE(panel.toMarkdown().contains(QStringLiteral("| net |")));
    EXPECT_TRUE(panel.toText().contains(QStringLiteral("web-frontend")));

    const QString png = outPath(QStringLiteral("diffpanel-hostnet.png"));
    const QString svg = outPath(QStringLiteral("diffpanel-hostnet.svg"));
    ASSERT_TRUE(panel.exportPng(png));
    ASSERT_TRUE(panel.exportSvg(svg));
    QImage img(png);
    EXPECT_EQ(img.width(), 2560); // 1280 points at 2x
    EXPECT_GT(img.height(), 600);
    QFile f(svg);
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    const QByteArray svgText = f.readAll();
    EXPECT_TRUE(svgText.contains("<svg"));
    EXPECT_TRUE(svgText.contains("web-frontend")); // text stays text
    panel.grab().save(outPath(QStringLiteral("diffpanel-widget.png")));
}

TEST(DiffPanel, HelperErrorsAndSilenceAreShown)
{
    DiffPanel panel;
    InspectingTransport helper;
    helper.missing.insert(999999);
    panel.setClient(&helper.client);
    QSignalSpy ready(&panel, &DiffPanel::diffReady);
    panel.setTarget(999999, ::getpid());
    ASSERT_TRUE(ready.wait(15000));
    EXPECT_EQ(panel.diff()["a"]["state"], "exited");
    EXPECT_TRUE(panel.toText().contains(QStringLiteral("process exited")));
    auto *tree = panel.findChild<QTreeWidget *>();
    EXPECT_EQ(row(tree, QStringLiteral("net"))->text(1), QStringLiteral("UNKNOWN"));

    helper.silent = true;
    panel.setTimeoutSeconds(1);
    QSignalSpy failed(&panel, &DiffPanel::failed);
    panel.setTarget(::getpid(), ::getpid());
    ASSERT_TRUE(failed.wait(5000));
    EXPECT_TRUE(failed.at(0).at(0).toString().contains(QStringLiteral("did not answer")));
}

TEST(DiffPanel, HostReferenceIsTheSnapshots)
{
    DiscoveryOptions o;
    o.fds = o.bindMounts = false;
    const Snapshot s = discover(o);
    if (s.host.referencePid <= 0)
        GTEST_SKIP() << "no host reference readable here: " << s.host.referenceNote;
    DiffPanel panel;
    InspectingTransport helper;
    panel.setClient(&helper.client);
    panel.setSnapshot(s);
    QSignalSpy ready(&panel, &DiffPanel::diffReady);
    panel.setTarget(::getpid());
    ASSERT_TRUE(ready.wait(15000));
    ASSERT_EQ(helper.requests().size(), 2u);
    EXPECT_EQ(helper.requests()[1]["pid"], s.host.referencePid);
    EXPECT_EQ(panel.diff()["reference"]["pid"], s.host.referencePid);
    EXPECT_EQ(panel.diff()["reference"]["startTime"], s.host.referenceStartTime);
    EXPECT_EQ(panel.diff()["b"]["hostReference"], true);
}

TEST(DiffPanel, NoHostReferenceFailsWithDiscoverysNote)
{
    Snapshot s;
    s.host.referencePid = 0;
    s.host.referenceNote = "neither PID 1 nor kthreadd (pid 2) could be read (run as root to see them)";
    DiffPanel panel;
    InspectingTransport helper;
    panel.setClient(&helper.client);
    panel.setSnapshot(s);
    QSignalSpy failed(&panel, &DiffPanel::failed);
    panel.setTarget(::getpid());
    ASSERT_EQ(failed.count(), 1);
    EXPECT_TRUE(failed.at(0).at(0).toString().contains(QStringLiteral("neither PID 1 nor kthreadd")));
    EXPECT_TRUE(helper.requests().empty());
}

TEST(DiffPanel, NewTargetDropsStaleReplies)
{
    DiffPanel panel;
    panel.setInspectFunction([](int pid) { return Inspector().inspect(pid); });
    QSignalSpy ready(&panel, &DiffPanel::diffReady);
    panel.setTarget(::getpid(), 2);
    panel.setTarget(::getpid(), ::getpid()); // replaces the first before it finished
    ASSERT_TRUE(ready.wait(15000));
    QTest::qWait(300);
    EXPECT_EQ(ready.count(), 1);
    EXPECT_EQ(panel.referencePid(), ::getpid());
    EXPECT_EQ(panel.diff()["b"]["pid"], ::getpid());
}

TEST(PidPicker, FiltersBySnapshot)
{
    Snapshot s;
    Process a;
    a.pid = 10;
    a.comm = "nginx";
    a.cgroup = "/docker/3f2a9c1b7e4d5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d";
    Process b;
    b.pid = 101;
    b.comm = "bash";
    s.processes = {a, b};
    PidPicker picker(&s, 1);
    EXPECT_EQ(picker.visibleRows(), 2);
    picker.setFilter(QStringLiteral("docker"));
    EXPECT_EQ(picker.visibleRows(), 1);
    EXPECT_EQ(picker.selectedPid(), 10);
    picker.setFilter(QStringLiteral("10"));
    EXPECT_EQ(picker.visibleRows(), 2);  // 10 and 101
    EXPECT_EQ(picker.selectedPid(), 10); // typed pid wins
    picker.setFilter(QStringLiteral("4242"));
    EXPECT_EQ(picker.visibleRows(), 0);
    EXPECT_EQ(picker.selectedPid(), 4242); // not in the snapshot, still allowed
}

TEST(FindingsPanel, ListsWorstFirstAndActivates)
{
    json f = {
        {"schema", "nsviz.findings/1"},
        {"reference", {{"pid", 2}, {"comm", "kthreadd"}, {"note", "PID 1 not readable"}}},
        {"clean", 1},
        {"notes", json::array()},
        {"containers",
         {{{"pid", 4242},
           {"comm", "nginx"},
           {"label", "docker 3f2a9c1b7e4d"},
           {"kind", "container"},
           {"processes", 3},
           {"worstRank", 1},
           {"findings",
            {{{"code", "host-net"},
              {"rank", 1},
              {"title", "shares the host network namespace"},
              {"detail", "x"}},
             {{"code", "seccomp-off"}, {"rank", 7}, {"title", "seccomp off"}, {"detail", "y"}}}}},
          {{"pid", 77},
           {"comm", "svc"},
           {"label", "svc (pid 77)"},
           {"kind", "mount-namespace-only"},
           {"processes", 1},
           {"worstRank", 5},
           {"findings",
            {{{"code", "no-userns"}, {"rank", 5}, {"title", "no user namespace"}, {"detail", "z"}}}}}}}};
    FindingsPanel panel;
    panel.resize(900, 400);
    panel.setFindings(f);
    ASSERT_EQ(panel.containerCount(), 2);
    EXPECT_EQ(panel.pidAt(0), 4242);
    EXPECT_EQ(panel.pidAt(1), 77);
    auto *tree = panel.findChild<QTreeWidget *>();
    EXPECT_EQ(tree->topLevelItem(0)->text(0), QStringLiteral("CRITICAL"));
    EXPECT_EQ(tree->topLevelItem(1)->text(0), QStringLiteral("MEDIUM"));
    QSignalSpy activated(&panel, &FindingsPanel::processActivated);
    Q_EMIT tree->itemClicked(tree->topLevelItem(0)->child(1), 1); // a finding row selects its container
    ASSERT_EQ(activated.count(), 1);
    EXPECT_EQ(activated.at(0).at(0).toInt(), 4242);
    EXPECT_TRUE(panel.toText().contains(QStringLiteral("CRITICAL shares the host network namespace")));
    panel.grab().save(outPath(QStringLiteral("findingspanel.png")));
}

TEST(FindingsPanel, FromSnapshotInBackground)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "creating namespaces needs root";
    auto c = test::NsChild::unshared(CLONE_NEWNS | CLONE_NEWPID);
    ASSERT_GT(c.pid(), 0) << c.error();
    Inspector in;
    auto proc = [&](int pid) {
        json d = in.inspect(pid);
        Process p;
        p.pid = pid;
        p.comm = d.value("comm", "");
        for (NsType t : kAllNsTypes)
            if (d["ns"][std::string(nsTypeName(t))].contains("ino"))
                p.ns[index(t)] = NsId{d["ns"][std::string(nsTypeName(t))]["dev"],
                                      d["ns"][std::string(nsTypeName(t))]["ino"]};
        p.nspid = d["sections"]["pid"]["nspid"].get<std::vector<int>>();
        return p;
    };
    Snapshot s;
    s.host.privileged = true;
    s.host.referencePid = findHostReference().pid;
    Process host = proc(s.host.referencePid);
    s.hostNs = host.ns;
    s.processes = {host, proc(c.pid())};
    FindingsPanel panel;
    QSignalSpy ready(&panel, &FindingsPanel::findingsReady);
    panel.setSnapshot(s);
    ASSERT_TRUE(ready.wait(15000));
    ASSERT_EQ(panel.containerCount(), 1);
    EXPECT_EQ(panel.pidAt(0), c.pid());
    EXPECT_EQ(panel.findings()["containers"][0]["findings"][0]["code"], "host-net");
    panel.resize(1000, 320);
    panel.grab().save(outPath(QStringLiteral("findingspanel-real.png")));
}
