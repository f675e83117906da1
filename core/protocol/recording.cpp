// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/protocol/recording.h"

#include "core/protocol/deltajson.h"
#include "core/protocol/snapshotjson.h"
#include "core/protocol/snapshotwriter.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

using nlohmann::json;

namespace nsviz
{

const char *recordingEndName(RecordingEnd e)
{
    switch (e) {
    case RecordingEnd::None:
        return "none";
    case RecordingEnd::Duration:
        return "duration";
    case RecordingEnd::MaxBytes:
        return "max_bytes";
    case RecordingEnd::Stopped:
        return "stopped";
    case RecordingEnd::SourceEnded:
        return "source_ended";
    }
    return "none";
}

namespace
{
RecordingEnd endFromName(const std::string &s)
{
    for (RecordingEnd e :
         {RecordingEnd::Duration, RecordingEnd::MaxBytes, RecordingEnd::Stopped, RecordingEnd::SourceEnded})
        if (s == recordingEndName(e))
            return e;
    throw RecordingError("unknown end reason \"" + s + "\"");
}

std::string dumpCompact(const json &j)
{
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}
} // namespace

// ---------------------------------------------------------------- writer

RecordingWriter::RecordingWriter(const std::string &path, std::uint64_t maxBytes)
    : m_path(path), m_maxBytes(maxBytes)
{
    m_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (m_fd < 0)
        throw RecordingError(path + ": " + std::strerror(errno));
    if (maxBytes != 0 && maxBytes <= kEndReserve)
        throw RecordingError("the size limit must be more than " + std::to_string(kEndReserve) + " bytes");
}

RecordingWriter::~RecordingWriter()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

bool RecordingWriter::writeLine(const std::string &line, bool isEnd)
{
    if (m_fd < 0)
        throw RecordingError(m_path + ": the recording is closed");
    const std::uint64_t size = line.size() + 1;
    // The end line may use the room kept for it; a frame may not.
    if (m_maxBytes != 0 && !isEnd && m_bytes + size > m_maxBytes - kEndReserve) {
        m_full = true;
        return false;
    }
    std::string text = line;
    text += '\n';
    // One line, one write loop, nothing buffered: a reader sees whole lines plus at most one
    // partial tail, which it ignores.
    const char *p = text.data();
    std::size_t left = text.size();
    while (left > 0) {
        ssize_t n = ::write(m_fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            throw RecordingError(m_path + ": " + std::strerror(n < 0 ? errno : EIO));
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    m_bytes += size;
    return true;
}

bool RecordingWriter::writeHeader(const Header &h)
{
    json j{{"schema", kRecordingSchema},
           {"source", h.source},
           {"host", h.host},
           {"interval_ms", h.intervalMs},
           {"started_at_ms", h.startedAtMs}};
    return writeLine(dumpCompact(j));
}

bool RecordingWriter::writeSnapshot(std::int64_t tMs, const Snapshot &s)
{
    if (m_frames != 0)
        throw RecordingError("a recording holds one snapshot, before its deltas");
    // SnapshotWriter: the same document as toJson(s), without building a tree (large hosts).
    std::string line = "{\"t_ms\":" + std::to_string(tMs) + ",\"snapshot\":";
    line += SnapshotWriter::write(s);
    line += '}';
    if (!writeLine(line))
        return false;
    ++m_frames;
    return true;
}

bool RecordingWriter::writeDelta(std::int64_t tMs, const SnapshotDelta &d)
{
    if (m_frames == 0)
        throw RecordingError("a recording starts with a snapshot");
    json j{{"t_ms", tMs}, {"delta", toJson(d)}};
    if (!writeLine(dumpCompact(j)))
        return false;
    ++m_frames;
    return true;
}

void RecordingWriter::end(std::int64_t tMs, RecordingEnd reason)
{
    if (m_fd < 0)
        return;
    json j{{"t_ms", tMs}, {"end", recordingEndName(reason)}, {"frames", m_frames}};
    writeLine(dumpCompact(j), true);
    ::close(m_fd);
    m_fd = -1;
}

// ---------------------------------------------------------------- reader

Recording Recording::load(const std::string &path)
{
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw RecordingError(path + ": " + std::strerror(errno));
    struct stat st {
    };
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw RecordingError(path + ": not a regular file");
    }
    std::string text;
    std::string buf(1 << 16, '\0');
    for (;;) {
        ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            ::close(fd);
            throw RecordingError(path + ": " + std::strerror(e));
        }
        if (n == 0)
            break;
        text.append(buf.data(), static_cast<std::size_t>(n));
    }
    ::close(fd);
    return parse(text, path);
}

Recording Recording::parse(const std::string &text, const std::string &name)
{
    Recording r;
    std::size_t pos = 0;
    std::size_t lineNo = 0;
    bool ended = false;
    Snapshot state;
    auto fail = [&](const std::string &why) {
        return RecordingError(name + ", line " + std::to_string(lineNo) + ": " + why);
    };
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) {
            // The writer is still at this line, or was killed in the middle of it.
            r.m_ignoredTail = text.size() - pos;
            break;
        }
        ++lineNo;
        std::string_view line(text.data() + pos, nl - pos);
        pos = nl + 1;
        json j;
        try {
            j = json::parse(line);
        } catch (const json::exception &e) {
            throw fail(std::string("not JSON (") + e.what() + ")");
        }
        if (!j.is_object())
            throw fail("not a JSON object");
        if (lineNo == 1) {
            auto schema = j.find("schema");
            if (schema == j.end() || !schema->is_string())
                throw fail("not an nsviz recording (no \"schema\" on the first line)");
            if (*schema != kRecordingSchema)
                throw fail("recording schema \"" + schema->get<std::string>() + "\" is not supported (" +
                           kRecordingSchema + " is)");
            try {
                r.m_header.source = j.value("source", std::string());
                r.m_header.host = j.value("host", std::string());
                r.m_header.intervalMs = j.value("interval_ms", 0);
                r.m_header.startedAtMs = j.value("started_at_ms", std::uint64_t(0));
            } catch (const json::exception &e) {
                throw fail(std::string("bad header: ") + e.what());
            }
            continue;
        }
        if (ended)
            throw fail("a frame after the end line");
        auto t = j.find("t_ms");
        if (t == j.end() || !t->is_number_integer() || t->get<std::int64_t>() < 0)
            throw fail("\"t_ms\" must be a non-negative integer");
        const std::int64_t tMs = t->get<std::int64_t>();
        if (!r.m_frames.empty() && tMs < r.m_frames.back().tMs)
            throw fail("time goes backwards");
        try {
            if (auto s = j.find("snapshot"); s != j.end()) {
                if (!r.m_frames.empty())
                    throw fail("a second snapshot");
                state = snapshotFromJson(*s);
                r.m_first = state;
                r.m_frames.push_back(Frame{tMs, 0, state.processes.size(), 0, 0});
            } else if (auto d = j.find("delta"); d != j.end()) {
                if (r.m_frames.empty())
                    throw fail("a delta before the snapshot");
                SnapshotDelta delta = deltaFromJson(*d);
                if (delta.seq != r.m_frames.back().seq + 1)
                    throw fail("delta seq " + std::to_string(delta.seq) + " does not follow " +
                               std::to_string(r.m_frames.back().seq));
                applyDelta(state, delta);
                r.m_frames.push_back(Frame{tMs, delta.seq, delta.addedProcesses.size(),
                                           delta.removedProcesses.size(), delta.changedProcesses.size()});
                r.m_deltas.push_back(std::move(delta));
                if ((r.m_frames.size() - 1) % kCheckpointEvery == 0)
                    r.m_checkpoints.push_back(state);
            } else if (auto e = j.find("end"); e != j.end()) {
                if (!e->is_string())
                    throw fail("\"end\" must be a string");
                r.m_end = endFromName(e->get<std::string>());
                r.m_endMs = tMs;
                ended = true;
            } else {
                throw fail("a line that is no snapshot, delta or end");
            }
        } catch (const RecordingError &) {
            throw;
        } catch (const SchemaError &e) {
            throw fail(e.what());
        } catch (const DeltaError &e) {
            throw fail(std::string("delta does not fit: ") + e.what());
        } catch (const json::exception &e) {
            throw fail(e.what());
        }
    }
    if (lineNo == 0)
        throw RecordingError(name + ": not a recording, or no complete line yet");
    if (r.m_frames.empty())
        throw RecordingError(name + ": the recording holds no snapshot yet");
    return r;
}

