// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/transport/kauthtransport.h"

#include "app/transport/polkitcheck.h"
#include "core/protocol/protocol.h"

#include <KAuth/Action>
#include <KAuth/ActionReply>
#include <KAuth/ExecuteJob>

#include <QCoreApplication>
#include <QDBusConnection>
#include <QDataStream>
#include <QRandomGenerator>
#include <QSocketNotifier>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <utility>

namespace nsviz
{

namespace
{

// KAuth's D-Bus helper protocol (DBusHelperProxy::SignalType).
enum RemoteSignal { ActionStarted = 0, ActionPerformed = 1, ProgressStepData = 4 };
// A foreign signal received this long after our call was sent was emitted after the helper had
// our call queued: the helper dispatches it during that other action and refuses it (KAuth never
// queues), so we are not going to be served.
constexpr qint64 kBusyGraceMs = 1000;
// Longest wait for the helper to wind down a request we stopped before sending the next one.
constexpr int kDrainTimeoutMs = 10000;
// After another request ended: how long to wait for ours to start before sending it again, and
// how often to try before reporting busy.
constexpr int kRetryCheckMs = 1000;
constexpr int kMaxRetries = 3;

QString fromStd(const std::string &s)
{
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

} // namespace

KAuthTransport::KAuthTransport(QObject *parent) : KAuthTransport(Options{}, parent) {}

KAuthTransport::KAuthTransport(const Options &options, QObject *parent)
    : Transport(parent), m_options(options)
{
    m_watchdog.setSingleShot(true);
    connect(&m_watchdog, &QTimer::timeout, this, &KAuthTransport::onWatchdog);
    m_drainTimer.setSingleShot(true);
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &KAuthTransport::retryOrBusy);
    connect(&m_drainTimer, &QTimer::timeout, this, [this] {
        m_draining.clear();
        startNext();
    });
}

KAuthTransport::~KAuthTransport()
{
    abandonJob();
}

QString KAuthTransport::description() const
{
    return QStringLiteral("KAuth (%1)").arg(m_options.helperId);
}

quint64 KAuthTransport::newRequestId()
{
    // Random, so that another client's frames (KAuth broadcasts them) never carry our id.
    return QRandomGenerator::system()->bounded(quint64(1), quint64(kauth::kMaxRequestId));
}

std::string KAuthTransport::newChannelToken()
{
    // 128 bits for the private channel, sent only in the method call to the helper.
    quint32 words[4];
    QRandomGenerator::system()->fillRange(words);
    std::string s;
    for (quint32 w : words)
        s += QByteArray::number(w, 16).rightJustified(8, '0').toStdString();
    return s;
}

bool KAuthTransport::openChannel(const QString &path)
{
    // Only a socket in the helper's directory, named as the helper names them.
    const QString dir = QString::fromLatin1(kauth::kChannelDir) + QLatin1Char('/');
    const QString name = path.mid(dir.size());
    const bool nameOk = path.startsWith(dir) && name.endsWith(QLatin1String(".sock")) &&
                        !name.contains(QLatin1Char('/')) && name.size() <= 64;
    const QByteArray native = path.toUtf8();
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (!nameOk || native.size() >= qsizetype(sizeof addr.sun_path)) {
        failActive(Error::ProtocolMismatch,
                   tr("The KAuth helper announced an unexpected channel: %1").arg(path));
        return false;
    }
    std::memcpy(addr.sun_path, native.constData(), size_t(native.size()) + 1);
    closeChannel();
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr *>(&addr), sizeof addr) != 0) {
        const QString why = QString::fromLocal8Bit(std::strerror(errno));
        if (fd >= 0)
            ::close(fd);
        failActive(Error::HelperDied, tr("Cannot open the KAuth helper's private channel: %1").arg(why));
        return false;
    }
    // The listener must be root's: anything else is not the helper.
    ucred cred{};
    socklen_t len = sizeof cred;
    const std::string line = m_active->channelToken + '\n';
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != 0 ||
        ::send(fd, line.data(), line.size(), MSG_NOSIGNAL) != ssize_t(line.size())) {
        ::close(fd);
        failActive(Error::HelperDied, tr("The KAuth helper's private channel is not the helper's."));
        return false;
    }
    // Non-blocking from here: reads happen on the notifier and when the reply arrives.
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    m_channelFd = fd;
    m_channelEof = false;
    m_channelBuf.clear();
    m_channelNotifier = new QSocketNotifier(fd, QSocketNotifier::Read, this);
    connect(m_channelNotifier, &QSocketNotifier::activated, this, &KAuthTransport::readChannel);
    return true;
}

