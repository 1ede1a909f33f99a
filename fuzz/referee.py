#!/usr/bin/env python3
"""NumPy is the referee.

This script recomputes everything the Go package computes, from the package
documentation alone and with NumPy only:

  * the random stream (SplitMix64-seeded blocks of 16 xoshiro128+ lanes),
    implemented again here in NumPy, so the Go stream is checked against an
    independent implementation of its specification;
  * the book's Dropout layer (Deep Learning from Scratch), run literally:
    mask = U > ratio, forward x * mask, backward dout * mask,
    inference x * (1.0 - ratio), with U = (u + 1) / 2**24;
  * the inverted convention: factor = where(mask, float32(1/(1-p)), 0),
    y = x * factor, dx = dout * factor, inference y = x.

Usage:
  referee.py golden OUT.json   write the committed golden file: cases,
                               inputs and expected outputs, all from NumPy
  referee.py check IN.json     compare the Go outputs in IN.json (written by
                               fuzz/referee_test.go) bit for bit; exit 1 on
                               any difference

Arrays are stored as hex strings of little-endian bytes (float32 as their
bit patterns), so the files mean the same on every byte order. NaN compares
as a class: any NaN equals any NaN, since payloads differ across CPUs.
"""
import json
import sys

import numpy as np

BLOCK = 8192
LANES = 16
GOLDEN = np.uint64(0x9E3779B97F4A7C15)
M64 = (1 << 64) - 1


