"""The Python onnxruntime reference of offchain-worker/examples/bench_engine.rs.

    $HOME/.cache/poai-venv/bin/python models/bench_reference.py --model tiny-lm \
        [--batch 4096] [--reps 5] [--threads 2] [--chunk 1024] [--e2e-reps 1]

Runs the same model on the same inputs (samples 0..batch of the challenge with seed 0x01…01,
generated bit-identically by poai_inputs.py) with the session settings of the Rust engine
(ORT_ENABLE_ALL, `--threads` intra-op threads, 1 inter-op thread, intra-op spinning off) in
chunks of `--chunk` samples (the engine's MAX_SAMPLES_PER_RUN), and prints JSON lines:

- `"kind": "infer"`: `infer_s` = the time inside `InferenceSession.run` for the whole batch
  (the sum over its chunks; inputs generated beforehand), `checksum` = the sum of the quantised
  outputs (the Rust engine prints the same figure for the same outputs);
- `"kind": "e2e"`: `e2e_s` = input generation in Python + inference + quantisation (Python's
  Blake2 input generation is pure Python, so this is no fair comparison with Rust's; it is given
  for completeness).

The first run is a warm-up and is not printed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import poai_inputs  # noqa: E402

SEED = bytes([0x01]) * 32


def session(path: str, threads: int, spinning: bool) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    return ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])


def run_chunks(sess, feed: str, x: np.ndarray, chunk: int):
    """(seconds inside `run`, the outputs of every chunk stacked)."""
    spent = 0.0
    outs = []
    for start in range(0, len(x), chunk):
        part = x[start:start + chunk]
        begin = time.perf_counter()
        (y,) = sess.run(None, {feed: part})
        spent += time.perf_counter() - begin
        outs.append(y)
    return spent, np.concatenate(outs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--batch", type=int, default=None, help="default: the model's CPU batch")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--e2e-reps", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=1024, help="samples per run (0: whole batch)")
    parser.add_argument("--spinning", action="store_true", help="onnxruntime's default spinning")
    args = parser.parse_args()
    records = {r["name"]: r for r in json.load(open(os.path.join(HERE, "models.json")))}
    record = records[args.model]
    spec = record["input"]
    batch = args.batch or record["tiers"][0]["batchSize"]
    chunk = args.chunk or batch
    sess = session(os.path.join(HERE, record["name"] + ".onnx"), args.threads, args.spinning)
    # only the first output: the model's registered output
    assert sess.get_outputs()[0].name == record["output"]
    header = {"side": "python", "model": args.model, "batch": batch, "threads": args.threads,
              "chunk": chunk, "spinning": args.spinning, "onnxruntime": ort.__version__}

    x = poai_inputs.generate_batch(spec, SEED, range(batch))
    for rep in range(args.reps + 1):
        spent, y = run_chunks(sess, spec["name"], x, chunk)
        if rep > 0:
            checksum = int(poai_inputs.quantise(y, record["scaleBits"]).astype(np.int64).sum())
            print(json.dumps({**header, "kind": "infer", "infer_s": spent, "checksum": checksum}),
                  flush=True)

    for _ in range(args.e2e_reps):
        begin = time.perf_counter()
        x = poai_inputs.generate_batch(spec, SEED, range(batch))
        spent, y = run_chunks(sess, spec["name"], x, chunk)
        q = poai_inputs.quantise(y, record["scaleBits"])
        e2e = time.perf_counter() - begin
        print(json.dumps({**header, "kind": "e2e", "e2e_s": e2e, "infer_s": spent,
                          "checksum": int(q.astype(np.int64).sum())}), flush=True)


if __name__ == "__main__":
    main()
