"""Writes (or checks) the reference fixtures models/fixtures/<model>.json.

    $HOME/.cache/poai-venv/bin/python models/reference.py           # write
    $HOME/.cache/poai-venv/bin/python models/reference.py --check   # recompute and compare

For the challenge seeds [0x01]*32 and [0xab]*32 and sample indices 0..8, each fixture holds the
sample seed, the Blake2-256 of the generated input tensor (its little-endian bytes: f32 for
`Uniform`, i64 for `Tokens`, one sample, no batch axis), the first input values, and the full
quantised output (`scaleBits` from models.json) computed by the Python onnxruntime on the CPU
with 1 intra-op thread, ORT_ENABLE_ALL, one sample per run (batch 1), as a verifier runs an
opened sample. The Rust tests re-derive the inputs and compare (inputs bit for bit, outputs
within the model's tolerance, usually exactly).

`--check` recomputes everything and reports, per sample, whether the input hash matches and the
relative-L2 / max-abs distance of the output to the stored one (useful on another machine or
onnxruntime version); it fails if an input differs or an output is out of tolerance.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import poai_inputs  # noqa: E402

SEEDS = [bytes([0x01]) * 32, bytes([0xAB]) * 32]
INDICES = range(8)
HEAD = 8


def session(path: str, threads: int = 1, level=ort.GraphOptimizationLevel.ORT_ENABLE_ALL) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = level
    return ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])


def input_hash(x: np.ndarray) -> str:
    dtype = {np.dtype(np.float32): np.dtype("<f4"), np.dtype(np.int64): np.dtype("<i8"), np.dtype(np.int8): np.dtype("i1")}[x.dtype]
    return "0x" + poai_inputs.blake2_256(np.ascontiguousarray(x, dtype=dtype).tobytes()).hex()


def compute(record: dict) -> dict:
    sess = session(os.path.join(HERE, record["name"] + ".onnx"))
    spec = record["input"]
    samples = []
    for seed in SEEDS:
        for index in INDICES:
            x = poai_inputs.generate_sample(spec, seed, index)
            y = sess.run([record["output"]], {spec["name"]: x[None]})[0][0]
            q = poai_inputs.quantise(y.ravel(), record["scaleBits"])
            assert q.size == record["outputLen"]
            head = x.ravel()[:HEAD]
            sample = {
                "seed": "0x" + seed.hex(),
                "index": index,
                "sampleSeed": "0x" + poai_inputs.sample_seed(seed, index).hex(),
                "inputBlake2": input_hash(x),
                "inputHead": [float(v) for v in head] if x.dtype == np.float32 else [int(v) for v in head],
            }
            if x.dtype == np.float32:
                sample["inputHeadBits"] = [f"0x{poai_inputs.f32_bits(v):08x}" for v in head]
            sample["output"] = q.tolist()
            samples.append(sample)
    return {
        "model": record["name"],
        "onnxHash": record["onnxHash"],
        "scaleBits": record["scaleBits"],
        "outputLen": record["outputLen"],
        "tolerance": record["tolerance"],
        "producedWith": {
            "onnxruntime": ort.__version__,
            "provider": "CPUExecutionProvider",
            "intraOpThreads": 1,
            "graphOptimization": "ORT_ENABLE_ALL",
            "batch": 1,
        },
        "inputHash": "blake2-256 of the sample's input tensor as little-endian bytes (f32, i64 or i8), no batch axis",
        "samples": samples,
    }


def dump(fixture: dict) -> str:
    """JSON with one line per sample output, to keep the file small and diffs readable."""
    samples = fixture["samples"]
    head = json.dumps({k: v for k, v in fixture.items() if k != "samples"}, indent=2)[:-2]
    lines = []
    for s in samples:
        fields = ",\n      ".join(f"{json.dumps(k)}: {json.dumps(v, separators=(',', ':'))}" for k, v in s.items())
        lines.append("    {\n      " + fields + "\n    }")
    return head + ',\n  "samples": [\n' + ",\n".join(lines) + "\n  ]\n}\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the stored fixtures")
    args = parser.parse_args()
    poai_inputs.self_test()
    records = json.load(open(os.path.join(HERE, "models.json")))
    os.makedirs(os.path.join(HERE, "fixtures"), exist_ok=True)
    failed = False
    for record in records:
        path = os.path.join(HERE, "fixtures", record["name"] + ".json")
        fixture = compute(record)
        if not args.check:
            text = dump(fixture)
            assert json.loads(text) == fixture
            with open(path, "w") as f:
                f.write(text)
            print(f"{path}: {len(fixture['samples'])} samples, {len(text)} bytes")
            continue
        stored = json.load(open(path))
        assert stored["onnxHash"] == record["onnxHash"], "fixture is for another model file"
        tol = record["tolerance"]
        abs_bound = tol["maxAbsPpm"] * 2 ** record["scaleBits"] / 1e6
        exact = 0
        worst_rel, worst_abs = 0.0, 0
        for new, old in zip(fixture["samples"], stored["samples"]):
            if new["inputBlake2"] != old["inputBlake2"]:
                print(f"{record['name']} seed {old['seed'][:6]}… #{old['index']}: INPUT DIFFERS")
                failed = True
            rel, mx = poai_inputs.tolerance_figures(new["output"], old["output"])
            exact += new["output"] == old["output"]
            worst_rel, worst_abs = max(worst_rel, rel), max(worst_abs, mx)
            if rel * 1e6 > tol["relL2Ppm"] or mx > abs_bound:
                failed = True
        print(f"{record['name']}: {exact}/{len(stored['samples'])} outputs identical, worst rel L2 "
              f"{worst_rel * 1e6:.3f} ppm, worst max-abs {worst_abs} quanta "
              f"(tolerance {tol['relL2Ppm']} ppm / {abs_bound:.0f} quanta)")
    if failed:
        sys.exit("fixture check FAILED")


if __name__ == "__main__":
    main()
