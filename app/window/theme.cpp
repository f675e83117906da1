// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/window/theme.h"

#include <QApplication>
#include <QStyle>
#include <QStyleFactory>

namespace nsviz
{

Theme::Mode Theme::s_mode = Theme::Mode::System;

namespace
{

struct SystemLook {
    QString style;
    QPalette palette;
};

SystemLook &systemLook()
{
    // Captured before the first change: what "System" goes back to.
    static SystemLook look{QApplication::style() ? QApplication::style()->name() : QString(),
                           QApplication::palette()};
    return look;
}

} // namespace

QPalette Theme::lightPalette()
{
    QPalette p;
    const QColor text(0x11, 0x18, 0x27);
    p.setColor(QPalette::Window, QColor(0xF3, 0xF4, 0xF6));
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, Qt::white);
    p.setColor(QPalette::AlternateBase, QColor(0xF9, 0xFA, 0xFB));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0xE5, 0xE7, 0xEB));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::ToolTipBase, QColor(0xFF, 0xFB, 0xEB));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x6B, 0x72, 0x80));
    p.setColor(QPalette::Highlight, QColor(0x25, 0x63, 0xEB));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x1D, 0x4E, 0xD8));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x9C, 0xA3, 0xAF));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x9C, 0xA3, 0xAF));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x9C, 0xA3, 0xAF));
    return p;
}

QPalette Theme::darkPalette()
{
    QPalette p;
    const QColor text(0xE5, 0xE9, 0xF0);
    p.setColor(QPalette::Window, QColor(0x23, 0x27, 0x2E));
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, QColor(0x1B, 0x1E, 0x24));
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x2A, 0x32));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0x2D, 0x32, 0x3B));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::ToolTipBase, QColor(0x2D, 0x32, 0x3B));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x9C, 0xA3, 0xAF));
    p.setColor(QPalette::Highlight, QColor(0x3B, 0x82, 0xF6));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x93, 0xC5, 0xFD));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x6B, 0x72, 0x80));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x6B, 0x72, 0x80));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x6B, 0x72, 0x80));
    return p;
}

void Theme::apply(Mode mode)
{
    const SystemLook &sys = systemLook();
    s_mode = mode;
    if (mode == Mode::System) {
        if (!sys.style.isEmpty() && QApplication::style()->name() != sys.style)
            QApplication::setStyle(sys.style);
        QApplication::setPalette(sys.palette);
        return;
    }
    // Fusion draws with the palette everywhere; native styles may ignore parts of it.
    if (QApplication::style()->name().compare(QLatin1String("fusion"), Qt::CaseInsensitive) != 0)
        QApplication::setStyle(QStringLiteral("Fusion"));
    QApplication::setPalette(mode == Mode::Dark ? darkPalette() : lightPalette());
}

std::optional<Theme::Mode> Theme::fromName(const QString &name)
{
    if (name == QLatin1String("system") || name == QLatin1String("auto"))
        return Mode::System;
    if (name == QLatin1String("light"))
        return Mode::Light;
    if (name == QLatin1String("dark"))
        return Mode::Dark;
    return std::nullopt;
}

QString Theme::name(Mode mode)
{
    switch (mode) {
    case Mode::Light:
        return QStringLiteral("light");
    case Mode::Dark:
        return QStringLiteral("dark");
    case Mode::System:
        break;
    }
    return QStringLiteral("system");
}

std::optional<bool> Theme::darkOverride()
{
    if (s_mode == Mode::System)
        return std::nullopt;
    return s_mode == Mode::Dark;
}

} // namespace nsviz
