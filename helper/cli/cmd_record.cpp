// SPDX-License-Identifier: GPL-2.0-or-later
// nsviz-helper record --out FILE [--interval-ms N] [--duration S] [--max-bytes B] [--proc DIR]
#include "helper/cli/commands.h"
#include "helper/cli/procrootcheck.h"
#include "helper/cli/recorder.h"

#include "core/model/textsafe.h"
#include "core/protocol/protocol.h"

#include <CLI/CLI.hpp>
#include <cmath>
#include <csignal>
#include <iostream>
#include <memory>
#include <sys/stat.h>

namespace nsviz::helper
{

namespace
{
struct RecordArgs {
    std::string out;
    int intervalMs = protocol::kDefaultIntervalMs;
    double durationS = 0;
    std::uint64_t maxBytes = 0;
    std::string proc = "/proc";
};

extern "C" void onStopSignal(int)
{
    stopRecording();
}

std::string describeEnd(RecordingEnd e, const RecordArgs &a)
{
    switch (e) {
    case RecordingEnd::Duration:
        return "--duration reached";
    case RecordingEnd::MaxBytes:
        return "stopped: the next frame would pass --max-bytes " + std::to_string(a.maxBytes);
    case RecordingEnd::Stopped:
        return "stopped on request";
    case RecordingEnd::SourceEnded:
        return "the stream ended";
    case RecordingEnd::None:
        break;
    }
    return "ended";
}

int runRecord(const RecordArgs &a)
{
    if (a.out.empty())
        return usageError("--out FILE is required");
    if (!std::isfinite(a.durationS) || a.durationS < 0 || a.durationS > 31.0 * 24 * 3600)
        return usageError("--duration must be between 0 (until stopped) and 31 days in seconds");
    if (a.maxBytes != 0 && a.maxBytes <= RecordingWriter::kEndReserve)
        return usageError("--max-bytes must be more than " + std::to_string(RecordingWriter::kEndReserve));
    struct stat st {
    };
    if (::stat(a.proc.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return usageError("--proc " + a.proc + ": not a directory");
    if (std::string why = procRootRefusal(a.proc); !why.empty())
        return runtimeError(why);

    struct sigaction sa {
    };
    sa.sa_handler = onStopSignal;
    sigemptyset(&sa.sa_mask);
    for (int sig : {SIGINT, SIGTERM, SIGHUP})
        sigaction(sig, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    RecordOptions o;
    o.out = a.out;
    o.intervalMs = a.intervalMs;
    o.durationMs = static_cast<std::int64_t>(std::llround(a.durationS * 1000));
    o.maxBytes = a.maxBytes;
    o.procRoot = a.proc;
    RecordOutcome r = record(o);
    if (!r.ok)
        return runtimeError("record: " + r.error);
    std::cerr << "nsviz-helper: recorded " << r.frames << " frame" << (r.frames == 1 ? "" : "s") << " ("
              << r.bytes << " bytes, " << (r.lastMs / 100) / 10.0 << " s) to " << terminalSafe(a.out) << "; "
              << describeEnd(r.end, a) << "\n";
    return ExitOk;
}
} // namespace

void addRecordCommand(CLI::App &app, CommandTable &table)
{
    auto a = std::make_shared<RecordArgs>();
    auto *sub = app.add_subcommand("record", "Record the host over time: a snapshot, then timestamped "
                                             "deltas (nsviz.recording/1, docs/recording.md)");
    sub->add_option("--out", a->out, "file to write (created with mode 0600, replaced if it exists)")
        ->required();
    sub->add_option("--interval-ms", a->intervalMs, "scan interval")
        ->check(CLI::Range(protocol::kMinIntervalMs, protocol::kMaxIntervalMs))
        ->capture_default_str();
    sub->add_option("--duration", a->durationS,
                    "stop after this many seconds (default: until SIGINT/SIGTERM)");
    sub->add_option("--max-bytes", a->maxBytes, "stop cleanly before the file would grow past this size");
    sub->add_option("--proc", a->proc, "proc root to scan (default /proc)");
    table.add(sub, [a] { return runRecord(*a); });
}

} // namespace nsviz::helper
