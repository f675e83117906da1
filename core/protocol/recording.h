// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file recording.h Recordings of a host over time ("nsviz.recording/1", docs/recording.md): one
/// header line, the first snapshot, then the deltas of the live stream with their times. Written
/// by `nsviz-helper record` and the GUI's File → Record; read back to any moment.
///
/// Every line is written whole with one flush, so a reader may open a recording while it is being
/// written (or after the writer was killed) and sees every frame up to the last complete line; a
/// trailing partial line is ignored.

#include "core/model/delta.h"
#include "core/model/model.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace nsviz
{

inline constexpr const char *kRecordingSchema = "nsviz.recording/1";

/// A recording that cannot be read or written; the message says why (file, line, field).
class RecordingError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

/// Why a recording ended (its last line says so when the writer could end it cleanly).
enum class RecordingEnd {
    None,        ///< no end line: still being written, or the writer was killed
    Duration,    ///< --duration reached
    MaxBytes,    ///< the next frame would have passed --max-bytes
    Stopped,     ///< asked to stop (a signal, the GUI's Stop)
    SourceEnded, ///< the stream it recorded ended (helper exited, connection lost)
};
const char *recordingEndName(RecordingEnd e);

/// Appends a recording to a file. Each frame is one line written with a single write loop to an
/// O_APPEND descriptor: no user-space buffer holds half a frame.
class RecordingWriter
{
public:
    struct Header {
        std::string source;            ///< who records, e.g. "nsviz-helper record", "nsviz"
        std::string host;              ///< the host recorded (a hostname, or user@host for ssh)
        int intervalMs = 0;            ///< the subscription's interval
        std::uint64_t startedAtMs = 0; ///< wall clock, ms since the epoch
    };

    /// Creates (truncates) @p path with mode 0600 — a recording holds command lines. Throws
    /// RecordingError. @p maxBytes 0 means unbounded.
    RecordingWriter(const std::string &path, std::uint64_t maxBytes = 0);
    ~RecordingWriter();
    RecordingWriter(const RecordingWriter &) = delete;
    RecordingWriter &operator=(const RecordingWriter &) = delete;

    /// The header line. Must come first; false when it does not fit in maxBytes.
    bool writeHeader(const Header &h);
    /// The first snapshot at @p tMs (ms since the start, normally 0). False when it does not fit.
    bool writeSnapshot(std::int64_t tMs, const Snapshot &s);
    /// A delta at @p tMs; must continue the sequence. False when it does not fit: the recording
    /// is then full, and end() should be called.
    bool writeDelta(std::int64_t tMs, const SnapshotDelta &d);
    /// The end line (always fits: room for it is kept out of maxBytes). Closes the file.
    void end(std::int64_t tMs, RecordingEnd reason);

    std::uint64_t bytesWritten() const { return m_bytes; }
    std::size_t framesWritten() const { return m_frames; }
    bool full() const { return m_full; }

    /// Room kept for the end line out of maxBytes.
    static constexpr std::uint64_t kEndReserve = 256;

private:
    bool writeLine(const std::string &line, bool isEnd = false);

    int m_fd = -1;
    std::string m_path;
    std::uint64_t m_maxBytes = 0;
    std::uint64_t m_bytes = 0;
    std::size_t m_frames = 0;
    bool m_full = false;
};

/// A recording read into memory. Moments are milliseconds from the first snapshot.
class Recording
{
public:
    struct Frame {
        std::int64_t tMs = 0;
        std::uint64_t seq = 0;
        std::size_t added = 0, removed = 0, changed = 0; ///< processes, for a timeline's marks
    };

    /// Reads @p path. Throws RecordingError for a file that is not a recording or holds a broken
    /// frame; a trailing line without its newline (the writer is at work, or was killed) is ignored
    /// and counted in ignoredTailBytes().
    static Recording load(const std::string &path);
    /// The same over text already read.
    static Recording parse(const std::string &text, const std::string &name = "recording");

    const RecordingWriter::Header &header() const { return m_header; }
    const std::vector<Frame> &frames() const { return m_frames; } ///< frame 0 is the snapshot
    /// How long the recording ran: until its end line, or its last frame while it has none (still
    /// being written, or its writer was killed). A quiet host records few frames, so the end line
    /// is often much later than the last frame.
    std::int64_t durationMs() const { return std::max(m_frames.empty() ? 0 : m_frames.back().tMs, m_endMs); }
    RecordingEnd endReason() const { return m_end; }
    std::size_t ignoredTailBytes() const { return m_ignoredTail; }

    /// The host as it was after frame @p index (0: the first snapshot).
    Snapshot atFrame(std::size_t index) const;
    /// The host as it was at @p tMs: the snapshot with every delta up to and including @p tMs.
    Snapshot at(std::int64_t tMs) const;
    /// Index of the last frame at or before @p tMs (0 before the first delta).
    std::size_t frameAt(std::int64_t tMs) const;

private:
    RecordingWriter::Header m_header;
    Snapshot m_first;
    std::vector<SnapshotDelta> m_deltas; ///< m_deltas[i] is frame i+1
    std::vector<Frame> m_frames;
    /// Every kCheckpointEvery frames, the state after it, so a seek applies few deltas.
    std::vector<Snapshot> m_checkpoints;
    static constexpr std::size_t kCheckpointEvery = 64;
    RecordingEnd m_end = RecordingEnd::None;
    std::int64_t m_endMs = 0; ///< the end line's t_ms (0 without one)
    std::size_t m_ignoredTail = 0;
};

/// "FILE@SECONDS" or "FILE@end" (a moment of a recording) or a plain FILE.
struct MomentSpec {
    std::string path;
    bool hasMoment = false;
    bool atEnd = false;
    std::int64_t ms = 0; ///< from the start, when hasMoment && !atEnd
};
/// Splits at the last '@' when what follows is "end" or a non-negative number of seconds (decimals
/// allowed); otherwise the whole argument is a path. Throws RecordingError for "FILE@" or a bad number.
MomentSpec parseMomentSpec(const std::string &arg);

/// True when @p text starts like a recording (its first line has the recording schema).
bool looksLikeRecording(const std::string &text);

} // namespace nsviz
