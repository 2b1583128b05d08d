#!/usr/bin/env bash
# Sets everything up and runs the main job on the bundled example models:
# builds the project, then continues a text prompt with the trained demo
# model examples/retnet-kjv (flash-linear-attention's RetNet trained on the
# King James Bible, SentencePiece tokenizer; examples/train_kjv.py), greedy
# and sampled, printing the text and the speed line; then runs
# examples/retnet-tiny (torchscale's layout, random bf16 weights) by token
# ids and checks the logits of its golden prompt in every prefill form
# against torchscale's. Models are compiled on first use and cached.
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

kjv="$root/examples/retnet-kjv"
text="And God said unto Moses,"
echo
echo "== retnet-run --model examples/retnet-kjv --prompt '$text' --max-new-tokens 48"
echo "   (first use compiles the model; later runs load it from $(printf '%s' "${RETNET_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/retnet}"))"
retnet-run --model "$kjv" --prompt "$text" --max-new-tokens 48
echo
echo "== the same prompt, sampled (temperature 0.8, top-p 0.9, seed 1)"
retnet-run --model "$kjv" --prompt "$text" --max-new-tokens 48 \
  --temperature 0.8 --top-p 0.9 --seed 1

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
  echo "   the demo model's text, greedy tokens of the example, then every form's"
  echo "   logits vs torchscale (bf16 build: 1.5e-2)"
  export RETNET_CUDA_DRIVER="$build/sim/libcuda.so.1"
  retnet-run --model "$kjv" --prompt "$text" --max-new-tokens 12 --target cuda
  retnet-run --model "$model" --tokens "$prompt" --max-new-tokens 8 --target cuda
  for form in parallel chunkwise recurrent; do
    retnet-run --model "$model" --tokens "$golden_tokens" --form "$form" \
      --target cuda --logits-out "$tmp/sim-$form.safetensors" --quiet
    retnet-golden compare "$tmp/sim-$form.safetensors" logits \
      "$model/golden.safetensors" logits_parallel --tol 1.5e-2 --label "sim $form"
  done
fi
