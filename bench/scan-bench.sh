#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Scan benchmark: times `nsviz-helper scan --json`, `lsns --json`, `ps -e -o pid,<7 ns columns>`
# and a bare readlinkat loop (bench/nsbaseline.c; also with stat+cmdline "labels", and "full" with
# everything nsviz's process and fd steps read: + status, cgroup, every fd link) in the same
# run, under a synthetic load (bench/nsload.c) bringing the host to about 1k, 5k and 10k processes
# in fresh namespaces. Repetitions are interleaved; medians, ratios and a linearity check are
# printed as Markdown and written to bench/results.md. Needs root.
#
# Usage: bench/scan-bench.sh [options]
#   --quick            levels 1000 and 5000, 3 repetitions (about a minute)
#   --levels "A B C"   total process counts to reach (default "1000 5000 10000")
#   --reps N           timed repetitions per tool and level (default 5), after 1 warm-up run
#   --helper PATH      nsviz-helper to time (default: build/release/helper/nsviz-helper, built)
#   --no-build         do not configure/build the release preset
#   --out FILE         Markdown results (default bench/results.md)
#   --profile          at the top level, also record `perf record -g` and `strace -c` of one scan
set -Eeuo pipefail
source "$(dirname "$0")/lib.sh"

levels="1000 5000 10000"
reps=5
helper=""
build=1
out=$BENCH_DIR/results.md
profile=0
mode_flag=""
while [[ $# -gt 0 ]]; do
    case $1 in
    --quick) levels="1000 5000"; reps=3; mode_flag=" --quick"; shift ;;
    --levels) levels=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --helper) helper=$2; build=0; shift 2 ;;
    --no-build) build=0; shift ;;
    --out) out=$2; shift 2 ;;
    --profile) profile=1; shift ;;
    -h | --help) sed -n '3,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (try --help)" ;;
    esac
done
[[ $reps =~ ^[1-9][0-9]*$ ]] || die "--reps needs a positive number"
for l in $levels; do [[ $l =~ ^[1-9][0-9]*$ ]] || die "--levels takes numbers, got '$l'"; done
[[ $(id -u) -eq 0 ]] || die "run as root: the load creates user/pid/net namespaces and the scans must see every process"
for c in gcc lsns ps jq awk; do command -v "$c" >/dev/null || die "missing '$c' (see scripts/deps/bench.txt)"; done

# --- build -----------------------------------------------------------------------------------
if [[ -z $helper ]]; then
    helper=$REPO_DIR/build/release/helper/nsviz-helper
    if ((build)); then build_release nsviz-helper; fi
fi
[[ -x $helper ]] || die "no nsviz-helper at $helper"
build_tools
RUN=$TOOLS_DIR/run
mkdir -p "$RUN"
RAW=$RUN/raw.tsv
: >"$RAW"

trap 'load_stop || true' EXIT
trap 'log "interrupted"; exit 130' INT
trap 'exit 143' TERM HUP

NSTIME=$TOOLS_DIR/nstime
PS_COLS=pid,ipcns,mntns,netns,pidns,userns,utsns,cgroupns
TOOLS=(nsviz lsns ps baseline labels full)
declare -A TITLE=([nsviz]="nsviz-helper scan --json" [lsns]="lsns --json" [ps]="ps -e -o pid,…ns"
    [baseline]="readlinkat loop" [labels]="loop + stat, cmdline" [full]="loop + status, cgroup, fds")

# run_tool NAME [OUTFILE]: prints "wall user sys exit".
run_tool() {
    local o=${2:-/dev/null}
    case $1 in
    nsviz) "$NSTIME" -t 300 -o "$o" -- "$helper" scan --json ;;
    lsns) "$NSTIME" -t 300 -o "$o" -- lsns --json ;;
    ps) "$NSTIME" -t 300 -o "$o" -- ps -e -o "$PS_COLS" ;;
    baseline) "$NSTIME" -t 300 -o "$o" -- "$TOOLS_DIR/nsbaseline" ;;
    labels) "$NSTIME" -t 300 -o "$o" -- "$TOOLS_DIR/nsbaseline" --labels ;;
    full) "$NSTIME" -t 300 -o "$o" -- "$TOOLS_DIR/nsbaseline" --full ;;
    esac
}

