// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file requestrunner.h Runs one validated KAuth request through the serve loop and hands back its
/// protocol frames in order.
///
/// The KAuth helper does not speak its own dialect: it turns the request into a protocol request
/// line and feeds it to the same helper::Server that `nsviz-helper serve` runs (on a pipe pair, in a
/// thread), so the frames are serve's frames byte for byte, the request is parsed a second time by
/// the protocol's own parser, and whatever extends serve (demo handlers) extends KAuth too.
/// Qt-free, so it is tested without a bus.

#include "helper/kauth/contract/kauthrequest.h"

#include <cstdint>
#include <functional>
#include <string>

namespace nsviz::helper
{
class Server;
}

namespace nsviz::kauth
{

class RequestRunner
{
public:
    /// Receives one frame (one JSON object, no newline). Returns false to stop the stream.
    using FrameSink = std::function<bool(const std::string &frame)>;
    /// Polled at least every 50 ms; true ends the stream (the KAuth client closed its channel).
    using StopCheck = std::function<bool()>;
    /// Called after kHeartbeatMs without a frame. A subscription on a quiet host sends nothing
    /// (serve writes deltas only for real changes); this lets a client's watchdog tell a quiet
    /// stream from a dead helper, and other clients see that the helper is busy.
    using Heartbeat = std::function<void()>;
    static constexpr int kHeartbeatMs = 1000;

    enum class Status { Done, Cancelled, Expired, Failed };

    struct Outcome {
        Status status = Status::Done;
        std::uint64_t frames = 0;
        std::string errorCode; ///< protocol error code when Failed ("unsupported", "not_found", ...)
        std::string message;   ///< human text when Failed
    };

    /// Applied to the serve loop after the registered serve extensions (tests add handlers).
    using Extension = std::function<void(helper::Server &)>;

    /// @p procRoot: what the serve loop scans (tests point it at fixtures).
    explicit RequestRunner(std::string procRoot = "/proc", Extension extension = {});

    Outcome run(const KAuthRequest &req, const FrameSink &sink, const StopCheck &stopped,
                const Heartbeat &heartbeat = {});

    /// The protocol request line (with its newline) that @p req becomes.
    static std::string requestLine(const KAuthRequest &req);
    static const char *statusName(Status s);

private:
    std::string m_procRoot;
    Extension m_extension;
};

} // namespace nsviz::kauth
