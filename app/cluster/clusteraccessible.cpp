// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/cluster/clusteraccessible.h"

#include "app/cluster/clusterview.h"

#include <QAccessible>
#include <QAccessibleWidget>
#include <QPointer>
#include <algorithm>
#include <map>
#include <tuple>

namespace nsviz
{

namespace
{

class ClusterViewAccessible;

/// One circle (pid == 0) or one process (pid != 0) of a ClusterView, by identity rather than by
/// index: indices change with every update, a namespace id and a pid do not.
class ClusterItemAccessible : public QAccessibleInterface
{
public:
    ClusterItemAccessible(ClusterView *view, NsId cluster, int pid)
        : m_view(view), m_cluster(cluster), m_pid(pid)
    {
    }

    int clusterIndex() const { return m_view ? m_view->clusterLayout().clusterIndex(m_cluster) : -1; }
    int dotIndex() const
    {
        if (!m_view || m_pid == 0)
            return -1;
        const int d = m_view->clusterLayout().dotOfPid(m_pid);
        // The process may have moved to another namespace: then it is another item.
        if (d < 0 || m_view->clusterLayout().dots()[d].cluster != clusterIndex())
            return -1;
        return d;
    }
    bool isProcess() const { return m_pid != 0; }

    bool isValid() const override { return isProcess() ? dotIndex() >= 0 : clusterIndex() >= 0; }
    QObject *object() const override { return nullptr; }
    QWindow *window() const override
    {
        return m_view && m_view->window() ? m_view->window()->windowHandle() : nullptr;
    }
    QAccessibleInterface *parent() const override;
    QAccessibleInterface *child(int index) const override;
    int childCount() const override
    {
        return isProcess() || !isValid() ? 0 : static_cast<int>(m_view->dotOrder(clusterIndex()).size());
    }
    int indexOfChild(const QAccessibleInterface *child) const override;
    QAccessibleInterface *childAt(int x, int y) const override
    {
        for (int i = 0; i < childCount(); ++i)
            if (QAccessibleInterface *c = child(i); c && c->rect().contains(x, y))
                return c;
        return nullptr;
    }
    QAccessibleInterface *focusChild() const override;
    QString text(QAccessible::Text t) const override
    {
        if (!isValid())
            return {};
        switch (t) {
        case QAccessible::Name:
            return isProcess() ? m_view->accessibleProcessName(dotIndex())
                               : m_view->accessibleClusterName(clusterIndex());
        case QAccessible::Description:
            return isProcess() ? QString()
                               : QStringLiteral("%1 namespace, %2 processes; Right or Enter lists them")
                                     .arg(QString::fromLatin1(nsTypeName(m_view->groupBy())))
                                     .arg(childCount());
        default:
            return {};
        }
    }
    void setText(QAccessible::Text, const QString &) override {}
    QRect rect() const override
    {
        if (!isValid())
            return {};
        const QRect r = isProcess() ? m_view->dotRect(dotIndex()) : m_view->clusterRect(clusterIndex());
        return QRect(m_view->mapToGlobal(r.topLeft()), r.size());
    }
    QAccessible::Role role() const override { return QAccessible::TreeItem; }
    QAccessible::State state() const override
    {
        QAccessible::State s;
        if (!isValid()) {
            s.invalid = true;
            return s;
        }
        s.focusable = true;
        s.selectable = true;
        const bool focused = isProcess() ? m_view->focusDot() == dotIndex()
                                         : m_view->focusCluster() == clusterIndex() && m_view->focusDot() < 0;
        s.focused = focused && m_view->hasFocus();
        s.selected = isProcess()
                         ? m_view->selectedPid() == m_pid
                         : m_view->focusCluster() == clusterIndex() && m_view->selectedPid() == 0 && focused;
        s.expandable = !isProcess();
        s.expanded = !isProcess() && m_view->focusCluster() == clusterIndex() && m_view->focusDot() >= 0;
        s.collapsed = !isProcess() && !s.expanded;
        s.offscreen = !m_view->rect().intersects(isProcess() ? m_view->dotRect(dotIndex())
                                                             : m_view->clusterRect(clusterIndex()));
        return s;
    }

    QPointer<ClusterView> m_view;
    NsId m_cluster;
    int m_pid = 0;
};

class ClusterViewAccessible : public QAccessibleWidget
{
public:
    explicit ClusterViewAccessible(ClusterView *view) : QAccessibleWidget(view, QAccessible::Tree) {}
    ~ClusterViewAccessible() override
    {
        for (const auto &[key, id] : m_items)
            QAccessible::deleteAccessibleInterface(id);
    }

    ClusterView *view() const { return static_cast<ClusterView *>(widget()); }

    /// The item for a cluster (pid 0) or process, made once and kept while it is valid.
    QAccessibleInterface *item(const NsId &cluster, int pid) const
    {
        const auto key = std::make_tuple(cluster.dev, cluster.ino, pid);
        if (auto it = m_items.find(key); it != m_items.end()) {
            if (QAccessibleInterface *iface = QAccessible::accessibleInterface(it->second))
                return iface;
            m_items.erase(it);
        }
        purge();
        auto *iface = new ClusterItemAccessible(view(), cluster, pid);
        m_items.emplace(key, QAccessible::registerAccessibleInterface(iface));
        return iface;
    }
    QAccessibleInterface *clusterItem(int ci) const
    {
        const auto &cl = view()->clusterLayout().clusters();
        return ci < 0 || ci >= static_cast<int>(cl.size()) ? nullptr : item(cl[ci].id, 0);
    }
    QAccessibleInterface *dotItem(int d) const
    {
        const auto &layout = view()->clusterLayout();
        if (d < 0 || d >= static_cast<int>(layout.dots().size()))
            return nullptr;
        const auto &dot = layout.dots()[d];
        return item(layout.clusters()[dot.cluster].id, view()->displayedSnapshot().processes[dot.proc].pid);
    }

