// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/common/nschild.h"

#include "core/proc/procfiles.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace nsviz::test
{

namespace
{
enum Step { Prctl, Credentials, Unshare, MakePrivate, Bind, Fork, IdMaps, Run, RunWithNewPid };

// Child side: report a failure (level, step, errno or exit status) through the pipe and exit.
[[noreturn]] void fail(int fd, int level, int step, int code = errno)
{
    int msg[3] = {level, step, code};
    (void)!::write(fd, msg, sizeof msg);
    ::_exit(127);
}

const char *stepName(int step)
{
    switch (step) {
    case Prctl:
        return "prctl";
    case Credentials:
        return "setresgid/setresuid";
    case Unshare:
        return "unshare";
    case MakePrivate:
        return "mount --make-rprivate /";
    case Bind:
        return "mount --bind";
    case Fork:
        return "fork";
    case IdMaps:
        return "writing uid_map/setgroups/gid_map";
    case Run:
        return "the run command";
    case RunWithNewPid:
        return "run on a CLONE_NEWPID level (put it on the next one)";
    default:
        return "?";
    }
}

bool writeFile(const char *path, const char *text)
{
    int fd = ::open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    auto len = static_cast<ssize_t>(std::strlen(text));
    bool ok = ::write(fd, text, static_cast<std::size_t>(len)) == len;
    ::close(fd);
    return ok;
}

// Runs level @p i in the child; never returns.
[[noreturn]] void runLevel(const std::vector<NsLevel> &levels, std::size_t i, int fd)
{
    const NsLevel &l = levels[i];
    // Credentials first: changing them clears the parent-death signal.
    if (l.uid >= 0 && (::setresgid(l.uid, l.uid, l.uid) != 0 || ::setresuid(l.uid, l.uid, l.uid) != 0))
        fail(fd, static_cast<int>(i), Credentials);
    if (l.dieWithParent && ::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
        fail(fd, static_cast<int>(i), Prctl);
    const unsigned outerUid = ::geteuid(), outerGid = ::getegid();
    if (l.flags && ::unshare(l.flags) != 0)
        fail(fd, static_cast<int>(i), Unshare);
    if (l.mapRoot) {
        // What unshare --map-root-user does; nested user namespaces need the creator mapped.
        char line[64];
        std::snprintf(line, sizeof line, "0 %u 1\n", outerUid);
        if (!writeFile("/proc/self/uid_map", line))
            fail(fd, static_cast<int>(i), IdMaps);
        if (!writeFile("/proc/self/setgroups", "deny\n"))
            fail(fd, static_cast<int>(i), IdMaps);
        std::snprintf(line, sizeof line, "0 %u 1\n", outerGid);
        if (!writeFile("/proc/self/gid_map", line))
            fail(fd, static_cast<int>(i), IdMaps);
    }
    // Mounts made in a new mount namespace stay there (unshare(1)'s default propagation).
    if ((l.flags & CLONE_NEWNS) && ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        fail(fd, static_cast<int>(i), MakePrivate);
    if (!l.bindTo.empty() && ::mount(l.bindFrom.c_str(), l.bindTo.c_str(), nullptr, MS_BIND, nullptr) != 0)
        fail(fd, static_cast<int>(i), Bind);
    if (!l.run.empty()) {
        if (l.flags & CLONE_NEWPID)
            fail(fd, static_cast<int>(i), RunWithNewPid, EINVAL);
        pid_t c = ::fork();
        if (c < 0)
            fail(fd, static_cast<int>(i), Fork);
        if (c == 0) {
            ::execl("/bin/sh", "sh", "-c", l.run.c_str(), static_cast<char *>(nullptr));
            ::_exit(127);
        }
        int status = 0;
        if (::waitpid(c, &status, 0) != c || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fail(fd, static_cast<int>(i), Run, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    if (i + 1 < levels.size()) {
        pid_t c = ::fork();
        if (c < 0)
            fail(fd, static_cast<int>(i), Fork);
        if (c == 0)
            runLevel(levels, i + 1, fd);
        // Stay as the parent (and, for a new pid namespace, keep its init alive).
        for (;;)
            ::pause();
    }
    int ok[3] = {-1, 0, 0};
    (void)!::write(fd, ok, sizeof ok);
    for (;;)
        ::pause();
}

int firstChild(int pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
    int c = 0;
    return (in >> c) ? c : 0;
}
} // namespace

NsChild::NsChild(std::vector<NsLevel> levels)
{
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) {
        m_error = "pipe: " + std::string(std::strerror(errno));
        m_errno = errno;
        return;
    }
    pid_t c = ::fork();
    if (c < 0) {
        m_error = "fork: " + std::string(std::strerror(errno));
        m_errno = errno;
        ::close(p[0]);
        ::close(p[1]);
        return;
    }
    if (c == 0) {
        ::close(p[0]);
        runLevel(levels, 0, p[1]);
    }
    ::close(p[1]);
    m_pids.push_back(c);
    m_alive.push_back(true);
    int msg[3] = {0, 0, 0};
    struct pollfd pfd {
        p[0], POLLIN, 0
    };
    ssize_t n = -1;
    if (::poll(&pfd, 1, 20000) == 1)
        n = ::read(p[0], msg, sizeof msg);
    ::close(p[0]);
    if (n != sizeof msg || msg[0] != -1) {
        if (n == sizeof msg && msg[1] == Run) {
            m_errno = ECHILD;
            m_error = "level " + std::to_string(msg[0]) + ": " + stepName(msg[1]) +
                      (msg[2] >= 0 ? " exited with status " + std::to_string(msg[2]) : " did not exit");
        } else if (n == sizeof msg) {
            m_errno = msg[2];
            m_error =
                "level " + std::to_string(msg[0]) + ": " + stepName(msg[1]) + ": " + std::strerror(msg[2]);
        } else {
            m_errno = EIO;
            m_error = "the child chain did not report back";
        }
        return;
    }
    // The chain is ready: find every level's host pid through the children files.
    for (std::size_t i = 1; i < levels.size(); ++i) {
        int child = firstChild(m_pids.back());
        if (child <= 0) {
            m_error = "cannot find the pid of level " + std::to_string(i);
            m_errno = ESRCH;
            return;
        }
        m_pids.push_back(child);
        m_alive.push_back(true);
    }
}

void NsChild::kill(std::size_t level)
{
    if (level >= m_pids.size() || !m_alive[level])
        return;
    ::kill(m_pids[level], SIGKILL);
    int status = 0;
    // Only our direct child (or an orphan while we are its subreaper) can be reaped; ECHILD else.
    ::waitpid(m_pids[level], &status, 0);
    m_alive[level] = false;
}

NsChild::~NsChild()
{
    for (std::size_t i = m_pids.size(); i-- > 0;)
        if (m_alive[i])
            ::kill(m_pids[i], SIGKILL);
    for (std::size_t i = m_pids.size(); i-- > 0;)
        if (m_alive[i]) {
            int status = 0;
            ::waitpid(m_pids[i], &status, 0);
        }
}

NsChild NsChild::unshared(int flags, std::string run)
{
    if (!(flags & CLONE_NEWPID)) {
        NsLevel only(flags);
        only.run = std::move(run);
        return NsChild({only});
    }
    NsLevel init(0);
    init.run = std::move(run);
    return NsChild({NsLevel(flags), init});
}

std::uint64_t NsChild::startTime(std::size_t level) const
{
    std::ifstream in("/proc/" + std::to_string(m_pids.at(level)) + "/stat");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return procparse::parseStatStartTime(text).value_or(0);
}

NsId NsChild::ns(std::size_t level, NsType t) const
{
    struct stat st {
    };
    std::string path = "/proc/" + std::to_string(m_pids.at(level)) + "/ns/" + std::string(nsTypeName(t));
    if (::stat(path.c_str(), &st) != 0)
        return {};
    return NsId{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
}

NsId NsChild::self(NsType t)
{
    struct stat st {
    };
    std::string path = "/proc/self/ns/" + std::string(nsTypeName(t));
    if (::stat(path.c_str(), &st) != 0)
        return {};
    return NsId{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
}

} // namespace nsviz::test
