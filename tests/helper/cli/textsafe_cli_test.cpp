// SPDX-License-Identifier: GPL-2.0-or-later
// Terminal injection: a process whose command name, argv and hostname hold escape sequences, C1
// and bidi controls. `scan`, `diff` and `findings` print them visibly escaped in their text forms
// and exactly in --json.
#include "tests/common/commandrunner.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

using nlohmann::json;
using nsviz::test::CommandRunner;

namespace
{
const std::string kHelper = NSVIZ_HELPER_BIN;

// ESC ] 0 ; x BEL sets a terminal's title; U+202E (RLO) reverses what follows; U+009B is CSI.
const std::string kEvilComm = "\x1b]0;x\x07\xe2\x80\xae"
                              "ab\xc2\x9b"; // 13 bytes: fits TASK_COMM_LEN
const std::string kEvilArg = "\x1b[2J\x1b[31mroot\xe2\x81\xa6ok\x7f";
const std::string kEvilHost = "h\x1b[1;1H\xe2\x80\xae"
                              "evil\xe2\x81\xa9\x0a";

CommandRunner::Result helper(std::vector<std::string> args)
{
    args.insert(args.begin(), kHelper);
    return CommandRunner::run(args);
}

/// Raw bytes a terminal acts on or a reader cannot see: C0 but newline, DEL, C1 (as UTF-8), the
/// bidi controls (U+202A..E, U+2066..9).
std::string rawControls(const std::string &text)
{
    std::string found;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        const auto n1 = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
        const auto n2 = i + 2 < text.size() ? static_cast<unsigned char>(text[i + 2]) : 0;
        if ((c < 0x20 && c != '\n') || c == 0x7f)
            found += "byte " + std::to_string(c) + " at " + std::to_string(i) + "; ";
        if (c == 0xc2 && n1 >= 0x80 && n1 <= 0x9f)
            found += "C1 at " + std::to_string(i) + "; ";
        if (c == 0xe2 &&
            ((n1 == 0x80 && n2 >= 0xaa && n2 <= 0xae) || (n1 == 0x81 && n2 >= 0xa6 && n2 <= 0xa9)))
            found += "bidi at " + std::to_string(i) + "; ";
    }
    return found;
}

/// A process in fresh uts and mount namespaces with kEvilHost as its hostname, running sleep
/// through a link named kEvilComm (the kernel takes comm from the executed file's name) with
/// kEvilArg as argv[0]. Killed and reaped by its pid in the destructor. @p extraFlags adds
/// namespaces (CLONE_NEWUSER makes it a sandbox that findings report).
class EvilProcess
{
public:
    explicit EvilProcess(int extraFlags = 0)
    {
        m_dir = std::filesystem::temp_directory_path() / ("nsviz-textsafe-" + std::to_string(::getpid()));
        std::filesystem::create_directories(m_dir);
        const std::string link = (m_dir / kEvilComm).string();
        std::error_code ec;
        std::filesystem::create_symlink("/bin/sleep", link, ec);
        int ready[2];
        if (::pipe2(ready, O_CLOEXEC) != 0)
            return;
        m_pid = ::fork();
        if (m_pid == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::unshare(CLONE_NEWUTS | CLONE_NEWNS | extraFlags) != 0 ||
                ::sethostname(kEvilHost.data(), kEvilHost.size()) != 0)
                ::_exit(3);
            const char *argv[] = {kEvilArg.c_str(), "300", nullptr};
            // The pipe closes on exec: the parent's read() returns 0 once sleep runs.
            ::execv(link.c_str(), const_cast<char *const *>(argv));
            ::_exit(4);
        }
        ::close(ready[1]);
        char c;
        while (::read(ready[0], &c, 1) < 0 && errno == EINTR) {
        }
        ::close(ready[0]);
    }
    ~EvilProcess()
    {
        if (m_pid > 0) {
            ::kill(m_pid, SIGKILL);
            ::waitpid(m_pid, nullptr, 0);
        }
        std::error_code ec;
        std::filesystem::remove_all(m_dir, ec);
    }
    int pid() const { return m_pid; }
    /// The exec happened and the name is in place.
    bool ready() const
    {
        char buf[64] = {};
        int fd = ::open(("/proc/" + std::to_string(m_pid) + "/comm").c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return false;
        ssize_t n = ::read(fd, buf, sizeof buf - 1);
        ::close(fd);
        return n > 0 && std::string(buf, std::size_t(n)) == kEvilComm + "\n";
    }

private:
    std::filesystem::path m_dir;
    pid_t m_pid = -1;
};
} // namespace

