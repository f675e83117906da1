#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Where the helper's heap goes during one live subscription: runs bench/live-bench.py with the
# helper under heaptrack, then prints the heap peak and the allocation sites that made it.
# heaptrack's own launcher writes to stdout, which is the protocol stream here, so its preload
# library is used directly and the raw trace interpreted afterwards.
#
# Usage: bench/heap-profile.sh HELPER OUTDIR [live-bench.py options, e.g. --mode auto --idle-s 10 --churn-s 20]
# Run it on a loaded host (bench/load.sh --procs 10000 --groups 500). Needs heaptrack (bench deps).
set -Eeuo pipefail
[[ $# -ge 2 ]] || { sed -n '3,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
helper=$(readlink -f "$1")
out=$2
shift 2
lib=/usr/lib/heaptrack/libheaptrack_preload.so
interp=/usr/lib/heaptrack/libexec/heaptrack_interpret
[[ -f $lib && -x $interp ]] || { echo "heaptrack is not installed (scripts/deps/bench.txt)" >&2; exit 1; }
mkdir -p "$out"
out=$(readlink -f "$out")
rm -f "$out/raw"
cat > "$out/helper" <<WRAP
#!/bin/sh
LD_PRELOAD=$lib DUMP_HEAPTRACK_OUTPUT=$out/raw exec $helper "\$@"
WRAP
chmod +x "$out/helper"
python3 "$(dirname "$0")/live-bench.py" --helper "$out/helper" "$@" > "$out/bench.json"
"$interp" < "$out/raw" | gzip -1 > "$out/heaptrack.gz"
rm -f "$out/raw"
heaptrack_print -f "$out/heaptrack.gz" --print-peaks 1 --print-allocators 0 --print-leaks 0 \
    --print-temporary 0 --peak-limit 15 --sub-peak-limit 3 > "$out/peaks.txt" 2>/dev/null
grep -E '^peak heap|^peak RSS' "$out/peaks.txt"
echo "bench: $(cat "$out/bench.json")"
echo "allocation sites: $out/peaks.txt (heaptrack_print -f $out/heaptrack.gz for more)"
