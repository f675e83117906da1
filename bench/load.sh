#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Holds the benchmark's synthetic namespace load up until Ctrl-C (or SIGTERM), then stops exactly
# what it started and verifies that with ps and lsns. For trying nsviz (or lsns) on a busy host by
# hand; bench/scan-bench.sh uses the same machinery.
#
# Stop it with Ctrl-C, or `kill -TERM <pid of load.sh>` when it runs in the background (a
# non-interactive shell starts background jobs with SIGINT ignored, and bash cannot trap that).
#
# Usage: bench/load.sh [--procs N] [--groups M]   (needs root: it creates user, pid, net... namespaces)
set -Eeuo pipefail
source "$(dirname "$0")/lib.sh"

procs=1000
groups=""
while [[ $# -gt 0 ]]; do
    case $1 in
    --procs) procs=$2; shift 2 ;;
    --groups) groups=$2; shift 2 ;;
    -h | --help) sed -n '3,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (try --help)" ;;
    esac
done
[[ $procs =~ ^[0-9]+$ ]] || die "--procs needs a number"
[[ $(id -u) -eq 0 ]] || die "needs root (creates namespaces)"

build_tools
trap 'load_stop' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
load_start "$procs" "$groups" || exit 1
log "load is up: $(count_procs) processes on the host; Ctrl-C to stop it"
# A plain foreground wait: signals interrupt it and run the traps.
while kill -0 "$LOAD_PID" 2>/dev/null; do sleep 1; done
log "load: controller ended by itself"