def mix64(z):
    """SplitMix64's output function on a uint64 array (wrapping arithmetic)."""
    z = np.asarray(z, dtype=np.uint64)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def block_draws(seed, b):
    """All 8192 draws of block b of seed's stream, in position order."""
    with np.errstate(over="ignore"):
        base = mix64(np.array([seed], dtype=np.uint64))[0]
        w = np.arange(32 * b + 1, 32 * b + 33, dtype=object)  # word numbers + 1
        z = mix64(np.array([(int(base) + int(k) * int(GOLDEN)) & M64 for k in w], dtype=np.uint64))
    a, c = z[0::2], z[1::2]  # lane L takes words 2L and 2L+1
    s0 = (a & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    s1 = (a >> np.uint64(32)).astype(np.uint32)
    s2 = (c & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    s3 = (c >> np.uint64(32)).astype(np.uint32)
    out = np.empty((BLOCK // LANES, LANES), dtype=np.uint32)
    for step in range(BLOCK // LANES):
        out[step] = (s0 + s3) >> np.uint32(8)
        t = s1 << np.uint32(9)
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = (s3 << np.uint32(11)) | (s3 >> np.uint32(21))
    return out.reshape(-1)  # position j = 16*step + lane


_cache = {}


def draws(seed, offset, n):
    """u_i for stream positions offset+i (mod 2**64), i < n."""
    out = np.empty(n, dtype=np.uint32)
    i = 0
    while i < n:
        q = (offset + i) & M64
        b, j = q // BLOCK, q % BLOCK
        m = min(n - i, BLOCK - j)
        key = (seed, b)
        if key not in _cache:
            if len(_cache) > 64:
                _cache.clear()
            _cache[key] = block_draws(seed, b)
        out[i:i + m] = _cache[key][j:j + m]
        i += m
    return out


class Dropout:
    """The book's layer, verbatim except that the uniform variates U are
    passed in instead of drawn by np.random.rand."""

    def __init__(self, dropout_ratio=0.5):
        self.dropout_ratio = dropout_ratio
        self.mask = None

    def forward(self, x, U, train_flg=True):
        if train_flg:
            self.mask = U > self.dropout_ratio
            return x * self.mask
        return x * (1.0 - self.dropout_ratio)

    def backward(self, dout):
        return dout * self.mask


def reference(case, x, dy):
    """Expected outputs of one case: draws, forward, packed mask, backward, inference."""
    p, mode = case["p"], case["mode"]
    u = draws(case["seed"], case["offset"], len(x))
    U = (u.astype(np.float64) + 1.0) / 2.0**24
    layer = Dropout(p)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        if mode == "Classic":
            y = layer.forward(x, U)
            dx = layer.backward(dy)
            inf = layer.forward(x, None, train_flg=False)
        else:
            mask = U > p
            s = np.float32(np.float64(1.0) / np.float64(1.0 - p))
            factor = np.where(mask, s, np.float32(0)).astype(np.float32)
            y = x * factor
            dx = dy * factor
            inf = x.copy()
            layer.mask = mask
    keep = layer.mask
    nbytes = 8 * ((len(x) + 63) // 64)
    packed = np.packbits(keep, bitorder="little").tobytes().ljust(nbytes, b"\0")
    return {
        "draws": u.astype("<u4").tobytes().hex(),
        "forward": np.asarray(y, dtype=np.float32).astype("<f4").tobytes().hex(),
        "mask": packed.hex(),
        "backward": np.asarray(dx, dtype=np.float32).astype("<f4").tobytes().hex(),
        "infer": np.asarray(inf, dtype=np.float32).astype("<f4").tobytes().hex(),
    }


def f32(h):
    return np.frombuffer(bytes.fromhex(h), dtype="<f4").astype(np.float32)


def same_bits(a, b):
    """Bit-equal float32 arrays, NaN as a class. Returns the first bad index or -1."""
    a, b = f32(a), f32(b)
    if len(a) != len(b):
        return 0
    na, nb = np.isnan(a), np.isnan(b)
    eq = (a.view(np.uint32) == b.view(np.uint32)) | (na & nb)
    bad = np.flatnonzero(~eq)
    return int(bad[0]) if len(bad) else -1


def special_inputs(rng, n):
    """Random inputs salted with NaN, ±Inf, ±0, subnormals and ±3e38."""
    x = rng.standard_normal(n).astype(np.float32) * np.float32(10)
    specials = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-45, -1e-45, 1.1754942e-38,
                         -5e-40, 3e38, -3e38, 3.4028235e38, -1.0, 1.0], dtype=np.float32)
    k = max(1, n // 5)
    idx = rng.integers(0, n, size=k) if n else np.array([], dtype=int)
    x[idx] = rng.choice(specials, size=len(idx))
    return x


def golden(path):
    rng = np.random.default_rng(20261127)
    cases = []
    ps = [0.0, 1.0, 0.5, 0.1, 1e-9, 1 - 1e-9, 0.25, 0.9, float(rng.random())]
    shapes = [(0, 0), (1, 0), (63, 0), (64, 0), (65, 3), (300, 17), (1000, 8192 - 500),
              (2048, 8192 * 3 - 1), (777, 2**64 - 300), (100, 123456789), (9000, 40)]
    def add_case(seed, off, p, mode, n):
        case = {"seed": seed, "offset": off, "p": p, "mode": mode}
        x = special_inputs(rng, n)
        dy = special_inputs(rng, n)
        case["x"] = x.astype("<f4").tobytes().hex()
        case["dy"] = dy.astype("<f4").tobytes().hex()
        case.update(reference(case, x, dy))
        cases.append(case)

    k = 0
    for n, off in shapes:
        for mode in ("Classic", "Inverted"):
            p = ps[k % len(ps)]
            k += 1
            add_case(int(rng.integers(0, 2**63)) * 2 + k % 2, off, p, mode, n)
    for p in ps:  # every p on one mid-size case per mode
        for mode in ("Classic", "Inverted"):
            add_case(7, 1000, p, mode, 200)
    doc = {
        "about": "Written by fuzz/referee.py golden with NumPy " + np.__version__ +
                 ": the stream recomputed from its specification and the book's "
                 "Dropout layer run literally. Arrays are little-endian hex.",
        "cases": cases,
    }
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {path}")


def check(path):
    with open(path) as f:
        doc = json.load(f)
    bad = 0
    elems = 0
    for ci, case in enumerate(doc["cases"]):
        x, dy = f32(case["x"]), f32(case["dy"])
        want = reference(case, x, dy)
        elems += len(x)
        for got in case["paths"]:
            where = f"case {ci} (seed={case['seed']} offset={case['offset']} n={len(x)} p={case['p']!r} {case['mode']}) path {got['path']}"
            for field in ("draws", "mask"):
                if got[field] != want[field]:
                    print(f"MISMATCH {where}: {field} differs")
                    bad += 1
            for field in ("forward", "backward", "infer"):
                i = same_bits(got[field], want[field])
                if i >= 0:
                    print(f"MISMATCH {where}: {field}[{i}]: go {f32(got[field])[i]!r} numpy {f32(want[field])[i]!r} (x={x[i]!r})")
                    bad += 1
    paths = sorted({g["path"] for c in doc["cases"] for g in c["paths"]})
    print(f"numpy {np.__version__}: {len(doc['cases'])} cases, {elems} elements, paths {', '.join(paths)}: "
          + ("all bit-identical" if bad == 0 else f"{bad} MISMATCHES"))
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("golden", "check"):
        print(__doc__)
        sys.exit(2)
    if sys.argv[1] == "golden":
        golden(sys.argv[2])
    else:
        sys.exit(check(sys.argv[2]))
