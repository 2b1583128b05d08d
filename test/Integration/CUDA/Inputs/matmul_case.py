"""One matmul C (+)= A . B on the CUDA target, for the hand-built kernels of
retention-gpu-matmul: the tensor-core GEMM (GPUMatmulMMA.cpp: 16-bit, more
than 16 rows) and the split-K GEMV (GPUGemv.cpp: few rows).

    matmul_case.py gen    --m M --k K --n N [--dtype bf16|f16|f32] [--accumulate]
                          [--epilogue] [--siblings N2 [--gated]] [--norm]
                          [--dynamic-rows] [--seed S] > case.mlir
    matmul_case.py verify --m M --k K --n N [--dtype ...] [--accumulate] [--seed S] --tol X < output

`gen` writes a module whose @main fills A [M, K] and B [K, N] (--dtype) and,
with --accumulate, C [M, N] (f32) from an integer hash of (row, column,
seed), in kernels; then C = A . B (after a zero fill of C) or C += A . B,
and prints C (printMemrefF32). With --epilogue, an elementwise generic
reads C next, D = D + silu(C) * R + bias[j] (D, R [M, N] and bias [N] f32,
hashed), which retention-gpu-matmul runs in the matmul kernel's stores
when C was zero-filled; D is printed. With --siblings N2, C2 = A . B2
(B2 [K, N2] hashed, C2 zero-filled) follows and is printed too: the two
matmuls of one A run as one GEMV launch at few rows. With --gated (N2 = N,
no --epilogue), D2 = silu(C) * C2 follows the second and is printed instead
of C2: a gated FFN's gate and up projection, the second's epilogue reading
the first's C. With --norm (not --accumulate), A is not hashed but an
RMSNorm's output: s = sum_k X[m, k]^2 (X [M, K] f32 hashed, s zero-filled),
A = X * rsqrt(s / K + 1e-6) * w[k] in the matmul's type (w [K] hashed), right
before the matmuls, which retention-gpu-matmul computes in their GEMV
launch at few rows; A is printed last (as f32: the launch writes it for
readers after it). Every other value is v / 64 for an integer
|v| <= 125: exact in bf16, f16 and f32, so A and B are the same on both
sides and each product is exact in f32. With --dynamic-rows the matmul is
on tensors, in a function whose A and C have a dynamic row count (the CPU
pipeline's row tiles and reduction blocks). `verify` recomputes C in float64 from the same
hash and checks the relative L2 error of the printed C against --tol.
"""

import argparse
import re
import sys

import numpy as np

MASK = 0xFFFFFFFF


def hashed(rows, cols, seed):
    """v / 64, v = hash(i, j, seed) mod 251 - 125, as the kernels compute it
    (uint64 arithmetic, every product below 2^63)."""
    i = np.arange(rows, dtype=np.uint64)[:, None]
    j = np.arange(cols, dtype=np.uint64)[None, :]
    h = (i * np.uint64(2654435761) + j * np.uint64(97) + np.uint64(seed * 7919)) & np.uint64(MASK)
    h = h ^ (h >> np.uint64(13))
    h = (h * np.uint64(1274126177)) & np.uint64(MASK)
    v = (h >> np.uint64(16)) % np.uint64(251)
    return (v.astype(np.float64) - 125.0) / 64.0


# The constants fill() uses (and %zero), at the start of @main.
HASH_CONSTANTS = [
    "  %cA = arith.constant 2654435761 : i64",
    "  %cB = arith.constant 97 : i64",
    "  %cC = arith.constant 1274126177 : i64",
    "  %mask = arith.constant 4294967295 : i64",
    "  %c13 = arith.constant 13 : i64",
    "  %c16 = arith.constant 16 : i64",
    "  %c251 = arith.constant 251 : i64",
    "  %c125 = arith.constant 125 : i64",
    "  %inv64 = arith.constant 0.015625 : f32",
    "  %zero = arith.constant 0.0 : f32",
]


