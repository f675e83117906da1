// SPDX-License-Identifier: GPL-2.0-or-later
// nsviz-live-soak: the real main window, offscreen and shown, subscribed to a real
// `nsviz-helper serve` through the app's own transport, reporting what happens as JSON lines.
//
//   nsviz-live-soak --helper PATH [--live auto|polling] [--interval-ms MS] [--width 1280 --height 720]
//                   [--tree-check-ms 5000] [--rss-ms 1000] [--seconds N] [--screenshot FILE.png]
//
// Needs root: the helper is started the way the app starts it when it already runs as root (the
// "direct" ProcessTransport: `nsviz-helper serve-demos`, plus --live MODE). bench/soak.py drives it;
// it can also run by hand.
//
// Stdout carries one JSON object per line, every time on CLOCK_MONOTONIC in seconds (the clock of
// Python's time.monotonic()):
//   start     the soak's pid and window size
//   hello     the transport connected: helper_pid (the pid of the helper the transport spawned),
//             helper_exe, helper_version, privileged
//   snapshot  a whole picture arrived (t_recv) and went through every model (t_applied)
//   delta     one delta: seq, n (deltas applied by this window so far, across resyncs), t_recv (handed
//             over by the transport, before any model saw it), t_applied (after the store, every model,
//             the status bar and the cluster view's layout took it), the pids it adds and changes, how
//             many it removes, refused (the store did not take it), and the counts every view shows
//             right after it (ok: all equal the store's)
//   paint     a completed paint of the cluster view: t, n and seq of the last delta applied before it
//   trees     every --tree-check-ms: both namespace trees walked (process rows of the pid tree and
//             namespace rows of the user tree against the store's counts), the store's counts against
//             a recount of its snapshot, and what the walk cost (ms)
//   rss       every --rss-ms: the GUI's VmRSS and VmHWM (KiB)
//   resync / refused / error   a resubscription after a delta that did not fit, the store's message,
//             a transport failure
//   end       totals (with the namespace trees' full rebuilds), peak RSS, how the helper ended
// Commands on stdin, one per line: `screenshot FILE` (the whole window as PNG), `quit`. End of stdin,
// SIGTERM, SIGINT and SIGHUP end it like `quit`: the session disconnects (the transport says bye and
// closes the helper's stdin, so the helper exits; the transport kills it by its PID if it does not),
// and the last line is `end`. The measuring never enters the product's code paths: it listens to
// signals the store, the session's client and the transport already emit, and times the cluster
// view's paints in QApplication::notify() of this program.
#include "app/cluster/clusterlayout.h"
#include "app/cluster/clusterview.h"
#include "app/models/namespacetreemodel.h"
#include "app/models/processfilterproxymodel.h"
#include "app/models/processtablemodel.h"
#include "app/models/snapshotstore.h"
#include "app/panels/tablepanel.h"
#include "app/panels/treepanel.h"
#include "app/transport/helperclient.h"
#include "app/transport/processtransport.h"
#include "app/window/mainwindow.h"
#include "app/window/session.h"
#include "core/model/delta.h"
#include "core/proc/heap.h"

#include <nlohmann/json.hpp>

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QMetaEnum>
#include <QPixmap>
#include <QPointer>
#include <QRegularExpression>
#include <QSocketNotifier>
#include <QTemporaryDir>
#include <QTimer>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

using namespace nsviz;
using json = nlohmann::json;

