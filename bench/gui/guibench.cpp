// SPDX-License-Identifier: GPL-2.0-or-later
// nsviz-gui-bench: what the GUI pays per live delta on a big, churning host, offscreen.
//
//   nsviz-gui-bench [--processes 10000] [--groups 500] [--rate 100] [--seconds 120]
//                   [--interval-ms 1000] [--width 1600 --height 1000]
//
// The whole main window (cluster view, table, trees, charts, status bar) follows a synthetic host:
// --processes processes, a fifth on the host and the rest in --groups containers (own net, uts,
// pid and some user namespaces) of Zipf-like sizes. Every --interval-ms of simulated time the host
// churns --rate processes per second (half start, half exit; a few containers start and stop, so
// processes enter fresh namespaces) and the window gets the delta exactly as a transport hands it
// over. Simulated time: the bench does not sleep, it measures what each update costs.
//
// Reports, in ms, p50 / p95 / max: applying a delta through every model and view (the GUI thread
// is busy this long per update), the event-loop turn after it (queued updates, widget repaint),
// painting the cluster view alone, one filter keystroke on the table; peak RSS; then the load
// leaves (back to the host's processes) and it reports the RSS and the cluster sizes after.
#include "app/cluster/clusterlayout.h"
#include "app/cluster/clusterview.h"
#include "app/models/namespacetreemodel.h"
#include "app/models/snapshotstore.h"
#include "app/panels/tablepanel.h"
#include "app/panels/treepanel.h"
#include "app/transport/transport.h"
#include "app/window/mainwindow.h"
#include "app/window/session.h"
#include "core/model/delta.h"
#include "core/proc/heap.h"
#include "tests/common/syntheticsnapshot.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QImage>
#include <QPainter>
#include <QTextStream>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <vector>

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

using namespace nsviz;

namespace
{

/// The transport the window talks to: it never sends anything by itself; the bench emits.
class BenchTransport : public Transport
{
public:
    using Transport::Transport;
    QString description() const override { return QStringLiteral("bench"); }
    bool privileged() const override { return true; }
    void start() override { Q_EMIT connected(); }
    void stop() override {}
    void requestScan() override {}
    void subscribe(int) override {}
    void unsubscribe() override {}
    quint64 request(const QByteArray &) override { return ++m_id; }

private:
    quint64 m_id = 0;
};

struct Stat {
    double p50 = 0, p95 = 0, max = 0;
};
Stat stat(std::vector<double> v)
{
    if (v.empty())
        return {};
    std::sort(v.begin(), v.end());
    return {v[v.size() / 2], v[std::min(v.size() - 1, static_cast<std::size_t>(v.size() * 0.95))], v.back()};
}
QString fmt(const Stat &s)
{
    auto f = [](double ms) { return QString::number(ms, 'f', ms < 10 ? 2 : 1); };
    return f(s.p50) + QStringLiteral(" / ") + f(s.p95) + QStringLiteral(" / ") + f(s.max);
}
/// CPU time of the calling thread: on a shared machine the GUI thread's own work is what a
/// delta costs; wall time adds the waiting for a core.
double threadCpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}
double rssMiB()
{
    std::ifstream f("/proc/self/statm");
    long pages = 0, resident = 0;
    f >> pages >> resident;
    return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}
