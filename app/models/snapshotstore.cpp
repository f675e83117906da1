// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/models/snapshotstore.h"

#include "app/models/redactiongate.h"

namespace nsviz
{

SnapshotStore::SnapshotStore(QObject *parent) : QObject(parent), m_redaction(new RedactionGate(this)) {}

void SnapshotStore::setSnapshot(Snapshot snapshot)
{
    Q_EMIT aboutToReset();
    m_snapshot = std::move(snapshot);
    Q_EMIT snapshotReset();
}

bool SnapshotStore::applyDelta(const SnapshotDelta &delta)
{
    Snapshot next = m_snapshot;
    try {
        nsviz::applyDelta(next, delta);
    } catch (const DeltaError &e) {
        Q_EMIT error(QString::fromStdString(e.what()));
        return false;
    }
    Q_EMIT deltaAboutToBeApplied(delta);
    m_snapshot = std::move(next);
    Q_EMIT deltaApplied(delta);
    return true;
}

} // namespace nsviz
