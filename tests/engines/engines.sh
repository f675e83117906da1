#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Starts and stops the real-engine cases of tests/engines/ (issue 10): real podman (as root, with
# host network, host pid, a pod of two, rootless), LXC, systemd-nspawn, bubblewrap, firejail,
# unshare and ip netns, all running at once, so nsviz can be checked against what nobody here wrote.
#
#   engines.sh up MANIFEST    set up (idempotent, cached), clean leftovers, start every case and
#                             write one line per case to MANIFEST (see "Manifest" below)
#   engines.sh down           stop everything a run of this script started (also after a killed run)
#   engines.sh setup          only the set-up (rootfs, images, configs, test user)
#   engines.sh api SOCKET     podman's REST API for the cases' root podman on SOCKET, in the
#                             foreground (exec: the caller stops it by its pid)
#
# Run as root, one run at a time: callers hold an flock on /run/nsviz-engines.lock (the gtest
# nsviz_engine_tests and tests/engines/make-fixtures.sh do), because `down` at the start of a run
# removes what an earlier run left and must not hit a run that is still going.
#
# Nothing outside these names is touched:
#   - every container, pod, LXC container, nspawn machine and netns is named nsviz-eng-*;
#   - every process started in the background is recorded as "PID STARTTIME" in $RUN/pids as soon
#     as it exists and killed by that pid only while its start time still matches;
#   - podman uses a test-owned containers.conf and storage.conf (CONTAINERS_CONF,
#     CONTAINERS_STORAGE_CONF) and storage under $WORK: the machine's /etc/containers and
#     /var/lib/containers stay as they are;
#   - LXC uses its own lxcpath ($WORK/lxc), never /var/lib/lxc;
#   - every sandboxed command is `sleep 600`, so even a case nobody stops ends by itself.
# Machine state it adds, idempotently, and documents here:
#   - a system user nsviz-eng (no home, no shell) for rootless podman, with the subordinate id
#     range 2000000:65536 in /etc/subuid and /etc/subgid (left in place: it is what rootless
#     podman needs, and the demo containers of nsviz choose ids clear of every subuid range);
#   - an ACL entry giving nsviz-eng read/write on /dev/net/tun (mode 0600 on some VMs: rootless
#     podman's slirp4netns needs it), removed again by `down`.
#
# Why these choices:
#   - runc, not crun: crun fails on hybrid cgroup v1/v2 hosts (containers.conf: runtime = "runc").
#   - root lacks CAP_SYS_RESOURCE on some CI VMs, and podman's default rlimits (nofile/nproc far
#     above the hard limit) then fail: containers.conf lowers them.
#   - no registry: a root filesystem of busybox-static, imported with `podman import`, serves every
#     engine (LXC, nspawn and bwrap use the directory itself; each nspawn gets its own copy because
#     nspawn locks the tree it runs).
#   - root podman runs with --network=none (a private net namespace with only loopback) instead of
#     the default CNI bridge, so the tests add no bridge, veth or iptables rules to the host; the
#     namespaces are the same as with the bridge. Rootless podman keeps its default network
#     (slirp4netns), because its helper processes are what the issue is about.
#
# Manifest: one line per case, fields separated by tabs, each KEY=VALUE:
#   case=NAME status=ok|skip|error [reason=TEXT] [init=PID] [members=PID,...] [helpers=PID,...]
#   [id=ENGINE-ID] [name=NAME] [pod=POD-ID]
# init: the process the sandbox exists for (pid 1 of its pid namespace where it has one);
# members: other processes of the sandbox (launchers such as `unshare -f` or the outer bwrap,
# the second container of a pod); helpers: the engine's processes that serve it (conmon,
# catatonit, slirp4netns, the lxc monitor, the systemd-nspawn process) and must never be taken for
# a container. skip: this machine cannot run the engine (the reason says why); error: it should
# have and did not (the reason has the engine's message).
set -uo pipefail

PREFIX=nsviz-eng
WORK=${NSVIZ_ENGINES_WORK:-/var/tmp/nsviz-engines}
RUN=/run/nsviz-engines
TEST_USER=nsviz-eng
SUBID_RANGE=2000000:65536
IMAGE=localhost/nsviz-eng-busybox:latest
LIFETIME=600

