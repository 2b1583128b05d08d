#!/usr/bin/env bash
# Compiles the benchmark kernels (bench_modules.py) into one shared library
# per shape and kernel variant, with retnet-harness's steps: retnet-opt's
# pipeline -> mlir-translate -> llc -> c++ -shared (cuda: linked with
# libretnet_cuda_runtime, found next to the library through $ORIGIN-relative
# rpath at run time via LD_LIBRARY_PATH).
#
#   compile_kernels.sh --out DIR [--target cuda|cpu] [--small]
#
# Variants (each a name and retention-nvvm-pipeline options) come from
# $RETNET_BENCH_VARIANTS, ';'-separated NAME=OPTIONS, default
#   "base=;fast=mma=true decode-max-tokens=16;v1=mma=false decode-max-tokens=0"
# base: the pipeline's defaults; fast: the tensor-core chunkwise and the
# decode kernels where the compiler has them; v1: the first, scalar version
# (kept to measure each version in the same run). Variants whose libraries
# are byte-identical are timed once (bench_kernels.py). A variant that fails to compile
# for a shape is recorded (DIR/VARIANT/NAME/FAILED) and skipped, never fatal.
# The CPU target (the dry run) compiles one variant, base, with
# --retention-cpu-pipeline. Writes DIR/manifest.json (shapes + variants).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${RETNET_BUILD_DIR:-$root/build}"
llvm="${RETNET_LLVM_BIN:-/usr/lib/llvm-22/bin}"
out="" target=cuda small=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift ;;
    --target) target="$2"; shift ;;
    --small) small=--small ;;
    *) echo "compile_kernels.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$out" ] || { echo "compile_kernels.sh: --out DIR is required" >&2; exit 2; }
for tool in "$build/bin/retnet-opt" "$llvm/mlir-translate" "$llvm/llc"; do
  [ -x "$tool" ] || { echo "compile_kernels.sh: missing $tool" >&2; exit 1; }
done
variants="${RETNET_BENCH_VARIANTS-base=;fast=mma=true decode-max-tokens=16;v1=mma=false decode-max-tokens=0}"
[ "$target" = cpu ] && variants="base="
rm -rf "$out"
mkdir -p "$out/mlir"
python3 "$root/benchmarks/gpu/bench_modules.py" --out "$out/mlir" $small > "$out/names"

compile_one() { # OUT TARGET BUILD LLVM VARIANT OPTIONS NAME
  local out="$1" target="$2" build="$3" llvm="$4" variant="$5" opts="$6" name="$7"
  local d="$out/$variant/$name" pipeline log
  mkdir -p "$d"
  log="$d/compile.log"
  if [ "$target" = cpu ]; then pipeline="--retention-cpu-pipeline"
  elif [ -n "$opts" ]; then pipeline="--retention-nvvm-pipeline=$opts"
  else pipeline="--retention-nvvm-pipeline"; fi
  local link=(-lm)
  [ "$target" = cuda ] && link+=(-L"$build/lib" -lretnet_cuda_runtime)
  if "$build/bin/retnet-opt" "$out/mlir/$name/kernel.mlir" "$pipeline" -o "$d/kernel.llvm.mlir" >"$log" 2>&1 \
     && "$llvm/mlir-translate" --mlir-to-llvmir "$d/kernel.llvm.mlir" -o "$d/kernel.ll" >>"$log" 2>&1 \
     && "$llvm/llc" -O2 -relocation-model=pic -filetype=obj "$d/kernel.ll" -o "$d/kernel.o" >>"$log" 2>&1 \
     && "${CXX:-c++}" -shared -o "$d/kernel.so" "$d/kernel.o" "${link[@]}" >>"$log" 2>&1; then
    rm -f "$d"/kernel.{llvm.mlir,ll,o}
    [ -s "$log" ] || rm -f "$log"
    echo "ok $variant $name"
  else
    touch "$d/FAILED"
    rm -f "$d"/kernel.{llvm.mlir,ll,o,so}
    echo "FAILED $variant $name (see $log)"
  fi
}
export -f compile_one

start=$(date +%s)
IFS=';' read -r -a vlist <<< "$variants"
for v in "${vlist[@]}"; do
  [ -n "$v" ] || continue
  vname="${v%%=*}" vopts="${v#*=}"
  while read -r name; do
    printf '%s\0%s\0%s\0%s\0%s\0%s\0%s\0' "$out" "$target" "$build" "$llvm" "$vname" "$vopts" "$name"
  done < "$out/names"
done | xargs -0 -n 7 -P "${RETNET_BENCH_JOBS:-2}" bash -c 'compile_one "$@"' _ | tee "$out/compile.txt"

python3 - "$out" "$target" "$variants" <<'PY'
import json, os, sys
out, target, variants = sys.argv[1], sys.argv[2], sys.argv[3]
m = json.load(open(os.path.join(out, "mlir", "manifest.json")))
m["target"] = target
m["variants"] = []
for v in filter(None, variants.split(";")):
    name, _, opts = v.partition("=")
    ok = [s["name"] for s in m["shapes"] if os.path.exists(os.path.join(out, name, s["name"], "kernel.so"))]
    m["variants"].append({"name": name, "pipeline_options": opts, "compiled": ok})
json.dump(m, open(os.path.join(out, "manifest.json"), "w"), indent=1)
PY
rm -f "$out/names"
echo "compile_kernels.sh: $(grep -c '^ok' "$out/compile.txt") compiled, $(grep -c '^FAILED' "$out/compile.txt" || true) failed, $(( $(date +%s) - start )) s ($target)"
