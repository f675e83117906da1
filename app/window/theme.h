// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// The window's colour theme: follow the system, or force light or dark. Applied as the
// application palette (Fusion style for the forced ones, which honours a palette everywhere), so
// every view, the cluster picture and every export that takes its colours from the palette follow.

#include <QPalette>
#include <QString>
#include <optional>

namespace nsviz
{

class Theme
{
public:
    enum class Mode { System, Light, Dark };

    static Mode current() { return s_mode; }
    /// Sets the application palette (and style) for @p mode; remembers the system's on first use.
    static void apply(Mode mode);
    /// "system", "light", "dark"; nullopt for anything else.
    static std::optional<Mode> fromName(const QString &name);
    static QString name(Mode mode);
    /// The forced palettes: the window's, and headless screenshots' (`--theme`).
    static QPalette lightPalette();
    static QPalette darkPalette();
    static QPalette palette(bool dark);
    /// nullopt: follow the palette; otherwise the forced darkness (for views with their own styles).
    static std::optional<bool> darkOverride();

private:
    static Mode s_mode;
};

} // namespace nsviz
