// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file clientsession.h The client side of the protocol, Qt-free: turns the helper's byte stream
/// into events (hello, snapshot, delta, reply, error, bye), reassembling fragments and chunked
/// snapshots/deltas and checking that deltas arrive in sequence.

#include "core/model/delta.h"
#include "core/model/model.h"
#include "core/protocol/linebuffer.h"
#include "core/protocol/protocol.h"

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace nsviz::protocol
{

namespace event
{
struct Hello {
    std::uint64_t id = 0;
    int protocol = 0;
    std::string helperVersion;
    std::string kernel;
    std::vector<std::string> capabilities;
    bool privileged = false;
    std::string text; ///< the frame as received
};
struct SnapshotDone {
    std::uint64_t id = 0;
    std::uint64_t seq = 0;
    Snapshot snapshot;
    /// False for the fast first picture of a subscription that holds only part of the processes
    /// ("complete": false); a later delta with completes == true adds the rest.
    bool complete = true;
};
/// A snapshot is arriving: @p received of @p total elements so far.
struct Progress {
    std::uint64_t id = 0;
    std::size_t parts = 0;
    std::size_t received = 0;
    std::size_t total = 0;
};
struct Delta {
    std::uint64_t id = 0;
    SnapshotDelta delta;
    bool completes = false; ///< "complete": true: after it the client holds every process
};
/// Any other frame ("result" of inspect, demo_*, unsubscribe, ping; future types).
struct Reply {
    std::uint64_t id = 0;
    std::string type;
    std::string text; ///< the frame as received (joined if it came in fragments)
};
struct Error {
    std::uint64_t id = 0;
    std::string code;
    std::string message;
};
struct Bye {
    std::uint64_t id = 0;
};
/// The stream is broken; the session ignores everything after it.
struct Violation {
    enum class Kind {
        Mismatch,  ///< another protocol version, or not this protocol at all
        Malformed, ///< this protocol, but a frame breaks its rules
        TooLarge,  ///< a frame or reassembled message over the limits
        Truncated, ///< the stream ended inside a frame or a chunked message
    };
    Kind kind = Kind::Malformed;
    std::string message;
};
} // namespace event

using ClientEvent = std::variant<event::Hello, event::SnapshotDone, event::Progress, event::Delta,
                                 event::Reply, event::Error, event::Bye, event::Violation>;

/// Feed it bytes, get events. Never throws on bad input: a broken stream yields one Violation and
/// the session stays failed until reset().
class ClientSession
{
public:
    struct Limits {
        std::size_t maxLineBytes = kMaxFrameBytes + 1024;     ///< a little slack over the helper's cap
        std::size_t maxMessageBytes = std::size_t(256) << 20; ///< fragments joined
        std::size_t maxElements = std::size_t(16) << 20;      ///< elements in one snapshot or delta
    };

    ClientSession() : ClientSession(Limits{}) {}
    explicit ClientSession(Limits limits);

    std::vector<ClientEvent> feed(std::string_view bytes);
    /// End of stream: reports a Violation if it ended inside a frame or a chunked message.
    std::vector<ClientEvent> finish();
    bool failed() const { return m_failed; }
    /// True while a chunked snapshot/delta or a fragmented frame is half received.
    bool midMessage() const { return m_asm.active || !m_fragment.empty() || !m_lines.empty(); }
    void reset();

private:
    struct Assembly {
        bool active = false;
        bool isDelta = false;
        std::uint64_t id = 0;
        std::uint64_t seq = 0;
        std::size_t nextPart = 0;
        std::size_t received = 0;
        std::size_t total = 0;
        std::vector<std::pair<std::string, std::size_t>> totals; ///< per list: declared count
        std::vector<std::size_t> counts;                         ///< per list: received so far
        Snapshot snapshot;
        SnapshotDelta delta;
        bool complete = true; ///< part 0's "complete" (absent: true)
        bool completeGiven = false;
    };

    void handleLine(const std::string &text, std::vector<ClientEvent> &out, bool fromFragments);
    void handlePart(const nlohmann::json &j, bool isDelta, std::vector<ClientEvent> &out);
    void finishAssembly(std::vector<ClientEvent> &out);
    void fail(event::Violation::Kind kind, std::string message, std::vector<ClientEvent> &out);

    Limits m_limits;
    LineBuffer m_lines;
    std::string m_fragment;
    std::uint64_t m_fragmentId = 0;
    Assembly m_asm;
    /// Last seq seen per subscription id: a delta must continue it.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> m_lastSeq;
    bool m_failed = false;
};

} // namespace nsviz::protocol
