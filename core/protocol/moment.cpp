// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/protocol/moment.h"

#include "core/protocol/snapshotjson.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace nsviz
{

namespace
{

// Snapshot files are read whole; a cap keeps a wrong argument (a disk image) from eating memory.
constexpr std::uint64_t kMaxInputBytes = std::uint64_t(2) << 30;

std::string readFile(const std::string &path)
{
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw MomentError(path + ": " + std::strerror(errno));
    struct stat st {
    };
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw MomentError(path + ": not a regular file");
    }
    if (static_cast<std::uint64_t>(st.st_size) > kMaxInputBytes) {
        ::close(fd);
        throw MomentError(path + ": larger than 2 GiB");
    }
    std::string text;
    std::string buf(1 << 16, '\0');
    ssize_t n;
    while ((n = ::read(fd, buf.data(), buf.size())) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            ::close(fd);
            throw MomentError(path + ": " + std::strerror(e));
        }
        text.append(buf.data(), static_cast<std::size_t>(n));
    }
    ::close(fd);
    return text;
}

bool exists(const std::string &path)
{
    struct stat st {
    };
    return ::stat(path.c_str(), &st) == 0;
}

} // namespace

Moment momentOf(const Recording &recording, std::int64_t ms, bool atEnd, const std::string &label)
{
    Moment out;
    out.label = label;
    out.fromRecording = true;
    const std::size_t frame = atEnd ? recording.frames().size() - 1 : recording.frameAt(ms);
    out.snapshot = recording.atFrame(frame);
    out.ms = atEnd ? recording.durationMs() : ms;
    // The recording's own snapshots say whether they carry sandboxes.
    nlohmann::json doc = toJson(out.snapshot);
    if (doc.contains("sandboxes"))
        out.sandboxes = doc["sandboxes"];
    return out;
}

Moment momentFromSnapshotText(const std::string &text, const std::string &label)
{
    Moment out;
    out.label = label;
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception &e) {
        throw MomentError(label + ": not valid JSON (" + e.what() + ")");
    }
    try {
        out.snapshot = snapshotFromJson(doc);
    } catch (const SchemaError &e) {
        throw MomentError(label + ": not an nsviz snapshot: " + e.what());
    }
    if (doc.is_object() && doc.contains("sandboxes"))
        out.sandboxes = doc["sandboxes"];
    return out;
}

Moment loadMoment(const std::string &arg)
{
    MomentSpec m;
    try {
        m = parseMomentSpec(arg);
    } catch (const RecordingError &e) {
        throw MomentError(e.what());
    }
    // A file whose name really ends in "@5" is that file.
    if (m.hasMoment && !exists(m.path) && exists(arg))
        m = MomentSpec{arg};
    const std::string text = readFile(m.path);
    if (looksLikeRecording(text)) {
        if (!m.hasMoment)
            throw MomentError(m.path + " is a recording: name a moment, " + m.path + "@SECONDS or " + m.path +
                              "@end");
        Recording r;
        try {
            r = Recording::parse(text, m.path);
        } catch (const RecordingError &e) {
            throw MomentError(e.what());
        }
        if (!m.atEnd && m.ms > r.durationMs())
            throw MomentError(arg + ": the recording lasts " + std::to_string(r.durationMs() / 1000.0) +
                              " s");
        Moment out = momentOf(r, m.ms, m.atEnd, arg);
        out.path = m.path;
        return out;
    }
    if (m.hasMoment)
        throw MomentError(m.path + " is a snapshot file, not a recording: it has no moments");
    Moment out = momentFromSnapshotText(text, m.path);
    out.label = arg;
    out.path = m.path;
    return out;
}

} // namespace nsviz
