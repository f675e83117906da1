// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// The current snapshot of the GUI. Every model and view follows it: a reset on a new snapshot,
// then deltas (rows inserted/removed/changed, never a reset per update).
//
// A delta is checked against the snapshot first (O(changes · log N)) and then applied in place:
// no copy of the 10k-process snapshot per update. The counts every view shows (status bar, table,
// tree, cluster view) come from counts() here, so they cannot disagree.

#include "core/model/delta.h"
#include "core/model/model.h"

#include <QObject>

#include <string>
#include <unordered_map>

namespace nsviz
{

class RedactionGate;
/// What the views count, kept by the store as it applies snapshots and deltas.
struct SnapshotCounts {
    int processes = 0;
    int namespaces = 0;
    /// The snapshot's container sandboxes (kind "container": docker, podman, LXC, Kubernetes,
    /// nspawn, ...), as findings and the cluster labels count them; a pod's containers count, the
    /// pod itself is in pods. A snapshot without sandboxes (a file saved before they existed):
    /// distinct containers recognised from the processes' cgroups (containerFromCgroup()).
    int containers = 0;
    /// The snapshot's pod sandboxes (0 for a snapshot without sandboxes).
    int pods = 0;
    bool operator==(const SnapshotCounts &) const = default;
};

class SnapshotStore : public QObject
{
    Q_OBJECT
public:
    explicit SnapshotStore(QObject *parent = nullptr);

    /// The Redact Names switch and rules of this store's window: what leaves the app passes it.
    RedactionGate *redaction() const { return m_redaction; }

    const Snapshot &snapshot() const { return m_snapshot; }
    bool isEmpty() const { return m_snapshot.processes.empty() && m_snapshot.namespaces.empty(); }
    /// The one source of the counts every view shows.
    const SnapshotCounts &counts() const { return m_counts; }
    /// Deltas applied and refused since construction (for the benchmark and the status line).
    quint64 deltasApplied() const { return m_applied; }
    quint64 deltasRefused() const { return m_refused; }

    /// Replace everything (first snapshot, opened file, reconnect).
    void setSnapshot(Snapshot snapshot);
    /// Apply a live delta. A delta that does not fit is refused (error() emitted, a log line
    /// written) and nothing changes; the caller resyncs. Either form: the delta the models are told
    /// has its namespace member changes made whole; its sandbox changes may come whole
    /// (`sandboxes`) or as changes (SnapshotDelta::changesSandboxes() says whether they changed;
    /// snapshot().sandboxes is the list after them).
    bool applyDelta(const SnapshotDelta &delta);

    /// The deltas applied between beginBatch() and the matching endBatch() (they arrived together)
    /// are one batch: deltaApplied() for each, as always, and settled() once at the end. Views
    /// whose update costs the whole picture (the cluster layout, the charts) follow settled().
    void beginBatch();
    void endBatch();
    bool inBatch() const { return m_batchDepth > 0; }

    /// Why @p delta does not fit @p s (the rules of nsviz::applyDelta), or an empty string when it
    /// fits. O(changes · log N).
    static std::string whyNotApplicable(const Snapshot &s, const SnapshotDelta &delta);
    /// Applies a delta that whyNotApplicable() accepted, in place: O(N) moves at most, no copy.
    static void applyInPlace(Snapshot &s, const SnapshotDelta &delta);
    /// The counts of @p s computed from scratch (what the store keeps incrementally).
    static SnapshotCounts countsOf(const Snapshot &s);

Q_SIGNALS:
    void aboutToReset();
    void snapshotReset();
    /// Emitted before the snapshot changes: snapshot() is still the old one.
    void deltaAboutToBeApplied(const nsviz::SnapshotDelta &delta);
    /// Emitted after: snapshot() and counts() are the new ones.
    void deltaApplied(const nsviz::SnapshotDelta &delta);
    /// counts() changed (after snapshotReset() or deltaApplied()).
    void countsChanged();
    /// After deltaApplied() outside a batch, and at the end of a batch that applied any delta:
    /// nothing more is about to change.
    void settled();
    void error(const QString &message);

private:
    void recountContainers();
    /// m_counts from the snapshot and the cgroup tally.
    void updateCounts();
    void forgetContainerOf(const Process &p);
    void noteContainerOf(const Process &p);

    Snapshot m_snapshot;
    RedactionGate *m_redaction;
    SnapshotCounts m_counts;
    /// Container key ("engine\nid") -> processes in it: the containers count follows deltas.
    std::unordered_map<std::string, int> m_containers;
    quint64 m_applied = 0;
    int m_batchDepth = 0;
    bool m_batchApplied = false; ///< a delta was applied in the current batch
    quint64 m_refused = 0;
};

} // namespace nsviz
