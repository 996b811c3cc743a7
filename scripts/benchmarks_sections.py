"""Sections of docs/BENCHMARKS.md beyond the engine comparison: GPU, honest false faults, time to
slash, chain capacity and the node. Each takes the JSON rows of its raw file (see
scripts/benchmarks.sh) and a line writer `w`; a missing file gives a section saying what was not
measured and how to measure it, never figures from elsewhere.
"""

from __future__ import annotations

import math
import statistics

BLOCK_S = 3  # MILLISECS_PER_BLOCK / 1000 (runtime/src/lib.rs)
SESSION_BLOCKS = 20  # EPOCH_DURATION_IN_SLOTS: one round per session


def _ps(ps: int) -> str:
    """A ref-time weight in picoseconds, as time."""
    if ps >= 1e9:
        return f"{ps / 1e9:,.2f} ms"
    return f"{ps / 1e6:,.0f} µs"


def _kib(b: float) -> str:
    return f"{b / 1024:,.1f} KiB"


def gpu(w, rows) -> None:
    w("## 2. GPU")
    w("")
    device = [r for r in rows if r.get("kind") == "gpu_device" and r.get("name")]
    engine = [r for r in rows if r.get("kind") in ("infer", "challenge") and r.get("side") == "rust"]
    if not device or not engine:
        w("**Not measured in this run: no CUDA device.** The machine that ran this report has no "
          "GPU, and no GPU measurement through the worker's engine is on record "
          "(`docs/bench-data/gpu.jsonl`). `scripts/bench-gpu.sh` measures it on a CUDA machine "
          "(samples/s at 65,536 samples a batch, FLOP/s against the device's measured fp32 GEMM "
          "peak, the CUDA/CPU speed-up, and the honest CUDA-vs-CPU divergence through "
          "`bench_honest` with the prover on CUDA and the verifier on CPU); copy its output to "
          "`docs/bench-data/gpu.jsonl` and rerun `scripts/benchmarks.sh` to fold it in here.")
        w("")
        w("What is known without it (`docs/MODELS.md`, measured on a lent H100 with a PyTorch "
          "re-implementation of the models, not through the engine): the honest fp32 divergence "
          "with TF32 off is ≤ 8.4 ppm relative L2 and one quantum max-abs, inside the tolerance; "
          "with TF32 on it reaches 753 ppm, outside it, which is why the engine creates the CUDA "
          "provider with TF32 off.")
        w("")
        return
    d = device[0]
    suite = next((r for r in rows if r.get("kind") == "gpu_suite"), {})
    w(f"Device: **{d.get('name')}** ({d.get('memory_mib', '?')} MiB, compute capability "
      f"{d.get('compute_cap', '?')}, driver {d.get('driver', '?')}, CUDA {d.get('cuda_version', '?')}; "
      f"host {d.get('host_cpu', '?')}, {d.get('host_cpus', '?')} CPUs), measured "
      f"{suite.get('date', '?')} at commit `{str(suite.get('commit', '?'))[:7]}` by "
      f"`scripts/bench-gpu.sh` (`docs/bench-data/gpu.jsonl`).")
    w("")
    failed = [r for r in rows if r.get("kind") == "step_failed"]
    if failed:
        w("Steps that failed on the device: " + ", ".join(f"`{r.get('step')}`" for r in failed) + ".")
        w("")
    peak = [r for r in rows if r.get("kind") == "peak" and str(r.get("device", "")).startswith("cuda")]
    peak_tflops = max((r["tflops"] for r in peak), default=None)
    if peak_tflops:
        w(f"Measured fp32 GEMM peak (TF32 off, ONNX Runtime CUDA MatMul, `models/bench_peak.py`): "
          f"**{peak_tflops:.1f} TFLOP/s**.")
        w("")
    w("Speed-up: the CUDA engine against the same machine's CPU engine (all its cores), both at "
      "their class's batch.")
    w("")
    w("| model | device (requested → used) | batch | p50 s/batch | samples/s | achieved TFLOP/s | of peak | speed-up vs CPU |")
    w("|---|---|---|---|---|---|---|---|")

    def rate_of(model, device):
        data = [r for r in engine if r["model"] == model and str(r.get("device")) == device
                and r["kind"] == "infer"]
        if not data:
            return None, None
        med = statistics.median(r["infer_s"] for r in data)
        return data, data[0]["batch"] / med

    for model in sorted({r["model"] for r in engine}):
        _, cpu_rate = rate_of(model, "cpu")
        for dev in sorted({str(r.get("device")) for r in engine if r["model"] == model}):
            data, rate = rate_of(model, dev)
            if not data:
                continue
            batch = data[0]["batch"]
            med = batch / rate
            flops = data[0].get("flops_per_sample")
            tflops = rate * flops / 1e12 if flops else None
            of_peak = f"{tflops / peak_tflops:.1%}" if tflops and peak_tflops and dev != "cpu" else "–"
            speed = f"{rate / cpu_rate:.1f}×" if cpu_rate and dev != "cpu" else "–"
            tf = f"{tflops:.3f}" if tflops is not None else "–"
            w(f"| {model} | {data[0].get('device_requested', dev)} → {dev} | {batch} | {med:.4f} | "
              f"{rate:,.0f} | {tf} | {of_peak} | {speed} |")
    w("")
    honest = [r for r in rows if r.get("kind") == "honest"]
    if honest:
        w("Honest CUDA-vs-CPU divergence (prover on CUDA, verifier on CPU, the chain's verdict):")
        w("")
        _honest_table(w, honest)


