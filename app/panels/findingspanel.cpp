// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/panels/findingspanel.h"

#include "app/models/redactiongate.h"
#include "app/panels/statuspilldelegate.h"
#include "core/inspect/findings.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QFileDialog>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QMenu>
#include <QMimeData>
#include <QSaveFile>
#include <QSet>
#include <QSignalBlocker>
#include <QToolButton>
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
constexpr int InfoSectionRole = Qt::UserRole + 2; ///< true on the informational section's row

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
    // The words are core's (findingSeverity), so the panel, the text and the Markdown agree.
    const QString name = QString::fromLatin1(findingSeverity(rank));
    if (rank <= 1)
        return {name, QColor(0xB9, 0x1C, 0x1C), Qt::white};
    if (rank <= 3)
        return {name, QColor(0xC2, 0x41, 0x0C), Qt::white};
    if (rank <= 5)
        return {name, QColor(0xF5, 0x9E, 0x0B), QColor(0x1F, 0x29, 0x37)};
    return {name, QColor(0x6B, 0x72, 0x80), Qt::white};
}

void pill(QTreeWidgetItem *it, int rank)
{
    const Severity s = severityOf(rank);
    it->setText(ColSeverity, s.name);
    it->setData(ColSeverity, StatusPillDelegate::PillColorRole, s.fill);
    it->setData(ColSeverity, StatusPillDelegate::PillTextColorRole, s.text);
}

/// Row @p i under @p parent (a top-level row when it is null), made when there is none yet; @p made
/// says which. Updates reuse the rows they have: a live list (derived every second, and under churn
/// different nearly every time) keeps its scroll position, selection and folds, and costs the rows
/// that changed instead of thousands made anew (6 % of the GUI thread at 500 containers).
QTreeWidgetItem *rowAt(QTreeWidget *tree, QTreeWidgetItem *parent, int i, bool &made)
{
    QTreeWidgetItem *it = parent ? parent->child(i) : tree->topLevelItem(i);
    made = it == nullptr;
    if (made)
        it = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(tree);
    return it;
}

/// Deletes the rows under @p parent (top-level rows when it is null) from row @p n on.
void dropRowsFrom(QTreeWidget *tree, QTreeWidgetItem *parent, int n)
{
    if (parent) {
        while (parent->childCount() > n)
            delete parent->takeChild(parent->childCount() - 1);
    } else {
        while (tree->topLevelItemCount() > n)
            delete tree->takeTopLevelItem(tree->topLevelItemCount() - 1);
    }
}

} // namespace

FindingsPanel::FindingsPanel(QWidget *parent) : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    m_summary = new QLabel(tr("No scan yet."), this);
    m_summary->setWordWrap(true);
    m_summary->setTextFormat(Qt::RichText);
    // The summary on its own line over the buttons: beside them, in a dock a third of a 1280-pixel
    // window wide, it wrapped into a column a few words wide that took the dock's whole height.
    layout->addWidget(m_summary);
    auto *top = new QHBoxLayout;
    auto *copyButton = new QToolButton(this);
    copyButton->setText(tr("Copy"));
    copyButton->setToolTip(tr("Copy the selected findings (all when none is selected) as text"));
    connect(copyButton, &QToolButton::clicked, this, &FindingsPanel::copy);
    auto *exportButton = new QToolButton(this);
    exportButton->setText(tr("Export…"));
    exportButton->setToolTip(tr("Save the findings as Markdown or JSON"));
    connect(exportButton, &QToolButton::clicked, this, &FindingsPanel::exportDialog);
    m_infoButton = new QToolButton(this);
    m_infoButton->setObjectName(QStringLiteral("showInformational"));
    m_infoButton->setText(tr("Informational"));
    m_infoButton->setCheckable(true);
    m_infoButton->setToolTip(tr("Also list service sandboxes (PrivateTmp=, ProtectSystem=, …) and container "
                                "engines' helper processes: for information, never an alarm"));
    connect(m_infoButton, &QToolButton::toggled, this, &FindingsPanel::setShowInformational);
    top->addWidget(m_infoButton);
    top->addWidget(copyButton);
    top->addWidget(exportButton);
    top->addStretch(1);
    layout->addLayout(top);
    m_tree = new QTreeWidget(this);
    m_tree->setAccessibleName(tr("Findings"));
    m_tree->setAccessibleDescription(tr("Containers and what was found about each, worst first"));
    m_summary->setAccessibleName(tr("Findings summary"));
    copyButton->setAccessibleName(tr("Copy findings"));
    exportButton->setAccessibleName(tr("Export findings"));
    m_tree->setColumnCount(ColCount);
    m_tree->setHeaderLabels({tr("Severity"), tr("Container / finding"), tr("Detail")});
    m_tree->setItemDelegateForColumn(ColSeverity, new StatusPillDelegate(m_tree));
    m_tree->setUniformRowHeights(true);
    m_tree->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_tree->header()->setStretchLastSection(true);
    // The severity column fits its widest pill (the delegate's size hint), in any font or theme.
    m_tree->header()->setSectionResizeMode(ColSeverity, QHeaderView::ResizeToContents);
    m_tree->setColumnWidth(ColWhat, 320);
    layout->addWidget(m_tree, 1);
    connect(m_tree, &QTreeWidget::itemClicked, this, [this](QTreeWidgetItem *it) { activate(it); });
    connect(m_tree, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem *it) { activate(it); });
    // Ctrl+C in the list: the view's own Copy copies only the current cell's text (nothing when
    // there is no current cell); take the key before it does.
    m_tree->installEventFilter(this);
    m_tree->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_tree, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        QMenu *menu = contextMenuFor(m_tree->itemAt(pos));
        menu->setAttribute(Qt::WA_DeleteOnClose);
        menu->popup(m_tree->viewport()->mapToGlobal(pos));
    });
}

