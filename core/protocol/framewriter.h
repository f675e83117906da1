// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file framewriter.h Writes protocol frames: plain frames, chunked snapshots and deltas, and the
/// fragments that keep every line under the frame cap.

#include "core/model/delta.h"
#include "core/model/model.h"
#include "core/protocol/protocol.h"

#include <functional>
#include <string>
#include <string_view>

namespace nsviz::protocol
{

/// Serialises frames into lines and hands each line (with its '\n') to a sink as soon as it is
/// complete. No line ever exceeds maxFrameBytes (plus the newline):
/// - snapshots and deltas are split into parts of about chunkBytes of elements, each part written as
///   soon as it is serialised, so the reader can start before the sender has finished;
/// - any single frame still too long (a huge cmdline, an inspect answer) is cut into "fragment"
///   frames that the reader joins back.
class FrameWriter
{
public:
    using Sink = std::function<void(std::string_view line)>;
    struct Limits {
        std::size_t maxFrameBytes = kMaxFrameBytes;
        std::size_t chunkBytes = kDefaultChunkBytes;
    };

    explicit FrameWriter(Sink sink) : FrameWriter(std::move(sink), Limits{}) {}
    FrameWriter(Sink sink, Limits limits);

    /// One frame; "id" must be in it (fragments repeat it).
    void write(const nlohmann::json &frame);
    /// A snapshot as parts: "snapshot" frames with "seq", "part", "final". @p extra: more fields
    /// for part 0 (additive ones, e.g. "complete").
    void writeSnapshot(std::uint64_t id, std::uint64_t seq, const Snapshot &s,
                       const nlohmann::json &extra = nlohmann::json::object());
    /// A delta as parts: "delta" frames with "seq", "part", "final".
    void writeDelta(std::uint64_t id, const SnapshotDelta &d,
                    const nlohmann::json &extra = nlohmann::json::object());

    const Limits &limits() const { return m_limits; }
    std::size_t linesWritten() const { return m_lines; }

private:
    struct List {
        const char *name;
        std::size_t count;
        std::function<nlohmann::json(std::size_t)> element;
    };
    /// @p tail: the members of the last part's trailer as dumped JSON text, without braces ("" for
    /// none): written piece by piece (appendArray() in framewriter.cpp), not as one JSON tree of every
    /// sandbox.
    void writeChunked(std::string_view type, std::uint64_t id, std::uint64_t seq,
                      const nlohmann::json &header, const std::vector<List> &lists, const std::string &tail);
    /// Hands @p text to the sink as one line (its newline appended in place), or as fragments.
    void writeLine(std::string &text, std::uint64_t id);

    Sink m_sink;
    Limits m_limits;
    std::size_t m_lines = 0;
};

} // namespace nsviz::protocol
