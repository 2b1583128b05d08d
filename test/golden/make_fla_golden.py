#!/usr/bin/env python3
"""Golden fixtures made by flash-linear-attention's own RetNet modules.

Writes test/golden/fla/<name>/{config.json, model.safetensors, golden.safetensors}
for small random flash-linear-attention RetNets (fla.models.RetNetForCausalLM,
PyPI `flash-linear-attention`), and test/golden/syncdoth/<name>/ from a
torchscale golden model renamed to the syncdoth/RetNet Hugging Face layout.

fla's kernels are Triton and this runs on the CPU, so each is replaced by fla's
own PyTorch reference of it, named here:
  - retention (chunk / fused_chunk / parallel / fused_recurrent kernels)
      -> fla.ops.retention.naive.naive_retention (the parallel form, float32);
  - rotary_embedding                 -> fla.modules.rotary.ops.rotary_embedding_ref;
  - RMSNorm (fla.modules)            -> fla.modules.norm.layernorm.rms_norm_ref;
  - FusedRMSNormGated (norm + swish gate)
                                     -> fla.modules.norm.layernorm_gated.rms_norm_ref
                                        (z = gate, norm before gate);
  - swiglu (fused_swiglu off)        -> silu(gate) * up in PyTorch.
Everything else (projections, head split, grouped key/value repeat, the MLP,
embeddings, tied head) is fla's module code as is.

    python3 -m venv /tmp/fla && /tmp/fla/bin/pip install torch \
        flash-linear-attention==0.6.0 transformers safetensors
    /tmp/fla/bin/python test/golden/make_fla_golden.py
"""
import json
import os
import shutil
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

import fla.layers.multiscale_retention as msr
import fla.modules.mlp as fla_mlp
import fla.modules.norm.fused_norm_gate as fused_norm_gate
import fla.modules.norm.layernorm as layernorm
import fla.modules.rotary.ops as rotary
from fla.models import RetNetConfig, RetNetForCausalLM
from fla.modules.norm.layernorm_gated import rms_norm_ref as gated_rms_norm_ref
from fla.ops.retention.naive import naive_retention

ROOT = os.path.dirname(os.path.abspath(__file__))


def retention_ref(q, k, v, initial_state=None, output_final_state=False,
                  cu_seqlens=None, **_):
    # fla's layer passes [B, T, H, D]; naive_retention takes [B, H, T, D].
    assert initial_state is None and cu_seqlens is None
    o = naive_retention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2))
    return o.transpose(1, 2), None


def rotary_ref(x, cos, sin, interleaved=False, inplace=False, seqlen_offsets=0,
               cu_seqlens=None, chunk_indices=None):
    assert isinstance(seqlen_offsets, int) and cu_seqlens is None
    T = x.shape[1]
    return rotary.rotary_embedding_ref(
        x, cos[seqlen_offsets:seqlen_offsets + T], sin[seqlen_offsets:seqlen_offsets + T],
        interleaved)


def rmsnorm_forward(self, x, residual=None, prenorm=False, residual_in_fp32=False):
    return layernorm.rms_norm_ref(x, self.weight, self.bias, residual=residual,
                                  eps=self.eps, prenorm=prenorm, upcast=True)


def gated_forward(self, x, g, residual=None, prenorm=False, residual_in_fp32=False):
    assert residual is None and not prenorm and self.activation in ("swish", "silu")
    return gated_rms_norm_ref(x, self.weight, self.bias, z=g, eps=self.eps,
                              norm_before_gate=True, upcast=True)


for name in ("chunk_retention", "fused_chunk_retention", "parallel_retention",
             "fused_recurrent_retention"):
    setattr(msr, name, retention_ref)
rotary.rotary_embedding = rotary_ref
layernorm.RMSNorm.forward = rmsnorm_forward
fused_norm_gate.FusedRMSNormGated.forward = gated_forward
fla_mlp.swiglu = lambda gate, up: F.silu(gate) * up

