#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian 13 part of CI: make (or reuse) the cached Debian 13 root, build there with the KAuth
# helper (preset "kauth": NSVIZ_WITH_KAUTH=ON, prefix /usr, the GUI, warnings as errors, no
# sanitizers), run the tests of the scope there, then the KAuth end-to-end test. Results come from
# ctest's and the tests' exit codes and their JUnit/gtest XML reports (build/kauth/reports/), never
# from their English summaries. Exits non-zero on any failure; the last line is "N passed, N failed".
#
#   scripts/ci-debian13.sh            from the host (root; uses scripts/debian-root.sh --suite trixie)
#   NSVIZ_JOBS=4 ...                  build parallelism (default 2: the machine is shared)
#   NSVIZ_D13_SCOPE=gui ...           (the default) what depends on Debian 13's Qt 6.8 and KF6: the
#                                     GUI and its tests (ctest label app), the KAuth helper and its
#                                     tests (kauth), the polkit policies (polkit), the end-to-end test.
#                                     The Qt-free core and helper tests run in the ASan stage.
#   NSVIZ_D13_SCOPE=kauth ...         only the KAuth parts and the end-to-end test
#   NSVIZ_D13_SCOPE=all ...           every target and every test but the label engines
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [[ ${1:-} != --inside ]]; then
    t0=$SECONDS
    if ! root=$("$here/debian-root.sh" --suite trixie path); then
        echo "ci-debian13: could not make the Debian 13 root"
        echo "0 passed, 1 failed"
        exit 1
    fi
    echo "ci-debian13: root $root ready after $((SECONDS - t0)) s"
    "$here/debian-root.sh" --suite trixie enter /src/scripts/ci-debian13.sh --inside
    rc=$?
    echo "ci-debian13: total $((SECONDS - t0)) s"
    exit $rc
fi

# --- inside the root (as root, fresh /proc, /run, /tmp; source at /src) ---
cd /src
build=/src/build/kauth
reports=$build/reports
jobs=${NSVIZ_JOBS:-2}
launcher=()
if command -v ccache >/dev/null; then
    export CCACHE_BASEDIR=/src CCACHE_NOHASHDIR=1
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
passed=0
failed=0
summary() {
    echo "ci-debian13: $*"
    echo "$passed passed, $failed failed"
}
# Adds the counts of a JUnit (ctest --output-junit) or gtest XML report; a missing or unreadable
# report counts as one failure. Attributes of the first <testsuites>/<testsuite> element.
count_xml() { # file
    local head attr tests=0 bad=0 a v
    # (ctest writes the attributes one per line: flatten first)
    head=$(tr '\n\t' '  ' 2>/dev/null <"$1" | grep -o '<testsuites\? [^>]*>' | head -1)
    if [[ -z $head ]]; then
        echo "ci-debian13: no report $1" >&2
        failed=$((failed + 1))
        return
    fi
    for a in tests failures errors; do
        v=$(grep -o " $a=\"[0-9]*\"" <<<"$head" | grep -o '[0-9]*')
        [[ -n $v ]] || v=0
        case $a in tests) tests=$v ;; *) bad=$((bad + v)) ;; esac
    done
    # skipped and disabled tests are counted neither as passed nor as failed
    attr=0
    for a in skipped disabled; do
        v=$(grep -o " $a=\"[0-9]*\"" <<<"$head" | grep -o '[0-9]*')
        attr=$((attr + ${v:-0}))
    done
    passed=$((passed + tests - bad - attr))
    failed=$((failed + bad))
}

t=$SECONDS
if ! cmake --preset kauth "${launcher[@]}" >/tmp/configure.log 2>&1; then
    cat /tmp/configure.log
    failed=1
    summary "configure failed"
    exit 1
fi
scope=${NSVIZ_D13_SCOPE:-gui}
kauth_targets=(nsviz nsviz-helper nsviz_kauth_helper nsviz_kauth_tests nsviz_kauth_e2e nsviz_polkit_test_agent
    org.nsviz.helper.policy-customtarget)
targets=()
labels=()
case $scope in
all) ;;
gui)
    targets=(--target "${kauth_targets[@]}" nsviz_app_tests)
    labels=(-L '^(app|kauth|polkit)$')
    ;;
kauth)
    targets=(--target "${kauth_targets[@]}")
    labels=(-L '^(kauth|polkit)$')
    ;;
*)
    failed=1
    summary "NSVIZ_D13_SCOPE=$scope: not one of gui, kauth, all"
    exit 1
    ;;
esac
echo "ci-debian13: scope $scope"
if ! cmake --build --preset kauth -j"$jobs" "${targets[@]}"; then
    failed=1
    summary "build failed"
    exit 1
fi
echo "ci-debian13: configure+build $((SECONDS - t)) s"

t=$SECONDS
rm -rf "$reports"
mkdir -p "$reports"
ctest --preset kauth -j1 --output-junit "$reports/ctest.xml" "${labels[@]}"
ctest_rc=$?
count_xml "$reports/ctest.xml"
[[ $ctest_rc -ne 0 && $failed -eq 0 ]] && failed=1 # ctest failed without a failed test: count it
echo "ci-debian13: ctest $((SECONDS - t)) s (exit $ctest_rc)"

t=$SECONDS
failed_before=$failed
NSVIZ_E2E_REPORTS=$reports /src/scripts/kauth-e2e.sh "$build"
e2e_rc=$?
for f in "$reports"/kauth-e2e-{allowed,cancel-admin,cancel-kept,noagent,denied}.xml; do
    count_xml "$f"
done
[[ $e2e_rc -ne 0 && $failed -eq $failed_before ]] && failed=$((failed + 1))
echo "ci-debian13: kauth e2e $((SECONDS - t)) s (exit $e2e_rc)"

summary "done"
[[ $failed -eq 0 ]]
