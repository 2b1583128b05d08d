#!/usr/bin/env python3
"""Checks that error lines never echo raw bytes from their input.

  error-lines.py --retnet-run PATH [--retnet-serve PATH] [--retnet-compile PATH]
                 [--artifact SO] [--mutations N] [--seed S] [--work DIR]
                 [--allow-bad]

Runs retnet-run (and, when given, retnet-serve --model DIR --port 0) on
  corpus     every case of the bad-input corpus (cases/, with run.py's
             machinery);
  flags      flags and paths holding escape sequences, control characters,
             invalid UTF-8 and very long values;
  tokenizer  tokenizer.json / tokenizer_config.json / tokenizer.model files
             whose names, types and tokens hold the same;
  header     N random mutations of examples/retnet-tiny's safetensors header
             (byte flips; escape sequences, control and bidi characters and
             invalid UTF-8, raw or as JSON escapes, put into tensor names,
             dtype strings, shapes, offsets, metadata and the JSON between
             them; very long names; truncations; wrong header lengths);
  config     N/2 random mutations of its config.json (the same, in keys and
             values).
Models that load are run from one compiled artifact (compiled here once, or
--artifact), so nothing is compiled per case. retnet-serve gets the model
folder of each case where retnet-run failed (not for the artifact's config),
with --artifact when it takes one, else through a cache filled here once; a
server that says it listens (or still runs after --serve-timeout) is
stopped, which counts as a failure only for a certainly invalid model; its
stdout lines are checked too.

A run fails when a line of its stderr holds bytes that are not UTF-8, a
control character (C0, tab and carriage return included, DEL, C1; only the
newline that ends a line is allowed), a bidi override/isolate or line
separator (U+202A-U+202E, U+2066-U+2069, U+2028, U+2029), or is longer
than 2048 bytes (long values are cut); when it is killed by a signal or
hangs; or when it exits 0 on an input that is certainly invalid (valid
mutations may pass). Corpus cases must also exit with their expected status.
Prints the seed, the counts per group and the wall time; exit 0 when no run
failed (--allow-bad: exit 0 anyway, to measure).
"""
import argparse
import importlib.util
import json
import os
import random
import re
import selectors
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TINY = os.path.join(ROOT, "examples", "retnet-tiny")

_spec = importlib.util.spec_from_file_location("bad_inputs_run", os.path.join(HERE, "run.py"))
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)

MAX_LINE = 2048
BAD_CHAR = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

# What a hostile file or flag may hold: raw bytes, and JSON escapes that a
# JSON parser turns into the same characters.
RAW = [b"\x1b[31m", b"\x1b[2J\x1b[H", b"\x1b]0;owned\x07", b"\x1b]8;;http://x\x1b\\", b"\x1bP1$r",
       b"\r", b"\t", b"\n", b"\x00", b"\x07", b"\x08", b"\x7f",
       "\u009b31m".encode(), "\u0085".encode(), "\u202e".encode(), "\u2066".encode(),
       "\u2028".encode(), "\u200b".encode(), "\ufeff".encode(),
       b"\x9b31m", b"\xff", b"\xfe", b"\x80", b"\xc3", b"\xc0\xaf", b"\xe0\x80\xaf",
       b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xf8\x88\x80\x80\x80",
       "名前".encode(), "é".encode()]
ESCAPED = [b"\\u001b[31m", b"\\u001b]0;owned\\u0007", b"\\u0007", b"\\u0000", b"\\u007f",
           b"\\u009b31m", b"\\u0085", b"\\u202e", b"\\u2066", b"\\u2028", b"\\r\\n", b"\\t",
           b"\\ud800", b"\\ud83d\\ude00", b"\\u540d\\u524d", b"\\\"", b"\\\\"]


def hostile(rng, escaped_ok=True):
    """1-3 hostile fragments (raw bytes, or JSON escapes when escaped_ok)."""
    pool = RAW + ESCAPED if escaped_ok else RAW
    return b"".join(rng.choice(pool) for _ in range(rng.randint(1, 3)))


def json_hostile(rng):
    """A JSON string literal's body that decodes to hostile characters."""
    return b"".join(rng.choice(ESCAPED[:13]) for _ in range(rng.randint(1, 3)))


