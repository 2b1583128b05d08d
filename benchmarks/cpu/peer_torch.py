"""PyTorch peer for the CPU benchmark: the same math as the compiled kernels.

Chunkwise prefill is written the way flash-linear-attention's and torchscale's
reference implementations do it (batched matmuls inside chunks, the state
carried across chunks), decode as a token step on an f32 state. Also measures
the machine's f32 GEMM rate (torch.mm, MKL) as the roof. Prints JSON lines.
"""

import json
import sys
import time

import torch

H, DK, DV, CHUNK = 8, 256, 512, 64


def gammas():
    return torch.tensor([1 - 2.0 ** (-5 - h) for h in range(H)], dtype=torch.float64)


def chunkwise(q, k, v, gamma, C=CHUNK):
    """q, k [B,H,T,dk], v [B,H,T,dv], T a multiple of C. Returns o, final state."""
    B, Hh, T, dk = q.shape
    dv = v.shape[-1]
    n = T // C
    g = gamma.view(1, Hh, 1, 1, 1)
    idx = torch.arange(C, dtype=torch.float64)
    dist = idx.view(C, 1) - idx.view(1, C)
    D = torch.where(dist >= 0, gamma.view(Hh, 1, 1) ** dist, torch.zeros(())).to(q.dtype)
    xi = (gamma.view(Hh, 1) ** (idx + 1)).to(q.dtype).view(1, Hh, 1, C, 1)
    zeta = (gamma.view(Hh, 1) ** (C - 1 - idx)).to(q.dtype).view(1, Hh, 1, C, 1)
    qc, kc, vc = (x.view(B, Hh, n, C, -1) for x in (q, k, v))
    inner = (qc @ kc.transpose(-1, -2)) * D.view(1, Hh, 1, C, C)
    o = inner @ vc
    kv = kc.transpose(-1, -2) @ (vc * zeta)  # [B,H,n,dk,dv]
    decay = (gamma ** C).to(q.dtype).view(1, Hh, 1, 1)
    states = torch.empty(B, Hh, n, dk, dv, dtype=q.dtype)
    s = torch.zeros(B, Hh, dk, dv, dtype=q.dtype)
    for c in range(n):  # the state before chunk c
        states[:, :, c] = s
        s = s * decay + kv[:, :, c]
    o += (qc * xi) @ states
    return o.view(B, Hh, T, dv), s


def decode_step(q, k, v, s, gamma):
    """One token: S = γ S + kᵀ v (in place), o = q S."""
    s.mul_(gamma.view(1, -1, 1, 1))
    s.add_(k.transpose(-1, -2) @ v)
    return q @ s


def timed(fn, reps):
    fn()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    ts.sort()
    return ts[len(ts) // 2], ts[0]


def main():
    quick = "--quick" in sys.argv
    torch.manual_seed(0)
    out = []
    # GEMM roof: large square f32 matmul on all threads.
    n = 2048
    a, b = torch.randn(n, n), torch.randn(n, n)
    med, best = timed(lambda: torch.mm(a, b), 3 if quick else 10)
    out.append({"kind": "gemm", "impl": "torch", "n": n, "seconds": med,
                "gflops": 2 * n ** 3 / best * 1e-9})
    # The prefill projection of kernels.mlir (@projection): 512 rows times
    # a 2048 x 3456 weight.
    x, w = torch.empty(512, 2048).uniform_(-1, 1), torch.empty(2048, 3456).uniform_(-1, 1)
    med, best = timed(lambda: torch.mm(x, w), 1 if quick else 7)
    out.append({"kind": "projection", "impl": "torch", "m": 512, "k": 2048, "n": 3456,
                "seconds": med, "best_seconds": best,
                "gflops": 2.0 * 512 * 2048 * 3456 / best * 1e-9})
    g32 = gammas().float()
    # Correctness of the peer itself against the token loop at a small size.
    q, k, v = (torch.randn(1, H, 256, d, dtype=torch.float64) for d in (DK, DK, DV))
    o_ref = torch.empty(1, H, 256, DV, dtype=torch.float64)
    s = torch.zeros(1, H, DK, DV, dtype=torch.float64)
    for t in range(256):
        o_ref[:, :, t : t + 1] = decode_step(q[:, :, t : t + 1], k[:, :, t : t + 1], v[:, :, t : t + 1], s, gammas())
    o_chk, s_chk = chunkwise(q, k, v, gammas())
    err = float((o_chk - o_ref).norm() / o_ref.norm())
    assert err < 1e-10 and float((s_chk - s).norm() / s.norm()) < 1e-10, err

    for T in (512, 2048, 8192):
        q = torch.empty(1, H, T, DK).uniform_(-1, 1)
        k = torch.empty(1, H, T, DK).uniform_(-1 / 16, 1 / 16)
        v = torch.empty(1, H, T, DV).uniform_(-1, 1)
        reps = 1 if quick else (7 if T < 8192 else 5)
        med, best = timed(lambda: chunkwise(q, k, v, gammas()), reps)
        flops = H * (T / CHUNK) * (2.0 * CHUNK * CHUNK * (DK + DV) + 4.0 * CHUNK * DK * DV)
        out.append({"kind": "chunkwise", "impl": "torch", "T": T, "seconds": med,
                    "best_seconds": best, "gflops": flops / med * 1e-9,
                    "tokens_per_s": T / med})
    for B in (1, 16):
        q = torch.empty(B, H, 1, DK).uniform_(-1, 1)
        k = torch.empty(B, H, 1, DK).uniform_(-1 / 16, 1 / 16)
        v = torch.empty(B, H, 1, DV).uniform_(-1, 1)
        s = torch.empty(B, H, DK, DV).uniform_(-1, 1)
        steps = 20 if quick else (400 if B == 1 else 60)
        med, best = timed(lambda: decode_step(q, k, v, s, g32), steps)
        out.append({"kind": "decode", "impl": "torch", "batch": B, "seconds": med,
                    "best_seconds": best, "tokens_per_s": B / med,
                    "state_gb_per_s": 2.0 * B * H * DK * DV * 4 / med * 1e-9})
    for r in out:
        print(json.dumps(r))


if __name__ == "__main__":
    torch.set_num_threads(torch.get_num_threads())
    main()
