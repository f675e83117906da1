// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// The process table: one row per process, the eight namespace inodes as columns (greyed where they
// equal the host's), sortable, filterable (Ctrl+F in the main window calls setFilterText) and
// copyable (Ctrl+C copies the selected rows as tab-separated text with a header line).

#include <QWidget>

class QLabel;
class QLineEdit;
class QTableView;

namespace nsviz
{

class SnapshotStore;
class ProcessTableModel;
class ProcessFilterProxyModel;

class TablePanel : public QWidget
{
    Q_OBJECT
public:
    explicit TablePanel(SnapshotStore *store, QWidget *parent = nullptr);

    QString filterText() const;
    /// The selected rows, in view order, as TSV: a header line, then one line per row.
    QString selectedRowsAsTsv() const;

    ProcessTableModel *model() const { return m_model; }
    ProcessFilterProxyModel *proxy() const { return m_proxy; }
    QTableView *view() const { return m_view; }

public Q_SLOTS:
    /// Select and show the row of @p pid (no processSelected() echo). Unknown or filtered-out pids
    /// clear the selection.
    void selectProcess(int pid);
    void setFilterText(const QString &text);
    /// Show the panel's own filter field (hidden by default: the main window has one for every view
    /// and calls setFilterText(); standalone uses may want this one).
    void setFilterFieldVisible(bool visible);
    /// Show the filter field if hidden and put the keyboard focus into it.
    void focusFilter();
    /// Copy selectedRowsAsTsv() to the clipboard.
    void copySelection();

Q_SIGNALS:
    /// The user selected a process (click or keyboard).
    void processSelected(int pid);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void updateCount();
    void applyColumnWidths();

    SnapshotStore *m_store;
    ProcessTableModel *m_model;
    ProcessFilterProxyModel *m_proxy;
    QTableView *m_view;
    QLineEdit *m_filter;
    QLabel *m_count;
    QLabel *m_legend;
    bool m_selecting = false;
};

} // namespace nsviz