double peakRssMiB()
{
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

/// A host of containers that churns.
class ChurningHost
{
public:
    ChurningHost(int processes, int groups, unsigned seed) : m_host(seed)
    {
        m_host.setNested(true);
        // A fifth on the host: half of them the system, half load in the host's namespaces (a build,
        // a batch job) that leaves with the rest.
        const int hostProcs = std::max(2, processes / 5);
        for (int i = 0; i < hostProcs / 2; ++i)
            m_host.start(false);
        m_hostLeader = 1;
        for (int i = 0; i < hostProcs / 2; ++i)
            m_workers.push_back(m_host.join(m_hostLeader));
        for (int g = 0; g < groups; ++g)
            m_leaders.push_back(m_host.start(true));
        while (static_cast<int>(m_host.size()) < processes)
            m_workers.push_back(m_host.join(pickLeader()));
    }
    /// One interval: @p n processes start or exit (balanced around @p target), a few containers
    /// come and go.
    void churn(int n, int target)
    {
        auto &rng = m_host.rng();
        for (int i = 0; i < n; ++i) {
            const bool grow = static_cast<int>(m_host.size()) < target ? (rng() % 4 != 0) : (rng() % 4 == 0);
            if (grow) {
                if (rng() % 50 == 0)
                    m_leaders.push_back(m_host.start(true)); // a container in fresh namespaces
                else if (int pid = m_host.join(pickLeader()))
                    m_workers.push_back(pid);
            } else if (!m_workers.empty()) {
                const std::size_t k = rng() % m_workers.size();
                m_host.stop(m_workers[k]);
                m_workers[k] = m_workers.back();
                m_workers.pop_back();
            }
        }
        // Now and then a whole small container exits (its leader; its workers exit with it).
        if (rng() % 3 == 0 && m_leaders.size() > 10) {
            const std::size_t k = m_leaders.size() - 1 - rng() % (m_leaders.size() / 4);
            stopContainer(k);
        }
        for (int i = 0; i < n / 10; ++i)
            if (!m_workers.empty())
                m_host.touch(m_workers[rng() % m_workers.size()]);
    }
    /// The load leaves: every container exits; the host's own processes stay.
    void drain()
    {
        while (!m_leaders.empty())
            stopContainer(m_leaders.size() - 1);
        for (int pid : m_workers)
            m_host.stop(pid); // the host's load too
        m_workers.clear();
    }
    Snapshot snapshot() const { return m_host.snapshot(); }
    std::size_t size() const { return m_host.size(); }

private:
    int pickLeader()
    {
        // Zipf-like: container k gets a share ~1/(k+1), so a few are big and many are small.
        auto &rng = m_host.rng();
        if (rng() % 5 == 0)
            return m_hostLeader;
        const double u = std::uniform_real_distribution<double>(0, 1)(rng);
        const auto k = static_cast<std::size_t>(std::pow(static_cast<double>(m_leaders.size()), u)) - 1;
        return m_leaders[std::min(k, m_leaders.size() - 1)];
    }
    void stopContainer(std::size_t k)
    {
        const int leader = m_leaders[k];
        const Snapshot s = m_host.snapshot();
        const Process *lp = s.findProcess(leader);
        m_leaders.erase(m_leaders.begin() + static_cast<std::ptrdiff_t>(k));
        if (!lp)
            return;
        const NsId net = lp->ns[index(NsType::Net)];
        std::erase_if(m_workers, [&](int pid) {
            const Process *p = s.findProcess(pid);
            if (p && p->ns[index(NsType::Net)] == net) {
                m_host.stop(pid);
                return true;
            }
            return false;
        });
        m_host.stop(leader);
    }

    testkit::SyntheticHost m_host;
    int m_hostLeader = 1;
    std::vector<int> m_leaders;
    std::vector<int> m_workers;
};

} // namespace