namespace
{

double monotonicNow()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

void emitLine(json j)
{
    if (!j.contains("t"))
        j["t"] = monotonicNow();
    const std::string line = j.dump(-1, ' ', false, json::error_handler_t::replace) + '\n';
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
}

/// VmRSS and VmHWM of a process, KiB (0 when it is gone).
std::pair<long, long> rssKiB(const std::string &pid = "self")
{
    std::ifstream f("/proc/" + pid + "/status");
    std::string line;
    long rss = 0, hwm = 0;
    while (std::getline(f, line)) {
        if (line.rfind("VmRSS:", 0) == 0)
            rss = std::stol(line.substr(6));
        else if (line.rfind("VmHWM:", 0) == 0)
            hwm = std::stol(line.substr(6));
    }
    return {rss, hwm};
}

/// Times completed paints of one widget: the only addition to the event path, and only in this
/// program (the product's QApplication has no such override).
class SoakApplication : public QApplication
{
public:
    using QApplication::QApplication;
    QWidget *watched = nullptr;
    std::function<void()> painted;
    bool notify(QObject *receiver, QEvent *event) override
    {
        if (receiver != watched || event->type() != QEvent::Paint || !painted)
            return QApplication::notify(receiver, event);
        const bool r = QApplication::notify(receiver, event);
        painted();
        return r;
    }
};

int g_signalPipe[2] = {-1, -1};
void onSignal(int)
{
    const char c = 1;
    [[maybe_unused]] const auto n = write(g_signalPipe[1], &c, 1);
}

/// Process rows in the pid tree (every process is under its pid namespace or the unknown group).
int processRows(const QAbstractItemModel &m, const QModelIndex &parent = {})
{
    int n = 0;
    for (int r = 0; r < m.rowCount(parent); ++r) {
        const QModelIndex i = m.index(r, 0, parent);
        n += i.data(NamespaceTreeModel::KindRole).toInt() ==
             static_cast<int>(NamespaceTreeModel::NodeKind::Process);
        n += processRows(m, i);
    }
    return n;
}

/// Namespace rows in the user tree (every namespace appears once).
int namespaceRows(const QAbstractItemModel &m, const QModelIndex &parent = {})
{
    int n = 0;
    for (int r = 0; r < m.rowCount(parent); ++r) {
        const QModelIndex i = m.index(r, 0, parent);
        n += i.data(NamespaceTreeModel::KindRole).toInt() ==
             static_cast<int>(NamespaceTreeModel::NodeKind::Namespace);
        n += namespaceRows(m, i);
    }
    return n;
}

/// The first integer of @p re's capture @p cap in @p text, -1 when it does not match.
int capture(const QString &text, const QRegularExpression &re, int cap)
{
    const auto m = re.match(text);
    return m.hasMatch() ? m.captured(cap).toInt() : -1;
}

class Soak : public QObject
{
public:
    Soak(MainWindow &win, SoakApplication &app, int treeCheckMs) : m_win(win), m_store(win.store())
    {
        m_status = win.findChild<QLabel *>(QStringLiteral("statusCounts"));
        m_table = win.findChild<TablePanel *>();
        m_trees = win.findChild<TreePanel *>();
        if (m_table)
            for (auto *l : m_table->findChildren<QLabel *>())
                if (l->accessibleName() == QLatin1String("Process count"))
                    m_tableCount = l;
        // After the Session's own connection (made in its constructor): runs once the delta went
        // through the store and every model and view connected to it.
        HelperClient *client = win.session()->client();
        connect(client, &HelperClient::deltaReceived, this, &Soak::deltaApplied);
        connect(client, &HelperClient::snapshotReceived, this, &Soak::snapshotApplied);
        // After the views' own connections (made with the window): the batch went through them.
        connect(m_store, &SnapshotStore::settled, this, &Soak::flushDeltas);
        connect(m_store, &SnapshotStore::error, this, [](const QString &m) {
            emitLine({{"ev", "refused"}, {"message", m.toStdString()}});
        });
        app.watched = win.clusterView();
        app.painted = [this] {
            ++m_paints;
            emitLine({{"ev", "paint"}, {"n", m_applied}, {"seq", m_lastSeq}});
        };
        if (treeCheckMs > 0) {
            auto *t = new QTimer(this);
            connect(t, &QTimer::timeout, this, &Soak::checkTrees);
            t->start(treeCheckMs);
        }
    }

