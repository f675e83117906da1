// SPDX-License-Identifier: GPL-2.0-or-later
// The compare view end to end: the window over two fixture moments (its table is the core's
// result, its picture marks what is new, gone and moved), its exports through the redaction gate,
// the headless `nsviz --compare A B --screenshot` (picture, layout record with the marks and no
// overlaps), a recording's moments compared and screenshotted, and the timeline's Compare A → here.
#include "app/cluster/comparepicture.h"
#include "app/models/comparemodel.h"
#include "app/models/redactiongate.h"
#include "app/models/snapshotstore.h"
#include "app/window/comparewindow.h"
#include "app/window/mainwindow.h"
#include "app/window/recordingplayer.h"
#include "app/window/session.h"
#include "app/window/timelinebar.h"
#include "core/inspect/compare.h"
#include "core/model/delta.h"
#include "core/protocol/moment.h"
#include "core/protocol/recording.h"
#include "core/protocol/snapshotjson.h"
#include "tests/app/cluster/layoutcheck.h"
#include "tests/app/window/nsvizrun.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>
#include <QToolButton>
#include <algorithm>
#include <gtest/gtest.h>
#include <unistd.h>

using namespace nsviz;
using nlohmann::json;
using nsviz::testutil::NsvizRun;
using nsviz::testutil::runNsviz;

