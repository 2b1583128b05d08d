#!/usr/bin/env python3
"""Lane-level model of the tensor-core chunkwise retention kernel
(compiler/lib/Codegen/GPUChunkwiseMMA.cpp), checked against a float64
reference of DESIGN.md §2.

It mirrors the kernel's index arithmetic, not its numerics: every
ldmatrix / mma.sync is simulated per lane from the PTX ISA definitions
(section "Warp-level matrix load instruction: ldmatrix" and "Matrix
Fragments for mma.m16n8k16 with floating point type"), so a wrong lane
address, a wrong fragment slot or a wrong decay index shows up as a
large error. 16-bit rounding is modelled by float16 casts of P, V*zeta
and the state copy (bf16 is coarser; the kernel's error budget is 1e-2).

Run: python3 test/tools/mma-fragment-model.py   (prints the errors, exit 1 on failure)
"""
import numpy as np

WARPS, C = 4, 64


def lanes():
    return range(32)


# --- PTX ISA: ldmatrix .m8n8 .x4 (.b16) --------------------------------------
# Lanes 8i..8i+7 give the row addresses of matrix i. Each lane receives one
# 32-bit register per matrix: without .trans, row lane/4, cols 2*(lane%4)+{0,1};
# with .trans the same slot holds element [2*(lane%4)+{0,1}][lane/4].
def ldmatrix_x4(smem, addr, trans):
    """addr(lane) -> (row, col) of the 8-element row that lane provides.
    Returns regs[lane][i] = 2-vector."""
    rows = [smem[r, c:c + 8] for (r, c) in (addr(l) for l in lanes())]
    mats = [np.stack(rows[8 * i:8 * i + 8]) for i in range(4)]
    out = []
    for l in lanes():
        g, t = l // 4, l % 4
        regs = []
        for m in mats:
            if trans:
                regs.append(np.array([m[2 * t, g], m[2 * t + 1, g]]))
            else:
                regs.append(np.array([m[g, 2 * t], m[g, 2 * t + 1]]))
        out.append(regs)
    return out


