#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes the fake proc trees tests/data/proc-* used by tests/core/discovery_*.cpp.

The trees are committed; this script documents how they were made and regenerates them.
Namespace links are dangling symlinks whose text looks like the kernel's ("net:[4026531840]"):
discovery reads them with readlinkat(), the fake NsQuery of the tests answers the rest.
"""
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
TYPES = ["mnt", "pid", "net", "uts", "ipc", "user", "cgroup", "time"]
# Initial namespaces of the fake host (pid and user use the kernel's fixed initial inodes).
HOST = {"mnt": 4026531841, "pid": 4026531836, "net": 4026531840, "uts": 4026531838,
        "ipc": 4026531839, "user": 4026531837, "cgroup": 4026531835, "time": 4026531834}
PF_KTHREAD = 0x00200000


def stat_line(pid, comm, state, ppid, flags, start):
    # Fields 1..22 and a few more, as the kernel writes them.
    f = [str(pid), "(" + comm + ")", state, str(ppid), str(pid), str(pid), "0", "-1", str(flags)]
    f += ["0"] * 8  # minflt .. cstime (10..17)
    f += ["20", "0", "1", "0", str(start), "1000", "100"]  # prio nice threads itreal starttime vsize rss
    return " ".join(f) + "\n"


def status_text(name, pid, uid=0, gid=0, nspid=None):
    nspid = nspid if nspid is not None else str(pid)
    return (f"Name:\t{name}\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t{pid}\nNgid:\t0\nPid:\t{pid}\n"
            f"PPid:\t1\nTracerPid:\t0\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\nGid:\t{gid}\t{gid}\t{gid}\t{gid}\n"
            f"FDSize:\t64\nGroups:\t\nNStgid:\t{nspid}\nNSpid:\t{nspid}\nNSpgid:\t{nspid}\nNSsid:\t{nspid}\n"
            "VmPeak:\t  1000 kB\nThreads:\t1\n")


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def ns_links(d, ns):
    os.makedirs(d, exist_ok=True)
    for t, ino in ns.items():
        os.symlink(f"{t}:[{ino}]", os.path.join(d, t))


def proc(root, pid, comm, ppid=1, flags=0, start=100, uid=0, ns=None, cmdline=None, cgroup="0::/\n",
         status=None, stat=None, with_ns=True, mountinfo=None, fds=None):
    d = os.path.join(root, str(pid))
    write(os.path.join(d, "stat"), stat if stat is not None else stat_line(pid, comm, "S", ppid, flags, start))
    write(os.path.join(d, "status"), status if status is not None else status_text(comm, pid, uid, uid))
    write(os.path.join(d, "cmdline"), "".join(a + "\0" for a in (cmdline if cmdline is not None else [comm])))
    write(os.path.join(d, "cgroup"), cgroup)
    write(os.path.join(d, "comm"), comm + "\n")
    if with_ns:
        ns_links(os.path.join(d, "ns"), ns if ns is not None else HOST)
    if mountinfo is not None:
        write(os.path.join(d, "mountinfo"), mountinfo)
    os.makedirs(os.path.join(d, "fd"), exist_ok=True)
    for num, target in (fds or {}).items():
        os.symlink(target, os.path.join(d, "fd", str(num)))
    return d


def host_files(root, hostname="fakehost"):
    write(os.path.join(root, "sys/kernel/hostname"), hostname + "\n")
    write(os.path.join(root, "sys/kernel/osrelease"), "6.1.0-fake\n")
    write(os.path.join(root, "sys/kernel/random/boot_id"), "11111111-2222-3333-4444-555555555555\n")


HOST_MOUNTINFO = ("21 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
                  "22 21 0:21 / /proc rw,relatime - proc proc rw\n"
                  "40 21 0:4 net:[4026532600] /run/netns/blue rw - nsfs nsfs rw\n")
BOX_MOUNTINFO = ("500 400 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
                 "501 500 0:4 uts:[4026532700] /run/keep-uts rw - nsfs nsfs rw\n")


def basic():
    root = os.path.join(HERE, "proc-basic")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    host_files(root)
    proc(root, 1, "systemd", ppid=0, start=5, cmdline=["/sbin/init", "splash"], mountinfo=HOST_MOUNTINFO,
         cgroup="0::/init.scope\n", fds={0: "/dev/null", 1: "socket:[12345]", 7: "net:[4026532601]"})
    proc(root, 2, "kthreadd", ppid=0, flags=PF_KTHREAD, start=6, cmdline=[], cgroup="0::/\n")
    proc(root, 3, "kworker/0:0", ppid=2, flags=PF_KTHREAD, start=7, cmdline=[])
    # A name with spaces and parentheses: stat must be split at the LAST ')'.
    proc(root, 100, "my (weird) proc)", uid=1000, start=200, cmdline=["/usr/bin/weird", "a b", ""])
    # An empty name.
    proc(root, 101, "", start=201, cmdline=[])
    # A truncated stat: stops after ppid.
    proc(root, 102, "trunc", stat="102 (trunc) S 1 102\n")
    # No ns directory at all.
    proc(root, 103, "nons", with_ns=False)
    # Garbage NSpid.
    proc(root, 104, "badnspid", status=status_text("badnspid", 104, nspid="104 x7 !"))
    # A vanished process: its directory is there but empty (exited between readdir and open).
    os.makedirs(os.path.join(root, "105"))
    # A container: own mnt, pid, net, uts, ipc in a child user namespace; cgroup v1+v2 lines.
    box = dict(HOST, mnt=4026532400, pid=4026532401, net=4026532402, uts=4026532403, ipc=4026532404,
               user=4026532405)
    proc(root, 200, "boxinit", uid=100000, start=300, ns=box, cmdline=["/bin/sh", "-c", "sleep 1d"],
         status=status_text("boxinit", 200, 100000, 100000, nspid="200\t1"), mountinfo=BOX_MOUNTINFO,
         cgroup="1:name=systemd:/box\n0::/box.slice/a:b\n")
    proc(root, 201, "boxchild", ppid=200, uid=100000, start=301, ns=box,
         status=status_text("boxchild", 201, 100000, 100000, nspid="201 2"))
    # A thread of 200 that moved into another net namespace (setns in one thread).
    t = os.path.join(root, "200", "task")
    ns_links(os.path.join(t, "200", "ns"), box)
    ns_links(os.path.join(t, "202", "ns"), dict(box, net=4026532602))
    write(os.path.join(t, "202", "comm"), "networker\n")
    write(os.path.join(t, "200", "comm"), "boxinit\n")
    # Non-numeric entries proc also has.
    write(os.path.join(root, "uptime"), "1.0 1.0\n")
    os.symlink("1", os.path.join(root, "self"))


def kthreadd_ref():
    """PID 1 has no readable namespaces: kthreadd must become the reference."""
    root = os.path.join(HERE, "proc-kthreadd")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    host_files(root, "hardened")
    proc(root, 1, "init", ppid=0, with_ns=False)
    proc(root, 2, "kthreadd", ppid=0, flags=PF_KTHREAD, cmdline=[])
    proc(root, 50, "netd", ns=dict(HOST, net=4026532900))


def no_reference():
    """Neither PID 1 nor kthreadd readable (an unprivileged scan)."""
    root = os.path.join(HERE, "proc-noref")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    host_files(root, "unpriv")
    proc(root, 1, "init", ppid=0, with_ns=False)
    proc(root, 2, "kthreadd", ppid=0, flags=PF_KTHREAD, cmdline=[], with_ns=False)
    proc(root, 60, "shell", uid=1000)
    proc(root, 61, "sandbox", uid=1000, ns=dict(HOST, uts=4026532950, net=4026532951))


def engines():
    """One host running every engine layout the sandbox classifier knows (issue 10): a mount-only
    systemd service, an `unshare -n -m -p -f` sandbox, rootless podman on a cgroup v1 host (cgroup
    "/", known by conmon's argv) with catatonit and slirp4netns, a podman pod of two, docker with the
    host network and an empty effective capability set, LXC with a service inside it, an
    unregistered systemd-nspawn machine, bwrap with --share-net, a flatpak app, `ip netns exec`, a
    Kubernetes pod and a zombie. Inodes: 4026533xxx, one hundred per engine."""
    root = os.path.join(HERE, "proc-engines")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    host_files(root, "enginehost")
    hid = lambda c: (c * 64)[:64]
    init_mounts = HOST_MOUNTINFO
    proc(root, 1, "systemd", ppid=0, start=5, cmdline=["/sbin/init"], mountinfo=init_mounts,
         cgroup="0::/init.scope\n")
    proc(root, 2, "kthreadd", ppid=0, flags=PF_KTHREAD, start=6, cmdline=[])
    # A plain host service: no sandbox.
    proc(root, 250, "cron", cmdline=["/usr/sbin/cron", "-f"], cgroup="0::/system.slice/cron.service\n")
    # PrivateTmp=: its own mount namespace, nothing else.
    proc(root, 300, "nginx", cmdline=["nginx: master process"], ns=dict(HOST, mnt=4026533001),
         cgroup="0::/system.slice/nginx.service\n")
    proc(root, 301, "nginx", ppid=300, cmdline=["nginx: worker process"], ns=dict(HOST, mnt=4026533001),
         cgroup="0::/system.slice/nginx.service\n")
    # unshare -n -m -p -f sleep: the launcher is in the new mnt and net, the host pid namespace.
    sh = dict(HOST, mnt=4026533101, net=4026533102)
    proc(root, 400, "unshare", cmdline=["unshare", "-n", "-m", "-p", "-f", "sleep", "1d"], ns=sh,
         cgroup="0::/user.slice/user-0.slice/session-1.scope\n")
    proc(root, 401, "sleep", ppid=400, cmdline=["sleep", "1d"], ns=dict(sh, pid=4026533103),
         status=status_text("sleep", 401, nspid="401\t1"), cgroup="0::/user.slice/user-0.slice/session-1.scope\n")
    # Rootless podman on a v1/hybrid host: every cgroup is "/"; conmon -c ID -n NAME names it.
    rl_user, rl_mnt = 4026533201, 4026533202
    rlc = dict(HOST, user=rl_user, mnt=4026533203, pid=4026533204, net=4026533205, uts=4026533206,
               ipc=4026533207)
    v1 = "12:pids:/\n1:name=systemd:/\n"
    proc(root, 500, "catatonit", uid=1000, cmdline=["catatonit", "-P"], ns=dict(HOST, user=rl_user, mnt=rl_mnt),
         cgroup=v1, mountinfo=HOST_MOUNTINFO + "60 21 0:4 net:[4026533205] /run/user/1000/netns/netns-1a2b rw - nsfs nsfs rw\n")
    proc(root, 510, "conmon", uid=1000, cgroup=v1,
         cmdline=["/usr/bin/conmon", "--api-version", "1", "-c", hid("a1"), "-u", hid("a1"), "-r", "/usr/bin/runc",
                  "-b", "/home/u/.local/share/containers/storage/overlay-containers/x/userdata", "-n", "web",
                  "--exit-command", "/usr/bin/podman"])
    proc(root, 511, "sh", ppid=510, uid=1000, cmdline=["/bin/sh", "-c", "sleep 1d"], ns=rlc, cgroup=v1,
         status=status_text("sh", 511, 1000, 1000, nspid="511\t1"))
    proc(root, 512, "sleep", ppid=511, uid=1000, cmdline=["sleep", "1d"], ns=rlc, cgroup=v1,
         status=status_text("sleep", 512, 1000, 1000, nspid="512\t2"))
    proc(root, 513, "slirp4netns", uid=1000, cgroup=v1, ns=dict(HOST, user=rl_user, mnt=rl_mnt),
         cmdline=["/usr/bin/slirp4netns", "--disable-host-loopback", "--mtu=65520", "--enable-sandbox", "-c", "-e",
                  "3", "-r", "4", "--netns-type=path", "/run/user/1000/netns/netns-1a2b", "tap0"])
    # A podman pod of two (root, cgroup v2): the infra container (catatonit -P) holds net, uts, ipc.
    pod = hid("b0")
    slice_ = "0::/machine.slice/machine-libpod_pod_" + pod + ".slice/"
    pns = dict(HOST, net=4026533301, uts=4026533302, ipc=4026533303)
    proc(root, 600, "conmon", cgroup=slice_ + "libpod-conmon-" + hid("b1") + ".scope\n",
         cmdline=["/usr/bin/conmon", "-c", hid("b1"), "-n", pod[:12] + "-infra", "-r", "/usr/bin/runc"])
    proc(root, 601, "catatonit", ppid=600, cmdline=["/catatonit", "-P"], cgroup=slice_ + "libpod-" + hid("b1") + ".scope\n",
         ns=dict(pns, mnt=4026533311, pid=4026533312), status=status_text("catatonit", 601, nspid="601\t1"))
    for n, (c, name) in enumerate([("b2", "web1"), ("b3", "db1")]):
        cp = 610 + 10 * n
        proc(root, cp, "conmon", cgroup=slice_ + "libpod-conmon-" + hid(c) + ".scope\n",
             cmdline=["/usr/bin/conmon", "-c", hid(c), "-n", name, "-r", "/usr/bin/runc"])
        proc(root, cp + 1, name, ppid=cp, cmdline=["/usr/bin/" + name], cgroup=slice_ + "libpod-" + hid(c) + ".scope\n",
             ns=dict(pns, mnt=4026533321 + 10 * n, pid=4026533322 + 10 * n),
             status=status_text(name, cp + 1, nspid=f"{cp + 1}\t1"))
    # docker run --network=host, capabilities dropped: bounding set full, effective/permitted empty.
    caps = ("CapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n"
            "CapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t2\n"
            "Seccomp_filters:\t1\n")
    proc(root, 700, "containerd-shim", cgroup="0::/system.slice/containerd.service\n",
         cmdline=["/usr/bin/containerd-shim-runc-v2", "-namespace", "moby", "-id", hid("c1"), "-address",
                  "/run/containerd/containerd.sock"])
    proc(root, 701, "nginx", ppid=700, uid=33, cmdline=["nginx", "-g", "daemon off;"],
         cgroup="0::/system.slice/docker-" + hid("c1") + ".scope\n",
         ns=dict(HOST, mnt=4026533401, pid=4026533402, uts=4026533403, ipc=4026533404),
         status=status_text("nginx", 701, 33, 33, nspid="701\t1") + caps)
    # LXC: the monitor names the container; a PrivateTmp service inside it is still the container.
    lx = dict(HOST, user=4026533501, mnt=4026533502, pid=4026533503, net=4026533504, uts=4026533505,
              ipc=4026533506, cgroup=4026533507)
    proc(root, 800, "lxc-start", cmdline=["[lxc monitor] /var/lib/lxc web2"], cgroup="0::/lxc.monitor.web2\n")
    proc(root, 801, "systemd", ppid=800, uid=100000, cmdline=["/sbin/init"], ns=lx,
         cgroup="0::/lxc.payload.web2/init.scope\n", status=status_text("systemd", 801, 100000, 100000, nspid="801\t1"))
    proc(root, 802, "named", ppid=801, uid=100100, cmdline=["/usr/sbin/named"], ns=dict(lx, mnt=4026533508),
         cgroup="0::/lxc.payload.web2/system.slice/named.service\n",
         status=status_text("named", 802, 100100, 100100, nspid="802\t40"))
    # systemd-nspawn --register=no: no machine scope; named by -D's last component; host network.
    nsp = dict(HOST, mnt=4026533601, pid=4026533602, uts=4026533603, ipc=4026533604)
    proc(root, 900, "systemd-nspawn", cmdline=["systemd-nspawn", "--register=no", "-D", "/var/lib/machines/deb", "-b"],
         cgroup="0::/user.slice/user-0.slice/session-1.scope\n")
    proc(root, 901, "systemd", ppid=900, cmdline=["/sbin/init"], ns=nsp,
         cgroup="0::/user.slice/user-0.slice/session-1.scope/payload\n",
         status=status_text("systemd", 901, nspid="901\t1"))
    proc(root, 902, "journald", ppid=901, cmdline=["/lib/systemd/systemd-journald"], ns=nsp,
         cgroup="0::/user.slice/user-0.slice/session-1.scope/payload\n",
         status=status_text("journald", 902, nspid="902\t17"))
    # bwrap --unshare-all --share-net: own user, mnt, pid; the host network.
    bw = dict(HOST, user=4026533701, mnt=4026533702, pid=4026533703, uts=4026533704, ipc=4026533705,
              cgroup=4026533706)
    proc(root, 1000, "bwrap", uid=1000, cmdline=["bwrap", "--unshare-all", "--share-net", "--ro-bind", "/", "/", "bash"],
         cgroup="0::/user.slice/user-1000.slice/session-2.scope\n")
    proc(root, 1001, "bwrap", ppid=1000, uid=1000, cmdline=["bwrap", "--unshare-all", "--share-net"], ns=bw,
         cgroup="0::/user.slice/user-1000.slice/session-2.scope\n", status=status_text("bwrap", 1001, 1000, 1000, nspid="1001\t1"))
    proc(root, 1002, "bash", ppid=1001, uid=1000, cmdline=["bash"], ns=bw,
         cgroup="0::/user.slice/user-1000.slice/session-2.scope\n", status=status_text("bash", 1002, 1000, 1000, nspid="1002\t2"))
    # flatpak: bwrap again, named by /.flatpak-info in the sandbox's root.
    fp = dict(HOST, user=4026533801, mnt=4026533802, pid=4026533803, net=4026533804)
    fpcg = "0::/user.slice/user-1000.slice/user@1000.service/app.slice/app-flatpak-org.gnome.Calculator-77.scope\n"
    proc(root, 1100, "bwrap", uid=1000, cmdline=["bwrap", "--args", "40", "--", "gnome-calculator"], cgroup=fpcg)
    proc(root, 1101, "bwrap", ppid=1100, uid=1000, cmdline=["bwrap", "--args", "40"], ns=fp, cgroup=fpcg,
         status=status_text("bwrap", 1101, 1000, 1000, nspid="1101\t1"))
    proc(root, 1102, "gnome-calculato", ppid=1101, uid=1000, cmdline=["gnome-calculator"], ns=fp, cgroup=fpcg,
         status=status_text("gnome-calculato", 1102, 1000, 1000, nspid="1102\t2"))
    write(os.path.join(root, "1101", "root", ".flatpak-info"),
          "[Application]\nname=org.gnome.Calculator\nruntime=runtime/org.gnome.Platform/x86_64/45\n\n"
          "[Instance]\ninstance-id=1234567890\n")
    # ip netns exec blue sleep: a fresh mount namespace and the net namespace bound at /run/netns/blue.
    proc(root, 1200, "sleep", cmdline=["sleep", "1d"], ns=dict(HOST, mnt=4026533901, net=4026532600))
    # A Kubernetes pod: pause plus one container, both in the pod's network namespace.
    uid = "1a2b3c4d-0000-1111-2222-333344445555"
    kp = "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + uid.replace("-", "_") + ".slice/"
    kns = dict(HOST, net=4026534001, uts=4026534002, ipc=4026534003)
    proc(root, 1399, "containerd-shim", cgroup="0::/system.slice/containerd.service\n",
         cmdline=["/usr/bin/containerd-shim-runc-v2", "-namespace", "k8s.io", "-id", hid("d1"), "-address",
                  "/run/containerd/containerd.sock"])
    proc(root, 1400, "pause", ppid=1399, cmdline=["/pause"], cgroup=kp + "cri-containerd-" + hid("d1") + ".scope\n",
         ns=dict(kns, mnt=4026534011, pid=4026534012), status=status_text("pause", 1400, nspid="1400\t1"))
    proc(root, 1401, "app", ppid=1399, cmdline=["/app"], cgroup=kp + "cri-containerd-" + hid("d2") + ".scope\n",
         ns=dict(kns, mnt=4026534021, pid=4026534022), status=status_text("app", 1401, nspid="1401\t1"))
    # A zombie: its ns links answer ENOENT (an empty ns directory here).
    d = proc(root, 1500, "defunct", ppid=250, cmdline=[], stat=stat_line(1500, "defunct", "Z", 250, 0, 900), with_ns=False)
    write(os.path.join(d, "ns", "README"), "a zombie's ns links are gone\n")


def empty():
    """A directory with no processes at all."""
    root = os.path.join(HERE, "proc-empty")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    write(os.path.join(root, "README"), "not a proc tree: no numeric entries\n")


if __name__ == "__main__":
    basic()
    kthreadd_ref()
    no_reference()
    engines()
    empty()
