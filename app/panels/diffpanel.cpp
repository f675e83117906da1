// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/panels/diffpanel.h"

#include "app/models/redactiongate.h"
#include "app/models/viewhelpers.h"
#include "app/panels/pidpicker.h"
#include "app/panels/statuspilldelegate.h"
#include "app/transport/helperclient.h"
#include "core/inspect/diff.h"
#include "core/model/nstype.h"
#include "core/protocol/protocol.h"

#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QFileDialog>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMimeData>
#include <QPainter>
#include <QScrollBar>
#include <QSet>
#include <QSvgGenerator>
#include <QTimer>
#include <QToolButton>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <memory>

using nlohmann::json;

namespace nsviz
{

namespace
{

// Colours chosen to survive a projector: saturated fills, dark text on light.
const QColor kShared(0xF5, 0x9E, 0x0B);   // amber: this is shared with B
const QColor kIsolated(0x10, 0x98, 0x6B); // green: a namespace of its own
const QColor kUnknown(0x9C, 0xA3, 0xAF);
const QColor kContext(0x63, 0x66, 0xF1);
const QColor kDanger(0xB9, 0x1C, 0x1C); // a container sharing the host network
const QColor kDiffBg(0xFE, 0xE2, 0xE2); // a value that differs
const QColor kOnlyBg(0xFE, 0xF3, 0xC7); // only on one side
const QColor kSameText(0x6B, 0x72, 0x80);
const QColor kErrorText(0xB4, 0x53, 0x09);
const QColor kOnTint(0x11, 0x18, 0x27); // text on the light tints, readable in a dark palette too

enum Column { ColName = 0, ColStatus, ColA, ColB, ColDiff, ColCount };

QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}

QString valueText(const json &j)
{
    if (j.is_null())
        return QStringLiteral("—");
    if (j.is_string())
        return qs(j.get<std::string>());
    if (j.is_boolean())
        return j.get<bool>() ? QStringLiteral("yes") : QStringLiteral("no");
    if (j.is_array()) {
        QStringList l;
        for (const auto &e : j)
            l << valueText(e);
        return l.isEmpty() ? QStringLiteral("(none)") : l.join(QStringLiteral(", "));
    }
    return qs(j.dump());
}

QString sideLabel(const json &s)
{
    QString t = QStringLiteral("pid %1").arg(s.value("pid", 0));
    if (s.contains("comm"))
        t += QStringLiteral(" · ") + qs(s["comm"].get<std::string>());
    if (s.contains("container") && s["container"].contains("label"))
        t += QStringLiteral(" · ") + qs(s["container"]["label"].get<std::string>());
    return t;
}

QTreeWidgetItem *addRow(QTreeWidgetItem *parent, const QString &field, const QString &a, const QString &b,
                        const QColor &bg, bool bold, QColor fg = QColor())
{
    auto *it = new QTreeWidgetItem(parent);
    if (bg.isValid() && !fg.isValid())
        fg = kOnTint;
    it->setText(ColName, field);
    it->setText(ColA, a);
    it->setText(ColB, b);
    it->setToolTip(ColA, a);
    it->setToolTip(ColB, b);
    it->setToolTip(ColName, field);
    if (bg.isValid()) {
        for (int c = ColName; c < ColCount; ++c)
            it->setBackground(c, bg);
    }
    if (bold) {
        QFont f = it->font(ColName);
        f.setBold(true);
        it->setFont(ColName, f);
    }
    if (fg.isValid())
        for (int c = ColName; c < ColCount; ++c)
            it->setForeground(c, fg);
    return it;
}

/// Capabilities beyond what Docker grants by default are what a trainer points at: bold and red.
void markBeyondDefault(QTreeWidgetItem *it)
{
    if (!it->text(ColName).endsWith(QLatin1String("beyond Docker's default")))
        return;
    for (int c : {ColA, ColB}) {
        const QString v = it->text(c);
        if (v.isEmpty() || v == QLatin1String("(none)") || v == QLatin1String("—"))
            continue;
        QFont f = it->font(c);
        f.setBold(true);
        it->setFont(c, f);
        it->setForeground(c, kDanger);
        it->setToolTip(c, QObject::tr("Beyond Docker's default capability set: %1").arg(v));
    }
}

/// Fills @p tree with the diff: one row per namespace type and one for the security context;
/// at most @p maxList list entries (only in A / only in B / changed) per row, the rest summarised.
void populate(QTreeWidget *tree, const json &diff, int maxList, bool expandAll)
{
    tree->clear();
    if (!diff.is_object() || !diff.contains("namespaces"))
        return;
    tree->setHeaderLabels({QObject::tr("Namespace"), QObject::tr("Status"),
                           QObject::tr("A: ") + sideLabel(diff["a"]),
                           QObject::tr("B: ") + sideLabel(diff["b"]), QObject::tr("Δ")});
    auto fillDetails = [&](QTreeWidgetItem *top, const json &d) {
        for (const auto &i : d["items"]) {
            const bool differs = i.value("differs", false);
            markBeyondDefault(addRow(top, qs(i["field"].get<std::string>()), valueText(i["a"]),
                                     valueText(i["b"]), differs ? kDiffBg : QColor(), differs,
                                     differs ? QColor() : kSameText));
        }
        int shown = 0, total = 0;
        auto more = [&](const json &list, const QString &label, bool inA) {
            for (const auto &x : list) {
                ++total;
                if (shown >= maxList)
                    continue;
                ++shown;
                addRow(top, label, inA ? qs(x.get<std::string>()) : QString(),
                       inA ? QString() : qs(x.get<std::string>()), kOnlyBg, true);
            }
        };
        more(d["onlyInA"], QObject::tr("only in A"), true);
        more(d["onlyInB"], QObject::tr("only in B"), false);
        for (const auto &c : d["changed"]) {
            ++total;
            if (shown >= maxList)
                continue;
            ++shown;
            addRow(top,
                   qs(c["key"].get<std::string>()) + QStringLiteral(" (") + valueText(c["fields"]) +
                       QStringLiteral(")"),
                   qs(c["a"].get<std::string>()), qs(c["b"].get<std::string>()), kDiffBg, true);
        }
        if (total > shown)
            addRow(top, QObject::tr("… %1 more").arg(total - shown),
                   QObject::tr("see Copy as text or --json"), QString(), QColor(), false, kSameText);
        for (const auto &e : d["errors"])
            addRow(top, QObject::tr("not visible"), qs(e.get<std::string>()), QString(), QColor(), false,
                   kErrorText);
    };
    bool hostNet = false;
    for (const auto &w : hostSharingWarnings(diff))
        hostNet |= w.find("NETWORK") != std::string::npos;
    for (const auto &n : diff["namespaces"]) {
        auto *top = new QTreeWidgetItem(tree);
        const std::string type = n["type"];
        top->setText(ColName, qs(type));
        QFont f = top->font(ColName);
        f.setBold(true);
        top->setFont(ColName, f);
        if (auto t = nsTypeFromName(type))
            top->setToolTip(ColName, qs(std::string(nsTypeDescription(*t))));
        QString status;
        QColor color;
        if (n["shared"].is_null()) {
            status = QObject::tr("UNKNOWN");
            color = kUnknown;
        } else if (n["shared"].get<bool>()) {
            status = QObject::tr("SHARED");
            color = kShared;
            if (type == "net" && hostNet) {
                status = QObject::tr("SHARED · HOST NET");
                color = kDanger;
            }
        } else {
            status = QObject::tr("ISOLATED");
            color = kIsolated;
            const std::string rel = n.value("relation", "");
            if (rel == "child" || rel == "parent" || rel == "sibling")
                status += QStringLiteral(" · ") + qs(rel);
        }
        top->setText(ColStatus, status);
        top->setData(ColStatus, StatusPillDelegate::PillColorRole, color);
        top->setData(ColStatus, StatusPillDelegate::PillTextColorRole,
                     color == kShared ? QColor(0x1F, 0x29, 0x37) : QColor(Qt::white));
        if (color == kDanger)
            top->setToolTip(ColStatus,
                            QObject::tr("A container (own mount/pid namespace) in the host's network "
                                        "namespace: host interfaces, ports and firewall are its own"));
        top->setText(ColA,
                     n["a"].is_null() ? QStringLiteral("?") : QString::number(n["a"].get<std::uint64_t>()));
        top->setText(ColB,
                     n["b"].is_null() ? QStringLiteral("?") : QString::number(n["b"].get<std::uint64_t>()));
        top->setToolTip(ColA, top->text(ColA));
        top->setToolTip(ColB, top->text(ColB));
        const int diffs = n["details"].value("differences", 0);
        top->setText(ColDiff, diffs ? QString::number(diffs) : QStringLiteral("—"));
        if (diffs) {
            QFont b = top->font(ColDiff);
            b.setBold(true);
            top->setFont(ColDiff, b);
            top->setForeground(ColDiff, QColor(0xB9, 0x1C, 0x1C));
        }
        fillDetails(top, n["details"]);
        top->setExpanded(expandAll ? top->childCount() > 0 : (diffs > 0 && diffs <= 8));
    }
    if (diff.contains("security")) {
        auto *top = new QTreeWidgetItem(tree);
        top->setText(ColName, QObject::tr("security"));
        QFont f = top->font(ColName);
        f.setBold(true);
        top->setFont(ColName, f);
        top->setText(ColStatus, QObject::tr("CONTEXT"));
        top->setData(ColStatus, StatusPillDelegate::PillColorRole, kContext);
        const json &sd = diff["security"]["details"];
        const int diffs = sd.value("differences", 0);
        top->setText(ColDiff, diffs ? QString::number(diffs) : QStringLiteral("—"));
        if (diffs)
            top->setForeground(ColDiff, QColor(0xB9, 0x1C, 0x1C));
        fillDetails(top, sd);
        top->setExpanded(true);
    }
}

QString headerHtml(const json &diff, const QString &refNote, const QString &exitNote = QString())
{
    if (!diff.is_object() || !diff.contains("a"))
        return {};
    auto side = [&exitNote](const char *tag, const json &s, const QString &extra) -> QString {
        QString t =
            QStringLiteral(
                "<tr><td bgcolor='#111827' style='color:white' align='center'><b>&nbsp;%1&nbsp;</b></td>"
                "<td>&nbsp;<b>%2</b>")
                .arg(QLatin1String(tag), sideLabel(s).toHtmlEscaped());
        if (!extra.isEmpty())
            t += QStringLiteral(" &nbsp;<span style='color:#6B7280'>%1</span>").arg(extra.toHtmlEscaped());
        if (std::string_view(tag) == "A" && !exitNote.isEmpty())
            t += QStringLiteral(" &nbsp;<span style='color:#B91C1C'><b>%1</b></span>")
                     .arg(exitNote.toHtmlEscaped());
        else if (s.value("state", "") != "running")
            t += QStringLiteral(" &nbsp;<span style='color:#B91C1C'><b>%1</b></span>")
                     .arg(qs(s.value("error", s.value("state", std::string("?")))).toHtmlEscaped());
        return t + QStringLiteral("</td></tr>");
    };
    int shared = 0, isolated = 0;
    for (const auto &n : diff["namespaces"]) {
        if (n["shared"] == true)
            ++shared;
        else if (n["shared"] == false)
            ++isolated;
    }
    // The long reason for the reference (PID 1 unreadable ...) is in the notes box; keep this line short.
    const QString ref = refNote.isEmpty() ? QString() : QObject::tr("host reference");
    QString html = QStringLiteral("<table cellspacing='2' cellpadding='1'>") +
                   side("A", diff["a"], QString()) + side("B", diff["b"], ref) + QStringLiteral("</table>");
    html += QStringLiteral("<span><b>%1</b> shared · <b>%2</b> isolated · <b>%3</b> "
                           "differences</span>")
                .arg(shared)
                .arg(isolated)
                .arg(diff.value("differences", 0));
    return html;
}

QString notesHtml(const json &diff)
{
    QStringList l;
    for (const auto &w : hostSharingWarnings(diff))
        l << QStringLiteral("<b>⚠ ") + qs(w).toHtmlEscaped() + QStringLiteral("</b>");
    for (const auto &n : diff.value("notes", json::array()))
        l << qs(n.get<std::string>()).toHtmlEscaped();
    return l.join(QStringLiteral("<br>"));
}

void styleTree(QTreeWidget *tree)
{
    tree->setColumnCount(ColCount);
    // Values are never cut: they wrap (rows grow), and every cell's tooltip holds the whole value.
    tree->setUniformRowHeights(false);
    tree->setWordWrap(true);
    tree->setTextElideMode(Qt::ElideNone);
    tree->setAlternatingRowColors(false);
    tree->setItemDelegateForColumn(ColStatus, new StatusPillDelegate(tree));
    // Row heights depend on the column widths: lay out again when one changes.
    QObject::connect(tree->header(), &QHeaderView::sectionResized, tree, [tree] { tree->doItemsLayout(); });
    tree->header()->setStretchLastSection(false);
    tree->header()->setSectionResizeMode(ColName, QHeaderView::Interactive);
    tree->header()->setSectionResizeMode(ColStatus, QHeaderView::Interactive);
    tree->header()->setSectionResizeMode(ColA, QHeaderView::Stretch);
    tree->header()->setSectionResizeMode(ColB, QHeaderView::Stretch);
    tree->header()->setSectionResizeMode(ColDiff, QHeaderView::Fixed);
    tree->setColumnWidth(ColName, 250);
    tree->setColumnWidth(ColStatus, 150);
    tree->setColumnWidth(ColDiff, 44);
}

} // namespace

