#!/usr/bin/env python3
"""Whole-model benchmark: compiled RetNet vs torchscale on PyTorch (CPU).

For the bundled example model and a torchscale-xl-sized config (d=2048,
Dv=3456, 8 heads, FFN 3456, 24 layers, vocab 32000; random weights made
here with torchscale, saved as bf16, computed in f32 by both sides), runs
retnet-bench-model (C API; compiled on first use) and peer_torchscale.py in
the same run, side by side: prefill tokens/s per form and decode tokens/s at
batch 1 and 16. Then each weight format (f32, bf16 = `retnet-compile --dtype
bf16`, int8 = `--weights int8`; all with --threads): chunkwise prefill, decode
at batch 1 and 16, and the batch-1 floor: the bytes a decode step must read
(every matrix once, in its format, plus the retention state read and written)
over the machine's read bandwidth (retnet-bench-bandwidth, two threads,
measured next to each decode), with the fraction of it achieved. Prints a
table last and writes benchmarks/results/model_cpu.json.

    benchmarks/model/run.py [--build-dir build] [--skip-xl] [--quick] [--skip-formats]

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
        forms = "parallel,chunkwise,recurrent,auto" if batch == batches[0] else "chunkwise"
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
                            "--forms", "auto"], env=env)
            for o in one:
                o.update(side="retnet-1thread", model=name, run_batch=batch)
            ours += one
        for t in theirs:
            t.update(side="torchscale", model=name, run_batch=batch)
        rows += ours + theirs
    return rows


FORMATS = {"f32": [], "bf16": ["--dtype", "bf16"], "int8": ["--weights", "int8"]}
BYTES = {"f32": 4, "bf16": 2, "int8": 1}


def step_bytes(model_dir, fmt):
    """Bytes one batch-1 decode step reads at least: every matrix (8 per
    layer and the head) once in `fmt` (int8: plus a 4-byte scale per output
    channel), and the f32 retention state read and written."""
    with open(os.path.join(model_dir, "config.json")) as f:
        c = json.load(f)
    d, dv, F = c["decoder_embed_dim"], c["decoder_value_embed_dim"], c["decoder_ffn_embed_dim"]
    dk = d
    H, L, V = c["decoder_retention_heads"], c["decoder_layers"], c["vocab_size"]
    mats = [(dk, d), (dk, d), (dv, d), (dv, d), (d, dv), (F, d), (F, d), (d, F)]
    b = L * sum(o * i * BYTES[fmt] + (4 * o if fmt == "int8" else 0) for o, i in mats)
    b += V * d * BYTES[fmt] + (4 * V if fmt == "int8" else 0)
    state = L * H * (dk // H) * (dv // H) * 4
    return b + 2 * state


def measure_formats(name, model_dir, prompt, decode, build, reps, batch_prompt=None):
    """Every weight format of `model_dir`, compiled with --threads: prefill
    in the form auto picks and decode at batch 1 and 16, each batch-1 decode next to a
    bandwidth measurement."""
    bench = os.path.join(build, "bin", "retnet-bench-model")
    bw = os.path.join(build, "bin", "retnet-bench-bandwidth")
    art_dir = os.path.join(build, "bench-models", "artifacts")
    os.makedirs(art_dir, exist_ok=True)
    rows = []
    for fmt, flags in FORMATS.items():
        art = os.path.join(art_dir, f"{name}-{fmt}.so")
        subprocess.run([os.path.join(build, "bin", "retnet-compile"), model_dir, "-o", art,
                        "--threads", "-q"] + flags, check=True)
        for batch in (1, 16):
            before = run_json([bw, "--threads", "2", "--mib", "1024", "--reps", "3"])
            # The kernel reclaims the bandwidth run's 1 GiB for a while after
            # it exits; a prefill measured at once ran at half speed.
            time.sleep(3)
            p = batch_prompt if batch != 1 and batch_prompt else prompt
            got = run_json([bench, "--model", model_dir, "--artifact", art, "--prompt",
                            str(p), "--decode", str(decode), "--batch", str(batch),
                            "--reps", str(reps), "--forms", "auto"])
            after = run_json([bw, "--threads", "2", "--mib", "1024", "--reps", "3"])
            gbps = (before[0]["read_gb_per_s"] + after[0]["read_gb_per_s"]) / 2
            for r in got:
                r.update(side="retnet-" + fmt, model=name, run_batch=batch, format=fmt,
                         read_gb_per_s=gbps)
                if r["kind"] == "decode" and batch == 1:
                    r["floor_seconds"] = step_bytes(model_dir, fmt) / (gbps * 1e9)
                    r["floor_fraction"] = r["floor_seconds"] / r["step_seconds_median"]
            rows += got
        # Thread scaling of the same artifact: one OpenMP thread.
        one = run_json([bench, "--model", model_dir, "--artifact", art, "--prompt", str(prompt),
                        "--decode", "1", "--batch", "1", "--reps", str(reps), "--forms",
                        "auto"], env=dict(os.environ, OMP_NUM_THREADS="1"))
        for r in one:
            r.update(side="retnet-" + fmt + "-1thread", model=name, run_batch=1,
                     format=fmt, threads=1)
        rows += [r for r in one if r["kind"] == "prefill"]
    return rows


def format_table(rows):
    lines = []
    for m in sorted({r["model"] for r in rows if "format" in r},
                    key=lambda m: m != "retnet-tiny"):
        rs = [r for r in rows if r["model"] == m]
        def ts_pre(tokens):
            return max((r for r in rs if r["side"] == "torchscale" and r["kind"] == "prefill"
                        and r.get("run_batch", 1) == 1 and r["tokens"] == tokens),
                       key=lambda r: r["tokens_per_s"])
        for r in rs:
            if "format" not in r:
                continue
            if r.get("threads") == 1:
                two = next(x for x in rs if x.get("format") == r["format"] and
                           x["kind"] == "prefill" and x["run_batch"] == 1 and "threads" not in x)
                lines.append(f"{m:12s} {r['format']:4s} prefill T={r['tokens']:<5d} 1 thread  "
                             f"{r['tokens_per_s']:10.1f} tok/s   2 threads "
                             f"{two['tokens_per_s'] / r['tokens_per_s']:5.2f}x (target 1.8x)")
            elif r["kind"] == "prefill" and r["run_batch"] == 1:
                form = "auto:" + r.get("ran", r["form"])[:5]
                lines.append(f"{m:12s} {r['format']:4s} prefill T={r['tokens']:<5d} {form:10s}"
                             f"{r['tokens_per_s']:10.1f} tok/s   vs torchscale "
                             f"{r['tokens_per_s'] / ts_pre(r['tokens'])['tokens_per_s']:5.2f}x "
                             f"(target 1.5x)")
            if r["kind"] == "decode":
                t = next(x for x in rs if x["kind"] == "decode" and x["side"] == "torchscale"
                         and x["batch"] == r["batch"])
                floor = (f"   floor {r['floor_seconds'] * 1e3:7.1f} ms at "
                         f"{r['read_gb_per_s']:.1f} GB/s, achieved {r['floor_fraction']:.2f} "
                         f"(target 0.8)" if "floor_seconds" in r else "")
                lines.append(f"{m:12s} {r['format']:4s} decode batch {r['batch']:<3d}"
                             f"{r['tokens_per_s']:10.1f} tok/s   vs torchscale f32 "
                             f"{r['tokens_per_s'] / t['tokens_per_s']:5.2f}x{floor}")
    return lines


def table(rows):
    lines = []
    models = sorted({r["model"] for r in rows}, key=lambda m: m != "retnet-tiny")
    summary = {}
    for m in models:
        rs = [r for r in rows if r["model"] == m and "format" not in r]
        # Prefill is compared in the batch-1 runs (same prompt on both sides).
        pre = [r for r in rs if r["kind"] == "prefill" and r.get("run_batch", 1) == 1]
        ts = {r["form"]: r for r in pre if r["side"] == "torchscale"}
        best_torch = max(ts.values(), key=lambda r: r["tokens_per_s"])
        for r in pre:
            if r["side"].startswith("retnet"):
                # torchscale at the same prompt length.
                same = [t for t in pre if t["side"] == "torchscale" and
                        t["tokens"] == r["tokens"]] or list(ts.values())
                best_torch = max(same, key=lambda t: t["tokens_per_s"])
                ratio = r["tokens_per_s"] / best_torch["tokens_per_s"]
                label = r["form"] + (" 1thr" if r["side"] == "retnet-1thread" else "")
                extra = ""
                if r["form"] == "auto" and r["side"] == "retnet":
                    label = "auto:" + r["ran"][:5]
                    explicit = [e for e in pre if e["side"] == "retnet" and e["form"] != "auto"
                                and e["tokens"] == r["tokens"]]
                    fastest = max(explicit, key=lambda e: e["tokens_per_s"])
                    # auto ran one of the explicit forms: its own timing and
                    # that form's are two samples of the same code.
                    same_form = next(e for e in explicit if e["form"] == r["ran"])
                    vs = max(r["tokens_per_s"], same_form["tokens_per_s"]) / fastest["tokens_per_s"]
                    summary[f"{m}_T{r['tokens']}_auto_vs_fastest_form"] = vs
                    extra = (f"   auto ran {r['ran']}: {vs:4.2f} of the fastest form "
                             f"({fastest['form']}; target >= 0.9)")
                lines.append(f"{m:12s} prefill T={r['tokens']:<5d} {label:14s} "
                             f"{r['tokens_per_s']:10.1f} tok/s   torchscale best "
                             f"({best_torch['form']}) {best_torch['tokens_per_s']:9.1f}   "
                             f"ratio {ratio:5.2f}x{extra}")
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
    ap.add_argument("--skip-formats", action="store_true",
                    help="no bf16/int8 rows (f32 against torchscale only)")
    a = ap.parse_args()
    subprocess.run(["cmake", "--build", a.build_dir, "--target", "retnet-bench-model",
                    "retnet-bench-bandwidth", "retnet-compile"], check=True)
    reps = 1 if a.quick else 3
    tiny = os.path.join(ROOT, "examples", "retnet-tiny")
    rows = measure("retnet-tiny", tiny, 512, 64, [1, 16], a.build_dir, reps)
    # The long prompt: prefill only (its decode row is not tabled).
    rows += [r for r in measure("retnet-tiny", tiny, 2048, 1, [1], a.build_dir, reps)
             if r["kind"] == "prefill"]
    if not a.skip_formats:
        rows += measure_formats("retnet-tiny", tiny, 512, 64, a.build_dir, reps)
    if not a.skip_xl:
        xl = os.path.join(a.build_dir, "bench-models", "retnet-xl-random")
        make_xl(xl)
        # torchscale feeds a prompt to its incremental state token by token,
        # so the batch-16 decode context is kept short.
        rows += measure("retnet-xl", xl, 128 if a.quick else 512, 8 if a.quick else 16,
                        [1, 16], a.build_dir, 1, batch_prompt=32)
        if not a.quick:
            rows += [r for r in measure("retnet-xl", xl, 2048, 1, [1], a.build_dir, 1)
                     if r["kind"] == "prefill"]
        if not a.skip_formats:
            rows += measure_formats("retnet-xl", xl, 128 if a.quick else 512,
                                    8 if a.quick else 16, a.build_dir, 1, batch_prompt=32)
    lines, summary = table(rows)
    lines += format_table(rows)
    out = os.path.join(ROOT, "benchmarks", "results", "model_cpu.json")
    with open(out, "w") as f:
        json.dump({"date": time.strftime("%Y-%m-%d %H:%M"), "cpu": os.cpu_count(),
                   "rows": rows, "summary": summary}, f, indent=1)
    print("\n".join(lines))
    print(f"(written to {os.path.relpath(out, ROOT)})")


if __name__ == "__main__":
    main()
