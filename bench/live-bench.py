#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""One live-subscription measurement (bench/live-bench.sh runs it per mode on a loaded host).

Starts `nsviz-helper serve --live MODE`, subscribes, and measures:
  - time to the first snapshot part and to the whole first snapshot;
  - helper CPU (utime+stime from /proc/PID/stat) over an idle phase (nothing started by the bench)
    and over a churn phase (RATE processes/s starting and exiting, a third of them exec'ing into
    fresh net+uts namespaces through unshare(1));
  - change->delta latency: the bench starts a probe process (`unshare -n -u -i sleep`) and times from
    just before its fork until the first delta that adds (or changes) that pid arrives;
  - the machine's 1-minute load average, sampled every 5 s in each phase (other work shares it);
  - helper peak RSS (VmHWM), deltas received, and refused deltas: a delta that removes or changes a
    process the replayed state does not hold, or adds one it holds, or a gap in seq.
Every process it starts is killed by its PID and reaped before it exits. Prints one JSON object.
"""
import argparse
import io
import json
import os
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from livelib import Children, Driver, first_at_or_after, percentile, vm_hwm_kib  # noqa: E402


class Reader(threading.Thread):
    """Reads the helper's frames, replays process keys, records when each pid first appears."""

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream = stream
        self.lock = threading.Lock()
        self.keys = set()  # (pid, start_time) the replayed state holds
        self.first_seen = {}  # pid -> monotonic times of the deltas adding/changing it (pids come back)
        self.hello = None
        self.first_part_at = None
        self.snapshot_at = None
        self.deltas = 0
        self.delta_bytes = 0
        self.refused = []
        self.last_seq = 0
        self.eof = False
        self._fragment = ""
        self.raw = []  # (monotonic time read, line) not parsed yet
        self.delta_times = []

    def run(self):
        # Only read and time-stamp here: parsing half-megabyte deltas in Python on a busy machine is
        # slower than the helper writes them, and a slow reader blocks the helper's write(2), which
        # would then be measured as the helper's latency. Frames are parsed by parse(), in order.
        for raw in self.stream:
            now = time.monotonic()
            with self.lock:
                self.raw.append((now, raw))
            if self.snapshot_at is None or (self.hello is None and b'"hello"' in raw):
                self.parse()  # the first picture is waited for by the main thread
        self.eof = True

    def parse(self):
        with self.lock:
            todo, self.raw = self.raw, []
        for now, raw in todo:
            try:
                frame = json.loads(raw)
            except ValueError:
                self.refused.append("unparsable line")
                continue
            if frame.get("type") == "fragment":
                self._fragment += frame["text"]
                if frame.get("more"):
                    continue
                frame, self._fragment = json.loads(self._fragment), ""
            self.handle(frame, now, len(raw))

    def handle(self, f, now, size):
        t = f.get("type")
        with self.lock:
            if t == "hello":
                self.hello = f
            elif t == "snapshot":
                if self.first_part_at is None:
                    self.first_part_at = now
                for p in f.get("processes", []):
                    self.keys.add((p["pid"], p["start_time"]))
                if f.get("final"):
                    self.snapshot_at = now
            elif t == "delta":
                if f["part"] == 0:
                    if f["seq"] != self.last_seq + 1:
                        self.refused.append(f"seq {f['seq']} after {self.last_seq}")
                    self.last_seq = f["seq"]
                    self.deltas += 1
                    self.delta_times.append(now)
                self.delta_bytes += size
                for k in f.get("removed_processes", []):
                    key = (k["pid"], k["start_time"])
                    if key not in self.keys:
                        self.refused.append(f"removes absent {key}")
                    self.keys.discard(key)
                for p in f.get("changed_processes", []):
                    key = (p["pid"], p["start_time"])
                    if key not in self.keys:
                        self.refused.append(f"changes absent {key}")
                    self.first_seen.setdefault(p["pid"], []).append(now)
                for p in f.get("added_processes", []):
                    key = (p["pid"], p["start_time"])
                    if key in self.keys:
                        self.refused.append(f"adds present {key}")
                    self.keys.add(key)
                    self.first_seen.setdefault(p["pid"], []).append(now)
            elif t == "error":
                self.refused.append("error frame: " + f.get("message", ""))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--helper", required=True)
    ap.add_argument("--mode", choices=["auto", "polling"], required=True)
    ap.add_argument("--interval-ms", type=int, default=1000)
    ap.add_argument("--idle-s", type=float, default=20)
    ap.add_argument("--churn-s", type=float, default=30)
    ap.add_argument("--rate", type=float, default=100, help="processes started per second in the churn")
    ap.add_argument("--probes-per-s", type=float, default=2)
    ap.add_argument("--deltas", choices=["member", "whole"], default="member",
                    help="ask for the member-deltas form when the helper offers it (as the GUI does), or not")
    args = ap.parse_args()

    kids = Children()
    helper = subprocess.Popen([args.helper, "serve", "--quiet", "--live", args.mode],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    # Buffered: iterating the unbuffered pipe reads a line one byte per read(2), which for
    # half-megabyte deltas made this reader (and so the helper's writes) the slowest part.
    reader = Reader(io.BufferedReader(helper.stdout, 1 << 20))
    reader.start()
    result = {"mode": args.mode + ("-whole" if args.deltas == "whole" else ""), "interval_ms": args.interval_ms,
              "rate": args.rate}
    probes = []  # (pid, t0, phase)
    try:
        helper.stdin.write(b'{"v":1,"type":"hello","id":1}\n')
        helper.stdin.flush()
        t_hello = time.monotonic()
        while reader.hello is None:
            if reader.eof or time.monotonic() - t_hello > 30:
                raise RuntimeError("no hello")
            time.sleep(0.005)
        member = args.deltas == "member" and "member-deltas" in reader.hello.get("capabilities", [])
        result["deltas_form"] = "member" if member else "whole"
        t_sub = time.monotonic()
        helper.stdin.write(('{"v":1,"type":"subscribe","id":2,"interval_ms":%d%s}\n'
                            % (args.interval_ms, ',"member_deltas":true' if member else "")).encode())
        helper.stdin.flush()
        while reader.snapshot_at is None:
            if reader.eof or time.monotonic() - t_sub > 300:
                raise RuntimeError("no first snapshot")
            time.sleep(0.01)
        result["live"] = reader.hello.get("live") if reader.hello else None
        result["first_part_ms"] = (reader.first_part_at - t_sub) * 1000
        result["first_snapshot_ms"] = (reader.snapshot_at - t_sub) * 1000
        result["processes"] = len(reader.keys)
        time.sleep(3)  # let the first scan's aftermath settle

        driver = Driver(kids, args.probes_per_s)
        for name, seconds, rate in (("idle", args.idle_s, 0), ("churn", args.churn_s, args.rate)):
            r = driver.phase(name, seconds, rate, {"helper": helper.pid})
            result[name + "_cpu_pct"] = r.pop(name + "_helper_cpu_pct")
            for k in ("_seconds", "_probes_started"):
                r.pop(name + k)
            result.update(r)
        probes, windows = driver.probes, driver.windows
        time.sleep(2)  # the last probes' deltas
        deadline = time.monotonic() + 60
        while True:  # read what the helper still has to say, then parse it all in order
            n = len(reader.raw)
            time.sleep(1)
            if len(reader.raw) == n or time.monotonic() > deadline:
                break
        reader.parse()
        for name, (w0, w1) in windows.items():
            result[name + "_deltas"] = sum(1 for t in reader.delta_times if w0 <= t < w1)
        for name in ("idle", "churn"):
            # A probe that ended by itself before its time (unshare failed) is not one to be seen.
            ran = [(pid, t0) for pid, t0, ph, early in probes if ph == name and not early]
            # The first delta naming the pid after the probe forked: another process may have had it.
            seen = [first_at_or_after(reader.first_seen.get(pid, []), t0) for pid, t0 in ran]
            lat = [(t - t0) * 1000 for (pid, t0), t in zip(ran, seen) if t is not None]
            missed = seen.count(None)
            result[name + "_probes_early"] = sum(1 for p in probes if p[2] == name and p[3])
            result[name + "_latency_p50_ms"] = percentile(lat, 0.5)
            result[name + "_latency_p95_ms"] = percentile(lat, 0.95)
            result[name + "_probes"] = len(lat)
            result[name + "_probes_missed"] = missed
        result["helper_peak_rss_kib"] = vm_hwm_kib(helper.pid)
        result["deltas"] = reader.deltas
        result["delta_bytes_mean"] = reader.delta_bytes / reader.deltas if reader.deltas else 0
        result["refused"] = len(reader.refused)
        result["refused_examples"] = reader.refused[:3]
    finally:
        kids.stop_all()
        try:
            helper.stdin.close()
        except OSError:
            pass
        try:
            helper.wait(timeout=30)
        except subprocess.TimeoutExpired:
            helper.kill()
            helper.wait()
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
