// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/window/mainwindow.h"

#include "app/cluster/clusterview.h"
#include "app/export/viewexporter.h"
#include "app/models/redactiongate.h"
#include "app/models/snapshotstore.h"
#include "app/models/viewhelpers.h"
#include "app/panels/demodialog.h"
#include "app/panels/diffpanel.h"
#include "app/panels/findingspanel.h"
#include "app/transport/helperclient.h"
#include "app/window/comparewindow.h"
#include "app/window/democontroller.h"
#include "app/window/demomenus.h"
#include "app/window/recordingplayer.h"
#include "app/window/session.h"
#include "app/window/theme.h"
#include "app/window/timelinebar.h"
#include "app/window/viewfactory.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QFrame>
#include <QHBoxLayout>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QStyle>
#include <QTabBar>
#include <QTabWidget>
#include <QTextBrowser>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

// The handbook's resource lives in the (static) app library: it must be pulled in by name.
static void initHandbookResource()
{
    Q_INIT_RESOURCE(handbook);
}

namespace nsviz
{

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent), m_store(new SnapshotStore(this)), m_session(new Session(m_store, this)),
      m_demos(new DemoController(m_session->client(), this))
{
    setWindowTitle(QStringLiteral("nsviz"));

    auto *central = new QWidget(this);
    auto *lay = new QVBoxLayout(central);
    lay->setContentsMargins(0, 0, 0, 0);
    lay->setSpacing(0);

    // The unprivileged banner: says how much is missing and offers the fix.
    m_banner = new QFrame(central);
    m_banner->setObjectName(QStringLiteral("privilegeBanner"));
    m_banner->setAutoFillBackground(true);
    styleBanner();
    auto *bl = new QHBoxLayout(m_banner);
    bl->setContentsMargins(12, 6, 12, 6);
    auto *icon = new QLabel(m_banner);
    icon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(20, 20));
    m_bannerText = new QLabel(m_banner);
    m_bannerText->setObjectName(QStringLiteral("privilegeBannerText"));
    m_bannerText->setTextFormat(Qt::RichText);
    m_bannerText->setWordWrap(true);
    m_bannerText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_bannerButton = new QPushButton(QStringLiteral("Authenticate…"), m_banner);
    m_bannerButton->setObjectName(QStringLiteral("privilegeBannerButton"));
    m_bannerButton->setToolTip(
        QStringLiteral("Reconnect through the privileged helper (polkit asks for a password) to see "
                       "every process"));
    bl->addWidget(icon);
    bl->addWidget(m_bannerText, 1);
    bl->addWidget(m_bannerButton);
    m_banner->hide();
    connect(m_bannerButton, &QPushButton::clicked, m_session, &Session::escalate);

    m_tabs = new QTabWidget(central);
    m_tabs->setDocumentMode(true);
    m_cluster = new ClusterView(m_store, m_tabs);
    m_tabs->addTab(m_cluster, ViewFactory::title(QStringLiteral("cluster")));
    for (const QString &name : ViewFactory::names()) {
        if (name == QLatin1String("cluster"))
            continue;
        if (QWidget *w = ViewFactory::create(name, m_store, m_tabs))
            m_tabs->addTab(w, ViewFactory::title(name));
    }
    m_timeline = new TimelineBar(central);
    connect(m_session, &Session::playerChanged, this,
            [this]() { m_timeline->setPlayer(m_session->player()); });
    connect(m_timeline, &TimelineBar::compareRequested, this, &MainWindow::compareMoments);
    lay->addWidget(m_banner);
    lay->addWidget(m_tabs, 1);
    lay->addWidget(m_timeline);
    setCentralWidget(central);

    m_findings = new FindingsPanel(this);
    m_findingsDock =
        addPanel(m_findings, QStringLiteral("Host sharing findings"), QStringLiteral("findingsDock"));
    connect(m_findings, &FindingsPanel::processActivated, this, [this](int pid) {
        m_tabs->setCurrentWidget(m_cluster);
        m_cluster->selectPid(pid);
        showDiff(pid);
    });
    m_diff = new DiffPanel(this);
    m_diffDock = addPanel(m_diff, QStringLiteral("Diff against the host"), QStringLiteral("diffDock"));
    tabifyDockWidget(m_findingsDock, m_diffDock);
    m_findingsDock->raise();
    // Every transport answers inspect (the in-process one gathers it in a worker thread).
    m_diff->setClient(m_session->client());
    wirePanels();
    connect(m_cluster, &ClusterView::processSelected, this, [this](int pid) {
        if (pid > 0)
            showDiff(pid);
    });
    // Findings read /proc per container: at most once a second, in a worker (FindingsPanel's own).
    m_panelTimer = new QTimer(this);
    m_panelTimer->setSingleShot(true);
    m_panelTimer->setInterval(1000);
    connect(m_panelTimer, &QTimer::timeout, this, [this] { refreshPanels(false); });
    // A demo we launched shows up: select it and open its diff.
    connect(m_demos, &DemoController::demoAppeared, this, [this](int pid) {
        m_tabs->setCurrentWidget(m_cluster);
        m_cluster->selectPid(pid);
        showDiff(pid);
    });
    connect(m_demos, &DemoController::demoStarted, this, [this](const DemoInfo &demo) {
        statusBar()->showMessage(QStringLiteral("demo container started: pid %1").arg(demo.pid), 5000);
        m_session->refresh(); // show it now rather than at the next tick
    });
    connect(m_demos, &DemoController::requestFailed, this,
            [this](const QString &message) { showError(QStringLiteral("Demo container"), message); });
    // A new picture: the panels follow as soon as the views have it. (Not start(0): that would make
    // the interval 0 for good, and the findings would be derived again after every delta.)
    connect(m_store, &SnapshotStore::snapshotReset, this, [this]() {
        m_panelTimer->stop();
        QMetaObject::invokeMethod(
            this, [this] { refreshPanels(true); }, Qt::QueuedConnection);
    });
    // The counts change with the data, not a second later with the clock.
    connect(m_store, &SnapshotStore::countsChanged, this, &MainWindow::updateStatus);
    connect(m_store, &SnapshotStore::deltaApplied, this, [this](const SnapshotDelta &d) {
        if (!d.empty() && !m_panelTimer->isActive())
            m_panelTimer->start();
    });
    // Keep selection in step across views that know processes.
    for (int i = 0; i < m_tabs->count(); ++i) {
        QWidget *w = m_tabs->widget(i);
        if (w == m_cluster)
            continue;
        if (w->metaObject()->indexOfSignal("processSelected(int)") >= 0)
            connect(w, SIGNAL(processSelected(int)), m_cluster, SLOT(selectPid(int)));
        if (w->metaObject()->indexOfSlot("selectProcess(int)") >= 0)
            connect(m_cluster, SIGNAL(processSelected(int)), w, SLOT(selectProcess(int)));
    }

    buildActions();
    buildStatusBar();
    connect(m_session, &Session::stateChanged, this, &MainWindow::updateStatus);
    connect(m_store, &SnapshotStore::snapshotReset, this, &MainWindow::updateStatus);
    connect(m_store, &SnapshotStore::deltaApplied, this, &MainWindow::updateStatus);
    connect(m_session, &Session::progress, this, [this](int done, int total) {
        m_progress->setVisible(done < total || m_session->waitingForFirstSnapshot());
        m_progress->setRange(0, std::max(1, total));
        m_progress->setValue(done);
    });
    connect(m_session, &Session::fileFailed, this, [this](const QString &path, const QString &msg) {
        showError(QStringLiteral("Cannot open snapshot"),
                  QStringLiteral("%1 is not a usable nsviz snapshot:\n%2\n\nThe view was left as it was.")
                      .arg(path, msg));
    });
    connect(m_session, &Session::liveFailed, this, [this](const QString &msg) {
        // Not modal: the window keeps working (and the banner offers to authenticate again).
        m_lastError = msg;
        statusBar()->showMessage(msg.section(QLatin1Char('\n'), 0, 0), 15000);
    });
    connect(m_session, &Session::authOutcomeChanged, this, [this]() {
        const auto &a = m_session->authOutcome();
        if (a.state == Session::AuthOutcome::State::Succeeded)
            statusBar()->showMessage(QStringLiteral("authenticated: live through %1").arg(a.via), 5000);
        updateStatus();
    });
    connect(m_store, &SnapshotStore::error, this, [this](const QString &msg) {
        statusBar()->showMessage(QStringLiteral("update refused: ") + msg, 5000);
    });
    restoreSettings();
    updateStatus();
}

