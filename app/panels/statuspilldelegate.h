// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Draws a cell as a rounded "pill" (SHARED / ISOLATED ...) so the state reads at a glance, also on slides.

#include <QStyledItemDelegate>

namespace nsviz
{

class StatusPillDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    /// Item data roles the delegate reads: the pill's text is Qt::DisplayRole.
    enum Role {
        PillColorRole = Qt::UserRole + 40, ///< QColor: the pill's fill; none: a plain cell
        PillTextColorRole,                 ///< QColor: the pill's text
    };
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace nsviz
