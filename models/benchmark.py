"""Times the challenge models with onnxruntime (CPU) to choose each model's CPU batch size.

    $HOME/.cache/poai-venv/bin/python models/benchmark.py [--threads 2] [--target 1.0]

For growing batch sizes, runs the model with `--threads` intra-op threads and ORT_ENABLE_ALL and
prints the median wall time of one `run` (inputs prepared beforehand: the Rust worker generates
them with Blake2, which is not what is timed here), the throughput, and the batch size that
takes `--target` seconds, rounded down to a multiple of 64. The figures behind the CPU batch
sizes in make_models.py (CPU_BATCH) come from this script; see docs/MODELS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import poai_inputs  # noqa: E402


def session(path: str, threads: int) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])


def time_run(sess, feed_name: str, x: np.ndarray, repeats: int) -> float:
    sess.run(None, {feed_name: x})  # warm-up: allocations, thread pool
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        sess.run(None, {feed_name: x})
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--target", type=float, default=1.0, help="seconds per CPU batch")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    records = json.load(open(os.path.join(HERE, "models.json")))
    print(f"onnxruntime {ort.__version__}, {os.cpu_count()} CPUs, {args.threads} intra-op threads, ORT_ENABLE_ALL")
    for record in records:
        sess = session(os.path.join(HERE, record["name"] + ".onnx"), args.threads)
        spec = record["input"]
        # Distinct generated samples, tiled up to the largest batch (timing does not depend on
        # the values, and generating 10^5 samples in Python would take minutes).
        base = poai_inputs.generate_batch(spec, bytes([0x01]) * 32, range(256))
        print(f"\n{record['name']}: {record['flopsPerSample']} FLOPs per sample")
        print(f"{'batch':>8} {'median s':>10} {'samples/s':>11} {'GFLOP/s':>8}")
        batch = 64
        while True:
            x = np.ascontiguousarray(np.resize(base, (batch,) + base.shape[1:]))
            seconds = time_run(sess, spec["name"], x, args.repeats)
            rate = batch / seconds
            print(f"{batch:>8} {seconds:>10.4f} {rate:>11.0f} {rate * record['flopsPerSample'] / 1e9:>8.2f}")
            if seconds >= args.target or batch >= 1 << 16:
                break
            batch *= 2
        if seconds < args.target:
            print(f"one second takes more than {batch} samples (MAX_BATCH_SIZE is 65536)")
            one_second = None
        else:
            # Two secant steps from the last measurement towards the target time.
            for _ in range(2):
                batch = max(64, int(batch * args.target / seconds) // 64 * 64)
                x = np.ascontiguousarray(np.resize(base, (batch,) + base.shape[1:]))
                seconds = time_run(sess, spec["name"], x, args.repeats)
                print(f"{batch:>8} {seconds:>10.4f} {batch / seconds:>11.0f} "
                      f"{batch / seconds * record['flopsPerSample'] / 1e9:>8.2f}")
            one_second = batch
            print(f"about {args.target:g} s per batch: {one_second} samples")
        cpu = record["tiers"][0]["batchSize"]
        x = np.ascontiguousarray(np.resize(base, (cpu,) + base.shape[1:]))
        seconds = time_run(sess, spec["name"], x, args.repeats)
        print(f"models.json: CPU-tier batch {cpu} takes {seconds:.3f} s here")

if __name__ == "__main__":
    main()
