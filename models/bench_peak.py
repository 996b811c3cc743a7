"""Measures a device's fp32 GEMM peak with onnxruntime: one large MatMul, the best of several runs.

    python3 models/bench_peak.py [--device cpu|cuda|cuda:N] [--n 8192] [--reps 10]
                                 [--threads T] [--model FILE]

The models' achieved FLOP/s (bench_engine: `flops_per_sample` x `batch` / `infer_s`) is compared
with this *measured* peak rather than a datasheet figure. The graph is make_peak_matmul.py's
`C = A @ B` (fp32, A and B graph inputs of n x n); with --model FILE that file is run, otherwise
the graph is built in memory (with the `onnx` package when it is installed, else from the bytes
below, which are that script's output). On CUDA the inputs and the output live on the GPU (I/O
binding), so only the GEMM is timed, and TF32 is off (`use_tf32: 0`, as the engine runs the
models): an fp32 peak, not a TF32 tensor-core one.

Prints one JSON line on stdout:

    {"kind":"peak","device":"cuda:0","device_requested":"cuda:0","n":8192,"flops":1099511627776,
     "reps":10,"best_s":0.021,"median_s":0.022,"tflops":52.3,"tf32":false,"threads":null,
     "providers":["CUDAExecutionProvider","CPUExecutionProvider"],"ort_version":"1.31.1",
     "check_rows":16,"rel_l2_err":1.1e-06}

`device`: where the MatMul ran (`cpu` when CUDA was asked for but onnxruntime has no CUDA
provider or could not use it); `flops` = 2 n^3; `tflops` = flops / best_s / 1e12;
`rel_l2_err`: ||C - C64|| / ||C64|| over the first `check_rows` rows, C64 computed in float64 by
numpy (about 1e-6 for fp32; TF32 would show about 1e-3).
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

# make_peak_matmul.build().SerializeToString(), for machines without the `onnx` package (checked
# against the script whenever `onnx` is importable).
PEAK_MATMUL_ONNX_HEX = (
    "0808120b706f61692d6d6f64656c731a01313a6b0a170a01410a01421201431a046765"
    "6d6d22064d61744d756c120b7065616b2d6d61746d756c5a150a014112100a0e080112"
    "0a0a0312016e0a0312016b5a150a014212100a0e0801120a0a0312016b0a0312016d62"
    "150a014312100a0e0801120a0a0312016e0a0312016d42040a001011"
)


def model_bytes() -> bytes:
    """The peak graph: built with make_peak_matmul.py when `onnx` is installed, else embedded."""
    embedded = bytes.fromhex(PEAK_MATMUL_ONNX_HEX)
    try:
        sys.path.insert(0, HERE)
        import make_peak_matmul  # noqa: E402
    except ImportError:
        return embedded
    built = make_peak_matmul.build().SerializeToString()
    if built != embedded:
        sys.exit("bench_peak.py: PEAK_MATMUL_ONNX_HEX differs from make_peak_matmul.py's graph")
    return built


def parse_device(text: str) -> tuple[str, int]:
    text = text.strip().lower()
    if text == "cpu":
        return "cpu", 0
    if text == "cuda":
        return "cuda", 0
    if text.startswith("cuda:") and text[5:].isdigit():
        return "cuda", int(text[5:])
    raise argparse.ArgumentTypeError(f"unknown device `{text}`: expected cpu, cuda or cuda:N")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", type=parse_device, default=("cpu", 0))
    parser.add_argument("--n", type=int, default=8192, help="matrix size (n x n @ n x n)")
    parser.add_argument("--reps", type=int, default=10, help="timed runs (after 2 warm-ups)")
    parser.add_argument("--threads", type=int, default=None, help="CPU intra-op threads")
    parser.add_argument("--check-rows", type=int, default=16, help="rows checked in float64")
    parser.add_argument("--model", help="the graph file (default: built in memory)")
    args = parser.parse_args()
    kind, index = args.device
    requested = "cpu" if kind == "cpu" else f"cuda:{index}"

    if kind == "cuda" and hasattr(ort, "preload_dlls"):
        # onnxruntime-gpu >= 1.21: loads CUDA/cuDNN from the nvidia-* pip packages if present.
        try:
            ort.preload_dlls()
        except Exception as error:  # noqa: BLE001 - only a help; the session says what fails
            print(f"bench_peak.py: preload_dlls: {error}", file=sys.stderr)

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.inter_op_num_threads = 1
    if args.threads:
        options.intra_op_num_threads = args.threads
    if kind == "cuda":
        providers = [
            ("CUDAExecutionProvider", {"device_id": index, "use_tf32": 0}),
            "CPUExecutionProvider",
        ]
    else:
        providers = ["CPUExecutionProvider"]
    model = args.model if args.model else model_bytes()
    session = ort.InferenceSession(model, options, providers=providers)
    used = session.get_providers()
    on_gpu = kind == "cuda" and used and used[0] == "CUDAExecutionProvider"
    device = f"cuda:{index}" if on_gpu else "cpu"
    if device != requested:
        print(
            f"bench_peak.py: {requested} was asked for but onnxruntime runs on {device} "
            f"(providers {used}, available {ort.get_available_providers()})",
            file=sys.stderr,
        )

    n = args.n
    rng = np.random.default_rng(0x5045414B)  # "PEAK"
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    binding = session.io_binding()
    if on_gpu:
        binding.bind_ortvalue_input("A", ort.OrtValue.ortvalue_from_numpy(a, "cuda", index))
        binding.bind_ortvalue_input("B", ort.OrtValue.ortvalue_from_numpy(b, "cuda", index))
        binding.bind_output("C", "cuda", index)
    else:
        binding.bind_cpu_input("A", a)
        binding.bind_cpu_input("B", b)
        binding.bind_output("C")

    times = []
    for rep in range(2 + args.reps):
        binding.synchronize_inputs()
        started = time.perf_counter()
        # A run waits for the provider's stream before returning (ONNX Runtime's default).
        session.run_with_iobinding(binding)
        binding.synchronize_outputs()
        elapsed = time.perf_counter() - started
        if rep >= 2:
            times.append(elapsed)

    rows = min(args.check_rows, n)
    c = binding.copy_outputs_to_cpu()[0][:rows].astype(np.float64)
    reference = a[:rows].astype(np.float64) @ b.astype(np.float64)
    rel_err = float(np.linalg.norm(c - reference) / np.linalg.norm(reference))

    flops = 2 * n**3
    best = min(times)
    print(
        json.dumps(
            {
                "kind": "peak",
                "device": device,
                "device_requested": requested,
                "n": n,
                "flops": flops,
                "reps": args.reps,
                "best_s": best,
                "median_s": statistics.median(times),
                "tflops": flops / best / 1e12,
                "tf32": False,
                "threads": args.threads if device == "cpu" else None,
                "providers": used,
                "ort_version": ort.__version__,
                "check_rows": rows,
                "rel_l2_err": rel_err,
            },
            sort_keys=True,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