DiffPanel::DiffPanel(QWidget *parent) : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    auto *top = new QHBoxLayout;
    m_header = new QLabel(this);
    m_header->setTextFormat(Qt::RichText);
    m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_header->setText(tr("Select a process to compare its namespaces with the host."));
    top->addWidget(m_header, 1);
    m_compare = new QToolButton(this);
    m_compare->setText(tr("Compare with…"));
    m_compare->setToolTip(tr("Choose the reference process (B); by default the host reference"));
    connect(m_compare, &QToolButton::clicked, this, &DiffPanel::chooseReference);
    m_copy = new QToolButton(this);
    m_copy->setText(tr("Copy"));
    m_copy->setPopupMode(QToolButton::InstantPopup);
    auto *copyMenu = new QMenu(m_copy);
    copyMenu->addAction(tr("Copy as text"), this, &DiffPanel::copyText);
    copyMenu->addAction(tr("Copy as Markdown"), this, &DiffPanel::copyMarkdown);
    m_copy->setMenu(copyMenu);
    m_export = new QToolButton(this);
    m_export->setText(tr("Export"));
    m_export->setPopupMode(QToolButton::InstantPopup);
    auto *exportMenu = new QMenu(m_export);
    exportMenu->addAction(tr("Export PNG…"), this, [this] { exportTo(QStringLiteral("png")); });
    exportMenu->addAction(tr("Export SVG…"), this, [this] { exportTo(QStringLiteral("svg")); });
    m_export->setMenu(exportMenu);
    for (auto *b : {m_compare, m_copy, m_export}) {
        b->setEnabled(false);
        top->addWidget(b, 0, Qt::AlignTop);
    }
    layout->addLayout(top);
    m_notes = new QLabel(this);
    m_notes->setWordWrap(true);
    m_notes->setStyleSheet(
        QStringLiteral("QLabel{background:#FEF3C7;color:#78350F;padding:4px;border-radius:3px}"));
    m_notes->hide();
    layout->addWidget(m_notes);
    m_tree = new QTreeWidget(this);
    m_tree->setAccessibleName(tr("Namespace diff"));
    m_tree->setAccessibleDescription(tr("Per namespace type: whether A and B share it, and what differs"));
    m_header->setAccessibleName(tr("Diff title"));
    m_notes->setAccessibleName(tr("Diff notes"));
    styleTree(m_tree);
    m_tree->setHeaderLabels({tr("Namespace"), tr("Status"), tr("A"), tr("B"), tr("Δ")});
    layout->addWidget(m_tree, 1);
    m_watchdog = new QTimer(this);
    m_watchdog->setSingleShot(true);
    m_watchdog->setInterval(20000);
    connect(m_watchdog, &QTimer::timeout, this, [this] {
        if (m_pending > 0)
            fail(tr("The helper did not answer the inspect request in time."));
    });
    // Live: a diff is not a one-time capture. While the panel is seen and A lives, take it again.
    m_liveTimer = new QTimer(this);
    m_liveTimer->setInterval(3000);
    connect(m_liveTimer, &QTimer::timeout, this, [this] {
        if (isVisible())
            refreshNow();
    });
}

