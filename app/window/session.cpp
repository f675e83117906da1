// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/window/session.h"

#include "app/transport/helperclient.h"
#include "app/transport/localtransport.h"
#ifdef NSVIZ_HAVE_KAUTH
#include "app/transport/kauthtransport.h"
#endif
#include "app/models/redactor.h"
#include "app/models/snapshotstore.h"
#include "app/transport/processtransport.h"
#include "core/protocol/snapshotjson.h"

#include <QFile>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QSaveFile>
#include <QtConcurrent/QtConcurrentRun>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace nsviz
{

namespace
{
constexpr qint64 kMaxSnapshotFile = 512ll * 1024 * 1024; // 50k processes take ~60 MiB

Transport *defaultTransport(bool escalated, QObject *parent)
{
    const bool root = geteuid() == 0;
    const bool haveHelper = QFileInfo(ProcessTransport::defaultHelperPath()).isExecutable();
#ifdef NSVIZ_HAVE_KAUTH
    // KAuth first where its helper is installed: the system bus starts it as root once polkit agrees.
    // A refusal falls back like pkexec's (Session::onFailed).
    if (escalated && !root &&
        QFileInfo::exists(QStringLiteral("/usr/share/dbus-1/system-services/org.nsviz.helper.service")))
        return new KAuthTransport(parent);
#endif
    ProcessTransport::Options o;
    if (escalated && !root && haveHelper) {
        o.mode = ProcessTransport::Mode::Pkexec; // polkit asks; a refusal falls back (Session::onFailed)
        return new ProcessTransport(o, parent);
    }
    if (root && haveHelper) {
        // Root already: the helper as a child, so demo containers and inspect run outside the GUI.
        o.mode = ProcessTransport::Mode::Direct;
        return new ProcessTransport(o, parent);
    }
    // No helper installed, or unprivileged by choice: scan in-process with our own rights.
    return new LocalTransport(QStringLiteral("/proc"), {}, parent);
}
} // namespace

Session::Session(SnapshotStore *store, QObject *parent)
    : QObject(parent), m_store(store), m_factory(defaultTransport), m_client(new HelperClient(nullptr, this))
{
    connect(m_client, &HelperClient::snapshotProgress, this, &Session::progress);
    connect(m_client, &HelperClient::snapshotReceived, this, &Session::onSnapshot);
    connect(m_client, &HelperClient::deltaReceived, this, &Session::onDelta);
    connect(m_client, &HelperClient::failed, this, &Session::onFailed);
    connect(m_client, &HelperClient::connected, this, [this]() {
        // A subscription starts with a full snapshot; paused, one scan is enough.
        if (!m_paused)
            m_client->subscribe(m_intervalMs);
        else
            m_client->scan();
        Q_EMIT stateChanged();
    });
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
    // A root scan may still miss a few processes (a hardened PID 1 refuses even root): that is
    // privileged all the same, since authenticating again would not show more.
    if (m_transport && m_transport->privileged())
        return true;
    return m_store->snapshot().host.privileged;
}

int Session::invisibleProcesses() const
{
    return m_store->snapshot().host.invisibleProcesses;
}

void Session::disconnectLive()
{
    if (m_transport) {
        m_client->setTransport(nullptr);
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
    m_client->setTransport(m_transport);
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
        // The delta does not fit what we show (missed frame): a full snapshot, which onSnapshot()
        // turns into a delta against what we show, so the picture does not jump.
        m_client->scan();
    }
    Q_EMIT stateChanged();
}

void Session::onFailed(Transport::Error e, const QString &message)
{
    m_waiting = false;
    if (m_escalated && m_store->isEmpty()) {
        // Authentication refused, cancelled or impossible (no agent, no helper): show what we can
        // see without privileges rather than nothing; the banner offers to try again.
        QString why;
        switch (e) {
        case Transport::Error::Cancelled:
            why = QStringLiteral("Authentication was cancelled");
            break;
        case Transport::Error::Denied:
            why = QStringLiteral("Authentication was refused");
            break;
        case Transport::Error::HelperMissing:
            why = QStringLiteral("nsviz-helper is not installed");
            break;
        default:
            why = QStringLiteral("The privileged helper failed");
            break;
        }
        Q_EMIT liveFailed(why + QStringLiteral(": ") + message +
                          QStringLiteral("\nShowing what is visible without privileges."));
        QMetaObject::invokeMethod(
            this, [this]() { connectLive(false); }, Qt::QueuedConnection);
        return;
    }
    Q_EMIT liveFailed(message);
    Q_EMIT stateChanged();
}

void Session::refresh()
{
    if (m_source == Source::Live)
        m_client->scan();
    else if (m_source == Source::File)
        openFile(m_filePath);
}

void Session::setPaused(bool paused)
{
    if (paused == m_paused)
        return;
    m_paused = paused;
    // Unsubscribing (not just ignoring deltas) keeps the transport's base equal to what we show.
    if (paused)
        m_client->unsubscribe();
    else
        m_client->subscribe(m_intervalMs);
    Q_EMIT stateChanged();
}

void Session::setIntervalMs(int ms)
{
    m_intervalMs = std::clamp(ms, 250, 60000);
    if (!m_paused)
        m_client->subscribe(m_intervalMs);
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
        m_lastUpdate = snap->host.scannedAtMs
                           ? QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(snap->host.scannedAtMs))
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
    if (!f.open(QIODevice::WriteOnly) ||
        f.write(text.data(), static_cast<qint64>(text.size())) != static_cast<qint64>(text.size()) ||
        !f.commit()) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(path, f.errorString());
        return false;
    }
    return true;
}

} // namespace nsviz
