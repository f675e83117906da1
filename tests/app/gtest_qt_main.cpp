// SPDX-License-Identifier: GPL-2.0-or-later
// The one main() of nsviz_app_tests: widgets and models need a QApplication before any test runs.
#include <QApplication>
#include <QDir>
#include <QTemporaryDir>

#include <cstdio>

#include <gtest/gtest.h>

int main(int argc, char **argv)
{
    // Tests never need a display; ctest sets this too, but running the binary by hand should work.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");

    // The window saves its geometry, theme and view choices with QSettings. Tests must neither
    // read the settings of the user who runs them (a saved dark theme would change pictures) nor
    // write into them, so the whole run, and every `nsviz` it spawns, gets a private config home.
    QTemporaryDir configHome(QDir::tempPath() + QStringLiteral("/nsviz-test-config-XXXXXX"));
    if (!configHome.isValid()) {
        std::fprintf(stderr, "cannot make a private XDG_CONFIG_HOME: %s\n",
                     qPrintable(configHome.errorString()));
        return 1;
    }
    qputenv("XDG_CONFIG_HOME", configHome.path().toLocal8Bit());

    QApplication app(argc, argv);
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