def line_problems(text):
    """What is wrong with the lines of `text` (bytes), one entry each."""
    out = []
    for raw in text.split(b"\n"):
        if len(raw) > MAX_LINE:
            out.append(f"a line of {len(raw)} bytes: {ascii(raw[:120])}...")
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            out.append(f"invalid UTF-8 (byte {e.start}): {ascii(raw[:300])}")
            continue
        m = BAD_CHAR.search(line)
        if m:
            out.append(f"U+{ord(m.group()):04X} at {m.start()}: {ascii(line[:300])}")
    return out


READY = re.compile(rb"(?i)listen|serving|http://|ready")


class Runner:
    def __init__(self, a, work):
        self.a = a
        self.work = work
        self.counts = {}  # group -> [runs, bad-line runs, other failures, exit 0]
        self.failures = []
        self.serve_artifact = False
        if a.retnet_serve:
            try:
                h = subprocess.run([a.retnet_serve, "--help"], capture_output=True, timeout=10)
                self.serve_artifact = b"--artifact" in h.stdout + h.stderr
            except (OSError, subprocess.TimeoutExpired):
                pass

    def run(self, group, name, argv, invalid, expect_status=None, timeout=None, serve=False):
        """Runs argv (a list of str/bytes); records what is wrong; returns
        (exit status or None when it was still running, stderr)."""
        timeout = timeout or self.a.timeout
        c = self.counts.setdefault(group, [0, 0, 0, 0])
        c[0] += 1
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE if serve else subprocess.DEVNULL,
                             stderr=subprocess.PIPE, start_new_session=True)
        out, err, still_running = read_until_done(p, timeout, serve)
        rc = p.returncode
        c[3] += rc == 0 and not still_running
        problems = line_problems(err) + line_problems(out)
        if problems:
            c[1] += 1
        other = []
        if still_running:
            # A server that loaded its model serves: fine unless the input was
            # certainly invalid.
            if not serve or invalid:
                other.append(f"still running after {timeout:g} s" if not serve else
                             "serving despite an invalid input")
        elif rc < 0 or rc >= 128:
            other.append(f"killed by a signal (status {rc})")
        elif expect_status is not None and rc != expect_status:
            other.append(f"exit status {rc}, expected {expect_status}")
        elif invalid and rc == 0:
            other.append("exit status 0 on an invalid input")
        if b"AddressSanitizer" in err or b"runtime error:" in err:
            other.append("sanitizer report")
        if other:
            c[2] += 1
        if problems or other:
            self.failures.append(f"{group} {name}: " + "; ".join(other + problems[:3]))
        return (None if still_running else rc), err

    def model(self, model_dir, extra, group, name, invalid, expect_status=None,
              serve_invalid=None):
        """retnet-run on a model directory; then retnet-serve (when given)
        where retnet-run failed, unless for the compiled artifact's config
        (the server would compile the changed config first)."""
        rc, err = self.run(group, name, [self.a.retnet_run, "--model", model_dir] + extra,
                           invalid, expect_status)
        self.serve(model_dir, group, name, invalid if serve_invalid is None else serve_invalid,
                   rc, err)

    def serve(self, model_dir, group, name, invalid, run_rc, run_err):
        if not self.a.retnet_serve or run_rc == 0 or b"compiled for another config" in run_err:
            return
        argv = [self.a.retnet_serve, "--model", model_dir, "--port", "0"]
        if self.serve_artifact:
            argv += ["--artifact", self.artifact]
        self.run("serve-" + group, name, argv, invalid, timeout=self.a.serve_timeout, serve=True)