MainWindow::~MainWindow() = default;

QDockWidget *MainWindow::addPanel(QWidget *panel, const QString &title, const QString &objectName)
{
    auto *dock = new QDockWidget(title, this);
    dock->setObjectName(objectName);
    // In a scroll area, so a panel's comfortable width never forces the window wider than a
    // 1280x720 projector: a narrow column scrolls instead.
    auto *scroll = new QScrollArea(dock);
    scroll->setObjectName(objectName + QStringLiteral("Scroll"));
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(panel);
    dock->setWidget(scroll);
    dock->setAllowedAreas(Qt::LeftDockWidgetArea | Qt::RightDockWidgetArea | Qt::BottomDockWidgetArea);
    addDockWidget(Qt::RightDockWidgetArea, dock);
    if (auto *menu = menuBar()->findChild<QMenu *>(QStringLiteral("panelsMenu")))
        menu->addAction(dock->toggleViewAction());
    return dock;
}

void MainWindow::wirePanels()
{
    // Redact Names is one gate (the store's): the panels show, copy and export through it.
    RedactionGate *gate = m_store->redaction();
    m_diff->setRedaction(gate);
    m_findings->setRedaction(gate);
    // The dock says what is compared with what ("… against the host" only when it is).
    connect(m_diff, &DiffPanel::titleChanged, m_diffDock, &QDockWidget::setWindowTitle);
    // Demos: stop one from its finding's or its cluster's context menu.
    m_findings->setDemoLookup(
        [this](int pid) { return DemoMenus::demoOfProcess(m_store->snapshot(), *m_demos, pid); });
    connect(m_findings, &FindingsPanel::stopDemoRequested, this, &MainWindow::stopDemo);
    m_cluster->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_cluster, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        QMenu *menu = DemoMenus::clusterMenu(*m_cluster, *m_demos, pos, this);
        menu->setAttribute(Qt::WA_DeleteOnClose);
        menu->popup(m_cluster->mapToGlobal(pos));
    });
    connect(m_demos, &DemoController::demoEnded, this, [this](int pid) {
        statusBar()->showMessage(QStringLiteral("demo container %1 ended").arg(pid), 5000);
    });
    // A file opened over the live view keeps the connection the demos this window started run on.
    m_session->setKeepConnection([this] { return !m_demos->startedPids().isEmpty(); });
}

void MainWindow::stopDemo(int pid)
{
    if (pid <= 0 || !m_session->client()->isConnected()) {
        showError(QStringLiteral("Stop demo container"), QStringLiteral("Not connected to the helper."));
        return;
    }
    m_demos->stop(pid);
    statusBar()->showMessage(QStringLiteral("stopping demo container %1…").arg(pid), 5000);
}

