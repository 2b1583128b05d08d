#!/usr/bin/env python3
"""CPU benchmark: compiled retention kernels vs PyTorch, side by side.

Builds retnet-bench-cpu (kernels compiled with --retention-cpu-pipeline),
runs it and the PyTorch peer (peer_torch.py) in the same run, prints a table
with GFLOP/s, tokens/s and the ratios against PyTorch and the measured f32
GEMM roof, and writes benchmarks/results/cpu.json and cpu_prefill.png.

    benchmarks/cpu/run.py [--build-dir build] [--quick]
"""

import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGETS = {"roof_fraction_t8192": 0.5, "vs_torch_t8192": 1.0, "decode_vs_torch": 3.0,
           "t8192_over_t2048_max": 4.6}


def run_json(cmd):
    print("+", " ".join(cmd), file=sys.stderr, flush=True)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = ap.parse_args()
    quick = ["--quick"] if args.quick else []

    subprocess.run(["cmake", "--build", args.build_dir, "--target", "retnet-bench-cpu"],
                   check=True)
    ours = run_json([os.path.join(args.build_dir, "bin", "retnet-bench-cpu")] + quick)
    peer = run_json([sys.executable, os.path.join(ROOT, "benchmarks", "cpu", "peer_torch.py")]
                    + quick)
    roof = next(r["gflops"] for r in peer if r["kind"] == "gemm")

    def pick(rows, kind, key, val):
        return next(r for r in rows if r["kind"] == kind and r[key] == val)

    lines = [f"f32 GEMM roof (torch.mm 2048^3, all threads): {roof:.1f} GFLOP/s", "",
             "chunkwise prefill, B=1 H=8 dk=256 dv=512 C=64",
             f"{'T':>6} {'retnet ms':>10} {'GFLOP/s':>8} {'of roof':>8} {'torch ms':>9}"
             f" {'GFLOP/s':>8} {'speedup':>8}"]
    summary = {"gemm_roof_gflops": roof}
    for T in (512, 2048, 8192):
        a, b = pick(ours, "chunkwise", "T", T), pick(peer, "chunkwise", "T", T)
        lines.append(f"{T:>6} {a['seconds']*1e3:>10.2f} {a['gflops']:>8.1f} "
                     f"{a['gflops']/roof:>8.2f} {b['seconds']*1e3:>9.2f} {b['gflops']:>8.1f} "
                     f"{b['seconds']/a['seconds']:>7.2f}x")
    lines += ["", "recurrent decode step, H=8 dk=256 dv=512, f32 state",
              f"{'batch':>6} {'retnet tok/s':>13} {'state GB/s':>11} {'torch tok/s':>12}"
              f" {'speedup':>8}"]
    for B in (1, 16):
        a, b = pick(ours, "decode", "batch", B), pick(peer, "decode", "batch", B)
        lines.append(f"{B:>6} {a['tokens_per_s']:>13.0f} {a['state_gb_per_s']:>11.1f} "
                     f"{b['tokens_per_s']:>12.0f} {a['tokens_per_s']/b['tokens_per_s']:>7.2f}x")
        summary[f"decode_b{B}_vs_torch"] = a["tokens_per_s"] / b["tokens_per_s"]
    a, b = pick(ours, "projection", "m", 512), pick(peer, "projection", "m", 512)
    lines += ["", "prefill projection, 512 x 2048 times 2048 x 3456 f32 (xl's FFN), best of runs",
              f"  retnet {a['gflops']:.1f} GFLOP/s ({a['best_seconds']*1e3:.2f} ms), torch.mm "
              f"{b['gflops']:.1f} GFLOP/s ({b['best_seconds']*1e3:.2f} ms): "
              f"{a['gflops']/b['gflops']:.2f} of torch"]
    summary["projection_vs_torch"] = a["gflops"] / b["gflops"]
    c8, c2 = pick(ours, "chunkwise", "T", 8192), pick(ours, "chunkwise", "T", 2048)
    summary["roof_fraction_t8192"] = c8["gflops"] / roof
    summary["vs_torch_t8192"] = pick(peer, "chunkwise", "T", 8192)["seconds"] / c8["seconds"]
    summary["t8192_over_t2048"] = c8["seconds"] / c2["seconds"]
    lines += ["", "targets: chunkwise T=8192 >= 0.5 of roof and >= 1.0x torch; decode >= 3x torch;"
              " T=8192 time <= 4.6x T=2048",
              f"  roof fraction {summary['roof_fraction_t8192']:.2f} (target 0.5), "
              f"vs torch {summary['vs_torch_t8192']:.2f}x (target 1.0), "
              f"decode b1 {summary['decode_b1_vs_torch']:.2f}x / b16 "
              f"{summary['decode_b16_vs_torch']:.2f}x (target 3.0), "
              f"T8192/T2048 {summary['t8192_over_t2048']:.2f} (target <= 4.6)"]
    print("\n".join(lines))

    results = os.path.join(ROOT, "benchmarks", "results")
    os.makedirs(results, exist_ok=True)
    with open(os.path.join(results, "cpu.json"), "w") as f:
        json.dump({"retnet": ours, "torch": peer, "summary": summary, "targets": TARGETS,
                   "machine": os.uname().machine, "cpus": os.cpu_count()}, f, indent=1)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing: no plot (pip install matplotlib)", file=sys.stderr)
        return
    Ts = [512, 2048, 8192]
    fig, ax = plt.subplots(figsize=(6, 4))
    for rows, name in ((ours, "retnet (compiled)"), (peer, "PyTorch (MKL)")):
        ax.plot(Ts, [pick(rows, "chunkwise", "T", T)["seconds"] * 1e3 for T in Ts], "o-",
                label=name)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("prompt length T")
    ax.set_ylabel("chunkwise prefill time (ms)")
    ax.set_title("Retention prefill on the CPU (B=1, H=8, dk=256, dv=512)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(results, "cpu_prefill.png"), dpi=120)


if __name__ == "__main__":
    main()