def fill(name, rows, cols, dtype, seed):
    """A linalg.generic writing hashed(rows, cols, seed) into %name."""
    t = f"memref<{rows}x{cols}x{dtype}>"
    return f"""  linalg.generic {{indexing_maps = [#id], iterator_types = ["parallel", "parallel"]}}
      outs(%{name} : {t}) {{
  ^bb0(%x: {dtype}):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %ii = arith.index_cast %i : index to i64
    %jj = arith.index_cast %j : index to i64
    %h0 = arith.muli %ii, %cA : i64
    %h1 = arith.muli %jj, %cB : i64
    %h2 = arith.addi %h0, %h1 : i64
    %s = arith.constant {seed * 7919} : i64
    %h3 = arith.addi %h2, %s : i64
    %h4 = arith.andi %h3, %mask : i64
    %h5 = arith.shrui %h4, %c13 : i64
    %h6 = arith.xori %h4, %h5 : i64
    %h7 = arith.muli %h6, %cC : i64
    %h8 = arith.andi %h7, %mask : i64
    %h9 = arith.shrui %h8, %c16 : i64
    %v0 = arith.remui %h9, %c251 : i64
    %v1 = arith.subi %v0, %c125 : i64
    %f = arith.sitofp %v1 : i64 to f32
    %g = arith.mulf %f, %inv64 : f32
    %y = {"arith.truncf %g : f32 to " + dtype if dtype != "f32" else "arith.addf %g, %zero : f32"}
    linalg.yield %y : {dtype}
  }}
"""