    /// The transport the session asks for: hooked before the session's client is, so that the
    /// receive time is taken before any model sees the frame.
    void watchTransport(Transport *t)
    {
        m_transport = t;
        connect(t, &Transport::connected, this, [this] { hello(); });
        connect(t, &Transport::deltaReceived, this, [this](const SnapshotDelta &) {
            m_tRecv = monotonicNow();
            m_refusedBefore = m_store->deltasRefused();
            m_resyncsBefore = m_win.session()->resyncs();
        });
        connect(t, &Transport::snapshotReceived, this,
                [this](const Snapshot &) { m_tRecv = monotonicNow(); });
        connect(t, &Transport::failed, this, [this](Transport::Error e, const QString &message) {
            ++m_errors;
            emitLine({{"ev", "error"},
                      {"error", QMetaEnum::fromType<Transport::Error>().valueToKey(static_cast<int>(e))},
                      {"message", message.toStdString()}});
            if (e != Transport::Error::Other) { // the helper is gone or unusable: the soak is over
                m_fatal = true;
                QTimer::singleShot(0, qApp, [] { QCoreApplication::exit(2); });
            }
        });
    }

    json totals() const
    {
        const auto [rss, hwm] = rssKiB();
        return {{"deltas", m_applied},
                {"refused", m_refused},
                {"resyncs", m_win.session()->resyncs()},
                {"count_mismatches", m_mismatches},
                {"tree_checks", m_treeChecks},
                {"tree_mismatches", m_treeMismatches},
                {"paints", m_paints},
                {"tree_rebuilds_pid", m_trees ? m_trees->pidModel()->fullRebuilds() : 0},
                {"tree_rebuilds_user", m_trees ? m_trees->userModel()->fullRebuilds() : 0},
                {"errors", m_errors},
                {"rss_kib", rss},
                {"hwm_kib", hwm},
                {"helper_pid", m_helperPid}};
    }
    bool clean() const { return !m_fatal && m_refused == 0 && m_mismatches == 0 && m_treeMismatches == 0; }
    qint64 helperPid() const { return m_helperPid; }

private:
    void hello()
    {
        auto *pt = qobject_cast<ProcessTransport *>(m_transport.data());
        m_helperPid = pt ? pt->processId() : 0;
        const QString exe = m_helperPid > 0
                                ? QFileInfo(QStringLiteral("/proc/%1/exe").arg(m_helperPid)).symLinkTarget()
                                : QString();
        emitLine({{"ev", "hello"},
                  {"helper_pid", m_helperPid},
                  {"helper_exe", exe.toStdString()},
                  {"helper_version", pt ? pt->helperVersion().toStdString() : std::string()},
                  {"privileged", m_transport && m_transport->privileged()},
                  {"transport", m_transport ? m_transport->description().toStdString() : std::string()}});
    }

    void snapshotApplied(const Snapshot &s)
    {
        emitLine({{"ev", "snapshot"},
                  {"t_recv", m_tRecv},
                  {"t_applied", monotonicNow()},
                  {"processes", s.processes.size()},
                  {"store_processes", m_store->counts().processes},
                  {"counts", counts()}});
    }

    void deltaApplied(const SnapshotDelta &d)
    {
        const bool refused = m_store->deltasRefused() != m_refusedBefore;
        const bool resynced = m_win.session()->resyncs() != m_resyncsBefore;
        if (refused)
            ++m_refused;
        else {
            ++m_applied;
            m_lastSeq = d.seq;
        }
        json added = json::array(), changed = json::array();
        for (const auto &p : d.addedProcesses)
            added.push_back(p.pid);
        for (const auto &p : d.changedProcesses)
            changed.push_back(p.pid);
        json line = {{"ev", "delta"},
                     {"seq", d.seq},
                     {"n", m_applied},
                     {"t_recv", m_tRecv},
                     {"added", std::move(added)},
                     {"changed", std::move(changed)},
                     {"removed", d.removedProcesses.size()},
                     {"refused", refused}};
        m_pending.push_back(std::move(line));
        if (resynced)
            m_pendingResyncs.push_back(d.seq);
        // A delta of a batch (deltas that arrived together) has gone through every view only when
        // the batch ends (SnapshotStore::settled()): the views that cost the whole picture wait.
        if (!m_store->inBatch())
            flushDeltas();
    }

