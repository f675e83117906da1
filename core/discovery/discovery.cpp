// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/discovery/discovery.h"
#include "core/discovery/bindmountstep.h"
#include "core/discovery/discoverycontext.h"
#include "core/discovery/fdstep.h"
#include "core/discovery/hierarchystep.h"
#include "core/discovery/hoststep.h"
#include "core/discovery/processstep.h"
#include "core/discovery/sandboxstep.h"
#include "core/discovery/taskstep.h"
#include "core/proc/nsfsquery.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

namespace nsviz
{

namespace
{
/// NSVIZ_TRACE_STEPS (set to anything) prints each step's time to stderr (see README, Speed).
/// A debugging aid for the CLI and the helper, which core has no logging for. Read once: a live
/// session scans every second, and getenv races with a setenv on another thread.
bool traceSteps()
{
    static const bool trace = std::getenv("NSVIZ_TRACE_STEPS") != nullptr;
    return trace;
}
} // namespace

std::vector<ProcessRecord> readProcessRecords(const DiscoveryOptions &opts, const std::vector<int> &pids)
{
    NsfsQuery query;
    Snapshot unused;
    DiscoveryContext ctx(opts, query, unused);
    return ProcessStep::readRecords(ctx, pids);
}

Snapshot discover(const DiscoveryOptions &opts)
{
    NsfsQuery query;
    return discover(opts, query);
}

Snapshot discover(const DiscoveryOptions &opts, NsQuery &query)
{
    const auto t0 = std::chrono::steady_clock::now();
    Snapshot s;
    s.host.scannedAtMs = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                        std::chrono::system_clock::now().time_since_epoch())
                                                        .count());
    {
        DiscoveryContext ctx(opts, query, s);
        // The order matters: later steps read what earlier ones found (lxkns discover.go).
        std::vector<std::unique_ptr<DiscoveryStep>> steps;
        steps.push_back(std::make_unique<ProcessStep>());
        if (opts.tasks)
            steps.push_back(std::make_unique<TaskStep>());
        if (opts.fds)
            steps.push_back(std::make_unique<FdStep>());
        if (opts.bindMounts)
            steps.push_back(std::make_unique<BindMountStep>());
        if (opts.hierarchy)
            steps.push_back(std::make_unique<HierarchyStep>());
        steps.push_back(std::make_unique<HostStep>());
        // Last: sandboxes are judged against the host reference the host step decided.
        if (opts.sandboxes)
            steps.push_back(std::make_unique<SandboxStep>());
        const bool trace = traceSteps();
        for (auto &step : steps) {
            const auto s0 = std::chrono::steady_clock::now();
            step->run(ctx);
            if (trace)
                std::fprintf(
                    stderr, "nsviz: step %-10.*s %8.1f ms\n", static_cast<int>(step->name().size()),
                    step->name().data(),
                    std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s0).count());
        }
        if (!opts.hierarchy)
            for (Namespace &n : s.namespaces)
                n.ownerKnown = n.parentKnown = false; // not asked is not "none"
        if (s.processes.empty())
            ctx.warn("no processes found under " + ctx.procRoot());
        else if (ctx.nsDev() == 0 && !s.namespaces.empty())
            ctx.warn("could not stat any namespace file under " + ctx.procRoot() +
                     " to learn the nsfs device; \"dev\" is reported as 0");
    }
    std::sort(s.namespaces.begin(), s.namespaces.end(), [](const Namespace &a, const Namespace &b) {
        return std::tie(a.type, a.id) < std::tie(b.type, b.id);
    });
    for (Namespace &n : s.namespaces)
        std::sort(n.pids.begin(), n.pids.end());
    s.host.scanMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return s;
}

} // namespace nsviz
