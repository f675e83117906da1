// SPDX-License-Identifier: GPL-2.0-or-later
// nsload: a synthetic namespace load for the nsviz benchmark (bench/ only, not part of the product).
//
// Starts N sleeping processes in M groups. Every group is a fresh pid namespace whose init (the
// "group leader") is a direct child of this controller; the group kinds cycle through
//   container       new user+pid+mnt+uts+ipc+net+cgroup, children also in a new time namespace
//   hostnet         new pid+mnt+uts+ipc, but the host's user and *net* namespace (docker --net=host)
//   nested          new user+pid+mnt+uts, with user+pid namespaces nested 2 or 3 levels deep
//   userns-hostnet  new user+pid+uts+ipc, host net and mnt
//
// Stopping exactly what we started, without ever matching by name:
//  * every group is a pid namespace, and SIGKILL to its init makes the kernel kill and reap every
//    process inside it (nested pid namespaces included); so the controller only ever kills its own
//    unreaped children, by PID, which cannot have been reused (they are not reaped yet);
//  * every process we start blocks in read() on a "lifeline" pipe whose only write end the
//    controller holds, and leaders also have PR_SET_PDEATHSIG=SIGKILL: if the controller dies in
//    any way (even SIGKILL), the whole load dies with it;
//  * the controller has PR_SET_PDEATHSIG=SIGTERM, so it stops when the script that started it dies;
//  * after startup it records the (pid, start time) of every descendant and every namespace inode
//    it created in a state file, and after stopping it checks that none of those pids is alive.
//
// Usage: nsload --procs N [--groups M] [--state FILE]
//   prints "READY procs=... groups=... namespaces=..." on stdout once everything runs, then waits
//   for SIGINT/SIGTERM/SIGHUP, stops the load and prints "STOPPED left=K" (exit 0 iff K == 0).
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

enum Kind { KIND_CONTAINER, KIND_HOSTNET, KIND_NESTED, KIND_USERNS_HOSTNET, KIND_COUNT };
static const char *const kKindName[KIND_COUNT] = {"container", "hostnet", "nested", "userns-hostnet"};

static const int kKindFlags[KIND_COUNT] = {
    CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP,
    CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC,
    CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS,
    CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC,
};
// Flags of each deeper level of a "nested" group.
static const int kNestedFlags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWUTS;

static const char *const kNsNames[8] = {"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"};

static int g_lifeline[2]; // [1] only in the controller; every started process blocks reading [0]
static int g_ready[2];    // inits report "started count" here
static volatile sig_atomic_t g_stop;
static volatile sig_atomic_t g_childDied;

struct ReadyMsg {
    int32_t ok;      ///< 1 when this init started everything it was asked to
    int32_t started; ///< processes started at this level, the init itself included
    int32_t err;     ///< errno of the first failure
};

static void onStop(int sig)
{
    (void)sig;
    g_stop = 1;
}
static void onChild(int sig)
{
    (void)sig;
    g_childDied = 1;
}

// fork()-like clone with namespace flags: a NULL stack means "copy-on-write of the caller's".
static pid_t cloneWith(int flags)
{
    return (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, 0UL);
}

// Block until the controller goes away, then exit. Everything we start ends here.
static void __attribute__((noreturn)) waitForLifeline(void)
{
    char c;
    for (;;) {
        ssize_t n = read(g_lifeline[0], &c, 1);
        if (n < 0 && errno == EINTR)
            continue;
        _exit(0);
    }
}

static void __attribute__((noreturn)) runSleeper(void)
{
    prctl(PR_SET_NAME, "nsload-sleep", 0, 0, 0);
    close(g_ready[1]);
    waitForLifeline();
}

static void sendReady(int ok, int started, int err)
{
    struct ReadyMsg m = {ok, started, err};
    // Under PIPE_BUF: atomic even with many inits writing at once.
    ssize_t n;
    do
        n = write(g_ready[1], &m, sizeof m);
    while (n < 0 && errno == EINTR);
}

