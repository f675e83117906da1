// SPDX-License-Identifier: GPL-2.0-or-later
// nsviz-helper serve: the protocol over stdin/stdout (docs/protocol.md).
#include "core/proc/fdlimit.h"
#include "core/proc/heap.h"
#include "helper/cli/commands.h"
#include "helper/cli/procrootcheck.h"
#include "helper/demo/caller.h"
#include "helper/demo/demoserve.h"
#include "helper/serve/privileges.h"
#include "helper/serve/server.h"

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
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
    // Two commands, because polkit tells pkexec requests apart only by argv[1]
    // (org.freedesktop.policykit.exec.argv1): `serve` is the read-only action (auth_admin_keep),
    // `serve-demos` the one that may start containers (auth_admin every time). docs/security.md.
    for (bool demos : {false, true}) {
        auto *sub =
            demos ? app.add_subcommand("serve-demos", "Like serve, and also start, stop and list "
                                                      "the caller's demo containers")
                  : app.add_subcommand("serve", "Speak the nsviz protocol on stdin/stdout (for the GUI, "
                                                "pkexec, sudo, ssh); read-only, no demo containers");
        struct Opts {
            std::string proc = "/proc";
            std::size_t chunkBytes = protocol::kDefaultChunkBytes;
            bool quiet = false;
            std::string live;
        };
        auto opts = std::make_shared<Opts>();
        sub->add_option("--proc", opts->proc, "proc root to scan")->capture_default_str();
        sub->add_option("--chunk-bytes", opts->chunkBytes, "target size of snapshot/delta parts")
            ->check(CLI::Range(std::size_t(1024), protocol::kMaxFrameBytes))
            ->capture_default_str();
        sub->add_flag("--quiet", opts->quiet, "no log lines on stderr");
        sub->add_option("--live", opts->live,
                        "how a subscription learns of changes: auto (the kernel's process events where "
                        "possible, else polling) or polling; default from NSVIZ_LIVE, else auto")
            ->check(CLI::IsMember({"auto", "polling"}));
        table.add(sub, [opts, demos] {
            Caller caller;
            try {
                caller = callerFromEnvironment();
            } catch (const std::exception &e) {
                return runtimeError(e.what());
            }
            struct stat st {
            };
            if (::stat(opts->proc.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
                return usageError("--proc " + opts->proc + ": not a directory");
            if (std::string why = procRootRefusal(opts->proc, caller); !why.empty())
                return runtimeError(why);
            installSignals();
            tuneHeap();     // before the first thread (core/proc/heap.h)
            raiseFdLimit(); // room for a mountinfo watch per mount namespace (core/proc/fdlimit.h)
            std::string live = opts->live;
            if (live.empty())
                if (const char *env = std::getenv("NSVIZ_LIVE"))
                    live = env;
            if (!live.empty() && live != "auto" && live != "polling")
                return usageError("NSVIZ_LIVE=" + live + ": expected auto or polling");
            Server::Options o;
            o.live = live == "polling" ? Server::Options::Live::Polling : Server::Options::Live::Auto;
            // While still root: older kernels check CAP_NET_ADMIN against the socket's opener.
            if (o.live == Server::Options::Live::Auto) {
                o.connector = Server::openConnector(opts->proc, o.connectorError);
                if (!o.connector && o.connectorError.empty())
                    o.connectorError = "no proc connector";
            }
            // Before the first thread and the first request: keep only what serving needs (and
            // what demo containers need only in serve-demos).
            if (std::string e = dropPrivileges(demos); !e.empty())
                return runtimeError("cannot drop privileges: " + e);
            o.procRoot = opts->proc;
            o.limits.chunkBytes = opts->chunkBytes;
            o.log = !opts->quiet;
            Server server(o);
            for (const auto &extend : serveExtensions())
                extend(server);
            if (demos)
                installDemoHandlers(server);
            else
                refuseDemoRequests(server);
            return server.run(STDIN_FILENO, STDOUT_FILENO);
        });
    }
}

} // namespace nsviz::helper
