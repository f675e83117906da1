// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/panels/pidpicker.h"

#include "app/models/viewhelpers.h"
#include "core/model/containerid.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace nsviz
{

PidPicker::PidPicker(const Snapshot *snapshot, int hostReferencePid, QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("Compare with…"));
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(
        new QLabel(tr("Reference process (B): type a pid, or filter by name or container"), this));
    m_filter = new QLineEdit(this);
    m_filter->setPlaceholderText(tr("pid, name or container…"));
    m_filter->setAccessibleName(tr("Filter reference processes"));
    m_filter->setClearButtonEnabled(true);
    layout->addWidget(m_filter);
    m_list = new QTreeWidget(this);
    m_list->setColumnCount(3);
    m_list->setAccessibleName(tr("Reference processes"));
    m_list->setHeaderLabels({tr("PID"), tr("Name"), tr("Container / note")});
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    layout->addWidget(m_list, 1);
    if (snapshot) {
        const SandboxIndex sandboxes(*snapshot);
        for (const Process &p : snapshot->processes) {
            auto *it = new QTreeWidgetItem(m_list);
            it->setData(0, Qt::DisplayRole, p.pid);
            it->setText(1, QString::fromStdString(p.comm));
            QString note = views::sandboxName(sandboxes, p);
            if (note.isEmpty()) // a snapshot saved before sandboxes existed
                note = QString::fromStdString(containerFromCgroup(p.cgroup).label());
            if (p.pid == hostReferencePid)
                note = tr("host reference");
            else if (note.isEmpty() && p.differsFromHost)
                note = tr("own namespaces");
            it->setText(2, note);
        }
    }
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    auto *host = buttons->addButton(tr("Host reference"), QDialogButtonBox::ActionRole);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(host, &QPushButton::clicked, this, [this] {
        m_filter->clear();
        m_list->clearSelection();
        done(QDialog::Accepted + 1); // "host reference": selectedPid() is 0
    });
    connect(m_filter, &QLineEdit::textChanged, this, &PidPicker::refilter);
    connect(m_list, &QTreeWidget::itemDoubleClicked, this, &QDialog::accept);
    resize(520, 420);
}

void PidPicker::setFilter(const QString &text)
{
    m_filter->setText(text);
}

void PidPicker::refilter()
{
    const QString f = m_filter->text().trimmed();
    QTreeWidgetItem *first = nullptr;
    for (int i = 0; i < m_list->topLevelItemCount(); ++i) {
        QTreeWidgetItem *it = m_list->topLevelItem(i);
        const bool show = f.isEmpty() || it->text(0).startsWith(f) ||
                          it->text(1).contains(f, Qt::CaseInsensitive) ||
                          it->text(2).contains(f, Qt::CaseInsensitive);
        it->setHidden(!show);
        if (show && !first)
            first = it;
    }
    if (first && !f.isEmpty())
        m_list->setCurrentItem(first);
}

int PidPicker::visibleRows() const
{
    int n = 0;
    for (int i = 0; i < m_list->topLevelItemCount(); ++i)
        n += !m_list->topLevelItem(i)->isHidden();
    return n;
}

int PidPicker::selectedPid() const
{
    if (result() == QDialog::Accepted + 1)
        return 0;
    // A typed number wins: the process may not be in the (possibly stale) snapshot.
    bool ok = false;
    const int typed = m_filter->text().trimmed().toInt(&ok);
    if (ok && typed > 0)
        return typed;
    if (auto *it = m_list->currentItem(); it && !it->isHidden())
        return it->data(0, Qt::DisplayRole).toInt();
    return 0;
}

} // namespace nsviz
