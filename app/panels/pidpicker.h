// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// "Compare with…": choose another process, from the snapshot's list (filtered by pid, name or
// container) or by typing a pid.

#include "core/model/model.h"

#include <QDialog>

class QLineEdit;
class QTreeWidget;

namespace nsviz
{

class PidPicker : public QDialog
{
    Q_OBJECT
public:
    /// @p snapshot may be null: then only a typed pid is accepted.
    explicit PidPicker(const Snapshot *snapshot, int hostReferencePid, QWidget *parent = nullptr);

    /// The chosen pid (0: none).
    int selectedPid() const;
    /// Filters the list: pid prefix, or a case-insensitive part of the name or container label.
    void setFilter(const QString &text);
    int visibleRows() const;

private:
    void refilter();

    QLineEdit *m_filter = nullptr;
    QTreeWidget *m_list = nullptr;
};

} // namespace nsviz
