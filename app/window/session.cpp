// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/window/session.h"

#include "app/logging/logging.h"
#include "app/transport/helperclient.h"
#include "app/transport/localtransport.h"
#ifdef NSVIZ_HAVE_KAUTH
#include "app/transport/kauthtransport.h"
#endif
#include "app/models/redactiongate.h"
#include "app/models/redactor.h"
#include "app/models/snapshotstore.h"
#include "app/transport/processtransport.h"
#include "app/window/recordingplayer.h"
#include "core/proc/heap.h"
#include "core/protocol/recording.h"
#include "core/protocol/snapshotjson.h"

#include <QFile>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QSaveFile>
#include <QStandardPaths>
#include <QTimer>
#include <QtConcurrent/QtConcurrentRun>
#include <nlohmann/json.hpp>
#include <utility>

#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <unistd.h>

namespace nsviz
{

namespace
{
constexpr qint64 kMaxSnapshotFile = 512ll * 1024 * 1024; // 50k processes take ~60 MiB

} // namespace

Session::Session(SnapshotStore *store, QObject *parent)
    : QObject(parent), m_store(store),
      m_factory([](bool escalated, QObject *p) { return makeTransport(escalated, geteuid() == 0, p); }),
      m_client(new HelperClient(nullptr, this))
{
    connect(m_client, &HelperClient::snapshotProgress, this, &Session::progress);
    connect(m_client, &HelperClient::snapshotReceived, this, &Session::onSnapshot);
    connect(m_client, &HelperClient::deltaReceived, this, &Session::onDelta);
    // Deltas that arrived together go into the store as one batch (SnapshotStore::beginBatch()).
    connect(m_client, &HelperClient::deltasBegin, this, [this] {
        if (!std::exchange(m_inBurst, true))
            m_store->beginBatch();
    });
    connect(m_client, &HelperClient::deltasEnd, this, &Session::endBurst);
    connect(m_client, &HelperClient::disconnected, this, &Session::endBurst);
    connect(m_client, &HelperClient::failed, this, &Session::onFailed);
    connect(m_client, &HelperClient::connected, this, [this]() {
        // A subscription starts with a full snapshot; paused, one scan is enough.
        if (!m_paused)
            m_client->subscribe(m_intervalMs);
        else
            m_client->scan();
        noteAuthenticated();
        Q_EMIT stateChanged();
    });
}

QString Session::kauthServiceFile()
{
    return QStringLiteral("/usr/share/dbus-1/system-services/org.nsviz.helper.service");
}

Transport *Session::makeTransport(bool escalated, bool root, QObject *parent)
{
#ifdef NSVIZ_HAVE_KAUTH
    // KAuth first where its helper is installed: the system bus starts it as root once polkit agrees.
    // A refusal falls back like pkexec's (Session::onFailed).
    if (escalated && !root && QFileInfo::exists(kauthServiceFile()))
        return new KAuthTransport(parent);
#endif
    ProcessTransport::Options o;
    if (escalated && !root) {
        // polkit asks. A missing helper or pkexec, no agent, a refusal: the transport says which and
        // Session::onFailed falls back to what is visible without privileges.
        o.mode = ProcessTransport::Mode::Pkexec;
        return new ProcessTransport(o, parent);
    }
    if (root && QFileInfo(ProcessTransport::defaultHelperPath()).isExecutable()) {
        // Root already: the helper as a child, so demo containers and inspect run outside the GUI.
        o.mode = ProcessTransport::Mode::Direct;
        return new ProcessTransport(o, parent);
    }
    // No helper installed, or unprivileged by choice: scan in-process with our own rights.
    return new LocalTransport(QStringLiteral("/proc"), {}, parent);
}

Transport *Session::makeRemoteTransport(const SshTarget &target, QObject *parent)
{
    ProcessTransport::Options o;
    o.mode = ProcessTransport::Mode::Ssh;
    o.ssh = target;
    o.demos = false; // read-only over ssh; demo containers are started on the host itself
    return new ProcessTransport(o, parent);
}

QString Session::explainRemoteFailure(Transport::Error error, const QString &host)
{
    switch (error) {
    case Transport::Error::Unreachable:
        return QStringLiteral("%1 cannot be reached").arg(host);
    case Transport::Error::HostKeyUnknown:
        return QStringLiteral("The host key of %1 is not known").arg(host);
    case Transport::Error::HostKeyChanged:
        return QStringLiteral("The host key of %1 has CHANGED").arg(host);
    case Transport::Error::AuthRefused:
        return QStringLiteral("%1 refused the login").arg(host);
    case Transport::Error::HelperMissing:
        return QStringLiteral("nsviz-helper is not installed on %1").arg(host);
    case Transport::Error::ProtocolMismatch:
        return QStringLiteral("nsviz-helper on %1 is another version").arg(host);
    case Transport::Error::Denied:
        return QStringLiteral("sudo on %1 refused").arg(host);
    case Transport::Error::AuthToolMissing:
        return QStringLiteral("ssh is not installed");
    case Transport::Error::Timeout:
        return QStringLiteral("%1 did not answer").arg(host);
    case Transport::Error::Cancelled:
    case Transport::Error::NoAuthAgent:
    case Transport::Error::Busy:
    case Transport::Error::HelperDied:
    case Transport::Error::Other:
        break;
    }
    return QStringLiteral("The connection to %1 failed").arg(host);
}

QString Session::remoteFailureText(Transport::Error error, const QString &host, const QString &message)
{
    const QString headline = explainRemoteFailure(error, host);
    if (message.startsWith(headline, Qt::CaseInsensitive))
        return message;
    return message.isEmpty() ? headline : headline + QStringLiteral(": ") + message;
}

Session::AuthOutcome Session::explainAuthFailure(Transport::Error error, const QString &via,
                                                 const QString &message)
{
    AuthOutcome o;
    o.state = AuthOutcome::State::Failed;
    o.error = error;
    o.via = via;
    o.detail = message;
    const bool kauth = via.contains(QLatin1String("KAuth"));
    const QString tool =
        via.contains(QLatin1String("sudo")) ? QStringLiteral("sudo") : QStringLiteral("pkexec");
    // Alternatives that need no agent: root runs the GUI, or root takes a snapshot the user opens.
    const QString asRoot =
        QStringLiteral("run nsviz as root (<code>sudo nsviz</code>), or have an administrator "
                       "run <code>nsviz-helper scan --json &gt; snapshot.json</code> and "
                       "open that file");
    switch (error) {
    case Transport::Error::NoAuthAgent:
        o.detailNeeded = false;
        o.headline = QStringLiteral("No polkit authentication agent is running");
        o.hint = (kauth ? QStringLiteral("polkit needs an agent to ask for your password for KAuth. ")
                        : QStringLiteral("pkexec needs an agent to ask for your password. ")) +
                 QStringLiteral("Start one (a desktop session runs one; or <code>pkttyagent</code> in a "
                                "terminal) and try again, or ") +
                 asRoot + QLatin1Char('.');
        break;
    case Transport::Error::AuthToolMissing:
        o.detailNeeded = false;
        o.headline = QStringLiteral("%1 is not installed").arg(tool);
        o.hint = tool == QLatin1String("pkexec")
                     ? QStringLiteral("Install it (Debian: <code>apt install pkexec</code>, older "
                                      "releases: policykit-1), or ") +
                           asRoot + QLatin1Char('.')
                     : QStringLiteral("Install it, or ") + asRoot + QLatin1Char('.');
        break;
    case Transport::Error::HelperMissing:
        if (kauth) {
            o.headline = QStringLiteral("The nsviz KAuth helper is not installed");
            o.hint = QStringLiteral("Its D-Bus service (%1) is missing or broken; install nsviz's KAuth "
                                    "helper, or ")
                         .arg(kauthServiceFile()) +
                     asRoot + QLatin1Char('.');
        } else {
            o.headline = QStringLiteral("nsviz-helper is not installed");
            o.detailNeeded = false; // the hint names the path
            o.hint = QStringLiteral("Install nsviz-helper (looked for %1; <code>$NSVIZ_HELPER</code> "
                                    "names another), or run nsviz as root.")
                         .arg(ProcessTransport::defaultHelperPath());
            if (QStandardPaths::findExecutable(QStringLiteral("pkexec")).isEmpty())
                o.hint += QStringLiteral(" pkexec, which would run it with privileges, is not installed "
                                         "either.");
        }
        break;
    case Transport::Error::Denied:
        o.headline = QStringLiteral("Not authorized");
        o.hint = QStringLiteral("polkit refused (not an administrator, or not an active local session, "
                                "e.g. over SSH). Ask an administrator, or ") +
                 asRoot + QLatin1Char('.');
        break;
    case Transport::Error::Cancelled:
        o.detailNeeded = false;
        o.headline = QStringLiteral("Authentication was cancelled");
        o.hint = QStringLiteral("Try again when you are ready; <code>nsviz --unprivileged</code> starts "
                                "without asking.");
        break;
    case Transport::Error::Timeout:
        o.headline = QStringLiteral("The privileged helper did not answer");
        o.hint = QStringLiteral("Try again, or ") + asRoot + QLatin1Char('.');
        break;
    case Transport::Error::Busy:
        o.headline = QStringLiteral("The privileged helper is busy");
        o.hint = QStringLiteral("It serves another client; try again in a moment.");
        break;
    case Transport::Error::ProtocolMismatch:
        o.headline = QStringLiteral("The installed helper is another version");
        o.hint = QStringLiteral("Install nsviz-helper from the same release as nsviz.");
        break;
    case Transport::Error::Unreachable:
    case Transport::Error::HostKeyUnknown:
    case Transport::Error::HostKeyChanged:
    case Transport::Error::AuthRefused: // ssh only (explainRemoteFailure); never a local escalation
    case Transport::Error::HelperDied:
    case Transport::Error::Other:
        o.headline = QStringLiteral("The privileged helper failed");
        o.hint = QStringLiteral("Try again, or ") + asRoot + QLatin1Char('.');
        break;
    }
#ifdef NSVIZ_HAVE_KAUTH
    if (!kauth && !QFileInfo::exists(kauthServiceFile()))
        o.hint +=
            QStringLiteral(" (The KAuth helper is not installed either: no %1.)").arg(kauthServiceFile());
#endif
    return o;
}

void Session::noteAuthenticated()
{
    if (!m_escalated || m_auth.state != AuthOutcome::State::Trying)
        return;
    AuthOutcome ok;
    ok.state = AuthOutcome::State::Succeeded;
    ok.via = m_transport ? m_transport->description() : QString();
    setAuthOutcome(ok);
}

void Session::setAuthOutcome(AuthOutcome outcome)
{
    m_auth = std::move(outcome);
    Q_EMIT authOutcomeChanged();
}

Session::~Session()
{
    endRecording(static_cast<int>(RecordingEnd::Stopped));
    if (m_transport)
        m_transport->stop();
}

QString Session::sourceText() const
{
    switch (m_source) {
    case Source::None:
        return QStringLiteral("not connected");
    case Source::File:
        return QStringLiteral("file ") + QFileInfo(m_filePath).fileName();
    case Source::Live:
        return m_transport ? QStringLiteral("live, ") + m_transport->description() : QStringLiteral("live");
    }
    return {};
}

bool Session::privileged() const
{
    // A root scan may still miss a few processes (a hardened PID 1 refuses even root): that is
    // privileged all the same, since authenticating again would not show more.
    if (m_transport && m_transport->privileged())
        return true;
    return m_store->snapshot().host.privileged;
}

int Session::invisibleProcesses() const
{
    return m_store->snapshot().host.invisibleProcesses;
}

bool Session::startRecording(const QString &path, QString *error)
{
    auto refuse = [&](const QString &why) {
        if (error)
            *error = why;
        return false;
    };
    if (m_recorder)
        return refuse(QStringLiteral("already recording to %1").arg(m_recordingPath));
    if (m_source != Source::Live || m_store->isEmpty())
        return refuse(QStringLiteral("nothing live to record: connect to a host first"));
    try {
        auto writer = std::make_unique<RecordingWriter>(path.toStdString());
        const Snapshot &s = m_store->snapshot();
        // A recording leaves the app like any export: through Redact Names when it is on.
        const RedactionGate *gate = m_store->redaction();
        m_recordingRedacted = gate && gate->enabled();
        RecordingWriter::Header h;
        h.source = "nsviz";
        h.host = m_remote ? m_remote->displayName().toStdString() : s.host.hostname;
        h.intervalMs = m_intervalMs;
        h.startedAtMs = static_cast<std::uint64_t>(QDateTime::currentMSecsSinceEpoch());
        if (m_recordingRedacted) {
            h.host = gate->redactor().text(h.host);
            m_recordedRedacted = gate->redactor().apply(s);
        }
        writer->writeHeader(h);
        writer->writeSnapshot(0, m_recordingRedacted ? m_recordedRedacted : s);
        m_recorder = std::move(writer);
    } catch (const RecordingError &e) {
        return refuse(QString::fromStdString(e.what()));
    }
    m_recordingPath = path;
    m_recordingSeq = 0;
    m_recordingClock.start();
    Q_EMIT recordingChanged();
    return true;
}

void Session::stopRecording()
{
    endRecording(static_cast<int>(RecordingEnd::Stopped));
}

void Session::endRecording(int reason)
{
    if (!m_recorder)
        return;
    try {
        m_recorder->end(m_recordingClock.elapsed(), static_cast<RecordingEnd>(reason));
    } catch (const RecordingError &) {
        // The frames written stay readable; only the end line is missing.
    }
    m_recorder.reset();
    m_recordedRedacted = Snapshot();
    Q_EMIT recordingChanged();
}

void Session::recordChange(const SnapshotDelta &d)
{
    if (!m_recorder || d.empty())
        return;
    // The recording has its own sequence: resyncs and reconnects restart the transport's.
    SnapshotDelta copy = d;
    // Recordings keep the whole form (docs/schema.md): the store already holds the state after it.
    if (copy.compact()) {
        try {
            expandDeltaFromAfter(m_store->snapshot(), copy);
        } catch (const DeltaError &e) { // cannot happen once the store took it; never record a guess
            endRecording(static_cast<int>(RecordingEnd::SourceEnded));
            Q_EMIT liveFailed(QStringLiteral("Recording stopped: %1").arg(QString::fromUtf8(e.what())));
            return;
        }
    }
    if (m_recordingRedacted) {
        // The change between the redacted pictures: the raw delta carries the raw names. Redacted
        // to the end, even if the switch goes off meanwhile: the file is already a redacted one.
        Snapshot shown = m_store->redaction()->redactor().apply(m_store->snapshot());
        copy = computeDelta(m_recordedRedacted, shown);
        if (copy.empty())
            return;
        m_recordedRedacted = std::move(shown);
    }
    copy.seq = ++m_recordingSeq;
    try {
        m_recorder->writeDelta(m_recordingClock.elapsed(), copy);
    } catch (const RecordingError &e) {
        m_recorder.reset();
        Q_EMIT recordingChanged();
        Q_EMIT liveFailed(QStringLiteral("Recording stopped: %1").arg(QString::fromStdString(e.what())));
    }
}

void Session::disconnectLive()
{
    endRecording(static_cast<int>(RecordingEnd::SourceEnded));
    if (m_transport) {
        m_client->setTransport(nullptr);
        m_transport->stop();
        m_transport->deleteLater();
        m_transport = nullptr;
    }
    m_waiting = false;
}

void Session::connectLive(bool escalated)
{
    m_remote.reset();
    AuthOutcome o;
    if (escalated) {
        o.state = AuthOutcome::State::Trying;
        o.headline = QStringLiteral("Authenticating…");
    }
    setAuthOutcome(o);
    startLive(escalated);
}

void Session::startLive(bool escalated)
{
    ++m_attempt;
    if (m_source == Source::File && m_transport && m_client->isConnected() && (m_escalated || !escalated)) {
        // The connection kept open under a file view (demos this window started run on it): live
        // again on it, rather than a new one that would end those demos.
        m_source = Source::Live;
        m_filePath.clear();
        m_waiting = true;
        Q_EMIT stateChanged();
        if (!m_paused)
            m_client->subscribe(m_intervalMs);
        else
            m_client->scan();
        return;
    }
    disconnectLive();
    setPlayer(nullptr);
    m_escalated = escalated;
    m_source = Source::Live;
    m_filePath.clear();
    m_waiting = true;
    m_transport = m_remote ? makeRemoteTransport(*m_remote, this) : m_factory(escalated, this);
    m_client->setTransport(m_transport);
    if (escalated && m_auth.state == AuthOutcome::State::Trying) {
        m_auth.via = m_transport->description();
        m_auth.headline = QStringLiteral("Authenticating through %1…").arg(m_auth.via);
        Q_EMIT authOutcomeChanged();
    }
    Q_EMIT stateChanged();
    m_transport->start();
}

void Session::connectHost(const SshTarget &target)
{
    m_remote = target;
    setAuthOutcome({});
    startLive(false);
}

void Session::escalate()
{
    connectLive(true);
}

void Session::onSnapshot(const Snapshot &s)
{
    if (m_source != Source::Live)
        return;
    noteAuthenticated(); // a snapshot through the escalated path: it worked
    m_waiting = false;
    m_lastUpdate = QDateTime::currentDateTime();
    // A full snapshot of the same host after a resync: apply it as a delta so the picture stays put.
    const Snapshot &cur = m_store->snapshot();
    if (!m_store->isEmpty() && cur.host.bootId == s.host.bootId && cur.host.hostname == s.host.hostname) {
        const SnapshotDelta d = computeDelta(cur, s);
        if (m_store->applyDelta(d)) {
            recordChange(d);
            Q_EMIT stateChanged();
            return;
        }
    }
    // Another host or boot: what was recorded does not continue into this.
    endRecording(static_cast<int>(RecordingEnd::SourceEnded));
    m_store->setSnapshot(s);
    Q_EMIT stateChanged();
}

void Session::onDelta(const SnapshotDelta &d)
{
    if (m_source != Source::Live || m_paused)
        return;
    m_lastUpdate = QDateTime::currentDateTime();
    if (m_store->applyDelta(d)) {
        recordChange(d);
        releaseMemoryAfterLoadLeft();
    } else {
        resync(QStringLiteral("delta seq %1 does not fit the snapshot shown").arg(d.seq));
    }
    Q_EMIT stateChanged();
}

void Session::releaseMemoryAfterLoadLeft()
{
    // Deltas free what they replace; glibc keeps free pages in the middle of the heap resident.
    // Now and then (mallinfo2 walks the free lists) hand them back when there are megabytes of them.
    if (!m_heapClock.isValid() || m_heapClock.elapsed() > 10000) {
        m_heapClock.start();
        releaseFreeHeap(16ul << 20);
    }
    // The rows, tree nodes and dots of processes that left are freed, but glibc keeps the freed
    // heap for reuse, so after a burst the GUI would stay at its peak RSS for good. When the host
    // has shed half of its processes since the last time, hand the free memory back (from the
    // event loop, after the views have dropped what they held).
    const int now = m_store->counts().processes;
    m_processMark = std::max(m_processMark, now);
    if (now * 2 > m_processMark)
        return;
    m_processMark = now;
#ifdef __GLIBC__
    QTimer::singleShot(0, this, [] { malloc_trim(0); });
#endif
}

void Session::resync(const QString &why)
{
    ++m_resyncs;
    qCWarning(lcWindow).noquote() << "resyncing:" << why;
    // A new subscription, not a one-shot scan: a scan's snapshot is taken at another moment than
    // the subscription's base, so the subscription's next delta would not fit it either (a process
    // that started or exited in between is added or removed twice: "delta removes process … which
    // is not in the snapshot"). The transport drops what is still in flight for the old
    // subscription; the new one starts with a seq-0 snapshot, which onSnapshot() applies as a
    // delta against what we show, so the picture does not jump.
    if (m_paused)
        m_client->scan(); // no deltas follow a paused view's scan
    else
        m_client->subscribe(m_intervalMs);
}

void Session::endBurst()
{
    if (std::exchange(m_inBurst, false))
        m_store->endBatch();
}

void Session::onFailed(Transport::Error e, const QString &message)
{
    endBurst(); // a transport torn down in the middle of a burst ends it
    m_waiting = false;
    if (m_remote) {
        // The user asked for that host: no fallback to this one, the cause in words.
        Q_EMIT liveFailed(remoteFailureText(e, m_remote->displayName(), message));
        Q_EMIT stateChanged();
        return;
    }
    const bool authenticating = m_escalated && m_auth.state == AuthOutcome::State::Trying;
    if (authenticating || (m_escalated && m_store->isEmpty())) {
        // Authentication refused, cancelled or impossible (no agent, no pkexec, no helper): say which,
        // and show what we can see without privileges rather than nothing (or a frozen picture);
        // the banner offers to try again.
        AuthOutcome o = explainAuthFailure(e, m_transport ? m_transport->description() : QString(), message);
        setAuthOutcome(o);
        Q_EMIT liveFailed(o.headline + QStringLiteral(": ") + message +
                          QStringLiteral("\nShowing what is visible without privileges."));
        // Unless the user went elsewhere meanwhile (another connect, a file).
        QMetaObject::invokeMethod(
            this,
            [this, attempt = m_attempt]() {
                if (attempt == m_attempt)
                    startLive(false);
            },
            Qt::QueuedConnection);
        Q_EMIT stateChanged();
        return;
    }
    Q_EMIT liveFailed(message);
    Q_EMIT stateChanged();
}

void Session::refresh()
{
    // Live and subscribed: a fresh subscription (see resync()); paused: one scan.
    if (m_source == Source::Live)
        m_paused ? m_client->scan() : m_client->subscribe(m_intervalMs);
    else if (m_source == Source::File)
        openFile(m_filePath);
}

void Session::setPaused(bool paused)
{
    if (paused == m_paused)
        return;
    m_paused = paused;
    // Unsubscribing (not just ignoring deltas) keeps the transport's base equal to what we show.
    if (paused)
        m_client->unsubscribe();
    else
        m_client->subscribe(m_intervalMs);
    Q_EMIT stateChanged();
}

void Session::setIntervalMs(int ms)
{
    m_intervalMs = std::clamp(ms, 250, 60000);
    if (!m_paused)
        m_client->subscribe(m_intervalMs);
    Q_EMIT stateChanged();
}

Snapshot Session::loadFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        throw std::runtime_error(QStringLiteral("cannot open: %1").arg(f.errorString()).toStdString());
    if (f.size() > kMaxSnapshotFile)
        throw std::runtime_error("file too large for a snapshot");
    return snapshotFromJsonText(f.readAll().toStdString());
}

