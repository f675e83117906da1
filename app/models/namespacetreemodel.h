// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// The namespace hierarchies as a tree:
//  - Hierarchy::User: user namespaces nested by parent, each with the namespaces it owns;
//  - Hierarchy::Pid: pid namespaces nested by parent, each with its processes and their pid in every
//    pid namespace from the outermost in ("6025/146/1").
// Hidden namespaces (no process in them: found as parents/owners, bind mounts or fds) are flagged;
// a parent or owner the kernel would not reveal is shown as unknown, never guessed.
//
// Updates: a delta is applied to the tree in place, node by node, in proportion to what changed
// (a process or namespace that comes, goes or changes is one row operation; its placement is
// decided by the same rules as a full build). What would move nodes that the delta does not name
// (a parent that becomes known, a namespace whose parent changes, a loop in corrupt input) falls
// back to rebuilding the wanted tree and reconciling it with the current one by node identity
// ((dev, inode) for namespaces, (pid, start time) for processes). Either way views get
// rowsInserted/rowsRemoved/dataChanged and keep their expansion and selection. Only a new
// snapshot resets the model.

#include "core/model/model.h"

#include <QAbstractItemModel>

#include <memory>
#include <unordered_map>

namespace nsviz
{

class SnapshotStore;
struct SnapshotDelta;

class NamespaceTreeModel : public QAbstractItemModel
{
    Q_OBJECT
public:
    enum class Hierarchy { User, Pid };
    enum Column { NameColumn = 0, ProcessesColumn, PidsColumn, DetailsColumn, ColumnCount };
    enum class NodeKind { Group = 0, Namespace, Process };
    enum Role {
        KindRole = Qt::UserRole + 1, ///< NodeKind as int
        PidRole,                     ///< process rows: pid
        NspidRole,                   ///< process rows: "6025/146/1"
        NsTypeRole,                  ///< namespace rows: index(NsType)
        NsInodeRole,                 ///< namespace rows: inode
        HiddenRole,                  ///< namespace rows: no process is in it
        HostRole,                    ///< namespace rows: one of the host's namespaces
        UnknownParentRole,           ///< namespace rows: parent/owner unknown or not in the snapshot
        FoundByRole,                 ///< namespace rows: FoundBy bits
    };

    NamespaceTreeModel(SnapshotStore *store, Hierarchy hierarchy, QObject *parent = nullptr);
    ~NamespaceTreeModel() override;

    Hierarchy hierarchy() const { return m_hierarchy; }

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    /// The row of process @p pid (Pid hierarchy), or an invalid index.
    QModelIndex indexOfProcess(int pid) const;
    /// The row of namespace @p id, or an invalid index.
    QModelIndex indexOfNamespace(const NsId &id) const;
    /// Deltas that needed the full rebuild and reconcile (the rest were applied node by node).
    quint64 fullRebuilds() const { return m_fullRebuilds; }

    struct Node;

private:
    void onAboutToReset();
    void onReset();
    void onDeltaApplied(const SnapshotDelta &delta);
    std::unique_ptr<Node> build(const Snapshot &s);
    std::shared_ptr<const Process> cached(const Process &p);
    std::shared_ptr<const Namespace> cached(const Namespace &n);
    void updateCaches(const SnapshotDelta &delta);
    /// Applies @p delta node by node; false when it needs the full rebuild and reconcile (the tree
    /// is consistent either way: every step it took is complete).
    bool applyIncrementally(const SnapshotDelta &delta);
    /// Where a node for @p n (or process @p p) belongs, with its orphan state, as build() decides.
    Node *placeNamespace(Node &node, bool &needGroup);
    Node *placeProcess(const Process &p, bool &needGroup);
    QString leaderOf(const Namespace &n) const;
    Node *group(bool create);
    void insertChild(Node *parent, std::unique_ptr<Node> child);
    void removeNode(Node *node);
    void forget(const Node *node);
    void remember(Node *node);
    void updatePayload(Node *node, const Node &want);
    void reconcile(Node *cur, Node *want);
    void reindex();
    QModelIndex indexOfNode(const Node *n, int column = 0) const;
    Node *nodeOf(const QModelIndex &index) const;
    QVariant plainData(const Node &n, const QModelIndex &index, int role) const;

    SnapshotStore *m_store;
    Hierarchy m_hierarchy;
    std::unique_ptr<Node> m_root;
    std::unordered_map<int, Node *> m_byPid;
    std::unordered_map<NsId, Node *, NsIdHash> m_byNs;
    /// Payloads shared by the nodes of successive builds; updated from each delta, so a delta costs
    /// copies of what changed only.
    std::unordered_map<int, std::shared_ptr<const Process>> m_procCache;
    std::unordered_map<NsId, std::shared_ptr<const Namespace>, NsIdHash> m_nsCache;
    quint64 m_fullRebuilds = 0;
};

} // namespace nsviz
