#!/usr/bin/env python3
"""Whole-model decode on the GPU (issue 6, item 4c): RetNet vs a same-size
Transformer with a KV cache, tokens/s and GPU memory vs context length.

RetNet: the xl-sized config of benchmarks/model (d=2048, Dv=3456, 8 heads,
FFN 3456, 24 layers, vocab 32000; 1.35 B parameters), compiled here by
prepare.sh (retnet-compile --target cuda), random bf16 weights with
torchscale's parameter names made ON the GPU machine from a seed (2.7 GB:
too big to carry), run through the C API (libretnet.so with ctypes, like
benchmarks/model/bench_model.cpp): one sequence prefilled with the context
(chunkwise), copied to the other rows of the batch (retnet_copy), then N
greedy decode steps for the whole batch; median step time (host clock: every
call returns with its logits on the host).

Transformer (the peer, PyTorch, bf16, SDPA): d=2048, 24 layers, 16 heads of
128 (MHA), RoPE, RMSNorm, SwiGLU FFN of 5504 (parameters within 1% of the
RetNet's), untied 32000 vocab; KV cache preallocated in bf16. A decode step
at context L attends to the L cached positions plus itself; the cache holds
random keys and values (the step's cost does not depend on their values; no
prefill is run) and every timed step writes position L again, so the shapes
are static and the step is captured once in a CUDA graph (eager if capture
fails; both reported). Median over replays, CUDA events.

Memory: device memory in use (cudaMemGetInfo, whole device) after the run
minus before the model was loaded, each side in its own process; for the
Transformer also PyTorch's peak allocation. The RetNet runtime keeps
weights and states in CUDA managed memory, resident on the GPU once touched.

    bench_model.py --artifact DIR/cuda.so --config DIR/config.json --lib LIBDIR
                   [--contexts 512,2048,8192] [--batches 1,16,64] [--out FILE.json]
    bench_model.py --dry-run --build BUILD      (CPU, tiny model: the plumbing)

Prints one JSON line per measurement, writes --out and a PNG beside it.
"""

import argparse
import ctypes
import json
import math
import os
import subprocess
import sys
import time

XL = dict(decoder_embed_dim=2048, decoder_value_embed_dim=3456, decoder_retention_heads=8,
          decoder_ffn_embed_dim=3456, decoder_layers=24, vocab_size=32000,
          activation_fn="swish", no_scale_embedding=True, layernorm_embedding=False,
          recurrent_chunk_size=512, share_decoder_input_output_embed=False, layernorm_eps=1e-6)
TINY = dict(XL, decoder_embed_dim=128, decoder_value_embed_dim=192, decoder_retention_heads=2,
            decoder_ffn_embed_dim=256, decoder_layers=2, vocab_size=500, recurrent_chunk_size=16)


def retnet_params(cfg):
    """torchscale's parameter names and shapes for `cfg`."""
    d, dv, f, V = (cfg["decoder_embed_dim"], cfg["decoder_value_embed_dim"],
                   cfg["decoder_ffn_embed_dim"], cfg["vocab_size"])
    p = {"embed_tokens.weight": (V, d), "layer_norm.weight": (d,)}
    if cfg.get("layernorm_embedding"):
        p["layernorm_embedding.weight"] = (d,)
    if not cfg.get("share_decoder_input_output_embed"):
        p["output_projection.weight"] = (V, d)
    for i in range(cfg["decoder_layers"]):
        L = f"layers.{i}."
        p.update({L + "retention.q_proj.weight": (d, d), L + "retention.k_proj.weight": (d, d),
                  L + "retention.v_proj.weight": (dv, d), L + "retention.g_proj.weight": (dv, d),
                  L + "retention.out_proj.weight": (d, dv), L + "retention_layer_norm.weight": (d,),
                  L + "ffn.fc1.weight": (f, d), L + "ffn.gate.weight": (f, d),
                  L + "ffn.fc2.weight": (d, f), L + "final_layer_norm.weight": (d,)})
    return p