TEST(TextSafeCli, ScanTableEscapesWhileJsonStaysExact)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root for unshare(CLONE_NEWUTS)";
    EvilProcess p;
    ASSERT_GT(p.pid(), 0);
    ASSERT_TRUE(p.ready());

    auto t = helper({"scan"});
    ASSERT_EQ(t.exitCode, 0) << t.err;
    EXPECT_EQ(rawControls(t.out), "");
    EXPECT_NE(t.out.find("\\x1b[2J\\x1b[31mroot\\u2066ok\\x7f 300"), std::string::npos);

    auto j = helper({"scan", "--json"});
    ASSERT_EQ(j.exitCode, 0) << j.err;
    json s = json::parse(j.out);
    bool seen = false;
    for (const auto &proc : s["processes"]) {
        if (proc["pid"] != p.pid())
            continue;
        seen = true;
        EXPECT_EQ(proc["comm"].get<std::string>(), kEvilComm);
        ASSERT_FALSE(proc["cmdline"].empty());
        EXPECT_EQ(proc["cmdline"][0].get<std::string>(), kEvilArg);
    }
    EXPECT_TRUE(seen);
}

TEST(TextSafeCli, DiffTextEscapesWhileJsonStaysExact)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root for unshare(CLONE_NEWUTS) and entering the namespace";
    EvilProcess p;
    ASSERT_GT(p.pid(), 0);
    ASSERT_TRUE(p.ready());
    const std::string pid = std::to_string(p.pid());

    auto t = helper({"diff", pid});
    ASSERT_EQ(t.exitCode, 0) << t.err;
    EXPECT_EQ(rawControls(t.out), "");
    EXPECT_NE(t.out.find("\\x1b]0;x\\x07\\u202eab\\u009b"), std::string::npos) << t.out;     // comm
    EXPECT_NE(t.out.find("h\\x1b[1;1H\\u202eevil\\u2069\\x0a"), std::string::npos) << t.out; // hostname

    auto j = helper({"diff", pid, "--json"});
    ASSERT_EQ(j.exitCode, 0) << j.err;
    json d = json::parse(j.out);
    EXPECT_EQ(d["a"]["comm"].get<std::string>(), kEvilComm);
    bool hostSeen = false;
    for (const auto &n : d["namespaces"])
        if (n["type"] == "uts")
            for (const auto &i : n["details"]["items"])
                if (i["field"] == "hostname") {
                    EXPECT_EQ(i["a"].get<std::string>(), kEvilHost);
                    hostSeen = true;
                }
    EXPECT_TRUE(hostSeen) << j.out;
}

TEST(TextSafeCli, FindingsTextEscapesWhileJsonStaysExact)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root for unshare(CLONE_NEWUTS)";
    // Its own user namespace on the host network: a sandbox findings report (a mount and UTS
    // namespace alone would not be one, issue 10).
    EvilProcess p(CLONE_NEWUSER);
    ASSERT_GT(p.pid(), 0);
    ASSERT_TRUE(p.ready());

    auto t = helper({"findings"});
    ASSERT_EQ(t.exitCode, 0) << t.err;
    EXPECT_EQ(rawControls(t.out), "");
    // Named by its label (no engine, no name: the init's comm and pid), then its pid and comm.
    EXPECT_NE(t.out.find("\\x1b]0;x\\x07\\u202eab\\u009b (pid " + std::to_string(p.pid()) + ")  [bare, "),
              std::string::npos)
        << t.out;
    EXPECT_NE(t.out.find("pid " + std::to_string(p.pid()) + " (\\x1b]0;x\\x07\\u202eab\\u009b)"),
              std::string::npos)
        << t.out;

    auto j = helper({"findings", "--json"});
    ASSERT_EQ(j.exitCode, 0) << j.err;
    json f = json::parse(j.out);
    bool seen = false;
    for (const auto &c : f["containers"])
        if (c["pid"] == p.pid()) {
            seen = true;
            EXPECT_EQ(c["comm"].get<std::string>(), kEvilComm);
        }
    EXPECT_TRUE(seen) << j.out;
}
