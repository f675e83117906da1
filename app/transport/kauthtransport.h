// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Reaches the helper through KDE KAuth (polkit + D-Bus activation of nsviz_kauth_helper as root).
//
// The frames come over the helper's private channel (a Unix socket only this user can open, unlocked
// by a one-time token sent in the action's arguments; helper/kauth/privatechannel.h), never over
// the bus: KAuth carries only the channel's path, heartbeats and the outcome.
//
// KAuth runs one action of a helper at a time and, in 6.13, broadcasts every action's progress and
// result to every client that runs an action of the same name, and never reports its own "busy"
// answer to the client (the job just waits). So: each request carries a random id that comes back
// in every frame and in the reply; frames of other ids are dropped; a result carrying another id
// means our call was refused as busy; a watchdog ends a job that hears nothing. Requests are queued
// and run one by one; a live subscription is paused for a queued request and resumed after it.

#include "app/transport/transport.h"

#include "core/protocol/clientsession.h"
#include "helper/kauth/contract/kauthrequest.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <deque>
#include <optional>

class KJob;
class QSocketNotifier;
namespace KAuth
{
class ExecuteJob;
}

namespace nsviz
{

struct PolkitVerdict;

class KAuthTransport : public Transport
{
    Q_OBJECT
public:
    struct Options {
        QString helperId = QString::fromLatin1(kauth::kHelperId);
        /// Until the first frame: covers polkit's password dialog.
        int firstFrameTimeoutMs = 120000;
        /// Between frames (a subscription also allows three intervals).
        int idleTimeoutMs = 30000;
        /// Size of snapshot/delta chunks asked of the helper.
        int chunkBytes = kauth::kDefaultChunkBytes;
        /// A subscription ends after this and is renewed transparently (a vanished client cannot
        /// keep the root helper busy forever).
        int subscriptionRenewMs = kauth::kDefaultDurationMs;
        /// Ask polkit first (polkitcheck.h), so that a dismissed dialog (Cancelled), an action
        /// polkit refuses (Denied) and no agent to ask (NoAuthAgent) are told apart: KAuth's own
        /// check reports all three as "denied".
        bool askPolkitFirst = true;
    };

    explicit KAuthTransport(QObject *parent = nullptr);
    explicit KAuthTransport(const Options &options, QObject *parent = nullptr);
    ~KAuthTransport() override;

    QString description() const override;
    bool privileged() const override { return true; }

    void start() override;
    void stop() override;
    void requestScan() override;
    void subscribe(int intervalMs) override;
    void unsubscribe() override;
    /// Accepts {"type":"inspect","pid":N}, {"type":"demo_start","args":{spec}} (owned by this
    /// process), {"type":"demo_stop","args":{"pid":N}} or {..."args":{"all":true}}, and
    /// {"type":"demo_list"}.
    quint64 request(const QByteArray &requestJson) override;

    /// The id of the request being served, 0 when idle.
    quint64 currentRequestId() const { return m_active ? m_active->id : 0; }
    /// Frames of other clients' requests seen (and dropped) so far.
    quint64 foreignFrames() const { return m_foreignFramesTotal; }

private Q_SLOTS:
    /// Every signal the helper broadcasts (KAuth's own D-Bus interface, org.kde.kf6auth).
    void onRemoteSignal(int type, const QString &action, const QByteArray &blob);

Q_SIGNALS:
    /// Every frame of our own requests, in order, as the helper sent it (for logs and tests).
    void frameReceived(quint64 id, quint64 seq, const QByteArray &frame);
    /// A request ended; @p status is the helper's ("done", "cancelled", "expired", "failed") or
    /// "error" when the transport failed it.
    void requestFinished(quint64 id, const QString &status);

private:
    quint64 enqueue(kauth::KAuthRequest req);
    void startNext();
    void onData(const QVariantMap &data);
    void onResult(KJob *job);
    void onWatchdog();
    /// Connects to the private channel at @p path (announced by the helper) and sends the token.
    bool openChannel(const QString &path);
    /// Reads what the channel has (never blocks); frames go to handleFrame(). Sets m_channelEof.
    void readChannel();
    void closeChannel();
    static std::string newChannelToken();
    void handleFrame(const QByteArray &frame);
    void finishActive(const QString &status);
    void failActive(Transport::Error error, const QString &message);
    void armWatchdog();
    void abandonJob();
    /// Asks polkit (askPolkitFirst), then launchAction().
    void launch();
    void onPolkitVerdict(quint64 serial, bool interactive, const PolkitVerdict &verdict);
    /// Sends the KAuth action of the active request.
    void launchAction();
    /// The active request is being authorised or executed.
    bool running() const;
    void noteForeign();
    void noteForeignEnd();
    void retryOrBusy();
    static quint64 newRequestId();
    /// Answers a request the helper would refuse with an error frame, without the bus; returns its id.
    quint64 replyLocally(const std::string &code, const std::string &message);

    Options m_options;
    std::deque<kauth::KAuthRequest> m_queue;
    std::optional<kauth::KAuthRequest> m_active;
    QPointer<KAuth::ExecuteJob> m_job;
    QTimer m_watchdog;
    quint64 m_expectedSeq = 0; ///< the next frame's number in frameReceived()
    int m_channelFd = -1;
    QSocketNotifier *m_channelNotifier = nullptr;
    QByteArray m_channelBuf; ///< an incomplete line read from the channel
    bool m_channelEof = false;
    /// Inside readChannel(): deltasBegin() was emitted for this read, deltasEnd() is due.
    bool m_deltaBurst = false;
    quint64 m_ownFrames = 0;
    quint64 m_foreignFrames = 0; ///< for the active request
    quint64 m_foreignFramesTotal = 0;
    protocol::ClientSession m_session; ///< reassembles parts and fragments of the active request
    /// The live subscription to keep (interval), resumed after queued requests; unset when none.
    std::optional<int> m_subscriptionIntervalMs;
    bool m_started = false;
    bool m_failedActive = false;
    bool m_listening = false;
    QElapsedTimer m_sinceCall; ///< since the active request was sent
    /// Ids of our own requests we stopped and the helper has not finished yet; the next request
    /// waits for them (or m_drainTimer), else the helper would refuse it as busy.
    QSet<quint64> m_draining;
    QTimer m_drainTimer;
    QTimer m_retryTimer;
    int m_retries = 0;
    bool m_sawOwnStart = false;  ///< the helper announced an action of our name after our call
    bool m_ownHeartbeat = false; ///< the helper sent a heartbeat with our id: it serves us
    bool m_authorizing = false;  ///< waiting for polkit's verdict on the active request
    quint64 m_authSerial = 0;    ///< tells a stale verdict (of an abandoned request) from the current one
    QString m_authCancelId;      ///< the interactive check in progress, for CancelCheckAuthorization
    /// polkit said "authentication required, not kept": KAuth's helper asks for it, and its
    /// refusal then means the authentication did not happen (cancelled, failed or no agent).
    bool m_authChallenged = false;
};

} // namespace nsviz