def read_until_done(p, timeout, serve):
    """(stdout, stderr, still_running) of p: read until it exits or the
    timeout; a server is stopped soon after it says it is listening."""
    sel = selectors.DefaultSelector()
    bufs = {}
    for f in (p.stdout, p.stderr):
        if f:
            os.set_blocking(f.fileno(), False)
            sel.register(f, selectors.EVENT_READ)
            bufs[f] = b""
    deadline = time.time() + timeout
    ready_at = None
    while sel.get_map():
        left = deadline - time.time()
        if ready_at is not None:
            left = min(left, ready_at + 0.3 - time.time())
        if left <= 0:
            break
        for key, _ in sel.select(left):
            chunk = key.fileobj.read(65536)
            if chunk is None:  # nothing after all
                continue
            if not chunk:
                sel.unregister(key.fileobj)
                continue
            bufs[key.fileobj] += chunk
            if serve and ready_at is None and READY.search(chunk):
                ready_at = time.time()
    still_running = False
    try:
        p.wait(timeout=max(0.0, deadline - time.time()) if ready_at is None else 0.05)
    except subprocess.TimeoutExpired:
        still_running = True
        try:
            os.killpg(p.pid, signal.SIGKILL)  # with anything it started
        except ProcessLookupError:
            pass
        p.wait()
    for f in bufs:
        try:
            rest = f.read()
        except (BlockingIOError, ValueError):
            rest = None
        bufs[f] += rest or b""
        f.close()
    sel.close()
    return bufs.get(p.stdout, b""), bufs.get(p.stderr, b""), still_running


def corpus_cases(r, work):
    names = sorted(os.listdir(os.path.join(HERE, "cases")))
    for name in names:
        case_dir = os.path.join(HERE, "cases", name)
        status = int(open(os.path.join(case_dir, "expect")).read().split("\n")[0])
        model = corpus.model_dir(case_dir, work)
        out = os.path.join(work, "out.safetensors")
        args = [a.replace("@MODEL@", model).replace("@OUT@", out).replace("@CASE@", case_dir)
                for a in open(os.path.join(case_dir, "args")).read().split("\n")[:-1]]
        rc, err = r.run("corpus", name, [r.a.retnet_run] + args, status != 0,
                        expect_status=status)
        # The server gets the model files of the cases that change them (not
        # retnet-run's flags); it may load a tokenizer only when asked to.
        changed = [f for f in ("config.json", "model.safetensors", "remove", "fifo")
                   if os.path.exists(os.path.join(case_dir, f))]
        tokenizer = [f for f in ("tokenizer.json", "tokenizer.model", "tokenizer_config.json")
                     if os.path.exists(os.path.join(case_dir, f))]
        if changed or tokenizer:
            r.serve(model, "corpus", name, status != 0 and bool(changed), rc, err)


def fresh_model(work, name="model"):
    model = os.path.join(work, name)
    shutil.rmtree(model, ignore_errors=True)
    os.makedirs(model)
    for f in ("config.json", "model.safetensors"):
        shutil.copy(os.path.join(TINY, f), os.path.join(model, f))
    return model


