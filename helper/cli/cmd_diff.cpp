// SPDX-License-Identifier: GPL-2.0-or-later
// nsviz-helper diff PID [--against PID] [--json] [--proc DIR]
// nsviz-helper findings [--json] [--proc DIR]
#include "helper/cli/commands.h"
#include "helper/cli/procrootcheck.h"

#include "core/discovery/discovery.h"
#include "core/discovery/hostreference.h"
#include "core/inspect/diff.h"
#include "core/inspect/findings.h"
#include "core/inspect/inspector.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

namespace nsviz::helper
{

namespace
{

// The kernel's PID_MAX_LIMIT (4M): anything above cannot be a pid.
constexpr int kPidMax = 4194304;

struct DiffOptions {
    int pid = 0;
    int against = 0;
    bool json = false;
    std::string procRoot = "/proc";
};

struct FindingsOptions {
    bool json = false;
    std::string procRoot = "/proc";
};

bool isDirectory(const std::string &path)
{
    struct stat st {
    };
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

const char *kUnprivileged =
    "running without root: other users' processes, and what needs entering a namespace "
    "(hostname, IPv4 addresses, link state, IPC objects, the cgroup view), are not visible";

int runDiff(const DiffOptions &o)
{
    if (o.pid <= 0 || o.pid > kPidMax)
        return usageError("PID must be between 1 and " + std::to_string(kPidMax));
    if (o.against < 0 || o.against > kPidMax)
        return usageError("--against must be between 1 and " + std::to_string(kPidMax));
    if (!isDirectory(o.procRoot))
        return usageError("--proc " + o.procRoot + " is not a directory");
    if (std::string why = procRootRefusal(o.procRoot); !why.empty())
        return runtimeError(why);
    // The host reference is discovery's: no snapshot here, so the host step runs on a minimal scan.
    HostReference ref;
    if (o.against > 0) {
        ref.pid = o.against;
    } else {
        ref = findHostReference(o.procRoot);
        if (!ref.valid())
            return runtimeError("no host reference to compare with (" + ref.note +
                                "); name a process with --against PID");
    }
    Inspector inspector(o.procRoot);
    nlohmann::json a = inspector.inspect(o.pid);
    nlohmann::json b = inspector.inspect(ref.pid);
    nlohmann::json d = diffInspections(a, b);
    {
        // What A is (its sandbox) decides what its sharing means; the sandboxes need a scan.
        DiscoveryOptions so;
        so.procRoot = o.procRoot;
        so.fds = false;
        markSandbox(d, discover(so));
    }
    if (o.against > 0)
        d["b"]["hostReference"] = false;
    else
        markHostReference(d, ref);
    if (::geteuid() != 0)
        d["notes"].push_back(kUnprivileged);
    if (o.json)
        // Exact names (nlohmann escapes controls); bytes that are not UTF-8 become U+FFFD, never a throw.
        std::cout << d.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    else
        std::cout << diffToText(d);
    std::cout.flush();
    if (a.value("state", "") != "running")
        return runtimeError("pid " + std::to_string(o.pid) + ": " +
                            a.value("error", std::string("not readable")));
    if (b.value("state", "") != "running")
        return runtimeError("reference pid " + std::to_string(ref.pid) + ": " +
                            b.value("error", std::string("not readable")));
    return 0;
}

int runFindings(const FindingsOptions &o)
{
    if (!isDirectory(o.procRoot))
        return usageError("--proc " + o.procRoot + " is not a directory");
    if (std::string why = procRootRefusal(o.procRoot); !why.empty())
        return runtimeError(why);
    DiscoveryOptions opts;
    opts.procRoot = o.procRoot;
    opts.fds = false; // bind mounts stay: /run/netns names `ip netns` sandboxes
    Snapshot snap = discover(opts);
    if (snap.processes.empty())
        return runtimeError("--proc " + o.procRoot +
                            ": no process directories found (is it a proc file system?)");
    nlohmann::json f = findHostSharing(snap, o.procRoot);
    for (const auto &w : snap.warnings)
        if (w != snap.host.referenceNote) // already the reference's note
            f["notes"].push_back(w);
    if (::geteuid() != 0)
        f["notes"].push_back(kUnprivileged);
    if (o.json)
        std::cout << f.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    else
        std::cout << findingsToText(f);
    return 0;
}

} // namespace

void addDiffCommands(CLI::App &app, CommandTable &table)
{
    auto d = std::make_shared<DiffOptions>();
    auto *diff =
        app.add_subcommand("diff", "Compare a process's namespaces and what differs inside them with "
                                   "the host reference (PID 1, or kthreadd when PID 1 is not readable)");
    diff->add_option("PID", d->pid, "process to inspect (the container)")->required();
    diff->add_option("--against", d->against, "compare with this process instead of the host reference");
    diff->add_flag("--json", d->json, "print the \"nsviz.diff/1\" JSON document");
    diff->add_option("--proc", d->procRoot, "proc tree to read (default /proc)");
    table.add(diff, [d] { return runDiff(*d); });

    auto f = std::make_shared<FindingsOptions>();
    auto *find =
        app.add_subcommand("findings", "List containers that share namespaces with the host, worst first");
    find->add_flag("--json", f->json, "print the \"nsviz.findings/1\" JSON document");
    find->add_option("--proc", f->procRoot, "proc tree to read (default /proc)");
    table.add(find, [f] { return runFindings(*f); });
}

} // namespace nsviz::helper
