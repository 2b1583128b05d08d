"""An RMSNorm as the layer decomposition states it on buffers (a zero-filled
sum of squares per row, then the scale by the row's sum and a weight), for
retention-gpu-row-reductions: one block per row, shuffles, the scale fused.

    norm_case.py gen    --m M --n N [--init] [--seed S] > case.mlir
    norm_case.py verify --m M --n N [--init] [--seed S] --tol X < output

`gen` fills X [M, N] and W [N] (f32) from matmul_case.py's integer hash,
computes Y = X * rsqrt(mean(X^2) + 1e-6) * W and prints Y; with --init
the sums start from |hash| values instead of a zero fill (the kernel then
reads them); `verify`
recomputes it in float64 and checks the relative L2 error.
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from matmul_case import HASH_CONSTANTS, check_printed, fill, hashed  # noqa: E402


def gen(a):
    m, n = a.m, a.n
    print("\n".join([
        "#id = affine_map<(d0, d1) -> (d0, d1)>",
        "#row = affine_map<(d0, d1) -> (d0)>",
        "#col = affine_map<(d0, d1) -> (d1)>",
        "func.func private @printMemrefF32(memref<*xf32>)",
        "func.func @main() {"] + HASH_CONSTANTS + [
        f"  %inv = arith.constant {1.0 / n!r} : f32",
        "  %eps = arith.constant 1.0e-6 : f32",
        f"  %xs = memref.alloc() : memref<{m}x{n}xf32>",
        f"  %w2 = memref.alloc() : memref<1x{n}xf32>",
        f"  %ys = memref.alloc() : memref<{m}x{n}xf32>",
        f"  %sums2 = memref.alloc() : memref<1x{m}xf32>",
        f"  %sums = memref.collapse_shape %sums2 [[0, 1]] : memref<1x{m}xf32> into memref<{m}xf32>",
        fill("xs", m, n, "f32", a.seed),
        fill("w2", 1, n, "f32", a.seed + 1),
        f"  %w = memref.collapse_shape %w2 [[0, 1]] : memref<1x{n}xf32> into memref<{n}xf32>",
        fill("sums2", 1, m, "f32", a.seed + 2).replace("linalg.yield %y", "%ya = math.absf %y : f32\n    linalg.yield %ya")
        if a.init else f"  linalg.fill ins(%zero : f32) outs(%sums : memref<{m}xf32>)",
        "  linalg.generic {indexing_maps = [#id, #row], iterator_types = [\"parallel\", \"reduction\"]}",
        f"      ins(%xs : memref<{m}x{n}xf32>) outs(%sums : memref<{m}xf32>) {{",
        "  ^bb0(%in: f32, %out: f32):",
        "    %sq = arith.mulf %in, %in : f32",
        "    %acc = arith.addf %sq, %out : f32",
        "    linalg.yield %acc : f32",
        "  }",
        "  linalg.generic {indexing_maps = [#id, #row, #col, #id], iterator_types = [\"parallel\", \"parallel\"]}",
        f"      ins(%xs, %sums, %w : memref<{m}x{n}xf32>, memref<{m}xf32>, memref<{n}xf32>) outs(%ys : memref<{m}x{n}xf32>) {{",
        "  ^bb0(%in: f32, %ss: f32, %ww: f32, %out: f32):",
        "    %mean = arith.mulf %ss, %inv : f32",
        "    %v = arith.addf %mean, %eps : f32",
        "    %r = math.rsqrt %v : f32",
        "    %nx = arith.mulf %in, %r : f32",
        "    %g = arith.mulf %nx, %ww : f32",
        "    linalg.yield %g : f32",
        "  }",
        f"  %u = memref.cast %ys : memref<{m}x{n}xf32> to memref<*xf32>",
        "  call @printMemrefF32(%u) : (memref<*xf32>) -> ()",
        "  return", "}"]))


def verify(a):
    x = hashed(a.m, a.n, a.seed)
    w = hashed(1, a.n, a.seed + 1)
    ss = (x * x).sum(axis=1, keepdims=True)
    if a.init:
        ss += np.abs(hashed(1, a.m, a.seed + 2)).reshape(a.m, 1)
    want = x / np.sqrt(ss / a.n + 1e-6) * w
    check_printed(want, a.tol)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["gen", "verify"])
    p.add_argument("--m", type=int, required=True)
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--init", action="store_true")
    p.add_argument("--tol", type=float, default=1e-6)
    a = p.parse_args()
    gen(a) if a.mode == "gen" else verify(a)


if __name__ == "__main__":
    main()
