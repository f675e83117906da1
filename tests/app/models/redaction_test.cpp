// SPDX-License-Identifier: GPL-2.0-or-later
// Redact Names as one gate: a fixture full of hostnames, user names, command arguments, IP and MAC
// addresses and routes goes out through every format the app writes (pictures as painted text and
// SVG, Markdown, text, JSON, the clipboard, saved snapshots, findings exports) and none of the
// values comes out. Each check first proves the value is there with redaction off.
#include "app/cluster/clusterview.h"
#include "app/export/viewexporter.h"
#include "app/models/processtablemodel.h"
#include "app/models/redactiongate.h"
#include "app/models/redactor.h"
#include "app/models/snapshotstore.h"
#include "app/panels/chartspanel.h"
#include "app/panels/diffpanel.h"
#include "app/panels/findingspanel.h"
#include "app/panels/tablepanel.h"
#include "app/panels/treepanel.h"
#include "app/window/session.h"
#include "core/inspect/diff.h"
#include "core/protocol/snapshotjson.h"
#include "tests/app/textrecorder.h"
#include "tests/common/syntheticsnapshot.h"

#include <QApplication>
#include <QClipboard>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QMimeData>
#include <QPainter>
#include <QTableView>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace nsviz;
using nlohmann::json;

namespace
{

// The fixture's secrets: each must vanish from every output.
const QStringList kMarkers = {
    QStringLiteral("zebra-host-4711"),    // the host's hostname (and its FQDN)
    QStringLiteral("kumquat-box"),        // a container's own hostname (only in inspect documents)
    QStringLiteral("marjoram"),           // a user name (from /home/marjoram)
    QStringLiteral("ULTRASECRETTOKEN"),   // a command argument
    QStringLiteral("pineapple-settings"), // another argument
    QStringLiteral("203.0.113.77"),       // IPv4
    QStringLiteral("203.0.113.1"),        // a route's gateway
    QStringLiteral("198.51.100.0"),       // a route's destination
    QStringLiteral("192.0.2.55"),         // the host side's address
    QStringLiteral("2001:db8:feed::77"),  // IPv6
    QStringLiteral("02:42:ac:11:00:77"),  // MAC
    QStringLiteral("vethc0ffee9"),        // the host side of the container's veth pair
    QStringLiteral("labnet-uplink"),      // an interface its owner named
};

QStringList leaks(const QString &text)
{
    QStringList found;
    for (const QString &m : kMarkers)
        if (text.contains(m, Qt::CaseInsensitive))
            found << m;
    return found;
}

QString out(const QString &name)
{
    return QStringLiteral(NSVIZ_TEST_OUTPUT "/redaction-") + name;
}

QString readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

QString clipboardText()
{
    const QMimeData *m = QGuiApplication::clipboard()->mimeData();
    if (!m)
        return {};
    return m->text() + QLatin1Char('\n') + QString::fromUtf8(m->data(QStringLiteral("text/markdown")));
}

/// A host whose snapshot carries the names: hostname, a process run from /home/marjoram with
/// secret arguments and an address on its command line, a warning naming addresses.
Snapshot fixtureSnapshot(int *secretPid)
{
    testkit::SyntheticHost h(7);
    h.start(false);
    const int pid = h.start(true);
    h.start(true);
    Snapshot s = h.snapshot();
    s.host.hostname = "zebra-host-4711.example.net";
    s.host.bootId = "fixture";
    for (auto &p : s.processes)
        if (p.pid == pid) {
            p.comm = "secretd";
            p.cmdline = {"/home/marjoram/bin/secretd", "--token=ULTRASECRETTOKEN", "pineapple-settings",
                         "--listen=203.0.113.77"};
            p.cgroup = "/user.slice/user-1000.slice/marjoram-session.scope";
        }
    s.warnings.push_back(
        "eth0 of zebra-host-4711 has 2001:db8:feed::77 and 02:42:ac:11:00:77, peer vethc0ffee9");
    *secretPid = pid;
    return s;
}

json inspectDoc(int pid, const std::string &hostname, bool container)
{
    json d = {{"schema", "nsviz.inspect/1"}, {"pid", pid}, {"state", "running"}, {"startTime", 1000}};
    d["comm"] = container ? "secretd" : "systemd";
    d["cmdline"] = container
                       ? json{"/home/marjoram/bin/secretd", "--token=ULTRASECRETTOKEN", "pineapple-settings"}
                       : json{"/sbin/init"};
    const char *types[] = {"mnt", "pid", "net", "uts", "ipc", "user", "cgroup", "time"};
    for (const char *t : types)
        d["ns"][t] = {{"dev", 4}, {"ino", container ? 4026540001u : 4026531840u}};
    d["ns"]["user"]["ino"] = 4026531837u; // shared: root inside is root outside
    d["inspector"] = {{"privileged", true}};
    d["sections"] = json::object();
    for (const char *t : types)
        d["sections"][t] = json::object();
    d["sections"]["uts"] = {{"hostname", hostname}, {"domainname", "(none)"}};
    d["sections"]["net"]["interfaces"] = {
        {{"name", "eth0"},
         {"state", "up"},
         {"mac", container ? "02:42:ac:11:00:77" : "52:54:00:12:34:56"},
         {"addresses", container ? json{"203.0.113.77/24", "2001:db8:feed::77/64"} : json{"192.0.2.55/24"}}},
        {{"name", "lo"}, {"state", "up"}, {"addresses", json{"127.0.0.1/8"}}}};
    if (!container) {
        d["sections"]["net"]["interfaces"].push_back({{"name", "vethc0ffee9"}, {"state", "up"}});
        d["sections"]["net"]["interfaces"].push_back({{"name", "labnet-uplink"}, {"state", "down"}});
    }
    d["sections"]["net"]["routes"] = {{{"destination", container ? "198.51.100.0/24" : "0.0.0.0/0"},
                                       {"gateway", "203.0.113.1"},
                                       {"dev", container ? "eth0" : "labnet-uplink"}}};
    d["sections"]["net"]["listening"] = {
        {{"proto", "tcp"}, {"address", container ? "2001:db8:feed::77" : "192.0.2.55"}, {"port", 8443}}};
    d["sections"]["mnt"]["mounts"] = {{{"target", "/data"},
                                       {"source", container ? "/home/marjoram/data" : "/dev/vda1"},
                                       {"fstype", "ext4"},
                                       {"options", "rw"},
                                       {"propagation", "private"}}};
    d["sections"]["mnt"]["count"] = 1;
    d["security"] = {{"uid", {0, 0, 0, 0}},
                     {"gid", {0, 0, 0, 0}},
                     {"caps",
                      {{"effective", {"cap_chown", "cap_sys_admin"}},
                       {"permitted", {"cap_chown", "cap_sys_admin"}},
                       {"bounding", {"cap_chown", "cap_sys_admin"}}}}};
    return d;
}

json findingsDoc(int pid)
{
    return {{"schema", "nsviz.findings/1"},
            {"reference", {{"pid", 1}, {"comm", "systemd"}, {"note", ""}}},
            {"containers",
             {{{"label", "docker 3f2a9c · secretd"},
               {"pid", pid},
               {"comm", "secretd"},
               {"processes", 1},
               {"kind", "container"},
               {"worstRank", 1},
               {"findings",
                {{{"code", "host-net"},
                  {"rank", 1},
                  {"title", "shares the host network"},
                  {"detail", "eth0 (host side vethc0ffee9) 203.0.113.77, 2001:db8:feed::77, "
                             "02:42:ac:11:00:77 on zebra-host-4711; run by "
                             "marjoram with --token=ULTRASECRETTOKEN pineapple-settings"}}}}}}},
            {"clean", 0},
            {"notes", {"route 198.51.100.0/24 via 203.0.113.1"}}};
}

QString paintedText(const ViewExporter::Picture &pic)
{
    testutil::TextRecorder rec(pic.size);
    QPainter p(&rec);
    pic.paint(p);
    p.end();
    return rec.all();
}

QString everyCell(const QAbstractItemModel &m, const QModelIndex &parent = {})
{
    QString all;
    for (int r = 0; r < m.rowCount(parent); ++r)
        for (int c = 0; c < m.columnCount(parent); ++c) {
            const QModelIndex i = m.index(r, c, parent);
            for (int role : {int(Qt::DisplayRole), int(Qt::ToolTipRole), int(ProcessTableModel::TsvRole)})
                all += i.data(role).toString() + QLatin1Char('\n');
            if (c == 0)
                all += everyCell(m, i);
        }
    return all;
}

class Redaction : public ::testing::Test
{
protected:
    void SetUp() override
    {
        store.setSnapshot(fixtureSnapshot(&pid));
        gate = store.redaction();
        ASSERT_TRUE(gate);
    }
    SnapshotStore store;
    RedactionGate *gate = nullptr;
    int pid = 0;
};

} // namespace

