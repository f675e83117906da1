// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// A spawned `nsviz-helper serve`: directly (already root), through pkexec (polkit asks), sudo -n,
// or on another host through OpenSSH (`ssh host nsviz-helper serve`).

#include "app/transport/sshtarget.h"
#include "app/transport/transport.h"
#include "core/protocol/clientsession.h"

#include <QProcess>
#include <QSet>
#include <QTimer>

#include <memory>
#include <optional>
#include <utility>

namespace nsviz
{

/// Speaks the stdio protocol (docs/protocol.md) with a child helper. Everything is asynchronous:
/// QProcess signals drive a protocol::ClientSession; a watchdog turns silence into Timeout; a dead
/// helper becomes HelperDied; start() again reconnects and resumes a subscription.
class ProcessTransport : public Transport
{
    Q_OBJECT
public:
    enum class Mode { Direct, Pkexec, Sudo, Ssh };
    Q_ENUM(Mode)

    struct Options {
        QString helperPath; ///< empty: defaultHelperPath()
        Mode mode = Mode::Direct;
        QStringList helperArgs; ///< appended after "serve" (e.g. --proc DIR)
        /// Run "serve-demos" (demo containers; its own polkit action, a password every time)
        /// instead of the read-only "serve". Unset: Direct yes (already root, nothing to ask);
        /// pkexec/sudo only when $NSVIZ_HELPER_DEMOS is 1. See docs/security.md.
        std::optional<bool> demos;
        QString pkexecPath = QStringLiteral("pkexec");
        QString sudoPath = QStringLiteral("sudo");
        /// Mode::Ssh: the host and how to reach it (helperPath is then unused: the remote's
        /// SshTarget::remoteHelper runs).
        std::optional<SshTarget> ssh;
        int connectTimeoutMs = -1; ///< until the hello answer; -1: 15 s, 60 s over ssh, 5 min via pkexec/sudo
        int responseTimeoutMs = 60000; ///< max silence while an answer is due
        int keepaliveMs = 15000;       ///< ping this often when idle, so a hung helper is noticed
    };

    explicit ProcessTransport(Options options, QObject *parent = nullptr);
    ~ProcessTransport() override;

    /// $NSVIZ_HELPER, else nsviz-helper next to the running binary, else /usr/bin/nsviz-helper.
    static QString defaultHelperPath();

    QString description() const override;
    bool privileged() const override { return m_privileged; }
    void start() override;
    void stop() override;
    void requestScan() override;
    void subscribe(int intervalMs) override;
    void unsubscribe() override;
    quint64 request(const QByteArray &requestJson) override;

    /// What pkexec's exit before the helper answered means (pkexec(1): 126 dismissed, 127 not
    /// authorized / no agent / error, told apart by its message); nullopt: not pkexec's own verdict.
    static std::optional<std::pair<Error, QString>> pkexecVerdict(int exitCode, const QString &stderrText);
    /// What ssh's exit before the remote helper answered means: 255 is ssh's own failure (told apart
    /// by its message: unreachable, host key unknown or changed, authentication refused), 127 or
    /// "not found" the remote shell's (no helper there), a sudo message the remote sudo's.
    /// nullopt: nothing recognised.
    static std::optional<std::pair<Error, QString>> sshVerdict(int exitCode, const QString &stderrText,
                                                               const QString &host);

    bool isConnected() const { return m_state == State::Connected; }
    /// An answer is due and the watchdog runs: it fires after responseTimeoutMs of silence.
    bool awaitingAnswer() const { return m_watchdog.isActive(); }
    /// The pid of the spawned program (the helper, or pkexec/sudo); 0 when none runs.
    qint64 processId() const;
    QString helperVersion() const { return m_helperVersion; }
    QString kernel() const { return m_kernel; }

private:
    enum class State { Idle, Starting, Connected, Stopping };

    quint64 send(protocol::RequestType type, const nlohmann::json &extra = nlohmann::json::object());
    void sendLine(const std::string &line);
    /// The subscribe request's fields: the interval, and the member-deltas form when offered.
    nlohmann::json subscribeArgs() const;
    void onReadyRead();
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void onErrorOccurred(QProcess::ProcessError error);
    void handle(protocol::ClientEvent &e);
    void fail(Error error, const QString &message);
    void teardown();
    void armWatchdog();
    QString stderrTail() const;

    Options m_options;
    std::unique_ptr<QProcess> m_process;
    protocol::ClientSession m_session;
    State m_state = State::Idle;
    bool m_privileged = false;
    QString m_helperVersion;
    QString m_kernel;
    quint64 m_nextId = 1;
    quint64 m_helloId = 0;
    quint64 m_subscribeId = 0;
    bool m_memberDeltas = false;  ///< the helper offers the member-deltas form (hello capabilities)
    int m_subscribeMs = 0;        ///< > 0: subscribed (resumed on reconnect)
    QSet<quint64> m_pending;      ///< requests whose answer is due
    QSet<quint64> m_userRequests; ///< ids from request(): answered via replyReceived
    QSet<quint64> m_scanIds;      ///< scans whose snapshot is still due
    QByteArray m_stderr;
    bool m_drainScheduled = false;
    QTimer m_watchdog;
    QTimer m_keepalive;
    QTimer m_killTimer;
};

} // namespace nsviz
