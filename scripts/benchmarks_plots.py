"""Plots of docs/BENCHMARKS.md (SVG, written next to it under docs/benchmarks/): throughput per
model, side and device, and detection probability against the faked fraction f for several k.
Returns the markdown that embeds them; an empty list when matplotlib is missing (benchmarks.sh
installs it).
"""

from __future__ import annotations

import os
import statistics


def plots(out_md: str, engine_rows, gpu_rows, slash_rows, p_audit: float, k_chain: int) -> list[str]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return ["_Plots skipped: matplotlib is not installed._", ""]
    # SVGs without timestamps or random ids, so that rerunning changes them only when figures do.
    plt.rcParams["svg.hashsalt"] = "poai"
    plt.rcParams["svg.fonttype"] = "none"
    out_dir = os.path.join(os.path.dirname(out_md), "benchmarks")
    os.makedirs(out_dir, exist_ok=True)
    lines = []

    # Throughput: samples/s (p50 of inference time) per model, per side / device.
    series = {}
    labels = {"rust": "engine (CPU)", "rust-ort": "ort alone (CPU)", "python": "Python (CPU)"}
    for r in engine_rows:
        if r.get("kind") == "infer" and r.get("side") in labels:
            series.setdefault((r["model"], labels[r["side"]]), []).append(r["batch"] / r["infer_s"])
    for r in gpu_rows:
        if r.get("kind") == "infer" and r.get("side") == "rust" and "cuda" in str(r.get("device", "")):
            series.setdefault((r["model"], f"engine ({r['device']})"), []).append(r["batch"] / r["infer_s"])
    if series:
        models = list(dict.fromkeys(m for m, _ in series))
        sides = list(dict.fromkeys(s for _, s in series))
        colours = {side: f"C{i}" for i, side in enumerate(sides)}
        # One panel per model on a linear scale from zero, so bar heights compare honestly.
        fig, axes = plt.subplots(1, len(models), figsize=(3.6 * len(models), 3.4), squeeze=False)
        for ax, model in zip(axes[0], models):
            present = [s for s in sides if (model, s) in series]
            ys = [statistics.median(series[(model, s)]) for s in present]
            bars = ax.bar(range(len(present)), ys, color=[colours[s] for s in present])
            ax.bar_label(bars, labels=[f"{y:,.0f}" for y in ys], fontsize=7)
            ax.set_xticks(range(len(present)), [s.replace(" (", "\n(") for s in present], fontsize=7)
            ax.set_title(model)
            ax.set_ylabel("samples / s (p50)")
            ax.margins(y=0.15)
        fig.suptitle("Inference throughput per model and side")
        fig.tight_layout()
        fig.savefig(os.path.join(out_dir, "throughput.svg"), metadata={"Date": None})
        plt.close(fig)
        lines += ["![Inference throughput per model and side](benchmarks/throughput.svg)", ""]

    # Detection per audited round, d = 1 − (1 − f)^k, and per round p·d, with the measured points.
    fs = [i / 1000 for i in range(1, 1001)]
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for k in (1, 2, 4, 8, 16):
        style = "-" if k == k_chain else "--"
        ax.plot(fs, [1 - (1 - f) ** k for f in fs], style, label=f"k = {k}" + (" (chain)" if k == k_chain else ""))
    measured = []
    for r in slash_rows:
        if r["mode"].startswith("partial:"):
            f = float(r["mode"].split(":")[1])
            measured.append((f, min(1.0, 1 / (p_audit * r["rounds_mean"]))))
    if measured:
        ax.plot([m[0] for m in measured], [m[1] for m in measured], "ko",
                label="measured on the mock chain, k = 4 (1 / (p · mean rounds to slash))")
    ax.set_xscale("log")
    ax.set_xlabel("faked fraction f of the samples")
    ax.set_ylabel("detection per audited round d")
    ax.set_title("Detection of a partial cheater against f and k")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "detection.svg"), metadata={"Date": None})
    plt.close(fig)
    lines += ["![Detection of a partial cheater against f and k](benchmarks/detection.svg)", ""]
    return lines
