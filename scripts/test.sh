#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The whole test suite, as CI runs it (.ci/run). Installs what is missing (roles build run test fuzz
# roots of scripts/deps/), then the stages, cheapest and likeliest to fail first:
#   1. format: clang-format 14 over the tracked sources (scripts/check-format.sh),
#   2. ctest (ci-asan): debug build under AddressSanitizer + UBSan, warnings as errors, the whole
#      ctest suite (bookworm, KAuth off), including the real-engine tests (label engines: podman,
#      LXC, nspawn, bwrap... tests/engines),
#   3. clean root: scripts/run.sh in a fresh minimal Debian 12 root (scripts/ci-clean-root.sh),
#   4. fuzz: the libFuzzer targets for a bounded time (scripts/fuzz.sh, preset fuzz),
#   5. Debian 13: the KAuth build and its polkit end-to-end test, and the GUI's tests again on a
#      plain debug build with gcc 14 and Qt 6.8 (scripts/ci-debian13.sh, scope gui).
# Every test runs once per CI run, under the sanitizers; the GUI's once more without them, on the
# Qt that Debian 13 users have. A plain debug build of everything on bookworm (preset ci-dev) would
# cost another full build for no test the others do not run, and the run must stay under 45
# minutes from empty caches on 2 cores.
# --quick is that build, for a quick local run: install (roles build run test), then ctest (ci-dev).
# The Debian 13 root (the longest download) is made in the background from the start, while the
# first stages compile. Results come from exit codes only. A stage that does not run says why.
# Every stage prints its time; the summary lists them and the total; the last line is
# "stages: N passed, N failed".
#
# Usage: scripts/test.sh [--quick]   (--quick: install, then ctest of the plain debug build only)
# Env: NSVIZ_JOBS (build jobs, default nproc), NSVIZ_FUZZ_SECONDS (default 60).
set -uo pipefail
cd "$(dirname "$0")/.."
quick=0
[[ ${1:-} == --quick ]] && quick=1
export NSVIZ_JOBS=${NSVIZ_JOBS:-$(nproc)}
export QT_QPA_PLATFORM=offscreen
t_start=$SECONDS
declare -a results=()
passed=0
failed=0

stage() { # name, command...
    local name=$1 t0=$SECONDS rc
    shift
    echo "=== $name"
    "$@"
    rc=$?
    if [[ $rc -eq 0 ]]; then
        results+=("PASS  $name  $((SECONDS - t0)) s")
        passed=$((passed + 1))
    else
        results+=("FAIL  $name  $((SECONDS - t0)) s (exit $rc)")
        failed=$((failed + 1))
    fi
    echo "=== $name: $([[ $rc -eq 0 ]] && echo passed || echo FAILED) in $((SECONDS - t0)) s"
}
skip() { # name, why
    echo "=== $1: skipped: $2"
    results+=("SKIP  $1  ($2)")
}
summary() {
    echo "=== summary"
    printf '%s\n' "${results[@]}"
    echo "total $((SECONDS - t_start)) s"
    echo "stages: $passed passed, $failed failed"
}

roles=(build run test)
[[ $quick -eq 1 ]] || roles+=(fuzz roots)
stage "install dependencies (${roles[*]})" scripts/install-deps.sh "${roles[@]}"
if [[ $failed -gt 0 ]]; then
    skip "all other stages" "the dependencies could not be installed"
    summary
    exit 1
fi

launcher=()
if command -v ccache >/dev/null; then
    # Path-independent cache keys, so a fresh clone in another folder reuses earlier builds.
    export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi

# The stages that need real roots need root (mounts, namespaces, pivot_root).
why_no_roots=""
[[ $(id -u) -eq 0 ]] || why_no_roots="needs root (mmdebstrap, mounts and namespaces)"

# Make the Debian 13 root in the background while the first stages compile; the stage that uses it
# waits for it (debian-root.sh takes a lock), and this script stops it if it ends early.
prefetch_pid=""
stop_prefetch() {
    if [[ -n $prefetch_pid ]] && kill -0 "$prefetch_pid" 2>/dev/null; then
        kill "$prefetch_pid" 2>/dev/null
        wait "$prefetch_pid" 2>/dev/null
    fi
}
trap 'stop_prefetch; exit 130' INT TERM
if [[ $quick -eq 0 && -z $why_no_roots ]]; then
    mkdir -p build
    scripts/debian-root.sh --suite trixie path >build/debian13-root.log 2>&1 &
    prefetch_pid=$!
    echo "test: making (or checking) the Debian 13 root in the background (pid $prefetch_pid, log build/debian13-root.log)"
fi

ctest_preset() { # preset
    rm -f "build/$1/Testing/Temporary/LastTestsFailed.log"
    cmake --preset "$1" "${launcher[@]}" >/dev/null &&
        cmake --build --preset "$1" -j"$NSVIZ_JOBS" &&
        ctest --preset "$1" --output-junit "$PWD/build/$1/ctest-junit.xml"
}
# The tests a ctest stage failed, by name ("" when none failed or the build did), so that the summary
# (the part of a CI log that is read) says which; their output is in the stage's log above.
failed_tests() { # preset
    local f="build/$1/Testing/Temporary/LastTestsFailed.log"
    [[ -s $f ]] && cut -d: -f2- "$f" | paste -sd' ' -
}
ctest_stage() { # name, preset
    stage "$1" ctest_preset "$2"
    local names
    names=$(failed_tests "$2")
    if [[ -n $names ]]; then
        results[-1]+=": $names"
    fi
}

if [[ $quick -eq 1 ]]; then
    ctest_stage "ctest (ci-dev: debug, warnings as errors)" ci-dev
    for s in "format" "ctest (ci-asan)" "clean root (Debian 12: scripts/run.sh)" "fuzz" "Debian 13: KAuth build and end-to-end"; do
        skip "$s" "--quick"
    done
    summary
    exit $((failed > 0))
fi
stage "format (clang-format 14)" scripts/check-format.sh
ctest_stage "ctest (ci-asan: address+undefined, warnings as errors)" ci-asan
if [[ -n $why_no_roots ]]; then
    skip "clean root (Debian 12: scripts/run.sh)" "$why_no_roots"
else
    stage "clean root (Debian 12: scripts/run.sh)" scripts/ci-clean-root.sh
fi
stage "fuzz (${NSVIZ_FUZZ_SECONDS:-60} s)" scripts/fuzz.sh "${NSVIZ_FUZZ_SECONDS:-60}"
if [[ -n $why_no_roots ]]; then
    skip "Debian 13: KAuth build and end-to-end" "$why_no_roots"
else
    if [[ -n $prefetch_pid ]]; then
        t0=$SECONDS
        wait "$prefetch_pid" || echo "test: making the Debian 13 root in the background failed (see build/debian13-root.log); the stage retries"
        prefetch_pid=""
        echo "test: waited $((SECONDS - t0)) s for the Debian 13 root"
    fi
    stage "Debian 13: KAuth build and end-to-end" scripts/ci-debian13.sh
fi
summary
exit $((failed > 0))
