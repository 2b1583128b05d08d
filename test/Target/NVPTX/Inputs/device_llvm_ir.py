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

from mlir_strings import unescape_bytes


def main(argv):
    llvm_dis, path = argv[1], argv[2]
    text = open(path).read()
    found = re.findall(r'gpu\.binary @(\w+) .*?(?:bin|offload) = "((?:[^"\\]|\\.)*)"', text)
    if not found:
        print("device_llvm_ir.py: no gpu.binary with bitcode in " + path, file=sys.stderr)
        return 1
    for name, body in found:
        r = subprocess.run([llvm_dis, "-o", "-", "-"], input=unescape_bytes(body), capture_output=True)
        if r.returncode != 0:
            print(f"device_llvm_ir.py: llvm-dis failed on {name}: {r.stderr.decode()}",
                  file=sys.stderr)
            return 1
        print(f"; ---- {name}")
        print(r.stdout.decode())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
