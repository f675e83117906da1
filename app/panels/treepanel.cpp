// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/panels/treepanel.h"

#include "app/models/namespacetreemodel.h"
#include "app/models/snapshotstore.h"
#include "app/models/viewhelpers.h"
#include "app/panels/roomyitemdelegate.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTreeView>
#include <QVBoxLayout>

namespace nsviz
{

namespace
{
/// Namespaces with more children than this stay collapsed by default (the host's pid namespace on a
/// busy machine): expanding thousands of rows helps nobody and costs time.
constexpr int kAutoExpandLimit = 60;
using Kind = NamespaceTreeModel::NodeKind;
} // namespace

TreePanel::TreePanel(SnapshotStore *store, QWidget *parent)
    : QWidget(parent), m_store(store),
      m_userModel(new NamespaceTreeModel(store, NamespaceTreeModel::Hierarchy::User, this)),
      m_pidModel(new NamespaceTreeModel(store, NamespaceTreeModel::Hierarchy::Pid, this)),
      m_userProxy(new QSortFilterProxyModel(this)), m_pidProxy(new QSortFilterProxyModel(this)),
      m_userView(new QTreeView(this)), m_pidView(new QTreeView(this)),
      m_userTitle(new QLabel(QStringLiteral("User namespaces and what they own"), this)),
      m_pidTitle(new QLabel(QStringLiteral("PID namespaces, processes and their PIDs"), this)),
      m_legend(new QWidget(this))
{
    setObjectName(QStringLiteral("TreePanel"));
    m_userView->setObjectName(QStringLiteral("userTree"));
    m_pidView->setObjectName(QStringLiteral("pidTree"));
    m_userView->setAccessibleName(m_userTitle->text());
    m_pidView->setAccessibleName(m_pidTitle->text());
    for (auto [proxy, model] : {std::pair{m_userProxy, m_userModel}, std::pair{m_pidProxy, m_pidModel}}) {
        proxy->setSourceModel(model);
        // A match keeps its ancestors, so a filtered tree still shows where things sit.
        proxy->setRecursiveFilteringEnabled(true);
        proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
        proxy->setFilterKeyColumn(-1);
    }
    setUpView(m_userView, m_userProxy);
    setUpView(m_pidView, m_pidProxy);
    m_userView->setColumnHidden(NamespaceTreeModel::PidsColumn, true);

    for (QLabel *title : {m_userTitle, m_pidTitle}) {
        QFont f = title->font();
        f.setBold(true);
        f.setPointSizeF(f.pointSizeF() * 1.1);
        title->setFont(f);
        title->setContentsMargins(4, 2, 4, 2);
    }

    auto column = [this](QLabel *title, QTreeView *view) {
        auto *w = new QWidget(this);
        auto *l = new QVBoxLayout(w);
        l->setContentsMargins(0, 0, 0, 0);
        l->setSpacing(4);
        l->addWidget(title);
        l->addWidget(view, 1);
        return w;
    };
    auto *split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(column(m_userTitle, m_userView));
    split->addWidget(column(m_pidTitle, m_pidView));
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    split->setChildrenCollapsible(false);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(split, 1);
    layout->addWidget(m_legend);
    buildLegend();
}

void TreePanel::setUpView(QTreeView *view, QSortFilterProxyModel *model)
{
    view->setModel(model);
    view->setItemDelegate(new RoomyItemDelegate(view));
    view->setUniformRowHeights(true);
    view->setAlternatingRowColors(true);
    view->setAnimated(false);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setTextElideMode(Qt::ElideRight);
    view->header()->setStretchLastSection(true);
    view->header()->setSectionResizeMode(QHeaderView::Interactive);
    const QFontMetrics fm(view->font());
    view->setColumnWidth(NamespaceTreeModel::NameColumn,
                         fm.horizontalAdvance(QStringLiteral("cgroup:[4026532999]  host")) + 90);
    view->setColumnWidth(NamespaceTreeModel::ProcessesColumn,
                         fm.horizontalAdvance(QStringLiteral("Procs")) + 24);
    view->setColumnWidth(NamespaceTreeModel::PidsColumn,
                         fm.horizontalAdvance(QStringLiteral("4194304/4194304/1")) + 16);
    view->setIconSize(QSize(16, 16));

    // Sensible expansion on a new snapshot; newly appearing namespaces (a container starting) open up.
    connect(model, &QAbstractItemModel::modelReset, view, [this, view] { expandDefault(view, {}); });
    connect(model, &QAbstractItemModel::rowsInserted, view,
            [this, view, model](const QModelIndex &parent, int first, int last) {
                for (int r = first; r <= last; ++r) {
                    const QModelIndex i = model->index(r, 0, parent);
                    if (i.data(NamespaceTreeModel::KindRole).toInt() != int(Kind::Process))
                        expandNew(view, i);
                }
            });
    connect(view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &cur) {
                if (m_selecting || !cur.isValid())
                    return;
                const auto kind = Kind(cur.data(NamespaceTreeModel::KindRole).toInt());
                if (kind == Kind::Process)
                    Q_EMIT processSelected(cur.data(NamespaceTreeModel::PidRole).toInt());
                else if (kind == Kind::Namespace)
                    Q_EMIT namespaceSelected(cur.data(NamespaceTreeModel::NsTypeRole).toInt(),
                                             cur.data(NamespaceTreeModel::NsInodeRole).toULongLong());
            });
    expandDefault(view, {});
}

