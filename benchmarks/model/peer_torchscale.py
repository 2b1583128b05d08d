#!/usr/bin/env python3
"""torchscale's RetNetDecoder on PyTorch (CPU): prefill and decode speed.

    peer_torchscale.py --model DIR --prompt T --decode N [--batch B] [--reps R]

Loads the model directory (config.json + model.safetensors, any float dtype;
computed in f32) into torchscale 0.3.0 and prints JSON lines like
retnet-bench-model: prefill tokens/s in torchscale's parallel and chunkwise
modes (best of R), and decode tokens/s token by token with its incremental
state (median step), for B sequences at once. Threads: torch's default (all
cores), the same cores the compiled model may use.
"""

import argparse
import json
import time

import torch
from safetensors.torch import load_file
from torchscale.architecture.config import RetNetConfig
from torchscale.architecture.retnet import RetNetDecoder


def load(model_dir):
    with open(f"{model_dir}/config.json") as f:
        keys = json.load(f)
    cfg = RetNetConfig(**keys)
    embed = torch.nn.Embedding(keys["vocab_size"], keys["decoder_embed_dim"])
    model = RetNetDecoder(cfg, embed_tokens=embed)
    state = {k: v.float() for k, v in load_file(f"{model_dir}/model.safetensors").items()}
    if keys.get("share_decoder_input_output_embed") and "output_projection.weight" not in state:
        state["output_projection.weight"] = state["embed_tokens.weight"]
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if not m.startswith("retnet_rel_pos.")]
    if missing:
        raise SystemExit(f"peer_torchscale: missing weights {missing}")
    return keys, model.eval()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--prompt", type=int, default=256)
    ap.add_argument("--decode", type=int, default=32)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--modes", default="parallel,chunkwise")
    a = ap.parse_args()
    keys, model = load(a.model)
    g = torch.Generator().manual_seed(42)
    prompt = torch.randint(0, keys["vocab_size"], (1, a.prompt), generator=g)
    with torch.inference_mode():
        for mode in a.modes.split(","):
            model.chunkwise_recurrent = mode == "chunkwise"
            best = float("inf")
            for _ in range(a.reps):
                t0 = time.perf_counter()
                model(prompt)
                best = min(best, time.perf_counter() - t0)
            print(json.dumps({"kind": "prefill", "form": mode, "tokens": a.prompt,
                              "seconds": best, "tokens_per_s": a.prompt / best}), flush=True)
        # Decode: the prompt through the incremental state (token by token,
        # as torchscale requires), then timed steps for the whole batch.
        model.chunkwise_recurrent = False
        tokens = prompt.repeat(a.batch, 1)
        state = {}
        out = None
        for t in range(a.prompt):
            out = model(tokens[:, : t + 1], incremental_state=state)[0]
        steps = []
        for _ in range(a.decode):
            nxt = out[:, -1].argmax(-1, keepdim=True)
            tokens = torch.cat([tokens, nxt], dim=1)
            t0 = time.perf_counter()
            out = model(tokens, incremental_state=state)[0]
            steps.append(time.perf_counter() - t0)
        steps.sort()
        med = steps[len(steps) // 2]
        print(json.dumps({"kind": "decode", "batch": a.batch, "context": a.prompt,
                          "step_seconds_median": med, "tokens_per_s": a.batch / med,
                          "threads": torch.get_num_threads()}), flush=True)


if __name__ == "__main__":
    main()
