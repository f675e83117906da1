// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Discovery in the GUI process itself, on worker threads: when the GUI already runs as root, or as
// the unprivileged fallback (then some processes are "not visible").

#include "app/transport/transport.h"

#include <QTimer>

#include <functional>
#include <memory>

namespace nsviz
{

/// Same signals as ProcessTransport; scans run on the global thread pool and never block the GUI
/// thread. Subscriptions poll every interval; a scan still running skips a tick instead of piling up.
class LocalTransport : public Transport
{
    Q_OBJECT
public:
    using ScanFunction = std::function<Snapshot()>;

    /// @p procRoot is scanned with discover(); tests may pass their own @p scan.
    explicit LocalTransport(QString procRoot = QStringLiteral("/proc"), ScanFunction scan = {},
                            QObject *parent = nullptr);
    ~LocalTransport() override;

    QString description() const override;
    bool privileged() const override;
    void start() override;
    void stop() override;
    void requestScan() override;
    void subscribe(int intervalMs) override;
    void unsubscribe() override;
    quint64 request(const QByteArray &requestJson) override;

private:
    void tick();
    void replyLater(quint64 id, QByteArray frame);

    QString m_procRoot;
    ScanFunction m_scan;
    bool m_started = false;
    quint64 m_nextId = 1;
    /// Bumped by stop()/unsubscribe(): results of scans started before are dropped.
    quint64 m_generation = 0;
    QTimer m_timer;
    bool m_scanRunning = false;
    std::shared_ptr<const Snapshot> m_last; ///< what the subscriber holds; read by the worker
    std::uint64_t m_seq = 0;
};

} // namespace nsviz