TEST(Redactor, AddressesAreNumberedAndKeptApart)
{
    Redactor r{Snapshot()};
    const std::string in = "a 10.1.2.3/24 b fd00::1 c 02:42:AC:11:00:02 d 10.1.2.3 e 127.0.0.1 ::1 "
                           "255.255.255.0 at 12:30:45 std::string v6.18.0 ::ffff:192.0.2.1.";
    const std::string o = r.text(in);
    EXPECT_EQ(o, "a IPv4-1/24 b IPv6-1 c MAC-1 d IPv4-1 e 127.0.0.1 ::1 255.255.255.0 at 12:30:45 "
                 "std::string v6.18.0 IPv6-2.");
    // Copies (the gate's redactor rebuilt after an update) keep the numbers.
    Redactor next{Snapshot()};
    next.shareAddressesWith(r);
    EXPECT_EQ(next.text(std::string("10.1.2.3 and 10.9.9.9")), "IPv4-1 and IPv4-2");
    EXPECT_EQ(r.text(std::string("2001:db8:0:0:0:0:0:1 1:2:3:4:5:6:7:8:9 dead:beef")),
              "IPv6-3 1:2:3:4:5:6:7:8:9 dead:beef");
}

TEST(Redactor, InterfaceNamesAreNumberedButLoAndEthStay)
{
    Redactor r{Snapshot()};
    // Engine-made names go wherever they appear; the same name keeps its number.
    EXPECT_EQ(r.text(std::string("vethab12cd@if5 on br-0123456789ab, again vethab12cd. docker0 virbr0")),
              "if1@if5 on if2, again if1. if3 if4");
    EXPECT_EQ(r.text(std::string("lo eth0 eth1 ethernet vethernet veth")),
              "lo eth0 eth1 ethernet vethernet veth");
    // A name its owner chose is only known from a document: learned there, hidden everywhere.
    const json doc = r.json(json{{"interfaces", {{{"name", "labnet-uplink"}}, {{"name", "lo"}}}},
                                 {"routes", {{{"dev", "labnet-uplink"}, {"destination", "0.0.0.0/0"}}}}});
    EXPECT_EQ(doc["interfaces"][0]["name"], "if5");
    EXPECT_EQ(doc["interfaces"][1]["name"], "lo");
    EXPECT_EQ(doc["routes"][0]["dev"], "if5");
    // A diff names them as a list and in its rows.
    const json diff = r.json(json{{"rows",
                                   {{{"field", "interfaces"}, {"a", {"eth0", "cafe-lan"}}, {"b", {"eth0"}}},
                                    {{"field", "interface cafe-lan"}, {"a", "up"}, {"b", nullptr}}}}});
    EXPECT_EQ(diff["rows"][0]["a"], json({"eth0", "if6"}));
    EXPECT_EQ(diff["rows"][1]["field"], "interface if6");
}