def gen(a):
    m, k, n, dt = a.m, a.k, a.n, a.dtype
    out = ["#id = affine_map<(d0, d1) -> (d0, d1)>",
           "#col = affine_map<(d0, d1) -> (d1)>",
           "#row = affine_map<(d0, d1) -> (d0)>",
           "func.func private @printMemrefF32(memref<*xf32>)",
           "func.func @main() {"] + HASH_CONSTANTS + [
           f"  %a = memref.alloc() : memref<{m}x{k}x{dt}>",
           f"  %b = memref.alloc() : memref<{k}x{n}x{dt}>",
           f"  %c = memref.alloc() : memref<{m}x{n}xf32>"]
    if not a.norm:
        out.append(fill("a", m, k, dt, a.seed))
    out.append(fill("b", k, n, dt, a.seed + 1))
    shown = "c"
    if a.epilogue:
        # R, bias and D first: the generic must come right after the matmul
        # (and C's zero fill right before it).
        out += [f"  %d = memref.alloc() : memref<{m}x{n}xf32>",
                f"  %r = memref.alloc() : memref<{m}x{n}xf32>",
                f"  %bias = memref.alloc() : memref<1x{n}xf32>",
                fill("d", m, n, "f32", a.seed + 3),
                fill("r", m, n, "f32", a.seed + 4),
                fill("bias", 1, n, "f32", a.seed + 5),
                f"  %bias1 = memref.collapse_shape %bias [[0, 1]] : memref<1x{n}xf32> into memref<{n}xf32>"]
    if a.siblings:
        out += [f"  %b2 = memref.alloc() : memref<{k}x{a.siblings}x{dt}>",
                f"  %c2 = memref.alloc() : memref<{m}x{a.siblings}xf32>",
                fill("b2", k, a.siblings, dt, a.seed + 6)]
        if a.gated:
            out.append(f"  %d2 = memref.alloc() : memref<{m}x{a.siblings}xf32>")
    if a.norm:
        # The RMSNorm writing A, then the matmuls' zero fills.
        cast = f"arith.truncf %y0 : f32 to {dt}" if dt != "f32" else "arith.addf %y0, %zero : f32"
        out += [f"  %xn = memref.alloc() : memref<{m}x{k}xf32>",
                f"  %w = memref.alloc() : memref<1x{k}x{dt}>",
                f"  %ss = memref.alloc() : memref<{m}xf32>",
                fill("xn", m, k, "f32", a.seed + 7),
                fill("w", 1, k, dt, a.seed + 8),
                f"  %w1 = memref.collapse_shape %w [[0, 1]] : memref<1x{k}x{dt}> into memref<{k}x{dt}>",
                f"  linalg.fill ins(%zero : f32) outs(%ss : memref<{m}xf32>)",
                "  linalg.generic {indexing_maps = [#id, #row], "
                "iterator_types = [\"parallel\", \"reduction\"]}",
                f"      ins(%xn : memref<{m}x{k}xf32>) outs(%ss : memref<{m}xf32>) {{",
                "  ^bb0(%xx: f32, %o: f32):",
                "    %sq = arith.mulf %xx, %xx : f32",
                "    %acc = arith.addf %sq, %o : f32",
                "    linalg.yield %acc : f32",
                "  }",
                "  linalg.generic {indexing_maps = [#id, #row, #col, #id], "
                "iterator_types = [\"parallel\", \"parallel\"]}",
                f"      ins(%xn, %ss, %w1 : memref<{m}x{k}xf32>, memref<{m}xf32>, memref<{k}x{dt}>)",
                f"      outs(%a : memref<{m}x{k}x{dt}>) {{",
                f"  ^bb0(%xx: f32, %sum: f32, %ww: {dt}, %o: {dt}):",
                f"    %invk = arith.constant {1.0 / k!r} : f32",
                "    %eps = arith.constant 1.0e-06 : f32",
                "    %mean = arith.mulf %sum, %invk : f32",
                "    %me = arith.addf %mean, %eps : f32",
                "    %rs = math.rsqrt %me : f32",
                "    %xr = arith.mulf %xx, %rs : f32",
                ("    %wf = arith.extf %ww : " + dt + " to f32") if dt != "f32" else "    %wf = arith.addf %ww, %zero : f32",
                "    %y0 = arith.mulf %xr, %wf : f32",
                f"    %y = {cast}",
                f"    linalg.yield %y : {dt}",
                "  }"]
    if a.accumulate:
        out.append(fill("c", m, n, "f32", a.seed + 2))
    else:
        out.append(f"  linalg.fill ins(%zero : f32) outs(%c : memref<{m}x{n}xf32>)")
    if a.dynamic_rows:
        out += [f"  %ad = memref.cast %a : memref<{m}x{k}x{dt}> to memref<?x{k}x{dt}>",
                f"  %cd = memref.cast %c : memref<{m}x{n}xf32> to memref<?x{n}xf32>",
                "  call @matmul_rows(%ad, %b, %cd) : "
                f"(memref<?x{k}x{dt}>, memref<{k}x{n}x{dt}>, memref<?x{n}xf32>) -> ()"]
    else:
        out += [f"  linalg.matmul ins(%a, %b : memref<{m}x{k}x{dt}>, memref<{k}x{n}x{dt}>) "
                f"outs(%c : memref<{m}x{n}xf32>)"]
    if a.epilogue:
        shown = "d"
        out += ["  linalg.generic {indexing_maps = [#id, #id, #col, #id], "
                "iterator_types = [\"parallel\", \"parallel\"]}",
                f"      ins(%c, %r, %bias1 : memref<{m}x{n}xf32>, memref<{m}x{n}xf32>, memref<{n}xf32>)",
                f"      outs(%d : memref<{m}x{n}xf32>) {{",
                "  ^bb0(%x: f32, %rr: f32, %bb: f32, %o: f32):",
                "    %nx = arith.negf %x : f32",
                "    %ex = math.exp %nx : f32",
                "    %one = arith.constant 1.0 : f32",
                "    %den = arith.addf %ex, %one : f32",
                "    %sx = arith.divf %x, %den : f32",
                "    %p = arith.mulf %sx, %rr : f32",
                "    %q = arith.addf %p, %bb : f32",
                "    %y = arith.addf %o, %q : f32",
                "    linalg.yield %y : f32",
                "  }"]
    out += [f"  %u = memref.cast %{shown} : memref<{m}x{n}xf32> to memref<*xf32>",
            "  call @printMemrefF32(%u) : (memref<*xf32>) -> ()"]
    if a.siblings:
        # The same A again, zero-filled C2, no epilogue: one GEMV launch with
        # the first (retention-gpu-matmul's siblings).
        t2 = f"memref<{m}x{a.siblings}xf32>"
        i = out.index("  %u = memref.cast %" + shown + f" : memref<{m}x{n}xf32> to memref<*xf32>")
        second = [f"  linalg.fill ins(%zero : f32) outs(%c2 : {t2})",
                  f"  linalg.matmul ins(%a, %b2 : memref<{m}x{k}x{dt}>, "
                  f"memref<{k}x{a.siblings}x{dt}>) outs(%c2 : {t2})"]
        shown2 = "c2"
        if a.gated:
            # D2 = silu(C) * C2: the second's epilogue reads the first's C.
            shown2 = "d2"
            second += ["  linalg.generic {indexing_maps = [#id, #id, #id], "
                       "iterator_types = [\"parallel\", \"parallel\"]}",
                       f"      ins(%c, %c2 : memref<{m}x{n}xf32>, {t2}) outs(%d2 : {t2}) {{",
                       "  ^bb0(%x: f32, %up: f32, %o: f32):",
                       "    %nx = arith.negf %x : f32",
                       "    %ex = math.exp %nx : f32",
                       "    %one = arith.constant 1.0 : f32",
                       "    %den = arith.addf %ex, %one : f32",
                       "    %sx = arith.divf %x, %den : f32",
                       "    %y = arith.mulf %sx, %up : f32",
                       "    linalg.yield %y : f32",
                       "  }"]
        i = out.index("  %u = memref.cast %" + shown + f" : memref<{m}x{n}xf32> to memref<*xf32>")
        out[i:i] = second
        out += [f"  %u2 = memref.cast %{shown2} : {t2} to memref<*xf32>",
                "  call @printMemrefF32(%u2) : (memref<*xf32>) -> ()"]
    if a.norm:
        out += [f"  %af = memref.alloc() : memref<{m}x{k}xf32>",
                "  linalg.generic {indexing_maps = [#id, #id], "
                "iterator_types = [\"parallel\", \"parallel\"]}",
                f"      ins(%a : memref<{m}x{k}x{dt}>) outs(%af : memref<{m}x{k}xf32>) {{",
                f"  ^bb0(%v: {dt}, %o: f32):",
                ("    %vf = arith.extf %v : " + dt + " to f32") if dt != "f32" else "    %vf = arith.addf %v, %zero : f32",
                "    linalg.yield %vf : f32",
                "  }",
                f"  %ua = memref.cast %af : memref<{m}x{k}xf32> to memref<*xf32>",
                "  call @printMemrefF32(%ua) : (memref<*xf32>) -> ()"]
    out += ["  return", "}"]
    if a.dynamic_rows:
        # The matmul on tensors in a function of its own, over a row count
        # known only at run time (as a model's tokens times a weight).
        ta, tb, tc = f"?x{k}x{dt}", f"{k}x{n}x{dt}", f"?x{n}xf32"
        out += [f"func.func @matmul_rows(%a: memref<{ta}>, %b: memref<{tb}>, %c: memref<{tc}>) {{",
                f"  %at = bufferization.to_tensor %a restrict : memref<{ta}> to tensor<{ta}>",
                f"  %bt = bufferization.to_tensor %b restrict : memref<{tb}> to tensor<{tb}>",
                f"  %ct = bufferization.to_tensor %c restrict writable : memref<{tc}> to tensor<{tc}>",
                f"  %r = linalg.matmul ins(%at, %bt : tensor<{ta}>, tensor<{tb}>) "
                f"outs(%ct : tensor<{tc}>) -> tensor<{tc}>",
                f"  bufferization.materialize_in_destination %r in restrict writable %c : "
                f"(tensor<{tc}>, memref<{tc}>) -> ()",
                "  return", "}"]
    print("\n".join(out))


