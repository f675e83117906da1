// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/models/processtablemodel.h"

#include "app/logging/logging.h"
#include "app/models/hostsharing.h"
#include "app/models/redactiongate.h"
#include "app/models/snapshotstore.h"
#include "app/models/usernames.h"
#include "app/models/viewhelpers.h"
#include "core/sandbox/sandbox.h"

#include <QBrush>
#include <QGuiApplication>

#include <algorithm>

namespace nsviz
{

namespace
{
auto pidLess = [](const auto &row, int pid) { return row->pid < pid; };

} // namespace

/// Each listed member and the first sandbox listing it, ascending member.
ProcessTableModel::SandboxLabels ProcessTableModel::sandboxLabels(const std::vector<Sandbox> &sandboxes)
{
    SandboxLabels out;
    out.labels.reserve(sandboxes.size());
    for (std::uint32_t i = 0; i < sandboxes.size(); ++i) {
        out.labels.push_back(sandboxLabel(sandboxes[i]));
        for (const SandboxMember &m : sandboxes[i].processes)
            out.of.emplace_back(m, i);
    }
    // By member, then by place in the list: for a member listed twice the first sandbox comes first
    // and stays.
    std::sort(out.of.begin(), out.of.end());
    out.of.erase(std::unique(out.of.begin(), out.of.end(),
                             [](const auto &a, const auto &b) { return a.first == b.first; }),
                 out.of.end());
    return out;
}

ProcessTableModel::ProcessTableModel(SnapshotStore *store, QObject *parent)
    : QAbstractTableModel(parent), m_store(store)
{
    connect(store, &SnapshotStore::aboutToReset, this, &ProcessTableModel::onAboutToReset);
    connect(store, &SnapshotStore::snapshotReset, this, &ProcessTableModel::onReset);
    connect(store, &SnapshotStore::deltaApplied, this, &ProcessTableModel::onDeltaApplied);
    // Redact Names: every text cell changes at once (what is shown is what an export shows).
    if (auto *gate = RedactionGate::of(store))
        connect(gate, &RedactionGate::enabledChanged, this, [this] {
            if (rowCount() > 0)
                Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
        });
    loadFromStore();
}

void ProcessTableModel::loadFromStore()
{
    const Snapshot &s = m_store->snapshot();
    m_rows.clear();
    m_rows.reserve(s.processes.size());
    for (const auto &p : s.processes)
        m_rows.push_back({std::make_shared<const Process>(p), {}});
    m_hostNs = s.hostNs;
    m_resolveUsers = UserNames::isLocalSnapshot(s);
    m_sandboxOf = sandboxLabels(s.sandboxes);
}

void ProcessTableModel::onAboutToReset()
{
    beginResetModel();
}

void ProcessTableModel::onReset()
{
    loadFromStore();
    endResetModel();
}

void ProcessTableModel::signalRows(std::vector<int> &rows, const QList<int> &roles)
{
    // One dataChanged per contiguous run of rows, whole rows.
    std::sort(rows.begin(), rows.end());
    for (std::size_t i = 0; i < rows.size();) {
        std::size_t j = i + 1;
        while (j < rows.size() && rows[j] == rows[j - 1] + 1)
            ++j;
        Q_EMIT dataChanged(index(rows[i], 0), index(rows[j - 1], ColumnCount - 1), roles);
        i = j;
    }
}

void ProcessTableModel::onDeltaApplied(const SnapshotDelta &d)
{
    auto rowOfKey = [this](const ProcKey &k) -> int {
        auto it = std::lower_bound(m_rows.begin(), m_rows.end(), k.pid, pidLess);
        if (it == m_rows.end() || (*it)->pid != k.pid || (*it)->startTime != k.startTime)
            return -1;
        return static_cast<int>(it - m_rows.begin());
    };

    // Removals first (a reused pid is a removal plus an addition), in descending contiguous runs.
    std::vector<int> rows;
    for (const auto &k : d.removedProcesses)
        if (int r = rowOfKey(k); r >= 0)
            rows.push_back(r);
    std::sort(rows.begin(), rows.end(), std::greater<>());
    for (std::size_t i = 0; i < rows.size();) {
        std::size_t j = i + 1;
        while (j < rows.size() && rows[j] == rows[j - 1] - 1)
            ++j;
        const int last = rows[i], first = rows[j - 1];
        beginRemoveRows({}, first, last);
        m_rows.erase(m_rows.begin() + first, m_rows.begin() + last + 1);
        endRemoveRows();
        i = j;
    }

    // Changes: replace in place, signalled in contiguous runs.
    rows.clear();
    for (const auto &p : d.changedProcesses)
        if (int r = rowOfKey(p.key()); r >= 0) {
            m_rows[static_cast<std::size_t>(r)] = {std::make_shared<const Process>(p), {}};
            rows.push_back(r);
        }
    signalRows(rows, {});

    // A new reference process changes which cells are greyed, not the rows.
    if (d.hostNs != m_hostNs) {
        m_hostNs = d.hostNs;
        if (!m_rows.empty())
            Q_EMIT dataChanged(index(0, FirstNsColumn), index(rowCount() - 1, ColumnCount - 1));
    }
    if (const bool local = UserNames::isLocalSnapshot(m_store->snapshot()); local != m_resolveUsers) {
        m_resolveUsers = local;
        for (const Row &r : m_rows)
            r.search = QString(); // user names are part of the search text
    }

    // Additions: runs of new processes that land between the same two existing rows go in together.
    std::vector<const Process *> added;
    for (const auto &p : d.addedProcesses)
        added.push_back(&p);
    std::sort(added.begin(), added.end(), [](auto *a, auto *b) { return a->pid < b->pid; });
    for (std::size_t i = 0; i < added.size();) {
        auto pos = std::lower_bound(m_rows.begin(), m_rows.end(), added[i]->pid, pidLess);
        const int row = static_cast<int>(pos - m_rows.begin());
        std::size_t j = i + 1;
        while (j < added.size() && (pos == m_rows.end() || added[j]->pid < (*pos)->pid))
            ++j;
        beginInsertRows({}, row, row + static_cast<int>(j - i) - 1);
        std::vector<Row> run;
        for (std::size_t k = i; k < j; ++k)
            run.push_back({std::make_shared<const Process>(*added[k]), {}});
        m_rows.insert(m_rows.begin() + row, std::make_move_iterator(run.begin()),
                      std::make_move_iterator(run.end()));
        endInsertRows();
        i = j;
    }

    // The store applied the same delta to the same state, so the mirror matches it (the models
    // tests check every row under churn). A size check costs nothing and catches a broken mirror
    // loudly; comparing every row per delta would make each update O(N).
    if (m_rows.size() != m_store->snapshot().processes.size()) {
        qCWarning(lcModels) << "ProcessTableModel: rows diverged from the snapshot after a delta; resetting";
        beginResetModel();
        loadFromStore();
        endResetModel();
        return;
    }
    // New sandboxes can change which sandbox a process is "in" (its tooltip) without the process
    // itself changing: a launcher joins the sandbox it just started, for one. The delta carries them
    // whenever some sandbox changed, which under churn is nearly every delta: only the rows whose
    // "in …" line differs are signalled (one signal over every row made the sort proxy walk 10k rows
    // per delta). The search text does not contain the sandbox.
    if (d.changesSandboxes()) {
        auto now = sandboxLabels(m_store->snapshot().sandboxes);
        std::vector<SandboxMember> touched;
        auto a = m_sandboxOf.of.cbegin(), b = now.of.cbegin();
        const auto aEnd = m_sandboxOf.of.cend(), bEnd = now.of.cend();
        while (a != aEnd || b != bEnd) {
            if (b == bEnd || (a != aEnd && a->first < b->first)) {
                touched.push_back((a++)->first);
            } else if (a == aEnd || b->first < a->first) {
                touched.push_back((b++)->first);
            } else {
                if (m_sandboxOf.label(*a) != now.label(*b))
                    touched.push_back(a->first);
                ++a;
                ++b;
            }
        }
        m_sandboxOf = std::move(now);
        rows.clear();
        for (const SandboxMember &m : touched)
            if (int r = rowOfKey(ProcKey{m.pid, m.startTime}); r >= 0)
                rows.push_back(r);
        signalRows(rows, {Qt::ToolTipRole});
    }
}

QString ProcessTableModel::searchText(int row) const
{
    const Process *p = processAt(row);
    if (!p)
        return {};
    QString text = QString::number(p->pid) % QLatin1Char('\n') % QString::number(p->ppid) %
                   QLatin1Char('\n') % UserNames::describe(p->uid, m_resolveUsers) % QLatin1Char('\n') %
                   QString::fromStdString(p->comm) % QLatin1Char('\n') % views::commandLine(*p);
    for (const NsId &id : p->ns)
        if (id.valid())
            text += QLatin1Char('\n') % QString::number(id.ino);
    return text;
}

const QString &ProcessTableModel::lowerSearchText(int row) const
{
    static const QString none;
    if (row < 0 || row >= rowCount())
        return none;
    const Row &r = m_rows[static_cast<std::size_t>(row)];
    if (r.search.isNull())
        r.search = searchText(row).toLower();
    return r.search;
}

int ProcessTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int ProcessTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

int ProcessTableModel::rowOfPid(int pid) const
{
    auto it = std::lower_bound(m_rows.begin(), m_rows.end(), pid, pidLess);
    return (it != m_rows.end() && (*it)->pid == pid) ? static_cast<int>(it - m_rows.begin()) : -1;
}

const Process *ProcessTableModel::processAt(int row) const
{
    return (row >= 0 && row < rowCount()) ? m_rows[static_cast<std::size_t>(row)].proc.get() : nullptr;
}

bool ProcessTableModel::hostNetWarning(const Process &p) const
{
    // The same rule as the cluster view and the findings panel, so every view flags the same processes.
    return hostRelation(m_store->snapshot(), p) == HostRelation::HostNetWarning;
}

bool ProcessTableModel::hostEqual(const Process &p, NsType t) const
{
    const NsId &id = p.ns[nsviz::index(t)];
    return id.valid() && id == m_hostNs[nsviz::index(t)];
}

// data(): the roles every cell answers, then one function for the namespace columns and one for the
// others, each a switch of one-line steps per role (hotspot's TreeModel::rowData).
namespace
{
using Table = ProcessTableModel;

QVariant alignment(int col)
{
    const bool number = col == Table::PidColumn || col == Table::PpidColumn || Table::isNsColumn(col);
    return QVariant((number ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter);
}

QBrush mutedBrush()
{
    return QBrush(views::mutedTextColor(QGuiApplication::palette()));
}

QVariant processDisplay(const Process &p, int col, bool resolveUsers)
{
    switch (col) {
    case Table::PidColumn:
        return p.pid;
    case Table::PpidColumn:
        return p.ppid;
    case Table::UserColumn:
        return UserNames::describe(p.uid, resolveUsers);
    case Table::CommandColumn:
        return views::commandLine(p);
    }
    return {};
}

/// Plain text for copying: user names only mean something on this host, so the uid stays a number.
QVariant processTsv(const Process &p, int col)
{
    switch (col) {
    case Table::PidColumn:
        return QString::number(p.pid);
    case Table::PpidColumn:
        return QString::number(p.ppid);
    case Table::UserColumn:
        return QString::number(p.uid);
    case Table::CommandColumn:
        return views::commandLine(p);
    }
    return {};
}

QVariant processSortKey(const Process &p, int col)
{
    switch (col) {
    case Table::PidColumn:
        return p.pid;
    case Table::PpidColumn:
        return p.ppid;
    case Table::UserColumn:
        return QVariant::fromValue<uint>(p.uid);
    case Table::CommandColumn:
        return views::commandLine(p);
    }
    return {};
}

QString processToolTip(const Snapshot &s, const Process &p, int col)
{
    QString tip = QStringLiteral("PID %1 (%2)").arg(p.pid).arg(QString::fromStdString(p.comm));
    if (const QString sandbox = views::sandboxName(s, p); !sandbox.isEmpty())
        tip += QStringLiteral("\nin ") % sandbox;
    if (p.exited)
        tip += QStringLiteral("\nexited (a zombie): its namespaces are released");
    if (p.nspid.size() > 1)
        tip += QStringLiteral("\nPIDs by pid namespace (outermost first): ") % views::nspidString(p);
    tip += QStringLiteral("\nuid %1, euid %2, gid %3").arg(p.uid).arg(p.euid).arg(p.gid);
    if (!p.cgroup.empty())
        tip += QStringLiteral("\ncgroup ") % QString::fromStdString(p.cgroup);
    if (p.kernelThread)
        tip += QStringLiteral("\nkernel thread");
    if (!p.visible)
        tip += QStringLiteral("\nsome namespaces not readable (authenticate to see all)");
    if (col == Table::CommandColumn)
        tip = views::commandLine(p) % QStringLiteral("\n") % tip;
    return tip;
}
} // namespace

QVariant ProcessTableModel::data(const QModelIndex &idx, int role) const
{
    if (!checkIndex(idx, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Process &p = *m_rows[static_cast<std::size_t>(idx.row())].proc;
    const int col = idx.column();
    switch (role) {
    case PidRole:
        return p.pid;
    case HostNetWarningRole:
        return hostNetWarning(p);
    }
    return isNsColumn(col) ? nsCellData(p, nsTypeOfColumn(col), role) : processCellData(p, col, role);
}

QVariant ProcessTableModel::processCellData(const Process &in, int col, int role) const
{
    // With Redact Names on, the row is drawn from a redacted copy: program name only, names in
    // comm and cgroup replaced; user names are hidden by the gate's text rule.
    const RedactionGate *gate = RedactionGate::of(m_store);
    const bool redact =
        gate && gate->enabled() &&
        (role == Qt::DisplayRole || role == TsvRole || role == Qt::ToolTipRole || role == SortRole);
    Process redacted;
    if (redact) {
        redacted = in;
        const Redactor &r = gate->redactor();
        redacted.comm = r.text(in.comm);
        if (!in.cmdline.empty())
            redacted.cmdline = {r.text(Redactor::programName(in.cmdline.front()))};
        redacted.cgroup = r.text(in.cgroup);
    }
    const Process &p = redact ? redacted : in;
    if (redact && role != SortRole) {
        QVariant v = plainCellData(p, col, role);
        if (v.typeId() == QMetaType::QString)
            return gate->text(v.toString());
        return v;
    }
    return plainCellData(p, col, role);
}

QVariant ProcessTableModel::plainCellData(const Process &p, int col, int role) const
{
    switch (role) {
    case Qt::DisplayRole:
        return processDisplay(p, col, m_resolveUsers);
    case TsvRole:
        return processTsv(p, col);
    case SortRole:
        return processSortKey(p, col);
    case Qt::TextAlignmentRole:
        return alignment(col);
    case Qt::ForegroundRole:
        return (p.kernelThread || !p.visible) ? QVariant(mutedBrush()) : QVariant();
    case Qt::ToolTipRole:
        return processToolTip(m_store->snapshot(), p, col);
    }
    return {};
}

QVariant ProcessTableModel::nsCellData(const Process &p, NsType t, int role) const
{
    const NsId &id = p.ns[nsviz::index(t)];
    switch (role) {
    case Qt::DisplayRole:
        return id.valid() ? QString::number(id.ino) : QStringLiteral("—");
    case TsvRole:
        return id.valid() ? QString::number(id.ino) : QString();
    case SortRole:
    case NsInodeRole:
        return QVariant::fromValue<qulonglong>(id.ino);
    case HostEqualRole:
        return hostEqual(p, t);
    case Qt::DecorationRole:
        return netCellWarns(p, t)
                   ? QVariant(views::nodeIcon(views::NodeIcon::Warning, t, QGuiApplication::palette()))
                   : QVariant();
    case Qt::TextAlignmentRole:
        return alignment(columnOfNsType(t));
    case Qt::ForegroundRole:
        return nsForeground(p, t);
    case Qt::BackgroundRole:
        return isolatedFromKnownHost(p, t) ? QVariant(QBrush(views::differsTint(QGuiApplication::palette())))
                                           : QVariant();
    case Qt::ToolTipRole:
        return nsToolTip(p, t);
    }
    return {};
}

bool ProcessTableModel::netCellWarns(const Process &p, NsType t) const
{
    return t == NsType::Net && hostNetWarning(p);
}

bool ProcessTableModel::isolatedFromKnownHost(const Process &p, NsType t) const
{
    return p.ns[nsviz::index(t)].valid() && !hostEqual(p, t) && m_hostNs[nsviz::index(t)].valid();
}

QVariant ProcessTableModel::nsForeground(const Process &p, NsType t) const
{
    if (netCellWarns(p, t))
        return QBrush(views::warningTextColor(QGuiApplication::palette()));
    if (hostEqual(p, t) || !p.ns[nsviz::index(t)].valid())
        return mutedBrush();
    return {};
}

QString ProcessTableModel::nsToolTip(const Process &p, NsType t) const
{
    const NsId &id = p.ns[nsviz::index(t)];
    const NsId &host = m_hostNs[nsviz::index(t)];
    if (!id.valid())
        return QStringLiteral("%1: not readable (permissions, or the kernel lacks this type)")
            .arg(views::typeName(t));
    QString verdict;
    if (!host.valid())
        verdict = QStringLiteral("host's %1 namespace unknown").arg(views::typeName(t));
    else if (hostEqual(p, t))
        verdict = QStringLiteral("shared with the host");
    else
        verdict = QStringLiteral("isolated: differs from the host's ") % views::nsLabel(t, host);
    const std::string_view desc = nsTypeDescription(t);
    QString tip = views::nsLabel(t, id) % QStringLiteral(" — ") % verdict % QStringLiteral("\n") %
                  QString::fromUtf8(desc.data(), static_cast<qsizetype>(desc.size()));
    if (netCellWarns(p, t))
        tip += QStringLiteral("\n⚠ Shares the host's network namespace while isolated otherwise "
                              "(host networking): it sees and can bind the host's interfaces.");
    return tip;
}

QVariant ProcessTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::DisplayRole || role == TsvRole) {
        switch (section) {
        case PidColumn:
            return QStringLiteral("PID");
        case PpidColumn:
            return QStringLiteral("PPID");
        case UserColumn:
            return QStringLiteral("User");
        case CommandColumn:
            return QStringLiteral("Command");
        default:
            return views::typeName(nsTypeOfColumn(section));
        }
    }
    if (role == Qt::ToolTipRole && isNsColumn(section)) {
        const NsType t = nsTypeOfColumn(section);
        const std::string_view desc = nsTypeDescription(t);
        return QString(views::typeName(t) % QStringLiteral(" namespace inode — ") %
                       QString::fromUtf8(desc.data(), static_cast<qsizetype>(desc.size())) %
                       QStringLiteral("\nGreyed: same as the host's; tinted: isolated from the host."));
    }
    return {};
}

} // namespace nsviz
