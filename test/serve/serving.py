"""Starting retnet-serve on a loopback port and talking raw HTTP to it.

Shared by the end-to-end test, the soak (test/serve/serve_test.py) and the
benchmark (benchmarks/serve/run.py). Standard library only.
"""

import http.client
import json
import os
import re
import subprocess
import time


class Server:
    """retnet-serve on 127.0.0.1, any free port; stop() ends it (SIGTERM)."""

    def __init__(self, binary, model, *args, log=None, startup=120):
        self.log = open(log or os.devnull, "w")
        self.proc = subprocess.Popen(
            [binary, "--model", model, "--port", "0", *args],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + startup
        self.port = None
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                raise RuntimeError("retnet-serve exited (status %s) before "
                                   "listening" % self.proc.wait())
            self.log.write(line)
            m = re.search(r"on http://[^:]+:(\d+)$", line.strip())
            if m:
                self.port = int(m.group(1))
                break
        if self.port is None:
            self.proc.kill()
            raise RuntimeError("retnet-serve did not listen within %d s" % startup)
        # Keep draining stderr so the server never blocks on a full pipe.
        import threading
        self.stderr_lines = []
        self._drain = threading.Thread(target=self._read_stderr, daemon=True)
        self._drain.start()

    def _read_stderr(self):
        for line in self.proc.stderr:
            self.stderr_lines.append(line)
            self.log.write(line)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def request(self, method, path, body=None, headers=None, timeout=120):
        """(status, headers dict, body bytes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
            conn.request(method, path, body=data, headers=headers or {})
            r = conn.getresponse()
            return r.status, dict(r.getheaders()), r.read()
        finally:
            conn.close()

    def post(self, path, body, headers=None, timeout=120):
        status, _, data = self.request("POST", path, body, headers, timeout)
        return status, json.loads(data)

    def stream(self, path, body, headers=None, timeout=120):
        """The parsed `data:` events of a streamed response (until [DONE])."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("POST", path, body=json.dumps(body).encode(),
                         headers=headers or {})
            r = conn.getresponse()
            if r.status != 200:
                return r.status, json.loads(r.read())
            events = []
            for raw in r:
                line = raw.decode().rstrip("\n")
                if not line.startswith("data: "):
                    continue
                if line == "data: [DONE]":
                    return 200, events
                events.append(json.loads(line[6:]))
            raise RuntimeError("stream ended without [DONE]")
        finally:
            conn.close()

    def metrics(self, headers=None):
        status, _, data = self.request("GET", "/metrics", headers=headers)
        assert status == 200, status
        out = {}
        for line in data.decode().splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                out[name] = float(value)
        return out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                code = self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise RuntimeError("retnet-serve did not stop on SIGTERM")
            self._drain.join(timeout=5)
            return code
        return self.proc.returncode


def retnet_run_text(retnet_run, model, artifact, prompt, max_new, target="auto"):
    """retnet-run's greedy continuation of `prompt` (the text after it)."""
    out = subprocess.run(
        [retnet_run, "--model", model, "--artifact", artifact, "--prompt",
         prompt, "--max-new-tokens", str(max_new), "--target", target, "-q"],
        check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE).stdout
    text = out.decode()
    assert text.startswith(prompt) and text.endswith("\n"), repr(text)
    return text[len(prompt):-1]
