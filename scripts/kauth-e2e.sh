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
# tests as that user while a third user runs a process with a marker in its command line and a
# fourth user watches the system bus (dbus-monitor): the scan must show the marker, the bus must
# not; then the cancel path: users whose rule asks for an administrator's password (auth_admin, and
# auth_admin_keep), run under a polkit agent that dismisses the dialog (nsviz_polkit_test_agent),
# must get "cancelled", not "denied", and without an agent "no agent"; then remove the rule,
# restart polkitd and check the denial.
set -uo pipefail
build=${1:-/src/build/kauth}
# gtest XML reports, one per client run, for scripts/ci-debian13.sh to count
reports=${NSVIZ_E2E_REPORTS:-/tmp}
e2e=$build/tests/helper/kauth/nsviz_kauth_e2e
agent=$build/tests/helper/kauth/nsviz_polkit_test_agent
user=nsviztest
uid=4242
rule=/etc/polkit-1/rules.d/49-nsviz-e2e.rules

if [[ ! -f /.nsviz-complete || $(id -u) -ne 0 ]]; then
    echo "kauth-e2e: run inside the Debian 13 root as root (scripts/debian-root.sh --suite trixie enter ...)" >&2
    exit 2
fi
[[ -x $e2e && -x $agent ]] || { echo "kauth-e2e: $e2e or $agent not built (preset kauth?)" >&2; exit 2; }

marker_user=nsvizmark
marker_uid=4243
spy_user=nsvizspy
spy_uid=4244
# The cancel path: polkit asks these users for an administrator's password, every time
# (auth_admin: KAuth's helper asks) or kept (auth_admin_keep: the client asks first).
cancel_user=nsvizcancel
cancel_uid=4245
keep_user=nsvizkeep
keep_uid=4246
rule_cancel=/etc/polkit-1/rules.d/48-nsviz-e2e-cancel.rules
# Random, so that nothing but the marker process can contain it by chance.
marker="nsviz-marker-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"

pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    rm -f "$rule" "$rule_cancel"
}
trap cleanup EXIT

step() { echo "--- kauth-e2e: $*"; }

step "install with prefix /usr"
cmake --install "$build" --prefix /usr >/tmp/kauth-install.log 2>&1 || { cat /tmp/kauth-install.log; exit 1; }
for f in /usr/lib/kf6/kauth/libexec/nsviz_kauth_helper /usr/share/dbus-1/system.d/org.nsviz.helper.conf \
    /usr/share/dbus-1/system-services/org.nsviz.helper.service /usr/share/polkit-1/actions/org.nsviz.helper.policy; do
    [[ -e $f ]] || { echo "kauth-e2e: not installed: $f" >&2; exit 1; }
done

step "test users: $user ($uid) scans, $marker_user ($marker_uid) runs the marker, $spy_user ($spy_uid) listens"
add_user() { # name uid
    grep -q "^$1:" /etc/passwd || {
        echo "$1:x:$2:$2:nsviz e2e:/nonexistent:/usr/sbin/nologin" >>/etc/passwd
        echo "$1:x:$2:" >>/etc/group
    }
}
add_user "$user" "$uid"
add_user "$marker_user" "$marker_uid"
add_user "$spy_user" "$spy_uid"
add_user "$cancel_user" "$cancel_uid"
add_user "$keep_user" "$keep_uid"


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
cat >"$rule_cancel" <<RULES
// nsviz end-to-end test, the cancel path: an administrator's password, which the test agent's
// "user" never gives.
polkit.addRule(function(action, subject) {
    if (action.id.indexOf("org.nsviz.helper.") != 0) return;
    if (subject.user == "$cancel_user") return polkit.Result.AUTH_ADMIN;
    if (subject.user == "$keep_user") return polkit.Result.AUTH_ADMIN_KEEP;
});
RULES
chmod 644 "$rule_cancel"
start_polkitd || exit 1

as_uid() { # uid cmd...
    local u=$1
    shift
    setpriv --reuid="$u" --regid="$u" --clear-groups --no-new-privs env -i PATH=/usr/bin:/bin HOME=/tmp LANG=C.UTF-8 "$@"
}
as_user() { as_uid "$uid" "$@"; }

