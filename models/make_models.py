"""Builds the PoAI challenge models and their registry records, deterministically.

    $HOME/.cache/poai-venv/bin/python models/make_models.py [--out DIR]

Writes `tiny-lm.onnx`, `dense-mlp.onnx`, `int8-gemm.onnx` and `models.json` into models/ (or DIR),
and into its `cheats/` the cheaper int8-gemm computations the worker's tests must catch, and prints each
model's Blake2-256, parameter count and FLOPs per sample. Running it twice gives byte-identical
files: the weights come from numpy's legacy `RandomState` (whose stream numpy keeps frozen
across versions) with fixed seeds, the graph is built in a fixed order with opset 17 and a
pinned IR version, and nothing time- or machine-dependent (producer timestamps, paths) goes in.

The batch sizes and tolerances written to models.json are constants below; they come from
models/benchmark.py and models/calibrate.py, see docs/MODELS.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import poai_inputs  # noqa: E402

OPSET = 17
IR_VERSION = 8  # the IR version of opset 17 (ONNX 1.12); pinned so newer onnx writes the same
PRODUCER = "poai-models"
PRODUCER_VERSION = "1"

SCALE_BITS = 16
DEADLINE_BLOCKS = 6
MAX_BATCH_SIZE = 1 << 16  # primitives::model::MAX_BATCH_SIZE
CPU_TIER = 0  # the `cpu` tier of primitives::tier::reference_tiers

# --- tiny-lm --------------------------------------------------------------------------------
LM_SEQ = 16
LM_VOCAB = 256
LM_D = 64
LM_HEADS = 2
LM_HEAD_DIM = LM_D // LM_HEADS
LM_LAYERS = 2
LM_HIDDEN = 256
LM_SEED = 0x504F_4149  # "POAI"
LM_MASK = -10000.0  # additive causal mask: exp(-1e4) is 0 in fp32, and it fits fp16

# --- dense-mlp ------------------------------------------------------------------------------
MLP_SIZES = [256, 768, 768, 64]
MLP_SEED = 0x4D4C_5031  # "MLP1"

# --- int8-gemm: the bit-exact integer family ------------------------------------------------
# int8 x int8 -> int32 GEMM chain 256 -> 512 x 5 -> 64: six MatMulInteger layers, each followed
# (except the last) by an integer requantisation (Div by 2^INT_SHIFT, truncating toward zero as
# every integer divider does, Clip to the int8 range, Cast to int8). Integer arithmetic is exact
# on every device, so the int32 outputs are compared exactly: scale 0, tolerance 0. The input is
# narrower than the hidden layers so that generating it (one SeedRng draw per element) stays a
# small part of a batch next to the GEMMs.
INT_SIZES = [256, 512, 512, 512, 512, 512, 64]
INT_SHIFT = 11  # a sum of 256-512 int8 x int8 products spreads ~7e4-9e4: /2^11 keeps |x| ~ 40
INT_SEED = 0x494E_5438  # "INT8"
# Cheaper or wrong int8-gemm computations for the tests: (hidden layers left out, one weight of
# the last layer off by one).
INT_CHEATS = {"int8-gemm-layer-left-out": (1, False), "int8-gemm-wrong-weight": (0, True)}

# CPU-tier batch sizes (models/benchmark.py; docs/MODELS.md, docs/HARDWARE.md). The chain accepts
# a tier's batch only when its 6-block (18 s) deadline separates the tier: the `cpu` tier's
# promised 2 GFLOP/s compute it in at most 9 s, a tenth of that cannot in 18 s. 4096 samples are
# 15.6 GFLOP of tiny-lm (7.8 s promised) and 6.8 GFLOP of dense-mlp (3.4 s); the reference
# machine (2 cores) takes 0.22 s and 0.04 s. These models are too small to separate a GPU tier
# (a 20 TFLOP/s card would need > 36 TFLOP per batch, beyond MAX_BATCH_SIZE samples), so they
# serve the CPU tier only.
# int8-gemm is sized by the tier's int8 promise (8 G op/s for `cpu`): 8,192 samples are
# 19.9 G int8 operations, 2.5 s promised and 24.8 s for a tenth of the promise.
CPU_BATCH = {"tiny-lm": 4096, "dense-mlp": 4096, "int8-gemm": 8192}
# Tolerances (models/calibrate.py; docs/MODELS.md): honest fp32 noise measured <= 8.4 ppm rel L2
# and <= 1 quantum (15.3 ppm) max-abs across thread counts, batch sizes, graph optimisation
# levels, two CPUs and an H100 (TF32 off); the cheapest cheat measured (fp16-rounded weights)
# is >= 224 ppm rel L2 on every sample. TF32 (on by default in onnxruntime's CUDA provider)
# gives up to 753 ppm, so GPU workers must run with TF32 off.
TOLERANCE = {
    "tiny-lm": {"relL2Ppm": 100, "maxAbsPpm": 1000},
    "dense-mlp": {"relL2Ppm": 100, "maxAbsPpm": 1000},
    # Compared exactly: the chain refuses an integer model with any tolerance.
    "int8-gemm": {"relL2Ppm": 0, "maxAbsPpm": 0},
}
SCALE = {"tiny-lm": SCALE_BITS, "dense-mlp": SCALE_BITS, "int8-gemm": 0}

class Graph:
    """Collects nodes and initializers in insertion order, with unique generated names."""

    def __init__(self, rng: np.random.RandomState):
        self.rng = rng
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.counter = 0
        self.params = 0

    def name(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}_{self.counter}"

    def const(self, name: str, value: np.ndarray, trainable: bool = False) -> str:
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        if trainable:
            self.params += int(value.size)
        return name

    def weight(self, name: str, shape, std: float, mean: float = 0.0) -> str:
        value = (mean + std * self.rng.standard_normal(shape)).astype(np.float32)
        return self.const(name, value, trainable=True)

    def op(self, op_type: str, inputs, out: str | None = None, **attrs) -> str:
        out = out or self.name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, list(inputs), [out], name=f"n_{out}", **attrs))
        return out

    def linear(self, x: str, prefix: str, fan_in: int, fan_out: int, std: float, bias_std: float) -> str:
        w = self.weight(f"{prefix}.weight", (fan_in, fan_out), std)
        b = self.weight(f"{prefix}.bias", (fan_out,), bias_std)
        return self.op("Add", [self.op("MatMul", [x, w]), b])

    def layer_norm(self, x: str, prefix: str, dim: int) -> str:
        g = self.weight(f"{prefix}.gamma", (dim,), 0.1, mean=1.0)
        b = self.weight(f"{prefix}.beta", (dim,), 0.05)
        return self.op("LayerNormalization", [x, g, b], axis=-1, epsilon=1e-5)

    def gelu(self, x: str) -> str:
        """Exact (erf) GELU, `0.5·x·(1 + erf(x/√2))`: opset 17 has no Gelu operator."""
        inv_sqrt2 = self.const(self.name("inv_sqrt2"), np.array(1.0 / math.sqrt(2.0), np.float32))
        half = self.const(self.name("half"), np.array(0.5, np.float32))
        one = self.const(self.name("one"), np.array(1.0, np.float32))
        e = self.op("Erf", [self.op("Mul", [x, inv_sqrt2])])
        return self.op("Mul", [self.op("Mul", [x, half]), self.op("Add", [e, one])])


def finish(g: Graph, name: str, inputs, outputs, doc: str) -> onnx.ModelProto:
    graph = helper.make_graph(g.nodes, name, inputs, outputs, initializer=g.inits, doc_string=doc)
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name=PRODUCER,
        producer_version=PRODUCER_VERSION,
        doc_string=doc,
    )
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model


def build_tiny_lm() -> tuple[onnx.ModelProto, int]:
    g = Graph(np.random.RandomState(LM_SEED))
    s, d, h, hd = LM_SEQ, LM_D, LM_HEADS, LM_HEAD_DIM
    tok = g.weight("tok_emb", (LM_VOCAB, d), 1.0)
    pos = g.weight("pos_emb", (s, d), 0.5)
    x = g.op("Add", [g.op("Gather", [tok, "tokens"], axis=0), pos])
    mask = np.where(np.tril(np.ones((s, s), dtype=bool)), 0.0, LM_MASK).astype(np.float32)
    g.const("causal_mask", mask)
    g.const("heads_shape", np.array([0, s, h, hd], dtype=np.int64))
    g.const("model_shape", np.array([0, s, d], dtype=np.int64))
    g.const("attn_scale", np.array(1.0 / math.sqrt(hd), dtype=np.float32))
    proj_std = 1.0 / math.sqrt(d) / math.sqrt(2 * LM_LAYERS)
    for layer in range(LM_LAYERS):
        p = f"layer{layer}"
        a = g.layer_norm(x, f"{p}.ln1", d)
        q = g.linear(a, f"{p}.attn.q", d, d, 1.0 / math.sqrt(d), 0.02)
        k = g.linear(a, f"{p}.attn.k", d, d, 1.0 / math.sqrt(d), 0.02)
        v = g.linear(a, f"{p}.attn.v", d, d, 1.0 / math.sqrt(d), 0.02)
        q = g.op("Transpose", [g.op("Reshape", [q, "heads_shape"])], perm=[0, 2, 1, 3])  # b,h,s,hd
        k = g.op("Transpose", [g.op("Reshape", [k, "heads_shape"])], perm=[0, 2, 3, 1])  # b,h,hd,s
        v = g.op("Transpose", [g.op("Reshape", [v, "heads_shape"])], perm=[0, 2, 1, 3])  # b,h,s,hd
        scores = g.op("Add", [g.op("Mul", [g.op("MatMul", [q, k]), "attn_scale"]), "causal_mask"])
        probs = g.op("Softmax", [scores], axis=-1)
        o = g.op("Transpose", [g.op("MatMul", [probs, v])], perm=[0, 2, 1, 3])  # b,s,h,hd
        o = g.linear(g.op("Reshape", [o, "model_shape"]), f"{p}.attn.out", d, d, proj_std, 0.02)
        x = g.op("Add", [x, o])
        m = g.layer_norm(x, f"{p}.ln2", d)
        m = g.gelu(g.linear(m, f"{p}.mlp.up", d, LM_HIDDEN, 1.0 / math.sqrt(d), 0.02))
        m = g.linear(m, f"{p}.mlp.down", LM_HIDDEN, d, 1.0 / math.sqrt(LM_HIDDEN) / math.sqrt(2 * LM_LAYERS), 0.02)
        x = g.op("Add", [x, m])
    x = g.layer_norm(x, "ln_f", d)
    unembed = g.weight("unembed", (d, LM_VOCAB), 1.5 / math.sqrt(d))
    g.op("MatMul", [x, unembed], out="logits")
    model = finish(
        g,
        "tiny_lm",
        [helper.make_tensor_value_info("tokens", TensorProto.INT64, ["batch", s])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", s, LM_VOCAB])],
        "PoAI challenge model tiny-lm: 2-layer causal transformer LM, vocab 256, d_model 64, "
        "2 heads, MLP 256 (erf GELU), teacher-forced logits for 16 tokens.",
    )
    return model, g.params


def lm_flops_per_sample() -> int:
    s, d = LM_SEQ, LM_D
    per_token = 4 * d * d + 2 * d * LM_HIDDEN  # q, k, v, out projections + MLP up and down
    attention = LM_HEADS * 2 * s * s * LM_HEAD_DIM  # scores Q·Kᵀ and probs·V
    macs = LM_LAYERS * (s * per_token + attention) + s * d * LM_VOCAB
    return 2 * macs


def build_dense_mlp() -> tuple[onnx.ModelProto, int]:
    g = Graph(np.random.RandomState(MLP_SEED))
    x = "x"
    layers = list(zip(MLP_SIZES[:-1], MLP_SIZES[1:]))
    for i, (fan_in, fan_out) in enumerate(layers):
        last = i == len(layers) - 1
        std = (1.0 if last else math.sqrt(2.0)) / math.sqrt(fan_in)
        out = "y" if last else None
        if last:
            w = g.weight(f"fc{i}.weight", (fan_in, fan_out), std)
            b = g.weight(f"fc{i}.bias", (fan_out,), 0.05)
            x = g.op("Add", [g.op("MatMul", [x, w]), b], out=out)
        else:
            x = g.op("Relu", [g.linear(x, f"fc{i}", fan_in, fan_out, std, 0.05)])
    model = finish(
        g,
        "dense_mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", MLP_SIZES[0]])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", MLP_SIZES[-1]])],
        "PoAI challenge model dense-mlp: 256-768-768-64 fully connected, ReLU.",
    )
    return model, g.params


def mlp_flops_per_sample() -> int:
    return 2 * sum(a * b for a, b in zip(MLP_SIZES[:-1], MLP_SIZES[1:]))


def build_int8_gemm(left_out: int = 0, corrupt: bool = False) -> tuple[onnx.ModelProto, int]:
    """The int8-gemm chain. `left_out` (hidden layers skipped) and `corrupt` (one weight of the
    last layer off by one) build the cheaper or wrong computations its tests must catch."""
    rng = np.random.RandomState(INT_SEED)
    g = Graph(rng)
    g.inits += [
        numpy_helper.from_array(np.array(1 << INT_SHIFT, dtype=np.int32), "shift"),
        numpy_helper.from_array(np.array(-128, dtype=np.int32), "int8_min"),
        numpy_helper.from_array(np.array(127, dtype=np.int32), "int8_max"),
    ]
    layers = list(zip(INT_SIZES[:-1], INT_SIZES[1:]))
    # Every layer's weights are drawn, in order, whatever is left out: a shorter chain runs the
    # real weights of the layers it keeps (what a lazy worker would do).
    weights = [rng.randint(-127, 128, size=shape).astype(np.int8) for shape in layers]
    if corrupt:
        w = weights[-1]
        w[0, 0] = w[0, 0] + 1 if w[0, 0] < 127 else w[0, 0] - 1
    keep = [i for i in range(len(layers)) if not 1 <= i <= left_out]
    x = "q"
    for i in keep:
        last = i == len(layers) - 1
        g.inits.append(numpy_helper.from_array(weights[i], f"w{i}"))
        g.params += weights[i].size
        acc = "acc" if last else f"acc{i}"
        g.nodes.append(helper.make_node("MatMulInteger", [x, f"w{i}"], [acc], name=f"matmul{i}"))
        if last:
            break
        g.nodes.append(helper.make_node("Div", [acc, "shift"], [f"div{i}"], name=f"requant{i}"))
        g.nodes.append(helper.make_node("Clip", [f"div{i}", "int8_min", "int8_max"], [f"clip{i}"], name=f"clip{i}"))
        x = f"x{i + 1}"
        g.nodes.append(helper.make_node("Cast", [f"clip{i}"], [x], to=TensorProto.INT8, name=f"cast{i}"))
    sizes = "-".join(str(d) for d in INT_SIZES)
    model = finish(
        g,
        "int8_gemm",
        [helper.make_tensor_value_info("q", TensorProto.INT8, ["batch", INT_SIZES[0]])],
        [helper.make_tensor_value_info("acc", TensorProto.INT32, ["batch", INT_SIZES[-1]])],
        f"PoAI challenge model int8-gemm: {sizes} int8 x int8 -> int32 MatMulInteger layers, "
        f"requantised by /2^{INT_SHIFT} and clipped to int8 between them; bit-exact.",
    )
    return model, g.params


def int8_ops_per_sample() -> int:
    return 2 * sum(a * b for a, b in zip(INT_SIZES[:-1], INT_SIZES[1:]))


def registry_record(name: str, data: bytes, input_spec: dict, output: str, output_len: int, flops: int) -> dict:
    cpu = CPU_BATCH[name]
    assert 0 < cpu <= MAX_BATCH_SIZE, "CPU batch above MAX_BATCH_SIZE"
    return {
        "name": name,
        "onnxHash": "0x" + hashlib.blake2b(data, digest_size=32).hexdigest(),
        "input": input_spec,
        "output": output,
        "outputLen": output_len,
        "scaleBits": SCALE[name],
        "tolerance": TOLERANCE[name],
        "flopsPerSample": flops,
        "tiers": [
            {"tier": CPU_TIER, "batchSize": cpu, "deadlineBlocks": DEADLINE_BLOCKS},
        ],
    }


def build_all() -> list[tuple[str, onnx.ModelProto, int, dict]]:
    """(file name, model, parameter count, registry record without the hash) of each model."""
    lm, lm_params = build_tiny_lm()
    mlp, mlp_params = build_dense_mlp()
    int8, int8_params = build_int8_gemm()
    return [
        ("tiny-lm", lm, lm_params, {
            "input": {"name": "tokens", "shape": [LM_SEQ], "kind": {"Tokens": {"vocab": LM_VOCAB}}},
            "output": "logits", "outputLen": LM_SEQ * LM_VOCAB, "flops": lm_flops_per_sample(),
        }),
        ("dense-mlp", mlp, mlp_params, {
            "input": {"name": "x", "shape": [MLP_SIZES[0]], "kind": {"Uniform": {"minMilli": -1000, "maxMilli": 1000}}},
            "output": "y", "outputLen": MLP_SIZES[-1], "flops": mlp_flops_per_sample(),
        }),
        ("int8-gemm", int8, int8_params, {
            "input": {"name": "q", "shape": [INT_SIZES[0]], "kind": {"Int8": {"min": -128, "max": 127}}},
            "output": "acc", "outputLen": INT_SIZES[-1], "flops": int8_ops_per_sample(),
        }),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    args = parser.parse_args()
    poai_inputs.self_test()
    os.makedirs(args.out, exist_ok=True)
    records = []
    for name, model, params, meta in build_all():
        data = model.SerializeToString(deterministic=True)
        with open(os.path.join(args.out, f"{name}.onnx"), "wb") as f:
            f.write(data)
        assert meta["outputLen"] <= 4096
        record = registry_record(name, data, meta["input"], meta["output"], meta["outputLen"], meta["flops"])
        records.append(record)
        print(f"{name}.onnx: {len(data)} bytes, blake2-256 {record['onnxHash']}, "
              f"{params} parameters, {meta['flops']} FLOPs per sample")
    with open(os.path.join(args.out, "models.json"), "w") as f:
        json.dump(records, f, indent=2)
        f.write("\n")
    # The cheaper computations an int8-gemm worker could pass off as the real one; the worker's
    # tests check that exact comparison catches them (offchain-worker/tests/integer.rs).
    cheats = os.path.join(args.out, "cheats")
    os.makedirs(cheats, exist_ok=True)
    for name, (left_out, corrupt) in INT_CHEATS.items():
        model, _ = build_int8_gemm(left_out=left_out, corrupt=corrupt)
        data = model.SerializeToString(deterministic=True)
        with open(os.path.join(cheats, f"{name}.onnx"), "wb") as f:
            f.write(data)
        print(f"cheats/{name}.onnx: {len(data)} bytes, blake2-256 0x{hashlib.blake2b(data, digest_size=32).hexdigest()}")


if __name__ == "__main__":
    main()
