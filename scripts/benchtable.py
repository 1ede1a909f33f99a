#!/usr/bin/env python3
"""Turn `go test -bench` output (several -count runs) into the README table:
median ns/element per dtype, size and path, and the ratio to copy() of the
same slice: the median of the rows' own xcopy metric (copy() timed right
after the row, bench_test.go) when they report one, else the ratio to
BenchmarkCopy of the same dtype and n (run minutes apart); then the float64
targets.

    go test -run '^$' -bench 'Forward/|ForwardNoMask/|Backward/|BackwardKey/|Infer/|Copy/' -count 5 . -args -dropout.full | tee bench.out
    python3 scripts/benchtable.py bench.out

Names are Benchmark<Op>/<dtype>/<path>/n=<n> and BenchmarkCopy/<dtype>/n=<n>
(bench_test.go); the older names without a dtype (Benchmark<Op>/<path>/n=<n>)
read as float32.
"""
import re
import statistics
import sys
from collections import defaultdict

SIZE = {"float32": 4, "float64": 8}
PATHS = ["avx512", "avx2", "neon", "generic"]
OPS = ["Forward", "ForwardNoMask", "Backward", "BackwardKey", "Infer"]
# The float64 targets: (op, bytes of x, limit, against): against "copy" is
# the ratio to copy() of the same float64 slice, "float32" the float64 time
# per element over the float32 one of the same path and bytes of x.
TARGETS = [
    ("Forward", 64 << 20, 0.80, "copy"),
    ("Forward", 1 << 20, 1.5, "copy"),
    ("Backward", 64 << 20, 1.05, "copy"),
    ("Infer", 64 << 20, 1.05, "copy"),
    ("Forward", 16 << 10, 1.3, "float32"),
]

LINE = re.compile(r"Benchmark(\w+)/(?:(float32|float64)/)?(?:(\w+)/)?n=(\d+)-\d+\s+\d+\s+([\d.]+) ns/op")
XCOPY = re.compile(r"\s([\d.]+) xcopy")


def byte_size(b):
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if b >= 1 << shift and b % (1 << shift) == 0:
            return "%d %s" % (b >> shift, unit)
    return "%d B" % b


def main(path):
    rows = defaultdict(list)
    xcopies = defaultdict(list)
    cpu = "?"
    for line in open(path):
        if line.startswith("cpu:"):
            cpu = line.split(":", 1)[1].strip()
        m = LINE.match(line)
        if m:
            op, dtype, kpath, n, ns = m.group(1), m.group(2) or "float32", m.group(3) or "", int(m.group(4)), float(m.group(5))
            rows[(op, dtype, kpath, n)].append(ns)
            x = XCOPY.search(line)
            if x:
                xcopies[(op, dtype, kpath, n)].append(float(x.group(1)))
    if not rows:
        sys.exit("%s: no benchmark lines" % path)

    med = {k: statistics.median(v) for k, v in rows.items()}
    xmed = {k: statistics.median(v) for k, v in xcopies.items()}

    def against_copy(k, c):
        """The row k's ratio to copy(): its xcopy, else its time over c's."""
        if k in xmed:
            return xmed[k]
        v = med.get(k)
        return v / c if v and c else None
    paths = sorted({p for (_, _, p, _) in med if p}, key=lambda p: PATHS.index(p) if p in PATHS else 9)
    dtypes = [d for d in SIZE if any(k[1] == d for k in med)]
    # (bytes of x, dtype, n) of every copy row, by bytes then dtype.
    sizes = sorted({(n * SIZE[d], dtypes.index(d), d, n) for (op, d, _, n) in med if op == "Copy"})
    ops = [o for o in OPS if any(k[0] == o for k in med)]

    how = "its xcopy: copy() of the same slices right after it" if xmed else "BenchmarkCopy of the same dtype and n"
    print(f"CPU: {cpu}; median of {max(len(v) for v in rows.values())} runs; ns/element (ratio to copy(): {how})\n")
    print("| x | dtype | n | op | " + " | ".join(paths) + " |")
    print("|---|---|---|---|" + "---|" * len(paths))
    for b, _, d, n in sizes:
        c = med[("Copy", d, "", n)]
        lead = f"| {byte_size(b)} | {d} | {n} |"
        print(f"{lead} copy | " + " | ".join([f"{c / n:.4f}"] + [""] * (len(paths) - 1)) + " |")
        for op in ops:
            cells = []
            for p in paths:
                v = med.get((op, d, p, n))
                cells.append(f"{v / n:.4f} ({against_copy((op, d, p, n), c):.2f}x)" if v else "")
            print(f"{lead} {op} | " + " | ".join(cells) + " |")

    # The float64 targets, for the sizes measured.
    def ratio(op, p, b, against):
        n64 = b // 8
        v, c = med.get((op, "float64", p, n64)), med.get(("Copy", "float64", "", n64))
        if against == "copy":
            return against_copy((op, "float64", p, n64), c) if v else None
        n32 = b // 4
        v32 = med.get((op, "float32", p, n32))
        return (v / n64) / (v32 / n32) if v and v32 else None

    targets = [t for t in TARGETS if any(ratio(t[0], p, t[1], t[3]) is not None for p in paths)]
    if targets:
        print("\nfloat64 targets: time / time of copy() of the same float64 slice, or (vs float32) float64 time per element / float32 time per element, same path and bytes of x\n")
        head = ["%s %s %s <= %g" % (op, byte_size(b), "vs copy" if a == "copy" else "vs float32", lim) for op, b, lim, a in targets]
        print("| path | " + " | ".join(head) + " |")
        print("|---|" + "---|" * len(head))
        for p in paths:
            cells = []
            for op, b, lim, a in targets:
                r = ratio(op, p, b, a)
                cells.append("" if r is None else "%.3fx %s" % (r, "holds" if r <= lim else "MISSED"))
            print(f"| {p} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
