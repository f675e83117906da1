// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// The in-process scanner behind the Transport interface: discover() runs in the thread pool, never
// on the GUI thread, and live updates are deltas against the previous scan. It reads /proc with the
// GUI's own privileges; the spawned or KAuth helper (app/transport/) is what escalates.

#include "transport.h"

#include <QFutureWatcher>
#include <QTimer>
#include <memory>

namespace nsviz {

class ConcurrentScanTransport : public Transport {
    Q_OBJECT
public:
    /// @p procRoot: the proc tree to scan (tests point it at a fixture tree).
    explicit ConcurrentScanTransport(QString procRoot = QStringLiteral("/proc"), QObject *parent = nullptr);
    ~ConcurrentScanTransport() override;

    QString description() const override;
    bool privileged() const override;
    void start() override;
    void stop() override;
    /// Scans now. The first result is a snapshot, later ones deltas against the previous scan.
    void requestScan() override;
    void subscribe(int intervalMs) override;
    void unsubscribe() override;
    /// inspect and demo requests need the helper: answered with an error frame.
    quint64 request(const QByteArray &requestJson) override;

    /// Forget the last scan: the next result is a full snapshot again (after a failed delta).
    void resync();

private:
    struct Result;
    void onScanFinished();

    QString m_procRoot;
    QTimer m_timer;
    QFutureWatcher<std::shared_ptr<Result>> m_watcher;
    std::shared_ptr<const Snapshot> m_last;
    bool m_running = false;
    bool m_busy = false;
    bool m_again = false;
    quint64 m_seq = 0;
    quint64 m_nextRequest = 1;
};

} // namespace nsviz
