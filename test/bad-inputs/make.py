#!/usr/bin/env python3
"""Writes the bad-input corpus of test/bad-inputs (run it from anywhere).

Every case is a folder under cases/ with:
  args     retnet-run's arguments, one per line; @MODEL@ is the case's model
           folder (base/ with the case's config.json / model.safetensors laid
           over it, and the files named in `remove` taken away), @OUT@ an
           output path that must not exist afterwards, @CASE@ the case folder
  expect   line 1: the exit status; line 2: a Python regular expression that
           must match a line of stderr (the error or warning line)
  config.json, model.safetensors, tokenizer.json, tokenizer.model,
  tokenizer_config.json   (optional) laid over base/
  remove, fifo   (optional) names of base files to delete, or to replace by
           a FIFO (opening one must not block)
run.py feeds them all to retnet-run. The base model is tiny (1 layer, d=4,
vocab 8), so the few cases that get as far as compiling compile fast.
"""
import json
import os
import random
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases")

BASE_CONFIG = {
    "decoder_embed_dim": 4, "decoder_value_embed_dim": 8,
    "decoder_retention_heads": 2, "decoder_ffn_embed_dim": 8,
    "decoder_layers": 1, "vocab_size": 8, "activation_fn": "swish",
    "layernorm_eps": 1e-6, "no_scale_embedding": False,
    "layernorm_embedding": False, "recurrent_chunk_size": 4,
    "share_decoder_input_output_embed": False,
}


def tensors(config):
    d, dv, f, v = (config["decoder_embed_dim"], config["decoder_value_embed_dim"],
                   config["decoder_ffn_embed_dim"], config["vocab_size"])
    out = [("embed_tokens.weight", [v, d])]
    for l in range(config["decoder_layers"]):
        p = f"layers.{l}."
        out += [(p + "retention_layer_norm.weight", [d]),
                (p + "retention.q_proj.weight", [d, d]),
                (p + "retention.k_proj.weight", [d, d]),
                (p + "retention.v_proj.weight", [dv, d]),
                (p + "retention.g_proj.weight", [dv, d]),
                (p + "retention.out_proj.weight", [d, dv]),
                (p + "final_layer_norm.weight", [d]),
                (p + "ffn.fc1.weight", [f, d]),
                (p + "ffn.gate.weight", [f, d]),
                (p + "ffn.fc2.weight", [d, f])]
    out += [("layer_norm.weight", [d]), ("output_projection.weight", [v, d])]
    return out


def numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def safetensors(entries, header_patch=None, data_patch=None):
    """entries: [(name, dtype, shape, bytes)] → file bytes; the patches may
    rewrite the header dict or the data bytes."""
    header, data = {}, b""
    for name, dtype, shape, raw in entries:
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if header_patch:
        header = header_patch(header)
    text = header if isinstance(header, str) else json.dumps(header)
    text = text.encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    if data_patch:
        data = data_patch(data)
    return struct.pack("<Q", len(text)) + text + data


def f32(values):
    return struct.pack(f"<{len(values)}f", *values)


def base_entries(rng, config=BASE_CONFIG):
    return [(name, "F32", shape, f32([rng.uniform(-0.5, 0.5) for _ in range(numel(shape))]))
            for name, shape in tensors(config)]


def write(path, content):
    mode = "wb" if isinstance(content, bytes) else "w"
    with open(path, mode) as f:
        f.write(content)


def case(name, args, status, pattern, files=None, remove=(), fifo=()):
    d = os.path.join(CASES, name)
    os.makedirs(d)
    write(os.path.join(d, "args"), "\n".join(args) + "\n")
    write(os.path.join(d, "expect"), f"{status}\n{pattern}\n")
    for fname, content in (files or {}).items():
        os.makedirs(os.path.dirname(os.path.join(d, fname)), exist_ok=True)
        write(os.path.join(d, fname), content)
    if remove:
        write(os.path.join(d, "remove"), "\n".join(remove) + "\n")
    if fifo:  # git keeps no FIFOs: run.py makes them
        write(os.path.join(d, "fifo"), "\n".join(fifo) + "\n")


