# Timing worker for the numpy and torch rows of github.com/dropkernel/dropout/bench.
#
# Started once by the Go harness as `python3 pyworker.py P THREADS`; it times
# itself with time.perf_counter and talks JSON, one object per line:
#   first line out: {"numpy": {"ok": true, "version": ...} | {"ok": false, "reason": ...}, "torch": {...}}
#   in:  {"lib": "numpy"|"torch", "op": "Forward"|"Backward"|"Infer", "n": N, "k": K}
#   out: {"t": seconds spent in the K calls} or {"err": "..."}
#   in:  {"free": true}  (drop the arrays of the previous size)
# so that the harness can interleave these rows with its own, repetition by
# repetition, like every other row.
import json
import sys
import time
import traceback

p = float(sys.argv[1])
threads = int(sys.argv[2])
libs = {}
status = {}

try:
    import numpy as np

    libs["numpy"] = np
    status["numpy"] = {"ok": True, "version": np.__version__}
except Exception as e:  # noqa: BLE001 - any import failure is a skip reason
    status["numpy"] = {"ok": False, "reason": "numpy does not import: %s" % (str(e).splitlines() or [type(e).__name__])[0]}

try:
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(threads)
    libs["torch"] = torch
    status["torch"] = {"ok": True, "version": torch.__version__, "threads": torch.get_num_threads()}
except Exception as e:  # noqa: BLE001
    status["torch"] = {"ok": False, "reason": "torch does not import: %s" % (str(e).splitlines() or [type(e).__name__])[0]}

print(json.dumps(status), flush=True)

data = {}  # (lib, n) -> arrays


def arrays(lib, n):
    key = (lib, n)
    if key in data:
        return data[key]
    if lib == "numpy":
        rng = np.random.default_rng(n)
        x = rng.uniform(-1, 1, n).astype(np.float32)
        dout = rng.uniform(-1, 1, n).astype(np.float32)
        mask = np.random.rand(*x.shape) > p
        d = {"x": x, "dout": dout, "mask": mask}
    else:
        g = torch.Generator().manual_seed(n)
        x = (torch.rand(n, generator=g) * 2 - 1).requires_grad_(True)
        dy = torch.rand(n, generator=g) * 2 - 1
        d = {"x": x, "dy": dy}
    data[key] = d
    return d


def run(lib, op, n, k):
    d = arrays(lib, n)
    pc = time.perf_counter
    if lib == "numpy":
        x, dout, mask = d["x"], d["dout"], d["mask"]
        if op == "Forward":  # the book's layer, train_flg=True
            t0 = pc()
            for _ in range(k):
                mask = np.random.rand(*x.shape) > p
                y = x * mask
            t = pc() - t0
            d["mask"] = mask
            return t
        if op == "Backward":  # dx = dout * self.mask
            t0 = pc()
            for _ in range(k):
                dx = dout * mask
            return pc() - t0
        if op == "Infer":  # x * (1.0 - self.dropout_ratio)
            t0 = pc()
            for _ in range(k):
                y = x * (1.0 - p)
            return pc() - t0
    else:
        x, dy = d["x"], d["dy"]
        if op == "Forward":  # training forward on a tensor that requires grad
            t0 = pc()
            for _ in range(k):
                y = F.dropout(x, p, training=True)
            return pc() - t0
        if op == "Backward":  # autograd through the dropout only
            t = 0.0
            for _ in range(k):
                y = F.dropout(x, p, training=True)
                t0 = pc()
                (dx,) = torch.autograd.grad(y, x, dy)
                t += pc() - t0
            return t
    raise ValueError("no %s for %s" % (op, lib))


for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    try:
        cmd = json.loads(line)
        if cmd.get("free"):
            data.clear()
            print(json.dumps({"t": 0}), flush=True)
            continue
        t = run(cmd["lib"], cmd["op"], int(cmd["n"]), int(cmd["k"]))
        print(json.dumps({"t": t}), flush=True)
    except Exception as e:  # noqa: BLE001 - reported to the harness as the cell's error
        print(json.dumps({"err": "%s: %s" % (type(e).__name__, e), "trace": traceback.format_exc()}), flush=True)
