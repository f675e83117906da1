// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// The diff panel: a process (A) against a reference (B, by default the host reference), the eight
// namespace types at a glance (shared / isolated), expandable details with differences highlighted,
// the security context, copy as text/Markdown, export as PNG/SVG for slides.

#include "core/discovery/hostreference.h"
#include "core/model/model.h"

#include <QPointer>
#include <QWidget>
#include <functional>
#include <nlohmann/json.hpp>

class QLabel;
class QPainter;
class QTimer;
class QToolButton;
class QTreeWidget;

namespace nsviz
{

class HelperClient;
class RedactionGate;

class DiffPanel : public QWidget
{
    Q_OBJECT
public:
    /// Gathers the "nsviz.inspect/1" document of one pid (e.g. Inspector::inspect when the GUI runs as
    /// root). Called in a worker thread, never in the GUI thread.
    using InspectFunction = std::function<nlohmann::json(int pid)>;

    explicit DiffPanel(QWidget *parent = nullptr);
    ~DiffPanel() override;

    /// Get inspect documents from the helper through @p client (HelperClient::inspect()).
    void setClient(HelperClient *client);
    /// Or gather them in-process (in a worker thread). The last call of the two wins.
    void setInspectFunction(InspectFunction inspect);
    /// The snapshot supplies the host reference, the pid picker's list and pid/user parent links.
    /// A target (A) missing from it, or whose pid now names another process, is marked as exited.
    /// The panel reads @p snapshot, not a copy, until the next call (the window's store's, which
    /// changes in place: a copy of a 10k-process host would double the GUI's largest structure).
    void setSnapshot(const Snapshot &snapshot);
    /// Everything shown, copied and exported passes @p gate (Redact Names); nullptr: nothing hidden.
    void setRedaction(RedactionGate *gate);

    /// Compares @p pid with @p referencePid; 0 means the host reference (the
    /// snapshot's, else findHostReference()); without one the panel fails with discovery's note.
    void setTarget(int pid, int referencePid = 0);
    /// Shows an already computed "nsviz.diff/1" document (tests, saved sessions).
    void setDiff(const nlohmann::json &diff);

    int targetPid() const { return m_pid; }
    int referencePid() const { return m_refPid; }
    /// The diff as computed (never redacted).
    const nlohmann::json &diff() const { return m_diff; }
    /// The diff as it is shown and leaves the app: through the redaction gate.
    nlohmann::json shownDiff() const;
    bool isLoading() const { return m_pending > 0; }
    /// What is compared with what: "pid 812 · nginx against the host (pid 1 · systemd)".
    QString title() const;
    /// A has exited since the diff was taken: the last diff stays, marked so.
    bool targetExited() const { return m_exited; }
    /// While visible and A lives, the diff is taken again every @p ms (default 3000; 0 stops).
    void setLiveIntervalMs(int ms);

    QString toText() const;
    QString toMarkdown() const;
    /// Renders the whole diff (every row, details expanded) at @p scale device pixels per point.
    QImage renderImage(qreal scale = 2.0) const;
    /// Paints that page on @p painter (what the PNG and SVG exports draw); returns its size.
    QSize paintExport(QPainter &painter) const;
    bool exportPng(const QString &path) const;
    bool exportSvg(const QString &path) const;

    /// Seconds to wait for the helper's inspect replies (default 20).
    void setTimeoutSeconds(int seconds);

Q_SIGNALS:
    void diffReady();
    /// title() changed (a new target or reference, A exited, redaction switched).
    void titleChanged(const QString &title);
    void failed(const QString &message);
    /// The user picked another reference with "Compare with…".
    void referenceChanged(int referencePid);

public Q_SLOTS:
    void copyText();
    void copyMarkdown();
    void chooseReference();
    /// Takes the diff of the same pair again, keeping the current one on screen until it arrives.
    void refreshNow();

private:
    void start(bool quiet = false);
    void markExited(const QString &why);
    void onInspected(quint64 id, int pid, const nlohmann::json &document);
    void onInspectFailed(quint64 id, const QString &code, const QString &message);
    int sideOf(quint64 id) const;
    void received(int side, const nlohmann::json &doc);
    void fail(const QString &message);
    void rebuild();
    void exportTo(const QString &kind);

    QPointer<HelperClient> m_client;
    InspectFunction m_inspect;
    const Snapshot *m_snapshot = nullptr; ///< setSnapshot()'s
    int m_pid = 0;
    int m_refPid = 0;
    int m_generation = 0;
    int m_pending = 0;
    quint64 m_requestId[2] = {0, 0};
    nlohmann::json m_docs[2];
    nlohmann::json m_diff;
    QString m_refNote;       ///< non-empty while B is the host reference
    HostReference m_hostRef; ///< that reference (discovery's), valid while m_refNote is non-empty

    QLabel *m_header = nullptr;
    QLabel *m_notes = nullptr;
    QTreeWidget *m_tree = nullptr;
    QToolButton *m_compare = nullptr;
    QToolButton *m_copy = nullptr;
    QToolButton *m_export = nullptr;
    QTimer *m_watchdog = nullptr;
    QTimer *m_liveTimer = nullptr;
    QPointer<RedactionGate> m_gate;
    bool m_quiet = false;  ///< the running inspect is a live refresh: keep the diff shown until it lands
    bool m_exited = false; ///< A exited after m_diff was taken
    QString m_exitNote;    ///< when and how
};

} // namespace nsviz