void MainWindow::setTheme(Theme::Mode mode)
{
    Theme::apply(mode);
    // The cluster picture has its own light/dark styles: it follows the choice, not just the palette.
    m_cluster->setDarkOverride(Theme::darkOverride());
    if (m_themeGroup)
        for (QAction *a : m_themeGroup->actions())
            a->setChecked(a->data().toString() == Theme::name(mode));
}

QString MainWindow::handbookPath()
{
    // Installed as a data file beside the resource copy: an edited installed handbook wins.
    const QString installed =
        QStandardPaths::locate(QStandardPaths::GenericDataLocation, QStringLiteral("doc/nsviz/handbook.md"));
    if (!installed.isEmpty())
        return installed;
    initHandbookResource();
    return QStringLiteral(":/docs/handbook.md");
}

void MainWindow::showHandbook()
{
    QFile f(handbookPath());
    if (!f.open(QIODevice::ReadOnly)) {
        showError(QStringLiteral("Handbook"), QStringLiteral("The handbook is missing from this build."));
        return;
    }
    auto *dlg = new QDialog(this);
    dlg->setObjectName(QStringLiteral("handbook"));
    dlg->setWindowTitle(QStringLiteral("nsviz Handbook"));
    dlg->setAttribute(Qt::WA_DeleteOnClose);
    auto *lay = new QVBoxLayout(dlg);
    auto *text = new QTextBrowser(dlg);
    text->setOpenExternalLinks(true);
    text->setMarkdown(QString::fromUtf8(f.readAll()));
    lay->addWidget(text);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, dlg);
    connect(buttons, &QDialogButtonBox::rejected, dlg, &QDialog::close);
    lay->addWidget(buttons);
    dlg->resize(860, 680);
    dlg->show(); // not modal: the handbook stays open beside the window while following the lesson
}

void MainWindow::addViewTab(QWidget *view, const QString &title)
{
    m_tabs->addTab(view, title);
}

