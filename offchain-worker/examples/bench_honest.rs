//! The false-fault rate of honest workers (issue #6): how often the chain would fault an honest
//! worker whose samples an honest verifier, on a differently configured machine, re-runs.
//!
//! ```text
//! cargo run --release --locked -p poai-offchain-worker --example bench_honest -- \
//!     [--model tiny-lm] [--seeds 3] [--prover-threads 2] [--verifier-threads 1] \
//!     [--batch N] [--cheats 256] [--models DIR] [--prover-device cpu|cuda|cuda:N] \
//!     [--ort-lib PATH]
//! ```
//!
//! For each model (all of `models.json`, or just `--model`) and each of `--seeds` challenge seeds:
//!
//! - the **prover** (an engine with `--prover-threads` intra-op threads) runs the whole batch
//!   (the model's CPU batch from `models.json`, or `--batch`) with [`run_challenge`](poai_offchain_worker::challenge::run_challenge), as a worker
//!   does for its commitment: session runs of [`MAX_SAMPLES_PER_RUN`] samples;
//! - **every** sample of the batch is audited, in groups of `k` = 4 (the chain's
//!   `audit_samples`): the prover opens the group ([`ChallengeOutput::open`], proofs checked
//!   against its root with [`verify_sample`], as the pallet checks a reveal), and the
//!   **verifier** (another engine, `--verifier-threads` intra-op threads, so other kernels'
//!   reduction splits, and session runs of 4 samples instead of 1024) re-runs the group with
//!   [`verify_samples`], as a verifier does. The verifier always runs on the CPU; the prover
//!   runs on `--prover-device` (default `cpu`), so `--prover-device cuda` measures the honest
//!   CUDA-vs-CPU divergence the tolerance must admit (a GPU worker audited by CPU verifiers).
//!   CUDA needs a CUDA build of ONNX Runtime (`--ort-lib`, e.g. the `onnxruntime-gpu` wheel's
//!   `libonnxruntime.so`; both engines use that one library, loaded once per process); when
//!   CUDA cannot be used the prover falls back to the CPU with a warning on stderr, and
//!   `prover_device` says `cpu`;
//! - each opened sample is judged as the pallet's `judge_one` judges it: [`committee_verdict`]
//!   of the worker's output against the committee's (3 honest verifiers, all submitting the
//!   verifier engine's output, committee of 3) with the model's `scale_bits` and `tolerance`.
//!   A sample is *faulted* when the verdict is not `Pass`.
//!
//! Negative control, so that the benchmark cannot pass by judging nothing: for the first
//! `--cheats` samples of the first seed, three cheating provers are judged against the same
//! honest verifier outputs: [`Fault::RandomOutputs`] (a lazy worker's `challenge::fake_output`s),
//! [`Fault::WrongModel`] (real model outputs of other inputs) and the honest outputs shifted by
//! one sample (sample `i` opened with sample `i + 1`'s output). Each must fail.
//!
//! Prints one JSON line per model on stdout (keys in alphabetical order; log lines go to stderr):
//!
//! ```text
//! {"kind":"honest","model":"tiny-lm","batch":4096,"seeds":3,"samples":12288,"faulted":0,
//!  "exact":12288,"max_rel_l2_ppm":0.0,"max_abs_quanta":0,"tolerance_rel_l2_ppm":100,
//!  "tolerance_max_abs_ppm":1000,"scale_bits":16,"prover":"cpu, 2 threads, runs of 1024",
//!  "verifier":"cpu, 1 thread, runs of 4","cheats_checked":768,"cheats_caught":768,
//!  "cheats":{"random":[256,256],"wrong-model":[256,256],"wrong-sample":[256,256]},
//!  "seconds":12.3,"prover_device":"cpu","prover_device_requested":"cpu",
//!  "verifier_device":"cpu","ort_lib":"/…/libonnxruntime.so.1.31.1"}
//! ```
//!
//! `samples`: audited samples (batch × seeds); `faulted`: those whose verdict is not `Pass`;
//! `exact`: those whose quantised outputs are bit-identical; `max_rel_l2_ppm`: the largest
//! ‖worker − verifier‖₂ / ‖verifier‖₂ observed, in ppm; `max_abs_quanta`: the largest element
//! difference, in quantised units (2^-scale_bits); `cheats`: per cheat, `[checked, caught]`
//! (caught: the verdict is `Fail`); `seconds`: the wall time of the honest part (prover and
//! verifier runs, judging), without the negative control; `prover_device` / `verifier_device`:
//! the devices the models actually ran on (after any CUDA fallback), `prover_device_requested`
//! the one asked for; `ort_lib`: the ONNX Runtime library loaded.

