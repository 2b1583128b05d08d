#!/usr/bin/env python3
"""The GPU benchmarks' table against issue 6's targets, and one JSON file.

Reads bench_kernels.py's JSON lines (any number of files: ours and the peers
may run in separate processes) and bench_model.py's JSON, prints the table
(last, for the device tool's output tail) and writes --out.

Targets (issue 6):
  chunkwise T=8192, both shapes: ours >= 1.0x the throughput of the faster
      of fla's chunk_retention and fused_chunk_retention (our best variant);
  decode: >= 80% of the device-to-device copy bandwidth measured in the same
      run (at the largest batch, 256: batch 1 moves 8 MB, a launch-latency case);
  model decode at 8k context: >= 8x the Transformer's tokens/s (at the
      largest batch measured).
Issue 15 (the xl model in bf16, bench_model.py and bench_fla_model.py):
  decode at batch 1 >= 80% of the weight-bandwidth floor; prefill at
  T = 2048 >= 1.5x fla's RetNetForCausalLM; and a table of decode (per
  batch) and prefill (per T) tokens/s against the floors and fla's.

    bench_report.py --kernels-jsonl F [F ...] [--model-json F] [--fla-model-json F]
                    --out gpu.json
"""

import argparse
import json
import os
import sys
import time


def load_jsonl(paths):
    rows = []
    for p in paths:
        if not os.path.exists(p):
            continue
        for line in open(p):
            line = line.strip()
            if line.startswith("{"):
                try:
                    rows.append(json.loads(line))
                except ValueError:
                    pass
    return rows


def fmt(x, spec):
    return "-" if x is None else format(x, spec)


