// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/window/headless.h"

#include "app/cluster/clusterlabeler.h"
#include "app/cluster/clusterpainter.h"
#include "app/cluster/comparepicture.h"
#include "app/export/viewexporter.h"
#include "app/models/hostsharing.h"
#include "app/models/redactor.h"
#include "app/models/snapshotstore.h"
#include "app/models/usernames.h"
#include "app/window/session.h"
#include "app/window/theme.h"
#include "app/window/viewfactory.h"
#include "core/discovery/discovery.h"
#include "core/inspect/compare.h"
#include "core/protocol/moment.h"
#include "core/protocol/snapshotjson.h"

#include <nlohmann/json.hpp>

#ifdef NSVIZ_HAVE_KAUTH
#include "app/transport/kauthtransport.h"
#endif

#include <QApplication>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QLayout>
#include <QPainter>
#include <QTextStream>
#include <QTimer>
#include <QWidget>
#include <map>
#include <memory>
#include <optional>
#include <system_error>
#include <utility>

namespace nsviz
{

QString Headless::summary(const Snapshot &s, NsType groupBy, const QString &via)
{
    QString out;
    QTextStream ts(&out);
    std::array<int, kNsTypeCount> perType{};
    for (const auto &n : s.namespaces)
        ++perType[index(n.type)];
    ts << "nsviz snapshot of "
       << (s.host.hostname.empty() ? QStringLiteral("(unknown host)")
                                   : QString::fromStdString(s.host.hostname));
    if (!via.isEmpty())
        ts << " via " << via;
    if (!s.host.kernel.empty())
        ts << " (kernel " << QString::fromStdString(s.host.kernel) << ")";
    ts << "\n";
    ts << "processes: " << s.processes.size() << ", namespaces: " << s.namespaces.size() << " (";
    for (NsType t : kAllNsTypes)
        ts << (t == NsType::Mnt ? "" : ", ") << QString::fromLatin1(nsTypeName(t)) << " "
           << perType[index(t)];
    ts << ")\n";
    if (s.host.referencePid > 0)
        ts << "host reference: " << ClusterLabeler::referenceText(s);
    else // no "PID 0": say so in words
        ts << "host reference " << ClusterLabeler::referenceText(s);
    if (!s.host.referenceNote.empty())
        ts << " [" << QString::fromStdString(s.host.referenceNote) << "]";
    ts << "\n";
    // "Readable", not "privileged": as root a hardened PID 1 can still refuse, and a saved file says
    // nothing about who views it now.
    if (s.host.invisibleProcesses > 0)
        ts << "namespaces readable: all but " << s.host.invisibleProcesses
           << (s.host.invisibleProcesses == 1 ? " process" : " processes") << " (refused to this scan)";
    else
        ts << "namespaces readable: every process";
    ts << "\n";
    ts << "grouped by " << QString::fromLatin1(nsTypeName(groupBy)) << ": " << perType[index(groupBy)]
       << (perType[index(groupBy)] == 1 ? " namespace\n" : " namespaces\n");

    // The status bar's count (SnapshotStore::countsOf, the sandboxes' kinds), so the two agree.
    const SnapshotCounts counts = SnapshotStore::countsOf(s);
    ts << "containers: " << counts.containers;
    if (counts.pods > 0)
        ts << ", pods: " << counts.pods;
    ts << "\n";

    // Flagged processes grouped by container (one line per container, not per worker process).
    const auto groups = hostNetGroups(s);
    ts << "sharing the host network namespace while isolated otherwise: " << groups.size()
       << (groups.size() == 1 ? " container" : " containers");
    std::size_t flagged = 0;
    for (const auto &g : groups)
        flagged += g.procs.size();
    ts << " (" << flagged << (flagged == 1 ? " process" : " processes") << ")\n";
    constexpr std::size_t kListed = 12;
    for (std::size_t i = 0; i < groups.size() && i < kListed; ++i) {
        const auto &g = groups[i];
        QStringList own;
        for (NsType t : kAllNsTypes)
            if (g.own & (1u << index(t)))
                own << QString::fromLatin1(nsTypeName(t));
        ts << "  " << QString::fromStdString(g.label) << ": " << g.procs.size()
           << (g.procs.size() == 1 ? " process" : " processes") << ", own " << own.join(QLatin1Char(','))
           << "\n";
    }
    if (groups.size() > kListed)
        ts << "  ... and " << groups.size() - kListed << " more\n";
    for (const auto &w : s.warnings)
        ts << "warning: " << QString::fromStdString(w) << "\n";
    return out;
}

namespace
{

/// One snapshot through the KAuth helper. The screenshot mode has no window and nothing else to
/// do meanwhile, so it waits in a local event loop (the transport's watchdog bounds the wait).
int scanThroughKAuth(Snapshot &snap, QTextStream &err)
{
#ifdef NSVIZ_HAVE_KAUTH
    KAuthTransport t;
    QEventLoop loop;
    std::optional<Snapshot> got;
    std::optional<std::pair<Transport::Error, QString>> failure;
    QObject::connect(&t, &Transport::connected, &t, &Transport::requestScan);
    QObject::connect(&t, &Transport::snapshotReceived, &loop, [&](const Snapshot &s) {
        got = s;
        loop.quit();
    });
    QObject::connect(&t, &Transport::failed, &loop, [&](Transport::Error e, const QString &m) {
        failure = {e, m};
        loop.quit();
    });
    t.start();
    loop.exec();
    t.stop();
    if (got) {
        snap = std::move(*got);
        return 0;
    }
    const QString why = failure ? failure->second : QStringLiteral("no snapshot");
    if (failure && failure->first == Transport::Error::Denied) {
        err << "nsviz: scan through KAuth refused: " << why << "\n";
        return Headless::kExitDenied;
    }
    if (failure && failure->first == Transport::Error::Cancelled) {
        err << "nsviz: scan through KAuth cancelled: " << why << "\n";
        return Headless::kExitCancelled;
    }
    err << "nsviz: scan through KAuth failed: " << why << "\n";
    return 1;
#else
    Q_UNUSED(snap)
    err << "nsviz: --kauth: this build has no KAuth support (NSVIZ_WITH_KAUTH)\n";
    return 2;
#endif
}

int writeLayoutJson(const HeadlessOptions &opts, const std::vector<PaintedItem> &items, QTextStream &err);

ClusterStyle styleFor(const HeadlessOptions &opts)
{
    return opts.dark ? (*opts.dark ? ClusterStyle::dark_() : ClusterStyle::light())
                     : ClusterStyle::forPalette(QApplication::palette());
}

/// The cluster picture straight from the painter: no widget, so nothing but the data (no earlier
/// grouping, no window history) decides the layout and the hues. Writes the layout record too.
int renderCluster(const HeadlessOptions &opts, const Snapshot &snap, QTextStream &err)
{
    ClusterLayout layout;
    layout.setType(opts.groupBy);
    layout.update(snap);
    const bool localUsers = !opts.redact && UserNames::isLocalSnapshot(snap);
    const std::vector<ClusterLabel> labels = ClusterLabeler::labels(snap, layout, localUsers);
    ClusterPainter painter;
    painter.setStyle(styleFor(opts));
    painter.setScene(snap, layout, labels);
    const QSizeF size(opts.size);
    const auto fit = ClusterPainter::fitTransform(layout, size);
    ClusterPaintOptions o;
    o.scale = fit.scale;
    o.offset = fit.offset;
    o.redacted = opts.redact;
    o.font = QApplication::font();
    std::vector<PaintedItem> items;
    o.record = &items;
    ViewExporter::Picture picture{opts.size, painter.style().background,
                                  [&](QPainter &p) { painter.paint(p, size, o); }};
    QString error;
    if (!ViewExporter::save(picture, opts.output, opts.scale, &error)) {
        err << "nsviz: " << error << "\n";
        return 1;
    }
    if (opts.layoutJson.isEmpty())
        return 0;
    return writeLayoutJson(opts, items, err);
}

int writeLayoutJson(const HeadlessOptions &opts, const std::vector<PaintedItem> &items, QTextStream &err)
{
    nlohmann::json j;
    j["size"] = {opts.size.width(), opts.size.height()};
    auto &arr = j["items"] = nlohmann::json::array();
    for (const auto &it : items) {
        nlohmann::json e;
        e["kind"] = PaintedItem::kindName(it.kind);
        e["rect"] = {it.rect.x(), it.rect.y(), it.rect.width(), it.rect.height()};
        e["text"] = it.text.toStdString();
        e["ns"] = it.ns ? nlohmann::json(it.ns) : nlohmann::json(nullptr);
        e["flagged"] = it.flagged;
        if (!it.line.isNull())
            e["line"] = {it.line.x1(), it.line.y1(), it.line.x2(), it.line.y2()};
        e["mark"] = it.mark.toStdString();
        arr.push_back(std::move(e));
    }
    QFile f(opts.layoutJson);
    const QByteArray text = QByteArray::fromStdString(j.dump(1)) + '\n';
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(text) != text.size()) {
        err << "nsviz: cannot write " << opts.layoutJson << ": " << f.errorString() << "\n";
        return 2;
    }
    return 0;
}

/// One snapshot from a remote host through ssh; waits in a local event loop like the KAuth scan
/// (the transport's watchdog and ssh's ConnectTimeout bound the wait).
int scanThroughSsh(const SshTarget &target, Snapshot &snap, QTextStream &err)
{
    std::unique_ptr<Transport> t(Session::makeRemoteTransport(target, nullptr));
    QEventLoop loop;
    std::optional<Snapshot> got;
    std::optional<std::pair<Transport::Error, QString>> failure;
    QObject::connect(t.get(), &Transport::connected, t.get(), &Transport::requestScan);
    QObject::connect(t.get(), &Transport::snapshotReceived, &loop, [&](const Snapshot &s) {
        got = s;
        loop.quit();
    });
    QObject::connect(t.get(), &Transport::failed, &loop, [&](Transport::Error e, const QString &m) {
        failure = {e, m};
        loop.quit();
    });
    t->start();
    loop.exec();
    if (got) {
        // bye, and let ssh end before we go: no ssh left behind.
        QEventLoop done;
        QObject::connect(t.get(), &Transport::disconnected, &done, &QEventLoop::quit);
        QTimer::singleShot(5000, &done, &QEventLoop::quit);
        t->stop();
        done.exec();
        snap = std::move(*got);
        return 0;
    }
    const QString host = target.displayName();
    if (failure)
        err << "nsviz: " << Session::remoteFailureText(failure->first, host, failure->second) << "\n";
    else
        err << "nsviz: no snapshot from " << host << "\n";
    return Headless::kExitRemote;
}

} // namespace