TEST(Redactor, JsonDocumentsLoseNamesArgumentsAndAddresses)
{
    int pid = 0;
    const Snapshot s = fixtureSnapshot(&pid);
    const Redactor r(s);
    const json doc = r.json(inspectDoc(pid, "kumquat-box", true));
    EXPECT_EQ(doc["cmdline"], json({"secretd"}));
    EXPECT_EQ(doc["sections"]["uts"]["hostname"], "hostname1");
    EXPECT_EQ(doc["sections"]["uts"]["domainname"], "(none)");
    EXPECT_EQ(doc["pid"], pid); // numbers stay: they are what the picture explains
    EXPECT_EQ(doc["ns"]["net"]["ino"], 4026540001u);
    EXPECT_TRUE(leaks(QString::fromStdString(doc.dump())).isEmpty()) << doc.dump();
    // The redacted snapshot: hostname, arguments, user names and addresses in warnings are gone.
    const json snap = toJson(r.apply(s));
    EXPECT_TRUE(leaks(QString::fromStdString(snap.dump())).isEmpty()) << snap.dump();
}

TEST_F(Redaction, DiffLeavesNothingInAnyFormat)
{
    DiffPanel panel;
    panel.setRedaction(gate);
    panel.resize(1000, 700);
    panel.setLiveIntervalMs(0);
    panel.setDiff(
        diffInspections(inspectDoc(pid, "kumquat-box", true), inspectDoc(1, "zebra-host-4711", false)));

    // Off: every marker a diff can carry is there (the test sees them when they are shown).
    gate->setEnabled(false);
    const QString plain = panel.toText() + panel.toMarkdown() + panel.title();
    for (const char *m :
         {"kumquat-box", "zebra-host-4711", "203.0.113.77", "2001:db8:feed::77", "198.51.100.0",
          "203.0.113.1", "marjoram", "192.0.2.55", "vethc0ffee9", "labnet-uplink"})
        EXPECT_TRUE(plain.contains(QLatin1String(m))) << m;

    gate->setEnabled(true);
    EXPECT_TRUE(leaks(panel.toText()).isEmpty()) << panel.toText().toStdString();
    EXPECT_TRUE(leaks(panel.toMarkdown()).isEmpty()) << panel.toMarkdown().toStdString();
    EXPECT_TRUE(leaks(panel.title()).isEmpty()) << panel.title().toStdString();
    // On screen: every cell and tooltip of the tree, and the header.
    QString screen;
    auto *tree = panel.findChild<QTreeWidget *>();
    ASSERT_TRUE(tree);
    for (QTreeWidgetItemIterator it(tree); *it; ++it)
        for (int c = 0; c < tree->columnCount(); ++c)
            screen += (*it)->text(c) + (*it)->toolTip(c) + QLatin1Char('\n');
    for (int c = 0; c < tree->columnCount(); ++c)
        screen += tree->headerItem()->text(c);
    for (auto *l : panel.findChildren<QLabel *>())
        screen += l->text();
    EXPECT_TRUE(leaks(screen).isEmpty()) << screen.toStdString();
    // The picture (PNG): the text its painter is given.
    testutil::TextRecorder rec;
    QPainter p(&rec);
    panel.paintExport(p);
    p.end();
    EXPECT_FALSE(rec.texts().isEmpty());
    EXPECT_TRUE(rec.all().contains(QStringLiteral("IPv4-"))) << "the page shows the redacted addresses";
    EXPECT_TRUE(leaks(rec.all()).isEmpty()) << rec.all().toStdString();
    ASSERT_TRUE(panel.exportPng(out(QStringLiteral("diff.png"))));
    // The page is as tall as its (wrapped) rows, not the height it was measured at.
    const QImage png(out(QStringLiteral("diff.png")));
    EXPECT_GT(png.height(), 2 * 300);
    EXPECT_LT(png.height(), 2 * 2500);
    // SVG: the bytes.
    ASSERT_TRUE(panel.exportSvg(out(QStringLiteral("diff.svg"))));
    const QString svg = readFile(out(QStringLiteral("diff.svg")));
    EXPECT_TRUE(svg.contains(QStringLiteral("hostname1")));
    EXPECT_TRUE(leaks(svg).isEmpty()) << leaks(svg).join(QLatin1Char(' ')).toStdString();
    // Clipboard: text and Markdown (both MIME types).
    panel.copyText();
    EXPECT_TRUE(leaks(clipboardText()).isEmpty()) << clipboardText().toStdString();
    panel.copyMarkdown();
    EXPECT_TRUE(clipboardText().contains(QStringLiteral("Namespace diff")));
    EXPECT_TRUE(leaks(clipboardText()).isEmpty()) << clipboardText().toStdString();
}