def rounded(x, dtype):
    """x (float64) rounded to the nearest value of `dtype` (ties to even),
    as arith.truncf from f32 does (x first rounded to f32)."""
    x32 = np.asarray(x, dtype=np.float32)
    if dtype == "f32":
        return x32.astype(np.float64)
    if dtype == "f16":
        return x32.astype(np.float16).astype(np.float64)
    bits = x32.view(np.uint32).astype(np.uint64)
    bits = (bits + np.uint64(0x7FFF) + ((bits >> np.uint64(16)) & np.uint64(1))) >> np.uint64(16)
    return (bits << np.uint64(16)).astype(np.uint32).view(np.float32).astype(np.float64)


def normed(a):
    """The RMSNorm's A (--norm), in float64 but rounded to the matmul's type."""
    x = hashed(a.m, a.k, a.seed + 7)
    w = hashed(1, a.k, a.seed + 8)
    r = 1.0 / np.sqrt((x * x).mean(axis=1, keepdims=True) + 1e-6)
    return rounded(x * r * w, a.dtype)


def verify(a):
    amat = normed(a) if a.norm else hashed(a.m, a.k, a.seed)
    want = amat @ hashed(a.k, a.n, a.seed + 1)
    if a.accumulate:
        want += hashed(a.m, a.n, a.seed + 2)
    if a.epilogue:
        silu = want / (1.0 + np.exp(-want))
        want = (hashed(a.m, a.n, a.seed + 3) + silu * hashed(a.m, a.n, a.seed + 4)
                + hashed(1, a.n, a.seed + 5))
    wants = [want]
    if a.siblings:
        c2 = amat @ hashed(a.k, a.siblings, a.seed + 6)
        wants.append(want / (1.0 + np.exp(-want)) * c2 if a.gated else c2)
    if a.norm:
        wants.append(amat)
    check_printed(wants, a.tol)


