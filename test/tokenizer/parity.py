#!/usr/bin/env python3
"""Tokenizer parity: retnet-tokenize against the reference libraries' answers.

For each tokenizer directory given, runs `retnet-tokenize DIR` on corpus.txt.gz
and compares every line's ids with DIR/expected.txt.gz (made by
make_tokenizers.py with PyPI `tokenizers`/`sentencepiece`), then
`retnet-tokenize DIR --decode` on the expected ids and compares the text with
the oracle's decoding (the line itself, read as UTF-8 with U+FFFD for invalid
bytes, unless expected.txt.gz records another). Prints one line per
tokenizer with the line count and the mismatches; exits 1 on any mismatch.

    parity.py --tool build/bin/retnet-tokenize test/tokenizer/sp test/tokenizer/gpt2 ...
"""
import argparse
import gzip
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--show", type=int, default=5, help="mismatches shown per tokenizer")
    ap.add_argument("dirs", nargs="+")
    args = ap.parse_args()
    with gzip.open(os.path.join(HERE, "corpus.txt.gz"), "rb") as f:
        corpus = f.read().split(b"\n")[:-1]
    failed = False
    for d in args.dirs:
        with gzip.open(os.path.join(d, "expected.txt.gz"), "rt", encoding="utf-8") as f:
            rows = [r.rstrip("\n").split("\t", 1) for r in f]
        assert len(rows) == len(corpus), f"{d}: {len(rows)} expected rows, {len(corpus)} lines"
        got = subprocess.run([args.tool, d], input=b"\n".join(corpus) + b"\n",
                             capture_output=True, check=True).stdout.split(b"\n")[:-1]
        ids_bad = [i for i, (row, g) in enumerate(zip(rows, got)) if row[0] != g.decode()]
        if len(got) != len(corpus):
            ids_bad.append(-1)
        dec = subprocess.run([args.tool, d, "--decode"],
                             input=("\n".join(r[0] for r in rows) + "\n").encode(),
                             capture_output=True, check=True).stdout.split(b"\n")
        text_bad = []
        for i, (raw, row) in enumerate(zip(corpus, rows)):
            want = json.loads(row[1]) if len(row) > 1 else raw.decode("utf-8", "replace")
            if i >= len(dec) or dec[i].decode("utf-8", "surrogateescape") != want:
                text_bad.append(i)
        name = os.path.basename(os.path.normpath(d))
        print(f"{name}: {len(corpus)} lines, id mismatches {len(ids_bad)}, "
              f"decode mismatches {len(text_bad)}")
        for i in ids_bad[:args.show]:
            print(f"  line {i + 1}: {corpus[i]!r}\n    want {rows[i][0]}\n    got  {got[i].decode() if i < len(got) else None}")
        for i in text_bad[:args.show]:
            print(f"  decode line {i + 1}: {corpus[i]!r} -> {dec[i] if i < len(dec) else None!r}")
        failed |= bool(ids_bad or text_bad)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
