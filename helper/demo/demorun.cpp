// SPDX-License-Identifier: GPL-2.0-or-later
// The two hidden modes of nsviz-helper that make up a running demo container:
//   __demo-supervise  stays in the host's namespaces, creates the demo and ends it;
//   __demo-init       pid 1 of the demo: a couple of sleeping children, reaping, nothing else.
// Fixed programs: nothing the requester sends is ever executed.
#include "helper/demo/demomanager.h"
#include "helper/demo/demoproc.h"

#include "core/proc/fdio.h"
#include "core/proc/procreader.h"

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <iterator>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace nsviz::helper
{

namespace dp = demoproc;
using nlohmann::json;

namespace
{

// Fixed fds: the supervisor gets its report pipe on 3 and the owner's pidfd on 4;
// the init gets its ready pipe on 3 and the lifeline (read end) on 4.
constexpr int kReportFd = 3;
constexpr int kOwnerFd = 4;
constexpr int kReadyFd = 3;
constexpr int kLifelineFd = 4;
constexpr int kSetupTimeoutMs = 10000;
constexpr int kSleepers = 2;
/// Root inside a fresh user namespace is host uid/gid uidBase (chosen by DemoManager, clear of
/// /etc/subuid, /etc/subgid and other demos); kDemoIdRange ids are mapped.
constexpr std::uint32_t kUidRange = kDemoIdRange;
/// Limits of the demo's cgroup, where the controllers are available.
constexpr const char *kPidsMax = "64";
constexpr const char *kMemoryMax = "134217728";

volatile sig_atomic_t g_stop = 0;
volatile sig_atomic_t g_child = 0;
void onStop(int)
{
    g_stop = 1;
}
void onChild(int)
{
    g_child = 1;
}

/// Installs real handlers (a pid namespace's init ignores signals without one) and blocks the
/// signals; ppoll() unblocks them atomically. Returns the mask to pass to ppoll().
sigset_t setupSignals()
{
    struct sigaction sa {
    };
    sa.sa_handler = onStop;
    sigemptyset(&sa.sa_mask);
    for (int s : {SIGTERM, SIGINT, SIGHUP})
        ::sigaction(s, &sa, nullptr);
    sa.sa_handler = onChild;
    sa.sa_flags = SA_NOCLDSTOP;
    ::sigaction(SIGCHLD, &sa, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
    sigset_t block, old;
    sigemptyset(&block);
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGCHLD})
        sigaddset(&block, s);
    ::sigprocmask(SIG_BLOCK, &block, &old);
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGCHLD})
        sigdelset(&old, s);
    return old;
}

