#!/usr/bin/env python3
"""Figures of the CUDA target without a GPU, from the PTX simulator's counters.

For each model (the bundled example and the golden models by default) and
weight type (retnet-compile --dtype), compiles the model for CUDA with PTX
kernels, runs retnet-bench-model on the simulator (build/sim/libcuda.so.1)
with RETNET_SIM_STATS (one JSON line per kernel launch: global bytes read,
mma instructions, ...) and prints, per batch size:

  kernels/step    kernels run per decode step
  host launches/step  launch calls of the host per decode step: CUDA graph
                  launches plus kernels launched outside a graph (target 1)
  read/floor      global bytes read per decode step / the bytes a decode
                  step must read: every weight but the embedding table
                  (of which one row per sequence; the untied or tied head
                  is a stored matrix of its own) plus the batch's state;
                  target <= 1.1 at batch 1; every lane's bytes count,
                  broadcasts and cache hits included
  read/all        the same over every weight byte (the embedding table
                  whole) plus the states: the issue's literal floor
  sectors/floor   the same with each warp load instruction counted as the
                  distinct 32-byte sectors its lanes touch (what one request
                  moves; lanes reading one word share it): closer to the
                  traffic a GPU's caches see, still counting re-reads
  prefill launches  kernel launches per chunkwise prefill call
  tc share        share of the prefill's FLOPs (2 per weight per token,
                  plus the chunkwise retention's) not run on CUDA cores:
                  1 - (f32 FLOPs the simulator counted: fma 2, add, sub,
                  mul 1, per lane) / FLOPs; the f32 arithmetic of norms,
                  rotation and gates counts against it too; target >= 95 %
  mma/FLOPs       FLOPs the tensor cores ran (mma.sync instructions x
                  2*16*8*16, padding of partial tiles included) / the
                  prefill's FLOPs

    benchmarks/gpu/figures.py [--build-dir build] [--models DIR ...]
        [--dtypes f32,bf16] [--batches 1,4] [--prompt 32] [--decode 2]
        [--json benchmarks/results/gpu_sim_figures.json]

The simulator executes every instruction on the CPU: keep the shapes small
(the defaults take a few minutes on two cores). Counters are exact; times
are not measured here (see check.sh on a GPU).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MMA_FLOPS = 2 * 16 * 8 * 16  # one m16n8k16 mma.sync of a warp
BYTES = {"f32": 4, "bf16": 2, "f16": 2}


def config_of(model):
    with open(os.path.join(model, "config.json")) as f:
        c = json.load(f)
    d = c["decoder_embed_dim"]
    return dict(d=d, dv=c.get("decoder_value_embed_dim", 2 * d), F=c["decoder_ffn_embed_dim"],
                L=c["decoder_layers"], H=c["decoder_retention_heads"], V=c["vocab_size"],
                chunk=c.get("recurrent_chunk_size", 64),
                lnemb=bool(c.get("layernorm_embedding", False)))


def weight_elements(c):
    """Elements of the artifact's weight buffer (retnet::WeightLayout: every
    tensor padded to 32 elements; the head stored even when tied)."""
    pad = lambda n: (n + 31) // 32 * 32
    d, dv, F, V = c["d"], c["dv"], c["F"], c["V"]
    layer = (pad(d) + 2 * pad(d * d) + 2 * pad(dv * d) + pad(d * dv) + pad(d)
             + 2 * pad(F * d) + pad(d * F))
    return pad(V * d) + (pad(d) if c["lnemb"] else 0) + c["L"] * layer + pad(d) + pad(V * d)


def matmul_weights(c):
    d, dv, F, V = c["d"], c["dv"], c["F"], c["V"]
    return c["L"] * (2 * d * d + 3 * dv * d + 3 * F * d) + V * d


def prefill_flops(c, T):
    """2 per matmul weight per token, plus chunkwise retention per head and
    token: 2C(dk + dv) within the chunk and 4 dk dv against the state."""
    C = min(c["chunk"], T)
    dk, dvh = c["d"] // c["H"], c["dv"] // c["H"]
    retention = c["L"] * c["H"] * T * (2 * C * (dk + dvh) + 4 * dk * dvh)
    return 2 * matmul_weights(c) * T + retention


def run(cmd, env=None):
    print("+", " ".join(cmd), file=sys.stderr, flush=True)
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True, env=env).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--models", nargs="*")
    ap.add_argument("--dtypes", default="f32,bf16")
    ap.add_argument("--batches", default="1,4")
    ap.add_argument("--prompt", type=int, default=32)
    ap.add_argument("--decode", type=int, default=2)
    ap.add_argument("--json", default=os.path.join(ROOT, "benchmarks", "results",
                                                   "gpu_sim_figures.json"))
    a = ap.parse_args()
    models = a.models or [os.path.join(ROOT, "examples", "retnet-tiny")] + [
        os.path.join(ROOT, "test", "golden", "models", m)
        for m in sorted(os.listdir(os.path.join(ROOT, "test", "golden", "models")))]
    bindir = os.path.join(a.build_dir, "bin")
    sim = os.path.join(a.build_dir, "sim", "libcuda.so.1")
    if not os.path.exists(sim):
        sys.exit(f"figures.py: no simulator at {sim} (build the project first)")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for model in models:
            c = config_of(model)
            name = os.path.basename(model.rstrip("/"))
            for dtype in a.dtypes.split(","):
                artifact = os.path.join(tmp, f"{name}-{dtype}.so")
                run([os.path.join(bindir, "retnet-compile"), "-q", model, "--target", "cuda",
                     "--gpu-binary", "ptx", "--dtype", dtype, "-o", artifact])
                for batch in [int(b) for b in a.batches.split(",")]:
                    stats = os.path.join(tmp, f"{name}-{dtype}-{batch}.jsonl")
                    env = dict(os.environ, RETNET_CUDA_DRIVER=sim, RETNET_SIM_STATS=stats)
                    run([os.path.join(bindir, "retnet-bench-model"), "--model", model,
                         "--artifact", artifact, "--prompt", str(a.prompt), "--decode",
                         str(a.decode), "--batch", str(batch), "--reps", "1",
                         "--forms", "chunkwise"], env=env)
                    with open(stats) as f:
                        lines = [json.loads(line) for line in f]
                    graph_launches = sum(1 for k in lines if k.get("graph_launch"))
                    launches = [k for k in lines if "kernel" in k]
                    decode = [k for k in launches if "decode" in k["kernel"]]
                    direct = [k for k in decode if not k.get("from_graph")]
                    prefill = [k for k in launches if "prefill_chunkwise" in k["kernel"]]
                    calls = 1 + batch  # the timed prefill, then one per sequence
                    pad = (c["V"] * c["d"] + 31) // 32 * 32
                    weight_bytes = (weight_elements(c) - pad + batch * c["d"]) * BYTES[dtype]
                    state_bytes = c["L"] * c["d"] * c["dv"] // c["H"] * 4
                    read = sum(k["global_read_bytes"] for k in decode) / a.decode
                    sectors = sum(k["global_read_sector_bytes"] for k in decode) / a.decode
                    mma = sum(k["mma"] for k in prefill) / calls
                    cuda_core = sum(k["f32_flops"] for k in prefill) / calls
                    flops = prefill_flops(c, a.prompt)
                    rows.append(dict(
                        model=name, dtype=dtype, batch=batch, prompt=a.prompt,
                        decode_launches_per_step=len(decode) / a.decode,
                        decode_host_launches_per_step=(graph_launches + len(direct)) / a.decode,
                        decode_read_bytes_per_step=read,
                        floor_bytes=weight_bytes + batch * state_bytes,
                        read_over_floor=read / (weight_bytes + batch * state_bytes),
                        read_over_all_weights=read / (weight_elements(c) * BYTES[dtype]
                                                      + batch * state_bytes),
                        decode_read_sector_bytes_per_step=sectors,
                        sectors_over_floor=sectors / (weight_bytes + batch * state_bytes),
                        prefill_launches=len(prefill) / calls,
                        prefill_tensor_core_share=max(0.0, 1 - cuda_core / flops),
                        prefill_mma_over_flops=mma * MMA_FLOPS / flops))
    print(f"\n{'model':24} {'dtype':5} {'B':>3} {'kernels/step':>12} {'host launches/step':>18} "
          f"{'read/floor':>10} {'read/all':>8} {'sectors/floor':>13} {'prefill launches':>16} "
          f"{'tc share':>8} "
          f"{'mma/FLOPs':>9}")
    for r in rows:
        print(f"{r['model']:24} {r['dtype']:5} {r['batch']:>3} "
              f"{r['decode_launches_per_step']:>12.1f} {r['decode_host_launches_per_step']:>18.1f} "
              f"{r['read_over_floor']:>10.2f} {r['read_over_all_weights']:>8.2f} "
              f"{r['sectors_over_floor']:>13.2f} "
              f"{r['prefill_launches']:>16.1f} {100 * r['prefill_tensor_core_share']:>7.1f}% "
              f"{r['prefill_mma_over_flops']:>9.2f}")
    os.makedirs(os.path.dirname(a.json), exist_ok=True)
    with open(a.json, "w") as f:
        json.dump(rows, f, indent=1)
    print(f"wrote {a.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