# --- does our scan work here at all? -----------------------------------------------------------
ours_ok=1
ours_why=""
read -r _ _ _ prc < <(run_tool nsviz "$RUN/probe.json" 2>"$RUN/probe.err")
if [[ $prc -ne 0 ]] || ! jq -e '.schema and (.processes | length > 0)' "$RUN/probe.json" >/dev/null 2>&1; then
    ours_ok=0
    ours_why="nsviz-helper scan --json failed here (exit $prc: $(head -c 200 "$RUN/probe.err" | head -n 1)); timing lsns, ps and the baselines only"
    log "WARNING: $ours_why"
    TOOLS=(lsns ps baseline labels full)
fi

# --- one level --------------------------------------------------------------------------------
declare -A PROCS NS_LSNS CHECK CLEANUP LOADINFO
done_levels=()
cleanup_failed=0
pid_max=$(cat /proc/sys/kernel/pid_max)
t_start=$SECONDS

# Compares our snapshot with lsns's (taken a moment apart on a live host: small churn is normal).
sanity_check() {
    local lvl=$1
    if ((!ours_ok)); then
        CHECK[$lvl]="—"
        return
    fi
    local np nvis nns
    np=$(jq '.processes | length' "$RUN/ours.json")
    nvis=$(jq '[.processes[] | select(.visible)] | length' "$RUN/ours.json")
    nns=$(jq '.namespaces | length' "$RUN/ours.json")
    jq -r '.namespaces[] | select(.found_by | index("process")) | "\(.type) \(.inode) \(.nprocs)"' "$RUN/ours.json" |
        sort >"$RUN/ours.ns"
    # lsns --json nests namespaces under "children" following the process tree: flatten it.
    jq -r '.. | objects | select(has("ns")) | "\(.type) \(.ns) \(.nprocs)"' "$RUN/lsns.json" | sort >"$RUN/lsns.ns"
    local only_ours only_lsns differ
    only_ours=$(comm -23 <(cut -d' ' -f1,2 "$RUN/ours.ns") <(cut -d' ' -f1,2 "$RUN/lsns.ns") | wc -l)
    only_lsns=$(comm -13 <(cut -d' ' -f1,2 "$RUN/ours.ns") <(cut -d' ' -f1,2 "$RUN/lsns.ns") | wc -l)
    differ=$(join -j1 <(awk '{print $1":"$2, $3}' "$RUN/ours.ns") <(awk '{print $1":"$2, $3}' "$RUN/lsns.ns") |
        awk '$2 != $3' | wc -l)
    CHECK[$lvl]="nsviz: $np processes ($nvis visible), $nns namespaces ($(wc -l <"$RUN/ours.ns") held by processes); lsns: $(wc -l <"$RUN/lsns.ns"). Only in nsviz: $only_ours, only in lsns: $only_lsns, process counts differ: $differ"
    log "check: ${CHECK[$lvl]}"
}

