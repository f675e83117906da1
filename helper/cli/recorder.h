// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file recorder.h `nsviz-helper record`: subscribes to the serve loop (in this process, over a
/// pipe) and writes what the stream carries into a recording (core/protocol/recording.h). The
/// recording is the live stream itself, frame for frame, so replaying it gives exactly the
/// snapshots a subscriber had.

#include "core/model/model.h"
#include "core/protocol/recording.h"

#include <cstdint>
#include <functional>
#include <string>

namespace nsviz::helper
{

struct RecordOptions {
    std::string out;
    int intervalMs = 1000;
    std::int64_t durationMs = 0; ///< 0: until stopped (signal) or full
    std::uint64_t maxBytes = 0;  ///< 0: unbounded
    std::string procRoot = "/proc";
    /// Tests: the serve loop's scan function and its "published" hook (called on the serve thread).
    std::function<Snapshot()> scan;
    std::function<void(std::uint64_t seq, const Snapshot &)> onPublished;
    /// Tests: called (on the calling thread) after each frame is written.
    std::function<void(std::size_t frames)> onFrame;
};

struct RecordOutcome {
    bool ok = false;
    std::string error; ///< when !ok
    RecordingEnd end = RecordingEnd::None;
    std::size_t frames = 0;
    std::uint64_t bytes = 0;
    std::int64_t lastMs = 0;
};

/// Records until the duration passes, the size limit is reached, stopRecording() is called (the
/// command's signal handler) or the stream ends.
RecordOutcome record(const RecordOptions &o);
/// Async-signal-safe: ends a record() in progress cleanly.
void stopRecording();

} // namespace nsviz::helper
