#!/usr/bin/env python3
"""Where a wasm file's code goes: function bytes by crate, how much of it, gzipped, is the
app's own (functions whose names mention one of the given crates, generic instances included),
and the app's own code by module (`routes::events`, `load`, …), largest first: the map for
whoever cuts bytes next.

    python3 scripts/bundle_breakdown.py FILE.wasm [CRATE ...]

FILE must keep its `name` section (a build without wasm-opt; scripts/bench.sh makes one).
"""

import collections
import gzip
import re
import sys


def leb128(buf, at):
    """An unsigned LEB128 number at `at`: (value, position after it)."""
    value = shift = 0
    while True:
        byte = buf[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def skip_limits(buf, at):
    flags = buf[at]
    _, at = leb128(buf, at + 1)
    if flags & 1:
        _, at = leb128(buf, at)
    return at


def functions(buf):
    """(name, body bytes) for every function defined in the module."""
    if buf[:4] != b"\0asm":
        sys.exit("not a wasm file")
    at, imported, bodies, names = 8, 0, [], {}
    while at < len(buf):
        section = buf[at]
        size, at = leb128(buf, at + 1)
        end = at + size
        if section == 2:  # imports: functions among them shift the indices
            count, p = leb128(buf, at)
            for _ in range(count):
                for _ in range(2):  # module, field
                    n, p = leb128(buf, p)
                    p += n
                kind = buf[p]
                p += 1
                if kind == 0:
                    _, p = leb128(buf, p)
                    imported += 1
                elif kind == 1:  # table: element type, limits
                    p = skip_limits(buf, p + 1)
                elif kind == 2:
                    p = skip_limits(buf, p)
                elif kind == 3:  # global: type, mutability
                    p += 2
                else:  # tag
                    _, p = leb128(buf, p + 1)
        elif section == 10:
            count, p = leb128(buf, at)
            for _ in range(count):
                n, q = leb128(buf, p)
                bodies.append(buf[q : q + n])
                p = q + n
        elif section == 0:
            n, p = leb128(buf, at)
            if buf[p : p + n] == b"name":
                p += n
                while p < end:
                    sub = buf[p]
                    n, p = leb128(buf, p + 1)
                    if sub == 1:
                        count, q = leb128(buf, p)
                        for _ in range(count):
                            index, q = leb128(buf, q)
                            m, q = leb128(buf, q)
                            names[index] = buf[q : q + m].decode("utf-8", "replace")
                            q += m
                    p += n
        at = end
    if not names:
        sys.exit("no name section: build without wasm-opt and without stripping")
    return [(names.get(imported + i, "?"), body) for i, body in enumerate(bodies)]


def crate_of(name):
    """The crate a (demangled) function name starts with, or the type's crate for `<T as …>`."""
    m = re.match(r"<?([A-Za-z_][A-Za-z0-9_]*)::", name)
    return m.group(1) if m else "(other)"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    funcs = functions(open(sys.argv[1], "rb").read())
    own = sys.argv[2:] or ["audit_viewer", "audit_model"]
    gz = lambda b: len(gzip.compress(b, 9))
    total = b"".join(b for _, b in funcs)
    by_crate = collections.Counter()
    for name, body in funcs:
        by_crate[crate_of(name)] += len(body)
    print(f"code: {len(funcs)} functions, {len(total)} B, {gz(total)} B gzip")
    for crate, size in by_crate.most_common(12):
        print(f"  {size:9d} B {100 * size / len(total):5.1f}%  {crate}")
    pattern = re.compile("|".join(map(re.escape, own)))
    mine = b"".join(b for n, b in funcs if pattern.search(n))
    print(
        f"own code ({', '.join(own)}, generic instances included): {len(mine)} B, "
        f"{gz(mine)} B gzip"
    )
    by_module = collections.defaultdict(list)
    for name, body in funcs:
        if m := module_of(name, own[0]):
            by_module[m].append(body)
    ranked = sorted(by_module.items(), key=lambda kv: -sum(map(len, kv[1])))
    print(f"{own[0]} by module, raw and gzip (the first module a function's name mentions):")
    for module, bodies in ranked[:12]:
        print(f"  {sum(map(len, bodies)):9d} B {gz(b''.join(bodies)):8d} B  {module}")


def module_of(name, crate):
    """`routes::events` for a function of `crate::routes::events::…` (views nest one level
    deeper than the rest), `load` for `crate::load::…`, or None."""
    m = re.search(re.escape(crate) + r"::([a-z_]+)(?:::([a-z_]+))?", name)
    if not m:
        return None
    if m.group(2) and m.group(1) in ("routes", "components"):
        return f"{m.group(1)}::{m.group(2)}"
    return m.group(1)


if __name__ == "__main__":
    main()
