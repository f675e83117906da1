// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/panels/tablepanel.h"

#include "app/models/processfilterproxymodel.h"
#include "app/models/processtablemodel.h"
#include "app/models/redactiongate.h"
#include "app/models/snapshotstore.h"
#include "app/models/viewhelpers.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QStyle>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace nsviz
{

TablePanel::TablePanel(SnapshotStore *store, QWidget *parent)
    : QWidget(parent), m_store(store), m_model(new ProcessTableModel(store, this)),
      m_proxy(new ProcessFilterProxyModel(this)), m_view(new QTableView(this)), m_filter(new QLineEdit(this)),
      m_count(new QLabel(this)), m_legend(new QLabel(this))
{
    setObjectName(QStringLiteral("TablePanel"));
    m_proxy->setSourceModel(m_model);

    m_filter->setPlaceholderText(QStringLiteral("Filter: pid, command, user, inode… or net:[4026532001]"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setObjectName(QStringLiteral("tableFilter"));
    m_filter->setAccessibleName(QStringLiteral("Filter processes"));
    m_filter->setVisible(false);
    connect(m_filter, &QLineEdit::textChanged, this, [this](const QString &t) {
        m_proxy->setFilterText(t);
        updateCount();
    });

    m_view->setObjectName(QStringLiteral("processTable"));
    m_view->setAccessibleName(QStringLiteral("Processes"));
    m_count->setAccessibleName(QStringLiteral("Process count"));
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(ProcessTableModel::PidColumn, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->setTextElideMode(Qt::ElideRight);
    m_view->setShowGrid(false);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->horizontalHeader()->setHighlightSections(false);
    m_view->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    // Fixed widths from font metrics: ResizeToContents would measure every row of a 10k-process table.
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_view->installEventFilter(this);
    applyColumnWidths();

    auto *copy = new QAction(QStringLiteral("Copy rows (TSV)"), m_view);
    copy->setShortcut(QKeySequence::Copy);
    copy->setShortcutContext(Qt::WidgetShortcut);
    connect(copy, &QAction::triggered, this, &TablePanel::copySelection);
    m_view->addAction(copy);
    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);

    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) {
                if (m_selecting || !current.isValid())
                    return;
                Q_EMIT processSelected(current.data(ProcessTableModel::PidRole).toInt());
            });

    for (auto sig : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(m_proxy, sig, this, &TablePanel::updateCount);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &TablePanel::updateCount);
    if (store)
        connect(store, &SnapshotStore::countsChanged, this, &TablePanel::updateCount);

    auto *top = new QHBoxLayout;
    top->addWidget(m_filter, 3);
    top->addStretch(1);
    top->addSpacing(12);
    top->addWidget(m_legend);
    top->addSpacing(12);
    top->addWidget(m_count);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(top);
    layout->addWidget(m_view, 1);

    QEvent ev(QEvent::PaletteChange);
    changeEvent(&ev);
    updateCount();
}

void TablePanel::applyColumnWidths()
{
    const QFontMetrics fm(m_view->font());
    const int pad = fm.horizontalAdvance(QStringLiteral("MM"));
    const int num = fm.horizontalAdvance(QStringLiteral("4194304")) + pad;
    const int ino = fm.horizontalAdvance(QStringLiteral("4026532999")) + pad;
    m_view->setColumnWidth(ProcessTableModel::PidColumn, num);
    m_view->setColumnWidth(ProcessTableModel::PpidColumn, num);
    m_view->setColumnWidth(ProcessTableModel::UserColumn,
                           fm.horizontalAdvance(QStringLiteral("systemd-resolve")) + pad);
    for (NsType t : kAllNsTypes)
        m_view->setColumnWidth(ProcessTableModel::columnOfNsType(t), ino);
    // Room for the host-networking warning icon.
    m_view->setColumnWidth(ProcessTableModel::columnOfNsType(NsType::Net),
                           ino + m_view->style()->pixelMetric(QStyle::PM_SmallIconSize) + 8);
    // The command sits before the namespaces: wide enough to say what runs, the rest in its tooltip.
    m_view->setColumnWidth(ProcessTableModel::CommandColumn,
                           fm.horizontalAdvance(QStringLiteral("/usr/sbin/NetworkManager --no-daemon")) +
                               pad);
    m_view->verticalHeader()->setDefaultSectionSize(fm.height() + fm.height() / 2);
}

void TablePanel::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange) {
        const QPalette pal = palette();
        auto swatch = [&](const QColor &bg, const QColor &fg, const QString &text) {
            return QStringLiteral("<span style=\"background-color:%1; color:%2;\">&nbsp;%3&nbsp;</span>")
                .arg(bg.name(), fg.name(), text);
        };
        m_legend->setText(
            swatch(pal.color(QPalette::Base), views::mutedTextColor(pal), QStringLiteral("same as host")) %
            QStringLiteral("&nbsp;&nbsp;") %
            swatch(views::differsTint(pal), pal.color(QPalette::Text), QStringLiteral("isolated")) %
            QStringLiteral("&nbsp;&nbsp;") %
            swatch(pal.color(QPalette::Base), views::warningTextColor(pal),
                   QStringLiteral("⚠ host network, own mnt/pid")));
        if (event->type() == QEvent::FontChange)
            applyColumnWidths();
    }
    QWidget::changeEvent(event);
}

