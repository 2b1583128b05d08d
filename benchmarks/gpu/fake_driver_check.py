#!/usr/bin/env python3
"""The benchmark's CUDA kernel libraries called through bench_kernels.py's
ctypes plumbing against the fake libcuda of the unit tests (no GPU: the
driver calls are recorded, no kernel runs). Checks, per library, that the
host code takes our memref descriptors, loads its module and launches
without a driver error, and prints the launches (grid, block, shared memory)
and allocations. Each library runs in its own process.

    fake_driver_check.py --kernels DIR [--fake build/test/unit/cuda/libFakeCuda.so]
                         [--runtime build/lib/libretnet_cuda_runtime.so]
"""

import argparse
import ctypes
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def child(a):
    sys.path.insert(0, HERE)
    import bench_kernels as bk
    rt = bk.Runtime(a.runtime)
    fake = ctypes.CDLL(os.environ["RETNET_LIBCUDA"])
    fake.fake_cuda_call.restype = ctypes.c_char_p
    s = json.loads(a.shape)
    B, H, T, dk, dv = s["B"], s["H"], s["T"], s["dk"], s["dv"]
    shapes = [(B, H, T, dk), (B, H, T, dk), (B, H, T, dv)] + \
        ([(B, H, dk, dv)] if s["op"] == "recurrent" else []) + [(B, H, T, dv), (B, H, dk, dv)]
    descs = []
    for i, sh in enumerate(shapes):  # fake addresses: no kernel runs
        m = bk.Memref4()
        m.allocated = m.aligned = 0x10000000 * (i + 1)
        st = 1
        for j in range(3, -1, -1):
            m.sizes[j], m.strides[j] = sh[j], st
            st *= sh[j]
        descs.append(m)
    k = bk.Kernel(a.lib, rt)
    status = "ok"
    try:
        k(descs)
        k(descs)  # a second call: buffers kept or allocated again?
    except RuntimeError as e:
        status = "error: " + str(e)[:300]
    calls = [fake.fake_cuda_call(i).decode() for i in range(fake.fake_cuda_call_count())]
    print(json.dumps(dict(status=status, launches=[c for c in calls if c.startswith("cuLaunch")],
                          allocs=[c for c in calls if c.startswith("cuMemAlloc")])), flush=True)
    sys.stdout.flush()
    # A normal exit: the kernel library's exit-time destructors (module
    # unload) run too. (An abort there, "double free or corruption", seen
    # once on 2026-11-28 before results were written straight into their
    # destination buffers, did not recur.)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kernels", required=True)
    ap.add_argument("--fake", default=os.path.join(ROOT, "build", "test", "unit", "cuda", "libFakeCuda.so"))
    ap.add_argument("--runtime", default=os.path.join(ROOT, "build", "lib", "libretnet_cuda_runtime.so"))
    ap.add_argument("--lib", help=argparse.SUPPRESS)
    ap.add_argument("--shape", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.lib:
        return child(a)
    m = json.load(open(os.path.join(a.kernels, "manifest.json")))
    if m.get("target") != "cuda":
        print("fake_driver_check: these kernels are not for cuda", file=sys.stderr)
        return 2
    env = dict(os.environ, RETNET_LIBCUDA=os.path.abspath(a.fake))
    bad = 0
    for v in m["variants"]:
        for s in m["shapes"]:
            lib = os.path.join(a.kernels, v["name"], s["name"], "kernel.so")
            if not os.path.exists(lib):
                print(f"{v['name']:5s} {s['name']:28s} not compiled")
                continue
            p = subprocess.run([sys.executable, __file__, "--kernels", a.kernels, "--runtime", a.runtime,
                                "--lib", lib, "--shape", json.dumps(s)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
            rows = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
            if p.returncode or not rows or rows[0]["status"] != "ok":
                bad += 1
                print(f"{v['name']:5s} {s['name']:28s} FAILED (exit {p.returncode}): {p.stdout[-300:]}")
                continue
            r = rows[0]
            first = r["launches"][0] if r["launches"] else "no launch"
            print(f"{v['name']:5s} {s['name']:28s} ok  {len(r['launches'])} launches in 2 calls, "
                  f"{len(r['allocs'])} allocs; {first}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
