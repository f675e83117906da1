#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Cuts a live nsviz.snapshot/1 down to the engine cases of tests/engines/ (for fixtures).

Usage: filter-snapshot.py SNAPSHOT.json MANIFEST > OUT.json

Keeps the host reference process, every process a case names in MANIFEST (engines.sh's lines:
init, members, helpers), every process of a sandbox that holds one of them, and the sandboxes
those refer to (pod, attached_to), so the rest of the machine (other builds, other tests) stays
out of the fixture. Namespaces keep the kept processes (nprocs, pids, fd holders follow) and stay
when a kept process is in them, they are the host's, or a kept namespace names them as owner or
parent. Redaction (names, arguments) is not done here: make-fixtures.sh runs the app's own
redaction (`nsviz --redact --save-snapshot`) on the result.
"""
import json
import sys


def case_pids(manifest):
    pids = set()
    for line in open(manifest):
        fields = dict(f.split("=", 1) for f in line.rstrip("\n").split("\t") if "=" in f)
        if fields.get("status") != "ok":
            continue
        for key in ("init", "members", "helpers"):
            pids.update(int(p) for p in fields.get(key, "").split(",") if p)
    return pids


def main():
    snap = json.load(open(sys.argv[1]))
    wanted = case_pids(sys.argv[2])
    start = {p["pid"]: p["start_time"] for p in snap["processes"]}
    sandboxes = {s["id"]: s for s in snap.get("sandboxes", [])}

    # Sandboxes holding a case's process, then everything they refer to or that refers to them.
    keep_sb = {sid for sid, s in sandboxes.items() if any(m["pid"] in wanted for m in s["processes"])}
    changed = True
    while changed:
        changed = False
        for sid, s in sandboxes.items():
            refs = {s.get("pod"), s.get("attached_to")} - {None}
            if sid in keep_sb:
                new = {r for r in refs if r in sandboxes} - keep_sb
            elif refs & keep_sb:
                new = {sid}
            else:
                new = set()
            if new:
                keep_sb |= new
                changed = True

    keep = set(wanted) | {snap["host"]["reference_pid"]}
    for sid in keep_sb:
        keep.update(m["pid"] for m in sandboxes[sid]["processes"])
    keep &= set(start)

    snap["processes"] = [p for p in snap["processes"] if p["pid"] in keep]
    snap["loose_threads"] = [t for t in snap.get("loose_threads", []) if t["pid"] in keep]
    snap["host"]["invisible_processes"] = sum(1 for p in snap["processes"] if not p["visible"])
    snap["host"]["privileged"] = snap["host"]["invisible_processes"] == 0  # as docs/schema.md defines it
    if "sandboxes" in snap:
        snap["sandboxes"] = [s for s in snap["sandboxes"] if s["id"] in keep_sb]

    by_ino = {n["inode"]: n for n in snap["namespaces"]}
    keep_ns = set()
    for n in snap["namespaces"]:
        n["pids"] = [p for p in n["pids"] if p in keep]
        n["nprocs"] = len(n["pids"])
        n["fd_holders"] = [h for h in n.get("fd_holders", []) if int(h.split("/")[0]) in keep]
        if n["is_host"] or n["pids"] or n["fd_holders"]:
            keep_ns.add(n["inode"])
    # Owners and parents of kept namespaces, transitively.
    todo = list(keep_ns)
    while todo:
        n = by_ino.get(todo.pop())
        for rel in ("owner", "parent"):
            r = n.get(rel) if n else None
            if r is not None and r in by_ino and r not in keep_ns:
                keep_ns.add(r)
                todo.append(r)
    snap["namespaces"] = [n for n in snap["namespaces"] if n["inode"] in keep_ns]
    # A namespace kept only as an owner/parent has no process left here: say how it was found.
    for n in snap["namespaces"]:
        if not n["pids"] and not n["fd_holders"] and not n.get("bind_mounts") and not n["is_host"]:
            n["found_by"] = ["hidden"]
    json.dump(snap, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