def _honest_table(w, rows) -> None:
    w("| model | prover | verifier | audited samples | faulted | bit-identical | worst rel-L2 (ppm) | worst max-abs (quanta) | tolerance rel-L2 / max-abs (ppm) | cheats caught |")
    w("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        w(f"| {r['model']} | {r['prover']} | {r['verifier']} | {r['samples']:,} | **{r['faulted']}** | "
          f"{r['exact'] / r['samples']:.1%} | {r['max_rel_l2_ppm']:.2f} | {r['max_abs_quanta']} | "
          f"{r['tolerance_rel_l2_ppm']} / {r['tolerance_max_abs_ppm']} | "
          f"{r['cheats_caught']} of {r['cheats_checked']} |")
    w("")


def honest(w, rows) -> None:
    w("**Honest workers are not faulted (measured through the engine).** "
      "`offchain-worker/examples/bench_honest.rs`: a prover runs whole challenges with the worker's "
      "engine (`run_challenge`, runs of 1,024 samples), a verifier configured differently re-runs "
      "*every* sample in audits of k = 4 (`verify_samples`, as a verifier does), and each audit is "
      "judged by the chain's own code (`committee_verdict` with the model's tolerance):")
    w("")
    if not rows:
        w("_Not measured in this run (`honest.jsonl` missing)._")
        w("")
        return
    _honest_table(w, rows)
    total = sum(r["samples"] for r in rows)
    faulted = sum(r["faulted"] for r in rows)
    w(f"{total:,} honest samples audited, **{faulted} faulted** (goal: zero). The negative control "
      "(the same comparison on outputs a cheating prover would commit: made-up values, wrong "
      "inputs) shows the check is live: a benchmark that faulted nothing because it compared "
      "nothing would fail there.")
    w("")


