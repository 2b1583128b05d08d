#!/usr/bin/env bash
# Builds the GPU bundle on the development machine (which has MLIR, the GPU
# machine has not): the harness, the CUDA runtime, one compiled kernel
# library per CUDA test case (test/Integration/CUDA/*.mlir), and every golden
# model plus the example compiled with retnet-compile --target cuda, with
# retnet-run, libretnet and the expected outputs.
#
#   benchmarks/gpu/prepare.sh [--quick] [--no-bench | --bench-only] [--out DIR]
#                                                       (default DIR: gpu-bundle/)
#
# --quick keeps the first 2 cases of each file and one whole model (and
# downloads no transformers wheels). Then, on the GPU machine:
#   benchmarks/gpu/check.sh            (reads gpu-bundle/, or $RETNET_GPU_BUNDLE)
#
# The benchmarks' part, DIR/bench/ (skipped by --no-bench; --bench-only
# rebuilds it alone and keeps the rest of DIR): the benchmark kernels of
# issue 6 (compile_kernels.sh: one library per shape and pipeline variant),
# the xl-sized model's config compiled with retnet-compile --target cuda
# (weights are made on the GPU machine by bench_model.py, from a seed), and
# flash-linear-attention + fla-core as wheels (pip download, cached in
# .cache/gpu-wheels; check.sh installs them into the bundle).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${RETNET_BUILD_DIR:-$root/build}"
out="$root/gpu-bundle"
per_file=0
bench=1 checks=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) per_file=2 ;;
    --no-bench) bench=0 ;;
    --bench-only) checks=0 ;;
    --out) out="$2"; shift ;;
    *) echo "prepare.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done

# The benchmarks' part (issue 6): kernels, the xl model's artifact, wheels.
prepare_bench() {
  local b="$out/bench" t0
  t0=$(date +%s)
  rm -rf "$b"
  mkdir -p "$b/model" "$b/wheels"
  "$root/benchmarks/gpu/compile_kernels.sh" --target cuda --out "$b/kernels"
  python3 "$root/benchmarks/gpu/bench_model.py" --write-config "$b/model/config.json"
  "$build/bin/retnet-compile" -q "$b/model" --target cuda -o "$b/model/cuda.so"
  local cache="$root/.cache/gpu-wheels" pins="flash-linear-attention==0.6.0 fla-core==0.6.0"
  mkdir -p "$cache"
  if ! ls "$cache"/flash_linear_attention-0.6.0-*.whl "$cache"/fla_core-0.6.0-*.whl >/dev/null 2>&1; then
    # shellcheck disable=SC2086
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
      --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 \
      -d "$cache" $pins \
      || echo "prepare.sh: could not download $pins; fla will be reported unavailable" >&2
  fi
  cp "$cache"/flash_linear_attention-0.6.0-*.whl "$cache"/fla_core-0.6.0-*.whl "$b/wheels/" 2>/dev/null || true
  # fla's models need transformers >= 5.6.2: its wheels and theirs (not
  # numpy, which PyTorch brings), installed there only when the machine's
  # transformers is older or missing (check.sh).
  local hf="$cache/transformers"
  if [ "$per_file" = 0 ] && ! ls "$hf"/transformers-5.*.whl >/dev/null 2>&1; then
    mkdir -p "$hf"
    python3 -m pip download -q --only-binary=:all: --python-version 3.12 \
      --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 \
      --platform manylinux_2_17_x86_64 -d "$hf" "transformers>=5.6.2,<6" \
      || echo "prepare.sh: could not download transformers; fla's model may be unavailable" >&2
    rm -f "$hf"/numpy-*.whl
  fi
  mkdir -p "$b/wheels-hf"
  cp "$hf"/*.whl "$b/wheels-hf/" 2>/dev/null || true
  echo "prepare.sh: benchmarks ready in $b ($(du -sh "$b" | cut -f1), $(( $(date +%s) - t0 )) s)"
}

[ -x "$build/bin/retnet-harness" ] || "$root/utils/build.sh"
if [ "$checks" = 0 ]; then
  [ -d "$out/cases" ] || [ -f "$out/packed.tar.gz" ] \
    || { echo "prepare.sh: --bench-only needs an existing bundle in $out" >&2; exit 1; }
  prepare_bench
  cp "$root/benchmarks/gpu/check.sh" "$out/"
  echo "prepare.sh: bundle ready ($(du -sh "$out" | cut -f1))"
  exit 0
fi
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
# libretnet under its link name (bench_model.py opens it) and its SONAME
# (libretnet.so.0, which retnet-run needs): both plain files.
cp "$build/lib/libretnet.so" "$out/lib/"
cp "$build/lib/libretnet.so" "$out/lib/$(objdump -p "$build/lib/libretnet.so" | awk '/SONAME/{print $2}')"
mkdir -p "$out/models"
models=("$root"/test/golden/models/*/ "$root/examples/retnet-tiny/")
[ "$per_file" -gt 0 ] && models=("$root/test/golden/models/swish-h2-dv48/")
for dir in "${models[@]}"; do
  dir="${dir%/}"
  name=$(basename "$dir")
  m="$out/models/$name"
  mkdir -p "$m"
  cp "$dir/config.json" "$dir/model.safetensors" "$dir/golden.safetensors" "$m/"
  "$build/bin/retnet-compile" -q "$dir" --target cuda --dtype f32 -o "$m/cuda.so"
  # The default GPU build (bf16) and the float64 reference on the same
  # bf16-rounded weights it is checked against.
  "$build/bin/retnet-compile" -q "$dir" --target cuda --dtype bf16 -o "$m/cuda-bf16.so"
  "$build/bin/retnet-golden" reference "$dir" "$dir/golden.safetensors" --round bf16 \
    -o "$m/ref-bf16.safetensors"
  "$build/bin/retnet-compile" -q "$dir" -o "$m/cpu.so"
  "$build/bin/retnet-golden" tokens "$dir/golden.safetensors" > "$m/tokens"
  "$build/bin/retnet-run" --model "$dir" --artifact "$m/cpu.so" \
    --tokens "$(cat "$m/tokens")" --max-new-tokens 16 -q > "$m/greedy"
  rm -f "$m/cpu.so"
done
echo "prepare.sh: $(ls "$out/models" | wc -l) whole models compiled for CUDA"
[ "$bench" = 1 ] && prepare_bench
# The compiled cases and models compress about 5x (gzip): packed, the bundle
# stays far below the device tool's 64 MiB carry limit; check.sh unpacks it.
tar -czf "$out/packed.tar.gz" -C "$out" cases models && rm -rf "$out/cases" "$out/models"
cp "$root/benchmarks/gpu/check.sh" "$out/"
echo "prepare.sh: bundle ready ($(du -sh "$out" | cut -f1)); run benchmarks/gpu/check.sh on the GPU machine"
