// SPDX-License-Identifier: GPL-2.0-or-later
// A real zombie (exited, not yet reaped), as discovery reads it from the live /proc: the kernel has
// dropped the namespaces of its nsproxy (mnt, net, uts, ipc, cgroup, time) but keeps its pid and user
// namespaces with its pid and credentials, so the fixture trees' "every link gone" is not what a
// real kernel shows. It must be said to have exited, never taken for a process hidden from us.
#include "core/discovery/discovery.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace nsviz;
using namespace std::chrono_literals;

namespace
{
/// The state letter of @p pid from its stat (after the last ')'), or '?' when it is gone.
char stateOf(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string stat = ss.str();
    const auto close = stat.rfind(')');
    return close == std::string::npos || close + 2 >= stat.size() ? '?' : stat[close + 2];
}

/// A child that exits at once and stays a zombie until the test reaps it (at the latest here).
struct Zombie {
    pid_t pid = ::fork();
    Zombie()
    {
        if (pid == 0)
            ::_exit(0);
    }
    ~Zombie()
    {
        if (pid > 0)
            ::waitpid(pid, nullptr, 0);
    }
};
} // namespace

TEST(ZombieRealNs, AZombieHasExitedAndKeepsOnlyItsPidAndUserNamespaces)
{
    Zombie z;
    ASSERT_GT(z.pid, 0);
    for (int i = 0; i < 1000 && stateOf(z.pid) != 'Z'; ++i)
        std::this_thread::sleep_for(10ms);
    ASSERT_EQ(stateOf(z.pid), 'Z') << "pid " << z.pid << " did not become a zombie";

    const Snapshot s = discover(DiscoveryOptions{});
    const Process *p = s.findProcess(z.pid);
    ASSERT_TRUE(p) << "the zombie is not in the scan";
    EXPECT_EQ(p->state, 'Z');
    EXPECT_TRUE(p->exited) << "a zombie must be said to have exited";
    EXPECT_TRUE(p->visible) << "a zombie is not a process hidden from us";
    for (NsType t : {NsType::Mnt, NsType::Net, NsType::Uts, NsType::Ipc, NsType::Cgroup, NsType::Time})
        EXPECT_FALSE(p->ns[index(t)].valid()) << nsTypeName(t);
    // What the kernel still shows is kept, as lsns lists it.
    EXPECT_TRUE(p->ns[index(NsType::Pid)].valid());
    EXPECT_TRUE(p->ns[index(NsType::User)].valid());
}
