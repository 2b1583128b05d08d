"""MLIR string-attribute escapes, shared by the scripts that read gpu.binary
objects out of a lowered module: \\XX hex, \\\\ and \\"."""


def unescape_bytes(s):
    """The bytes an MLIR string literal's body stands for."""
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