# name: (config, T, save the MLP as one fused gate_proj of twice the width)
CONFIGS = {
    # Two heads, expand_v 2, fused norm+gate (g_norm_swish_gate), MLP width
    # from hidden_ratio.
    "fla-h2-ev2": (dict(hidden_size=64, num_heads=2, expand_k=1.0, expand_v=2.0,
                        hidden_ratio=2, num_hidden_layers=2, vocab_size=97,
                        norm_eps=1e-6, fuse_norm=True), 21, False),
    # Grouped key/value heads (4 heads over 2), expand_k 0.5, tied embeddings,
    # unfused norm (attn.g_norm), explicit intermediate_size.
    "fla-h4-kv2-tied": (dict(hidden_size=96, num_heads=4, num_kv_heads=2,
                             expand_k=0.5, expand_v=1.0, intermediate_size=160,
                             num_hidden_layers=2, vocab_size=89, norm_eps=1e-5,
                             tie_word_embeddings=True, fuse_norm=False), 19, False),
    # The old fused MLP (one gate_proj of 2 x intermediate), expand_v 1.5,
    # hidden_ratio null (4), three layers.
    "fla-h4-ev1.5-fusedmlp": (dict(hidden_size=64, num_heads=4, expand_k=1.0,
                                   expand_v=1.5, hidden_ratio=None, num_hidden_layers=3,
                                   vocab_size=101, norm_eps=1e-6, fuse_norm=True), 23, True),
}


def make_fla(name, kwargs, T, fused_mlp, seed):
    torch.manual_seed(seed)
    config = RetNetConfig(fuse_swiglu=False, fuse_cross_entropy=False, **kwargs)
    model = RetNetForCausalLM(config).eval()
    with torch.no_grad():
        for pname, p in model.named_parameters():
            if p.dim() == 1:  # norm weights: random, so a loader ignoring them fails
                p.copy_(torch.empty_like(p).uniform_(0.5, 1.5))
            else:
                p.normal_(0.0, 0.5 / p.shape[-1] ** 0.5 * 2)
    tokens = torch.randint(0, config.vocab_size, (1, T))
    with torch.no_grad():
        logits = model(tokens).logits[0].float()
    out = os.path.join(ROOT, "fla", name)
    os.makedirs(out, exist_ok=True)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    if config.tie_word_embeddings:
        state.pop("lm_head.weight", None)
    if fused_mlp:
        for i in range(config.num_hidden_layers):
            p = f"model.layers.{i}.mlp."
            state[p + "gate_proj.weight"] = torch.cat(
                [state[p + "gate_proj.weight"], state.pop(p + "up_proj.weight")], 0)
    save_file(state, os.path.join(out, "model.safetensors"))
    cfg = config.to_diff_dict()
    cfg["model_type"] = "retnet"
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
    save_file({"tokens": tokens[0].to(torch.int64), "logits_parallel": logits.contiguous()},
              os.path.join(out, "golden.safetensors"))
    print(f"{name}: {sum(p.numel() for p in model.parameters())} parameters, T={T}")


def make_syncdoth(src_name, name):
    """A torchscale golden model under syncdoth/RetNet's names (`model.` prefix,
    `lm_head`) and its Hugging Face config keys; the logits are torchscale's."""
    src = os.path.join(ROOT, "models", src_name)
    out = os.path.join(ROOT, "syncdoth", name)
    os.makedirs(out, exist_ok=True)
    state = load_file(os.path.join(src, "model.safetensors"))
    renamed = {("lm_head.weight" if k == "output_projection.weight" else "model." + k): v
               for k, v in state.items()}
    save_file(renamed, os.path.join(out, "model.safetensors"))
    with open(os.path.join(src, "config.json")) as f:
        cfg = json.load(f)
    tied = cfg.pop("share_decoder_input_output_embed", False)
    cfg.update({"model_type": "retnet", "architectures": ["RetNetForCausalLM"],
                "tie_word_embeddings": tied, "use_glu": True, "deepnorm": False,
                "use_lm_decay": False, "decoder_normalize_before": True,
                "torch_dtype": "float32", "transformers_version": "4.29.1"})
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
    shutil.copy(os.path.join(src, "golden.safetensors"), out)
    print(f"{name}: from {src_name}")


def main():
    for seed, (name, (kwargs, T, fused)) in enumerate(CONFIGS.items()):
        make_fla(name, kwargs, T, fused, 1000 + seed)
    make_syncdoth("swish-h4-dv96-lnemb", "syncdoth-h4-lnemb")
    return 0


if __name__ == "__main__":
    sys.exit(main())
