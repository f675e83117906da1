// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Item delegate that gives rows a little more height than the style's minimum: rows stay readable
// on a projector and in slide screenshots, without a style sheet overriding the platform palette.

#include <QStyledItemDelegate>

namespace nsviz
{

class RoomyItemDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace nsviz
