#!/usr/bin/env bash
# Builds the GPU bundle on the development machine (which has MLIR, the GPU
# machine has not): the harness, the CUDA runtime, one compiled kernel
# library per CUDA test case (test/Integration/CUDA/*.mlir), and every golden
# model plus the example compiled with retnet-compile --target cuda, with
# retnet-run, libretnet and the expected outputs.
#
#   benchmarks/gpu/prepare.sh [--quick] [--out DIR]     (default DIR: gpu-bundle/)
#
# --quick keeps the first 2 cases of each file and one whole model. Then, on the GPU machine:
#   benchmarks/gpu/check.sh            (reads gpu-bundle/, or $RETNET_GPU_BUNDLE)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${RETNET_BUILD_DIR:-$root/build}"
out="$root/gpu-bundle"
per_file=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) per_file=2 ;;
    --out) out="$2"; shift ;;
    *) echo "prepare.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done

[ -x "$build/bin/retnet-harness" ] || "$root/utils/build.sh"
rm -rf "$out"
mkdir -p "$out/bin" "$out/lib" "$out/cases"
cp "$build/bin/retnet-harness" "$build/bin/retnet-cuda-info" "$out/bin/"
cp "$build/lib/libretnet_cuda_runtime.so" "$out/lib/"

# One line per case: "NAME --target cuda --dtype D ARGS", from the lit files.
list="$out/cases.txt"
: > "$list"
for f in "$root"/test/Integration/CUDA/forms-*.mlir; do
  dtype=$(sed -n 's/.*--dtype \([a-z0-9]*\).*/\1/p' "$f" | head -n 1)
  base=$(basename "$f" .mlir)
  n=0
  while IFS= read -r args; do
    n=$((n + 1))
    [ "$per_file" -gt 0 ] && [ "$n" -gt "$per_file" ] && break
    echo "$base-$n --target cuda --dtype $dtype $args" >> "$list"
  done < <(sed -n 's|^// REDEFINE: %{case} = ||p' "$f")
done
total=$(wc -l < "$list")
echo "prepare.sh: compiling $total cases into $out/cases"

compile_one() {
  local out="$1" harness="$2" name="$3"; shift 3
  mkdir -p "$out/cases/$name"
  echo "$*" > "$out/cases/$name/args"
  "$harness" "$@" --compile-only --work-dir "$out/cases/$name" \
    || { echo "prepare.sh: case $name failed to compile" >&2; return 1; }
  rm -f "$out/cases/$name"/kernel.{mlir,llvm.mlir,ll,o}
}
export -f compile_one
xargs -P "$(nproc)" -L 1 bash -c 'compile_one "$0" "$@"' "$out" "$build/bin/retnet-harness" < "$list"

# Whole models (retnet-compile --target cuda): each golden model and the
# example, with its golden logits, the prompt, and the greedy tokens the CPU
# artifact generates (the GPU must generate the same).
[ -x "$build/bin/retnet-run" ] || "$root/utils/build.sh"
cp "$build/bin/retnet-run" "$build/bin/retnet-golden" "$out/bin/"
cp "$build/lib/libretnet.so" "$out/lib/"
mkdir -p "$out/models"
models=("$root"/test/golden/models/*/ "$root/examples/retnet-tiny/")
[ "$per_file" -gt 0 ] && models=("$root/test/golden/models/swish-h2-dv48/")
for dir in "${models[@]}"; do
  dir="${dir%/}"
  name=$(basename "$dir")
  m="$out/models/$name"
  mkdir -p "$m"
  cp "$dir/config.json" "$dir/model.safetensors" "$dir/golden.safetensors" "$m/"
  "$build/bin/retnet-compile" -q "$dir" --target cuda -o "$m/cuda.so"
  "$build/bin/retnet-compile" -q "$dir" -o "$m/cpu.so"
  "$build/bin/retnet-golden" tokens "$dir/golden.safetensors" > "$m/tokens"
  "$build/bin/retnet-run" --model "$dir" --artifact "$m/cpu.so" \
    --tokens "$(cat "$m/tokens")" --max-new-tokens 16 -q > "$m/greedy"
  rm -f "$m/cpu.so"
done
echo "prepare.sh: $(ls "$out/models" | wc -l) whole models compiled for CUDA"
cp "$root/benchmarks/gpu/check.sh" "$out/"
echo "prepare.sh: bundle ready ($(du -sh "$out" | cut -f1)); run benchmarks/gpu/check.sh on the GPU machine"
