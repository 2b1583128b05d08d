"""Assembles every kernel of a `--retention-nvvm-pipeline=format=isa` output
with `ptxas -v` and prints one line per kernel with its resources.

    ptx_resources.py PTXAS MLIR_FILE [--arch sm_90a] [--budget BINARY=REGS ...]

The PTX of each gpu.binary is the MLIR string after `assembly = "` (`bin = "` for format=bin) (escapes: \\XX
hex, \\\\, \\"). Output lines, sorted by kernel name:

    BINARY registers=N spill_stores=N spill_loads=N smem=N inline_asm=N

(inline_asm: the kernel's inline-asm blocks, which LLVM marks `// begin
inline asm`.) Exit 1 when ptxas fails, a binary holds no PTX, a kernel
spills, a kernel named in --budget uses more registers than its budget, or
an inline-asm block holds a tensor-core product, a barrier or an async copy
(those must come from typed ops: LLVM knows their semantics, and a barrier
intrinsic is convergent).
"""

import re
import subprocess
import sys
import tempfile

from mlir_strings import unescape_bytes


def unescape(s):
    return unescape_bytes(s).decode()


SYNC_OR_MMA = re.compile(r"\b(mma|wgmma|bar|barrier|cp\.async|mbarrier)\.")


def inline_asm_blocks(ptx):
    return re.findall(r"// begin inline asm\n(.*?)// end inline asm", ptx, re.S)


def main(argv):
    ptxas, path = argv[1], argv[2]
    arch = argv[argv.index("--arch") + 1] if "--arch" in argv else "sm_90a"
    budgets = {}
    for i, a in enumerate(argv):
        if a == "--budget":
            name, regs = argv[i + 1].split("=")
            budgets[name] = int(regs)
    text = open(path).read()
    found = re.findall(r'gpu\.binary @(\w+) .*?(?:bin|assembly) = "((?:[^"\\]|\\.)*)"', text)
    ptxs = [(name, unescape(body)) for name, body in found]
    if not ptxs or not all(".entry" in p for _, p in ptxs):
        print("ptx_resources.py: no PTX in " + path, file=sys.stderr)
        return 1
    rows = {}
    asm = {}
    ok = True
    for binary, ptx in ptxs:
        blocks = inline_asm_blocks(ptx)
        asm[binary] = len(blocks)
        for block in blocks:
            if SYNC_OR_MMA.search(block):
                print(f"ptx_resources.py: {binary}: inline asm with a synchronizing or "
                      f"tensor-core instruction: {block.strip()}", file=sys.stderr)
                ok = False
        with tempfile.NamedTemporaryFile("w", suffix=".ptx") as f:
            f.write(ptx)
            f.flush()
            r = subprocess.run([ptxas, "-v", "-arch=" + arch, f.name, "-o", "/dev/null"],
                               capture_output=True, text=True)
        if r.returncode != 0:
            print(r.stderr, file=sys.stderr)
            return 1
        name = None
        for line in r.stderr.splitlines():
            m = re.search(r"Compiling entry function '([^']+)'", line)
            if m:
                name = binary  # kernels of different binaries may share a name
                rows[name] = {"registers": 0, "spill_stores": 0, "spill_loads": 0, "smem": 0}
            m = re.search(r"(\d+) bytes spill stores, (\d+) bytes spill loads", line)
            if m and name:
                rows[name]["spill_stores"] = int(m.group(1))
                rows[name]["spill_loads"] = int(m.group(2))
            m = re.search(r"Used (\d+) registers", line)
            if m and name:
                rows[name]["registers"] = int(m.group(1))
            m = re.search(r"(\d+) bytes smem", line)
            if m and name:
                rows[name]["smem"] = int(m.group(1))
    for name in sorted(rows):
        r = rows[name]
        print(f"{name} registers={r['registers']} spill_stores={r['spill_stores']} "
              f"spill_loads={r['spill_loads']} smem={r['smem']} inline_asm={asm[name]}")
        if r["spill_stores"] or r["spill_loads"]:
            print(f"ptx_resources.py: {name} spills", file=sys.stderr)
            ok = False
        if name in budgets and r["registers"] > budgets[name]:
            print(f"ptx_resources.py: {name} uses {r['registers']} registers, "
                  f"budget {budgets[name]}", file=sys.stderr)
            ok = False
    for name in budgets:
        if name not in rows:
            print(f"ptx_resources.py: no kernel {name}", file=sys.stderr)
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