def time_to_slash(w, rows, p_audit, k) -> None:
    w("**Time to slash, per `--poai-simulate-fault` mode** "
      "(`pallets/challenges/src/tests/time_to_slash.rs`: the real pallet on the mock chain, "
      "`ProtocolParams::TESTNET`, three honest verifiers and one cheater, new randomness each "
      "round, until the cheater's offence is reported, which slashes it at once):")
    w("")
    if not rows:
        w("_Not measured in this run (`slash.jsonl` missing)._")
        w("")
        return
    n = rows[0]["n"]
    w(f"| fault | trials | rounds to slash: mean | p50 | p90 | max | expected mean | blocks into the detecting round | offence, slash | time to slash (mean, at {SESSION_BLOCKS * BLOCK_S} s rounds) |")
    w("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        mode = r["mode"]
        if mode.startswith("partial:"):
            f = float(mode.split(":")[1])
            m = f * n
            # Faked samples per round ~ Binomial(n, f); d = E[1 − C(n−m,k)/C(n,k)] ≈ 1 − (1−f)^k.
            d = 1 - (1 - f) ** k
        elif mode == "late-commit":
            d = None
        else:
            d = 1.0
        expected = f"{1 / (p_audit * d):.1f}" if d else "3 (a miss per round, reported at the 3rd)"
        lat = (f"{r['latency_blocks_min']}" if r["latency_blocks_min"] == r["latency_blocks_max"]
               else f"{r['latency_blocks_min']}–{r['latency_blocks_max']}")
        fractions = ", ".join(f"{x / 10_000:g}%" for x in r["fractions_ppm"])
        seconds = ((r["rounds_mean"] - 1) * SESSION_BLOCKS + r["latency_blocks_max"]) * BLOCK_S
        w(f"| `{mode}` | {r['trials']} | {r['rounds_mean']:.1f} | {r['rounds_p50']} | {r['rounds_p90']} | "
          f"{r['rounds_max']} | {expected} | {lat} | {', '.join(r['offences'])}, {fractions} | "
          f"{_duration(seconds)} |")
    w("")
    w(f"A fraud is reported in the block that judges the round, {rows[0]['latency_blocks_min']}–"
      f"{rows[0]['latency_blocks_max']} blocks after the round is issued (commit window, draw, verify "
      "and reveal windows, verdict); a round is issued every session, so the time to slash is "
      "(rounds − 1) × session + that latency. `random`, `wrong-model` and `skip-reveal` are caught "
      "by the first audit (p = 50% per round, so 2 rounds on average); `late-commit` is a missed "
      "round (the pool refuses the late commitment) and the third miss in a row is reported as a "
      "1% offence; a partial cheater waits 1/(p·d) rounds. Mock challenges are n = "
      f"{n} samples; the detection probability depends on f and k, not on n (see the table "
      "above).")
    w("")


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.0f} s"