int main(int argc, char **argv)
{
    nsviz::tuneHeap(); // as nsviz does (app/main.cpp)
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("GUI cost of live deltas on a churning synthetic host"));
    parser.addHelpOption();
    auto opt = [&](const char *name, const char *help, const char *def) {
        QCommandLineOption o(QString::fromLatin1(name), QString::fromLatin1(help), QStringLiteral("N"),
                             QString::fromLatin1(def));
        parser.addOption(o);
        return o;
    };
    const auto procsOpt = opt("processes", "Processes on the host.", "10000");
    const auto groupsOpt = opt("groups", "Containers (namespace groups).", "500");
    const auto rateOpt = opt("rate", "Processes starting or exiting per second.", "100");
    const auto secondsOpt = opt("seconds", "Simulated seconds of churn.", "120");
    const auto intervalOpt = opt("interval-ms", "Simulated time between deltas.", "1000");
    const auto widthOpt = opt("width", "Window width.", "1600");
    const auto heightOpt = opt("height", "Window height.", "1000");
    parser.process(app);
    const int processes = parser.value(procsOpt).toInt();
    const int groups = parser.value(groupsOpt).toInt();
    const int rate = parser.value(rateOpt).toInt();
    const int seconds = parser.value(secondsOpt).toInt();
    const int intervalMs = std::max(100, parser.value(intervalOpt).toInt());
    const int perDelta = std::max(1, rate * intervalMs / 1000);
    const int deltas = std::max(1, seconds * 1000 / intervalMs);

    ChurningHost host(processes, groups, 42);
    Snapshot prev = host.snapshot();

    MainWindow win;
    win.setInteractive(false);
    BenchTransport *transport = nullptr;
    win.session()->setTransportFactory(
        [&](bool, QObject *parent) { return transport = new BenchTransport(parent); });
    win.resize(parser.value(widthOpt).toInt(), parser.value(heightOpt).toInt());
    win.show();
    win.session()->connectLive(false);
    QElapsedTimer t;
    t.start();
    Q_EMIT transport->snapshotReceived(prev);
    const double firstApplyMs = t.nsecsElapsed() / 1e6;
    t.restart();
    QApplication::processEvents();
    const double firstLoopMs = t.nsecsElapsed() / 1e6;
    const double rssStart = rssMiB();

    ClusterView *cluster = win.clusterView();
    QImage frame(cluster->size(), QImage::Format_ARGB32_Premultiplied);
    auto paintCluster = [&] {
        QPainter p(&frame);
        cluster->render(&p);
    };

    std::vector<double> apply, loop, paint, changes, oldStore, treeBuild, applyCpu;
    int refused = 0;
    int mismatched = 0;
    SnapshotStore *store = win.store();
    auto *table = win.findChild<TablePanel *>();
    for (int i = 0; i < deltas; ++i) {
        host.churn(perDelta, processes);
        Snapshot next = host.snapshot();
        SnapshotDelta d = computeDelta(prev, next);
        d.seq = static_cast<std::uint64_t>(i + 1);
        changes.push_back(static_cast<double>(d.addedProcesses.size() + d.removedProcesses.size() +
                                              d.changedProcesses.size()));
        // What the store did per delta before it applied in place: copy the snapshot, apply with
        // core's map-based applyDelta (for comparison; not part of the GUI's cost now).
        t.restart();
        try {
            Snapshot copy = store->snapshot();
            applyDelta(copy, d);
        } catch (const DeltaError &e) {
            std::fprintf(stderr, "delta %d does not fit (store %s the previous snapshot): %s\n", i + 1,
                         sameContent(store->snapshot(), prev) ? "holds" : "does not hold", e.what());
        }
        oldStore.push_back(t.nsecsElapsed() / 1e6);
        if (i % 10 == 0) {
            // What the trees did per delta before they updated node by node: at least a full build.
            t.restart();
            {
                NamespaceTreeModel user(store, NamespaceTreeModel::Hierarchy::User);
                NamespaceTreeModel pid(store, NamespaceTreeModel::Hierarchy::Pid);
            }
            treeBuild.push_back(t.nsecsElapsed() / 1e6);
        }
        const quint64 refusedBefore = store->deltasRefused();
        const double cpu0 = threadCpuMs();
        t.restart();
        Q_EMIT transport->deltaReceived(d);
        apply.push_back(t.nsecsElapsed() / 1e6);
        applyCpu.push_back(threadCpuMs() - cpu0);
        refused += static_cast<int>(store->deltasRefused() - refusedBefore);
        t.restart();
        QApplication::processEvents();
        loop.push_back(t.nsecsElapsed() / 1e6);
        t.restart();
        paintCluster();
        paint.push_back(t.nsecsElapsed() / 1e6);
        // One number in every view.
        const int n = store->counts().processes;
        if (n != static_cast<int>(next.processes.size()) ||
            static_cast<int>(cluster->clusterLayout().dots().size()) != n)
            ++mismatched;
        prev = std::move(next);
    }
    const double rssChurn = rssMiB();

    // Filter keystrokes on the table at full size: "w", "wo", ... "worker 1".
    std::vector<double> keys;
    if (table) {
        const QString word = QStringLiteral("worker 1");
        for (int round = 0; round < 3; ++round) {
            for (int k = 1; k <= word.size(); ++k) {
                t.restart();
                table->setFilterText(word.left(k));
                keys.push_back(t.nsecsElapsed() / 1e6);
            }
            table->setFilterText(QString());
        }
    }

    // The load leaves.
    double maxRBefore = 0;
    for (const auto &c : cluster->clusterLayout().clusters())
        if (!c.isHost)
            maxRBefore = std::max(maxRBefore, c.r);
    const double hostRBefore = [&] {
        for (const auto &c : cluster->clusterLayout().clusters())
            if (c.isHost)
                return c.r;
        return 0.0;
    }();
    host.drain();
    Snapshot drained = host.snapshot();
    SnapshotDelta dd = computeDelta(prev, drained);
    dd.seq = static_cast<std::uint64_t>(deltas + 1);
    t.restart();
    Q_EMIT transport->deltaReceived(dd);
    const double drainApplyMs = t.nsecsElapsed() / 1e6;
    QApplication::processEvents();
    const double hostRAfter = [&] {
        for (const auto &c : cluster->clusterLayout().clusters())
            if (c.isHost)
                return c.r;
        return 0.0;
    }();
    // Let deleteLater() and Qt's caches settle, then give freed heap back as a long-running GUI's
    // allocator would over time.
    for (int i = 0; i < 5; ++i)
        QApplication::processEvents();
    const double rssAfter = rssMiB();

    QTextStream out(stdout);
    out << "# nsviz GUI live benchmark\n\n";
    out << "Main window " << win.width() << "x" << win.height() << " offscreen; synthetic host of "
        << processes << " processes (" << groups << " containers, Zipf-like sizes), " << rate
        << " processes/s starting or "
        << "exiting, a delta every " << intervalMs << " ms of simulated time, " << deltas
        << " deltas (median " << stat(changes).p50 << " process changes each).\n\n";
    out << "Wall times include waiting for a core on the shared machine; the CPU-time row does not.\n\n";
    out << "| measure | p50 / p95 / max (ms) |\n|---|---:|\n";
    out << "| first snapshot through every view (" << processes << " processes) | "
        << QString::number(firstApplyMs, 'f', 1) << " + " << QString::number(firstLoopMs, 'f', 1)
        << " (event loop) |\n";
    out << "| delta applied through every model and view (GUI thread busy) | " << fmt(stat(apply)) << " |\n";
    out << "| the same, GUI thread CPU time | " << fmt(stat(applyCpu)) << " |\n";
    out << "| for comparison: copy + core applyDelta (the store's old way) | " << fmt(stat(oldStore))
        << " |\n";
    out << "| for comparison: building both namespace trees (the trees' old per-delta floor) | "
        << fmt(stat(treeBuild)) << " |\n";
    out << "| event-loop turn after a delta (queued updates, repaint) | " << fmt(stat(loop)) << " |\n";
    out << "| cluster view paint after a delta | " << fmt(stat(paint)) << " |\n";
    out << "| filter keystroke on the full table | " << fmt(stat(keys)) << " |\n";
    out << "| delta of the load leaving (" << dd.removedProcesses.size() << " processes exit) | "
        << QString::number(drainApplyMs, 'f', 1) << " |\n\n";
    if (auto *tree = win.findChild<TreePanel *>())
        out << "Deltas the trees could not apply node by node (full rebuild + reconcile): user "
            << tree->userModel()->fullRebuilds() << ", pid " << tree->pidModel()->fullRebuilds() << " of "
            << deltas + 1 << ".\n\n";
    out << "Refused deltas: " << refused
        << "; deltas after which a view's count differed from the store's: " << mismatched << ".\n\n";
    out << "RSS: " << QString::number(rssStart, 'f', 0) << " MiB after the first snapshot, "
        << QString::number(rssChurn, 'f', 0) << " MiB after the churn, peak "
        << QString::number(peakRssMiB(), 'f', 0) << " MiB; " << QString::number(rssAfter, 'f', 0)
        << " MiB after the load left (" << drained.processes.size() << " processes).\n\n";
    out << "Layout: largest container circle r=" << QString::number(maxRBefore, 'f', 0)
        << ", host circle r=" << QString::number(hostRBefore, 'f', 0)
        << " under load; host circle r=" << QString::number(hostRAfter, 'f', 0) << " after the load left ("
        << cluster->clusterLayout().clusters().size() << " clusters left).\n";
    out.flush();
    return refused == 0 && mismatched == 0 ? 0 : 1;
}
