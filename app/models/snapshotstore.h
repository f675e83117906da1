// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// The current snapshot of the GUI. Every model and view follows it: a reset on a new snapshot,
// then deltas (rows inserted/removed/changed, never a reset per update).

#include "core/model/delta.h"
#include "core/model/model.h"

#include <QObject>

namespace nsviz
{

class RedactionGate;

class SnapshotStore : public QObject
{
    Q_OBJECT
public:
    explicit SnapshotStore(QObject *parent = nullptr);

    /// The Redact Names switch and rules of this store's window: what leaves the app passes it.
    RedactionGate *redaction() const { return m_redaction; }

    const Snapshot &snapshot() const { return m_snapshot; }
    bool isEmpty() const { return m_snapshot.processes.empty() && m_snapshot.namespaces.empty(); }

    /// Replace everything (first snapshot, opened file, reconnect).
    void setSnapshot(Snapshot snapshot);
    /// Apply a live delta. A delta that does not fit is refused (error() emitted) and nothing changes.
    bool applyDelta(const SnapshotDelta &delta);

Q_SIGNALS:
    void aboutToReset();
    void snapshotReset();
    /// Emitted before the snapshot changes: snapshot() is still the old one.
    void deltaAboutToBeApplied(const nsviz::SnapshotDelta &delta);
    /// Emitted after: snapshot() is the new one.
    void deltaApplied(const nsviz::SnapshotDelta &delta);
    void error(const QString &message);

private:
    Snapshot m_snapshot;
    RedactionGate *m_redaction;
};

} // namespace nsviz