void DiffPanel::setLiveIntervalMs(int ms)
{
    if (ms <= 0) {
        m_liveTimer->stop();
        m_liveTimer->setInterval(0);
        return;
    }
    m_liveTimer->setInterval(ms);
    if (m_pid > 0 && !m_exited)
        m_liveTimer->start();
}

void DiffPanel::refreshNow()
{
    if (m_pid <= 0 || m_refPid <= 0 || m_pending > 0 || m_exited || !m_diff.is_object())
        return;
    start(/*quiet=*/true);
}

void DiffPanel::setRedaction(RedactionGate *gate)
{
    if (m_gate)
        disconnect(m_gate, nullptr, this, nullptr);
    m_gate = gate;
    if (gate)
        connect(gate, &RedactionGate::enabledChanged, this, [this] {
            if (m_diff.is_object() && m_diff.contains("namespaces"))
                rebuild();
        });
}

json DiffPanel::shownDiff() const
{
    return m_gate ? m_gate->json(m_diff) : m_diff;
}

QString DiffPanel::title() const
{
    if (!m_diff.is_object() || !m_diff.contains("a"))
        return m_pid > 0 ? tr("Diff: pid %1").arg(m_pid) : tr("Diff");
    const json d = shownDiff();
    QString a = sideLabel(d["a"]);
    if (m_exited)
        a += tr(" (exited)");
    // B is "the host" only when it is the host reference; another process is named as such.
    const bool host = !m_refNote.isEmpty() && d["b"].value("hostReference", true);
    const QString b = host ? tr("the host (%1)").arg(sideLabel(d["b"])) : sideLabel(d["b"]);
    return tr("Diff: %1 against %2").arg(a, b);
}

