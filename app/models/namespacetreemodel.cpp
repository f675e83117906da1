// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/models/namespacetreemodel.h"

#include "app/models/redactiongate.h"
#include "app/models/snapshotstore.h"
#include "app/models/viewhelpers.h"

#include <QBrush>
#include <QFont>
#include <QGuiApplication>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace nsviz
{

namespace
{
enum GroupId { OwnerUnknownGroup = 1, PidNsUnknownGroup = 2 };

/// Why a node sits at the top instead of under its parent/owner.
enum class Orphan : std::uint8_t {
    None = 0,
    Root,          ///< it truly has no parent (the initial namespace)
    KernelSaidNo,  ///< NS_GET_PARENT/NS_GET_USERNS refused: unknown, not absent
    NotInSnapshot, ///< the parent/owner id is known but no such namespace was recorded
    Loop,          ///< the parent chain loops (corrupt input): shown at the top rather than lost
};

struct Key {
    std::uint8_t kind = 0;
    std::uint64_t a = 0, b = 0;
    bool operator==(const Key &) const = default;
};
struct KeyHash {
    std::size_t operator()(const Key &k) const noexcept
    {
        return std::hash<std::uint64_t>()(k.a * 1000003u ^ k.b * 31u ^ k.kind);
    }
};
} // namespace

struct NamespaceTreeModel::Node {
    NodeKind kind = NodeKind::Group;
    // Payload: one of these, by kind.
    int group = 0;
    QString groupTitle;
    // Shared with the model's caches: unchanged processes are not copied on every delta.
    std::shared_ptr<const Namespace> ns;
    std::shared_ptr<const Process> proc;
    // Derived from the rest of the snapshot, compared like the payload.
    QString leader; ///< namespace: leading (lowest-pid) process, "nginx (6025)"
    Orphan orphan = Orphan::None;
    std::optional<NsId> missing; ///< the parent/owner that is not in the snapshot
    // Tree.
    Node *parent = nullptr;
    int row = 0;
    std::vector<std::unique_ptr<Node>> children;

    Key key() const
    {
        switch (kind) {
        case NodeKind::Group:
            return {0, static_cast<std::uint64_t>(group), 0};
        case NodeKind::Namespace:
            return {1, ns->id.dev, ns->id.ino};
        case NodeKind::Process:
            return {2, static_cast<std::uint64_t>(proc->pid), proc->startTime};
        }
        return {};
    }
    bool samePayload(const Node &o) const
    {
        if (kind != o.kind || leader != o.leader || orphan != o.orphan || missing != o.missing)
            return false;
        switch (kind) {
        case NodeKind::Group:
            return group == o.group && groupTitle == o.groupTitle;
        case NodeKind::Namespace:
            return ns == o.ns || *ns == *o.ns;
        case NodeKind::Process:
            return proc == o.proc || *proc == *o.proc;
        }
        return false;
    }
    void copyPayload(const Node &o)
    {
        group = o.group;
        groupTitle = o.groupTitle;
        ns = o.ns;
        proc = o.proc;
        leader = o.leader;
        orphan = o.orphan;
        missing = o.missing;
    }
    void adopt(std::unique_ptr<Node> child)
    {
        child->parent = this;
        child->row = static_cast<int>(children.size());
        children.push_back(std::move(child));
    }
};

NamespaceTreeModel::NamespaceTreeModel(SnapshotStore *store, Hierarchy hierarchy, QObject *parent)
    : QAbstractItemModel(parent), m_store(store), m_hierarchy(hierarchy)
{
    connect(store, &SnapshotStore::aboutToReset, this, &NamespaceTreeModel::onAboutToReset);
    connect(store, &SnapshotStore::snapshotReset, this, &NamespaceTreeModel::onReset);
    connect(store, &SnapshotStore::deltaApplied, this, &NamespaceTreeModel::onDeltaApplied);
    if (auto *gate = RedactionGate::of(store))
        connect(gate, &RedactionGate::enabledChanged, this, [this] {
            // Every text of every row changes: simplest said as a layout change of the same rows.
            Q_EMIT layoutAboutToBeChanged();
            Q_EMIT layoutChanged();
        });
    m_root = build(store->snapshot());
    reindex();
}

NamespaceTreeModel::~NamespaceTreeModel() = default;

void NamespaceTreeModel::onAboutToReset()
{
    beginResetModel();
}

void NamespaceTreeModel::onReset()
{
    m_procCache.clear();
    m_nsCache.clear();
    m_root = build(m_store->snapshot());
    reindex();
    endResetModel();
}

void NamespaceTreeModel::onDeltaApplied(const SnapshotDelta &delta)
{
    updateCaches(delta);
    if (applyIncrementally(delta))
        return;
    // Something moves that the delta does not name (a namespace whose parent becomes known moves
    // under it, with everything below). Rebuilding the wanted tree and reconciling by identity
    // turns all of that into exact row operations, at O(N) for this delta.
    ++m_fullRebuilds;
    std::unique_ptr<Node> want = build(m_store->snapshot());
    reconcile(m_root.get(), want.get());
    reindex();
}

std::shared_ptr<const Process> NamespaceTreeModel::cached(const Process &p)
{
    auto &slot = m_procCache[p.pid];
    if (!slot || slot->startTime != p.startTime)
        slot = std::make_shared<const Process>(p);
    return slot;
}

std::shared_ptr<const Namespace> NamespaceTreeModel::cached(const Namespace &n)
{
    auto &slot = m_nsCache[n.id];
    if (!slot)
        slot = std::make_shared<const Namespace>(n);
    return slot;
}

void NamespaceTreeModel::updateCaches(const SnapshotDelta &d)
{
    for (const auto &k : d.removedProcesses)
        if (auto it = m_procCache.find(k.pid);
            it != m_procCache.end() && it->second->startTime == k.startTime)
            m_procCache.erase(it);
    for (const auto *list : {&d.changedProcesses, &d.addedProcesses})
        for (const auto &p : *list)
            m_procCache[p.pid] = std::make_shared<const Process>(p);
    for (const auto &id : d.removedNamespaces)
        m_nsCache.erase(id);
    for (const auto *list : {&d.changedNamespaces, &d.addedNamespaces})
        for (const auto &n : *list)
            m_nsCache[n.id] = std::make_shared<const Namespace>(n);
}

namespace
{
/// A namespace's leading process as the tree shows it, on a full build and on a delta alike:
/// "web: nginx (6025)", the sandbox's one name first when the process is in one; a sandbox named
/// by this very process ("unshare: sleep (pid 7)") says it all; else "nginx (6025)".
QString leaderText(const QString &sandbox, const Process &p)
{
    if (sandbox.endsWith(QStringLiteral(" (pid ") % QString::number(p.pid) % QLatin1Char(')')))
        return sandbox;
    const QString comm = QString::fromStdString(p.comm);
    return (sandbox.isEmpty() || sandbox == comm ? QString() : sandbox % QStringLiteral(": ")) % comm %
           QStringLiteral(" (") % QString::number(p.pid) % QLatin1Char(')');
}
} // namespace

std::unique_ptr<NamespaceTreeModel::Node> NamespaceTreeModel::build(const Snapshot &s)
{
    auto root = std::make_unique<Node>();
    const NsType nodeType = m_hierarchy == Hierarchy::User ? NsType::User : NsType::Pid;

    std::unordered_map<NsId, const Namespace *, NsIdHash> byId;
    for (const auto &n : s.namespaces)
        byId.emplace(n.id, &n);
    std::unordered_map<int, const Process *> byPid;
    for (const auto &p : s.processes)
        byPid.emplace(p.pid, &p);
    const SandboxIndex sandboxes(s);

    auto leaderOf = [&](const Namespace &n) -> QString {
        if (n.pids.empty())
            return {};
        auto it = byPid.find(n.pids.front());
        return it == byPid.end() ? QString::number(n.pids.front())
                                 : leaderText(views::sandboxName(sandboxes, *it->second), *it->second);
    };
    auto makeNs = [&](const Namespace &n) {
        auto node = std::make_unique<Node>();
        node->kind = NodeKind::Namespace;
        node->ns = cached(n);
        node->leader = leaderOf(n);
        return node;
    };

    // Hierarchy nodes (user or pid namespaces), attached by parent.
    std::vector<const Namespace *> hier;
    for (const auto &n : s.namespaces)
        if (n.type == nodeType)
            hier.push_back(&n);
    std::sort(hier.begin(), hier.end(), [](auto *a, auto *b) { return a->id < b->id; });

    std::unordered_map<NsId, Node *, NsIdHash> nodeOf;
    std::vector<std::unique_ptr<Node>> hierNodes;
    for (const Namespace *n : hier) {
        hierNodes.push_back(makeNs(*n));
        nodeOf.emplace(n->id, hierNodes.back().get());
    }

    auto parentOf = [&](const Namespace &n) -> const Namespace * {
        if (!n.parentKnown || !n.parent)
            return nullptr;
        auto it = byId.find(*n.parent);
        return (it != byId.end() && it->second->type == nodeType) ? it->second : nullptr;
    };
    // Which parent chains loop (only corrupt input can do that): those nodes go to the top.
    auto loops = [&](const Namespace &n) {
        std::set<NsId> seen{n.id};
        for (const Namespace *p = parentOf(n); p; p = parentOf(*p))
            if (!seen.insert(p->id).second)
                return true;
        return false;
    };

    std::vector<std::unique_ptr<Node>> top;
    // Pass 1 decides every placement, pass 2 moves the nodes, so children are adopted in sorted order.
    std::vector<Node *> attachTo(hierNodes.size(), nullptr);
    for (std::size_t i = 0; i < hierNodes.size(); ++i) {
        Node *node = hierNodes[i].get();
        const Namespace &n = *node->ns;
        if (!n.parentKnown) {
            node->orphan = Orphan::KernelSaidNo;
        } else if (!n.parent) {
            node->orphan = Orphan::Root;
        } else if (const Namespace *p = parentOf(n); !p) {
            node->orphan = Orphan::NotInSnapshot;
            node->missing = n.parent;
        } else if (loops(n)) {
            node->orphan = Orphan::Loop;
        } else {
            attachTo[i] = nodeOf.at(p->id);
        }
    }
    for (std::size_t i = 0; i < hierNodes.size(); ++i) {
        if (attachTo[i])
            attachTo[i]->adopt(std::move(hierNodes[i]));
        else
            top.push_back(std::move(hierNodes[i]));
    }

    auto group = std::make_unique<Node>();
    group->kind = NodeKind::Group;

    if (m_hierarchy == Hierarchy::User) {
        // Owned namespaces under their owner, ordered by (type, id) after the child user namespaces.
        group->group = OwnerUnknownGroup;
        std::vector<const Namespace *> owned;
        for (const auto &n : s.namespaces)
            if (n.type != NsType::User)
                owned.push_back(&n);
        std::sort(owned.begin(), owned.end(),
                  [](auto *a, auto *b) { return std::pair(a->type, a->id) < std::pair(b->type, b->id); });
        for (const Namespace *n : owned) {
            auto node = makeNs(*n);
            Node *owner = nullptr;
            if (n->ownerKnown && n->owner)
                if (auto it = nodeOf.find(*n->owner); it != nodeOf.end())
                    owner = it->second;
            if (owner) {
                owner->adopt(std::move(node));
                continue;
            }
            if (!n->ownerKnown)
                node->orphan = Orphan::KernelSaidNo;
            else if (n->owner) {
                node->orphan = Orphan::NotInSnapshot;
                node->missing = n->owner;
            } else {
                node->orphan = Orphan::Root; // no owner recorded at all
            }
            group->adopt(std::move(node));
        }
        group->groupTitle = QStringLiteral("Owner unknown");
    } else {
        // Processes under their pid namespace, by pid, after the child pid namespaces.
        group->group = PidNsUnknownGroup;
        for (const auto &p : s.processes) {
            auto node = std::make_unique<Node>();
            node->kind = NodeKind::Process;
            node->proc = cached(p);
            Node *home = nullptr;
            if (p.ns[nsviz::index(NsType::Pid)].valid())
                if (auto it = nodeOf.find(p.ns[nsviz::index(NsType::Pid)]); it != nodeOf.end())
                    home = it->second;
            (home ? home : group.get())->adopt(std::move(node));
        }
        group->groupTitle = QStringLiteral("Pid namespace not visible");
    }

    for (auto &n : top)
        root->adopt(std::move(n));
    if (!group->children.empty()) {
        group->groupTitle +=
            QStringLiteral(" (") % QString::number(group->children.size()) % QLatin1Char(')');
        root->adopt(std::move(group));
    }
    return root;
}

void NamespaceTreeModel::reconcile(Node *cur, Node *want)
{
    auto &cc = cur->children;
    auto &wc = want->children;
    const QModelIndex parentIndex = indexOfNode(cur);

    std::unordered_map<Key, std::size_t, KeyHash> wantPos;
    wantPos.reserve(wc.size());
    for (std::size_t i = 0; i < wc.size(); ++i)
        wantPos.emplace(wc[i]->key(), i);

    // 1. Remove what is gone, and what would be out of order (children are sorted by stable keys,
    //    so this only triggers on inconsistent input; it keeps the walk below simple and correct).
    std::vector<char> drop(cc.size(), 0);
    std::size_t last = 0;
    bool any = false;
    for (std::size_t i = 0; i < cc.size(); ++i) {
        auto it = wantPos.find(cc[i]->key());
        if (it == wantPos.end() || (any && it->second < last)) {
            drop[i] = 1;
        } else {
            last = it->second;
            any = true;
        }
    }
    for (int i = static_cast<int>(cc.size()) - 1; i >= 0;) {
        if (!drop[static_cast<std::size_t>(i)]) {
            --i;
            continue;
        }
        int first = i;
        while (first > 0 && drop[static_cast<std::size_t>(first - 1)])
            --first;
        beginRemoveRows(parentIndex, first, i);
        std::vector<std::unique_ptr<Node>> graveyard(std::make_move_iterator(cc.begin() + first),
                                                     std::make_move_iterator(cc.begin() + i + 1));
        cc.erase(cc.begin() + first, cc.begin() + i + 1);
        for (std::size_t r = static_cast<std::size_t>(first); r < cc.size(); ++r)
            cc[r]->row = static_cast<int>(r);
        endRemoveRows();
        // graveyard frees the nodes only now: nothing can reach them through an index any more.
        i = first - 1;
    }

    // 2. Walk both lists: update the survivors, insert the new runs.
    std::size_t j = 0;
    for (std::size_t i = 0; i < wc.size();) {
        if (j < cc.size() && cc[j]->key() == wc[i]->key()) {
            Node *c = cc[j].get();
            if (!c->samePayload(*wc[i])) {
                c->copyPayload(*wc[i]);
                Q_EMIT dataChanged(indexOfNode(c, 0), indexOfNode(c, ColumnCount - 1));
            }
            reconcile(c, wc[i].get());
            ++i;
            ++j;
            continue;
        }
        // Everything wanted before the next survivor is new.
        const std::size_t stop = j < cc.size() ? wantPos.at(cc[j]->key()) : wc.size();
        const int count = static_cast<int>(stop - i);
        beginInsertRows(parentIndex, static_cast<int>(j), static_cast<int>(j) + count - 1);
        std::vector<std::unique_ptr<Node>> run;
        for (std::size_t m = i; m < stop; ++m) {
            wc[m]->parent = cur;
            run.push_back(std::move(wc[m]));
        }
        cc.insert(cc.begin() + static_cast<std::ptrdiff_t>(j), std::make_move_iterator(run.begin()),
                  std::make_move_iterator(run.end()));
        for (std::size_t r = j; r < cc.size(); ++r)
            cc[r]->row = static_cast<int>(r);
        endInsertRows();
        j += static_cast<std::size_t>(count);
        i = stop;
    }
}

namespace
{
const Namespace *findNamespace(const Snapshot &s, NsType t, const NsId &id)
{
    auto it = std::lower_bound(s.namespaces.begin(), s.namespaces.end(), std::pair(t, id),
                               [](const Namespace &n, const auto &k) { return std::pair(n.type, n.id) < k; });
    return (it != s.namespaces.end() && it->type == t && it->id == id) ? &*it : nullptr;
}

const Process *findPid(const Snapshot &s, int pid)
{
    auto it = std::lower_bound(s.processes.begin(), s.processes.end(), pid,
                               [](const Process &p, int v) { return p.pid < v; });
    return (it != s.processes.end() && it->pid == pid) ? &*it : nullptr;
}

QString groupBaseTitle(int group)
{
    return group == OwnerUnknownGroup ? QStringLiteral("Owner unknown")
                                      : QStringLiteral("Pid namespace not visible");
}
} // namespace

QString NamespaceTreeModel::leaderOf(const Namespace &n) const
{
    // As build() says it.
    if (n.pids.empty())
        return {};
    const Process *p = findPid(m_store->snapshot(), n.pids.front());
    return p ? leaderText(views::sandboxName(m_store->snapshot(), *p), *p) : QString::number(n.pids.front());
}

NamespaceTreeModel::Node *NamespaceTreeModel::group(bool create)
{
    if (!m_root->children.empty() && m_root->children.back()->kind == NodeKind::Group)
        return m_root->children.back().get();
    if (!create)
        return nullptr;
    auto g = std::make_unique<Node>();
    g->kind = NodeKind::Group;
    g->group = m_hierarchy == Hierarchy::User ? OwnerUnknownGroup : PidNsUnknownGroup;
    g->groupTitle = groupBaseTitle(g->group);
    Node *raw = g.get();
    const int row = static_cast<int>(m_root->children.size());
    beginInsertRows({}, row, row);
    m_root->adopt(std::move(g));
    endInsertRows();
    return raw;
}

void NamespaceTreeModel::remember(Node *node)
{
    for (const auto &c : node->children)
        remember(c.get());
    if (node->kind == NodeKind::Process)
        m_byPid[node->proc->pid] = node;
    else if (node->kind == NodeKind::Namespace)
        m_byNs[node->ns->id] = node;
}

void NamespaceTreeModel::forget(const Node *node)
{
    for (const auto &c : node->children)
        forget(c.get());
    if (node->kind == NodeKind::Process) {
        if (auto it = m_byPid.find(node->proc->pid); it != m_byPid.end() && it->second == node)
            m_byPid.erase(it);
    } else if (node->kind == NodeKind::Namespace) {
        if (auto it = m_byNs.find(node->ns->id); it != m_byNs.end() && it->second == node)
            m_byNs.erase(it);
    }
}

void NamespaceTreeModel::insertChild(Node *parent, std::unique_ptr<Node> child)
{
    // Children are ordered as build() adopts them: hierarchy namespaces by id, then owned namespaces
    // by (type, id) or processes by pid, and the group last.
    const NsType nodeType = m_hierarchy == Hierarchy::User ? NsType::User : NsType::Pid;
    auto rank = [nodeType](const Node &n) {
        switch (n.kind) {
        case NodeKind::Group:
            return std::tuple(2, NsType::Mnt, NsId{}, 0);
        case NodeKind::Namespace:
            return n.ns->type == nodeType ? std::tuple(0, NsType::Mnt, n.ns->id, 0)
                                          : std::tuple(1, n.ns->type, n.ns->id, 0);
        case NodeKind::Process:
            return std::tuple(1, NsType::Mnt, NsId{}, n.proc->pid);
        }
        return std::tuple(3, NsType::Mnt, NsId{}, 0);
    };
    auto &cc = parent->children;
    const auto key = rank(*child);
    const auto pos =
        std::lower_bound(cc.begin(), cc.end(), key,
                         [&](const std::unique_ptr<Node> &c, const auto &k) { return rank(*c) < k; });
    const int row = static_cast<int>(pos - cc.begin());
    beginInsertRows(indexOfNode(parent), row, row);
    child->parent = parent;
    Node *raw = child.get();
    cc.insert(pos, std::move(child));
    for (std::size_t r = static_cast<std::size_t>(row); r < cc.size(); ++r)
        cc[r]->row = static_cast<int>(r);
    remember(raw);
    endInsertRows();
}

void NamespaceTreeModel::removeNode(Node *node)
{
    Node *parent = node->parent;
    auto &cc = parent->children;
    const int row = node->row;
    beginRemoveRows(indexOfNode(parent), row, row);
    std::unique_ptr<Node> gone = std::move(cc[static_cast<std::size_t>(row)]);
    cc.erase(cc.begin() + row);
    for (std::size_t r = static_cast<std::size_t>(row); r < cc.size(); ++r)
        cc[r]->row = static_cast<int>(r);
    forget(gone.get());
    endRemoveRows();
    // gone frees the node only now: nothing can reach it through an index any more.
}

void NamespaceTreeModel::updatePayload(Node *node, const Node &want)
{
    if (node->samePayload(want))
        return;
    node->copyPayload(want);
    Q_EMIT dataChanged(indexOfNode(node, 0), indexOfNode(node, ColumnCount - 1));
}

/// Where the node of namespace node.ns belongs (build()'s rules), with its orphan state set on
/// @p node. nullptr with @p needGroup: the group; nullptr without: its parent has no node yet.
NamespaceTreeModel::Node *NamespaceTreeModel::placeNamespace(Node &node, bool &needGroup)
{
    const Snapshot &s = m_store->snapshot();
    const NsType nodeType = m_hierarchy == Hierarchy::User ? NsType::User : NsType::Pid;
    const Namespace &n = *node.ns;
    node.orphan = Orphan::None;
    node.missing.reset();
    needGroup = false;
    if (n.type == nodeType) {
        if (!n.parentKnown) {
            node.orphan = Orphan::KernelSaidNo;
            return m_root.get();
        }
        if (!n.parent) {
            node.orphan = Orphan::Root;
            return m_root.get();
        }
        const Namespace *p = findNamespace(s, nodeType, *n.parent);
        if (!p) {
            node.orphan = Orphan::NotInSnapshot;
            node.missing = n.parent;
            return m_root.get();
        }
        std::set<NsId> seen{n.id};
        for (const Namespace *q = p; q;
             q = (q->parentKnown && q->parent) ? findNamespace(s, nodeType, *q->parent) : nullptr)
            if (!seen.insert(q->id).second) {
                node.orphan = Orphan::Loop;
                return m_root.get();
            }
        auto it = m_byNs.find(p->id);
        return it != m_byNs.end() ? it->second : nullptr;
    }
    // An owned namespace (user hierarchy): under its owner, else in the group.
    if (n.ownerKnown && n.owner)
        if (auto it = m_byNs.find(*n.owner); it != m_byNs.end() && it->second->ns->type == NsType::User)
            return it->second;
    if (!n.ownerKnown) {
        node.orphan = Orphan::KernelSaidNo;
    } else if (n.owner) {
        node.orphan = Orphan::NotInSnapshot;
        node.missing = n.owner;
    } else {
        node.orphan = Orphan::Root;
    }
    needGroup = true;
    return nullptr;
}

NamespaceTreeModel::Node *NamespaceTreeModel::placeProcess(const Process &p, bool &needGroup)
{
    needGroup = false;
    const NsId &pidns = p.ns[nsviz::index(NsType::Pid)];
    if (pidns.valid())
        if (auto it = m_byNs.find(pidns); it != m_byNs.end() && it->second->ns->type == NsType::Pid)
            return it->second;
    needGroup = true;
    return nullptr;
}

bool NamespaceTreeModel::applyIncrementally(const SnapshotDelta &d)
{
    const NsType nodeType = m_hierarchy == Hierarchy::User ? NsType::User : NsType::Pid;
    const bool pidTree = m_hierarchy == Hierarchy::Pid;
    // A delta that replaces a large part of the tree (the load leaving at once) is cheaper as one
    // rebuild + reconcile, which removes and inserts contiguous runs with one signal each, than as
    // thousands of single-row operations that each renumber their siblings.
    const std::size_t changes = d.addedProcesses.size() + d.removedProcesses.size() +
                                d.addedNamespaces.size() + d.removedNamespaces.size();
    if (changes > (m_byPid.size() + m_byNs.size()) / 4 + 256)
        return false;
    // A loop in the parent chains (corrupt input) makes placements depend on far-away nodes.
    for (const auto &c : m_root->children)
        if (c->orphan == Orphan::Loop)
            return false;

    auto makeNsNode = [&](const Namespace &n) {
        auto node = std::make_unique<Node>();
        node->kind = NodeKind::Namespace;
        node->ns = cached(n);
        node->leader = leaderOf(n);
        return node;
    };
    auto insertPlaced = [&](std::unique_ptr<Node> node, Node *parent, bool needGroup) {
        insertChild(needGroup ? group(true) : parent, std::move(node));
    };

    // 1. Leaves that go: processes (pid tree), owned namespaces (user tree). Changed ones are
    //    updated in place, or moved when their home changed.
    std::vector<const Process *> toAdd;
    if (pidTree) {
        for (const auto &k : d.removedProcesses) {
            auto it = m_byPid.find(k.pid);
            if (it == m_byPid.end() || it->second->proc->startTime != k.startTime)
                return false;
            removeNode(it->second);
        }
        for (const auto &p : d.changedProcesses) {
            auto it = m_byPid.find(p.pid);
            if (it == m_byPid.end())
                return false;
            Node *node = it->second;
            bool needGroup = false;
            Node *home = placeProcess(p, needGroup);
            if ((needGroup && node->parent->kind != NodeKind::Group) ||
                (!needGroup && home != node->parent)) {
                removeNode(node); // it moved to another pid namespace: out here, in with the new ones
                toAdd.push_back(&p);
                continue;
            }
            Node want;
            want.kind = NodeKind::Process;
            want.proc = cached(p);
            updatePayload(node, want);
        }
    }
    auto isOwned = [&](NsType t) { return !pidTree && t != NsType::User; };
    for (const auto &id : d.removedNamespaces) {
        auto it = m_byNs.find(id);
        if (it == m_byNs.end()) {
            continue; // a namespace of a type this tree does not show
        }
        if (isOwned(it->second->ns->type))
            removeNode(it->second);
    }

    // 2. Hierarchy namespaces that go must have nothing left under them; changed ones keep their
    //    place unless their parent changed.
    std::vector<NsId> goingHier;
    for (const auto &id : d.removedNamespaces)
        if (m_byNs.count(id))
            goingHier.push_back(id);
    while (!goingHier.empty()) {
        // Leaves first: a nested namespace that goes with its parent is removed before it.
        std::vector<NsId> later;
        for (const NsId &id : goingHier) {
            Node *node = m_byNs.at(id);
            if (node->children.empty())
                removeNode(node);
            else
                later.push_back(id);
        }
        if (later.size() == goingHier.size())
            return false; // what is still under it moves elsewhere
        goingHier = std::move(later);
    }
    // An owned namespace whose id comes back with another type is a new namespace: nsfs numbers
    // every type from one pool, so under churn the inode of a uts namespace that ended soon names
    // a net namespace. Its old leaf goes here, the new one comes in with the new leaves (step 4).
    std::vector<const Namespace *> newOwned;
    for (const auto &n : d.changedNamespaces) {
        auto it = m_byNs.find(n.id);
        if (it == m_byNs.end()) {
            if (n.type == nodeType || isOwned(n.type))
                return false;
            continue;
        }
        Node *node = it->second;
        const Namespace &old = *node->ns;
        if (old.type != n.type && isOwned(old.type) && node->children.empty()) {
            removeNode(node);
            if (isOwned(n.type))
                newOwned.push_back(&n);
            else if (n.type == nodeType)
                return false; // a new hierarchy namespace: its place is build()'s to find
            continue;
        }
        if (old.type != n.type || old.parent != n.parent || old.parentKnown != n.parentKnown ||
            old.owner != n.owner || old.ownerKnown != n.ownerKnown)
            return false; // its place may change, and with it what is below
        Node want;
        want.kind = NodeKind::Namespace;
        want.ns = cached(n);
        want.leader = leaderOf(n);
        want.orphan = node->orphan;
        want.missing = node->missing;
        updatePayload(node, want);
    }

    // 3. New hierarchy namespaces, parents first. One that something already shown was waiting
    //    for (an orphan whose missing parent or owner it is, a process of the group in it) makes
    //    those move: the full path.
    std::vector<const Namespace *> newHier;
    for (const auto &n : d.addedNamespaces) {
        if (n.type == nodeType)
            newHier.push_back(&n);
        else if (isOwned(n.type))
            newOwned.push_back(&n);
    }
    if (!newHier.empty()) {
        std::set<NsId> added;
        for (const Namespace *n : newHier)
            added.insert(n->id);
        for (const auto &c : m_root->children)
            if (c->kind == NodeKind::Namespace && c->missing && added.count(*c->missing))
                return false;
        if (Node *g = group(false))
            for (const auto &c : g->children) {
                if (c->missing && added.count(*c->missing))
                    return false;
                if (c->kind == NodeKind::Process && added.count(c->proc->ns[nsviz::index(NsType::Pid)]))
                    return false;
            }
    }
    // The new leaves, in the order build() adopts them; a new namespace takes its own along, so
    // views see one subtree appear (a container starting) and can open it.
    std::vector<const Process *> newProcs;
    if (pidTree) {
        for (const auto &p : d.addedProcesses)
            toAdd.push_back(&p);
        newProcs = std::move(toAdd);
        std::sort(newProcs.begin(), newProcs.end(), [](auto *a, auto *b) { return a->pid < b->pid; });
    }
    std::sort(newOwned.begin(), newOwned.end(),
              [](auto *a, auto *b) { return std::pair(a->type, a->id) < std::pair(b->type, b->id); });
    std::vector<char> procTaken(newProcs.size(), 0), ownedTaken(newOwned.size(), 0);
    auto adoptNewLeaves = [&](Node &node) {
        const NsId &id = node.ns->id;
        for (std::size_t i = 0; i < newProcs.size(); ++i)
            if (!procTaken[i] && newProcs[i]->ns[nsviz::index(NsType::Pid)] == id) {
                auto leaf = std::make_unique<Node>();
                leaf->kind = NodeKind::Process;
                leaf->proc = cached(*newProcs[i]);
                node.adopt(std::move(leaf));
                procTaken[i] = 1;
            }
        for (std::size_t i = 0; i < newOwned.size(); ++i)
            if (!ownedTaken[i] && newOwned[i]->ownerKnown && newOwned[i]->owner == id) {
                node.adopt(makeNsNode(*newOwned[i]));
                ownedTaken[i] = 1;
            }
    };
    while (!newHier.empty()) {
        std::vector<const Namespace *> later;
        for (const Namespace *n : newHier) {
            auto node = makeNsNode(*n);
            bool needGroup = false;
            Node *parent = placeNamespace(*node, needGroup);
            if (!parent && !needGroup) {
                later.push_back(n); // its parent is new too and not placed yet
                continue;
            }
            adoptNewLeaves(*node);
            insertPlaced(std::move(node), parent, needGroup);
        }
        if (later.size() == newHier.size())
            return false;
        newHier = std::move(later);
    }

    // 4. New leaves: owned namespaces (user tree), processes (pid tree).
    for (std::size_t i = 0; i < newOwned.size(); ++i) {
        if (ownedTaken[i])
            continue;
        auto node = makeNsNode(*newOwned[i]);
        bool needGroup = false;
        Node *parent = placeNamespace(*node, needGroup);
        if (!parent && !needGroup)
            return false;
        insertPlaced(std::move(node), parent, needGroup);
    }
    for (std::size_t i = 0; i < newProcs.size(); ++i) {
        if (procTaken[i])
            continue;
        auto node = std::make_unique<Node>();
        node->kind = NodeKind::Process;
        node->proc = cached(*newProcs[i]);
        bool needGroup = false;
        Node *home = placeProcess(*newProcs[i], needGroup);
        insertPlaced(std::move(node), home, needGroup);
    }

    // 5. Leaders: a namespace's leading process may have changed name, or be a reused pid.
    for (const auto *list : {&d.changedProcesses, &d.addedProcesses})
        for (const auto &p : *list)
            for (const NsId &id : p.ns) {
                auto it = id.valid() ? m_byNs.find(id) : m_byNs.end();
                if (it == m_byNs.end() || it->second->ns->pids.empty() ||
                    it->second->ns->pids.front() != p.pid)
                    continue;
                Node want;
                want.kind = NodeKind::Namespace;
                want.ns = it->second->ns;
                want.leader = leaderOf(*it->second->ns);
                want.orphan = it->second->orphan;
                want.missing = it->second->missing;
                updatePayload(it->second, want);
            }

    // 6. The group: its count in the title, gone when empty.
    if (Node *g = group(false)) {
        if (g->children.empty()) {
            removeNode(g);
        } else {
            Node want;
            want.kind = NodeKind::Group;
            want.group = g->group;
            want.groupTitle = groupBaseTitle(g->group) % QStringLiteral(" (") %
                              QString::number(g->children.size()) % QLatin1Char(')');
            updatePayload(g, want);
        }
    }
    return true;
}

void NamespaceTreeModel::reindex()
{
    m_byPid.clear();
    m_byNs.clear();
    std::vector<Node *> stack{m_root.get()};
    while (!stack.empty()) {
        Node *n = stack.back();
        stack.pop_back();
        if (n->kind == NodeKind::Process)
            m_byPid[n->proc->pid] = n;
        else if (n->kind == NodeKind::Namespace)
            m_byNs[n->ns->id] = n;
        for (auto &c : n->children)
            stack.push_back(c.get());
    }
}

QModelIndex NamespaceTreeModel::indexOfNode(const Node *n, int column) const
{
    if (!n || n == m_root.get())
        return {};
    return createIndex(n->row, column, const_cast<Node *>(n));
}

NamespaceTreeModel::Node *NamespaceTreeModel::nodeOf(const QModelIndex &index) const
{
    return index.isValid() ? static_cast<Node *>(index.internalPointer()) : m_root.get();
}

QModelIndex NamespaceTreeModel::index(int row, int column, const QModelIndex &parent) const
{
    if (column < 0 || column >= ColumnCount || row < 0 || (parent.isValid() && parent.column() != 0))
        return {};
    const Node *p = nodeOf(parent);
    if (static_cast<std::size_t>(row) >= p->children.size())
        return {};
    return createIndex(row, column, p->children[static_cast<std::size_t>(row)].get());
}

QModelIndex NamespaceTreeModel::parent(const QModelIndex &child) const
{
    if (!child.isValid())
        return {};
    return indexOfNode(nodeOf(child)->parent);
}

int NamespaceTreeModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid() && parent.column() != 0)
        return 0;
    return static_cast<int>(nodeOf(parent)->children.size());
}

int NamespaceTreeModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

QModelIndex NamespaceTreeModel::indexOfProcess(int pid) const
{
    auto it = m_byPid.find(pid);
    return it == m_byPid.end() ? QModelIndex() : indexOfNode(it->second);
}

QModelIndex NamespaceTreeModel::indexOfNamespace(const NsId &id) const
{
    auto it = m_byNs.find(id);
    return it == m_byNs.end() ? QModelIndex() : indexOfNode(it->second);
}

// data(): one function per node kind, each a switch of one-line steps per role (hotspot's
// TreeModel::rowData); the longer values have a function each.
namespace
{
using Tree = NamespaceTreeModel;

QString orphanText(Orphan o, const std::optional<NsId> &missing, NsType missingType, bool owner)
{
    const QString what = owner ? QStringLiteral("owner") : QStringLiteral("parent");
    switch (o) {
    case Orphan::KernelSaidNo:
        return what % QStringLiteral(" unknown: the kernel would not tell (EPERM)");
    case Orphan::NotInSnapshot:
        return what % QLatin1Char(' ') % (missing ? views::nsLabel(missingType, *missing) : QString()) %
               QStringLiteral(" not in the snapshot");
    case Orphan::Loop:
        return what % QStringLiteral(" chain loops (inconsistent data)");
    case Orphan::Root:
        return owner ? QStringLiteral("no owner recorded") : QString();
    case Orphan::None:
        break;
    }
    return {};
}

QVariant alignedRight(bool right)
{
    return right ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
}

QBrush mutedBrush()
{
    return QBrush(views::mutedTextColor(QGuiApplication::palette()));
}

/// Icons only in the name column.
QVariant nameIcon(int col, views::NodeIcon kind, NsType type)
{
    return col == Tree::NameColumn ? QVariant(views::nodeIcon(kind, type, QGuiApplication::palette()))
                                   : QVariant();
}

// Group rows ("Owner unknown", "Pid namespace not visible").

QString groupToolTip(const Tree::Node &n)
{
    return n.group == OwnerUnknownGroup
               ? QStringLiteral("Namespaces whose owning user namespace the kernel would not reveal "
                                "or that is not in the snapshot")
               : QStringLiteral("Processes whose pid namespace could not be read (permissions) "
                                "or is not in the snapshot");
}

QVariant groupData(const Tree::Node &n, int col, int role)
{
    switch (role) {
    case Qt::DisplayRole:
        return col == Tree::NameColumn ? QVariant(n.groupTitle) : QVariant();
    case Qt::DecorationRole:
        return nameIcon(col, views::NodeIcon::Group, NsType::Mnt);
    case Qt::ForegroundRole:
        return mutedBrush();
    case Qt::ToolTipRole:
        return groupToolTip(n);
    }
    return {};
}

// Process rows (pid hierarchy).

QVariant processDisplay(const Process &p, int col)
{
    switch (col) {
    case Tree::NameColumn:
        return QString::fromStdString(p.comm);
    case Tree::PidsColumn:
        return views::nspidString(p);
    case Tree::DetailsColumn:
        if (!p.visible)
            return QStringLiteral("namespaces not readable");
        return QString(QStringLiteral("uid ") % QString::number(p.uid) % QStringLiteral(" · ") %
                       views::commandLine(p));
    }
    return {};
}

QString processToolTip(const Process &p)
{
    QString tip = QStringLiteral("PID %1 (%2)").arg(p.pid).arg(QString::fromStdString(p.comm));
    if (p.nspid.size() > 1)
        tip += QStringLiteral("\nPID in each pid namespace, outermost first: ") % views::nspidString(p) %
               QStringLiteral("\n(the last number is what the process sees as its own PID)");
    tip += QStringLiteral("\n") % views::commandLine(p);
    return tip;
}

QVariant processData(const Process &p, int col, int role)
{
    switch (role) {
    case Qt::DisplayRole:
        return processDisplay(p, col);
    case Tree::PidRole:
        return p.pid;
    case Tree::NspidRole:
        return views::nspidString(p);
    case Qt::DecorationRole:
        return nameIcon(col, views::NodeIcon::Process, NsType::Pid);
    case Qt::ForegroundRole:
        return (col == Tree::DetailsColumn || p.kernelThread || !p.visible) ? QVariant(mutedBrush())
                                                                            : QVariant();
    case Qt::TextAlignmentRole:
        return alignedRight(col == Tree::PidsColumn);
    case Qt::ToolTipRole:
        return processToolTip(p);
    }
    return {};
}

// Namespace rows (both hierarchies).

/// A namespace row with what its cells derive from the node.
struct NsRow {
    explicit NsRow(const Tree::Node &n, Tree::Hierarchy h)
        : node(n), ns(*n.ns), hidden(views::isHidden(ns)),
          ownerView(h == Tree::Hierarchy::User && ns.type != NsType::User),
          unknown(n.orphan == Orphan::KernelSaidNo || n.orphan == Orphan::NotInSnapshot ||
                  n.orphan == Orphan::Loop)
    {
    }
    /// Why it sits at the top; in the user hierarchy an owned namespace's "parent" is its owner.
    QString orphan() const
    {
        return orphanText(node.orphan, node.missing, ownerView ? NsType::User : ns.type, ownerView);
    }

