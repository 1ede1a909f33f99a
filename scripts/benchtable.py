#!/usr/bin/env python3
"""Turn `go test -bench` output (several -count runs) into the README table:
median ns/element per path and the ratio to BenchmarkCopy of the same n.

    go test -run '^$' -bench 'Forward/|ForwardNoMask/|Backward/|BackwardKey/|Infer/|Copy/' -count 5 . | tee bench.txt
    python3 scripts/benchtable.py bench.txt
"""
import re
import statistics
import sys
from collections import defaultdict

rows = defaultdict(list)
cpu = "?"
for line in open(sys.argv[1]):
    if line.startswith("cpu:"):
        cpu = line.split(":", 1)[1].strip()
    m = re.match(r"Benchmark(\w+)/(?:(\w+)/)?n=(\d+)-\d+\s+\d+\s+([\d.]+) ns/op", line)
    if m:
        op, path, n, ns = m.group(1), m.group(2) or "", int(m.group(3)), float(m.group(4))
        rows[(op, path, n)].append(ns)

med = {k: statistics.median(v) for k, v in rows.items()}
paths = sorted({p for (_, p, _) in med if p}, key=lambda p: ["avx512", "avx2", "neon", "generic"].index(p) if p in ["avx512", "avx2", "neon", "generic"] else 9)
sizes = sorted({n for (op, _, n) in med if op == "Copy"})
ops = [o for o in ["Forward", "ForwardNoMask", "Backward", "BackwardKey", "Infer"] if any(k[0] == o for k in med)]
print(f"CPU: {cpu}; median of {max(len(v) for v in rows.values())} runs; ns/element (ratio to copy() of the same n)\n")
print("| n | op | " + " | ".join(paths) + " |")
print("|---|---|" + "---|" * len(paths))
for n in sizes:
    c = med[("Copy", "", n)]
    print(f"| {n} | copy | " + " | ".join([f"{c / n:.4f}"] + [""] * (len(paths) - 1)) + " |")
    for op in ops:
        cells = []
        for p in paths:
            v = med.get((op, p, n))
            cells.append(f"{v / n:.4f} ({v / c:.2f}x)" if v else "")
        print(f"| {n} | {op} | " + " | ".join(cells) + " |")