def capacity(w, rows) -> None:
    w("## 5. Chain capacity")
    w("")
    if not rows:
        w("_Not measured in this run (`capacity.jsonl` missing)._")
        w("")
        return
    limits = next(r for r in rows if r["kind"] == "limits")
    budget = limits["budget_percent"]
    w(f"From the runtime itself (`runtime/examples/capacity.rs`): the benchmarked weights as the "
      f"runtime configures them (`weights.rs` of each pallet, measured with `poai-node benchmark "
      f"pallet` by `scripts/benchmark-weights.sh`), real PoAI transactions as the worker submits "
      f"them (general transactions with the runtime's extensions, SCALE-encoded), and the block "
      f"limits: {_ps(limits['max_block_ref_time_ps'])} of compute and "
      f"{limits['max_length'] / 2**20:.0f} MiB per 3-second block (normal transactions up to "
      f"{limits['normal_max_length'] / 2**20:.2f} MiB), extrinsic base weight "
      f"{_ps(limits['base_extrinsic_ref_time_ps'])}.")
    w("")
    w("**Weights of every PoAI call and hook** (ref time; proof size matters only to a parachain):")
    w("")
    w("| pallet | call | parameters | ref time | proof size | note |")
    w("|---|---|---|---|---|---|")
    for r in rows:
        if r["kind"] == "weight":
            w(f"| {r['pallet']} | `{r['call']}` | {r['param'] or '–'} | {_ps(r['ref_time_ps'])} | "
              f"{_kib(r['proof_bytes'])} | {r['note']} |")
    w("")
    w("Parameters: e = output values compared (k samples × outputs per sample; 16,384 = 4 × 4,096 "
      "for tiny-lm, 65,536 the bound), w = workers in the round, m = models, c = draws in the "
      "block, k = keys pruned, n = backers/nominations, a = active models. A submission's "
      "`authorize` weight runs in the pool and again in the block.")
    w("")
    w("**One submission, as included** (dispatch + authorize + extensions + base):")
    w("")
    w("| model | transaction | ref time | share of block weight | length | share of block length |")
    w("|---|---|---|---|---|---|")
    for r in rows:
        if r["kind"] == "transaction":
            w(f"| {r['model']} | `{r['call']}` | {_ps(r['ref_time_ps'])} | "
              f"{r['block_weight_share_ppm'] / 1e4:.3f}% | {r['length']:,} B | "
              f"{r['block_length_share_ppm'] / 1e4:.3f}% |")
    w("")
    w(f"**Workers one round can serve within {budget}% of each block** (weight and length), window "
      f"by window. A round's transactions spread over their windows (commit: the class deadline; "
      f"verify: {limits['verify_window']} blocks; reveal: {limits['reveal_window']} blocks); the "
      f"hooks are chunked ({limits['draws_per_block']} draws, {limits['judgements_per_block']} "
      f"verdicts, {limits['prune_keys_per_block']} pruned keys per block). *Expected*: "
      f"p = {limits['audit_probability_ppm'] / 1e4:.0f}% of the workers audited by "
      f"{limits['verifiers']} verifiers, commitments spread over the deadline; *worst*: every "
      f"worker audited by {limits['verifiers'] + limits['reaudit_extra_verifiers']} verifiers "
      f"(re-audits), every commitment in the same block and every judged worker faulted "
      f"(its offence report charged).")
    w("")
    caps = [r for r in rows if r["kind"] == "capacity"]
    models = list(dict.fromkeys(r["model"] for r in caps))
    windows = list(dict.fromkeys(r["window"] for r in caps))
    runtime_max = caps[0]["runtime_max_workers"]
    search_cap = runtime_max * 100
    w("| model | case | " + " | ".join(windows) + " | round limit |")
    w("|---|---|" + "---|" * len(windows) + "---|")
    binding = {}
    for model in models:
        for case in ("expected", "worst"):
            cells, limit = [], None
            for win in windows:
                r = next(x for x in caps if x["model"] == model and x["case"] == case and x["window"] == win)
                cells.append(f"> {search_cap:,}" if r["max_workers"] >= search_cap else f"{r['max_workers']:,}")
                if limit is None or r["max_workers"] < limit[0]:
                    limit = (r["max_workers"], win)
            binding[(model, case)] = limit
            verdict = (f"**{limit[0]:,}** ({limit[1]})" if limit[0] < runtime_max
                       else f"{runtime_max} (the runtime's `MaxWorkers`)")
            w(f"| {model} | {case} | " + " | ".join(cells) + f" | {verdict} |")
    w("")
    tight = [(m, c, v) for (m, c), v in binding.items() if v[0] < runtime_max]
    if tight:
        w("**What binds.** " + "; ".join(
            f"{m} ({c}): the {v[1]} window at {v[0]:,} workers" for m, c, v in tight)
          + f", below the runtime's bound of {runtime_max} workers per round. It is block *length*, "
          "not weight: every verification and every reveal carries the k opened samples' full "
          "outputs (tiny-lm: 4 × 4,096 values × 4 bytes ≈ 64 KiB per transaction), so a "
          "3-block verify window holds a few dozen verifications per block. Beyond that many "
          "workers the transactions wait in the pool and miss their window (the verifier is "
          "recorded as missing, never slashed, and an audit without verifications is "
          "inconclusive and re-audited). Operators: keep the worker set of a large-output model "
          "below this figure, or lengthen `verify_window`/`reveal_window` (`set_params`) with the "
          "session; the protocol's way out (ADR 0005, proposed) is to open a seeded subset of each sample's outputs "
          "(a Merkle tree per sample), which would cut these transactions by the same factor.")
        w("")
    w("**State per round** (SCALE size of keys + values as stored; all of it is removed when the "
      "round is pruned after its verdicts, so it does not accumulate):")
    w("")
    w("| model | per round | per model | per worker (snapshot + commitment) | per audit (audit + reveal) | per verification | expected per worker | a round of 256 workers (expected) |")
    w("|---|---|---|---|---|---|---|---|")
    for r in rows:
        if r["kind"] == "state":
            whole = r["per_round_bytes"] + r["per_model_bytes"] + r["runtime_max_workers"] * r["expected_per_worker_bytes"]
            w(f"| {r['model']} | {r['per_round_bytes']} B | {r['per_model_bytes']} B | "
              f"{r['per_worker_bytes']} B | {_kib(r['per_audit_bytes'])} | "
              f"{_kib(r['per_verification_bytes'])} | {_kib(r['expected_per_worker_bytes'])} | "
              f"{whole / 2**20:.1f} MiB |")
    w("")
    w("The persistent state per worker is what staking and reputation keep (ledger, candidacy, "
      "reputation record) plus a miss streak or re-audit flag while one is open: a few hundred "
      "bytes, independent of the rounds played.")
    w("")


