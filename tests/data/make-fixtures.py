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
    empty()
