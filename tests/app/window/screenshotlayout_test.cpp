// SPDX-License-Identifier: GPL-2.0-or-later
// `nsviz --screenshot F --layout-json L` over every fixture snapshot, at a 1280x720 projector and at
// 1600x1000, light and dark, PNG and SVG: the layout the painter recorded as it drew shows no two
// texts overlapping and every circle holding processes and every flagged group named.
#include "core/protocol/snapshotjson.h"
#include "tests/app/cluster/layoutcheck.h"
#include "tests/app/window/nsvizrun.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QProcess>
#include <QTemporaryDir>
#include <gtest/gtest.h>

using namespace nsviz;

namespace
{

using testutil::nsvizBinary;
using testutil::NsvizRun;
using testutil::runNsviz;

/// Every snapshot fixture that loads (the broken ones exist to be refused): the lab host and any
/// fixture captured from a real engine.
std::vector<std::pair<QString, Snapshot>> fixtures()
{
    std::vector<std::pair<QString, Snapshot>> out;
    const QDir dir(QStringLiteral(NSVIZ_TEST_DATA "/snapshots"));
    for (const QString &name : dir.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name)) {
        QFile f(dir.filePath(name));
        if (!f.open(QIODevice::ReadOnly))
            continue;
        try {
            out.emplace_back(dir.filePath(name), snapshotFromJsonText(f.readAll().toStdString()));
        } catch (const std::exception &) {
            continue; // malformed.json, truncated.json, foreign.json
        }
    }
    return out;
}

nlohmann::json readJson(const QString &file)
{
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return nlohmann::json::parse(f.readAll().toStdString(), nullptr, false);
}

} // namespace

TEST(GuiScreenshotLayout, FixturesAtProjectorAndDesktopSizesLightAndDark)
{
    ASSERT_TRUE(QFileInfo::exists(nsvizBinary())) << nsvizBinary().toStdString();
    const auto all = fixtures();
    ASSERT_FALSE(all.empty());
    const QString outDir = QStringLiteral(NSVIZ_TEST_OUTPUT "/screenshots");
    QDir().mkpath(outDir);
    int checked = 0, leaders = 0;
    for (const auto &[file, snap] : all) {
        const QString base = QFileInfo(file).completeBaseName();
        for (const char *size : {"1280x720", "1600x1000"})
            for (const char *theme : {"light", "dark"})
                for (NsType type : {NsType::Net, NsType::Pid, NsType::Uts}) {
                    const QString tag = QStringLiteral("%1-%2-%3-%4")
                                            .arg(base, QString::fromLatin1(nsTypeName(type)),
                                                 QString::fromLatin1(theme), QString::fromLatin1(size));
                    // The pictures stay in the build tree to be looked at (and for the README).
                    const QString png = outDir + QLatin1Char('/') + tag + QStringLiteral(".png");
                    const QString json = outDir + QLatin1Char('/') + tag + QStringLiteral(".json");
                    const NsvizRun r = runNsviz(
                        {QStringLiteral("--screenshot"), png, QStringLiteral("--snapshot"), file,
                         QStringLiteral("--size"), QString::fromLatin1(size), QStringLiteral("--theme"),
                         QString::fromLatin1(theme), QStringLiteral("--group-by"),
                         QString::fromLatin1(nsTypeName(type)), QStringLiteral("--layout-json"), json});
                    ASSERT_EQ(r.code, 0) << tag.toStdString() << ": " << r.err.toStdString();
                    const nlohmann::json j = readJson(json);
                    ASSERT_TRUE(j.is_object()) << tag.toStdString();
                    const QStringList wh = QString::fromLatin1(size).split(QLatin1Char('x'));
                    EXPECT_EQ(j["size"], nlohmann::json({wh[0].toInt(), wh[1].toInt()}));
                    EXPECT_EQ(QImage(png).size(), QSize(wh[0].toInt(), wh[1].toInt()));
                    QStringList bad;
                    const auto items = layoutcheck::fromJson(j, bad);
                    // problems() includes crossing leader lines (callouts, numbers moved off their circle).
                    bad += layoutcheck::problems(items, snap, type, QSizeF(wh[0].toInt(), wh[1].toInt()));
                    for (const auto &it : items)
                        leaders += !it.line.isNull();
                    EXPECT_TRUE(bad.isEmpty())
                        << tag.toStdString() << ":\n  " << bad.join(QStringLiteral("\n  ")).toStdString();
                    if (type == NsType::Uts && !snap.host.hostname.empty()) {
                        // The uts picture names the host's hostname (the only one a snapshot knows).
                        bool named = false;
                        for (const auto &it : items)
                            named = named || (it.kind == QLatin1String("label") &&
                                              it.text.contains(QString::fromStdString(snap.host.hostname)));
                        EXPECT_TRUE(named) << tag.toStdString() << ": no label names the hostname";
                    }
                    ++checked;
                }
    }
    EXPECT_GE(checked, 12);
    EXPECT_GT(leaders, 0) << "no picture drew a leader line: the crossing check checked nothing";
}

