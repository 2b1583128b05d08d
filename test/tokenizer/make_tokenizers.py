#!/usr/bin/env python3
"""Tokenizer fixtures and the oracle's answers, made with the PyPI packages.

Writes test/tokenizer/:
  corpus.txt.gz       the test corpus: 12,000 lines (bytes; some not UTF-8)
  sp/tokenizer.model  a SentencePiece BPE model with byte fallback (Llama's
                      settings), trained with PyPI sentencepiece
  llama/tokenizer.json the same model converted to a Hugging Face tokenizer.json by
                      transformers' LlamaConverter (how Llama/Mistral/fla-hub files are
                      made): SentencePiece-style BPE with byte fallback
  gpt2/tokenizer.json a byte-level BPE (GPT-2 pre-split and byte alphabet) trained
                      with PyPI tokenizers
  <name>/tokenizer_config.json  bos/eos and add_bos_token as transformers writes them
  <name>/expected.txt.gz  per corpus line: the ids (comma-separated, no bos/eos), and
                      when the oracle's decoding of them is not the line itself (as
                      text), a tab and that decoding as a JSON string
The text is the licence texts Debian ships in /usr/share/common-licenses
(base-files; verbatim copies are allowed) plus generated lines: Unicode from
many scripts, emoji (with ZWJ sequences and modifiers), whitespace runs,
digits, and byte strings that are not UTF-8. A line that is not UTF-8 is given
to both the oracle and retnet as text with each invalid sequence replaced by
U+FFFD (Python's errors="replace", the Unicode "maximal subpart" rule).

    /tmp/fla/bin/pip install sentencepiece==0.2.3 tokenizers==0.23.3 transformers protobuf
    /tmp/fla/bin/python test/tokenizer/make_tokenizers.py
"""
import gzip
import json
import os
import random
import sys

import sentencepiece as spm
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

ROOT = os.path.dirname(os.path.abspath(__file__))
LICENSES = "/usr/share/common-licenses"

SCRIPTS = [
    "Grüße aus Köln, naïve café, façade, smørrebrød, Ærø, œuvre",
    "Привет, как дела? Съешь же ещё этих мягких французских булок",
    "Γειά σου Κόσμε, ἀρχὴ ἥμισυ παντός",
    "日本語のテキスト、東京都。漢字とかなカナ",
    "中文文本测试，你好世界！",
    "한국어 텍스트 안녕하세요 세계",
    "مرحبا بالعالم، هذا نص عربي",
    "שלום עולם, זה טקסט בעברית",
    "नमस्ते दुनिया, यह हिंदी पाठ है",
    "สวัสดีชาวโลก ภาษาไทย",
    "Tiếng Việt có dấu: Hà Nội, Sài Gòn",
    "ℕ ⊆ ℤ ⊆ ℚ ⊆ ℝ, ∀x ∈ ℝ: x² ≥ 0, ∑ᵢ aᵢ, ∫₀^∞ e^{-x} dx = 1",
    "“smart quotes” ‘single’ — em dash – en dash … ellipsis • bullet ©®™",
    "\u00a0no-break\u00a0space, zero\u200bwidth, soft\u00adhyphen, combining e\u0301 a\u0308",
]
EMOJI = ["😀", "🚀", "👍🏽", "👩‍💻", "🏳️‍🌈", "❤️", "🇩🇪", "🧑🏿‍🚀", "🤖", "🎉", "∞", "☃"]


def license_lines():
    lines = []
    for name in sorted(os.listdir(LICENSES)):
        with open(os.path.join(LICENSES, name), "rb") as f:
            for raw in f.read().split(b"\n"):
                lines.append(raw.rstrip(b"\r"))
    return lines


def generated_lines(rng, words, n):
    out = []
    for i in range(n):
        kind = i % 8
        if kind == 0:  # Unicode text from several scripts mixed with English
            parts = [rng.choice(SCRIPTS)] + rng.sample(words, 4)
            rng.shuffle(parts)
            out.append(" ".join(parts).encode())
        elif kind == 1:  # emoji
            s = " ".join(rng.choice(EMOJI) * rng.randint(1, 3) + rng.choice(words) for _ in range(4))
            out.append(s.encode())
        elif kind == 2:  # whitespace runs, tabs, leading/trailing spaces
            seps = [" ", "  ", "   ", "\t", " \t ", "        "]
            s = rng.choice(["", " ", "   ", "\t"]) + "".join(w + rng.choice(seps) for w in rng.sample(words, 6))
            out.append(s.encode())
        elif kind == 3:  # numbers, code-ish punctuation
            s = f"x_{rng.randint(0, 999)} = {rng.randint(-10**9, 10**9)} * {rng.random():.6f}; // {rng.choice(words)}()"
            out.append(s.encode())
        elif kind == 4:  # not UTF-8: stray continuation bytes, truncated sequences, overlongs, surrogates
            bad = rng.choice([b"\x80", b"\xbf\xbf", b"\xc3", b"\xe2\x82", b"\xf0\x9f\x98", b"\xc0\xaf",
                              b"\xed\xa0\x80", b"\xff", b"\xfe\xfe", b"\xf5\x80\x80\x80"])
            w = rng.sample(words, 3)
            out.append(w[0].encode() + b" " + bad + w[1].encode() + bad + b" " + w[2].encode())
        elif kind == 5:  # apostrophes and contractions (GPT-2's pre-split rules)
            s = " ".join(rng.choice(["it's", "we'll", "they're", "I'd", "you've", "don't", "O'Neil", "rock'n'roll"]) for _ in range(5))
            out.append(s.encode())
        elif kind == 6:  # characters unseen in training: rare scripts, symbols
            s = "".join(chr(rng.randint(0x2c00, 0x2c5f)) for _ in range(3)) + " " + rng.choice(words) + " " + \
                "".join(chr(rng.randint(0x1d400, 0x1d4ff)) for _ in range(2)) + chr(rng.randint(0x10000, 0x1fff0))
            out.append(s.encode("utf-8", "surrogatepass"))
        else:  # plain English from the licences, recombined
            out.append(" ".join(rng.sample(words, rng.randint(1, 12))).encode())
    return out