for level in $levels; do
    now=$(count_procs)
    need=$((level - now))
    if ((need < 16)); then
        log "level $level: the host already has $now processes; skipped"
        continue
    fi
    if ((level > pid_max * 9 / 10)); then
        log "level $level: too close to kernel.pid_max=$pid_max; skipped"
        continue
    fi
    log "== level $level: starting $need processes on top of $now"
    load_start "$need" || die "the load did not start (see above)"
    LOADINFO[$level]="$(grep '^READY' "$LOAD_LOG" | sed 's/ state=.*//')"
    p0=$(count_procs)

    # Warm-up (also the sanity check's input): one untimed run of each tool.
    for t in "${TOOLS[@]}"; do
        o=/dev/null
        [[ $t == nsviz ]] && o=$RUN/ours.json
        [[ $t == lsns ]] && o=$RUN/lsns.json
        run_tool "$t" "$o" >/dev/null
    done
    NS_LSNS[$level]=$(jq '[.. | objects | select(has("ns"))] | length' "$RUN/lsns.json")
    sanity_check "$level"

    # Interleaved repetitions, rotating the order so no tool always runs first.
    for ((r = 0; r < reps; ++r)); do
        for ((k = 0; k < ${#TOOLS[@]}; ++k)); do
            t=${TOOLS[(r + k) % ${#TOOLS[@]}]}
            read -r wall user sys rc < <(run_tool "$t")
            printf '%s\t%s\t%d\t%s\t%s\t%s\t%s\n' "$level" "$t" "$r" "$wall" "$user" "$sys" "$rc" >>"$RAW"
            [[ $rc -eq 0 ]] || log "  $t exited $rc (repetition $r)"
        done
        log "  repetition $((r + 1))/$reps done"
    done
    p1=$(count_procs)
    PROCS[$level]=$(((p0 + p1) / 2))

    if ((profile)) && [[ $level == "${levels##* }" ]] && ((ours_ok)); then
        if command -v perf >/dev/null; then
            perf record -q -F 1999 -g -o "$RUN/perf.data" -- "$helper" scan --json >/dev/null 2>"$RUN/perf.err" &&
                perf report -i "$RUN/perf.data" --stdio --no-children --percent-limit 1.5 2>/dev/null \
                    >"$RUN/perf-report.txt" && log "profile: $RUN/perf-report.txt"
        fi
        if command -v strace >/dev/null; then
            strace -c -f -o "$RUN/strace-c.txt" "$helper" scan --json >/dev/null && log "syscalls: $RUN/strace-c.txt"
        fi
    fi

    load_stop || cleanup_failed=1
    CLEANUP[$level]=$CLEANUP_REPORT
    done_levels+=("$level")
done
((${#done_levels[@]} > 0)) || die "no level could run"

# --- statistics -------------------------------------------------------------------------------
# median LEVEL TOOL COLUMN (4 wall, 5 user, 6 sys, 56 user+sys); empty when no successful run.
median() {
    awk -F'\t' -v l="$1" -v t="$2" -v c="$3" '$1 == l && $2 == t && $7 == 0 {
        print (c == 56 ? $5 + $6 : $c) }' "$RAW" | sort -g |
        awk '{ a[NR] = $1 } END { if (NR == 0) exit; print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'
}
fmt_s() { # seconds -> "12.3 ms" / "1.23 s"
    [[ -n $1 ]] || {
        echo "—"
        return
    }
    awk -v s="$1" 'BEGIN { if (s >= 1) printf "%.2f s", s; else if (s >= 0.01) printf "%.0f ms", s * 1000;
        else printf "%.1f ms", s * 1000 }'
}
ratio() { # ours other -> "0.12 (8.3× faster)"
    [[ -n $1 && -n $2 ]] || {
        echo "—"
        return
    }
    awk -v a="$1" -v b="$2" 'BEGIN { r = a / b; if (r <= 1) printf "%.2f (%.1f× faster)", r, 1 / r;
        else printf "%.2f (%.1f× slower)", r, r }'
}

declare -A MED CPU
for l in "${done_levels[@]}"; do
    for t in nsviz lsns ps baseline labels full; do
        MED[$l.$t]=$(median "$l" "$t" 4)
        CPU[$l.$t]=$(median "$l" "$t" 56)
    done
done

# Contention: wall ÷ CPU time of the CPU-bound baseline loop, per level ("1.0×" on an idle host).
contention() {
    local l parts=()
    for l in "${done_levels[@]}"; do
        [[ -n ${MED[$l.baseline]} && -n ${CPU[$l.baseline]} ]] || continue
        parts+=("$(awk -v w="${MED[$l.baseline]}" -v c="${CPU[$l.baseline]}" 'BEGIN { printf "%.1f×", w / c }')")
    done
    local IFS=/
    echo "${parts[*]:-?} (per level)"
}

# Linearity: marginal cost per extra process between consecutive levels, per tool.
linearity() { # TOOL -> "a → b µs/process; verdict"
    local t=$1 prev_p="" prev_t="" slopes=()
    for l in "${done_levels[@]}"; do
        local p=${PROCS[$l]} m=${CPU[$l.$t]} # CPU time: far less disturbed by other tenants than wall time
        [[ -n $m ]] || return 0
        if [[ -n $prev_p ]]; then
            slopes+=("$(awk -v a="$prev_t" -v b="$m" -v pa="$prev_p" -v pb="$p" 'BEGIN { printf "%.2f", (b - a) / (pb - pa) * 1e6 }')")
        fi
        prev_p=$p
        prev_t=$m
    done
    ((${#slopes[@]} > 0)) || return 0
    local first=${slopes[0]} last=${slopes[-1]} joined
    joined=$(printf '%s → ' "${slopes[@]}")
    joined=${joined% → }
    awk -v f="$first" -v l="$last" -v j="$joined" -v n="${#slopes[@]}" 'BEGIN {
        if (n < 2) { printf "%s µs per extra process (one interval: no linearity verdict)", j; exit }
        r = (f > 0) ? l / f : 0;
        v = (r >= 0.67 && r <= 1.5) ? "linear" : (r > 1.5 ? "superlinear" : "sublinear");
        printf "%s µs per extra process: %s (last/first interval %.2f)", j, v, r }'
}

# --- report -----------------------------------------------------------------------------------
top=${done_levels[-1]}
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
# The last commit that touched what we time (core/, helper/), not the bench's own commits.
rev=$(git -C "$REPO_DIR" log -1 --format=%h -- core helper 2>/dev/null || echo "?")
dirty=$(git -C "$REPO_DIR" status --porcelain -- core helper 2>/dev/null | head -n 1)
[[ -n $dirty ]] && rev+="+local changes"
{
    echo "## Scan benchmark"
    echo
    echo "\`bench/scan-bench.sh${mode_flag}\` on $(date -u '+%Y-%m-%d %H:%M UTC'): Linux $(uname -r), $(nproc) × $cpu_model,"
    echo "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM; nsviz $rev ($(basename "$(dirname "$(dirname "$helper")")") build), $(lsns --version), $(ps --version)."
    echo "The load ([\`bench/nsload.c\`](nsload.c)) brings the host to each process count with sleeping processes in"
    echo "groups of fresh namespaces (user+pid+net+… containers, host-network groups, user+pid nested 2–3 deep)."
    echo "Each cell is the median wall time of $reps interleaved runs after one warm-up, output to /dev/null."
    echo "The machine is shared with other work, so wall times are noisy: the single-threaded, CPU-bound readlinkat"
    echo "loop needed $(contention) its CPU time in wall time (1.0 on an idle host). CPU times (user+sys), which"
    echo "other tenants disturb far less, are in the second table."
    echo
    echo "| processes | namespaces (lsns) | ${TITLE[nsviz]} | ${TITLE[lsns]} | ${TITLE[ps]} | ${TITLE[baseline]} | ${TITLE[labels]} | ${TITLE[full]} |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
    for l in "${done_levels[@]}"; do
        echo "| ${PROCS[$l]} | ${NS_LSNS[$l]} | $(fmt_s "${MED[$l.nsviz]}") | $(fmt_s "${MED[$l.lsns]}") | $(fmt_s "${MED[$l.ps]}") | $(fmt_s "${MED[$l.baseline]}") | $(fmt_s "${MED[$l.labels]}") | $(fmt_s "${MED[$l.full]}") |"
    done
    echo
    echo "Ratios, nsviz time ÷ other tool's time (wall, medians; below 1 means nsviz is faster):"
    echo
    echo "| processes | vs lsns --json | vs ps | vs readlinkat loop | vs loop + labels (target ≤ 1.2) | vs the same reads in C |"
    echo "|---:|---:|---:|---:|---:|---:|"
    for l in "${done_levels[@]}"; do
        m=${MED[$l.nsviz]}
        echo "| ${PROCS[$l]} | $(ratio "$m" "${MED[$l.lsns]}") | $(ratio "$m" "${MED[$l.ps]}") | $(ratio "$m" "${MED[$l.baseline]}") | $(ratio "$m" "${MED[$l.labels]}") | $(ratio "$m" "${MED[$l.full]}") |"
    done
    echo
    echo "CPU time (user+sys, medians):"
    echo
    echo "| processes | ${TITLE[nsviz]} | ${TITLE[lsns]} | ${TITLE[ps]} | ${TITLE[baseline]} | ${TITLE[labels]} | ${TITLE[full]} | nsviz ÷ loop + labels | nsviz ÷ same reads in C |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for l in "${done_levels[@]}"; do
        echo "| ${PROCS[$l]} | $(fmt_s "${CPU[$l.nsviz]}") | $(fmt_s "${CPU[$l.lsns]}") | $(fmt_s "${CPU[$l.ps]}") | $(fmt_s "${CPU[$l.baseline]}") | $(fmt_s "${CPU[$l.labels]}") | $(fmt_s "${CPU[$l.full]}") | $(ratio "${CPU[$l.nsviz]}" "${CPU[$l.labels]}") | $(ratio "${CPU[$l.nsviz]}" "${CPU[$l.full]}") |"
    done
    echo
    echo "Cost in N (marginal CPU time per extra process between the levels):"
    echo
    for t in nsviz lsns ps labels full; do
        lin=$(linearity "$t")
        [[ -n $lin ]] && echo "- ${TITLE[$t]}: $lin"
    done
    echo
    if ((ours_ok)); then
        m=${MED[$top.nsviz]}
        verdict=$(awk -v a="$m" -v b="${MED[$top.labels]}" 'BEGIN { printf (a / b <= 1.2 ? "met" : "not met") " (%.2f× in wall time", a / b }')
        verdict+=$(awk -v a="${CPU[$top.nsviz]}" -v b="${CPU[$top.labels]}" 'BEGIN { printf ", %.2f× in CPU time)", a / b }')
        echo "Target at ${PROCS[$top]} processes, nsviz within 1.2× the loop with labels: **$verdict**."
        echo "The last column shows how much of the gap is reading more (status, cgroup, fds) and how much is nsviz's own"
        echo "overhead (model, JSON) on top of the same reads done by a plain C loop."
    else
        echo "**nsviz not measured**: $ours_why."
    fi
    echo
    echo "Agreement with lsns under load (warm-up outputs, a moment apart on a live host):"
    echo
    for l in "${done_levels[@]}"; do echo "- ${PROCS[$l]} processes: ${CHECK[$l]}"; done
    echo
    echo "Load and clean-up (every started process recorded by (pid, start time), stopped by killing the"
    echo "group inits by PID, then checked with ps and lsns):"
    echo
    for l in "${done_levels[@]}"; do echo "- level $l: ${LOADINFO[$l]#READY }; clean-up ${CLEANUP[$l]}"; done
    echo
    echo "Total benchmark time $((SECONDS - t_start)) s. Raw samples: \`build/bench/run/raw.tsv\`."
} >"$RUN/results.md"

# Keep the live benchmark's and the soak's sections (bench/live-bench.sh, bench/soak.sh) when there are.
live=""
soak=""
[[ -f $out ]] && live=$(sed -n '/^<!-- live-bench -->/,/^<!-- \/live-bench -->/p' "$out")
[[ -f $out ]] && soak=$(sed -n '/^<!-- live-soak -->/,/^<!-- \/live-soak -->/p' "$out")
cp "$RUN/results.md" "$out"
[[ -z $live ]] || printf '\n%s\n' "$live" >>"$out"
[[ -z $soak ]] || printf '\n%s\n' "$soak" >>"$out"
cat "$out"
log "written to $out"
((cleanup_failed == 0)) || die "the load was NOT fully cleaned up (see above)"