def cell(r, key, spec):
    if r is None:
        return "n/a"
    if r.get("status") not in ("ok", "wrong"):
        return r.get("status", "?")
    v = format(r[key], spec)
    return v + ("!" if r.get("status") == "wrong" else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kernels-jsonl", nargs="*", default=[])
    ap.add_argument("--model-json")
    ap.add_argument("--fla-model-json", help="bench_fla_model.py's output (issue 15)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rows = load_jsonl(a.kernels_jsonl)
    meta = [r for r in rows if r.get("kind") == "meta"]
    copy = next((r for r in rows if r.get("kind") == "copy" and r.get("status") == "ok"), None)
    model = json.load(open(a.model_json)) if a.model_json and os.path.exists(a.model_json) else None
    lines, targets = [], []

    def best_ours(shape):
        rs = [r for r in rows if r.get("shape") == shape and r.get("impl") == "ours"
              and r.get("status") == "ok"]
        return min(rs, key=lambda r: r["ms"]) if rs else None

    def get(shape, impl, variant=None):
        rs = [r for r in rows if r.get("shape") == shape and r.get("impl") == impl
              and (variant is None or r.get("variant") == variant)]
        ok = [r for r in rs if r.get("status") == "ok"]
        return (ok or rs or [None])[0]

    shapes = []
    for r in rows:
        if r.get("shape") and r["shape"] not in shapes:
            shapes.append(r["shape"])
    variants = []
    for r in rows:
        if r.get("impl") == "ours" and r.get("variant") not in variants:
            variants.append(r["variant"])

    # (a) chunkwise
    chunk = [s for s in shapes if any(r.get("shape") == s and r.get("kind") == "chunkwise" for r in rows)]
    if chunk:
        lines.append("(a) chunkwise forward, bf16 in/out, f32 final state: ms (TFLOP/s); "
                     "FLOPs = B*H*T*(2*64*(dk+dv) + 4*dk*dv); '!' = wrong result")
        hdr = f"{'shape':<28}" + "".join(f"{'ours.' + v:>22}" for v in variants) + \
              f"{'fla.chunk':>22}{'fla.fused_chunk':>22}{'torch':>22}{'ours/fla':>9}"
        lines.append(hdr)
        for s in chunk:
            line = f"{s:<28}"
            for v in variants:
                r = get(s, "ours", v)
                line += f"{cell(r, 'ms', '.3f') + ' (' + cell(r, 'tflop_per_s', '.1f') + ')':>22}" \
                    if r and r.get("status") in ("ok", "wrong") else f"{cell(r, 'ms', '.3f'):>22}"
            fl = []
            for impl in ("fla.chunk_retention", "fla.fused_chunk_retention", "torch.chunkwise"):
                r = get(s, impl)
                line += f"{cell(r, 'ms', '.3f') + ' (' + cell(r, 'tflop_per_s', '.1f') + ')':>22}" \
                    if r and r.get("status") in ("ok", "wrong") else f"{cell(r, 'ms', '.3f'):>22}"
                if impl.startswith("fla") and r and r.get("status") == "ok":
                    fl.append(r)
            o = best_ours(s)
            ratio = min(f["ms"] for f in fl) / o["ms"] if (o and fl) else None
            line += f"{fmt(ratio, '.2f') + ('x' if ratio else ''):>9}"
            lines.append(line)
            if "-t8192" in s:
                targets.append(dict(target=f"chunkwise {s}: ours >= 1.0x fla (faster of chunk, fused_chunk)",
                                    value=ratio, goal=1.0, unit="x"))
    for fam in ("h16-d128", "h8-d256x512"):
        if not any(fam in t["target"] for t in targets):
            targets.append(dict(target=f"chunkwise chunk-{fam}-t8192: ours >= 1.0x fla", value=None,
                                goal=1.0, unit="x"))
    # (b) decode
    dec = [s for s in shapes if any(r.get("shape") == s and r.get("kind") == "recurrent" for r in rows)]
    if dec:
        bw = copy["gb_per_s"] if copy else None
        lines.append("")
        lines.append(f"(b) decode step (T=1), f32 state in/out: GB/s (% of copy {fmt(bw, '.0f')} GB/s); "
                     "bytes = 2*state(f32) + q,k,v,o(bf16)")
        lines.append(f"{'shape':<28}" + "".join(f"{'ours.' + v:>22}" for v in variants) +
                     f"{'fla.fused_recurrent':>22}{'ours ms':>10}{'fla ms':>10}")
        for s in dec:
            line = f"{s:<28}"
            for v in variants:
                r = get(s, "ours", v)
                if r and r.get("status") in ("ok", "wrong"):
                    pct = f" ({100 * r['gb_per_s'] / bw:.0f}%)" if bw else ""
                    line += f"{cell(r, 'gb_per_s', '.0f') + pct:>22}"
                else:
                    line += f"{cell(r, 'gb_per_s', '.0f'):>22}"
            r = get(s, "fla.fused_recurrent_retention")
            if r and r.get("status") in ("ok", "wrong"):
                pct = f" ({100 * r['gb_per_s'] / bw:.0f}%)" if bw else ""
                line += f"{cell(r, 'gb_per_s', '.0f') + pct:>22}"
            else:
                line += f"{cell(r, 'gb_per_s', '.0f'):>22}"
            o = best_ours(s)
            line += f"{fmt(o and o['ms'], '.4f'):>10}{fmt(r and r.get('ms'), '.4f'):>10}"
            lines.append(line)
        def batch_of(shape):
            return max((r.get("B") or 0) for r in rows if r.get("shape") == shape)
        last = max(dec, key=batch_of)
        o = best_ours(last)
        targets.append(dict(target=f"decode {last}: ours >= 80% of copy bandwidth",
                            value=(o["gb_per_s"] / bw if (o and bw) else None), goal=0.8, unit="of copy"))
    else:
        targets.append(dict(target="decode, batch 256: ours >= 80% of copy bandwidth", value=None,
                            goal=0.8, unit="of copy"))
    # (c) model
    if model:
        lines.append("")
        cfg = model.get("config", {})
        lines.append(f"(c) whole model decode, RetNet (ours, C API, CUDA) vs Transformer with KV cache "
                     f"(PyTorch SDPA, bf16, CUDA graph), d={cfg.get('decoder_embed_dim')}, "
                     f"{cfg.get('decoder_layers')} layers")
        lines.append(f"{'context':>8}{'batch':>6}{'retnet tok/s':>14}{'trm tok/s':>12}{'ratio':>8}"
                     f"{'retnet GiB':>12}{'trm GiB':>10}")
        mrows = model.get("rows", [])
        ctxs = sorted({r["context"] for r in mrows if "context" in r})
        bs = sorted({r["batch"] for r in mrows if "batch" in r})
        for c in ctxs:
            for b in bs:
                rr = next((r for r in mrows if r.get("side") == "retnet" and r.get("context") == c
                           and r.get("batch") == b), None)
                tt = next((r for r in mrows if r.get("side") == "transformer" and r.get("context") == c
                           and r.get("batch") == b), None)
                ok = lambda r: r is not None and r.get("status") == "ok"
                ratio = rr["tokens_per_s"] / tt["tokens_per_s"] if ok(rr) and ok(tt) else None
                lines.append(f"{c:>8}{b:>6}"
                             f"{(format(rr['tokens_per_s'], '.1f') if ok(rr) else (rr or {}).get('status', 'n/a')):>14}"
                             f"{(format(tt['tokens_per_s'], '.1f') if ok(tt) else (tt or {}).get('status', 'n/a')):>12}"
                             f"{fmt(ratio, '.2f'):>8}"
                             f"{(format(rr['device_bytes'] / 2**30, '.2f') if ok(rr) else '-'):>12}"
                             f"{(format(tt['device_bytes'] / 2**30, '.2f') if ok(tt) else '-'):>10}")
        for e in model.get("errors", []):
            lines.append(f"  model: {e}")
        big = max(bs) if bs else "largest"
        r8 = next((r for r in mrows if r.get("side") == "retnet" and r.get("context") == 8192
                   and r.get("batch") == big and r.get("status") == "ok"), None)
        t8 = next((r for r in mrows if r.get("side") == "transformer" and r.get("context") == 8192
                   and r.get("batch") == big and r.get("status") == "ok"), None)
        targets.append(dict(target=f"model decode at 8192 context, batch {big}: >= 8x the Transformer",
                            value=(r8["tokens_per_s"] / t8["tokens_per_s"] if r8 and t8 else None),
                            goal=8.0, unit="x"))
    else:
        targets.append(dict(target="model decode at 8192 context: >= 8x the Transformer", value=None,
                            goal=8.0, unit="x"))

    # Issue 15: the whole xl model in bf16 against its floors and fla's model.
    fla = (json.load(open(a.fla_model_json))
           if a.fla_model_json and os.path.exists(a.fla_model_json) else [])
    mrows = model.get("rows", []) if model else []
    ok = lambda r: r is not None and r.get("status") == "ok"
    ours_decode = {r["batch"]: r for r in mrows if r.get("side") == "retnet" and ok(r)
                   and r.get("context") == min(x.get("context", 1 << 30) for x in mrows)}
    ours_prefill = {r["context"]: r for r in mrows if r.get("side") == "retnet" and ok(r)}
    floor_decode = {r["batch"]: r for r in fla if r.get("side") == "floor" and r.get("what") == "decode"}
    floor_prefill = {r["context"]: r for r in fla if r.get("side") == "floor" and r.get("what") == "prefill"}
    fla_decode = {r["batch"]: r for r in fla if r.get("side") == "fla" and r.get("what") == "decode" and ok(r)}
    fla_prefill = {r["context"]: r for r in fla if r.get("side") == "fla" and r.get("what") == "prefill" and ok(r)}
    if fla or mrows:
        lines.append("")
        lines.append("xl model, bf16 (issue 15): tokens/s; floors from this device's copy bandwidth and "
                     "bf16 matmul peak")
        lines.append(f"{'':>10}{'size':>7}{'ours':>12}{'floor':>12}{'of floor':>10}{'fla':>12}{'ours/fla':>10}")
        for kind, sizes, o, f, p, key in (
                ("decode", sorted(set(ours_decode) | set(floor_decode)), ours_decode, floor_decode,
                 fla_decode, "tokens_per_s"),
                ("prefill", sorted(set(ours_prefill) | set(floor_prefill)), ours_prefill, floor_prefill,
                 fla_prefill, "prefill_tokens_per_s")):
            for n in sizes:
                ov, fv, pv = (o.get(n) or {}).get(key), (f.get(n) or {}).get(key), (p.get(n) or {}).get(key)
                lines.append(f"{kind:>10}{n:>7}{fmt(ov, '.1f'):>12}{fmt(fv, '.1f'):>12}"
                             f"{fmt(ov / fv if ov and fv else None, '.2f'):>10}{fmt(pv, '.1f'):>12}"
                             f"{fmt(ov / pv if ov and pv else None, '.2f'):>10}")
        for r in fla:
            if r.get("status") in ("unavailable", "failed"):
                lines.append(f"  fla {r.get('what', '')} {r.get('context', r.get('batch', ''))}: "
                             f"{r['status']}: {r.get('reason', '')}")
    o1, f1 = ours_decode.get(1), floor_decode.get(1)
    targets.append(dict(target="xl decode, batch 1: >= 80% of the weight-bandwidth floor",
                        value=(o1["tokens_per_s"] / f1["tokens_per_s"] if o1 and f1 else None),
                        goal=0.8, unit="x"))
    for T in (2048,):
        op, pp = ours_prefill.get(T), fla_prefill.get(T)
        targets.append(dict(target=f"xl prefill T={T}: >= 1.5x fla's RetNetForCausalLM",
                            value=(op["prefill_tokens_per_s"] / pp["prefill_tokens_per_s"]
                                   if op and pp else None), goal=1.5, unit="x"))

    wrong = [r for r in rows if r.get("status") == "wrong"]
    errors = [r for r in rows if r.get("status") == "error"]
    lines.append("")
    for r in wrong:
        lines.append(f"WRONG {r['impl']}.{r.get('variant', '')} {r['shape']}: rel L2 o {r.get('rel_l2_o')}, "
                     f"state {r.get('rel_l2_state')} (tol 1e-2)")
    for r in errors:
        lines.append(f"ERROR {r['impl']}.{r.get('variant', '')} {r.get('shape')}: {r.get('error', '')[:160]}")
    lines.append(f"{'target (issues 6, 15)':<72}{'measured':>12}{'goal':>8}  result")
    for t in targets:
        v = t["value"]
        res = "not measured" if v is None else ("PASS" if v >= t["goal"] else "MISS")
        shown = "-" if v is None else (f"{100 * v:.0f}%" if t["unit"] == "of copy" else f"{v:.2f}x")
        goal = f"{100 * t['goal']:.0f}%" if t["unit"] == "of copy" else f"{t['goal']:.1f}x"
        lines.append(f"{t['target']:<72}{shown:>12}{goal:>8}  {res}")
    out = dict(date=time.strftime("%Y-%m-%d %H:%M"), meta=meta, copy=copy, kernels=rows,
               model=model, fla_model=fla, targets=targets, table=lines)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as fh:
        json.dump(out, fh, indent=1)
    print("\n".join(lines))
    print(f"(written to {a.out})")
    ours_bad = [r for r in wrong + errors if r.get("impl") == "ours"]
    return 1 if ours_bad else 0


if __name__ == "__main__":
    sys.exit(main())