TEST_F(Redaction, FindingsLeaveNothingInAnyFormat)
{
    FindingsPanel panel;
    panel.setRedaction(gate);
    panel.setFindings(findingsDoc(pid));
    gate->setEnabled(false);
    EXPECT_FALSE(leaks(panel.toMarkdown()).isEmpty());
    gate->setEnabled(true);
    EXPECT_TRUE(leaks(panel.toText()).isEmpty()) << panel.toText().toStdString();
    EXPECT_TRUE(leaks(panel.toMarkdown()).isEmpty()) << panel.toMarkdown().toStdString();
    EXPECT_TRUE(leaks(QString::fromUtf8(panel.toJson())).isEmpty()) << panel.toJson().toStdString();
    for (const char *name : {"findings.md", "findings.json"}) {
        ASSERT_TRUE(panel.exportTo(out(QLatin1String(name))));
        const QString text = readFile(out(QLatin1String(name)));
        EXPECT_TRUE(text.contains(QStringLiteral("IPv4-1"))) << name;
        EXPECT_TRUE(leaks(text).isEmpty()) << name << ": " << text.toStdString();
    }
    panel.copy();
    EXPECT_TRUE(clipboardText().contains(QStringLiteral("CRITICAL")));
    EXPECT_TRUE(leaks(clipboardText()).isEmpty()) << clipboardText().toStdString();
    // On screen, and as a picture.
    panel.resize(900, 400);
    EXPECT_TRUE(leaks(paintedText(ViewExporter::pictureOf(&panel))).isEmpty());
}

