// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Where the GUI's snapshot comes from: a live transport (in-process or the helper) or a file.
// Owns the transport, feeds the SnapshotStore, and keeps what the status bar shows.

#include "app/transport/sshtarget.h"
#include "app/transport/transport.h"
#include "core/model/model.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <functional>
#include <memory>
#include <optional>

namespace nsviz
{

class HelperClient;
class RecordingPlayer;
class RecordingWriter;
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

    /// The transport to a remote host: `ssh [user@]host nsviz-helper serve` (docs/remote.md).
    static Transport *makeRemoteTransport(const SshTarget &target, QObject *parent);
    /// Headline for a failed connection to @p host: what went wrong in words (unreachable, host key
    /// unknown or changed, login refused, no helper there, another version).
    static QString explainRemoteFailure(Transport::Error error, const QString &host);
    /// The headline and the transport's @p message, once: "HEADLINE: MESSAGE", or MESSAGE alone
    /// when it already starts with the headline's words.
    static QString remoteFailureText(Transport::Error error, const QString &host, const QString &message);
    /// The remote host shown, when live through ssh.
    const std::optional<SshTarget> &remoteHost() const { return m_remote; }

    /// Makes transports; tests and the lead's wiring can replace it. @p escalated: the user asked to
    /// authenticate (pkexec / KAuth), otherwise the least privilege that works.
    using TransportFactory = std::function<Transport *(bool escalated, QObject *parent)>;
    void setTransportFactory(TransportFactory f) { m_factory = std::move(f); }
    /// Asked when a file replaces the live view: true keeps the live connection open (quiet, not
    /// subscribed) instead of closing it. The window answers true while demo containers it started
    /// run, since they end with the helper connection that started them; connecting live again then
    /// reuses that connection.
    void setKeepConnection(std::function<bool()> keep) { m_keep = std::move(keep); }
    /// A live connection kept open under a file view (see setKeepConnection()).
    bool holdsIdleConnection() const { return m_source == Source::File && m_transport; }

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

    /// File → Record: from now on, appends what this window shows (the snapshot, then every change
    /// applied to it, a resync included) to @p path as an nsviz.recording/1 journal
    /// (docs/recording.md). Only while live; false with @p error when it cannot start.
    bool startRecording(const QString &path, QString *error);
    /// Ends the recording (its end line says why); nothing when none runs.
    void stopRecording();
    bool isRecording() const { return m_recorder != nullptr; }
    /// The player of the recording opened (openFile() of an nsviz.recording/1 file); nullptr otherwise.
    RecordingPlayer *player() const;
    QString recordingPath() const { return m_recordingPath; }

    /// Reads and validates a snapshot file; throws SchemaError / std::runtime_error with a message.
    static Snapshot loadFile(const QString &path);

public Q_SLOTS:
    /// Connects live (stops a file view).
    void connectLive(bool escalated = false);
    /// Connects live to a remote host through ssh (stops a file view or a local connection). A
    /// failure says why (liveFailed) and does not fall back to this host: the user asked for that one.
    void connectHost(const nsviz::SshTarget &target);
    /// Reconnects through the privileged path (pkexec / KAuth).
    void escalate();
    /// Opens a snapshot file, or a recording (then player() plays it into the store; FILE@SECONDS or
    /// FILE@end starts it at that moment), in the background. On any error the current view stays
    /// as it was and fileFailed() says why.
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
    /// A recording started or ended (isRecording()).
    void recordingChanged();
    /// A recording was opened or closed (player()).
    void playerChanged();

private:
    void onSnapshot(const Snapshot &s);
    void onDelta(const SnapshotDelta &d);
    /// Ends the store's batch of a burst of deltas (HelperClient::deltasBegin()), if one is open.
    void endBurst();
    void onFailed(Transport::Error e, const QString &message);
    /// Re-requests the whole picture after a delta that did not fit, with a log line saying why.
    void resync(const QString &why);
    void releaseMemoryAfterLoadLeft();
    void startLive(bool escalated);
    void setAuthOutcome(AuthOutcome outcome);
    void noteAuthenticated();
    /// Appends a change the store applied to the recording, when one runs.
    void recordChange(const SnapshotDelta &d);
    void endRecording(int reason);

    SnapshotStore *m_store;
    TransportFactory m_factory;
    std::function<bool()> m_keep;
    QPointer<Transport> m_transport;
    std::optional<SshTarget> m_remote;
    HelperClient *m_client;
    Source m_source = Source::None;
    bool m_paused = false;
    bool m_inBurst = false; ///< the store's batch of a burst of deltas is open
    bool m_waiting = false;
    bool m_escalated = false;
    AuthOutcome m_auth;
    quint64 m_attempt = 0; ///< counts live connects and file opens: a stale fallback is dropped
    int m_intervalMs = 2000;
    QDateTime m_lastUpdate;
    QString m_filePath;
    quint64 m_fileGeneration = 0;
    std::unique_ptr<RecordingWriter> m_recorder;
    QPointer<RecordingPlayer> m_player;
    void setPlayer(RecordingPlayer *player);
    QString m_recordingPath;
    QElapsedTimer m_recordingClock;
    std::uint64_t m_recordingSeq = 0;
    /// Redact Names was on when the recording started: every frame is written through the gate,
    /// each change as the delta between the redacted pictures (the last one kept here).
    bool m_recordingRedacted = false;
    Snapshot m_recordedRedacted;
    quint64 m_resyncs = 0;
    int m_processMark = 0;     ///< most processes since memory was last handed back
    QElapsedTimer m_heapClock; ///< since free heap was last handed back (releaseFreeHeap())
};

} // namespace nsviz
