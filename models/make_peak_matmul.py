"""Builds the fp32 GEMM graph models/bench_peak.py times to measure a device's fp32 peak.

    $HOME/.cache/poai-venv/bin/python models/make_peak_matmul.py [--out FILE]

One MatMul `C = A @ B` of two float32 graph inputs `A` [n, k] and `B` [k, m] with symbolic
dimensions, so one file serves every size and holds no weights (a few hundred bytes; written to
a temporary file at run time by bench_peak.py unless --model names one). Same style as
make_models.py: opset 17, pinned IR version, nothing time- or machine-dependent, so the bytes
are the same on every run.
"""

from __future__ import annotations

import argparse
import sys

import onnx
from onnx import TensorProto, helper

OPSET = 17
IR_VERSION = 8  # the IR version of opset 17, as in make_models.py
PRODUCER = "poai-models"
PRODUCER_VERSION = "1"


def build() -> onnx.ModelProto:
    """The graph `C = MatMul(A, B)`, fp32, dimensions `n`, `k`, `m` left symbolic."""
    a = helper.make_tensor_value_info("A", TensorProto.FLOAT, ["n", "k"])
    b = helper.make_tensor_value_info("B", TensorProto.FLOAT, ["k", "m"])
    c = helper.make_tensor_value_info("C", TensorProto.FLOAT, ["n", "m"])
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["A", "B"], ["C"], name="gemm")], "peak-matmul", [a, b], [c]
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name=PRODUCER,
        producer_version=PRODUCER_VERSION,
    )
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    return model


def write(path: str) -> None:
    with open(path, "wb") as f:
        f.write(build().SerializeToString())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="peak-matmul.onnx", help="file to write")
    args = parser.parse_args()
    write(args.out)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
