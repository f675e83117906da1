// SPDX-License-Identifier: GPL-2.0-or-later
#include "session.h"

#include "concurrentscantransport.h"
#include "redactor.h"
#include "snapshotjson.h"
#include "snapshotstore.h"

#include <QFile>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QSaveFile>
#include <QtConcurrent/QtConcurrentRun>
#include <nlohmann/json.hpp>

namespace nsviz {

namespace {
constexpr qint64 kMaxSnapshotFile = 512ll * 1024 * 1024; // 50k processes take ~60 MiB

Transport *defaultTransport(bool escalated, QObject *parent)
{
    // TODO(lead): with app/transport/ (ProcessTransport/LocalTransport) merged, return
    // LocalTransport when root, ProcessTransport("pkexec") when escalated. Until then the
    // in-process scanner is the only transport this build has.
    Q_UNUSED(escalated);
    return new ConcurrentScanTransport(QStringLiteral("/proc"), parent);
}
} // namespace

Session::Session(SnapshotStore *store, QObject *parent)
    : QObject(parent), m_store(store), m_factory(defaultTransport)
{
}

Session::~Session()
{
    if (m_transport)
        m_transport->stop();
}

QString Session::sourceText() const
{
    switch (m_source) {
    case Source::None:
        return QStringLiteral("not connected");
    case Source::File:
        return QStringLiteral("file ") + QFileInfo(m_filePath).fileName();
    case Source::Live:
        return m_transport ? QStringLiteral("live, ") + m_transport->description() : QStringLiteral("live");
    }
    return {};
}

bool Session::privileged() const
{
    return m_store->snapshot().host.privileged;
}

int Session::invisibleProcesses() const
{
    return m_store->snapshot().host.invisibleProcesses;
}

void Session::disconnectLive()
{
    if (m_transport) {
        m_transport->stop();
        m_transport->deleteLater();
        m_transport = nullptr;
    }
    m_waiting = false;
}

void Session::connectLive(bool escalated)
{
    disconnectLive();
    m_escalated = escalated;
    m_source = Source::Live;
    m_filePath.clear();
    m_waiting = true;
    m_transport = m_factory(escalated, this);
    connect(m_transport, &Transport::snapshotProgress, this, &Session::progress);
    connect(m_transport, &Transport::snapshotReceived, this, &Session::onSnapshot);
    connect(m_transport, &Transport::deltaReceived, this, &Session::onDelta);
    connect(m_transport, &Transport::failed, this, &Session::onFailed);
    connect(m_transport, &Transport::connected, this, [this]() {
        m_transport->requestScan();
        if (!m_paused)
            m_transport->subscribe(m_intervalMs);
        Q_EMIT stateChanged();
    });
    Q_EMIT stateChanged();
    m_transport->start();
}

void Session::escalate()
{
    connectLive(true);
}

void Session::onSnapshot(const Snapshot &s)
{
    if (m_source != Source::Live)
        return;
    m_waiting = false;
    m_lastUpdate = QDateTime::currentDateTime();
    // A full snapshot of the same host after a resync: apply it as a delta so the picture stays put.
    const Snapshot &cur = m_store->snapshot();
    if (!m_store->isEmpty() && cur.host.bootId == s.host.bootId && cur.host.hostname == s.host.hostname) {
        if (m_store->applyDelta(computeDelta(cur, s))) {
            Q_EMIT stateChanged();
            return;
        }
    }
    m_store->setSnapshot(s);
    Q_EMIT stateChanged();
}

void Session::onDelta(const SnapshotDelta &d)
{
    if (m_source != Source::Live || m_paused)
        return;
    m_lastUpdate = QDateTime::currentDateTime();
    if (!m_store->applyDelta(d)) {
        // The delta does not fit what we show (missed frame): ask for a full snapshot.
        if (auto *t = qobject_cast<ConcurrentScanTransport *>(m_transport.data()))
            t->resync();
        if (m_transport)
            m_transport->requestScan();
    }
    Q_EMIT stateChanged();
}

void Session::onFailed(Transport::Error e, const QString &message)
{
    Q_UNUSED(e);
    m_waiting = false;
    Q_EMIT liveFailed(message);
    Q_EMIT stateChanged();
}

void Session::refresh()
{
    if (m_source == Source::Live && m_transport)
        m_transport->requestScan();
    else if (m_source == Source::File)
        openFile(m_filePath);
}

void Session::setPaused(bool paused)
{
    if (paused == m_paused)
        return;
    m_paused = paused;
    if (m_transport) {
        // Unsubscribing (not just ignoring deltas) keeps the transport's base equal to what we show.
        if (paused)
            m_transport->unsubscribe();
        else
            m_transport->subscribe(m_intervalMs);
    }
    Q_EMIT stateChanged();
}

void Session::setIntervalMs(int ms)
{
    m_intervalMs = std::clamp(ms, 250, 60000);
    if (m_transport && !m_paused)
        m_transport->subscribe(m_intervalMs);
    Q_EMIT stateChanged();
}

Snapshot Session::loadFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        throw std::runtime_error(QStringLiteral("cannot open: %1").arg(f.errorString()).toStdString());
    if (f.size() > kMaxSnapshotFile)
        throw std::runtime_error("file too large for a snapshot");
    return snapshotFromJsonText(f.readAll().toStdString());
}

void Session::openFile(const QString &path)
{
    // Parse in the thread pool; only a complete, valid snapshot replaces the current one.
    const quint64 generation = ++m_fileGeneration;
    auto *watcher = new QFutureWatcher<std::pair<std::shared_ptr<Snapshot>, QString>>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, path, generation]() {
        watcher->deleteLater();
        auto [snap, error] = watcher->result();
        if (generation != m_fileGeneration)
            return; // a later open superseded this one
        if (!snap) {
            Q_EMIT fileFailed(path, error);
            return;
        }
        disconnectLive();
        m_source = Source::File;
        m_filePath = path;
        // The capture time the snapshot carries; the file's time when it does not.
        m_lastUpdate = snap->host.scannedAtMs ? QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(snap->host.scannedAtMs))
                                              : QFileInfo(path).lastModified();
        m_store->setSnapshot(std::move(*snap));
        Q_EMIT fileOpened(path);
        Q_EMIT stateChanged();
    });
    watcher->setFuture(QtConcurrent::run([path]() -> std::pair<std::shared_ptr<Snapshot>, QString> {
        try {
            return {std::make_shared<Snapshot>(loadFile(path)), QString()};
        } catch (const std::exception &e) {
            return {nullptr, QString::fromStdString(e.what())};
        }
    }));
}

bool Session::saveFile(const QString &path, bool redact, QString *error)
{
    const Snapshot &s = m_store->snapshot();
    const std::string text = toJson(redact ? Redactor::redacted(s) : s).dump(1) + "\n";
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(text.data(), static_cast<qint64>(text.size())) != static_cast<qint64>(text.size()) ||
        !f.commit()) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(path, f.errorString());
        return false;
    }
    return true;
}

} // namespace nsviz
