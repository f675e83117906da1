// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file requestrunner.h Runs one validated KAuth request and produces its protocol frames in order.
///
/// Qt-free so it can be tested without a bus: the KAuth helper feeds each frame to
/// HelperSupport::progressStep, a test collects them. The frames are the protocol's ("v", "type",
/// "id" of the request); a snapshot or delta is split into chunks of at most chunkBytes of text.

#include "kauthrequest.h"

#include "discovery.h"

#include <cstdint>
#include <functional>
#include <string>

namespace nsviz::kauth {

class RequestRunner {
public:
    /// Receives one frame (one JSON object, no newline). Returns false to stop the stream.
    using FrameSink = std::function<bool(const std::string &frame)>;
    /// Polled between frames and while waiting; true ends the stream (KAuth's isStopped()).
    using StopCheck = std::function<bool()>;
    /// Sleeps up to @p ms, returning early if it likes; the helper runs its event loop here.
    using Waiter = std::function<void(int ms)>;

    enum class Status { Done, Cancelled, Expired, Failed };

    struct Outcome {
        Status status = Status::Done;
        std::uint64_t frames = 0;
        std::string errorCode; ///< protocol error code when Failed ("unsupported", "not_found", ...)
        std::string message;   ///< human text when Failed
    };

    explicit RequestRunner(DiscoveryOptions opts = {});

    Outcome run(const KAuthRequest &req, const FrameSink &sink, const StopCheck &stopped, const Waiter &wait);

    static const char *statusName(Status s);

private:
    Outcome scan(const KAuthRequest &req, const FrameSink &sink, const StopCheck &stopped, const Waiter &wait);
    Outcome inspect(const KAuthRequest &req, const FrameSink &sink);

    DiscoveryOptions m_opts;
};

/// Splits @p text into pieces of at most @p maxBytes, never inside a UTF-8 sequence.
std::vector<std::string> splitUtf8(const std::string &text, std::size_t maxBytes);

} // namespace nsviz::kauth
