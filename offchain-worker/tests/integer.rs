//! The bit-exact integer family (`int8-gemm`, int8 × int8 → int32 GEMM chains): its outputs are
//! identical whatever the thread count and graph optimisation level, so the chain compares them
//! exactly, and exact comparison catches a cheaper or wrong computation on every sample it
//! changes: a chain with a layer left out, or one weight off by one.
//!
//! Needs the ONNX Runtime shared library, as `tests/engine.rs` does (`scripts/models-env.sh`).

use poai_offchain_worker::{
	challenge::{run_challenge, verify_samples},
	engine::{find_library, Device, Engine, EngineConfig, GraphOptimization},
};
use poai_primitives::{
	within_tolerance, InputKind, ModelId, ModelSpec, SampleIndex, Tolerance, MAX_BATCH_SIZE,
};
use sp_core::H256;
use sp_runtime::traits::{BlakeTwo256, Hash as _};
use std::path::{Path, PathBuf};

#[path = "../examples/support/mod.rs"]
mod support;

const MODEL: &str = "int8-gemm";

fn models_dir() -> PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR")).join("../models")
}

/// The registered integer model, with its genesis id.
fn integer_model() -> (ModelId, ModelSpec) {
	support::models(&models_dir())
		.unwrap()
		.into_iter()
		.find(|(_, spec)| &spec.name[..] == MODEL.as_bytes())
		.expect("models.json registers int8-gemm")
}

fn engine(models_dir: PathBuf, threads: usize, optimization: GraphOptimization) -> Engine {
	support::log_to_stderr();
	let library =
		find_library(None).unwrap_or_else(|error| {
			panic!("these tests need the ONNX Runtime library: run `bash scripts/models-env.sh`\n{error}")
		});
	Engine::new(EngineConfig {
		models_dir,
		ort_lib: Some(library),
		device: Device::Cpu,
		threads: Some(threads),
		optimization,
	})
	.unwrap()
}

/// Samples of one challenge, across the batch boundary of a session run.
fn indices() -> Vec<SampleIndex> {
	(0..48).map(|i| i * 347).collect()
}

const SEED: [u8; 32] = [0x5a; 32];

#[test]
fn the_integer_model_is_registered_as_an_exact_one() {
	let (_, spec) = integer_model();
	assert!(spec.is_integer());
	assert!(matches!(spec.input.kind, InputKind::Int8 { min: -128, max: 127 }));
	assert_eq!((spec.scale_bits, spec.tolerance), (0, Tolerance::EXACT));
	assert_eq!(spec.validate(), Ok(()));
	assert!(spec.tiers.iter().all(|t| t.batch_size <= MAX_BATCH_SIZE));
}

#[test]
fn outputs_are_identical_across_thread_counts_and_optimisation_levels() {
	let (id, spec) = integer_model();
	let mut reference: Option<Vec<Vec<i32>>> = None;
	for threads in [1, 2] {
		for optimization in GraphOptimization::EVERY {
			let engine = engine(models_dir(), threads, optimization);
			let model = engine.model(id, &spec).unwrap();
			let (rows, _) = model.run_quantised(&spec, &SEED, &indices()).unwrap();
			// Every sample alone, as a verifier runs it, too.
			for (&index, row) in indices().iter().zip(&rows).step_by(7) {
				let (alone, _) = model.run_quantised(&spec, &SEED, &[index]).unwrap();
				assert_eq!(
					&alone[0], row,
					"sample {index} alone, {threads} threads, {optimization:?}"
				);
			}
			match &reference {
				None => reference = Some(rows),
				Some(expected) => assert!(
					expected == &rows,
					"{threads} threads, {optimization:?}: outputs differ from 1 thread, no optimisation"
				),
			}
		}
	}
	// The outputs are real int32 accumulators, not a saturated or constant stream.
	let rows = reference.unwrap();
	let spread = rows.iter().flatten().map(|v| v.unsigned_abs()).max().unwrap();
	assert!(spread > 1 << 15, "largest |output| {spread}");
	assert!(rows.windows(2).all(|pair| pair[0] != pair[1]));
}

/// Runs cheat file `cheat` (from `models/cheats/`) as if it were the registered model: the spec
/// a cheater's node would be handed, with the file hash of what it really runs.
fn cheat_outputs(cheat: &str, id: ModelId, spec: &ModelSpec) -> Vec<Vec<i32>> {
	let bytes = std::fs::read(models_dir().join("cheats").join(format!("{cheat}.onnx"))).unwrap();
	let dir = std::env::temp_dir().join(format!("poai-integer-{cheat}-{}", std::process::id()));
	let _ = std::fs::remove_dir_all(&dir);
	std::fs::create_dir_all(&dir).unwrap();
	std::fs::write(dir.join(format!("{MODEL}.onnx")), &bytes).unwrap();
	let cheat_spec = ModelSpec { onnx_hash: H256(BlakeTwo256::hash(&bytes).0), ..spec.clone() };
	let engine = engine(dir.clone(), 2, GraphOptimization::All);
	let (rows, _) = engine
		.model(id, &cheat_spec)
		.unwrap()
		.run_quantised(&cheat_spec, &SEED, &indices())
		.unwrap();
	let _ = std::fs::remove_dir_all(dir);
	rows
}

#[test]
fn exact_comparison_catches_a_cheaper_or_wrong_computation() {
	let (id, spec) = integer_model();
	let honest = engine(models_dir(), 2, GraphOptimization::All);
	let (expected, _) =
		honest.model(id, &spec).unwrap().run_quantised(&spec, &SEED, &indices()).unwrap();
	let caught = |rows: &[Vec<i32>]| {
		rows.iter()
			.zip(&expected)
			.filter(|(cheat, real)| {
				!within_tolerance(cheat, real, spec.scale_bits, spec.tolerance).unwrap().passed
			})
			.count()
	};
	// A layer left out: a different function, every sample fails.
	let shorter = cheat_outputs("int8-gemm-layer-left-out", id, &spec);
	assert_eq!(caught(&shorter), indices().len());
	// One weight of 1,212,416 off by one: it moves output 0 of every sample whose last hidden
	// activation 0 is not zero, by exactly that activation; exact comparison sees each of them.
	let wrong = cheat_outputs("int8-gemm-wrong-weight", id, &spec);
	let changed = wrong.iter().zip(&expected).filter(|(w, e)| w != e).count();
	assert_eq!(caught(&wrong), changed);
	assert!(changed * 10 >= indices().len() * 9, "only {changed} samples changed");
	for (w, e) in wrong.iter().zip(&expected) {
		assert_eq!(&w[1..], &e[1..], "only output 0 depends on the changed weight");
	}
}

#[test]
fn an_integer_challenge_commits_opens_and_verifies_exactly() {
	let (id, spec) = integer_model();
	let engine = engine(models_dir(), 2, GraphOptimization::All);
	let model = engine.model(id, &spec).unwrap();
	let challenge = run_challenge(&model, &spec, &SEED, 64, None).unwrap();
	let opened: Vec<SampleIndex> = vec![0, 17, 63];
	let (revealed, proofs) = challenge.open(&model, &spec, &opened).unwrap();
	let verified = verify_samples(&model, &spec, &SEED, &opened, None).unwrap();
	for ((&index, outputs), (revealed, proof)) in
		opened.iter().zip(&verified).zip(revealed.iter().zip(&proofs))
	{
		assert_eq!(outputs, revealed, "sample {index}");
		assert!(poai_primitives::verify_sample(&challenge.root, 64, index, revealed, proof));
	}
}
