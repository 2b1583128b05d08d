#!/usr/bin/env python3
"""Makes the golden RetNet fixtures: small torchscale models and their logits.

For each configuration below, builds a torchscale `RetNetDecoder` with random
weights (norm weights randomised too, so that a loader ignoring them fails),
saves it as a model directory (`config.json` with RetNetConfig keys,
`model.safetensors` with torchscale's parameter names) and records, for one
random token sequence, torchscale's logits in its parallel, chunkwise and
token-by-token recurrent modes (`golden.safetensors`: `tokens` I64 [T],
`logits_parallel|chunkwise|recurrent` F32 [T, vocab]).

    pip install torch torchscale==0.3.0 safetensors
    python3 test/golden/make_golden.py            # rewrites test/golden/models/*

It also writes the bundled example model, examples/retnet-tiny (the README's
main command runs it), the same way but with bf16 weights: its golden logits
come from the model with its weights rounded to bf16, so the runtime's bf16
loading is checked against torchscale too.

The fixtures are committed; rerun this only to change them.
"""

import json
import os
import sys

import torch
from safetensors.torch import save_file
from torchscale.architecture.config import RetNetConfig
from torchscale.architecture.retnet import RetNetDecoder

HERE = os.path.dirname(os.path.abspath(__file__))

# name: (config keys, prompt length T). Together they cover several heads,
# dv != dk, swish and gelu, T not a multiple of the chunk size, embedding
# scaling and layernorm_embedding on and off, tied embeddings.
CONFIGS = {
    "swish-h2-dv48": (dict(decoder_embed_dim=32, decoder_value_embed_dim=48,
                           decoder_retention_heads=2, decoder_ffn_embed_dim=64,
                           decoder_layers=2, vocab_size=64, activation_fn="swish",
                           no_scale_embedding=True, layernorm_embedding=False,
                           recurrent_chunk_size=4,
                           share_decoder_input_output_embed=False), 13),
    "gelu-h3-tied-scaled": (dict(decoder_embed_dim=48, decoder_value_embed_dim=48,
                                 decoder_retention_heads=3, decoder_ffn_embed_dim=80,
                                 decoder_layers=2, vocab_size=50, activation_fn="gelu",
                                 no_scale_embedding=False, layernorm_embedding=True,
                                 recurrent_chunk_size=5,
                                 share_decoder_input_output_embed=True), 12),
    "swish-h4-dv96-lnemb": (dict(decoder_embed_dim=64, decoder_value_embed_dim=96,
                                 decoder_retention_heads=4, decoder_ffn_embed_dim=96,
                                 decoder_layers=3, vocab_size=80, activation_fn="swish",
                                 no_scale_embedding=True, layernorm_embedding=True,
                                 recurrent_chunk_size=8,
                                 share_decoder_input_output_embed=False), 16),
}

# The example model: bigger, bf16 weights, prompt longer than two chunks.
EXAMPLE = ("retnet-tiny",
           dict(decoder_embed_dim=128, decoder_value_embed_dim=256,
                decoder_retention_heads=4, decoder_ffn_embed_dim=256,
                decoder_layers=4, vocab_size=1024, activation_fn="swish",
                no_scale_embedding=False, layernorm_embedding=True,
                recurrent_chunk_size=16, share_decoder_input_output_embed=False),
           40)


def build(keys, seed):
    torch.manual_seed(seed)
    cfg = RetNetConfig(**keys)
    embed = torch.nn.Embedding(keys["vocab_size"], keys["decoder_embed_dim"])
    model = RetNetDecoder(cfg, embed_tokens=embed).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1:  # RMSNorm weights: not all ones
                p.uniform_(0.5, 1.5)
    return cfg, model


def logits_parallel(model, tokens):
    model.chunkwise_recurrent = False
    return model(tokens[None])[0][0]


def logits_chunkwise(model, tokens):
    """torchscale's chunkwise mode; the chunk size comes from the config."""
    model.chunkwise_recurrent = True
    out = model(tokens[None])[0][0]
    model.chunkwise_recurrent = False
    return out


def logits_recurrent(model, tokens):
    model.chunkwise_recurrent = False
    state = {}
    rows = []
    for t in range(tokens.numel()):
        rows.append(model(tokens[None, : t + 1], incremental_state=state)[0][0, -1])
    return torch.stack(rows)


def write_model(out, keys, T, seed, token_seed, dtype=torch.float32):
    cfg, model = build(keys, seed)
    name = os.path.basename(out)
    if dtype != torch.float32:  # weights exactly representable in `dtype`
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(p.to(dtype).float())
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(dict(keys, layernorm_eps=cfg.layernorm_eps), f, indent=1, sort_keys=True)
    state = {k: v.detach().to(dtype).contiguous() for k, v in model.state_dict().items()
             if not k.startswith("retnet_rel_pos.")}
    if keys["share_decoder_input_output_embed"]:
        state.pop("output_projection.weight")  # tied: the embedding serves both
    save_file(state, os.path.join(out, "model.safetensors"))
    g = torch.Generator().manual_seed(token_seed)
    tokens = torch.randint(0, keys["vocab_size"], (T,), generator=g)
    with torch.no_grad():
        par = logits_parallel(model, tokens)
        chk = logits_chunkwise(model, tokens)
        rec = logits_recurrent(model, tokens)
    for other, label in ((chk, "chunkwise"), (rec, "recurrent")):
        err = float((other - par).norm() / par.norm())
        print(f"{name}: torchscale {label} vs parallel rel L2 {err:.2e}")
    save_file({"tokens": tokens.to(torch.int64), "logits_parallel": par.float().contiguous(),
               "logits_chunkwise": chk.float().contiguous(),
               "logits_recurrent": rec.float().contiguous()},
              os.path.join(out, "golden.safetensors"))


def main():
    for i, (name, (keys, T)) in enumerate(sorted(CONFIGS.items())):
        write_model(os.path.join(HERE, "models", name), keys, T, 1000 + i, 7 + i)
    name, keys, T = EXAMPLE
    write_model(os.path.join(HERE, "..", "..", "examples", name), keys, T, 2000, 77,
                torch.bfloat16)
    return 0


if __name__ == "__main__":
    sys.exit(main())
