#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Regenerates tests/data/snapshots/engines-all.json: a redacted snapshot of every real-engine case
# of tests/engines/ running at once (podman root/host net/host pid/pod/rootless, LXC, nspawn with
# and without a private network, bwrap with and without --share-net, firejail, a mount-only
# unshare, unshare -n -m -p -f, ip netns), for fast unit tests (tests/core/sandbox/
# engines_fixture_test.cpp) and pictures.
#
#   tests/engines/make-fixtures.sh [BUILD_DIR]    (default build/dev; root; needs nsviz-helper and
#                                                  nsviz built there, and the engines installed)
#
# Steps: start the cases (engines.sh up, under the same lock the test holds), scan with
# `nsviz-helper scan --json`, stop the cases (also on failure), keep only the cases' processes
# and sandboxes (filter-snapshot.py), then redact with the app's own redaction
# (`nsviz --screenshot --redact --save-snapshot`: hostname, boot id, user names, command
# arguments cut to the program name). The picture of the result is left in BUILD_DIR.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$src/build/dev}" && pwd)
helper=$build/helper/nsviz-helper
app=$build/app/nsviz
out=$src/tests/data/snapshots/engines-all.json
[[ $(id -u) -eq 0 ]] || { echo "make-fixtures: run as root (the engines need it)" >&2; exit 1; }
[[ -x $helper && -x $app ]] || { echo "make-fixtures: build nsviz-helper and nsviz in $build first" >&2; exit 1; }

tmp=$(mktemp -d /tmp/nsviz-engine-fixtures.XXXXXX)
exec 9>/run/nsviz-engines.lock
flock 9
cleanup() {
    "$here/engines.sh" down || true
    rm -rf "$tmp"
}
trap cleanup EXIT

"$here/engines.sh" up "$tmp/manifest"
cat "$tmp/manifest"
if grep -q $'\tstatus=\(skip\|error\)' "$tmp/manifest"; then
    echo "make-fixtures: not every case ran (see above); the fixture would miss them" >&2
    exit 1
fi
"$helper" scan --json >"$tmp/raw.json"
"$here/engines.sh" down
python3 "$here/filter-snapshot.py" "$tmp/raw.json" "$tmp/manifest" >"$tmp/filtered.json"
QT_QPA_PLATFORM=offscreen "$app" --screenshot "$build/engines-all.png" --snapshot "$tmp/filtered.json" \
    --redact --save-snapshot "$tmp/redacted.json" --size 1600x1000 >/dev/null
# One line per key as the other fixtures, stable for review; and nothing of this host left in it.
python3 -c 'import json,sys; json.dump(json.load(open(sys.argv[1])), open(sys.argv[2], "w"), indent=1); open(sys.argv[2], "a").write("\n")' \
    "$tmp/redacted.json" "$out"
host=$(hostname)
if grep -qiF "\"$host" "$out" || grep -qF "$(cat /proc/sys/kernel/random/boot_id)" "$out"; then
    echo "make-fixtures: the hostname or boot id of this machine is still in $out" >&2
    exit 1
fi
echo "make-fixtures: wrote $out ($(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["processes"]), "processes,", len(d.get("sandboxes", [])), "sandboxes")' "$out")); picture: $build/engines-all.png"
