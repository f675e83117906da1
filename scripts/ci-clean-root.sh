#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The clean-root stage of CI: proves the README's first command on a new machine. In a fresh,
# minimal Debian 12 root (scripts/debian-root.sh --suite bookworm: minbase + sudo, no compiler, no
# Qt) with a copy of the source (git archive, no host build dirs), a user with sudo runs
# scripts/run.sh: it must install what is missing (apt-get install really runs, every time),
# configure, build the release preset and render the offscreen screenshot. The stage then checks
# that the PNG is a real, non-trivial image. A package missing from scripts/deps/ fails here.
#
#   scripts/ci-clean-root.sh        from the host, as root (needs mmdebstrap: role "roots")
#   NSVIZ_JOBS=N                    build parallelism inside (default: nproc)
# Results and logs: build/clean-root/ (run.log, nsviz-screenshot.png).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [[ ${1:-} != --inside ]]; then
    out=$(cd "$here/.." && pwd)/build/clean-root
    rm -rf "$out"
    mkdir -p "$out"
    t0=$SECONDS
    if ! root=$("$here/debian-root.sh" --suite bookworm path); then
        echo "clean-root: could not make the Debian 12 root"
        exit 1
    fi
    echo "clean-root: root $root ready after $((SECONDS - t0)) s"
    t1=$SECONDS
    NSVIZ_ROOT_OUT=$out "$here/debian-root.sh" --suite bookworm enter /src/scripts/ci-clean-root.sh --inside </dev/null
    rc=$?
    echo "clean-root: scripts/run.sh in the root took $((SECONDS - t1)) s (exit $rc)"
    [[ $rc -eq 0 ]] || { echo "clean-root: FAILED: scripts/run.sh failed on a minimal Debian 12 (log: $out/run.log)"; exit 1; }
    # A real PNG, at least 200x200, and not a blank canvas: a uniform 1600x1000 image compresses
    # to a few KiB, the cluster view with labels to far more.
    png=$out/nsviz-screenshot.png
    [[ -f $png ]] || { echo "clean-root: FAILED: no screenshot"; exit 1; }
    magic=$(od -An -tx1 -N8 "$png" | tr -d ' \n')
    w=$((16#$(od -An -tx1 -j16 -N4 "$png" | tr -d ' \n')))
    h=$((16#$(od -An -tx1 -j20 -N4 "$png" | tr -d ' \n')))
    size=$(stat -c %s "$png")
    echo "clean-root: screenshot ${w}x${h}, $size bytes"
    if [[ $magic != 89504e470d0a1a0a || $w -lt 200 || $h -lt 200 || $size -lt 20000 ]]; then
        echo "clean-root: FAILED: the screenshot is not a PNG of the cluster view (magic $magic)"
        exit 1
    fi
    echo "clean-root: passed in $((SECONDS - t0)) s"
    exit 0
fi

# --- inside the root (as root; fresh /proc, /run, /tmp; a copy of the source at /src) ---
set -e
user=newcomer
uid=1000
echo "$user:x:$uid:$uid:new nsviz user:/home/$user:/bin/bash" >>/etc/passwd
echo "$user:x:$uid:" >>/etc/group
echo "$user:*:19000:0:99999:7:::" >>/etc/shadow
echo "$user ALL=(ALL) NOPASSWD: ALL" >/etc/sudoers.d/$user
chmod 440 /etc/sudoers.d/$user
host=$(cat /proc/sys/kernel/hostname)
grep -qw "$host" /etc/hosts 2>/dev/null || echo "127.0.1.1 $host" >>/etc/hosts # sudo resolves it
mkdir -p /home/$user
cp -a /src /home/$user/nsviz
chown -R $user: /home/$user /var/cache/ccache
# What a newcomer has: no compiler, no cmake, no Qt (checked, so the proof cannot go stale).
for tool in g++ cmake ninja qmake6; do
    if command -v $tool >/dev/null; then
        echo "clean-root: $tool is already in the root: not a clean machine" >&2
        exit 1
    fi
done
echo "clean-root: as $user: cd ~/nsviz && scripts/run.sh"
set +e
setpriv --reuid=$uid --regid=$uid --init-groups env -i HOME=/home/$user USER=$user LOGNAME=$user \
    PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 TERM=dumb CCACHE_DIR=/var/cache/ccache \
    NSVIZ_JOBS="${NSVIZ_JOBS:-}" \
    bash -c 'cd ~/nsviz && scripts/run.sh' </dev/null 2>&1 | tee /out/run.log
rc=${PIPESTATUS[0]}
cp /home/$user/nsviz/nsviz-screenshot.png /out/ 2>/dev/null
exit $rc