void KAuthTransport::readChannel()
{
    if (m_channelFd < 0 || m_channelEof)
        return;
    const int fd = m_channelFd;
    // The deltas of one read are one burst (Transport::deltasBegin()); handleFrame() opens it.
    struct EndBurst {
        KAuthTransport *t;
        ~EndBurst()
        {
            if (std::exchange(t->m_deltaBurst, false))
                Q_EMIT t->deltasEnd();
        }
    } endBurst{this};
    char buf[64 * 1024];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) {
            m_channelEof = true;
            if (m_channelNotifier)
                m_channelNotifier->setEnabled(false);
            return;
        }
        m_channelBuf.append(buf, n);
        qsizetype start = 0;
        for (qsizetype nl; (nl = m_channelBuf.indexOf('\n', start)) >= 0; start = nl + 1) {
            const QByteArray frame = m_channelBuf.mid(start, nl - start);
            if (!m_active)
                return;
            ++m_ownFrames;
            armWatchdog();
            Q_EMIT frameReceived(m_active->id, m_expectedSeq++, frame);
            handleFrame(frame);
            if (m_channelFd != fd)
                return; // the request ended (failed) while handling the frame
        }
        m_channelBuf.remove(0, start);
    }
}

void KAuthTransport::closeChannel()
{
    if (m_channelNotifier) {
        m_channelNotifier->setEnabled(false);
        m_channelNotifier->deleteLater();
        m_channelNotifier = nullptr;
    }
    if (m_channelFd >= 0)
        ::close(m_channelFd); // the helper sees the end: it stops the request
    m_channelFd = -1;
    m_channelEof = false;
    m_channelBuf.clear();
}

void KAuthTransport::start()
{
    // KAuth has no connection to open: the helper is started per action by D-Bus activation.
    // Asking polkit here whether the action exists would be a blocking D-Bus call on the GUI
    // thread; a missing helper is reported by the first request instead (HelperMissing).
    m_started = true;
    QTimer::singleShot(0, this, [this] {
        if (m_started)
            Q_EMIT connected();
    });
}

void KAuthTransport::stop()
{
    m_subscriptionIntervalMs.reset();
    m_queue.clear();
    abandonJob();
    m_watchdog.stop();
    m_active.reset();
    m_session.reset();
    if (m_started) {
        m_started = false;
        Q_EMIT disconnected();
    }
}

void KAuthTransport::requestScan()
{
    kauth::KAuthRequest r;
    r.verb = kauth::Verb::Scan;
    enqueue(r);
}

void KAuthTransport::subscribe(int intervalMs)
{
    m_subscriptionIntervalMs = std::clamp(intervalMs, kauth::kMinIntervalMs, kauth::kMaxIntervalMs);
    if (m_active && m_active->verb == kauth::Verb::Scan && m_active->subscribe && running()) {
        abandonJob(); // restart with the new interval
        m_watchdog.stop();
        m_active.reset();
        m_session.reset();
    }
    kauth::KAuthRequest r;
    r.verb = kauth::Verb::Scan;
    r.subscribe = true;
    r.intervalMs = *m_subscriptionIntervalMs;
    enqueue(r);
}

void KAuthTransport::unsubscribe()
{
    m_subscriptionIntervalMs.reset();
    std::erase_if(m_queue, [](const kauth::KAuthRequest &r) { return r.subscribe; });
    if (m_active && m_active->subscribe && running()) {
        const quint64 id = m_active->id;
        abandonJob();
        m_watchdog.stop();
        m_active.reset();
        m_session.reset();
        Q_EMIT requestFinished(id, QString::fromLatin1(kauth::status::Cancelled));
        startNext();
    }
}