static int writeFile(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    int saved = errno;
    close(fd);
    errno = saved;
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

// In a fresh user namespace we are "nobody" until mapped, and an unmapped process may not create a
// nested user namespace. Map our own uid/gid 0 (root of the parent) to 0: the one-line self-mapping
// that user_namespaces(7) allows without privilege in the parent.
static int mapSelfAsRoot(void)
{
    if (writeFile("/proc/self/setgroups", "deny") != 0 && errno != ENOENT)
        return -1;
    if (writeFile("/proc/self/uid_map", "0 0 1") != 0)
        return -1;
    return writeFile("/proc/self/gid_map", "0 0 1");
}

// Runs as init of a fresh pid namespace: starts `count` processes here (itself included), handing
// `deeper` of them to the next nesting level when there is one.
static void __attribute__((noreturn)) runInit(int kind, int level, int depth, int count)
{
    // If our parent dies, so do we, and with us our whole pid namespace.
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    struct pollfd pfd = {g_lifeline[0], POLLIN, 0};
    if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLIN)))
        _exit(0); // the controller died before PDEATHSIG was armed
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);
    prctl(PR_SET_NAME, level == 0 ? "nsload-init" : "nsload-nested", 0, 0, 0);

    int started = 1, err = 0;
    int newUser = level > 0 || (kKindFlags[kind] & CLONE_NEWUSER);
    if (newUser && mapSelfAsRoot() != 0 && level + 1 < depth) {
        err = errno;
        sendReady(0, started, err);
        _exit(1);
    }
    // Children of container groups also get a fresh time namespace (only unshare() can do that).
    // A kernel without time namespaces refuses it: carry on without.
    if (kind == KIND_CONTAINER && level == 0)
        (void)unshare(CLONE_NEWTIME);

    int own = count - 1;
    if (level + 1 < depth && own > 1) {
        int deeper = own / 2;
        own -= deeper;
        pid_t p = cloneWith(kNestedFlags);
        if (p == 0)
            runInit(kind, level + 1, depth, deeper);
        if (p < 0) {
            err = errno;
            sendReady(0, started, err);
            _exit(1);
        }
        // The nested init reports for itself.
    }
    for (int i = 0; i < own; ++i) {
        pid_t p = fork();
        if (p == 0)
            runSleeper();
        if (p < 0) {
            err = errno;
            sendReady(0, started, err);
            _exit(1); // our pid namespace, and what we started in it, goes with us
        }
        ++started;
    }
    sendReady(1, started, 0);
    close(g_ready[1]);
    waitForLifeline();
}

// --- census -----------------------------------------------------------------------------------

struct Proc {
    int pid, ppid;
    unsigned long long start;
};

static int readStat(int pid, int *ppid, unsigned long long *start)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    char *p = strrchr(buf, ')'); // comm may hold spaces and ')'
    if (!p)
        return -1;
    // after ") ": state(3) ppid(4) ... starttime(22)
    char state;
    int pp;
    if (sscanf(p + 2, "%c %d", &state, &pp) != 2)
        return -1;
    char *f = p + 2;
    for (int field = 3; field < 22; ++field) {
        f = strchr(f, ' ');
        if (!f)
            return -1;
        ++f;
    }
    *ppid = pp;
    *start = strtoull(f, NULL, 10);
    return 0;
}

static int cmpU64(const void *a, const void *b)
{
    unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;
    return x < y ? -1 : x > y;
}

