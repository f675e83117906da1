// SPDX-License-Identifier: GPL-2.0-or-later
// The desktop entry, AppStream metainfo and icon validate with the distribution's own validators.
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QSvgRenderer>
#include <gtest/gtest.h>

namespace
{

QString resource(const char *name)
{
    return QStringLiteral(NSVIZ_SOURCE_DIR "/resources/") + QString::fromUtf8(name);
}

int runTool(const QString &tool, const QStringList &args, QString *output)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(tool, args);
    if (!p.waitForFinished(60000))
        return -1;
    *output = QString::fromUtf8(p.readAll());
    return p.exitCode();
}

} // namespace

TEST(GuiResources, DesktopEntryValidates)
{
    const QString tool = QStandardPaths::findExecutable(QStringLiteral("desktop-file-validate"));
    if (tool.isEmpty())
        GTEST_SKIP() << "desktop-file-validate not installed (package desktop-file-utils, listed in "
                        "scripts/deps/gui.txt)";
    QString out;
    EXPECT_EQ(runTool(tool, {resource("org.nsviz.nsviz.desktop")}, &out), 0) << out.toStdString();
}

TEST(GuiResources, MetainfoValidates)
{
    const QString tool = QStandardPaths::findExecutable(QStringLiteral("appstreamcli"));
    if (tool.isEmpty())
        GTEST_SKIP() << "appstreamcli not installed (package appstream, listed in scripts/deps/gui.txt)";
    QString out;
    EXPECT_EQ(runTool(tool,
                      {QStringLiteral("validate"), QStringLiteral("--no-net"),
                       resource("org.nsviz.nsviz.metainfo.xml")},
                      &out),
              0)
        << out.toStdString();
}

TEST(GuiResources, IconIsAValidSvg)
{
    QSvgRenderer r(resource("nsviz.svg"));
    ASSERT_TRUE(r.isValid());
    EXPECT_EQ(r.defaultSize(), QSize(128, 128));
}
