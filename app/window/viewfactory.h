// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// The views the main window shows as tabs and the headless mode can render, by name.

#include <QString>
#include <QStringList>

class QWidget;

namespace nsviz
{

class SnapshotStore;

class ViewFactory
{
public:
    /// "cluster", "tree", "table", "charts": the ones this build has.
    static QStringList names();
    /// Tab title for @p name.
    static QString title(const QString &name);
    /// A new view following @p store, or nullptr for an unknown name.
    static QWidget *create(const QString &name, SnapshotStore *store, QWidget *parent = nullptr);
};

} // namespace nsviz
