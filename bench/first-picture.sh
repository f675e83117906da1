#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The first picture at launch, measured RUNS times: one launch says little on a 2-core machine (its
# whole-host time varied 0.97-1.44 s between runs of the same build). Each run is a short
# bench/soak.sh: a fresh load of N processes, the GUI (nsviz-live-soak) launched once the CPUs are
# quiet, launch -> first paint and -> paint of the whole host, then a few seconds of the soak's phases.
# Prints a Markdown table (each run, the median, how many met 1 s) and puts it into bench/results.md
# between the first-picture markers. Needs root.
#
# Usage: bench/first-picture.sh [--runs R] [--procs N] [--no-build] [--out FILE|-]
set -Eeuo pipefail
source "$(dirname "$0")/lib.sh"

runs=5
procs=10000
build=1
out=$BENCH_DIR/results.md
while [[ $# -gt 0 ]]; do
    case $1 in
    --runs) runs=$2; shift 2 ;;
    --procs) procs=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --out) out=$2; shift 2 ;;
    -h | --help) sed -n '3,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (try --help)" ;;
    esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "--runs needs a positive number"
[[ $(id -u) -eq 0 ]] || die "needs root (the soak's load makes namespaces)"

RUN=$TOOLS_DIR/run # where bench/soak.sh leaves soak.json
results=$RUN/first-picture.jsonl
mkdir -p "$RUN"
: >"$results"
for ((i = 1; i <= runs; ++i)); do
    opts=(--minutes 0.05 --idle 1 --probe 1 --procs "$procs" --out - --screenshot "$RUN/first-picture.png")
    ((build == 1 && i == 1)) || opts+=(--no-build)
    log "first picture: run $i of $runs"
    bash "$BENCH_DIR/soak.sh" "${opts[@]}" >"$RUN/first-picture-run.log" 2>&1 ||
        die "run $i: bench/soak.sh failed; see $RUN/first-picture-run.log"
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(json.dumps({k: d.get(k) for k in ("first_paint_ms","full_paint_ms","launch_busy","host_processes","first_snapshot_ms")}))' \
        "$RUN/soak.json" >>"$results"
done

commit=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)
python3 - "$results" "$commit" >"$RUN/first-picture.md" <<'PY'
import json, statistics, sys, time, platform
rows = [json.loads(l) for l in open(sys.argv[1])]
first = [r["first_paint_ms"] for r in rows]
full = [r["full_paint_ms"] for r in rows]
print("<!-- first-picture -->")
print("## First picture at launch")
print()
print("`bench/first-picture.sh` on %s: Linux %s, nsviz %s (release build), %d runs. Each: a fresh load "
      "(host at about %d processes), `nsviz-live-soak` (the main window offscreen at 1280×720, shown) launched "
      "once the CPUs were quiet, 1 s after the load was up; launch → first paint of the cluster view, and → "
      "its first paint holding 95 %% of the host's processes." % (
          time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), platform.release(), sys.argv[2], len(rows),
          statistics.median(r["host_processes"] for r in rows)))
print()
print("| run | CPUs busy at launch | launch → first paint | launch → whole host |")
print("|---:|---:|---:|---:|")
for i, r in enumerate(rows, 1):
    print("| %d | %.0f %% | %.0f ms | %.0f ms |" % (i, 100 * r["launch_busy"], r["first_paint_ms"], r["full_paint_ms"]))
met = lambda v: sum(1 for x in v if x <= 1000)
print("| median | | %.0f ms | %.0f ms |" % (statistics.median(first), statistics.median(full)))
print("| within 1 s | | %d of %d | %d of %d |" % (met(first), len(rows), met(full), len(rows)))
print("<!-- /first-picture -->")
PY
cat "$RUN/first-picture.md"
if [[ $out != - ]]; then
    put_section "$out" first-picture "$RUN/first-picture.md"
    log "written to $out"
fi
