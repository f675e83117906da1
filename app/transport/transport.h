// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// One interface over every way of reaching the helper: in-process, a spawned nsviz-helper serve
// (directly, pkexec or sudo), KAuth. Never blocks the GUI thread.

#include "core/model/delta.h"
#include "core/model/model.h"

#include <QByteArray>
#include <QObject>
#include <QString>

namespace nsviz
{

class Transport : public QObject
{
    Q_OBJECT
public:
    enum class Error {
        Denied,           ///< polkit / sudo said no (not authorized, or refused without asking)
        Cancelled,        ///< the user dismissed the authentication dialog
        HelperMissing,    ///< nsviz-helper / KAuth helper not installed
        NoAuthAgent,      ///< pkexec found no polkit authentication agent to ask the user
        AuthToolMissing,  ///< the escalation program (pkexec, sudo) is not installed
        HelperDied,       ///< the helper exited or crashed mid-stream
        ProtocolMismatch, ///< the helper speaks another protocol version
        Busy,             ///< the helper serves another client
        Timeout,          ///< no frame within the watchdog time
        Unreachable,      ///< ssh: the host cannot be reached (refused, no route, unknown name, timeout)
        HostKeyUnknown,   ///< ssh: the host's key is not in known_hosts (and BatchMode cannot ask)
        HostKeyChanged,   ///< ssh: the host's key differs from known_hosts (possible impostor)
        AuthRefused,      ///< ssh: the host refused every key / method offered
        Other,
    };
    Q_ENUM(Error)

    using QObject::QObject;
    ~Transport() override = default;

    /// "in-process", "nsviz-helper (pkexec)", "KAuth", ...
    virtual QString description() const = 0;
    /// True when the other side reads /proc as root.
    virtual bool privileged() const = 0;

    virtual void start() = 0; ///< connect; emits connected() or failed()
    virtual void stop() = 0;  ///< disconnect; stops live updates; emits disconnected()
    virtual void requestScan() = 0;
    virtual void subscribe(int intervalMs) = 0;
    virtual void unsubscribe() = 0;
    /// Generic request (inspect, demo_start, ...): @p requestJson is a protocol frame without "v"/"id".
    /// Returns the request id; the answer comes as replyReceived(id, ...).
    virtual quint64 request(const QByteArray &requestJson) = 0;

Q_SIGNALS:
    void connected();
    /// A snapshot is arriving in parts. For the protocol transports the counts are elements
    /// (processes + namespaces) received so far and announced in total, so the ratio is a fair progress.
    void snapshotProgress(int chunksReceived, int chunksTotal);
    void snapshotReceived(const nsviz::Snapshot &snapshot);
    void deltaReceived(const nsviz::SnapshotDelta &delta);
    /// Around deltas handed over in one go because they arrived together (the GUI was busy while
    /// the helper went on): every deltaReceived() between the two is one of them. A receiver may
    /// put off what costs the whole picture until deltasEnd(), which always follows deltasBegin().
    void deltasBegin();
    void deltasEnd();
    /// A reply frame (JSON text) to a request(): inspect, demo_*, error.
    void replyReceived(quint64 id, const QByteArray &frameJson);
    void failed(nsviz::Transport::Error error, const QString &message);
    void disconnected();
};

} // namespace nsviz