mod support;

use poai_offchain_worker::{
	challenge::{verify_samples, ChallengeOutput, Fault},
	engine::{Device, Engine, EngineConfig, GraphOptimization, LoadedModel, MAX_SAMPLES_PER_RUN},
};
use poai_primitives::{
	committee_verdict, merkle_proof, verify_sample, ModelId, ModelSpec, SampleIndex, Seed, Verdict,
};
use sp_runtime::traits::{BlakeTwo256, Hash as _};
use std::{
	path::{Path, PathBuf},
	time::Instant,
};

/// Samples audited per worker and round (the chain's `audit_samples`).
const K: usize = 4;
/// Verifiers per audit (the chain's `verifiers`).
const COMMITTEE: usize = 3;

/// Command-line options.
struct Args {
	models_dir: PathBuf,
	model: Option<String>,
	batch: Option<u32>,
	seeds: u32,
	prover_threads: usize,
	verifier_threads: usize,
	cheats: u32,
	prover_device: Device,
	ort_lib: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
	let mut args = Args {
		models_dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("../models"),
		model: None,
		batch: None,
		seeds: 3,
		prover_threads: 2,
		verifier_threads: 1,
		cheats: 256,
		prover_device: Device::Cpu,
		ort_lib: None,
	};
	let mut it = std::env::args().skip(1);
	while let Some(flag) = it.next() {
		let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
		let number = |v: String| v.parse::<u32>().map_err(|e| format!("{flag} {v}: {e}"));
		match flag.as_str() {
			"--models" => args.models_dir = value()?.into(),
			"--model" => args.model = Some(value()?),
			"--batch" => args.batch = Some(number(value()?)?),
			"--seeds" => args.seeds = number(value()?)?,
			"--prover-threads" => args.prover_threads = number(value()?)? as usize,
			"--verifier-threads" => args.verifier_threads = number(value()?)? as usize,
			"--cheats" => args.cheats = number(value()?)?,
			"--prover-device" => {
				args.prover_device =
					value()?.parse().map_err(|e| format!("--prover-device: {e}"))?
			}
			"--ort-lib" => args.ort_lib = Some(value()?.into()),
			other => {
				return Err(format!(
					"unknown argument `{other}`; usage: bench_honest [--model NAME] [--seeds N] \
					 [--prover-threads T] [--verifier-threads T] [--batch N] [--cheats N] \
					 [--models DIR] [--prover-device cpu|cuda|cuda:N] [--ort-lib PATH]"
				))
			}
		}
	}
	Ok(args)
}

/// The challenge seed number `i` of this benchmark.
fn seed(i: u32) -> Seed {
	let mut bytes = b"poai/bench-honest".to_vec();
	bytes.extend(i.to_le_bytes());
	BlakeTwo256::hash(&bytes).0
}

/// An engine on `device` (CPU sessions with `threads` intra-op threads).
fn engine(args: &Args, device: Device, threads: usize) -> Result<Engine, String> {
	Engine::new(EngineConfig {
		models_dir: args.models_dir.clone(),
		ort_lib: args.ort_lib.clone(),
		device,
		threads: Some(threads),
		optimization: GraphOptimization::All,
	})
	.map_err(|e| e.to_string())
}

/// `cpu, 2 threads, runs of 1024`, or `cuda:0, runs of 1024` (threads are the CPU's).
fn describe(model: &LoadedModel, threads: usize, run: usize) -> String {
	let plural = if threads == 1 { "" } else { "s" };
	match model.device() {
		device @ Device::Cpu => format!("{device}, {threads} thread{plural}, runs of {run}"),
		device @ Device::Cuda(_) => format!("{device}, runs of {run}"),
	}
}

