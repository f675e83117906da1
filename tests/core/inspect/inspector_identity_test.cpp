// SPDX-License-Identifier: GPL-2.0-or-later
// Inspector names a process by (pid, start time), holds it by a pidfd, and says what a zombie is.
#include "core/discovery/discovery.h"
#include "core/inspect/inspector.h"
#include "core/proc/procfiles.h"
#include "tests/common/nschild.h"

#include <csignal>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

using namespace nsviz;
using nlohmann::json;

namespace
{
/// A child that has exited and is not reaped: a real zombie, reaped in the destructor.
class Zombie
{
public:
    Zombie()
    {
        m_pid = ::fork();
        if (m_pid == 0)
            ::_exit(0);
        // Wait until it is a zombie without reaping it.
        siginfo_t info{};
        if (m_pid > 0)
            ::waitid(P_PID, static_cast<id_t>(m_pid), &info, WEXITED | WNOWAIT);
    }
    ~Zombie()
    {
        if (m_pid > 0)
            ::waitpid(m_pid, nullptr, 0);
    }
    pid_t pid() const { return m_pid; }

private:
    pid_t m_pid = -1;
};

std::string statOf(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
} // namespace

TEST(InspectorIdentity, StartTimeNamesTheProcess)
{
    auto child = test::NsChild::unshared(CLONE_NEWUTS);
    ASSERT_EQ(child.error(), "");
    Inspector inspector;
    json ok = inspector.inspect(child.pid(), child.startTime());
    EXPECT_EQ(ok["state"], "running") << ok.dump();
    EXPECT_EQ(ok["startTime"], child.startTime());
    EXPECT_EQ(ok["processState"].get<std::string>().size(), 1u);
    EXPECT_FALSE(ok.contains("pidReused"));

    // Another start time: the pid now belongs to another process, which is not inspected.
    json other = Inspector().inspect(child.pid(), child.startTime() + 1);
    EXPECT_EQ(other["state"], "exited");
    EXPECT_EQ(other["pidReused"], true);
    EXPECT_NE(other["error"].get<std::string>().find("another process"), std::string::npos);
    EXPECT_FALSE(other.contains("comm")) << "nothing of the other process is read";
    EXPECT_TRUE(other["sections"]["uts"].contains("error"));
}

TEST(InspectorIdentity, NamespacesAreEnteredThroughThePidfd)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "entering another process's uts namespace needs root";
    auto child = test::NsChild::unshared(CLONE_NEWUTS, "hostname nsviz-pidfd-test");
    ASSERT_EQ(child.error(), "");
    json doc = Inspector().inspect(child.pid(), child.startTime());
    ASSERT_EQ(doc["state"], "running");
    EXPECT_EQ(doc["sections"]["uts"]["hostname"], "nsviz-pidfd-test") << doc["sections"]["uts"].dump();
}

TEST(InspectorIdentity, AZombieIsReportedAsSuch)
{
    Zombie z;
    ASSERT_GT(z.pid(), 0);
    ASSERT_NE(statOf(z.pid()).find(") Z "), std::string::npos) << statOf(z.pid());

    json doc = Inspector().inspect(z.pid());
    EXPECT_EQ(doc["state"], "zombie");
    EXPECT_EQ(doc["processState"], "Z");
    EXPECT_NE(doc["error"].get<std::string>().find("zombie"), std::string::npos);
    EXPECT_TRUE(doc["sections"]["net"].contains("error"));

    // The scan says the same.
    DiscoveryOptions o;
    o.pids = {z.pid()};
    Snapshot s = discover(o);
    const Process *p = s.findProcess(z.pid());
    ASSERT_TRUE(p);
    EXPECT_EQ(p->state, 'Z');
}