void DiffPanel::markExited(const QString &why)
{
    if (m_exited)
        return;
    m_exited = true;
    m_liveTimer->stop();
    m_exitNote = why + QStringLiteral(" ") +
                 tr("(at %1; the diff is the last one taken)")
                     .arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss")));
    if (m_diff.is_object() && m_diff.contains("namespaces"))
        rebuild();
    Q_EMIT titleChanged(title());
}

DiffPanel::~DiffPanel() = default;

void DiffPanel::setTimeoutSeconds(int seconds)
{
    m_watchdog->setInterval(std::max(1, seconds) * 1000);
}

void DiffPanel::setClient(HelperClient *client)
{
    if (m_client)
        disconnect(m_client, nullptr, this, nullptr);
    m_client = client;
    m_inspect = nullptr;
    if (!client)
        return;
    connect(client, &HelperClient::inspected, this, &DiffPanel::onInspected);
    connect(client, &HelperClient::requestFailed, this,
            [this](quint64 id, HelperClient::Call, const QString &code, const QString &message) {
                onInspectFailed(id, code, message);
            });
}

void DiffPanel::setInspectFunction(InspectFunction inspect)
{
    if (m_client)
        disconnect(m_client, nullptr, this, nullptr);
    m_client = nullptr;
    m_inspect = std::move(inspect);
}

