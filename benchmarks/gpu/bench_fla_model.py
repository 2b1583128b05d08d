#!/usr/bin/env python3
"""Issue 15's peer and floors on the GPU: flash-linear-attention's RetNet
model (RetNetForCausalLM) at the xl size, and this device's bandwidth and
bf16 matmul peak.

fla's model: the xl config of bench_model.py in fla's terms (hidden 2048, 8
heads, key width 256, value width 3456 = 1.6875 x hidden, FFN 3456 with
SwiGLU, 24 layers, vocab 32000, untied head; fla's defaults otherwise:
attn_mode "chunk" for prompts, its fused recurrent kernel for single
tokens, fused norms), random init, bf16, eager PyTorch as fla recommends for
inference. Measured:
  prefill: one sequence of T tokens (T in --contexts), forward with the
      cache, logits of the last position only when the model accepts
      `logits_to_keep` (as ours returns), tokens/s = T / median time;
  decode: batch b (b in --batches) after a 128-token prompt per sequence,
      one token per sequence per step through fla's cache, tokens/s =
      b / median step time.
Floors (same run, same device):
  copy bandwidth: a 2 GiB device-to-device copy (bytes read + written / s);
  bf16 matmul peak: 8192^3 torch.matmul (FLOP/s);
  decode floor (tokens/s at batch b) = bandwidth / (bytes a step must read:
      every weight but the embedding table, plus b rows of it and b states)
      x b; prefill floor = peak / FLOPs per token (2 per matmul weight plus
      chunkwise retention's).
Times: CUDA-synchronized wall clock, median of --reps after --warmup.

    bench_fla_model.py [--config xl.json] [--contexts 512,2048,8192]
                       [--batches 1,16,64,256] [--out fla_model.json]

Prints one JSON line per measurement; writes --out (a list). Rows whose
peer is missing (no fla, no GPU) have status "unavailable" and a reason.
"""

import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench_model import XL  # noqa: E402  (the same xl config)


