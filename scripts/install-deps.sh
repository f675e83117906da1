#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs the Debian packages of the named roles that are not installed yet.
#
#   scripts/install-deps.sh ROLE...      roles: the files in scripts/deps/ (build run test fuzz bench roots)
#   scripts/install-deps.sh --list ROLE... print the packages of the roles, one per line
#
# Idempotent: one dpkg-query when nothing is missing; apt-get update and install (without
# Recommends, as on a minimal machine) only when something is. Uses sudo when not root.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() {
    echo "usage: $0 [--list] ROLE...   (roles: $(cd "$here/deps" && ls *.txt | sed 's/\.txt$//' | grep -v '^debian13-root$' | tr '\n' ' '))" >&2
    exit 2
}
list=0
[[ ${1:-} == --list ]] && { list=1; shift; }
[[ $# -gt 0 ]] || usage
files=()
for role in "$@"; do
    f=$here/deps/$role.txt
    [[ $role != */* && -f $f ]] || { echo "install-deps: no role '$role'" >&2; usage; }
    files+=("$f")
done
mapfile -t wanted < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "${files[@]}" | sort -u)
if [[ $list -eq 1 ]]; then
    printf '%s\n' "${wanted[@]}"
    exit 0
fi

# One dpkg-query for all: "ii " marks an installed package; unknown names print nothing.
mapfile -t installed < <(dpkg-query -W -f='${db:Status-Abbrev}${Package}\n' "${wanted[@]}" 2>/dev/null |
    sed -n 's/^ii *//p' | sed 's/:.*//')
missing=()
for p in "${wanted[@]}"; do
    [[ " ${installed[*]} " == *" $p "* ]] || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps: $* — all ${#wanted[@]} packages present"
    exit 0
fi
echo "install-deps: $* — installing ${#missing[@]} of ${#wanted[@]}: ${missing[*]}"
sudo=()
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "install-deps: not root and no sudo; install as root: apt-get install ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
fi
# env, not an exported variable: sudo resets the environment, and debconf must not prompt.
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
