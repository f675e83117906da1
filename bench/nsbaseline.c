// SPDX-License-Identifier: GPL-2.0-or-later
// nsbaseline: the floor a namespace scanner cannot beat by much. Reads the 8 namespace links of
// every process with readlinkat() on a per-pid "ns" directory fd, and with --labels also reads
// each process's stat and cmdline. No model, no JSON: what is left is the kernel's cost.
// Used by bench/scan-bench.sh as the reference for nsviz-helper's scan.
//
// --full reads what nsviz's process and fd steps read as well (status, cgroup, and every
// /proc/PID/fd link): the floor for nsviz's feature set. --threads N splits the pids over N
// threads, to show what parallel reading buys on this machine.
//
// Usage: nsbaseline [--labels | --full] [--threads N] [--proc DIR]   prints one summary line.
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *const kNsNames[8] = {"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"};

// Reads a whole small proc file; returns its size (what a real scanner would then parse).
static long slurp(int dirfd, const char *name)
{
    char buf[8192];
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    long total = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        total += n;
    close(fd);
    return total;
}

struct Work {
    int procfd, level; // level: 0 ns links only, 1 + stat and cmdline, 2 + status, cgroup, fds
    const int *pids;
    size_t n;
    long links, bytes, fds;
    unsigned long long mix;
};

// Lists a /proc/PID/fd directory with getdents64 into a stack buffer and reads each link.
static long readFds(int pfd, unsigned long long *mix)
{
    int dfd = openat(pfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return 0;
    char buf[8192], link[128];
    long count = 0;
    for (;;) {
        long n = syscall(SYS_getdents64, dfd, buf, sizeof buf);
        if (n <= 0)
            break;
        for (long off = 0; off < n;) {
            struct dirent64 *e = (struct dirent64 *)(buf + off);
            off += e->d_reclen;
            if (e->d_name[0] == '.')
                continue;
            ssize_t l = readlinkat(dfd, e->d_name, link, sizeof link - 1);
            if (l > 0 && link[l - 1] == ']')
                *mix = *mix * 31 + (unsigned long long)l;
            ++count;
        }
    }
    close(dfd);
    return count;
}

static void *scanPids(void *arg)
{
    struct Work *w = arg;
    char name[16];
    for (size_t i = 0; i < w->n; ++i) {
        snprintf(name, sizeof name, "%d", w->pids[i]);
        int pfd = openat(w->procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (pfd < 0)
            continue; // vanished
        int nsfd = openat(pfd, "ns", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (nsfd >= 0) {
            for (int t = 0; t < 8; ++t) {
                char buf[64];
                ssize_t n = readlinkat(nsfd, kNsNames[t], buf, sizeof buf - 1);
                if (n <= 0)
                    continue;
                buf[n] = 0;
                const char *lb = strchr(buf, '[');
                if (lb)
                    w->mix = w->mix * 31 + strtoull(lb + 1, NULL, 10);
                ++w->links;
            }
            close(nsfd);
        }
        if (w->level >= 1) {
            w->bytes += slurp(pfd, "stat");
            w->bytes += slurp(pfd, "cmdline");
        }
        if (w->level >= 2) {
            w->bytes += slurp(pfd, "status");
            w->bytes += slurp(pfd, "cgroup");
            w->fds += readFds(pfd, &w->mix);
        }
        close(pfd);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int level = 0, threads = 1;
    const char *procRoot = "/proc";
    for (int i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "--labels"))
            level = 1;
        else if (!strcmp(argv[i], "--full"))
            level = 2;
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--proc") && i + 1 < argc)
            procRoot = argv[++i];
        else {
            fprintf(stderr, "usage: nsbaseline [--labels | --full] [--threads N] [--proc DIR]\n");
            return 2;
        }
    }
    if (threads < 1 || threads > 64) {
        fprintf(stderr, "nsbaseline: --threads must be in 1..64\n");
        return 2;
    }
    int procfd = open(procRoot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (procfd < 0) {
        perror(procRoot);
        return 1;
    }
    DIR *d = fdopendir(dup(procfd));
    if (!d) {
        perror("fdopendir");
        return 1;
    }
    size_t n = 0, cap = 4096;
    int *pids = malloc(cap * sizeof *pids);
    struct dirent *de;
    while (pids && (de = readdir(d))) {
        if (de->d_name[0] < '1' || de->d_name[0] > '9')
            continue;
        if (n == cap) {
            cap *= 2;
            int *bigger = realloc(pids, cap * sizeof *pids);
            if (!bigger)
                return 1;
            pids = bigger;
        }
        pids[n++] = atoi(de->d_name);
    }
    closedir(d);
    if (!pids)
        return 1;

    struct Work work[64];
    pthread_t tid[64];
    size_t per = (n + (size_t)threads - 1) / (size_t)threads;
    for (int t = 0; t < threads; ++t) {
        size_t from = per * (size_t)t < n ? per * (size_t)t : n;
        size_t to = from + per < n ? from + per : n;
        work[t] = (struct Work){procfd, level, pids + from, to - from, 0, 0, 0, 0};
        if (t > 0 && pthread_create(&tid[t], NULL, scanPids, &work[t]) != 0) {
            perror("pthread_create");
            return 1;
        }
    }
    scanPids(&work[0]);
    long links = work[0].links, bytes = work[0].bytes, fds = work[0].fds;
    unsigned long long mix = work[0].mix;
    for (int t = 1; t < threads; ++t) {
        pthread_join(tid[t], NULL);
        links += work[t].links;
        bytes += work[t].bytes;
        fds += work[t].fds;
        mix ^= work[t].mix;
    }
    close(procfd);
    free(pids);
    printf("pids=%zu links=%ld label_bytes=%ld fds=%ld mix=%llx\n", n, links, bytes, fds, mix);
    return 0;
}