void DiffPanel::setSnapshot(const Snapshot &snapshot)
{
    m_snapshot = &snapshot;
    if (m_pid <= 0 || m_exited || !m_diff.is_object() || !m_diff.contains("a") || m_pending > 0)
        return;
    // The picture says A is gone (or its pid is someone else's now): say so, keep the last diff.
    const Process *p = snapshot.findProcess(m_pid);
    const std::uint64_t start = m_diff["a"].value("startTime", std::uint64_t(0));
    if (!p)
        markExited(tr("exited"));
    else if (start != 0 && p->startTime != start)
        markExited(tr("exited (pid %1 is another process now)").arg(m_pid));
}

void DiffPanel::setTarget(int pid, int referencePid)
{
    if (pid <= 0)
        return;
    m_pid = pid;
    m_exited = false;
    m_exitNote.clear();
    if (referencePid > 0) {
        m_refPid = referencePid;
        m_refNote.clear();
    } else {
        // Discovery's reference: the snapshot's, else its host step run on a minimal scan (cheap:
        // PID 1 and kthreadd only).
        try {
            m_hostRef = m_snapshot ? hostReference(*m_snapshot) : findHostReference();
        } catch (const std::exception &e) {
            fail(tr("Cannot find the host reference: ") + QString::fromLocal8Bit(e.what()));
            return;
        }
        if (!m_hostRef.valid()) {
            fail(tr("No host reference to compare with: %1").arg(qs(m_hostRef.note)));
            return;
        }
        m_refPid = m_hostRef.pid;
        m_refNote = tr("host reference");
    }
    start();
}

