// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// The change list of a comparison of two moments (nsviz.compare/1, docs/compare.md) as rows: one
// per sandbox, namespace or process that appeared, disappeared, moved or changed. Read straight
// from the core's document, so the GUI lists exactly what `nsviz-helper compare` reports; the
// picture's change list and the Markdown export are made from the same rows.

#include <QAbstractTableModel>
#include <QString>
#include <QStringList>
#include <nlohmann/json.hpp>
#include <vector>

namespace nsviz
{

struct CompareRow {
    enum class Change { Appeared, Disappeared, Moved, Changed };
    enum class Kind { Sandbox, Namespace, Process };
    Change change = Change::Appeared;
    Kind kind = Kind::Process;
    QString item;   ///< "net 4026532001", "4242 nginx", "podman web"
    QString detail; ///< "nginx, sh", "new mnt, pid, net", "net 4026531840 → 4026532001 (new)"
    // Identity, for tests and the picture's marks.
    int pid = 0;
    quint64 startTime = 0;
    QString nsType;
    quint64 dev = 0, inode = 0;
    QString sandboxId;

    /// "new", "gone", "moved" (a changed sandbox is "moved": its members moved).
    QString mark() const;
    /// "+", "−", "→", "~".
    QString sign() const;
    /// One line: sign, item, detail.
    QString line() const;
    static QString changeName(Change c);
    static QString kindName(Kind k);
};

class CompareModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { ColChange, ColKind, ColItem, ColDetail, ColCount };
    enum Role { MarkRole = Qt::UserRole + 1 };

    explicit CompareModel(QObject *parent = nullptr);

    /// Shows @p cmp (an nsviz.compare/1 document; anything else shows nothing).
    void setComparison(const nlohmann::json &cmp);
    const nlohmann::json &comparison() const { return m_cmp; }
    const std::vector<CompareRow> &rows() const { return m_rows; }

    /// The rows of @p cmp, in the order listed: sandboxes, then processes that moved, then
    /// namespaces, then processes (each appeared before disappeared).
    static std::vector<CompareRow> rowsOf(const nlohmann::json &cmp);
    /// "before.json (10:02:14) → after.json (10:04:51)".
    static QString title(const nlohmann::json &cmp);
    /// "+2 namespaces, −1 · +5 processes, −3, 1 moved · +1 sandbox".
    static QString summary(const nlohmann::json &cmp);
    /// A Markdown report: title, summary, notes and one table of the rows.
    static QString markdown(const nlohmann::json &cmp);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

private:
    nlohmann::json m_cmp;
    std::vector<CompareRow> m_rows;
};

} // namespace nsviz
