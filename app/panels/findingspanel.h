// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// The host-sharing findings: containers that share namespaces with the host, worst first.
// Clicking one emits processActivated(pid) so the cluster view can select it. Service sandboxes
// and engine helpers ("informational") are a section of their own after them, hidden by default.

#include "core/model/model.h"

#include <QPointer>
#include <QWidget>
#include <functional>
#include <nlohmann/json.hpp>

class QLabel;
class QMenu;
class QToolButton;
class QTreeWidget;
class QTreeWidgetItem;

namespace nsviz
{

class RedactionGate;

class FindingsPanel : public QWidget
{
    Q_OBJECT
public:
    explicit FindingsPanel(QWidget *parent = nullptr);

    /// Shows a "nsviz.findings/1" document (from findHostSharing() or a helper).
    void setFindings(const nlohmann::json &findings);
    /// Derives the findings from @p snapshot in a worker thread; capabilities and seccomp come from
    /// PID/status under @p procRoot, so they are missing (and said so) where /proc is not readable.
    /// @p update: the snapshot is the shown picture after live deltas, not a new one: the findings
    /// shown stay until the new ones are ready (no "Checking…" every second of a live view), and
    /// the list is not built again when they came out the same.
    void setSnapshot(const Snapshot &snapshot, const QString &procRoot = QStringLiteral("/proc"),
                     bool update = false);

    /// A derivation started by setSnapshot() is still running in its worker.
    bool busy() const { return m_running > 0; }

    const nlohmann::json &findings() const { return m_findings; }
    /// Containers listed (top-level rows before the informational section).
    int containerCount() const;
    /// The representative pid of the container in row @p row.
    int pidAt(int row) const;
    /// Whether the informational section (service sandboxes, engine helpers) is shown. Hidden by
    /// default: on a systemd host it lists dozens of services, and the panel is for the alarms.
    /// Copy and export carry it only while it is shown (what is shown is what leaves).
    bool showInformational() const { return m_showInformational; }
    void setShowInformational(bool show);
    /// Sandboxes listed in the document's informational list (shown or not).
    int informationalCount() const;
    /// The findings as they leave the app (through the redaction gate when one is set).
    QString toText() const;
    QString toMarkdown() const;
    /// "nsviz.findings/1", indented.
    QByteArray toJson() const;
    /// The selected rows (a container row brings its findings), tab-separated; empty: none selected.
    QString selectedText() const;
    /// Writes Markdown (.md) or JSON (.json, anything else); false with @p error on failure.
    bool exportTo(const QString &path, QString *error = nullptr) const;

    /// Everything shown, copied and exported passes @p gate (Redact Names); nullptr: nothing hidden.
    void setRedaction(RedactionGate *gate);
    /// Which demo container (its pid) a container's representative pid belongs to, 0 for none: its
    /// rows then offer "Stop demo container" (stopDemoRequested).
    void setDemoLookup(std::function<int(int pid)> lookup) { m_demoOf = std::move(lookup); }
    /// The context menu of row @p item (tests look at it; the panel shows it on right click).
    QMenu *contextMenuFor(QTreeWidgetItem *item);

public Q_SLOTS:
    /// Ctrl+C: the selected rows, or the whole report when nothing is selected.
    void copy();
    /// Asks where and writes Markdown or JSON.
    void exportDialog();

Q_SIGNALS:
    /// The user clicked a container (or one of its findings): its representative pid.
    void processActivated(int pid);
    void findingsReady();
    /// "Stop demo container" was chosen: the demo's pid.
    void stopDemoRequested(int demoPid);
    /// The informational section was shown or hidden (by setShowInformational() or its button).
    void showInformationalChanged(bool shown);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void rebuild();
    void activate(QTreeWidgetItem *item);
    nlohmann::json shown() const;

    QPointer<RedactionGate> m_gate;
    std::function<int(int)> m_demoOf;

    nlohmann::json m_findings;
    int m_generation = 0;
    int m_running = 0; ///< derivations in their workers
    QLabel *m_summary = nullptr;
    QTreeWidget *m_tree = nullptr;
    QToolButton *m_infoButton = nullptr;
    bool m_showInformational = false;
};

} // namespace nsviz
