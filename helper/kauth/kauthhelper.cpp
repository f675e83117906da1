// SPDX-License-Identifier: GPL-2.0-or-later
#include "kauthhelper.h"

#include "requestrunner.h"

#include <KAuth/HelperSupport>

#include <csignal>
#include <cstdio>
#include <variant>

namespace nsviz::kauth
{

namespace
{

QString q(const std::string &s)
{
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

// The helper's own error codes. The client sees only KJob::error(), shared with KAuth's
// ActionReply::Error values (1..9), so these start far above them.
enum HelperError : int {
    BadArguments = 1001,
    Busy = 1002,
    Unsupported = 1003,
    Failed = 1004,
};

} // namespace

KAuthHelper::KAuthHelper()
{
    // The serve loop reports a closed pipe as EPIPE; never die of SIGPIPE as root mid-request.
    std::signal(SIGPIPE, SIG_IGN);
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

KAuth::ActionReply KAuthHelper::run(Verb verb, const QVariantMap &args)
{
    const auto parsed = parseKAuthArgs(verb, args);
    if (const auto *err = std::get_if<KAuthArgError>(&parsed)) {
        // Refused before touching /proc. KAuth drops the data of a failed reply, so the request
        // id (when it could be read) goes into the description.
        KAuth::ActionReply reply = KAuth::ActionReply::HelperErrorReply(BadArguments);
        reply.setErrorDescription(QStringLiteral("bad_request (request %1): ").arg(err->id) + err->message);
        std::fprintf(stderr, "nsviz kauth helper: %s refused: %s\n", qPrintable(verbName(verb)),
                     qPrintable(err->message));
        return reply;
    }
    const KAuthRequest req = std::get<KAuthRequest>(parsed);

    if (m_busy) {
        KAuth::ActionReply reply = KAuth::ActionReply::HelperErrorReply(Busy);
        reply.setErrorDescription(QStringLiteral("busy: the helper is serving another request"));
        return reply;
    }
    m_busy = true;

    std::uint64_t seq = 0;
    auto sink = [&](const std::string &frame) {
        QVariantMap m;
        // Every frame names its request: KAuth broadcasts progress to every client of the action.
        m.insert(QStringLiteral("id"), QVariant::fromValue<qulonglong>(req.id));
        m.insert(QStringLiteral("seq"), QVariant::fromValue<qulonglong>(seq++));
        m.insert(QStringLiteral("frame"), QByteArray(frame.data(), static_cast<qsizetype>(frame.size())));
        KAuth::HelperSupport::progressStep(m);
        return true;
    };
    // isStopped() runs the event loop once, which also delivers the stop request.
    auto stopped = [] { return KAuth::HelperSupport::isStopped(); };
    // Not a protocol frame: a transport-level "still here" with the request id and no "frame".
    auto heartbeat = [&req] {
        QVariantMap m;
        m.insert(QStringLiteral("id"), QVariant::fromValue<qulonglong>(req.id));
        m.insert(QStringLiteral("heartbeat"), true);
        KAuth::HelperSupport::progressStep(m);
    };

    RequestRunner runner;
    RequestRunner::Outcome out;
    try {
        out = runner.run(req, sink, stopped, heartbeat);
    } catch (const std::exception &e) {
        out.status = RequestRunner::Status::Failed;
        out.errorCode = "failed";
        out.message = e.what();
    }
    m_busy = false;

    QVariantMap data;
    data.insert(QStringLiteral("id"), QVariant::fromValue<qulonglong>(req.id));
    data.insert(QStringLiteral("frames"), QVariant::fromValue<qulonglong>(out.frames));
    data.insert(QStringLiteral("status"), QString::fromLatin1(RequestRunner::statusName(out.status)));
    if (out.status == RequestRunner::Status::Failed) {
        KAuth::ActionReply reply =
            KAuth::ActionReply::HelperErrorReply(out.errorCode == "unsupported" ? Unsupported : Failed);
        reply.setErrorDescription(q(out.errorCode) + QStringLiteral(": ") + q(out.message));
        reply.setData(data);
        return reply;
    }
    KAuth::ActionReply reply = KAuth::ActionReply::SuccessReply();
    reply.setData(data);
    return reply;
}

} // namespace nsviz::kauth
