#!/usr/bin/env bash
# Sets everything up and runs the main job on the bundled example.
#
# Until the model import lands (see README "Roadmap"), the main job is the
# compiler front: parse and verify the bundled example, a two-layer stack of
# retention ops in all three forms, and print it back.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${RETNET_BUILD_DIR:-$root/build}"
example="$root/test/Examples/retention-forms.mlir"

"$root/utils/build.sh"
echo
echo "== retnet-opt $example (parsed, verified, printed back)"
"$build/bin/retnet-opt" "$example"
echo
echo "== next: the CPU pipeline (retention-select-form, tiling, LLVM) and the"
echo "   model import land with the next issues; see README.md, Roadmap."
