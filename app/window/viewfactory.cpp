// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/window/viewfactory.h"

#include "app/cluster/clusterview.h"
#include "app/panels/chartspanel.h"
#include "app/panels/tablepanel.h"
#include "app/panels/treepanel.h"

namespace nsviz
{

QStringList ViewFactory::names()
{
    return {QStringLiteral("cluster"), QStringLiteral("tree"), QStringLiteral("table"),
            QStringLiteral("charts")};
}

QString ViewFactory::title(const QString &name)
{
    if (name == QLatin1String("cluster"))
        return QStringLiteral("Clusters");
    if (name == QLatin1String("tree"))
        return QStringLiteral("Tree");
    if (name == QLatin1String("table"))
        return QStringLiteral("Table");
    if (name == QLatin1String("charts"))
        return QStringLiteral("Charts");
    return name;
}

QWidget *ViewFactory::create(const QString &name, SnapshotStore *store, QWidget *parent)
{
    if (name == QLatin1String("cluster"))
        return new ClusterView(store, parent);
    if (name == QLatin1String("tree"))
        return new TreePanel(store, parent);
    if (name == QLatin1String("table"))
        return new TablePanel(store, parent);
    if (name == QLatin1String("charts"))
        return new ChartsPanel(store, parent);
    return nullptr;
}

} // namespace nsviz
