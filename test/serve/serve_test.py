"""End-to-end tests and soak of retnet-serve on a loopback port.

    serve_test.py e2e  --serve BIN --run BIN --model DIR --artifact SO
    serve_test.py soak --serve BIN --run BIN --model DIR --artifact SO
                       [--requests 1000] [--clients 16] [--rss-bound-mib 16]
    serve_test.py batch --serve BIN --run BIN --model DIR --artifact SO
                        --target cuda

e2e: the OpenAI Python client (pip package `openai`) and raw HTTP against
one server: non-streamed and streamed completions and chat (streamed text ==
non-streamed text == retnet-run's greedy text), seeded sampling identical
alone and among 32 concurrent clients, n > 1, stop strings, logprobs,
tokenize/detokenize, cancellation by disconnecting mid-stream (the slot comes
back), overload (429 from a second server with one slot and a queue of one),
bad requests (400 with an error object, the server alive afterwards), auth
(401 without or with a wrong key; /health open).

soak: N mixed requests (completions and chat, streamed or not, greedy or
sampled, some cancelled mid-stream) from K concurrent clients; every greedy
output equal to retnet-run's for its prompt, no slot left taken, RSS after
the run within the bound of RSS after a warm-up of 10 % of the requests.

batch: the scheduler on another target (the CUDA one, on a GPU or the PTX
simulator): greedy text = retnet-run's there, batched steps, seeded sampling
alone = among others, a cancelled stream frees its slot.

Prints one line per check; exits non-zero on the first failure.
"""

import argparse
import concurrent.futures as futures
import json
import os
import random
import socket
import subprocess
import sys
import time

sys.path.insert(0, __import__("os").path.dirname(__file__))
from serving import Server, retnet_run_text  # noqa: E402

KEY = "test-key-123"
AUTH = {"Authorization": "Bearer " + KEY}
PROMPTS = [
    "And God said unto Moses,",
    "In the beginning",
    "The LORD is my shepherd;",
    "And it came to pass,",
    "Blessed are",
    "Then Jesus said",
    "And the children of Israel",
    "For God so loved",
]
GREEDY_TOKENS = 16


def check(cond, what):
    if not cond:
        print("FAIL: " + what)
        sys.exit(1)
    print("ok: " + what)


def openai_client(server, key=KEY, retries=0):
    import openai
    return openai.OpenAI(base_url=server.url + "/v1", api_key=key,
                         max_retries=retries, timeout=120)


def greedy_reference(args, prompts=PROMPTS):
    return {p: retnet_run_text(args.run, args.model, args.artifact, p, GREEDY_TOKENS, args.target)
            for p in prompts}


