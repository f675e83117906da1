# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared by bench/live-bench.py and bench/soak.py: what a live measurement does on the host.

Process CPU time and peak RSS from /proc, the machine's load average, the processes the bench
starts (killed by PID and reaped, never by name), churn and probe processes, percentiles.
"""
import os
import random
import signal
import time
from bisect import bisect_left

CLK_TCK = os.sysconf("SC_CLK_TCK")
UNSHARE = "/usr/bin/unshare"
SLEEP = "/bin/sleep"


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14, 15)


def loadavg1():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def vm_kib(pid, key="VmHWM"):
    """VmHWM (peak RSS) or VmRSS of a process, KiB; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def vm_hwm_kib(pid):
    return vm_kib(pid, "VmHWM")


def percentile(values, q):
    if not values:
        return None
    v = sorted(values)
    k = (len(v) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def cpu_busy_fraction(seconds):
    """How busy the machine's CPUs were (0..1, all of them together) over the next @seconds."""
    def snap():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]  # total, idle + iowait
    t1, i1 = snap()
    time.sleep(seconds)
    t2, i2 = snap()
    return 1 - (i2 - i1) / max(1, t2 - t1)


def wait_for_quiet_cpu(max_busy=0.15, window_s=1.0, timeout_s=30.0):
    """Waits until the CPUs are at most @max_busy busy over a whole @window_s (a load that just
    forked thousands of processes keeps the kernel busy for a second or two after it says READY),
    at most @timeout_s. Returns (seconds waited, the last window's busy fraction)."""
    t0 = time.monotonic()
    while True:
        busy = cpu_busy_fraction(window_s)
        if busy <= max_busy or time.monotonic() - t0 >= timeout_s:
            return time.monotonic() - t0, busy


def first_at_or_after(times, t0):
    """The first of the sorted @times at or after t0, or None."""
    i = bisect_left(times, t0)
    return times[i] if i < len(times) else None


class Children:
    """Processes the bench started: killed by PID and reaped, never by name."""

    def __init__(self):
        self.live = set()
        self.foreign_exits = {}  # pid -> wait status of a child reaped here that was not ours

    def spawn(self, argv):
        pid = os.posix_spawn(argv[0], argv, os.environ)
        self.live.add(pid)
        return pid

    def reap(self):
        while self.live:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                self.live.clear()
                return
            if pid == 0:
                return
            if pid not in self.live:
                # Another child of ours (the helper or soak program, started with Popen) ended:
                # remembered, so that the caller can say so rather than wait for it.
                self.foreign_exits[pid] = status
            self.live.discard(pid)

    def kill(self, pid):
        if pid in self.live:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def stop_all(self):
        for pid in list(self.live):
            self.kill(pid)
        for pid in list(self.live):
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        self.live.clear()


class Driver:
    """Runs measured phases: churn (RATE processes/s starting, living 0.3-3 s, a third through
    `unshare -n -u` into fresh namespaces) and probes (`unshare -n -u -i sleep`, timed from just
    before their fork), sampling the CPU time of the processes watched and the load average."""

    def __init__(self, kids, probes_per_s=2.0, probe_life_s=10.0):
        self.kids = kids
        self.probes_per_s = probes_per_s
        self.probe_life_s = probe_life_s
        self.probes = []  # [pid, t0 just before the fork, phase name, ended early (bool)]
        self.live_probes = {}  # pid -> index in probes, of the probes still running
        self.windows = {}  # phase name -> (t0, t1)

    def probe(self, phase):
        t0 = time.monotonic()
        pid = self.kids.spawn([UNSHARE, "-n", "-u", "-i", SLEEP, "30"])
        self.live_probes[pid] = len(self.probes)
        self.probes.append([pid, t0, phase, False])

    def phase(self, name, seconds, rate, cpu_pids, probes=True, tick=None):
        """One phase of SECONDS: RATE churn processes/s (0: none), probes or not; CPU % of each of
        cpu_pids ({label: pid}) over the phase. Returns {key: value} with keys prefixed by NAME:
        NAME_<label>_cpu_pct, NAME_started, NAME_probes_started, NAME_loadavg_mean/max.
        TICK, when given, is called about every 20 ms (the caller's own sampling)."""
        c0 = {k: cpu_seconds(p) for k, p in cpu_pids.items()}
        t0 = time.monotonic()
        loads = [loadavg1()]
        next_load = t0 + 5
        next_probe = t0 + 0.5
        next_start = t0
        started = 0
        probed = 0
        while (now := time.monotonic()) < t0 + seconds:
            if rate > 0 and now >= next_start:
                life = random.uniform(0.3, 3.0)
                argv = [UNSHARE, "-n", "-u", SLEEP, "%.2f" % life] if started % 3 == 0 else [SLEEP, "%.2f" % life]
                self.kids.spawn(argv)
                started += 1
                next_start += 1.0 / rate
            if probes and now >= next_probe:
                self.probe(name)
                probed += 1
                next_probe += 1.0 / self.probes_per_s
            if now >= next_load:  # the machine is shared: say how busy it was
                loads.append(loadavg1())
                next_load += 5
            self.kids.reap()
            # Probes end after probe_life_s (their pids are matched against deltas afterwards). Only
            # the probes still running are looked at: pids come back (minutes of churn wrap
            # pid_max), and walking every probe ever started killed a fresh probe, or a churn
            # process, that had an old probe's pid, at once.
            for pid, i in list(self.live_probes.items()):
                if pid not in self.kids.live:
                    self.probes[i][3] = True  # ended by itself: unshare failed, or killed by another
                    del self.live_probes[pid]
                elif now - self.probes[i][1] > self.probe_life_s:
                    self.kids.kill(pid)
                    del self.live_probes[pid]
            if tick:
                tick()
            time.sleep(min(0.005, max(0.0, next_start - time.monotonic())) if rate > 0 else 0.02)
        elapsed = time.monotonic() - t0
        res = {}
        for k, p in cpu_pids.items():
            res[f"{name}_{k}_cpu_pct"] = (cpu_seconds(p) - c0[k]) / elapsed * 100
        self.windows[name] = (t0, time.monotonic())
        loads.append(loadavg1())
        res[name + "_seconds"] = elapsed
        res[name + "_started"] = started
        res[name + "_probes_started"] = probed
        res[name + "_loadavg_mean"] = sum(loads) / len(loads)
        res[name + "_loadavg_max"] = max(loads)
        return res

    def end_probes(self):
        self.kids.stop_all()
        self.live_probes.clear()
