#!/usr/bin/env python3
"""A small random fla-format RetNet whose vocabulary fits a test tokenizer.

    make_text_model.py OUT_DIR TOKENIZER_DIR [--vocab N] [--seed S]

Writes OUT_DIR/config.json (flash-linear-attention keys) and
OUT_DIR/model.safetensors (random f32 weights, numpy only) and copies the
tokenizer files of TOKENIZER_DIR, so that retnet-run --prompt can be tested
without a trained model. test/tokenizer/text-model is
`make_text_model.py test/tokenizer/text-model test/tokenizer/llama` (the C API
tests use it).
"""
import argparse
import json
import os
import shutil
import struct

import numpy as np


def save_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, a in tensors.items():
        b = np.ascontiguousarray(a, dtype=np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("tokenizer")
    ap.add_argument("--vocab", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    d, H, L, F, V = 32, 2, 1, 64, a.vocab
    os.makedirs(a.out, exist_ok=True)
    cfg = {"model_type": "retnet", "hidden_size": d, "num_heads": H, "num_hidden_layers": L,
           "expand_k": 1, "expand_v": 1, "intermediate_size": F, "vocab_size": V,
           "hidden_act": "swish", "norm_eps": 1e-6, "tie_word_embeddings": True}
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    w = lambda *s: rng.normal(0, 1 / np.sqrt(s[-1]), s)
    t = {"model.embeddings.weight": rng.normal(0, 1, (V, d)), "model.norm.weight": np.ones(d)}
    for l in range(L):
        p = f"model.layers.{l}."
        t.update({p + "attn_norm.weight": np.ones(d), p + "mlp_norm.weight": np.ones(d),
                  p + "attn.q_proj.weight": w(d, d), p + "attn.k_proj.weight": w(d, d),
                  p + "attn.v_proj.weight": w(d, d), p + "attn.g_proj.weight": w(d, d),
                  p + "attn.o_proj.weight": w(d, d), p + "attn.g_norm_swish_gate.weight": np.ones(d // H),
                  p + "mlp.gate_proj.weight": w(F, d), p + "mlp.up_proj.weight": w(F, d),
                  p + "mlp.down_proj.weight": w(d, F)})
    save_safetensors(os.path.join(a.out, "model.safetensors"), t)
    for name in ("tokenizer.json", "tokenizer.model", "tokenizer_config.json"):
        src = os.path.join(a.tokenizer, name)
        if os.path.exists(src):
            shutil.copy(src, a.out)


if __name__ == "__main__":
    main()
