// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/common/childset.h"

#include <algorithm>
#include <csignal>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace nsviz::test
{

ChildSet::~ChildSet()
{
    for (pid_t p : m_running) {
        ::kill(p, SIGKILL);
        ::waitpid(p, nullptr, 0);
    }
}

pid_t ChildSet::spawn(std::vector<std::string> argv)
{
    if (argv.empty())
        return 0;
    std::vector<char *> args;
    for (auto &a : argv)
        args.push_back(a.data());
    args.push_back(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0)
        return 0;
    if (pid == 0) {
        // Only async-signal-safe calls between fork and exec: the tests run threads (Qt, gtest).
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) // the test died before the line above took effect
            ::_exit(127);
        const int null = ::open("/dev/null", O_RDWR);
        if (null >= 0) {
            for (int fd : {0, 1, 2})
                ::dup2(null, fd);
            if (null > 2)
                ::close(null);
        }
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    m_running.push_back(pid);
    ++m_started;
    return pid;
}

void ChildSet::kill(pid_t pid)
{
    if (std::find(m_running.begin(), m_running.end(), pid) == m_running.end())
        return; // not ours, or already reaped: never signal a pid that may have been reused
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    std::erase(m_running, pid);
    m_ended.insert(pid);
}

std::size_t ChildSet::reap()
{
    std::erase_if(m_running, [this](pid_t p) {
        if (::waitpid(p, nullptr, WNOHANG) == p) {
            m_ended.insert(p);
            return true;
        }
        return false;
    });
    return m_running.size();
}

} // namespace nsviz::test
