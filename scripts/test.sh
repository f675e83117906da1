#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The whole test suite, as CI runs it: installs what is missing, then
#   1. builds the dev preset and runs ctest (bookworm, KAuth off),
#   2. the same under AddressSanitizer + UBSan (asan preset),
#   3. the libFuzzer targets for a bounded time (scripts/fuzz.sh),
#   4. the KAuth build and its end-to-end test in a Debian 13 root (scripts/ci-debian13.sh).
# Usage: scripts/test.sh [--quick]   (--quick: stage 1 only)
set -uo pipefail
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && quick=1
scripts/install-deps.sh build run test fuzz roots || exit 1

launcher=()
if command -v ccache >/dev/null; then
    # Path-independent cache keys, so a fresh clone in another folder reuses earlier builds.
    export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
export QT_QPA_PLATFORM=offscreen
declare -a results=()
failed=0

stage() { # name, command...
    local name=$1; shift
    local t0=$SECONDS
    echo "=== $name"
    if "$@"; then
        results+=("PASS $name ($((SECONDS - t0)) s)")
    else
        results+=("FAIL $name ($((SECONDS - t0)) s)")
        failed=$((failed + 1))
    fi
}

ctest_preset() {
    cmake --preset "$1" "${launcher[@]}" >/dev/null &&
        cmake --build --preset "$1" -j"$(nproc)" &&
        ctest --preset "$1" --timeout 600
}

stage "ctest (dev)" ctest_preset dev
if [ $quick -eq 0 ]; then
    stage "ctest (asan: address+undefined)" ctest_preset asan
    [ -x scripts/fuzz.sh ] && stage "fuzz" scripts/fuzz.sh
    [ -x scripts/ci-debian13.sh ] && stage "Debian 13: KAuth build and end-to-end" scripts/ci-debian13.sh
fi

echo "=== summary"
printf '%s\n' "${results[@]}"
echo "stages: $(( ${#results[@]} - failed )) passed, $failed failed"
exit $(( failed > 0 ))
