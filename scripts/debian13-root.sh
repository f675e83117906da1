#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Kept for the paths that name it (helper/kauth/CMakeLists.txt, docs/kauth.md): the Debian 13 root
# is scripts/debian-root.sh --suite trixie (package list: scripts/deps/debian13-root.txt).
exec "$(dirname "$0")/debian-root.sh" --suite trixie "$@"
