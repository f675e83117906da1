#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live benchmark: a subscribed nsviz-helper on a host brought to N processes in ~N/20 namespace
# groups (bench/nsload.c), idle and under churn, event-driven (proc connector) against polling in
# the same run (bench/live-bench.py measures one mode: helper CPU, change->delta latency p50/p95,
# peak RSS, refused deltas). Prints Markdown and puts it into bench/results.md between the
# live-bench markers. Needs root. Stops exactly what it started (by PID) and verifies it.
#
# Usage: bench/live-bench.sh [options]
#   --procs N        total processes to bring the host to (default 10000)
#   --groups M       namespace groups of the load (default N/20)
#   --idle S         seconds of idle subscription per mode (default 20)
#   --churn S        seconds of churn per mode (default 30)
#   --rate R         processes started per second during churn (default 100)
#   --interval-ms I  the polling interval asked for (default 1000)
#   --helper PATH    nsviz-helper (default: build/release/helper/nsviz-helper, built)
#   --no-build       do not configure/build the release preset
#   --out FILE       results file to update (default bench/results.md)
#   --modes "M..."   which modes to measure (default "auto auto-whole polling"; -whole: without the
#                    member-deltas form, as an older client; the table's ratio row needs auto and polling)
set -Eeuo pipefail
source "$(dirname "$0")/lib.sh"

procs=10000
groups=""
idle=20
churn=30
rate=100
interval=1000
helper=""
build=1
out=$BENCH_DIR/results.md
modes="auto auto-whole polling"
while [[ $# -gt 0 ]]; do
    case $1 in
    --procs) procs=$2; shift 2 ;;
    --groups) groups=$2; shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    --churn) churn=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --interval-ms) interval=$2; shift 2 ;;
    --helper) helper=$2; build=0; shift 2 ;;
    --no-build) build=0; shift ;;
    --out) out=$2; shift 2 ;;
    --modes) modes=$2; shift 2 ;;
    -h | --help) sed -n '3,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (try --help)" ;;
    esac
done
[[ $(id -u) -eq 0 ]] || die "needs root (the load makes namespaces; the proc connector wants root)"
[[ -n $groups ]] || groups=$((procs / 20))
if [[ -z $helper ]]; then
    helper=$REPO_DIR/build/release/helper/nsviz-helper
    if ((build)); then build_release nsviz-helper; fi
fi
[[ -x $helper ]] || die "no helper at $helper"
build_tools
trap 'load_stop || true' EXIT

load_to "$procs" "$groups"
total=$LOAD_TOTAL
RUN=$TOOLS_DIR/run
mkdir -p "$RUN"
declare -A res
for mode in $modes; do
    log "measuring $mode ($idle s idle, $churn s churn at $rate/s)"
    form=member
    [[ $mode == *-whole ]] && form=whole
    res[$mode]=$(python3 "$BENCH_DIR/live-bench.py" --helper "$helper" --mode "${mode%-whole}" --interval-ms "$interval" \
        --idle-s "$idle" --churn-s "$churn" --rate "$rate" --deltas "$form")
    log "${res[$mode]}"
done
load_stop
trap - EXIT

commit=$(cd "$REPO_DIR" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
: >"$RUN/live.jsonl"
for mode in $modes; do printf '%s\n' "${res[$mode]}" >>"$RUN/live.jsonl"; done
python3 - "$RUN/live.jsonl" "$total" "$groups" "$commit" "$idle" "$churn" "$rate" >"$RUN/live.md" <<'PY'
import json, sys, datetime, platform, os
rows = [json.loads(l) for l in open(sys.argv[1])]
total, groups, commit, idle, churn, rate = sys.argv[2:8]
def ms(v): return "–" if v is None else ("%.0f ms" % v if v >= 10 else "%.1f ms" % v)
def pct(v): return "%.1f %%" % v
now = datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC")
print("<!-- live-bench -->")
print("## Live subscription benchmark\n")
print(f"`bench/live-bench.sh` on {now}: Linux {platform.release()}, nsviz {commit} (release build), host at "
      f"{total} processes ({groups} namespace groups of `bench/nsload.c`). Per mode, in the same run: "
      f"{idle} s idle subscription (nothing started by the bench; the shared machine's other work still "
      f"forks and exits), then {churn} s of churn ({rate} processes/s starting, living 0.3–3 s, a third "
      "through `unshare -n -u`). Latency: from just before the bench forks a probe "
      "(`unshare -n -u -i sleep`, 2 per second) until the first delta naming its pid arrives. "
      f"Polling asks for interval_ms {rows[0]['interval_ms']}.\n")
print("| mode (hello `live`, delta form) | first snapshot | helper CPU idle | helper CPU churn | change→delta idle p50 / p95 | change→delta churn p50 / p95 | helper peak RSS | deltas (idle / churn) | mean delta | refused deltas | load avg idle / churn (mean, max) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
def kib(v): return "%.1f KiB" % (v / 1024)
for r in rows:
    print(f"| {r['live']}, {r.get('deltas_form', 'whole')} | {ms(r['first_snapshot_ms'])} | {pct(r['idle_cpu_pct'])} | {pct(r['churn_cpu_pct'])} | "
          f"{ms(r['idle_latency_p50_ms'])} / {ms(r['idle_latency_p95_ms'])} | {ms(r['churn_latency_p50_ms'])} / {ms(r['churn_latency_p95_ms'])} | "
          f"{r['helper_peak_rss_kib'] / 1024:.1f} MiB | {r['idle_deltas']} / {r['churn_deltas']} | {kib(r.get('delta_bytes_mean', 0))} | {r['refused']} | "
          f"{r['idle_loadavg_mean']:.1f}, {r['idle_loadavg_max']:.1f} / {r['churn_loadavg_mean']:.1f}, {r['churn_loadavg_max']:.1f} |")
by = {r['mode']: r for r in rows}
def ratio(x, y): return "–" if not x or not y else "%.2f" % (x / y)
if 'auto' in by and 'polling' in by:
    a, p = by['auto'], by['polling']
    print(f"\nEvents ÷ polling: CPU idle {ratio(a['idle_cpu_pct'], p['idle_cpu_pct'])}, CPU churn "
          f"{ratio(a['churn_cpu_pct'], p['churn_cpu_pct'])}, latency p95 under churn "
          f"{ratio(a['churn_latency_p95_ms'], p['churn_latency_p95_ms'])}.")
first = by.get('auto', rows[0])
print(f"\n\"First snapshot\": from subscribe to the last part of snapshot seq 0; in proc-connector mode that is the "
      f"fast partial first picture ({first['processes']} processes, `complete: false`), completed by the next delta. "
      f"Load average: the machine's 1-minute load average sampled every 5 s during each phase (mean, max), on "
      f"{os.cpu_count()} CPUs shared with other work: absolute times on this machine are noisy; the modes of one "
      "run ran under similar conditions.")
print("<!-- /live-bench -->")
PY
cat "$RUN/live.md"
put_section "$out" live-bench "$RUN/live.md"
log "written to $out"
