// SPDX-License-Identifier: GPL-2.0-or-later
// One table of exit codes for every subcommand (README.md "Exit codes", `nsviz-helper --help`):
// 0 success, 1 runtime failure (not found, not readable), 2 usage error.
#include "tests/common/commandrunner.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

using nsviz::test::CommandRunner;

namespace
{
const std::string kHelper = NSVIZ_HELPER_BIN;
const std::string kData = NSVIZ_TEST_DATA;

CommandRunner::Result helper(std::vector<std::string> args)
{
    args.insert(args.begin(), kHelper);
    return CommandRunner::run(args);
}

/// A pid that no process holds right now: a child that was reaped.
int freePid()
{
    pid_t p = ::fork();
    if (p == 0)
        ::_exit(0);
    ::waitpid(p, nullptr, 0);
    return p;
}

/// An empty directory: a proc root without any process in it.
std::string emptyProcRoot()
{
    auto dir = std::filesystem::path(NSVIZ_TEST_OUTPUT) / ("empty-proc-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    return dir.string();
}

void expectExit(const std::vector<std::string> &args, int code)
{
    auto r = helper(args);
    std::string cmd;
    for (const auto &a : args)
        cmd += a + " ";
    EXPECT_EQ(r.exitCode, code) << cmd << "\nstdout: " << r.out << "\nstderr: " << r.err;
    if (code != 0) {
        EXPECT_FALSE(r.err.empty()) << cmd << ": a failure says why";
    }
}
} // namespace

TEST(ExitCodes, HelpListsTheTable)
{
    auto r = helper({"--help"});
    EXPECT_EQ(r.exitCode, 0);
    EXPECT_NE(r.out.find("Exit codes"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("2  usage error"), std::string::npos) << r.out;
}

TEST(ExitCodes, UsageErrorsAreTwoInEverySubcommand)
{
    expectExit({}, 2);
    expectExit({"frobnicate"}, 2);
    expectExit({"scan", "--bogus"}, 2);
    expectExit({"scan", "--threads", "65"}, 2);
    expectExit({"scan", "--proc", "/nonexistent/proc"}, 2);
    expectExit({"diff"}, 2);
    expectExit({"diff", "abc"}, 2);
    expectExit({"diff", "0"}, 2);
    expectExit({"diff", "1", "--proc", "/nonexistent/proc"}, 2);
    expectExit({"findings", "--bogus"}, 2);
    expectExit({"findings", "--proc", "/nonexistent/proc"}, 2);
    expectExit({"serve", "--chunk-bytes", "1"}, 2);
    expectExit({"serve", "--proc", "/nonexistent/proc"}, 2);
    expectExit({"demo"}, 2);
    expectExit({"demo", "stop"}, 2);
    expectExit({"demo", "stop", "0"}, 2);
    expectExit({"demo", "start", "--share", "bogus"}, 2);
    expectExit({"demo", "start", "--lifetime", "0"}, 2);
}

TEST(ExitCodes, NotFoundIsOneInEverySubcommand)
{
    const std::string empty = emptyProcRoot();
    expectExit({"scan", "--proc", empty}, 1);
    expectExit({"findings", "--proc", empty}, 1);
    expectExit({"diff", std::to_string(freePid())}, 1);
    expectExit({"diff", "999", "--proc", kData + "/proc-basic"}, 1);
    if (::geteuid() == 0)
        expectExit({"demo", "stop", std::to_string(freePid())}, 1); // no such demo
    std::filesystem::remove_all(empty);
}

TEST(ExitCodes, SuccessIsZero)
{
    expectExit({"scan", "--proc", kData + "/proc-basic"}, 0);
    expectExit({"findings", "--proc", kData + "/proc-basic"}, 0);
    expectExit({"diff", "200", "--proc", kData + "/proc-basic"}, 0);
}
