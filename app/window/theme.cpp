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

namespace
{

/// The colours a forced theme sets; one table per theme, one function making the palette, so the
/// two cannot drift apart in which roles they set.
struct Colours {
    QColor window, text, base, alternateBase, button, toolTipBase, placeholder, highlight, link, disabled;
};

QPalette paletteFrom(const Colours &c)
{
    QPalette p;
    p.setColor(QPalette::Window, c.window);
    p.setColor(QPalette::WindowText, c.text);
    p.setColor(QPalette::Base, c.base);
    p.setColor(QPalette::AlternateBase, c.alternateBase);
    p.setColor(QPalette::Text, c.text);
    p.setColor(QPalette::Button, c.button);
    p.setColor(QPalette::ButtonText, c.text);
    p.setColor(QPalette::ToolTipBase, c.toolTipBase);
    p.setColor(QPalette::ToolTipText, c.text);
    p.setColor(QPalette::PlaceholderText, c.placeholder);
    p.setColor(QPalette::Highlight, c.highlight);
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, c.link);
    for (QPalette::ColorRole role : {QPalette::Text, QPalette::WindowText, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, c.disabled);
    return p;
}

} // namespace

QPalette Theme::lightPalette()
{
    return paletteFrom({QColor(0xF3, 0xF4, 0xF6), QColor(0x11, 0x18, 0x27), Qt::white,
                        QColor(0xF9, 0xFA, 0xFB), QColor(0xE5, 0xE7, 0xEB), QColor(0xFF, 0xFB, 0xEB),
                        QColor(0x6B, 0x72, 0x80), QColor(0x25, 0x63, 0xEB), QColor(0x1D, 0x4E, 0xD8),
                        QColor(0x9C, 0xA3, 0xAF)});
}

QPalette Theme::darkPalette()
{
    return paletteFrom({QColor(0x23, 0x27, 0x2E), QColor(0xE5, 0xE9, 0xF0), QColor(0x1B, 0x1E, 0x24),
                        QColor(0x26, 0x2A, 0x32), QColor(0x2D, 0x32, 0x3B), QColor(0x2D, 0x32, 0x3B),
                        QColor(0x9C, 0xA3, 0xAF), QColor(0x3B, 0x82, 0xF6), QColor(0x93, 0xC5, 0xFD),
                        QColor(0x6B, 0x72, 0x80)});
}

QPalette Theme::palette(bool dark)
{
    return dark ? darkPalette() : lightPalette();
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
    QApplication::setPalette(palette(mode == Mode::Dark));
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
