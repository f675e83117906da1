// SPDX-License-Identifier: GPL-2.0-or-later
// Sandboxes of real namespaces made by the real `unshare` command, seen through
// `nsviz-helper scan --json`, `findings --json` and `diff` (issue 10).
#include "tests/common/commandrunner.h"

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sstream>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using nlohmann::json;
using nsviz::test::helper;

namespace
{

#define REQUIRE_ROOT()                                                                                       \
    if (::geteuid() != 0)                                                                                    \
    GTEST_SKIP() << "needs root to create namespaces"

/// `unshare ARGS...` started by this test, killed (by its pid) and reaped when it goes out of
/// scope; --kill-child in ARGS takes the sandbox's processes with it.
class Unshare
{
public:
    explicit Unshare(std::vector<std::string> args)
    {
        m_pid = ::fork();
        if (m_pid == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            std::vector<char *> argv;
            static std::string name = "unshare";
            argv.push_back(name.data());
            for (auto &a : args)
                argv.push_back(a.data());
            argv.push_back(nullptr);
            ::execvp("unshare", argv.data());
            ::_exit(127);
        }
    }
    ~Unshare()
    {
        if (m_pid > 0) {
            ::kill(m_pid, SIGKILL);
            ::waitpid(m_pid, nullptr, 0);
        }
    }
    Unshare(const Unshare &) = delete;
    Unshare &operator=(const Unshare &) = delete;
    int pid() const { return m_pid; }

    /// The pid of its first child (the forked process with -f), 0 when none came within 10 s.
    int child() const
    {
        for (int i = 0; i < 1000; ++i) {
            std::ifstream f("/proc/" + std::to_string(m_pid) + "/task/" + std::to_string(m_pid) +
                            "/children");
            int c = 0;
            if (f >> c && c > 0 && execed(c))
                return c;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return 0;
    }
    /// True once @p pid runs sleep (so its namespaces and comm are final).
    static bool execed(int pid)
    {
        std::ifstream f("/proc/" + std::to_string(pid) + "/comm");
        std::string comm;
        return std::getline(f, comm) && comm == "sleep";
    }

private:
    pid_t m_pid = -1;
};

json parse(const nsviz::test::CommandRunner::Result &r)
{
    EXPECT_EQ(r.exitCode, 0) << r.err;
    return json::parse(r.out);
}

const json *sandboxWith(const json &snapshot, int pid)
{
    for (const auto &s : snapshot["sandboxes"])
        for (const auto &m : s["processes"])
            if (m["pid"] == pid)
                return &s;
    return nullptr;
}

bool has(const json &list, const char *name)
{
    for (const auto &e : list)
        if (e == name)
            return true;
    return false;
}

} // namespace

TEST(SandboxCli, UnshareSandboxIsOneSandboxThroughScanFindingsAndDiff)
{
    REQUIRE_ROOT();
    if (!std::filesystem::exists("/usr/bin/unshare"))
        GTEST_SKIP() << "util-linux unshare is not installed";
    // The case: own net, mnt and pid; the launcher stays in the host pid namespace.
    Unshare full({"-n", "-m", "-p", "-f", "--kill-child", "sleep", "600"});
    // Own mnt and pid, the host network: an alarm.
    Unshare hostNet({"-m", "-p", "-f", "--kill-child", "sleep", "600"});
    // A mount namespace only (what PrivateTmp= gives): no launcher left (no -f: unshare execs).
    Unshare mountOnly({"-m", "sleep", "600"});
    const int fullChild = full.child(), hostNetChild = hostNet.child();
    ASSERT_GT(fullChild, 0);
    ASSERT_GT(hostNetChild, 0);
    for (int i = 0; i < 1000 && !Unshare::execed(mountOnly.pid()); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_TRUE(Unshare::execed(mountOnly.pid()));

    const json snap = parse(helper({"scan", "--json"}));
    ASSERT_TRUE(snap.contains("sandboxes"));
    const json *sb = sandboxWith(snap, full.pid());
    ASSERT_NE(sb, nullptr);
    EXPECT_EQ(sandboxWith(snap, fullChild), sb) << "launcher and child are one sandbox";
    EXPECT_EQ((*sb)["processes"].size(), 2u);
    EXPECT_EQ((*sb)["kind"], "bare");
    EXPECT_EQ((*sb)["engine"], "unshare");
    EXPECT_EQ((*sb)["init"]["pid"], fullChild);
    EXPECT_EQ((*sb)["init"]["comm"], "sleep");
    for (const char *t : {"mnt", "pid", "net"})
        EXPECT_TRUE(has((*sb)["isolates"], t)) << t;
    EXPECT_TRUE(has((*sb)["shares_with_host"], "user"));
    const json *mo = sandboxWith(snap, mountOnly.pid());
    ASSERT_NE(mo, nullptr);
    EXPECT_EQ((*mo)["isolates"], json::array({"mnt"}));

    const json f = parse(helper({"findings", "--json"}));
    const std::string fullId = (*sb)["id"], moId = (*mo)["id"];
    const std::string hostNetId = (*sandboxWith(snap, hostNetChild))["id"];
    bool alarmed = false;
    int fullListed = 0;
    for (const auto &c : f["containers"]) {
        EXPECT_NE(c["sandbox"], moId) << "a mount namespace alone is no container";
        if (c["sandbox"] == fullId) {
            // Listed once (root without a user namespace), never for the network it does not share.
            ++fullListed;
            EXPECT_EQ(c["pids"].size(), 2u);
            for (const auto &x : c["findings"])
                EXPECT_NE(x["code"], "host-net");
        }
        if (c["sandbox"] == hostNetId) {
            alarmed = true;
            EXPECT_EQ(c["findings"][0]["code"], "host-net");
            // The launcher, what it runs, the init's pid (sandboxLabel()).
            EXPECT_EQ(c["label"], "unshare: sleep (pid " + std::to_string(c["pid"].get<int>()) + ")");
            EXPECT_EQ(c["engine"], "unshare");
            EXPECT_EQ(c["pids"].size(), 2u);
        }
    }
    EXPECT_TRUE(alarmed) << "own pid namespace on the host network is the alarm";
    EXPECT_LE(fullListed, 1);
    for (const auto &c : f["informational"])
        EXPECT_NE(c["sandbox"], fullId);
    const auto text = helper({"findings"});
    EXPECT_NE(text.out.find(")  [bare, unshare, " + hostNetId + "]"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("unshare: sleep (pid "), std::string::npos) << text.out;

    // diff: no "container" warning for the mount-only sandbox; the alarm for the other.
    const auto d1 = helper({"diff", std::to_string(mountOnly.pid())});
    EXPECT_EQ(d1.out.find("SHARES THE HOST NETWORK"), std::string::npos) << d1.out;
    const auto d2 = helper({"diff", std::to_string(hostNetChild)});
    EXPECT_NE(d2.out.find("SHARES THE HOST NETWORK NAMESPACE"), std::string::npos) << d2.out;
}
