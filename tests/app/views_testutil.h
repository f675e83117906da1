// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Shared by the views_* tests: load fixtures, derive consistent snapshots from edited ones, and dump
// a model's whole content so an incrementally updated model can be compared with a freshly built one.

#include "core/model/delta.h"
#include "core/model/model.h"
#include "core/protocol/snapshotjson.h"

#include <QAbstractItemModel>
#include <QBrush>
#include <QFile>
#include <QFont>
#include <QIcon>
#include <QStringList>

#include <algorithm>
#include <map>
#include <string>

namespace nsviz::testutil
{

inline Snapshot loadSnapshot(const char *name)
{
    QFile f(QStringLiteral(NSVIZ_TEST_DATA "/snapshots/") + QString::fromUtf8(name));
    if (!f.open(QIODevice::ReadOnly))
        throw std::runtime_error(std::string("cannot open fixture ") + name);
    return snapshotFromJsonText(f.readAll().toStdString());
}

/// Recompute what discovery would derive from the processes: each namespace's pids, the processes'
/// differsFromHost, host flags, and the sort orders. Namespaces no process is in keep existing only
/// when something else holds them (found by bind mount, fd or as a parent/owner); a namespace that
/// was only "process" and lost its last process disappears, as it does on a real host.
inline void finalize(Snapshot &s)
{
    std::sort(s.processes.begin(), s.processes.end(), [](auto &a, auto &b) { return a.pid < b.pid; });
    std::map<NsId, Namespace> nss;
    for (auto &n : s.namespaces) {
        n.pids.clear();
        nss.emplace(n.id, n);
    }
    for (auto &p : s.processes) {
        p.differsFromHost = 0;
        for (NsType t : kAllNsTypes) {
            const NsId &id = p.ns[index(t)];
            if (!id.valid())
                continue;
            if (id != s.hostNs[index(t)] && s.hostNs[index(t)].valid())
                p.differsFromHost |= 1u << index(t);
            auto it = nss.find(id);
            if (it == nss.end()) {
                Namespace n;
                n.type = t;
                n.id = id;
                n.owner = s.hostNs[index(NsType::User)];
                if (t == NsType::Pid || t == NsType::User)
                    n.parent = s.hostNs[index(t)];
                it = nss.emplace(id, n).first;
            }
            it->second.pids.push_back(p.pid);
            it->second.foundBy |= FoundByProcess;
        }
    }
    s.namespaces.clear();
    for (auto &[id, n] : nss) {
        if (n.pids.empty())
            n.foundBy &= static_cast<std::uint8_t>(~FoundByProcess);
        if (n.foundBy == 0)
            continue;
        n.isHost = s.hostNs[index(n.type)] == n.id;
        s.namespaces.push_back(n);
    }
    std::sort(s.namespaces.begin(), s.namespaces.end(),
              [](auto &a, auto &b) { return std::pair(a.type, a.id) < std::pair(b.type, b.id); });
}

inline Process *findProc(Snapshot &s, int pid)
{
    for (auto &p : s.processes)
        if (p.pid == pid)
            return &p;
    return nullptr;
}

inline Namespace *findNs(Snapshot &s, std::uint64_t ino)
{
    for (auto &n : s.namespaces)
        if (n.id.ino == ino)
            return &n;
    return nullptr;
}

inline Process makeProcess(int pid, std::uint64_t start, const std::string &comm, const Snapshot &like)
{
    Process p;
    p.pid = pid;
    p.ppid = 1;
    p.startTime = start;
    p.comm = comm;
    p.cmdline = {"/usr/bin/" + comm};
    p.nspid = {pid};
    p.state = 'S';
    p.ns = like.hostNs;
    return p;
}

/// A comparable text for any data() value, including brushes, fonts and icons.
inline QString cellText(const QVariant &v)
{
    switch (v.typeId()) {
    case QMetaType::QBrush:
        return QStringLiteral("brush:") + v.value<QBrush>().color().name();
    case QMetaType::QColor:
        return QStringLiteral("color:") + v.value<QColor>().name();
    case QMetaType::QFont:
        return QStringLiteral("font:") + v.value<QFont>().toString();
    case QMetaType::QIcon:
        return QStringLiteral("icon:") + QString::number(v.value<QIcon>().cacheKey());
    default:
        return v.toString();
    }
}

/// Every cell of every row (recursively) for the given roles, one line per row, indented by depth.
inline QStringList dumpModel(const QAbstractItemModel &m, const QList<int> &roles,
                             const QModelIndex &parent = {}, int depth = 0)
{
    QStringList out;
    for (int r = 0; r < m.rowCount(parent); ++r) {
        QStringList cells;
        for (int c = 0; c < m.columnCount(parent); ++c)
            for (int role : roles)
                cells << cellText(m.index(r, c, parent).data(role));
        out << QString(depth * 2, QLatin1Char(' ')) + cells.join(QLatin1Char('|'));
        out << dumpModel(m, roles, m.index(r, 0, parent), depth + 1);
    }
    return out;
}

/// The first line where two model dumps differ, for a readable failure message ("" when equal).
inline std::string firstDifference(const QStringList &a, const QStringList &b)
{
    for (qsizetype i = 0; i < std::min(a.size(), b.size()); ++i)
        if (a[i] != b[i])
            return "line " + std::to_string(i) + ":\n  " + a[i].toStdString() + "\n  " + b[i].toStdString();
    return a.size() == b.size() ? std::string()
                                : "lengths " + std::to_string(a.size()) + " vs " + std::to_string(b.size());
}

/// A sequence of snapshots, each derived from the previous, exercising every kind of change the
/// models must follow: new processes in fresh namespaces (nested pid namespaces), changed processes,
/// removals, a reused pid, a whole container going away, hidden namespaces appearing and vanishing,
/// a parent becoming known, a process moving namespace, many interleaved additions, and a new host
/// reference.
inline std::vector<Snapshot> deltaSequence(const Snapshot &start)
{
    std::vector<Snapshot> seq{start};
    auto next = [&](auto edit) {
        Snapshot s = seq.back();
        edit(s);
        finalize(s);
        seq.push_back(std::move(s));
    };
    const std::uint64_t dev = start.hostNs[index(NsType::Mnt)].dev;
    // 1. A new container: fresh mnt/pid/net, pid nested under the host.
    next([&](Snapshot &s) {
        Process p = makeProcess(10000, 777, "redis-server", s);
        p.ns[index(NsType::Mnt)] = {dev, 4026533000};
        p.ns[index(NsType::Pid)] = {dev, 4026533001};
        p.ns[index(NsType::Net)] = {dev, 4026533002};
        p.nspid = {10000, 1};
        s.processes.push_back(p);
    });
    // 2. Changed processes: new command line, new uid.
    next([&](Snapshot &s) {
        findProc(s, 612)->cmdline = {"sshd: trainer [priv]"};
        findProc(s, 6040)->uid = 102;
    });
    // 3. A process exits.
    next([&](Snapshot &s) { std::erase_if(s.processes, [](auto &p) { return p.pid == 6040; }); });
    // 4. Reused pid: 1500 exits and a new 1500 (other start time) starts in the podman namespaces.
    next([&](Snapshot &s) {
        Process *old = findProc(s, 1500);
        Process p = *old;
        p.startTime += 100000;
        p.comm = "bash-reborn";
        p.ns = findProc(s, 7100)->ns;
        p.nspid = {1500, 2};
        *old = p;
    });
    // 5. A whole container goes away.
    next([&](Snapshot &s) { std::erase_if(s.processes, [](auto &p) { return p.pid == 6025; }); });
    // 6. Hidden namespaces change, and an unknown parent becomes known.
    next([&](Snapshot &s) {
        std::erase_if(s.namespaces, [](auto &n) { return n.id.ino == 4026532600; });
        Namespace u;
        u.type = NsType::User;
        u.id = {dev, 4026533100};
        u.foundBy = FoundByHidden;
        u.parent = s.hostNs[index(NsType::User)];
        u.owner = u.parent;
        u.ownerUid = 1000;
        s.namespaces.push_back(u);
        Namespace *m = findNs(s, 4026532800);
        m->parentKnown = true;
        m->parent = s.hostNs[index(NsType::Pid)];
        m->ownerKnown = true;
        m->owner = s.hostNs[index(NsType::User)];
    });
    // 7. A process moves into the host's mount namespace (setns).
    next([&](Snapshot &s) { findProc(s, 8200)->ns[index(NsType::Mnt)] = s.hostNs[index(NsType::Mnt)]; });
    // 8. Many processes at once, interleaved with existing pids, in a pid namespace nested twice.
    next([&](Snapshot &s) {
        for (int i = 0; i < 40; ++i) {
            Process p = makeProcess(600 + i * 230, 5000 + static_cast<std::uint64_t>(i), "job", s);
            if (p.pid == 612 || findProc(s, p.pid))
                continue;
            p.ns = findProc(s, 7150)->ns;
            p.ns[index(NsType::Pid)] = {dev, 4026533200};
            p.nspid = {p.pid, 300 + i, i + 1};
            s.processes.push_back(p);
        }
        Namespace pidns;
        pidns.type = NsType::Pid;
        pidns.id = {dev, 4026533200};
        pidns.parent = NsId{dev, 4026532410};
        pidns.owner = findProc(s, 7150)->ns[index(NsType::User)];
        s.namespaces.push_back(pidns);
    });
    // 9. A new host reference: its mount namespace differs, so greyed cells move.
    next([&](Snapshot &s) {
        s.host.referencePid = 2;
        s.host.referenceComm = "kthreadd";
        s.hostNs[index(NsType::Mnt)] = {dev, 4026533300};
        findProc(s, 2)->ns[index(NsType::Mnt)] = {dev, 4026533300};
    });
    // 10. Many non-adjacent exits at once.
    next([&](Snapshot &s) {
        std::erase_if(s.processes, [](auto &p) { return p.comm == "job" && p.pid % 3 == 0; });
        std::erase_if(s.processes, [](auto &p) { return p.pid == 10000 || p.pid == 7150; });
    });
    return seq;
}

} // namespace nsviz::testutil
