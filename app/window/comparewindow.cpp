// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/window/comparewindow.h"

#include "app/export/viewexporter.h"
#include "app/models/comparemodel.h"
#include "app/models/redactiongate.h"
#include "app/models/snapshotstore.h"
#include "app/models/usernames.h"
#include "core/inspect/compare.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QFutureWatcher>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPainter>
#include <QPointer>
#include <QSplitter>
#include <QTableView>
#include <QToolBar>
#include <QtConcurrent/QtConcurrentRun>

namespace nsviz
{

namespace
{

/// Paints the comparison's picture, fitted to the widget (a slide wants it whole, not zoomed).
class CompareCanvas : public QWidget
{
public:
    CompareCanvas(const ComparePicture &picture, const RedactionGate &gate, QWidget *parent)
        : QWidget(parent), m_picture(picture), m_gate(gate)
    {
        setObjectName(QStringLiteral("compareCanvas"));
        setMinimumSize(480, 320);
    }
    ClusterPaintOptions options() const
    {
        ClusterPaintOptions o;
        o.redacted = m_gate.enabled();
        o.font = font();
        return o;
    }

protected:
    void paintEvent(QPaintEvent *) override
    {
        QPainter p(this);
        m_picture.paint(p, QSizeF(size()), options());
    }

private:
    const ComparePicture &m_picture;
    const RedactionGate &m_gate;
};

} // namespace

CompareWindow::CompareWindow(const Moment &a, const Moment &b, QWidget *parent)
    : QMainWindow(parent), m_store(new SnapshotStore(this)), m_model(new CompareModel(this))
{
    setObjectName(QStringLiteral("compareWindow"));
    setAttribute(Qt::WA_DeleteOnClose, parent != nullptr);
    m_cmp = compareSnapshots(a.snapshot, b.snapshot, a.label, b.label,
                             a.sandboxes.is_array() ? &a.sandboxes : nullptr,
                             b.sandboxes.is_array() ? &b.sandboxes : nullptr);
    m_merged = ComparePicture::merge(a.snapshot, b.snapshot);
    // The store holds what is drawn (B and the ghosts of A), so its gate knows every name in it.
    m_store->setSnapshot(m_merged);

    m_canvas = new CompareCanvas(m_picture, *redaction(), this);
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("compareTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setWordWrap(false);
    auto *split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_canvas);
    split->addWidget(m_table);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    setCentralWidget(split);

    auto *file = menuBar()->addMenu(QStringLiteral("&File"));
    auto *expPic =
        file->addAction(QStringLiteral("Export &Picture…"), this, &CompareWindow::askExportPicture);
    expPic->setObjectName(QStringLiteral("compareExportPicture"));
    auto *expList =
        file->addAction(QStringLiteral("Export &Changes…"), this, &CompareWindow::askExportChanges);
    expList->setObjectName(QStringLiteral("compareExportChanges"));
    auto *copy = file->addAction(QStringLiteral("&Copy Changes as Markdown"), this, [this]() {
        const QString md = markdown();
        // Already redacted when the switch is on; the gate passes it through unchanged otherwise.
        redaction()->copy(md, md);
    });
    copy->setShortcut(QKeySequence::Copy);
    file->addSeparator();
    file->addAction(QStringLiteral("&Close"), this, &QWidget::close)->setShortcut(QKeySequence::Close);
    auto *view = menuBar()->addMenu(QStringLiteral("&View"));
    m_redactAction = view->addAction(QStringLiteral("&Redact Names"));
    m_redactAction->setObjectName(QStringLiteral("compareRedact"));
    m_redactAction->setCheckable(true);
    connect(m_redactAction, &QAction::toggled, redaction(), &RedactionGate::setEnabled);
    connect(redaction(), &RedactionGate::enabledChanged, this, [this](bool on) {
        m_redactAction->setChecked(on);
        rebuild();
    });

    auto *tb = addToolBar(QStringLiteral("Compare"));
    tb->setObjectName(QStringLiteral("compareToolBar"));
    tb->addAction(expPic);
    tb->addAction(expList);
    tb->addAction(m_redactAction);
    tb->addSeparator();
    tb->addWidget(new QLabel(QStringLiteral(" Group by "), tb));
    m_groupCombo = new QComboBox(tb);
    for (NsType t : kAllNsTypes)
        m_groupCombo->addItem(QString::fromLatin1(nsTypeName(t)), static_cast<int>(index(t)));
    m_groupCombo->setCurrentIndex(static_cast<int>(index(m_groupBy)));
    connect(m_groupCombo, &QComboBox::currentIndexChanged, this,
            [this](int i) { setGroupBy(kAllNsTypes[static_cast<std::size_t>(i)]); });
    tb->addWidget(m_groupCombo);
    resize(1400, 820);
    rebuild();
}

CompareWindow::~CompareWindow() = default;

RedactionGate *CompareWindow::redaction() const
{
    return m_store->redaction();
}

void CompareWindow::rebuild()
{
    const RedactionGate &gate = *redaction();
    const nlohmann::json cmp = gate.json(m_cmp);
    const Snapshot scene = gate.snapshot(m_merged);
    m_picture.setStyle(ClusterStyle::forPalette(palette()));
    m_picture.setComparison(scene, cmp, m_groupBy, !gate.enabled() && UserNames::isLocalSnapshot(scene));
    m_model->setComparison(cmp);
    m_table->resizeColumnsToContents();
    setWindowTitle(QStringLiteral("Compare %1 — nsviz").arg(CompareModel::title(cmp)));
    m_canvas->update();
}

void CompareWindow::setGroupBy(NsType type)
{
    if (type == m_groupBy)
        return;
    m_groupBy = type;
    m_groupCombo->setCurrentIndex(static_cast<int>(index(type)));
    rebuild();
}

QString CompareWindow::markdown() const
{
    return CompareModel::markdown(redaction()->json(m_cmp));
}

bool CompareWindow::exportPicture(const QString &file, double scale, QString *error, QSize size)
{
    if (size.isEmpty())
        size = m_canvas->size();
    const ClusterPaintOptions o = static_cast<CompareCanvas *>(m_canvas)->options();
    const QSizeF sz(size);
    // What is drawn was built through the gate (rebuild()): redacted when the switch is on.
    ViewExporter::Picture pic{size, m_picture.painter().style().background,
                              [&](QPainter &p) { m_picture.paint(p, sz, o); }};
    return ViewExporter::save(pic, file, scale, error);
}

bool CompareWindow::exportChanges(const QString &file, QString *error)
{
    const bool md = file.endsWith(QLatin1String(".md"), Qt::CaseInsensitive) ||
                    file.endsWith(QLatin1String(".markdown"), Qt::CaseInsensitive);
    const QByteArray text =
        md ? markdown().toUtf8()
           : QByteArray::fromStdString(
                 redaction()->json(m_cmp).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
                 "\n");
    QFile f(file);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(text) != text.size()) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(file, f.errorString());
        return false;
    }
    return true;
}

