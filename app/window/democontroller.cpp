// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/window/democontroller.h"

#include "app/transport/transport.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace nsviz
{

namespace
{
QString fromView(std::string_view s)
{
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

QByteArray frame(const char *type, const QJsonObject &args)
{
    QJsonObject f;
    f.insert(QStringLiteral("type"), QLatin1String(type));
    f.insert(QStringLiteral("args"), args);
    return QJsonDocument(f).toJson(QJsonDocument::Compact);
}
} // namespace

bool DemoInfo::sharesHost(NsType t) const
{
    return shared.contains(fromView(nsTypeName(t)));
}

std::optional<DemoInfo> DemoInfo::fromJson(const QJsonObject &o)
{
    if (o.value(QStringLiteral("schema")).toString() != QStringLiteral("nsviz.demo/1"))
        return std::nullopt;
    DemoInfo d;
    d.pid = o.value(QStringLiteral("pid")).toInt();
    if (d.pid <= 1)
        return std::nullopt;
    d.startTime = quint64(o.value(QStringLiteral("startTime")).toDouble());
    d.hostname = o.value(QStringLiteral("hostname")).toString();
    QJsonObject ns = o.value(QStringLiteral("ns")).toObject();
    for (NsType t : kAllNsTypes)
        d.ns[index(t)] = quint64(ns.value(fromView(nsTypeName(t))).toDouble());
    d.nsDev = quint64(o.value(QStringLiteral("nsDev")).toDouble());
    for (const auto &v : o.value(QStringLiteral("shared")).toArray())
        d.shared.append(v.toString());
    d.expiresAtMs = qint64(o.value(QStringLiteral("expiresAt")).toDouble());
    d.ownerPid = o.value(QStringLiteral("owner")).toInt();
    d.cgroup = o.value(QStringLiteral("cgroup")).toString();
    for (const auto &v : o.value(QStringLiteral("notes")).toArray())
        d.notes.append(v.toString());
    return d;
}

DemoController::DemoController(Transport *transport, QObject *parent)
    : QObject(parent), m_transport(transport)
{
    connect(m_transport, &Transport::replyReceived, this, &DemoController::onReply);
}

quint64 DemoController::start(const QByteArray &requestJson)
{
    quint64 id = m_transport->request(requestJson);
    m_pending.insert(id, Kind::Start);
    return id;
}

quint64 DemoController::stop(int pid)
{
    QJsonObject args;
    args.insert(QStringLiteral("pid"), pid);
    quint64 id = m_transport->request(frame("demo_stop", args));
    m_pending.insert(id, Kind::Stop);
    return id;
}

quint64 DemoController::stopAll()
{
    QJsonObject args;
    args.insert(QStringLiteral("all"), true);
    quint64 id = m_transport->request(frame("demo_stop", args));
    m_pending.insert(id, Kind::Stop);
    return id;
}

quint64 DemoController::refresh()
{
    quint64 id = m_transport->request(frame("demo_list", QJsonObject()));
    m_pending.insert(id, Kind::List);
    return id;
}

const DemoInfo *DemoController::demoForNamespace(NsType t, quint64 inode) const
{
    for (const auto &d : m_demos)
        if (!d.sharesHost(t) && d.ns[index(t)] == inode && inode != 0)
            return &d;
    return nullptr;
}

void DemoController::noteSnapshot(const Snapshot &snapshot)
{
    QList<int> gone;
    for (const auto &d : std::as_const(m_demos)) {
        const Process *p = snapshot.findProcess(d.pid);
        if (!p || (d.startTime != 0 && p->startTime != d.startTime))
            gone.append(d.pid);
    }
    for (int pid : gone) {
        m_demos.remove(pid);
        Q_EMIT demoEnded(pid);
    }
    if (!gone.isEmpty())
        Q_EMIT demosChanged();
}

void DemoController::setDemos(const QList<DemoInfo> &list)
{
    QHash<int, DemoInfo> next;
    for (const auto &d : list)
        next.insert(d.pid, d);
    for (auto it = m_demos.cbegin(); it != m_demos.cend(); ++it)
        if (!next.contains(it.key()))
            Q_EMIT demoEnded(it.key());
    m_demos = next;
    Q_EMIT demosChanged();
}

void DemoController::onReply(quint64 id, const QByteArray &frameJson)
{
    auto it = m_pending.find(id);
    if (it == m_pending.end())
        return; // another component's request
    Kind kind = it.value();
    m_pending.erase(it);
    QJsonObject f = QJsonDocument::fromJson(frameJson).object();
    if (f.value(QStringLiteral("type")).toString() == QStringLiteral("error")) {
        QString msg = f.value(QStringLiteral("message")).toString();
        Q_EMIT requestFailed(msg.isEmpty() ? tr("The helper refused the demo request.") : msg);
        return;
    }
    QJsonObject result = f.value(QStringLiteral("result")).toObject();
    switch (kind) {
    case Kind::Start: {
        auto d = DemoInfo::fromJson(result);
        if (!d) {
            Q_EMIT requestFailed(tr("The helper sent an unreadable demo description."));
            return;
        }
        m_demos.insert(d->pid, *d);
        Q_EMIT demoStarted(*d);
        Q_EMIT demosChanged();
        break;
    }
    case Kind::Stop: {
        bool changed = false;
        for (const auto &v : result.value(QStringLiteral("stopped")).toArray()) {
            int pid = v.toInt();
            if (m_demos.remove(pid) > 0) {
                Q_EMIT demoEnded(pid);
                changed = true;
            }
        }
        if (changed)
            Q_EMIT demosChanged();
        break;
    }
    case Kind::List: {
        QList<DemoInfo> list;
        for (const auto &v : result.value(QStringLiteral("demos")).toArray())
            if (auto d = DemoInfo::fromJson(v.toObject()))
                list.append(*d);
        setDemos(list);
        break;
    }
    }
}

} // namespace nsviz
