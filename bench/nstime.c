// SPDX-License-Identifier: GPL-2.0-or-later
// nstime: runs one command and prints "wall_s user_s sys_s exit" on stdout. The command's stdout
// goes to /dev/null (or to -o FILE), its stderr to ours. Wall time is CLOCK_MONOTONIC around
// fork..wait4; CPU time comes from wait4's rusage, which on a shared machine is less disturbed
// by other tenants than wall time, so the bench reports both.
//
// Usage: nstime [-o FILE] [-t SECONDS] -- COMMAND [ARGS...]
//   -t: SIGKILL the command (by its PID, our own child) after SECONDS; exit status is then 137.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t g_timedOut;
static void onAlarm(int sig)
{
    (void)sig;
    g_timedOut = 1;
}

static double seconds(struct timeval tv)
{
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    const char *out = "/dev/null";
    unsigned timeout = 0;
    int i = 1;
    for (; i < argc; ++i) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc)
            out = argv[++i];
        else if (!strcmp(argv[i], "-t") && i + 1 < argc)
            timeout = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--")) {
            ++i;
            break;
        } else
            break;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: nstime [-o FILE] [-t SECONDS] -- COMMAND [ARGS...]\n");
        return 2;
    }
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        perror(out);
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 2;
    }
    if (pid == 0) {
        dup2(fd, 1);
        execvp(argv[i], argv + i);
        perror(argv[i]);
        _exit(127);
    }
    close(fd);
    if (timeout > 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = onAlarm; // no SA_RESTART: wait4 must return EINTR
        sigaction(SIGALRM, &sa, NULL);
        alarm(timeout);
    }
    int status = 0;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR)
            return 2;
        if (g_timedOut) {
            fprintf(stderr, "nstime: %s timed out after %u s, killed\n", argv[i], timeout);
            kill(pid, SIGKILL); // our unreaped child: the PID is still ours
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    printf("%.6f %.6f %.6f %d\n", (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
           seconds(ru.ru_utime), seconds(ru.ru_stime), code);
    return 0;
}