namespace
{

const char *kBefore = NSVIZ_TEST_DATA "/snapshots/compare-before.json";
const char *kAfter = NSVIZ_TEST_DATA "/snapshots/compare-after.json";

QString out(const QString &name)
{
    QDir().mkpath(QStringLiteral(NSVIZ_TEST_OUTPUT));
    return QStringLiteral(NSVIZ_TEST_OUTPUT "/compare_%1_%2").arg(::getpid()).arg(name);
}

QString readAll(const QString &file)
{
    QFile f(file);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

/// A recording of the fixture pair: A at 0 s, B from 5 s, 8 s long.
std::string writeRecording(const QString &path)
{
    const Snapshot a = loadMoment(kBefore).snapshot, b = loadMoment(kAfter).snapshot;
    RecordingWriter w(path.toStdString());
    w.writeHeader({"test", "lab-host-17", 1000, a.host.scannedAtMs});
    w.writeSnapshot(0, a);
    SnapshotDelta d = computeDelta(a, b);
    d.seq = 1;
    w.writeDelta(5000, d);
    w.end(8000, RecordingEnd::Stopped);
    return path.toStdString();
}

int countMarks(const ClusterMarks &m, ClusterMarks::Mark which)
{
    return static_cast<int>(std::count(m.process.begin(), m.process.end(), which));
}

} // namespace

TEST(CompareWindow, TableAndMarksAreTheCoreResult)
{
    const Moment a = loadMoment(kBefore), b = loadMoment(kAfter);
    const json cmp = compareSnapshots(a.snapshot, b.snapshot, a.label, b.label);
    CompareWindow w(a, b);
    w.resize(1280, 720);
    w.show();
    EXPECT_EQ(w.comparison(), cmp);
    const auto expected = CompareModel::rowsOf(cmp);
    ASSERT_EQ(w.model()->rows().size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i)
        EXPECT_EQ(w.model()->rows()[i].line(), expected[i].line());
    EXPECT_EQ(w.model()->rowCount(), 6 /*procs new*/ + 1 /*gone*/ + 1 /*moved*/ + 6 /*ns new*/ +
                                         static_cast<int>(cmp["namespaces"]["disappeared"].size()));

    // The picture: B plus the ghost of what only A had, each marked as the core said.
    const ClusterMarks &m = w.picture().marks();
    EXPECT_EQ(countMarks(m, ClusterMarks::Mark::New), 6);
    EXPECT_EQ(countMarks(m, ClusterMarks::Mark::Gone), 1);
    EXPECT_EQ(countMarks(m, ClusterMarks::Mark::Moved), 1);
    EXPECT_EQ(w.picture().scene().processes.size(), b.snapshot.processes.size() + 1);
    int newNs = 0;
    for (const auto &[id, mark] : m.ns)
        newNs += mark == ClusterMarks::Mark::New;
    EXPECT_EQ(newNs, 6);
    // The picture's list: every process row, the six namespaces of the container on one line.
    EXPECT_EQ(m.changes.size(), w.model()->rowCount() - 5);
    EXPECT_TRUE(m.changes.contains(QStringLiteral("+ namespaces mnt, pid, net, uts, ipc, cgroup · nginx")))
        << m.changes.join(QLatin1Char('\n')).toStdString();
    EXPECT_TRUE(w.windowTitle().contains(QStringLiteral("compare-before.json (")));
    EXPECT_TRUE(w.windowTitle().contains(QStringLiteral(" → compare-after.json (")));

    // The picture as exported: the marks recorded where they are drawn, nothing overlapping.
    const QString png = out(QStringLiteral("window.png"));
    QString error;
    ASSERT_TRUE(w.exportPicture(png, 1, &error, QSize(1280, 720))) << error.toStdString();
    QImage img(png);
    ASSERT_FALSE(img.isNull());
    EXPECT_EQ(img.size(), QSize(1280, 720));

    // Group by another type: the marks stay.
    w.setGroupBy(NsType::Mnt);
    EXPECT_EQ(countMarks(w.picture().marks(), ClusterMarks::Mark::Gone), 1);
}

TEST(CompareWindow, ExportsPassTheRedactionGate)
{
    const Moment a = loadMoment(kBefore), b = loadMoment(kAfter);
    CompareWindow w(a, b);
    w.resize(1280, 720);
    // Off: the names are there (so that "absent when on" below means something).
    const QString mdPlain = out(QStringLiteral("plain.md"));
    QString error;
    ASSERT_TRUE(w.exportChanges(mdPlain, &error)) << error.toStdString();
    EXPECT_TRUE(readAll(mdPlain).contains(QStringLiteral("backup.sh")));
    const QString jsonPlain = out(QStringLiteral("plain.json"));
    ASSERT_TRUE(w.exportChanges(jsonPlain, &error));
    EXPECT_TRUE(readAll(jsonPlain).contains(QStringLiteral("lab-host-17")));
    EXPECT_TRUE(readAll(jsonPlain).contains(QStringLiteral("--nightly")));

    w.redaction()->setEnabled(true);
    const QStringList markers{QStringLiteral("lab-host-17"), QStringLiteral("--nightly"),
                              QStringLiteral("/usr/local/bin/backup.sh")};
    const QString md = out(QStringLiteral("redacted.md")), js = out(QStringLiteral("redacted.json")),
                  svg = out(QStringLiteral("redacted.svg"));
    ASSERT_TRUE(w.exportChanges(md, &error)) << error.toStdString();
    ASSERT_TRUE(w.exportChanges(js, &error)) << error.toStdString();
    ASSERT_TRUE(w.exportPicture(svg, 1, &error, QSize(1280, 720))) << error.toStdString();
    for (const QString &file : {md, js, svg}) {
        const QString text = readAll(file);
        ASSERT_FALSE(text.isEmpty()) << file.toStdString();
        for (const QString &marker : markers)
            EXPECT_FALSE(text.contains(marker)) << marker.toStdString() << " in " << file.toStdString();
    }
    EXPECT_TRUE(readAll(svg).contains(QStringLiteral("redacted")));
    // The legend explains the marks (the SVG keeps text as text).
    EXPECT_TRUE(readAll(svg).contains(QStringLiteral("New in B")));
    EXPECT_TRUE(readAll(svg).contains(QStringLiteral("Gone since A")));
    EXPECT_TRUE(readAll(svg).contains(QStringLiteral("Moved to another namespace")));
    // The redacted JSON is still the comparison, with the same changes.
    const json doc = json::parse(readAll(js).toStdString());
    EXPECT_EQ(doc["schema"], kCompareSchema);
    EXPECT_EQ(CompareModel::rowsOf(doc).size(), w.model()->rows().size());
    // And the window shows what leaves: its table is redacted too.
    for (const auto &r : w.model()->rows())
        for (const QString &marker : markers)
            EXPECT_FALSE(r.line().contains(marker)) << r.line().toStdString();
}

TEST(CompareHeadless, ScreenshotMarksNewGoneMovedWithoutOverlaps)
{
    const Snapshot merged = ComparePicture::merge(loadMoment(kBefore).snapshot, loadMoment(kAfter).snapshot);
    for (const char *theme : {"light", "dark"}) {
        const QString png = out(QStringLiteral("headless_%1.png").arg(QLatin1String(theme)));
        const QString layout = out(QStringLiteral("headless_%1.json").arg(QLatin1String(theme)));
        const NsvizRun r =
            runNsviz({QStringLiteral("--compare"), QString::fromLatin1(kBefore), QString::fromLatin1(kAfter),
                      QStringLiteral("--screenshot"), png, QStringLiteral("--layout-json"), layout,
                      QStringLiteral("--size"), QStringLiteral("1280x720"), QStringLiteral("--theme"),
                      QString::fromLatin1(theme)});
        ASSERT_EQ(r.code, 0) << r.err.toStdString();
        EXPECT_TRUE(r.out.contains(QStringLiteral("Processes: 6 appeared, 1 disappeared")))
            << r.out.toStdString();
        QImage img(png);
        ASSERT_FALSE(img.isNull());
        EXPECT_EQ(img.size(), QSize(1280, 720));
        const json doc = json::parse(readAll(layout).toStdString());
        QStringList shape;
        const auto items = layoutcheck::fromJson(doc, shape);
        EXPECT_TRUE(shape.isEmpty()) << shape.join(QLatin1Char('\n')).toStdString();
        const QStringList problems = layoutcheck::problems(items, merged, NsType::Net, QSizeF(1280, 720));
        EXPECT_TRUE(problems.isEmpty()) << problems.join(QLatin1Char('\n')).toStdString();
        std::map<std::string, int> marks;
        bool title = false;
        for (const auto &e : doc["items"]) {
            ++marks[e.value("mark", "")];
            title = title ||
                    (e["kind"] == "title" && e["text"].get<std::string>().find("→") != std::string::npos);
        }
        EXPECT_TRUE(title);
        EXPECT_GT(marks["new"], 0);   // the container's circle, its processes in the list
        EXPECT_GT(marks["gone"], 0);  // backup.sh
        EXPECT_GT(marks["moved"], 0); // the agent
    }
    // Redacted: no names in the picture or its record.
    const QString svg = out(QStringLiteral("headless_redacted.svg"));
    const QString layout = out(QStringLiteral("headless_redacted.json"));
    const NsvizRun r = runNsviz({QStringLiteral("--compare"), QString::fromLatin1(kBefore),
                                 QString::fromLatin1(kAfter), QStringLiteral("--screenshot"), svg,
                                 QStringLiteral("--layout-json"), layout, QStringLiteral("--redact")});
    ASSERT_EQ(r.code, 0) << r.err.toStdString();
    for (const QString &text : {readAll(svg), readAll(layout), r.out}) {
        EXPECT_FALSE(text.isEmpty());
        EXPECT_FALSE(text.contains(QStringLiteral("lab-host-17")));
        EXPECT_FALSE(text.contains(QStringLiteral("--nightly")));
    }
    // Bad input: a clear error, exit 2.
    const NsvizRun bad = runNsviz({QStringLiteral("--compare"), QString::fromLatin1(kBefore),
                                   QStringLiteral("/nonexistent.json"), QStringLiteral("--screenshot"),
                                   out(QStringLiteral("bad.png"))});
    EXPECT_EQ(bad.code, 2);
    EXPECT_TRUE(bad.err.contains(QStringLiteral("/nonexistent.json"))) << bad.err.toStdString();
    const NsvizRun one = runNsviz({QStringLiteral("--compare"), QString::fromLatin1(kBefore),
                                   QStringLiteral("--screenshot"), out(QStringLiteral("bad.png"))});
    EXPECT_EQ(one.code, 2);
    EXPECT_TRUE(one.err.contains(QStringLiteral("--compare A B"))) << one.err.toStdString();
}

TEST(CompareHeadless, RecordingMomentsScreenshotAndCompare)
{
    const QString rec = out(QStringLiteral("rec.ndjson"));
    writeRecording(rec);
    // --snapshot FILE@SECONDS: the host as it was then.
    const Snapshot a = loadMoment(kBefore).snapshot, b = loadMoment(kAfter).snapshot;
    for (const auto &[moment, want] :
         std::vector<std::pair<QString, const Snapshot *>>{{rec + QStringLiteral("@0"), &a},
                                                           {rec + QStringLiteral("@4.9"), &a},
                                                           {rec + QStringLiteral("@5"), &b},
                                                           {rec + QStringLiteral("@end"), &b}}) {
        const QString png = out(QStringLiteral("moment.png")), saved = out(QStringLiteral("moment.json"));
        const NsvizRun r = runNsviz({QStringLiteral("--snapshot"), moment, QStringLiteral("--screenshot"),
                                     png, QStringLiteral("--save-snapshot"), saved, QStringLiteral("--size"),
                                     QStringLiteral("1280x720")});
        ASSERT_EQ(r.code, 0) << moment.toStdString() << ": " << r.err.toStdString();
        EXPECT_FALSE(QImage(png).isNull());
        const Snapshot got = snapshotFromJsonText(readAll(saved).toStdString());
        EXPECT_TRUE(sameContent(got, *want)) << moment.toStdString();
        EXPECT_TRUE(r.out.contains(QStringLiteral("processes: %1,").arg(want->processes.size())))
            << r.out.toStdString();
    }
    // A recording wants a moment; past its end is an error, not its last frame.
    for (const QString &bad : QStringList{rec, rec + QStringLiteral("@99")}) {
        const NsvizRun r = runNsviz({QStringLiteral("--snapshot"), bad, QStringLiteral("--screenshot"),
                                     out(QStringLiteral("bad.png"))});
        EXPECT_EQ(r.code, 2) << bad.toStdString();
        EXPECT_FALSE(r.err.isEmpty());
    }
    // Two moments of one recording compare as the two files do.
    const QString layout = out(QStringLiteral("rec_layout.json"));
    const NsvizRun r = runNsviz({QStringLiteral("--compare"), rec + QStringLiteral("@0"),
                                 rec + QStringLiteral("@end"), QStringLiteral("--screenshot"),
                                 out(QStringLiteral("rec.png")), QStringLiteral("--layout-json"), layout});
    ASSERT_EQ(r.code, 0) << r.err.toStdString();
    EXPECT_TRUE(r.out.contains(QStringLiteral("Processes: 6 appeared, 1 disappeared")))
        << r.out.toStdString();
}

TEST(CompareWindow, TimelineComparesTwoMomentsOfTheRecording)
{
    const QString rec = out(QStringLiteral("timeline.ndjson"));
    writeRecording(rec);
    MainWindow win;
    win.setInteractive(false);
    QSignalSpy opened(win.session(), &Session::fileOpened);
    win.session()->openFile(rec);
    ASSERT_TRUE(opened.wait(10000));
    TimelineBar *bar = win.timeline();
    ASSERT_TRUE(bar->isVisibleTo(&win));
    EXPECT_FALSE(bar->compareButton()->isEnabled());
    bar->markButton()->click(); // A = 0 s
    EXPECT_EQ(bar->markedMs(), 0);
    ASSERT_TRUE(bar->compareButton()->isEnabled());
    win.session()->player()->seekMs(6000);
    QSignalSpy asked(bar, &TimelineBar::compareRequested);
    bar->compareButton()->click();
    ASSERT_EQ(asked.size(), 1);
    EXPECT_EQ(asked[0][0].toLongLong(), 0);
    EXPECT_EQ(asked[0][1].toLongLong(), 5000); // the frame shown at 6 s is the one from 5 s
    CompareWindow *cw = win.findChild<CompareWindow *>();
    ASSERT_NE(cw, nullptr);
    const json cmp = compareSnapshots(loadMoment(kBefore).snapshot, loadMoment(kAfter).snapshot, "a", "b");
    EXPECT_EQ(cw->model()->rows().size(), CompareModel::rowsOf(cmp).size());
    EXPECT_TRUE(cw->windowTitle().contains(QStringLiteral("timeline.ndjson@0.0")));
    cw->close();
}

TEST(CompareWindow, TheWindowOpensARecordingAtAMoment)
{
    // `nsviz --snapshot FILE@SECONDS` in the window: the recording on its timeline, at that moment.
    const QString rec = out(QStringLiteral("moment.ndjson"));
    writeRecording(rec);
    MainWindow win;
    win.setInteractive(false);
    QSignalSpy opened(win.session(), &Session::fileOpened);
    QSignalSpy failed(win.session(), &Session::fileFailed);
    win.session()->openFile(rec + QStringLiteral("@6"));
    ASSERT_TRUE(opened.wait(10000)) << (failed.isEmpty() ? std::string("no answer")
                                                         : failed.last()[1].toString().toStdString());
    ASSERT_NE(win.session()->player(), nullptr);
    EXPECT_EQ(win.session()->player()->positionMs(), 5000); // the frame shown at 6 s is from 5 s
    const Snapshot after = loadMoment(kAfter).snapshot;
    EXPECT_EQ(win.store()->snapshot().processes.size(), after.processes.size());

    win.session()->openFile(rec + QStringLiteral("@end"));
    ASSERT_TRUE(opened.wait(10000));
    EXPECT_EQ(win.session()->player()->frame(), win.session()->player()->frameCount() - 1);

    // The same errors as the command line's: past the end, and a snapshot file has no moments.
    win.session()->openFile(rec + QStringLiteral("@99"));
    ASSERT_TRUE(failed.wait(10000));
    EXPECT_TRUE(failed.last()[1].toString().contains(QStringLiteral("lasts")))
        << failed.last()[1].toString().toStdString();
    win.session()->openFile(QString::fromLatin1(kBefore) + QStringLiteral("@1"));
    ASSERT_TRUE(failed.wait(10000));
    EXPECT_TRUE(failed.last()[1].toString().contains(QStringLiteral("no moments")))
        << failed.last()[1].toString().toStdString();
    EXPECT_EQ(opened.size(), 2);
}
