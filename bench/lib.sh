# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the bench scripts (sourced, not run): builds the release targets and the little C tools,
# starts/stops/verifies the synthetic load, and writes a script's section of bench/results.md. Processes are only ever stopped by the PID we got
# from starting them; nothing here matches processes by name to kill them.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
TOOLS_DIR=${NSVIZ_BENCH_TOOLS:-$REPO_DIR/build/bench}

LOAD_PID=""   # the nsload controller we started, if any
LOAD_STATE="" # its state file: (pid, start time) of everything it started, namespaces it made
LOAD_LOG=""

log() { printf '%s\n' "$*" >&2; }
die() {
    log "${0##*/}: $*"
    exit 1
}

# build_release TARGET...: configures the release preset (once, through ccache when there is one)
# and builds TARGETs.
build_release() {
    (
        cd "$REPO_DIR" || exit 1
        if [[ ! -f build/release/build.ninja ]]; then
            local -a launcher=()
            command -v ccache >/dev/null &&
                launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
            cmake --preset release "${launcher[@]}" >&2 || exit 1
        fi
        cmake --build --preset release -j"${NSVIZ_JOBS:-$(nproc)}" --target "$@" >&2
    ) || die "cannot build $* (release preset)"
}

# Compiles bench/*.c into $TOOLS_DIR when the source is newer than the binary.
build_tools() {
    mkdir -p "$TOOLS_DIR"
    local t src bin
    for t in nsload nsbaseline nstime; do
        src=$BENCH_DIR/$t.c
        bin=$TOOLS_DIR/$t
        [[ -x $bin && $bin -nt $src ]] && continue
        log "building $bin"
        if [[ $t == nsload ]]; then
            # Static: 10k copies of it fork faster and map less without a shared libc.
            gcc -O2 -Wall -Wextra -static -o "$bin" "$src" 2>/dev/null ||
                gcc -O2 -Wall -Wextra -pthread -o "$bin" "$src" || die "cannot build $t"
        else
            gcc -O2 -Wall -Wextra -pthread -o "$bin" "$src" || die "cannot build $t"
        fi
    done
}

# Number of processes (not threads) visible in /proc.
count_procs() {
    local -a p
    shopt -s nullglob
    p=(/proc/[0-9]*)
    shopt -u nullglob
    echo "${#p[@]}"
}

# load_start NPROCS [GROUPS]: starts the load in the background and waits until it runs.
load_start() {
    local n=$1 groups=${2:-}
    [[ -z $LOAD_PID ]] || die "load already running (pid $LOAD_PID)"
    mkdir -p "$TOOLS_DIR/run"
    LOAD_STATE=$TOOLS_DIR/run/nsload.$$.state
    LOAD_LOG=$TOOLS_DIR/run/nsload.$$.log
    local -a args=(--procs "$n" --state "$LOAD_STATE")
    [[ -n $groups ]] && args+=(--groups "$groups")
    "$TOOLS_DIR/nsload" "${args[@]}" >"$LOAD_LOG" 2>&1 &
    LOAD_PID=$!
    local i
    for ((i = 0; i < 1200; ++i)); do # up to 120 s
        if grep -q '^READY' "$LOAD_LOG" 2>/dev/null; then
            log "load: $(grep '^READY' "$LOAD_LOG")"
            return 0
        fi
        if ! kill -0 "$LOAD_PID" 2>/dev/null; then
            wait "$LOAD_PID" 2>/dev/null || true
            LOAD_PID=""
            log "load: nsload failed to start:"
            sed 's/^/  /' "$LOAD_LOG" >&2
            return 1
        fi
        sleep 0.1
    done
    log "load: not ready after 120 s, stopping it"
    load_stop
    return 1
}

# load_to NPROCS GROUPS: brings the host to NPROCS processes with the load (nothing is started when
# it has that many already); LOAD_TOTAL is the count after.
load_to() {
    local want=$1 groups=$2 have need
    have=$(count_procs)
    need=$((want - have))
    ((need > 0)) || need=0
    log "host has $have processes; starting $need more in $groups groups"
    if ((need > 0)); then
        load_start "$need" "$groups" || die "load did not start"
    fi
    LOAD_TOTAL=$(count_procs)
}