quint64 KAuthTransport::request(const QByteArray &requestJson)
{
    const auto j = nlohmann::json::parse(requestJson.constBegin(), requestJson.constEnd(), nullptr, false);
    // The contract decides which requests have an action and checks them as the helper will.
    auto mapped = kauth::kauthRequestFromProtocol(j);
    if (const auto *refusal = std::get_if<kauth::KAuthRefusal>(&mapped))
        return replyLocally(refusal->code, refusal->message);
    kauth::KAuthRequest r = std::get<kauth::KAuthRequest>(mapped);
    // This process owns the demos it starts: the helper checks that it is the caller's, and the
    // demo ends when it exits.
    if (r.verb == kauth::Verb::DemoStart)
        r.ownerPid = static_cast<int>(QCoreApplication::applicationPid());
    return enqueue(r);
}

quint64 KAuthTransport::replyLocally(const std::string &code, const std::string &message)
{
    // An error frame as the helper would send it, delivered from the event loop like a real reply.
    const quint64 id = newRequestId();
    const QByteArray text =
        QByteArray::fromStdString(protocol::dumpFrame(protocol::errorFrame(id, code, message)));
    QTimer::singleShot(0, this, [this, id, text] { Q_EMIT replyReceived(id, text); });
    return id;
}

quint64 KAuthTransport::enqueue(kauth::KAuthRequest req)
{
    req.id = newRequestId();
    req.chunkBytes = m_options.chunkBytes;
    req.maxDurationMs =
        std::clamp(m_options.subscriptionRenewMs, kauth::kMinDurationMs, kauth::kMaxDurationMs);
    // A one-shot request pre-empts a running subscription, which resumes after the queue drains.
    if (!req.subscribe && m_active && m_active->subscribe && running()) {
        abandonJob();
        m_watchdog.stop();
        m_active.reset();
        m_session.reset();
    }
    m_queue.push_back(req);
    QTimer::singleShot(0, this, &KAuthTransport::startNext);
    return req.id;
}

void KAuthTransport::abandonJob()
{
    closeChannel();
    if (m_authorizing) {
        // A verdict still to come is stale from now on; an open password dialog is closed.
        m_authorizing = false;
        ++m_authSerial;
        cancelPolkitCheck(m_authCancelId);
        m_authCancelId.clear();
    }
    if (!m_job)
        return;
    KAuth::ExecuteJob *job = m_job;
    m_job = nullptr;
    disconnect(job, nullptr, this, nullptr);
    if (m_active && (m_ownFrames > 0 || m_ownHeartbeat)) {
        // The helper is serving us: closing the channel (above) stops its request; the next one
        // waits for that request's end. No ExecuteJob::kill(): KAuth's stop flag is global to
        // the helper (it would reach whichever request runs next), so the helper ignores it.
        m_draining.insert(m_active->id);
        m_drainTimer.start(kDrainTimeoutMs);
    }
    job->deleteLater();
}

void KAuthTransport::startNext()
{
    if (m_active || !m_draining.isEmpty())
        return;
    if (!m_listening) {
        // KAuth's helper broadcasts these; listening lets us see other clients' activity (busy)
        // and the end of a request we stopped. Only the owner of the helper's name can send them.
        m_listening = QDBusConnection::systemBus().connect(
            m_options.helperId, QStringLiteral("/"), QStringLiteral("org.kde.kf6auth"),
            QStringLiteral("remoteSignal"), this, SLOT(onRemoteSignal(int, QString, QByteArray)));
    }
    if (m_queue.empty()) {
        if (!m_subscriptionIntervalMs)
            return;
        kauth::KAuthRequest r;
        r.verb = kauth::Verb::Scan;
        r.subscribe = true;
        r.intervalMs = *m_subscriptionIntervalMs;
        r.id = newRequestId();
        r.chunkBytes = m_options.chunkBytes;
        r.maxDurationMs =
            std::clamp(m_options.subscriptionRenewMs, kauth::kMinDurationMs, kauth::kMaxDurationMs);
        m_queue.push_back(r);
    }
    m_active = m_queue.front();
    m_queue.pop_front();
    m_retries = 0;
    launch();
}

bool KAuthTransport::running() const
{
    return m_job || m_authorizing;
}

