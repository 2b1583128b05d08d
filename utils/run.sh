#!/usr/bin/env bash
# Sets everything up and runs the main job on the bundled example.
#
# Until the model import lands (README "Roadmap"), the main job is the
# compiler on its own: parse and verify the bundled example, compile it with
# the CPU pipeline, then run the three forms on random inputs and check them
# against the float64 reference.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${RETNET_BUILD_DIR:-$root/build}"
example="$root/test/Examples/retention-forms.mlir"
llvm=/usr/lib/llvm-22

"$root/utils/build.sh"
echo
echo "== retnet-opt $example (parsed, verified, printed back)"
"$build/bin/retnet-opt" "$example"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo
echo "== retnet-opt --retention-cpu-pipeline (LLVM dialect, first lines)"
"$build/bin/retnet-opt" "$example" --retention-cpu-pipeline -o "$tmp/example.llvm.mlir"
head -n 5 "$tmp/example.llvm.mlir" | cut -c1-160

case_args=(--batch 2 --heads 3 --tokens 100 --dk 64 --dv 128 --chunk 64 --state --seed 7)
echo
echo "== compile and run the three forms on random inputs (${case_args[*]})"
"$build/bin/retnet-check" gen "${case_args[@]}" > "$tmp/prog.mlir"
"$build/bin/retnet-opt" "$tmp/prog.mlir" --retention-cpu-pipeline \
  | "$llvm/bin/mlir-runner" -e main -entry-point-result=void \
      -shared-libs="$llvm/lib/libmlir_runner_utils.so,$llvm/lib/libmlir_c_runner_utils.so" \
  > "$tmp/out.txt"
"$build/bin/retnet-check" verify "${case_args[@]}" < "$tmp/out.txt"

echo
if "$build/bin/retnet-cuda-info" > /dev/null 2>&1; then
  echo "== the same case compiled for the GPU (--retention-nvvm-pipeline) and run there"
  "$build/bin/retnet-harness" --target cuda "${case_args[@]}" --work-dir "$tmp"
else
  echo "== no GPU here, so the CUDA target was not run:"
  "$build/bin/retnet-cuda-info" || true
fi
echo
echo "next: whole models (retnet-compile, retnet-run) and fast GPU kernels;"
echo "      see README.md, Roadmap. CPU benchmark: python3 benchmarks/cpu/run.py"
