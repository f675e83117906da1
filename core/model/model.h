// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file model.h The snapshot model shared by the helper, the app and the tests.
///
/// A namespace is identified by (dev, inode) of its nsfs file, a process by (pid, start time),
/// so a reused pid is never mistaken for the old process.

#include "core/model/nstype.h"
#include "core/model/sandbox.h"

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace nsviz
{

/// Identity of a namespace: the (st_dev, st_ino) of its nsfs file. ino == 0 means "unknown".
struct NsId {
    std::uint64_t dev = 0;
    std::uint64_t ino = 0;
    bool valid() const { return ino != 0; }
    auto operator<=>(const NsId &) const = default;
};

struct NsIdHash {
    std::size_t operator()(const NsId &id) const noexcept
    {
        return std::hash<std::uint64_t>()(id.ino * 1000003u ^ id.dev);
    }
};

/// Identity of a process: pid plus start time (clock ticks after boot, field 22 of stat).
struct ProcKey {
    int pid = 0;
    std::uint64_t startTime = 0;
    auto operator<=>(const ProcKey &) const = default;
};

/// How a namespace was found. A bitmask: a namespace may be found several ways.
enum FoundBy : std::uint8_t {
    FoundByProcess = 1,   ///< some process is in it (/proc/PID/ns/TYPE)
    FoundByBindMount = 2, ///< an nsfs bind mount holds it (mountinfo of some mount namespace)
    FoundByFd = 4,        ///< some process holds an open fd to it (/proc/PID/fd/N)
    FoundByHidden = 8,    ///< only seen as the parent or owner of another namespace
};

/// One namespace.
struct Namespace {
    NsType type = NsType::Mnt;
    NsId id;
    std::vector<int> pids;    ///< processes in it, ascending
    std::uint8_t foundBy = 0; ///< FoundBy bits
    /// Owning user namespace (NS_GET_USERNS). nullopt with ownerKnown == true: it has none
    /// (the initial user namespace). ownerKnown == false: the kernel would not tell (EPERM, old kernel).
    std::optional<NsId> owner;
    bool ownerKnown = true;
    /// Parent (NS_GET_PARENT), pid and user namespaces only; same convention as owner.
    std::optional<NsId> parent;
    bool parentKnown = true;
    /// Owner uid of a user namespace (NS_GET_OWNER_UID).
    std::optional<std::uint32_t> ownerUid;
    bool isHost = false;                 ///< this is one of the host reference process's namespaces
    std::vector<std::string> bindMounts; ///< mount points that hold it (as "mntns-inode:path")
    std::vector<std::string> fdHolders;  ///< "pid/fd" of open fds that refer to it
};

/// One process (thread group).
struct Process {
    int pid = 0;
    int ppid = 0;
    std::uint32_t uid = 0;  ///< real uid
    std::uint32_t euid = 0; ///< effective uid
    std::uint32_t gid = 0;  ///< real gid
    std::uint64_t startTime = 0;
    char state = '?';
    std::string comm;
    std::vector<std::string> cmdline; ///< argv; empty for kernel threads or when not readable
    /// Arguments were dropped or cut: argv is kept to procparse::kMaxCmdlineArgs arguments and
    /// procparse::kMaxCmdlineBytes bytes, so that a hostile argv costs the scan nothing.
    bool cmdlineTruncated = false;
    std::vector<int> nspid; ///< NSpid from status: pid in each pid namespace, outermost first
    std::string cgroup;     ///< cgroup v2 path ("0::" line) or, on v1-only hosts, the first line's path
    std::array<NsId, kNsTypeCount> ns{}; ///< indexed by index(NsType); invalid where unreadable/unsupported
    bool visible = true;                 ///< false when some namespace links could not be read (permissions)
    /// The process has exited and not been reaped (a zombie, state Z or X): the kernel has released
    /// its namespaces, so none can be read. Not a permission problem: such a process counts as
    /// neither visible nor invisible, and the GUI shows it as exited, not as "not readable".
    bool exited = false;
    bool kernelThread = false;        ///< child of kthreadd or kthreadd itself
    std::uint8_t differsFromHost = 0; ///< bit index(t) set when ns[t] is valid and differs from the host's

    ProcKey key() const { return {pid, startTime}; }
    bool differs(NsType t) const { return differsFromHost & (1u << index(t)); }
};

/// A task whose namespaces differ from those of its thread group leader (--tasks).
struct LooseThread {
    int pid = 0; ///< thread group id
    int tid = 0;
    std::string comm;
    std::array<NsId, kNsTypeCount> ns{};
};

/// Facts about the scanned host and the scan itself.
struct HostInfo {
    std::string hostname;
    std::string kernel; ///< uname release
    std::string bootId;
    std::string procRoot = "/proc";
    double scanMs = 0;         ///< wall time the scan took
    bool privileged = false;   ///< every process's namespaces were readable
    int referencePid = 1;      ///< process whose namespaces define "the host"
    std::string referenceComm; ///< its comm
    std::string referenceNote; ///< why this reference was chosen, e.g. "PID 1 not readable (EACCES)"
    /// Its start time (clock ticks after boot); with referencePid the process's identity, so that a
    /// reused pid is never taken for the reference. 0 when unknown or there is no reference.
    std::uint64_t referenceStartTime = 0;
    int invisibleProcesses = 0;    ///< processes whose namespaces could not be read
    std::uint64_t scannedAtMs = 0; ///< wall clock, ms since the epoch
};

/// One scan of a host.
struct Snapshot {
    HostInfo host;
    std::array<NsId, kNsTypeCount> hostNs{}; ///< the reference process's namespaces
    std::vector<Namespace> namespaces;       ///< sorted by (type, id)
    std::vector<Process> processes;          ///< sorted by pid
    std::vector<LooseThread> looseThreads;
    std::vector<std::string> warnings; ///< things the user should know (not per-pid churn)
    /// The processes grouped into sandboxes (core/sandbox/ classifies them during discovery), by id.
    std::vector<Sandbox> sandboxes;

    const Process *findProcess(int pid) const;
    const Namespace *findNamespace(const NsId &id) const;
};

/// The namespace with @p id (of whichever type) in @p list, which is sorted by (type, id) as a
/// snapshot's namespaces are: one binary search per type. nullptr when it is not there (or the list
/// is not sorted).
const Namespace *findSortedNamespace(const std::vector<Namespace> &list, const NsId &id);

} // namespace nsviz
