#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# End-to-end test of the KAuth path. Runs INSIDE the Debian 13 root, as root:
#   scripts/debian-root.sh --suite trixie enter /src/scripts/kauth-e2e.sh [BUILD_DIR]
# It changes the system it runs in (installs into /usr, adds a user and a polkit rule, starts a
# system bus), so it refuses to run anywhere but that throwaway overlay. Daemons it starts die with
# the root's pid namespace in any case; it also stops them itself.
#
# Steps: install the helper (prefix /usr), start dbus-daemon --system and polkitd (no logind: the
# rule matches subject.user), add a rule allowing the unprivileged user "nsviztest", run the client
# tests as that user; then remove the rule, restart polkitd and check the denial.
set -uo pipefail
build=${1:-/src/build/kauth}
# gtest XML reports, one per client run, for scripts/ci-debian13.sh to count
reports=${NSVIZ_E2E_REPORTS:-/tmp}
e2e=$build/tests/helper/kauth/nsviz_kauth_e2e
user=nsviztest
uid=4242
rule=/etc/polkit-1/rules.d/49-nsviz-e2e.rules

if [[ ! -f /.nsviz-complete || $(id -u) -ne 0 ]]; then
    echo "kauth-e2e: run inside the Debian 13 root as root (scripts/debian-root.sh --suite trixie enter ...)" >&2
    exit 2
fi
[[ -x $e2e ]] || { echo "kauth-e2e: $e2e not built (preset kauth?)" >&2; exit 2; }

pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    rm -f "$rule"
}
trap cleanup EXIT

step() { echo "--- kauth-e2e: $*"; }

step "install with prefix /usr"
cmake --install "$build" --prefix /usr >/tmp/kauth-install.log 2>&1 || { cat /tmp/kauth-install.log; exit 1; }
for f in /usr/lib/kf6/kauth/libexec/nsviz_kauth_helper /usr/share/dbus-1/system.d/org.nsviz.helper.conf \
    /usr/share/dbus-1/system-services/org.nsviz.helper.service /usr/share/polkit-1/actions/org.nsviz.helper.policy; do
    [[ -e $f ]] || { echo "kauth-e2e: not installed: $f" >&2; exit 1; }
done

step "test user $user ($uid)"
grep -q "^$user:" /etc/passwd || {
    echo "$user:x:$uid:$uid:nsviz e2e:/nonexistent:/usr/sbin/nologin" >>/etc/passwd
    echo "$user:x:$uid:" >>/etc/group
}

step "system bus"
mkdir -p /run/dbus
dbus-daemon --system --fork --print-pid=3 3>/tmp/dbus.pid || exit 1
pids+=("$(cat /tmp/dbus.pid)")

start_polkitd() {
    /usr/lib/polkit-1/polkitd --no-debug >/tmp/polkitd.log 2>&1 &
    polkitd_pid=$!
    pids+=("$polkitd_pid")
    local i
    for i in $(seq 100); do
        dbus-send --system --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
            org.freedesktop.DBus.NameHasOwner string:org.freedesktop.PolicyKit1 2>/dev/null | grep -q "boolean true" && return 0
        sleep 0.1
    done
    echo "kauth-e2e: polkitd did not appear on the bus" >&2
    cat /tmp/polkitd.log >&2
    return 1
}

step "polkit rule allowing $user"
cat >"$rule" <<RULES
// nsviz end-to-end test: no logind here, so match the user, not an active session.
polkit.addRule(function(action, subject) {
    if (action.id.indexOf("org.nsviz.helper.") == 0 && subject.user == "$user") {
        return polkit.Result.YES;
    }
});
RULES
chmod 644 "$rule"
start_polkitd || exit 1

as_user() { setpriv --reuid="$uid" --regid="$uid" --clear-groups --no-new-privs env -i PATH=/usr/bin:/bin HOME=/tmp LANG=C.UTF-8 "$@"; }

failed=0
npass=0
nfail=0
# Runs the client tests as the unprivileged user; adds their counts from gtest's XML report
# (a client that crashed before writing it counts as one failure).
run_client() { # mode filter
    local report=$reports/kauth-e2e-$1.xml rc head tests fails
    rm -f "$report" "/tmp/kauth-e2e-$1.xml"
    as_user NSVIZ_KAUTH_E2E="$1" "$e2e" --gtest_filter="$2" --gtest_output="xml:/tmp/kauth-e2e-$1.xml"
    rc=$?
    cp "/tmp/kauth-e2e-$1.xml" "$report" 2>/dev/null
    head=$(tr '\n\t' '  ' 2>/dev/null <"$report" | grep -o '<testsuites [^>]*>' | head -1)
    tests=$(grep -o ' tests="[0-9]*"' <<<"$head" | grep -o '[0-9]*')
    fails=$(grep -o ' failures="[0-9]*"' <<<"$head" | grep -o '[0-9]*')
    if [[ -z $tests ]]; then
        nfail=$((nfail + 1))
    else
        npass=$((npass + tests - ${fails:-0}))
        nfail=$((nfail + ${fails:-0}))
    fi
    [[ $rc -eq 0 ]] || failed=1
}

step "allowed: scan as root, frames in order, stop, busy"
run_client allowed 'KAuthE2E.*'

step "pkexec policy as polkitd reads it (docs/security.md)"
# Each action bound to one argv[1]; only the read-only one keeps the authorisation.
for spec in org.nsviz.pkexec.helper:serve:auth_admin_keep org.nsviz.pkexec.helper.demos:serve-demos:auth_admin; do
    IFS=: read -r id argv1 active <<<"$spec"
    out=$(pkaction --action-id "$id" --verbose 2>&1)
    if grep -Eq "annotation: +org\.freedesktop\.policykit\.exec\.argv1 -> $argv1\$" <<<"$out" &&
        grep -Eq "implicit active: +$active\$" <<<"$out"; then
        npass=$((npass + 1))
    else
        echo "kauth-e2e: pkaction $id does not show argv1 $argv1 and implicit active $active:" >&2
        echo "$out" >&2
        nfail=$((nfail + 1))
        failed=1
    fi
done

step "denied: rule removed"
rm -f "$rule"
kill "$polkitd_pid" 2>/dev/null
wait "$polkitd_pid" 2>/dev/null
start_polkitd || exit 1
run_client denied 'KAuthE2EDenied.*'

if [[ $failed -ne 0 ]]; then
    echo "--- polkitd log"; tail -30 /tmp/polkitd.log
fi
echo "kauth-e2e: $npass passed, $nfail failed"
exit $failed
