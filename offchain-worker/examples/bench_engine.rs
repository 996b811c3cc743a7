//! Times the worker's inference engine on the registered models; `scripts/benchmarks.sh` runs it
//! and compares it with `models/bench_reference.py` (the Python onnxruntime reference).
//!
//! ```text
//! cargo run --release --locked -p poai-offchain-worker --example bench_engine -- \
//!     --model tiny-lm [--batch 4096] [--reps 5] [--threads 2] [--verify-reps 30]
//! ```
//!
//! Prints one JSON line per measurement on stdout:
//!
//! - `"kind": "infer"`: one batch of samples `0..batch` of the challenge with seed `0x01…01`
//!   through [`LoadedModel::run_quantised`]; `infer_s` is the time spent inside ONNX Runtime's
//!   session runs alone ([`poai_offchain_worker::engine::RunStats::inference`], inputs generated
//!   beforehand, chunks of [`MAX_SAMPLES_PER_RUN`]), `e2e_s` the wall time of the whole call
//!   (Blake2 input generation + inference + quantisation), `checksum` the sum of the quantised
//!   outputs (compared with the reference's to show both ran the same inputs);
//! - `"kind": "challenge"`: the wall time of [`run_challenge`] on the same batch (what a worker
//!   does for a commitment: generation, inference, quantisation, Merkle leaves and root);
//! - `"kind": "verify"`: the wall time of [`verify_samples`] on `k` = 4 samples (what one
//!   verifier does for one audited worker).
//!
//! The first batch of each kind is a warm-up and is not printed.

use poai_offchain_worker::{
	challenge::{run_challenge, verify_samples},
	engine::{Device, Engine, EngineConfig, MAX_SAMPLES_PER_RUN},
};
use poai_primitives::{model::registry_json, ModelId, ModelSpec, SampleIndex};
use std::{
	path::{Path, PathBuf},
	time::Instant,
};

/// The registered models with ids 0, 1, … in file order (as genesis registers them).
fn models(dir: &Path) -> Result<Vec<(ModelId, ModelSpec)>, String> {
	let path = dir.join("models.json");
	let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
	Ok((0..).zip(registry_json::parse(&text)?).collect())
}

/// Command-line options.
struct Args {
	models_dir: PathBuf,
	model: String,
	batch: Option<u32>,
	reps: usize,
	threads: usize,
	verify_reps: usize,
}

fn parse_args() -> Result<Args, String> {
	let mut args = Args {
		models_dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("../models"),
		model: "tiny-lm".into(),
		batch: None,
		reps: 5,
		threads: 2,
		verify_reps: 30,
	};
	let mut it = std::env::args().skip(1);
	while let Some(flag) = it.next() {
		let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
		let number = |v: String| v.parse::<usize>().map_err(|e| format!("{flag} {v}: {e}"));
		match flag.as_str() {
			"--models" => args.models_dir = value()?.into(),
			"--model" => args.model = value()?,
			"--batch" => args.batch = Some(number(value()?)? as u32),
			"--reps" => args.reps = number(value()?)?,
			"--threads" => args.threads = number(value()?)?,
			"--verify-reps" => args.verify_reps = number(value()?)?,
			other => {
				return Err(format!(
					"unknown argument `{other}`; usage: bench_engine --model NAME [--batch N] \
					 [--reps R] [--threads T] [--verify-reps V] [--models DIR]"
				))
			}
		}
	}
	Ok(args)
}

fn main() -> Result<(), String> {
	let args = parse_args()?;
	let (id, spec) = models(&args.models_dir)?
		.into_iter()
		.find(|(_, spec)| &spec.name[..] == args.model.as_bytes())
		.ok_or_else(|| format!("no model `{}` in models.json", args.model))?;
	let batch = args.batch.unwrap_or_else(|| spec.classes.first().map_or(4096, |c| c.batch_size));
	let engine = Engine::new(EngineConfig {
		threads: Some(args.threads),
		device: Device::Cpu,
		..EngineConfig::cpu(&args.models_dir)
	})
	.map_err(|e| e.to_string())?;
	let model = engine.model(id, &spec).map_err(|e| e.to_string())?;
	let seed = [1u8; 32];
	let indices: Vec<SampleIndex> = (0..batch).collect();
	let header = |kind: &str| {
		serde_json::json!({
			"side": "rust",
			"kind": kind,
			"model": args.model,
			"batch": batch,
			"threads": args.threads,
			"chunk": MAX_SAMPLES_PER_RUN,
		})
	};

	for rep in 0..=args.reps {
		let started = Instant::now();
		let (rows, stats) =
			model.run_quantised(&spec, &seed, &indices).map_err(|e| e.to_string())?;
		let e2e = started.elapsed();
		let checksum: i64 = rows.iter().flatten().map(|&v| i64::from(v)).sum();
		if rep > 0 {
			let mut line = header("infer");
			line["infer_s"] = stats.inference.as_secs_f64().into();
			line["e2e_s"] = e2e.as_secs_f64().into();
			line["runs"] = stats.runs.into();
			line["checksum"] = checksum.into();
			println!("{line}");
		}
	}

	for rep in 0..=args.reps {
		let started = Instant::now();
		let output = run_challenge(&model, &spec, &seed, batch, None).map_err(|e| e.to_string())?;
		let wall = started.elapsed();
		if rep > 0 {
			let mut line = header("challenge");
			line["e2e_s"] = wall.as_secs_f64().into();
			line["infer_ms_reported"] = output.wall_time_ms.into();
			println!("{line}");
		}
	}

	// Four audited samples spread over the batch, as the chain's draw picks them.
	let audited: Vec<SampleIndex> =
		[batch / 7, batch / 3, batch / 2 + 1, batch - 1].into_iter().collect();
	for rep in 0..=args.verify_reps {
		let started = Instant::now();
		verify_samples(&model, &spec, &seed, &audited, None).map_err(|e| e.to_string())?;
		let wall = started.elapsed();
		if rep > 0 {
			let mut line = header("verify");
			line["samples"] = audited.len().into();
			line["e2e_s"] = wall.as_secs_f64().into();
			println!("{line}");
		}
	}
	Ok(())
}