TEST_F(Redaction, SavedSnapshotAndViewPicturesLeaveNothing)
{
    // Saved snapshot: the window saves through the same rule.
    Session session(&store);
    QString error;
    ASSERT_TRUE(session.saveFile(out(QStringLiteral("snapshot-plain.json")), false, &error))
        << error.toStdString();
    EXPECT_FALSE(leaks(readFile(out(QStringLiteral("snapshot-plain.json")))).isEmpty());
    ASSERT_TRUE(session.saveFile(out(QStringLiteral("snapshot.json")), true, &error)) << error.toStdString();
    const QString saved = readFile(out(QStringLiteral("snapshot.json")));
    EXPECT_TRUE(saved.contains(QStringLiteral("nsviz.snapshot/1")));
    EXPECT_TRUE(leaks(saved).isEmpty()) << leaks(saved).join(QLatin1Char(' ')).toStdString();
    EXPECT_TRUE(leaks(QString::fromStdString(toJson(gate->snapshot(store.snapshot())).dump())).size() > 0)
        << "off: the gate passes the snapshot through";

    gate->setEnabled(true);
    TablePanel table(&store);
    table.resize(1600, 600);
    EXPECT_FALSE(everyCell(*table.model()).isEmpty());
    EXPECT_TRUE(leaks(everyCell(*table.model())).isEmpty()) << everyCell(*table.model()).toStdString();
    table.view()->selectAll();
    table.copySelection();
    EXPECT_TRUE(clipboardText().contains(QStringLiteral("secretd")));
    EXPECT_TRUE(leaks(clipboardText()).isEmpty()) << clipboardText().toStdString();

    TreePanel tree(&store);
    ChartsPanel charts(&store);
    ClusterView cluster(&store);
    cluster.setRedacted(true);
    for (QWidget *w : std::initializer_list<QWidget *>{&table, &tree, &charts, &cluster}) {
        w->resize(1280, 720);
        w->setAttribute(Qt::WA_DontShowOnScreen);
        w->show();
        QApplication::processEvents();
        const QString name =
            QString::fromLatin1(w->metaObject()->className()).section(QLatin1String("::"), -1);
        EXPECT_TRUE(leaks(paintedText(ViewExporter::pictureOf(w))).isEmpty()) << name.toStdString();
        QString err;
        const QString svgPath = out(name + QStringLiteral(".svg"));
        ASSERT_TRUE(ViewExporter::saveSvg(w, svgPath, &err)) << err.toStdString();
        const QString svg = readFile(svgPath);
        EXPECT_TRUE(leaks(svg).isEmpty())
            << name.toStdString() << ": " << leaks(svg).join(QLatin1Char(' ')).toStdString();
    }
}
