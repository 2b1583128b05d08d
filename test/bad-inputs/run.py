#!/usr/bin/env python3
"""Feeds every case of test/bad-inputs/cases to retnet-run (see make.py).

  run.py --retnet-run PATH [--work DIR] [--only SUBSTRING]

A case passes when retnet-run exits with the expected status (never by a
signal: no crash, no sanitizer abort), within the time limit (no hang), a
line of its stderr matches the expected pattern, and the @OUT@ path it was
given does not exist afterwards. Exit 0 when every case passes.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def model_dir(case_dir, work):
    """base/ with the case's model files laid over it."""
    model = os.path.join(work, "model")
    shutil.rmtree(model, ignore_errors=True)
    shutil.copytree(os.path.join(HERE, "base"), model)
    remove = os.path.join(case_dir, "remove")
    if os.path.exists(remove):
        for name in open(remove).read().split():
            os.remove(os.path.join(model, name))
    fifo = os.path.join(case_dir, "fifo")
    if os.path.exists(fifo):
        for name in open(fifo).read().split():
            os.remove(os.path.join(model, name))
            os.mkfifo(os.path.join(model, name))
    for name in ("config.json", "model.safetensors", "tokenizer.json",
                 "tokenizer.model", "tokenizer_config.json"):
        src = os.path.join(case_dir, name)
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(model, name))
        elif os.path.exists(src):
            shutil.copy(src, os.path.join(model, name))
    return model


def run_case(name, retnet_run, work, timeout):
    case_dir = os.path.join(HERE, "cases", name)
    status, pattern = open(os.path.join(case_dir, "expect")).read().split("\n")[:2]
    model = model_dir(case_dir, work)
    out = os.path.join(work, "out.safetensors")
    if os.path.exists(out):
        os.remove(out)
    args = [a.replace("@MODEL@", model).replace("@OUT@", out).replace("@CASE@", case_dir)
            for a in open(os.path.join(case_dir, "args")).read().split("\n")[:-1]]
    try:
        p = subprocess.run([retnet_run] + args, capture_output=True, text=True,
                           timeout=timeout, errors="replace", stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return f"hung (no exit within {timeout} s)"
    problems = []
    if p.returncode < 0 or p.returncode >= 128:
        problems.append(f"killed by a signal (status {p.returncode})")
    elif p.returncode != int(status):
        problems.append(f"exit status {p.returncode}, expected {status}")
    if not any(re.search(pattern, line) for line in p.stderr.splitlines()):
        problems.append(f"no stderr line matches /{pattern}/")
    if "AddressSanitizer" in p.stderr or "runtime error:" in p.stderr:
        problems.append("sanitizer report")
    if os.path.exists(out):
        problems.append("left an output file behind")
    if problems:
        tail = " | ".join(p.stderr.strip().splitlines()[-3:])
        return "; ".join(problems) + f" — stderr: {tail}"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--retnet-run", required=True)
    ap.add_argument("--work", help="scratch folder (default: a temporary one)")
    ap.add_argument("--only", default="", help="cases whose name contains this")
    ap.add_argument("--timeout", type=float, default=120)
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="retnet-bad-inputs-")
    os.makedirs(work, exist_ok=True)
    # Models that get as far as compiling are compiled once, here.
    os.environ["RETNET_CACHE_DIR"] = os.path.join(work, "cache")
    names = sorted(n for n in os.listdir(os.path.join(HERE, "cases")) if a.only in n)
    failed = 0
    for name in names:
        problem = run_case(name, a.retnet_run, work, a.timeout)
        if problem:
            failed += 1
            print(f"FAIL {name}: {problem}")
        else:
            print(f"ok   {name}")
    print(f"bad inputs: {len(names) - failed} of {len(names)} cases give their expected "
          f"error line and status")
    if not a.work:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
