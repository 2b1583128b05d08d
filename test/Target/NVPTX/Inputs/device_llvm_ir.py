"""Prints the device LLVM IR of every gpu.binary in a
`--retention-nvvm-pipeline=format=llvm` output (bitcode objects, disassembled
by llvm-dis), each after a line `; ---- BINARY`.

    device_llvm_ir.py LLVM_DIS MLIR_FILE

The bitcode is the MLIR string after `offload = "` (escapes: \\XX hex, \\\\, \\").
Exit 1 when a binary holds no bitcode or llvm-dis fails.
"""

import re
import subprocess
import sys


def unescape(s):
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            nxt = s[i + 1]
            if nxt in '\\"':
                out.append(ord(nxt))
                i += 2
            else:
                out.append(int(s[i + 1:i + 3], 16))
                i += 3
        else:
            out.extend(c.encode())
            i += 1
    return bytes(out)


def main(argv):
    llvm_dis, path = argv[1], argv[2]
    text = open(path).read()
    found = re.findall(r'gpu\.binary @(\w+) .*?(?:bin|offload) = "((?:[^"\\]|\\.)*)"', text)
    if not found:
        print("device_llvm_ir.py: no gpu.binary with bitcode in " + path, file=sys.stderr)
        return 1
    for name, body in found:
        r = subprocess.run([llvm_dis, "-o", "-", "-"], input=unescape(body), capture_output=True)
        if r.returncode != 0:
            print(f"device_llvm_ir.py: llvm-dis failed on {name}: {r.stderr.decode()}",
                  file=sys.stderr)
            return 1
        print(f"; ---- {name}")
        print(r.stdout.decode())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
