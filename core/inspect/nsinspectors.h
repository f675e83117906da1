// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file nsinspectors.h The per-namespace-type parts of Inspector, as a table of small inspectors
/// (the way lxkns lists its discoverers): each reads one section of "nsviz.inspect/1"; those that
/// must run inside the namespace say what to gather there, and whether that holds for the whole
/// namespace (and so is gathered once per namespace and cached).

#include "core/model/nstype.h"
#include "core/proc/procfiles.h"

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace nsviz::nsinspect
{

/// Device and inode of a path (a namespace link, a root directory), or the errno of stat().
struct NsStat {
    std::uint64_t dev = 0, ino = 0;
    int err = 0;
};
NsStat statPath(const std::string &path);

/// At most this much of any one file is read during an inspection.
inline constexpr std::size_t kMaxFileBytes = std::size_t(4) << 20;

/// A file of the target's proc tree into @p out: at most kMaxFileBytes, opened with
/// O_NOFOLLOW|O_NONBLOCK and refused unless a regular file (ProcReader::openRegular()). Returns 0
/// or the errno; a file cut at the cap returns 0 with what was read, and its path is noted
/// (noteCutFile()) so that the answer can say so.
int readText(const std::string &path, std::string &out);

/// Notes that @p path was cut at its cap during the inspection running on this thread.
void noteCutFile(std::string path);
/// The paths noted on this thread since the last call (sorted, unique); forgets them.
std::vector<std::string> takeCutFiles();

/// One message per errno, in the words the user should read.
std::string errText(int e);

/// What an Inspector keeps between inspect() calls.
struct Cache {
    /// (type, ns inode) -> what was gathered inside the namespace (only successes).
    std::map<std::pair<NsType, std::uint64_t>, nlohmann::json> gathered;
    /// pid ns inode -> parent inode (0: none or not visible).
    std::map<std::uint64_t, std::uint64_t> pidNsParent;
    /// pid ns inode -> {visibleProcesses, visibleProcessesNote, init}: counted once per namespace,
    /// so two processes of one namespace do not differ just because the host forked in between.
    std::map<std::uint64_t, nlohmann::json> pidNsView;
};

/// The process being inspected: what the sections read.
struct Target {
    int pid = 0;
    /// A pidfd of the process (live /proc only; -1 otherwise): the namespace-entering child enters
    /// through it (setns(pidfd, CLONE_NEW*), Linux 5.8), so a pid reused meanwhile is never entered.
    int pidfd = -1;
    std::string procRoot;
    bool live = false; ///< procRoot is the live /proc: entering namespaces and ioctls make sense
    bool haveStatus = false;
    procparse::Status status;
    std::array<NsStat, kNsTypeCount> ns{};             ///< the process's namespaces
    std::array<bool, kNsTypeCount> ours{};             ///< shared with the inspector itself
    nlohmann::json entered = nlohmann::json::object(); ///< the namespace-entering child's answer

    std::string path(const char *rel) const;
    std::uint64_t nsIno(NsType t) const { return ns[index(t)].err ? 0 : ns[index(t)].ino; }
};

/// Where an inspector gathers its inside view when the namespace is the inspector's own.
enum class WhenOurs {
    GatherHere, ///< in this process, no child needed
    Enter,      ///< in the child anyway (it changes more than the namespace: ipc unshares mnt)
    Skip,       ///< not at all: the view from outside is the view from inside
};

/// One namespace type's inspector.
struct NsInspector {
    NsType type;
    /// Gathers, from inside the namespace, what cannot be read from outside; runs in a forked child
    /// that entered the namespace with setns(). Null when the section needs nothing inside.
    nlohmann::json (*gatherInside)(const Target &) = nullptr;
    /// What gatherInside returns holds for every process of the namespace: gather once, cache.
    bool perNamespace = false;
    WhenOurs whenOurs = WhenOurs::Skip;
    /// Builds the section from the target, what was gathered inside and the cache.
    nlohmann::json (*section)(const Target &, Cache &) = nullptr;
};

/// One inspector per namespace type. The namespace-entering child enters them in this order, so
/// ipc comes last (listing its message queues unshares the mount namespace).
const std::array<NsInspector, kNsTypeCount> &nsInspectors();

/// The section a table entry gathered inside its namespace: from the cache, else the child's
/// answer, else an {"error"} saying why there is none.
nlohmann::json gathered(const NsInspector &in, const Target &t, const Cache &cache);

/// The security context: ids, capabilities, no_new_privs, seccomp (from status) and the LSM label.
/// @p statusError is why status could not be read ("" when it could).
nlohmann::json securitySection(const Target &t, const std::string &statusError);

} // namespace nsviz::nsinspect