def make_weights(cfg, model_dir, seed, device):
    """Random bf16 checkpoint: N(0, 0.02) matrices (torchscale's init scale
    order), norm weights 1 + N(0, 0.02)."""
    import torch
    from safetensors.torch import save_file
    os.makedirs(model_dir, exist_ok=True)
    with open(os.path.join(model_dir, "config.json"), "w") as fh:
        json.dump(cfg, fh, indent=1, sort_keys=True)
    path = os.path.join(model_dir, "model.safetensors")
    stamp = os.path.join(model_dir, "seed")
    if os.path.exists(path) and os.path.exists(stamp) and open(stamp).read() == str(seed):
        return
    g = torch.Generator(device=device).manual_seed(seed)
    state = {}
    for name, shape in retnet_params(cfg).items():
        x = torch.randn(*shape, generator=g, device=device) * 0.02
        if len(shape) == 1:
            x += 1.0
        state[name] = x.to(torch.bfloat16).cpu().contiguous()
    save_file(state, path)
    with open(stamp, "w") as fh:
        fh.write(str(seed))


def device_used(cuda):
    """Bytes in use on the whole device (0 on the CPU)."""
    if not cuda:
        return 0
    import torch
    free, total = torch.cuda.mem_get_info()
    return total - free


# -- RetNet through the C API ------------------------------------------------
def run_retnet(a, cfg, model_dir):
    import numpy as np
    cuda = not a.dry_run
    if cuda:
        import torch
        torch.cuda.init()
        torch.zeros(1, device="cuda")  # the primary context, in the baseline
    base = device_used(cuda)
    lib = ctypes.CDLL(os.path.join(a.lib, "libretnet.so"))
    vp, i64 = ctypes.c_void_p, ctypes.c_int64
    P64 = ctypes.POINTER(ctypes.c_int64)
    PF = ctypes.POINTER(ctypes.c_float)
    lib.retnet_last_error.restype = ctypes.c_char_p
    lib.retnet_model_open_on.restype = vp
    lib.retnet_model_open_on.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int]
    lib.retnet_model_vocab_size.restype = i64
    lib.retnet_model_vocab_size.argtypes = [vp]
    lib.retnet_model_state_bytes.restype = i64
    lib.retnet_model_state_bytes.argtypes = [vp]
    lib.retnet_session_create.restype = vp
    lib.retnet_session_create.argtypes = [vp, i64]
    lib.retnet_prefill.argtypes = [vp, i64, P64, i64, ctypes.c_int, PF, ctypes.c_int]
    lib.retnet_decode.argtypes = [vp, P64, P64, i64, PF]
    lib.retnet_reset.argtypes = [vp, i64]
    lib.retnet_copy.argtypes = [vp, i64, i64]
    lib.retnet_session_free.argtypes = [vp]
    lib.retnet_model_close.argtypes = [vp]

    def check(rc, what):
        if rc:
            raise RuntimeError(f"{what}: {lib.retnet_last_error().decode(errors='replace')}")

    t0 = time.perf_counter()
    m = lib.retnet_model_open_on(model_dir.encode(), a.artifact.encode(), 1 if a.dry_run else 2)
    if not m:
        raise RuntimeError("retnet_model_open_on: " + lib.retnet_last_error().decode(errors="replace"))
    open_s = time.perf_counter() - t0
    V = lib.retnet_model_vocab_size(m)
    state_bytes = lib.retnet_model_state_bytes(m)
    batches = [int(x) for x in a.batches.split(",")]
    maxb = max(batches)
    s = lib.retnet_session_create(m, maxb)
    if not s:
        raise RuntimeError("retnet_session_create: " + lib.retnet_last_error().decode(errors="replace"))
    rng = np.random.default_rng(42)
    logits = np.zeros((maxb, V), dtype=np.float32)
    lp = logits.ctypes.data_as(PF)
    rows = []
    prefill_rate = None  # tokens/s of the last prefill, to predict the next
    for ctx in [int(x) for x in a.contexts.split(",")]:
        rec = dict(side="retnet", context=ctx, state_bytes_per_sequence=state_bytes, open_s=open_s)
        if prefill_rate and ctx / prefill_rate > a.prefill_budget_s:
            for b in batches:
                rows.append(dict(rec, batch=b, status="skipped",
                                 note=f"prefill of {ctx} tokens predicted {ctx / prefill_rate:.0f} s "
                                      f"(over --prefill-budget-s {a.prefill_budget_s:g})"))
                print(json.dumps(rows[-1]), flush=True)
            continue
        toks = rng.integers(0, V, size=ctx, dtype=np.int64)
        for b in range(maxb):
            check(lib.retnet_reset(s, b), "retnet_reset")
        t0 = time.perf_counter()
        check(lib.retnet_prefill(s, 0, toks.ctypes.data_as(P64), ctx, 2, lp, 1), "retnet_prefill")
        pre_s = time.perf_counter() - t0
        prefill_rate = ctx / pre_s
        for b in range(1, maxb):
            check(lib.retnet_copy(s, b, 0), "retnet_copy")
        logits[1:] = logits[0]
        for b in batches:
            seqs = np.arange(b, dtype=np.int64)
            steps = []
            for n in range(a.warmup + a.steps):
                nxt = logits[:b].argmax(axis=1).astype(np.int64)
                t0 = time.perf_counter()
                check(lib.retnet_decode(s, seqs.ctypes.data_as(P64), nxt.ctypes.data_as(P64), b, lp),
                      "retnet_decode")
                if n >= a.warmup:
                    steps.append(time.perf_counter() - t0)
            steps.sort()
            med = steps[len(steps) // 2]
            r = dict(rec, batch=b, status="ok", prefill_s=pre_s, prefill_tokens_per_s=ctx / pre_s,
                     step_ms=med * 1e3, tokens_per_s=b / med, steps=len(steps),
                     finite=bool(np.isfinite(logits[:b]).all()),
                     device_bytes=device_used(cuda) - base)
            rows.append(r)
            print(json.dumps(r), flush=True)
    lib.retnet_session_free(s)
    lib.retnet_model_close(m)
    return rows


# -- the Transformer peer ------------------------------------------------------
def transformer_dims(cfg, heads=None):
    d, L = cfg["decoder_embed_dim"], cfg["decoder_layers"]
    per_layer = (2 * d * d + 3 * d * cfg["decoder_value_embed_dim"] +
                 3 * d * cfg["decoder_ffn_embed_dim"])
    ffn = int(round((per_layer - 4 * d * d) / (3 * d) / 128)) * 128
    h = heads or max(1, d // 128)
    return dict(d=d, layers=L, heads=h, head_dim=d // h, ffn=max(128, ffn), vocab=cfg["vocab_size"])


def run_transformer(a, cfg):
    import torch
    import torch.nn.functional as F
    cuda = not a.dry_run
    dev = "cuda" if cuda else "cpu"
    dt = torch.bfloat16
    if cuda:
        torch.zeros(1, device=dev)
    base = device_used(cuda)
    D = transformer_dims(cfg)
    d, L, H, hd, f, V = D["d"], D["layers"], D["heads"], D["head_dim"], D["ffn"], D["vocab"]
    g = torch.Generator(device=dev).manual_seed(5)

    def w(*shape):
        return (torch.randn(*shape, generator=g, device=dev) * 0.02).to(dt)

    layers = [dict(n1=torch.ones(d, device=dev, dtype=dt), wqkv=w(3 * d, d), wo=w(d, d),
                   n2=torch.ones(d, device=dev, dtype=dt), w13=w(2 * f, d), w2=w(d, f))
              for _ in range(L)]
    emb, norm, head = w(V, d), torch.ones(d, device=dev, dtype=dt), w(V, d)
    params = sum(t.numel() for lay in layers for t in lay.values()) + emb.numel() + head.numel() + d
    inv = 1.0 / (10000 ** (torch.arange(0, hd, 2, device=dev, dtype=torch.float32) / hd))
    eps = cfg["layernorm_eps"]

    def rms(x, wt):
        xf = x.float()
        return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)).to(dt) * wt

    def rope(x, cos, sin):  # x [B,H,1,hd], NeoX halves
        x1, x2 = x[..., : hd // 2], x[..., hd // 2:]
        return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)

    rows = []
    for ctx in [int(x) for x in a.contexts.split(",")]:
        for b in [int(x) for x in a.batches.split(",")]:
            rec = dict(side="transformer", context=ctx, batch=b, params=params, dims=D)
            need = 2 * L * b * H * (ctx + 1) * hd * 2
            if cuda and need > a.max_kv_bytes:
                rows.append(dict(rec, status="skipped", note=f"KV cache {need / 1e9:.1f} GB over "
                                 f"--max-kv-bytes"))
                print(json.dumps(rows[-1]), flush=True)
                continue
            try:
                if cuda:
                    torch.cuda.reset_peak_memory_stats()
                # Cache of ctx + 1 positions: ctx of context (random values) + this step's.
                kc = torch.randn(L, b, H, ctx + 1, hd, generator=g, device=dev, dtype=dt)
                vc = torch.randn(L, b, H, ctx + 1, hd, generator=g, device=dev, dtype=dt)
                tok = torch.randint(0, V, (b,), generator=g, device=dev)
                ang = ctx * inv
                cos, sin = ang.cos().to(dt), ang.sin().to(dt)
                out = {}

                def step():
                    x = emb[tok][:, None, :]  # [B,1,d]
                    for i, lay in enumerate(layers):
                        h = rms(x, lay["n1"])
                        qkv = F.linear(h, lay["wqkv"]).view(b, 1, 3, H, hd).permute(2, 0, 3, 1, 4)
                        q, k, v = rope(qkv[0], cos, sin), rope(qkv[1], cos, sin), qkv[2]
                        kc[i, :, :, ctx:ctx + 1] = k
                        vc[i, :, :, ctx:ctx + 1] = v
                        att = F.scaled_dot_product_attention(q, kc[i], vc[i])
                        x = x + F.linear(att.transpose(1, 2).reshape(b, 1, d), lay["wo"])
                        h = rms(x, lay["n2"])
                        a13 = F.linear(h, lay["w13"])
                        x = x + F.linear(F.silu(a13[..., :f]) * a13[..., f:], lay["w2"])
                    out["logits"] = F.linear(rms(x, norm), head).float()
                    return out["logits"]

                def timed(fn, reps):
                    if not cuda:
                        ts = []
                        for _ in range(reps):
                            t0 = time.perf_counter()
                            fn()
                            ts.append((time.perf_counter() - t0) * 1e3)
                        return sorted(ts)[len(ts) // 2]
                    ev = [(torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True))
                          for _ in range(reps)]
                    for e0, e1 in ev:
                        e0.record()
                        fn()
                        e1.record()
                    torch.cuda.synchronize()
                    ts = sorted(e0.elapsed_time(e1) for e0, e1 in ev)
                    return ts[len(ts) // 2]

                with torch.inference_mode():
                    for _ in range(a.warmup):
                        step()
                    eager = timed(step, a.steps)
                    graph_ms, why = None, ""
                    if cuda:
                        try:
                            s = torch.cuda.Stream()
                            s.wait_stream(torch.cuda.current_stream())
                            with torch.cuda.stream(s):
                                for _ in range(2):
                                    step()
                            torch.cuda.current_stream().wait_stream(s)
                            gr = torch.cuda.CUDAGraph()
                            with torch.cuda.graph(gr):
                                step()
                            gr.replay()
                            torch.cuda.synchronize()
                            graph_ms = timed(gr.replay, max(a.steps, 20))
                            del gr
                        except Exception as e:  # eager numbers stand
                            why = f"graph capture failed: {type(e).__name__}: {e}"[:200]
                ms = min(eager, graph_ms) if graph_ms else eager
                r = dict(rec, status="ok", step_ms=ms, eager_step_ms=eager, graph_step_ms=graph_ms,
                         tokens_per_s=b / (ms * 1e-3), kv_cache_bytes=need,
                         finite=bool(torch.isfinite(out["logits"]).all()),
                         device_bytes=device_used(cuda) - base,
                         torch_peak_bytes=torch.cuda.max_memory_allocated() if cuda else 0, note=why)
                del kc, vc
                if cuda:
                    torch.cuda.empty_cache()
            except Exception as e:  # out of memory, say: a row, not the end
                r = dict(rec, status="error", error=f"{type(e).__name__}: {e}"[:300])
                kc = vc = None
                if cuda:
                    torch.cuda.empty_cache()
            rows.append(r)
            print(json.dumps(r), flush=True)
    return rows


def plot(rows, png):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception as e:
        print(f"bench_model: no plot ({type(e).__name__}: {e})", file=sys.stderr)
        return None
    fig, ax = plt.subplots(1, 2, figsize=(11, 4))
    ok = [r for r in rows if r.get("status") == "ok"]
    for side, mark in (("retnet", "o-"), ("transformer", "s--")):
        for b in sorted({r["batch"] for r in ok if r["side"] == side}):
            rs = sorted((r for r in ok if r["side"] == side and r["batch"] == b), key=lambda r: r["context"])
            xs = [r["context"] for r in rs]
            ax[0].plot(xs, [r["tokens_per_s"] for r in rs], mark, label=f"{side} batch {b}")
            ax[1].plot(xs, [r["device_bytes"] / 2**30 for r in rs], mark, label=f"{side} batch {b}")
    for x, t in zip(ax, ("decode tokens/s", "GPU memory in use (GiB)")):
        x.set_xscale("log", base=2)
        x.set_xlabel("context length (tokens)")
        x.set_title(t)
        x.grid(alpha=0.3)
        x.legend(fontsize=8)
    ax[0].set_yscale("log")
    fig.suptitle("RetNet (ours, recurrent decode) vs Transformer with KV cache (PyTorch SDPA), same size")
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    return png


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--artifact", help="retnet-compile --target cuda output (cpu with --dry-run)")
    ap.add_argument("--config", help="config.json the artifact was compiled from (default: the xl config)")
    ap.add_argument("--lib", help="folder with libretnet.so (and libretnet_cuda_runtime.so)")
    ap.add_argument("--work", default="/tmp/retnet-bench-model", help="where the weights are written")
    ap.add_argument("--contexts", default="512,2048,8192")
    ap.add_argument("--batches", default="1,16,64,256")
    ap.add_argument("--steps", type=int, default=16)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--prefill-budget-s", type=float, default=45.0,
                    help="skip a context whose prefill is predicted slower (from the last one)")
    ap.add_argument("--max-kv-bytes", type=float, default=120e9,
                    help="skip Transformer runs whose KV cache is larger (8k x 64: 103 GB)")
    ap.add_argument("--side", choices=["retnet", "transformer", "both"], default="both")
    ap.add_argument("--out", help="JSON file (a PNG is written beside it)")
    ap.add_argument("--dry-run", action="store_true", help="CPU, tiny config, compiled here with --build")
    ap.add_argument("--build", help="build folder (dry run: retnet-compile, libretnet)")
    ap.add_argument("--write-config", metavar="FILE", help="only write the xl config.json (prepare.sh)")
    a = ap.parse_args()
    if a.write_config:
        with open(a.write_config, "w") as fh:
            json.dump(XL, fh, indent=1, sort_keys=True)
        return 0

    if a.dry_run:
        cfg = TINY
        if a.contexts == ap.get_default("contexts"):
            a.contexts = "8,40"
        if a.batches == ap.get_default("batches"):
            a.batches = "1,2"
        a.steps, a.warmup = min(a.steps, 4), 1
        a.lib = a.lib or os.path.join(a.build, "lib")
    else:
        cfg = json.load(open(a.config)) if a.config else XL
    model_dir = os.path.join(a.work, "model")

    if a.side != "both":  # a child process: one side, JSON rows on stdout
        rows = run_retnet(a, cfg, model_dir) if a.side == "retnet" else run_transformer(a, cfg)
        print("ROWS " + json.dumps(rows), flush=True)
        return 0

    t0 = time.perf_counter()
    import torch
    if not a.dry_run and not torch.cuda.is_available():
        print("bench_model: torch sees no GPU", file=sys.stderr)
        return 1
    make_weights(cfg, model_dir, a.seed, "cpu" if a.dry_run else "cuda")
    if not a.dry_run:
        torch.cuda.empty_cache()  # the children measure from their own baseline
    print(f"bench_model: weights in {model_dir} ({time.perf_counter() - t0:.1f} s)", flush=True)
    if a.dry_run:
        a.artifact = os.path.join(a.work, "cpu.so")
        subprocess.run([os.path.join(a.build, "bin", "retnet-compile"), "-q", model_dir, "-o", a.artifact],
                       check=True)
    rows, errors = [], []
    for side in ("retnet", "transformer"):
        cmd = [sys.executable, os.path.abspath(__file__), "--side", side] + [
            x for k, v in vars(a).items() if v not in (None, False) and k not in ("side", "out")
            for x in ([f"--{k.replace('_', '-')}"] if v is True else [f"--{k.replace('_', '-')}", str(v)])]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
        got = [json.loads(l[5:]) for l in p.stdout.splitlines() if l.startswith("ROWS ")]
        if p.returncode or not got:
            errors.append(f"{side} side failed (exit {p.returncode})")
            rows += [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
            rows.append(dict(side=side, status="error", error=errors[-1]))
        else:
            rows += got[0]
    summary = {}
    for r in rows:
        if r.get("status") != "ok" or r["side"] != "retnet":
            continue
        t = next((x for x in rows if x["side"] == "transformer" and x.get("status") == "ok"
                  and x["context"] == r["context"] and x["batch"] == r["batch"]), None)
        if t:
            summary[f"ctx{r['context']}_b{r['batch']}"] = dict(
                retnet_tokens_per_s=r["tokens_per_s"], transformer_tokens_per_s=t["tokens_per_s"],
                ratio=r["tokens_per_s"] / t["tokens_per_s"], retnet_device_bytes=r["device_bytes"],
                transformer_device_bytes=t["device_bytes"])
    res = dict(date=time.strftime("%Y-%m-%d %H:%M"), config=cfg, transformer=transformer_dims(cfg),
               dry_run=a.dry_run, rows=rows, summary=summary, errors=errors)
    if a.out:
        with open(a.out, "w") as fh:
            json.dump(res, fh, indent=1)
        png = plot(rows, os.path.splitext(a.out)[0] + ".png")
        res["png"] = png
        if png:
            print(f"bench_model: plot in {png}")
    for k, v in summary.items():
        print(f"bench_model: {k}: retnet {v['retnet_tokens_per_s']:.1f} tok/s, transformer "
              f"{v['transformer_tokens_per_s']:.1f} tok/s, ratio {v['ratio']:.2f}x; memory "
              f"{v['retnet_device_bytes'] / 2**30:.2f} vs {v['transformer_device_bytes'] / 2**30:.2f} GiB")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
