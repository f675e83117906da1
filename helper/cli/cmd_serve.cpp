// SPDX-License-Identifier: GPL-2.0-or-later
// nsviz-helper serve: the protocol over stdin/stdout (docs/protocol.md).
#include "helper/cli/commands.h"
#include "helper/serve/privileges.h"
#include "helper/serve/server.h"

#include <CLI/CLI.hpp>
#include <csignal>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

namespace nsviz::helper
{

namespace
{
extern "C" void onTerminate(int)
{
    Server::requestStop();
}

void installSignals()
{
    // A vanished reader must end the loop with EPIPE, not kill us before the end hooks run.
    std::signal(SIGPIPE, SIG_IGN);
    struct sigaction sa {
    };
    sa.sa_handler = onTerminate;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; // no SA_RESTART: poll() must return EINTR so the loop sees the stop
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGHUP, &sa, nullptr);
}
} // namespace

void addServeCommand(CLI::App &app, CommandTable &table)
{
    auto *sub = app.add_subcommand(
        "serve", "Speak the nsviz protocol on stdin/stdout (for the GUI, pkexec, sudo, ssh)");
    struct Opts {
        std::string proc = "/proc";
        std::size_t chunkBytes = protocol::kDefaultChunkBytes;
        bool quiet = false;
        bool noDemos = false;
    };
    auto opts = std::make_shared<Opts>();
    sub->add_option("--proc", opts->proc, "proc root to scan")->capture_default_str();
    sub->add_option("--chunk-bytes", opts->chunkBytes, "target size of snapshot/delta parts")
        ->check(CLI::Range(std::size_t(1024), protocol::kMaxFrameBytes))
        ->capture_default_str();
    sub->add_flag("--quiet", opts->quiet, "no log lines on stderr");
    sub->add_flag("--no-demos", opts->noDemos,
                  "answer demo_* with \"unsupported\" and keep only the capabilities scan and inspect need");
    table.add(sub, [opts] {
        struct stat st {
        };
        if (::stat(opts->proc.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
            return usageError("--proc " + opts->proc + ": not a directory");
        installSignals();
        // Before the first thread and the first request: keep only what serving needs.
        if (std::string e = dropPrivileges(!opts->noDemos); !e.empty())
            return runtimeError("cannot drop privileges: " + e);
        Server::Options o;
        o.procRoot = opts->proc;
        o.limits.chunkBytes = opts->chunkBytes;
        o.log = !opts->quiet;
        Server server(o);
        if (!opts->noDemos)
            for (const auto &extend : serveExtensions())
                extend(server);
        return server.run(STDIN_FILENO, STDOUT_FILENO);
    });
}

} // namespace nsviz::helper
