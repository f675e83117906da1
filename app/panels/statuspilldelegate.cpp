// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/panels/statuspilldelegate.h"

#include <QPainter>
#include <QPainterPath>

namespace nsviz
{

void StatusPillDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                               const QModelIndex &index) const
{
    const QVariant fill = index.data(PillColorRole);
    if (!fill.isValid()) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    // Background (selection, row colour) first, then the pill over it.
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    opt.text.clear();
    opt.widget ? opt.widget->style()->drawControl(QStyle::CE_ItemViewItem, &opt, painter, opt.widget)
               : void();
    const QString text = index.data(Qt::DisplayRole).toString();
    QFont f = option.font;
    f.setBold(true);
    f.setPointSizeF(f.pointSizeF() * 0.85);
    const QFontMetrics fm(f);
    const int h = std::min(option.rect.height() - 4, fm.height() + 6);
    // The pill stays inside its cell (a narrow column elides the word rather than letting the pill
    // run into the next column's text), whatever the style's row height or palette.
    const int w = std::max(0, std::min(fm.horizontalAdvance(text) + 18, option.rect.width() - 8));
    const QRect pill(option.rect.left() + 4, option.rect.center().y() - h / 2 + 1, w, h);
    painter->save();
    painter->setClipRect(option.rect);
    painter->setRenderHint(QPainter::Antialiasing);
    QPainterPath path;
    path.addRoundedRect(QRectF(pill), h / 2.0, h / 2.0);
    painter->fillPath(path, fill.value<QColor>());
    // In a dark palette a dark pill would melt into the row: a thin light rim keeps its edge.
    if (option.palette.color(QPalette::Base).lightness() < 128) {
        painter->setPen(QPen(QColor(255, 255, 255, 90), 1));
        painter->drawPath(path);
    }
    painter->setFont(f);
    const QVariant tc = index.data(PillTextColorRole);
    painter->setPen(tc.isValid() ? tc.value<QColor>() : QColor(Qt::white));
    painter->drawText(pill, Qt::AlignCenter, fm.elidedText(text, Qt::ElideRight, std::max(0, w - 10)));
    painter->restore();
}

QSize StatusPillDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QSize s = QStyledItemDelegate::sizeHint(option, index);
    if (index.data(PillColorRole).isValid())
        s.setWidth(s.width() + 24);
    return s.expandedTo(QSize(0, option.fontMetrics.height() + 10));
}

} // namespace nsviz
