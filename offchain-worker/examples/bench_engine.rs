//! Times the worker's inference engine on the registered models; `scripts/benchmarks.sh` runs it
//! and compares it with `models/bench_reference.py` (the Python onnxruntime reference).
//!
//! ```text
//! cargo run --release --locked -p poai-offchain-worker --example bench_engine -- \
//!     --model tiny-lm [--batch 4096] [--reps 5] [--threads 2] [--verify-reps 30] \
//!     [--device cpu|cuda|cuda:N] [--ort-lib PATH] [--models DIR] [--raw-ort]
//! ```
//!
//! `--device` is the engine's device ([`Device`]; default `cpu`). CUDA needs a CUDA build of ONNX
//! Runtime (the `onnxruntime-gpu` wheel's `libonnxruntime.so`, named with `--ort-lib` or found as
//! [`find_library`] finds it); when CUDA cannot be used the engine falls back to the CPU with a
//! warning on stderr, and every line's `device` says `cpu`. The default batch is, on CUDA,
//! `MAX_BATCH_SIZE` (65,536), and on the CPU the model's first tier's batch in `models.json`.
//!
//! Prints one JSON line per measurement on stdout. Every line has `side`, `kind`, `model`,
//! `batch`, `threads`, `chunk`, `device` (the device the model actually ran on: `cpu` or
//! `cuda:N`, so a CUDA fallback shows), `device_requested`, `ort_lib` (the library loaded) and
//! `flops_per_sample` (from `models.json`: achieved FLOP/s = `flops_per_sample` × `batch` /
//! `infer_s`):
//!
//! - `"kind": "infer"`: one batch of samples `0..batch` of the challenge with seed `0x01…01`
//!   through [`LoadedModel::run_quantised`]; `infer_s` is the time spent inside ONNX Runtime's
//!   session runs alone ([`poai_offchain_worker::engine::RunStats::inference`], inputs generated
//!   beforehand, chunks of [`MAX_SAMPLES_PER_RUN`]), `e2e_s` the wall time of the whole call
//!   (Blake2 input generation + inference + quantisation), `checksum` the sum of the quantised
//!   outputs (compared with the reference's to show both ran the same inputs);
//! - `"kind": "challenge"`: the wall time of [`run_challenge`] on the same batch (what a worker
//!   does for a commitment: generation, inference, quantisation, Merkle leaves and root);
//!   `kept_bytes` is what the commitment keeps until the reveal (its leaves), `outputs_bytes`
//!   what keeping every quantised output would take;
//! - `"kind": "open"`: the wall time of [`ChallengeOutput::open`](poai_offchain_worker::ChallengeOutput::open) on `k` = 4 samples (what an
//!   audited worker does to reveal: the batches holding them run again, checked against the
//!   leaves);
//! - `"kind": "verify"`: the wall time of [`verify_samples`] on `k` = 4 samples (what one
//!   verifier does for one audited worker).
//!
//! With `--raw-ort`, the engine is not used: `"side": "rust-ort"`, `"kind": "infer"` times
//! `ort`'s `Session::run` directly (the engine's session options, all inputs generated before
//! the first run, the chunks run back to back as the Python reference runs them), to tell the
//! binding's cost from the engine loop's.
//!
//! The first batch of each kind is a warm-up and is not printed. The engine's log (the library
//! and device it settled on, any CUDA fallback) goes to stderr.

mod support;

use poai_offchain_worker::{
	challenge::{run_challenge, verify_samples},
	engine::{find_library, Device, Engine, EngineConfig, GraphOptimization, MAX_SAMPLES_PER_RUN},
};
use poai_primitives::{ModelSpec, SampleIndex, MAX_BATCH_SIZE};
use std::{
	path::{Path, PathBuf},
	time::Instant,
};

/// Command-line options.
struct Args {
	models_dir: PathBuf,
	model: String,
	batch: Option<u32>,
	reps: usize,
	threads: usize,
	verify_reps: usize,
	raw_ort: bool,
	device: Device,
	ort_lib: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
	let mut args = Args {
		models_dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("../models"),
		model: "tiny-lm".into(),
		batch: None,
		reps: 5,
		threads: 2,
		verify_reps: 30,
		raw_ort: false,
		device: Device::Cpu,
		ort_lib: None,
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
			"--raw-ort" => args.raw_ort = true,
			"--device" => args.device = value()?.parse().map_err(|e| format!("--device: {e}"))?,
			"--ort-lib" => args.ort_lib = Some(value()?.into()),
			other => {
				return Err(format!(
					"unknown argument `{other}`; usage: bench_engine --model NAME [--batch N] \
					 [--reps R] [--threads T] [--verify-reps V] [--device cpu|cuda|cuda:N] \
					 [--ort-lib PATH] [--models DIR] [--raw-ort]"
				))
			}
		}
	}
	Ok(args)
}

/// The default batch: on CUDA the largest a challenge may ask for (`MAX_BATCH_SIZE`: the
/// registered models serve only the CPU tier, whose batch a GPU finishes in milliseconds), on
/// the CPU the model's first tier's batch, else 4096.
fn default_batch(spec: &ModelSpec, device: Device) -> u32 {
	if device.is_gpu() {
		return MAX_BATCH_SIZE;
	}
	spec.tiers.first().map_or(4096, |t| t.batch_size)
}

