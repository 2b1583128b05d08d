#!/usr/bin/env bash
# The GPU benchmarks' plumbing on this machine, without a GPU: the same
# modules at tiny sizes compiled for the CPU (--retention-cpu-pipeline), run
# by bench_kernels.py --device cpu (ctypes, memref descriptors, correctness
# vs the PyTorch reference, timing, JSON), then bench_model.py --dry-run and
# bench_report.py on what came out. Needs torch (CPU) here.
#
#   benchmarks/gpu/dryrun.sh [DIR]        (default DIR: build/gpu-bench-dryrun)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="${1:-${RETNET_BUILD_DIR:-$root/build}/gpu-bench-dryrun}"
here="$root/benchmarks/gpu"
"$here/compile_kernels.sh" --target cpu --small --out "$dir/kernels"
rm -f "$dir/kernels.jsonl"
python3 "$here/bench_kernels.py" --kernels "$dir/kernels" --device cpu --out "$dir/kernels.jsonl" \
  --budget-s 0.2 --max-reps 20
if [ -x "$root/build/bin/retnet-compile" ] && [ "${RETNET_DRYRUN_MODEL:-1}" = 1 ]; then
  python3 "$here/bench_model.py" --dry-run --work "$dir/model" --out "$dir/model.json" \
    --build "${RETNET_BUILD_DIR:-$root/build}"
fi
python3 "$here/bench_report.py" --kernels-jsonl "$dir/kernels.jsonl" \
  ${RETNET_DRYRUN_MODEL:+} $( [ -f "$dir/model.json" ] && echo --model-json "$dir/model.json" ) \
  --out "$dir/gpu.json"
