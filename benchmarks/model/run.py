#!/usr/bin/env python3
"""Whole-model benchmark: compiled RetNet vs torchscale on PyTorch (CPU).

For the bundled example model and a torchscale-xl-sized config (d=2048,
Dv=3456, 8 heads, FFN 3456, 24 layers, vocab 32000; random weights made
here with torchscale, saved as bf16, computed in f32 by both sides), runs
retnet-bench-model (C API; compiled on first use) and peer_torchscale.py in
the same run, side by side: prefill tokens/s per form and decode tokens/s at
batch 1 and 16. Prints a table last and writes benchmarks/results/model_cpu.json.

    benchmarks/model/run.py [--build-dir build] [--skip-xl] [--quick]

Needs torch, torchscale==0.3.0 and safetensors (utils/install-deps.sh --bench).
The xl model directory (2.6 GB) is kept in build/bench-models/ for reruns.
"""

import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
XL = dict(decoder_embed_dim=2048, decoder_value_embed_dim=3456, decoder_retention_heads=8,
          decoder_ffn_embed_dim=3456, decoder_layers=24, vocab_size=32000,
          activation_fn="swish", no_scale_embedding=True, layernorm_embedding=False,
          recurrent_chunk_size=512, share_decoder_input_output_embed=False, layernorm_eps=1e-6)
TARGET_DECODE_VS_TORCHSCALE = 5.0


def make_xl(path):
    if os.path.exists(os.path.join(path, "model.safetensors")):
        return
    import torch
    from safetensors.torch import save_file
    from torchscale.architecture.config import RetNetConfig
    from torchscale.architecture.retnet import RetNetDecoder
    print(f"making the xl-sized model in {path} (random weights, bf16)", file=sys.stderr)
    torch.manual_seed(0)
    cfg = RetNetConfig(**XL)
    model = RetNetDecoder(cfg, embed_tokens=torch.nn.Embedding(XL["vocab_size"],
                                                               XL["decoder_embed_dim"]))
    os.makedirs(path, exist_ok=True)
    state = {k: v.detach().to(torch.bfloat16).contiguous()
             for k, v in model.state_dict().items() if not k.startswith("retnet_rel_pos.")}
    save_file(state, os.path.join(path, "model.safetensors"))
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(XL, f, indent=1, sort_keys=True)


def run_json(cmd, env=None):
    print("+", " ".join(cmd), file=sys.stderr, flush=True)
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True, env=env).stdout
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    for r in rows:
        print("  ", json.dumps(r), file=sys.stderr, flush=True)
    return rows


def measure(name, model_dir, prompt, decode, batches, build, reps, batch_prompt=None):
    """Prefill (every form) and decode at batch 1 with a `prompt`-token
    context; decode at the other batch sizes after `batch_prompt` tokens."""
    bench = os.path.join(build, "bin", "retnet-bench-model")
    peer = [sys.executable, os.path.join(ROOT, "benchmarks", "model", "peer_torchscale.py")]
    rows = []
    for batch in batches:
        if batch != batches[0] and batch_prompt:
            prompt = batch_prompt
        forms = "parallel,chunkwise,recurrent" if batch == batches[0] else "chunkwise"
        ours = run_json([bench, "--model", model_dir, "--prompt", str(prompt), "--decode",
                         str(decode), "--batch", str(batch), "--reps", str(reps),
                         "--forms", forms])
        theirs = run_json(peer + ["--model", model_dir, "--prompt", str(prompt), "--decode",
                                  str(decode), "--batch", str(batch), "--reps", str(reps),
                                  "--modes", "parallel,chunkwise" if batch == batches[0]
                                  else "chunkwise"])
        for o in ours:
            o.update(side="retnet", model=name, run_batch=batch)
        if batch == batches[0]:
            # The same compiled for one thread (RETNET_THREADS=0).
            env = dict(os.environ, RETNET_THREADS="0")
            one = run_json([bench, "--model", model_dir, "--prompt", str(prompt), "--decode",
                            str(decode), "--batch", str(batch), "--reps", str(reps),
                            "--forms", "chunkwise"], env=env)
            for o in one:
                o.update(side="retnet-1thread", model=name, run_batch=batch)
            ours += one
        for t in theirs:
            t.update(side="torchscale", model=name, run_batch=batch)
        rows += ours + theirs
    return rows