    /// The deltas applied so far went through every model and view: their lines, with the counts
    /// every view shows now.
    void flushDeltas()
    {
        if (m_pending.empty())
            return;
        const double tApplied = monotonicNow();
        const json c = counts();
        if (!c["ok"].get<bool>())
            m_mismatches += m_pending.size() - 1; // counts() counted one; each delta is one
        for (json &line : m_pending) {
            line["t"] = tApplied;
            line["t_applied"] = tApplied;
            line["batch"] = m_pending.size();
            line["counts"] = c;
            emitLine(line);
        }
        m_pending.clear();
        for (std::uint64_t seq : m_pendingResyncs)
            emitLine({{"ev", "resync"}, {"seq", seq}, {"resyncs", m_win.session()->resyncs()}});
        m_pendingResyncs.clear();
    }

    /// What every view shows right now, cheaply (no walk of the trees): the status bar's text, the
    /// table's rows and its count label, the cluster view's dots, against the store's counts.
    json counts()
    {
        static const QRegularExpression statusRe(QStringLiteral("^(\\d+) processes · (\\d+) namespaces"));
        static const QRegularExpression tableRe(QStringLiteral("^(?:(\\d+) of )?(\\d+) processes"));
        const SnapshotCounts &sc = m_store->counts();
        const QString status = m_status ? m_status->text() : QString();
        const QString table = m_tableCount ? m_tableCount->text() : QString();
        json c = {{"store", sc.processes},
                  {"store_ns", sc.namespaces},
                  {"snapshot", m_store->snapshot().processes.size()},
                  {"status", capture(status, statusRe, 1)},
                  {"status_ns", capture(status, statusRe, 2)},
                  {"table_rows", m_table ? m_table->model()->rowCount() : -1},
                  {"table_shown", m_table ? m_table->proxy()->rowCount() : -1},
                  {"table_label", capture(table, tableRe, 2)},
                  {"cluster_dots", m_win.clusterView()->clusterLayout().dots().size()}};
        const int p = sc.processes;
        const bool ok = c["snapshot"] == p && c["status"] == p && c["status_ns"] == sc.namespaces &&
                        c["table_rows"] == p && c["table_shown"] == p && c["table_label"] == p &&
                        c["cluster_dots"] == p;
        c["ok"] = ok;
        if (!ok)
            ++m_mismatches;
        return c;
    }

    void checkTrees()
    {
        if (!m_trees || m_store->isEmpty())
            return;
        QElapsedTimer t;
        t.start();
        const int procRows = processRows(*m_trees->pidModel());
        const int nsRows = namespaceRows(*m_trees->userModel());
        const SnapshotCounts recount = SnapshotStore::countsOf(m_store->snapshot());
        const SnapshotCounts &sc = m_store->counts();
        const bool ok = procRows == sc.processes && nsRows == sc.namespaces &&
                        recount.processes == sc.processes && recount.namespaces == sc.namespaces &&
                        recount.containers == sc.containers;
        ++m_treeChecks;
        if (!ok)
            ++m_treeMismatches;
        emitLine({{"ev", "trees"},
                  {"n", m_applied},
                  {"seq", m_lastSeq},
                  {"pid_tree_processes", procRows},
                  {"user_tree_namespaces", nsRows},
                  {"store", sc.processes},
                  {"store_ns", sc.namespaces},
                  {"recount", recount.processes},
                  {"recount_ns", recount.namespaces},
                  {"ok", ok},
                  {"ms", t.nsecsElapsed() / 1e6}});
    }

