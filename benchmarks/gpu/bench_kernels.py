#!/usr/bin/env python3
"""GPU kernel benchmarks of issue 6: (a) chunkwise forward, (b) decode step.

Ours: the kernels compiled by compile_kernels.sh (one shared library per
shape and variant, entry `_mlir_ciface_kernel(memref descriptors...)`),
loaded with ctypes, on tensors PyTorch allocates (descriptors built from
data_ptr()). Peers in the same run, same shapes: flash-linear-attention's
chunk_retention and fused_chunk_retention for (a), fused_recurrent_retention
for (b) (layout [B,T,H,D]: inputs transposed once, outside the timed region;
scale dk^-0.5 on both sides, fla's default; fla's decay 1-2^(-5-h) is ours),
and a PyTorch chunkwise implementation (retention_torch.chunkwise: bf16
matmuls, f32 states) for (a). A peer that cannot be imported is reported as
unavailable.

Correctness first: each implementation's output (poisoned with NaN before
the run) and final state against a float32 PyTorch reference on the same
inputs (TF32 off; itself checked against the float64 recurrence at small
sizes by retention_torch.self_test, run here first), relative L2 <= 1e-2.

Timing: CUDA events on PyTorch's stream around each call, after warm-up;
median of the runs. Our generated host code launches on the runtime's own
stream, created blocking (cuStreamCreate flags 0), so it is ordered with
PyTorch's legacy default stream both ways, and it synchronizes that stream
after every launch: the events bracket the whole call (launch + kernels +
synchronization), and the host is blocked until it finishes. The peers'
calls are asynchronous; the events around each single call include its CPU
launch time whenever that exceeds the GPU time (as a user would see it).
Inputs: fresh random normal tensors (never zeros), several input sets in
rotation when one call's data would sit in the 60 MB L2.

FLOPs of (a), per token and head: 2*C*(dk+dv) + 4*dk*dv with C = 64 (the
intra-chunk Q K^T and P V counted dense over the chunk, the cross-chunk
q S and the state update k^T v), the count perf-anchors.md uses for fla.
Bytes of (b): state read + state write (f32) + q, k, v, o (bf16).

    bench_kernels.py --kernels DIR [--device cuda|cpu] [--part ours|peers|all]
                     [--out FILE.jsonl] [--only REGEX] [--budget-s S]

Writes one JSON line per measurement to --out as it goes (a crash keeps what
came before); bench_report.py makes the table.
"""

import argparse
import ctypes
import hashlib
import json
import math
import os
import re
import sys
import time
import traceback

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import retention_torch as rt  # noqa: E402

TOL = 1e-2


class Memref4(ctypes.Structure):
    """MLIR's ranked memref descriptor, rank 4 (what the C interface takes)."""
    _fields_ = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
                ("offset", ctypes.c_int64), ("sizes", ctypes.c_int64 * 4),
                ("strides", ctypes.c_int64 * 4)]


def descriptor(t):
    assert t.dim() == 4 and t.is_contiguous(), "our kernels take contiguous 4-d tensors"
    m = Memref4()
    m.allocated = m.aligned = t.data_ptr()
    m.offset = 0
    for i in range(4):
        m.sizes[i] = t.shape[i]
        m.strides[i] = t.stride(i)
    return m


class Runtime:
    """libretnet_cuda_runtime, loaded first (RTLD_GLOBAL) so that the kernels'
    libraries resolve to it; its error handler records instead of exiting."""

    def __init__(self, path):
        self.errors = []
        self.lib = ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
        HANDLER = ctypes.CFUNCTYPE(None, ctypes.c_char_p)
        self._handler = HANDLER(lambda msg: self.errors.append(msg.decode(errors="replace")))
        self.lib.retnet_cuda_set_error_handler(self._handler)

    def take_errors(self):
        e, self.errors = self.errors, []
        return e


class Kernel:
    def __init__(self, path, runtime):
        self.path = path
        self.runtime = runtime
        self.lib = ctypes.CDLL(path, mode=ctypes.RTLD_LOCAL)
        self.fn = self.lib._mlir_ciface_kernel
        self.fn.restype = None

    def __call__(self, descs):
        self.fn(*[ctypes.byref(d) for d in descs])
        if self.runtime:
            errs = self.runtime.take_errors()
            if errs:
                raise RuntimeError("CUDA error in our kernel: " + " | ".join(errs[:3]))


