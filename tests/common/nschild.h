// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file nschild.h A chain of child processes in fresh namespaces, made with unshare(2) and fork(2),
/// for integration tests against the real kernel. Everything it starts dies with it.

#include "core/model/model.h"

#include <cstring>
#include <string>
#include <vector>

namespace nsviz::test
{

/// One process of the chain: it unshares @p flags (CLONE_NEW*) and then forks the next level
/// (so a CLONE_NEWPID takes effect for the next level's process).
struct NsLevel {
    NsLevel() = default;
    NsLevel(int f) : flags(f) {} // NOLINT: implicit on purpose, {CLONE_NEWNET, 0} reads well
    int flags = 0;
    int uid = -1;              ///< setresuid/setresgid to this before unsharing (-1: stay)
    std::string bindFrom;      ///< after unsharing: bind-mount this file ...
    std::string bindTo;        ///< ... onto this one (in a private mount namespace if flags has CLONE_NEWNS)
    bool dieWithParent = true; ///< PR_SET_PDEATHSIG(SIGKILL)
    bool mapRoot = false; ///< with CLONE_NEWUSER: map root inside to our uid/gid outside (setgroups deny)
};

/// Starts the chain in the constructor; the last level signals when all are ready. The destructor
/// kills every process by pid (deepest first) and reaps what it can.
class NsChild
{
public:
    explicit NsChild(std::vector<NsLevel> levels);
    ~NsChild();
    NsChild(const NsChild &) = delete;
    NsChild &operator=(const NsChild &) = delete;

    /// Empty when the chain started; else what went wrong (which level, which call, errno text).
    const std::string &error() const { return m_error; }
    /// errno of the failed call (0 when it started).
    int errorCode() const { return m_errno; }
    /// Host pids of the levels, in order.
    const std::vector<int> &pids() const { return m_pids; }
    int pid(std::size_t level) const { return m_pids.at(level); }
    /// (st_dev, st_ino) of /proc/PID/ns/TYPE of a level, read independently of discovery.
    NsId ns(std::size_t level, NsType t) const;
    /// Kills one level by pid and reaps it when it is our child (or we are its subreaper).
    void kill(std::size_t level);

    /// (dev, ino) of /proc/self/ns/TYPE.
    static NsId self(NsType t);

private:
    std::vector<int> m_pids;
    std::vector<bool> m_alive;
    std::string m_error;
    int m_errno = 0;
};

} // namespace nsviz::test