Snapshot Recording::atFrame(std::size_t index) const
{
    if (index >= m_frames.size())
        throw RecordingError("frame " + std::to_string(index) + " is past the end (" +
                             std::to_string(m_frames.size()) + " frames)");
    // Start from the nearest checkpoint at or before index.
    std::size_t from = 0;
    Snapshot s;
    if (std::size_t c = index / kCheckpointEvery; c > 0) {
        s = m_checkpoints[c - 1];
        from = c * kCheckpointEvery;
    } else {
        s = m_first;
    }
    for (std::size_t i = from; i < index; ++i)
        applyDelta(s, m_deltas[i]);
    return s;
}

std::size_t Recording::frameAt(std::int64_t tMs) const
{
    std::size_t i = 0;
    // Frames are few per second: a binary search keeps a timeline drag cheap on long recordings.
    std::size_t lo = 0, hi = m_frames.size();
    while (lo < hi) {
        std::size_t mid = (lo + hi) / 2;
        if (m_frames[mid].tMs <= tMs)
            lo = mid + 1;
        else
            hi = mid;
    }
    i = lo == 0 ? 0 : lo - 1;
    return i;
}

Snapshot Recording::at(std::int64_t tMs) const
{
    return atFrame(frameAt(tMs));
}

// ---------------------------------------------------------------- moments

