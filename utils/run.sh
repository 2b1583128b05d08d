#!/usr/bin/env bash
# Sets everything up and runs the main job on the bundled example model:
# builds the project, compiles examples/retnet-tiny (4 layers, bf16
# weights; compiled on first use and cached), prefills a prompt and
# generates tokens, printing them and the speed line. Then it checks the
# logits of that prompt in every prefill form against torchscale's (the
# golden file next to the model).
#
# The target: the GPU when one is usable (retnet-run --target auto compiles
# the model with retnet-compile --target cuda: bf16 weights and activations,
# the checkpoint's type), else the CPU (f32 arithmetic); the speed line says
# which. With a GPU, the CPU's logits are checked as well. Tolerances
# (relative L2 of the logits): 2e-4 for f32 arithmetic, 1.5e-2 for the bf16
# build (derived in test/Integration/CUDA/bf16-models.test; measured 2e-3).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${RETNET_BUILD_DIR:-$root/build}"
model="$root/examples/retnet-tiny"

"$root/utils/build.sh"
export PATH="$build/bin:$PATH"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

prompt=17,342,5,981,64,23,700,1,88,412,9,256
echo
echo "== retnet-run --model examples/retnet-tiny --tokens $prompt --max-new-tokens 32"
echo "   (first use compiles the model; later runs load it from $(printf '%s' "${RETNET_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/retnet}"))"
retnet-run --model "$model" --tokens "$prompt" --max-new-tokens 32

echo
echo "== the same prompt with a sampled continuation (temperature 0.8, top-p 0.9, seed 1)"
retnet-run --model "$model" --tokens "$prompt" --max-new-tokens 16 \
  --temperature 0.8 --top-p 0.9 --seed 1

echo
echo "== logits of the golden prompt, every prefill form, vs torchscale"
golden_tokens="$(retnet-golden tokens "$model/golden.safetensors")"
tol=2e-4
retnet-cuda-info > /dev/null 2>&1 && tol=1.5e-2 # the GPU build is bf16
for form in parallel chunkwise recurrent; do
  retnet-run --model "$model" --tokens "$golden_tokens" --form "$form" \
    --logits-out "$tmp/$form.safetensors" --quiet
  retnet-golden compare "$tmp/$form.safetensors" logits \
    "$model/golden.safetensors" logits_parallel --tol "$tol" --label "$form"
done

echo
if retnet-cuda-info > /dev/null 2>&1; then
  echo "== GPU present: the above ran on it; the CPU target's logits too"
  for form in parallel recurrent; do
    retnet-run --model "$model" --tokens "$golden_tokens" --form "$form" \
      --target cpu --logits-out "$tmp/cpu-$form.safetensors" --quiet
    retnet-golden compare "$tmp/cpu-$form.safetensors" logits \
      "$model/golden.safetensors" logits_parallel --tol 2e-4 --label "cpu $form"
  done
else
  echo "== no GPU here, so everything ran on the CPU:"
  retnet-cuda-info || true
  # The GPU code still runs: the CUDA target on the PTX simulator behind the
  # driver API (its PTX executed with race, memory and launch-limit checks).
  echo
  echo "== the CUDA target on the PTX simulator (RETNET_CUDA_DRIVER=build/sim/libcuda.so.1):"
  echo "   greedy tokens, then every form's logits vs torchscale (bf16 build: 1.5e-2)"
  export RETNET_CUDA_DRIVER="$build/sim/libcuda.so.1"
  retnet-run --model "$model" --tokens "$prompt" --max-new-tokens 8 --target cuda
  for form in parallel chunkwise recurrent; do
    retnet-run --model "$model" --tokens "$golden_tokens" --form "$form" \
      --target cuda --logits-out "$tmp/sim-$form.safetensors" --quiet
    retnet-golden compare "$tmp/sim-$form.safetensors" logits \
      "$model/golden.safetensors" logits_parallel --tol 1.5e-2 --label "sim $form"
  done
fi
