// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/window/democontroller.h"

#include "app/transport/helperclient.h"
#include "core/demo/demospec.h"

#include <algorithm>

namespace nsviz
{

DemoController::DemoController(HelperClient *client, QObject *parent) : QObject(parent), m_client(client)
{
    connect(client, &HelperClient::demoStarted, this, &DemoController::onStarted);
    connect(client, &HelperClient::demosStopped, this, &DemoController::onStopped);
    connect(client, &HelperClient::demosListed, this, &DemoController::onListed);
    // A new connection (a reconnect, an escalation) may have outlived our demos or not: ask the
    // helper rather than trust a list from before (quitting must not offer to stop a demo that is gone).
    connect(client, &HelperClient::connected, this, [this] {
        if (!m_demos.isEmpty())
            refresh();
    });
    connect(client, &HelperClient::requestFailed, this,
            [this](quint64 id, HelperClient::Call, const QString &, const QString &message) {
                if (m_pending.remove(id))
                    Q_EMIT requestFailed(message);
            });
}

quint64 DemoController::start(const DemoSpec &spec)
{
    const quint64 id = m_client->demoStart(spec);
    m_pending.insert(id);
    return id;
}

quint64 DemoController::stop(int pid)
{
    const quint64 id = m_client->demoStop(pid);
    m_pending.insert(id);
    return id;
}

quint64 DemoController::stopAll()
{
    const quint64 id = m_client->demoStopAll();
    m_pending.insert(id);
    return id;
}

quint64 DemoController::refresh()
{
    const quint64 id = m_client->demoList();
    m_pending.insert(id);
    return id;
}

const DemoInfo *DemoController::demoForNamespace(NsType t, quint64 inode) const
{
    for (const auto &d : m_demos)
        if (!d.sharesHost(t) && d.ns[index(t)] == inode && inode != 0)
            return &d;
    return nullptr;
}

QList<int> DemoController::startedPids() const
{
    QList<int> pids;
    for (int pid : m_started)
        if (m_demos.contains(pid))
            pids.append(pid);
    std::sort(pids.begin(), pids.end());
    return pids;
}

void DemoController::noteSnapshot(const Snapshot &snapshot)
{
    QList<int> gone, appeared;
    for (const auto &d : std::as_const(m_demos)) {
        const Process *p = snapshot.findProcess(d.pid);
        if (p && d.startTime != 0 && p->startTime != d.startTime)
            gone.append(d.pid); // the pid is someone else's now
        else if (!p && m_seen.contains(d.pid))
            gone.append(d.pid);
        else if (p && !m_seen.contains(d.pid)) {
            // Not yet seen is not gone: the snapshot may have been taken before the demo started.
            m_seen.insert(d.pid);
            if (m_started.contains(d.pid))
                appeared.append(d.pid);
        }
    }
    removeDemos(gone);
    for (int pid : std::as_const(appeared))
        Q_EMIT demoAppeared(pid);
}

void DemoController::removeDemos(const QList<int> &pids)
{
    bool changed = false;
    for (int pid : pids) {
        m_started.remove(pid);
        m_seen.remove(pid);
        if (m_demos.remove(pid) > 0) {
            Q_EMIT demoEnded(pid);
            changed = true;
        }
    }
    if (changed)
        Q_EMIT demosChanged();
}

void DemoController::setDemos(const QList<DemoInfo> &list)
{
    QHash<int, DemoInfo> next;
    for (const auto &d : list)
        next.insert(d.pid, d);
    QList<int> gone;
    for (auto it = m_demos.cbegin(); it != m_demos.cend(); ++it)
        if (!next.contains(it.key()))
            gone.append(it.key());
    removeDemos(gone);
    m_demos = next;
    Q_EMIT demosChanged();
}

void DemoController::onStarted(quint64 id, const DemoInfo &demo)
{
    if (!m_pending.remove(id))
        return;
    m_demos.insert(demo.pid, demo);
    m_started.insert(demo.pid);
    m_seen.remove(demo.pid);
    Q_EMIT demoStarted(demo);
    Q_EMIT demosChanged();
}

void DemoController::onStopped(quint64 id, const QList<int> &pids)
{
    if (m_pending.remove(id))
        removeDemos(pids);
}

void DemoController::onListed(quint64 id, const QList<DemoInfo> &demos)
{
    if (m_pending.remove(id))
        setDemos(demos);
}

} // namespace nsviz
