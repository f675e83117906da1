// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file childset.h The processes a test starts with fork + exec (churn for live tests): started with
/// stdio on /dev/null and SIGKILL on the test's death, ended by their pid (never by name) and
/// reaped; whatever still runs is killed when the set goes.

#include <set>
#include <string>
#include <sys/types.h>
#include <vector>

namespace nsviz::test
{

class ChildSet
{
public:
    ChildSet() = default;
    ChildSet(const ChildSet &) = delete;
    ChildSet &operator=(const ChildSet &) = delete;
    /// Kills (SIGKILL) and reaps every child still running.
    ~ChildSet();

    /// Starts @p argv (argv[0] an absolute path); its pid, or 0 when it could not be started. Its
    /// stdio is /dev/null: a child that outlives a crashed test must not hold ctest's pipe open.
    pid_t spawn(std::vector<std::string> argv);
    /// Ends @p pid (one of ours) with SIGKILL and reaps it.
    void kill(pid_t pid);
    /// Reaps the children that ended; returns how many still run.
    std::size_t reap();

    const std::vector<pid_t> &running() const { return m_running; }
    const std::set<pid_t> &ended() const { return m_ended; }
    std::size_t started() const { return m_started; }

private:
    std::vector<pid_t> m_running;
    std::set<pid_t> m_ended;
    std::size_t m_started = 0;
};

} // namespace nsviz::test
