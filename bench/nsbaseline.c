// SPDX-License-Identifier: GPL-2.0-or-later
// nsbaseline: the floor a namespace scanner cannot beat by much. Reads the 8 namespace links of
// every process with readlinkat() on a per-pid "ns" directory fd, and with --labels also reads
// each process's stat and cmdline. No model, no JSON: what is left is the kernel's cost.
// Used by bench/scan-bench.sh as the reference for nsviz-helper's scan.
//
// Usage: nsbaseline [--labels] [--proc DIR]   prints one summary line on stdout.
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int main(int argc, char **argv)
{
    int labels = 0;
    const char *procRoot = "/proc";
    for (int i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "--labels"))
            labels = 1;
        else if (!strcmp(argv[i], "--proc") && i + 1 < argc)
            procRoot = argv[++i];
        else {
            fprintf(stderr, "usage: nsbaseline [--labels] [--proc DIR]\n");
            return 2;
        }
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
    long pids = 0, links = 0, bytes = 0;
    unsigned long long mix = 0; // folds every inode so nothing can be optimised away
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] < '1' || de->d_name[0] > '9')
            continue;
        int pfd = openat(procfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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
                    mix = mix * 31 + strtoull(lb + 1, NULL, 10);
                ++links;
            }
            close(nsfd);
        }
        if (labels) {
            bytes += slurp(pfd, "stat");
            bytes += slurp(pfd, "cmdline");
        }
        close(pfd);
        ++pids;
    }
    closedir(d);
    close(procfd);
    printf("pids=%ld links=%ld label_bytes=%ld mix=%llx\n", pids, links, bytes, mix);
    return 0;
}