def flag_cases(r, work):
    model = fresh_model(work)
    art = ["--artifact", r.artifact]
    ok = art + ["--tokens", "1,2"]
    long_value = b"x" * 5000 + b"\x1b[31m"
    cases = [
        ("unknown-flag", [b"--frobnicate\x1b[31m\xff"] + ok),
        ("unknown-flag-long", [b"--" + long_value] + ok),
        ("form", ok + [b"--form", b"\x1b[2J\x1b[H"]),
        ("target", ok + [b"--target", b"\xff\xfe\x9b31m"]),
        ("tokens-esc", art + [b"--tokens", b"1,\x1b[31m"]),
        ("tokens-tab", art + [b"--tokens", b"\t-1"]),
        ("tokens-long", art + [b"--tokens", b"1," + long_value]),
        ("max-new", ok + [b"--max-new-tokens", b"\xc0\xaf"]),
        ("temperature", ok + [b"--temperature", "\u202e1".encode()]),
        ("top-k-long", ok + [b"--top-k", long_value]),
        ("seed", ok + [b"--seed", b"\x9b\x07"]),
        ("prompt-file", art + [b"--prompt-file", b"/nonexistent/\x1b[31m\xff\n.txt"]),
        ("artifact", ["--tokens", "1,2", b"--artifact", b"/nonexistent/\x1b]0;x\x07.so"]),
        ("logits-out", ok + [b"--logits-out", b"/nonexistent-dir/\x1b[2J\r.safetensors"]),
    ]
    for name, extra in cases:
        r.run("flags", name, [r.a.retnet_run, "--model", model] + extra, True)
    # Model directories with hostile names: missing, and holding a broken file.
    for i, frag in enumerate([b"\x1b[31m\xff\nx", "\u202e\u0085".encode(), b"y" * 3000 + b"\x07"]):
        d = os.path.join(work.encode(), b"dir-" + frag)
        r.run("flags", f"model-dir-missing-{i}", [r.a.retnet_run, b"--model", d] + ok, True)
        if len(frag) < 200:
            os.makedirs(d, exist_ok=True)
            shutil.copy(os.path.join(TINY, "model.safetensors"), os.path.join(d, b"model.safetensors"))
            with open(os.path.join(d, b"config.json"), "wb") as f:
                f.write(b"{\"decoder_layers\": \"\\u001b\"}")
            r.model(d, ok, "flags", f"model-dir-broken-{i}", True)
    if r.a.retnet_serve:
        for name, extra in [("unknown-flag", [b"--frobnicate\x1b[31m"]),
                            ("port", [b"--port", b"\x1b[2J\xff"]),
                            ("slots", [b"--slots", long_value]),
                            ("model-dir", [b"--model", b"/nonexistent/\x1b]0;x\x07\xff"])]:
            argv = [r.a.retnet_serve] + (["--model", model] if name != "model-dir" else []) + extra
            r.run("serve-flags", name, argv, True, timeout=r.a.serve_timeout, serve=True)


def tokenizer_cases(r, work):
    base = {"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": [["a", "b"]]}}
    E = "\u001b[31m"
    C1 = "\u009b2J"
    tj = []

    def with_(path, value):
        t = json.loads(json.dumps(base))
        d = t
        for k in path[:-1]:
            d = d.setdefault(k, {})
        d[path[-1]] = value
        return json.dumps(t).encode()

    tj += [("model-type", with_(["model", "type"], "WordPiece" + E)),
           ("model-type-c1", with_(["model", "type"], C1 + "\u202e")),
           ("normalizer", with_(["normalizer"], {"type": "\u202eNFKC" + E})),
           ("pre-tokenizer", with_(["pre_tokenizer"], {"type": "\u001b]0;owned\u0007"})),
           ("decoder-long", with_(["decoder"], {"type": "D" * 5000 + E})),
           ("split-behavior", with_(["pre_tokenizer"], {"type": "Split", "pattern": {"String": " "},
                                                        "behavior": "\u001b[2J"})),
           ("metaspace", with_(["pre_tokenizer"], {"type": "Metaspace", "prepend_scheme": "\u0085\u2066"})),
           ("regex", with_(["pre_tokenizer"], {"type": "Split", "pattern": {"Regex": "(" + C1 + E},
                                               "behavior": "Isolated"})),
           ("merge", with_(["model", "merges"], [["a" + E, "b\u0085"]])),
           ("merge-string", with_(["model", "merges"], ["a" + E + C1])),
           ("unk", with_(["model", "unk_token"], E + "\u202e")),
           ("not-json-raw", b'{"model": {"type": "BPE\xff\x1b[31m\x9b'),
           ("invalid-utf8-string", b'{"model": {"type": "\xc0\xaf\xed\xa0\x80"}}'),
           ("raw-control-in-string", b'{"model": {"type": "BPE\x1b[31m"}}')]
    model = fresh_model(work)
    run_args = ["--artifact", r.artifact, "--prompt", "ab", "--max-new-tokens", "1"]
    for name, data in tj:
        with open(os.path.join(model, "tokenizer.json"), "wb") as f:
            f.write(data)
        r.model(model, run_args, "tokenizer", name, True, serve_invalid=False)
    with open(os.path.join(model, "tokenizer.json"), "wb") as f:
        f.write(json.dumps(base).encode())
    for name, data in [("config-bos", json.dumps({"bos_token": E + "<s>\u202e"}).encode()),
                       ("config-bos-object", json.dumps({"eos_token": {"content": C1 * 50}}).encode()),
                       ("config-flag", json.dumps({"add_bos_token": E}).encode()),
                       ("config-not-json", b'{"bos_token": "\xff\x1b[2J')]:
        with open(os.path.join(model, "tokenizer_config.json"), "wb") as f:
            f.write(data)
        r.model(model, run_args, "tokenizer", name, True, serve_invalid=False)
    os.remove(os.path.join(model, "tokenizer_config.json"))
    os.remove(os.path.join(model, "tokenizer.json"))
    with open(os.path.join(model, "tokenizer.model"), "wb") as f:
        f.write(b"\x0a\x1b[31m\xff\x9b" * 20)
    r.model(model, run_args, "tokenizer", "sentencepiece-garbage", True, serve_invalid=False)


