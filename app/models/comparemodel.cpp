// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/models/comparemodel.h"

#include "core/model/textsafe.h"

#include <QDateTime>
#include <QFileInfo>
#include <algorithm>

using nlohmann::json;

namespace nsviz
{

namespace
{

QString str(const json &j, const char *key)
{
    auto it = j.find(key);
    if (it == j.end() || !it->is_string())
        return {};
    return QString::fromStdString(it->get<std::string>());
}

quint64 num(const json &j, const char *key)
{
    auto it = j.find(key);
    return it != j.end() && it->is_number_unsigned() ? it->get<quint64>()
           : it != j.end() && it->is_number_integer()
               ? static_cast<quint64>(std::max<qint64>(0, it->get<qint64>()))
               : 0;
}

const json &arr(const json &cmp, const char *group, const char *what)
{
    static const json empty = json::array();
    auto g = cmp.find(group);
    if (g == cmp.end() || !g->is_object())
        return empty;
    auto a = g->find(what);
    return a != g->end() && a->is_array() ? *a : empty;
}

QString join(const json &a)
{
    QStringList l;
    if (a.is_array())
        for (const auto &e : a)
            if (e.is_string())
                l << QString::fromStdString(e.get<std::string>());
    return l.join(QStringLiteral(", "));
}

CompareRow nsRow(const json &n, CompareRow::Change c)
{
    CompareRow r;
    r.change = c;
    r.kind = CompareRow::Kind::Namespace;
    r.nsType = str(n, "type");
    r.dev = num(n, "dev");
    r.inode = num(n, "inode");
    r.item = r.nsType + QLatin1Char(' ') + QString::number(r.inode);
    const quint64 procs = num(n, "processes");
    QStringList d;
    d << (procs == 1 ? QStringLiteral("1 process") : QStringLiteral("%1 processes").arg(procs));
    if (const QString comms = join(n.value("comms", json::array())); !comms.isEmpty())
        d << comms;
    if (n.value("reused_inode", false))
        d << QStringLiteral("inode reused");
    r.detail = d.join(QStringLiteral(" · "));
    return r;
}

CompareRow procRow(const json &p, CompareRow::Change c)
{
    CompareRow r;
    r.change = c;
    r.kind = CompareRow::Kind::Process;
    r.pid = static_cast<int>(num(p, "pid"));
    r.startTime = num(p, "start_time");
    r.item = QString::number(r.pid) + QLatin1Char(' ') + str(p, "comm");
    if (c == CompareRow::Change::Appeared) {
        if (const QString n = join(p.value("new_namespaces", json::array())); !n.isEmpty())
            r.detail = QStringLiteral("new ") + n;
    } else if (c == CompareRow::Change::Moved) {
        QStringList d;
        for (const auto &ch : p.value("changes", json::array())) {
            if (!ch.is_object())
                continue;
            d << QStringLiteral("%1 %2 → %3%4")
                     .arg(str(ch, "type"))
                     .arg(num(ch.value("from", json::object()), "inode"))
                     .arg(num(ch.value("to", json::object()), "inode"))
                     .arg(ch.value("to_new", false) ? QStringLiteral(" (new)") : QString());
        }
        r.detail = d.join(QStringLiteral("; "));
    }
    return r;
}

CompareRow sandboxRow(const json &s, CompareRow::Change c)
{
    CompareRow r;
    r.change = c;
    r.kind = CompareRow::Kind::Sandbox;
    r.sandboxId = str(s, "id");
    QString name = str(s, "name");
    if (name.isEmpty())
        name = str(s, "engine_id").left(12);
    if (name.isEmpty())
        name = r.sandboxId;
    const QString engine = str(s, "engine");
    r.item = engine.isEmpty() || engine == QLatin1String("unknown")
                 ? name
                 : QString(engine + QLatin1Char(' ') + name);
    const quint64 procs = num(s, "processes");
    QStringList d;
    d << (procs == 1 ? QStringLiteral("1 process") : QStringLiteral("%1 processes").arg(procs));
    if (c == CompareRow::Change::Changed) {
        const auto joined = s.value("joined", json::array()).size(),
                   left = s.value("left", json::array()).size();
        if (joined)
            d << QStringLiteral("%1 joined").arg(joined);
        if (left)
            d << QStringLiteral("%1 left").arg(left);
    }
    r.detail = d.join(QStringLiteral(" · "));
    return r;
}

QString sideTitle(const json &side)
{
    QString label = QFileInfo(str(side, "label")).fileName();
    if (label.isEmpty())
        label = str(side, "label");
    const quint64 at = num(side, "scanned_at_ms");
    if (!at)
        return label;
    return label + QStringLiteral(" (") +
           QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(at)).toString(QStringLiteral("HH:mm:ss")) +
           QLatin1Char(')');
}

} // namespace

QString CompareRow::changeName(Change c)
{
    switch (c) {
    case Change::Appeared:
        return QStringLiteral("appeared");
    case Change::Disappeared:
        return QStringLiteral("disappeared");
    case Change::Moved:
        return QStringLiteral("moved");
    case Change::Changed:
        return QStringLiteral("changed");
    }
    return {};
}

QString CompareRow::kindName(Kind k)
{
    switch (k) {
    case Kind::Sandbox:
        return QStringLiteral("sandbox");
    case Kind::Namespace:
        return QStringLiteral("namespace");
    case Kind::Process:
        return QStringLiteral("process");
    }
    return {};
}

QString CompareRow::mark() const
{
    switch (change) {
    case Change::Appeared:
        return QStringLiteral("new");
    case Change::Disappeared:
        return QStringLiteral("gone");
    case Change::Moved:
    case Change::Changed:
        return QStringLiteral("moved");
    }
    return {};
}

