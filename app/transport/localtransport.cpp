// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/transport/localtransport.h"

#include "core/discovery/discovery.h"
#include "core/inspect/inspect.h"
#include "core/model/delta.h"
#include "core/protocol/protocol.h"
#include "core/protocol/requestparser.h"

#include <QFileInfo>
#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>

#include <nlohmann/json.hpp>
#include <optional>
#include <unistd.h>

namespace nsviz
{

using namespace protocol;

namespace
{
/// What a scan on the worker thread hands back.
struct ScanResult {
    std::optional<Snapshot> snapshot;
    std::optional<SnapshotDelta> delta; ///< for subscriptions: the change against the previous state
    std::string error;
};

template <typename T, typename Fn, typename Done> void runAsync(QObject *context, Fn fn, Done done)
{
    auto *watcher = new QFutureWatcher<T>(context);
    QObject::connect(watcher, &QFutureWatcher<T>::finished, context, [watcher, done] {
        done(watcher->result());
        watcher->deleteLater();
    });
    watcher->setFuture(QtConcurrent::run(std::move(fn)));
}
} // namespace

LocalTransport::LocalTransport(QString procRoot, ScanFunction scan, QObject *parent)
    : Transport(parent), m_procRoot(std::move(procRoot)), m_scan(std::move(scan))
{
    if (!m_scan) {
        const std::string root = m_procRoot.toStdString();
        m_scan = [root] {
            DiscoveryOptions o;
            o.procRoot = root;
            return discover(o);
        };
    }
    connect(&m_timer, &QTimer::timeout, this, &LocalTransport::tick);
}

LocalTransport::~LocalTransport() = default;

QString LocalTransport::description() const
{
    return tr("in-process");
}

bool LocalTransport::privileged() const
{
    return ::geteuid() == 0;
}

void LocalTransport::start()
{
    if (m_started)
        return;
    if (!QFileInfo(m_procRoot).isDir()) {
        QTimer::singleShot(0, this, [this] {
            Q_EMIT failed(Error::Other, tr("Cannot read %1: no such directory.").arg(m_procRoot));
        });
        return;
    }
    m_started = true;
    QTimer::singleShot(0, this, [this] {
        if (m_started)
            Q_EMIT connected();
    });
}

void LocalTransport::stop()
{
    if (!m_started)
        return;
    m_started = false;
    m_timer.stop();
    ++m_generation;
    m_last.reset();
    QTimer::singleShot(0, this, [this] { Q_EMIT disconnected(); });
}

void LocalTransport::requestScan()
{
    if (!m_started)
        return;
    const quint64 gen = m_generation;
    runAsync<ScanResult>(
        this,
        [scan = m_scan] {
            ScanResult r;
            try {
                r.snapshot = scan();
            } catch (const std::exception &e) {
                r.error = e.what();
            }
            return r;
        },
        [this, gen](const ScanResult &r) {
            if (gen != m_generation)
                return;
            if (r.snapshot)
                Q_EMIT snapshotReceived(*r.snapshot);
            else
                Q_EMIT failed(Error::Other, tr("Scan failed: %1").arg(QString::fromStdString(r.error)));
        });
}

void LocalTransport::subscribe(int intervalMs)
{
    if (!m_started)
        return;
    ++m_generation; // a new subscription starts again with a snapshot
    m_last.reset();
    m_seq = 0;
    m_scanRunning = false;
    m_timer.start(std::clamp(intervalMs, kMinIntervalMs, kMaxIntervalMs));
    tick();
}

void LocalTransport::unsubscribe()
{
    m_timer.stop();
    ++m_generation;
    m_last.reset();
    m_scanRunning = false;
}

void LocalTransport::tick()
{
    if (m_scanRunning)
        return; // the previous scan is still running: skip, do not queue
    m_scanRunning = true;
    const quint64 gen = m_generation;
    runAsync<ScanResult>(
        this,
        [scan = m_scan, last = m_last] {
            ScanResult r;
            try {
                Snapshot s = scan();
                // Diff on the worker too: both snapshots can be large.
                if (last && !sameContent(*last, s))
                    r.delta = computeDelta(*last, s);
                r.snapshot = std::move(s);
            } catch (const std::exception &e) {
                r.error = e.what();
            }
            return r;
        },
        [this, gen](ScanResult r) {
            if (gen != m_generation)
                return;
            m_scanRunning = false;
            if (!r.snapshot) {
                Q_EMIT failed(Error::Other, tr("Scan failed: %1").arg(QString::fromStdString(r.error)));
                return;
            }
            if (!m_last) {
                m_last = std::make_shared<const Snapshot>(std::move(*r.snapshot));
                Q_EMIT snapshotReceived(*m_last);
            } else if (r.delta) {
                r.delta->seq = ++m_seq;
                m_last = std::make_shared<const Snapshot>(std::move(*r.snapshot));
                Q_EMIT deltaReceived(*r.delta);
            }
        });
}

void LocalTransport::replyLater(quint64 id, QByteArray frame)
{
    QTimer::singleShot(0, this, [this, id, frame] { Q_EMIT replyReceived(id, frame); });
}

quint64 LocalTransport::request(const QByteArray &requestJson)
{
    const quint64 id = m_nextId++;
    auto j = nlohmann::json::parse(requestJson.constBegin(), requestJson.constEnd(), nullptr, false);
    std::string type =
        j.is_object() && j.contains("type") && j["type"].is_string() ? j["type"].get<std::string>() : "";
    if (!m_started) {
        replyLater(id, QByteArray::fromStdString(dumpFrame(errorFrame(id, err::Failed, "not started"))));
        return id;
    }
    // Validate exactly as the helper would, so both transports refuse the same requests.
    if (j.is_object()) {
        j["v"] = kVersion;
        j["id"] = id;
    }
    auto parsed = parseRequestFromJson(j);
    if (auto *e = std::get_if<ParseError>(&parsed)) {
        replyLater(id, QByteArray::fromStdString(dumpFrame(errorFrame(id, e->code, e->message))));
        return id;
    }
    const Request r = std::get<Request>(parsed);
    auto result = [&](const nlohmann::json &res) {
        auto f = frame("result", id);
        f["request"] = type;
        f["result"] = res;
        return QByteArray::fromStdString(dumpFrame(f));
    };
    switch (r.type) {
    case RequestType::Ping:
        replyLater(id, result(nlohmann::json::object()));
        break;
    case RequestType::Inspect:
        runAsync<QByteArray>(
            this,
            [root = m_procRoot.toStdString(), pid = r.pid, startTime = r.startTime, id, type] {
                try {
                    auto f = frame("result", id);
                    f["request"] = type;
                    f["result"] = inspectProcessJson(root, pid, startTime);
                    // As the helper answers: the process named by (pid, start time) is gone.
                    if (std::string gone = inspectRefusal(f["result"], startTime); !gone.empty())
                        return QByteArray::fromStdString(dumpFrame(errorFrame(id, err::NotFound, gone)));
                    return QByteArray::fromStdString(dumpFrame(f));
                } catch (const std::exception &e) {
                    return QByteArray::fromStdString(dumpFrame(errorFrame(id, err::Failed, e.what())));
                }
            },
            [this, id](const QByteArray &frame) { Q_EMIT replyReceived(id, frame); });
        break;
    default:
        replyLater(id, QByteArray::fromStdString(dumpFrame(
                           errorFrame(id, err::Unsupported, type + " is not available without the helper"))));
        break;
    }
    return id;
}

} // namespace nsviz
