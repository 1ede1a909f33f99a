# Timing worker for the numpy and torch rows of github.com/dropkernel/dropout/bench.
#
# Started once by the Go harness as `python3 pyworker.py P THREADS CLOCK`; it
# times itself with time.perf_counter (CLOCK "wall") or time.thread_time
# (CLOCK "thread", -clock thread: CPU time of this thread) and talks JSON,
# one object per line:
#   first line out: {"numpy": {"ok": true, "version": ...} | {"ok": false, "reason": ...}, "torch": {...}}
#   in:  {"lib": "numpy"|"torch", "op": "Forward"|"Backward"|"Infer"|..., "variant": "",
#         "dtype": "float32"|"float64", "n": N, "k": K}
#        (the ops of the -ops groups: "BiasDropoutAdd", "BiasDropoutAddBackward",
#        "ForwardChannels", "BackwardChannels",
#        "Mask unpack" and "Mask pack" with variant "bytes", "bools", "float32s" or "float64s",
#        "Forward, subnormal inputs" (and Backward, Infer) with variant "0" or "10",
#        the percentage of subnormal values of the dtype in x and dout)
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
clock = time.thread_time if len(sys.argv) > 3 and sys.argv[3] == "thread" else time.perf_counter
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
    # A fused dropout-add operator, if this torch has one (hasattr is False
    # for an operator torch.ops.aten does not know).
    fused_add = [f for f in ("dropout_add", "native_dropout_add", "fused_dropout_add", "bias_dropout_add") if hasattr(torch.ops.aten, f)]
    status["torch"]["fused_add"] = fused_add[0] if fused_add else ""
    status["torch"]["aten_dropout"] = sorted(f for f in dir(torch.ops.aten) if "dropout" in f.lower())
except Exception as e:  # noqa: BLE001
    status["torch"] = {"ok": False, "reason": "torch does not import: %s" % (str(e).splitlines() or [type(e).__name__])[0]}

print(json.dumps(status), flush=True)

data = {}  # (lib, n, dtype) -> arrays


def np_dtype(dtype):
    return {"float32": np.float32, "float64": np.float64}[dtype]


def torch_dtype(dtype):
    return {"float32": torch.float32, "float64": torch.float64}[dtype]


def arrays(lib, n, dtype):
    """The classic operands: x and dout (dy) of dtype, the book's mask."""
    key = (lib, n, dtype)
    if key in data:
        return data[key]
    if lib == "numpy":
        rng = np.random.default_rng(n)
        x = rng.uniform(-1, 1, n).astype(np_dtype(dtype))
        dout = rng.uniform(-1, 1, n).astype(np_dtype(dtype))
        mask = np.random.rand(*x.shape) > p
        d = {"x": x, "dout": dout, "mask": mask}
    else:
        g = torch.Generator().manual_seed(n)
        t = torch_dtype(dtype)
        x = (torch.rand(n, generator=g, dtype=t) * 2 - 1).requires_grad_(True)
        dy = torch.rand(n, generator=g, dtype=t) * 2 - 1
        d = {"x": x, "dy": dy}
    data[key] = d
    return d


ROW = 1024  # row length of the fused ops (bias length) and channel size


