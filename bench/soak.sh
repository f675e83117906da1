#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live soak: the real GUI (nsviz-live-soak: the main window offscreen at 1280x720, shown) subscribed
# through the app's own transport to a real nsviz-helper, on a host brought to N processes in ~N/20
# namespace groups (bench/nsload.c), idle, with probes, then MINUTES of churn (bench/soak.py: helper and
# GUI CPU, change->delta and change->paint p50/p95, both peak RSS, refused deltas, view counts). Prints
# Markdown and puts it into bench/results.md between the live-soak markers. Needs root. Stops exactly
# what it started (by PID) and verifies it, on Ctrl-C and failures too. In build/bench/run: the GUI's
# events (soak-events.jsonl), the helper's trace (helper-trace.log: when each delta left it), soak.json.
#
# Usage: bench/soak.sh [options]
#   --minutes M      minutes of churn (default 10; e.g. --minutes 1 to try it)
#   --procs N        total processes to bring the host to (default 10000)
#   --groups M       namespace groups of the load (default N/20)
#   --rate R         processes started per second during churn (default 100)
#   --idle S         seconds of idle subscription, no probes: CPU (default 60)
#   --probe S        seconds of probes on the quiet host: latency (default 60)
#   --interval-ms I  the subscription interval (default 2000, the GUI's)
#   --mode M         auto (the helper's choice: proc connector as root) or polling (default auto)
#   --helper PATH    nsviz-helper (default: build/release/helper/nsviz-helper, built)
#   --soak PATH      nsviz-live-soak (default: build/release/bench/gui/nsviz-live-soak, built)
#   --no-build       do not configure/build the release preset
#   --out FILE       results file to update (default bench/results.md; "-": none)
#   --screenshot F   the soak window at the end of the churn, as PNG (default build/bench/run/soak.png)
set -Eeuo pipefail
source "$(dirname "$0")/lib.sh"

minutes=10
procs=10000
groups=""
rate=100
idle=60
probe=60
interval=2000
mode=auto
helper=""
soak=""
build=1
out=$BENCH_DIR/results.md
shot=""
while [[ $# -gt 0 ]]; do
    case $1 in
    --minutes) minutes=$2; shift 2 ;;
    --procs) procs=$2; shift 2 ;;
    --groups) groups=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    --probe) probe=$2; shift 2 ;;
    --interval-ms) interval=$2; shift 2 ;;
    --mode) mode=$2; shift 2 ;;
    --helper) helper=$2; shift 2 ;;
    --soak) soak=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --out) out=$2; shift 2 ;;
    --screenshot) shot=$2; shift 2 ;;
    -h | --help) sed -n '3,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (try --help)" ;;
    esac
