#!/usr/bin/env bash
# The GPU checks, in one call, on a machine with the CUDA driver but no MLIR:
# runs every prebuilt case of the bundle (benchmarks/gpu/prepare.sh) through
# retnet-harness --run-only, then every whole model through retnet-run
# --target cuda (logits vs torchscale, greedy tokens vs the CPU), and prints
# a table last. Exit 0 when all pass.
#
#   benchmarks/gpu/check.sh                 bundle: $RETNET_GPU_BUNDLE or gpu-bundle/
#
# How the bundle gets there: build it here with prepare.sh, then pass
# "gpu-bundle" in the device tool's `carry` (it is git-ignored) and run
# `benchmarks/gpu/check.sh` from the repository root there.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bundle="${RETNET_GPU_BUNDLE:-$root/gpu-bundle}"
if [ ! -d "$bundle/cases" ]; then
  echo "check.sh: no bundle at $bundle; build it with benchmarks/gpu/prepare.sh" >&2
  exit 2
fi
export LD_LIBRARY_PATH="$bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
command -v nvidia-smi >/dev/null && nvidia-smi -L
"$bundle/bin/retnet-cuda-info" || exit 1

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
model_one() {
  local bundle="$1" m="$2" name form case log
  name=$(basename "$m")
  for form in parallel chunkwise recurrent; do
    case="model-$name-$form"
    mkdir -p "$bundle/cases/$case"
    log="$bundle/cases/$case/log"
    if "$bundle/bin/retnet-run" --model "$m" --artifact "$m/cuda.so" --target cuda \
         --tokens "$(cat "$m/tokens")" --form "$form" --logits-out "$m/$form.st" -q > "$log" 2>&1 \
       && "$bundle/bin/retnet-golden" compare "$m/$form.st" logits "$m/golden.safetensors" \
            logits_parallel --tol 2e-4 > "$log.cmp" 2>&1; then rc=0; else rc=1; fi
    cat "$log.cmp" >> "$log" 2>/dev/null
    sed -n 's/.*relative L2 vs [a-z_]*: \([^ ]*\).*/rel_l2=\1/p' "$log.cmp" >> "$log" 2>/dev/null
    echo "$rc $case"
  done
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