def main():
    rng = random.Random(7)
    base = os.path.join(HERE, "base")
    os.makedirs(base, exist_ok=True)
    write(os.path.join(base, "config.json"), json.dumps(BASE_CONFIG, indent=2) + "\n")
    entries = base_entries(rng)
    write(os.path.join(base, "model.safetensors"), safetensors(entries))
    shutil.rmtree(CASES, ignore_errors=True)
    os.makedirs(CASES)

    run = ["--model", "@MODEL@", "--tokens", "1,2,3"]
    cfg = lambda **kw: json.dumps({**BASE_CONFIG, **kw})
    drop = lambda key: json.dumps({k: v for k, v in BASE_CONFIG.items() if k != key})

    # ---- config.json
    C = r"config\.json: "
    case("config-missing", run, 1, C + r"cannot open", remove=["config.json"])
    case("config-empty", run, 1, C + r"not valid JSON", {"config.json": ""})
    case("config-not-json", run, 1, C + r"not valid JSON", {"config.json": "{decoder_layers: 2"})
    case("config-array", run, 1, C + r"must be a JSON object, found array", {"config.json": "[1, 2]"})
    case("config-layers-string", run, 1, C + r"'decoder_layers' must be an integer, found \"2\"",
         {"config.json": cfg(decoder_layers="2")})
    case("config-layers-float", run, 1, C + r"'decoder_layers' must be an integer, found 2\.5",
         {"config.json": cfg(decoder_layers=2.5)})
    case("config-missing-vocab", run, 1, C + r"missing key 'vocab_size'", {"config.json": drop("vocab_size")})
    case("config-zero-layers", run, 1, C + r"'decoder_layers' is 0; expected 1 to 4096",
         {"config.json": cfg(decoder_layers=0)})
    case("config-negative-heads", run, 1, C + r"'decoder_retention_heads' is -2; expected 1 to",
         {"config.json": cfg(decoder_retention_heads=-2)})
    case("config-absurd-layers", run, 1, C + r"'decoder_layers' is 1000000000000; expected 1 to 4096",
         {"config.json": cfg(decoder_layers=10**12)})
    case("config-huge-integer", run, 1, C + r"'vocab_size' must be an integer",
         {"config.json": cfg(vocab_size=10**30)})
    case("config-overflowing-product", run, 1, C + r"weights of 16777216 x 1048576 or 8 x 1048576 elements are beyond the supported 2\^36",
         {"config.json": cfg(vocab_size=1 << 24, decoder_embed_dim=1 << 20,
                             decoder_value_embed_dim=1 << 20)})
    case("config-heads-not-dividing-d", run, 1,
         C + r"'decoder_retention_heads' \(3\) must divide 'decoder_embed_dim' \(4\)",
         {"config.json": cfg(decoder_retention_heads=3, decoder_value_embed_dim=6)})
    case("config-heads-not-dividing-dv", run, 1,
         C + r"'decoder_retention_heads' \(2\) must divide 'decoder_value_embed_dim' \(7\)",
         {"config.json": cfg(decoder_value_embed_dim=7)})
    case("config-odd-key-head-dim", run, 1, C + r"key head dim .* = 3 is odd; the rotation needs pairs",
         {"config.json": cfg(decoder_embed_dim=6, decoder_retention_heads=2)})
    case("config-unknown-activation", run, 1, C + r"'activation_fn' is 'relu'; expected 'swish' or 'gelu'",
         {"config.json": cfg(activation_fn="relu")})
    case("config-eps-negative", run, 1, C + r"'layernorm_eps' must be a number in \(0, 1\), found -1",
         {"config.json": cfg(layernorm_eps=-1)})
    case("config-flag-not-bool", run, 1, C + r"'layernorm_embedding' must be true or false, found \"yes\"",
         {"config.json": cfg(layernorm_embedding="yes")})
    case("config-fifo", run, 1, C + r"not a regular file", fifo=["config.json"])
    case("config-too-large", run, 1, C + r"is 1048577 bytes; a config\.json is at most 1048576 bytes",
         {"config.json": " " * (1 << 20) + "{"})
    case("config-unknown-key-warns", run, 0, r"warning: .*config\.json: unknown key 'rope_scaling' ignored",
         {"config.json": cfg(rope_scaling=2)})

    # ---- model.safetensors
    S = r"model\.safetensors: "
    st = lambda name, data, pattern, status=1: case(
        name, run, status, pattern, {"model.safetensors": data})
    st("st-empty", b"", S + r"not a safetensors file: 0 bytes, shorter than the 8-byte header length")
    st("st-7-bytes", b"\x10\x00\x00\x00\x00\x00\x00", S + r"not a safetensors file: 7 bytes")
    st("st-header-past-end", struct.pack("<Q", 4096) + b"{}", S + r"header length 4096 runs past the end of the file")
    st("st-header-absurd", struct.pack("<Q", 1 << 62) + b"{}", S + r"header length 4611686018427387904 exceeds the limit")
    st("st-header-not-json", struct.pack("<Q", 8) + b"{not js}", S + r"header is not valid JSON")
    st("st-header-array", struct.pack("<Q", 8) + b"[1,2,3] ", S + r"header must be a JSON object, found array")
    patch = lambda f: safetensors(base_entries(random.Random(7)), header_patch=f)

    def set_field(name, field, value):
        def f(h):
            h[name][field] = value
            return h
        return f
    E = "embed_tokens.weight"
    st("st-unknown-dtype", patch(set_field(E, "dtype", "F8_E4M3")), S + r"tensor 'embed_tokens\.weight': unknown dtype 'F8_E4M3'")
    st("st-integer-dtype", safetensors([(n, "I32" if n == E else t, s, r) for n, t, s, r in base_entries(random.Random(7))]),
       S + r"tensor 'embed_tokens\.weight' has dtype I32; expected F32, F16 or BF16")
    st("st-negative-dim", patch(set_field(E, "shape", [-8, 4])), S + r"tensor 'embed_tokens\.weight': negative dimension -8")
    st("st-overflowing-shape", patch(set_field(E, "shape", [1 << 40, 1 << 40])), S + r"tensor 'embed_tokens\.weight': 'shape' \[1099511627776,1099511627776\] overflows the addressable size")
    st("st-shape-not-integers", patch(set_field(E, "shape", [8, "4"])), S + r"tensor 'embed_tokens\.weight': 'shape' holds \"4\", not an integer")
    st("st-offsets-reversed", patch(set_field(E, "data_offsets", [128, 0])), S + r"tensor 'embed_tokens\.weight': 'data_offsets' \[128,0\] are reversed \(begin > end\)")
    st("st-offsets-negative", patch(set_field(E, "data_offsets", [-4, 124])), S + r"tensor 'embed_tokens\.weight': 'data_offsets' must be \[begin, end\] with non-negative integers")
    st("st-offsets-outside", patch(set_field(E, "data_offsets", [0, 1 << 40])), S + r"tensor 'embed_tokens\.weight': 'data_offsets' \[0,1099511627776\] run past the data section \(1200 bytes\)")
    st("st-offsets-size-mismatch", patch(set_field(E, "data_offsets", [0, 64])), S + r"tensor 'embed_tokens\.weight': 'data_offsets' span 64 bytes, but shape \[8,4\] of F32 needs 128")

    def overlap(h):
        q = "layers.0.retention.q_proj.weight"
        k = "layers.0.retention.k_proj.weight"
        h[k]["data_offsets"] = h[q]["data_offsets"]
        return h
    st("st-offsets-overlap", patch(overlap), S + r"tensors '.*' and '.*' overlap in the data section")

    def duplicate(h):
        text = json.dumps(h)
        first = json.dumps({E: h[E]})[1:-1]
        return "{" + first + ", " + text[1:]
    st("st-duplicate-name", patch(duplicate), S + r"tensor 'embed_tokens\.weight' appears twice in the header")
    st("st-entry-not-object", patch(lambda h: {**h, E: [1, 2]}), S + r"tensor 'embed_tokens\.weight' must be an object, found array")
    st("st-missing-field", patch(lambda h: {**h, E: {k: v for k, v in h[E].items() if k != "dtype"}}),
       S + r"tensor 'embed_tokens\.weight' lacks the field 'dtype'")
    st("st-metadata-not-object", patch(lambda h: {**h, "__metadata__": 3}), S + r"'__metadata__' must be an object of strings")
    st("st-truncated-data", safetensors(base_entries(random.Random(7)), data_patch=lambda d: d[: len(d) // 2]),
       S + r"tensor 'layer_norm\.weight': 'data_offsets' \[1056,1072\] run past the data section \(600 bytes\); the file is truncated or the header wrong")
    st("st-missing-tensor", safetensors([e for e in base_entries(random.Random(7)) if e[0] != "layers.0.ffn.gate.weight"]),
       S + r"missing tensor 'layers\.0\.ffn\.gate\.weight' \(expected \[8, 4\]\)")
    st("st-wrong-shape", safetensors([(n, t, [s[1], s[0]] if n == "layers.0.retention.v_proj.weight" else s,
                                       r) for n, t, s, r in base_entries(random.Random(7))]),
       S + r"tensor 'layers\.0\.retention\.v_proj\.weight' has shape \[4, 8\], but the config needs \[8, 4\]")
    st("st-unexpected-tensor-warns", safetensors(base_entries(random.Random(7)) + [("extra.bias", "F32", [2], f32([1, 2]))]),
       r"warning: .*model\.safetensors: tensor 'extra\.bias' is not used by the model", status=0)
    nan_entries = base_entries(random.Random(7))
    n0, t0, s0, r0 = nan_entries[1]
    nan_entries[1] = (n0, t0, s0, f32([float("nan"), float("inf")] + [0.5] * (numel(s0) - 2)))
    st("st-nan-weights-warn", safetensors(nan_entries), r"warning: .*model\.safetensors: 2 weights are NaN or infinite", status=0)
    case("st-fifo", run, 1, S + r"not a regular file", fifo=["model.safetensors"])
    case("st-missing-file", run, 1, S + r"cannot open: No such file or directory", remove=["model.safetensors"])
    case("st-directory", run, 1, S + r"not a regular file", {"model.safetensors/.keep": ""}, remove=["model.safetensors"])

    # ---- tokens
    tok = lambda name, tokens, pattern: case(name, ["--model", "@MODEL@", "--tokens", tokens], 1, pattern)
    tok("tokens-empty", "", r"--tokens: '' \(item 0\) is not an integer token id")
    tok("tokens-not-integer", "1,x,3", r"--tokens: 'x' \(item 1\) is not an integer token id")
    tok("tokens-float", "1,2.5", r"--tokens: '2\.5' \(item 1\) is not an integer token id")
    tok("tokens-trailing-comma", "1,2,", r"--tokens: '' \(item 2\) is not an integer token id")
    tok("tokens-negative", "3,-1", r"--tokens: token id -1 is negative")
    tok("tokens-overflow", "99999999999999999999", r"--tokens: '99999999999999999999' \(item 0\) is not an integer token id")
    tok("tokens-outside-vocab", "1,8", r"token 8 at index 1 is outside the vocabulary \[0, 8\)")

    # ---- flags
    fl = lambda name, args, pattern: case(name, args, 1, pattern)
    fl("flag-unknown", run + ["--frobnicate"], r"unknown option '--frobnicate'")
    fl("flag-missing-value", ["--model", "@MODEL@", "--tokens"], r"missing value after --tokens")
    fl("flag-no-model", ["--tokens", "1"], r"no model given")
    fl("flag-no-tokens", ["--model", "@MODEL@"], r"no prompt given")
    fl("flag-temperature-negative", run + ["--temperature", "-0.5"], r"--temperature must be a finite number >= 0, got -0\.5")
    fl("flag-temperature-nan", run + ["--temperature", "nan"], r"--temperature expects a number, got 'nan'")
    fl("flag-top-p-zero", run + ["--top-p", "0"], r"--top-p must be in \(0, 1\], got 0$")
    fl("flag-top-p-above-one", run + ["--top-p", "1.5"], r"--top-p must be in \(0, 1\], got 1\.5")
    fl("flag-top-k-negative", run + ["--top-k", "-1"], r"--top-k expects an integer in \[0, ")
    fl("flag-max-new-negative", run + ["--max-new-tokens", "-3"], r"--max-new-tokens expects an integer in \[0, ")
    fl("flag-seed-not-integer", run + ["--seed", "abc"], r"--seed expects an integer")
    fl("flag-unknown-form", run + ["--form", "sideways"], r"unknown --form 'sideways' \(expected auto, parallel, chunkwise or recurrent\)")
    fl("flag-unknown-target", run + ["--target", "tpu"], r"unknown --target 'tpu' \(expected auto, cpu or cuda\)")
    fl("flag-model-not-a-directory", ["--model", "@CASE@/args", "--tokens", "1"], r"config\.json: cannot open")
    fl("flag-unwritable-logits", run + ["--logits-out", "/nonexistent-dir/logits.safetensors"],
       r"/nonexistent-dir/logits\.safetensors: cannot write")
    fl("flag-artifact-missing", run + ["--artifact", "@CASE@/no-such.so"], r"cannot load the compiled model '.*no-such\.so'")
    case("flag-artifact-not-a-library", run + ["--artifact", "@CASE@/fake.so"], 1,
         r"cannot load the compiled model '.*fake\.so'", {"fake.so": "not an ELF file\n"})
    # The logits output is written whole or not at all (@OUT@ must not exist
    # afterwards): here the prefill fails after the path was accepted.
    fl("flag-no-partial-output", ["--model", "@MODEL@", "--tokens", "1,9", "--logits-out", "@OUT@"],
       r"token 9 at index 1 is outside the vocabulary")

    # ---- flash-linear-attention configs and checkpoints
    fla = {"model_type": "retnet", "hidden_size": 4, "num_heads": 2, "num_hidden_layers": 1,
           "expand_k": 1, "expand_v": 2, "intermediate_size": 8, "vocab_size": 8}
    flacfg = lambda **kw: json.dumps({**fla, **kw})
    case("fla-feature-map", run, 1, C + r"'feature_map' is \"elu\", which is not supported \(a feature map",
         {"config.json": flacfg(feature_map="elu")})
    case("fla-short-conv", run, 1, C + r"'use_short_conv' is true, which is not supported \(short convolutions\)",
         {"config.json": flacfg(use_short_conv=True)})
    case("fla-hybrid-attention", run, 1, C + r"'attn' is \{.*\}, which is not supported \(hybrid attention layers\)",
         {"config.json": flacfg(attn={"layers": [0], "num_heads": 2})})
    case("fla-kv-heads", run, 1, C + r"'num_kv_heads' \(3\) must divide 'num_heads' \(2\)",
         {"config.json": flacfg(num_kv_heads=3)})
    case("config-model-type", run, 1, C + r"'model_type' is 'mamba'; expected 'retnet'",
         {"config.json": flacfg(model_type="mamba")})
    # An fla config over a torchscale checkpoint: the missing tensor by its fla name.
    case("fla-torchscale-names", run, 1, S + r"missing tensor 'model\.embeddings\.weight' \(expected \[8, 4\]\)",
         {"config.json": flacfg()})

    # ---- tokenizers (--prompt)
    txt = ["--model", "@MODEL@", "--prompt", "hi"]
    T = r"tokenizer\.json: "
    case("tokenizer-none", txt, 1, r"no tokenizer \(tokenizer\.json or tokenizer\.model\) for --prompt")
    case("tokenizer-json-truncated", txt, 1, T + r"not valid JSON", {"tokenizer.json": '{"model": {'})
    case("tokenizer-wordpiece", txt, 1, T + r"model type 'WordPiece' \(only BPE is implemented\) is not supported",
         {"tokenizer.json": json.dumps({"model": {"type": "WordPiece", "vocab": {}}})})
    case("tokenizer-bad-regex", txt, 1, T + r"regular expression .* does not compile",
         {"tokenizer.json": json.dumps({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []},
                                        "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(unclosed"},
                                                          "behavior": "Isolated"}})})
    case("tokenizer-merge-unknown", txt, 1, T + r"merge \[\"a\",\"b\"\] names a token missing",
         {"tokenizer.json": json.dumps({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [["a", "b"]]}})})
    case("tokenizer-larger-than-vocab", txt, 1, r"the tokenizer has 9 tokens, but the model's vocabulary is 8",
         {"tokenizer.json": json.dumps({"model": {"type": "BPE", "vocab": {str(i): i for i in range(9)},
                                                  "merges": []}})})
    case("tokenizer-model-garbage", txt, 1, r"tokenizer\.model: not a SentencePiece model",
         {"tokenizer.model": "not a protobuf\n"})
    case("prompt-file-missing", ["--model", "@MODEL@", "--prompt-file", "@CASE@/none.txt"], 1,
         r"--prompt-file: cannot open '.*none\.txt': No such file or directory")
    print(f"make.py: {len(os.listdir(CASES))} cases in {CASES}")


if __name__ == "__main__":
    main()