void KAuthTransport::launch()
{
    m_authChallenged = false;
    m_ownFrames = 0;
    m_foreignFrames = 0;
    m_failedActive = false;
    m_sawOwnStart = false;
    m_sinceCall.invalidate(); // no call sent yet: other clients' activity cannot mean "refused"
    if (!m_options.askPolkitFirst) {
        launchAction();
        return;
    }
    // Not interactive first: a yes or no needs no dialog, and the answer says whether a dialog
    // would be kept (then we show it ourselves, below, and learn how it ended).
    m_authorizing = true;
    const quint64 serial = ++m_authSerial;
    m_watchdog.start(m_options.firstFrameTimeoutMs);
    checkPolkitAuthorization(kauth::actionName(m_active->verb), false, QString(),
                             m_options.firstFrameTimeoutMs, this,
                             [this, serial](const PolkitVerdict &v) { onPolkitVerdict(serial, false, v); });
}

void KAuthTransport::onPolkitVerdict(quint64 serial, bool interactive, const PolkitVerdict &verdict)
{
    if (serial != m_authSerial || !m_authorizing || !m_active)
        return; // the request was stopped or failed meanwhile
    m_authorizing = false;
    m_authCancelId.clear();
    const QString action = kauth::actionName(m_active->verb);
    using K = PolkitVerdict::Kind;
    switch (verdict.kind) {
    case K::Error:
        // polkitd unreachable, or it does not know the action (helper not installed): KAuth's
        // own answer says which, as it did before this check.
        launchAction();
        return;
    case K::Authorized:
        launchAction();
        return;
    case K::NotAuthorized:
        failActive(Error::Denied,
                   interactive ? tr("Not authorized: authentication for %1 failed.").arg(action)
                               : tr("Not authorized: polkit does not allow %1 for this user.").arg(action));
        return;
    case K::Dismissed:
        failActive(Error::Cancelled, tr("Authentication was cancelled."));
        return;
    case K::Challenge:
        if (interactive) {
            // Interaction was allowed and still only "authentication required": nobody asked.
            failActive(Error::NoAuthAgent,
                       tr("No polkit authentication agent is running to ask for the password %1 needs.")
                           .arg(action));
            return;
        }
        if (verdict.retains) {
            // A kept authorisation: ask here (the agent shows its dialog once); the helper's
            // check right after finds it kept and asks nothing.
            m_authorizing = true;
            m_authCancelId = QString::number(newRequestId());
            const quint64 next = ++m_authSerial;
            m_watchdog.start(m_options.firstFrameTimeoutMs);
            checkPolkitAuthorization(
                action, true, m_authCancelId, m_options.firstFrameTimeoutMs, this,
                [this, next](const PolkitVerdict &v) { onPolkitVerdict(next, true, v); });
            return;
        }
        // Asked every time (auth_admin): asking here too would show the dialog twice. KAuth's
        // helper asks; its refusal then means the authentication did not happen.
        m_authChallenged = true;
        launchAction();
        return;
    }
}

void KAuthTransport::launchAction()
{
    m_expectedSeq = 0;
    m_ownFrames = 0;
    m_foreignFrames = 0;
    m_failedActive = false;
    m_sawOwnStart = false;
    m_ownHeartbeat = false;
    m_session.reset();
    m_retryTimer.stop();
    closeChannel();
    m_active->channelToken = newChannelToken();

    KAuth::Action action(kauth::actionName(m_active->verb));
    action.setHelperId(m_options.helperId);
    action.setArguments(kauth::toKAuthArgs(*m_active));
    // The D-Bus call returns only when the action ends: allow the whole subscription plus margin.
    const int callMs = m_active->subscribe ? m_active->maxDurationMs + 60000 : 15 * 60000;
    action.setTimeout(callMs);
    KAuth::ExecuteJob *job = action.execute();
    m_job = job;
    connect(job, &KAuth::ExecuteJob::newData, this, &KAuthTransport::onData);
    connect(job, &KJob::result, this, &KAuthTransport::onResult);
    m_watchdog.start(m_options.firstFrameTimeoutMs);
    m_sinceCall.start();
    job->start();
}

void KAuthTransport::noteForeign()
{
    ++m_foreignFrames;
    ++m_foreignFramesTotal;
    if (m_active && m_ownFrames == 0 && !m_sawOwnStart && m_sinceCall.isValid() &&
        m_sinceCall.elapsed() > kBusyGraceMs)
        failActive(Error::Busy, tr("The nsviz helper is busy serving another client; try again."));
}

