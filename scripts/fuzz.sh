#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each for a bounded time.
# Usage: scripts/fuzz.sh [TOTAL_SECONDS]   (default 60, split evenly between the targets)
# Exits non-zero when a target finds a crash, a leak or an abort; the reproducer is left in
# build/fuzz/findings/. Env: FUZZ_JOBS or NSVIZ_JOBS (build parallelism, default 2).
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
total=${1:-60}
build="$src/build/fuzz"
targets="request_parser client_session"
ntargets=$(echo $targets | wc -w)
per=$(( total / ntargets ))
[ "$per" -ge 1 ] || per=1

cd "$src"
# The preset "fuzz" (CMakePresets.json): clang, NSVIZ_FUZZ=ON, no app, no tests, warnings as errors.
launcher=""
if command -v ccache >/dev/null; then
    export CCACHE_BASEDIR="$src" CCACHE_NOHASHDIR=1
    launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache"
fi
cmake --preset fuzz $launcher >/dev/null
cmake --build --preset fuzz -j "${FUZZ_JOBS:-${NSVIZ_JOBS:-2}}" --target $(for t in $targets; do printf 'fuzz_%s ' "$t"; done)

mkdir -p "$build/findings"
status=0
for t in $targets; do
    # Work on a copy of the checked-in seeds: new corpus entries stay out of the source tree.
    corpus="$build/corpus/$t"
    mkdir -p "$corpus"
    cp -n "$src/fuzz/corpus/$t/"* "$corpus/" 2>/dev/null || true
    echo "== fuzz_$t for ${per}s"
    if ! ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
        "$build/fuzz/fuzz_$t" -max_total_time="$per" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -dict="$src/fuzz/protocol.dict" -artifact_prefix="$build/findings/$t-" -print_final_stats=1 \
        "$corpus" 2>"$build/fuzz_$t.log"; then
        echo "fuzz_$t: FINDING (see $build/fuzz_$t.log and $build/findings/)" >&2
        tail -40 "$build/fuzz_$t.log" >&2
        status=1
    else
        grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^Done' "$build/fuzz_$t.log" || true
        echo "fuzz_$t: no findings (corpus: $(ls "$corpus" | wc -l) inputs)"
    fi
done
exit $status