QString CompareRow::sign() const
{
    switch (change) {
    case Change::Appeared:
        return QStringLiteral("+");
    case Change::Disappeared:
        return QStringLiteral("\u2212");
    case Change::Moved:
        return QStringLiteral("→");
    case Change::Changed:
        return QStringLiteral("~");
    }
    return {};
}

QString CompareRow::line() const
{
    QString l = sign() + QLatin1Char(' ');
    if (kind == Kind::Namespace)
        l += QStringLiteral("namespace ");
    l += item;
    if (!detail.isEmpty())
        l += QStringLiteral(" · ") + detail;
    return l;
}

CompareModel::CompareModel(QObject *parent) : QAbstractTableModel(parent) {}

std::vector<CompareRow> CompareModel::rowsOf(const json &cmp)
{
    std::vector<CompareRow> rows;
    if (!cmp.is_object())
        return rows;
    using C = CompareRow::Change;
    for (const auto &s : arr(cmp, "sandboxes", "appeared"))
        rows.push_back(sandboxRow(s, C::Appeared));
    for (const auto &s : arr(cmp, "sandboxes", "disappeared"))
        rows.push_back(sandboxRow(s, C::Disappeared));
    for (const auto &s : arr(cmp, "sandboxes", "changed"))
        rows.push_back(sandboxRow(s, C::Changed));
    for (const auto &p : arr(cmp, "processes", "moved"))
        rows.push_back(procRow(p, C::Moved));
    for (const auto &n : arr(cmp, "namespaces", "appeared"))
        rows.push_back(nsRow(n, C::Appeared));
    for (const auto &n : arr(cmp, "namespaces", "disappeared"))
        rows.push_back(nsRow(n, C::Disappeared));
    for (const auto &p : arr(cmp, "processes", "appeared"))
        rows.push_back(procRow(p, C::Appeared));
    for (const auto &p : arr(cmp, "processes", "disappeared"))
        rows.push_back(procRow(p, C::Disappeared));
    return rows;
}

QString CompareModel::title(const json &cmp)
{
    if (!cmp.is_object())
        return {};
    return sideTitle(cmp.value("a", json::object())) + QStringLiteral(" → ") +
           sideTitle(cmp.value("b", json::object()));
}

QString CompareModel::summary(const json &cmp)
{
    const json s = cmp.is_object() ? cmp.value("summary", json::object()) : json::object();
    auto n = [&](const char *k) { return num(s, k); };
    auto plural = [](quint64 v, const char *one, const char *many) {
        return QStringLiteral("%1 %2").arg(v).arg(QString::fromLatin1(v == 1 ? one : many));
    };
    QStringList parts;
    parts << QStringLiteral("+%1 \u2212%2 namespaces")
                 .arg(n("namespaces_appeared"))
                 .arg(n("namespaces_disappeared"));
    parts << QStringLiteral("+%1 \u2212%2 processes, %3")
                 .arg(n("processes_appeared"))
                 .arg(n("processes_disappeared"))
                 .arg(plural(n("processes_moved"), "moved", "moved"));
    if (s.contains("sandboxes_appeared"))
        parts << QStringLiteral("+%1 \u2212%2 sandboxes, %3 changed")
                     .arg(n("sandboxes_appeared"))
                     .arg(n("sandboxes_disappeared"))
                     .arg(n("sandboxes_changed"));
    return parts.join(QStringLiteral(" · "));
}

QString CompareModel::markdown(const json &cmp)
{
    auto cell = [](const QString &s) {
        return QString::fromStdString(markdownCell(terminalSafe(s.toStdString())));
    };
    QString md = QStringLiteral("# ") + cell(title(cmp)) + QStringLiteral("\n\n") + summary(cmp) +
                 QStringLiteral("\n\n");
    if (cmp.is_object())
        for (const auto &note : cmp.value("notes", json::array()))
            if (note.is_string())
                md += QStringLiteral("- ") + cell(QString::fromStdString(note.get<std::string>())) +
                      QLatin1Char('\n');
    md += QStringLiteral("\n| change | kind | item | detail |\n|---|---|---|---|\n");
    for (const auto &r : rowsOf(cmp))
        md += QStringLiteral("| %1 %2 | %3 | %4 | %5 |\n")
                  .arg(r.sign(), CompareRow::changeName(r.change), CompareRow::kindName(r.kind), cell(r.item),
                       cell(r.detail));
    return md;
}

void CompareModel::setComparison(const json &cmp)
{
    beginResetModel();
    m_cmp = cmp;
    m_rows = rowsOf(cmp);
    endResetModel();
}

int CompareModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int CompareModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColCount;
}

QVariant CompareModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const CompareRow &r = m_rows[static_cast<std::size_t>(index.row())];
    if (role == MarkRole)
        return r.mark();
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    switch (index.column()) {
    case ColChange:
        return QString(r.sign() + QLatin1Char(' ') + CompareRow::changeName(r.change));
    case ColKind:
        return CompareRow::kindName(r.kind);
    case ColItem:
        return r.item;
    case ColDetail:
        return r.detail;
    default:
        return {};
    }
}

QVariant CompareModel::headerData(int section, Qt::Orientation o, int role) const
{
    if (o != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case ColChange:
        return QStringLiteral("Change");
    case ColKind:
        return QStringLiteral("What");
    case ColItem:
        return QStringLiteral("Item");
    case ColDetail:
        return QStringLiteral("Detail");
    default:
        return {};
    }
}

} // namespace nsviz