class Timer:
    def __init__(self, device):
        self.cuda = device == "cuda"

    def sync(self):
        if self.cuda:
            torch.cuda.synchronize()

    def run(self, fn, reps):
        """Per-call times in ms (events on the current stream, or the host clock)."""
        times = []
        if self.cuda:
            ev = [(torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True))
                  for _ in range(reps)]
            for i in range(reps):
                ev[i][0].record()
                fn(i)
                ev[i][1].record()
            torch.cuda.synchronize()
            times = [a.elapsed_time(b) for a, b in ev]
        else:
            for i in range(reps):
                t0 = time.perf_counter()
                fn(i)
                times.append((time.perf_counter() - t0) * 1e3)
        return times


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def flops_chunk(s):
    C = 64
    return s["B"] * s["H"] * s["T"] * (2 * C * (s["dk"] + s["dv"]) + 4 * s["dk"] * s["dv"])


def bytes_decode(s):
    B, H, dk, dv = s["B"], s["H"], s["dk"], s["dv"]
    return B * H * (2 * dk * dv * 4 + (2 * dk + 2 * dv) * 2)


def bytes_chunk(s):
    B, H, T, dk, dv = s["B"], s["H"], s["T"], s["dk"], s["dv"]
    return B * H * (T * (2 * dk + 2 * dv) * 2 + dk * dv * 4)


