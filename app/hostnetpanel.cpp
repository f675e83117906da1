// SPDX-License-Identifier: GPL-2.0-or-later
#include "hostnetpanel.h"

#include "hostsharing.h"
#include "snapshotstore.h"

#include <QHeaderView>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace nsviz {

HostNetPanel::HostNetPanel(SnapshotStore *store, QWidget *parent)
    : QWidget(parent), m_store(store)
{
    auto *lay = new QVBoxLayout(this);
    lay->setContentsMargins(6, 6, 6, 6);
    m_summary = new QLabel(this);
    m_summary->setWordWrap(true);
    m_tree = new QTreeWidget(this);
    m_tree->setColumnCount(2);
    m_tree->setHeaderLabels({QStringLiteral("Container / process"), QStringLiteral("Own namespaces")});
    m_tree->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_tree->setRootIsDecorated(true);
    m_tree->setAccessibleName(QStringLiteral("Processes sharing the host network namespace"));
    lay->addWidget(m_summary);
    lay->addWidget(m_tree, 1);
    auto activate = [this](QTreeWidgetItem *item) {
        if (!item)
            return;
        const int pid = item->data(0, Qt::UserRole).toInt();
        if (pid > 0)
            Q_EMIT processActivated(pid);
    };
    connect(m_tree, &QTreeWidget::itemActivated, this, activate);
    connect(m_tree, &QTreeWidget::itemClicked, this, activate);
    connect(store, &SnapshotStore::snapshotReset, this, &HostNetPanel::rebuild);
    connect(store, &SnapshotStore::deltaApplied, this, &HostNetPanel::rebuild);
    rebuild();
}

void HostNetPanel::rebuild()
{
    const Snapshot &s = m_store->snapshot();
    const auto groups = hostNetGroups(s);
    m_count = 0;
    m_tree->setUpdatesEnabled(false);
    m_tree->clear();
    for (const auto &g : groups) {
        m_count += static_cast<int>(g.procs.size());
        auto *top = new QTreeWidgetItem(m_tree);
        top->setText(0, QStringLiteral("%1 (%2)").arg(QString::fromStdString(g.label)).arg(g.procs.size()));
        top->setData(0, Qt::UserRole, s.processes[g.procs.front()].pid);
        top->setIcon(0, style()->standardIcon(QStyle::SP_MessageBoxWarning));
        QStringList own;
        for (NsType t : kAllNsTypes)
            if (g.own & (1u << index(t)))
                own << QString::fromLatin1(nsTypeName(t));
        top->setText(1, own.join(QStringLiteral(", ")));
        // A few hundred children are plenty to click through; the cluster view shows the rest.
        for (std::size_t k = 0; k < g.procs.size() && k < 200; ++k) {
            const Process &p = s.processes[g.procs[k]];
            auto *child = new QTreeWidgetItem(top);
            child->setText(0, QStringLiteral("%1  %2").arg(p.pid).arg(QString::fromStdString(p.comm)));
            child->setData(0, Qt::UserRole, p.pid);
        }
        top->setExpanded(groups.size() <= 3 && g.procs.size() <= 5);
    }
    m_tree->setUpdatesEnabled(true);
    if (m_count == 0)
        m_summary->setText(QStringLiteral("No isolated process shares the host network namespace."));
    else
        m_summary->setText(QStringLiteral("<b>%1 process%2 in %3 group%4</b> share the host network namespace while their "
                                          "mount or pid namespace is their own: they see and can bind the host's interfaces.")
                               .arg(m_count)
                               .arg(m_count == 1 ? QString() : QStringLiteral("es"))
                               .arg(groups.size())
                               .arg(groups.size() == 1 ? QString() : QStringLiteral("s")));
}

} // namespace nsviz