void DiffPanel::start(bool quiet)
{
    ++m_generation;
    m_docs[0] = m_docs[1] = json();
    m_pending = 2;
    m_quiet = quiet;
    if (!quiet) {
        m_header->setText(tr("Inspecting pid %1 and pid %2…").arg(m_pid).arg(m_refPid));
        Q_EMIT titleChanged(title());
    }
    const int pids[2] = {m_pid, m_refPid};
    if (m_client) {
        for (int side = 0; side < 2; ++side)
            m_requestId[side] = m_client->inspect(pids[side]);
        m_watchdog->start();
        return;
    }
    if (!m_inspect) {
        fail(tr("No way to inspect processes: no helper connection."));
        return;
    }
    // Both sides in one worker task: the GUI thread never reads /proc or forks.
    auto *watcher = new QFutureWatcher<std::pair<json, json>>(this);
    const int gen = m_generation;
    connect(watcher, &QFutureWatcher<std::pair<json, json>>::finished, this, [this, watcher, gen] {
        watcher->deleteLater();
        if (gen != m_generation)
            return; // a newer target replaced this one
        try {
            auto r = watcher->result();
            received(0, r.first);
            received(1, r.second);
        } catch (const std::exception &e) {
            fail(tr("Inspect failed: ") + QString::fromLocal8Bit(e.what()));
        }
    });
    InspectFunction f = m_inspect;
    watcher->setFuture(
        QtConcurrent::run([f, a = m_pid, b = m_refPid] { return std::make_pair(f(a), f(b)); }));
}

int DiffPanel::sideOf(quint64 id) const
{
    for (int s = 0; s < 2; ++s)
        if (m_pending > 0 && m_requestId[s] == id && m_docs[s].is_null())
            return s;
    return -1; // someone else's reply, or a stale one
}

void DiffPanel::onInspected(quint64 id, int, const json &document)
{
    if (const int side = sideOf(id); side >= 0)
        received(side, document);
}

void DiffPanel::onInspectFailed(quint64 id, const QString &code, const QString &message)
{
    const int side = sideOf(id);
    if (side < 0)
        return;
    // Keep the diff going, with the reason on every row of this side.
    const bool exited = code == QLatin1String(protocol::err::NotFound);
    received(side, {{"pid", side == 0 ? m_pid : m_refPid},
                    {"state", exited ? "exited" : "unreadable"},
                    {"error", exited ? std::string("process exited") : message.toStdString()}});
}

void DiffPanel::received(int side, const json &doc)
{
    m_docs[side] = doc.is_object() ? doc : json{{"pid", 0}, {"state", "unreadable"}, {"error", "no data"}};
    if (--m_pending > 0)
        return;
    m_watchdog->stop();
    const bool quiet = std::exchange(m_quiet, false);
    if (quiet && m_docs[0].value("state", std::string("running")) != "running") {
        // A live refresh found A gone: keep the diff it had, marked.
        markExited(m_docs[0].value("state", std::string()) == "exited" ? tr("exited")
                                                                       : tr("no longer readable"));
        return;
    }
    m_diff = diffInspections(m_docs[0], m_docs[1], m_snapshot);
    if (m_refNote.isEmpty())
        m_diff["b"]["hostReference"] = false;
    else
        markHostReference(m_diff, m_hostRef);
    rebuild();
    if (m_liveTimer->interval() > 0 && m_docs[0].value("state", std::string("running")) == "running")
        m_liveTimer->start();
    Q_EMIT diffReady();
}

void DiffPanel::fail(const QString &message)
{
    if (std::exchange(m_quiet, false)) {
        // A live refresh that failed (helper busy or gone): keep showing the last diff.
        m_pending = 0;
        ++m_generation;
        m_watchdog->stop();
        return;
    }
    m_pending = 0;
    m_liveTimer->stop();
    ++m_generation;
    m_watchdog->stop();
    m_header->setText(
        QStringLiteral("<span style='color:#B91C1C'><b>%1</b></span>").arg(message.toHtmlEscaped()));
    Q_EMIT failed(message);
}

void DiffPanel::setDiff(const json &diff)
{
    m_pending = 0;
    m_diff = diff;
    if (diff.contains("a"))
        m_pid = diff["a"].value("pid", 0);
    if (diff.contains("b"))
        m_refPid = diff["b"].value("pid", 0);
    rebuild();
}

