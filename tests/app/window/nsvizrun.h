// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Runs the real `nsviz` binary of this build on the offscreen platform (screenshots, --help):
// shared by the window tests that check what the command line does.

#include <QCoreApplication>
#include <QFileInfo>
#include <QProcess>
#include <QString>
#include <QStringList>

namespace nsviz::testutil
{

inline QString nsvizBinary()
{
    // The test binary lives in build/<preset>/tests, the app in build/<preset>/app.
    return QFileInfo(QCoreApplication::applicationDirPath() + QStringLiteral("/../app/nsviz"))
        .absoluteFilePath();
}

struct NsvizRun {
    int code = -1; ///< -1: crashed or timed out
    QString out, err;
};

inline NsvizRun runNsviz(const QStringList &args)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    p.setProcessEnvironment(env);
    p.start(nsvizBinary(), args);
    NsvizRun r;
    if (!p.waitForFinished(120000)) {
        p.kill();
        p.waitForFinished();
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

/// A snapshot fixture of tests/data/snapshots.
inline QString snapshotFixture(const char *name)
{
    return QStringLiteral(NSVIZ_TEST_DATA "/snapshots/") + QString::fromUtf8(name);
}

} // namespace nsviz::testutil
