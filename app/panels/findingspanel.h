// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// The host-sharing findings: containers that share namespaces with the host, worst first.
// Clicking one emits processActivated(pid) so the cluster view can select it.

#include "core/model/model.h"

#include <QWidget>
#include <nlohmann/json.hpp>

class QLabel;
class QTreeWidget;
class QTreeWidgetItem;

namespace nsviz
{

class FindingsPanel : public QWidget
{
    Q_OBJECT
public:
    explicit FindingsPanel(QWidget *parent = nullptr);

    /// Shows a "nsviz.findings/1" document (from findHostSharing() or a helper).
    void setFindings(const nlohmann::json &findings);
    /// Derives the findings from @p snapshot in a worker thread; capabilities and seccomp come from
    /// PID/status under @p procRoot, so they are missing (and said so) where /proc is not readable.
    void setSnapshot(const Snapshot &snapshot, const QString &procRoot = QStringLiteral("/proc"));

    const nlohmann::json &findings() const { return m_findings; }
    /// Containers listed (top-level rows).
    int containerCount() const;
    /// The representative pid of the container in row @p row.
    int pidAt(int row) const;
    QString toText() const;

Q_SIGNALS:
    /// The user clicked a container (or one of its findings): its representative pid.
    void processActivated(int pid);
    void findingsReady();

private:
    void rebuild();
    void activate(QTreeWidgetItem *item);

    nlohmann::json m_findings;
    int m_generation = 0;
    QLabel *m_summary = nullptr;
    QTreeWidget *m_tree = nullptr;
};

} // namespace nsviz
