#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Cached Debian roots made with mmdebstrap, for the CI stages that need a system other than the host:
#
#   --suite trixie   (default) Debian 13 with KF6 for the KAuth build and its polkit end-to-end test;
#                    packages: scripts/deps/debian13-root.txt. The source tree is bind-mounted
#                    read-write at /src (builds go to /src/build/kauth).
#   --suite bookworm a *minimal* Debian 12 (variant minbase + sudo: no compiler, no Qt), to prove that
#                    scripts/run.sh installs everything it needs on a new machine. The source is
#                    *copied* in (the files git knows in the work tree, not the ignored ones) to /src,
#                    so nothing of the host's builds leaks in. The apt archive cache
#                    ($NSVIZ_CACHE/apt-bookworm) and a ccache dir are bind-mounted, so reruns
#                    download and compile less; apt-get install still runs every time.
#
#   scripts/debian-root.sh [--suite S] path             make (or reuse) the root, print its path
#   scripts/debian-root.sh [--suite S] enter [CMD...]   run CMD (default: bash) inside it, as root
#
# The cache key is a hash of the recipe below and the package list; for bookworm also of
# scripts/deps/*.txt, install-deps.sh and run.sh, so a change to how dependencies are installed
# makes a new root and re-proves the install from scratch. The cached tree is never written to:
# `enter` stacks a tmpfs overlay on it, so installed packages, builds, test users, polkit rules and
# bus sockets vanish with the command. `enter` runs in its own mount and pid namespaces
# (`unshare --mount --pid --fork --kill-child`), so every daemon and mount started inside dies
# with it. The root is entered with pivot_root rather than chroot, so that tests can make user
# namespaces. Network: the host's (no network namespace); /etc/resolv.conf is copied in, and apt
# uses the mirror lines mmdebstrap wrote from the arguments below (the host's deb.debian.org).
#
# Environment: NSVIZ_CACHE (default /var/cache/nsviz), DEBIAN_MIRROR (default
# http://deb.debian.org/debian; DEBIAN13_MIRROR is still honoured), DEBIAN_SECURITY_MIRROR
# (default http://deb.debian.org/debian-security), NSVIZ_ROOT_OUT (a host folder bind-mounted at
# /out, for results), NSVIZ_JOBS (passed in).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)
cache=${NSVIZ_CACHE:-/var/cache/nsviz}
mirror=${DEBIAN_MIRROR:-${DEBIAN13_MIRROR:-http://deb.debian.org/debian}}
security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
recipe_version=1 # bump when the way the roots are made changes

suite=trixie
if [[ ${1:-} == --suite ]]; then
    suite=${2:-}
    shift 2 || true
elif [[ ${1:-} == --suite=* ]]; then
    suite=${1#--suite=}
    shift
fi

# Per suite: name (cache folder prefix), variant, package list, extra key material, how the source
# gets in, mirror lines, and the cache dirs bind-mounted inside (host dir under $cache : mountpoint).
case $suite in
trixie)
    name=debian13
    variant=apt # Essential + apt; --include pulls the rest with Depends only (no Recommends)
    packages() { sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$here/deps/debian13-root.txt"; }
    key_extra() { :; } # the key of the Debian 13 root is unchanged: recipe + suite + arch + packages
    src_mode=bind
    mirrors=("$mirror")
    binds=("ccache-debian13:/var/cache/ccache")
    ;;
bookworm)
    name=debian12-clean
    variant=minbase # Essential + Priority: required + apt: as bare as a fresh install
    packages() { echo sudo; } # the newcomer runs scripts/run.sh as a user with sudo
    key_extra() {
        echo "variant=$variant"
        (cd "$here" && sha256sum deps/*.txt install-deps.sh run.sh)
    }
    src_mode=copy
    mirrors=("deb $mirror bookworm main" "deb $mirror bookworm-updates main"
        "deb $security bookworm-security main")
    binds=("apt-bookworm:/var/cache/apt/archives" "ccache-bookworm:/var/cache/ccache")
    ;;
*)
    echo "debian-root: unknown suite '$suite' (bookworm or trixie)" >&2
    exit 2
    ;;
esac

root_path() {
    local key
    key=$( { echo "recipe=$recipe_version suite=$suite arch=$(dpkg --print-architecture)"; packages | sort; key_extra; } |
        sha256sum | cut -c1-16)
    echo "$cache/$name-$key"
}

make_root() {
    local root tmp
    root=$(root_path)
    [[ -f $root/.nsviz-complete ]] && { touch "$root/.nsviz-complete"; echo "$root"; return 0; }
    mkdir -p "$cache"
    # One builder at a time; a second caller waits and then reuses the result.
    exec 9>"$cache/$name.lock"
    flock 9
    if [[ ! -f $root/.nsviz-complete ]]; then
        tmp="$root.tmp.$$"
        # Holding the lock, no one else is building: what is left of an interrupted build can go.
        rm -rf "$cache/$name"-*.tmp.*
        echo "debian-root: building $root ($suite, $variant; packages: $(packages | tr '\n' ' '))" >&2
        local t0=$SECONDS
        # dpkg excludes drop docs/man/locales to keep the tree small. eatmydata (when installed)
        # spares dpkg its fsync()s: several times faster on a busy disk, same result.
        local hooks=()
        [[ -d /usr/share/mmdebstrap/hooks/eatmydata ]] && command -v eatmydata >/dev/null &&
            hooks=(--hook-dir=/usr/share/mmdebstrap/hooks/eatmydata)
        mmdebstrap --variant="$variant" --mode=root "${hooks[@]}" \
            --include="$(packages | paste -sd,)" \
            --dpkgopt='path-exclude=/usr/share/man/*' \
            --dpkgopt='path-exclude=/usr/share/doc/*' \
            --dpkgopt='path-include=/usr/share/doc/*/copyright' \
            --dpkgopt='path-exclude=/usr/share/locale/*' \
            --dpkgopt='path-exclude=/usr/share/qt6/translations/*' \
            --customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*_Packages' \
            "$suite" "$tmp" "${mirrors[@]}" >&2
        # mmdebstrap leaves machine-id empty; dbus-daemon needs a real one.
        systemd-id128 new >"$tmp/etc/machine-id" 2>/dev/null ||
            head -c16 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$tmp/etc/machine-id"
        echo >>"$tmp/etc/machine-id"
        sed -i 's/^\(.\{32\}\).*$/\1/' "$tmp/etc/machine-id"
        mkdir -p "$tmp/src"
        touch "$tmp/.nsviz-complete"
        rm -rf "$root"
        mv "$tmp" "$root"
        echo "debian-root: built in $((SECONDS - t0)) s, $(du -sh "$root" | cut -f1)" >&2
        # Drop roots of other keys of this suite that nobody has entered for two days (never an
        # unfinished one: it may be being built). Not every other key: two checkouts whose package
        # lists differ (a branch that adds a package, and main) would otherwise rebuild each
        # other's root on every run.
        for old in "$cache/$name"-*; do
            [[ -d $old && $old != "$root" && $old != *.tmp.* ]] || continue
            [[ -n $(find "$old/.nsviz-complete" -maxdepth 0 -mmin -2880 2>/dev/null) ]] && continue
            echo "debian-root: dropping $old (unused for two days)" >&2
            rm -rf "$old"
        done
    fi
    # The stamp's time is the root's last use, for the clean-up above.
    touch "$root/.nsviz-complete"
    flock -u 9
    echo "$root"
}

enter() {
    local root tarball="" b
    root=$(make_root)
    local mounts=()
    for b in "${binds[@]}"; do
        mkdir -p "$cache/${b%%:*}"
        mounts+=("$cache/${b%%:*}:${b#*:}")
    done
    if [[ $src_mode == copy ]]; then
        # The files git knows in the work tree as they are now: tracked (with uncommitted edits)
        # and untracked-but-not-ignored; ignored ones (build dirs, screenshots) stay out.
        echo "debian-root: copying the source: HEAD $(git -C "$src" rev-parse --short HEAD)$(
            [[ -z $(git -C "$src" status --porcelain) ]] || echo ' with uncommitted changes')" >&2
        tarball=$(mktemp /tmp/nsviz-src.XXXXXX.tar)
        (cd "$src" && git ls-files -z --cached --others --exclude-standard |
            while IFS= read -r -d '' f; do [[ -e $f || -L $f ]] && printf '%s\0' "$f"; done |
            tar --null -T - -cf "$tarball")
    fi
    local rc=0 w
    # The overlay's tmpfs is mounted on this folder inside the private mount namespace; on the host
    # it stays an empty folder, removed below.
    w=$(mktemp -d /tmp/nsviz-root.XXXXXX)
    NSVIZ_W="$w" NSVIZ_ROOT="$root" NSVIZ_SRC="$src" NSVIZ_SRC_MODE="$src_mode" NSVIZ_SRC_TAR="$tarball" \
        NSVIZ_MOUNTS="$(printf '%s\n' "${mounts[@]}")" NSVIZ_OUT="${NSVIZ_ROOT_OUT:-}" \
        unshare --mount --pid --fork --kill-child --propagation private /bin/bash -c '
        set -e
        w=$NSVIZ_W
        mount -t tmpfs -o mode=0755 nsviz-root "$w"
        mkdir "$w/upper" "$w/work" "$w/merged"
        mount -t overlay overlay -o "lowerdir=$NSVIZ_ROOT,upperdir=$w/upper,workdir=$w/work" "$w/merged"
        r=$w/merged
        mount -t proc proc "$r/proc"
        mount --rbind /dev "$r/dev"
        mount -t tmpfs -o mode=1777 tmpfs "$r/dev/shm" 2>/dev/null || true
        mount -t sysfs sysfs "$r/sys" 2>/dev/null || mount --rbind /sys "$r/sys"
        mount -t tmpfs -o mode=0755 tmpfs "$r/run"
        mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
        if [[ $NSVIZ_SRC_MODE == bind ]]; then
            mount --bind "$NSVIZ_SRC" "$r/src"
        else
            tar -x -f "$NSVIZ_SRC_TAR" -C "$r/src"
        fi
        while IFS=: read -r from to; do
            [[ -n $from ]] || continue
            mkdir -p "$r$to"
            mount --bind "$from" "$r$to"
        done <<<"$NSVIZ_MOUNTS"
        if [[ -n $NSVIZ_OUT ]]; then
            mkdir -p "$r/out"
            mount --bind "$NSVIZ_OUT" "$r/out"
        fi
        cp /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || true
        # pivot_root, not chroot: the kernel refuses new user namespaces to a chrooted process
        # (the tests make them), but not to one whose root is its mount namespace'"'"'s root.
        mkdir -p "$r/.oldroot"
        cd "$r"
        pivot_root . .oldroot
        cd /
        umount -l /.oldroot
        exec /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM="${TERM:-dumb}" \
            LANG=C.UTF-8 CCACHE_DIR=/var/cache/ccache CI="${CI:-}" NSVIZ_JOBS="${NSVIZ_JOBS:-}" \
            NSVIZ_D13_SCOPE="${NSVIZ_D13_SCOPE:-}" "$@"
        ' nsviz-root "$@" || rc=$?
    rmdir "$w" 2>/dev/null || true
    [[ -z $tarball ]] || rm -f "$tarball"
    return $rc
}

case ${1:-path} in
path) make_root ;;
enter)
    shift
    [[ $# -gt 0 ]] || set -- /bin/bash
    enter "$@"
    ;;
*)
    echo "usage: $0 [--suite bookworm|trixie] path | enter [CMD...]" >&2
    exit 2
    ;;
esac
