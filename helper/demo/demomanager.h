// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file demomanager.h Start, stop and list demo containers. Qt-free; used by the `demo` CLI,
/// and meant to be wired into `serve` (demo_start/demo_stop/demo_list) and the KAuth actions.
///
/// How a demo runs (see docs/demo.md):
///   caller --fork,fork,exec--> supervisor ("nsviz-helper __demo-supervise", host namespaces)
///          --clone(CLONE_NEW*)--> init ("nsviz-helper __demo-init", pid 1 of the demo) --> 2 sleepers
/// The supervisor is not the caller's child (no zombies in serve); it writes the uid/gid map,
/// puts the init into the demo's cgroup, records the demo in the state directory, and ends the
/// demo when it is stopped, when its owner process exits (pidfd), or when its lifetime is over.
/// The init dies with the supervisor (lifeline pipe), so even SIGKILL leaves nothing behind.

#include "core/demo/demospec.h"
#include "helper/demo/subid.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace nsviz::helper
{

/// A refused or failed demo operation. code() is a protocol error code:
/// "bad_request" (invalid input, nothing done), "not_found" (no such demo), "limit" (too many),
/// "permission" (not root), "not_authorised" (another user's demo), "failed" (the system said
/// no; message says why).
class DemoError : public std::runtime_error
{
public:
    DemoError(std::string code, const std::string &message)
        : std::runtime_error(message), m_code(std::move(code))
    {
    }
    const std::string &code() const { return m_code; }

private:
    std::string m_code;
};

/// The process a demo belongs to: when it exits, the demo ends. startTime 0 = look it up now.
struct DemoOwner {
    int pid = 0;
    std::uint64_t startTime = 0;
};

/// One running demo, as recorded in the state directory and reported to clients.
struct DemoRecord {
    int pid = 0;                 ///< the demo's init, as seen from the host
    std::uint64_t startTime = 0; ///< its start time (clock ticks after boot): with pid, its identity
    int supervisorPid = 0;
    std::uint64_t supervisorStartTime = 0;
    int slot = 0;         ///< 1..maxDemos, the N of nsviz-demo-N
    std::string hostname; ///< inside the demo (the host's when uts is shared)
    std::array<bool, kNsTypeCount> fresh{};
    std::array<std::uint64_t, kNsTypeCount> nsInode{}; ///< the init's namespaces (0: unreadable)
    std::uint64_t nsDev = 0;                           ///< st_dev of the nsfs files
    std::uint32_t lifetimeSec = 0;
    std::uint64_t startedAtMs = 0; ///< wall clock, ms since the epoch
    std::uint64_t expiresAtMs = 0;
    int ownerPid = 0; ///< 0: none (lives until stopped or expired)
    std::uint64_t ownerStartTime = 0;
    std::string cgroup;        ///< cgroup v2 path ("/nsviz-demo/demo1"); empty: no own cgroup
    std::string cgroupDir;     ///< the same as an absolute directory
    std::uint32_t uidBase = 0; ///< host uid/gid of root inside (user ns fresh), else 0
    std::uint32_t callerUid =
        0; ///< the user who started it (pkexec/sudo caller); only they or root may stop it
    std::string bootId;
    std::vector<std::string> notes; ///< what could not be done as asked, and why

    /// The "nsviz.demo/1" document: schema, pid, hostname, ns {type: inode}, and the rest.
    nlohmann::json toJson() const;
    /// Parses and validates a record (e.g. a state file); throws DemoError("failed") on any defect.
    static DemoRecord fromJson(const nlohmann::json &j);
};

inline constexpr const char *kDemoSchema = "nsviz.demo/1";
/// The state directory of the installed helper. Fixed at compile time: a helper running for
/// someone else (pkexec, sudo) never takes it from its command line or environment.
inline constexpr const char *kDemoStateDir = "/run/nsviz/demos";
/// Ids a demo with a fresh user namespace maps (root inside = the first of them).
inline constexpr std::uint32_t kDemoIdRange = 65536;
/// Demo id ranges are searched from here upwards, in steps of kDemoIdRange.
inline constexpr std::uint32_t kDemoIdSearchStart = 100000;

class DemoManager
{
public:
    struct Options {
        std::string stateDir = kDemoStateDir;
        /// The nsviz-helper binary that runs the supervisor and init modes. A KAuth helper or
        /// the GUI must pass the installed nsviz-helper here; the helper itself uses its own.
        std::string helperPath = "/proc/self/exe";
        /// cgroup v2 hierarchy; empty: detect (/sys/fs/cgroup if it is cgroup2, else
        /// /sys/fs/cgroup/unified). "none": do not use cgroups.
        std::string cgroupRoot;
        int maxDemos = 8;
        /// Demos one caller (uid) may run at a time, root included.
        int maxDemosPerUser = 3;
        /// Where the id ranges given to users live (subuid(5)); demos never map ids listed there.
        std::string subuidPath = "/etc/subuid";
        std::string subgidPath = "/etc/subgid";
    };

    DemoManager();
    explicit DemoManager(Options options);

    /// Starts a demo and returns once it is fully set up (its processes, namespaces, hostname,
    /// /proc and lo are in place, so a scan right after sees it). With @p owner, the demo ends
    /// when that process exits. The demo belongs to @p callerUid (see Caller). Throws DemoError;
    /// on error nothing is left running.
    DemoRecord start(const DemoSpec &spec, std::optional<DemoOwner> owner = std::nullopt,
                     std::uint32_t callerUid = 0);
    /// Stops the demo whose init is @p pid, after verifying (state file, start time, marker)
    /// that it is one of ours; returns once its processes are gone. Throws DemoError:
    /// bad_request for pid <= 1, not_found for anything that is not a running demo,
    /// not_authorised when it belongs to another user than @p callerUid (root, 0, may stop all).
    void stop(int pid, std::uint32_t callerUid = 0);
    /// Stops every demo of @p callerUid (every demo for root, 0); returns how many were stopped.
    int stopAll(std::uint32_t callerUid = 0);
    /// Stops every demo owned by @p ownerPid (e.g. when a serve connection ends).
    int stopAllOwnedBy(int ownerPid);
    /// The running demos of @p callerUid (all for root, 0), by pid. Records of demos that have
    /// ended are removed on the way.
    std::vector<DemoRecord> list(std::uint32_t callerUid = 0);

    // Protocol-shaped entry points for serve/KAuth: validate "args", act, return the reply body.
    /// demo_start: args per demoSpecFromJson(); returns the "nsviz.demo/1" document.
    nlohmann::json startJson(const nlohmann::json &args, std::optional<DemoOwner> owner,
                             std::uint32_t callerUid = 0);
    /// demo_stop: args {"pid": N} or {"all": true} (the caller's own); returns {"stopped": [pids]}.
    nlohmann::json stopJson(const nlohmann::json &args, std::uint32_t callerUid = 0);
    /// demo_list: args {} ; returns {"schema": "nsviz.demolist/1", "demos": [...]}, the caller's.
    nlohmann::json listJson(const nlohmann::json &args, std::uint32_t callerUid = 0);

    const Options &options() const { return m_opt; }

private:
    Options m_opt;
};

/// The first id of a kDemoIdRange-sized block at or above kDemoIdSearchStart that overlaps
/// none of @p taken (subuid/subgid ranges, other demos' blocks as {"", base, kDemoIdRange}).
/// Throws DemoError("limit") when there is none.
std::uint32_t chooseDemoIdBase(const std::vector<SubIdRange> &taken);

/// The hidden modes of nsviz-helper (argv[1] "__demo-supervise" / "__demo-init"). They only do
/// their part when started the way DemoManager starts them (inherited pipes on fixed fds), and
/// refuse otherwise. They return the process exit code.
int runDemoSupervisor(const std::string &configJson);
int runDemoInit();

inline constexpr const char *kDemoSuperviseMode = "__demo-supervise";
inline constexpr const char *kDemoInitMode = "__demo-init";

} // namespace nsviz::helper
