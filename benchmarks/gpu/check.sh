#!/usr/bin/env bash
# The GPU checks, in one call, on a machine with the CUDA driver but no MLIR:
# runs every prebuilt case of the bundle (benchmarks/gpu/prepare.sh) through
# retnet-harness --run-only, then every whole model through retnet-run
# --target cuda (logits vs torchscale, greedy tokens vs the CPU), and prints
# a table last. Then the benchmarks of issue 6 (bundle's bench/, see
# prepare.sh): kernels (bench_kernels.py: chunkwise and decode, ours vs
# flash-linear-attention and PyTorch), the whole model's decode vs a
# Transformer with a KV cache (bench_model.py), fla's RetNet model and the
# device's bandwidth and matmul floors (bench_fla_model.py, issue 15), and
# their table against the
# targets last (bench_report.py), JSON in gpu-bundle/results/gpu.json and,
# when $OUT is set (the device tool), copies of the results in $OUT.
# Exit 0 when all checks pass and none of our benchmark kernels is wrong.
#
#   benchmarks/gpu/check.sh [--no-bench | --bench-only]
#                                           bundle: $RETNET_GPU_BUNDLE or gpu-bundle/
#
# Benchmark knobs (environment): RETNET_BENCH_BUDGET_S (timing budget per
# implementation and shape, default 1), RETNET_BENCH_MAX_CALL_S (skip our
# kernel on a shape predicted slower per call, default 10),
# RETNET_BENCH_MODEL_ARGS (extra bench_model.py arguments, e.g.
# "--contexts 512,2048 --batches 1"), RETNET_BENCH_DEADLINE_S (kernel shapes
# not started by then are skipped, per process, default 150),
# RETNET_BENCH_TIMEOUT_S (kill a benchmark process after, default 200),
# RETNET_BENCH_FLA_ARGS (extra bench_fla_model.py arguments).
#
# How the bundle gets there: build it here with prepare.sh, then pass
# "gpu-bundle" in the device tool's `carry` (it is git-ignored) and run
# `benchmarks/gpu/check.sh` from the repository root there.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bundle="${RETNET_GPU_BUNDLE:-$root/gpu-bundle}"
checks=1 bench=1
for arg in "$@"; do
  case "$arg" in
    --no-bench) bench=0 ;;
    --bench-only) checks=0 ;;
    *) echo "check.sh: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done
# prepare.sh packs the compiled cases and models (the carry limit).
if [ ! -d "$bundle/cases" ] && [ -f "$bundle/packed.tar.gz" ]; then
  tar -xzf "$bundle/packed.tar.gz" -C "$bundle" \
    || { echo "check.sh: cannot unpack $bundle/packed.tar.gz" >&2; exit 2; }
fi
if [ ! -d "$bundle/cases" ]; then
  echo "check.sh: no bundle at $bundle; build it with benchmarks/gpu/prepare.sh" >&2
  exit 2
fi
export LD_LIBRARY_PATH="$bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
command -v nvidia-smi >/dev/null && nvidia-smi -L
"$bundle/bin/retnet-cuda-info" || exit 1
checks_rc=0

