# PyTorch's side of `npm run bench -- --kernels`: times the kernels scripts/bench/kernels.ts lists
# (passed as JSON in argv[1]) the way HF transformers' T5 runs them (nn.Linear's F.linear with the
# weight as [out, in], torch.softmax, elementwise ops), with the same timing rule, and prints one
# JSON line. Runs in the peer's venv: python torch_kernels.py '<json>'
import json
import sys
import time

import torch
import torch.nn.functional as F


def machine_busy_s():
    """Busy CPU seconds of the whole machine since boot (/proc/stat, 100 ticks/s), or None."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
        return (sum(v) - v[3] - v[4]) / 100
    except OSError:
        return None


def main(spec):
    w0, s0, m0 = time.perf_counter(), time.process_time(), machine_busy_s()
    torch.set_num_threads(spec["threads"])
    torch.manual_seed(0)
    reps = spec["reps"]
    out = []
    with torch.inference_mode():
        for k in spec["kernels"]:
            if k["op"] == "linear":
                x = torch.randn(*k["rows"], k["in"])
                ws = [torch.randn(k["out"], k["in"]) for _ in range(k["copies"])]
                call = lambda i: F.linear(x, ws[i % len(ws)])
            else:
                a, b = torch.randn(*k["shape"]), torch.randn(*k["shape"])
                call = {
                    "mul": lambda i: a * b,
                    "add": lambda i: a + b,
                    "sigmoid": lambda i: torch.sigmoid(a),
                    "softmax": lambda i: torch.softmax(a, dim=-1),
                }[k["op"]]
            for i in range(max(3, k["copies"])):
                call(i)
            times = []
            t0, c0 = time.perf_counter(), time.process_time()
            while len(times) < reps["max"] and (len(times) < reps["min"] or (time.perf_counter() - t0) * 1e3 < reps["minMs"]):
                s = time.perf_counter()
                call(len(times))
                times.append((time.perf_counter() - s) * 1e3)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            times.sort()
            out.append({"name": k["name"], "ms_median": round(times[len(times) // 2], 4), "cores": round(cpu / wall, 2), "calls": len(times)})
    wall, m1 = time.perf_counter() - w0, machine_busy_s()
    other = None if m0 is None or m1 is None else round(max(0.0, (m1 - m0 - (time.process_time() - s0)) / wall), 2)
    print(json.dumps({"kernels": out, "cpu_cores_other": other, "env": {"torch": torch.__version__, "threads": torch.get_num_threads()}}))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
