// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file kauthrequest.h The arguments of the KAuth actions, validated into a typed request.
///
/// KAuth hands the helper a QVariantMap that any local user can fill (polkit decides only whether
/// the action may run, not what it is given). Every key, type and range is checked here before
/// anything is read from /proc; unknown keys are refused rather than ignored.

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

/// Limits at the boundary. Frames stay far below the system bus's 32 MiB message cap.
inline constexpr std::uint64_t kMaxRequestId = (std::uint64_t(1) << 53) - 1;
inline constexpr int kMinIntervalMs = 100;
inline constexpr int kMaxIntervalMs = 600000;
inline constexpr int kDefaultIntervalMs = 1000;
inline constexpr int kMinDurationMs = 1000;
inline constexpr int kMaxDurationMs = 3600 * 1000;
inline constexpr int kDefaultDurationMs = 600 * 1000;
inline constexpr int kMinChunkBytes = 1024;
inline constexpr int kMaxChunkBytes = 4 * 1024 * 1024;
inline constexpr int kDefaultChunkBytes = 512 * 1024;
inline constexpr int kMaxPid = 4 * 1024 * 1024; ///< PID_MAX_LIMIT
inline constexpr int kMaxDemoArgBytes = 16 * 1024;

/// A validated request. Only the fields of its verb are meaningful.
struct KAuthRequest {
    Verb verb = Verb::Scan;
    std::uint64_t id = 0;   ///< client-chosen, 1..2^53-1; carried in every frame and reply
    bool subscribe = false; ///< scan: snapshot then deltas until stopped or maxDurationMs
    int intervalMs = kDefaultIntervalMs;
    int maxDurationMs = kDefaultDurationMs; ///< a vanished client cannot keep root busy forever
    int chunkBytes = kDefaultChunkBytes;    ///< snapshot split size (small values for tests)
    int pid = 0;                            ///< inspect
    /// demostart: the client process that owns the demo (0: none; the demo then lives until
    /// demostop or its lifetime ends). The helper accepts it only if it belongs to the caller.
    int ownerPid = 0;
    /// demostart/demostop: the protocol request's "args" object as JSON text ("{}" when none).
    /// demostart takes it from the "spec" argument (a JSON object); demostop builds {"pid": N}
    /// or {"all": true} from its "pid" / "all" arguments (exactly one of them).
    std::string demoArgs = "{}";
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

} // namespace nsviz::kauth