void TablePanel::updateCount()
{
    // The total is the store's count, the number the status bar shows; the model mirrors it row for
    // row (the models tests check that after every delta).
    const int shown = m_proxy->rowCount();
    const int total = m_store ? m_store->counts().processes : m_model->rowCount();
    m_count->setText(shown == total ? QStringLiteral("%1 processes").arg(total)
                                    : QStringLiteral("%1 of %2 processes").arg(shown).arg(total));
}

QString TablePanel::filterText() const
{
    return m_proxy->filterText();
}

void TablePanel::setFilterText(const QString &text)
{
    if (m_filter->text() != text)
        m_filter->setText(text); // textChanged applies it
    else
        m_proxy->setFilterText(text);
    updateCount();
}

void TablePanel::setFilterFieldVisible(bool visible)
{
    m_filter->setVisible(visible);
}

void TablePanel::focusFilter()
{
    m_filter->setVisible(true);
    m_filter->setFocus(Qt::ShortcutFocusReason);
    m_filter->selectAll();
}

void TablePanel::selectProcess(int pid)
{
    m_selecting = true;
    const int srcRow = m_model->rowOfPid(pid);
    const QModelIndex proxyIndex =
        srcRow >= 0 ? m_proxy->mapFromSource(m_model->index(srcRow, 0)) : QModelIndex();
    if (proxyIndex.isValid()) {
        m_view->selectionModel()->setCurrentIndex(proxyIndex, QItemSelectionModel::ClearAndSelect |
                                                                  QItemSelectionModel::Rows);
        m_view->scrollTo(proxyIndex, QAbstractItemView::PositionAtCenter);
    } else {
        m_view->selectionModel()->clearSelection();
    }
    m_selecting = false;
}

QString TablePanel::selectedRowsAsTsv() const
{
    QList<int> rows;
    for (const QModelIndex &i : m_view->selectionModel()->selectedRows())
        rows << i.row();
    if (rows.isEmpty())
        return {};
    std::sort(rows.begin(), rows.end());

    // Columns in the order the user sees them, hidden ones left out.
    const QHeaderView *h = m_view->horizontalHeader();
    QList<int> columns;
    for (int v = 0; v < h->count(); ++v) {
        const int logical = h->logicalIndex(v);
        if (!h->isSectionHidden(logical))
            columns << logical;
    }
    auto clean = [](QString s) {
        s.replace(QLatin1Char('\t'), QLatin1Char(' '));
        s.replace(QLatin1Char('\n'), QLatin1Char(' '));
        return s;
    };
    QStringList lines;
    QStringList cells;
    for (int c : columns)
        cells << m_model->headerData(c, Qt::Horizontal, ProcessTableModel::TsvRole).toString();
    lines << cells.join(QLatin1Char('\t'));
    for (int r : rows) {
        cells.clear();
        for (int c : columns)
            cells << clean(m_proxy->index(r, c).data(ProcessTableModel::TsvRole).toString());
        lines << cells.join(QLatin1Char('\t'));
    }
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

void TablePanel::copySelection()
{
    const QString tsv = selectedRowsAsTsv();
    if (tsv.isEmpty())
        return;
    if (auto *gate = RedactionGate::of(m_store))
        gate->copy(tsv); // the window's one gate: redacted when Redact Names is on
    else
        QApplication::clipboard()->setText(tsv);
}

bool TablePanel::eventFilter(QObject *watched, QEvent *event)
{
    // QTableView copies only the current cell on Ctrl+C; take the key first to copy whole rows.
    if (watched == m_view &&
        (event->type() == QEvent::KeyPress || event->type() == QEvent::ShortcutOverride)) {
        auto *ke = static_cast<QKeyEvent *>(event);
        if (ke->matches(QKeySequence::Copy)) {
            if (event->type() == QEvent::KeyPress)
                copySelection();
            event->accept();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace nsviz
