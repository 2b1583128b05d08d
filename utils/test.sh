#!/usr/bin/env bash
# Sets everything up and runs every test: lit (FileCheck) and GoogleTest, all
# through one ctest. Extra arguments go to ctest (e.g. -R lit).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${RETNET_BUILD_DIR:-$root/build}"

"$root/utils/build.sh"
cd "$build"
ctest --output-on-failure -j "$(nproc)" "$@"