def table(rows):
    lines = []
    models = sorted({r["model"] for r in rows}, key=lambda m: m != "retnet-tiny")
    summary = {}
    for m in models:
        rs = [r for r in rows if r["model"] == m]
        # Prefill is compared in the batch-1 runs (same prompt on both sides).
        pre = [r for r in rs if r["kind"] == "prefill" and r.get("run_batch", 1) == 1]
        ts = {r["form"]: r for r in pre if r["side"] == "torchscale"}
        best_torch = max(ts.values(), key=lambda r: r["tokens_per_s"])
        for r in pre:
            if r["side"].startswith("retnet"):
                ratio = r["tokens_per_s"] / best_torch["tokens_per_s"]
                label = r["form"] + (" 1thr" if r["side"] == "retnet-1thread" else "")
                lines.append(f"{m:12s} prefill T={r['tokens']:<5d} {label:14s} "
                             f"{r['tokens_per_s']:10.1f} tok/s   torchscale best "
                             f"({best_torch['form']}) {best_torch['tokens_per_s']:9.1f}   "
                             f"ratio {ratio:5.2f}x")
        for b in sorted({r["batch"] for r in rs if r["kind"] == "decode"}):
            t = next(r for r in rs if r["kind"] == "decode" and r["side"] == "torchscale"
                     and r["batch"] == b)
            for side in ("retnet", "retnet-1thread"):
                o = next((r for r in rs if r["kind"] == "decode" and r["side"] == side
                          and r["batch"] == b), None)
                if o is None:
                    continue
                ratio = o["tokens_per_s"] / t["tokens_per_s"]
                tag = "" if side == "retnet" else " 1thr"
                key = f"{m}_decode_b{b}" + ("_1thread" if tag else "") + "_vs_torchscale"
                summary[key] = ratio
                lines.append(f"{m:12s} decode{tag:5s} batch {b:<3d} ctx {o['context']:<5d}"
                             f"{o['tokens_per_s']:10.1f} tok/s   torchscale "
                             f"{t['tokens_per_s']:10.1f}   ratio {ratio:5.2f}x "
                             f"(target {TARGET_DECODE_VS_TORCHSCALE:.0f}x)   state "
                             f"{o['state_bytes_per_sequence']} B/seq")
    return lines, summary


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--skip-xl", action="store_true")
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    subprocess.run(["cmake", "--build", a.build_dir, "--target", "retnet-bench-model",
                    "retnet-compile"], check=True)
    reps = 1 if a.quick else 3
    rows = measure("retnet-tiny", os.path.join(ROOT, "examples", "retnet-tiny"), 512, 64,
                   [1, 16], a.build_dir, reps)
    if not a.skip_xl:
        xl = os.path.join(a.build_dir, "bench-models", "retnet-xl-random")
        make_xl(xl)
        # torchscale feeds a prompt to its incremental state token by token,
        # so the batch-16 decode context is kept short.
        rows += measure("retnet-xl", xl, 128 if a.quick else 512, 8 if a.quick else 16,
                        [1, 16], a.build_dir, 1, batch_prompt=32)
    lines, summary = table(rows)
    out = os.path.join(ROOT, "benchmarks", "results", "model_cpu.json")
    with open(out, "w") as f:
        json.dump({"date": time.strftime("%Y-%m-%d %H:%M"), "cpu": os.cpu_count(),
                   "rows": rows, "summary": summary}, f, indent=1)
    print("\n".join(lines))
    print(f"(written to {os.path.relpath(out, ROOT)})")


if __name__ == "__main__":
    main()
