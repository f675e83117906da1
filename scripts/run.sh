#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs what is missing, builds nsviz and starts the GUI. Without a display it renders the
# cluster view offscreen to nsviz-screenshot.png and prints the summary instead.
# Installs only the roles build and run (scripts/deps/). Env: NSVIZ_JOBS (build jobs, default nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build run
launcher=()
if command -v ccache >/dev/null; then
    # Path-independent cache keys, so a fresh clone in another folder reuses earlier builds.
    export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
cmake --preset release "${launcher[@]}" >/dev/null
# What it runs: the GUI and the helper (the benchmarks and the KAuth parts build with the preset's
# other targets, or with cmake --install).
cmake --build --preset release -j"${NSVIZ_JOBS:-$(nproc)}" --target nsviz nsviz-helper
export PATH="$PWD/build/release/helper:$PATH"
# The GUI finds the helper through NSVIZ_HELPER (then next to itself, then /usr/bin).
export NSVIZ_HELPER="$PWD/build/release/helper/nsviz-helper"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    exec build/release/app/nsviz "$@"
fi
echo "run: no display; rendering offscreen to $PWD/nsviz-screenshot.png"
QT_QPA_PLATFORM=offscreen build/release/app/nsviz --screenshot nsviz-screenshot.png "$@"