/// The worst honest divergence seen, and the counts.
#[derive(Default)]
struct Tally {
	samples: u64,
	faulted: u64,
	exact: u64,
	max_rel_l2_ppm: f64,
	max_abs_quanta: u64,
}

impl Tally {
	fn record(&mut self, worker: &[i32], verifier: &[i32], verdict: Verdict) {
		self.samples += 1;
		if verdict != Verdict::Pass {
			self.faulted += 1;
		}
		if worker == verifier {
			self.exact += 1;
		}
		let (mut diff_sq, mut ref_sq, mut max_abs) = (0f64, 0f64, 0u64);
		for (&w, &v) in worker.iter().zip(verifier) {
			let d = i64::from(w) - i64::from(v);
			diff_sq += (d as f64) * (d as f64);
			ref_sq += f64::from(v) * f64::from(v);
			max_abs = max_abs.max(d.unsigned_abs());
		}
		let rel = if diff_sq == 0.0 {
			0.0
		} else if ref_sq == 0.0 {
			f64::INFINITY
		} else {
			(diff_sq / ref_sq).sqrt() * 1e6
		};
		self.max_rel_l2_ppm = self.max_rel_l2_ppm.max(rel);
		self.max_abs_quanta = self.max_abs_quanta.max(max_abs);
	}
}

/// The pallet's verdict on a worker's opened `output` when the whole committee submits
/// `verifier` (every honest verifier runs the same engine, so they submit the same output).
fn judge(spec: &ModelSpec, output: &[i32], verifier: &[i32]) -> Verdict {
	let references = [verifier; COMMITTEE];
	committee_verdict(output, &references, COMMITTEE, spec.scale_bits, spec.tolerance).verdict
}

/// A prover's challenge with every sample's output. A worker keeps only the leaves and runs a
/// batch again to open a sample ([`ChallengeOutput::open`]); auditing every sample that way
/// would run each batch once per audit, so the benchmark computes all outputs once and checks
/// that the commitment hashes exactly them.
struct Committed {
	challenge: ChallengeOutput,
	outputs: Vec<Vec<i32>>,
}

impl Committed {
	fn run(
		prover: &LoadedModel,
		spec: &ModelSpec,
		seed: &Seed,
		n: u32,
		fault: Option<Fault>,
	) -> Result<Self, String> {
		let (challenge, outputs) = support::committed(prover, spec, seed, n, fault)?;
		Ok(Self { challenge, outputs })
	}

	/// Opens `group` with Merkle proofs and checks them as the pallet checks a reveal.
	fn open(&self, group: &[SampleIndex]) -> Result<Vec<Vec<i32>>, String> {
		let (root, n) = (&self.challenge.root, self.challenge.n());
		group
			.iter()
			.map(|&index| {
				let output = self.outputs.get(index as usize).ok_or("index out of range")?;
				let proof = merkle_proof(&self.challenge.leaves, index).ok_or("no proof")?;
				if !verify_sample(root, n, index, output, &proof) {
					return Err(format!("sample {index}: the opening does not verify"));
				}
				Ok(output.clone())
			})
			.collect()
	}
}

