#!/usr/bin/env bash
# Sets everything up and runs every test: lit (FileCheck) and GoogleTest, all
# through one ctest. Extra arguments go to ctest (e.g. -R lit).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${RETNET_BUILD_DIR:-$root/build}"

"$root/utils/build.sh"
cd "$build"
# GPU-only tests are lit "unsupported" without a GPU; say so where it shows.
if ! "$build/bin/retnet-cuda-info" > /dev/null 2>&1; then
  echo "note: GPU tests (test/Integration/CUDA, 640 cases) were skipped:" \
       "$("$build/bin/retnet-cuda-info" 2>&1 | sed 's/^CUDA: //')"
fi
ctest --output-on-failure -j "$(nproc)" "$@"
