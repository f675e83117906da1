// SPDX-License-Identifier: GPL-2.0-or-later
// nsviz-helper demo start|stop|list, and the hidden modes a running demo is made of.
#include "core/model/textsafe.h"
#include "helper/cli/commands.h"
#include "helper/demo/caller.h"
#include "helper/demo/demomanager.h"

#include <CLI/CLI.hpp>
#include <csignal>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace nsviz::helper
{

namespace
{

struct DemoOptions {
    std::vector<std::string> share;
    std::string hostname;
    long long lifetime = 0;
    bool json = false;
    bool foreground = false;
    long long stopPid = 0;
    bool stopAll = false;
    bool listJson = false;
    std::string supervisorConfig;
};

std::string describe(const DemoRecord &r)
{
    std::ostringstream out;
    out << "demo container " << terminalSafe(r.hostname) << ": init pid " << r.pid << "\n";
    for (NsType t : kAllNsTypes)
        out << "  " << std::left << std::setw(7) << nsTypeName(t) << std::setw(12) << r.nsInode[index(t)]
            << (r.fresh[index(t)] ? "fresh" : "shared with the host") << "\n";
    out << "  cgroup " << (r.cgroup.empty() ? std::string("(none)") : terminalSafe(r.cgroup)) << "\n";
    for (const auto &n : r.notes)
        out << "  note: " << terminalSafe(n) << "\n";
    return out.str();
}

/// The uid the demos are started, listed and stopped for; nullopt after printing why.
std::optional<std::uint32_t> callerUid()
{
    try {
        return callerFromEnvironment().uid;
    } catch (const std::exception &e) {
        runtimeError(e.what());
        return std::nullopt;
    }
}

std::string expiresIn(const DemoRecord &r)
{
    auto now = std::uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count());
    long long s = r.expiresAtMs > now ? (long long)((r.expiresAtMs - now) / 1000) : 0;
    return std::to_string(s / 60) + "m" + std::to_string(s % 60) + "s";
}

int runStart(const DemoOptions &o, CLI::App *sub)
{
    std::optional<std::string> hostname;
    if (sub->count("--hostname"))
        hostname = o.hostname;
    std::optional<long long> lifetime;
    if (sub->count("--lifetime"))
        lifetime = o.lifetime;
    auto parsed = demoSpecFromArgs(o.share, hostname, lifetime);
    if (!parsed)
        return usageError(parsed.error);

    std::optional<DemoOwner> owner;
    sigset_t waitSet;
    if (o.foreground) {
        owner = DemoOwner{int(::getpid()), 0};
        // Block the stop signals before starting so none is lost between start and sigwait.
        sigemptyset(&waitSet);
        for (int s : {SIGINT, SIGTERM, SIGHUP})
            sigaddset(&waitSet, s);
        ::sigprocmask(SIG_BLOCK, &waitSet, nullptr);
    }
    auto caller = callerUid();
    if (!caller)
        return 1;
    DemoManager mgr;
    DemoRecord rec;
    try {
        rec = mgr.start(*parsed.spec, owner, *caller);
    } catch (const DemoError &e) {
        return e.code() == "bad_request" ? usageError(e.what()) : runtimeError(e.what());
    }
    if (o.json) {
        std::cout << rec.toJson().dump() << std::endl;
    } else {
        std::cout << describe(rec);
        if (o.foreground)
            std::cout << "It ends when this command ends (Ctrl-C) or after " << rec.lifetimeSec << " s."
                      << std::endl;
        else
            std::cout << "It runs until 'nsviz-helper demo stop " << rec.pid << "' or for " << rec.lifetimeSec
                      << " s." << std::endl;
    }
    if (!o.foreground)
        return 0;
    // Owner mode: the demo belongs to this process. A signal stops it cleanly; SIGKILL makes the
    // supervisor notice (pidfd) and end it anyway.
    int sig = 0;
    ::sigwait(&waitSet, &sig);
    try {
        mgr.stop(rec.pid, *caller);
    } catch (const DemoError &e) {
        if (e.code() != "not_found")
            return runtimeError(e.what());
    }
    return 0;
}

int runStop(const DemoOptions &o, CLI::App *sub)
{
    bool havePid = sub->count("pid") > 0;
    if (havePid == o.stopAll)
        return usageError("demo stop needs a PID or --all");
    auto caller = callerUid();
    if (!caller)
        return 1;
    DemoManager mgr;
    try {
        if (o.stopAll) {
            // Root stops every demo; anyone else (a pkexec/sudo caller) only their own.
            int n = mgr.stopAll(*caller);
            std::cout << "stopped " << n << " demo container" << (n == 1 ? "" : "s") << std::endl;
            return 0;
        }
        if (o.stopPid <= 0 || o.stopPid > 4 * 1024 * 1024)
            return usageError("invalid pid " + std::to_string(o.stopPid));
        mgr.stop(int(o.stopPid), *caller);
        std::cout << "stopped demo container " << o.stopPid << std::endl;
        return 0;
    } catch (const DemoError &e) {
        return e.code() == "bad_request" ? usageError(e.what()) : runtimeError(e.what());
    }
}

int runList(const DemoOptions &o)
{
    auto caller = callerUid();
    if (!caller)
        return 1;
    DemoManager mgr;
    std::vector<DemoRecord> demos;
    try {
        demos = mgr.list(*caller);
    } catch (const DemoError &e) {
        return runtimeError(e.what());
    }
    if (o.listJson) {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto &r : demos)
            arr.push_back(r.toJson());
        std::cout << nlohmann::json{{"schema", "nsviz.demolist/1"}, {"demos", arr}}.dump() << std::endl;
        return 0;
    }
    if (demos.empty()) {
        std::cout << "no demo containers running" << std::endl;
        return 0;
    }
    std::cout << std::left << std::setw(9) << "PID" << std::setw(26) << "HOSTNAME" << std::setw(24)
              << "SHARED" << std::setw(9) << "OWNER"
              << "ENDS IN\n";
    for (const auto &r : demos) {
        std::string shared;
        for (NsType t : kAllNsTypes)
            if (!r.fresh[index(t)])
                shared += (shared.empty() ? "" : ",") + std::string(nsTypeName(t));
        // A trailing space keeps columns apart when a long hostname or share list overflows.
        std::cout << std::setw(9) << r.pid << std::setw(26) << (terminalSafe(r.hostname) + " ")
                  << std::setw(24) << ((shared.empty() ? std::string("-") : shared) + " ") << std::setw(9)
                  << (r.ownerPid ? std::to_string(r.ownerPid) : std::string("-")) << expiresIn(r) << "\n";
    }
    return 0;
}

} // namespace