# ---- safetensors header mutations

def st_split(data):
    n = struct.unpack("<Q", data[:8])[0]
    return data[8:8 + n], data[8 + n:]


def st_join(header, body, length=None):
    return struct.pack("<Q", len(header) if length is None else length) + header + body


def strict_json(b, duplicates=False):
    """The JSON value of bytes b as a strict parser (nlohmann) reads it, or
    raise ValueError; a repeated key too unless `duplicates` (the safetensors
    parser refuses them, the config parser takes the last)."""
    def pairs(ps):
        keys = [k for k, _ in ps]
        if not duplicates and len(set(keys)) != len(keys):
            raise ValueError("duplicate key")
        return dict(ps)

    def bad_constant(c):
        raise ValueError(c)

    v = json.loads(b.decode("utf-8"), object_pairs_hook=pairs, parse_constant=bad_constant)

    def check(x):  # lone surrogates from \\ud800 escapes
        if isinstance(x, str):
            x.encode("utf-8")
        elif isinstance(x, dict):
            for k, y in x.items():
                check(k)
                check(y)
        elif isinstance(x, list):
            for y in x:
                check(y)
    try:
        check(v)
    except UnicodeEncodeError as e:
        raise ValueError(e)
    return v


DTYPES = {"F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL"}


def st_invalid(data, names):
    """True when the safetensors bytes are certainly refused."""
    if len(data) < 8:
        return True
    n = struct.unpack("<Q", data[:8])[0]
    if n > len(data) - 8:
        return True
    try:
        h = strict_json(data[8:8 + n])
    except (ValueError, UnicodeDecodeError):
        return True
    if not isinstance(h, dict):
        return True
    for k, v in h.items():
        if k == "__metadata__":
            if not isinstance(v, dict) or not all(isinstance(x, str) for x in v.values()):
                return True
            continue
        if not isinstance(v, dict) or not isinstance(v.get("dtype"), str) or v["dtype"] not in DTYPES:
            return True
    return not names <= set(h)


def name_spans(header):
    """(begin, end) of every tensor name string's body in the header bytes."""
    return [(m.start() + 1, m.end() - 2) for m in re.finditer(rb'"[^"]*":\{', header)]


def value_spans(header, key):
    return [(m.start(1), m.end(1)) for m in re.finditer(rb'"' + key + rb'":("[^"]*"|\[[^\]]*\])', header)]