def latency(w, rows, capacity_rows) -> None:
    limits = next((r for r in capacity_rows if r["kind"] == "limits"), None)
    if limits:
        base = limits["commit_window"] + 1 + limits["verify_window"] + limits["reveal_window"] + 1
        w(f"**Latency from issue to verdict.** A round of w workers with a audits is judged "
          f"commit_window + ⌈w/{limits['draws_per_block']}⌉ + verify_window + reveal_window + "
          f"⌈a/{limits['judgements_per_block']}⌉ blocks after it is issued: {base} blocks "
          f"({base * BLOCK_S} s) up to 64 workers and 16 audits, inside the {SESSION_BLOCKS}-block "
          f"session, so rounds do not pile up.")
    rounds = [r for r in rows if r.get("kind") == "round_latency"]
    if rounds:
        w(" Measured on a `--dev` node by `scripts/bench-node.sh` (real worker, real inference, "
          "events read through @polkadot/api; a single validator, so no audit and the verdict "
          "follows the draw): " + "; ".join(
              f"round {r['round']}: committed {r['commit_blocks']} block after issue, verdict after "
              f"{r['blocks']} blocks ({r['seconds']:.0f} s), closed (pruned) after "
              f"{r['closed_blocks']} blocks ({r['closed_seconds']:.0f} s)" for r in rounds) + ".")
    w("")


def node(w, rows, capacity_rows=()) -> None:
    w("## 6. Node")
    w("")
    if not rows:
        w("_Not measured in this run (`node.jsonl` missing)._")
        w("")
        return
    meta = next((r for r in rows if r["kind"] == "meta"), {})
    w(f"`scripts/bench-node.sh` on {meta.get('node', 'poai-node')}:")
    w("")
    w("| measured | value | note |")
    w("|---|---|---|")
    for r in rows:
        kind = r["kind"]
        if kind == "binary":
            w(f"| release binary `{r['path']}` | {r['bytes'] / 2**20:.1f} MiB | "
              "native runtime, ParityDb, no RocksDB |")
        elif kind == "wasm":
            w(f"| runtime wasm (compressed) | {r['bytes'] / 1024:,.0f} KiB | "
              f"{r.get('compact_bytes', 0) / 1024:,.0f} KiB uncompressed |")
        elif kind == "rss":
            extra = []
            if "rounds_closed" in r:
                extra.append(f"{r['rounds_closed']} rounds run")
            if "poai_worker_inference_seconds_mean" in r:
                extra.append(f"inference {r['poai_worker_inference_seconds_mean']:.2f} s per challenge, "
                             f"{r.get('poai_worker_samples_per_second', 0):,.0f} samples/s (worker metrics)")
            ran = [m for x in rows if x["kind"] == "round_latency" for m in x.get("ran", [])]
            if "rounds_closed" in r and ran:
                extra.append("the rounds ran " + ", ".join(ran))
            if "load1" in r:
                extra.append(f"load average {r['load1']}")
            extra = "; ".join(extra)
            w(f"| RSS, {r['mode']} | median {r['median_kib'] / 1024:,.0f} MiB, max "
              f"{r['max_kib'] / 1024:,.0f} MiB (peak {r['hwm_kib'] / 1024:,.0f} MiB) | "
              f"sampled every second for {r['seconds']} s{'; ' + extra if extra else ''} |")
        elif kind == "build":
            source = ("measured by this run" if r.get("source") == "measured"
                      else f"recorded in {r.get('source')} ({r.get('date', '?')}); "
                      "`BENCH_BUILD=1` / `BENCH_COLD_BUILD=1` measure it again")
            approx = "≈ " if r.get("approx") else ""
            w(f"| build: {r['what']} | {approx}{_duration(r['seconds'])} | {source} |")
    w("")
    kept = {r["model"]: r["n"] * r["elements"] // r["k"] * 4 for r in capacity_rows
            if r["kind"] == "transaction" and r["call"] == "commit"}
    if kept:
        w("With the worker, memory depends on the model a round draws: the worker keeps a "
          "commitment's quantised outputs until its reveal window closes, so that it can open "
          "any sample (" + ", ".join(f"{m}: {b / 2**20:,.2f} MiB per challenge" for m, b in kept.items())
          + "), and ONNX Runtime keeps its arenas per loaded model, so RSS varies with the models "
          "the rounds drew (listed in the worker row).")
        w("")