void CompareWindow::askExportPicture()
{
    const auto target = ViewExporter::askTarget(this, QStringLiteral("nsviz-compare.png"));
    if (!target)
        return;
    QString error;
    if (!exportPicture(target->file, target->scale, &error))
        QMessageBox::warning(this, QStringLiteral("Export Picture"), error);
}

void CompareWindow::askExportChanges()
{
    const QString path = QFileDialog::getSaveFileName(
        this, QStringLiteral("Export Changes"), QStringLiteral("nsviz-compare.md"),
        QStringLiteral("Markdown (*.md);;nsviz.compare/1 JSON (*.json)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!exportChanges(path, &error))
        QMessageBox::warning(this, QStringLiteral("Export Changes"), error);
}

void CompareWindow::open(const QString &a, const QString &b, bool redact, QWidget *parent)
{
    struct Loaded {
        Moment a, b;
        QString error;
    };
    auto *watcher = new QFutureWatcher<Loaded>(parent ? static_cast<QObject *>(parent) : qApp);
    QPointer<QWidget> owner(parent);
    QObject::connect(watcher, &QFutureWatcherBase::finished, watcher, [watcher, owner, parent, redact]() {
        watcher->deleteLater();
        Loaded loaded = watcher->result();
        if (parent && !owner)
            return; // the window that asked is gone
        if (!loaded.error.isEmpty()) {
            QMessageBox::warning(owner, QStringLiteral("Compare"), loaded.error);
            return;
        }
        auto *w = new CompareWindow(loaded.a, loaded.b, owner);
        w->setWindowFlag(Qt::Window, true);
        w->setAttribute(Qt::WA_DeleteOnClose, true);
        w->redaction()->setEnabled(redact);
        w->show();
    });
    watcher->setFuture(QtConcurrent::run([a, b]() -> Loaded {
        Loaded out;
        try {
            out.a = loadMoment(a.toStdString());
            out.b = loadMoment(b.toStdString());
        } catch (const MomentError &e) {
            out.error = QString::fromStdString(e.what());
        }
        return out;
    }));
}

} // namespace nsviz
