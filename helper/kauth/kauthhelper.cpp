// SPDX-License-Identifier: GPL-2.0-or-later
#include "helper/kauth/kauthhelper.h"

#include "core/proc/procfiles.h"
#include "core/proc/procreader.h"
#include "helper/demo/demoserve.h"
#include "helper/kauth/privatechannel.h"
#include "helper/kauth/requestprocess.h"
#include "helper/kauth/requestrunner.h"

#include <KAuth/HelperSupport>

#include <QLoggingCategory>

#include <chrono>
#include <csignal>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <variant>

#ifndef NSVIZ_INSTALLED_HELPER
#error "NSVIZ_INSTALLED_HELPER (the installed nsviz-helper) must be defined by the build"
#endif

namespace nsviz::kauth
{

namespace
{

// The helper is a process of its own (started by KAuth over D-Bus), so it has its own category rather
// than app/logging's; its stderr goes to the journal.
Q_LOGGING_CATEGORY(lcKAuth, "nsviz.kauth", QtInfoMsg)

QString q(const std::string &s)
{
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

// The owner of a demo being started. Set by run() on the main thread for one demostart, read by
// the demo handler on the serve thread; KAuth serves one action at a time.
std::mutex g_ownerMutex;

// How long the caller has to connect to the private channel after it was announced, and to read
// a frame before the helper gives up on it: a vanished client never keeps root waiting.
constexpr std::chrono::milliseconds kChannelAcceptTimeout{30000};
constexpr std::chrono::milliseconds kChannelWriteTimeout{30000};
std::optional<nsviz::helper::DemoOwner> g_owner;
std::optional<std::uint32_t> g_callerUid; ///< KAuth's caller of the current action: owns its demos

/// True when every uid on the "Uid:" line of /proc/PID/status (real, effective, saved, fs) is
/// @p uid: the process is the caller's own, and not a set-uid program the caller merely started.
bool ownedByUid(int pid, int uid)
{
    std::string text;
    if (uid < 0 || nsviz::ProcReader::readFile("/proc/" + std::to_string(pid) + "/status", text) != 0)
        return false;
    nsviz::procparse::Status status;
    nsviz::procparse::parseStatus(text, status, nsviz::procparse::StatusScope::Ids);
    if (!status.uid)
        return false;
    const auto want = static_cast<std::uint32_t>(uid);
    const nsviz::procparse::IdSet &ids = *status.uid;
    return ids.real == want && ids.effective == want && ids.saved == want && ids.fs == want;
}

} // namespace

KAuthHelper::KAuthHelper()
{
    // The serve loop reports a closed pipe as EPIPE; never die of SIGPIPE as root mid-request.
    std::signal(SIGPIPE, SIG_IGN);

    // demo_start/demo_stop/demo_list through serve's own handlers. Each KAuth action is its own
    // short serve connection, so demos must not end with it: they end with demostop, their
    // lifetime, or the verified client process that asked for them (owner_pid).
    nsviz::helper::DemoServeOptions o;
    o.manager.helperPath = NSVIZ_INSTALLED_HELPER; // /proc/self/exe is this KAuth helper
    o.owner = []() -> std::optional<nsviz::helper::DemoOwner> {
        std::lock_guard lock(g_ownerMutex);
        return g_owner;
    };
    o.stopOnConnectionEnd = false;
    o.callerUid = []() -> std::optional<std::uint32_t> {
        std::lock_guard lock(g_ownerMutex);
        return g_callerUid;
    };
    nsviz::helper::addDemoServeExtension(o);
}

KAuth::ActionReply KAuthHelper::scan(const QVariantMap &args)
{
    return run(Verb::Scan, args);
}

KAuth::ActionReply KAuthHelper::inspect(const QVariantMap &args)
{
    return run(Verb::Inspect, args);
}

KAuth::ActionReply KAuthHelper::demostart(const QVariantMap &args)
{
    return run(Verb::DemoStart, args);
}

KAuth::ActionReply KAuthHelper::demostop(const QVariantMap &args)
{
    return run(Verb::DemoStop, args);
}

KAuth::ActionReply KAuthHelper::demolist(const QVariantMap &args)
{
    return run(Verb::DemoList, args);
}

KAuth::ActionReply KAuthHelper::run(Verb verb, const QVariantMap &args)
{
    const auto parsed = parseKAuthArgs(verb, args);
    if (const auto *err = std::get_if<KAuthArgError>(&parsed)) {
        // Refused before touching /proc. KAuth drops the data of a failed reply, so the request
        // id (when it could be read) goes into the description.
        KAuth::ActionReply reply = KAuth::ActionReply::HelperErrorReply(error::BadArguments);
        reply.setErrorDescription(QStringLiteral("bad_request (request %1): ").arg(err->id) + err->message);
        qCWarning(lcKAuth).noquote() << verbName(verb) << "refused:" << err->message;
        return reply;
    }
    const KAuthRequest req = std::get<KAuthRequest>(parsed);

    if (m_busy) {
        KAuth::ActionReply reply = KAuth::ActionReply::HelperErrorReply(error::Busy);
        reply.setErrorDescription(QStringLiteral("busy: the helper is serving another request"));
        return reply;
    }
    m_busy = true;

    {
        // Demos belong to the user who asked (demo list/stop see only theirs); unknown: refused.
        const int uid = KAuth::HelperSupport::callerUid();
        std::lock_guard lock(g_ownerMutex);
        g_callerUid = uid >= 0 ? std::optional<std::uint32_t>(std::uint32_t(uid)) : std::nullopt;
    }
    if (req.verb == Verb::DemoStart) {
        // The owner must be the caller's own process, pinned by its start time so that a reused
        // pid cannot make someone else's process the owner. None: the demo lives until demostop
        // or its lifetime ends.
        std::optional<nsviz::helper::DemoOwner> owner;
        if (req.ownerPid > 0) {
            const int uid = KAuth::HelperSupport::callerUid();
            const auto start = nsviz::ProcReader::startTime(req.ownerPid);
            if (uid < 0 || !start || !ownedByUid(req.ownerPid, uid) ||
                nsviz::ProcReader::startTime(req.ownerPid) != start) {
                m_busy = false;
                KAuth::ActionReply reply = KAuth::ActionReply::HelperErrorReply(error::BadArguments);
                reply.setErrorDescription(
                    QStringLiteral("bad_request (request %1): owner_pid %2 is not a process of the caller")
                        .arg(req.id)
                        .arg(req.ownerPid));
                return reply;
            }
            owner = nsviz::helper::DemoOwner{req.ownerPid, *start};
        }
        std::lock_guard lock(g_ownerMutex);
        g_owner = owner;
    }

    // The frames go over the private channel, to the caller alone; KAuth carries only the
    // channel's path (progress) and the outcome (reply). See privatechannel.h and docs/kauth.md.
    PrivateChannel channel;
    auto endEarly = [&](int code, const QString &description) {
        m_busy = false;
        {
            std::lock_guard lock(g_ownerMutex);
            g_owner.reset();
        }
        qCWarning(lcKAuth).noquote() << verbName(verb) << "request" << req.id << "failed:" << description;
        KAuth::ActionReply reply = KAuth::ActionReply::HelperErrorReply(code);
        reply.setErrorDescription(description);
        reply.setData(toResultData(req.id, 0, QString::fromLatin1(status::Failed)));
        return reply;
    };
    const int callerUid = KAuth::HelperSupport::callerUid();
    if (callerUid < 0)
        return endEarly(error::Failed, QStringLiteral("failed: the caller's uid is unknown"));
    if (const std::string e = channel.open(static_cast<uid_t>(callerUid), req.channelToken); !e.empty())
        return endEarly(error::Failed, QStringLiteral("failed: cannot open the private channel: ") + q(e));
    {
        KAuthProgress announce;
        announce.id = req.id;
        announce.channel = q(channel.path());
        KAuth::HelperSupport::progressStep(toProgressData(announce));
    }
    if (const std::string e = channel.accept(kChannelAcceptTimeout); !e.empty())
        return endEarly(error::Failed, QStringLiteral("failed: private channel: ") + q(e));
    if (channel.refused() > 0)
        qCWarning(lcKAuth).noquote() << "request" << req.id << "refused" << channel.refused()
                                     << "connection(s) to its private channel";

    auto sink = [&](const std::string &frame) { return channel.writeFrame(frame, kChannelWriteTimeout); };
    // A scan ends when its client closes the channel. A one-shot request (inspect, demo*) is short
    // and runs to its end (a demo started but never reported would be worse; writes to a closed
    // channel just fail). KAuth's own stop (isStopped()) is not consulted: its flag is global to
    // the helper, and a stop another client sent for its own request can reach the helper during
    // ours (isStopped() runs the event loop) - seen in the e2e test: nsviz's scan "stopped" before
    // it had connected, right after the transport tests.
    auto stopped = [&req, &channel] { return req.verb == Verb::Scan && channel.clientGone(); };
    // A transport-level "still here": the request id and nothing else.
    auto heartbeat = [&req] {
        KAuthProgress p;
        p.id = req.id;
        p.heartbeat = true;
        KAuth::HelperSupport::progressStep(toProgressData(p));
    };

    // The request runs in a child process with only the capabilities its verb needs and
    // no_new_privs (requestprocess.h); this process, root with everything, made the channel and
    // only relays heartbeats meanwhile. The sink and the stop check run in the child.
    RequestRunner::Outcome out;
    try {
        out = RequestProcess::run(req, {channel.connectionFd()}, sink, stopped, heartbeat);
    } catch (const std::exception &e) {
        out.status = RequestRunner::Status::Failed;
        out.errorCode = "failed";
        out.message = e.what();
    }
    m_busy = false;
    {
        std::lock_guard lock(g_ownerMutex);
        g_owner.reset();
    }
    // The end of the stream, before the reply: the client has every frame when the reply comes.
    channel.close();

    const QVariantMap data =
        toResultData(req.id, out.frames, QString::fromLatin1(RequestRunner::statusName(out.status)));
    if (out.status == RequestRunner::Status::Failed) {
        KAuth::ActionReply reply = KAuth::ActionReply::HelperErrorReply(
            out.errorCode == protocol::err::Unsupported ? error::Unsupported : error::Failed);
        reply.setErrorDescription(q(out.errorCode) + QStringLiteral(": ") + q(out.message));
        reply.setData(data);
        return reply;
    }
    KAuth::ActionReply reply = KAuth::ActionReply::SuccessReply();
    reply.setData(data);
    return reply;
}

} // namespace nsviz::kauth