int Headless::run(const HeadlessOptions &opts, QTextStream &out, QTextStream &err)
{
    Snapshot snap;
    if (!opts.compareA.isEmpty() || !opts.compareB.isEmpty())
        return runCompare(opts, out, err);
    if (!opts.snapshotFile.isEmpty()) {
        // A snapshot file, or a recording's moment (FILE@SECONDS, FILE@end): read as compare reads.
        try {
            snap = loadMoment(opts.snapshotFile.toStdString()).snapshot;
        } catch (const MomentError &e) {
            err << "nsviz: " << QString::fromStdString(e.what()) << "\n";
            return 2;
        }
    } else if (opts.host) {
        if (const int rc = scanThroughSsh(*opts.host, snap, err); rc != 0)
            return rc;
    } else if (opts.kauth) {
        if (const int rc = scanThroughKAuth(snap, err); rc != 0)
            return rc;
    } else {
        try {
            snap = discover();
        } catch (const std::system_error &e) {
            err << "nsviz: scan failed: " << QString::fromStdString(e.what()) << "\n";
            return 2;
        }
    }

    SnapshotStore store;
    store.setSnapshot(opts.redact ? Redactor::redacted(snap) : snap);
    if (!opts.saveSnapshot.isEmpty()) {
        QFile f(opts.saveSnapshot);
        const QByteArray text = QByteArray::fromStdString(toJson(store.snapshot()).dump());
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(text) != text.size()) {
            err << "nsviz: cannot write " << opts.saveSnapshot << ": " << f.errorString() << "\n";
            return 2;
        }
    }
    // The name the host was reached by is a hostname too: --redact hides it.
    const QString via = !opts.host    ? QString()
                        : opts.redact ? QStringLiteral("ssh (host redacted)")
                                      : QStringLiteral("ssh ") + opts.host->displayName();
    if (opts.view == QLatin1String("cluster")) {
        if (const int rc = renderCluster(opts, store.snapshot(), err); rc != 0)
            return rc;
        out << summary(store.snapshot(), opts.groupBy, via);
        out << "wrote " << opts.output << " (" << opts.size.width() * opts.scale << "x"
            << opts.size.height() * opts.scale << ", view " << opts.view << ")\n";
        if (!opts.layoutJson.isEmpty())
            out << "wrote " << opts.layoutJson << " (what the picture shows, and where)\n";
        return 0;
    }
    if (!opts.layoutJson.isEmpty()) {
        err << "nsviz: --layout-json records the cluster view only, not \"" << opts.view << "\"\n";
        return 2;
    }
    std::unique_ptr<QWidget> view(ViewFactory::create(opts.view, &store));
    if (!view) {
        err << "nsviz: no view \"" << opts.view
            << "\" in this build (have: " << ViewFactory::names().join(QStringLiteral(", ")) << ")\n";
        return 2;
    }
    view->setAttribute(Qt::WA_DontShowOnScreen, true);
    // The picture has the size asked for, even below a panel's comfortable minimum.
    if (view->layout())
        view->layout()->setSizeConstraint(QLayout::SetNoConstraint);
    view->setMinimumSize(0, 0);
    view->resize(opts.size);
    if (opts.dark) // other views take their colours from the palette: the window's, from one source
        view->setPalette(Theme::palette(*opts.dark));
    view->show();
    // Let layouts, charts and deferred model work settle before grabbing.
    for (int i = 0; i < 3; ++i)
        QApplication::processEvents();

    if (view->size() != opts.size)
        view->resize(opts.size);
    QString error;
    if (!ViewExporter::save(view.get(), opts.output, opts.scale, &error)) {
        err << "nsviz: " << error << "\n";
        return 1;
    }
    out << summary(store.snapshot(), opts.groupBy, via);
    out << "wrote " << opts.output << " (" << opts.size.width() * opts.scale << "x"
        << opts.size.height() * opts.scale << ", view " << opts.view << ")\n";
    return 0;
}

