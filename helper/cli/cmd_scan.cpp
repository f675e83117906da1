// SPDX-License-Identifier: GPL-2.0-or-later
// `nsviz-helper scan`: one snapshot, as JSON (nsviz.snapshot/1, docs/schema.md) or as a table.
#include "core/discovery/discovery.h"
#include "core/protocol/snapshotwriter.h"
#include "helper/cli/commands.h"
#include "helper/cli/procrootcheck.h"
#include "helper/cli/scantable.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>
#include <sys/stat.h>
#include <system_error>

namespace nsviz::helper
{

namespace
{
struct ScanArgs {
    bool json = false;
    bool tasks = false;
    unsigned threads = 0;
    std::string proc = "/proc";
};

int runScan(const ScanArgs &args)
{
    struct stat st {
    };
    if (::stat(args.proc.c_str(), &st) != 0)
        return usageError("--proc " + args.proc + ": " + std::generic_category().message(errno));
    if (!S_ISDIR(st.st_mode))
        return usageError("--proc " + args.proc + ": not a directory");
    if (std::string why = procRootRefusal(args.proc); !why.empty())
        return runtimeError(why);
    DiscoveryOptions opts;
    opts.procRoot = args.proc;
    opts.tasks = args.tasks;
    opts.threads = args.threads;
    Snapshot s;
    try {
        s = discover(opts);
    } catch (const std::system_error &e) {
        return runtimeError(e.what());
    }
    if (s.processes.empty())
        return runtimeError("--proc " + args.proc +
                            ": no process directories found (is it a proc file system?)");
    if (args.json) {
        // The same document as toJson(s).dump(), without building a json tree first (tested).
        std::string text = SnapshotWriter::write(s);
        text += '\n';
        std::fwrite(text.data(), 1, text.size(), stdout);
    } else {
        ScanTable(s).print(std::cout);
    }
    std::fflush(stdout);
    if (std::ferror(stdout))
        return runtimeError("could not write the output");
    return 0;
}
} // namespace

void addScanCommand(CLI::App &app, CommandTable &table)
{
    auto args = std::make_shared<ScanArgs>();
    auto *sub = app.add_subcommand("scan", "Scan all processes and namespaces once and print them");
    sub->add_flag("--json", args->json, "Print one nsviz.snapshot/1 JSON document (see docs/schema.md)");
    sub->add_option("--proc", args->proc, "Proc file system to scan (default /proc)");
    sub->add_flag("--tasks", args->tasks, "Also look at every thread for namespaces its process is not in");
    sub->add_option("--threads", args->threads, "Threads reading /proc (default 0: by machine and tree size)")
        ->check(CLI::Range(0u, 64u));
    table.add(sub, [args] { return runScan(*args); });
}

} // namespace nsviz::helper