void KAuthTransport::noteForeignEnd()
{
    // Another request just ended. If ours reached the helper while that one ran, it was refused
    // (and KAuth will never tell us); if not, it is about to start. Wait briefly for its start,
    // else send it again: the helper is free now.
    if (m_active && !m_authorizing && m_ownFrames == 0 && !m_sawOwnStart)
        m_retryTimer.start(kRetryCheckMs);
}

void KAuthTransport::retryOrBusy()
{
    if (!m_active || m_authorizing || m_ownFrames > 0 || m_sawOwnStart)
        return;
    if (m_retries >= kMaxRetries) {
        failActive(Error::Busy, tr("The nsviz helper is busy serving other clients; try again."));
        return;
    }
    ++m_retries;
    abandonJob(); // never served: dropped without a stop request
    // A fresh id, so that the old call, should the helper serve it after all, is never mistaken
    // for this one. (request() callers match replies by the id they got; keep theirs.)
    if (m_active->verb == kauth::Verb::Scan)
        m_active->id = newRequestId();
    launchAction(); // polkit said yes (or asks in the helper) already
}

void KAuthTransport::onRemoteSignal(int type, const QString &action, const QByteArray &blob)
{
    Q_UNUSED(action)
    if (type == ProgressStepData) {
        QVariantMap data;
        QDataStream in(blob);
        in >> data;
        if (in.status() != QDataStream::Ok)
            return;
        const quint64 id = kauth::requestIdOf(data);
        if (m_draining.contains(id) || (m_active && id == m_active->id))
            return; // ours: the tail of a stopped request, or delivered through the job
        if (m_active)
            noteForeign();
    } else if (type == ActionPerformed) {
        const quint64 id = kauth::requestIdOf(KAuth::ActionReply::deserialize(blob).data());
        if (m_draining.remove(id)) {
            if (m_draining.isEmpty()) {
                m_drainTimer.stop();
                QTimer::singleShot(0, this, &KAuthTransport::startNext);
            }
            return;
        }
        if (m_active && id != m_active->id)
            noteForeignEnd();
    } else if (type == ActionStarted) {
        if (m_active && action == kauth::actionName(m_active->verb) && m_sinceCall.isValid())
            m_sawOwnStart = true;
    }
}

void KAuthTransport::armWatchdog()
{
    int ms = m_options.idleTimeoutMs;
    if (m_active && m_active->subscribe)
        ms = std::max(ms, 3 * m_active->intervalMs + 5000);
    m_watchdog.start(ms);
}

void KAuthTransport::onData(const QVariantMap &data)
{
    if (!m_active || sender() != m_job)
        return;
    const kauth::KAuthProgress progress = kauth::parseProgressData(data);
    const quint64 id = progress.id;
    if (id != m_active->id) {
        // Another client's stream (KAuth broadcasts it): never ours to read. Counted by
        // onRemoteSignal(), which sees every action's frames, not only this action's.
        if (!m_listening)
            noteForeign();
        return;
    }
    if (progress.heartbeat) {
        // Our request is being served; nothing changed on the host.
        m_sawOwnStart = true;
        m_ownHeartbeat = true;
        armWatchdog();
        return;
    }
    if (!progress.channel.isEmpty()) {
        // The helper serves us and waits for us on its private channel.
        if (m_channelFd >= 0) {
            failActive(Error::ProtocolMismatch, tr("The KAuth helper announced a second channel."));
            return;
        }
        m_sawOwnStart = true;
        m_ownHeartbeat = true;
        if (openChannel(progress.channel))
            armWatchdog();
    }
}

