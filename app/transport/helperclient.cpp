// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/transport/helperclient.h"

#include "core/demo/demospec.h"
#include "core/protocol/protocol.h"

#include <QTimer>

#include <utility>

namespace nsviz
{

namespace
{
using nlohmann::json;
using protocol::RequestType;

/// A request for Transport::request(): the protocol frame without "v" and "id", which the
/// transport adds (it numbers its requests).
json request(RequestType type, json fields = json::object())
{
    fields["type"] = std::string(protocol::requestTypeName(type));
    return fields;
}

QString qs(const std::string &s)
{
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}
} // namespace

HelperClient::HelperClient(Transport *transport, QObject *parent) : QObject(parent)
{
    setTransport(transport);
}

HelperClient::~HelperClient() = default;

void HelperClient::setTransport(Transport *transport)
{
    if (transport == m_transport)
        return;
    if (m_transport)
        disconnect(m_transport, nullptr, this, nullptr);
    // Their answers would come from the old transport, which is gone or no longer listened to.
    const auto pending = std::exchange(m_pending, {});
    for (auto it = pending.cbegin(); it != pending.cend(); ++it)
        failLater(it.key(), it.value(), QString::fromLatin1(protocol::err::Failed),
                  tr("The connection to the helper was closed before it answered."));
    m_transport = transport;
    if (!transport)
        return;
    connect(transport, &Transport::connected, this, &HelperClient::connected);
    connect(transport, &Transport::snapshotProgress, this, &HelperClient::snapshotProgress);
    // Learn before forwarding: a slot reacting to a new process may inspect it at once.
    connect(transport, &Transport::snapshotReceived, this, [this](const Snapshot &snapshot) {
        learnStartTimes(snapshot);
        Q_EMIT snapshotReceived(snapshot);
    });
    connect(transport, &Transport::deltaReceived, this, [this](const SnapshotDelta &delta) {
        learnStartTimes(delta);
        Q_EMIT deltaReceived(delta);
    });
    connect(transport, &Transport::deltasBegin, this, &HelperClient::deltasBegin);
    connect(transport, &Transport::deltasEnd, this, &HelperClient::deltasEnd);
    connect(transport, &Transport::failed, this, &HelperClient::failed);
    connect(transport, &Transport::disconnected, this, &HelperClient::disconnected);
    connect(transport, &Transport::replyReceived, this, &HelperClient::onReply);
}

void HelperClient::scan()
{
    if (m_transport)
        m_transport->requestScan();
}

void HelperClient::subscribe(int intervalMs)
{
    if (m_transport)
        m_transport->subscribe(intervalMs);
}

void HelperClient::unsubscribe()
{
    if (m_transport)
        m_transport->unsubscribe();
}

quint64 HelperClient::inspect(int pid, quint64 startTime)
{
    json fields = {{"pid", pid}};
    if (startTime == 0)
        startTime = knownStartTime(pid);
    if (startTime != 0)
        fields["start_time"] = startTime;
    return send(Call::Inspect, request(RequestType::Inspect, std::move(fields)), pid);
}

void HelperClient::learnStartTimes(const Snapshot &snapshot)
{
    m_startTimes.clear();
    for (const Process &p : snapshot.processes)
        m_startTimes.insert(p.pid, p.startTime);
}

void HelperClient::learnStartTimes(const SnapshotDelta &delta)
{
    for (const ProcKey &k : delta.removedProcesses)
        if (m_startTimes.value(k.pid, 0) == k.startTime)
            m_startTimes.remove(k.pid);
    for (const Process &p : delta.addedProcesses)
        m_startTimes.insert(p.pid, p.startTime);
}

quint64 HelperClient::demoStart(const DemoSpec &spec)
{
    return send(Call::DemoStart, request(RequestType::DemoStart, {{"args", demoSpecToJson(spec)}}));
}

quint64 HelperClient::demoStop(int pid)
{
    return send(Call::DemoStop, request(RequestType::DemoStop, {{"args", {{"pid", pid}}}}), pid);
}

quint64 HelperClient::demoStopAll()
{
    return send(Call::DemoStop, request(RequestType::DemoStop, {{"args", {{"all", true}}}}));
}

quint64 HelperClient::demoList()
{
    return send(Call::DemoList, request(RequestType::DemoList));
}

quint64 HelperClient::send(Call call, const json &req, int pid)
{
    const Pending pending{call, pid};
    if (!m_transport) {
        const quint64 id = m_nextLocalId++;
        failLater(id, pending, QString::fromLatin1(protocol::err::Failed),
                  tr("Not connected to the helper."));
        return id;
    }
    const quint64 id = m_transport->request(QByteArray::fromStdString(protocol::dumpFrame(req)));
    m_pending.insert(id, pending);
    return id;
}

void HelperClient::failLater(quint64 id, Pending pending, const QString &code, const QString &message)
{
    // Like every answer, from the event loop: the caller has the id before it hears of it.
    QTimer::singleShot(0, this, [this, id, pending, code, message] {
        Q_EMIT requestFailed(id, pending.call, code, message);
    });
}

void HelperClient::onReply(quint64 id, const QByteArray &frameJson)
{
    const auto it = m_pending.constFind(id);
    if (it == m_pending.cend())
        return; // the transport's own request, or one from before a reconnect
    const Pending pending = it.value();
    m_pending.erase(it);

    const json f = json::parse(frameJson.constBegin(), frameJson.constEnd(), nullptr, false);
    const auto badReply = [&](const QString &why) {
        Q_EMIT requestFailed(id, pending.call, QStringLiteral("bad_reply"),
                             tr("Malformed reply from the helper: %1").arg(why));
    };
    if (!f.is_object() || !f.contains("type") || !f["type"].is_string())
        return badReply(tr("not a frame"));
    if (f["type"] == "error") {
        const std::string code = f.value("code", json()).is_string() ? f["code"].get<std::string>() : "";
        const std::string message =
            f.value("message", json()).is_string() ? f["message"].get<std::string>() : "";
        Q_EMIT requestFailed(id, pending.call, qs(code.empty() ? protocol::err::Failed : code),
                             message.empty() ? tr("The helper refused the request.") : qs(message));
        return;
    }
    if (f["type"] != "result" || !f.contains("result") || !f["result"].is_object())
        return badReply(tr("no result"));
    const json &result = f["result"];

    switch (pending.call) {
    case Call::Inspect:
        Q_EMIT inspected(id, pending.pid, result);
        return;
    case Call::DemoStart:
        if (auto d = DemoInfo::fromJson(result))
            Q_EMIT demoStarted(id, *d);
        else
            badReply(tr("not a demo description"));
        return;
    case Call::DemoStop: {
        QList<int> pids;
        if (const auto s = result.find("stopped"); s != result.end() && s->is_array())
            for (const auto &v : *s)
                if (v.is_number_integer() && v.get<std::int64_t>() > 0 &&
                    v.get<std::int64_t>() <= protocol::kMaxPid)
                    pids.append(v.get<int>());
        Q_EMIT demosStopped(id, pids);
        return;
    }
    case Call::DemoList: {
        QList<DemoInfo> demos;
        if (const auto l = result.find("demos"); l != result.end() && l->is_array())
            for (const auto &v : *l)
                if (auto d = DemoInfo::fromJson(v))
                    demos.append(*d);
        Q_EMIT demosListed(id, demos);
        return;
    }
    }
}

} // namespace nsviz