# --- PTX ISA: mma.m16n8k16 fragments (.f16/.bf16 A,B; .f32 C,D) --------------
# A (16x16): a-reg r = 0..3 holds row g + 8*(r%2), cols 2t + 8*(r//2) + {0,1}.
# B (16x8):  b-reg r = 0..1 holds rows (k) 2t + 8*r + {0,1}, col (n) g.
# C (16x8):  c-reg r = 0..1 holds row g + 8*r, cols 2t + {0,1}.
def mma(a, b, c):
    A = np.zeros((16, 16)); B = np.zeros((16, 8)); Cm = np.zeros((16, 8))
    for l in lanes():
        g, t = l // 4, l % 4
        for r in range(4):
            A[g + 8 * (r % 2), 2 * t + 8 * (r // 2):2 * t + 8 * (r // 2) + 2] = a[l][r]
        for r in range(2):
            B[2 * t + 8 * r:2 * t + 8 * r + 2, g] = b[l][r]
        for r in range(2):
            Cm[g + 8 * r, 2 * t:2 * t + 2] = c[l][r]
    D = A @ B + Cm
    return [[D[l // 4 + 8 * r, 2 * (l % 4):2 * (l % 4) + 2].copy() for r in range(2)]
            for l in lanes()]


def zeros_c():
    return [[np.zeros(2), np.zeros(2)] for _ in lanes()]


# --- The kernel's lane addresses (same formulas as GPUChunkwiseMMA.cpp) ------
def addr_a(r0, k0):  # A operand, row-major tile: matrices (r0,k0) (r0+8,k0) (r0,k0+8) (r0+8,k0+8)
    return lambda l: (r0 + l % 16, k0 + (l // 16) * 8)


def addr_b_rows_n(n0, k0):  # B from an [n][k] tile (K for QK^T): no trans; regs {0,1} -> n0, {2,3} -> n0+8
    return lambda l: (n0 + (l // 16) * 8 + l % 8, k0 + ((l // 8) % 2) * 8)


def addr_b_rows_k(k0, n0):  # B from a [k][n] tile (V, S16): .trans; regs {0,1} -> n0, {2,3} -> n0+8
    return lambda l: (k0 + ((l // 8) % 2) * 8 + l % 8, n0 + (l // 16) * 8)


def addr_at_rows_k(k0, m0):  # A = tile^T from a [k][m] tile (K^T in the state update): .trans
    return lambda l: (k0 + (l // 16) * 8 + l % 8, m0 + ((l // 8) % 2) * 8)


def f16(x):
    return np.asarray(x, dtype=np.float16).astype(np.float64)


def kernel(q, k, v, s0, gamma, scale, BV):
    """One (b, h): q,k [T,dk], v [T,dv], s0 [dk,dv] or None. Returns o, S."""
    T, dk = q.shape; dv = v.shape[1]
    lg = np.log2(gamma)
    o = np.zeros((T, dv)); S_out = np.zeros((dk, dv))
    for v0 in range(0, dv, BV):          # blockIdx.x
        # state accumulators: warp w owns rows [w*dk/4, (w+1)*dk/4) of S
        RS = dk // 4
        S = {(w, mt, nt): [[np.zeros(2), np.zeros(2)] for _ in lanes()]
             for w in range(WARPS) for mt in range(RS // 16) for nt in range(BV // 8)}
        if s0 is not None:
            for (w, mt, nt), acc in S.items():
                for l in lanes():
                    g, t = l // 4, l % 4
                    for r in range(2):
                        row = w * RS + 16 * mt + g + 8 * r
                        acc[l][r] = s0[row, v0 + 8 * nt + 2 * t:v0 + 8 * nt + 2 * t + 2].copy()
        S16 = np.zeros((dk, BV))
        if s0 is not None:
            S16[:] = f16(s0[:, v0:v0 + BV])
        for c0 in range(0, T, C):
            L = min(C, T - c0)
            Qs = np.zeros((C, dk)); Ks = np.zeros((C, dk)); Vs = np.zeros((C, BV)); Vz = np.zeros((C, BV))
            Qs[:L] = q[c0:c0 + L]; Ks[:L] = k[c0:c0 + L]; Vs[:L] = v[c0:c0 + L, v0:v0 + BV]
            for j in range(L):
                Vz[j] = f16(Vs[j] * 2.0 ** ((L - 1 - j) * lg))
            # ---- barrier ----
            for w in range(WARPS):
                r0 = 16 * w
                sc = [zeros_c() for _ in range(C // 8)]
                for kk in range(dk // 16):
                    a = ldmatrix_x4(Qs, addr_a(r0, 16 * kk), False)
                    for np2 in range(C // 16):
                        b = ldmatrix_x4(Ks, addr_b_rows_n(16 * np2, 16 * kk), False)
                        for h in range(2):
                            bb = [[b[l][2 * h], b[l][2 * h + 1]] for l in lanes()]
                            sc[2 * np2 + h] = mma(a, bb, sc[2 * np2 + h])
                # decay + causal mask in registers (C-fragment coordinates)
                for nt in range(C // 8):
                    for l in lanes():
                        g, t = l // 4, l % 4
                        for r in range(2):
                            i = r0 + g + 8 * r
                            for e in range(2):
                                j = 8 * nt + 2 * t + e
                                d = 2.0 ** ((i - j) * lg) if i >= j else 0.0
                                sc[nt][l][r][e] *= d
                # P as A operand: k-step kk = C tiles 2kk (regs 0,1) and 2kk+1 (regs 2,3)
                oacc = [zeros_c() for _ in range(BV // 8)]
                for kk in range(C // 16):
                    a = [[f16(sc[2 * kk][l][0]), f16(sc[2 * kk][l][1]),
                          f16(sc[2 * kk + 1][l][0]), f16(sc[2 * kk + 1][l][1])] for l in lanes()]
                    for np2 in range(BV // 16):
                        b = ldmatrix_x4(Vs, addr_b_rows_k(16 * kk, 16 * np2), True)
                        for h in range(2):
                            bb = [[b[l][2 * h], b[l][2 * h + 1]] for l in lanes()]
                            oacc[2 * np2 + h] = mma(a, bb, oacc[2 * np2 + h])
                # cross term: (Q S16) scaled per row by xi_i = gamma^(i+1)
                cacc = [zeros_c() for _ in range(BV // 8)]
                for kk in range(dk // 16):
                    a = ldmatrix_x4(Qs, addr_a(r0, 16 * kk), False)
                    for np2 in range(BV // 16):
                        b = ldmatrix_x4(S16, addr_b_rows_k(16 * kk, 16 * np2), True)
                        for h in range(2):
                            bb = [[b[l][2 * h], b[l][2 * h + 1]] for l in lanes()]
                            cacc[2 * np2 + h] = mma(a, bb, cacc[2 * np2 + h])
                for nt in range(BV // 8):
                    for l in lanes():
                        g, t = l // 4, l % 4
                        for r in range(2):
                            i = r0 + g + 8 * r
                            xi = 2.0 ** ((i + 1) * lg)
                            val = (oacc[nt][l][r] + xi * cacc[nt][l][r]) * scale
                            if i < L:
                                o[c0 + i, v0 + 8 * nt + 2 * t:v0 + 8 * nt + 2 * t + 2] = val
            # ---- barrier ---- state update: S = gamma^L S + K^T Vz
            gl = 2.0 ** (L * lg)
            for w in range(WARPS):
                for mt in range(RS // 16):
                    m0 = w * RS + 16 * mt
                    for nt in range(BV // 8):
                        for l in lanes():
                            S[(w, mt, nt)][l] = [gl * x for x in S[(w, mt, nt)][l]]
                    for kk in range(C // 16):
                        a = ldmatrix_x4(Ks, addr_at_rows_k(16 * kk, m0), True)
                        for np2 in range(BV // 16):
                            b = ldmatrix_x4(Vz, addr_b_rows_k(16 * kk, 16 * np2), True)
                            for h in range(2):
                                bb = [[b[l][2 * h], b[l][2 * h + 1]] for l in lanes()]
                                S[(w, mt, 2 * np2 + h)] = mma(a, bb, S[(w, mt, 2 * np2 + h)])
            # write S16 (16-bit copy) from the C fragments; barrier
            for (w, mt, nt), acc in S.items():
                for l in lanes():
                    g, t = l // 4, l % 4
                    for r in range(2):
                        S16[w * RS + 16 * mt + g + 8 * r, 8 * nt + 2 * t:8 * nt + 2 * t + 2] = f16(acc[l][r])
            # ---- barrier ----
        for (w, mt, nt), acc in S.items():
            for l in lanes():
                g, t = l // 4, l % 4
                for r in range(2):
                    S_out[w * RS + 16 * mt + g + 8 * r, v0 + 8 * nt + 2 * t:v0 + 8 * nt + 2 * t + 2] = acc[l][r]
    return o, S_out


def reference(q, k, v, s0, gamma, scale):
    T, dk = q.shape; dv = v.shape[1]
    S = np.zeros((dk, dv)) if s0 is None else s0.copy()
    o = np.zeros((T, dv))
    for t in range(T):
        S = gamma * S + np.outer(k[t], v[t])
        o[t] = scale * q[t] @ S
    return o, S


def rel(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30)


def main():
    rng = np.random.default_rng(0)
    ok = True
    for (T, dk, dv, BV, state, gamma, scale) in [
            (100, 64, 64, 64, True, 0.96875, 0.25), (7, 64, 64, 64, False, 0.5, 1.0),
            (129, 128, 128, 64, True, 0.984375, 0.125), (64, 256, 32, 32, True, 1.0, 1.0),
            (1, 64, 64, 64, True, 0.9, 1.0)]:
        q = f16(rng.standard_normal((T, dk)) * 0.3); k = f16(rng.standard_normal((T, dk)) * 0.3)
        v = f16(rng.standard_normal((T, dv)))
        s0 = rng.standard_normal((dk, dv)) if state else None
        o, S = kernel(q, k, v, s0, gamma, scale, BV)
        ro, rS = reference(q, k, v, s0, gamma, scale)
        eo, eS = rel(o, ro), rel(S, rS)
        good = eo < 1e-2 and eS < 1e-2
        ok &= good
        print(f"T={T} dk={dk} dv={dv} BV={BV} state={state} gamma={gamma}: "
              f"o {eo:.2e} S {eS:.2e} {'ok' if good else 'FAIL'}")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