# put_section FILE NAME MARKDOWN: replaces FILE's section between <!-- NAME --> and <!-- /NAME -->
# (each script keeps the others' sections) with the file MARKDOWN, or appends it.
put_section() {
    python3 - "$1" "$2" "$3" <<'PY'
import sys, re, os
out, name, new = sys.argv[1], sys.argv[2], open(sys.argv[3]).read().strip() + "\n"
text = open(out).read() if os.path.exists(out) else ""
pat = re.compile(r"<!-- %s -->.*?<!-- /%s -->\n?" % (re.escape(name), re.escape(name)), re.S)
text = pat.sub(lambda m: new, text) if pat.search(text) else text.rstrip("\n") + "\n\n" + new
open(out, "w").write(text)
PY
}

# Stops the load we started (by its PID) and verifies nothing of it is left.
load_stop() {
    [[ -n $LOAD_PID ]] || return 0
    local pid=$LOAD_PID i rc=0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 300; ++i)); do # nsload kills and reaps its group inits, normally < 1 s
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "load: controller $pid did not stop in 30 s, SIGKILL (its lifeline takes the load down)"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || rc=$?
    LOAD_PID=""
    grep -q '^STOPPED left=0' "$LOAD_LOG" 2>/dev/null || log "load: controller exit $rc: $(tail -n 3 "$LOAD_LOG" | tr '\n' ' ')"
    verify_load_gone "$LOAD_STATE" || return 1
    rm -f "$LOAD_LOG"
}

# verify_load_gone STATE: independent check, with ps and lsns, that none of the processes the
# load recorded is alive and none of the namespaces it made is still held by one of them.
# Prints one "cleanup:" line; returns non-zero if anything of ours is left.
verify_load_gone() {
    local state=$1
    [[ -r $state ]] || {
        log "cleanup: no state file (load never got ready); nothing recorded to verify"
        return 0
    }
    local i
    # Processes die asynchronously only until their init is reaped, which nsload waited for;
    # allow a short grace period anyway.
    for ((i = 0; i < 50; ++i)); do
        local left
        left=$(awk '$1 == "proc" { print $2 " " $3 }' "$state" | while read -r pid start; do
            [[ -r /proc/$pid/stat ]] || continue
            # start time: field 22, counted after the last ')' (comm may contain spaces)
            s=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $20 }')
            [[ $s == "$start" ]] && echo "$pid"
        done | wc -l)
        [[ $left -eq 0 ]] && break
        sleep 0.1
    done
    local nprocs nns
    nprocs=$(grep -c '^proc ' "$state" || true)
    nns=$(grep -c '^ns ' "$state" || true)
    # ps: anything that still carries our process names and runs our nsload binary? (Another
    # checkout's load on a shared machine carries the same names from another binary.)
    local stray
    stray=$(ps -e -o pid=,comm= | awk '$2 ~ /^nsload-/ { print "/proc/" $1 "/exe" }' |
        xargs -r readlink 2>/dev/null | grep -cFx "$(realpath "$TOOLS_DIR/nsload")" || true)
    # lsns: which of our namespace inodes are still listed, and by whom?
    local held=0 reused=0 ino holder
    declare -A ours=()
    while read -r _ pid start; do ours[$pid]=$start; done < <(grep '^proc ' "$state")
    declare -A listed=()
    while read -r ino holder; do listed[$ino]=$holder; done < <(lsns -n -r -o NS,PID 2>/dev/null)
    while read -r _ _ ino; do
        holder=${listed[$ino]:-}
        [[ -n $holder ]] || continue
        if [[ -n ${ours[$holder]:-} ]]; then
            held=$((held + 1))
        else
            reused=$((reused + 1)) # inode numbers are recycled: an unrelated namespace now has it
        fi
    done < <(grep '^ns ' "$state")
    if [[ $left -eq 0 && $stray -eq 0 && $held -eq 0 ]]; then
        CLEANUP_REPORT="OK: all $nprocs processes (pid + start time) gone, ps shows no nsload-* process of $TOOLS_DIR/nsload, lsns lists none of its $nns namespaces as held by them"
        [[ $reused -gt 0 ]] && CLEANUP_REPORT+=" ($reused inode number(s) since recycled by unrelated processes)"
        log "cleanup: $CLEANUP_REPORT"
        rm -f "$state"
        return 0
    fi
    CLEANUP_REPORT="FAILED: $left recorded processes alive, $stray nsload-* processes in ps, $held namespaces still held (state kept in $state)"
    log "cleanup: $CLEANUP_REPORT"
    return 1
}