int Headless::runCompare(const HeadlessOptions &opts, QTextStream &out, QTextStream &err)
{
    Moment a, b;
    try {
        a = loadMoment(opts.compareA.toStdString());
        b = loadMoment(opts.compareB.toStdString());
    } catch (const MomentError &e) {
        err << "nsviz: --compare: " << QString::fromStdString(e.what()) << "\n";
        return 2;
    }
    nlohmann::json cmp = compareSnapshots(a.snapshot, b.snapshot, a.label, b.label,
                                          a.sandboxes.is_array() ? &a.sandboxes : nullptr,
                                          b.sandboxes.is_array() ? &b.sandboxes : nullptr);
    Snapshot merged = ComparePicture::merge(a.snapshot, b.snapshot);
    if (opts.redact) {
        // One redactor over everything drawn or printed: both moments' processes (merged) and
        // both hosts' names (the comparison names A's host too).
        Redactor r(merged);
        r.learn(cmp);
        merged = r.apply(merged);
        cmp = r.json(cmp);
    }
    ComparePicture picture;
    picture.setStyle(styleFor(opts));
    picture.setComparison(merged, cmp, opts.groupBy, !opts.redact && UserNames::isLocalSnapshot(merged));
    ClusterPaintOptions o;
    o.redacted = opts.redact;
    o.font = QApplication::font();
    std::vector<PaintedItem> items;
    o.record = &items;
    const QSizeF size(opts.size);
    ViewExporter::Picture pic{opts.size, picture.painter().style().background,
                              [&](QPainter &p) { picture.paint(p, size, o); }};
    QString error;
    if (!ViewExporter::save(pic, opts.output, opts.scale, &error)) {
        err << "nsviz: " << error << "\n";
        return 1;
    }
    if (!opts.layoutJson.isEmpty())
        if (const int rc = writeLayoutJson(opts, items, err); rc != 0)
            return rc;
    out << QString::fromStdString(compareToText(cmp));
    out << "wrote " << opts.output << " (" << opts.size.width() * opts.scale << "x"
        << opts.size.height() * opts.scale << ", compare)\n";
    if (!opts.layoutJson.isEmpty())
        out << "wrote " << opts.layoutJson << " (what the picture shows, and where)\n";
    return 0;
}

} // namespace nsviz