MomentSpec parseMomentSpec(const std::string &arg)
{
    MomentSpec m;
    m.path = arg;
    std::size_t at = arg.rfind('@');
    if (at == std::string::npos)
        return m;
    std::string suffix = arg.substr(at + 1);
    std::string path = arg.substr(0, at);
    if (suffix == "end") {
        if (path.empty())
            throw RecordingError("\"" + arg + "\": no file before @");
        m.path = path;
        m.hasMoment = m.atEnd = true;
        return m;
    }
    if (suffix.empty())
        throw RecordingError("\"" + arg + "\": name a moment after @ (SECONDS or end)");
    // Only what looks like a number is a moment; "dir@host/file" stays a path.
    if (suffix.find_first_not_of("0123456789.+-eE") != std::string::npos)
        return m;
    if (path.empty())
        throw RecordingError("\"" + arg + "\": no file before @");
    char *endp = nullptr;
    errno = 0;
    double seconds = std::strtod(suffix.c_str(), &endp);
    if (errno != 0 || endp != suffix.c_str() + suffix.size() || !std::isfinite(seconds) || seconds < 0 ||
        seconds > 1e9)
        throw RecordingError("\"" + arg + "\": the moment must be a number of seconds ≥ 0, or end");
    m.path = path;
    m.hasMoment = true;
    m.ms = static_cast<std::int64_t>(std::llround(seconds * 1000.0));
    return m;
}

bool looksLikeRecording(const std::string &text)
{
    std::size_t nl = text.find('\n');
    std::string first =
        text.substr(0, nl == std::string::npos ? std::min<std::size_t>(text.size(), 4096) : nl);
    try {
        json j = json::parse(first);
        return j.is_object() && j.contains("schema") && j["schema"].is_string() &&
               j["schema"].get<std::string>().rfind("nsviz.recording/", 0) == 0;
    } catch (const json::exception &) {
        return false;
    }
}

} // namespace nsviz
