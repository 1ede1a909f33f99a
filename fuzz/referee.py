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
  * the inverted convention: factor = where(mask, T(1/(1-p)), 0) (the
    division in float64, one rounding to the element type T), y = x * factor,
    dx = dout * factor, inference y = x;
  * the fused ops as their unfused NumPy sequence in T: DropoutAdd
    residual + x * mask (x * factor for Inverted), BiasDropoutAdd
    residual + (x + bias) * mask, each operation rounded to T, and the
    bias gradient as the column sums of dx in row order.

Every case is run on float32 or on float64 arrays (its "dtype"): the keep
bits depend only on the key and p, the arithmetic is NumPy's in that type.

Usage:
  referee.py golden OUT.json   write the committed golden file: cases,
                               inputs and expected outputs, all from NumPy
  referee.py check IN.json     compare the Go outputs in IN.json (written by
                               fuzz/referee_test.go) bit for bit; exit 1 on
                               any difference

Arrays are stored as hex strings of little-endian bytes (floats as their
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


# The element types: NumPy dtype, little-endian storage, bits as unsigned.
DTYPES = {
    "float32": (np.float32, "<f4", np.uint32),
    "float64": (np.float64, "<f8", np.uint64),
}


def tohex(a, dtype, canonical_nan=False):
    """Little-endian hex of a as dtype ("float32", "float64") elements;
    with canonical_nan, every NaN as the positive quiet NaN."""
    t, le, _ = DTYPES[dtype]
    a = np.array(a, dtype=t)
    if canonical_nan:
        a[np.isnan(a)] = t(np.nan)
    return a.astype(le).tobytes().hex()


def column_sums(dx, nb):
    """The bias gradient as the package specifies it: the rows of nb
    elements of dx added in row order, left to right, starting from the
    first row (+0 with no rows), every add rounded to dx's type. (NumPy's
    own dx.reshape(-1, nb).sum(axis=0) sums pairwise when nb is 1.)"""
    rows = dx.reshape(-1, nb)
    if len(rows) == 0:
        return np.zeros(nb, dtype=dx.dtype)
    # accumulate is that loop: out[0] = rows[0], out[r] = out[r-1] + rows[r].
    return np.add.accumulate(rows, axis=0)[-1]


def reference(case, x, dy, res, bias):
    """Expected outputs of one case: draws, forward, packed mask, backward,
    inference, DropoutAdd, BiasDropoutAdd and its bias gradient, computed
    on arrays of x's type."""
    p, mode, dtype = case["p"], case["mode"], case.get("dtype", "float32")
    t = DTYPES[dtype][0]
    assert x.dtype == dy.dtype == res.dtype == bias.dtype == t
    u = draws(case["seed"], case["offset"], len(x))
    U = (u.astype(np.float64) + 1.0) / 2.0**24
    nb = len(bias)
    layer = Dropout(p)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        xb = (x.reshape(-1, nb) + bias).reshape(-1)  # bias broadcast over the rows
        if mode == "Classic":
            y = layer.forward(x, U)
            dx = layer.backward(dy)
            inf = layer.forward(x, None, train_flg=False)
            add = res + layer.forward(x, U)
            badd = res + layer.forward(xb, U)
        else:
            mask = U > p
            s = t(np.float64(1.0) / np.float64(1.0 - p))
            factor = np.where(mask, s, t(0)).astype(t)
            y = x * factor
            dx = dy * factor
            inf = x.copy()
            add = res + x * factor
            badd = res + xb * factor
            layer.mask = mask
        dbias = column_sums(dx, nb)
    for a in (y, dx, inf, add, badd, dbias):
        assert a.dtype == t, (a.dtype, t)
    keep = layer.mask
    nbytes = 8 * ((len(x) + 63) // 64)
    packed = np.packbits(keep, bitorder="little").tobytes().ljust(nbytes, b"\0")
    return {
        "draws": u.astype("<u4").tobytes().hex(),
        "forward": tohex(y, dtype),
        "mask": packed.hex(),
        "backward": tohex(dx, dtype),
        "infer": tohex(inf, dtype),
        # Sums can add two NaNs, and which payload NumPy keeps then depends
        # on the arrays' addresses (its vector and scalar loops take the
        # operands in different orders): stored canonical, so that the file
        # is reproduced byte for byte. (Products have at most one NaN
        # operand, whose payload is kept as NumPy computed it.)
        "dropout_add": tohex(add, dtype, canonical_nan=True),
        "bias_dropout_add": tohex(badd, dtype, canonical_nan=True),
        "dbias": tohex(dbias, dtype, canonical_nan=True),
    }


def floats(h, dtype="float32"):
    t, le, _ = DTYPES[dtype]
    return np.frombuffer(bytes.fromhex(h), dtype=le).astype(t)


def same_bits(a, b, dtype="float32"):
    """Bit-equal float arrays, NaN as a class. Returns the first bad index or -1."""
    a, b = floats(a, dtype), floats(b, dtype)
    if len(a) != len(b):
        return 0
    bits = DTYPES[dtype][2]
    na, nb = np.isnan(a), np.isnan(b)
    eq = (a.view(bits) == b.view(bits)) | (na & nb)
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


# float64 inputs where a float32 detour, a select, a fused multiply-add or a
# zero test would show: NaNs (quiet, signaling, negative, payloads), ±Inf,
# ±0, subnormals, the smallest normals, ±max, values float32 cannot hold
# (too big, too small, too many digits), and values whose products
# overflow.
SPECIALS64 = np.array([
    0x7FF8000000000000, 0xFFF8000000000000, 0x7FF0000000000001, 0x7FF7FFFFFFFFFFFF,
    0x7FF8000000000001, 0xFFF0123456789ABC, 0x7FFFFFFFFFFFFFFF,  # NaNs
    0x7FF0000000000000, 0xFFF0000000000000,  # ±Inf
    0x0000000000000000, 0x8000000000000000,  # ±0
    0x0000000000000001, 0x8000000000000001, 0x000FFFFFFFFFFFFF, 0x800FFFFFFFFFFFFF,
    0x0008000000000000, 0x80012345ABCDEF01,  # subnormals
    0x0010000000000000, 0x8010000000000000,  # ±smallest normal
    0x7FEFFFFFFFFFFFFF, 0xFFEFFFFFFFFFFFFF,  # ±max
    0x7FE1CCF385EBC8A0, 0xFFE1CCF385EBC8A0,  # ±1e308: times s > 1.12 overflows
    0x47EFFFFFE0000000, 0x47EFFFFFE0000001, 0x47F0000000000000,  # float32 max, just above, 2^128
    0x3690000000000000, 0xB680000000000000,  # 2^-150, -2^-151: below float32's subnormals
    0x3FF0000000000001, 0x4170000010000000,  # 1+2^-52, 2^24+1
    0x3FB999999999999A, 0xBFD5555555555555,  # 0.1, -1/3
    0x3FF0000000000000, 0xBFF0000000000000, 0x3FE0000000000000,  # 1, -1, 0.5
], dtype=np.uint64)


def special_inputs64(rng, n):
    """float64 inputs: a quarter from SPECIALS64, an eighth any bit pattern,
    a quarter finite of any exponent, the rest normally distributed (full
    53-bit significands)."""
    kind = rng.integers(0, 8, size=n)
    bits = rng.integers(0, 2**64, size=n, dtype=np.uint64, endpoint=False)
    anyexp = (bits & ~np.uint64(0x7FF << 52)) | (rng.integers(0, 0x7FF, size=n).astype(np.uint64) << np.uint64(52))
    out = (rng.standard_normal(n) * 10).view(np.uint64)
    out = np.where(kind < 2, rng.choice(SPECIALS64, size=n), out)
    out = np.where(kind == 2, bits, out)
    out = np.where((kind == 3) | (kind == 4), anyexp, out)
    return out.view(np.float64)


def bias_len(rng, n):
    """A bias length dividing n (any when n is 0)."""
    if n == 0:
        return int(rng.integers(1, 5))
    divisors = [d for d in range(1, n + 1) if n % d == 0]
    return int(rng.choice(divisors))


def edge_ps(u, j):
    """Drop probabilities at the keep rule's edge for element j, whose draw
    is u[j]: T = floor(p * 2^24) lands on u[j] (kept: U_j > p) or u[j]+1
    (dropped: U_j == p), with p a multiple of 2^-24 or one ulp off it; a
    threshold computed from float32(p) would keep or drop element j
    wrongly for the ulp-off ones."""
    k = int(u[j])
    return [k / 2.0**24,  # T = u[j]: kept
            (k + 1) / 2.0**24,  # T = u[j]+1: dropped, U_j == p
            float(np.nextafter((k + 1) / 2.0**24, 0.0)),  # T = u[j]: kept, p a hair below U_j
            float(np.nextafter(k / 2.0**24, 1.0))]  # T = u[j]: kept


def golden(path):
    rng = np.random.default_rng(20261127)
    rng2 = np.random.default_rng(20261128)  # residuals and biases of the float32 cases
    rng64 = np.random.default_rng(20261129)  # everything of the float64 cases
    cases = []
    ps = [0.0, 1.0, 0.5, 0.1, 1e-9, 1 - 1e-9, 0.25, 0.9, float(rng.random())]
    shapes = [(0, 0), (1, 0), (63, 0), (64, 0), (65, 3), (300, 17), (1000, 8192 - 500),
              (2048, 8192 * 3 - 1), (777, 2**64 - 300), (100, 123456789), (9000, 40)]

    def add_case(seed, off, p, mode, n, dtype="float32"):
        case = {"seed": seed, "offset": off, "p": p, "mode": mode, "dtype": dtype}
        if dtype == "float32":
            x = special_inputs(rng, n)
            dy = special_inputs(rng, n)
            res = special_inputs(rng2, n)
            bias = special_inputs(rng2, bias_len(rng2, n))
        else:
            x = special_inputs64(rng64, n)
            dy = special_inputs64(rng64, n)
            res = special_inputs64(rng64, n)
            bias = special_inputs64(rng64, bias_len(rng64, n))
        case["x"] = tohex(x, dtype)
        case["dy"] = tohex(dy, dtype)
        case["residual"] = tohex(res, dtype)
        case["bias"] = tohex(bias, dtype)
        case.update(reference(case, x, dy, res, bias))
        cases.append(case)

    # float32 (the cases before float64 existed: their keys, p and inputs
    # are unchanged)
    k = 0
    for n, off in shapes:
        for mode in ("Classic", "Inverted"):
            p = ps[k % len(ps)]
            k += 1
            add_case(int(rng.integers(0, 2**63)) * 2 + k % 2, off, p, mode, n)
    for p in ps:  # every p on one mid-size case per mode
        for mode in ("Classic", "Inverted"):
            add_case(7, 1000, p, mode, 200)

    # float64: sizes around the vector widths (2, 4, 8 float64), the
    # 64-element mask words and the 8192-element blocks, at offsets that cut
    # words and blocks; each p on a mid-size case; and p at the keep rule's
    # edge for a draw of the case. The same key and p as float32 must give
    # the same mask (golden_test checks it against Dropout[float32]).
    shapes64 = [(0, 0), (1, 0), (2, 1), (3, 0), (4, 0), (5, 2), (7, 0), (8, 0), (9, 3),
                (15, 1), (16, 0), (17, 5), (31, 0), (32, 0), (33, 7), (63, 0), (64, 0),
                (65, 3), (127, 1), (128, 0), (129, 64), (191, 8192 - 64), (300, 17),
                (600, 8192 - 300), (1000, 8192 - 500), (2048, 8192 * 3 - 1),
                (777, 2**64 - 300), (100, 123456789), (9000, 40)]
    ps64 = ps + [1 / 3, 0.3, 1 - 2**-24, 2**-24]
    k = 0
    for n, off in shapes64:
        for mode in ("Classic", "Inverted"):
            if n == 9000 and mode == "Classic":
                continue  # one mode is enough for the big one
            p = ps64[k % len(ps64)]
            k += 1
            add_case(int(rng64.integers(0, 2**63)) * 2 + k % 2, off, p, mode, n, "float64")
    for p in ps64:
        for mode in ("Classic", "Inverted"):
            add_case(11, 5000, p, mode, 130, "float64")

    # Both types: p at the edge of the keep rule for one element's draw.
    for dtype, g in (("float32", rng2), ("float64", rng64)):
        for mode in ("Classic", "Inverted"):
            seed, off, n = int(g.integers(0, 2**63)), int(g.integers(0, 2**40)), 130
            j = int(g.integers(0, n))
            for p in edge_ps(draws(seed, off, n), j):
                add_case(seed, off, p, mode, n, dtype)

    doc = {
        "about": "Written by fuzz/referee.py golden with NumPy " + np.__version__ +
                 ": the stream recomputed from its specification and the book's "
                 "Dropout layer run literally, on float32 and float64 arrays "
                 "(each case's dtype). Arrays are little-endian hex.",
        "cases": cases,
    }
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    n64 = sum(c["dtype"] == "float64" for c in cases)
    print(f"wrote {len(cases)} cases ({len(cases) - n64} float32, {n64} float64) to {path}")


def check(path):
    with open(path) as f:
        doc = json.load(f)
    bad = 0
    elems = {}
    for ci, case in enumerate(doc["cases"]):
        dtype = case.get("dtype", "float32")
        x, dy = floats(case["x"], dtype), floats(case["dy"], dtype)
        res, bias = floats(case["residual"], dtype), floats(case["bias"], dtype)
        want = reference(case, x, dy, res, bias)
        elems[dtype] = elems.get(dtype, 0) + len(x)
        for got in case["paths"]:
            where = (f"case {ci} ({dtype} seed={case['seed']} offset={case['offset']} n={len(x)} "
                     f"p={case['p']!r} {case['mode']}) path {got['path']}")
            for field in ("draws", "mask"):
                if got[field] != want[field]:
                    print(f"MISMATCH {where}: {field} differs")
                    bad += 1
            for field in ("forward", "backward", "infer", "dropout_add", "bias_dropout_add", "dbias"):
                i = same_bits(got[field], want[field], dtype)
                if i >= 0:
                    g, w = floats(got[field], dtype), floats(want[field], dtype)
                    name, arr = {"backward": ("dy", dy), "dbias": ("", ())}.get(field, ("x", x))
                    extra = f" ({name}={arr[i]!r})" if i < len(arr) else ""
                    print(f"MISMATCH {where}: {field}[{i}]: go {g[i] if i < len(g) else None!r} "
                          f"numpy {w[i] if i < len(w) else None!r}{extra}")
                    bad += 1
    paths = sorted({g["path"] for c in doc["cases"] for g in c["paths"]})
    counts = ", ".join(f"{v} {k}" for k, v in sorted(elems.items()))
    print(f"numpy {np.__version__}: {len(doc['cases'])} cases, elements {counts}, paths {', '.join(paths)}: "
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
