#!/usr/bin/env python3
"""Kernel modules of the GPU kernel benchmarks (issue 6, items 4a and 4b).

Writes one MLIR module per benchmark shape, the way retnet-harness writes its
modules: `func.func @kernel` with the C interface, the inputs as restrict
tensors, one retention op, and the results materialized into the output
arguments. Argument order (what bench_kernels.py passes):

    chunkwise:  kernel(q, k, v, o, state_out)            no initial state
    recurrent:  kernel(q, k, v, state_in, o, state_out)  T = 1: a decode step

q, k [B,H,T,dk] and v, o [B,H,T,dv] in bf16; states [B,H,dk,dv] in f32.
gamma per head h: 1 - 2^(-5-h) (flash-linear-attention's retention decay, so
its kernels compute the same function); scale dk^-0.5 (fla's default).

    bench_modules.py --out DIR [--small]   writes DIR/NAME/kernel.mlir and
                                           DIR/manifest.json; prints NAMEs

--small: the same families at tiny sizes, for the CPU dry run (dryrun.sh).
"""

import argparse
import json
import os

CHUNK = 64


def shapes(small=False):
    """The benchmark shapes: list of dicts (name, op, B, H, T, dk, dv, chunk)."""
    out = []
    if small:
        chunk_fams = [("h16-d128", 1, 4, 32, 32), ("h8-d256x512", 1, 2, 64, 128)]
        ts = [48, 128]
        decode_batches = [1, 3]
        dec = dict(H=2, dk=64, dv=128)
    else:
        chunk_fams = [("h16-d128", 4, 16, 128, 128), ("h8-d256x512", 4, 8, 256, 512)]
        ts = [2048, 8192, 32768]
        decode_batches = [1, 64, 256]
        dec = dict(H=8, dk=256, dv=512)
    for fam, b, h, dk, dv in chunk_fams:
        for t in ts:
            out.append(dict(name=f"chunk-{fam}-t{t}", op="chunkwise", family=fam,
                            B=b, H=h, T=t, dk=dk, dv=dv, chunk=CHUNK))
    for b in decode_batches:
        out.append(dict(name=f"decode-h{dec['H']}-d{dec['dk']}x{dec['dv']}-b{b}",
                        op="recurrent", family="decode", B=b, T=1, chunk=0, **dec))
    for s in out:
        s["gamma"] = [1.0 - 2.0 ** (-5 - h) for h in range(s["H"])]
        s["scale"] = s["dk"] ** -0.5
    return out


def module(s):
    """The MLIR text of one benchmark kernel."""
    B, H, T, dk, dv = s["B"], s["H"], s["T"], s["dk"], s["dv"]

    def mr(*dims, et):
        return "memref<" + "x".join(str(d) for d in dims) + "x" + et + ">"

    qM, vM, sM = mr(B, H, T, dk, et="bf16"), mr(B, H, T, dv, et="bf16"), mr(B, H, dk, dv, et="f32")

    def tensor(m):
        return "tensor" + m[len("memref"):]

    attrs = ("gamma = array<f64: " + ", ".join(f"{g:.17e}" for g in s["gamma"]) +
             f">, scale = {s['scale']:.17e} : f64")
    decode = s["op"] == "recurrent"
    args = [("q", qM), ("k", qM), ("v", vM)] + ([("s", sM)] if decode else []) + \
           [("o", vM), ("sf", sM)]
    lines = ["func.func @kernel(" + ", ".join(f"%{n}: {m}" for n, m in args) +
             ") attributes {llvm.emit_c_interface} {"]
    ins = args[:4] if decode else args[:3]
    for n, m in ins:
        lines.append(f"  %{n}t = bufferization.to_tensor %{n} restrict : {m} to {tensor(m)}")
    operands = ", ".join(f"%{n}t" for n, _ in ins)
    # Destination-passing style: empty inits, results materialized below.
    lines.append(f"  %oi = tensor.empty() : {tensor(vM)}")
    lines.append(f"  %si = tensor.empty() : {tensor(sM)}")
    types = "(" + ", ".join(tensor(m) for _, m in ins) + f", {tensor(vM)}, {tensor(sM)})"
    if decode:
        lines.append(f"  %r:2 = retention.recurrent {operands} outs(%oi, %si) {{{attrs}}} : {types} -> "
                     f"({tensor(vM)}, {tensor(sM)})")
    else:
        lines.append(f"  %r:2 = retention.chunkwise {operands} outs(%oi, %si) {{chunk_size = {s['chunk']} : i64, "
                     f"{attrs}}} : {types} -> ({tensor(vM)}, {tensor(sM)})")
    lines.append(f"  bufferization.materialize_in_destination %r#0 in restrict writable %o : "
                 f"({tensor(vM)}, {vM}) -> ()")
    lines.append(f"  bufferization.materialize_in_destination %r#1 in restrict writable %sf : "
                 f"({tensor(sM)}, {sM}) -> ()")
    lines += ["  return", "}", ""]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--small", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    ss = shapes(a.small)
    for s in ss:
        d = os.path.join(a.out, s["name"])
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "kernel.mlir"), "w") as f:
            f.write(module(s))
        print(s["name"])
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump({"small": a.small, "shapes": ss}, f, indent=1)


if __name__ == "__main__":
    main()
