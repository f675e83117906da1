// SPDX-License-Identifier: GPL-2.0-or-later
// Placeholder window until the GUI work lands.
#include <QApplication>
#include <QLabel>

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QLabel label(QStringLiteral("nsviz"));
    label.show();
    return app.exec();
}