failed=0
npass=0
nfail=0
# Runs the client tests as an unprivileged user; adds their counts from gtest's XML report
# (a client that crashed before writing it counts as one failure). Report kauth-e2e-NAME.xml.
run_client() { # mode filter
    run_client_as "$1" "$uid" "$1" "$2"
}
run_client_as() { # name uid mode filter [wrapper...] (the wrapper runs the client: the test agent)
    local name=$1 u=$2 mode=$3 filter=$4 report=$reports/kauth-e2e-$1.xml rc head tests fails
    shift 4
    rm -f "$report" "/tmp/kauth-e2e-$name.xml"
    as_uid "$u" NSVIZ_KAUTH_E2E="$mode" NSVIZ_E2E_MARKER="${NSVIZ_E2E_MARKER:-}" NSVIZ_E2E_MARKER_UID="${NSVIZ_E2E_MARKER_UID:-}" \
        NSVIZ_E2E_CANCEL_KIND="${NSVIZ_E2E_CANCEL_KIND:-}" "$@" "$e2e" --gtest_filter="$filter" --gtest_output="xml:/tmp/kauth-e2e-$name.xml"
    rc=$?
    cp "/tmp/kauth-e2e-$name.xml" "$report" 2>/dev/null
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

step "marker process as $marker_user: $marker"
as_uid "$marker_uid" bash -c "exec -a $marker sleep 3600" &
pids+=("$!")
step "bus listener as $spy_user (dbus-monitor --system)"
spy_log=/tmp/kauth-e2e-spy.log
as_uid "$spy_uid" dbus-monitor --system >"$spy_log" 2>&1 &
spy_pid=$!
pids+=("$spy_pid")
sleep 1

step "allowed: scan as root (sees $marker_user's process), frames in order, stop, busy"
export NSVIZ_E2E_MARKER=$marker NSVIZ_E2E_MARKER_UID=$marker_uid
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

# The GUI itself, offscreen, as the unprivileged user: nsviz scans through KAuth (the installed
# helper, bus activation, the polkit rule), draws, and saves the snapshot it drew.
gui_dir=/tmp/kauth-e2e-gui
rm -rf "$gui_dir"
mkdir -p "$gui_dir"
chown "$uid:$uid" "$gui_dir"
chmod 700 "$gui_dir"
gui_check() { # name condition-result(0=ok) message
    if [[ $2 -eq 0 ]]; then
        npass=$((npass + 1))
    else
        nfail=$((nfail + 1))
        failed=1
        echo "kauth-e2e: FAILED: $1: $3" >&2
    fi
}
if [[ -x /usr/bin/nsviz ]]; then
    step "GUI: nsviz --screenshot --kauth as $user"
    as_user QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR="$gui_dir" /usr/bin/nsviz --screenshot "$gui_dir/kauth.png" \
        --kauth --save-snapshot "$gui_dir/kauth.json" >"$gui_dir/out.txt" 2>"$gui_dir/err.txt"
    rc=$?
    cat "$gui_dir/out.txt"
    gui_check "nsviz --kauth exit" $rc "exit $rc: $(tail -3 "$gui_dir/err.txt")"
    [[ -s $gui_dir/kauth.png ]]
    gui_check "nsviz --kauth picture" $? "no picture"
    grep -q '"privileged":true' "$gui_dir/kauth.json" 2>/dev/null
    gui_check "nsviz --kauth scanned as root" $? "the snapshot is not privileged"
    grep -qF "$marker" "$gui_dir/kauth.json" 2>/dev/null
    gui_check "nsviz --kauth sees $marker_user's process" $? "the marker is not in the snapshot nsviz drew"
else
    gui_check "GUI installed" 1 "/usr/bin/nsviz is not installed (NSVIZ_BUILD_APP=OFF?)"
fi
kill "$spy_pid" 2>/dev/null
wait "$spy_pid" 2>/dev/null

step "the bus listener saw the helper's signals and none of the scan's data"
# dbus-monitor prints byte arrays (KAuth's progress and reply blobs: QDataStream, strings in
# UTF-16 big-endian) as hex. Search its text, and every byte array decoded, as ASCII/UTF-8 and as
# UTF-16BE/LE. The positive controls: it saw KAuth's remoteSignal, and a progress step of ours (its
# "channel" key, in UTF-16BE), so it was listening and the decoding works.
spy_check() { # needle -> prints the number of hits
    perl -e '
        my ($needle) = @ARGV[1];
        open(my $f, "<", $ARGV[0]) or die; local $/; my $t = <$f>;
        my $hits = () = $t =~ /\Q$needle\E/g;
        my $bin = "";
        while ($t =~ /array of bytes (?:\[([0-9a-f\s]*)\]|"((?:[^"\\]|\\.)*)")/g) {
            if (defined $1) { my $h = $1; $h =~ s/\s+//g; $bin .= pack("H*", $h) . "\0"; }
            else { $bin .= $2 . "\0"; }
        }
        (my $be = $needle) =~ s/(.)/\0$1/gs;
        (my $le = $needle) =~ s/(.)/$1\0/gs;
        for my $n ($needle, $be, $le) { $hits += () = $bin =~ /\Q$n\E/g; }
        print $hits, "\n";' "$spy_log" "$1"
}
spy_failed=0
signals=$(grep -c 'member=remoteSignal' "$spy_log")
channel_keys=$(spy_check channel)
marker_hits=$(spy_check "$marker")
echo "kauth-e2e: bus listener: $signals KAuth signals, $channel_keys channel announcements, $marker_hits marker hits"
if [[ $signals -eq 0 || $channel_keys -eq 0 ]]; then
    echo "kauth-e2e: the bus listener saw no KAuth progress: it was not listening" >&2
    head -20 "$spy_log" >&2
    spy_failed=1