    const Tree::Node &node;
    const Namespace &ns;
    const bool hidden;    ///< no process is in it
    const bool ownerView; ///< a non-user namespace under its owner (user hierarchy)
    const bool unknown;   ///< parent/owner unknown, not in the snapshot, or looping
};

QString nsDetails(const NsRow &r)
{
    const Namespace &ns = r.ns;
    QStringList parts;
    if (!r.node.leader.isEmpty())
        parts << r.node.leader;
    if (ns.type == NsType::User && ns.ownerUid)
        parts << QStringLiteral("owner uid ") % QString::number(*ns.ownerUid);
    if (r.hidden) {
        if (ns.foundBy & FoundByBindMount)
            parts << QStringLiteral("hidden: bind mount");
        else if (ns.foundBy & FoundByFd)
            parts << QStringLiteral("hidden: open fd");
        else
            parts << QStringLiteral("hidden: only as ") % (r.ownerView || ns.type == NsType::User
                                                               ? QStringLiteral("parent/owner")
                                                               : QStringLiteral("parent"));
    }
    const QString o = r.orphan();
    if (!o.isEmpty() && r.node.orphan != Orphan::Root)
        parts << o;
    return parts.join(QStringLiteral(" · "));
}

QVariant nsDisplay(const NsRow &r, int col)
{
    switch (col) {
    case Tree::NameColumn:
        return QString(views::nsLabel(r.ns.type, r.ns.id) %
                       (r.ns.isHost ? QStringLiteral("  host") : QString()));
    case Tree::ProcessesColumn:
        return static_cast<int>(r.ns.pids.size());
    case Tree::DetailsColumn:
        return nsDetails(r);
    }
    return {};
}

QVariant nsDecoration(const NsRow &r, int col)
{
    views::NodeIcon kind = views::NodeIcon::Namespace;
    if (r.hidden)
        kind = views::NodeIcon::HiddenNamespace;
    else if (r.unknown)
        kind = views::NodeIcon::UnknownParent;
    else if (r.ns.isHost)
        kind = views::NodeIcon::HostNamespace;
    return nameIcon(col, kind, r.ns.type);
}

QVariant nsFont(const NsRow &r, int col)
{
    if (!r.hidden && !r.ns.isHost)
        return {};
    QFont f = QGuiApplication::font();
    f.setItalic(r.hidden);
    f.setBold(r.ns.isHost && col == Tree::NameColumn);
    return f;
}

QVariant nsForeground(const NsRow &r, int col)
{
    if (r.hidden)
        return QBrush(views::hiddenTextColor(QGuiApplication::palette()));
    if (col == Tree::DetailsColumn)
        return mutedBrush();
    return {};
}

QString nsToolTip(const NsRow &r)
{
    const Namespace &ns = r.ns;
    const std::string_view desc = nsTypeDescription(ns.type);
    QString tip = views::nsLabel(ns.type, ns.id) % (ns.isHost ? QStringLiteral(" — the host's") : QString()) %
                  QStringLiteral("\n") % QString::fromUtf8(desc.data(), static_cast<qsizetype>(desc.size())) %
                  QStringLiteral("\n") % views::foundByText(ns);
    if (ns.type == NsType::User && ns.ownerUid)
        tip += QStringLiteral("\ncreated by uid ") % QString::number(*ns.ownerUid);
    if (!r.node.leader.isEmpty())
        tip += QStringLiteral("\nleading process: ") % r.node.leader;
    if (const QString o = r.orphan(); !o.isEmpty())
        tip += QStringLiteral("\n") % o;
    return tip;
}

QVariant namespaceData(const NsRow &r, int col, int role)
{
    switch (role) {
    case Qt::DisplayRole:
        return nsDisplay(r, col);
    case Tree::NsTypeRole:
        return static_cast<int>(nsviz::index(r.ns.type));
    case Tree::NsInodeRole:
        return QVariant::fromValue<qulonglong>(r.ns.id.ino);
    case Tree::HiddenRole:
        return r.hidden;
    case Tree::HostRole:
        return r.ns.isHost;
    case Tree::UnknownParentRole:
        return r.unknown;
    case Tree::FoundByRole:
        return static_cast<int>(r.ns.foundBy);
    case Qt::DecorationRole:
        return nsDecoration(r, col);
    case Qt::FontRole:
        return nsFont(r, col);
    case Qt::ForegroundRole:
        return nsForeground(r, col);
    case Qt::TextAlignmentRole:
        return alignedRight(col == Tree::ProcessesColumn);
    case Qt::ToolTipRole:
        return nsToolTip(r);
    }
    return {};
}
} // namespace