TEST(GuiScreenshotLayout, SvgRecordsTheSameLayoutAndRedactionSaysSo)
{
    QTemporaryDir dir;
    const QString fixture = QStringLiteral(NSVIZ_TEST_DATA "/snapshots/host-small.json");
    const QString pngJson = dir.filePath(QStringLiteral("png.json"));
    const QString svgJson = dir.filePath(QStringLiteral("svg.json"));
    const QStringList common{QStringLiteral("--snapshot"), fixture,
                             QStringLiteral("--size"),     QStringLiteral("1280x720"),
                             QStringLiteral("--theme"),    QStringLiteral("light")};
    NsvizRun r = runNsviz(QStringList{QStringLiteral("--screenshot"), dir.filePath(QStringLiteral("a.png")),
                                      QStringLiteral("--layout-json"), pngJson} +
                          common);
    ASSERT_EQ(r.code, 0) << r.err.toStdString();
    EXPECT_TRUE(r.out.contains(QStringLiteral("wrote ") + pngJson));
    r = runNsviz(QStringList{QStringLiteral("--screenshot"), dir.filePath(QStringLiteral("a.svg")),
                             QStringLiteral("--layout-json"), svgJson} +
                 common);
    ASSERT_EQ(r.code, 0) << r.err.toStdString();
    // One painter, one layout: the vector export puts every text where the PNG does.
    EXPECT_EQ(readJson(pngJson), readJson(svgJson));

    const QString redJson = dir.filePath(QStringLiteral("red.json"));
    const QString redSvg = dir.filePath(QStringLiteral("red.svg"));
    r = runNsviz(QStringList{QStringLiteral("--screenshot"), redSvg, QStringLiteral("--layout-json"), redJson,
                             QStringLiteral("--redact")} +
                 common);
    ASSERT_EQ(r.code, 0) << r.err.toStdString();
    const nlohmann::json j = readJson(redJson);
    bool says = false;
    for (const auto &it : j["items"])
        says = says ||
               (it["kind"] == "subtitle" &&
                QString::fromStdString(it["text"].get<std::string>()).startsWith(QStringLiteral("redacted")));
    EXPECT_TRUE(says) << "the header of a redacted picture says so";
    EXPECT_EQ(j.dump().find("lab-host-17"), std::string::npos);
    QFile svg(redSvg);
    ASSERT_TRUE(svg.open(QIODevice::ReadOnly));
    const QByteArray text = svg.readAll();
    EXPECT_TRUE(text.contains("redacted"));
    EXPECT_FALSE(text.contains("lab-host-17"));
}

TEST(GuiScreenshotLayout, LayoutJsonNeedsTheClusterViewAndAWritableFile)
{
    QTemporaryDir dir;
    const QString fixture = QStringLiteral(NSVIZ_TEST_DATA "/snapshots/host-small.json");
    NsvizRun r = runNsviz({QStringLiteral("--screenshot"), dir.filePath(QStringLiteral("t.png")),
                           QStringLiteral("--view"), QStringLiteral("table"), QStringLiteral("--snapshot"),
                           fixture, QStringLiteral("--layout-json"), dir.filePath(QStringLiteral("t.json"))});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(r.err.contains(QStringLiteral("cluster view only"))) << r.err.toStdString();
    EXPECT_FALSE(QFileInfo::exists(dir.filePath(QStringLiteral("t.json"))));
    r = runNsviz({QStringLiteral("--screenshot"), dir.filePath(QStringLiteral("c.png")),
                  QStringLiteral("--snapshot"), fixture, QStringLiteral("--layout-json"),
                  dir.filePath(QStringLiteral("no/such/dir/c.json"))});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(r.err.contains(QStringLiteral("cannot write"))) << r.err.toStdString();
    r = runNsviz({QStringLiteral("--layout-json"), dir.filePath(QStringLiteral("x.json"))});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(r.err.contains(QStringLiteral("goes with --screenshot"))) << r.err.toStdString();
}
