// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/models/processfilterproxymodel.h"

#include "app/models/processtablemodel.h"
#include "app/models/viewhelpers.h"

#include <QRegularExpression>

namespace nsviz
{

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
        Term term{part.toLower(), -1};
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
    const auto *table = qobject_cast<const ProcessTableModel *>(src);
    const Process *p = table ? table->processAt(sourceRow) : nullptr;
    QString haystack;
    bool haveHaystack = false;
    for (const Term &term : m_terms) {
        bool hit = false;
        if (term.nsColumn >= 0) {
            if (p) {
                const NsId &id = p->ns[nsviz::index(ProcessTableModel::nsTypeOfColumn(term.nsColumn))];
                hit = id.valid() && QString::number(id.ino) == term.text;
            } else {
                hit = src->index(sourceRow, term.nsColumn, sourceParent)
                          .data(ProcessTableModel::TsvRole)
                          .toString() == term.text;
            }
        } else {
            if (!haveHaystack) {
                if (table) {
                    haystack = table->lowerSearchText(sourceRow); // cached per row, lower-cased
                } else {
                    QStringList cells;
                    for (int c = 0; c < src->columnCount(sourceParent); ++c)
                        cells << src->index(sourceRow, c, sourceParent).data().toString();
                    haystack = cells.join(QLatin1Char('\n')).toLower();
                }
                haveHaystack = true;
            }
            // Both sides are lower-cased already: a plain search, several times faster per row.
            hit = haystack.contains(term.text);
        }
        if (!hit)
            return false;
    }
    return true;
}

} // namespace nsviz
