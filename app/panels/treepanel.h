// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// The hierarchy panel: user namespaces with the namespaces they own (left) and pid namespaces with
// their processes and namespaced pids (right), plus a legend for the host/hidden/unknown marks.

#include "core/model/model.h"

#include <QWidget>

class QLabel;
class QSortFilterProxyModel;
class QTreeView;

namespace nsviz
{

class SnapshotStore;
class NamespaceTreeModel;

class TreePanel : public QWidget
{
    Q_OBJECT
public:
    explicit TreePanel(SnapshotStore *store, QWidget *parent = nullptr);

    NamespaceTreeModel *userModel() const { return m_userModel; }
    NamespaceTreeModel *pidModel() const { return m_pidModel; }
    QTreeView *userView() const { return m_userView; }
    QTreeView *pidView() const { return m_pidView; }
    QString filterText() const { return m_filterText; }

public Q_SLOTS:
    /// Show @p pid in the pid tree (expanding its ancestors) and its user namespace in the user tree,
    /// without emitting processSelected().
    void selectProcess(int pid);
    /// Show only rows whose text contains @p text (case-insensitive), with their ancestors, in both
    /// trees; empty shows everything. The main window's Ctrl+F field calls this on every view.
    void setFilterText(const QString &text);

Q_SIGNALS:
    /// The user picked a process row in the pid tree.
    void processSelected(int pid);
    /// The user picked a namespace row (either tree). @p type is index(NsType).
    void namespaceSelected(int type, quint64 inode);

protected:
    void changeEvent(QEvent *event) override;

private:
    void setUpView(QTreeView *view, QSortFilterProxyModel *proxy);
    void expandDefault(QTreeView *view, const QModelIndex &parent);
    void expandNew(QTreeView *view, const QModelIndex &index);
    void buildLegend();
    /// Select @p sourceIndex (of the view's source model) in @p view, expanding its ancestors.
    void selectIn(QTreeView *view, const QModelIndex &sourceIndex);

    SnapshotStore *m_store;
    NamespaceTreeModel *m_userModel;
    NamespaceTreeModel *m_pidModel;
    QSortFilterProxyModel *m_userProxy;
    QSortFilterProxyModel *m_pidProxy;
    QString m_filterText;
    QTreeView *m_userView;
    QTreeView *m_pidView;
    QLabel *m_userTitle;
    QLabel *m_pidTitle;
    QWidget *m_legend;
    bool m_selecting = false;
};

} // namespace nsviz