void KAuthTransport::handleFrame(const QByteArray &frame)
{
    // The same frames as `nsviz-helper serve` writes: the protocol's client session reassembles
    // snapshot/delta parts and fragments and checks the delta sequence.
    std::string line = frame.toStdString();
    line += '\n';
    const auto events = m_session.feed(line);
    for (const auto &ev : events) {
        if (!m_active)
            return; // a failure below ended the request
        const quint64 id = m_active->id;
        if (const auto *s = std::get_if<protocol::event::SnapshotDone>(&ev)) {
            Q_EMIT snapshotReceived(s->snapshot);
        } else if (const auto *p = std::get_if<protocol::event::Progress>(&ev)) {
            Q_EMIT snapshotProgress(int(p->received), int(p->total));
        } else if (const auto *d = std::get_if<protocol::event::Delta>(&ev)) {
            if (!std::exchange(m_deltaBurst, true))
                Q_EMIT deltasBegin();
            Q_EMIT deltaReceived(d->delta);
        } else if (const auto *r = std::get_if<protocol::event::Reply>(&ev)) {
            Q_EMIT replyReceived(id, QByteArray::fromStdString(r->text));
        } else if (const auto *e = std::get_if<protocol::event::Error>(&ev)) {
            if (m_active->verb == kauth::Verb::Scan) {
                failActive(Error::Other, tr("The helper failed: %1").arg(fromStd(e->message)));
            } else {
                // inspect/demo: the caller matches the error frame by id
                Q_EMIT replyReceived(id, QByteArray::fromStdString(protocol::dumpFrame(
                                             protocol::errorFrame(id, e->code, e->message))));
            }
        } else if (const auto *v = std::get_if<protocol::event::Violation>(&ev)) {
            failActive(v->kind == protocol::event::Violation::Kind::Mismatch ? Error::ProtocolMismatch
                                                                             : Error::Other,
                       tr("The KAuth helper broke the protocol: %1").arg(fromStd(v->message)));
        }
        // Hello and Bye need nothing here.
    }
}

void KAuthTransport::onResult(KJob *kjob)
{
    auto *job = qobject_cast<KAuth::ExecuteJob *>(kjob);
    if (!job || job != m_job || !m_active)
        return;
    m_job = nullptr;
    m_watchdog.stop();
    if (m_failedActive)
        return;
    // The helper closed the channel before it replied, so all its frames are here: take them first.
    readChannel();
    if (!m_active || m_failedActive)
        return;
    const bool streamCut = m_channelFd >= 0 && !m_channelEof;
    closeChannel();
    const int err = job->error();
    const QString text = job->errorText();
    if (err == 0) {
        const QVariantMap data = job->data();
        const quint64 id = kauth::requestIdOf(data);
        if (id != m_active->id) {
            // KAuth handed us the result of another client's action of the same name: our call
            // was refused while the helper served that one (or is about to start).
            if (m_ownFrames == 0) {
                m_sawOwnStart = false;
                retryOrBusy();
            } else {
                failActive(Error::Other, tr("KAuth reported another request's result for ours."));
            }
            return;
        }
        const QString status = kauth::statusOf(data);
        if (streamCut || m_session.midMessage()) {
            failActive(Error::HelperDied, tr("The helper ended in the middle of a message."));
            return;
        }
        if (m_active->verb != kauth::Verb::Scan && m_ownFrames == 0) {
            // A one-shot request answered without its reply frame: tell request()'s caller, who
            // waits for a reply with this id, rather than leave it waiting.
            Q_EMIT replyReceived(id, QByteArray::fromStdString(protocol::dumpFrame(protocol::errorFrame(
                                         id, protocol::err::Failed,
                                         "the KAuth helper ended the request (" + status.toStdString() +
                                             ") without an answer"))));
        }
        finishActive(status);
        return;
    }
    using R = KAuth::ActionReply;
    switch (err) {
    case R::AuthorizationDeniedError:
        if (m_authChallenged) {
            // polkit wanted a password for this (not kept) action and KAuth's check in the helper
            // did not get one: the dialog was dismissed, the password wrong, or no agent asked.
            failActive(Error::Cancelled, tr("Authentication for %1 was cancelled or did not succeed.")
                                             .arg(kauth::actionName(m_active->verb)));
            return;
        }
        failActive(Error::Denied,
                   tr("Not authorized: polkit refused %1.").arg(kauth::actionName(m_active->verb)));
        return;
    case R::UserCancelledError:
        failActive(Error::Cancelled, tr("Authentication was cancelled."));
        return;
    case R::HelperBusyError:
    case kauth::error::Busy:
        failActive(Error::Busy, tr("The nsviz helper is busy serving another client; try again."));
        return;
    case R::InvalidActionError:
    case R::NoResponderError:
        failActive(Error::HelperMissing,
                   tr("The nsviz KAuth helper is not installed correctly: %1").arg(text));
        return;
    case R::NoSuchActionError:
        failActive(Error::ProtocolMismatch,
                   tr("The installed nsviz KAuth helper does not know this action (older version?)."));
        return;
    case R::DBusError:
        if (text.contains(QLatin1String("service start")) || text.contains(QLatin1String("ServiceUnknown")) ||
            text.contains(QLatin1String("not provided by any .service")))
            failActive(Error::HelperMissing, tr("The nsviz KAuth helper could not be started: %1").arg(text));
        else if (m_foreignFrames > 0 && m_ownFrames == 0)
            failActive(Error::Busy, tr("The nsviz helper is busy serving another client; try again."));
        else
            failActive(Error::HelperDied, tr("Lost the nsviz KAuth helper: %1").arg(text));
        return;
    case kauth::error::BadArguments:
        failActive(Error::Other, tr("The helper refused the request: %1").arg(text));
        return;
    case kauth::error::Unsupported:
    case kauth::error::Failed:
        // inspect/demo: the error frame (not_found, unsupported, ...) went out as a reply already.
        if (m_active->verb != kauth::Verb::Scan && m_ownFrames > 0) {
            finishActive(QString::fromLatin1(kauth::status::Failed));
            return;
        }
        failActive(Error::Other, tr("The KAuth helper failed: %1").arg(text));
        return;
    default:
        if (m_foreignFrames > 0 && m_ownFrames == 0) {
            failActive(Error::Busy, tr("The nsviz helper is busy serving another client; try again."));
            return;
        }
        failActive(Error::Other, tr("The KAuth helper failed: %1").arg(text));
        return;
    }
}