def mutate_header(rng, data):
    header, body = st_split(data)
    h = bytearray(header)
    length = None
    ops = []
    for _ in range(rng.choice([1, 1, 2, 3])):
        op = rng.choice(["flip", "name", "name", "replace-name", "dtype", "dtype", "structure",
                         "long-name", "metadata", "shape", "offsets", "truncate", "length",
                         "extra-tensor", "extra-tensor"])
        ops.append(op)
        if op == "flip" and h:
            for _ in range(rng.randint(1, 4)):
                h[rng.randrange(len(h))] = rng.randrange(256)
        elif op in ("name", "replace-name", "long-name"):
            spans = name_spans(bytes(h))
            if not spans:
                continue
            b, e = rng.choice(spans)
            if op == "name":
                at = rng.randint(b, e)
                h[at:at] = hostile(rng)
            elif op == "replace-name":
                h[b:e] = hostile(rng)
            else:
                h[b:e] = bytes(h[b:e]) * rng.randint(100, 400) + hostile(rng)
        elif op == "dtype":
            spans = value_spans(bytes(h), b"dtype")
            if spans:
                b, e = rng.choice(spans)
                if rng.random() < 0.5:
                    at = rng.randint(b + 1, e - 1)
                    h[at:at] = hostile(rng)
                else:
                    h[b:e] = b'"' + hostile(rng) + b'"'
        elif op == "structure" and h:
            at = rng.randrange(len(h) + 1)
            h[at:at] = hostile(rng, escaped_ok=False)
        elif op == "metadata":
            k, v = json_hostile(rng), json_hostile(rng)
            entry = rng.choice([b'"__metadata__":{"' + k + b'":"' + v + b'"},',
                                b'"__metadata__":{"' + k + b'":[1,"' + v + b'"]},',
                                b'"__metadata__":"' + v + b'",'])
            if h[:1] == b"{":
                h[1:1] = entry
        elif op == "extra-tensor":
            # Valid: an empty tensor the model does not use (a warning names it).
            k = json_hostile(rng) * rng.choice([1, 1, 200])
            if h[:1] == b"{":
                h[1:1] = b'"' + k + b'":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},'
        elif op in ("shape", "offsets"):
            spans = value_spans(bytes(h), b"shape" if op == "shape" else b"data_offsets")
            if spans:
                b, e = rng.choice(spans)
                h[b:e] = rng.choice([b'["' + json_hostile(rng) + b'"]', b'[1,"' + json_hostile(rng) + b'"]',
                                     b'{"' + json_hostile(rng) + b'":1}', b'"' + json_hostile(rng) * 50 + b'"'])
        elif op == "truncate":
            whole = st_join(bytes(h), body, length)
            return whole[:rng.randrange(len(whole))], ops + ["(cut)"]
        elif op == "length":
            length = rng.choice([rng.randrange(len(h) + 1), len(h) + rng.randrange(1, 64),
                                 rng.randrange(1 << 64)])
    return st_join(bytes(h), body, length), ops


# ---- config.json mutations

CONFIG_KEYS = ["activation_fn", "model_type", "decoder_layers", "layernorm_eps", "vocab_size",
               "no_scale_embedding", "decoder_embed_dim", "recurrent_chunk_size"]


def config_invalid(data):
    try:
        c = strict_json(data, duplicates=True)
    except (ValueError, UnicodeDecodeError):
        return True
    if not isinstance(c, dict):
        return True
    if c.get("activation_fn", "swish") not in ("swish", "gelu"):
        return True
    return c.get("model_type", "retnet") not in ("retnet", None)


def mutate_config(rng, data):
    text = bytearray(data)
    ops = []
    for _ in range(rng.randint(1, 2)):
        op = rng.choice(["flip", "insert", "value", "value", "unknown-key", "unknown-key",
                         "long-value", "nested", "fla"])
        ops.append(op)
        if op == "flip":
            for _ in range(rng.randint(1, 3)):
                text[rng.randrange(len(text))] = rng.randrange(256)
        elif op == "insert":
            at = rng.randrange(len(text) + 1)
            text[at:at] = hostile(rng)
        elif op in ("value", "long-value", "nested"):
            key = rng.choice(CONFIG_KEYS).encode()
            v = json_hostile(rng) if rng.random() < 0.7 else hostile(rng)
            if op == "long-value":
                v = v * 300
            new = b'"' + v + b'"' if op != "nested" else b'{"' + v + b'":[1,"' + v + b'"]}'
            m = re.search(rb'"' + key + rb'": *("[^"]*"|[^,}\n]*)', bytes(text))
            if m:
                text[m.start(1):m.end(1)] = new
            else:
                text[1:1] = b'"' + key + b'": ' + new + b",\n"
        elif op == "unknown-key":
            k = json_hostile(rng) if rng.random() < 0.7 else hostile(rng)
            if rng.random() < 0.3:
                k = k * 200
            text[1:1] = b'"' + k + b'": 1,\n'
        elif op == "fla":
            text[1:1] = (b'"hidden_size": 128, "num_heads": 4, "num_hidden_layers": 4, '
                         b'"feature_map": "' + json_hostile(rng) + b'",\n')
    return bytes(text), ops