def check_printed(wants, tol):
    """Compares the memrefs printMemrefF32 wrote on stdin, in order, with
    `wants` (2-D arrays, or one): relative L2 of each within `tol`, else the
    first wrong elements and exit 1."""
    if isinstance(wants, np.ndarray):
        wants = [wants]
    text = sys.stdin.read()
    bodies = text.split("data =")[1:]
    if len(bodies) != len(wants):
        sys.exit(f"FAIL: {len(bodies)} memrefs printed, {len(wants)} expected")
    for n, (body, want) in enumerate(zip(bodies, wants)):
        got = np.array([float(x) for x in
                        re.findall(r"-?(?:\d+\.?\d*(?:e[-+]?\d+)?|inf|nan)", body.split("Unranked")[0])])
        if got.size != want.size:
            sys.exit(f"FAIL: memref {n}: {got.size} values printed, {want.size} expected")
        err = np.linalg.norm(got - want.ravel()) / np.linalg.norm(want)
        print(f"memref {n}: relative L2 {err:.3e} (tol {tol})")
        if not err <= tol:
            bad = np.argwhere(np.abs(got.reshape(want.shape) - want) > 1e-3 * np.abs(want).max())
            sys.exit(f"FAIL: memref {n}: first wrong elements (row, col): {bad[:8].tolist()}")
    print("PASS")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["gen", "verify"])
    p.add_argument("--m", type=int, required=True)
    p.add_argument("--k", type=int, required=True)
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--dtype", default="bf16", choices=["bf16", "f16", "f32"])
    p.add_argument("--accumulate", action="store_true")
    p.add_argument("--epilogue", action="store_true")
    p.add_argument("--siblings", type=int, default=0, metavar="N2",
                   help="a second matmul of the same A, B2 [K, N2], after the first")
    p.add_argument("--gated", action="store_true",
                   help="with --siblings N2 = N: D2 = silu(C) * C2 after the second")
    p.add_argument("--norm", action="store_true",
                   help="A written by an RMSNorm right before the matmuls")
    p.add_argument("--dynamic-rows", action="store_true",
                   help="the matmul on tensors in a function whose row count is dynamic "
                        "(not with --epilogue, --siblings or --norm)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--tol", type=float, default=1e-6)
    a = p.parse_args()
    if a.dynamic_rows and (a.epilogue or a.siblings or a.norm):
        p.error("--dynamic-rows takes no --epilogue, --siblings or --norm")
    gen(a) if a.mode == "gen" else verify(a)


if __name__ == "__main__":
    main()