def wait_for(cond, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


def cancel_mid_stream(server, body, chunks=3):
    """Opens a streamed request, reads `chunks` events, hangs up."""
    s = socket.create_connection(("127.0.0.1", server.port), timeout=60)
    data = json.dumps(body).encode()
    head = ("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: "
            "application/json\r\nAuthorization: Bearer %s\r\nContent-Length: "
            "%d\r\n\r\n" % (KEY, len(data))).encode()
    s.sendall(head + data)
    seen = b""
    while seen.count(b"data: ") < chunks:
        got = s.recv(4096)
        if not got:
            break
        seen += got
    s.close()
    return seen.count(b"data: ")


def e2e(args):
    want = greedy_reference(args)
    server = Server(args.serve, args.model, "--artifact", args.artifact,
                    "--api-key", KEY, "--slots", "8", "--queue", "64",
                    "--context", "512", log=args.log)
    try:
        client = openai_client(server)
        models = client.models.list()
        name = models.data[0].id
        check([m.id for m in models.data] == [name], "/v1/models lists the model (%s)" % name)

        # Greedy text equals retnet-run's, non-streamed and streamed.
        p = PROMPTS[0]
        r = client.completions.create(model=name, prompt=p, max_tokens=GREEDY_TOKENS,
                                      temperature=0)
        check(r.choices[0].text == want[p], "completion == retnet-run's greedy text: %r" % r.choices[0].text)
        check(r.usage.completion_tokens == GREEDY_TOKENS and r.usage.prompt_tokens > 0
              and r.usage.total_tokens == r.usage.prompt_tokens + GREEDY_TOKENS
              and r.choices[0].finish_reason == "length", "usage and finish_reason")
        parts = list(client.completions.create(model=name, prompt=p, max_tokens=GREEDY_TOKENS,
                                               temperature=0, stream=True))
        text = "".join(c.choices[0].text for c in parts if c.choices)
        # One event per token, however slowly this reader drains the stream.
        check(text == want[p] and len(parts) == GREEDY_TOKENS
              and parts[-1].choices[0].finish_reason == "length",
              "streamed completion: %d chunks for %d tokens, same text" % (len(parts), GREEDY_TOKENS))
        parts = list(client.completions.create(model=name, prompt=p, max_tokens=4, temperature=0,
                                               stream=True, stream_options={"include_usage": True}))
        check(parts[-1].usage is not None and parts[-1].usage.completion_tokens == 4,
              "stream_options.include_usage: a final usage chunk")

        # Prompt as token ids (from /tokenize) = prompt as text.
        status, tok = server.post("/tokenize", {"prompt": p}, AUTH)
        check(status == 200 and tok["count"] == len(tok["tokens"]) > 0, "/tokenize: %d ids" % tok["count"])
        r2 = client.completions.create(model=name, prompt=tok["tokens"], max_tokens=GREEDY_TOKENS,
                                       temperature=0)
        check(r2.choices[0].text == want[p], "prompt as token ids gives the same text")
        status, det = server.post("/detokenize", {"tokens": tok["tokens"]}, AUTH)
        check(status == 200 and det["prompt"].strip() == p, "/detokenize inverts /tokenize")

        # A long generation: the text equals the detokenized ids retnet-run
        # generates (an independent decoding of prompt + continuation).
        ids = subprocess.run([args.run, "--model", args.model, "--artifact", args.artifact,
                              "--tokens", ",".join(map(str, tok["tokens"])), "--max-new-tokens", "300",
                              "-q"], check=True, stdout=subprocess.PIPE).stdout.split()
        ids = [int(x) for x in ids]
        r = client.completions.create(model=name, prompt=tok["tokens"], max_tokens=300, temperature=0)
        n = r.usage.completion_tokens
        _, full = server.post("/detokenize", {"tokens": tok["tokens"] + ids[:n]}, AUTH)
        _, head = server.post("/detokenize", {"tokens": tok["tokens"]}, AUTH)
        check(n > 64 and full["prompt"] == head["prompt"] + r.choices[0].text,
              "%d-token greedy text == detokenized retnet-run ids" % n)

        # Chat: streamed == non-streamed.
        msgs = [{"role": "system", "content": "Thou art a scribe."},
                {"role": "user", "content": "Who made the heaven?"}]
        c = client.chat.completions.create(model=name, messages=msgs, max_tokens=12, temperature=0)
        chunks = list(client.chat.completions.create(model=name, messages=msgs, max_tokens=12,
                                                     temperature=0, stream=True))
        streamed = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
        check(c.choices[0].message.role == "assistant" and c.choices[0].message.content == streamed
              and len(c.choices[0].message.content) > 0 and chunks[0].choices[0].delta.role == "assistant",
              "chat completion, streamed == non-streamed: %r" % streamed)

        # Stop strings: the greedy text cut before the first stop.
        words = want[p].split()
        stop = " " + words[3]
        r = client.completions.create(model=name, prompt=p, max_tokens=GREEDY_TOKENS, temperature=0,
                                      stop=[stop, "\u2603never"])
        check(r.choices[0].text == want[p][:want[p].find(stop)] and r.choices[0].finish_reason == "stop",
              "stop string %r cuts the text: %r" % (stop, r.choices[0].text))
        parts = list(client.completions.create(model=name, prompt=p, max_tokens=GREEDY_TOKENS,
                                               temperature=0, stop=stop, stream=True))
        check("".join(x.choices[0].text for x in parts) == r.choices[0].text
              and parts[-1].choices[0].finish_reason == "stop", "stop string, streamed")

        # Logprobs: the greedy token is the most likely one.
        r = client.completions.create(model=name, prompt=p, max_tokens=6, temperature=0, logprobs=3)
        lp = r.choices[0].logprobs
        check(len(lp.tokens) == 6 and all(len(t) == 3 for t in lp.top_logprobs)
              and all(abs(lp.token_logprobs[i] - max(lp.top_logprobs[i].values())) < 1e-5
                      and lp.token_logprobs[i] <= 0 for i in range(6))
              and "".join(lp.tokens) == r.choices[0].text,
              "logprobs=3: chosen token's logprob is the top one, tokens spell the text")

        # Seeded sampling: the same tokens alone, n > 1 and among 32 clients.
        def sampled(prompt, seed, n=1, max_tokens=12):
            r = client.completions.create(model=name, prompt=prompt, max_tokens=max_tokens,
                                          temperature=0.9, top_p=0.95, seed=seed, n=n)
            return [ch.text for ch in sorted(r.choices, key=lambda ch: ch.index)]
        alone = {i: sampled(PROMPTS[i % len(PROMPTS)], 1000 + i)[0] for i in range(4)}
        three = sampled(PROMPTS[0], 1000, n=3)
        check(three[0] == alone[0] and len(set(three)) > 1,
              "n=3: choice 0 == the n=1 request with the same seed, choices differ")

        clients = 32
        t0 = time.time()

        def one(i):
            cl = openai_client(server)
            if i % 2:
                return "greedy", i, cl.completions.create(
                    model=name, prompt=PROMPTS[i % len(PROMPTS)], max_tokens=GREEDY_TOKENS,
                    temperature=0).choices[0].text
            if i < 8:
                return "seeded", i, sampled(PROMPTS[(i // 2) % len(PROMPTS)], 1000 + i // 2)[0]
            parts = cl.completions.create(model=name, prompt=PROMPTS[i % len(PROMPTS)],
                                          max_tokens=GREEDY_TOKENS, temperature=0.7, seed=i, stream=True)
            return "stream", i, "".join(x.choices[0].text for x in parts)
        with futures.ThreadPoolExecutor(clients) as pool:
            results = list(pool.map(one, range(clients)))
        elapsed = time.time() - t0
        for k, i, t in results:
            if k == "greedy" and t != want[PROMPTS[i % len(PROMPTS)]]:
                print("  greedy mismatch %d: %r != %r" % (i, t, want[PROMPTS[i % len(PROMPTS)]]))
            if k == "seeded" and t != alone[i // 2]:
                print("  seeded mismatch %d: %r != %r" % (i, t, alone[i // 2]))
        greedy_ok = all(t == want[PROMPTS[i % len(PROMPTS)]] for k, i, t in results if k == "greedy")
        seeded_ok = all(t == alone[i // 2] for k, i, t in results if k == "seeded")
        check(greedy_ok and seeded_ok and all(t for _, _, t in results) and elapsed < 120,
              "%d concurrent clients in %.2f s: greedy = retnet-run's, seeded = alone" % (clients, elapsed))
        m = server.metrics(AUTH)
        check(m["retnet_decode_sequences_total"] > m["retnet_decode_step_seconds_count"],
              "decode steps batched several sequences (%.0f sequence-steps in %.0f steps)"
              % (m["retnet_decode_sequences_total"], m["retnet_decode_step_seconds_count"]))

        # Cancellation: hang up mid-stream; the request is cancelled, its slot freed.
        before = server.metrics(AUTH)["retnet_requests_total{outcome=\"cancelled\"}"]
        got = cancel_mid_stream(server, {"prompt": PROMPTS[1], "max_tokens": 400,
                                         "temperature": 0, "stream": True})
        freed = wait_for(lambda: server.metrics(AUTH)["retnet_free_slots"] == 8)
        after = server.metrics(AUTH)
        check(got >= 3 and freed and after["retnet_requests_total{outcome=\"cancelled\"}"] == before + 1
              and after["retnet_generation_tokens_total"] < before + 10000,
              "a client hanging up mid-stream cancels its request and frees its slot")

        # Bad requests: 400 with an OpenAI error object; the server lives on.
        bad = [
            (b"{not json", "invalid JSON"),
            (b"\xff\xfe{}", "not UTF-8"),
            (b"[1, 2]", "not an object"),
            ({"prompt": 5}, "prompt of the wrong type"),
            ({"prompt": "x", "max_tokens": "10"}, "max_tokens as a string"),
            ({"prompt": "x", "max_tokens": 0}, "max_tokens 0"),
            ({"prompt": "x", "max_tokens": 100000}, "max_tokens beyond --context"),
            ({"prompt": "word " * 600}, "a prompt beyond --context"),
            ({"prompt": [1, 2, 99999999]}, "a token id outside the vocabulary"),
            ({"prompt": [1, -2]}, "a negative token id"),
            ({"prompt": "x", "temperature": -1}, "a negative temperature"),
            ({"prompt": "x", "top_p": 0}, "top_p 0"),
            ({"prompt": "x", "n": 100}, "n above the slots"),
            ({"prompt": "x", "stop": [1]}, "a stop that is not a string"),
            ({"prompt": "x", "stop": ["a", "b", "c", "d", "e"]}, "five stop strings"),
            ({"prompt": "x", "frobnicate": True}, "an unknown field"),
            ({"prompt": "x", "logprobs": 9}, "logprobs above 5"),
            ({"prompt": "x", "presence_penalty": 0.5}, "an unsupported penalty"),
            ({"prompt": ["a", "b"]}, "two prompts"),
            ({"prompt": "x", "stream": "yes"}, "stream as a string"),
        ]
        for body, what in bad:
            status, _, data = server.request("POST", "/v1/completions", body, AUTH)
            err = json.loads(data).get("error", {})
            check(status == 400 and err.get("type") == "invalid_request_error" and err.get("message"),
                  "400 for %s: %s" % (what, err.get("message")))
        for body, what in [({"messages": []}, "no messages"),
                           ({"messages": [{"role": "wizard", "content": "x"}]}, "an unknown role"),
                           ({"messages": [{"role": "user", "content": 5}]}, "content of the wrong type"),
                           ({"messages": [{"role": "user", "content": [{"type": "image_url"}]}]},
                            "an image part")]:
            status, _, data = server.request("POST", "/v1/chat/completions", body, AUTH)
            check(status == 400 and "error" in json.loads(data), "chat: 400 for %s" % what)
        status, _, data = server.request("POST", "/v1/completions", {"model": "gpt-9", "prompt": "x"}, AUTH)
        check(status == 404 and json.loads(data)["error"]["code"] == "model_not_found", "404 for an unknown model")
        status, _, data = server.request("GET", "/v1/nothing", None, AUTH)
        check(status == 404 and "error" in json.loads(data), "404 with an error object for an unknown path")

        # Auth.
        status, _, data = server.request("POST", "/v1/completions", {"prompt": "x"})
        check(status == 401 and json.loads(data)["error"]["code"] == "invalid_api_key", "401 without a key")
        import openai
        try:
            openai_client(server, key="wrong").models.list()
            check(False, "401 with a wrong key")
        except openai.AuthenticationError:
            check(True, "401 with a wrong key (openai.AuthenticationError)")
        status, _, _ = server.request("GET", "/health")
        check(status == 200, "/health needs no key")
        r = client.completions.create(model=name, prompt=p, max_tokens=GREEDY_TOKENS, temperature=0)
        check(r.choices[0].text == want[p], "still serving the same text after all that")
        m = server.metrics(AUTH)
        check(m["retnet_free_slots"] == 8 and m["retnet_queue_depth"] == 0, "every slot free at the end")
    finally:
        code = server.stop()
    check(code == 0, "SIGTERM stops the server cleanly")

    # A Jinja chat template (--chat-template; jinja2's renderings in
    # test/serve/chat-templates/goldens.json): the chat prompt is the
    # rendered text tokenized without added bos, the generation the same as
    # a completion of those ids; a conversation the template refuses is 400.
    here = os.path.dirname(os.path.abspath(__file__))
    templates = os.path.join(here, "chat-templates")
    goldens = [g for g in json.load(open(os.path.join(templates, "goldens.json")))
               if g["template"] == "llama-2-chat" and g["add_generation_prompt"]]
    chat = Server(args.serve, args.model, "--artifact", args.artifact, "--chat-template",
                  os.path.join(templates, "llama-2-chat.jinja"), log=args.log)
    try:
        rendered = refused = 0
        for g in goldens:
            status, r = chat.post("/v1/chat/completions", {"messages": g["messages"], "max_tokens": 8,
                                                           "temperature": 0})
            if "error" in g:
                check(status == 400 and g["error"] in r["error"]["message"],
                      "chat template refuses %d messages: %s" % (len(g["messages"]), r["error"]["message"]))
                refused += 1
                continue
            _, tok = chat.post("/tokenize", {"prompt": g["expected"], "add_special_tokens": False})
            _, ref = chat.post("/v1/completions", {"prompt": tok["tokens"], "max_tokens": 8, "temperature": 0})
            check(status == 200 and r["usage"]["prompt_tokens"] == tok["count"]
                  and r["choices"][0]["message"]["content"] == ref["choices"][0]["text"],
                  "chat template renders %d messages as jinja2 does (%d prompt tokens)"
                  % (len(g["messages"]), tok["count"]))
            rendered += 1
        check(rendered >= 4 and refused >= 1, "llama-2-chat template: %d rendered, %d refused" % (rendered, refused))
    finally:
        chat.stop()

    # Overload: one slot, a queue of one: the third concurrent request gets 429.
    small = Server(args.serve, args.model, "--artifact", args.artifact, "--slots", "1",
                   "--queue", "1", "--context", "1048576", log=args.log)
    try:
        import openai
        client = openai_client(small, key="none")
        long_req = {"prompt": PROMPTS[0], "max_tokens": 1000000, "temperature": 0, "stream": True}
        holders = []
        for _ in range(2):  # one running, one queued: both keep their streams open
            s = socket.create_connection(("127.0.0.1", small.port), timeout=60)
            data = json.dumps(long_req).encode()
            s.sendall(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
                       % len(data)).encode() + data)
            holders.append(s)
        wait_for(lambda: small.metrics()["retnet_queue_depth"] == 1)
        try:
            client.completions.create(model=client.models.list().data[0].id, prompt="x", max_tokens=2)
            check(False, "429 when the queue is full")
        except openai.RateLimitError as e:
            check(e.status_code == 429 and e.body["code"] == "queue_full",
                  "429 with an error object when the queue is full (openai.RateLimitError)")
        for s in holders:
            s.close()
        check(wait_for(lambda: small.metrics()["retnet_free_slots"] == 1
                       and small.metrics()["retnet_queue_depth"] == 0, 20),
              "both held requests cancelled when their clients left")
        status, body = small.post("/v1/completions", {"prompt": PROMPTS[0], "max_tokens": GREEDY_TOKENS,
                                                      "temperature": 0})
        check(status == 200 and body["choices"][0]["text"] == want[PROMPTS[0]], "served again after overload")
    finally:
        small.stop()

    # --queue 0: as many requests as slots run, none waits.
    nowait = Server(args.serve, args.model, "--artifact", args.artifact, "--slots", "2",
                    "--queue", "0", log=args.log)
    try:
        status, body = nowait.post("/v1/completions", {"prompt": PROMPTS[0], "max_tokens": 4,
                                                       "temperature": 0})
        check(status == 200, "--queue 0 serves a request while a slot is free")
    finally:
        nowait.stop()


def batch(args):
    """The scheduler on another target (e.g. CUDA): greedy text equal to
    retnet-run's on the same target, batched decode steps, seeded sampling
    the same alone and among others, a cancelled stream freeing its slot."""
    prompts = PROMPTS[:4]
    want = greedy_reference(args, prompts)
    server = Server(args.serve, args.model, "--artifact", args.artifact, "--target", args.target,
                    "--slots", "4", log=args.log)
    try:
        def sampled(i):
            status, r = server.post("/v1/completions", {"prompt": prompts[i], "max_tokens": 8,
                                                        "temperature": 0.9, "seed": 7 + i})
            assert status == 200, r
            return r["choices"][0]["text"]
        alone = [sampled(i) for i in range(2)]

        def one(i):
            if i < 4:
                status, r = server.post("/v1/completions", {"prompt": prompts[i],
                                                            "max_tokens": GREEDY_TOKENS,
                                                            "temperature": 0})
                return r["choices"][0]["text"] == want[prompts[i]]
            return sampled(i - 4) == alone[i - 4]
        with futures.ThreadPoolExecutor(6) as pool:
            ok = list(pool.map(one, range(6)))
        check(all(ok), "4 greedy requests = retnet-run's text, 2 seeded = alone, run together (%s)" % ok)
        m = server.metrics()
        check(m["retnet_decode_sequences_total"] > m["retnet_decode_step_seconds_count"],
              "decode steps batched several sequences (%.0f sequence-steps in %.0f steps)"
              % (m["retnet_decode_sequences_total"], m["retnet_decode_step_seconds_count"]))
        cancel_mid_stream(server, {"prompt": prompts[0], "max_tokens": 200, "temperature": 0,
                                   "stream": True}, chunks=2)
        check(wait_for(lambda: server.metrics()["retnet_free_slots"] == 4, 60),
              "a cancelled stream frees its slot")
    finally:
        code = server.stop()
    check(code == 0, "SIGTERM stops the server cleanly")


def soak(args):
    want = greedy_reference(args)
    server = Server(args.serve, args.model, "--artifact", args.artifact, "--slots", "8",
                    "--queue", "256", "--quiet", log=args.log)
    rng = random.Random(args.seed)
    plan = []
    for i in range(args.requests):
        plan.append(dict(i=i, prompt=rng.choice(PROMPTS), chat=rng.random() < 0.25,
                         stream=rng.random() < 0.5, greedy=rng.random() < 0.6,
                         cancel=rng.random() < 0.05, seed=rng.randrange(1 << 30),
                         max_tokens=rng.randint(1, 24)))
    mismatches = []

    def run(job):
        path = "/v1/chat/completions" if job["chat"] else "/v1/completions"
        body = {"max_tokens": GREEDY_TOKENS if job["greedy"] else job["max_tokens"],
                "temperature": 0 if job["greedy"] else 0.8, "seed": job["seed"]}
        if job["chat"]:
            body["messages"] = [{"role": "user", "content": job["prompt"]}]
        else:
            body["prompt"] = job["prompt"]
        if job["cancel"] and not job["chat"]:
            body["stream"] = True
            body["max_tokens"] = 200
            cancel_mid_stream(server, body, chunks=2)
            return
        if job["stream"]:
            body["stream"] = True
            status, events = server.stream(path, body)
            assert status == 200, events
            if job["chat"]:
                text = "".join(e["choices"][0]["delta"].get("content", "") for e in events if e["choices"])
            else:
                text = "".join(e["choices"][0]["text"] for e in events if e["choices"])
        else:
            status, r = server.post(path, body)
            assert status == 200, r
            ch = r["choices"][0]
            text = ch["message"]["content"] if job["chat"] else ch["text"]
        if job["greedy"] and not job["chat"] and text != want[job["prompt"]]:
            mismatches.append((job["i"], job["prompt"], text))

    warm = max(1, args.requests // 10)
    t0 = time.time()
    try:
        with futures.ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(run, plan[:warm]))
            rss0 = server.rss_kib()
            list(pool.map(run, plan[warm:]))
        elapsed = time.time() - t0
        wait_for(lambda: server.metrics()["retnet_free_slots"] == 8, 10)
        rss1 = server.rss_kib()
        m = server.metrics()
        greedy = sum(1 for j in plan if j["greedy"] and not j["chat"] and not j["cancel"])
        print("soak: %d requests (%d greedy completions compared, %d cancelled) from %d clients in %.1f s; "
              "RSS %.1f MiB after warm-up, %.1f MiB at the end"
              % (args.requests, greedy, sum(1 for j in plan if j["cancel"] and not j["chat"]),
                 args.clients, elapsed, rss0 / 1024, rss1 / 1024))
        check(not mismatches, "every greedy completion equals retnet-run's (%d)" % greedy
              + ("" if not mismatches else ": first mismatch %r" % (mismatches[0],)))
        check(m["retnet_free_slots"] == 8 and m["retnet_running_requests"] == 0
              and m["retnet_queue_depth"] == 0, "no slot left taken")
        done = sum(v for k, v in m.items() if k.startswith("retnet_requests_total"))
        check(done == args.requests, "every request accounted for in /metrics (%d)" % done)
        check((rss1 - rss0) / 1024 <= args.rss_bound_mib,
              "RSS grew %.2f MiB (bound %.0f MiB)" % ((rss1 - rss0) / 1024, args.rss_bound_mib))
    finally:
        server.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["e2e", "soak", "batch"])
    ap.add_argument("--serve", required=True)
    ap.add_argument("--run", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--artifact", required=True)
    ap.add_argument("--log", help="the server's stderr goes here")
    ap.add_argument("--target", default="auto", help="the server's and retnet-run's --target")
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--rss-bound-mib", type=float, default=16)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    {"e2e": e2e, "soak": soak, "batch": batch}[args.mode](args)


if __name__ == "__main__":
    main()