fn bench(
	args: &Args,
	prover_engine: &Engine,
	verifier_engine: &Engine,
	id: ModelId,
	spec: &ModelSpec,
) -> Result<serde_json::Value, String> {
	let name = String::from_utf8_lossy(&spec.name).into_owned();
	let batch = args.batch.unwrap_or_else(|| spec.tiers.first().map_or(4096, |c| c.batch_size));
	let prover = prover_engine.model(id, spec).map_err(|e| e.to_string())?;
	let verifier = verifier_engine.model(id, spec).map_err(|e| e.to_string())?;
	let started = Instant::now();
	let mut tally = Tally::default();
	// The honest verifier's outputs of the first `cheats` samples of the first seed.
	let cheats = args.cheats.min(batch) as usize;
	let mut control: Vec<Vec<i32>> = Vec::with_capacity(cheats);
	// The prover's honest challenge of the first seed, for the wrong-sample cheat.
	let mut first: Option<Committed> = None;
	for s in 0..args.seeds {
		let seed = seed(s);
		let challenge = Committed::run(&prover, spec, &seed, batch, None)?;
		let indices: Vec<SampleIndex> = (0..batch).collect();
		for group in indices.chunks(K) {
			let worker = challenge.open(group)?;
			let verified =
				verify_samples(&verifier, spec, &seed, group, None).map_err(|e| e.to_string())?;
			for (output, reference) in worker.iter().zip(verified.iter()) {
				tally.record(output, reference, judge(spec, output, reference));
				if s == 0 && control.len() < cheats {
					control.push(reference.to_vec());
				}
			}
		}
		eprintln!(
			"{name}: seed {}/{}: {} samples audited, {} faulted, {} exact ({:.1} s)",
			s + 1,
			args.seeds,
			tally.samples,
			tally.faulted,
			tally.exact,
			started.elapsed().as_secs_f64()
		);
		first.get_or_insert(challenge);
	}
	let honest_seconds = started.elapsed().as_secs_f64();

	// Negative control: cheating provers against the honest verifier's outputs.
	let mut report = serde_json::Map::new();
	let (mut checked, mut caught) = (0u64, 0u64);
	if let (Some(honest), true) = (&first, cheats > 0) {
		let seed = seed(0);
		let n = u32::try_from(cheats).unwrap_or(u32::MAX);
		let indices: Vec<SampleIndex> = (0..n).collect();
		for (what, fault) in [
			("random", Some(Fault::RandomOutputs)),
			("wrong-model", Some(Fault::WrongModel)),
			("wrong-sample", None),
		] {
			let (mut c, mut m) = (0u64, 0u64);
			let cheat = match fault {
				Some(fault) => Some(Committed::run(&prover, spec, &seed, n, Some(fault))?),
				None => None,
			};
			for group in indices.chunks(K) {
				let outputs = match &cheat {
					Some(cheat) => cheat.open(group)?,
					// Sample i opened with sample i + 1's output (an honest output, wrong sample).
					None => group
						.iter()
						.map(|&i| honest.outputs[(i as usize + 1) % batch as usize].clone())
						.collect(),
				};
				for (&index, output) in group.iter().zip(&outputs) {
					c += 1;
					if judge(spec, output, &control[index as usize]) == Verdict::Fail {
						m += 1;
					}
				}
			}
			eprintln!("{name}: cheat `{what}`: {m} of {c} caught");
			report.insert(what.into(), serde_json::json!([c, m]));
			checked += c;
			caught += m;
		}
	}

	Ok(serde_json::json!({
		"kind": "honest",
		"model": name,
		"batch": batch,
		"seeds": args.seeds,
		"samples": tally.samples,
		"faulted": tally.faulted,
		"exact": tally.exact,
		"max_rel_l2_ppm": tally.max_rel_l2_ppm,
		"max_abs_quanta": tally.max_abs_quanta,
		"tolerance_rel_l2_ppm": spec.tolerance.rel_l2_ppm,
		"tolerance_max_abs_ppm": spec.tolerance.max_abs_ppm,
		"scale_bits": spec.scale_bits,
		"prover": describe(&prover, args.prover_threads, MAX_SAMPLES_PER_RUN),
		"verifier": describe(&verifier, args.verifier_threads, K),
		"cheats_checked": checked,
		"cheats_caught": caught,
		"cheats": report,
		"seconds": honest_seconds,
		"prover_device": prover.device().to_string(),
		"prover_device_requested": args.prover_device.to_string(),
		"verifier_device": verifier.device().to_string(),
		"ort_lib": prover_engine.library().display().to_string(),
	}))
}

fn main() -> Result<(), String> {
	let args = parse_args()?;
	support::log_to_stderr();
	let all = support::models(&args.models_dir)?;
	let chosen: Vec<&(ModelId, ModelSpec)> = match &args.model {
		Some(model) => vec![all
			.iter()
			.find(|(_, spec)| &spec.name[..] == model.as_bytes())
			.ok_or_else(|| format!("no model `{model}` in models.json"))?],
		None => all.iter().collect(),
	};
	let prover_engine = engine(&args, args.prover_device, args.prover_threads)?;
	let verifier_engine = engine(&args, Device::Cpu, args.verifier_threads)?;
	for (id, spec) in chosen {
		println!("{}", bench(&args, &prover_engine, &verifier_engine, *id, spec)?);
	}
	Ok(())
}
