// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file nschild.h A chain of child processes in fresh namespaces, made with unshare(2) and fork(2),
/// for integration tests against the real kernel. Everything it starts dies with it. The one helper for
/// "a process in its own namespaces": NsChild::unshared() is what `unshare --fork sh -c ...` gives.

#include "core/model/model.h"

#include <cstring>
#include <sched.h> // the CLONE_NEW* flags the levels take
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
    /// A shell command (`sh -c`) run inside this level's namespaces once they are set up, before the
    /// next level starts and the chain reports ready; a non-zero exit fails the chain. Not on a level
    /// with CLONE_NEWPID: it would become the new namespace's init and end the namespace on exit.
    std::string run;
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

    /// What `unshare FLAGS --fork --kill-child sh -c 'RUN; exec sleep'` gives: pid() is a process in
    /// fresh @p flags (CLONE_NEW*) namespaces that has run @p run (if any) in them, with private
    /// mount propagation under CLONE_NEWNS. With CLONE_NEWPID it is PID 1 of the new pid namespace:
    /// a second level, forked after the unshare.
    static NsChild unshared(int flags, std::string run = {});

    /// Empty when the chain started; else what went wrong (which level, which call, errno text).
    const std::string &error() const { return m_error; }
    /// errno of the failed call (0 when it started).
    int errorCode() const { return m_errno; }
    /// Host pids of the levels, in order.
    const std::vector<int> &pids() const { return m_pids; }
    int pid(std::size_t level) const { return m_pids.at(level); }
    /// Host pid of the innermost level, the process "in" the namespaces; 0 when the chain did not start.
    int pid() const { return m_error.empty() && !m_pids.empty() ? m_pids.back() : 0; }
    /// Start time of a level (/proc/PID/stat field 22, clock ticks after boot): with pid(), the
    /// process's identity. 0 when it is gone.
    std::uint64_t startTime(std::size_t level) const;
    std::uint64_t startTime() const { return m_pids.empty() ? 0 : startTime(m_pids.size() - 1); }
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
