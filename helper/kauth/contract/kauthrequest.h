// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file kauthrequest.h The KAuth contract between the helper and its client, defined once: action
/// names, the arguments of each action (encoded by the client, validated into a typed request by
/// the helper), the progress and result data, limits, and the helper's error codes.
///
/// KAuth hands the helper a QVariantMap that any local user can fill (polkit decides only whether
/// the action may run, not what it is given). Every key, type and range is checked here before
/// anything is read from /proc; unknown keys are refused rather than ignored.

#include "core/protocol/protocol.h"

#include <QByteArray>
#include <QString>
#include <QVariantMap>

#include <cstdint>
#include <string>
#include <variant>

namespace nsviz::kauth
{

/// The KAuth helper id and the action names ("org.nsviz.helper.scan", ...).
inline constexpr const char *kHelperId = "org.nsviz.helper";

/// One KAuth action per verb; never a generic "run".
enum class Verb { Scan, Inspect, DemoStart, DemoStop, DemoList };

/// Limits at the boundary. Frames stay far below the system bus's 32 MiB message cap. Those the
/// protocol has too are the protocol's.
inline constexpr std::uint64_t kMaxRequestId = protocol::kMaxRequestId;
inline constexpr int kMinIntervalMs = protocol::kMinIntervalMs;
inline constexpr int kMaxIntervalMs = protocol::kMaxIntervalMs;
inline constexpr int kDefaultIntervalMs = protocol::kDefaultIntervalMs;
inline constexpr int kMinDurationMs = 1000;
inline constexpr int kMaxDurationMs = 3600 * 1000;
inline constexpr int kDefaultDurationMs = 600 * 1000;
inline constexpr int kMinChunkBytes = 1024;
inline constexpr int kMaxChunkBytes = 4 * 1024 * 1024;
inline constexpr int kDefaultChunkBytes = 512 * 1024;
inline constexpr int kMaxPid = protocol::kMaxPid; ///< PID_MAX_LIMIT
inline constexpr int kMaxDemoArgBytes = 16 * 1024;
/// The private channel's token: 128 random bits as lowercase hex.
inline constexpr int kChannelTokenHexChars = 32;
/// The directory of the helper's private channel sockets (root's, 0711). The client connects only
/// to a socket in it.
inline constexpr const char *kChannelDir = "/run/nsviz-kauth";
/// True when @p token is kChannelTokenHexChars lowercase hex characters.
bool validChannelToken(const std::string &token);

/// The helper's own error codes. The client sees only KJob::error(), shared with KAuth's
/// ActionReply::Error values (1..9), so these start far above them.
namespace error
{
inline constexpr int BadArguments = 1001; ///< the arguments were refused (description says why)
inline constexpr int Busy = 1002;         ///< the helper is serving another request
inline constexpr int Unsupported = 1003;  ///< the request needs what this helper lacks (demos)
inline constexpr int Failed = 1004;       ///< the request failed (description: "code: message")
} // namespace error

/// How a request ended, in the "status" of the result data.
namespace status
{
inline constexpr const char *Done = "done";
inline constexpr const char *Cancelled = "cancelled"; ///< the client stopped it
inline constexpr const char *Expired = "expired";     ///< a subscription reached its max duration
inline constexpr const char *Failed = "failed";
} // namespace status

/// A validated request. Only the fields of its verb are meaningful.
struct KAuthRequest {
    Verb verb = Verb::Scan;
    std::uint64_t id = 0;   ///< client-chosen, 1..2^53-1; carried in every frame and reply
    bool subscribe = false; ///< scan: snapshot then deltas until stopped or maxDurationMs
    int intervalMs = kDefaultIntervalMs;
    int maxDurationMs = kDefaultDurationMs; ///< a vanished client cannot keep root busy forever
    int chunkBytes = kDefaultChunkBytes;    ///< snapshot split size (small values for tests)
    int pid = 0;                            ///< inspect
    std::uint64_t startTime = 0;            ///< inspect: the process meant (0: whichever has pid)
    /// demostart: the client process that owns the demo (0: none; the demo then lives until
    /// demostop or its lifetime ends). The helper accepts it only if it belongs to the caller.
    int ownerPid = 0;
    /// demostart/demostop: the protocol request's "args" object as JSON text ("{}" when none).
    /// demostart takes it from the "spec" argument (a JSON object); demostop builds {"pid": N}
    /// or {"all": true} from its "pid" / "all" arguments (exactly one of them).
    std::string demoArgs = "{}";
    /// Every verb: the one-time secret (32 lowercase hex characters) the client will present on
    /// the helper's private channel (helper/kauth/privatechannel.h). It travels in the method
    /// call, which the bus delivers to the helper alone, never in a signal.
    std::string channelToken;
};

/// Why the arguments were refused. @c id is the request id when it could be read, else 0.
struct KAuthArgError {
    std::uint64_t id = 0;
    QString message;
};

QString actionName(Verb v); ///< "org.nsviz.helper.scan", ...
QString verbName(Verb v);   ///< "scan", "inspect", "demostart", "demostop", "demolist"

/// Checks @p args for @p verb: exact key set, QVariant types, ranges. Never throws.
std::variant<KAuthRequest, KAuthArgError> parseKAuthArgs(Verb verb, const QVariantMap &args);

/// The argument map a client sends for @p req (inverse of parseKAuthArgs()).
QVariantMap toKAuthArgs(const KAuthRequest &req);

/// Why a protocol request cannot go to the KAuth helper: a protocol error code and message.
struct KAuthRefusal {
    std::string code; ///< protocol::err::*
    std::string message;
};

/// The KAuth request for a protocol request frame (without "v"/"id", as Transport::request() has
/// it): inspect, demo_start, demo_stop, demo_list. Checked as the protocol's parser and then the
/// helper's parseKAuthArgs() will check it, so what this accepts the helper accepts. The id and,
/// for demostart, the owner are left to the caller.
std::variant<KAuthRequest, KAuthRefusal> kauthRequestFromProtocol(const nlohmann::json &request);

/// The progress data of one step: "id" and "channel" (the path of the private channel's socket),
/// or "id" and "heartbeat". Never a frame or anything else read from /proc: KAuth broadcasts
/// progress to every client of the action and the system bus lets any local user receive it.
struct KAuthProgress {
    std::uint64_t id = 0;
    bool heartbeat = false; ///< "still serving you"
    QString channel;        ///< the socket to connect to (once per request, first)
};
QVariantMap toProgressData(const KAuthProgress &progress);
KAuthProgress parseProgressData(const QVariantMap &data);

/// The result data of an action: its request id, the frames sent and the status (status::*).
QVariantMap toResultData(std::uint64_t id, std::uint64_t frames, const QString &status);
/// The request id in progress or result @p data (0 when there is none).
std::uint64_t requestIdOf(const QVariantMap &data);
/// The status in result @p data.
QString statusOf(const QVariantMap &data);

} // namespace nsviz::kauth