    MainWindow &m_win;
    SnapshotStore *m_store;
    QPointer<Transport> m_transport;
    QLabel *m_status = nullptr;
    QLabel *m_tableCount = nullptr;
    TablePanel *m_table = nullptr;
    TreePanel *m_trees = nullptr;
    double m_tRecv = 0;
    quint64 m_refusedBefore = 0;
    quint64 m_resyncsBefore = 0;
    std::uint64_t m_lastSeq = 0;
    quint64 m_applied = 0;
    quint64 m_refused = 0;
    quint64 m_mismatches = 0;
    std::vector<json> m_pending; ///< lines of deltas whose batch has not settled yet
    std::vector<std::uint64_t> m_pendingResyncs;
    quint64 m_treeChecks = 0;
    quint64 m_treeMismatches = 0;
    quint64 m_paints = 0;
    quint64 m_errors = 0;
    qint64 m_helperPid = 0;
    bool m_fatal = false;
};

bool saveScreenshot(MainWindow &win, const QString &path)
{
    const bool ok = win.grab().save(path, "PNG");
    emitLine({{"ev", "screenshot"}, {"path", path.toStdString()}, {"ok", ok}});
    return ok;
}

} // namespace

int main(int argc, char **argv)
{
    nsviz::tuneHeap(); // as nsviz does (app/main.cpp)
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    // The window reads and writes QSettings (geometry, tab, interval, theme): a throwaway config
    // home keeps the user's settings out of the measurement and the measurement out of them.
    QTemporaryDir config;
    if (config.isValid())
        qputenv("XDG_CONFIG_HOME", config.path().toLocal8Bit());
    SoakApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("nsviz-live-soak"));
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("The main window offscreen, live on a real nsviz-helper; JSON events on stdout"));
    parser.addHelpOption();
    auto opt = [&](const char *name, const char *help, const char *value, const char *def) {
        QCommandLineOption o(QString::fromLatin1(name), QString::fromLatin1(help), QString::fromLatin1(value),
                             QString::fromLatin1(def));
        parser.addOption(o);
        return o;
    };
    const auto helperOpt =
        opt("helper", "The nsviz-helper to spawn (default: the app's choice).", "PATH", "");
    const auto liveOpt =
        opt("live", "Helper --live mode: auto or polling (default: the helper's).", "MODE", "");
    const auto intervalOpt =
        opt("interval-ms", "Subscription interval (default: the app's, 2000).", "MS", "2000");
    const auto widthOpt = opt("width", "Window width.", "N", "1280");
    const auto heightOpt = opt("height", "Window height.", "N", "720");
    const auto treeOpt =
        opt("tree-check-ms", "Walk both namespace trees this often (0: never).", "MS", "5000");
    const auto rssOpt = opt("rss-ms", "Sample the GUI's RSS this often.", "MS", "1000");
    const auto secondsOpt =
        opt("seconds", "End after this long (0: at quit / end of stdin / SIGTERM).", "S", "0");
    const auto shotOpt = opt("screenshot", "Save the whole window as PNG at the end.", "FILE", "");
    parser.process(app);

    if (geteuid() != 0) {
        std::fprintf(stderr,
                     "nsviz-live-soak: needs root (it spawns the helper the way the app does as root)\n");
        return 1;
    }
    ProcessTransport::Options options;
    options.mode = ProcessTransport::Mode::Direct;
    options.helperPath = parser.value(helperOpt).isEmpty()
                             ? ProcessTransport::defaultHelperPath()
                             : QFileInfo(parser.value(helperOpt)).absoluteFilePath();
    if (const QString mode = parser.value(liveOpt); !mode.isEmpty()) {
        if (mode != QLatin1String("auto") && mode != QLatin1String("polling")) {
            std::fprintf(stderr, "nsviz-live-soak: --live must be auto or polling\n");
            return 1;
        }
        options.helperArgs = {QStringLiteral("--live"), mode};
    }

    // SIGTERM/SIGINT/SIGHUP end the soak through the event loop, so that the helper is stopped.
    if (pipe2(g_signalPipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return 1;
    struct sigaction sa {
    };
    sa.sa_handler = onSignal;
    for (int s : {SIGTERM, SIGINT, SIGHUP})
        sigaction(s, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    MainWindow win;
    win.setInteractive(false);
    Soak soak(win, app, parser.value(treeOpt).toInt());
    win.session()->setTransportFactory([&](bool, QObject *parent) -> Transport * {
        auto *t = new ProcessTransport(options, parent);
        soak.watchTransport(t);
        return t;
    });
    win.session()->setIntervalMs(parser.value(intervalOpt).toInt());
    win.resize(parser.value(widthOpt).toInt(), parser.value(heightOpt).toInt());
    win.show();
    emitLine({{"ev", "start"},
              {"pid", getpid()},
              {"width", win.width()},
              {"height", win.height()},
              {"helper", options.helperPath.toStdString()},
              {"interval_ms", win.session()->intervalMs()}});

    QString screenshot = parser.value(shotOpt);
    QSocketNotifier sigNotifier(g_signalPipe[0], QSocketNotifier::Read);
    QObject::connect(&sigNotifier, &QSocketNotifier::activated, &app, [&] {
        char buf[16];
        while (read(g_signalPipe[0], buf, sizeof buf) > 0) {
        }
        emitLine({{"ev", "signal"}});
        app.exit(0);
    });
    // Commands and the end of input only from a pipe (soak.py); from /dev/null or a file, --seconds
    // or a signal ends it.
    struct stat in {
    };
    const bool stdinCommands = fstat(STDIN_FILENO, &in) == 0 &&
                               (S_ISFIFO(in.st_mode) || S_ISCHR(in.st_mode)) &&
                               !(S_ISCHR(in.st_mode) && !isatty(STDIN_FILENO));
    QSocketNotifier stdinNotifier(STDIN_FILENO, QSocketNotifier::Read);
    stdinNotifier.setEnabled(stdinCommands);
    QByteArray pending;
    QObject::connect(&stdinNotifier, &QSocketNotifier::activated, &app, [&] {
        char buf[4096];
        const ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
        if (n <= 0) {
            stdinNotifier.setEnabled(false);
            app.exit(0); // whoever drives us is gone
            return;
        }
        pending.append(buf, static_cast<int>(n));
        qsizetype nl;
        while ((nl = pending.indexOf('\n')) >= 0) {
            const QString cmd = QString::fromUtf8(pending.left(nl)).trimmed();
            pending.remove(0, nl + 1);
            if (cmd == QLatin1String("quit"))
                app.exit(0);
            else if (cmd.startsWith(QLatin1String("screenshot ")))
                saveScreenshot(win, cmd.mid(11).trimmed());
            else if (!cmd.isEmpty())
                emitLine({{"ev", "unknown_command"}, {"command", cmd.toStdString()}});
        }
    });
    QTimer rss;
    QObject::connect(&rss, &QTimer::timeout, &app, [] {
        const auto [r, h] = rssKiB();
        emitLine({{"ev", "rss"}, {"rss_kib", r}, {"hwm_kib", h}});
    });
    rss.start(std::max(100, parser.value(rssOpt).toInt()));
    if (const int s = parser.value(secondsOpt).toInt(); s > 0)
        QTimer::singleShot(s * 1000, &app, [&] { app.exit(0); });

    win.session()->connectLive(false);
    const int rc = app.exec();

    if (!screenshot.isEmpty())
        saveScreenshot(win, screenshot);
    json end = soak.totals();
    // The helper leaves as it does when the window closes: bye, then its stdin closes; the transport
    // kills it by its PID after 3 s if it is still there.
    const qint64 helper = soak.helperPid();
    auto alive = [helper] { return helper > 0 && kill(static_cast<pid_t>(helper), 0) == 0; };
    win.session()->disconnectLive();
    QElapsedTimer waited;
    waited.start();
    while (alive() && waited.elapsed() < 10000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    // Still there: the transport's destructor kills it by its PID and reaps it.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    end["helper_gone"] = !alive();
    end["helper_exit_ms"] = waited.elapsed();
    end["ev"] = "end";
    end["rc"] = rc;
    const bool clean = soak.clean() && rc == 0;
    end["clean"] = clean;
    emitLine(end);
    return clean ? 0 : (rc != 0 ? rc : 3);
}
