"""Computes the calibration samples' outputs on another machine, for models/calibrate.py --external.

    python3 models/gpu_outputs.py OUT.npz [--samples 256] [--label-prefix TEXT] [--no-torch]

Run on a machine with an NVIDIA GPU and PyTorch (the GPU path is a PyTorch re-implementation of
the two models with the ONNX files' weights: cuBLAS matrix products, as onnxruntime's CUDA
provider uses) and/or another CPU. Writes one float32 array per way of computing:

- onnxruntime CPU on this machine (1 thread batch 1; all cores, whole batch) — cross-machine,
  and cross-version when this machine's onnxruntime differs;
- GPU float32 with TF32 off (honest), GPU float32 with TF32 on (what onnxruntime's CUDA provider
  does by default: `use_tf32` defaults to 1), GPU fp16 and bf16 autocast (cheaper computation).

The inputs are generated here with the chain's generator (poai_inputs.py, same seed and sample
count as calibrate.py), and their digest is stored so calibrate.py refuses other inputs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import poai_inputs  # noqa: E402
from calibrate import CALIBRATION_SEED, input_digest  # noqa: E402
from reference_numpy import weights  # noqa: E402


def torch_forward(torch, name: str, w: dict, x, autocast_dtype=None):
    dev = x.device
    W = {k: torch.from_numpy(np.array(v)).to(dev) for k, v in w.items()}
    F = torch.nn.functional

    def linear(h, p):
        return h @ W[p + ".weight"] + W[p + ".bias"]

    ctx = torch.autocast("cuda", dtype=autocast_dtype) if autocast_dtype else torch.autocast("cuda", enabled=False)
    with torch.no_grad(), ctx:
        if name == "dense-mlp":
            h = x
            n = sum(1 for k in w if k.endswith(".weight"))
            for i in range(n):
                h = linear(h, f"fc{i}")
                if i < n - 1:
                    h = torch.relu(h)
            return h.float()
        b, s, d, heads = x.shape[0], 16, 64, 2
        hd = d // heads
        h = W["tok_emb"][x] + W["pos_emb"]
        layers = sum(1 for k in w if k.endswith(".ln1.gamma"))
        for layer in range(layers):
            p = f"layer{layer}"
            a = F.layer_norm(h, (d,), W[p + ".ln1.gamma"], W[p + ".ln1.beta"], 1e-5)
            q = linear(a, p + ".attn.q").reshape(b, s, heads, hd).transpose(1, 2)
            k = linear(a, p + ".attn.k").reshape(b, s, heads, hd).permute(0, 2, 3, 1)
            v = linear(a, p + ".attn.v").reshape(b, s, heads, hd).transpose(1, 2)
            scores = (q @ k) * W["attn_scale"] + W["causal_mask"]
            o = (torch.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(b, s, d)
            h = h + linear(o, p + ".attn.out")
            m = F.layer_norm(h, (d,), W[p + ".ln2.gamma"], W[p + ".ln2.beta"], 1e-5)
            m = F.gelu(linear(m, p + ".mlp.up"))  # exact (erf) GELU
            h = h + linear(m, p + ".mlp.down")
        h = F.layer_norm(h, (d,), W["ln_f.gamma"], W["ln_f.beta"], 1e-5)
        return (h @ W["unembed"]).float()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--samples", type=int, default=256)
    parser.add_argument("--label-prefix", default="")
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args()
    poai_inputs.self_test()
    records = json.load(open(os.path.join(HERE, "models.json")))
    result = {}
    import onnxruntime as ort

    from calibrate import L, run_ort

    cpus = os.cpu_count()
    pre = args.label_prefix
    for record in records:
        name = record["name"]
        path = os.path.join(HERE, name + ".onnx")
        x = poai_inputs.generate_batch(record["input"], CALIBRATION_SEED, range(args.samples))
        result[f"inputs_{name}"] = np.array(input_digest(x))
        tag = f"{pre}ORT {ort.__version__} CPU"
        result[f"{name}|honest|{tag} 1 thread, batch 1"] = run_ort(path, record, x, 1, L.ORT_ENABLE_ALL, 1)
        result[f"{name}|honest|{tag} {cpus} threads, batch {len(x)}"] = run_ort(path, record, x, cpus, L.ORT_ENABLE_ALL)
        if args.no_torch:
            continue
        import torch

        dev = torch.device("cuda")
        gpu = f"{pre}GPU {torch.cuda.get_device_name(0)} (torch {torch.__version__})"
        xt = torch.from_numpy(x).to(dev)
        w = weights(path)
        runs = [
            ("honest", f"{gpu} fp32, TF32 off, batch {len(x)}", False, None, len(x)),
            ("honest", f"{gpu} fp32, TF32 off, batch 1", False, None, 1),
            ("tf32", f"{gpu} fp32, TF32 on (ORT CUDA default), batch {len(x)}", True, None, len(x)),
            ("cheap", f"{gpu} fp16 autocast", False, torch.float16, len(x)),
            ("cheap", f"{gpu} bf16 autocast", False, torch.bfloat16, len(x)),
        ]
        for group, label, tf32, dtype, step in runs:
            torch.backends.cuda.matmul.allow_tf32 = tf32
            torch.backends.cudnn.allow_tf32 = tf32
            outs = [torch_forward(torch, name, w, xt[i:i + step], dtype) for i in range(0, len(x), step)]
            result[f"{name}|{group}|{label}"] = torch.cat(outs).cpu().numpy()
        torch.backends.cuda.matmul.allow_tf32 = False
    np.savez(args.out, **result)
    print(f"wrote {args.out}: {sorted(k for k in result if '|' in k)}")


if __name__ == "__main__":
    main()
