"""Retention in PyTorch: the references and the PyTorch peer of the GPU
kernel benchmarks (bench_kernels.py), layout [B,H,T,D] like our kernels.

Math (DESIGN.md §2), per (batch, head), decay g = gamma[h]:
    S_t = g S_{t-1} + k_t^T v_t,   o_t = scale q_t S_t.
"""

import torch


def gammas(H, device, dtype=torch.float64):
    """1 - 2^(-5-h): flash-linear-attention's retention decays."""
    return 1.0 - 2.0 ** (-5.0 - torch.arange(H, dtype=dtype, device=device))


def recurrent(q, k, v, gamma, scale, state=None):
    """Token-serial form in the inputs' dtype (use float64): (o, final state)."""
    B, H, T, dk = q.shape
    dv = v.shape[-1]
    S = torch.zeros(B, H, dk, dv, dtype=q.dtype, device=q.device) if state is None else state.clone()
    g = gamma.to(q.dtype).view(1, H, 1, 1)
    o = torch.empty(B, H, T, dv, dtype=q.dtype, device=q.device)
    for t in range(T):
        S = g * S + k[:, :, t, :, None] * v[:, :, t, None, :]
        o[:, :, t] = scale * torch.einsum("bhk,bhkv->bhv", q[:, :, t], S)
    return o, S


def decode_step(q, k, v, state, gamma, scale):
    """One recurrent step (T = 1) in float32 from any input dtype: (o, S')."""
    H = q.shape[1]
    g = gamma.to(torch.float32).view(1, H, 1, 1)
    q, k, v = (x.float()[:, :, 0] for x in (q, k, v))
    S = g * state.float() + k[..., :, None] * v[..., None, :]
    o = scale * torch.einsum("bhk,bhkv->bhv", q, S)
    return o[:, :, None], S


def chunkwise(q, k, v, gamma, scale, chunk=64, mm_dtype=None):
    """Chunkwise form without an initial state: (o [B,H,T,dv], final state f32).

    mm_dtype None: every product in float32 (the reference; call with
    torch.backends.cuda.matmul.allow_tf32 = False). mm_dtype bf16: the PyTorch
    peer, matmuls on bf16 operands (f32 accumulation inside cuBLAS), the
    chunk states and the scan over chunks in float32. All chunks are processed
    at once; only the state scan loops over chunks (2 small ops per chunk).
    T not a multiple of the chunk: zero tokens in front (exact, no initial state).
    """
    B, H, T, dk = q.shape
    dv = v.shape[-1]
    C = chunk
    dev = q.device
    pad = (-T) % C
    if pad:
        z = lambda x: torch.cat([x.new_zeros(B, H, pad, x.shape[-1]), x], dim=2)
        q, k, v = z(q), z(k), z(v)
    n = (T + pad) // C
    md = mm_dtype or torch.float32
    qc, kc, vc = (x.reshape(B, H, n, C, x.shape[-1]).to(md) for x in (q, k, v))
    g = gamma.to(torch.float64).to(dev)
    i = torch.arange(C, device=dev, dtype=torch.float64)
    # Decay mask D[t,s] = g^(t-s) for t >= s, xi_t = g^(t+1), zeta_s = g^(C-1-s)
    diff = i[:, None] - i[None, :]
    D = torch.where(diff >= 0, g.view(H, 1, 1) ** diff.clamp(min=0), torch.zeros((), dtype=torch.float64, device=dev))
    xi = g.view(H, 1) ** (i + 1)
    zeta = g.view(H, 1) ** (C - 1 - i)
    gC = (g ** C).float()
    D, xi, zeta = (x.to(torch.float32) for x in (D, xi, zeta))
    # Intra-chunk: ((Q K^T) ⊙ D) V
    att = torch.matmul(qc, kc.transpose(-1, -2)).float() * D.view(1, H, 1, C, C)
    o = torch.matmul(att.to(md), vc).float()
    # Chunk-local states U_c = K_c^T (V_c ⊙ zeta), then S_c = g^C S_{c-1} + U_c
    vz = (vc.float() * zeta.view(1, H, 1, C, 1)).to(md)
    S = torch.matmul(kc.transpose(-1, -2), vz).float()  # [B,H,n,dk,dv]
    gCv = gC.view(1, H, 1, 1)
    for c in range(1, n):
        S[:, :, c].add_(S[:, :, c - 1] * gCv)
    # Cross-chunk: (Q_c ⊙ xi) S_{c-1}
    if n > 1:
        qx = (qc[:, :, 1:].float() * xi.view(1, H, 1, C, 1)).to(md)
        o[:, :, 1:] += torch.matmul(qx, S[:, :, :-1].to(md)).float()
    o = (scale * o).reshape(B, H, n * C, dv)[:, :, pad:]
    return o, S[:, :, -1].contiguous()


def rel_l2(a, b):
    """||a - b|| / ||b|| in float64; NaN anywhere gives NaN."""
    a = a.double()
    b = b.double()
    return float(torch.linalg.vector_norm(a - b) / torch.linalg.vector_norm(b))


def self_test():
    """The chunkwise reference and peer against the float64 recurrence, on
    the CPU (T not a multiple of the chunk, T < chunk). Returns the errors."""
    gen = torch.Generator().manual_seed(7)
    errs = {}
    for (B, H, T, dk, dv, C) in [(2, 3, 150, 16, 24, 64), (1, 2, 40, 8, 8, 64), (1, 2, 128, 32, 16, 32)]:
        q, k, v = (torch.randn(B, H, T, d, generator=gen, dtype=torch.float64) for d in (dk, dk, dv))
        g = gammas(H, "cpu")
        scale = dk ** -0.5
        ro, rs = recurrent(q, k, v, g, scale)
        co, cs = chunkwise(q.float(), k.float(), v.float(), g, scale, C)
        po, ps = chunkwise(q.bfloat16(), k.bfloat16(), v.bfloat16(), g, scale, C, mm_dtype=torch.bfloat16)
        S0 = torch.randn(B, H, dk, dv, generator=gen, dtype=torch.float64)
        do, ds = decode_step(q[:, :, :1], k[:, :, :1], v[:, :, :1], S0, g, scale)
        ro1, rs1 = recurrent(q[:, :, :1], k[:, :, :1], v[:, :, :1], g, scale, S0)
        key = f"B{B}H{H}T{T}dk{dk}dv{dv}C{C}"
        errs[key] = dict(f32_o=rel_l2(co, ro), f32_state=rel_l2(cs, rs), bf16_o=rel_l2(po, ro),
                         bf16_state=rel_l2(ps, rs), decode_o=rel_l2(do, ro1), decode_state=rel_l2(ds, rs1))
    return errs


if __name__ == "__main__":
    for k_, e in self_test().items():
        print(k_, " ".join(f"{n}={x:.2e}" for n, x in e.items()))