// Records every descendant of ours and every namespace they hold that we do not hold ourselves.
static int census(const char *statePath, pid_t *leaders, int nLeaders, int *nProcsOut, int *nNsOut)
{
    size_t cap = 1024, n = 0;
    struct Proc *all = malloc(cap * sizeof *all);
    DIR *d = opendir("/proc");
    if (!all || !d)
        return -1;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] < '1' || de->d_name[0] > '9')
            continue;
        struct Proc p = {atoi(de->d_name), 0, 0};
        if (readStat(p.pid, &p.ppid, &p.start) != 0)
            continue;
        if (n == cap) {
            cap *= 2;
            struct Proc *bigger = realloc(all, cap * sizeof *all);
            if (!bigger)
                return -1;
            all = bigger;
        }
        all[n++] = p;
    }
    closedir(d);

    // Mark descendants through a pid -> index table (pids are below pid_max, at most 2^22).
    int maxPid = 0;
    for (size_t i = 0; i < n; ++i)
        if (all[i].pid > maxPid)
            maxPid = all[i].pid;
    int *indexOf = malloc(((size_t)maxPid + 1) * sizeof *indexOf);
    signed char *mine = malloc(n); // -1 unknown, 0 no, 1 yes
    if (!indexOf || !mine)
        return -1;
    for (int pid = 0; pid <= maxPid; ++pid)
        indexOf[pid] = -1;
    for (size_t i = 0; i < n; ++i) {
        indexOf[all[i].pid] = (int)i;
        mine[i] = -1;
    }
    int self = getpid();
    for (size_t i = 0; i < n; ++i) {
        // Walk up until an answer is known; the chain is short (controller -> init -> nested...).
        int chain[64], len = 0, j = (int)i, verdict = 0;
        while (len < 64) {
            if (mine[j] >= 0) {
                verdict = mine[j];
                break;
            }
            chain[len++] = j;
            int pp = all[j].ppid;
            if (pp == self) {
                verdict = 1;
                break;
            }
            if (pp <= 1 || pp > maxPid || indexOf[pp] < 0) {
                verdict = 0;
                break;
            }
            j = indexOf[pp];
        }
        for (int k = 0; k < len; ++k)
            mine[chain[k]] = (signed char)verdict;
    }
    free(indexOf);

    unsigned long long ownNs[8];
    for (int t = 0; t < 8; ++t) {
        char path[64];
        struct stat st;
        snprintf(path, sizeof path, "/proc/self/ns/%s", kNsNames[t]);
        ownNs[t] = stat(path, &st) == 0 ? st.st_ino : 0;
    }
    size_t nsCap = 1024, nNs = 0;
    unsigned long long *ns = malloc(nsCap * sizeof *ns); // (type << 56) | inode

    FILE *f = fopen(statePath, "w");
    if (!f || !ns)
        return -1;
    fprintf(f, "# nsload state v1: what this controller started (pid start-time), and namespaces it made\n");
    fprintf(f, "controller %d\n", self);
    for (int g = 0; g < nLeaders; ++g)
        for (size_t i = 0; i < n; ++i)
            if (all[i].pid == leaders[g])
                fprintf(f, "leader %d %llu %s\n", all[i].pid, all[i].start, kKindName[g % KIND_COUNT]);
    int nProcs = 0;
    for (size_t i = 0; i < n; ++i) {
        if (mine[i] != 1)
            continue;
        ++nProcs;
        fprintf(f, "proc %d %llu\n", all[i].pid, all[i].start);
        for (int t = 0; t < 8; ++t) {
            char path[64];
            struct stat st;
            snprintf(path, sizeof path, "/proc/%d/ns/%s", all[i].pid, kNsNames[t]);
            if (stat(path, &st) != 0 || st.st_ino == ownNs[t])
                continue;
            if (nNs == nsCap) {
                nsCap *= 2;
                unsigned long long *bigger = realloc(ns, nsCap * sizeof *ns);
                if (!bigger)
                    return -1;
                ns = bigger;
            }
            ns[nNs++] = ((unsigned long long)t << 56) | st.st_ino;
        }
    }
    qsort(ns, nNs, sizeof *ns, cmpU64);
    int unique = 0;
    for (size_t i = 0; i < nNs; ++i) {
        if (i > 0 && ns[i] == ns[i - 1])
            continue;
        ++unique;
        fprintf(f, "ns %s %llu\n", kNsNames[ns[i] >> 56], ns[i] & ((1ULL << 56) - 1));
    }
    fclose(f);
    free(ns);
    free(mine);
    free(all);
    *nProcsOut = nProcs;
    *nNsOut = unique;
    return 0;
}

// After stopping: how many of the recorded (pid, start time) still exist.
static int countSurvivors(const char *statePath)
{
    FILE *f = fopen(statePath, "r");
    if (!f)
        return -1;
    char line[256];
    int left = 0;
    while (fgets(line, sizeof line, f)) {
        int pid, ppid;
        unsigned long long start, now;
        if (sscanf(line, "proc %d %llu", &pid, &start) != 2)
            continue;
        if (readStat(pid, &ppid, &now) == 0 && now == start) {
            fprintf(stderr, "nsload: pid %d (started at %llu) is still alive\n", pid, start);
            ++left;
        }
    }
    fclose(f);
    return left;
}

// --- controller --------------------------------------------------------------------------------

static pid_t *g_leaders;
static int g_nLeaders;

static void stopAll(void)
{
    // Our unreaped children: their PIDs cannot have been reused, so killing by PID is exact.
    for (int i = 0; i < g_nLeaders; ++i)
        if (g_leaders[i] > 0)
            kill(g_leaders[i], SIGKILL);
    // Closing the lifeline wakes every process we started, wherever it is.
    if (g_lifeline[1] >= 0) {
        close(g_lifeline[1]);
        g_lifeline[1] = -1;
    }
    // waitpid on a pid-namespace init returns only after the kernel has killed and reaped
    // everything inside its namespace.
    for (int i = 0; i < g_nLeaders; ++i) {
        if (g_leaders[i] <= 0)
            continue;
        while (waitpid(g_leaders[i], NULL, 0) < 0 && errno == EINTR) {
        }
        g_leaders[i] = 0;
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: nsload --procs N [--groups M] [--state FILE]\n"
                    "  starts N sleeping processes in M groups of fresh namespaces (see the header of\n"
                    "  bench/nsload.c); stops them all on SIGINT/SIGTERM/SIGHUP or when its parent dies\n");
}