def extra(lib, n, dtype):
    """Operands of the -ops groups, made on first use at size n."""
    d = arrays(lib, n, dtype)
    if "res" in d:
        return d
    if lib == "numpy":
        rng = np.random.default_rng(n + 1)
        d["res"] = rng.uniform(-1, 1, n).astype(np_dtype(dtype))
        d["bias"] = rng.uniform(-1, 1, ROW).astype(np_dtype(dtype))
        d["cmask"] = rng.random(n // ROW) > p  # a channel mask, one per ROW elements
        bits = rng.random(n) > p
        d["packed"] = np.packbits(bits, bitorder="little")
        d["bools"] = bits
        d["bytes"] = bits.astype(np.uint8)
        d["float32s"] = bits.astype(np.float32)
        d["float64s"] = bits.astype(np.float64)
    else:
        g = torch.Generator().manual_seed(n + 1)
        t = torch_dtype(dtype)
        d["res"] = torch.rand(n, generator=g, dtype=t) * 2 - 1
        d["bias"] = (torch.rand(ROW, generator=g, dtype=t) * 2 - 1).requires_grad_(True)
    return d


def timed_grad(k, forward, inputs, dy):
    """Seconds spent in k autograd passes torch.autograd.grad(y, inputs, dy),
    each through a new y = forward() made untimed before it."""
    pc = clock
    t = 0.0
    for _ in range(k):
        y = forward()
        t0 = pc()
        grads = torch.autograd.grad(y, inputs, dy)  # noqa: F841 - held like the callers' dx until the next pass
        t += pc() - t0
    return t


def run_extra(lib, op, variant, n, k, dtype):
    pc = clock
    if op in ("BiasDropoutAdd", "BiasDropoutAddBackward", "ForwardChannels", "BackwardChannels") and n % ROW:
        raise ValueError("n = %d is not a multiple of %d" % (n, ROW))
    d = extra(lib, n, dtype)
    if lib == "numpy":
        if op == "BiasDropoutAdd":  # the book's style: mask drawn per call, no scale
            x, bias, res = d["x"].reshape(-1, ROW), d["bias"], d["res"].reshape(-1, ROW)
            t0 = pc()
            for _ in range(k):
                mask = np.random.rand(*x.shape) > p
                y = res + (x + bias) * mask
            return pc() - t0
        if op == "BiasDropoutAddBackward":  # dx = dout * mask, dbias = column sums
            dout, mask = d["dout"].reshape(-1, ROW), d["mask"].reshape(-1, ROW)
            t0 = pc()
            for _ in range(k):
                dx = dout * mask
                dbias = dx.sum(axis=0)
            return pc() - t0
        if op == "BackwardChannels":  # dx = dout * mask, one bit per channel
            dout, cmask = d["dout"].reshape(-1, ROW), d["cmask"][:, None]
            t0 = pc()
            for _ in range(k):
                dx = dout * cmask
            return pc() - t0
        if op == "ForwardChannels":  # one uniform per channel of ROW elements
            x = d["x"].reshape(-1, ROW)
            t0 = pc()
            for _ in range(k):
                u = np.random.rand(x.shape[0])
                y = x * (u[:, None] > p)
            return pc() - t0
        if op == "Mask unpack":
            packed = d["packed"]
            t0 = pc()
            if variant == "bytes":
                for _ in range(k):
                    m = np.unpackbits(packed, count=n, bitorder="little")
            elif variant == "bools":
                for _ in range(k):
                    m = np.unpackbits(packed, count=n, bitorder="little").view(np.bool_)
            elif variant in ("float32s", "float64s"):
                t = np.float32 if variant == "float32s" else np.float64
                for _ in range(k):
                    m = np.unpackbits(packed, count=n, bitorder="little").astype(t)
            else:
                raise ValueError("no variant %r" % variant)
            return pc() - t0
        if op == "Mask pack":
            src = d[variant]
            t0 = pc()
            if variant in ("float32s", "float64s"):
                for _ in range(k):
                    m = np.packbits(src != 0, bitorder="little")
            else:
                for _ in range(k):
                    m = np.packbits(src, bitorder="little")
            return pc() - t0
    else:
        if op == "BiasDropoutAdd":
            x = d["x"].view(-1, ROW)
            bias, res = d["bias"], d["res"].view(-1, ROW)
            if variant == "fused":  # the aten operator found at start-up
                f = getattr(torch.ops.aten, status["torch"]["fused_add"])
                t0 = pc()
                for _ in range(k):
                    y = f(x + bias, res, p, True)
                return pc() - t0
            t0 = pc()
            for _ in range(k):
                y = res + F.dropout(x + bias, p, training=True)
            return pc() - t0
        if op == "ForwardChannels":  # Dropout2d on (1, C, 32, 32)
            x = d["x"].view(1, -1, 32, 32)
            t0 = pc()
            for _ in range(k):
                y = F.dropout2d(x, p, training=True)
            return pc() - t0
        if op == "BiasDropoutAddBackward":  # autograd: gradients of x and bias
            x = d["x"].view(-1, ROW)
            bias, res, dy = d["bias"], d["res"].view(-1, ROW), d["dy"].view(-1, ROW)
            return timed_grad(k, lambda: res + F.dropout(x + bias, p, training=True), (x, bias), dy)
        if op == "BackwardChannels":  # autograd through Dropout2d only
            x, dy = d["x"].view(1, -1, 32, 32), d["dy"].view(1, -1, 32, 32)
            return timed_grad(k, lambda: F.dropout2d(x, p, training=True), x, dy)
    raise ValueError("no %s for %s" % (op, lib))


SUBNORMAL = ", subnormal inputs"


def subnormal(lib, n, pct, dtype):
    """The classic operands with pct percent of x and dout (at random
    positions) replaced by random subnormal values of dtype of either sign."""
    if lib != "numpy":
        raise ValueError("no subnormal inputs for %s" % lib)
    key = (lib, n, dtype, "subnormal", pct)
    if key in data:
        return data[key]
    d = dict(arrays(lib, n, dtype))
    if pct:
        rng = np.random.default_rng(n + 3)
        u, mant, sign = (np.uint32, 23, 31) if dtype == "float32" else (np.uint64, 52, 63)
        for name in ("x", "dout"):
            a = d[name].copy()
            pos = rng.random(n) < pct / 100
            m = int(pos.sum())
            bits = rng.integers(1, 1 << mant, size=m, dtype=u) | (rng.integers(0, 2, size=m, dtype=u) << u(sign))
            a[pos] = bits.view(np_dtype(dtype))
            d[name] = a
    data[key] = d
    return d


def run(lib, op, n, k, variant="", dtype="float32"):
    if op.endswith(SUBNORMAL):  # the classic ops on inputs with variant percent subnormal values
        return run_classic(lib, op[: -len(SUBNORMAL)], k, subnormal(lib, n, int(variant), dtype))
    if op not in ("Forward", "Backward", "Infer"):
        return run_extra(lib, op, variant, n, k, dtype)
    return run_classic(lib, op, k, arrays(lib, n, dtype))


def run_classic(lib, op, k, d):
    pc = clock
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
            return timed_grad(k, lambda: F.dropout(x, p, training=True), x, dy)
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
        t = run(cmd["lib"], cmd["op"], int(cmd["n"]), int(cmd["k"]), cmd.get("variant", ""), cmd.get("dtype", "float32"))
        print(json.dumps({"t": t}), flush=True)
    except Exception as e:  # noqa: BLE001 - reported to the harness as the cell's error
        print(json.dumps({"err": "%s: %s" % (type(e).__name__, e), "trace": traceback.format_exc()}), flush=True)
