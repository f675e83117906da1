// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Where the GUI's snapshot comes from: a live transport (in-process or the helper) or a file.
// Owns the transport, feeds the SnapshotStore, and keeps what the status bar shows.

#include "app/transport/transport.h"
#include "core/model/model.h"

#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <functional>
#include <memory>

namespace nsviz
{

class HelperClient;
class SnapshotStore;

class Session : public QObject
{
    Q_OBJECT
public:
    enum class Source { None, Live, File };
    Q_ENUM(Source)

    explicit Session(SnapshotStore *store, QObject *parent = nullptr);
    ~Session() override;

    /// What the last attempt to authenticate came to: the banner says it in words, with what the
    /// user can do instead.
    struct AuthOutcome {
        enum class State { None, Trying, Succeeded, Failed };
        State state = State::None;
        Transport::Error error = Transport::Error::Other;
        QString via;      ///< the transport that tried: "nsviz-helper (pkexec)", "KAuth"
        QString headline; ///< what is missing or went wrong: "No polkit authentication agent is running"
        QString detail;   ///< the transport's own message
        bool detailNeeded = true; ///< false when headline and hint already say all the detail says
        QString hint;             ///< what the user can do instead
    };
    /// The words for a failed escalation through @p via (one place for every transport).
    static AuthOutcome explainAuthFailure(Transport::Error error, const QString &via, const QString &message);
    const AuthOutcome &authOutcome() const { return m_auth; }
    /// The KAuth helper's D-Bus system service: KAuth is tried only where it exists.
    static QString kauthServiceFile();

    /// The transport the default factory makes: escalated and not @p root, the helper through KAuth
    /// (where its service is installed) or pkexec, even when a piece is missing, so that the failure
    /// says which; otherwise the helper directly (root) or the in-process scan.
    static Transport *makeTransport(bool escalated, bool root, QObject *parent);

    /// Makes transports; tests and the lead's wiring can replace it. @p escalated: the user asked to
    /// authenticate (pkexec / KAuth), otherwise the least privilege that works.
    using TransportFactory = std::function<Transport *(bool escalated, QObject *parent)>;
    void setTransportFactory(TransportFactory f) { m_factory = std::move(f); }

    Source source() const { return m_source; }
    QString sourceText() const;
    bool privileged() const;
    int invisibleProcesses() const;
    bool paused() const { return m_paused; }
    int intervalMs() const { return m_intervalMs; }
    QDateTime lastUpdate() const { return m_lastUpdate; }
    QString filePath() const { return m_filePath; }
    bool waitingForFirstSnapshot() const { return m_waiting; }
    Transport *transport() const { return m_transport; }
    /// Times a delta did not fit and the view was resynchronised (a new subscription).
    quint64 resyncs() const { return m_resyncs; }
    /// The typed client over the current transport (the same object across reconnects).
    HelperClient *client() const { return m_client; }

    /// Reads and validates a snapshot file; throws SchemaError / std::runtime_error with a message.
    static Snapshot loadFile(const QString &path);

public Q_SLOTS:
    /// Connects live (stops a file view).
    void connectLive(bool escalated = false);
    /// Reconnects through the privileged path (pkexec / KAuth).
    void escalate();
    /// Opens a snapshot file in the background. On any error the current view stays as it was and
    /// fileFailed() says why.
    void openFile(const QString &path);
    /// Saves the current snapshot (optionally redacted). Returns false with @p error set.
    bool saveFile(const QString &path, bool redact, QString *error);
    void refresh();
    void setPaused(bool paused);
    void setIntervalMs(int ms);
    void disconnectLive();

Q_SIGNALS:
    void stateChanged();
    void progress(int done, int total);
    void fileOpened(const QString &path);
    void fileFailed(const QString &path, const QString &message);
    void liveFailed(const QString &message);
    /// authOutcome() changed (trying, succeeded, failed).
    void authOutcomeChanged();

private:
    void onSnapshot(const Snapshot &s);
    void onDelta(const SnapshotDelta &d);
    void onFailed(Transport::Error e, const QString &message);
    /// Re-requests the whole picture after a delta that did not fit, with a log line saying why.
    void resync(const QString &why);
    void releaseMemoryAfterLoadLeft();
    void startLive(bool escalated);
    void setAuthOutcome(AuthOutcome outcome);
    void noteAuthenticated();

    SnapshotStore *m_store;
    TransportFactory m_factory;
    QPointer<Transport> m_transport;
    HelperClient *m_client;
    Source m_source = Source::None;
    bool m_paused = false;
    bool m_waiting = false;
    bool m_escalated = false;
    AuthOutcome m_auth;
    quint64 m_attempt = 0; ///< counts live connects and file opens: a stale fallback is dropped
    int m_intervalMs = 2000;
    QDateTime m_lastUpdate;
    QString m_filePath;
    quint64 m_fileGeneration = 0;
    quint64 m_resyncs = 0;
    int m_processMark = 0; ///< most processes since memory was last handed back
};

} // namespace nsviz