void MainWindow::buildActions()
{
    auto *tb = addToolBar(QStringLiteral("Main"));
    tb->setObjectName(QStringLiteral("mainToolBar"));
    tb->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);

    auto *file = menuBar()->addMenu(QStringLiteral("&File"));
    auto *open = file->addAction(style()->standardIcon(QStyle::SP_DialogOpenButton),
                                 QStringLiteral("&Open Snapshot…"), this, &MainWindow::openSnapshot);
    open->setShortcut(QKeySequence::Open);
    auto *save = file->addAction(style()->standardIcon(QStyle::SP_DialogSaveButton),
                                 QStringLiteral("&Save Snapshot…"), this, &MainWindow::saveSnapshot);
    save->setShortcut(QKeySequence::Save);
    auto *exp = file->addAction(QStringLiteral("&Export Picture…"), this, &MainWindow::exportPicture);
    exp->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    file->addSeparator();
    auto *live = file->addAction(QStringLiteral("Connect to &This Host"), this,
                                 [this]() { m_session->connectLive(false); });
    Q_UNUSED(live);
    file->addAction(QStringLiteral("Connect to &Host…"), this, &MainWindow::connectToHost);
    file->addSeparator();
    file->addAction(QStringLiteral("&Compare…"), this, &MainWindow::compareFiles)
        ->setObjectName(QStringLiteral("compareAction"));
    file->addSeparator();
    auto *record = file->addAction(QStringLiteral("&Record…"), this, &MainWindow::toggleRecording);
    record->setObjectName(QStringLiteral("recordAction"));
    connect(m_session, &Session::recordingChanged, this, [this, record]() {
        const bool on = m_session->isRecording();
        record->setText(on ? QStringLiteral("Stop &Recording") : QStringLiteral("&Record…"));
        statusBar()->showMessage(on ? QStringLiteral("recording to %1").arg(m_session->recordingPath())
                                    : QStringLiteral("recording ended: %1").arg(m_session->recordingPath()),
                                 on ? 0 : 8000);
    });
    file->addSeparator();
    auto *quit = file->addAction(QStringLiteral("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    auto *view = menuBar()->addMenu(QStringLiteral("&View"));
    for (int i = 0; i < m_tabs->count() && i < 9; ++i) {
        auto *a = view->addAction(m_tabs->tabText(i), this, [this, i]() { m_tabs->setCurrentIndex(i); });
        a->setShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + i)));
    }
    view->addSeparator();
    auto *groupMenu = view->addMenu(QStringLiteral("&Group By"));
    auto *groupActions = new QActionGroup(this);
    m_groupBy = new QComboBox(this);
    m_groupBy->setToolTip(QStringLiteral("Namespace type the cluster view groups processes by"));
    m_groupBy->setAccessibleName(QStringLiteral("Group by namespace type"));
    for (NsType t : kAllNsTypes) {
        const QString name = QString::fromLatin1(nsTypeName(t));
        m_groupBy->addItem(name, static_cast<int>(index(t)));
        m_groupBy->setItemData(m_groupBy->count() - 1, QString::fromLatin1(nsTypeDescription(t)),
                               Qt::ToolTipRole);
        auto *a = groupMenu->addAction(name, this, [this, t]() { setGroupBy(t); });
        a->setCheckable(true);
        a->setChecked(t == NsType::Net);
        a->setData(static_cast<int>(index(t)));
        groupActions->addAction(a);
    }
    m_groupBy->setCurrentIndex(static_cast<int>(index(NsType::Net)));
    connect(m_groupBy, &QComboBox::activated, this,
            [this](int i) { setGroupBy(kAllNsTypes[static_cast<std::size_t>(i)]); });
    connect(m_cluster, &ClusterView::layoutUpdated, this, [this, groupActions]() {
        const int i = static_cast<int>(index(m_cluster->groupBy()));
        m_groupBy->setCurrentIndex(i);
        for (QAction *a : groupActions->actions())
            a->setChecked(a->data().toInt() == i);
    });
    auto *fit = view->addAction(QStringLiteral("&Fit"), m_cluster, &ClusterView::fitToView);
    fit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
    fit->setIcon(style()->standardIcon(QStyle::SP_TitleBarMaxButton));
    view->addAction(QStringLiteral("Zoom &In"), QKeySequence::ZoomIn, m_cluster, &ClusterView::zoomIn);
    view->addAction(QStringLiteral("Zoom &Out"), QKeySequence::ZoomOut, m_cluster, &ClusterView::zoomOut);
    view->addAction(QStringLiteral("&Compact Layout"), m_cluster, &ClusterView::compactLayout);
    view->addSeparator();
    m_redactAction = view->addAction(QStringLiteral("&Redact Names"));
    m_redactAction->setCheckable(true);
    m_redactAction->setToolTip(
        QStringLiteral("Replace hostnames, user names and command arguments in the picture and saved files"));
    connect(m_redactAction, &QAction::toggled, m_cluster, &ClusterView::setRedacted);
    connect(m_redactAction, &QAction::toggled, m_store->redaction(), &RedactionGate::setEnabled);
    connect(m_redactAction, &QAction::toggled, this, &MainWindow::updateStatus);
    // One switch for service sandboxes and engine helpers: listed in the findings, full strength in
    // the picture; off (the default), not listed and dimmed, so the alarms stand out.
    m_informationalAction = view->addAction(QStringLiteral("Show &Service Sandboxes and Engine Helpers"));
    m_informationalAction->setObjectName(QStringLiteral("showInformational"));
    m_informationalAction->setCheckable(true);
    m_informationalAction->setToolTip(QStringLiteral(
        "List systemd services' own namespaces and container engines' helpers in the findings, and draw "
        "them at full strength in the picture (they are information, never an alarm)"));
    connect(m_informationalAction, &QAction::toggled, m_findings, &FindingsPanel::setShowInformational);
    connect(m_findings, &FindingsPanel::showInformationalChanged, m_informationalAction,
            &QAction::setChecked);
    connect(m_findings, &FindingsPanel::showInformationalChanged, m_cluster,
            [this](bool shown) { m_cluster->setDimInformational(!shown); });
    m_cluster->setDimInformational(true);
    auto *themeMenu = view->addMenu(QStringLiteral("&Theme"));
    m_themeGroup = new QActionGroup(this);
    for (Theme::Mode mode : {Theme::Mode::System, Theme::Mode::Light, Theme::Mode::Dark}) {
        static const char *const labels[] = {"&System", "&Light", "&Dark"};
        auto *a = themeMenu->addAction(QString::fromLatin1(labels[static_cast<int>(mode)]), this,
                                       [this, mode] { setTheme(mode); });
        a->setCheckable(true);
        a->setData(Theme::name(mode));
        a->setChecked(mode == Theme::current());
        m_themeGroup->addAction(a);
    }
    // Presentation mode for teaching from a projector; Esc leaves it too (menus are hidden then, so
    // both actions also live on the window itself).
    m_presentAction = view->addAction(QStringLiteral("P&resentation Mode"));
    m_presentAction->setObjectName(QStringLiteral("presentationAction"));
    m_presentAction->setCheckable(true);
    m_presentAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P));
    m_presentAction->setToolTip(
        QStringLiteral("The picture alone, full screen, with bigger type (Esc leaves)"));
    connect(m_presentAction, &QAction::toggled, this, &MainWindow::setPresentation);
    addAction(m_presentAction);
    auto *leave = new QAction(QStringLiteral("Leave Presentation Mode"), this);
    leave->setShortcut(QKeySequence(Qt::Key_Escape));
    leave->setEnabled(false);
    connect(leave, &QAction::triggered, m_presentAction, [this]() { m_presentAction->setChecked(false); });
    connect(m_presentAction, &QAction::toggled, leave, &QAction::setEnabled);
    addAction(leave);
    auto *panels = view->addMenu(QStringLiteral("&Panels"));
    panels->setObjectName(QStringLiteral("panelsMenu"));
    for (QDockWidget *d : {m_findingsDock, m_diffDock})
        if (d)
            panels->addAction(d->toggleViewAction());

    auto *liveMenu = menuBar()->addMenu(QStringLiteral("&Live"));
    auto *refresh = liveMenu->addAction(style()->standardIcon(QStyle::SP_BrowserReload),
                                        QStringLiteral("&Refresh"), m_session, &Session::refresh);
    refresh->setShortcut(QKeySequence::Refresh);
    m_pauseAction =
        liveMenu->addAction(style()->standardIcon(QStyle::SP_MediaPause), QStringLiteral("&Pause Updates"));
    m_pauseAction->setCheckable(true);
    m_pauseAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
    connect(m_pauseAction, &QAction::toggled, m_session, &Session::setPaused);
    auto *interval = liveMenu->addMenu(QStringLiteral("Update &Interval"));
    m_intervalGroup = new QActionGroup(this);
    for (int ms : {1000, 2000, 5000, 10000}) {
        auto *a = interval->addAction(QStringLiteral("Every %1 s").arg(ms / 1000), this,
                                      [this, ms]() { m_session->setIntervalMs(ms); });
        a->setCheckable(true);
        a->setData(ms);
        a->setChecked(ms == m_session->intervalMs());
        m_intervalGroup->addAction(a);
    }
    liveMenu->addSeparator();
    liveMenu->addAction(QStringLiteral("Launch &Demo Container…"), this, &MainWindow::launchDemo);
    liveMenu->addSeparator();
    liveMenu->addAction(QStringLiteral("&Authenticate…"), m_session, &Session::escalate);

    auto *help = menuBar()->addMenu(QStringLiteral("&Help"));
    auto *handbook = help->addAction(QStringLiteral("nsviz &Handbook"), this, &MainWindow::showHandbook);
    handbook->setShortcut(QKeySequence::HelpContents);
    help->addSeparator();
    help->addAction(QStringLiteral("&About nsviz"), this, [this]() {
        QMessageBox::about(
            this, QStringLiteral("About nsviz"),
            QStringLiteral("<b>nsviz %1</b><p>Linux process namespaces, live: which processes share "
                           "what with the host.</p>")
                .arg(QApplication::applicationVersion()));
    });

    tb->addAction(open);
    tb->addAction(save);
    tb->addAction(exp);
    tb->addSeparator();
    tb->addAction(refresh);
    tb->addAction(m_pauseAction);
    tb->addSeparator();
    tb->addWidget(new QLabel(QStringLiteral(" Group by "), tb));
    tb->addWidget(m_groupBy);
    tb->addAction(fit);
    tb->addAction(m_redactAction);
    tb->addSeparator();
    m_filter = new QLineEdit(tb);
    m_filter->setPlaceholderText(QStringLiteral("Filter: pid, command, container, inode (Ctrl+F)"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setMaximumWidth(340);
    m_filter->setAccessibleName(QStringLiteral("Filter"));
    tb->addWidget(m_filter);
    auto *find = new QAction(this);
    find->setShortcut(QKeySequence::Find);
    connect(find, &QAction::triggered, this, [this]() {
        m_filter->setFocus();
        m_filter->selectAll();
    });
    addAction(find);
    connect(m_filter, &QLineEdit::textChanged, this, [this](const QString &text) {
        // Every view that filters gets the same text; the others (the charts) have no such slot.
        for (int i = 0; i < m_tabs->count(); ++i)
            if (QWidget *w = m_tabs->widget(i); w->metaObject()->indexOfMethod("setFilterText(QString)") >= 0)
                QMetaObject::invokeMethod(w, "setFilterText", Q_ARG(QString, text));
    });
}

void MainWindow::buildStatusBar()
{
    auto mk = [this](const QString &name) {
        auto *l = new QLabel(this);
        l->setObjectName(name);
        statusBar()->addPermanentWidget(l);
        return l;
    };
    m_progress = new QProgressBar(this);
    m_progress->setMaximumWidth(160);
    m_progress->setTextVisible(false);
    m_progress->hide();
    statusBar()->addWidget(m_progress);
    m_statusSource = mk(QStringLiteral("statusSource"));
    m_statusPrivilege = mk(QStringLiteral("statusPrivilege"));
    m_statusCounts = mk(QStringLiteral("statusCounts"));
    m_statusRate = mk(QStringLiteral("statusRate"));
    m_statusUpdated = mk(QStringLiteral("statusUpdated"));
    // "updated 3 s ago" has to tick even without updates.
    auto *tick = new QTimer(this);
    connect(tick, &QTimer::timeout, this, &MainWindow::updateStatus);
    tick->start(1000);
}

void MainWindow::refreshPanels(bool newPicture)
{
    const Snapshot &s = m_store->snapshot();
    m_diff->setSnapshot(s);
    const bool local = m_session->source() == Session::Source::Live;
    // One derivation at a time: on a busy host it can take longer than the interval, and each
    // would copy the picture for its worker. The next tick takes the picture as it is then. A new
    // picture does not wait: the running derivation is of the old one, and its result is dropped.
    if (m_findings->busy() && !newPicture)
        m_panelTimer->start();
    else
        m_findings->setSnapshot(
            s,
            local ? QString::fromStdString(s.host.procRoot.empty() ? std::string("/proc") : s.host.procRoot)
                  : QStringLiteral("/nonexistent-proc-of-a-file-snapshot"),
            !newPicture);
    if (local)
        m_demos->noteSnapshot(s);
}

void MainWindow::updateStatus()
{
    const Snapshot &s = m_store->snapshot();
    m_statusSource->setText(m_session->sourceText());
    const bool live = m_session->source() == Session::Source::Live;
    if (m_store->isEmpty())
        m_statusPrivilege->setText(QString());
    else
        m_statusPrivilege->setText(m_session->privileged() ? QStringLiteral("privileged")
                                                           : QStringLiteral("unprivileged"));
    // The store's counts: the table, tree and cluster view show the same numbers (one source).
    const SnapshotCounts &n = m_store->counts();
    QString counts = QStringLiteral("%1 processes · %2 namespaces").arg(n.processes).arg(n.namespaces);
    if (n.containers > 0)
        counts += QStringLiteral(" · %1 %2")
                      .arg(n.containers)
                      .arg(n.containers == 1 ? QStringLiteral("container") : QStringLiteral("containers"));
    if (n.pods > 0)
        counts += QStringLiteral(" · %1 %2")
                      .arg(n.pods)
                      .arg(n.pods == 1 ? QStringLiteral("pod") : QStringLiteral("pods"));
    m_statusCounts->setText(counts);
    if (live)
        m_statusRate->setText(m_session->paused()
                                  ? QStringLiteral("paused")
                                  : QStringLiteral("every %1 s").arg(m_session->intervalMs() / 1000.0));
    else
        m_statusRate->setText(QString());
    const QDateTime last = m_session->lastUpdate();
    if (!last.isValid())
        m_statusUpdated->setText(m_session->waitingForFirstSnapshot() ? QStringLiteral("scanning…")
                                                                      : QString());
    else if (live)
        m_statusUpdated->setText(QStringLiteral("updated %1 s ago")
                                     .arg(std::max<qint64>(0, last.secsTo(QDateTime::currentDateTime()))));
    else
        m_statusUpdated->setText(QStringLiteral("captured ") +
                                 last.toString(QStringLiteral("yyyy-MM-dd HH:mm")));
    if (m_progress->isVisible() && !m_session->waitingForFirstSnapshot())
        m_progress->hide();
    else if (m_session->waitingForFirstSnapshot()) {
        m_progress->setRange(0, 0); // busy until the first chunk says how many
        m_progress->show();
    }

    // The banner: how much is missing, what the last attempt to authenticate came to (in words: no
    // agent, no pkexec, no helper, refused, cancelled) and what to do instead.
    using AuthState = Session::AuthOutcome::State;
    const auto &auth = m_session->authOutcome();
    const int invisible = s.host.invisibleProcesses;
    const bool unprivileged = !m_session->privileged();
    const bool hidden = live && !m_store->isEmpty() && unprivileged && invisible > 0;
    const bool trying = live && auth.state == AuthState::Trying && unprivileged;
    const bool failed = live && auth.state == AuthState::Failed;
    const QString processes = invisible == 1 ? QStringLiteral("process") : QStringLiteral("processes");
    QString text;
    if (trying) {
        text = QStringLiteral("<b>%1</b> Answer the password prompt, or cancel it to continue without "
                              "privileges.")
                   .arg(auth.headline.toHtmlEscaped());
    } else if (failed) {
        text = QStringLiteral("<b>%1.</b> %2%3")
                   .arg(auth.headline.toHtmlEscaped(),
                        auth.detailNeeded ? auth.detail.toHtmlEscaped() + QStringLiteral("<br>") : QString(),
                        auth.hint);
        text += hidden ? QStringLiteral("<br>Showing what is visible without privileges: <b>%1 %2 not "
                                        "visible</b>.")
                             .arg(invisible)
                             .arg(processes)
                       : QStringLiteral("<br>Showing what is visible without privileges.");
    } else if (hidden && auth.state == AuthState::Succeeded) {
        // Authenticated, and still some are refused (the helper did not run as root, or a hardened
        // process refuses even root): asking again would not help.
        text = QStringLiteral("<b>%1 %2 not visible</b> even through %3: their namespaces could not be "
                              "read by the helper.")
                   .arg(invisible)
                   .arg(processes)
                   .arg(auth.via.toHtmlEscaped());
    } else if (hidden) {
        text = QStringLiteral("<b>%1 %2 not visible</b> — authenticate to see all. "
                              "Their namespaces could not be read without privileges.")
                   .arg(invisible)
                   .arg(processes);
    }
    m_bannerText->setText(text);
    // The transport's own words, always at hand.
    m_bannerText->setToolTip(failed ? auth.detail : QString());
    m_bannerButton->setText(failed ? QStringLiteral("Try Again") : QStringLiteral("Authenticate…"));
    m_bannerButton->setEnabled(!trying);
    m_bannerButton->setVisible(failed || trying || auth.state != AuthState::Succeeded);
    m_banner->setVisible(!text.isEmpty());
    if (m_intervalGroup)
        for (QAction *a : m_intervalGroup->actions())
            a->setChecked(a->data().toInt() == m_session->intervalMs());
    QString title = QStringLiteral("nsviz");
    if (!s.host.hostname.empty() && !m_cluster->redacted())
        title = QString::fromStdString(s.host.hostname) + QStringLiteral(" — nsviz");
    // A remote host says so, with the name it was reached by (its own hostname may say little).
    if (const auto &remote = m_session->remoteHost();
        remote && m_session->source() == Session::Source::Live) {
        const QString via = m_cluster->redacted() ? QStringLiteral("remote host")
                                                  : QStringLiteral("ssh ") + remote->displayName();
        title = (s.host.hostname.empty() || m_cluster->redacted()
                     ? QString()
                     : QString::fromStdString(s.host.hostname) + QLatin1Char(' ')) +
                QLatin1Char('(') + via + QStringLiteral(") — nsviz");
    }
    setWindowTitle(title);
}

void MainWindow::setGroupBy(NsType type)
{
    m_cluster->setGroupBy(type);
    m_tabs->setCurrentWidget(m_cluster);
}

void MainWindow::showError(const QString &title, const QString &message)
{
    m_lastError = message;
    statusBar()->showMessage(title + QStringLiteral(": ") + message.section(QLatin1Char('\n'), 0, 1), 10000);
    if (m_interactive)
        QMessageBox::warning(this, title, message);
}

void MainWindow::connectToHost()
{
    QDialog dlg(this);
    dlg.setWindowTitle(QStringLiteral("Connect to Host"));
    auto *form = new QFormLayout(&dlg);
    auto *hostEdit = new QLineEdit(&dlg);
    hostEdit->setPlaceholderText(QStringLiteral("[user@]host[:port]"));
    hostEdit->setToolTip(QStringLiteral("Reached with your ssh: its config, agent and known hosts. "
                                        "nsviz-helper must be installed there."));
    auto *sudo =
        new QCheckBox(QStringLiteral("Run the helper with sudo -n there (remote user is not root)"), &dlg);
    auto *newWindow = new QCheckBox(QStringLiteral("Open in a new window"), &dlg);
    newWindow->setChecked(!m_store->isEmpty());
    form->addRow(QStringLiteral("Host:"), hostEdit);
    form->addRow(sudo);
    form->addRow(newWindow);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dlg);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, &dlg, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dlg, &QDialog::reject);
    if (dlg.exec() != QDialog::Accepted)
        return;
    QString error;
    auto target = SshTarget::parse(hostEdit->text(), &error);
    if (!target) {
        showError(QStringLiteral("Connect to host"), error);
        return;
    }
    target->remoteSudo = sudo->isChecked();
    MainWindow *w = this;
    if (newWindow->isChecked()) {
        // One window per host: side by side, each with its own session.
        w = new MainWindow;
        w->setAttribute(Qt::WA_DeleteOnClose);
        w->show();
    }
    w->session()->connectHost(*target);
}

