// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file commandrunner.h Runs a program (no shell) and captures its output, for CLI tests.

#include <string>
#include <vector>

namespace nsviz::test
{

/// fork + execvp with stdout and stderr captured; a watchdog kills the program (by its pid)
/// after the timeout.
class CommandRunner
{
public:
    struct Result {
        int exitCode = -1; ///< exit status, or 128+signal, or -1 when it could not start
        std::string out;
        std::string err;
        bool timedOut = false;
    };
    static Result run(const std::vector<std::string> &argv, int timeoutMs = 60000);
};

/// Runs the nsviz-helper under test (NSVIZ_HELPER_BIN) with @p args.
CommandRunner::Result helper(std::vector<std::string> args, int timeoutMs = 60000);

/// The helper under test with @p env (e.g. "PKEXEC_UID=1000") added to its environment and no
/// other caller variable (PKEXEC_UID, SUDO_UID) inherited from the test's.
CommandRunner::Result helperAs(const std::vector<std::string> &env, const std::vector<std::string> &args);

} // namespace nsviz::test
