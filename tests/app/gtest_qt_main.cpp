// SPDX-License-Identifier: GPL-2.0-or-later
// The one main() of nsviz_app_tests: widgets and models need a QApplication before any test runs.
#include <QApplication>

#include <gtest/gtest.h>

int main(int argc, char **argv)
{
    // Tests never need a display; ctest sets this too, but running the binary by hand should work.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
