// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/panels/findingspanel.h"

#include "app/panels/statuspilldelegate.h"
#include "core/inspect/findings.h"

#include <QFutureWatcher>
#include <QHeaderView>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

using nlohmann::json;

namespace nsviz
{

namespace
{

enum Column { ColSeverity = 0, ColWhat, ColDetail, ColCount };
constexpr int PidRole = Qt::UserRole + 1;

QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}

struct Severity {
    QString name;
    QColor fill;
    QColor text;
};

Severity severityOf(int rank)
{
    if (rank <= 1)
        return {QObject::tr("CRITICAL"), QColor(0xB9, 0x1C, 0x1C), Qt::white};
    if (rank <= 3)
        return {QObject::tr("HIGH"), QColor(0xEA, 0x58, 0x0C), Qt::white};
    if (rank <= 5)
        return {QObject::tr("MEDIUM"), QColor(0xF5, 0x9E, 0x0B), QColor(0x1F, 0x29, 0x37)};
    return {QObject::tr("LOW"), QColor(0x9C, 0xA3, 0xAF), Qt::white};
}

void pill(QTreeWidgetItem *it, int rank)
{
    const Severity s = severityOf(rank);
    it->setText(ColSeverity, s.name);
    it->setData(ColSeverity, StatusPillDelegate::PillColorRole, s.fill);
    it->setData(ColSeverity, StatusPillDelegate::PillTextColorRole, s.text);
}

} // namespace

FindingsPanel::FindingsPanel(QWidget *parent) : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    m_summary = new QLabel(tr("No scan yet."), this);
    m_summary->setWordWrap(true);
    m_summary->setTextFormat(Qt::RichText);
    layout->addWidget(m_summary);
    m_tree = new QTreeWidget(this);
    m_tree->setColumnCount(ColCount);
    m_tree->setHeaderLabels({tr("Severity"), tr("Container / finding"), tr("Detail")});
    m_tree->setItemDelegateForColumn(ColSeverity, new StatusPillDelegate(m_tree));
    m_tree->setUniformRowHeights(true);
    m_tree->header()->setStretchLastSection(true);
    m_tree->setColumnWidth(ColSeverity, 120);
    m_tree->setColumnWidth(ColWhat, 320);
    layout->addWidget(m_tree, 1);
    connect(m_tree, &QTreeWidget::itemClicked, this, [this](QTreeWidgetItem *it) { activate(it); });
    connect(m_tree, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem *it) { activate(it); });
}

void FindingsPanel::activate(QTreeWidgetItem *item)
{
    if (!item)
        return;
    const int pid = item->data(ColWhat, PidRole).toInt();
    if (pid > 0)
        Q_EMIT processActivated(pid);
}

void FindingsPanel::setFindings(const json &findings)
{
    ++m_generation; // a pending background computation is now stale
    m_findings = findings;
    rebuild();
    Q_EMIT findingsReady();
}

void FindingsPanel::setSnapshot(const Snapshot &snapshot, const QString &procRoot)
{
    const int gen = ++m_generation;
    m_summary->setText(tr("Checking containers…"));
    auto *watcher = new QFutureWatcher<json>(this);
    connect(watcher, &QFutureWatcher<json>::finished, this, [this, watcher, gen] {
        watcher->deleteLater();
        if (gen != m_generation)
            return;
        m_findings = watcher->result();
        rebuild();
        Q_EMIT findingsReady();
    });
    watcher->setFuture(QtConcurrent::run(
        [snapshot, root = procRoot.toStdString()] { return findHostSharing(snapshot, root); }));
}

int FindingsPanel::containerCount() const
{
    return m_tree->topLevelItemCount();
}

int FindingsPanel::pidAt(int row) const
{
    auto *it = m_tree->topLevelItem(row);
    return it ? it->data(ColWhat, PidRole).toInt() : 0;
}

QString FindingsPanel::toText() const
{
    return m_findings.is_object() && m_findings.contains("containers") ? qs(findingsToText(m_findings))
                                                                       : QString();
}

void FindingsPanel::rebuild()
{
    m_tree->clear();
    if (!m_findings.is_object() || !m_findings.contains("containers")) {
        m_summary->setText(tr("No findings."));
        return;
    }
    const json &cs = m_findings["containers"];
    int critical = 0;
    for (const auto &c : cs)
        critical += c.value("worstRank", 9) <= 1;
    QString summary = tr("<b>%1</b> container(s) share namespaces with the host").arg(cs.size());
    if (critical)
        summary += tr(" — <span style='color:#B91C1C'><b>%1 share the host network</b></span>").arg(critical);
    summary += tr("; %1 isolated one(s) without findings.").arg(m_findings.value("clean", 0));
    QStringList notes;
    if (m_findings.contains("reference") && !m_findings["reference"].value("note", std::string()).empty())
        notes << qs(m_findings["reference"]["note"].get<std::string>()).toHtmlEscaped();
    for (const auto &n : m_findings.value("notes", json::array()))
        notes << qs(n.get<std::string>()).toHtmlEscaped();
    if (!notes.isEmpty())
        summary += QStringLiteral("<br><span style='color:#92400E'>%1</span>")
                       .arg(notes.join(QStringLiteral("<br>")));
    m_summary->setText(summary);
    for (const auto &c : cs) {
        auto *top = new QTreeWidgetItem(m_tree);
        const int pid = c.value("pid", 0);
        pill(top, c.value("worstRank", 9));
        top->setText(ColWhat, qs(c.value("label", std::string("?"))));
        QFont f = top->font(ColWhat);
        f.setBold(true);
        top->setFont(ColWhat, f);
        QString kind = qs(c.value("kind", std::string()));
        if (kind == QStringLiteral("mount-namespace-only"))
            kind = tr("mount namespace only (a sandboxed service?)");
        top->setText(ColDetail,
                     tr("pid %1 · %2 process(es) · %3").arg(pid).arg(c.value("processes", 0)).arg(kind));
        top->setData(ColWhat, PidRole, pid);
        for (const auto &x : c["findings"]) {
            auto *it = new QTreeWidgetItem(top);
            pill(it, x.value("rank", 9));
            it->setText(ColWhat, qs(x.value("title", std::string())));
            it->setText(ColDetail, qs(x.value("detail", std::string())));
            it->setToolTip(ColDetail, it->text(ColDetail));
            it->setData(ColWhat, PidRole, pid);
        }
        top->setExpanded(true);
    }
}

} // namespace nsviz
