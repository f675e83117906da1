#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A Debian 13 (trixie) root for the parts that need KF6 (KAuth), made with mmdebstrap and cached.
#
#   scripts/debian13-root.sh path            make (or reuse) the root, print its path
#   scripts/debian13-root.sh enter [CMD...]  run CMD (default: bash) inside it, as root
#
# The cache key is a hash of scripts/debian13-packages.txt plus the recipe below, so the root is
# rebuilt exactly when the package list (or how it is made) changes. The cached tree is never
# written to: `enter` stacks a tmpfs overlay on it, so `cmake --install`, test users, polkit rules
# and bus sockets vanish with the command. `enter` runs in its own mount and pid namespaces
# (`unshare --mount --pid --fork --kill-child`), so every daemon and mount started inside dies
# with it. The source tree is bind-mounted at /src (read-write: builds go to /src/build/debian13).
# The root is entered with pivot_root rather than chroot, so that tests can make user namespaces.
#
# Environment: NSVIZ_CACHE (default /var/cache/nsviz), DEBIAN13_MIRROR (default deb.debian.org).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)
cache=${NSVIZ_CACHE:-/var/cache/nsviz}
mirror=${DEBIAN13_MIRROR:-http://deb.debian.org/debian}
recipe_version=1 # bump when the way the root is made changes

packages() { sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$here/debian13-packages.txt"; }

root_path() {
    local key
    key=$( { echo "recipe=$recipe_version suite=trixie arch=$(dpkg --print-architecture)"; packages | sort; } |
        sha256sum | cut -c1-16)
    echo "$cache/debian13-$key"
}

make_root() {
    local root tmp
    root=$(root_path)
    [[ -f $root/.nsviz-complete ]] && { echo "$root"; return 0; }
    mkdir -p "$cache"
    # One builder at a time; a second caller waits and then reuses the result.
    exec 9>"$cache/debian13.lock"
    flock 9
    if [[ ! -f $root/.nsviz-complete ]]; then
        tmp="$root.tmp.$$"
        rm -rf "$tmp"
        echo "debian13-root: building $root (packages: $(packages | tr '\n' ' '))" >&2
        local t0=$SECONDS
        # variant=apt: Essential + apt; --include pulls the rest with Depends only (no Recommends).
        # dpkg excludes drop docs/man/locales to keep the tree small. eatmydata (when installed)
        # spares dpkg its fsync()s: several times faster on a busy disk, same result.
        local hooks=()
        [[ -d /usr/share/mmdebstrap/hooks/eatmydata ]] && command -v eatmydata >/dev/null &&
            hooks=(--hook-dir=/usr/share/mmdebstrap/hooks/eatmydata)
        mmdebstrap --variant=apt --mode=root "${hooks[@]}" \
            --include="$(packages | paste -sd,)" \
            --dpkgopt='path-exclude=/usr/share/man/*' \
            --dpkgopt='path-exclude=/usr/share/doc/*' \
            --dpkgopt='path-include=/usr/share/doc/*/copyright' \
            --dpkgopt='path-exclude=/usr/share/locale/*' \
            --dpkgopt='path-exclude=/usr/share/qt6/translations/*' \
            --customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*_Packages' \
            trixie "$tmp" "$mirror" >&2
        # mmdebstrap leaves machine-id empty; dbus-daemon needs a real one.
        systemd-id128 new >"$tmp/etc/machine-id" 2>/dev/null ||
            head -c16 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$tmp/etc/machine-id"
        echo >>"$tmp/etc/machine-id"
        sed -i 's/^\(.\{32\}\).*$/\1/' "$tmp/etc/machine-id"
        mkdir -p "$tmp/src"
        touch "$tmp/.nsviz-complete"
        rm -rf "$root"
        mv "$tmp" "$root"
        echo "debian13-root: built in $((SECONDS - t0)) s, $(du -sh "$root" | cut -f1)" >&2
        # Drop roots of older package lists.
        for old in "$cache"/debian13-*; do
            [[ -d $old && $old != "$root" && $old != *.tmp.* ]] && rm -rf "$old"
        done
    fi
    flock -u 9
    echo "$root"
}

enter() {
    local root
    root=$(make_root)
    mkdir -p "$cache/ccache-debian13"
    # Inside fresh namespaces: overlay (cache stays pristine), fresh /proc, /run, /tmp, /dev/shm.
    NSVIZ_ROOT="$root" NSVIZ_SRC="$src" NSVIZ_CCACHE="$cache/ccache-debian13" \
        exec unshare --mount --pid --fork --kill-child --propagation private /bin/bash -c '
        set -e
        w=$(mktemp -d /tmp/nsviz-d13.XXXXXX)
        mount -t tmpfs -o mode=0755 nsviz-d13 "$w"
        mkdir "$w/upper" "$w/work" "$w/merged"
        mount -t overlay overlay -o "lowerdir=$NSVIZ_ROOT,upperdir=$w/upper,workdir=$w/work" "$w/merged"
        r=$w/merged
        mount -t proc proc "$r/proc"
        mount --rbind /dev "$r/dev"
        mount -t tmpfs -o mode=1777 tmpfs "$r/dev/shm" 2>/dev/null || true
        mount -t sysfs sysfs "$r/sys" 2>/dev/null || mount --rbind /sys "$r/sys"
        mount -t tmpfs -o mode=0755 tmpfs "$r/run"
        mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
        mount --bind "$NSVIZ_SRC" "$r/src"
        mkdir -p "$r/var/cache/ccache"
        mount --bind "$NSVIZ_CCACHE" "$r/var/cache/ccache"
        cp /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || true
        # pivot_root, not chroot: the kernel refuses new user namespaces to a chrooted process
        # (the tests make them), but not to one whose root is its mount namespace'"'"'s root.
        mkdir -p "$r/.oldroot"
        cd "$r"
        pivot_root . .oldroot
        cd /
        umount -l /.oldroot
        exec /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM="${TERM:-dumb}" \
            LANG=C.UTF-8 CCACHE_DIR=/var/cache/ccache CI="${CI:-}" \
            NSVIZ_D13_JOBS="${NSVIZ_D13_JOBS:-}" NSVIZ_D13_SCOPE="${NSVIZ_D13_SCOPE:-}" "$@"
        ' nsviz-d13 "$@"
}

case ${1:-path} in
path) make_root ;;
enter)
    shift
    [[ $# -gt 0 ]] || set -- /bin/bash
    enter "$@"
    ;;
*)
    echo "usage: $0 path | enter [CMD...]" >&2
    exit 2
    ;;
esac