def mutation_cases(r, work, rng, n):
    model = fresh_model(work)
    st_path = os.path.join(model, "model.safetensors")
    cfg_path = os.path.join(model, "config.json")
    st0 = open(os.path.join(TINY, "model.safetensors"), "rb").read()
    cfg0 = open(os.path.join(TINY, "config.json"), "rb").read()
    names = set(json.loads(st_split(st0)[0]))
    run_args = ["--artifact", r.artifact, "--tokens", "1,2", "--max-new-tokens", "1"]
    for i in range(n):
        data, ops = mutate_header(rng, st0)
        with open(st_path, "wb") as f:
            f.write(data)
        r.model(model, run_args, "header", f"#{i} ({'+'.join(ops)})", st_invalid(data, names))
    with open(st_path, "wb") as f:
        f.write(st0)
    for i in range(max(n // 2, 1) if n else 0):
        data, ops = mutate_config(rng, cfg0)
        with open(cfg_path, "wb") as f:
            f.write(data)
        r.model(model, run_args, "config", f"#{i} ({'+'.join(ops)})", config_invalid(data))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--retnet-run", required=True)
    ap.add_argument("--retnet-serve", help="also run retnet-serve --model DIR --port 0")
    ap.add_argument("--retnet-compile", help="default: next to retnet-run")
    ap.add_argument("--artifact", help="retnet-tiny compiled by retnet-compile (default: compile it)")
    ap.add_argument("--mutations", type=int, default=200, help="header mutations (config: half)")
    ap.add_argument("--seed", type=int, help="default: from the clock")
    ap.add_argument("--work", help="scratch folder (default: a temporary one)")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--serve-timeout", type=float, default=5,
                    help="seconds a retnet-serve run may take; one still serving then is killed")
    ap.add_argument("--allow-bad", action="store_true", help="exit 0 even when runs fail")
    a = ap.parse_args()
    t0 = time.time()
    seed = a.seed if a.seed is not None else int(time.time()) % 100000
    print(f"seed {seed} (--seed {seed} repeats this run), {a.mutations} header and "
          f"{max(a.mutations // 2, 1) if a.mutations else 0} config mutations", flush=True)
    work = a.work or tempfile.mkdtemp(prefix="retnet-error-lines-")
    os.makedirs(work, exist_ok=True)
    os.environ["RETNET_CACHE_DIR"] = os.path.join(work, "cache")
    r = Runner(a, work)
    r.artifact = a.artifact or os.path.join(work, "retnet-tiny.so")
    if not a.artifact:
        compiler = a.retnet_compile or os.path.join(os.path.dirname(os.path.abspath(a.retnet_run)),
                                                    "retnet-compile")
        subprocess.run([compiler, "-q", TINY, "-o", r.artifact], check=True)
    if a.retnet_serve and not r.serve_artifact:
        # The server compiles through the cache: the unchanged model once, here.
        p = subprocess.run([a.retnet_run, "--model", fresh_model(work), "--tokens", "1", "-q"],
                           capture_output=True)
        if p.returncode:
            sys.exit("cannot compile examples/retnet-tiny: " + ascii(p.stderr[-2000:]))
    rng = random.Random(seed)
    corpus_cases(r, work)
    flag_cases(r, work)
    tokenizer_cases(r, work)
    mutation_cases(r, work, rng, a.mutations)
    for f in r.failures[:40]:
        print("FAIL " + f)
    if len(r.failures) > 40:
        print(f"... and {len(r.failures) - 40} more")
    total = [0, 0, 0]
    for group, (runs, bad, other, zero) in r.counts.items():
        print(f"{group:15s} {runs:4d} runs ({zero:3d} exit 0), {bad:4d} print raw bytes or "
              f"uncut values, {other:3d} fail otherwise")
        total = [t + x for t, x in zip(total, (runs, bad, other))]
    print(f"error lines: {total[1]} of {total[0]} runs print raw bytes or uncut values, "
          f"{total[2]} fail otherwise ({time.time() - t0:.1f} s, seed {seed})")
    if not a.work:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if a.allow_bad or not r.failures else 1)


if __name__ == "__main__":
    main()
