#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The live soak (bench/soak.sh runs it on a loaded host): the real GUI, offscreen, on a real helper.

Starts `nsviz-live-soak` (bench/gui/livesoak.cpp: the main window, shown offscreen at 1280x720,
connected through the app's own transport to an `nsviz-helper serve` it spawns), takes the helper's
pid from its `hello` line, and runs three phases (bench/livelib.py):
  - idle: nothing started by the bench, no probes: helper and GUI CPU while nothing changes
    (the shared machine's own forks and exits still happen);
  - probe: probes only (`unshare -n -u -i sleep`, 2/s): change->delta and change->paint on a quiet host;
  - churn: RATE processes/s starting and exiting (a third into fresh namespaces) plus probes.
then a short settle (no churn, no probes). Latency per probe, all on CLOCK_MONOTONIC:
  change->delta  from just before the probe's fork to the GUI receiving the first delta naming its pid;
  change->paint  from the same moment to the first completed paint of the cluster view after that
                 delta went through every model.
It also reports both processes' peak RSS (VmHWM, read from /proc before they end) and the GUI's RSS
samples, refused deltas and resyncs, and deltas after which a view's count differed from the store's
(status bar, table, cluster view after every delta; both namespace trees every few seconds).
Every process it starts is ended by its PID; the helper is ended by the soak program (bye, then its
stdin closes) and, if it is still there, by its PID. Prints one JSON object.
"""
import argparse
import io
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from bisect import bisect_left

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from livelib import Children, Driver, percentile, vm_kib, wait_for_quiet_cpu  # noqa: E402

WRITTEN = re.compile(r"nsviz: ([0-9.]+) delta written: seq ([0-9]+)")  # server.cpp, NSVIZ_TRACE_STEPS


class Events(threading.Thread):
    """Reads the soak program's JSON lines as they come (each carries its own time stamps)."""

    def __init__(self, stream, log):
        super().__init__(daemon=True)
        self.stream = stream
        self.log = log
        self.events = []
        self.hello = None
        self.first_snapshot = None
        self.end = None
        self.eof = False
        self.bad = 0

    def run(self):
        for raw in self.stream:
            if self.log:
                self.log.write(raw)
            try:
                e = json.loads(raw)
            except ValueError:
                self.bad += 1
                continue
            self.events.append(e)
            ev = e.get("ev")
            if ev == "hello" and self.hello is None:
                self.hello = e
            elif ev == "snapshot" and self.first_snapshot is None:
                self.first_snapshot = e
            elif ev == "end":
                self.end = e
        self.eof = True


def count_procs():
    return sum(1 for d in os.listdir("/proc") if d.isdigit())


def is_child_of(pid, ppid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1]) == ppid
    except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
        return False


def read_written(path):
    """seq -> the times (CLOCK_MONOTONIC) a delta of that seq left the helper, from its trace."""
    written = {}
    try:
        with open(path, errors="replace") as f:
            for line in f:
                m = WRITTEN.match(line)
                if m:
                    written.setdefault(int(m.group(2)), []).append(float(m.group(1)))
    except FileNotFoundError:
        pass
    return written


def analyse(events, probes, host_procs, t_launch, result, written=None):
    deltas = [e for e in events if e.get("ev") == "delta"]
    paints = [e for e in events if e.get("ev") == "paint"]
    paint_n = [p["n"] for p in paints]  # non-decreasing: written in the order they happened
    # pid -> the deltas naming it (added or changed), in the order received. Pids come back: ten
    # minutes of churn start more processes than pid_max (32768 by default) holds, so a probe's
    # delta is the first naming its pid after the probe forked, not the first of the run.
    naming = {}
    for d in deltas:
        if d["refused"]:
            continue
        for pid in set(d["added"]) | set(d["changed"]):
            naming.setdefault(pid, ([], []))
            naming[pid][0].append(d["t_recv"])
            naming[pid][1].append(d)

    def first_delta_after(pid, t0):
        times, ds = naming.get(pid, ([], []))
        i = bisect_left(times, t0)
        return ds[i] if i < len(ds) else None

    def first_paint_after(d):
        i = bisect_left(paint_n, d["n"])
        while i < len(paints) and paints[i]["t"] < d["t_applied"]:
            i += 1
        return paints[i] if i < len(paints) else None

    def written_at(d):
        # The last time a delta of this seq left the helper before the GUI took it (a new
        # subscription starts its seqs again).
        times = (written or {}).get(d["seq"], [])
        i = bisect_left(times, d["t_recv"])
        return times[i - 1] if i > 0 else None

    for phase in ("probe", "churn"):
        to_delta, to_applied, to_paint, missed, unpainted, early = [], [], [], 0, 0, 0
        to_written = []
        for pid, t0, ph, *ended in probes:  # runs analysed again from an older soak.json: 3 fields
            if ph != phase:
                continue
            if ended and ended[0]:  # ended by itself before its time (unshare failed): not counted
                early += 1
                continue
            d = first_delta_after(pid, t0)
            if d is None:
                missed += 1
                continue
            to_delta.append((d["t_recv"] - t0) * 1000)
            tw = written_at(d) if written is not None else None
            if tw is not None:
                to_written.append((tw - t0) * 1000)
            to_applied.append((d["t_applied"] - t0) * 1000)
            p = first_paint_after(d)
            if p is None:
                unpainted += 1
            else:
                to_paint.append((p["t"] - t0) * 1000)
        for key, vals in (("written", to_written), ("delta", to_delta), ("applied", to_applied),
                          ("paint", to_paint)):
            result[f"{phase}_to_{key}_p50_ms"] = percentile(vals, 0.5)
            result[f"{phase}_to_{key}_p95_ms"] = percentile(vals, 0.95)
            result[f"{phase}_to_{key}_max_ms"] = max(vals) if vals else None
        result[phase + "_probes_seen"] = len(to_delta)
        result[phase + "_probes_missed"] = missed
        result[phase + "_probes_unpainted"] = unpainted
        result[phase + "_probes_early"] = early

    # The GUI thread's cost per delta: from the transport handing it over to every model done.
    apply_ms = [(d["t_applied"] - d["t_recv"]) * 1000 for d in deltas]
    result["apply_p50_ms"] = percentile(apply_ms, 0.5)
    result["apply_p95_ms"] = percentile(apply_ms, 0.95)
    result["apply_max_ms"] = max(apply_ms) if apply_ms else None
    result["deltas"] = len(deltas)
    result["paints"] = len(paints)
    result["refused"] = sum(1 for d in deltas if d["refused"])
    result["refused_messages"] = [e.get("message") for e in events if e.get("ev") == "refused"][:3]
    result["resyncs"] = sum(1 for e in events if e.get("ev") == "resync")
    result["errors"] = [e.get("error", "") + ": " + e.get("message", "") for e in events if e.get("ev") == "error"][:3]
    bad = [d for d in deltas if not d["counts"]["ok"]]
    result["count_mismatches"] = len(bad)
    result["count_mismatch_example"] = bad[0]["counts"] if bad else None
    trees = [e for e in events if e.get("ev") == "trees"]
    result["tree_checks"] = len(trees)
    result["tree_mismatches"] = sum(1 for e in trees if not e["ok"])
    result["tree_mismatch_example"] = next((e for e in trees if not e["ok"]), None)
    result["tree_check_p50_ms"] = percentile([e["ms"] for e in trees], 0.5)
    rss = [e["rss_kib"] for e in events if e.get("ev") == "rss"]
    result["gui_rss_max_kib"] = max(rss) if rss else None
    result["processes_max"] = max((d["counts"]["store"] for d in deltas), default=None)

    # The first picture: launch -> first paint after the first snapshot, and -> first paint of a
    # picture holding (nearly) the whole host (a partial first snapshot is completed by a delta).
    first_paint = full_paint = None
    store = 0
    for e in events:
        ev = e.get("ev")
        if ev == "snapshot":
            store = e["store_processes"]
        elif ev == "delta":
            store = e["counts"]["store"]
        elif ev == "paint" and store > 0:
            if first_paint is None:
                first_paint = e["t"]
            if full_paint is None and store >= 0.95 * host_procs:
                full_paint = e["t"]
                break
    result["first_paint_ms"] = None if first_paint is None else (first_paint - t_launch) * 1000
    result["full_paint_ms"] = None if full_paint is None else (full_paint - t_launch) * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--soak", required=True, help="nsviz-live-soak")
    ap.add_argument("--helper", required=True, help="nsviz-helper")
    ap.add_argument("--mode", choices=["auto", "polling"], default="auto")
    ap.add_argument("--interval-ms", type=int, default=2000, help="the subscription's (the GUI's default 2000)")
    ap.add_argument("--idle-s", type=float, default=60)
    ap.add_argument("--probe-s", type=float, default=60)
    ap.add_argument("--churn-s", type=float, default=600)
    ap.add_argument("--settle-s", type=float, default=15)
    ap.add_argument("--rate", type=float, default=100, help="processes started per second in the churn")
    ap.add_argument("--probes-per-s", type=float, default=2)
    ap.add_argument("--screenshot", help="save the soak window as PNG at the end of the churn")
    ap.add_argument("--events", help="also write the soak program's JSON lines to this file")
    ap.add_argument("--stderr", help="the soak program's stderr (Qt warnings) go here")
    ap.add_argument("--helper-trace", help="run the helper with NSVIZ_TRACE_STEPS=1, its stderr to this file: "
                    "when each delta left the helper (change->written), apart from when the GUI took it")
    args = ap.parse_args()

    # SIGTERM (e.g. from the shell script's trap) ends like Ctrl-C: through the finally below.
    def on_term(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    kids = Children()
    log = open(args.events, "w") if args.events else None
    err = open(args.stderr, "w") if args.stderr else subprocess.DEVNULL
    # The first picture is of a 10k-process host, not of one still busy starting them: launched
    # once the machine is quiet (or after 30 s), and the result says how quiet it was.
    waited, busy = wait_for_quiet_cpu()
    host_procs = count_procs()
    t_launch = time.monotonic()
    # Its own session: a Ctrl-C on the terminal reaches this script, which ends the soak program
    # in order (the helper first), instead of killing all three at once.
    helper_cmd = args.helper
    if args.helper_trace:
        # The same helper (exec: its pid and exe are the helper's), tracing to a file of its own;
        # through the transport its stderr would be kept only as the last 8 KiB for error messages.
        helper_cmd = args.helper_trace + ".helper.sh"
        with open(helper_cmd, "w") as f:
            f.write("#!/bin/sh\nNSVIZ_TRACE_STEPS=1 exec %s \"$@\" 2>>%s\n"
                    % (shlex.quote(os.path.realpath(args.helper)), shlex.quote(args.helper_trace)))
        os.chmod(helper_cmd, 0o755)
        open(args.helper_trace, "w").close()
    soak = subprocess.Popen([args.soak, "--helper", helper_cmd, "--live", args.mode,
                             "--interval-ms", str(args.interval_ms)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                            bufsize=0, start_new_session=True)
    reader = Events(io.TextIOWrapper(io.BufferedReader(soak.stdout, 1 << 20), encoding="utf-8"), log)
    reader.start()
    result = {"mode": args.mode, "interval_ms": args.interval_ms, "rate": args.rate, "host_processes": host_procs,
              "launch_wait_s": waited, "launch_busy": busy}
    helper_pid = 0
    driver = None
    status = "ok"
    try:
        while reader.first_snapshot is None:
            if reader.eof or soak.poll() is not None:
                raise RuntimeError("the soak program ended before its first snapshot (see its stderr)")
            if time.monotonic() - t_launch > 300:
                raise RuntimeError("no first snapshot in 300 s")
            time.sleep(0.01)
        hello = reader.hello or {}
        helper_pid = hello.get("helper_pid", 0)
        if helper_pid <= 0 or not is_child_of(helper_pid, soak.pid):
            raise RuntimeError(f"helper pid {helper_pid} from hello is not the soak program's child")
        result["helper_pid"] = helper_pid
        result["helper_exe"] = hello.get("helper_exe")
        result["gui_pid"] = soak.pid
        result["first_snapshot_ms"] = (reader.first_snapshot["t_applied"] - t_launch) * 1000
        time.sleep(5)  # the partial first picture's completing delta, the first scan's aftermath

        driver = Driver(kids, args.probes_per_s)
        watched = {"helper": helper_pid, "gui": soak.pid}

        def alive():
            if reader.eof or soak.poll() is not None or kids.foreign_exits:
                raise RuntimeError("the soak program or its helper ended during the run")

        for name, seconds, rate, probes in (("idle", args.idle_s, 0, False), ("probe", args.probe_s, 0, True),
                                            ("churn", args.churn_s, args.rate, True),
                                            ("settle", args.settle_s, 0, False)):
            if seconds <= 0:
                continue
            print(f"soak: {name} phase, {seconds:.0f} s", file=sys.stderr, flush=True)
            result.update(driver.phase(name, seconds, rate, watched, probes=probes, tick=alive))
            if name == "churn" and args.screenshot:
                soak.stdin.write(f"screenshot {args.screenshot}\n".encode())
                soak.stdin.flush()
        # Peak RSS before they end (VmHWM leaves with the process).
        result["helper_peak_rss_kib"] = vm_kib(helper_pid, "VmHWM")
        result["helper_rss_end_kib"] = vm_kib(helper_pid, "VmRSS")
        result["gui_peak_rss_kib"] = vm_kib(soak.pid, "VmHWM")
        result["gui_rss_end_kib"] = vm_kib(soak.pid, "VmRSS")
    except KeyboardInterrupt:
        status = "interrupted"
    except Exception as e:  # noqa: BLE001 - reported, then cleaned up
        status = "failed: %s" % e
    finally:
        kids.stop_all()
        # The soak program ends the helper (bye, stdin closed; killed by its PID after 3 s).
        try:
            soak.stdin.write(b"quit\n")
            soak.stdin.close()
        except OSError:
            pass
        try:
            soak.wait(timeout=30)
        except subprocess.TimeoutExpired:
            soak.terminate()
            try:
                soak.wait(timeout=15)
            except subprocess.TimeoutExpired:
                soak.kill()
                soak.wait()
        reader.join(timeout=10)
        # The helper is the soak program's child; should the soak program have been killed, the
        # orphan is ours to end (by its PID, once we know it is still that helper).
        if helper_pid > 0 and (is_child_of(helper_pid, soak.pid) or is_child_of(helper_pid, 1)):
            try:
                if os.readlink(f"/proc/{helper_pid}/exe") == os.path.realpath(args.helper):
                    os.kill(helper_pid, signal.SIGKILL)
                    result["helper_killed_by_bench"] = True
                    for _ in range(100):  # SIGKILL is delivered asynchronously; init reaps the orphan
                        if not os.path.exists(f"/proc/{helper_pid}/exe") or not os.readlink(f"/proc/{helper_pid}/exe"):
                            break
                        time.sleep(0.05)
            except (FileNotFoundError, ProcessLookupError):
                pass
        try:
            result["helper_left"] = helper_pid > 0 and os.readlink(f"/proc/{helper_pid}/exe") == \
                os.path.realpath(args.helper)
        except (FileNotFoundError, ProcessLookupError):
            result["helper_left"] = False
        result["soak_rc"] = soak.returncode
        if log:
            log.close()
    result["status"] = status
    result["end"] = reader.end
    if reader.events:
        analyse(reader.events, driver.probes if driver else [], host_procs, t_launch, result,
                read_written(args.helper_trace) if args.helper_trace else None)
    # The probes (pid, fork time, phase), so that a run can be analysed again from its events file.
    result["probes"] = [list(p) for p in driver.probes] if driver else []
    print(json.dumps(result))
    return 0 if status == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