fn main() -> Result<(), String> {
	let args = parse_args()?;
	support::log_to_stderr();
	let (id, spec) = support::models(&args.models_dir)?
		.into_iter()
		.find(|(_, spec)| &spec.name[..] == args.model.as_bytes())
		.ok_or_else(|| format!("no model `{}` in models.json", args.model))?;
	let batch = args.batch.unwrap_or_else(|| default_batch(&spec, args.device));
	if args.raw_ort {
		return raw_ort(&args, &spec, batch).map_err(|e| e.to_string());
	}
	let engine = Engine::new(EngineConfig {
		models_dir: args.models_dir.clone(),
		ort_lib: args.ort_lib.clone(),
		device: args.device,
		threads: Some(args.threads),
		optimization: GraphOptimization::All,
	})
	.map_err(|e| e.to_string())?;
	let model = engine.model(id, &spec).map_err(|e| e.to_string())?;
	// The model's device: the engine's after any fallback, including one at session creation.
	let device = model.device();
	if device != args.device {
		eprintln!("bench_engine: {} was asked for, but the model runs on {device}", args.device);
	}
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
			"device": device.to_string(),
			"device_requested": args.device.to_string(),
			"ort_lib": engine.library().display().to_string(),
			"flops_per_sample": spec.flops_per_sample,
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

	let mut committed = None;
	for rep in 0..=args.reps {
		let started = Instant::now();
		let output = run_challenge(&model, &spec, &seed, batch, None).map_err(|e| e.to_string())?;
		let wall = started.elapsed();
		if rep > 0 {
			let mut line = header("challenge");
			line["e2e_s"] = wall.as_secs_f64().into();
			line["infer_ms_reported"] = output.wall_time_ms.into();
			// What the worker holds until the reveal (the leaves), and what holding every
			// output would take.
			line["kept_bytes"] = (output.leaves.len() * 32).into();
			line["outputs_bytes"] = (batch as usize * spec.output_len as usize * 4).into();
			println!("{line}");
		}
		committed = Some(output);
	}

	// Four audited samples spread over the batch, as the chain's draw picks them.
	let audited: Vec<SampleIndex> =
		[batch / 7, batch / 3, batch / 2 + 1, batch - 1].into_iter().collect();
	if let Some(committed) = committed {
		for rep in 0..=args.reps {
			let started = Instant::now();
			committed.open(&model, &spec, &audited).map_err(|e| e.to_string())?;
			let wall = started.elapsed();
			if rep > 0 {
				let mut line = header("open");
				line["samples"] = audited.len().into();
				line["e2e_s"] = wall.as_secs_f64().into();
				println!("{line}");
			}
		}
	}
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

/// `--raw-ort`: `ort` without the engine, the reference's loop (see the module docs).
fn raw_ort(args: &Args, spec: &ModelSpec, batch: u32) -> Result<(), Box<dyn std::error::Error>> {
	use ort::{
		session::{builder::GraphOptimizationLevel, Session},
		value::TensorRef,
	};
	use poai_primitives::{generate_sample, SampleInput};

	if args.device != Device::Cpu {
		return Err(format!("--raw-ort runs on the CPU only, not on {}", args.device).into());
	}
	let library = find_library(args.ort_lib.as_deref())?;
	let environment = ort::init_from(&library)?.with_name("bench").build()?;
	let path = args.models_dir.join(format!("{}.onnx", String::from_utf8_lossy(&spec.name)));
	let mut session = Session::builder(&environment)?
		.with_optimization_level(GraphOptimizationLevel::All)?
		.with_intra_op_spinning(false)?
		.with_inter_threads(1)?
		.with_intra_threads(args.threads)?
		.commit_from_file(&path)?;
	let seed = [1u8; 32];
	let mut floats = Vec::new();
	let mut ints = Vec::new();
	let mut int8s = Vec::new();
	for index in 0..batch {
		match generate_sample(&spec.input, &seed, index).map_err(|e| format!("{e:?}"))? {
			sample @ SampleInput::Uniform { .. } => {
				floats.extend(sample.to_f32().unwrap_or_default())
			}
			SampleInput::Tokens { ids } => ints.extend(ids),
			SampleInput::Int8 { values } => int8s.extend(values),
		}
	}
	let per_sample: usize = spec.input.shape.iter().map(|&d| d as usize).product();
	let input_name = String::from_utf8_lossy(&spec.input.name).into_owned();
	for rep in 0..=args.reps {
		let mut spent = std::time::Duration::ZERO;
		let mut runs = 0usize;
		for start in (0..batch as usize).step_by(MAX_SAMPLES_PER_RUN) {
			let len = MAX_SAMPLES_PER_RUN.min(batch as usize - start);
			let mut shape = vec![len as i64];
			shape.extend(spec.input.shape.iter().map(|&d| i64::from(d)));
			let range = start * per_sample..(start + len) * per_sample;
			let input = if !floats.is_empty() {
				TensorRef::from_array_view((shape, &floats[range]))?.into_dyn()
			} else if !int8s.is_empty() {
				TensorRef::from_array_view((shape, &int8s[range]))?.into_dyn()
			} else {
				TensorRef::from_array_view((shape, &ints[range]))?.into_dyn()
			};
			let started = Instant::now();
			let outputs = session.run(ort::inputs![input_name.as_str() => input])?;
			spent += started.elapsed();
			drop(outputs);
			runs += 1;
		}
		if rep > 0 {
			let line = serde_json::json!({
				"side": "rust-ort",
				"kind": "infer",
				"model": args.model,
				"batch": batch,
				"threads": args.threads,
				"chunk": MAX_SAMPLES_PER_RUN,
				"device": Device::Cpu.to_string(),
				"device_requested": args.device.to_string(),
				"ort_lib": library.display().to_string(),
				"flops_per_sample": spec.flops_per_sample,
				"infer_s": spent.as_secs_f64(),
				"runs": runs,
			});
			println!("{line}");
		}
	}
	Ok(())
}