int main(int argc, char **argv)
{
    long procs = -1, groups = -1;
    const char *statePath = NULL;
    for (int i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "--procs") && i + 1 < argc)
            procs = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--groups") && i + 1 < argc)
            groups = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--state") && i + 1 < argc)
            statePath = argv[++i];
        else {
            usage();
            return 2;
        }
    }
    if (procs < 4 || procs > 30000) {
        fprintf(stderr, "nsload: --procs must be in 4..30000\n");
        return 2;
    }
    if (groups < 0)
        groups = procs / 100 < 4 ? 4 : procs / 100;
    if (groups < 1 || groups * 4 > procs) {
        fprintf(stderr, "nsload: --groups must be in 1..procs/4\n");
        return 2;
    }
    char defaultState[64];
    if (!statePath) {
        snprintf(defaultState, sizeof defaultState, "/tmp/nsload.%d.state", getpid());
        statePath = defaultState;
    }

    unlink(statePath); // never verify against a stale file from an earlier run

    // Stop when whoever started us goes away (e.g. the bench script was SIGKILLed).
    pid_t parent = getppid();
    prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
    if (getppid() != parent)
        return 1;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = onStop; // no SA_RESTART: poll/sigsuspend must wake up
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = onChild;
    sigaction(SIGCHLD, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (pipe2(g_lifeline, O_CLOEXEC) != 0 || pipe2(g_ready, O_CLOEXEC) != 0) {
        perror("nsload: pipe");
        return 1;
    }
    g_leaders = calloc((size_t)groups, sizeof *g_leaders);
    if (!g_leaders)
        return 1;

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int expectedMsgs = 0, rc = 0;
    for (long g = 0; g < groups && !g_stop; ++g) {
        int kind = (int)(g % KIND_COUNT);
        int count = (int)(procs / groups + (g < procs % groups ? 1 : 0));
        int depth = kind == KIND_NESTED ? 2 + (int)((g / KIND_COUNT) % 2) : 1;
        pid_t p = cloneWith(kKindFlags[kind]);
        if (p == 0) {
            close(g_lifeline[1]);
            close(g_ready[0]);
            int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
            if (devnull >= 0) {
                dup2(devnull, 0);
                dup2(devnull, 1);
                close(devnull);
            }
            runInit(kind, 0, depth, count);
        }
        if (p < 0) {
            fprintf(stderr, "nsload: clone of group %ld (%s) failed: %s\n", g, kKindName[kind],
                    strerror(errno));
            rc = 1;
            break;
        }
        g_leaders[g_nLeaders++] = p;
        expectedMsgs += depth;
    }

    // Wait for every init to report.
    long total = 0;
    int msgs = 0;
    while (rc == 0 && msgs < expectedMsgs && !g_stop) {
        struct pollfd pfd = {g_ready[0], POLLIN, 0};
        int r = poll(&pfd, 1, 1000);
        if (r < 0 && errno != EINTR)
            break;
        if (g_childDied) {
            fprintf(stderr, "nsload: a group leader died during startup\n");
            rc = 1;
            break;
        }
        if (r <= 0)
            continue;
        struct ReadyMsg m;
        if (read(g_ready[0], &m, sizeof m) != (ssize_t)sizeof m)
            continue;
        ++msgs;
        total += m.started;
        if (!m.ok) {
            fprintf(stderr, "nsload: a group could not start all its processes: %s\n", strerror(m.err));
            rc = 1;
        }
    }

    if (rc == 0 && !g_stop) {
        clock_gettime(CLOCK_MONOTONIC, &t1);
        int nProcs = 0, nNs = 0;
        if (census(statePath, g_leaders, g_nLeaders, &nProcs, &nNs) != 0) {
            fprintf(stderr, "nsload: cannot write state file %s\n", statePath);
            rc = 1;
        } else {
            printf("READY procs=%d requested=%ld groups=%d namespaces=%d startup_s=%.2f state=%s\n", nProcs,
                   procs, g_nLeaders, nNs, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
                   statePath);
            fflush(stdout);
            if (nProcs != total)
                fprintf(stderr, "nsload: warning: %d descendants found, %ld reported started\n", nProcs,
                        total);
        }
        // Wait for a stop signal (or an unexpected death in the load).
        sigset_t block, old;
        sigemptyset(&block);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGHUP);
        sigaddset(&block, SIGCHLD);
        sigprocmask(SIG_BLOCK, &block, &old);
        while (rc == 0 && !g_stop && !g_childDied)
            sigsuspend(&old);
        sigprocmask(SIG_SETMASK, &old, NULL);
        if (g_childDied && !g_stop) {
            fprintf(stderr, "nsload: a group leader died unexpectedly; stopping the rest\n");
            rc = 1;
        }
    }

    stopAll();
    int left = access(statePath, R_OK) == 0 ? countSurvivors(statePath) : 0;
    printf("STOPPED left=%d\n", left);
    fflush(stdout);
    if (left != 0)
        return 3;
    return g_stop && rc == 0 ? 0 : rc;
}
