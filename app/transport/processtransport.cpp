// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/transport/processtransport.h"

#include "core/protocol/protocol.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QRegularExpression>
#include <QStandardPaths>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <variant>

namespace nsviz
{

using namespace protocol;

namespace
{
QString fromStd(const std::string &s)
{
    return QString::fromStdString(s);
}
} // namespace

ProcessTransport::ProcessTransport(Options options, QObject *parent)
    : Transport(parent), m_options(std::move(options))
{
    if (m_options.helperPath.isEmpty())
        m_options.helperPath = defaultHelperPath();
    if (m_options.connectTimeoutMs < 0)
        m_options.connectTimeoutMs = m_options.mode == Mode::Direct ? 15000
                                     : m_options.mode == Mode::Ssh  ? 60000  // BatchMode: nobody types
                                                                    : 300000; // a human types a password
    m_watchdog.setSingleShot(true);
    connect(&m_watchdog, &QTimer::timeout, this, [this] {
        fail(Error::Timeout,
             m_state == State::Starting
                 ? tr("The helper did not answer within %1 s.").arg(m_options.connectTimeoutMs / 1000)
                 : tr("The helper stopped answering (nothing for %1 s).")
                       .arg(m_options.responseTimeoutMs / 1000));
    });
    connect(&m_keepalive, &QTimer::timeout, this, [this] {
        if (m_state == State::Connected && m_pending.isEmpty())
            send(RequestType::Ping);
    });
    m_killTimer.setSingleShot(true);
    connect(&m_killTimer, &QTimer::timeout, this, [this] {
        if (m_process)
            m_process->kill();
    });
}

ProcessTransport::~ProcessTransport()
{
    if (m_process) {
        // Closing stdin makes the helper end cleanly (it runs its end hooks); then make sure.
        m_process->disconnect(this);
        m_process->closeWriteChannel();
        m_process->kill();
        m_process->waitForFinished(1000);
    }
}

QString ProcessTransport::defaultHelperPath()
{
    const QString env = qEnvironmentVariable("NSVIZ_HELPER");
    if (!env.isEmpty())
        return env;
    const QString beside = QCoreApplication::applicationDirPath() + QStringLiteral("/nsviz-helper");
    if (QCoreApplication::instance() && QFileInfo(beside).isExecutable())
        return beside;
    return QStringLiteral("/usr/bin/nsviz-helper");
}

QString ProcessTransport::description() const
{
    switch (m_options.mode) {
    case Mode::Pkexec:
        return tr("nsviz-helper (pkexec)");
    case Mode::Sudo:
        return tr("nsviz-helper (sudo)");
    case Mode::Ssh:
        return m_options.ssh ? tr("nsviz-helper on %1 (ssh)").arg(m_options.ssh->displayName())
                             : tr("nsviz-helper (ssh)");
    case Mode::Direct:
        break;
    }
    return tr("nsviz-helper");
}

qint64 ProcessTransport::processId() const
{
    return m_process ? m_process->processId() : 0;
}

QString ProcessTransport::stderrTail() const
{
    QString s = QString::fromUtf8(m_stderr).trimmed();
    const auto lines = s.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    return lines.isEmpty() ? QString() : lines.last().trimmed();
}

void ProcessTransport::start()
{
    if (m_state != State::Idle)
        return;
    if (m_options.mode == Mode::Ssh && !m_options.ssh) {
        fail(Error::Other, tr("No remote host given."));
        return;
    }
    if (m_options.mode != Mode::Ssh && !QFileInfo(m_options.helperPath).isExecutable()) {
        fail(Error::HelperMissing,
             tr("The helper %1 is not installed or not executable.").arg(m_options.helperPath));
        return;
    }
    QString program = m_options.helperPath;
    const bool demos = m_options.demos.value_or(
        m_options.mode == Mode::Direct || qEnvironmentVariable("NSVIZ_HELPER_DEMOS") == QLatin1String("1"));
    QStringList args{demos ? QStringLiteral("serve-demos") : QStringLiteral("serve")};
    args += m_options.helperArgs;
    if (m_options.mode == Mode::Ssh) {
        const QString ssh = m_options.ssh->sshPath;
        const QString found = ssh.contains(QLatin1Char('/')) ? ssh : QStandardPaths::findExecutable(ssh);
        if (found.isEmpty() || !QFileInfo(found).isExecutable()) {
            fail(Error::AuthToolMissing,
                 tr("%1 is not installed (the OpenSSH client is needed for remote hosts).").arg(ssh));
            return;
        }
        program = found;
        args = m_options.ssh->sshArguments(args.join(QLatin1Char(' ')));
    } else if (m_options.mode != Mode::Direct) {
        const QString wrapper = m_options.mode == Mode::Pkexec ? m_options.pkexecPath : m_options.sudoPath;
        const QString found =
            wrapper.contains(QLatin1Char('/')) ? wrapper : QStandardPaths::findExecutable(wrapper);
        if (found.isEmpty() || !QFileInfo(found).isExecutable()) {
            // The helper is there (checked above): only the way to run it as root is missing.
            fail(Error::AuthToolMissing, wrapper.contains(QLatin1Char('/'))
                                             ? tr("%1 is not installed or not executable.").arg(wrapper)
                                             : tr("%1 is not installed (not found on PATH).").arg(wrapper));
            return;
        }
        args.prepend(program);
        if (m_options.mode == Mode::Sudo)
            args.prepend(QStringLiteral("-n")); // never prompt on a terminal the GUI does not have
        program = found;
    }
    m_session.reset();
    m_stderr.clear();
    m_pending.clear();
    m_userRequests.clear();
    m_scanIds.clear();
    m_privileged = false;
    m_process = std::make_unique<QProcess>();
    connect(m_process.get(), &QProcess::readyReadStandardOutput, this, &ProcessTransport::onReadyRead);
    connect(m_process.get(), &QProcess::readyReadStandardError, this, [this] {
        m_stderr += m_process->readAllStandardError();
        if (m_stderr.size() > 8192)
            m_stderr = m_stderr.right(8192);
    });
    connect(m_process.get(), &QProcess::finished, this, &ProcessTransport::onFinished);
    connect(m_process.get(), &QProcess::errorOccurred, this, &ProcessTransport::onErrorOccurred);
    m_state = State::Starting;
    m_process->start(program, args);
    m_helloId = send(RequestType::Hello);
}

void ProcessTransport::stop()
{
    if (m_state == State::Idle || m_state == State::Stopping)
        return;
    m_subscribeMs = 0;
    m_state = State::Stopping;
    m_watchdog.stop();
    m_keepalive.stop();
    send(RequestType::Bye);
    m_process->closeWriteChannel();
    m_killTimer.start(3000);
}

quint64 ProcessTransport::send(RequestType type, const nlohmann::json &extra)
{
    const quint64 id = m_nextId++;
    sendLine(requestLine(type, id, extra));
    if (type != RequestType::Bye)
        m_pending.insert(id);
    armWatchdog();
    return id;
}

void ProcessTransport::sendLine(const std::string &line)
{
    // QProcess buffers what is written before the program has started.
    if (m_process)
        m_process->write(line.data(), static_cast<qint64>(line.size()));
}

void ProcessTransport::armWatchdog()
{
    if (m_state == State::Starting)
        m_watchdog.start(m_options.connectTimeoutMs);
    else if (m_state == State::Connected && !m_pending.isEmpty())
        m_watchdog.start(m_options.responseTimeoutMs);
    else
        m_watchdog.stop();
}

void ProcessTransport::requestScan()
{
    if (m_state == State::Connected)
        m_scanIds.insert(send(RequestType::Scan));
}

void ProcessTransport::subscribe(int intervalMs)
{
    m_subscribeMs = std::clamp(intervalMs, kMinIntervalMs, kMaxIntervalMs);
    if (m_state == State::Connected)
        m_subscribeId = send(RequestType::Subscribe, subscribeArgs());
}

nlohmann::json ProcessTransport::subscribeArgs() const
{
    nlohmann::json args{{"interval_ms", m_subscribeMs}};
    // Deltas that cost what changed, not what the host holds; an older helper (over ssh) that does
    // not offer them would refuse the field, and sends whole objects, which the store takes too.
    if (m_memberDeltas)
        args["member_deltas"] = true;
    return args;
}

void ProcessTransport::unsubscribe()
{
    m_subscribeMs = 0;
    m_subscribeId = 0;
    if (m_state == State::Connected)
        send(RequestType::Unsubscribe);
}

quint64 ProcessTransport::request(const QByteArray &requestJson)
{
    const quint64 id = m_nextId++;
    m_userRequests.insert(id);
    nlohmann::json j =
        nlohmann::json::parse(requestJson.constBegin(), requestJson.constEnd(), nullptr, false);
    if (!j.is_object() || !j.contains("type") || !j["type"].is_string() || m_state != State::Connected) {
        const char *why = m_state != State::Connected ? "not connected to the helper"
                                                      : "request is not a JSON object with a type";
        const QByteArray frame = QByteArray::fromStdString(dumpFrame(errorFrame(id, err::BadRequest, why)));
        // Answer asynchronously, like a real reply.
        QTimer::singleShot(0, this, [this, id, frame] {
            m_userRequests.remove(id);
            Q_EMIT replyReceived(id, frame);
        });
        return id;
    }
    j["v"] = kVersion;
    j["id"] = id;
    sendLine(dumpFrame(j) + '\n');
    m_pending.insert(id);
    armWatchdog();
    return id;
}

void ProcessTransport::onReadyRead()
{
    m_drainScheduled = false;
    if (!m_process)
        return;
    // At most 1 MiB per turn of the event loop: a 10 MiB snapshot must not freeze the GUI while
    // it is parsed. The rest is taken on the next turn.
    const QByteArray bytes = m_process->read(1 << 20);
    auto events = m_session.feed(std::string_view(bytes.constData(), static_cast<std::size_t>(bytes.size())));
    // Deltas that queued up while the GUI was busy are handed over as one burst, so that the
    // views redo what costs the whole picture once, not once per delta: the GUI catches up.
    const bool burst = std::count_if(events.begin(), events.end(), [](const ClientEvent &e) {
                           return std::holds_alternative<event::Delta>(e);
                       }) > 1;
    if (burst)
        Q_EMIT deltasBegin();
    for (auto &e : events) {
        if (!m_process)
            break; // a failure tore the connection down
        handle(e);
    }
    if (burst)
        Q_EMIT deltasEnd();
    if (!m_process)
        return;
    // Any byte is a sign of life; chunks of a long snapshot keep the watchdog quiet.
    if (m_state != State::Stopping)
        armWatchdog();
    if (m_process->bytesAvailable() > 0 && !m_drainScheduled) {
        m_drainScheduled = true;
        QTimer::singleShot(0, this, &ProcessTransport::onReadyRead);
    }
}

void ProcessTransport::handle(ClientEvent &e)
{
    if (auto *h = std::get_if<event::Hello>(&e)) {
        m_pending.remove(h->id);
        if (h->id != m_helloId || m_state != State::Starting)
            return;
        m_privileged = h->privileged;
        m_helperVersion = fromStd(h->helperVersion);
        m_kernel = fromStd(h->kernel);
        m_memberDeltas = std::find(h->capabilities.begin(), h->capabilities.end(), "member-deltas") !=
                         h->capabilities.end();
        m_state = State::Connected;
        m_keepalive.start(m_options.keepaliveMs);
        // Requests from here on are this connection's. A subscription asked for before it (while
        // connecting, or on the helper that died) resumes, unless a slot of connected() subscribed
        // already: a second subscribe would make the helper read the first picture twice, the
        // client waiting for the second (seen: ~150 ms later at 10k processes).
        const quint64 firstId = m_nextId;
        Q_EMIT connected();
        if (m_subscribeMs > 0 && m_state == State::Connected && m_subscribeId < firstId)
            m_subscribeId = send(RequestType::Subscribe, subscribeArgs());
    } else if (auto *p = std::get_if<event::Progress>(&e)) {
        Q_EMIT snapshotProgress(static_cast<int>(std::min<std::size_t>(p->received, INT_MAX)),
                                static_cast<int>(std::min<std::size_t>(p->total, INT_MAX)));
    } else if (auto *s = std::get_if<event::SnapshotDone>(&e)) {
        m_pending.remove(s->id);
        // A snapshot of an old, replaced subscription is stale.
        if ((s->id == m_subscribeId && m_subscribeMs > 0) || m_scanIds.remove(s->id))
            Q_EMIT snapshotReceived(s->snapshot);
    } else if (auto *d = std::get_if<event::Delta>(&e)) {
        if (d->id == m_subscribeId && m_subscribeMs > 0)
            Q_EMIT deltaReceived(d->delta);
    } else if (auto *r = std::get_if<event::Reply>(&e)) {
        m_pending.remove(r->id);
        if (m_userRequests.remove(r->id))
            Q_EMIT replyReceived(r->id, QByteArray::fromStdString(r->text));
    } else if (auto *er = std::get_if<event::Error>(&e)) {
        m_pending.remove(er->id);
        if (m_userRequests.remove(er->id)) {
            Q_EMIT replyReceived(
                er->id, QByteArray::fromStdString(dumpFrame(errorFrame(er->id, er->code, er->message))));
        } else {
            m_scanIds.remove(er->id);
            const bool update = er->id == m_subscribeId && er->code == err::ScanFailed;
            if (er->id == m_subscribeId && !update)
                m_subscribeId = 0;
            // The connection stays up: a failed scan or a refused request is not a dead helper. A
            // subscription's failed update is not a refusal: the helper goes on (a live one sends
            // its whole picture again, docs/protocol.md).
            Q_EMIT failed(Error::Other,
                          update ? tr("A live update failed: %1").arg(fromStd(er->message))
                                 : tr("The helper refused a request: %1").arg(fromStd(er->message)));
        }
    } else if (auto *v = std::get_if<event::Violation>(&e)) {
        fail(v->kind == event::Violation::Kind::Mismatch ? Error::ProtocolMismatch : Error::Other,
             v->kind == event::Violation::Kind::Mismatch
                 ? (m_options.mode == Mode::Ssh
                        ? tr("The helper on %1 does not speak this version of the nsviz protocol (install "
                             "the same nsviz version there): %2")
                              .arg(m_options.ssh->displayName(), fromStd(v->message))
                        : tr("The helper does not speak this version of the nsviz protocol: %1")
                              .arg(fromStd(v->message)))
                 : tr("The helper sent broken data: %1").arg(fromStd(v->message)));
    }
}

void ProcessTransport::onErrorOccurred(QProcess::ProcessError error)
{
    // The program is the helper itself only in Direct mode; otherwise pkexec/sudo would not start.
    if (error == QProcess::FailedToStart && m_process)
        fail(m_options.mode == Mode::Direct ? Error::HelperMissing : Error::AuthToolMissing,
             tr("Could not start %1: %2").arg(m_process->program(), m_process->errorString()));
}

void ProcessTransport::onFinished(int exitCode, QProcess::ExitStatus status)
{
    if (!m_process)
        return;
    // Whatever is still in the pipe, before judging the exit.
    while (m_process && m_process->bytesAvailable() > 0)
        onReadyRead();
    if (!m_process)
        return;
    m_stderr += m_process->readAllStandardError();
    if (m_state == State::Stopping) {
        teardown();
        Q_EMIT disconnected();
        return;
    }
    const QString detail = stderrTail();
    if (m_state == State::Starting && status == QProcess::NormalExit) {
        // Before the helper ever answered: the wrapper's verdict.
        if (m_options.mode == Mode::Pkexec) {
            const auto verdict = pkexecVerdict(exitCode, QString::fromUtf8(m_stderr));
            if (verdict) {
                fail(verdict->first, verdict->second);
                return;
            }
        }
        if (m_options.mode == Mode::Ssh) {
            const auto verdict =
                sshVerdict(exitCode, QString::fromUtf8(m_stderr), m_options.ssh->displayName());
            if (verdict) {
                fail(verdict->first, verdict->second);
                return;
            }
        }
        if (m_options.mode == Mode::Sudo && exitCode == 1 &&
            (detail.contains(QLatin1String("password")) || detail.contains(QLatin1String("not allowed")) ||
             detail.contains(QLatin1String("sudoers")))) {
            fail(Error::Denied, tr("sudo refused to run the nsviz helper: %1").arg(detail));
            return;
        }
    }
    QString msg = status == QProcess::CrashExit
                      ? tr("The helper crashed.")
                      : tr("The helper exited unexpectedly (exit code %1).").arg(exitCode);
    if (!detail.isEmpty())
        msg += QLatin1Char(' ') + detail;
    fail(Error::HelperDied, msg);
}

std::optional<std::pair<Transport::Error, QString>>
ProcessTransport::sshVerdict(int exitCode, const QString &stderrText, const QString &host)
{
    // ssh(1): "ssh exits with the exit status of the remote command or with 255 if an error
    // occurred". Its messages are stable across OpenSSH releases; they are matched, not parsed.
    const QString err = stderrText.trimmed();
    QString last;
    for (const QString &line : err.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
        if (!line.trimmed().startsWith(QLatin1Char('@'))) // the banner of a changed key
            last = line.trimmed();
    auto has = [&](const char *needle) { return err.contains(QLatin1String(needle), Qt::CaseInsensitive); };
    if (exitCode == 255) {
        if (has("REMOTE HOST IDENTIFICATION HAS CHANGED") || has("Host key for") || has("key has changed"))
            return std::pair{Error::HostKeyChanged,
                             tr("The host key of %1 has CHANGED since it was recorded in known_hosts: "
                                "someone may be impersonating the host, or it was reinstalled. Check the new "
                                "key with its administrator before removing the old one (ssh-keygen -R). %2")
                                 .arg(host, last)};
        if (has("Host key verification failed") || has("host key is known") || has("No matching host key"))
            return std::pair{Error::HostKeyUnknown,
                             tr("The host key of %1 is not known (not in known_hosts), and nsviz does not "
                                "accept keys unseen: connect once with ssh in a terminal to check and "
                                "record it. %2")
                                 .arg(host, last)};
        if (has("Permission denied") || has("Too many authentication failures") ||
            has("no more authentication methods"))
            return std::pair{Error::AuthRefused,
                             tr("%1 refused the login (no key it accepts was offered; nsviz never "
                                "asks for passwords: use a key, or the ssh agent). %2")
                                 .arg(host, last)};
        if (has("Connection refused") || has("No route to host") || has("Could not resolve hostname") ||
            has("Name or service not known") || has("Connection timed out") ||
            has("Network is unreachable") || has("timed out during banner exchange") ||
            has("Temporary failure in name resolution"))
            return std::pair{Error::Unreachable, tr("%1 cannot be reached: %2").arg(host, last)};
        if (!err.isEmpty())
            return std::pair{Error::Other, tr("ssh to %1 failed: %2").arg(host, last)};
        return std::nullopt;
    }
    if (has("sudo:") && (has("password is required") || has("not in the sudoers") || has("not allowed")))
        return std::pair{Error::Denied,
                         tr("sudo on %1 refused to run the helper without a password: %2").arg(host, last)};
    // With --remote-sudo the shell may miss sudo itself: "bash: line 1: sudo: command not found",
    // dash's "sh: 1: sudo: not found". Then the helper may well be there.
    static const QRegularExpression sudoMissing(QStringLiteral("(^|[\\s:])sudo: (command )?not found"),
                                                QRegularExpression::MultilineOption);
    if ((exitCode == 127 || exitCode == 126) && sudoMissing.match(err).hasMatch())
        return std::pair{Error::AuthToolMissing,
                         tr("sudo is not installed on %1 (or not on the remote PATH), and --remote-sudo "
                            "needs it: %2")
                             .arg(host, last)};
    if (exitCode == 127 || exitCode == 126 || has("command not found") || has(": not found"))
        return std::pair{
            Error::HelperMissing,
            tr("nsviz-helper is not installed on %1 (or not on the remote PATH): %2").arg(host, last)};
    return std::nullopt;
}

std::optional<std::pair<Transport::Error, QString>> ProcessTransport::pkexecVerdict(int exitCode,
                                                                                    const QString &stderrText)
{
    // pkexec(1): 126 when the user dismissed the authentication dialog; 127 when not authorized,
    // when no authentication could be obtained, or on an error. Only its message tells those apart
    // (polkit's pkexec.c prints "Error executing command as another user: <reason>").
    const QString err = stderrText.trimmed();
    const QString last = err.section(QLatin1Char('\n'), -1).trimmed();
    if (exitCode == 126)
        return std::pair{Error::Cancelled, tr("Authentication was cancelled (the dialog was dismissed).")};
    if (exitCode != 127)
        return std::nullopt;
    if (err.contains(QLatin1String("No authentication agent found"), Qt::CaseInsensitive))
        return std::pair{Error::NoAuthAgent,
                         tr("pkexec found no polkit authentication agent to ask for your password.")};
    if (err.contains(QLatin1String("Not authorized"), Qt::CaseInsensitive))
        return std::pair{Error::Denied, tr("polkit did not authorize running the nsviz helper.")};
    if (err.contains(QLatin1String("Cannot run program"), Qt::CaseInsensitive))
        return std::pair{Error::HelperMissing, tr("pkexec could not run the helper: %1").arg(last)};
    if (err.contains(QLatin1String("must be setuid root"), Qt::CaseInsensitive))
        return std::pair{Error::AuthToolMissing, tr("pkexec is not usable: %1").arg(last)};
    if (err.isEmpty())
        return std::nullopt; // the helper itself may have exited 127: judged as a dead helper
    return std::pair{Error::Other, tr("pkexec failed (exit 127): %1").arg(last)};
}

void ProcessTransport::fail(Error error, const QString &message)
{
    const bool wasRunning = m_process != nullptr;
    teardown();
    Q_EMIT failed(error, message);
    if (wasRunning)
        Q_EMIT disconnected();
}

void ProcessTransport::teardown()
{
    m_watchdog.stop();
    m_keepalive.stop();
    m_killTimer.stop();
    m_pending.clear();
    m_state = State::Idle;
    if (m_process) {
        // Never wait here (GUI thread): disconnect, kill, and let the QProcess reap in the background.
        // Parented to us, so a transport destroyed before the kill is reaped does not leak it.
        QProcess *p = m_process.release();
        p->disconnect(this);
        p->setParent(this);
        p->closeWriteChannel();
        if (p->state() != QProcess::NotRunning) {
            connect(p, &QProcess::finished, p, &QObject::deleteLater);
            p->kill();
        } else {
            p->deleteLater();
        }
    }
}

} // namespace nsviz
