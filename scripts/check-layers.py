#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Checks the layering of docs/architecture.md: which subsystem may include which.

Usage: scripts/check-layers.py [SOURCE_DIR]
Prints every include that crosses a layer the wrong way and exits 1 if there is one; also checks
that core/ and the stdio helper stay Qt-free. Run by ctest as Architecture.Layers.
"""
import re
import sys
from pathlib import Path

CORE = ["core/model", "core/proc", "core/sandbox", "core/discovery", "core/protocol", "core/inspect", "core/demo"]
APP = ["app/logging", "app/transport", "app/models", "app/cluster", "app/panels", "app/export", "app/window"]

# subsystem -> subsystems it may include (its own folder is always allowed)
ALLOWED = {
    "core/model": [],
    "core/proc": ["core/model"],
    # core/sandbox classifies what discovery found; its step in discovery calls it.
    "core/sandbox": ["core/model", "core/proc"],
    "core/discovery": ["core/model", "core/proc", "core/sandbox"],
    "core/protocol": ["core/model", "core/demo"],
    "core/inspect": ["core/model", "core/proc", "core/discovery", "core/sandbox"],
    "core/demo": ["core/model"],
    "helper/serve": CORE,
    "helper/demo": CORE + ["helper/serve"],
    "helper/cli": CORE + ["helper/serve", "helper/demo"],
    "helper/kauth/contract": CORE,
    "helper/kauth": CORE + ["helper/serve", "helper/demo", "helper/kauth/contract"],
    "app/logging": [],
    "app/transport": CORE + ["helper/kauth/contract", "app/logging"],
    "app/models": CORE + ["app/transport", "app/logging"],
    "app/cluster": CORE + ["app/models", "app/logging"],
    "app/panels": CORE + ["app/models", "app/transport", "app/logging"],
    "app/export": CORE + ["app/models", "app/cluster", "app/panels", "app/logging"],
    "app/window": CORE + APP,
    "app": CORE + APP,
}
# Folders whose code must not include Qt (the privileged stdio helper and the library under it).
QT_FREE = CORE + ["helper/serve", "helper/demo", "helper/cli"]

INCLUDE = re.compile(r'^\s*#\s*include\s+([<"])([^>"]+)[>"]', re.M)


def subsystem(path: str) -> str | None:
    """The longest key of ALLOWED that is a folder prefix of path."""
    best = None
    for key in ALLOWED:
        if path == key or path.startswith(key + "/"):
            if best is None or len(key) > len(best):
                best = key
    return best


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent)
    problems = []
    files = 0
    for top in ("core", "helper", "app"):
        for f in sorted((root / top).rglob("*")):
            if f.suffix not in (".h", ".cpp", ".c") or not f.is_file():
                continue
            files += 1
            rel = f.relative_to(root).as_posix()
            owner = subsystem(str(Path(rel).parent.as_posix()))
            if owner is None:
                problems.append(f"{rel}: not in any subsystem of docs/architecture.md")
                continue
            text = f.read_text(errors="replace")
            for m in INCLUDE.finditer(text):
                kind, target = m.group(1), m.group(2)
                line = text.count("\n", 0, m.start()) + 1
                if kind == "<":
                    if owner in QT_FREE and re.match(r"Q[A-Za-z]|Qt[A-Z]|KAuth|KF6", target):
                        problems.append(f"{rel}:{line}: {owner} must stay Qt-free but includes <{target}>")
                    continue
                if target.endswith(".moc") or "/" not in target:
                    continue  # moc output, or a file next to this one
                dest = subsystem(str(Path(target).parent.as_posix()))
                if dest is None:
                    problems.append(f'{rel}:{line}: includes "{target}", outside every subsystem')
                elif dest != owner and dest not in ALLOWED[owner]:
                    problems.append(f'{rel}:{line}: {owner} may not include {dest} ("{target}")')
    for p in problems:
        print(p)
    print(f"check-layers: {files} files, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