    int childCount() const override { return static_cast<int>(view()->clusterOrder().size()); }
    QAccessibleInterface *child(int index) const override
    {
        const auto &order = view()->clusterOrder();
        return index < 0 || index >= static_cast<int>(order.size()) ? nullptr : clusterItem(order[index]);
    }
    int indexOfChild(const QAccessibleInterface *child) const override
    {
        const auto *c = dynamic_cast<const ClusterItemAccessible *>(child);
        if (!c || c->isProcess() || c->m_view != view())
            return -1;
        const auto &order = view()->clusterOrder();
        const auto it = std::find(order.begin(), order.end(), c->clusterIndex());
        return it == order.end() ? -1 : static_cast<int>(it - order.begin());
    }
    QAccessibleInterface *childAt(int x, int y) const override
    {
        const QPoint local = view()->mapFromGlobal(QPoint(x, y));
        for (int ci : view()->clusterOrder())
            if (view()->clusterRect(ci).contains(local))
                return clusterItem(ci);
        return nullptr;
    }
    QAccessibleInterface *focusChild() const override
    {
        if (!view()->hasFocus())
            return nullptr;
        if (view()->focusDot() >= 0)
            return dotItem(view()->focusDot());
        return clusterItem(view()->focusCluster());
    }

private:
    /// Forgets items whose cluster or process is gone (Qt deletes their interfaces).
    void purge() const
    {
        for (auto it = m_items.begin(); it != m_items.end();) {
            QAccessibleInterface *iface = QAccessible::accessibleInterface(it->second);
            if (iface && iface->isValid()) {
                ++it;
                continue;
            }
            if (iface)
                QAccessible::deleteAccessibleInterface(it->second);
            it = m_items.erase(it);
        }
    }

    mutable std::map<std::tuple<quint64, quint64, int>, QAccessible::Id> m_items;
};

ClusterViewAccessible *viewAccessible(ClusterView *view)
{
    return view ? dynamic_cast<ClusterViewAccessible *>(QAccessible::queryAccessibleInterface(view))
                : nullptr;
}

QAccessibleInterface *ClusterItemAccessible::parent() const
{
    ClusterViewAccessible *va = viewAccessible(m_view);
    if (!va)
        return nullptr;
    return isProcess() ? va->item(m_cluster, 0) : va;
}

QAccessibleInterface *ClusterItemAccessible::child(int index) const
{
    if (isProcess() || !isValid())
        return nullptr;
    const std::vector<int> dots = m_view->dotOrder(clusterIndex());
    ClusterViewAccessible *va = viewAccessible(m_view);
    return va && index >= 0 && index < static_cast<int>(dots.size()) ? va->dotItem(dots[index]) : nullptr;
}

int ClusterItemAccessible::indexOfChild(const QAccessibleInterface *child) const
{
    const auto *c = dynamic_cast<const ClusterItemAccessible *>(child);
    if (!c || !c->isProcess() || c->m_view != m_view || c->m_cluster != m_cluster || !isValid())
        return -1;
    const std::vector<int> dots = m_view->dotOrder(clusterIndex());
    const auto it = std::find(dots.begin(), dots.end(), c->dotIndex());
    return it == dots.end() ? -1 : static_cast<int>(it - dots.begin());
}

QAccessibleInterface *ClusterItemAccessible::focusChild() const
{
    if (isProcess() || !isValid() || !m_view->hasFocus() || m_view->focusCluster() != clusterIndex())
        return nullptr;
    ClusterViewAccessible *va = viewAccessible(m_view);
    return va ? va->dotItem(m_view->focusDot()) : nullptr;
}

QAccessibleInterface *factory(const QString &className, QObject *object)
{
    if (className == QLatin1String("nsviz::ClusterView") && object && object->isWidgetType())
        return new ClusterViewAccessible(static_cast<ClusterView *>(object));
    return nullptr;
}

} // namespace

void ClusterAccessible::install()
{
    static const bool installed = [] {
        QAccessible::installFactory(factory);
        return true;
    }();
    Q_UNUSED(installed);
}

void ClusterAccessible::notifyFocus(ClusterView *view)
{
    ClusterViewAccessible *va = viewAccessible(view);
    if (!va)
        return;
    QAccessibleInterface *focused = va->focusChild();
    if (!focused)
        return;
    QAccessibleEvent focus(focused, QAccessible::Focus);
    QAccessible::updateAccessibility(&focus);
    QAccessibleEvent selection(focused, QAccessible::Selection);
    QAccessible::updateAccessibility(&selection);
}

void ClusterAccessible::notifyReorder(ClusterView *view)
{
    if (!QAccessible::isActive())
        return;
    QAccessibleEvent ev(view, QAccessible::ObjectReorder);
    QAccessible::updateAccessibility(&ev);
}

} // namespace nsviz
