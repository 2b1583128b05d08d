#!/usr/bin/env python3
"""Serving benchmark: retnet-serve's throughput and latency against concurrency.

Starts retnet-serve on a loopback port (the demo model by default, compiled
for this machine), then for each concurrency c runs c clients that send
streamed completions back to back (temperature 0.8, a seed per request,
--max-tokens tokens each) and measures, from the server-sent events:
  throughput      generated tokens / wall time of the phase (all clients)
  TTFT            request sent -> first text chunk, p50 and p99
  inter-token     gaps between consecutive chunks of one stream, p50 and p99
and the server's own mean decode batch and step time (/metrics): batch /
step time is what the decode steps alone would sustain. Writes
benchmarks/results/serve.json and serve.png.

    .pyenv/bin/python benchmarks/serve/run.py [--build-dir build]
        [--model examples/retnet-kjv] [--concurrency 1,2,4,8,16,32]
        [--max-tokens 128] [--requests-per-client 4] [--quick]

The clients are Python threads on the same machine, so they take CPU from
the server: on a 2-core machine the numbers are a lower bound.
"""

import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "test", "serve"))
from serving import Server  # noqa: E402

PROMPTS = ["And God said unto Moses,", "In the beginning", "The LORD is my shepherd;",
           "And it came to pass,", "Blessed are", "Then Jesus said"]


def percentile(xs, p):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def one_request(port, prompt, max_tokens, seed, out):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    body = json.dumps({"prompt": prompt, "max_tokens": max_tokens, "temperature": 0.8,
                       "seed": seed, "stream": True,
                       "stream_options": {"include_usage": True}}).encode()
    t0 = time.perf_counter()
    conn.request("POST", "/v1/completions", body=body,
                 headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    assert r.status == 200, r.read()
    times, tokens = [], 0
    for raw in r:
        if not raw.startswith(b"data: "):
            continue
        if raw.startswith(b"data: [DONE]"):
            break
        ev = json.loads(raw[6:])
        if ev.get("usage"):
            tokens = ev["usage"]["completion_tokens"]
        elif ev["choices"] and ev["choices"][0]["text"]:
            times.append(time.perf_counter())
    conn.close()
    out.append({"ttft": times[0] - t0 if times else None,
                "gaps": [b - a for a, b in zip(times, times[1:])], "tokens": tokens})


def phase(server, c, per_client, max_tokens):
    results = []
    m0 = server.metrics()

    def client(k):
        for j in range(per_client):
            one_request(server.port, PROMPTS[(k + j) % len(PROMPTS)], max_tokens,
                        1000 * c + 10 * k + j, results)
    threads = [threading.Thread(target=client, args=(k,)) for k in range(c)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    m1 = server.metrics()
    steps = m1["retnet_decode_step_seconds_count"] - m0["retnet_decode_step_seconds_count"]
    seqs = m1["retnet_decode_sequences_total"] - m0["retnet_decode_sequences_total"]
    step_s = m1["retnet_decode_step_seconds_sum"] - m0["retnet_decode_step_seconds_sum"]
    tokens = sum(r["tokens"] for r in results)
    ttft = [r["ttft"] for r in results if r["ttft"] is not None]
    gaps = [g for r in results for g in r["gaps"]]
    return {"concurrency": c, "requests": len(results), "tokens": tokens, "seconds": wall,
            "tokens_per_s": tokens / wall,
            "ttft_p50_ms": percentile(ttft, 50) * 1e3, "ttft_p99_ms": percentile(ttft, 99) * 1e3,
            "itl_p50_ms": percentile(gaps, 50) * 1e3, "itl_p99_ms": percentile(gaps, 99) * 1e3,
            "mean_batch": seqs / steps if steps else 0,
            "mean_step_ms": step_s / steps * 1e3 if steps else 0}


def plot(rows, path, title):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("no matplotlib (.pyenv/bin/pip install matplotlib): no plot", file=sys.stderr)
        return
    cs = [r["concurrency"] for r in rows]
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    a.plot(cs, [r["tokens_per_s"] for r in rows], "o-", label="served (all clients)")
    a.plot(cs, [r["mean_batch"] / r["mean_step_ms"] * 1e3 if r["mean_step_ms"] else 0 for r in rows],
           "s--", label="decode steps alone (batch / step time)")
    a.set_ylim(bottom=0)
    a.legend()
    a.set_xscale("log", base=2)
    a.set_xlabel("concurrent clients")
    a.set_ylabel("generated tokens/s (all clients)")
    a.set_title("throughput")
    a.grid(True, alpha=0.3)
    for key, label in (("ttft_p50_ms", "TTFT p50"), ("ttft_p99_ms", "TTFT p99"),
                       ("itl_p50_ms", "inter-token p50"), ("itl_p99_ms", "inter-token p99")):
        b.plot(cs, [r[key] for r in rows], "o-", label=label)
    b.set_xscale("log", base=2)
    b.set_yscale("log")
    b.set_xlabel("concurrent clients")
    b.set_ylabel("ms")
    b.set_title("latency")
    b.grid(True, alpha=0.3)
    b.legend()
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print("wrote " + path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--model", default=os.path.join(ROOT, "examples", "retnet-kjv"))
    ap.add_argument("--concurrency", default="1,2,4,8,16,32")
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--requests-per-client", type=int, default=4)
    ap.add_argument("--target", default="auto")
    ap.add_argument("--quick", action="store_true", help="1,4,16 clients, 2 requests each")
    ap.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "results"))
    args = ap.parse_args()
    levels = [int(x) for x in args.concurrency.split(",")]
    per_client = args.requests_per_client
    if args.quick:
        levels, per_client = [1, 4, 16], 2
    slots = max(levels)
    binary = os.path.join(args.build_dir, "bin", "retnet-serve")
    server = Server(binary, args.model, "--slots", str(slots), "--queue", str(4 * slots),
                    "--target", args.target, "--quiet", startup=600)
    try:
        one_request(server.port, PROMPTS[0], 8, 0, [])  # warm-up
        rows = []
        for c in levels:
            r = phase(server, c, per_client, args.max_tokens)
            rows.append(r)
            print("c=%-3d %5d tokens in %6.2f s: %8.1f tokens/s | TTFT p50 %7.1f p99 %7.1f ms | "
                  "inter-token p50 %6.2f p99 %6.2f ms | batch %.1f, step %.2f ms"
                  % (c, r["tokens"], r["seconds"], r["tokens_per_s"], r["ttft_p50_ms"],
                     r["ttft_p99_ms"], r["itl_p50_ms"], r["itl_p99_ms"], r["mean_batch"],
                     r["mean_step_ms"]), flush=True)
    finally:
        server.stop()
    cpu = subprocess.run(["sh", "-c", "lscpu | sed -n 's/^Model name: *//p'"],
                         capture_output=True, text=True).stdout.strip()
    meta = {"model": os.path.relpath(args.model, ROOT), "max_tokens": args.max_tokens,
            "requests_per_client": per_client, "slots": slots, "cpu": cpu,
            "cores": os.cpu_count(), "date": time.strftime("%Y-%m-%d"),
            "command": "benchmarks/serve/run.py " + " ".join(sys.argv[1:])}
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "serve.json"), "w") as f:
        json.dump({"meta": meta, "rows": rows}, f, indent=1)
    print("wrote " + os.path.join(args.out, "serve.json"))
    plot(rows, os.path.join(args.out, "serve.png"),
         "retnet-serve, %s, %d tokens per request, streamed, %s (%d cores), clients on the same machine"
         % (meta["model"], args.max_tokens, cpu, meta["cores"]))


if __name__ == "__main__":
    main()
