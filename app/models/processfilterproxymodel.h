// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Sorting and the Ctrl+F filter of the process table.

#include <QSortFilterProxyModel>
#include <QStringList>

namespace nsviz
{

/// Filters rows of a ProcessTableModel. The filter text is split at white space; every term must
/// match (case-insensitive substring of any column). A term written like a namespace link,
/// "net:[4026532001]" or "net:4026532001", matches only that namespace column, exactly, so a
/// label copied from the tree view finds that namespace's processes.
class ProcessFilterProxyModel : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit ProcessFilterProxyModel(QObject *parent = nullptr);

    void setFilterText(const QString &text);
    QString filterText() const { return m_text; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    struct Term {
        QString text;
        int nsColumn = -1; ///< >= 0: exact match of this namespace column
    };
    QString m_text;
    QList<Term> m_terms;
};

} // namespace nsviz