die() {
    echo "engines.sh: $*" >&2
    exit 1
}
[[ $(id -u) -eq 0 ]] || die "must run as root"
cd /

export CONTAINERS_CONF=$WORK/containers.conf
export CONTAINERS_STORAGE_CONF=$WORK/storage-root.conf

have() { command -v "$1" >/dev/null 2>&1; }

# The start time (field 22 of /proc/PID/stat, after the last ')') of a process, empty when gone.
starttime() {
    local s
    s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    s=${s##*) }
    set -- $s
    echo "${20}"
}

# Records PID (with its start time) for `down`, at once, before anything can fail.
record() {
    local pid st
    for pid in "$@"; do
        st=$(starttime "$pid")
        [[ -n $st ]] && echo "$pid $st" >>"$RUN/pids"
    done
}

# Direct children of PID.
children() { cat /proc/"$1"/task/*/children 2>/dev/null | tr ' ' '\n' | sed '/^$/d'; }

# Descendants of PID (breadth first).
descendants() {
    local queue=("$1") p c
    while [[ ${#queue[@]} -gt 0 ]]; do
        p=${queue[0]}
        queue=("${queue[@]:1}")
        for c in $(children "$p"); do
            echo "$c"
            queue+=("$c")
        done
    done
}

# Waits up to 10 s for a descendant of PID whose comm is COMM; prints its pid.
wait_descendant() {
    local root=$1 comm=$2 i d
    for ((i = 0; i < 100; i++)); do
        for d in $(descendants "$root"); do
            if [[ $(cat "/proc/$d/comm" 2>/dev/null) == "$comm" ]]; then
                echo "$d"
                return 0
            fi
        done
        kill -0 "$root" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

join() { local IFS=,; echo "$*"; }

emit() { # KEY=VALUE...
    local IFS=$'\t'
    echo "$*" >>"$MANIFEST"
}
skip() { emit "case=$1" "status=skip" "reason=$2"; }
error() { emit "case=$1" "status=error" "reason=$(echo "$2" | tr '\t\n' '  ' | cut -c1-400)"; }

# --- set-up -----------------------------------------------------------------------------------

make_rootfs() {
    local r=$WORK/rootfs
    [[ -x $r/bin/busybox && -f $r/usr/lib/os-release ]] && return 0
    have busybox || return 1
    rm -rf "$r.new"
    mkdir -p "$r.new"/{bin,proc,sys,dev,tmp,etc,run,var,usr/lib,root}
    cp "$(command -v busybox)" "$r.new/bin/busybox"
    for a in sh sleep cat ls ps hostname ip mount; do ln -sf busybox "$r.new/bin/$a"; done
    # systemd-nspawn wants an os-release to accept the tree as an OS.
    printf 'ID=nsviz-busybox\nNAME="nsviz test rootfs (busybox)"\n' >"$r.new/usr/lib/os-release"
    ln -sf ../usr/lib/os-release "$r.new/etc/os-release"
    echo "root:x:0:0:root:/root:/bin/sh" >"$r.new/etc/passwd"
    echo "root:x:0:" >"$r.new/etc/group"
    rm -rf "$r"
    mv "$r.new" "$r"
}

write_configs() {
    # podman: runc (crun fails on hybrid cgroup hosts), cgroupfs (no systemd here), rlimits within
    # the hard limits root has without CAP_SYS_RESOURCE, events to a file, its own tmp dir.
    cat >"$WORK/containers.conf" <<EOF
# Written by tests/engines/engines.sh; used through CONTAINERS_CONF by the engine tests only.
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
    cat >"$WORK/storage-root.conf" <<EOF
# Written by tests/engines/engines.sh: root podman's storage for the engine tests.
[storage]
driver = "overlay"
graphroot = "$WORK/podman-root"
runroot = "$RUN/podman-root"
EOF
    cat >"$WORK/storage-rootless.conf" <<EOF
# Written by tests/engines/engines.sh: rootless podman's storage (user $TEST_USER).
[storage]
driver = "overlay"
graphroot = "$WORK/rootless/storage"
runroot = "$RUN/rootless/containers"
EOF
    chmod 0644 "$WORK"/*.conf
}

# The rootless podman user: a system user with its own subordinate id range (idempotent).
make_test_user() {
    if ! id "$TEST_USER" >/dev/null 2>&1; then
        useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
            --comment "nsviz engine tests (rootless podman)" "$TEST_USER" || return 1
    fi
    local f
    for f in /etc/subuid /etc/subgid; do
        grep -q "^$TEST_USER:" "$f" 2>/dev/null || echo "$TEST_USER:$SUBID_RANGE" >>"$f"
    done
    mkdir -p "$WORK/rootless/home" "$RUN/rootless"
    chown "$TEST_USER:" "$WORK/rootless" "$WORK/rootless/home" "$RUN/rootless"
    chmod 0700 "$RUN/rootless"
}

# Runs podman as the test user, with a clean environment of its own.
podman_user() {
    runuser -u "$TEST_USER" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$WORK/rootless/home" \
        XDG_RUNTIME_DIR="$RUN/rootless" CONTAINERS_CONF="$CONTAINERS_CONF" \
        CONTAINERS_STORAGE_CONF="$WORK/storage-rootless.conf" podman "$@"
}

import_image() { # podman command...
    "$@" image exists "$IMAGE" 2>/dev/null && return 0
    tar -C "$WORK/rootfs" -c . | "$@" import - "$IMAGE" >/dev/null 2>"$WORK/import.log"
}

setup() {
    mkdir -p "$WORK" "$RUN"
    chmod 0755 "$WORK" "$RUN"
    make_rootfs || echo "engines.sh: no busybox-static rootfs (install busybox-static)" >&2
    write_configs
    if have podman; then
        import_image podman || echo "engines.sh: podman import failed" >&2
        if have newuidmap && make_test_user; then
            import_image podman_user || echo "engines.sh: rootless podman import failed" >&2
        fi
    fi
    return 0
}

# --- clean-up ---------------------------------------------------------------------------------

down() {
    mkdir -p "$RUN"
    if have podman; then
        # By name: only what carries our prefix.
        local n
        for n in $(podman pod ps --format '{{.Name}}' 2>/dev/null | grep "^$PREFIX-"); do
            podman pod rm -f -t 0 "$n" >/dev/null 2>&1
        done
        for n in $(podman ps -a --format '{{.Names}}' 2>/dev/null | grep "^$PREFIX-"); do
            podman rm -f -t 0 "$n" >/dev/null 2>&1
        done
        if id "$TEST_USER" >/dev/null 2>&1 && [[ -d $RUN/rootless ]]; then
            for n in $(podman_user ps -a --format '{{.Names}}' 2>/dev/null | grep "^$PREFIX-"); do
                podman_user rm -f -t 0 "$n" >/dev/null 2>&1
            done
            # Rootless podman keeps its pause process (the user namespace's holder) after the
            # last container: stop it by the pid podman wrote, when it is the test user's.
            local pause
            pause=$(cat "$RUN/rootless/libpod/tmp/pause.pid" 2>/dev/null)
            if [[ $pause =~ ^[0-9]+$ ]] && [[ $(stat -c %U "/proc/$pause" 2>/dev/null) == "$TEST_USER" ]]; then
                kill -TERM "$pause" 2>/dev/null
            fi
            # `podman rm` returns before conmon's exit command and slirp4netns are done: wait for
            # the test user's processes to end (it runs nothing else), so that the next `up` does
            # not list the last run's helpers as its own (it did in CI: gone by the scan).
            local uid left i
            uid=$(id -u "$TEST_USER")
            for ((i = 0; i < 100; i++)); do
                left=$(ps -u "$uid" -o pid= | tr -d ' ')
                [[ -z $left ]] && break
                sleep 0.1
            done
            for n in $left; do
                [[ $(stat -c %U "/proc/$n" 2>/dev/null) == "$TEST_USER" ]] && kill -KILL "$n" 2>/dev/null
            done
        fi
    fi
    if have lxc-ls && [[ -d $WORK/lxc ]]; then
        for n in $(lxc-ls -P "$WORK/lxc" 2>/dev/null); do
            [[ $n == "$PREFIX"-* ]] && lxc-stop -k -n "$n" -P "$WORK/lxc" >/dev/null 2>&1
        done
    fi
    # Recorded background processes, by pid while the start time still matches.
    if [[ -f $RUN/pids ]]; then
        local pid st
        while read -r pid st; do
            [[ -n $pid && $(starttime "$pid") == "$st" ]] && kill -KILL "$pid" 2>/dev/null
        done <"$RUN/pids"
        rm -f "$RUN/pids"
    fi
    for n in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$PREFIX-"); do
        # Everything in a netns we made is ours.
        for pid in $(ip netns pids "$n" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
        ip netns del "$n" 2>/dev/null
    done
    if have setfacl && id "$TEST_USER" >/dev/null 2>&1; then
        setfacl -x "u:$TEST_USER" /dev/net/tun 2>/dev/null
    fi
    return 0
}

# --- the cases --------------------------------------------------------------------------------

# podman as root: NAME then podman run options.
podman_case() {
    local case=$1 name=$PREFIX-$1 out
    shift
    out=$(podman run -d --name "$name" "$@" "$IMAGE" sleep "$LIFETIME" 2>&1) || {
        error "$case" "podman run: $out"
        return
    }
    local id init conmon
    id=$(podman inspect -f '{{.Id}}' "$name" 2>/dev/null)
    init=$(podman inspect -f '{{.State.Pid}}' "$name" 2>/dev/null)
    conmon=$(podman inspect -f '{{.State.ConmonPid}}' "$name" 2>/dev/null)
    emit "case=$case" status=ok "init=$init" "helpers=$conmon" "id=$id" "name=$name"
}

case_podman() {
    if ! have podman; then
        for c in podman-default podman-hostnet podman-hostpid podman-pod; do skip "$c" "podman is not installed"; done
        return
    fi
    if ! podman image exists "$IMAGE" 2>/dev/null; then
        for c in podman-default podman-hostnet podman-hostpid podman-pod; do
            error "$c" "the image $IMAGE is missing (podman import of the busybox rootfs failed)"
        done
        return
    fi
    podman_case podman-default --network=none
    podman_case podman-hostnet --network=host
    podman_case podman-hostpid --network=none --pid=host
    # A pod of two: the infra container (catatonit) holds the pod's namespaces.
    local pod=$PREFIX-pod out
    out=$(podman pod create --name "$pod" --network=none 2>&1) || {
        error podman-pod "podman pod create: $out"
        return
    }
    local a=$PREFIX-pod-a b=$PREFIX-pod-b
    out=$( (podman run -d --pod "$pod" --name "$a" "$IMAGE" sleep "$LIFETIME" &&
        podman run -d --pod "$pod" --name "$b" "$IMAGE" sleep "$LIFETIME") 2>&1) || {
        error podman-pod "podman run --pod: $out"
        return
    }
    local podid infra ia ib ca cb ci
    podid=$(podman pod inspect -f '{{.Id}}' "$pod")
    infra=$(podman pod inspect -f '{{.InfraContainerID}}' "$pod")
    ia=$(podman inspect -f '{{.State.Pid}}' "$a")
    ib=$(podman inspect -f '{{.State.Pid}}' "$b")
    ca=$(podman inspect -f '{{.State.ConmonPid}}' "$a")
    cb=$(podman inspect -f '{{.State.ConmonPid}}' "$b")
    ci=$(podman inspect -f '{{.State.ConmonPid}}' "$infra")
    local ipid
    ipid=$(podman inspect -f '{{.State.Pid}}' "$infra")
    emit "case=podman-pod" status=ok "init=$ia" "members=$ib" "helpers=$(join "$ci" "$ipid" "$ca" "$cb")" \
        "id=$(podman inspect -f '{{.Id}}' "$a")" "name=$a" "pod=$podid" "podname=$pod"
}

case_podman_rootless() {
    local c=podman-rootless
    have podman || { skip $c "podman is not installed"; return; }
    have newuidmap || { skip $c "newuidmap is missing (install uidmap)"; return; }
    id "$TEST_USER" >/dev/null 2>&1 || { error $c "could not create the test user $TEST_USER"; return; }
    [[ -c /dev/net/tun ]] || { skip $c "no /dev/net/tun (slirp4netns needs it)"; return; }
    if have setfacl; then
        setfacl -m "u:$TEST_USER:rw" /dev/net/tun 2>/dev/null
    fi
    if ! runuser -u "$TEST_USER" -- test -r /dev/net/tun -a -w /dev/net/tun; then
        skip $c "the test user cannot open /dev/net/tun ($(stat -c %a /dev/net/tun), no ACL support): slirp4netns, rootless podman's network, cannot run"
        return
    fi
    podman_user image exists "$IMAGE" 2>/dev/null || { error $c "the rootless image is missing (podman import as $TEST_USER failed)"; return; }
    local name=$PREFIX-rootless out
    out=$(podman_user run -d --name "$name" "$IMAGE" sleep "$LIFETIME" 2>&1) || {
        error $c "podman run as $TEST_USER: $out"
        return
    }
    local init id helpers=() p uid
    init=$(podman_user inspect -f '{{.State.Pid}}' "$name")
    id=$(podman_user inspect -f '{{.Id}}' "$name")
    uid=$(id -u "$TEST_USER")
    # The test user's other long-lived processes are rootless podman's helpers: conmon,
    # catatonit -P (pause), slirp4netns or pasta, rootlessport. Anything else of that user is a
    # podman command still exiting (it was one in CI: listed here, gone by the scan). The pause
    # process is the one podman wrote to pause.pid: any other catatonit is one still exiting.
    local pause
    pause=$(cat "$RUN/rootless/libpod/tmp/pause.pid" 2>/dev/null)
    for p in $(ps -u "$uid" -o pid=); do
        [[ $p == "$init" ]] && continue
        descendants "$init" | grep -qx "$p" && continue
        case "$(cat "/proc/$p/comm" 2>/dev/null)" in
        catatonit) [[ $p == "$pause" ]] && helpers+=("$p") ;;
        conmon | slirp4netns | pasta | pasta.avx2 | rootlessport) helpers+=("$p") ;;
        esac
    done
    emit "case=$c" status=ok "init=$init" "helpers=$(join "${helpers[@]}")" "id=$id" "name=$name" "uid=$uid"
}

case_lxc() {
    local c=lxc name=$PREFIX-lxc
    have lxc-start || { skip $c "lxc is not installed"; return; }
    mkdir -p "$WORK/lxc"
    cat >"$WORK/lxc-$name.conf" <<EOF
lxc.uts.name = $name
lxc.rootfs.path = dir:$WORK/rootfs
lxc.net.0.type = empty
lxc.init.cmd = /bin/sleep $LIFETIME
lxc.apparmor.profile = unconfined
lxc.mount.auto = proc:mixed sys:ro
lxc.tty.max = 0
lxc.pty.max = 16
EOF
    local out
    out=$(lxc-start -n "$name" -P "$WORK/lxc" -f "$WORK/lxc-$name.conf" -d -l WARN -o "$WORK/lxc/$name.log" 2>&1) || {
        error $c "lxc-start: $out $(tail -3 "$WORK/lxc/$name.log" 2>/dev/null)"
        return
    }
    local init monitor
    init=$(lxc-info -n "$name" -P "$WORK/lxc" -p -H 2>/dev/null)
    [[ $init =~ ^[0-9]+$ ]] || { error $c "lxc-info found no init pid"; return; }
    monitor=$(awk '{print $4}' "/proc/$init/stat" 2>/dev/null)
    emit "case=$c" status=ok "init=$init" "helpers=$monitor" "name=$name"
}

nspawn_case() { # case, nspawn options...
    local c=$1 name=$PREFIX-$1
    shift
    # nspawn locks the tree it runs: each container its own copy of the small rootfs.
    rm -rf "${WORK:?}/${name:?}"
    cp -a "$WORK/rootfs" "$WORK/$name"
    setsid systemd-nspawn --register=no --keep-unit --quiet -D "$WORK/$name" -M "$name" "$@" \
        /bin/sleep "$LIFETIME" </dev/null >"$WORK/$name.log" 2>&1 &
    local launcher=$!
    record "$launcher"
    local init
    if ! init=$(wait_descendant "$launcher" sleep); then
        error "$c" "systemd-nspawn: $(tail -3 "$WORK/$name.log")"
        return
    fi
    record "$init"
    emit "case=$c" status=ok "init=$init" "helpers=$launcher" "name=$name"
}

case_nspawn() {
    if ! have systemd-nspawn; then
        skip nspawn-private "systemd-nspawn is not installed (systemd-container)"
        skip nspawn-hostnet "systemd-nspawn is not installed (systemd-container)"
        return
    fi
    nspawn_case nspawn-private --private-network
    nspawn_case nspawn-hostnet
}

# A background launcher whose sandboxed `sleep` is found among its descendants (or is itself).
launch_case() { # case, extra manifest fields ("" for none), command...
    local c=$1 extra=$2
    shift 2
    setsid "$@" </dev/null >"$WORK/$c.log" 2>&1 &
    local launcher=$! init members=() helpers=()
    record "$launcher"
    sleep 0.05
    if [[ $(cat "/proc/$launcher/comm" 2>/dev/null) == sleep ]]; then
        init=$launcher
    elif ! init=$(wait_descendant "$launcher" sleep); then
        error "$c" "$1: $(tail -3 "$WORK/$c.log")"
        return
    else
        # The processes between the launcher and the sandboxed command: those in the sandbox's
        # mount namespace belong to it (`unshare -f`, the inner bwrap that is pid 1 of the sandbox);
        # those still wholly on the host serve it (the outer bwrap and firejail processes).
        local d mnt
        mnt=$(readlink "/proc/$init/ns/mnt")
        for d in $launcher $(descendants "$launcher"); do
            record "$d"
            [[ $d == "$init" ]] && continue
            if [[ $(readlink "/proc/$d/ns/mnt") == "$mnt" ]]; then
                members+=("$d")
            else
                helpers+=("$d")
            fi
        done
    fi
    record "$init"
    emit "case=$c" status=ok "init=$init" "members=$(join "${members[@]}")" "helpers=$(join "${helpers[@]}")" $extra
}

case_bwrap() {
    if ! have bwrap; then
        skip bwrap-private "bubblewrap is not installed"
        skip bwrap-sharenet "bubblewrap is not installed"
        return
    fi
    local common=(--unshare-all --ro-bind "$WORK/rootfs" / --proc /proc --dev /dev --tmpfs /tmp)
    launch_case bwrap-private "" bwrap "${common[@]}" /bin/sleep "$LIFETIME"
    launch_case bwrap-sharenet "" bwrap "${common[@]}" --share-net /bin/sleep "$LIFETIME"
}

case_firejail() {
    have firejail || { skip firejail "firejail is not installed"; return; }
    # Firejail's default: new mount and pid namespaces, the host's network.
    launch_case firejail "" firejail --noprofile --quiet /bin/sleep "$LIFETIME"
}

case_unshare() {
    # A mount-only sandbox, what systemd's PrivateTmp= gives a service: the command is exec'd, so
    # the sandbox is the one process.
    launch_case unshare-mnt "" unshare -m --propagation private sleep "$LIFETIME"
    # The classic: the launcher stays in the host pid namespace, its child is pid 1 of the new one.
    launch_case unshare-nmpf "" unshare -n -m -p -f --kill-child --mount-proc sleep "$LIFETIME"
}

case_ipnetns() {
    local c=ip-netns name=$PREFIX-netns
    have ip || { skip $c "iproute2 is not installed"; return; }
    local out
    out=$(ip netns add "$name" 2>&1) || { error $c "ip netns add: $out"; return; }
    launch_case $c "name=$name" ip netns exec "$name" sleep "$LIFETIME"
}

up() {
    MANIFEST=$1
    : >"$MANIFEST" || die "cannot write $MANIFEST"
    down
    setup
    [[ -x $WORK/rootfs/bin/busybox ]] || die "no busybox-static rootfs in $WORK/rootfs (install busybox-static)"
    case_podman
    case_podman_rootless
    case_lxc
    case_nspawn
    case_bwrap
    case_firejail
    case_unshare
    case_ipnetns
    return 0
}

# podman's REST API (Docker-compatible and libpod) for the cases' root podman, on SOCKET, in the
# foreground until killed: the engine test asks it for names (core/sandbox/enginenames.h). exec, so
# the caller's pid is podman's and it stops it by that pid.
api() {
    [[ $1 == /* ]] || die "api: SOCKET must be an absolute path"
    exec podman system service --time=0 "unix://$1"
}

case ${1:-} in
up) [[ $# -eq 2 ]] || die "usage: engines.sh up MANIFEST"; up "$2" ;;
down) down ;;
setup) setup ;;
api) [[ $# -eq 2 ]] || die "usage: engines.sh api SOCKET"; api "$2" ;;
*) die "usage: engines.sh up MANIFEST | down | setup | api SOCKET" ;;
esac