void DiffPanel::rebuild()
{
    // What is shown is what leaves: the same redacted document for screen, text, Markdown, pictures.
    const json shown = shownDiff();
    // Keep the open rows open and the scroll position across a live refresh.
    QSet<QString> expanded;
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i)
        if (m_tree->topLevelItem(i)->isExpanded())
            expanded.insert(m_tree->topLevelItem(i)->text(ColName));
    const bool keep = m_tree->topLevelItemCount() > 0;
    const int scroll = m_tree->verticalScrollBar() ? m_tree->verticalScrollBar()->value() : 0;
    m_header->setText(headerHtml(shown, m_refNote, m_exitNote));
    const QString notes = notesHtml(shown);
    m_notes->setText(notes);
    m_notes->setVisible(!notes.isEmpty());
    populate(m_tree, shown, 40, false);
    if (keep) {
        for (int i = 0; i < m_tree->topLevelItemCount(); ++i) {
            auto *it = m_tree->topLevelItem(i);
            it->setExpanded(expanded.contains(it->text(ColName)) && it->childCount() > 0);
        }
        m_tree->verticalScrollBar()->setValue(scroll);
    }
    for (auto *b : {m_compare, m_copy, m_export})
        b->setEnabled(true);
    Q_EMIT titleChanged(title());
}

QString DiffPanel::toText() const
{
    if (!m_diff.is_object() || !m_diff.contains("namespaces"))
        return QString();
    QString t = qs(diffToText(shownDiff()));
    if (m_exited)
        t = QStringLiteral("A: ") + m_exitNote + QLatin1Char('\n') + t;
    return t;
}

QString DiffPanel::toMarkdown() const
{
    if (!m_diff.is_object() || !m_diff.contains("namespaces"))
        return QString();
    QString md = qs(diffToMarkdown(shownDiff()));
    if (m_exited)
        md += QStringLiteral("\n_A %1_\n").arg(m_exitNote);
    return md;
}

void DiffPanel::copyText()
{
    if (m_gate)
        m_gate->copy(toText()); // already redacted; the gate is the one way to the clipboard
    else
        QGuiApplication::clipboard()->setText(toText());
}

void DiffPanel::copyMarkdown()
{
    const QString md = toMarkdown();
    if (m_gate) {
        m_gate->copy(md, md);
        return;
    }
    auto *mime = new QMimeData;
    mime->setText(md);
    mime->setData(QStringLiteral("text/markdown"), md.toUtf8());
    QGuiApplication::clipboard()->setMimeData(mime);
}

void DiffPanel::chooseReference()
{
    auto *picker = new PidPicker(m_snapshot, m_snapshot ? m_snapshot->host.referencePid : 0, this);
    picker->setAttribute(Qt::WA_DeleteOnClose);
    connect(picker, &QDialog::finished, this, [this, picker](int result) {
        if (result == QDialog::Rejected)
            return;
        const int pid = picker->selectedPid();
        setTarget(m_pid, pid);
        Q_EMIT referenceChanged(m_refPid);
    });
    picker->open(); // not exec(): no nested event loop
}