bool FindingsPanel::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_tree &&
        (event->type() == QEvent::ShortcutOverride || event->type() == QEvent::KeyPress)) {
        auto *key = static_cast<QKeyEvent *>(event);
        if (key->matches(QKeySequence::Copy)) {
            if (event->type() == QEvent::KeyPress)
                copy();
            event->accept();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void FindingsPanel::setRedaction(RedactionGate *gate)
{
    if (m_gate)
        disconnect(m_gate, nullptr, this, nullptr);
    m_gate = gate;
    if (gate)
        connect(gate, &RedactionGate::enabledChanged, this, [this] { rebuild(); });
    rebuild();
}

json FindingsPanel::shown() const
{
    json doc = m_gate ? m_gate->json(m_findings) : m_findings;
    if (!m_showInformational && doc.is_object())
        doc.erase("informational");
    return doc;
}

void FindingsPanel::setShowInformational(bool show)
{
    if (show == m_showInformational)
        return;
    m_showInformational = show;
    {
        const QSignalBlocker block(m_infoButton);
        m_infoButton->setChecked(show);
    }
    rebuild();
    Q_EMIT showInformationalChanged(show);
}

int FindingsPanel::informationalCount() const
{
    return m_findings.is_object() && m_findings.contains("informational") &&
                   m_findings["informational"].is_array()
               ? static_cast<int>(m_findings["informational"].size())
               : 0;
}

QString FindingsPanel::toMarkdown() const
{
    return m_findings.is_object() && m_findings.contains("containers") ? qs(findingsToMarkdown(shown()))
                                                                       : QString();
}

QByteArray FindingsPanel::toJson() const
{
    if (!m_findings.is_object())
        return {};
    return QByteArray::fromStdString(shown().dump(2) + "\n");
}

QString FindingsPanel::selectedText() const
{
    // Rows as shown (already through the gate): severity, what, detail; a container brings its findings.
    QStringList lines;
    QSet<QTreeWidgetItem *> done;
    auto line = [&](QTreeWidgetItem *it, const QString &indent) {
        if (done.contains(it))
            return;
        done.insert(it);
        lines << indent + it->text(ColSeverity) + QLatin1Char('\t') + it->text(ColWhat) + QLatin1Char('\t') +
                     it->text(ColDetail);
    };
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i) {
        auto *top = m_tree->topLevelItem(i);
        const bool whole = top->isSelected();
        if (whole)
            line(top, QString());
        for (int c = 0; c < top->childCount(); ++c)
            if (whole || top->child(c)->isSelected()) {
                if (!whole)
                    line(top, QString());
                line(top->child(c), QStringLiteral("  "));
            }
    }
    return lines.isEmpty() ? QString() : lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

void FindingsPanel::copy()
{
    QString text = selectedText();
    if (text.isEmpty())
        text = toText();
    if (text.isEmpty())
        return;
    // The whole report goes out as Markdown too (text/markdown), for tickets and course notes.
    const QString md = selectedText().isEmpty() ? toMarkdown() : QString();
    if (m_gate) {
        m_gate->copy(text, md);
        return;
    }
    auto *mime = new QMimeData;
    mime->setText(text);
    if (!md.isEmpty())
        mime->setData(QStringLiteral("text/markdown"), md.toUtf8());
    QGuiApplication::clipboard()->setMimeData(mime);
}

bool FindingsPanel::exportTo(const QString &path, QString *error) const
{
    const bool markdown = path.endsWith(QLatin1String(".md"), Qt::CaseInsensitive) ||
                          path.endsWith(QLatin1String(".markdown"), Qt::CaseInsensitive);
    const QByteArray data = markdown ? toMarkdown().toUtf8() : toJson();
    if (data.isEmpty()) {
        if (error)
            *error = tr("There are no findings to export yet.");
        return false;
    }
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(data) != data.size() || !f.commit()) {
        if (error)
            *error = tr("Cannot write %1: %2").arg(path, f.errorString());
        return false;
    }
    return true;
}

void FindingsPanel::exportDialog()
{
    auto *dlg = new QFileDialog(this, tr("Export Findings"));
    dlg->setAcceptMode(QFileDialog::AcceptSave);
    dlg->setNameFilters({tr("Markdown (*.md)"), tr("JSON (*.json)")});
    dlg->setDefaultSuffix(QStringLiteral("md"));
    dlg->selectFile(QStringLiteral("nsviz-findings.md"));
    dlg->setAttribute(Qt::WA_DeleteOnClose);
    connect(dlg, &QFileDialog::filterSelected, dlg, [dlg](const QString &filter) {
        dlg->setDefaultSuffix(filter.contains(QLatin1String("json")) ? QStringLiteral("json")
                                                                     : QStringLiteral("md"));
    });
    connect(dlg, &QFileDialog::fileSelected, this, [this](const QString &file) {
        QString error;
        if (!exportTo(file, &error))
            m_summary->setText(
                QStringLiteral("<span style='color:#B91C1C'>%1</span>").arg(error.toHtmlEscaped()));
    });
    dlg->open(); // not exec(): no nested event loop
}

QMenu *FindingsPanel::contextMenuFor(QTreeWidgetItem *item)
{
    auto *menu = new QMenu(this);
    const int pid = item ? item->data(ColWhat, PidRole).toInt() : 0;
    if (pid > 0) {
        menu->addAction(tr("Show in Picture and Diff"), this, [this, pid] { Q_EMIT processActivated(pid); });
        if (const int demo = m_demoOf ? m_demoOf(pid) : 0; demo > 0) {
            auto *stop = menu->addAction(tr("Stop Demo Container (pid %1)").arg(demo), this,
                                         [this, demo] { Q_EMIT stopDemoRequested(demo); });
            stop->setObjectName(QStringLiteral("stopDemo"));
        }
        menu->addSeparator();
    }
    menu->addAction(tr("&Copy"), QKeySequence::Copy, this, &FindingsPanel::copy);
    menu->addAction(tr("&Export…"), this, &FindingsPanel::exportDialog);
    return menu;
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

void FindingsPanel::setSnapshot(const Snapshot &snapshot, const QString &procRoot, bool update)
{
    const int gen = ++m_generation;
    if (!update || !m_findings.is_object())
        m_summary->setText(tr("Checking containers…"));
    auto *watcher = new QFutureWatcher<json>(this);
    ++m_running;
    connect(watcher, &QFutureWatcher<json>::finished, this, [this, watcher, gen, update] {
        --m_running;
        watcher->deleteLater();
        if (gen != m_generation)
            return;
        json result = watcher->result();
        // A live view derives every second: rebuilding thousands of rows for the same findings was
        // a tenth of the GUI thread's time under churn at 10k processes.
        if (update && result == m_findings)
            return;
        m_findings = std::move(result);
        rebuild();
        Q_EMIT findingsReady();
    });
    // The worker gets what the findings read, not a copy of the whole picture: at 10k processes
    // the copy (and freeing it) was a sixth of the live GUI thread's time.
    watcher->setFuture(QtConcurrent::run([input = findingsInput(snapshot), root = procRoot.toStdString()] {
        return findHostSharing(input, root);
    }));
}

int FindingsPanel::containerCount() const
{
    int n = m_tree->topLevelItemCount();
    // The informational section is the last top-level row, when shown.
    if (n > 0 && m_tree->topLevelItem(n - 1)->data(ColWhat, InfoSectionRole).toBool())
        --n;
    return n;
}

int FindingsPanel::pidAt(int row) const
{
    auto *it = m_tree->topLevelItem(row);
    return it ? it->data(ColWhat, PidRole).toInt() : 0;
}

QString FindingsPanel::toText() const
{
    return m_findings.is_object() && m_findings.contains("containers") ? qs(findingsToText(shown()))
                                                                       : QString();
}

void FindingsPanel::rebuild()
{
    // The informational section is made anew below (it is the last top-level row when shown).
    if (const int n = m_tree->topLevelItemCount();
        n > 0 && m_tree->topLevelItem(n - 1)->data(ColWhat, InfoSectionRole).toBool())
        delete m_tree->takeTopLevelItem(n - 1);
    if (!m_findings.is_object() || !m_findings.contains("containers")) {
        m_tree->clear();
        m_summary->setText(tr("No findings."));
        return;
    }
    // What is shown is what leaves: rows come from the gate's copy.
    const json findings = shown();
    const json &cs = findings["containers"];
    int critical = 0;
    for (const auto &c : cs)
        critical += c.value("worstRank", 9) <= 1;
    QString summary = tr("<b>%1</b> container(s) share namespaces with the host").arg(cs.size());
    if (critical)
        summary += tr(" — <span style='color:#B91C1C'><b>%1 share the host network</b></span>").arg(critical);
    summary += tr("; %1 isolated one(s) without findings.").arg(findings.value("clean", 0));
    QStringList notes;
    if (findings.contains("reference") && !findings["reference"].value("note", std::string()).empty())
        notes << qs(findings["reference"]["note"].get<std::string>()).toHtmlEscaped();
    for (const auto &n : findings.value("notes", json::array()))
        notes << qs(n.get<std::string>()).toHtmlEscaped();
    if (!notes.isEmpty())
        summary += QStringLiteral("<br><span style='color:#92400E'>%1</span>")
                       .arg(notes.join(QStringLiteral("<br>")));
    const int info = informationalCount();
    if (info > 0)
        summary +=
            m_showInformational
                ? tr("<br>%1 service sandbox(es) and engine helper(s) listed for information.").arg(info)
                : tr("<br>%1 service sandbox(es) and engine helper(s) not listed "
                     "(<i>Informational</i> shows them).")
                      .arg(info);
    m_infoButton->setEnabled(info > 0 || m_showInformational);
    m_summary->setText(summary);
    int row = 0;
    for (const auto &c : cs) {
        bool made = false;
        auto *top = rowAt(m_tree, nullptr, row++, made);
        const int pid = c.value("pid", 0);
        pill(top, c.value("worstRank", 9));
        top->setText(ColWhat, qs(c.value("label", std::string("?"))));
        if (made) {
            QFont f = top->font(ColWhat);
            f.setBold(true);
            top->setFont(ColWhat, f);
        }
        QString kind = qs(c.value("kind", std::string()));
        if (kind == QStringLiteral("mount-namespace-only"))
            kind = tr("mount namespace only (a sandboxed service?)");
        top->setText(ColDetail,
                     tr("pid %1 · %2 process(es) · %3").arg(pid).arg(c.value("processes", 0)).arg(kind));
        top->setData(ColWhat, PidRole, pid);
        int child = 0;
        for (const auto &x : c["findings"]) {
            bool madeChild = false;
            auto *it = rowAt(m_tree, top, child++, madeChild);
            pill(it, x.value("rank", 9));
            it->setText(ColWhat, qs(x.value("title", std::string())));
            it->setText(ColDetail, qs(x.value("detail", std::string())));
            it->setToolTip(ColDetail, it->text(ColDetail));
            it->setData(ColWhat, PidRole, pid);
        }
        dropRowsFrom(m_tree, top, child);
        if (made)
            top->setExpanded(true);
    }
    dropRowsFrom(m_tree, nullptr, row);
    // Service sandboxes and engine helpers: one section after the containers, never a severity.
    const json infos = findings.value("informational", json::array());
    if (!m_showInformational || infos.empty())
        return;
    auto *section = new QTreeWidgetItem(m_tree);
    section->setText(ColSeverity, tr("INFO"));
    section->setData(ColSeverity, StatusPillDelegate::PillColorRole, QColor(0x6B, 0x72, 0x80));
    section->setData(ColSeverity, StatusPillDelegate::PillTextColorRole, QColor(Qt::white));
    section->setText(ColWhat,
                     tr("For information: %1 service sandbox(es) and engine helper(s)").arg(infos.size()));
    section->setText(ColDetail, tr("not containers: never an alarm"));
    section->setData(ColWhat, InfoSectionRole, true);
    for (const auto &c : infos) {
        auto *it = new QTreeWidgetItem(section);
        const int pid = c.value("pid", 0);
        it->setText(ColSeverity, tr("INFO"));
        it->setData(ColSeverity, StatusPillDelegate::PillColorRole, QColor(0x6B, 0x72, 0x80));
        it->setData(ColSeverity, StatusPillDelegate::PillTextColorRole, QColor(Qt::white));
        it->setText(ColWhat, qs(c.value("label", std::string("?"))));
        QStringList own;
        for (const auto &t : c.value("isolates", json::array()))
            own << qs(t.get<std::string>());
        QString detail = tr("pid %1 · %2 process(es) · %3, %4")
                             .arg(pid)
                             .arg(c.value("processes", 0))
                             .arg(qs(c.value("kind", std::string())), qs(c.value("engine", std::string())));
        if (!own.isEmpty())
            detail += tr(" · own %1").arg(own.join(QStringLiteral(", ")));
        it->setText(ColDetail, detail);
        it->setToolTip(ColDetail, detail);
        it->setData(ColWhat, PidRole, pid);
    }
    section->setExpanded(true);
}

} // namespace nsviz