void TreePanel::expandDefault(QTreeView *view, const QModelIndex &parent)
{
    const QAbstractItemModel *m = view->model();
    for (int r = 0; r < m->rowCount(parent); ++r) {
        const QModelIndex i = m->index(r, 0, parent);
        if (i.data(NamespaceTreeModel::KindRole).toInt() == int(Kind::Process))
            continue;
        const int n = m->rowCount(i);
        // Top-level rows always open: they are few and they are the point of the view.
        if (n == 0 || (parent.isValid() && n > kAutoExpandLimit))
            continue;
        view->expand(i);
        expandDefault(view, i);
    }
}

void TreePanel::expandNew(QTreeView *view, const QModelIndex &index)
{
    const int n = view->model()->rowCount(index);
    if (n == 0 || n > kAutoExpandLimit)
        return;
    view->expand(index);
    expandDefault(view, index);
}

void TreePanel::buildLegend()
{
    delete m_legend->layout();
    qDeleteAll(m_legend->findChildren<QWidget *>(Qt::FindDirectChildrenOnly));
    auto *l = new QHBoxLayout(m_legend);
    l->setContentsMargins(4, 2, 4, 0);
    l->setSpacing(6);
    const QPalette pal = palette();
    auto item = [&](views::NodeIcon icon, NsType t, const QString &text, const QString &tip) {
        auto *pic = new QLabel(m_legend);
        pic->setPixmap(views::nodeIcon(icon, t, pal).pixmap(QSize(16, 16), devicePixelRatioF()));
        auto *lab = new QLabel(text, m_legend);
        lab->setWordWrap(true); // a narrow window (a 1280x720 projector with panels) wraps it
        lab->setToolTip(tip);
        pic->setToolTip(tip);
        l->addWidget(pic);
        l->addWidget(lab);
        l->addSpacing(10);
    };
    item(views::NodeIcon::HostNamespace, NsType::User, QStringLiteral("host namespace (bold)"),
         QStringLiteral("One of the namespaces of the host reference process"));
    item(views::NodeIcon::Namespace, NsType::Pid, QStringLiteral("namespace"),
         QStringLiteral("Colour = namespace type"));
    item(views::NodeIcon::HiddenNamespace, NsType::Net, QStringLiteral("hidden: no process in it (italic)"),
         QStringLiteral("Found only through a bind mount, an open file descriptor, or as the parent/owner of "
                        "another namespace"));
    item(views::NodeIcon::UnknownParent, NsType::Pid, QStringLiteral("parent/owner unknown"),
         QStringLiteral("The kernel would not reveal the parent or owner, or it is not in the snapshot"));
    item(views::NodeIcon::Process, NsType::Pid, QStringLiteral("process: PID outer/…/inner"),
         QStringLiteral("The process's PID in each pid namespace, outermost first"));
    l->addStretch(1);
}

void TreePanel::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange)
        buildLegend();
    QWidget::changeEvent(event);
}

void TreePanel::selectIn(QTreeView *view, const QModelIndex &sourceIndex)
{
    const auto *proxy = static_cast<QSortFilterProxyModel *>(view->model());
    const QModelIndex index = proxy->mapFromSource(sourceIndex);
    if (!index.isValid()) {
        view->selectionModel()->clearSelection();
        return;
    }
    for (QModelIndex p = index.parent(); p.isValid(); p = p.parent())
        view->expand(p);
    view->selectionModel()->setCurrentIndex(index,
                                            QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    view->scrollTo(index, QAbstractItemView::PositionAtCenter);
}

void TreePanel::selectProcess(int pid)
{
    m_selecting = true;
    selectIn(m_pidView, m_pidModel->indexOfProcess(pid));
    QModelIndex userIndex;
    if (const Process *p = m_store->snapshot().findProcess(pid))
        userIndex = m_userModel->indexOfNamespace(p->ns[index(NsType::User)]);
    selectIn(m_userView, userIndex);
    m_selecting = false;
}

void TreePanel::setFilterText(const QString &text)
{
    if (text == m_filterText)
        return;
    m_filterText = text;
    for (auto [proxy, view] : {std::pair{m_userProxy, m_userView}, std::pair{m_pidProxy, m_pidView}}) {
        proxy->setFilterFixedString(text);
        // Matches may sit deep in collapsed namespaces: open everything that is left.
        if (text.isEmpty())
            expandDefault(view, {});
        else
            view->expandAll();
    }
}

} // namespace nsviz