QVariant NamespaceTreeModel::data(const QModelIndex &idx, int role) const
{
    if (!checkIndex(idx, CheckIndexOption::IndexIsValid | CheckIndexOption::DoNotUseParent))
        return {};
    const Node &n = *nodeOf(idx);
    if (role == KindRole)
        return static_cast<int>(n.kind);
    // Redact Names: text passes the window's gate (process rows show the program name only).
    const RedactionGate *gate = RedactionGate::of(m_store);
    if (gate && gate->enabled() && (role == Qt::DisplayRole || role == Qt::ToolTipRole)) {
        QVariant v;
        if (n.kind == NodeKind::Process) {
            Process p = *n.proc;
            if (!p.cmdline.empty())
                p.cmdline = {Redactor::programName(p.cmdline.front())};
            v = processData(p, idx.column(), role);
        } else {
            v = plainData(n, idx, role);
        }
        return v.typeId() == QMetaType::QString ? QVariant(gate->text(v.toString())) : v;
    }
    return plainData(n, idx, role);
}

QVariant NamespaceTreeModel::plainData(const Node &n, const QModelIndex &idx, int role) const
{
    switch (n.kind) {
    case NodeKind::Group:
        return groupData(n, idx.column(), role);
    case NodeKind::Process:
        return processData(*n.proc, idx.column(), role);
    case NodeKind::Namespace:
        return namespaceData(NsRow(n, m_hierarchy), idx.column(), role);
    }
    return {};
}

QVariant NamespaceTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractItemModel::headerData(section, orientation, role);
    switch (section) {
    case NameColumn:
        return m_hierarchy == Hierarchy::User ? QStringLiteral("User namespace / owned namespaces")
                                              : QStringLiteral("Pid namespace / processes");
    case ProcessesColumn:
        return QStringLiteral("Procs");
    case PidsColumn:
        return QStringLiteral("PID (outer/…/inner)");
    case DetailsColumn:
        return QStringLiteral("Details");
    }
    return {};
}

} // namespace nsviz