bool isFifo(int fd)
{
    struct stat st {
    };
    return ::fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

/// True (after saying why) when pkexec or sudo started this process for someone: the hidden modes
/// are only ever started by DemoManager, with an environment that names no caller.
bool refuseForSomeoneElse(const char *mode)
{
    if (!std::getenv("PKEXEC_UID") && !std::getenv("SUDO_UID"))
        return false;
    std::fprintf(stderr,
                 "nsviz-helper: %s is internal to 'demo start' and refuses to run for a pkexec/sudo caller\n",
                 mode);
    return true;
}

std::string sysError(const std::string &what, int err = errno)
{
    return what + ": " + dp::errnoText(err);
}

// ---------------------------------------------------------------------------------------------
// The init's setup, run in the cloned child before it execs the init mode. It is the only code
// that changes mounts, hostname and interfaces, and it runs only here, right after clone(), in
// namespaces this very process just created: the hidden mode cannot be abused by hand.

struct ChildPlan {
    const DemoSpec *spec;
    std::string hostname;
    int syncR, readyW, lifelineR, exeFd;
};

[[noreturn]] void childFail(int readyW, const std::string &msg)
{
    writeAll(readyW, "error: " + msg + "\n");
    ::_exit(1);
}

std::string bringLoopbackUp()
{
    int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return sysError("socket");
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    std::string err;
    if (::ioctl(s, SIOCGIFFLAGS, &ifr) != 0)
        err = sysError("SIOCGIFFLAGS lo");
    else {
        ifr.ifr_flags = short(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
        if (::ioctl(s, SIOCSIFFLAGS, &ifr) != 0)
            err = sysError("SIOCSIFFLAGS lo");
    }
    ::close(s);
    return err;
}

/// Capabilities a default Docker container keeps; the demo drops the rest from its bounding set,
/// so its processes look (and are) like an ordinary container's, and even a demo sharing the
/// host user namespace is not all-powerful root.
constexpr int kKeptCaps[] = {CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FSETID,           CAP_FOWNER,
                             CAP_MKNOD,   CAP_NET_RAW,      CAP_SETGID,           CAP_SETUID,
                             CAP_SETFCAP, CAP_SETPCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
                             CAP_KILL,    CAP_AUDIT_WRITE};

/// System calls the demo never needs and a container should not have (a subset of Docker's
/// default seccomp denylist): they fail with EPERM.
constexpr long kDeniedSyscalls[] = {
    SYS_kexec_load,      SYS_kexec_file_load, SYS_init_module,   SYS_finit_module,  SYS_delete_module,
    SYS_reboot,          SYS_swapon,          SYS_swapoff,       SYS_acct,          SYS_bpf,
    SYS_perf_event_open, SYS_keyctl,          SYS_add_key,       SYS_request_key,   SYS_open_by_handle_at,
    SYS_userfaultfd,     SYS_settimeofday,    SYS_clock_settime, SYS_clock_adjtime, SYS_adjtimex,
};

#if defined(__x86_64__)
constexpr std::uint32_t kAuditArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr std::uint32_t kAuditArch = AUDIT_ARCH_AARCH64;
#else
#error "add the AUDIT_ARCH of this architecture"
#endif

std::string restrictPrivileges()
{
    // no_new_privs: the fixed programs never need setuid binaries or file capabilities.
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return sysError("PR_SET_NO_NEW_PRIVS");
    std::vector<sock_filter> f;
    f.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)));
    f.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kAuditArch, 1, 0));
    f.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)); // another ABI: never ours
    f.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)));
#if defined(__x86_64__)
    // x32 system calls (bit 30) would bypass the numbers below.
    f.push_back(BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1));
    f.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)));
#endif
    const std::size_t n = std::size(kDeniedSyscalls);
    for (std::size_t i = 0; i < n; ++i) {
        // Jump to the deny instruction that follows the n comparisons and the allow.
        auto jt = std::uint8_t(n - i);
        f.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, std::uint32_t(kDeniedSyscalls[i]), jt, 0));
    }
    f.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    f.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)));
    sock_fprog prog{std::uint16_t(f.size()), f.data()};
    if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0)
        return sysError("installing the seccomp filter");
    for (int cap = 0; cap <= 63; ++cap) {
        if (::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0)
            break; // past CAP_LAST_CAP
        if (std::find(std::begin(kKeptCaps), std::end(kKeptCaps), cap) != std::end(kKeptCaps))
            continue;
        if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0)
            return sysError("dropping capability " + std::to_string(cap));
    }
    ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    return {};
}