done
[[ $(id -u) -eq 0 ]] || die "needs root (the load makes namespaces; the helper runs as root)"
[[ -n $groups ]] || groups=$((procs / 20))
churn=$(python3 -c "print(float('$minutes') * 60)") || die "--minutes: not a number"
targets=()
[[ -n $helper ]] || { helper=$REPO_DIR/build/release/helper/nsviz-helper; targets+=(nsviz-helper); }
[[ -n $soak ]] || { soak=$REPO_DIR/build/release/bench/gui/nsviz-live-soak; targets+=(nsviz-live-soak); }
if ((build)) && ((${#targets[@]})); then
    build_release "${targets[@]}"
fi
[[ -x $helper ]] || die "no helper at $helper"
[[ -x $soak ]] || die "no soak program at $soak"
build_tools
RUN=$TOOLS_DIR/run
mkdir -p "$RUN"
[[ -n $shot ]] || shot=$RUN/soak.png
# The load is stopped and verified on any exit; Ctrl-C and SIGTERM end soak.py first (it stops the
# soak program, which stops the helper), then come here.
SOAK_PY=""
on_signal() {
    log "soak: interrupted; stopping the soak (GUI and helper), then the load"
    if [[ -n $SOAK_PY ]]; then
        kill -TERM "$SOAK_PY" 2>/dev/null || true
        wait "$SOAK_PY" 2>/dev/null || true
    fi
    exit 130
}
trap 'load_stop || true' EXIT
trap on_signal INT TERM

load_to "$procs" "$groups"
total=$LOAD_TOTAL
log "soak: $mode, ${idle} s idle, ${probe} s probes, ${minutes} min of churn at $rate/s on $total processes"
rc=0
# In the background and waited for, so that a signal to this script is handled at once (a trap
# waits for a foreground command to finish) and passed on to soak.py as SIGTERM.
python3 "$BENCH_DIR/soak.py" --soak "$soak" --helper "$helper" --mode "$mode" --interval-ms "$interval" \
    --idle-s "$idle" --probe-s "$probe" --churn-s "$churn" --rate "$rate" --screenshot "$shot" \
    --events "$RUN/soak-events.jsonl" --stderr "$RUN/soak-stderr.log" --helper-trace "$RUN/helper-trace.log" \
    >"$RUN/soak.json" &
SOAK_PY=$!
wait "$SOAK_PY" || rc=$?
SOAK_PY=""
cleanup_ok=1
load_stop || cleanup_ok=0
trap - EXIT INT TERM
cleanup=${CLEANUP_REPORT:-"no load started (the host already had $total processes)"}
[[ -s $RUN/soak.json ]] || die "soak.py wrote no result (exit $rc); see $RUN/soak-stderr.log"
log "$(cat "$RUN/soak.json")"

commit=$(cd "$REPO_DIR" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
python3 - "$RUN/soak.json" "$total" "$groups" "$commit" "$cleanup" "$shot" >"$RUN/soak.md" <<'PY'
import json, sys, datetime, platform, os
r = json.load(open(sys.argv[1]))
total, groups, commit, cleanup, shot = sys.argv[2:7]
def ms(v): return "–" if v is None else ("%.0f ms" % v if v >= 10 else "%.1f ms" % v)
def pct(k): return "–" if r.get(k) is None else "%.1f %%" % r[k]
def mib(k): return "–" if not r.get(k) else "%.1f MiB" % (r[k] / 1024)
def pp(a, b): return f"{ms(r.get(a))} / {ms(r.get(b))}"
def goal(ok): return "met" if ok else "**not met**"
now = datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC")
end = r.get("end") or {}
print("<!-- live-soak -->")
print("## Live soak: the GUI on a real helper\n")
print(f"`bench/soak.sh` on {now}: Linux {platform.release()}, nsviz {commit} (release build), host at {total} "
      f"processes ({groups} namespace groups of `bench/nsload.c`). `nsviz-live-soak` opens the main window "
      f"offscreen at 1280×720 (shown, so it paints), connected through the app's own transport to "
      f"`nsviz-helper serve` (helper `live`: {r['mode']}, interval {r['interval_ms']} ms). Phases: "
      f"{r.get('idle_seconds', 0):.0f} s idle (nothing started by the bench, no probes), "
      f"{r.get('probe_seconds', 0):.0f} s of probes on the quiet host, {r.get('churn_seconds', 0) / 60:.1f} min "
      f"of churn ({r['rate']:.0f} processes/s starting, living 0.3–3 s, a third through `unshare -n -u`, "
      f"{r.get('churn_started', 0)} started) with probes, {r.get('settle_seconds', 0):.0f} s settling. "
      "Probes: `unshare -n -u -i sleep`, 2 per second; change→delta is from just before the probe's fork "
      "to the first delta naming its pid, as the helper wrote it (its NSVIZ_TRACE_STEPS trace) and as the "
      "GUI thread took it from the transport; change→paint to the first completed paint of "
      "the cluster view after that delta went through every model (all on CLOCK_MONOTONIC). "
      f"Run status: {r['status']}.\n")
print("| measure | quiet host (probes only) | under churn | goal |")
print("|---|---:|---:|---|")
print(f"| helper CPU | {pct('idle_helper_cpu_pct')} idle, {pct('probe_helper_cpu_pct')} with probes | "
      f"{pct('churn_helper_cpu_pct')} | idle ≤ 2 %: {goal((r.get('idle_helper_cpu_pct') or 99) <= 2)} |")
print(f"| GUI CPU | {pct('idle_gui_cpu_pct')} idle, {pct('probe_gui_cpu_pct')} with probes | {pct('churn_gui_cpu_pct')} | |")
print(f"| change→delta written by the helper p50 / p95 | {pp('probe_to_written_p50_ms', 'probe_to_written_p95_ms')} | "
      f"{pp('churn_to_written_p50_ms', 'churn_to_written_p95_ms')} | in a delta, p95 ≤ 100 ms: "
      f"{goal(max(r.get('probe_to_written_p95_ms') or 1e9, r.get('churn_to_written_p95_ms') or 1e9) <= 100)} |")
print(f"| change→delta taken by the GUI thread p50 / p95 | {pp('probe_to_delta_p50_ms', 'probe_to_delta_p95_ms')} | "
      f"{pp('churn_to_delta_p50_ms', 'churn_to_delta_p95_ms')} | (the same bound at the GUI: "
      f"{goal(max(r.get('probe_to_delta_p95_ms') or 1e9, r.get('churn_to_delta_p95_ms') or 1e9) <= 100)}) |")
print(f"| change→applied in every model p50 / p95 | {pp('probe_to_applied_p50_ms', 'probe_to_applied_p95_ms')} | "
      f"{pp('churn_to_applied_p50_ms', 'churn_to_applied_p95_ms')} | |")
print(f"| change→paint p50 / p95 | {pp('probe_to_paint_p50_ms', 'probe_to_paint_p95_ms')} | "
      f"{pp('churn_to_paint_p50_ms', 'churn_to_paint_p95_ms')} | on screen ≤ 250 ms: "
      f"{goal(max(r.get('probe_to_paint_p95_ms') or 1e9, r.get('churn_to_paint_p95_ms') or 1e9) <= 250)} |")
print(f"| probes seen / missed / not painted / ended by themselves (not counted) | {r.get('probe_probes_seen')} / "
      f"{r.get('probe_probes_missed')} / {r.get('probe_probes_unpainted')} / {r.get('probe_probes_early')} | "
      f"{r.get('churn_probes_seen')} / {r.get('churn_probes_missed')} / {r.get('churn_probes_unpainted')} / "
      f"{r.get('churn_probes_early')} | |")
print(f"| load average (mean, max) | {r.get('probe_loadavg_mean', 0):.1f}, {r.get('probe_loadavg_max', 0):.1f} | "
      f"{r.get('churn_loadavg_mean', 0):.1f}, {r.get('churn_loadavg_max', 0):.1f} | |")
print()
refused_ok = r.get("refused") == 0 and r.get("resyncs") == 0
counts_ok = r.get("count_mismatches") == 0 and r.get("tree_mismatches") == 0
# The goals are in MB (10^6 bytes), the table in MiB.
gui_ok = (r.get("gui_peak_rss_kib") or 1e12) * 1024 <= 150e6
helper_ok = (r.get("helper_peak_rss_kib") or 1e12) * 1024 <= 32e6
print("| over the whole run | value | goal |")
print("|---|---:|---|")
print(f"| first picture: launch → first paint / → paint of the whole host (launched once the CPUs were "
      f"{100 * (r.get('launch_busy') or 0):.0f} % busy, {r.get('launch_wait_s') or 0:.1f} s after the load was up) | "
      f"{ms(r.get('first_paint_ms'))} / {ms(r.get('full_paint_ms'))} | ≤ 1 s: {goal((r.get('full_paint_ms') or 1e9) <= 1000)} |")
print(f"| deltas applied (GUI thread from a delta's hand-over to every model done, for a batch its end: p50 / p95 / max) | {r.get('deltas')} "
      f"({ms(r.get('apply_p50_ms'))} / {ms(r.get('apply_p95_ms'))} / {ms(r.get('apply_max_ms'))}) | |")
print(f"| refused deltas / resyncs | {r.get('refused')} / {r.get('resyncs')} | none: {goal(refused_ok)} |")
print(f"| deltas after which a view's count differed from the store's (status bar, table, cluster view) | "
      f"{r.get('count_mismatches')} of {r.get('deltas')} | none: {goal(counts_ok)} |")
print(f"| tree walks (pid tree processes, user tree namespaces, recount) that differed | "
      f"{r.get('tree_mismatches')} of {r.get('tree_checks')} | |")
print(f"| GUI peak RSS (VmHWM) / at the end | {mib('gui_peak_rss_kib')} / {mib('gui_rss_end_kib')} | "
      f"≤ 150 MB: {goal(gui_ok)} |")
print(f"| helper peak RSS (VmHWM) / at the end | {mib('helper_peak_rss_kib')} / {mib('helper_rss_end_kib')} | "
      f"≤ 32 MB: {goal(helper_ok)} |")
print(f"| cluster-view paints | {r.get('paints')} | |")
end = r.get("end") or {}
print(f"| namespace-tree rebuilds (a delta the tree could not apply row by row: user / pid tree) | "
      f"{end.get('tree_rebuilds_user', '?')} / {end.get('tree_rebuilds_pid', '?')} of {r.get('deltas')} | |")
print()
extra = []
if r.get("refused_messages"): extra.append("refused: " + "; ".join(map(str, r["refused_messages"])))
if r.get("errors"): extra.append("transport errors: " + "; ".join(r["errors"]))
if r.get("count_mismatch_example"): extra.append("first count mismatch: `" + json.dumps(r["count_mismatch_example"]) + "`")
if r.get("tree_mismatch_example"): extra.append("first tree mismatch: `" + json.dumps(r["tree_mismatch_example"]) + "`")
for e in extra: print("- " + e)
if extra: print()
print(f"Helper ended: {'yes' if not r.get('helper_left') else '**no**'} (soak program exit {r.get('soak_rc')}); "
      f"load clean-up: {cleanup}. Screenshot of the window at the end of the churn: `{os.path.relpath(shot)}`. "
      f"Load average: the machine's 1-minute load average on {os.cpu_count()} CPUs shared with other work; "
      "latencies and CPU are noisy on a busy machine, RSS and counts are not.")
print("<!-- /live-soak -->")
PY
cat "$RUN/soak.md"
if [[ $out != - ]]; then
    put_section "$out" live-soak "$RUN/soak.md"
    log "written to $out"
fi
((cleanup_ok)) || die "the load was NOT fully cleaned up (see above)"
((rc == 0)) || die "soak.py failed (exit $rc): $(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['status'])" "$RUN/soak.json")"