void addDemoCommands(CLI::App &app, CommandTable &table)
{
    auto o = std::make_shared<DemoOptions>();
    auto *demo = app.add_subcommand("demo", "Start, stop and list demo containers (needs root)");
    demo->require_subcommand(1);

    auto *start = demo->add_subcommand("start", "Start a demo container in fresh namespaces");
    start
        ->add_option("--share", o->share,
                     "Namespace types to share with the host instead of making fresh ones "
                     "(comma-separated: mnt,pid,net,uts,ipc,user,cgroup,time)")
        ->delimiter(',')
        ->allow_extra_args(false);
    start->add_option("--hostname", o->hostname, "Hostname inside (default nsviz-demo-N; needs a fresh uts)");
    start->add_option("--lifetime", o->lifetime,
                      "Seconds until it ends by itself (default 3600, at most 86400)");
    start->add_flag("--json", o->json, "Print the nsviz.demo/1 JSON document");
    start->add_flag("--foreground", o->foreground,
                    "Stay attached: the demo ends when this command ends (Ctrl-C, or even SIGKILL)");
    table.add(start, [o, start] { return runStart(*o, start); });

    auto *stop = demo->add_subcommand("stop", "Stop a demo container by its init pid, or all of them");
    stop->add_option("pid", o->stopPid, "Init pid of the demo (as printed by 'demo start' and 'demo list')");
    stop->add_flag("--all", o->stopAll, "Stop all of your demo containers (as root: everyone's)");
    table.add(stop, [o, stop] { return runStop(*o, stop); });

    auto *list = demo->add_subcommand("list", "List the running demo containers");
    list->add_flag("--json", o->listJson, "Print JSON (nsviz.demolist/1)");
    table.add(list, [o] { return runList(*o); });

    // The hidden modes a demo is made of: fixed programs, no user command line.
    auto *sup = app.add_subcommand(kDemoSuperviseMode, "");
    sup->group("");
    sup->add_option("config", o->supervisorConfig)->required();
    table.add(sup, [o] { return runDemoSupervisor(o->supervisorConfig); });
    auto *init = app.add_subcommand(kDemoInitMode, "");
    init->group("");
    table.add(init, [] { return runDemoInit(); });
}

} // namespace nsviz::helper