[[noreturn]] void runChild(const ChildPlan &p)
{
    const DemoSpec &spec = *p.spec;
    // Wait for the supervisor: uid/gid map written, cgroup joined. EOF: it gave up.
    char go = 0;
    ssize_t n;
    do {
        n = ::read(p.syncR, &go, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1 || go != 'g')
        ::_exit(1);
    ::close(p.syncR);

    if (spec.isFresh(NsType::User)) {
        // Become root of the new user namespace (host uid = the mapped base).
        if (::setgroups(0, nullptr) != 0)
            childFail(p.readyW, sysError("setgroups"));
        if (::setresgid(0, 0, 0) != 0)
            childFail(p.readyW, sysError("setresgid"));
        if (::setresuid(0, 0, 0) != 0)
            childFail(p.readyW, sysError("setresuid"));
    }
    if (spec.isFresh(NsType::Mnt)) {
        // Private propagation first, so nothing below leaks back into the host's mounts.
        if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
            childFail(p.readyW, sysError("making mounts private"));
        if (spec.isFresh(NsType::Pid) &&
            ::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
            childFail(p.readyW, sysError("mounting a fresh /proc"));
    }
    if (spec.isFresh(NsType::Uts) && ::sethostname(p.hostname.data(), p.hostname.size()) != 0)
        childFail(p.readyW, sysError("sethostname"));
    if (spec.isFresh(NsType::Net))
        if (std::string e = bringLoopbackUp(); !e.empty())
            childFail(p.readyW, e);
    // After the supervisor moved us into the demo's cgroup, so that becomes the namespace's root.
    if (spec.isFresh(NsType::Cgroup) && ::unshare(CLONE_NEWCGROUP) != 0)
        childFail(p.readyW, sysError("unshare(CLONE_NEWCGROUP)"));

    // Last, after everything that needed the full set: the exec below then grants root inside
    // only the kept capabilities.
    if (std::string e = restrictPrivileges(); !e.empty())
        childFail(p.readyW, e);

    if (::dup2(p.readyW, kReadyFd) < 0 || ::dup2(p.lifelineR, kLifelineFd) < 0)
        childFail(p.readyW, sysError("dup2"));
    ::close_range(kLifelineFd + 1, ~0U, CLOSE_RANGE_CLOEXEC);
    const char *argv[] = {"nsviz-helper", kDemoInitMode, nullptr};
    const char *envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "container=nsviz-demo", nullptr};
    ::syscall(SYS_execveat, p.exeFd, "", argv, envp, AT_EMPTY_PATH);
    childFail(kReadyFd, sysError("executing the demo init (is nsviz-helper executable by others?)"));
}

// ---------------------------------------------------------------------------------------------
// cgroup v2

std::string detectCgroupRoot(std::vector<std::string> &notes)
{
    for (const char *path : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
        struct statfs sf {
        };
        if (::statfs(path, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
            return path;
    }
    notes.push_back("no cgroup v2 hierarchy is mounted: the demo has no cgroup of its own");
    return {};
}

/// Creates the demo's cgroup; returns its directory or "" (with a note saying why).
std::string makeCgroup(const std::string &root, int slot, std::vector<std::string> &notes)
{
    std::string parent = root + "/nsviz-demo";
    if (::mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST) {
        notes.push_back("cgroup v2 at " + root + " is not writable (" + dp::errnoText(errno) +
                        "): the demo has no cgroup of its own");
        return {};
    }
    // Delegate what the host lets us have; never touch the host's own subtree_control.
    std::string available;
    if (ProcReader::readFile(parent + "/cgroup.controllers", available) != 0)
        available.clear();
    std::vector<std::string> missing;
    for (const char *c : {"pids", "memory"}) {
        if (available.find(c) != std::string::npos)
            dp::writeFile(parent + "/cgroup.subtree_control", std::string("+") + c);
        else
            missing.push_back(c);
    }
    std::string dir = parent + "/demo" + std::to_string(slot);
    if (::mkdir(dir.c_str(), 0755) != 0) {
        if (errno != EEXIST) {
            notes.push_back(sysError("cannot create cgroup " + dir) + ": the demo has no cgroup of its own");
            return {};
        }
        // Another demo's (a manager with another state directory, just created and still empty),
        // or left over by a killed supervisor: never take it over, since removing and re-making
        // an empty one could share it with a demo being set up. Our pid makes the name unique.
        dir += "-" + std::to_string(::getpid());
        if (::mkdir(dir.c_str(), 0755) != 0) {
            notes.push_back(sysError("cannot create cgroup " + dir) + ": the demo has no cgroup of its own");
            return {};
        }
    }
    if (::access((dir + "/pids.max").c_str(), W_OK) == 0)
        dp::writeFile(dir + "/pids.max", kPidsMax);
    if (::access((dir + "/memory.max").c_str(), W_OK) == 0)
        dp::writeFile(dir + "/memory.max", kMemoryMax);
    if (!missing.empty()) {
        std::string list;
        for (const auto &m : missing)
            list += (list.empty() ? "" : " and ") + m;
        notes.push_back("cgroup v2 at " + root + " has no " + list +
                        " controller (on this host it is bound to cgroup v1): no pids.max/memory.max limits, "
                        "but the demo still has its own cgroup and is killed as a whole");
    }
    return dir;
}

bool cgroupEmpty(const std::string &dir)
{
    std::string events;
    return ProcReader::readFile(dir + "/cgroup.events", events) != 0 ||
           events.find("populated 0") != std::string::npos;
}

// ---------------------------------------------------------------------------------------------
// Supervisor

struct Supervisor {
    DemoSpec spec;
    int slot = 0;
    std::string hostname;
    std::string stateDir;
    std::string cgroupRoot;
    int ownerPid = 0;
    std::uint64_t ownerStart = 0;
    bool hasOwner = false;
    std::uint32_t uidBase = 0;
    std::uint32_t callerUid = 0;

    std::vector<std::string> notes;
    std::string cgroupDir;
    int initPid = -1;
    int initPidfd = -1;
    int lifelineW = -1;
    std::string recordPath;

    void report(const json &j)
    {
        writeAll(kReportFd, j.dump());
        ::close(kReportFd);
    }

    /// Ends the demo: kill everything in it, reap, remove cgroup and record.
    void teardown()
    {
        if (initPid > 0) {
            if (!cgroupDir.empty())
                dp::writeFile(cgroupDir + "/cgroup.kill", "1");
            dp::pidfdSignal(initPidfd, SIGKILL);
            while (::waitpid(initPid, nullptr, 0) < 0 && errno == EINTR) {
            }
            initPid = -1;
        }
        if (lifelineW >= 0)
            ::close(lifelineW);
        if (!cgroupDir.empty()) {
            for (int i = 0; i < 100 && !cgroupEmpty(cgroupDir); ++i)
                ::usleep(10000);
            ::rmdir(cgroupDir.c_str());
        }
        if (!recordPath.empty())
            ::unlink(recordPath.c_str());
    }

    int failStart(const std::string &msg)
    {
        teardown();
        report({{"ok", false}, {"error", msg}});
        return 1;
    }

    int run();
};

int Supervisor::run()
{
    sigset_t waitMask = setupSignals();
    ::umask(022);
    ::prctl(PR_SET_NAME, "nsviz-demo-sup");
    std::uint64_t startedAt = dp::nowMs();

    if (spec.isFresh(NsType::Time)) {
        if (::access("/proc/self/ns/time", F_OK) != 0) {
            spec.fresh[index(NsType::Time)] = false;
            notes.push_back("this kernel has no time namespaces: time is shared with the host");
        } else if (::unshare(CLONE_NEWTIME) != 0) {
            // Affects our children only: the init is born into it.
            return failStart(sysError("unshare(CLONE_NEWTIME)"));
        }
    }

    if (cgroupRoot != "none") {
        std::string root = cgroupRoot.empty() ? detectCgroupRoot(notes) : cgroupRoot;
        if (!root.empty())
            cgroupDir = makeCgroup(root, slot, notes);
    }

    int syncP[2], readyP[2], lifeP[2];
    if (::pipe2(syncP, O_CLOEXEC) != 0 || ::pipe2(readyP, O_CLOEXEC) != 0 || ::pipe2(lifeP, O_CLOEXEC) != 0)
        return failStart(sysError("pipe"));
    // Move everything the child keeps above the fixed fds it dup2()s onto.
    auto high = [](int fd) {
        int h = ::fcntl(fd, F_DUPFD_CLOEXEC, 10);
        ::close(fd);
        return h;
    };
    for (int *fd : {&syncP[0], &syncP[1], &readyP[0], &readyP[1], &lifeP[0], &lifeP[1]})
        *fd = high(*fd);
    int exeFd = high(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
    if (exeFd < 0)
        return failStart(sysError("opening /proc/self/exe"));
    lifelineW = lifeP[1];

    clone_args ca{};
    ca.flags = std::uint64_t(spec.cloneFlags() & ~CLONE_NEWTIME & ~CLONE_NEWCGROUP) | CLONE_PIDFD;
    int pidfd = -1;
    ca.pidfd = reinterpret_cast<std::uint64_t>(&pidfd);
    ca.exit_signal = SIGCHLD;
    long pid = ::syscall(SYS_clone3, &ca, sizeof ca);
    if (pid < 0)
        return failStart(sysError("clone3"));
    if (pid == 0) {
        ::close(syncP[1]);
        ::close(readyP[0]);
        ::close(lifeP[1]);
        runChild(ChildPlan{&spec, hostname, syncP[0], readyP[1], lifeP[0], exeFd});
    }
    initPid = int(pid);
    initPidfd = pidfd;
    ::close(syncP[0]);
    ::close(readyP[1]);
    ::close(lifeP[0]);
    ::close(exeFd);

    if (spec.isFresh(NsType::User)) {
        std::string map = "0 " + std::to_string(uidBase) + " " + std::to_string(kUidRange) + "\n";
        std::string proc = "/proc/" + std::to_string(initPid);
        for (const char *f : {"/uid_map", "/gid_map"})
            if (std::string e = dp::writeFile(proc + f, map); !e.empty())
                return failStart("writing the id map: " + e);
    }
    if (!cgroupDir.empty()) {
        if (std::string e = dp::writeFile(cgroupDir + "/cgroup.procs", std::to_string(initPid)); !e.empty()) {
            notes.push_back("could not move the demo into its cgroup (" + e + "): no cgroup of its own");
            ::rmdir(cgroupDir.c_str());
            cgroupDir.clear();
        }
    }
    if (!writeAll(syncP[1], "g"))
        return failStart("the demo init died before setup");
    ::close(syncP[1]);

    // Wait for "ok" (setup done, sleepers running) or an error line.
    std::string ready;
    for (;;) {
        pollfd p{readyP[0], POLLIN, 0};
        int r = ::poll(&p, 1, kSetupTimeoutMs);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            return failStart("the demo init did not finish its setup in time");
        char buf[512];
        ssize_t n = ::read(readyP[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        ready.append(buf, std::size_t(n));
        if (ready.find('\n') != std::string::npos || ready.size() > 4096)
            break;
    }
    ::close(readyP[0]);
    if (ready.rfind("ok\n", 0) != 0) {
        std::string msg =
            ready.rfind("error: ", 0) == 0 ? ready.substr(7) : std::string("the demo init failed");
        while (!msg.empty() && msg.back() == '\n')
            msg.pop_back();
        return failStart("demo setup failed: " + msg);
    }

    DemoRecord rec;
    rec.pid = initPid;
    auto st = ProcReader::startTime(initPid);
    auto sst = ProcReader::startTime(::getpid());
    if (!st || !sst)
        return failStart("the demo init vanished right after its setup");
    rec.startTime = *st;
    rec.supervisorPid = ::getpid();
    rec.supervisorStartTime = *sst;
    rec.slot = slot;
    if (spec.isFresh(NsType::Uts)) {
        rec.hostname = hostname;
    } else {
        utsname u{};
        ::uname(&u);
        rec.hostname = u.nodename;
    }
    rec.fresh = spec.fresh;
    for (NsType t : kAllNsTypes) {
        struct stat sb {
        };
        std::string link = "/proc/" + std::to_string(initPid) + "/ns/" + std::string(nsTypeName(t));
        if (::stat(link.c_str(), &sb) == 0) {
            rec.nsInode[index(t)] = sb.st_ino;
            rec.nsDev = sb.st_dev;
        }
    }
    rec.lifetimeSec = spec.lifetimeSec;
    rec.startedAtMs = startedAt;
    rec.expiresAtMs = startedAt + std::uint64_t(spec.lifetimeSec) * 1000;
    rec.ownerPid = hasOwner ? ownerPid : 0;
    rec.ownerStartTime = hasOwner ? ownerStart : 0;
    if (!cgroupDir.empty()) {
        auto pos = cgroupDir.find("/nsviz-demo/");
        rec.cgroup = cgroupDir.substr(pos);
        rec.cgroupDir = cgroupDir;
    }
    rec.uidBase = spec.isFresh(NsType::User) ? uidBase : 0;
    rec.callerUid = callerUid;
    rec.bootId = ProcReader::bootId();
    if (spec.isFresh(NsType::Pid) && !spec.isFresh(NsType::Mnt))
        notes.push_back("mnt is shared with the host, so the demo sees the host's /proc");
    rec.notes = notes;

    // The record, written atomically: a reader sees the whole file or none.
    std::string dir = stateDir;
    std::string tmp = dir + "/." + std::to_string(initPid) + ".tmp";
    recordPath = dir + "/" + std::to_string(initPid) + ".json";
    {
        int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
            return failStart(sysError("writing " + tmp));
        bool ok = writeAll(fd, rec.toJson().dump() + "\n");
        ::close(fd);
        if (!ok || ::rename(tmp.c_str(), recordPath.c_str()) != 0) {
            ::unlink(tmp.c_str());
            return failStart(sysError("writing " + recordPath));
        }
    }
    report({{"ok", true}, {"demo", rec.toJson()}});

    // Supervise: stop request, owner gone, init gone, or lifetime over.
    timespec deadline{};
    ::clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += spec.lifetimeSec;
    for (;;) {
        if (g_stop)
            break;
        timespec now{};
        ::clock_gettime(CLOCK_MONOTONIC, &now);
        long long leftMs =
            (deadline.tv_sec - now.tv_sec) * 1000LL + (deadline.tv_nsec - now.tv_nsec) / 1000000;
        if (leftMs <= 0)
            break;
        pollfd fds[2] = {{initPidfd, POLLIN, 0}, {hasOwner ? kOwnerFd : -1, POLLIN, 0}};
        timespec to{time_t(leftMs / 1000), long(leftMs % 1000) * 1000000};
        int r = ::ppoll(fds, 2, &to, &waitMask);
        if (r < 0 && errno == EINTR)
            continue;
        if (r > 0 && ((fds[0].revents | fds[1].revents) != 0))
            break;
    }
    teardown();
    return 0;
}

} // namespace

int runDemoSupervisor(const std::string &configJson)
{
    // DemoManager starts the supervisor with a clean environment. Run by pkexec or sudo for
    // someone else, its configuration (state directory, cgroup root, id range) would be the
    // caller's choice: refuse.
    if (refuseForSomeoneElse(kDemoSuperviseMode))
        return 2;
    // Only meaningful as started by DemoManager::start() (report pipe on fd 3).
    if (!isFifo(kReportFd)) {
        std::fprintf(stderr, "nsviz-helper: %s is internal to 'demo start'\n", kDemoSuperviseMode);
        return 2;
    }
    Supervisor s;
    try {
        json c = json::parse(configJson);
        auto parsed = demoSpecFromJson(c.at("spec"));
        if (!parsed) {
            s.report({{"ok", false}, {"error", parsed.error}});
            return 1;
        }
        s.spec = *parsed.spec;
        s.slot = c.at("slot").get<int>();
        s.hostname = c.at("hostname").get<std::string>();
        s.stateDir = c.at("stateDir").get<std::string>();
        s.cgroupRoot = c.at("cgroupRoot").get<std::string>();
        if (!c.at("owner").is_null()) {
            s.hasOwner = true;
            s.ownerPid = c["owner"].at("pid").get<int>();
            s.ownerStart = c["owner"].at("startTime").get<std::uint64_t>();
        }
        s.uidBase = c.at("uidBase").get<std::uint32_t>();
        s.callerUid = c.at("callerUid").get<std::uint32_t>();
        if (s.slot < 1 || s.slot > 64 || !hostnameError(s.hostname).empty() || s.stateDir.empty() ||
            s.stateDir[0] != '/')
            throw std::runtime_error("bad config");
        if (s.spec.isFresh(NsType::User) &&
            (s.uidBase < kDemoIdSearchStart || std::uint64_t(s.uidBase) + kUidRange >= (1ull << 32)))
            throw std::runtime_error("bad uid base");
    } catch (const std::exception &e) {
        s.report({{"ok", false}, {"error", std::string("invalid supervisor configuration: ") + e.what()}});
        return 1;
    }
    return s.run();
}

int runDemoInit()
{
    if (refuseForSomeoneElse(kDemoInitMode))
        return 2;
    if (!isFifo(kReadyFd) || !isFifo(kLifelineFd)) {
        std::fprintf(stderr, "nsviz-helper: %s is internal to 'demo start'\n", kDemoInitMode);
        return 2;
    }
    sigset_t waitMask = setupSignals();
    ::prctl(PR_SET_NAME, "nsviz-demo-init");
    const pid_t self = ::getpid();

    int up[2];
    if (::pipe2(up, O_CLOEXEC) != 0) {
        writeAll(kReadyFd, "error: " + sysError("pipe") + "\n");
        return 1;
    }
    std::vector<pid_t> children;
    for (int i = 0; i < kSleepers; ++i) {
        pid_t c = ::fork();
        if (c < 0) {
            writeAll(kReadyFd, "error: " + sysError("fork") + "\n");
            return 1;
        }
        if (c == 0) {
            // Dies with the init even where the pid namespace is shared with the host.
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != self)
                ::_exit(0);
            ::prctl(PR_SET_NAME, "demo-sleeper");
            ::close(kReadyFd);
            ::close(kLifelineFd);
            ::close(up[0]);
            ::write(up[1], "s", 1);
            ::close(up[1]);
            struct sigaction sa {
            };
            sa.sa_handler = SIG_DFL;
            for (int s : {SIGTERM, SIGINT, SIGHUP, SIGCHLD})
                ::sigaction(s, &sa, nullptr);
            sigset_t none;
            sigemptyset(&none);
            ::sigprocmask(SIG_SETMASK, &none, nullptr);
            for (;;)
                ::pause();
        }
        children.push_back(c);
    }
    ::close(up[1]);
    // Report ready only once the children have renamed themselves: a scan right after the
    // start then sees the final picture.
    char b;
    int got = 0;
    while (got < kSleepers) {
        ssize_t n = ::read(up[0], &b, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        ++got;
    }
    ::close(up[0]);
    writeAll(kReadyFd, "ok\n");
    ::close(kReadyFd);

    for (;;) {
        if (g_child) {
            g_child = 0;
            while (::waitpid(-1, nullptr, WNOHANG) > 0) {
            }
        }
        if (g_stop)
            break;
        pollfd p{kLifelineFd, POLLIN, 0};
        int r = ::ppoll(&p, 1, nullptr, &waitMask);
        if (r > 0 && p.revents)
            break; // the supervisor is gone
    }
    for (pid_t c : children)
        ::kill(c, SIGKILL);
    while (::waitpid(-1, nullptr, 0) > 0 || errno == EINTR) {
    }
    return 0;
}

} // namespace nsviz::helper
