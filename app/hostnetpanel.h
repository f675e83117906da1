// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Lists the processes that share the host network namespace while isolated otherwise, grouped by
// container. Clicking one selects it in the cluster view. (The diff work's FindingsPanel, with every
// kind of host sharing, supersedes it once merged.)

#include <QWidget>

class QLabel;
class QTreeWidget;
class QTreeWidgetItem;

namespace nsviz {

class SnapshotStore;

class HostNetPanel : public QWidget {
    Q_OBJECT
public:
    explicit HostNetPanel(SnapshotStore *store, QWidget *parent = nullptr);
    /// Number of flagged processes currently listed.
    int count() const { return m_count; }
    QTreeWidget *tree() const { return m_tree; }

Q_SIGNALS:
    void processActivated(int pid);

private:
    void rebuild();

    SnapshotStore *m_store;
    QLabel *m_summary;
    QTreeWidget *m_tree;
    int m_count = 0;
};

} // namespace nsviz
