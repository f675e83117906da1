#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian 13 part of CI: make (or reuse) the cached Debian 13 root, build there with the KAuth
# helper (NSVIZ_WITH_KAUTH=ON, no GUI), run the whole ctest suite there, then the KAuth
# end-to-end test. Exits non-zero on any failure; the last line is "N passed, N failed".
#
#   scripts/ci-debian13.sh            from the host (root; uses scripts/debian13-root.sh)
#   NSVIZ_D13_JOBS=4 ...              build parallelism (default 2: the machine is shared)
#   NSVIZ_D13_SCOPE=kauth ...         build and test only the KAuth parts (default: all of ctest)
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [[ ${1:-} != --inside ]]; then
    t0=$SECONDS
    if ! root=$("$here/debian13-root.sh" path); then
        echo "ci-debian13: could not make the Debian 13 root"
        echo "0 passed, 1 failed"
        exit 1
    fi
    echo "ci-debian13: root $root ready after $((SECONDS - t0)) s"
    "$here/debian13-root.sh" enter /src/scripts/ci-debian13.sh --inside
    rc=$?
    echo "ci-debian13: total $((SECONDS - t0)) s"
    exit $rc
fi

# --- inside the root (as root, fresh /proc, /run, /tmp; source at /src) ---
cd /src
build=/src/build/debian13
jobs=${NSVIZ_D13_JOBS:-2}
[[ -n $jobs ]] || jobs=2
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
passed=0
failed=0
summary() {
    echo "ci-debian13: $*"
    echo "$passed passed, $failed failed"
}

t=$SECONDS
mkdir -p "$build"
if ! cmake -S /src -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_INSTALL_PREFIX=/usr \
    -DNSVIZ_WITH_KAUTH=ON -DNSVIZ_BUILD_APP=OFF -DNSVIZ_BUILD_TESTS=ON "${launcher[@]}" >"$build/configure.log" 2>&1; then
    cat "$build/configure.log"
    failed=1
    summary "configure failed"
    exit 1
fi
targets=()
if [[ ${NSVIZ_D13_SCOPE:-all} == kauth ]]; then
    targets=(--target nsviz-helper nsviz_kauth_helper nsviz_kauth_tests nsviz_kauth_e2e
        org.nsviz.helper.policy-customtarget)
fi
if ! cmake --build "$build" -j"$jobs" "${targets[@]}"; then
    failed=1
    summary "build failed"
    exit 1
fi
echo "ci-debian13: configure+build $((SECONDS - t)) s"

t=$SECONDS
filter=()
[[ ${NSVIZ_D13_SCOPE:-all} == kauth ]] && filter=(-R '^(KAuthRequest|RequestRunner)\.')
ctest --test-dir "$build" --output-on-failure --timeout 600 -j1 "${filter[@]}" 2>&1 | tee /tmp/ctest.log
line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' /tmp/ctest.log | tail -1)
if [[ -n $line ]]; then
    nf=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
    nt=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
    passed=$((passed + nt - nf))
    failed=$((failed + nf))
else
    echo "ci-debian13: ctest gave no summary"
    failed=$((failed + 1))
fi
echo "ci-debian13: ctest $((SECONDS - t)) s"

t=$SECONDS
/src/scripts/kauth-e2e.sh "$build" 2>&1 | tee /tmp/e2e.log
e2e_rc=${PIPESTATUS[0]}
line=$(grep -E '^kauth-e2e: [0-9]+ passed, [0-9]+ failed' /tmp/e2e.log | tail -1)
if [[ -n $line ]]; then
    passed=$((passed + $(sed -E 's/^kauth-e2e: ([0-9]+) passed.*/\1/' <<<"$line")))
    failed=$((failed + $(sed -E 's/.* ([0-9]+) failed$/\1/' <<<"$line")))
fi
[[ $e2e_rc -ne 0 && ( -z $line || $failed -eq 0 ) ]] && failed=$((failed + 1))
echo "ci-debian13: kauth e2e $((SECONDS - t)) s"

summary "done"
[[ $failed -eq 0 ]]
