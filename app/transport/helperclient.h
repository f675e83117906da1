// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// The GUI's one typed client of the helper. Widgets and controllers call scan(), inspect(pid),
// demoStart(spec), ... and get typed answers as signals; only this class (and the transports under
// it) knows what a request or reply frame looks like. Never blocks: every call returns at once
// with a request id, and the answer (or requestFailed) comes later from the event loop.

#include "app/transport/demoinfo.h"
#include "app/transport/transport.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>

#include <nlohmann/json.hpp>

namespace nsviz
{

struct DemoSpec;

class HelperClient : public QObject
{
    Q_OBJECT
public:
    /// The one-shot requests, for telling requestFailed() apart.
    enum class Call { Inspect, DemoStart, DemoStop, DemoList };
    Q_ENUM(Call)

    explicit HelperClient(Transport *transport = nullptr, QObject *parent = nullptr);
    ~HelperClient() override;

    /// Talks through @p transport from now on (not owned; nullptr: none). Requests still waiting
    /// for the previous transport's answer fail, so nobody waits for a reply that cannot come.
    void setTransport(Transport *transport);
    Transport *transport() const { return m_transport; }
    bool isConnected() const { return m_transport != nullptr; }

    // The live stream: the answers come as snapshotReceived() / deltaReceived().
    void scan();
    void subscribe(int intervalMs);
    void unsubscribe();

    /// The "nsviz.inspect/1" document of @p pid: inspected() or requestFailed(). The request names
    /// the process by (pid, start time): @p startTime, or when 0 the start time of @p pid in the
    /// last snapshot and deltas this client forwarded. A pid reused since then is refused by the
    /// helper (requestFailed() with "not_found") instead of inspected.
    quint64 inspect(int pid, quint64 startTime = 0);
    /// The start time of @p pid in the snapshot and deltas seen so far; 0 when unknown.
    quint64 knownStartTime(int pid) const { return m_startTimes.value(pid, 0); }
    /// Starts a demo container: demoStarted() or requestFailed().
    quint64 demoStart(const DemoSpec &spec);
    /// Stops the demo whose init is @p pid: demosStopped() or requestFailed().
    quint64 demoStop(int pid);
    /// Stops every demo of this helper.
    quint64 demoStopAll();
    /// The running demos: demosListed() or requestFailed().
    quint64 demoList();

Q_SIGNALS:
    // Forwarded from the current transport.
    void connected();
    void snapshotProgress(int chunksReceived, int chunksTotal);
    void snapshotReceived(const nsviz::Snapshot &snapshot);
    void deltaReceived(const nsviz::SnapshotDelta &delta);
    void deltasBegin(); ///< Transport::deltasBegin()
    void deltasEnd();
    void failed(nsviz::Transport::Error error, const QString &message);
    void disconnected();

    void inspected(quint64 id, int pid, const nlohmann::json &document);
    void demoStarted(quint64 id, const nsviz::DemoInfo &demo);
    /// The init pids of the demos that were stopped (none when they had ended already).
    void demosStopped(quint64 id, const QList<int> &pids);
    void demosListed(quint64 id, const QList<nsviz::DemoInfo> &demos);
    /// The helper refused or failed request @p id: @p code is the protocol's error code
    /// ("not_found", "unsupported", ...; "bad_reply" for an answer this client cannot read),
    /// @p message is for people.
    void requestFailed(quint64 id, nsviz::HelperClient::Call call, const QString &code,
                       const QString &message);

private:
    struct Pending {
        Call call;
        int pid = 0; ///< inspect: the pid asked about
    };
    quint64 send(Call call, const nlohmann::json &request, int pid = 0);
    void failLater(quint64 id, Pending pending, const QString &code, const QString &message);
    void onReply(quint64 id, const QByteArray &frame);
    void learnStartTimes(const nsviz::Snapshot &snapshot);
    void learnStartTimes(const nsviz::SnapshotDelta &delta);

    QPointer<Transport> m_transport;
    QHash<quint64, Pending> m_pending;
    /// pid -> start time, from the stream: what inspect() names a process by.
    QHash<int, quint64> m_startTimes;
    /// Ids for requests that never reached a transport: far above any transport's (<= 2^53).
    quint64 m_nextLocalId = quint64(1) << 60;
};

} // namespace nsviz
