// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file commands.h Subcommands of nsviz-helper. Each cmd_*.cpp adds its own subcommands.

#include <functional>
#include <string>
#include <vector>

namespace CLI
{
class App;
}

namespace nsviz::helper
{

/// Maps each parsed subcommand to the function that runs it and returns the exit code.
class CommandTable
{
public:
    using Runner = std::function<int()>;
    void add(CLI::App *sub, Runner run) { m_entries.push_back({sub, std::move(run)}); }
    /// Runs the runner of the (deepest) parsed subcommand; -1 when none was parsed.
    int runParsed() const;

private:
    struct Entry {
        CLI::App *sub;
        Runner run;
    };
    std::vector<Entry> m_entries;
};

/// The exit codes of every subcommand (README.md, "Exit codes"; `nsviz-helper --help` prints them).
enum ExitCode : int {
    ExitOk = 0,      ///< done
    ExitFailure = 1, ///< a runtime failure: the process, demo or proc tree asked about is not there or
                     ///< not readable, the helper could not do what was asked
    ExitUsage = 2,   ///< the command line is wrong: unknown option, bad value, missing argument
};
/// The epilog of `nsviz-helper --help`.
inline constexpr const char *kExitCodesHelp =
    "Exit codes (every subcommand):\n"
    "  0  success\n"
    "  1  runtime failure: the pid, demo or proc tree is not there or not readable, or the work failed\n"
    "  2  usage error: unknown option, bad or missing argument";

/// Prints "nsviz-helper: error: MESSAGE (see --help)" on stderr, returns ExitUsage.
int usageError(const std::string &message);
/// Prints "nsviz-helper: MESSAGE" on stderr, returns ExitFailure.
int runtimeError(const std::string &message);

void addScanCommand(CLI::App &app, CommandTable &table);    // cmd_scan.cpp
void addServeCommand(CLI::App &app, CommandTable &table);   // cmd_serve.cpp
void addDiffCommands(CLI::App &app, CommandTable &table);   // cmd_diff.cpp: diff, findings
void addDemoCommands(CLI::App &app, CommandTable &table);   // cmd_demo.cpp: demo start|stop|list, demo-init
void addRecordCommand(CLI::App &app, CommandTable &table);  // cmd_record.cpp: record
void addCompareCommand(CLI::App &app, CommandTable &table); // cmd_compare.cpp: compare

} // namespace nsviz::helper
