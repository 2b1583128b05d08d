"""Compares the mgpu* functions LLVM declares with the runtime's exports.

    check_mgpu_abi.py DECLARES ABI

DECLARES: `declare` lines of LLVM IR; ABI: `name arity` lines from
`retnet-cuda-info --abi`. Every declared mgpu* function must be exported with
the same number of parameters. Prints one line per function; exit 1 on drift.
"""

import re
import sys


def main(declares_path, abi_path):
    ours = {}
    for line in open(abi_path):
        name, arity = line.split()
        ours[name] = int(arity)
    ok = True
    seen = 0
    for line in open(declares_path):
        m = re.match(r"declare .*@(mgpu\w+)\((.*)\)", line.strip())
        if not m:
            continue
        seen += 1
        name, params = m.group(1), m.group(2).strip()
        arity = 0 if not params else len(params.split(","))
        if name not in ours:
            print(f"MISSING {name}: declared with {arity} parameters, not exported")
            ok = False
        elif ours[name] != arity:
            print(f"ARITY {name}: declared with {arity} parameters, exported with {ours[name]}")
            ok = False
        else:
            print(f"ok {name} {arity}")
    if seen == 0:
        print("no mgpu declarations found")
        ok = False
    print(f"{seen} declared, {'all match' if ok else 'DRIFT'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
