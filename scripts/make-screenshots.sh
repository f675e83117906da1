#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Regenerates the README's pictures of the lab fixture (resources/screenshots/) with the same
# `nsviz --screenshot --layout-json` call the screenshot tests check (GuiScreenshotLayout: no text
# overlaps, every circle and flagged group named, no leader lines crossing), and checks each layout
# with python before copying. Usage: scripts/make-screenshots.sh [BUILD_DIR]   (default build/dev, built first)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/dev}
nsviz=$build/app/nsviz
[[ -x $nsviz ]] || { echo "make-screenshots: no $nsviz (build the nsviz target first)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fixture=tests/data/snapshots/host-small.json
shot() { # name theme group-by [nsviz arguments instead of --snapshot FIXTURE --size 1600x1000]
    local name=$1 theme=$2 group=$3
    shift 3
    (($#)) || set -- --snapshot "$fixture" --size 1600x1000
    QT_QPA_PLATFORM=offscreen "$nsviz" --screenshot "$tmp/$name.png" --layout-json "$tmp/$name.json" \
        --theme "$theme" --group-by "$group" "$@" >/dev/null
    python3 - "$tmp/$name.json" <<'PY'
import json, sys
items = json.load(open(sys.argv[1]))["items"]
for i, a in enumerate(items):
    for b in items[i + 1:]:
        (ax, ay, aw, ah), (bx, by, bw, bh) = a["rect"], b["rect"]
        if min(ax + aw, bx + bw) - max(ax, bx) > 0.5 and min(ay + ah, by + bh) - max(ay, by) > 0.5:
            sys.exit(f"make-screenshots: {a['text']!r} overlaps {b['text']!r}")
def crosses(p, q):  # proper intersection of segments [x1,y1,x2,y2]
    def side(a, b, c):
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
    a, b, c, d = p[:2], p[2:], q[:2], q[2:]
    return side(a, b, c) * side(a, b, d) < 0 and side(c, d, a) * side(c, d, b) < 0
lined = [i for i in items if "line" in i]
for i, a in enumerate(lined):
    for b in lined[i + 1:]:
        if crosses(a["line"], b["line"]):
            sys.exit(f"make-screenshots: the leaders of {a['text']!r} and {b['text']!r} cross")
PY
    cp "$tmp/$name.png" "resources/screenshots/$name.png"
    echo "make-screenshots: resources/screenshots/$name.png"
}
shot cluster-light light net
shot cluster-dark dark pid
# The compare view (README "Remote hosts, recordings, before and after"): two moments of the lab
# host, a container started between them (tests/data/snapshots/make_compare_fixtures.py), at a
# projector's 1280x720.
shot compare-light light net --compare tests/data/snapshots/compare-before.json \
    tests/data/snapshots/compare-after.json --size 1280x720