def model_bytes(cfg, batch, elt=2):
    """Bytes a decode step must read: weights but the embedding table (one
    row per sequence), plus the batch's f32 states."""
    d, dv, f, V, L, H = (cfg["decoder_embed_dim"], cfg["decoder_value_embed_dim"],
                         cfg["decoder_ffn_embed_dim"], cfg["vocab_size"],
                         cfg["decoder_layers"], cfg["decoder_retention_heads"])
    layer = 2 * d * d + 3 * dv * d + 3 * f * d + 2 * d
    weights = (L * layer + d + V * d + batch * d) * elt
    state = L * H * (d // H) * (dv // H) * 4
    return weights + batch * state


def prefill_flops_per_token(cfg, T, chunk=64):
    d, dv, f, V, L, H = (cfg["decoder_embed_dim"], cfg["decoder_value_embed_dim"],
                         cfg["decoder_ffn_embed_dim"], cfg["vocab_size"],
                         cfg["decoder_layers"], cfg["decoder_retention_heads"])
    matmul = L * (2 * d * d + 3 * dv * d + 3 * f * d)
    dk, dvh, C = d // H, dv // H, min(chunk, T)
    retention = L * H * (2 * C * (dk + dvh) + 4 * dk * dvh)
    return 2 * matmul + retention + 2 * V * d / T  # the head once per prompt


def timed(torch, fn, warmup, reps):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    return ts[len(ts) // 2]


def floors(torch):
    rows = []
    n = 1 << 29  # 2^30 bf16 elements: 2 GiB copied
    x = torch.empty(2 * n, dtype=torch.bfloat16, device="cuda")
    y = torch.empty_like(x)
    t = timed(torch, lambda: y.copy_(x), 2, 5)
    bw = 2 * x.numel() * 2 / t
    del x, y
    rows.append(dict(side="floor", what="copy_bandwidth", bytes_per_s=bw, status="ok"))
    m = torch.randn(8192, 8192, dtype=torch.bfloat16, device="cuda")
    t = timed(torch, lambda: torch.matmul(m, m), 2, 10)
    rows.append(dict(side="floor", what="bf16_matmul_peak", flops_per_s=2 * 8192 ** 3 / t, status="ok"))
    return rows


def fla_model(torch, cfg):
    from fla.models import RetNetConfig, RetNetForCausalLM
    d = cfg["decoder_embed_dim"]
    kw = dict(hidden_size=d, num_heads=cfg["decoder_retention_heads"],
              num_hidden_layers=cfg["decoder_layers"], vocab_size=cfg["vocab_size"],
              expand_k=1, expand_v=cfg["decoder_value_embed_dim"] / d,
              intermediate_size=cfg["decoder_ffn_embed_dim"], hidden_act="swish",
              attn_mode="chunk", tie_word_embeddings=False)
    c = RetNetConfig(**kw)
    model = RetNetForCausalLM(c).to(device="cuda", dtype=torch.bfloat16).eval()
    return model, kw


def forward(model, ids, cache=None):
    try:
        return model(input_ids=ids, past_key_values=cache, use_cache=True, logits_to_keep=1)
    except TypeError:
        return model(input_ids=ids, past_key_values=cache, use_cache=True)


def run_fla(torch, a, cfg):
    rows = []
    model, kw = fla_model(torch, cfg)
    params = sum(p.numel() for p in model.parameters())
    base = dict(side="fla", params=params, config=kw)
    g = torch.Generator(device="cuda").manual_seed(1)
    V = cfg["vocab_size"]
    with torch.inference_mode():
        for T in [int(x) for x in a.contexts.split(",")]:
            ids = torch.randint(0, V, (1, T), device="cuda", generator=g)
            try:
                t = timed(torch, lambda: forward(model, ids), a.warmup, a.reps)
                rows.append(dict(base, what="prefill", context=T, seconds=t,
                                 prefill_tokens_per_s=T / t, status="ok"))
            except Exception as e:  # out of memory, an fla kernel failing
                rows.append(dict(base, what="prefill", context=T, status="failed",
                                 reason=f"{type(e).__name__}: {e}"[:300]))
            print(json.dumps(rows[-1]), flush=True)
        for b in [int(x) for x in a.batches.split(",")]:
            try:
                ids = torch.randint(0, V, (b, 128), device="cuda", generator=g)
                out = forward(model, ids)
                cache = out.past_key_values
                nxt = out.logits[:, -1:].argmax(-1)

                def step():
                    nonlocal cache, nxt
                    o = forward(model, nxt, cache)
                    cache, nxt = o.past_key_values, o.logits[:, -1:].argmax(-1)

                t = timed(torch, step, a.warmup, a.steps)
                rows.append(dict(base, what="decode", batch=b, step_ms=t * 1e3,
                                 tokens_per_s=b / t, status="ok"))
            except Exception as e:
                rows.append(dict(base, what="decode", batch=b, status="failed",
                                 reason=f"{type(e).__name__}: {e}"[:300]))
            print(json.dumps(rows[-1]), flush=True)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", help="xl config.json (default: bench_model.py's XL)")
    ap.add_argument("--contexts", default="512,2048,8192")
    ap.add_argument("--batches", default="1,16,64,256")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--steps", type=int, default=16)
    ap.add_argument("--out")
    a = ap.parse_args()
    cfg = json.load(open(a.config)) if a.config else dict(XL)
    rows = []
    try:
        import torch
        if not torch.cuda.is_available():
            raise RuntimeError("no CUDA device for PyTorch")
    except Exception as e:
        rows.append(dict(side="fla", status="unavailable", reason=f"{type(e).__name__}: {e}"))
        torch = None
    if torch is not None:
        rows += floors(torch)
        for r in rows:
            print(json.dumps(r), flush=True)
        for b in [int(x) for x in a.batches.split(",")]:
            bw = rows[0]["bytes_per_s"]
            rows.append(dict(side="floor", what="decode", batch=b, bytes=model_bytes(cfg, b),
                             tokens_per_s=b * bw / model_bytes(cfg, b), status="ok"))
        for T in [int(x) for x in a.contexts.split(",")]:
            peak = rows[1]["flops_per_s"]
            rows.append(dict(side="floor", what="prefill", context=T,
                             flops_per_token=prefill_flops_per_token(cfg, T),
                             prefill_tokens_per_s=peak / prefill_flops_per_token(cfg, T), status="ok"))
        try:
            rows += run_fla(torch, a, cfg)
        except Exception as e:  # fla not installed, or its model not built
            rows.append(dict(side="fla", status="unavailable", reason=f"{type(e).__name__}: {e}"[:300]))
            print(json.dumps(rows[-1]), flush=True)
    if a.out:
        with open(a.out, "w") as fh:
            json.dump(rows, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