namespace
{

/// A never-shown page sized to the whole diff: every row, details expanded, so an export does not
/// depend on how the panel is scrolled or sized on screen.
std::unique_ptr<QWidget> makeExportPage(const json &diff, const QString &refNote, const QString &titleText,
                                        const QString &exitNote)
{
    auto page = std::make_unique<QWidget>();
    page->setAttribute(Qt::WA_DontShowOnScreen);
    page->setAutoFillBackground(true);
    // The page follows the window's theme (View ▸ Theme), so a dark slide deck gets a dark diff.
    const bool dark = views::isDark(QGuiApplication::palette());
    const QColor bg = dark ? QColor(0x1B, 0x1E, 0x24) : QColor(Qt::white);
    const QColor fg = dark ? QColor(0xE5, 0xE9, 0xF0) : QColor(0x11, 0x18, 0x27);
    QPalette pal = page->palette();
    pal.setColor(QPalette::Window, bg);
    pal.setColor(QPalette::Base, bg);
    pal.setColor(QPalette::Text, fg);
    pal.setColor(QPalette::WindowText, fg);
    page->setPalette(pal);
    auto *layout = new QVBoxLayout(page.get());
    layout->setContentsMargins(16, 14, 16, 14);
    auto *title = new QLabel(page.get());
    title->setTextFormat(Qt::RichText);
    title->setText(QStringLiteral("<span style='font-size:15pt;font-weight:600'>%1</span><br>%2")
                       .arg(titleText.toHtmlEscaped(), headerHtml(diff, refNote, exitNote)));
    layout->addWidget(title);
    const QString notes = notesHtml(diff);
    if (!notes.isEmpty()) {
        auto *n = new QLabel(notes, page.get());
        n->setWordWrap(true);
        n->setStyleSheet(QStringLiteral("QLabel{background:#FEF3C7;color:#78350F;padding:4px}"));
        layout->addWidget(n);
    }
    auto *tree = new QTreeWidget(page.get());
    styleTree(tree);
    tree->setPalette(pal);
    tree->setFrameShape(QFrame::NoFrame);
    tree->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    tree->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    tree->setColumnWidth(ColName, 280);
    tree->setColumnWidth(ColStatus, 170);
    populate(tree, diff, 12, true);
    layout->addWidget(tree);
    const int width = 1280;
    page->resize(width, 600);
    page->show(); // WA_DontShowOnScreen: laid out, never mapped
    // Rows wrap, so they differ in height: measure each one laid out at the page's width.
    tree->setFixedHeight(20000);
    page->resize(width, page->sizeHint().height());
    tree->doItemsLayout();
    int bottom = 0;
    for (QTreeWidgetItemIterator it(tree); *it; ++it) {
        bool visible = true;
        for (auto *p = (*it)->parent(); p; p = p->parent())
            visible &= p->isExpanded();
        if (visible)
            bottom = std::max(bottom, tree->visualItemRect(*it).bottom() + 1);
    }
    tree->setFixedHeight(tree->header()->sizeHint().height() + bottom + 6);
    // The layout caches its size hint: make it see the tree's new height before sizing the page.
    page->layout()->invalidate();
    page->layout()->activate();
    page->resize(width, page->sizeHint().height());
    return page;
}

} // namespace

QSize DiffPanel::paintExport(QPainter &painter) const
{
    auto page = makeExportPage(shownDiff(), m_refNote, title(), m_exitNote);
    page->render(&painter);
    return page->size();
}

QImage DiffPanel::renderImage(qreal scale) const
{
    auto page = makeExportPage(shownDiff(), m_refNote, title(), m_exitNote);
    QImage img((QSizeF(page->size()) * scale).toSize(), QImage::Format_ARGB32_Premultiplied);
    img.setDevicePixelRatio(scale);
    img.fill(page->palette().color(QPalette::Window));
    QPainter p(&img);
    page->render(&p);
    p.end();
    return img;
}

bool DiffPanel::exportPng(const QString &path) const
{
    if (!m_diff.is_object() || !m_diff.contains("namespaces"))
        return false;
    return renderImage(2.0).save(path, "PNG");
}

bool DiffPanel::exportSvg(const QString &path) const
{
    if (!m_diff.is_object() || !m_diff.contains("namespaces"))
        return false;
    // The same page drawn into an SVG: text stays text, so it can be edited on a slide.
    auto page = makeExportPage(shownDiff(), m_refNote, title(), m_exitNote);
    QSvgGenerator gen;
    gen.setFileName(path);
    gen.setSize(page->size());
    gen.setViewBox(QRect(QPoint(0, 0), page->size()));
    gen.setTitle(tr("nsviz namespace diff"));
    QPainter p;
    if (!p.begin(&gen))
        return false;
    page->render(&p);
    return p.end();
}

void DiffPanel::exportTo(const QString &kind)
{
    auto *dlg = new QFileDialog(this, kind == QStringLiteral("png") ? tr("Export PNG") : tr("Export SVG"));
    dlg->setAcceptMode(QFileDialog::AcceptSave);
    dlg->setDefaultSuffix(kind);
    dlg->selectFile(QStringLiteral("nsviz-diff-%1-vs-%2.%3").arg(m_pid).arg(m_refPid).arg(kind));
    dlg->setAttribute(Qt::WA_DeleteOnClose);
    connect(dlg, &QFileDialog::fileSelected, this, [this, kind](const QString &file) {
        const bool ok = kind == QStringLiteral("png") ? exportPng(file) : exportSvg(file);
        if (!ok)
            Q_EMIT failed(tr("Could not write %1").arg(file));
    });
    dlg->open();
}

} // namespace nsviz