if [ "$checks" = 1 ]; then
run_one() {
  local bundle="$1" dir="$2"
  # shellcheck disable=SC2046
  "$bundle/bin/retnet-harness" $(cat "$dir/args") --run-only --work-dir "$dir" \
    > "$dir/log" 2>&1
  echo "$? $(basename "$dir")"
}
export -f run_one
start=$(date +%s)
ls -d "$bundle"/cases/*/ | sed 's:/$::' \
  | xargs -P "${RETNET_GPU_JOBS:-8}" -I{} bash -c 'run_one "$0" "{}"' "$bundle" \
  > "$bundle/results.txt"

# Whole models: logits of every prefill form against torchscale's (the CPU
# bar, 2e-4 relative L2) and greedy decoding equal to the CPU's tokens.
# One form's logits: model_form BUNDLE MODEL CASE ARTIFACT FORM REF KEY TOL.
model_form() {
  local bundle="$1" m="$2" case="$3" artifact="$4" form="$5" ref="$6" key="$7" tol="$8" log
  mkdir -p "$bundle/cases/$case"
  log="$bundle/cases/$case/log"
  if "$bundle/bin/retnet-run" --model "$m" --artifact "$artifact" --target cuda \
       --tokens "$(cat "$m/tokens")" --form "$form" --logits-out "$m/$case.st" -q > "$log" 2>&1 \
     && "$bundle/bin/retnet-golden" compare "$m/$case.st" logits "$ref" "$key" \
          --tol "$tol" > "$log.cmp" 2>&1; then rc=0; else rc=1; fi
  cat "$log.cmp" >> "$log" 2>/dev/null
  sed -n 's/.*relative L2 vs [a-z_]*: \([^ ]*\).*/rel_l2=\1/p' "$log.cmp" >> "$log" 2>/dev/null
  echo "$rc $case"
}
export -f model_form
model_one() {
  local bundle="$1" m="$2" name form case log
  name=$(basename "$m")
  for form in parallel chunkwise recurrent; do
    model_form "$bundle" "$m" "model-$name-$form" "$m/cuda.so" "$form" \
      "$m/golden.safetensors" logits_parallel 2e-4
  done
  # The bf16 build (the GPU default): every form against the float64
  # reference on the same bf16-rounded weights (1.5e-2, derived in
  # test/Integration/CUDA/bf16-models.test).
  if [ -f "$m/cuda-bf16.so" ]; then
    for form in parallel chunkwise recurrent; do
      model_form "$bundle" "$m" "model-$name-bf16-$form" "$m/cuda-bf16.so" "$form" \
        "$m/ref-bf16.safetensors" logits 1.5e-2
    done
  fi
  case="model-$name-greedy"
  mkdir -p "$bundle/cases/$case"
  log="$bundle/cases/$case/log"
  "$bundle/bin/retnet-run" --model "$m" --artifact "$m/cuda.so" --target cuda \
    --tokens "$(cat "$m/tokens")" --max-new-tokens 16 > "$m/greedy.gpu" 2> "$log"
  if cmp -s "$m/greedy" "$m/greedy.gpu"; then rc=0; else
    rc=1; echo "greedy tokens differ: cpu $(cat "$m/greedy") gpu $(cat "$m/greedy.gpu")" >> "$log"; fi
  echo "$rc $case"
}
export -f model_one
if [ -d "$bundle/models" ]; then
  for m in "$bundle"/models/*/; do model_one "$bundle" "${m%/}"; done >> "$bundle/results.txt"
  # The example model's speed on the GPU (first version: correctness, not
  # speed; see the GPU speed issue), printed for the record.
  ex="$bundle/models/retnet-tiny"
  if [ -f "$ex/cuda.so" ]; then
    prompt=$(python3 -c 'import random; random.seed(1); print(",".join(str(random.randrange(1024)) for _ in range(512)))')
    "$bundle/bin/retnet-run" --model "$ex" --artifact "$ex/cuda.so" --target cuda \
      --tokens "$prompt" --form chunkwise --max-new-tokens 64 2>&1 >/dev/null | tail -n 1 \
      | sed 's/^/check.sh: example model on the GPU, T=512: /'
  fi
fi
echo "check.sh: $(wc -l < "$bundle/results.txt") cases in $(( $(date +%s) - start )) s"

python3 - "$bundle" <<'PY'
import collections, os, re, sys
bundle = sys.argv[1]
rows = collections.defaultdict(lambda: [0, 0, 0.0])  # passed, total, max error
failed = []
for line in open(os.path.join(bundle, "results.txt")):
    rc, name = line.split()
    group = re.sub(r"-\d+$", "", name)  # forms-<dtype>-t<T>
    if name.startswith("model-"):  # model-<name>-<form>: one group per model
        group = name.rsplit("-", 1)[0]
    log = open(os.path.join(bundle, "cases", name, "log")).read()
    errs = [float(x) for x in re.findall(r"rel_l2=([0-9.eE+-]+|nan|inf)", log)]
    row = rows[group]
    row[1] += 1
    if rc == "0":
        row[0] += 1
    else:
        failed.append((name, log.strip().splitlines()[-3:] if log.strip() else ["(no output)"]))
    if errs:
        row[2] = max(row[2], max(errs)) if all(e == e for e in errs) else float("nan")
for name, tail in failed[:10]:
    print(f"FAILED {name}: " + " | ".join(tail))
print()
print(f"{'case group':<28} {'passed':>8} {'max rel L2':>12}")
for group in sorted(rows):
    p, t, e = rows[group]
    print(f"{group:<28} {p:>4}/{t:<4} {e:>12.3g}")
total = sum(r[1] for r in rows.values()); passed = sum(r[0] for r in rows.values())
print(f"{'all':<28} {passed:>4}/{total:<4}")
sys.exit(0 if passed == total else 1)
PY
checks_rc=$?
fi

# The benchmarks (issue 6, item 4): each part in its own process, so that a
# crash in one keeps the others; each writes JSON lines as it goes.
bench_rc=0
if [ "$bench" = 1 ] && [ -d "$bundle/bench/kernels" ]; then
  b="$bundle/bench" res="$bundle/results" here="$root/benchmarks/gpu"
  rm -rf "$res" && mkdir -p "$res"
  tmo="${RETNET_BENCH_TIMEOUT_S:-200}"
  bstart=$(date +%s)
  export PYTHONUNBUFFERED=1
  if ls "$b"/wheels/*.whl >/dev/null 2>&1; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
      --target "$b/site" "$b"/wheels/*.whl > "$res/pip.log" 2>&1 \
      && export PYTHONPATH="$b/site${PYTHONPATH:+:$PYTHONPATH}" \
      || echo "check.sh: the fla wheels did not install (see results/pip.log); peers unavailable"
    # fla-core alone too: bench_kernels.py falls back to it if the full
    # package (layers, models: transformers) does not import there.
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
      --target "$b/site-core" "$b"/wheels/fla_core-*.whl >> "$res/pip.log" 2>&1 \
      && export RETNET_FLA_CORE_SITE="$b/site-core"
  fi
  if ls "$b"/wheels-hf/*.whl >/dev/null 2>&1 && ! python3 -c \
      "import transformers, sys; sys.exit(int(transformers.__version__.split('.')[0]) < 5)" 2>/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
      --target "$b/site-hf" "$b"/wheels-hf/*.whl >> "$res/pip.log" 2>&1 \
      && export PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}$b/site-hf" \
      || echo "check.sh: transformers did not install (see results/pip.log); fla's model unavailable"
  fi
  kargs=(--kernels "$b/kernels" --runtime-lib "$bundle/lib/libretnet_cuda_runtime.so"
         --budget-s "${RETNET_BENCH_BUDGET_S:-1}" --max-call-s "${RETNET_BENCH_MAX_CALL_S:-10}"
         --deadline-s "${RETNET_BENCH_DEADLINE_S:-150}")
  {
    echo "== bench_kernels.py --part ours"
    timeout "$tmo" python3 "$here/bench_kernels.py" "${kargs[@]}" --part ours --out "$res/kernels-ours.jsonl"
    echo "exit $?"
    echo "== bench_kernels.py --part peers"
    timeout "$tmo" python3 "$here/bench_kernels.py" "${kargs[@]}" --part peers --out "$res/kernels-peers.jsonl"
    echo "exit $?"
    echo "== bench_model.py"
    # shellcheck disable=SC2086
    timeout "$tmo" python3 "$here/bench_model.py" --artifact "$b/model/cuda.so" \
      --config "$b/model/config.json" --lib "$bundle/lib" --work "${TMPDIR:-/tmp}/retnet-bench-model" \
      --out "$res/model.json" ${RETNET_BENCH_MODEL_ARGS:-}
    echo "exit $?"
    echo "== bench_fla_model.py"
    # shellcheck disable=SC2086
    timeout "$tmo" python3 "$here/bench_fla_model.py" --config "$b/model/config.json" \
      --out "$res/fla_model.json" ${RETNET_BENCH_FLA_ARGS:-}
    echo "exit $?"
  } > "$res/bench.log" 2>&1
  grep -E "^(== |exit |bench_|Traceback|[A-Za-z]*Error)" "$res/bench.log" | tail -n 40
  echo "check.sh: benchmarks in $(( $(date +%s) - bstart )) s (log: results/bench.log)"
  echo
  python3 "$here/bench_report.py" --kernels-jsonl "$res/kernels-ours.jsonl" "$res/kernels-peers.jsonl" \
    --model-json "$res/model.json" --fla-model-json "$res/fla_model.json" --out "$res/gpu.json"
  bench_rc=$?
  if [ -n "${OUT:-}" ] && [ -d "$OUT" ]; then
    for f in gpu.json kernels-ours.jsonl kernels-peers.jsonl model.json model.png fla_model.json bench.log; do
      [ -f "$res/$f" ] && cp "$res/$f" "$OUT/"
    done
    [ -f "$bundle/results.txt" ] && cp "$bundle/results.txt" "$OUT/check-results.txt"
  fi
elif [ "$bench" = 1 ]; then
  echo "check.sh: no benchmarks in this bundle (prepare.sh --no-bench?)"
fi
[ "$checks_rc" = 0 ] && [ "$bench_rc" = 0 ]