def operators(w, summary, honest_rows, slash_rows, capacity_rows, node_rows) -> None:
    """What the figures above mean for someone running a validator."""
    w("## 8. What this means for operators")
    w("")
    for model, s in summary.items():
        prove = s.get("prover_e2e")
        if prove:
            w(f"- **{model}**: a challenge of {s['batch']:,} samples takes {prove:.2f} s end to end "
              f"on this 2-core machine (p50), against a deadline of 6 blocks (18 s): a CPU worker "
              f"of this class has ample headroom. The engine runs at {s.get('paired', s['ratio']):.2f}× "
              f"the speed of ONNX Runtime's own Python binding on the same library (median of the "
              f"alternating rounds).")
    if honest_rows:
        total = sum(r["samples"] for r in honest_rows)
        faulted = sum(r["faulted"] for r in honest_rows)
        w(f"- An honest worker is not slashed for float noise: {faulted} false faults in "
          f"{total:,} audited samples; the worst honest divergence measured is far inside the "
          "tolerance. Keep TF32 off on GPUs (the engine does).")
    full = [r for r in slash_rows if r["mode"] in ("random", "wrong-model", "skip-reveal")]
    if full:
        worst = max(r["rounds_p90"] for r in full)
        w(f"- A worker that fakes its work, runs a wrong model or withholds its reveal is slashed "
          f"20% of its bond within {worst} rounds in 90% of the trials (one round per minute on "
          "the testnet); one that misses its commitment three rounds running loses 1%. A "
          "partial cheater is caught more slowly the less it fakes (about 50 rounds at 1%), "
          "and saves correspondingly little.")
    caps = [r for r in capacity_rows if r["kind"] == "capacity" and r["case"] == "expected"]
    for model in dict.fromkeys(r["model"] for r in caps):
        limit = min(r["max_workers"] for r in caps if r["model"] == model)
        bound = caps[0]["runtime_max_workers"]
        if limit < bound:
            w(f"- The chain serves at most **{limit} workers per round on {model}** before its "
              f"verification transactions overflow half of the verify window's blocks (block "
              f"length); {model} is fine for a testnet of tens of validators, not yet for the "
              f"runtime's {bound}.")
    rss = {r["mode"]: r for r in node_rows if r["kind"] == "rss"}
    if rss:
        w("- Memory: " + "; ".join(f"{mode}: {r['max_kib'] / 1024:,.0f} MiB RSS at most"
                                   for mode, r in rss.items())
          + ".")
    w("")