void MainWindow::toggleRecording()
{
    if (m_session->isRecording()) {
        m_session->stopRecording();
        return;
    }
    const QString path =
        QFileDialog::getSaveFileName(this, QStringLiteral("Record"), QStringLiteral("nsviz-recording.ndjson"),
                                     QStringLiteral("nsviz recordings (*.ndjson)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!m_session->startRecording(path, &error))
        showError(QStringLiteral("Record"), error);
}

void MainWindow::openSnapshot()
{
    const QString path = QFileDialog::getOpenFileName(
        this, QStringLiteral("Open Snapshot or Recording"), QString(),
        QStringLiteral("nsviz snapshots (*.json);;nsviz recordings (*.ndjson);;All files (*)"));
    if (!path.isEmpty())
        m_session->openFile(path);
}

void MainWindow::saveSnapshot()
{
    if (m_store->isEmpty()) {
        showError(QStringLiteral("Save snapshot"), QStringLiteral("There is no snapshot to save yet."));
        return;
    }
    QString path = QFileDialog::getSaveFileName(this, QStringLiteral("Save Snapshot"),
                                                QStringLiteral("nsviz-snapshot.json"),
                                                QStringLiteral("nsviz snapshots (*.json)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!m_session->saveFile(path, m_redactAction->isChecked(), &error))
        showError(QStringLiteral("Save snapshot"), error);
    else
        statusBar()->showMessage(
            QStringLiteral("saved %1%2")
                .arg(path, m_redactAction->isChecked() ? QStringLiteral(" (redacted)") : QString()),
            5000);
}

void MainWindow::compareMoments(qint64 aMs, qint64 bMs)
{
    RecordingPlayer *player = m_session->player();
    if (!player)
        return;
    const QString name = QFileInfo(m_session->filePath()).fileName();
    auto label = [&](qint64 ms) -> QString {
        return (name.isEmpty() ? QStringLiteral("recording") : name) + QLatin1Char('@') +
               QString::number(ms / 1000.0, 'f', 1);
    };
    const Recording &r = player->recording();
    auto *w = new CompareWindow(momentOf(r, aMs, false, label(aMs).toStdString()),
                                momentOf(r, bMs, false, label(bMs).toStdString()), this);
    w->setWindowFlag(Qt::Window, true);
    w->setAttribute(Qt::WA_DeleteOnClose, true);
    w->redaction()->setEnabled(m_redactAction && m_redactAction->isChecked());
    w->show();
}

void MainWindow::compareFiles()
{
    QDialog dlg(this);
    dlg.setWindowTitle(QStringLiteral("Compare Two Moments"));
    auto *form = new QFormLayout(&dlg);
    form->addRow(new QLabel(QStringLiteral("Each moment is a snapshot file, or a moment of a recording: "
                                           "FILE@SECONDS (from its start) or FILE@end."),
                            &dlg));
    auto row = [&](const QString &name) {
        auto *edit = new QLineEdit(&dlg);
        auto *browse = new QPushButton(QStringLiteral("Browse…"), &dlg);
        connect(browse, &QPushButton::clicked, &dlg, [this, edit]() {
            const QString f = QFileDialog::getOpenFileName(
                this, QStringLiteral("Snapshot or Recording"), QString(),
                QStringLiteral("nsviz snapshots (*.json);;nsviz recordings (*.ndjson);;All files (*)"));
            if (!f.isEmpty())
                edit->setText(f);
        });
        auto *h = new QHBoxLayout;
        h->addWidget(edit, 1);
        h->addWidget(browse);
        form->addRow(name, h);
        return edit;
    };
    QLineEdit *a = row(QStringLiteral("A (before):"));
    QLineEdit *b = row(QStringLiteral("B (after):"));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dlg);
    connect(buttons, &QDialogButtonBox::accepted, &dlg, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dlg, &QDialog::reject);
    form->addRow(buttons);
    if (dlg.exec() != QDialog::Accepted || a->text().trimmed().isEmpty() || b->text().trimmed().isEmpty())
        return;
    CompareWindow::open(a->text().trimmed(), b->text().trimmed(),
                        m_redactAction && m_redactAction->isChecked(), this);
}

void MainWindow::exportPicture()
{
    QWidget *view = m_tabs->currentWidget();
    const auto target = ViewExporter::askTarget(this, QStringLiteral("nsviz.png"));
    if (!target)
        return;
    QString error;
    if (!ViewExporter::save(view, target->file, target->scale, &error))
        showError(QStringLiteral("Export picture"), error);
    else
        statusBar()->showMessage(QStringLiteral("exported %1").arg(target->file), 5000);
}

QList<int> MainWindow::demoPids() const
{
    return m_demos->startedPids();
}

void MainWindow::showDiff(int pid)
{
    if (pid <= 0 || m_store->isEmpty())
        return;
    if (m_session->source() == Session::Source::File) {
        // A capture from elsewhere: /proc here says nothing about it.
        statusBar()->showMessage(QStringLiteral("diff needs a live connection (this is a file snapshot)"),
                                 5000);
        return;
    }
    m_diff->setSnapshot(m_store->snapshot());
    m_diff->setTarget(pid);
    if (m_statusBeforePresentation.isEmpty()) // presenting: the picture alone
        m_diffDock->show();
    m_diffDock->raise();
}

void MainWindow::launchDemo()
{
    if (!m_session->client()->isConnected() || m_session->source() != Session::Source::Live) {
        showError(QStringLiteral("Launch demo container"),
                  QStringLiteral("Connect to this host first (File ▸ Connect to This Host)."));
        return;
    }
    DemoDialog dlg(this);
    if (dlg.exec() != QDialog::Accepted)
        return;
    if (const auto spec = dlg.spec())
        m_demos->start(*spec);
    statusBar()->showMessage(QStringLiteral("starting demo container…"), 5000);
}

void MainWindow::setPresentation(bool on)
{
    const bool presenting = !m_statusBeforePresentation.isEmpty();
    if (on == presenting)
        return;
    if (on) {
        m_statusBeforePresentation = saveState();
        m_windowStateBeforePresentation = windowState();
        m_tabsFontBeforePresentation = m_tabs->font();
        menuBar()->hide();
        statusBar()->hide();
        for (QToolBar *tb : findChildren<QToolBar *>())
            tb->hide();
        for (QDockWidget *d : findChildren<QDockWidget *>())
            d->hide();
        m_tabs->tabBar()->hide();
        QFont f = m_tabs->font();
        f.setPointSizeF(f.pointSizeF() * 1.4);
        m_tabs->setFont(f);
        m_cluster->setTextScale(1.4);
        setWindowState(windowState() | Qt::WindowFullScreen);
    } else {
        m_cluster->setTextScale(1.0);
        m_tabs->setFont(m_tabsFontBeforePresentation);
        m_tabs->tabBar()->show();
        menuBar()->show();
        statusBar()->show();
        restoreState(m_statusBeforePresentation);
        setWindowState(m_windowStateBeforePresentation);
        m_statusBeforePresentation.clear();
    }
    if (m_presentAction && m_presentAction->isChecked() != on)
        m_presentAction->setChecked(on);
}

namespace
{
constexpr int kWindowStateVersion = 1;
} // namespace

void MainWindow::restoreSettings()
{
    QSettings st;
    if (!restoreGeometry(st.value(QStringLiteral("window/geometry")).toByteArray())) {
        // First start: most of the screen, the picture needs room.
        const QRect avail = screen() ? screen()->availableGeometry() : QRect(0, 0, 1600, 1000);
        resize(std::min(1600, avail.width() * 9 / 10), std::min(1000, avail.height() * 9 / 10));
    }
    // Version 1: the panels share one tabbed column; a state saved before that is not restored.
    if (!restoreState(st.value(QStringLiteral("window/state")).toByteArray(), kWindowStateVersion)) {
        // The tabbed column takes under a third of the width: the window fits a 1280x720
        // projector and the picture keeps most of it.
        resizeDocks({m_findingsDock}, {std::clamp(width() * 3 / 10, 300, 460)}, Qt::Horizontal);
    }
    const auto t = nsTypeFromName(
        st.value(QStringLiteral("view/groupBy"), QStringLiteral("net")).toString().toStdString());
    if (t)
        m_cluster->setGroupBy(*t);
    m_tabs->setCurrentIndex(st.value(QStringLiteral("view/tab"), 0).toInt());
    m_redactAction->setChecked(st.value(QStringLiteral("view/redact"), false).toBool());
    m_informationalAction->setChecked(st.value(QStringLiteral("view/showInformational"), false).toBool());
    if (const auto mode = Theme::fromName(st.value(QStringLiteral("view/theme")).toString());
        mode && *mode != Theme::Mode::System)
        setTheme(*mode);
    m_session->setIntervalMs(st.value(QStringLiteral("live/intervalMs"), 2000).toInt());
}

void MainWindow::saveSettings()
{
    QSettings st;
    st.setValue(QStringLiteral("window/geometry"), saveGeometry());
    st.setValue(QStringLiteral("window/state"), saveState(kWindowStateVersion));
    st.setValue(QStringLiteral("view/groupBy"), QString::fromLatin1(nsTypeName(m_cluster->groupBy())));
    st.setValue(QStringLiteral("view/tab"), m_tabs->currentIndex());
    st.setValue(QStringLiteral("view/redact"), m_redactAction->isChecked());
    st.setValue(QStringLiteral("view/showInformational"), m_informationalAction->isChecked());
    st.setValue(QStringLiteral("view/theme"), Theme::name(Theme::current()));
    st.setValue(QStringLiteral("live/intervalMs"), m_session->intervalMs());
}

void MainWindow::styleBanner()
{
    if (!m_banner)
        return;
    // Only the two roles the banner sets are its own; the rest keep following the window.
    QPalette bp = palette();
    const bool dark = views::isDark(bp);
    bp.setColor(QPalette::Window, dark ? QColor(0x4a, 0x3b, 0x12) : QColor(0xfe, 0xf3, 0xc7));
    bp.setColor(QPalette::WindowText, dark ? QColor(0xfd, 0xe6, 0x8a) : QColor(0x78, 0x35, 0x0f));
    m_banner->setPalette(bp);
}

void MainWindow::changeEvent(QEvent *event)
{
    // A theme change (View ▸ Theme, or the desktop's) reaches the window as a palette change.
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange)
        styleBanner();
    QMainWindow::changeEvent(event);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    const QList<int> demos = m_demos->startedPids();
    if (!demos.isEmpty() && m_session->client()->isConnected()) {
        if (m_interactive &&
            QMessageBox::question(
                this, QStringLiteral("Quit nsviz"),
                QStringLiteral("Stop the %1 demo container(s) this window started?").arg(demos.size()),
                QMessageBox::Yes | QMessageBox::Cancel) != QMessageBox::Yes) {
            event->ignore();
            return;
        }
        for (int pid : demos)
            m_demos->stop(pid);
    }
    saveSettings();
    m_session->disconnectLive();
    event->accept();
}

} // namespace nsviz
