#!/usr/bin/env python3
"""Trains the demo model examples/retnet-kjv: a small RetNet on the King James Bible.

Text: the King James Version of the Bible (1611; public domain) as Debian's
package `bible-kjv` ships it (`bible Gen1:1-Rev22:21`; the data file is from
`bible-kjv-text`, whose copyright file states the text's copyright expired).
Tokenizer: a SentencePiece BPE model of 4096 pieces with byte fallback
(PyPI sentencepiece, Llama's settings). Model: flash-linear-attention's
RetNetForCausalLM (PyPI flash-linear-attention 0.6.0; hidden 256, 4 heads, 4
layers, expand_v 2, MLP 512, tied embeddings: 4.7M parameters), trained on
the CPU in float32 with fla's own PyTorch references in place of its Triton
kernels (the same replacements as test/golden/make_fla_golden.py). Writes
config.json, model.safetensors (bf16), tokenizer.model,
tokenizer_config.json and golden.safetensors (a prompt's tokens, fla's
logits for it computed in float32 from the bf16 weights, and fla's greedy
continuation).

    apt-get install bible-kjv
    python3 -m venv /tmp/kjv && /tmp/kjv/bin/pip install torch \
        flash-linear-attention==0.6.0 transformers sentencepiece safetensors
    /tmp/kjv/bin/python examples/train_kjv.py            # 17 minutes on 2 cores

`--steps N` trains fewer steps (a quick check); the default reproduces the
committed model (same seed, same data order; PyTorch's CPU kernels may
differ in the last bits between versions and machines).
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "golden"))
import make_fla_golden  # noqa: E402  (replaces fla's Triton kernels by its references)

import sentencepiece as spm  # noqa: E402
import torch  # noqa: E402
from fla.models import RetNetConfig, RetNetForCausalLM  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

OUT = os.path.join(ROOT, "examples", "retnet-kjv")
PROMPT = "And God said unto Moses,"


def verses():
    raw = subprocess.run(["bible", "Gen1:1-Rev22:21"], capture_output=True, check=True,
                         text=True).stdout
    out, cur = [], None
    for line in raw.split("\n"):
        m = re.match(r"^\s+(\d+) (.*)$", line)
        if m:
            if cur:
                out.append(cur)
            cur = m.group(2).strip()
        elif line.strip() and cur is not None and not re.match(r"^\S.* \d+$", line):
            cur += " " + line.strip()
        elif not line.strip() or re.match(r"^\S.* \d+$", line):
            if cur:
                out.append(cur)
            cur = None
    if cur:
        out.append(cur)
    return out


def write_golden(out_dir):
    """golden.safetensors from the saved checkpoint: the prompt's tokens (bos
    first), fla's logits for them computed in float32 from the bf16 weights
    (`logits_parallel`), and fla's greedy continuation of up to 32 tokens,
    to eos (`greedy`, recomputing the whole sequence each step)."""
    from safetensors.torch import load_file
    with open(os.path.join(out_dir, "config.json")) as f:
        cfg = json.load(f)
    cfg.pop("model_type", None)
    model = RetNetForCausalLM(RetNetConfig(**cfg)).eval()
    weights = {k: v.float() for k, v in load_file(os.path.join(out_dir, "model.safetensors")).items()}
    missing = model.load_state_dict(weights, strict=False).missing_keys
    assert missing == ["lm_head.weight"], missing
    model.tie_weights()
    sp = spm.SentencePieceProcessor(model_file=os.path.join(out_dir, "tokenizer.model"))
    tokens = torch.tensor([[1] + sp.encode(PROMPT)])
    with torch.no_grad():
        logits = model(tokens).logits[0].float().contiguous()
        seq = tokens
        for _ in range(32):
            nxt = model(seq).logits[0, -1].argmax()
            if nxt.item() == sp.eos_id():
                break
            seq = torch.cat([seq, nxt.view(1, 1)], 1)
    greedy = seq[0, tokens.shape[1]:].contiguous()
    save_file({"tokens": tokens[0].contiguous(), "logits_parallel": logits, "greedy": greedy},
              os.path.join(out_dir, "golden.safetensors"))
    print("greedy:", sp.decode(seq[0].tolist()), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=700)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--golden-only", action="store_true",
                    help="only remake golden.safetensors from the saved model")
    a = ap.parse_args()
    if a.golden_only:
        write_golden(a.out)
        return
    torch.manual_seed(0)
    torch.set_num_threads(os.cpu_count() or 2)
    os.makedirs(a.out, exist_ok=True)
    t0 = time.time()

    text = verses()
    print(f"text: {len(text)} verses, {sum(map(len, text))} characters", flush=True)
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(text), model_prefix=os.path.join(a.out, "tokenizer"),
        model_type="bpe", vocab_size=4096, byte_fallback=True, character_coverage=1.0,
        normalization_rule_name="identity", remove_extra_whitespaces=False, add_dummy_prefix=True,
        split_digits=True, unk_id=0, bos_id=1, eos_id=2, pad_id=-1, num_threads=2, minloglevel=2)
    os.remove(os.path.join(a.out, "tokenizer.vocab"))
    sp = spm.SentencePieceProcessor(model_file=os.path.join(a.out, "tokenizer.model"))
    with open(os.path.join(a.out, "tokenizer_config.json"), "w") as f:
        json.dump({"add_bos_token": True, "add_eos_token": False, "bos_token": "<s>",
                   "eos_token": "</s>", "unk_token": "<unk>",
                   "tokenizer_class": "LlamaTokenizer"}, f, indent=2)
        f.write("\n")
    # One stream: each verse is bos + its pieces.
    ids = []
    for v in text:
        ids += [1] + sp.encode(v)
    data = torch.tensor(ids, dtype=torch.long)
    print(f"tokens: {len(ids)} ({time.time() - t0:.0f} s)", flush=True)

    config = RetNetConfig(hidden_size=256, num_heads=4, num_hidden_layers=4, expand_k=1,
                          expand_v=2, hidden_ratio=2, vocab_size=sp.get_piece_size(),
                          tie_word_embeddings=True, norm_eps=1e-6, fuse_norm=True,
                          fuse_swiglu=False, fuse_cross_entropy=False)
    model = RetNetForCausalLM(config)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: {n_params} parameters", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, betas=(0.9, 0.95), weight_decay=0.1)
    warm = 30
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * 0.5 * (1 + math.cos(math.pi * min(1.0, s / a.steps))))
    gen = torch.Generator().manual_seed(1)
    model.train()
    for step in range(a.steps):
        starts = torch.randint(0, len(data) - a.seq - 1, (a.batch,), generator=gen)
        batch = torch.stack([data[s:s + a.seq + 1] for s in starts])
        logits = model(batch[:, :-1]).logits
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                                 batch[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % 50 == 0 or step == a.steps - 1:
            print(f"step {step}: loss {loss.item():.3f} ({time.time() - t0:.0f} s)", flush=True)

    model.eval()
    state = {k: v.detach().to(torch.bfloat16).contiguous() for k, v in model.state_dict().items()
             if k != "lm_head.weight"}
    save_file(state, os.path.join(a.out, "model.safetensors"))
    cfg = config.to_diff_dict()
    cfg["model_type"] = "retnet"
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")
    write_golden(a.out)
    print(f"done in {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
