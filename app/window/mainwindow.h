// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// The main window: views as tabs around the cluster view, the host-network panel, live status,
// the unprivileged banner, snapshot open/save and picture export.

#include "app/window/theme.h"
#include "core/model/model.h"

#include <QMainWindow>
#include <QPointer>

class QAction;
class QActionGroup;
class QComboBox;
class QDockWidget;
class QFrame;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTabWidget;
class QTimer;

namespace nsviz
{

class ClusterView;
class DemoController;
class DiffPanel;
class FindingsPanel;
class Session;
class TimelineBar;
class SnapshotStore;

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    SnapshotStore *store() const { return m_store; }
    Session *session() const { return m_session; }
    /// The timeline shown under the views while a recording is open.
    TimelineBar *timeline() const { return m_timeline; }
    ClusterView *clusterView() const { return m_cluster; }
    FindingsPanel *findingsPanel() const { return m_findings; }
    DiffPanel *diffPanel() const { return m_diff; }
    DemoController *demoController() const { return m_demos; }
    /// Demo containers this window started and that still run (stopped on close).
    QList<int> demoPids() const;
    QTabWidget *tabs() const { return m_tabs; }
    /// The visible error of the last failed open/save (also shown in a message box when interactive).
    QString lastError() const { return m_lastError; }
    /// Tests and headless use: errors go to lastError() and the status bar, no modal dialogs.
    void setInteractive(bool on) { m_interactive = on; }
    /// Adds a view as a tab (for panels merged later: diff, findings, demo).
    void addViewTab(QWidget *view, const QString &title);
    /// Adds a dock on the right.
    QDockWidget *addPanel(QWidget *panel, const QString &title, const QString &objectName);

public Q_SLOTS:
    void openSnapshot();
    /// File → Connect to Host…: asks for [user@]host[:port], connects through ssh (a new window
    /// when this one already shows a host).
    void connectToHost();
    /// File → Record…: records what this window watches into a file (docs/recording.md), or
    /// stops the recording running.
    void toggleRecording();
    void saveSnapshot();
    void exportPicture();
    /// File → Compare…: two moments (files, FILE@SECONDS) compared in a compare window.
    void compareFiles();
    /// The timeline's Compare A → here: two moments of the open recording compared.
    void compareMoments(qint64 aMs, qint64 bMs);
    void launchDemo();
    /// Opens the diff of @p pid against the host reference.
    void showDiff(int pid);
    void setGroupBy(nsviz::NsType type);
    /// Stops demo container @p pid (from a cluster's or a finding's context menu).
    void stopDemo(int pid);
    /// System, light or dark: the application palette, the cluster picture and exports follow.
    void setTheme(nsviz::Theme::Mode mode);
    /// Help ▸ Handbook: docs/handbook.md, installed or built in.
    void showHandbook();

    /// Presentation mode: the current view alone, full screen, bigger type; off restores the
    /// menus, toolbar, panels and window state as they were.
    void setPresentation(bool on);

public:
    /// Where the handbook is read from: the installed data file, else the built-in resource.
    static QString handbookPath();

protected:
    void closeEvent(QCloseEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    /// The banner's amber, light or dark after the window's palette (again on every theme change).
    void styleBanner();
    void buildActions();
    void buildStatusBar();
    void wirePanels();
    void updateStatus();
    /// The diff panel, findings and demo tracking follow the picture: at most once a second
    /// (m_panelTimer), and right after a new picture (@p newPicture).
    void refreshPanels(bool newPicture);
    void showError(const QString &title, const QString &message);
    void restoreSettings();
    void saveSettings();

    SnapshotStore *m_store;
    Session *m_session;
    TimelineBar *m_timeline = nullptr;
    QTabWidget *m_tabs;
    ClusterView *m_cluster;
    FindingsPanel *m_findings;
    DiffPanel *m_diff;
    QDockWidget *m_findingsDock = nullptr;
    QDockWidget *m_diffDock = nullptr;
    QTimer *m_panelTimer = nullptr;
    DemoController *m_demos;
    QFrame *m_banner = nullptr;
    QLabel *m_bannerText;
    QPushButton *m_bannerButton;
    QLineEdit *m_filter;
    QComboBox *m_groupBy;
    QAction *m_pauseAction = nullptr;
    QAction *m_redactAction = nullptr;
    QAction *m_informationalAction = nullptr; ///< View > Show Service Sandboxes and Engine Helpers
    QActionGroup *m_intervalGroup = nullptr;
    QActionGroup *m_themeGroup = nullptr;
    QLabel *m_statusSource, *m_statusPrivilege, *m_statusCounts, *m_statusRate, *m_statusUpdated;
    QProgressBar *m_progress;
    QString m_lastError;
    bool m_interactive = true;
    QAction *m_presentAction = nullptr;
    QByteArray m_statusBeforePresentation; ///< saveState() of docks and toolbars
    Qt::WindowStates m_windowStateBeforePresentation;
    QFont m_tabsFontBeforePresentation;
};

} // namespace nsviz