class Bench:
    def __init__(self, a):
        self.a = a
        self.dev = a.device
        self.timer = Timer(a.device)
        self.out = open(a.out, "a") if a.out else None
        self.gen = torch.Generator(device=self.dev).manual_seed(a.seed)
        self.runtime = None
        self.hashes = {}  # sha256 of a kernel library -> (variant, record list)
        self.slow = {}    # (variant, family) -> (T, ms): extrapolates to the next T

    def emit(self, rec):
        rec.setdefault("device", self.dev)
        line = json.dumps(rec)
        print(line, flush=True)
        if self.out:
            self.out.write(line + "\n")
            self.out.flush()

    def randn(self, *shape, dtype=torch.bfloat16, std=1.0):
        return (torch.randn(*shape, generator=self.gen, device=self.dev, dtype=torch.float32) * std).to(dtype)

    # -- inputs -------------------------------------------------------------
    def inputs(self, s, sets):
        """`sets` independent input sets: q, k, v ~ N(0,1) in bf16 (the
        projections after the model's RMSNorm are of unit scale); for decode a
        state with the spread of a long context, N(0, 1/(1-g^2)) per head."""
        B, H, T, dk, dv = s["B"], s["H"], s["T"], s["dk"], s["dv"]
        out = []
        for _ in range(sets):
            d = dict(q=self.randn(B, H, T, dk), k=self.randn(B, H, T, dk), v=self.randn(B, H, T, dv))
            if s["op"] == "recurrent":
                g = rt.gammas(H, self.dev, torch.float32)
                std = (1.0 / (1.0 - g * g)).sqrt().view(1, H, 1, 1)
                d["s"] = self.randn(B, H, dk, dv, dtype=torch.float32) * std
            out.append(d)
        return out

    def n_sets(self, s):
        per_call = bytes_decode(s) if s["op"] == "recurrent" else bytes_chunk(s)
        if self.dev != "cuda":
            return 1
        return int(max(1, min(32, math.ceil(256e6 / per_call))))

    def reference(self, s, d):
        g = rt.gammas(s["H"], self.dev)
        if s["op"] == "recurrent":
            return rt.decode_step(d["q"], d["k"], d["v"], d["s"], g, s["scale"])
        tf32 = torch.backends.cuda.matmul.allow_tf32
        torch.backends.cuda.matmul.allow_tf32 = False
        try:
            return rt.chunkwise(d["q"].float(), d["k"].float(), d["v"].float(), g, s["scale"], s["chunk"])
        finally:
            torch.backends.cuda.matmul.allow_tf32 = tf32

    # -- one implementation on one shape -----------------------------------
    def measure(self, s, impl, variant, prep, call, outputs, ref, sets, est_ms=None, note=""):
        """prep(d) -> per-set args; call(args) runs once; outputs(args) -> (o
        [B,H,T,dv], state) after a call. Checks set 0 against ref, then times."""
        rec = dict(kind=s["op"], shape=s["name"], family=s["family"], impl=impl, variant=variant,
                   B=s["B"], H=s["H"], T=s["T"], dk=s["dk"], dv=s["dv"], note=note)
        budget, max_call = self.a.budget_s * 1e3, self.a.max_call_s * 1e3
        if est_ms is not None and est_ms > max_call:
            rec.update(status="skipped", note=f"predicted {est_ms / 1e3:.1f} s per call "
                       f"(over --max-call-s {self.a.max_call_s})")
            self.emit(rec)
            return rec
        try:
            args = [prep(d) for d in sets]
            # Correctness on set 0 (outputs poisoned first where we own them).
            t0 = time.perf_counter()
            call(args[0])
            self.timer.sync()
            first_ms = (time.perf_counter() - t0) * 1e3
            o, st = outputs(args[0])
            rec["rel_l2_o"] = rt.rel_l2(o, ref[0])
            rec["rel_l2_state"] = rt.rel_l2(st, ref[1]) if st is not None else None
            ok = rec["rel_l2_o"] <= TOL and (st is None or rec["rel_l2_state"] <= TOL)
            rec["correct"] = bool(ok)
            # Warm-up, then as many runs as the budget allows.
            # The correctness call loaded modules / compiled; a second call
            # sizes the runs. Slow calls (over the budget): 2 more, no warm-up.
            single = self.timer.run(lambda i: call(args[(i + 1) % len(args)]), 1)[0]
            per = max(single, 1e-3)
            if per > budget:
                reps, warm = 2, 0
            else:
                reps = int(max(self.a.min_reps, min(self.a.max_reps, budget / per)))
                warm = min(self.a.warmup, max(1, int(budget / 10 / per)))
            if warm:
                self.timer.run(lambda i: call(args[i % len(args)]), warm)
            times = self.timer.run(lambda i: call(args[i % len(args)]), reps) + [single]
            ms = median(times)
            rec.update(status="ok" if ok else "wrong", ms=ms, ms_min=min(times), ms_max=max(times),
                       reps=reps, input_sets=len(args), first_call_ms=first_ms)
            if s["op"] == "recurrent":
                rec["bytes"] = bytes_decode(s)
                rec["gb_per_s"] = bytes_decode(s) / (ms * 1e-3) / 1e9
            else:
                rec["flops"] = flops_chunk(s)
                rec["tflop_per_s"] = flops_chunk(s) / (ms * 1e-3) / 1e12
        except Exception as e:  # one failure is a row, not the end of the run
            rec.update(status="error", error=f"{type(e).__name__}: {e}"[:500])
            traceback.print_exc()
        self.emit(rec)
        return rec

    # -- ours ---------------------------------------------------------------
    def ours(self, manifest, s, sets, ref):
        kdir = self.a.kernels
        for v in manifest["variants"]:
            path = os.path.join(kdir, v["name"], s["name"], "kernel.so")
            if s["name"] not in v["compiled"] or not os.path.exists(path):
                self.emit(dict(kind=s["op"], shape=s["name"], family=s["family"], impl="ours",
                               variant=v["name"], status="unavailable",
                               note="did not compile (see compile.log in the bundle)"))
                continue
            digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
            if digest in self.hashes:
                same, prev = self.hashes[digest]
                r = dict(prev, variant=v["name"], note=f"same binary as variant {same}")
                self.emit(r)
                continue
            est = None
            key = (v["name"], s["family"])
            if key in self.slow:
                t_prev, ms_prev = self.slow[key]
                est = ms_prev * s["T"] / t_prev
            k = Kernel(path, self.runtime)
            B, H, T, dk, dv = s["B"], s["H"], s["T"], s["dk"], s["dv"]
            dec = s["op"] == "recurrent"

            def prep(d):
                o = torch.full((B, H, T, dv), float("nan"), dtype=torch.bfloat16, device=self.dev)
                sf = torch.full((B, H, dk, dv), float("nan"), dtype=torch.float32, device=self.dev)
                ts = [d["q"], d["k"], d["v"]] + ([d["s"]] if dec else []) + [o, sf]
                return dict(tensors=ts, descs=[descriptor(t) for t in ts], o=o, sf=sf)

            rec = self.measure(s, "ours", v["name"], prep, lambda a: k(a["descs"]),
                               lambda a: (a["o"], a["sf"]), ref, sets, est_ms=est,
                               note=f"pipeline options: {v['pipeline_options'] or '(defaults)'}")
            if rec.get("status") in ("ok", "wrong"):
                self.slow[key] = (s["T"], rec["ms"])
            elif rec.get("status") == "error":
                self.slow[key] = (s["T"], float("inf"))
            self.hashes[digest] = (v["name"], rec)

    # -- peers --------------------------------------------------------------
    def fla(self):
        """flash-linear-attention's retention ops. If the full package does not
        import (its layers and models need transformers), fla-core alone
        ($RETNET_FLA_CORE_SITE: a folder with only the fla-core wheel)."""
        if hasattr(self, "_fla"):
            return self._fla
        errors = []
        for attempt in range(2):
            if attempt == 1:
                core = os.environ.get("RETNET_FLA_CORE_SITE")
                if not core or not os.path.isdir(core):
                    break
                for m in [m for m in sys.modules if m == "fla" or m.startswith("fla.")]:
                    del sys.modules[m]
                sys.path.insert(0, core)
            try:
                from fla.ops.retention import (chunk_retention, fused_chunk_retention,
                                               fused_recurrent_retention)
                import fla
                self._fla = dict(chunk_retention=chunk_retention,
                                 fused_chunk_retention=fused_chunk_retention,
                                 fused_recurrent_retention=fused_recurrent_retention,
                                 version=getattr(fla, "__version__", "?") + (" (fla-core only)" if attempt else ""))
                return self._fla
            except Exception as e:
                errors.append(f"{type(e).__name__}: {e}"[:300])
                traceback.print_exc()
        self._fla = dict(error="cannot import fla: " + " | ".join(errors))
        return self._fla

    def peers(self, s, sets, ref):
        f = self.fla()
        dec = s["op"] == "recurrent"
        names = ["fused_recurrent_retention"] if dec else ["chunk_retention", "fused_chunk_retention"]
        for name in names:
            if "error" in f or self.dev != "cuda":
                why = f.get("error", "fla's Triton kernels need a GPU") if self.dev == "cuda" \
                    else "fla's Triton kernels need a GPU"
                self.emit(dict(kind=s["op"], shape=s["name"], family=s["family"], impl=f"fla.{name}",
                               variant="", status="unavailable", note=why))
                continue
            fn = f[name]

            def prep(d):  # [B,H,T,D] -> [B,T,H,D], once, outside the timed region
                r = dict(q=d["q"].transpose(1, 2).contiguous(), k=d["k"].transpose(1, 2).contiguous(),
                         v=d["v"].transpose(1, 2).contiguous(), res=None)
                if dec:
                    r["s"] = d["s"].contiguous()
                return r

            def call(a, fn=fn):
                kw = dict(scale=s["scale"], output_final_state=True)
                if dec:
                    kw["initial_state"] = a["s"]
                a["res"] = fn(a["q"], a["k"], a["v"], **kw)

            def outputs(a):
                o, st = a["res"]
                return o.transpose(1, 2), st

            self.measure(s, f"fla.{name}", f.get("version", ""), prep, call, outputs, ref, sets)
        if not dec:
            g = rt.gammas(s["H"], self.dev)

            def call_t(a):
                a["res"] = rt.chunkwise(a["q"], a["k"], a["v"], g, s["scale"], s["chunk"],
                                        mm_dtype=torch.bfloat16)

            self.measure(s, "torch.chunkwise", torch.__version__, lambda d: dict(d, res=None), call_t,
                         lambda a: a["res"], ref, sets,
                         note="bf16 matmuls, f32 chunk states, loop over chunks for the state scan")

    def copy_bandwidth(self):
        """Device-to-device copy, bytes read + written, median of runs."""
        n = self.a.copy_bytes // 2 if self.dev == "cuda" else 64 << 20
        src = torch.randn(n // 4, device=self.dev)  # not self.gen: both parts draw the same inputs
        dst = torch.empty_like(src)
        self.timer.run(lambda i: dst.copy_(src), 3)
        times = self.timer.run(lambda i: dst.copy_(src), 20 if self.dev == "cuda" else 3)
        ms = median(times)
        rec = dict(kind="copy", impl="torch.copy_", status="ok", bytes=2 * n, ms=ms,
                   gb_per_s=2 * n / (ms * 1e-3) / 1e9, reps=len(times))
        self.emit(rec)
        del src, dst
        return rec


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kernels", required=True, help="folder of compile_kernels.sh (manifest.json)")
    ap.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    ap.add_argument("--part", default="all", choices=["ours", "peers", "all"])
    ap.add_argument("--out", help="JSON lines file to append to")
    ap.add_argument("--only", help="regex on shape names")
    ap.add_argument("--runtime-lib", help="libretnet_cuda_runtime.so (cuda; default: beside the kernels' "
                    "bundle, ../lib, or found by the loader)")
    ap.add_argument("--budget-s", type=float, default=1.5, help="timing budget per implementation and shape")
    ap.add_argument("--max-call-s", type=float, default=10.0, help="skip a shape predicted slower than this")
    ap.add_argument("--deadline-s", type=float, default=200.0,
                    help="shapes not started after this many seconds are skipped")
    ap.add_argument("--min-reps", type=int, default=3)
    ap.add_argument("--max-reps", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--copy-bytes", type=int, default=4 << 30, help="bytes read + written by the copy")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--self-test", action="store_true", help="only the reference's float64 self-test")
    a = ap.parse_args()

    errs = rt.self_test()
    worst = max(max(e["f32_o"], e["f32_state"], e["decode_o"], e["decode_state"]) for e in errs.values())
    worst_bf16 = max(max(e["bf16_o"], e["bf16_state"]) for e in errs.values())
    print(f"bench_kernels: reference self-test vs float64: f32 {worst:.2e}, bf16 peer {worst_bf16:.2e}",
          flush=True)
    if not (worst < 1e-5 and worst_bf16 < TOL):
        print("bench_kernels: the PyTorch reference fails its self-test", file=sys.stderr)
        return 1
    if a.self_test:
        return 0

    manifest = json.load(open(os.path.join(a.kernels, "manifest.json")))
    if manifest.get("target", "cuda") != ("cuda" if a.device == "cuda" else "cpu"):
        print(f"bench_kernels: kernels in {a.kernels} are for {manifest.get('target')}, not {a.device}",
              file=sys.stderr)
        return 2
    if a.device == "cuda" and not torch.cuda.is_available():
        print("bench_kernels: torch sees no GPU", file=sys.stderr)
        return 1
    b = Bench(a)
    if a.device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False
        print(f"bench_kernels: {torch.cuda.get_device_name()} torch {torch.__version__}", flush=True)
        if a.part in ("ours", "all"):
            lib = a.runtime_lib or os.path.join(a.kernels, "..", "..", "lib", "libretnet_cuda_runtime.so")
            b.runtime = Runtime(lib if os.path.exists(lib) else "libretnet_cuda_runtime.so")
    b.emit(dict(kind="meta", impl="", status="ok", part=a.part, torch=torch.__version__,
                gpu=torch.cuda.get_device_name() if a.device == "cuda" else "cpu",
                reference_selftest_f32=worst, reference_selftest_bf16=worst_bf16,
                small=manifest.get("small", False)))
    if a.part in ("peers", "all"):
        b.copy_bandwidth()
    # Decode first (cheap), then chunkwise by T: the T=8192 targets come
    # before the T=32768 shapes, and a deadline cuts the least important.
    order = sorted(manifest["shapes"], key=lambda s: (s["op"] != "recurrent", s["T"], s["name"]))
    t_start = time.perf_counter()
    for s in order:
        if a.only and not re.search(a.only, s["name"]):
            continue
        if time.perf_counter() - t_start > a.deadline_s:
            b.emit(dict(kind=s["op"], shape=s["name"], family=s["family"], impl=a.part, variant="",
                        status="skipped", note=f"past --deadline-s {a.deadline_s:g}"))
            continue
        sets = b.inputs(s, b.n_sets(s))
        ref = b.reference(s, sets[0])
        if a.part in ("ours", "all"):
            b.ours(manifest, s, sets, ref)
        if a.part in ("peers", "all"):
            b.peers(s, sets, ref)
        del sets, ref
        if a.device == "cuda":
            torch.cuda.empty_cache()
    if b.runtime is not None:
        # Leave without running the kernel libraries' exit-time destructors
        # (module unload): a Python error handler must not be called during
        # interpreter teardown. Every result is written. (An abort there,
        # "double free or corruption", seen once against the fake driver
        # before results went straight into their destination buffers, does
        # not recur: fake_driver_check.py exits normally.)
        sys.stdout.flush()
        sys.stderr.flush()
        if b.out:
            b.out.close()
        os._exit(0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
