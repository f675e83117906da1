// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/panels/roomyitemdelegate.h"

#include <QFontMetrics>

namespace nsviz
{

QSize RoomyItemDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QSize s = QStyledItemDelegate::sizeHint(option, index);
    // A third of a line of air, at least 4 px: scales with the font, so HiDPI and big fonts keep it.
    const int line = QFontMetrics(option.font).height();
    s.setHeight(std::max(s.height(), line) + std::max(4, line / 3));
    return s;
}

} // namespace nsviz
