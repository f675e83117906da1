#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes the GUI test fixtures (nsviz.snapshot/1). Run from this directory; the JSON is committed.

host-small.json: a Debian host with PID 1 readable, a docker container, a Kubernetes pod with
hostNetwork (flagged), a process that shares ONLY the net namespace with PID 1 (flagged), a rootless
podman container, an LXC container, a sandboxed browser and a netns held only by a bind mount.
"""
import json

TYPES = ["mnt", "pid", "net", "uts", "ipc", "user", "cgroup", "time"]
DEV = 4
HOST = dict(zip(TYPES, [4026531841, 4026531836, 4026531840, 4026531838, 4026531839, 4026531837,
                        4026531835, 4026531834]))
next_ino = [4026532200]


def fresh():
    next_ino[0] += 1
    return next_ino[0]


def ns_set(**over):
    d = dict(HOST)
    for k, v in over.items():
        d[k] = v
    return d


procs = []
start = [1000]


def proc(pid, comm, cmdline, ns, ppid=1, uid=0, cgroup="/init.scope", kthread=False, nspid=None):
    start[0] += 37
    procs.append({"pid": pid, "ppid": ppid, "uid": uid, "euid": uid, "gid": uid, "comm": comm,
                  "cmdline": cmdline, "start_time": start[0], "state": "S",
                  "nspid": nspid or [pid], "cgroup": cgroup, "ns": ns, "ns_dev": DEV,
                  "visible": True, "kernel_thread": kthread,
                  "differs_from_host": [t for t in TYPES if ns[t] != HOST[t]]})


proc(1, "systemd", ["/sbin/init", "splash"], ns_set(), ppid=0)
proc(2, "kthreadd", [], ns_set(), ppid=0, cgroup="/", kthread=True)
for i, name in enumerate(["rcu_gp", "rcu_par_gp", "kworker/0:0H-events_highpri", "mm_percpu_wq",
                          "ksoftirqd/0", "rcu_preempt", "migration/0", "kworker/1:1-events",
                          "kcompactd0", "khugepaged", "kswapd0", "jbd2/sda1-8"]):
    proc(3 + i, name, [], ns_set(), ppid=2, cgroup="/", kthread=True)
host_services = [
    (310, "systemd-journal", ["/lib/systemd/systemd-journald"], "/system.slice/systemd-journald.service", 0),
    (335, "systemd-udevd", ["/lib/systemd/systemd-udevd"], "/system.slice/systemd-udevd.service", 0),
    (512, "dbus-daemon", ["/usr/bin/dbus-daemon", "--system", "--address=systemd:"], "/system.slice/dbus.service", 101),
    (530, "cron", ["/usr/sbin/cron", "-f"], "/system.slice/cron.service", 0),
    (601, "containerd", ["/usr/bin/containerd"], "/system.slice/containerd.service", 0),
    (644, "dockerd", ["/usr/bin/dockerd", "-H", "fd://"], "/system.slice/docker.service", 0),
    (702, "sshd", ["sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"], "/system.slice/ssh.service", 0),
    (705, "kubelet", ["/usr/bin/kubelet", "--config=/var/lib/kubelet/config.yaml"], "/system.slice/kubelet.service", 0),
    (1201, "sshd", ["sshd: alice [priv]"], "/user.slice/user-1000.slice/session-3.scope", 0),
    (1210, "bash", ["-bash"], "/user.slice/user-1000.slice/session-3.scope", 1000),
    (1290, "vim", ["vim", "/home/alice/notes/secret-plan.txt"], "/user.slice/user-1000.slice/session-3.scope", 1000),
]
for pid, comm, cmd, cg, uid in host_services:
    proc(pid, comm, cmd, ns_set(), uid=uid, cgroup=cg)

# docker container "web": nginx, everything fresh except user and time.
dk = "3f2a9c1b7e4d5a6b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d"
web = ns_set(mnt=fresh(), pid=fresh(), net=fresh(), uts=fresh(), ipc=fresh(), cgroup=fresh())
proc(2101, "containerd-shim", ["/usr/bin/containerd-shim-runc-v2", "-namespace", "moby", "-id", dk],
     ns_set(), cgroup="/system.slice/containerd.service")
proc(2120, "nginx", ["nginx: master process nginx -g daemon off;"], web, ppid=2101,
     cgroup=f"/system.slice/docker-{dk}.scope", nspid=[2120, 1])
for i in range(4):
    proc(2160 + i, "nginx", ["nginx: worker process"], web, ppid=2120, uid=101,
         cgroup=f"/system.slice/docker-{dk}.scope", nspid=[2160 + i, 30 + i])

# Kubernetes pod with hostNetwork: true — shares host net (and uts), own mnt/pid/ipc/cgroup.
pod = "1a2b3c4d_5e6f_7081_92a3_b4c5d6e7f809"
ctr = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d"
kpod = ns_set(mnt=fresh(), pid=fresh(), ipc=fresh(), cgroup=fresh())
kcg = f"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{pod}.slice/cri-containerd-{ctr}.scope"
proc(3301, "node_exporter", ["/bin/node_exporter", "--path.rootfs=/host"], kpod, ppid=3290, uid=65534,
     cgroup=kcg, nspid=[3301, 1])
proc(3340, "node_exporter", ["/bin/node_exporter", "--collector.textfile"], kpod, ppid=3301, uid=65534,
     cgroup=kcg, nspid=[3340, 7])

# A process that shares ONLY the net namespace with PID 1 (unshare -mpuiUCT --fork).
agent = ns_set(mnt=fresh(), pid=fresh(), uts=fresh(), ipc=fresh(), user=fresh(), cgroup=fresh(), time=fresh())
proc(4242, "agent", ["/opt/agent/bin/agent", "--token=hunter2", "--owner=alice"], agent, ppid=1210,
     uid=1000, cgroup="/user.slice/user-1000.slice/session-3.scope", nspid=[4242, 1])

# Rootless podman container: fresh user namespace too.
pm = "c0ffee00112233445566778899aabbccddeeff00112233445566778899aabbcc"
pns = ns_set(mnt=fresh(), pid=fresh(), net=fresh(), uts=fresh(), ipc=fresh(), user=fresh(), cgroup=fresh())
pcg = f"/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-{pm}.scope"
proc(5001, "postgres", ["postgres", "-D", "/var/lib/postgresql/data"], pns, ppid=4990, uid=100998,
     cgroup=pcg, nspid=[5001, 1])
for i, role in enumerate(["checkpointer", "background writer", "walwriter", "autovacuum launcher"]):
    proc(5010 + i, "postgres", [f"postgres: {role}"], pns, ppid=5001, uid=100998, cgroup=pcg,
         nspid=[5010 + i, 20 + i])

# LXC system container "web1" with its own init.
lxc = ns_set(mnt=fresh(), pid=fresh(), net=fresh(), uts=fresh(), ipc=fresh(), user=fresh(), cgroup=fresh())
lcg = "/lxc.payload.web1"
for i, (comm, cmd) in enumerate([("systemd", ["/sbin/init"]), ("systemd-journal", ["/lib/systemd/systemd-journald"]),
                                 ("cron", ["/usr/sbin/cron", "-f"]), ("sshd", ["sshd: /usr/sbin/sshd -D"]),
                                 ("apache2", ["/usr/sbin/apache2", "-k", "start"]),
                                 ("apache2", ["/usr/sbin/apache2", "-k", "start"]),
                                 ("apache2", ["/usr/sbin/apache2", "-k", "start"])]):
    proc(6025 + i * 3, comm, cmd, lxc, ppid=6000 if i == 0 else 6025, uid=100000,
         cgroup=lcg + ("/init.scope" if i == 0 else "/system.slice"), nspid=[6025 + i * 3, 1 + i * 40])

# Sandboxed browser renderer: own user, pid and net namespaces (no mnt change).
fx = ns_set(pid=fresh(), net=fresh(), user=fresh())
for i in range(3):
    proc(7100 + i, "chrome", ["/opt/google/chrome/chrome", "--type=renderer", f"--renderer-client-id={i + 5}"], fx,
         ppid=7050, uid=1000, cgroup="/user.slice/user-1000.slice/user@1000.service/app.slice/chrome.scope",
         nspid=[7100 + i, 2 + i])

procs.sort(key=lambda p: p["pid"])

# Namespaces from the processes, plus a net namespace held only by a bind mount (ip netns add blue).
nss = {}
for p in procs:
    for t in TYPES:
        key = (t, p["ns"][t])
        nss.setdefault(key, []).append(p["pid"])
namespaces = []
user_owner = {}
for (t, ino), pids in sorted(nss.items()):
    namespaces.append({"type": t, "inode": ino, "dev": DEV, "nprocs": len(pids), "pids": sorted(pids),
                       "found_by": ["process"], "owner": None if t == "user" else HOST["user"],
                       "owner_known": True, "parent": None, "parent_known": True,
                       "is_host": HOST[t] == ino, "bind_mounts": [], "fd_holders": [],
                       "owner_uid": (0 if ino == HOST["user"] else 1000) if t == "user" else None})
blue = fresh()
namespaces.append({"type": "net", "inode": blue, "dev": DEV, "nprocs": 0, "pids": [], "found_by": ["bindmount"],
                   "owner": HOST["user"], "owner_known": True, "parent": None, "parent_known": True,
                   "is_host": False, "bind_mounts": [f"{HOST['mnt']}:/run/netns/blue"], "fd_holders": [],
                   "owner_uid": None})
namespaces.sort(key=lambda n: (TYPES.index(n["type"]), n["inode"]))

doc = {"schema": "nsviz.snapshot/1",
       "host": {"hostname": "lab-host-17", "kernel": "6.1.0-27-amd64", "boot_id": "0f7e3c4b-1d2a-4c5b-9e8f-7a6b5c4d3e2f",
                "proc_root": "/proc", "scan_ms": 41.5, "privileged": True, "reference_pid": 1,
                "reference_comm": "systemd", "reference_note": "", "invisible_processes": 0,
                "scanned_at_ms": 1795000000000},
       "host_ns": HOST, "host_ns_dev": DEV, "namespaces": namespaces, "processes": procs,
       "loose_threads": [], "warnings": []}
with open("host-small.json", "w") as f:
    json.dump(doc, f, indent=1)
    f.write("\n")

# Broken inputs for the "error leaves the view unchanged" tests.
text = json.dumps(doc)
with open("truncated.json", "w") as f:
    f.write(text[: len(text) // 2])
with open("foreign.json", "w") as f:
    json.dump({"schema": "lxkns/1", "namespaces": {}}, f)
    f.write("\n")
bad = json.loads(text)
bad["processes"][3]["pid"] = "three"
with open("malformed.json", "w") as f:
    json.dump(bad, f)
    f.write("\n")
print(len(procs), "processes,", len(namespaces), "namespaces")
