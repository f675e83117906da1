// SPDX-License-Identifier: GPL-2.0-or-later
#include "concurrentscantransport.h"

#include "discovery.h"

#include <QtConcurrent/QtConcurrentRun>
#include <system_error>
#include <unistd.h>

namespace nsviz {

struct ConcurrentScanTransport::Result {
    Snapshot snapshot;
    std::optional<SnapshotDelta> delta;
    QString error;
};

ConcurrentScanTransport::ConcurrentScanTransport(QString procRoot, QObject *parent)
    : Transport(parent), m_procRoot(std::move(procRoot))
{
    m_timer.setSingleShot(false);
    connect(&m_timer, &QTimer::timeout, this, &ConcurrentScanTransport::requestScan);
    connect(&m_watcher, &QFutureWatcher<std::shared_ptr<Result>>::finished, this, &ConcurrentScanTransport::onScanFinished);
}

ConcurrentScanTransport::~ConcurrentScanTransport()
{
    m_timer.stop();
    m_watcher.waitForFinished(); // the task holds no pointer to us, but finish before the watcher dies
}

QString ConcurrentScanTransport::description() const
{
    return QStringLiteral("in-process");
}

bool ConcurrentScanTransport::privileged() const
{
    return geteuid() == 0;
}

void ConcurrentScanTransport::start()
{
    m_running = true;
    Q_EMIT connected();
}

void ConcurrentScanTransport::stop()
{
    const bool was = m_running;
    m_running = false;
    m_timer.stop();
    if (was)
        Q_EMIT disconnected();
}

void ConcurrentScanTransport::resync()
{
    m_last.reset();
}

void ConcurrentScanTransport::requestScan()
{
    if (!m_running)
        return;
    if (m_busy) {
        m_again = true; // coalesce: one scan after the running one, not a queue
        return;
    }
    m_busy = true;
    Q_EMIT snapshotProgress(0, 1);
    std::shared_ptr<const Snapshot> base = m_last;
    DiscoveryOptions opts;
    opts.procRoot = m_procRoot.toStdString();
    m_watcher.setFuture(QtConcurrent::run([opts, base]() {
        auto r = std::make_shared<Result>();
        try {
            r->snapshot = discover(opts);
            if (base)
                r->delta = computeDelta(*base, r->snapshot);
        } catch (const std::exception &e) {
            r->error = QString::fromStdString(e.what());
        }
        return r;
    }));
}

void ConcurrentScanTransport::onScanFinished()
{
    m_busy = false;
    const std::shared_ptr<Result> r = m_watcher.result();
    if (!m_running)
        return;
    if (!r->error.isEmpty()) {
        Q_EMIT failed(Error::Other, QStringLiteral("scan failed: ") + r->error);
    } else if (!r->delta) {
        m_seq = 0;
        m_last = std::make_shared<const Snapshot>(r->snapshot);
        Q_EMIT snapshotProgress(1, 1);
        Q_EMIT snapshotReceived(r->snapshot);
    } else {
        m_last = std::make_shared<const Snapshot>(std::move(r->snapshot));
        r->delta->seq = ++m_seq;
        Q_EMIT snapshotProgress(1, 1);
        // An empty delta still carries the new scan time: the status bar shows "updated".
        Q_EMIT deltaReceived(*r->delta);
    }
    if (m_again) {
        m_again = false;
        requestScan();
    }
}

void ConcurrentScanTransport::subscribe(int intervalMs)
{
    m_timer.start(std::max(250, intervalMs));
}

void ConcurrentScanTransport::unsubscribe()
{
    m_timer.stop();
}

quint64 ConcurrentScanTransport::request(const QByteArray &)
{
    const quint64 id = m_nextRequest++;
    QMetaObject::invokeMethod(
        this,
        [this, id]() {
            Q_EMIT replyReceived(id, QByteArrayLiteral("{\"type\":\"error\",\"code\":\"unsupported\","
                                                       "\"message\":\"the in-process scanner cannot inspect or start demos; "
                                                       "connect through nsviz-helper\"}"));
        },
        Qt::QueuedConnection);
    return id;
}

} // namespace nsviz
