#!/usr/bin/env bash
# The GPU benchmarks' plumbing on this machine, without a GPU: the same
# modules at tiny sizes compiled for the CPU (--retention-cpu-pipeline), run
# by bench_kernels.py --device cpu (ctypes, memref descriptors, correctness
# vs the PyTorch reference, timing, JSON), then bench_model.py --dry-run and
# bench_report.py on what came out; and the real CUDA libraries of the bundle's
# shapes called through the same plumbing against the unit tests' fake
# libcuda (fake_driver_check.py: host code, launches, allocations; skipped
# when build/test/unit/cuda/libFakeCuda.so is missing or RETNET_DRYRUN_FAKE=0).
# Needs torch (CPU) here.
#
#   benchmarks/gpu/dryrun.sh [DIR]        (default DIR: ${TMPDIR:-/tmp}/retnet-gpu-bench-dryrun)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${RETNET_BUILD_DIR:-$root/build}"
dir="${1:-${TMPDIR:-/tmp}/retnet-gpu-bench-dryrun}"
here="$root/benchmarks/gpu"
"$here/compile_kernels.sh" --target cpu --small --out "$dir/kernels"
rm -f "$dir/kernels.jsonl"
python3 "$here/bench_kernels.py" --kernels "$dir/kernels" --device cpu --out "$dir/kernels.jsonl" \
  --budget-s 0.2 --max-reps 20
if [ -x "$build/bin/retnet-compile" ] && [ "${RETNET_DRYRUN_MODEL:-1}" = 1 ]; then
  python3 "$here/bench_model.py" --dry-run --work "$dir/model" --out "$dir/model.json" \
    --build "$build"
fi
fake="$build/test/unit/cuda/libFakeCuda.so"
if [ -f "$fake" ] && [ "${RETNET_DRYRUN_FAKE:-1}" = 1 ]; then
  "$here/compile_kernels.sh" --target cuda --out "$dir/cuda-kernels" > /dev/null
  python3 "$here/fake_driver_check.py" --kernels "$dir/cuda-kernels" --fake "$fake" \
    --runtime "$build/lib/libretnet_cuda_runtime.so"
fi
python3 "$here/bench_report.py" --kernels-jsonl "$dir/kernels.jsonl" \
  $( [ -f "$dir/model.json" ] && echo --model-json "$dir/model.json" ) \
  --out "$dir/gpu.json"
