"""Measures honest float noise and the error of cheaper computation, to set each model's tolerance.

    $HOME/.cache/poai-venv/bin/python models/calibrate.py [--samples 256] [--external FILE.npz ...]

For `--samples` generated samples of each model (challenge seed [0xca]*32, the chain's input
generator), the reference output is the fixtures' setting: onnxruntime CPU, 1 intra-op thread,
ORT_ENABLE_ALL, one sample per run. Every other way of computing the output is compared with it
the way the chain compares a worker with a verifier: both quantised with `scaleBits`, then per
sample the relative L2 distance ‖a − b‖₂/‖b‖₂ and the largest element-wise distance |a − b|
(printed in ppm of one real unit, like `maxAbsPpm`). The table gives, over the samples, the
median and the worst (honest ways: the margin must cover the worst) or the best (cheap ways: a
cheat passes a sample whose figure is within tolerance) of each figure.

Honest ways: onnxruntime with 2 threads, batched (the worker's setting), graph optimisations off,
and independent numpy re-implementations in float32 and float64 (reference_numpy.py).
Cheaper ways: weights rounded to float16 or to int8 (per output channel, symmetric), onnxruntime's
dynamic int8 quantisation (int8 GEMM), fp16/bf16 activations (numpy simulation of tensor-core
inference: low-precision operands and results, float32 accumulation), and a smaller model (a
layer skipped).

`--external` adds outputs computed elsewhere (models/gpu_outputs.py on a GPU machine): an .npz
with one float32 array per label, shape [samples, ...], and `inputs_<model>` hashes to check
that the same inputs were used.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import poai_inputs  # noqa: E402
import reference_numpy  # noqa: E402

CALIBRATION_SEED = bytes([0xCA]) * 32
L = ort.GraphOptimizationLevel


def session(model, threads: int, level) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = level
    data = model if isinstance(model, (str, bytes)) else model.SerializeToString()
    return ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"])


def run_ort(model, record, x, threads=1, level=L.ORT_ENABLE_ALL, batch=None) -> np.ndarray:
    """Outputs for all of `x`, `batch` samples per run (None: all at once)."""
    sess = session(model, threads, level)
    name, out = record["input"]["name"], record["output"]
    step = batch or len(x)
    return np.concatenate([sess.run([out], {name: x[i:i + step]})[0] for i in range(0, len(x), step)])


def with_weights(path: str, transform) -> onnx.ModelProto:
    """The model with `transform(name, array)` applied to its float initializers (None: keep)."""
    model = onnx.load(path)
    for i, t in enumerate(model.graph.initializer):
        a = numpy_helper.to_array(t)
        if a.dtype != np.float32:
            continue
        new = transform(t.name, a)
        if new is not None:
            model.graph.initializer[i].CopyFrom(numpy_helper.from_array(new.astype(np.float32), t.name))
    return model


def fp16_weights(name, a):
    return a.astype(np.float16)


def int8_weights(name, a):
    """Symmetric int8 per output channel for matrices (MatMul [in, out]: per column; the token
    embedding [vocab, d]: per row); vectors (biases, norms) stay float32, as in int8 inference."""
    if a.ndim != 2 or name in ("causal_mask", "pos_emb"):
        return None
    axis = 1 if name == "tok_emb" else 0  # reduce over this axis
    scale = np.abs(a).max(axis=axis, keepdims=True) / 127.0
    return np.clip(np.round(a / scale), -127, 127) * scale


def ort_dynamic_int8(path: str) -> bytes:
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(logging.ERROR)  # its advice to pre-process does not apply here
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "q.onnx")
        quantize_dynamic(path, out, weight_type=QuantType.QInt8, per_channel=True)
        with open(out, "rb") as f:
            return f.read()


def figures(outputs: np.ndarray, reference_q: np.ndarray, scale_bits: int) -> dict:
    q = poai_inputs.quantise(outputs.reshape(len(outputs), -1), scale_bits).reshape(reference_q.shape)
    rel, mx = [], []
    for a, b in zip(q, reference_q):
        r, m = poai_inputs.tolerance_figures(a, b)
        rel.append(r * 1e6)
        mx.append(m / 2**scale_bits * 1e6)
    rel, mx = np.array(rel), np.array(mx)
    return {
        "identical": int(np.sum(np.all(q == reference_q, axis=1))),
        "rel_median": float(np.median(rel)), "rel_max": float(rel.max()), "rel_min": float(rel.min()),
        "abs_median": float(np.median(mx)), "abs_max": float(mx.max()), "abs_min": float(mx.min()),
    }


def variants(record: dict, path: str, x: np.ndarray):
    """(group, label, thunk) of every way of computing the outputs compared here."""
    n = len(x)
    name = record["name"]
    np_model = lambda p, cheat=False: (lambda: reference_numpy.build(name, path, p, cheat)(x))  # noqa: E731
    return [
        ("honest", "ORT 1 thread, ENABLE_ALL, batch 1 (reference, rerun)", lambda: run_ort(path, record, x, 1, L.ORT_ENABLE_ALL, 1)),
        ("honest", f"ORT 2 threads, ENABLE_ALL, batch {n} (worker)", lambda: run_ort(path, record, x, 2, L.ORT_ENABLE_ALL)),
        ("honest", f"ORT 1 thread, ENABLE_ALL, batch {n}", lambda: run_ort(path, record, x, 1, L.ORT_ENABLE_ALL)),
        ("honest", "ORT 2 threads, ENABLE_ALL, batch 7", lambda: run_ort(path, record, x, 2, L.ORT_ENABLE_ALL, 7)),
        ("honest", "ORT 1 thread, DISABLE_ALL, batch 1", lambda: run_ort(path, record, x, 1, L.ORT_DISABLE_ALL, 1)),
        ("honest", f"ORT 2 threads, DISABLE_ALL, batch {n}", lambda: run_ort(path, record, x, 2, L.ORT_DISABLE_ALL)),
        ("honest", f"ORT 2 threads, ENABLE_BASIC, batch {n}", lambda: run_ort(path, record, x, 2, L.ORT_ENABLE_BASIC)),
        ("honest", "numpy float32 re-implementation", np_model("f32")),
        ("honest", "numpy float64 re-implementation", np_model("f64")),
        ("cheap", "weights rounded to float16 (ORT)", lambda: run_ort(with_weights(path, fp16_weights), record, x, 2)),
        ("cheap", "weights rounded to int8, per channel (ORT)", lambda: run_ort(with_weights(path, int8_weights), record, x, 2)),
        ("cheap", "ORT dynamic int8 quantisation (int8 GEMM)", lambda: run_ort(ort_dynamic_int8(path), record, x, 2)),
        ("cheap", "fp16 activations and weights, fp32 accumulation (numpy)", np_model("fp16")),
        ("cheap", "bf16 activations and weights, fp32 accumulation (numpy)", np_model("bf16")),
        ("cheap", "smaller model: one layer skipped (numpy float32)", np_model("f32", cheat=True)),
    ]


def input_digest(x: np.ndarray) -> str:
    return poai_inputs.blake2_256(np.ascontiguousarray(x).tobytes()).hex()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=256)
    parser.add_argument("--external", action="append", default=[], help=".npz from gpu_outputs.py")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    poai_inputs.self_test()
    externals = [dict(np.load(p)) for p in args.external]
    records = json.load(open(os.path.join(HERE, "models.json")))
    print(f"onnxruntime {ort.__version__}, numpy {np.__version__}, {os.cpu_count()} CPUs; "
          f"{args.samples} samples per model, challenge seed 0x{CALIBRATION_SEED.hex()[:8]}…")
    results = {}
    for record in records:
        name, bits = record["name"], record["scaleBits"]
        path = os.path.join(HERE, name + ".onnx")
        x = poai_inputs.generate_batch(record["input"], CALIBRATION_SEED, range(args.samples))
        reference = run_ort(path, record, x, 1, L.ORT_ENABLE_ALL, 1)
        ref_q = poai_inputs.quantise(reference.reshape(len(x), -1), bits).reshape(len(x), -1)
        rms = float(np.sqrt(np.mean(reference.astype(np.float64) ** 2)))
        tol = record["tolerance"]
        print(f"\n## {name} (output rms {rms:.3f}, max |y| {np.abs(reference).max():.3f}; "
              f"tolerance in models.json: relL2 {tol['relL2Ppm']} ppm, maxAbs {tol['maxAbsPpm']} ppm)\n")
        print("| group | computation | identical | rel L2 ppm median | rel L2 ppm worst/best "
              "| max-abs ppm median | max-abs ppm worst/best |")
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
        rows = []
        todo = [(g, label, thunk) for g, label, thunk in variants(record, path, x)]
        for ext in externals:
            digest = str(ext.get(f"inputs_{name}", ""))
            for key, value in ext.items():
                if key.startswith(f"{name}|"):
                    if digest != input_digest(x[: len(value)]):
                        sys.exit(f"{key}: computed on other inputs")
                    group, label = key.split("|")[1:3]
                    todo.append((group, label, lambda v=value: v))
        for group, label, thunk in todo:
            out = thunk()
            f = figures(out, ref_q[: len(out)], bits)
            extreme = "min" if group == "cheap" else "max"
            print(f"| {group} | {label} | {f['identical']}/{len(out)} | {f['rel_median']:.3g} | "
                  f"{f['rel_' + extreme]:.3g} | {f['abs_median']:.3g} | {f['abs_' + extreme]:.3g} |", flush=True)
            rows.append({"group": group, "computation": label, "samples": len(out), **f})
        results[name] = {"outputRms": rms, "rows": rows}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