RecordingPlayer *Session::player() const
{
    return m_player;
}

void Session::setPlayer(RecordingPlayer *player)
{
    if (m_player == player)
        return;
    delete m_player;
    m_player = player;
    Q_EMIT playerChanged();
}

void Session::openFile(const QString &path)
{
    // Parse in the thread pool; only a complete, valid snapshot or recording replaces the view.
    struct Loaded {
        std::shared_ptr<Snapshot> snapshot;
        std::shared_ptr<const Recording> recording;
        QString error;
        /// FILE@SECONDS / FILE@end of a recording (docs/recording.md): where the timeline starts.
        std::optional<qint64> seekMs;
        bool seekEnd = false;
    };
    const quint64 generation = ++m_fileGeneration;
    auto *watcher = new QFutureWatcher<Loaded>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, path, generation]() {
        watcher->deleteLater();
        Loaded loaded = watcher->result();
        if (generation != m_fileGeneration)
            return; // a later open superseded this one
        if (!loaded.snapshot && !loaded.recording) {
            Q_EMIT fileFailed(path, loaded.error);
            return;
        }
        // Closing the live connection would end the demo containers this window started on it
        // (they follow their owner); when asked to, keep it open, unsubscribed.
        if (m_keep && m_transport && m_keep())
            m_client->unsubscribe();
        else
            disconnectLive();
        ++m_attempt;
        setAuthOutcome({});
        m_remote.reset();
        m_source = Source::File;
        m_filePath = path;
        if (loaded.recording) {
            const auto &h = loaded.recording->header();
            m_lastUpdate = h.startedAtMs ? QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(h.startedAtMs))
                                         : QFileInfo(path).lastModified();
            // The player shows frame 0 and moves the store on every seek.
            setPlayer(new RecordingPlayer(loaded.recording, m_store, this));
            if (loaded.seekEnd)
                m_player->seekFrame(int(m_player->frameCount()) - 1);
            else if (loaded.seekMs)
                m_player->seekMs(*loaded.seekMs);
        } else {
            setPlayer(nullptr);
            // The capture time the snapshot carries; the file's time when it does not.
            m_lastUpdate =
                loaded.snapshot->host.scannedAtMs
                    ? QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(loaded.snapshot->host.scannedAtMs))
                    : QFileInfo(path).lastModified();
            m_store->setSnapshot(std::move(*loaded.snapshot));
        }
        Q_EMIT fileOpened(path);
        Q_EMIT stateChanged();
    });
    watcher->setFuture(QtConcurrent::run([path]() -> Loaded {
        try {
            // A recording's moment, as `nsviz-helper compare` and `--screenshot` take it; a file
            // whose name really ends in "@5" is that file.
            MomentSpec m = parseMomentSpec(path.toStdString());
            if (m.hasMoment && !QFileInfo::exists(QString::fromStdString(m.path)) && QFileInfo::exists(path))
                m = MomentSpec{path.toStdString()};
            const QString file = QString::fromStdString(m.path);
            {
                QFile f(file);
                if (f.open(QIODevice::ReadOnly) && looksLikeRecording(f.read(4096).toStdString())) {
                    Loaded out;
                    out.recording = std::make_shared<const Recording>(Recording::load(m.path));
                    if (!m.atEnd && m.ms > out.recording->durationMs())
                        throw RecordingError(path.toStdString() + ": the recording lasts " +
                                             std::to_string(out.recording->durationMs() / 1000.0) + " s");
                    out.seekEnd = m.atEnd;
                    if (m.hasMoment && !m.atEnd)
                        out.seekMs = m.ms;
                    return out;
                }
            }
            if (m.hasMoment)
                throw RecordingError(m.path + " is a snapshot file, not a recording: it has no moments");
            Loaded out;
            out.snapshot = std::make_shared<Snapshot>(loadFile(file));
            return out;
        } catch (const std::exception &e) {
            Loaded out;
            out.error = QString::fromStdString(e.what());
            return out;
        }
    }));
}

bool Session::saveFile(const QString &path, bool redact, QString *error)
{
    const Snapshot &s = m_store->snapshot();
    const std::string text = toJson(redact ? Redactor::redacted(s) : s).dump(1) + "\n";
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) ||
        f.write(text.data(), static_cast<qint64>(text.size())) != static_cast<qint64>(text.size()) ||
        !f.commit()) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(path, f.errorString());
        return false;
    }
    return true;
}

} // namespace nsviz
