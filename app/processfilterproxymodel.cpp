// SPDX-License-Identifier: GPL-2.0-or-later
#include "processfilterproxymodel.h"

#include "processtablemodel.h"
#include "viewhelpers.h"

#include <QRegularExpression>

namespace nsviz {

ProcessFilterProxyModel::ProcessFilterProxyModel(QObject *parent) : QSortFilterProxyModel(parent)
{
    setSortRole(ProcessTableModel::SortRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
    setDynamicSortFilter(true);
}

void ProcessFilterProxyModel::setFilterText(const QString &text)
{
    if (text == m_text)
        return;
    // Qt 6.4 has no begin/endFilterChange; invalidateFilter() re-evaluates every row.
    m_text = text;
    m_terms.clear();
    static const QRegularExpression nsTerm(QStringLiteral("^([a-z]+):\\[?(\\d+)\\]?$"));
    const auto parts = text.split(QRegularExpression(QStringLiteral("\\s+")), Qt::SkipEmptyParts);
    for (const QString &part : parts) {
        Term term{part, -1};
        if (auto m = nsTerm.match(part.toLower()); m.hasMatch()) {
            for (NsType t : kAllNsTypes)
                if (views::typeName(t) == m.captured(1)) {
                    term.nsColumn = ProcessTableModel::columnOfNsType(t);
                    term.text = m.captured(2);
                }
        }
        m_terms << term;
    }
    invalidateFilter();
}

bool ProcessFilterProxyModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (m_terms.isEmpty())
        return true;
    const QAbstractItemModel *src = sourceModel();
    const int columns = src->columnCount(sourceParent);
    for (const Term &term : m_terms) {
        bool hit = false;
        if (term.nsColumn >= 0) {
            hit = src->index(sourceRow, term.nsColumn, sourceParent).data(ProcessTableModel::TsvRole).toString() ==
                  term.text;
        } else {
            for (int c = 0; c < columns && !hit; ++c) {
                const QModelIndex i = src->index(sourceRow, c, sourceParent);
                // Both forms: the display ("root (0)") and the plain value.
                hit = i.data(Qt::DisplayRole).toString().contains(term.text, Qt::CaseInsensitive) ||
                      i.data(ProcessTableModel::TsvRole).toString().contains(term.text, Qt::CaseInsensitive);
            }
        }
        if (!hit)
            return false;
    }
    return true;
}

} // namespace nsviz
