"""Independent numpy re-implementations of the challenge models, reading the weights from the
ONNX files, with a pluggable number format.

Used by models/calibrate.py (and models/gpu_outputs.py mirrors it in PyTorch) to measure what
float64 gives (the "true" output), what a different float32 implementation gives (honest noise)
and what cheaper arithmetic gives (fp16/bf16 activations, a skipped layer).

A `Precision` says how values are stored between operations: `dtype` is the arithmetic type of
matrix products and element-wise operations (float64 or float32), `store` rounds every tensor
an operation produces (identity, or a round trip through float16 / bfloat16, which models
tensor-core inference: low-precision operands, float32 accumulation, low-precision results).
Layer normalisation and softmax are computed in `dtype` internally (as fp16 inference engines
do) and only their results are rounded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import onnx
from onnx import numpy_helper


@dataclass(frozen=True)
class Precision:
    name: str
    dtype: type
    store: Callable[[np.ndarray], np.ndarray]


def _ident(x: np.ndarray) -> np.ndarray:
    return x


def _via(low):
    def store(x: np.ndarray) -> np.ndarray:
        return x.astype(low).astype(np.float32)
    return store


def precisions() -> dict[str, Precision]:
    import ml_dtypes  # installed with onnx

    return {
        "f64": Precision("f64", np.float64, _ident),
        "f32": Precision("f32", np.float32, _ident),
        "fp16": Precision("fp16", np.float32, _via(np.float16)),
        "bf16": Precision("bf16", np.float32, _via(ml_dtypes.bfloat16)),
    }


def weights(path: str) -> dict[str, np.ndarray]:
    model = onnx.load(path)
    return {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}


_erf = np.frompyfunc(math.erf, 1, 1)


def erf(x: np.ndarray) -> np.ndarray:
    return _erf(x.astype(np.float64)).astype(np.float64)


class Model:
    def __init__(self, w: dict[str, np.ndarray], p: Precision):
        self.p = p
        self.w = {k: (p.store(v.astype(p.dtype)) if v.dtype.kind == "f" else v) for k, v in w.items()}

    def s(self, x: np.ndarray) -> np.ndarray:
        return self.p.store(np.asarray(x, dtype=self.p.dtype))

    def linear(self, x, prefix):
        return self.s(self.s(x @ self.w[prefix + ".weight"]) + self.w[prefix + ".bias"])

    def layer_norm(self, x, prefix, eps=1e-5):
        mean = x.mean(axis=-1, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        y = (x - mean) / np.sqrt(var + self.p.dtype(eps))
        return self.s(y * self.w[prefix + ".gamma"] + self.w[prefix + ".beta"])

    def gelu(self, x):
        return self.s(0.5 * x * (1.0 + erf(x / math.sqrt(2.0)).astype(self.p.dtype)))


class TinyLm(Model):
    SEQ, D, HEADS = 16, 64, 2

    def __init__(self, w, p, layers: int | None = None):
        super().__init__(w, p)
        n = 0
        while f"layer{n}.ln1.gamma" in w:
            n += 1
        self.layers = n if layers is None else layers

    def __call__(self, tokens: np.ndarray) -> np.ndarray:
        b, s, d, h = tokens.shape[0], self.SEQ, self.D, self.HEADS
        hd = d // h
        x = self.s(self.w["tok_emb"][tokens] + self.w["pos_emb"])
        scale = self.p.dtype(self.w["attn_scale"])
        for layer in range(self.layers):
            pre = f"layer{layer}"
            a = self.layer_norm(x, pre + ".ln1")
            q = self.linear(a, pre + ".attn.q").reshape(b, s, h, hd).transpose(0, 2, 1, 3)
            k = self.linear(a, pre + ".attn.k").reshape(b, s, h, hd).transpose(0, 2, 3, 1)
            v = self.linear(a, pre + ".attn.v").reshape(b, s, h, hd).transpose(0, 2, 1, 3)
            scores = self.s(self.s(self.s(q @ k) * scale) + self.w["causal_mask"])
            scores = scores - scores.max(axis=-1, keepdims=True)
            e = np.exp(scores)
            probs = self.s(e / e.sum(axis=-1, keepdims=True))
            o = self.s(probs @ v).transpose(0, 2, 1, 3).reshape(b, s, d)
            x = self.s(x + self.linear(o, pre + ".attn.out"))
            m = self.gelu(self.linear(self.layer_norm(x, pre + ".ln2"), pre + ".mlp.up"))
            x = self.s(x + self.linear(m, pre + ".mlp.down"))
        x = self.layer_norm(x, "ln_f")
        return self.s(x @ self.w["unembed"]).astype(np.float32)


class DenseMlp(Model):
    def __init__(self, w, p, skip: tuple[int, ...] = ()):
        super().__init__(w, p)
        n = 0
        while f"fc{n}.weight" in w:
            n += 1
        self.n = n
        self.skip = skip

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = self.s(x)
        for i in range(self.n):
            if i in self.skip:
                continue
            x = self.linear(x, f"fc{i}")
            if i < self.n - 1:
                x = np.maximum(x, 0)
        return x.astype(np.float32)


def build(name: str, path: str, precision: str, cheat: bool = False):
    """The numpy model `name` at `precision`; `cheat` drops work (the LM's last layer, the MLP's
    middle 768x768 layer), the 'smaller model' a dishonest worker could run instead."""
    w = weights(path)
    p = precisions()[precision]
    if name == "tiny-lm":
        m = TinyLm(w, p)
        if cheat:
            m.layers -= 1
        return m
    if name == "dense-mlp":
        return DenseMlp(w, p, skip=(1,) if cheat else ())
    raise ValueError(name)
