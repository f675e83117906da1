#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Checks that every tracked C/C++ source is formatted as the checked-in .clang-format says, with
# clang-format 14 (Debian 12's; role "test"). Changes nothing. Exits non-zero and names the files
# that would change. To fix: clang-format-14 -i FILE...
set -uo pipefail
cd "$(dirname "$0")/.."
cf=$(command -v clang-format-14 || true)
if [[ -z $cf ]]; then
    echo "check-format: clang-format-14 not found (scripts/install-deps.sh test)" >&2
    exit 2
fi
mapfile -t files < <(git ls-files -- '*.cpp' '*.h' '*.c')
# One clang-format per file, in parallel; each prints the name of a file it would change.
mapfile -t bad < <(printf '%s\0' "${files[@]}" |
    xargs -0 -n1 -P"$(nproc)" sh -c '"$0" --style=file --dry-run --Werror "$1" >/dev/null 2>&1 || echo "$1"' "$cf" |
    sort)
if [[ ${#bad[@]} -gt 0 ]]; then
    printf 'check-format: not formatted: %s\n' "${bad[@]}"
    echo "check-format: ${#bad[@]} of ${#files[@]} files need clang-format-14 -i"
    exit 1
fi
echo "check-format: all ${#files[@]} files formatted"
