// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// One row per process: pid, ppid, user, command and the eight namespace inodes. Follows the
// SnapshotStore with row inserts/removals/dataChanged per delta; resets only on a new snapshot.

#include "core/model/model.h"

#include <QAbstractTableModel>

#include <memory>
#include <vector>

namespace nsviz
{

class SnapshotStore;
struct SnapshotDelta;

class ProcessTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        PidColumn = 0,
        PpidColumn,
        UserColumn,
        /// Before the namespace columns: what a process is must be on screen, not past eight inode
        /// columns at the right edge of a laptop.
        CommandColumn,
        FirstNsColumn, ///< then one column per NsType in kAllNsTypes order
        ColumnCount = FirstNsColumn + static_cast<int>(kNsTypeCount),
    };
    enum Role {
        SortRole = Qt::UserRole + 1, ///< numbers for numeric columns, text otherwise
        PidRole,                     ///< the row's pid (any column)
        HostEqualRole,               ///< namespace columns: true when the inode equals the host's
        NsInodeRole,                 ///< namespace columns: the inode (0 when unreadable)
        TsvRole,                     ///< plain text for copying: full inode, no decoration
        HostNetWarningRole, ///< true (any column): hostRelation() says HostNetWarning (host net, own mnt or
                            ///< pid)
    };

    explicit ProcessTableModel(SnapshotStore *store, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    /// Row of @p pid, or -1.
    int rowOfPid(int pid) const;
    const Process *processAt(int row) const;
    /// Everything the filter matches against, one field per line: pid, ppid, user (as shown),
    /// comm, command line and the inodes. One string per row instead of a data() call per cell.
    QString searchText(int row) const;
    /// searchText() lower-cased, cached per row until the process changes.
    const QString &lowerSearchText(int row) const;

    static bool isNsColumn(int column) { return column >= FirstNsColumn && column < ColumnCount; }
    static NsType nsTypeOfColumn(int column)
    {
        return kAllNsTypes[static_cast<std::size_t>(column - FirstNsColumn)];
    }
    static int columnOfNsType(NsType t) { return FirstNsColumn + static_cast<int>(nsviz::index(t)); }

private:
    /// Each sandbox member and the label of the first sandbox listing it (sandboxOf()'s rule),
    /// ascending member: what the "in …" line of a process's tooltip says. Kept to tell which rows a
    /// delta's new sandbox list touches. A member holds its sandbox's place in `labels`, not a copy
    /// of the label: under churn nearly every delta brings a new list (10k members).
    struct SandboxLabels {
        std::vector<std::string> labels; ///< per sandbox, in the list's order
        std::vector<std::pair<SandboxMember, std::uint32_t>> of;
        const std::string &label(const std::pair<SandboxMember, std::uint32_t> &m) const
        {
            return labels[m.second];
        }
    };
    static SandboxLabels sandboxLabels(const std::vector<Sandbox> &sandboxes);
    void onAboutToReset();
    void onReset();
    void onDeltaApplied(const SnapshotDelta &delta);
    void loadFromStore();
    /// dataChanged for @p rows (sorted here) with @p roles, one signal per contiguous run.
    void signalRows(std::vector<int> &rows, const QList<int> &roles);
    bool hostEqual(const Process &p, NsType t) const;
    bool hostNetWarning(const Process &p) const;
    /// The net column of a process that hostNetWarning() flags.
    bool netCellWarns(const Process &p, NsType t) const;
    /// Readable, and not the host's while the host's is known: tinted.
    bool isolatedFromKnownHost(const Process &p, NsType t) const;
    // data() per kind of column.
    QVariant processCellData(const Process &p, int column, int role) const;
    QVariant plainCellData(const Process &p, int column, int role) const;
    QVariant nsCellData(const Process &p, NsType t, int role) const;
    QVariant nsForeground(const Process &p, NsType t) const;
    QString nsToolTip(const Process &p, NsType t) const;

    SnapshotStore *m_store;
    /// Sorted by pid, mirrors m_store->snapshot().processes. Pointers, so that inserting or removing a
    /// row moves a few bytes per later row, not a whole Process (10k-process hosts).
    struct Row {
        std::shared_ptr<const Process> proc;
        /// searchText(), lower-cased, made on first use: a filter keystroke over 10k rows then costs
        /// substring searches, not 10k string builds. Dropped with the row when the process changes.
        mutable QString search;
        const Process *operator->() const { return proc.get(); }
    };
    std::vector<Row> m_rows;
    SandboxLabels m_sandboxOf;
    std::array<NsId, kNsTypeCount> m_hostNs{};
    bool m_resolveUsers = false;
};

} // namespace nsviz