def as_text(raw):
    return raw.decode("utf-8", errors="replace")


def write_expected(name, encode, decode, corpus):
    path = os.path.join(ROOT, name, "expected.txt.gz")
    n_tokens = 0
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as f:
        for raw in corpus:
            ids = encode(as_text(raw))
            n_tokens += len(ids)
            text = decode(ids)
            f.write(",".join(map(str, ids)) +
                    ("" if text == as_text(raw) else "\t" + json.dumps(text)) + "\n")
    print(f"{name}: {len(corpus)} lines, {n_tokens} tokens")


def main():
    rng = random.Random(20261202)
    lic = license_lines()
    words = sorted({w for line in lic for w in line.decode("utf-8", "replace").split() if w.isalpha()})
    train_text = [as_text(l) for l in lic] + [as_text(l) for l in generated_lines(rng, words, 3000)]
    corpus = lic + generated_lines(random.Random(7), words, 12000 - len(lic))
    corpus = [l for l in corpus if b"\n" not in l]
    with gzip.open(os.path.join(ROOT, "corpus.txt.gz"), "wb", compresslevel=9) as f:
        f.write(b"\n".join(corpus) + b"\n")
    print(f"corpus: {len(corpus)} lines, {sum(map(len, corpus))} bytes")

    # SentencePiece BPE with byte fallback, Llama's settings.
    os.makedirs(os.path.join(ROOT, "sp"), exist_ok=True)
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(train_text), model_prefix=os.path.join(ROOT, "sp", "tokenizer"),
        model_type="bpe", vocab_size=1500, byte_fallback=True, character_coverage=0.9995,
        normalization_rule_name="identity", remove_extra_whitespaces=False, add_dummy_prefix=True,
        split_digits=True, allow_whitespace_only_pieces=True, unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
        num_threads=2, minloglevel=2)
    os.remove(os.path.join(ROOT, "sp", "tokenizer.vocab"))
    sp = spm.SentencePieceProcessor(model_file=os.path.join(ROOT, "sp", "tokenizer.model"))
    write_json(os.path.join(ROOT, "sp", "tokenizer_config.json"),
               {"add_bos_token": True, "add_eos_token": False, "bos_token": "<s>", "eos_token": "</s>",
                "unk_token": "<unk>", "tokenizer_class": "LlamaTokenizer"})
    write_expected("sp", lambda t: sp.encode(t), lambda ids: sp.decode(ids), corpus)

    # The same model as a tokenizer.json (SentencePiece-style BPE with byte
    # fallback): vocab and merges as transformers' LlamaConverter derives them
    # from the pieces' scores, and the normalizer, decoder and post-processor
    # that Llama-2/Mistral/fla-hub tokenizer.json files have.
    from tokenizers import AddedToken, normalizers, processors
    from transformers.tokenization_utils_base import generate_merges

    vocab_scores = [(sp.id_to_piece(i), sp.get_score(i)) for i in range(sp.get_piece_size())]
    vocab = {p: i for i, (p, _) in enumerate(vocab_scores)}
    llama = Tokenizer(models.BPE(vocab, generate_merges(vocab, vocab_scores), unk_token="<unk>",
                                 fuse_unk=True, byte_fallback=True))
    llama.normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"),
                                             normalizers.Replace(" ", "\u2581")])
    llama.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(),
                                       decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    llama.add_special_tokens([AddedToken(t, normalized=False, special=True)
                              for t in ("<unk>", "<s>", "</s>")])
    llama.post_processor = processors.TemplateProcessing(
        single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", 1)])
    os.makedirs(os.path.join(ROOT, "llama"), exist_ok=True)
    llama.save(os.path.join(ROOT, "llama", "tokenizer.json"))
    llama = Tokenizer.from_file(os.path.join(ROOT, "llama", "tokenizer.json"))
    write_json(os.path.join(ROOT, "llama", "tokenizer_config.json"),
               {"add_bos_token": True, "add_eos_token": False,
                "bos_token": {"content": "<s>", "lstrip": False, "normalized": False, "rstrip": False,
                              "single_word": False},
                "eos_token": "</s>", "tokenizer_class": "LlamaTokenizerFast"})
    write_expected("llama", lambda t: llama.encode(t, add_special_tokens=False).ids,
                   lambda ids: llama.decode(ids, skip_special_tokens=False), corpus)

    # Byte-level BPE as GPT-2 and GPT-NeoX have it.
    gpt2 = Tokenizer(models.BPE())
    gpt2.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    gpt2.decoder = decoders.ByteLevel()
    gpt2.train_from_iterator(train_text, trainers.BpeTrainer(
        vocab_size=1500, special_tokens=["<|endoftext|>"], show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    os.makedirs(os.path.join(ROOT, "gpt2"), exist_ok=True)
    gpt2.save(os.path.join(ROOT, "gpt2", "tokenizer.json"))
    write_json(os.path.join(ROOT, "gpt2", "tokenizer_config.json"),
               {"add_bos_token": False, "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>",
                "tokenizer_class": "GPT2TokenizerFast"})
    write_expected("gpt2", lambda t: gpt2.encode(t, add_special_tokens=False).ids,
                   lambda ids: gpt2.decode(ids, skip_special_tokens=False), corpus)
    return 0


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    sys.exit(main())