fi
if [[ $marker_hits -ne 0 ]]; then
    echo "kauth-e2e: LEAK: the bus listener ($spy_user) read the marker command line" >&2
    spy_failed=1
fi
if [[ $spy_failed -eq 0 ]]; then npass=$((npass + 1)); else nfail=$((nfail + 1)); failed=1; fi
unset NSVIZ_E2E_MARKER NSVIZ_E2E_MARKER_UID

# The cancel path, end to end: the agent dismisses the password dialog (what a person closing it
# does). KAuth's helper reports that as a plain refusal; the client must say "cancelled".
step "cancelled: $cancel_user (auth_admin) and $keep_user (auth_admin_keep) under an agent that dismisses the dialog"
for kind in admin kept; do
    u=$cancel_uid
    [[ $kind == kept ]] && u=$keep_uid
    NSVIZ_E2E_CANCEL_KIND=$kind run_client_as "cancel-$kind" "$u" cancel 'KAuthE2ECancel.*' "$agent" --dismiss --
done 2>/tmp/kauth-e2e-agent.log
cat /tmp/kauth-e2e-agent.log
# Positive control: the agent was asked (so "cancelled" is the dismissal, not a missing agent).
dismissals=$(grep -c '^nsviz-test-agent: dismissed org.nsviz.helper.' /tmp/kauth-e2e-agent.log)
gui_check "the test agent dismissed the dialogs" $([[ $dismissals -ge 4 ]]; echo $?) "$dismissals dismissals, expected at least 4"
step "no agent: $keep_user (auth_admin_keep) without an agent"
run_client_as noagent "$keep_uid" noagent 'KAuthE2ENoAgent.*'
if [[ -x /usr/bin/nsviz ]]; then
    for kind in admin kept; do
        u=$cancel_uid
        [[ $kind == kept ]] && u=$keep_uid
        step "GUI cancelled ($kind): nsviz --screenshot --kauth under the dismissing agent"
        d=/tmp/kauth-e2e-gui-$kind
        rm -rf "$d"
        mkdir -p "$d"
        chown "$u:$u" "$d"
        chmod 700 "$d"
        as_uid "$u" QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR="$d" "$agent" --dismiss -- /usr/bin/nsviz \
            --screenshot "$d/cancel.png" --kauth >"$d/out.txt" 2>"$d/err.txt"
        rc=$?
        cat "$d/err.txt"
        # Exit 4 (cancelled, not 3: refused), the message, the agent was asked, no picture.
        [[ $rc -eq 4 ]] && grep -q "scan through KAuth cancelled: Authentication" "$d/err.txt" &&
            grep -q "^nsviz-test-agent: dismissed org.nsviz.helper.scan" "$d/err.txt" && [[ ! -e $d/cancel.png ]]
        gui_check "nsviz --kauth cancelled ($kind)" $? "exit $rc, expected 4, the cancel message and a dismissal"
    done
fi

step "denied: rule removed"
rm -f "$rule"
kill "$polkitd_pid" 2>/dev/null
wait "$polkitd_pid" 2>/dev/null
start_polkitd || exit 1
run_client denied 'KAuthE2EDenied.*'
if [[ -x /usr/bin/nsviz ]]; then
    step "GUI denied: nsviz --screenshot --kauth as $user"
    as_user QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR="$gui_dir" /usr/bin/nsviz --screenshot "$gui_dir/denied.png" \
        --kauth >"$gui_dir/out.txt" 2>"$gui_dir/err.txt"
    rc=$?
    cat "$gui_dir/err.txt"
    # Its own exit code (3: refused; 4 would be cancelled) and message, and no picture.
    [[ $rc -eq 3 ]] && grep -q "scan through KAuth refused: Not authorized" "$gui_dir/err.txt" && [[ ! -e $gui_dir/denied.png ]]
    gui_check "nsviz --kauth denied" $? "exit $rc, expected 3 and the refusal message"
fi

if [[ $failed -ne 0 ]]; then
    echo "--- polkitd log"; tail -30 /tmp/polkitd.log
fi
echo "kauth-e2e: $npass passed, $nfail failed"
exit $failed
