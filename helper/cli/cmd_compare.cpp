// SPDX-License-Identifier: GPL-2.0-or-later
// nsviz-helper compare A B [--json]: A and B are snapshot files or moments of recordings
// (FILE@SECONDS, FILE@end).
#include "helper/cli/commands.h"

#include "core/inspect/compare.h"
#include "core/protocol/recording.h"
#include "core/protocol/snapshotjson.h"

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

namespace nsviz::helper
{

namespace
{
struct CompareArgs {
    std::string a, b;
    bool json = false;
};

/// One side of a comparison, read and checked.
struct Moment {
    Snapshot snapshot;
    nlohmann::json sandboxes; ///< null when the document has none
};

// Snapshot files are read whole; a cap keeps a wrong argument (a disk image) from eating memory.
constexpr std::uint64_t kMaxInputBytes = std::uint64_t(2) << 30;

std::string readFile(const std::string &path)
{
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw std::runtime_error(path + ": " + std::strerror(errno));
    struct stat st {
    };
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw std::runtime_error(path + ": not a regular file");
    }
    if (static_cast<std::uint64_t>(st.st_size) > kMaxInputBytes) {
        ::close(fd);
        throw std::runtime_error(path + ": larger than 2 GiB");
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
            throw std::runtime_error(path + ": " + std::strerror(e));
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

Moment loadMoment(const std::string &arg)
{
    MomentSpec m = parseMomentSpec(arg);
    // A file whose name really ends in "@5" is that file.
    if (m.hasMoment && !exists(m.path) && exists(arg))
        m = MomentSpec{arg};
    std::string text = readFile(m.path);
    Moment out;
    if (looksLikeRecording(text)) {
        if (!m.hasMoment)
            throw std::runtime_error(m.path + " is a recording: name a moment, " + m.path + "@SECONDS or " +
                                     m.path + "@end");
        Recording r = Recording::parse(text, m.path);
        if (!m.atEnd && m.ms > r.durationMs())
            throw std::runtime_error(arg + ": the recording lasts " +
                                     std::to_string(r.durationMs() / 1000.0) + " s");
        out.snapshot = m.atEnd ? r.atFrame(r.frames().size() - 1) : r.at(m.ms);
        // The recording's own snapshots say whether they carry sandboxes.
        nlohmann::json doc = toJson(out.snapshot);
        if (doc.contains("sandboxes"))
            out.sandboxes = doc["sandboxes"];
        return out;
    }
    if (m.hasMoment)
        throw std::runtime_error(m.path + " is a snapshot file, not a recording: it has no moments");
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception &e) {
        throw std::runtime_error(m.path + ": not JSON (" + e.what() + ")");
    }
    try {
        out.snapshot = snapshotFromJson(doc);
    } catch (const SchemaError &e) {
        throw std::runtime_error(m.path + ": not an nsviz snapshot: " + e.what());
    }
    if (doc.is_object() && doc.contains("sandboxes"))
        out.sandboxes = doc["sandboxes"];
    return out;
}

int runCompare(const CompareArgs &a)
{
    Moment x, y;
    try {
        x = loadMoment(a.a);
        y = loadMoment(a.b);
    } catch (const RecordingError &e) {
        return runtimeError(e.what());
    } catch (const std::runtime_error &e) {
        return runtimeError(e.what());
    }
    nlohmann::json cmp =
        compareSnapshots(x.snapshot, y.snapshot, a.a, a.b, x.sandboxes.is_array() ? &x.sandboxes : nullptr,
                         y.sandboxes.is_array() ? &y.sandboxes : nullptr);
    if (a.json)
        std::cout << cmp.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    else
        std::cout << compareToText(cmp);
    std::cout.flush();
    return std::cout ? ExitOk : runtimeError("could not write the output");
}
} // namespace

void addCompareCommand(CLI::App &app, CommandTable &table)
{
    auto a = std::make_shared<CompareArgs>();
    auto *sub = app.add_subcommand("compare", "Compare two moments of a host: namespaces, processes and "
                                              "sandboxes that appeared, disappeared or moved");
    sub->add_option("A", a->a,
                    "before: a snapshot file (scan --json) or a recording moment FILE@SECONDS, FILE@end")
        ->required();
    sub->add_option("B", a->b, "after: the same kinds as A")->required();
    sub->add_flag("--json", a->json, "print the \"nsviz.compare/1\" JSON document (docs/compare.md)");
    table.add(sub, [a] { return runCompare(*a); });
}

} // namespace nsviz::helper
