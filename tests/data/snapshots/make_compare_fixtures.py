#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes compare-before.json and compare-after.json (nsviz.snapshot/1) from host-small.json: two
moments of one host, 95 s apart, for the compare view's tests and the README's picture. Run from
this directory; the JSON is committed.

Between them: a docker container started (nginx and its shim: new mnt, pid, net, uts, ipc and
cgroup namespaces), a backup job on the host ended, and the agent (pid 4242) moved into the new
container's network namespace (setns, as `nsenter --net` does).
"""
import copy
import json

TYPES = ["mnt", "pid", "net", "uts", "ipc", "user", "cgroup", "time"]

with open("host-small.json") as f:
    base = json.load(f)

CONTAINER = {2101, 2120, 2160, 2161, 2162, 2163}


def rebuild_namespaces(doc):
    """Namespace member lists from the processes; a namespace nothing holds any more is dropped."""
    members = {}
    for p in doc["processes"]:
        for t in TYPES:
            members.setdefault((t, p["ns"][t]), []).append(p["pid"])
    out = []
    for n in doc["namespaces"]:
        pids = sorted(members.get((n["type"], n["inode"]), []))
        held = set(n["found_by"]) - {"process"}
        if not pids and not held:
            continue
        n["pids"] = pids
        n["nprocs"] = len(pids)
        n["found_by"] = sorted(held | ({"process"} if pids else set()))
        out.append(n)
    doc["namespaces"] = out


after = copy.deepcopy(base)
agent = next(p for p in after["processes"] if p["pid"] == 4242)
nginx = next(p for p in after["processes"] if p["pid"] == 2120)
agent["ns"]["net"] = nginx["ns"]["net"]
agent["differs_from_host"] = sorted(set(agent["differs_from_host"]) | {"net"}, key=TYPES.index)
rebuild_namespaces(after)

before = copy.deepcopy(base)
before["host"]["scanned_at_ms"] = base["host"]["scanned_at_ms"] - 95000
before["processes"] = [p for p in before["processes"] if p["pid"] not in CONTAINER]
backup = copy.deepcopy(next(p for p in before["processes"] if p["pid"] == 530))  # cron's child
backup.update(pid=1400, ppid=530, start_time=1880, comm="backup.sh",
              cmdline=["/bin/sh", "/usr/local/bin/backup.sh", "--nightly"])
before["processes"].append(backup)
before["processes"].sort(key=lambda p: p["pid"])
rebuild_namespaces(before)

for name, doc in (("compare-before.json", before), ("compare-after.json", after)):
    with open(name, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")