void KAuthTransport::onWatchdog()
{
    if (!m_active)
        return;
    if (m_authorizing) {
        failActive(Error::Timeout, tr("No answer from polkit for %1 s (a password dialog left open?).")
                                       .arg(m_watchdog.interval() / 1000));
        return;
    }
    if (m_ownFrames == 0 && m_foreignFrames > 0)
        failActive(Error::Busy, tr("The nsviz helper is busy serving another client; try again."));
    else
        failActive(Error::Timeout,
                   tr("No answer from the nsviz KAuth helper for %1 s.").arg(m_watchdog.interval() / 1000));
}

void KAuthTransport::finishActive(const QString &status)
{
    const kauth::KAuthRequest done = *m_active;
    m_active.reset();
    m_session.reset();
    m_retryTimer.stop();
    // A subscription that reached its time limit is renewed by startNext(); one we were not asked
    // to keep is not.
    if (done.subscribe && status != QLatin1String(kauth::status::Expired))
        m_subscriptionIntervalMs.reset();
    Q_EMIT requestFinished(done.id, status);
    QTimer::singleShot(0, this, &KAuthTransport::startNext);
}

void KAuthTransport::failActive(Transport::Error error, const QString &message)
{
    if (!m_active)
        return;
    const quint64 id = m_active->id;
    const bool wasSubscription = m_active->subscribe;
    // request()'s caller waits for a reply with this id: give it one (once: a reply frame that
    // came already was its answer), so a refused inspect or demo request does not wait forever.
    const bool owesReply = m_active->verb != kauth::Verb::Scan && m_ownFrames == 0;
    m_failedActive = true;
    abandonJob();
    m_watchdog.stop();
    m_retryTimer.stop();
    m_active.reset();
    m_session.reset();
    if (wasSubscription)
        m_subscriptionIntervalMs.reset(); // the caller decides whether to reconnect
    if (owesReply) {
        const bool refused =
            error == Error::Denied || error == Error::Cancelled || error == Error::NoAuthAgent;
        Q_EMIT replyReceived(id, QByteArray::fromStdString(protocol::dumpFrame(protocol::errorFrame(
                                     id, refused ? protocol::err::NotAuthorised : protocol::err::Failed,
                                     message.toStdString()))));
    }
    Q_EMIT requestFinished(id, QStringLiteral("error"));
    Q_EMIT failed(error, message);
    QTimer::singleShot(0, this, &KAuthTransport::startNext);
}

} // namespace nsviz
