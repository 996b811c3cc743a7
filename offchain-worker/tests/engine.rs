//! The engine against the real models in `models/` and the Python onnxruntime's reference
//! fixtures, the model file checks, and challenges with and without simulated faults.
//!
//! These tests need the ONNX Runtime shared library. They find it as the engine does (flag,
//! `ORT_DYLIB_PATH`, then the venv of `scripts/models-env.sh`) and FAIL when it is missing: run
//! `scripts/models-env.sh` first (`scripts/setup.sh` does).

use poai_offchain_worker::{
	challenge::{
		fake_output, run_challenge, run_challenge_until, verify_samples, ChallengeOutput, Fault,
	},
	engine::{
		find_library, Device, Engine, EngineConfig, EngineError, GraphOptimization, LoadedModel,
		MAX_SAMPLES_PER_RUN,
	},
};
use poai_primitives::{
	generate_sample, verify_sample, within_tolerance, InputKind, ModelId, ModelName, ModelSpec,
	SampleIndex, SampleInput, Seed, TensorName, Tolerance,
};
use sp_core::H256;
use sp_runtime::traits::{BlakeTwo256, Hash as _};
use std::{
	path::{Path, PathBuf},
	sync::{Arc, OnceLock},
};

// The model loading and stderr logger of the benchmark examples.
#[path = "../examples/support/mod.rs"]
mod support;

/// `models/` of the repository.
fn models_dir() -> PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR")).join("../models")
}

/// The registered models, with ids 0, 1, … in file order (as genesis registers them).
fn models() -> Vec<(ModelId, ModelSpec)> {
	support::models(&models_dir()).unwrap()
}

fn model_spec(name: &str) -> (ModelId, ModelSpec) {
	models().into_iter().find(|(_, spec)| &spec.name[..] == name.as_bytes()).unwrap()
}

/// The ONNX Runtime library, or a failure that says how to install it.
fn library() -> PathBuf {
	find_library(None).unwrap_or_else(|error| {
		panic!(
			"these tests need the ONNX Runtime shared library; run `bash scripts/models-env.sh` \
			 (or `scripts/setup.sh`) to install it.\n{error}"
		)
	})
}

/// One engine for the whole test binary (ONNX Runtime allows one environment per process).
fn engine() -> &'static Engine {
	static ENGINE: OnceLock<Engine> = OnceLock::new();
	ENGINE.get_or_init(|| {
		support::log_to_stderr();
		Engine::new(EngineConfig {
			models_dir: models_dir(),
			ort_lib: Some(library()),
			device: Device::Cpu,
			threads: Some(2),
			optimization: GraphOptimization::All,
		})
		.unwrap()
	})
}

fn loaded(name: &str) -> (Arc<LoadedModel>, ModelSpec) {
	let (id, spec) = model_spec(name);
	(engine().model(id, &spec).unwrap(), spec)
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Fixture {
	model: String,
	onnx_hash: H256,
	scale_bits: u8,
	output_len: u32,
	tolerance: Tolerance,
	samples: Vec<FixtureSample>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct FixtureSample {
	seed: H256,
	index: SampleIndex,
	input_blake2: H256,
	output: Vec<i32>,
}

fn fixture(name: &str) -> Fixture {
	let path = models_dir().join("fixtures").join(format!("{name}.json"));
	serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Blake2-256 of one sample's input tensor, little-endian, as the fixtures record it.
fn input_hash(sample: &SampleInput) -> H256 {
	let bytes: Vec<u8> = match sample {
		SampleInput::Uniform { .. } => {
			sample.to_f32().unwrap().iter().flat_map(|v| v.to_le_bytes()).collect()
		}
		SampleInput::Tokens { ids } => ids.iter().flat_map(|v| v.to_le_bytes()).collect(),
		SampleInput::Int8 { values } => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
	};
	BlakeTwo256::hash(&bytes)
}

#[test]
fn outputs_match_the_python_reference_fixtures() {
	for (_, spec) in models() {
		let name = String::from_utf8(spec.name.to_vec()).unwrap();
		let fixture = fixture(&name);
		assert_eq!(fixture.model, name);
		assert_eq!(fixture.onnx_hash, spec.onnx_hash, "{name}: the fixture is for another file");
		assert_eq!((fixture.scale_bits, fixture.output_len), (spec.scale_bits, spec.output_len));
		assert_eq!(fixture.tolerance, spec.tolerance);
		let (model, _) = loaded(&name);

		let mut seeds: Vec<H256> = fixture.samples.iter().map(|s| s.seed).collect();
		seeds.dedup();
		let (mut exact, mut total, mut worst_rel, mut worst_abs) = (0, 0, 0u32, 0u32);
		for seed in seeds {
			let samples: Vec<&FixtureSample> =
				fixture.samples.iter().filter(|s| s.seed == seed).collect();
			let indices: Vec<SampleIndex> = samples.iter().map(|s| s.index).collect();
			// As a worker runs them (one batch) and as a verifier does (one sample per run).
			let (batched, _) = model.run_quantised(&spec, &seed.0, &indices).unwrap();
			for (sample, output) in samples.iter().zip(&batched) {
				let input = generate_sample(&spec.input, &seed.0, sample.index).unwrap();
				assert_eq!(
					input_hash(&input),
					sample.input_blake2,
					"{name} #{}: input",
					sample.index
				);
				let (single, _) = model.run_quantised(&spec, &seed.0, &[sample.index]).unwrap();
				for output in [output, &single[0]] {
					let verdict =
						within_tolerance(output, &sample.output, spec.scale_bits, spec.tolerance)
							.unwrap();
					assert!(verdict.passed, "{name} seed {seed:?} #{}: {verdict:?}", sample.index);
					exact += usize::from(*output == sample.output);
					total += 1;
					worst_rel = worst_rel.max(verdict.rel_l2_ppm.unwrap_or(0));
					worst_abs = worst_abs.max(verdict.max_abs_diff);
				}
			}
		}
		println!(
			"{name}: {exact}/{total} outputs identical to the Python onnxruntime reference \
			 ({}% exact), worst rel L2 {worst_rel} ppm, worst max-abs {worst_abs} quanta \
			 (tolerance {} ppm / {} ppm)",
			exact * 100 / total,
			spec.tolerance.rel_l2_ppm,
			spec.tolerance.max_abs_ppm,
		);
		assert_eq!(total, 2 * fixture.samples.len());
		// Same library, same optimisation level, same CPU kernels: the docs measured bit-exact
		// agreement across threads and batch sizes. Less than that points at a real change.
		assert!(exact * 10 >= total * 9, "{name}: only {exact}/{total} outputs identical");
	}
}

#[test]
fn large_index_lists_run_in_chunks_in_order() {
	let (model, spec) = loaded("dense-mlp");
	let seed = [0x42u8; 32];
	let count = MAX_SAMPLES_PER_RUN as u32 + 37;
	// In a scrambled order, across the chunk boundary.
	let indices: Vec<SampleIndex> = (0..count).map(|i| (i * 7919) % count).collect();
	let mut order = Vec::new();
	let stats = model
		.run_each(&spec, &seed, &indices, |index, row| {
			assert_eq!(row.len(), spec.output_len as usize);
			order.push(index);
			Ok(())
		})
		.unwrap();
	assert_eq!(order, indices);
	assert_eq!((stats.samples, stats.runs), (count as usize, 2));
	let rows = model.run(&spec, &seed, &indices).unwrap();
	for position in [0, 1, MAX_SAMPLES_PER_RUN - 1, MAX_SAMPLES_PER_RUN, count as usize - 1] {
		let alone = model.run(&spec, &seed, &[indices[position]]).unwrap();
		assert_eq!(rows[position], alone[0], "position {position}");
	}
	assert!(model.run(&spec, &seed, &[]).unwrap().is_empty());
}

/// A fresh folder under the system's temporary directory.
fn scratch(name: &str) -> PathBuf {
	let dir = std::env::temp_dir().join(format!("poai-engine-test-{name}-{}", std::process::id()));
	let _ = std::fs::remove_dir_all(&dir);
	std::fs::create_dir_all(&dir).unwrap();
	dir
}

/// An engine over another models folder (sharing the process's ONNX Runtime).
fn engine_over(models_dir: PathBuf) -> Engine {
	engine();
	Engine::new(EngineConfig {
		models_dir,
		ort_lib: Some(library()),
		device: Device::Cpu,
		threads: Some(1),
		optimization: GraphOptimization::All,
	})
	.unwrap()
}

#[test]
fn a_corrupted_model_file_is_refused_with_both_hashes() {
	let dir = scratch("corrupted");
	let (id, spec) = model_spec("dense-mlp");
	let mut bytes = std::fs::read(models_dir().join("dense-mlp.onnx")).unwrap();
	let middle = bytes.len() / 2;
	bytes[middle] ^= 0x01;
	let path = dir.join("dense-mlp.onnx");
	std::fs::write(&path, &bytes).unwrap();
	let actual = BlakeTwo256::hash(&bytes);

	let error = engine_over(dir.clone()).model(id, &spec).unwrap_err();
	match &error {
		EngineError::ModelHashMismatch { model, path: p, expected, actual: a } => {
			assert_eq!(
				(model.as_str(), p, *expected, *a),
				("dense-mlp", &path, spec.onnx_hash, actual)
			);
		}
		other => panic!("expected a hash mismatch, got {other:?}"),
	}
	let message = error.to_string();
	for needle in [
		"dense-mlp".to_owned(),
		path.display().to_string(),
		format!("{:?}", spec.onnx_hash),
		format!("{actual:?}"),
	] {
		assert!(message.contains(&needle), "`{needle}` not in: {message}");
	}
	println!("{message}");
	std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn missing_model_files_are_refused_naming_model_path_and_hash() {
	// The registered model, in a folder that lacks it.
	let dir = scratch("missing");
	let (id, spec) = model_spec("tiny-lm");
	let error = engine_over(dir.clone()).model(id, &spec).unwrap_err();
	let path = dir.join("tiny-lm.onnx");
	assert!(
		matches!(&error, EngineError::ModelFileUnreadable { model, path: p, expected, .. }
			if model == "tiny-lm" && *p == path && *expected == spec.onnx_hash),
		"{error:?}"
	);
	let message = error.to_string();
	for needle in
		["tiny-lm".to_owned(), path.display().to_string(), format!("{:?}", spec.onnx_hash)]
	{
		assert!(message.contains(&needle), "`{needle}` not in: {message}");
	}
	println!("{message}");

	// A model whose name has no file in the real folder.
	let mut ghost = spec.clone();
	ghost.name = ModelName::truncate_from(b"ghost-model".to_vec());
	let error = engine().model(99, &ghost).unwrap_err();
	assert!(
		matches!(&error, EngineError::ModelFileUnreadable { model, path, .. }
			if model == "ghost-model" && path.ends_with("ghost-model.onnx")),
		"{error:?}"
	);

	// Names are file names, never paths.
	let mut escape = spec.clone();
	escape.name = ModelName::truncate_from(b"../models/tiny-lm".to_vec());
	assert!(matches!(engine().model(98, &escape), Err(EngineError::BadModelName { id: 98, .. })));
	let mut binary = spec.clone();
	binary.name = ModelName::truncate_from(vec![0xff, 0xfe]);
	assert!(matches!(engine().model(97, &binary), Err(EngineError::BadModelName { id: 97, .. })));

	// Start-up verification reports every bad model at once, and accepts the good ones.
	let mut checks = models();
	engine().verify_models(&checks).unwrap();
	checks.push((99, ghost));
	checks.push((97, binary));
	match engine().verify_models(&checks).unwrap_err() {
		EngineError::Several { errors } => assert_eq!(errors.len(), 2),
		other => panic!("expected two errors, got {other:?}"),
	}
	std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn specs_that_do_not_match_the_graph_are_refused() {
	let (id, spec) = model_spec("dense-mlp");
	let mut wrong_input = spec.clone();
	wrong_input.input.name = TensorName::truncate_from(b"tokens".to_vec());
	let error = engine().model(id + 100, &wrong_input).unwrap_err();
	assert!(matches!(error, EngineError::GraphMismatch { .. }), "{error:?}");
	assert!(error.to_string().contains("no input `tokens`"), "{error}");

	let mut wrong_kind = spec.clone();
	wrong_kind.input.kind = InputKind::Tokens { vocab: 16 };
	let error = engine().model(id + 101, &wrong_kind).unwrap_err();
	assert!(error.to_string().contains("expected a Int64 tensor"), "{error}");

	let mut wrong_output = spec.clone();
	wrong_output.output = TensorName::truncate_from(b"logits".to_vec());
	assert!(matches!(
		engine().model(id + 102, &wrong_output),
		Err(EngineError::GraphMismatch { .. })
	));

	// The right graph, the wrong number of output elements: caught at the first run.
	let mut wrong_len = spec.clone();
	wrong_len.output_len = 65;
	let model = engine().model(id + 103, &wrong_len).unwrap();
	let error = model.run(&wrong_len, &[0; 32], &[0, 1]).unwrap_err();
	assert!(
		matches!(&error, EngineError::OutputShape { shape, batch: 2, output_len: 65, .. } if shape == &vec![2, 64]),
		"{error:?}"
	);

	// A loaded model refuses another file's spec.
	let (tiny_id, tiny) = model_spec("tiny-lm");
	let model = engine().model(id, &spec).unwrap();
	assert!(matches!(model.run(&tiny, &[0; 32], &[0]), Err(EngineError::SpecMismatch { .. })));
	// Cached per (id, hash): the same Arc comes back.
	assert!(Arc::ptr_eq(&model, &engine().model(id, &spec).unwrap()));
	assert!(!Arc::ptr_eq(&model, &engine().model(tiny_id, &tiny).unwrap()));
}

/// CUDA when the library has a usable CUDA provider (a GPU machine, with `ORT_DYLIB_PATH`
/// naming a CUDA build of libonnxruntime), else the documented fallback to the CPU (the venv's
/// wheel is a CPU build). Either way the outputs are within tolerance of the Python CPU
/// reference, and a commitment made on this device passes audits by CPU verifiers.
#[test]
fn cuda_when_available_else_the_cpu() {
	engine();
	let library = library();
	let gpu = Engine::new(EngineConfig {
		models_dir: models_dir(),
		ort_lib: Some(library.clone()),
		device: Device::Cuda(0),
		threads: None,
		optimization: GraphOptimization::All,
	})
	.unwrap();
	assert_eq!(gpu.library(), library);
	if gpu.device() == Device::Cpu {
		println!("CUDA asked for, CPU used: the library has no usable CUDA provider (fallback)");
	}
	for (id, spec) in models() {
		let name = String::from_utf8(spec.name.to_vec()).unwrap();
		let model = gpu.model(id, &spec).unwrap();
		assert_eq!(model.device(), gpu.device());
		let fixture = fixture(&name);
		let (mut exact, mut worst_rel, mut worst_abs) = (0, 0u32, 0u32);
		let mut seeds: Vec<H256> = fixture.samples.iter().map(|s| s.seed).collect();
		seeds.dedup();
		for seed in seeds {
			let samples: Vec<&FixtureSample> =
				fixture.samples.iter().filter(|s| s.seed == seed).collect();
			let indices: Vec<SampleIndex> = samples.iter().map(|s| s.index).collect();
			let (rows, _) = model.run_quantised(&spec, &seed.0, &indices).unwrap();
			for (sample, output) in samples.iter().zip(&rows) {
				let verdict =
					within_tolerance(output, &sample.output, spec.scale_bits, spec.tolerance)
						.unwrap();
				assert!(
					verdict.passed,
					"{name} on {} #{}: {verdict:?}",
					gpu.device(),
					sample.index
				);
				exact += usize::from(*output == sample.output);
				worst_rel = worst_rel.max(verdict.rel_l2_ppm.unwrap_or(0));
				worst_abs = worst_abs.max(verdict.max_abs_diff);
			}
		}
		println!(
			"{name} on {}: {exact}/{} outputs identical to the Python CPU reference, worst rel \
			 L2 {worst_rel} ppm, worst max-abs {worst_abs} quanta",
			gpu.device(),
			fixture.samples.len(),
		);
		// A commitment made on this device, audited by a CPU verifier.
		let seed = [0x77u8; 32];
		let challenge = run_challenge(&model, &spec, &seed, 64, None).unwrap();
		let indices = [0, 31, 63];
		let (opened, proofs) = challenge.open(&model, &spec, &indices).unwrap();
		let cpu = engine().model(id, &spec).unwrap();
		let verified = verify_samples(&cpu, &spec, &seed, &indices, None).unwrap();
		for ((&index, output), (proof, reference)) in
			indices.iter().zip(&opened).zip(proofs.iter().zip(&verified))
		{
			assert!(verify_sample(&challenge.root, 64, index, output, proof));
			let verdict =
				within_tolerance(output, reference, spec.scale_bits, spec.tolerance).unwrap();
			assert!(verdict.passed, "{name} #{index}: {verdict:?}");
		}
	}
}

fn honest(model: &LoadedModel, spec: &ModelSpec, seed: &Seed, n: u32) -> ChallengeOutput {
	run_challenge(model, spec, seed, n, None).unwrap()
}

/// A challenge run by a worker simulating `fault`, and every one of its sample outputs: the
/// commitment keeps only the leaves, and they must hash exactly these outputs.
fn committed(
	model: &LoadedModel,
	spec: &ModelSpec,
	seed: &Seed,
	n: u32,
	fault: Option<Fault>,
) -> (ChallengeOutput, Vec<Vec<i32>>) {
	support::committed(model, spec, seed, n, fault).unwrap()
}

#[test]
fn challenges_commit_to_outputs_that_open_and_verify() {
	for name in ["dense-mlp", "tiny-lm"] {
		let (model, spec) = loaded(name);
		let seed = [0x5au8; 32];
		let n = 40;
		let (challenge, outputs) = committed(&model, &spec, &seed, n, None);
		assert_eq!(challenge.n(), n);
		assert!(outputs.iter().all(|o| o.len() == spec.output_len as usize));
		assert_eq!(challenge.root, poai_primitives::commitment_root(&challenge.leaves));
		// Deterministic.
		assert_eq!(challenge.root, honest(&model, &spec, &seed, n).root);

		let indices = [0, 7, 39, 12];
		let (opened, proofs) = challenge.open(&model, &spec, &indices).unwrap();
		let verified = verify_samples(&model, &spec, &seed, &indices, None).unwrap();
		for ((&index, output), (proof, reference)) in
			indices.iter().zip(&opened).zip(proofs.iter().zip(&verified))
		{
			assert!(verify_sample(&challenge.root, n, index, output, proof), "{name} #{index}");
			assert!(!verify_sample(&challenge.root, n, (index + 1) % n, output, proof));
			let verdict =
				within_tolerance(output, reference, spec.scale_bits, spec.tolerance).unwrap();
			assert!(verdict.passed, "{name} #{index}: {verdict:?}");
			assert_eq!(output, reference, "{name} #{index}: the CPU is bit-exact");
		}
		assert!(matches!(
			challenge.open(&model, &spec, &[n]),
			Err(EngineError::IndexOutOfRange { .. })
		));
		assert!(matches!(
			run_challenge(&model, &spec, &seed, 0, None),
			Err(EngineError::BadSampleCount { n: 0, .. })
		));
	}
}

#[test]
fn simulated_faults_change_exactly_the_samples_they_fake() {
	let (model, spec) = loaded("dense-mlp");
	let seed = [0xc3u8; 32];
	let n = 200;
	let (honest, honest_outputs) = committed(&model, &spec, &seed, n, None);
	let passes = |a: &[i32], b: &[i32]| {
		within_tolerance(a, b, spec.scale_bits, spec.tolerance).unwrap().passed
	};

	let (random, random_outputs) = committed(&model, &spec, &seed, n, Some(Fault::RandomOutputs));
	for index in 0..n {
		let output = &random_outputs[index as usize];
		assert_eq!(output, &fake_output(&spec, &seed, index));
		assert!(!passes(output, &honest_outputs[index as usize]), "#{index}");
	}
	assert_ne!(random.root, honest.root);

	let partial = Fault::Partial { per_mille: 250 };
	let faked: Vec<SampleIndex> = (0..n).filter(|&i| partial.fakes_sample(&seed, i)).collect();
	assert!((20..=80).contains(&faked.len()), "{} of {n} faked", faked.len());
	let (cheat, cheat_outputs) = committed(&model, &spec, &seed, n, Some(partial));
	for index in 0..n {
		let (output, reference) = (&cheat_outputs[index as usize], &honest_outputs[index as usize]);
		if faked.contains(&index) {
			assert_eq!(output, &fake_output(&spec, &seed, index));
			assert!(!passes(output, reference), "#{index}");
			assert_ne!(cheat.leaves[index as usize], honest.leaves[index as usize]);
		} else {
			assert_eq!(output, reference, "#{index} is run honestly");
			assert_eq!(cheat.leaves[index as usize], honest.leaves[index as usize]);
		}
	}
	// A faked sample opens against the commitment (the cheat is consistent) and fails the
	// tolerance check against a verifier; an honest one passes.
	let (first_faked, first_real) = (faked[0], (0..n).find(|i| !faked.contains(i)).unwrap());
	let (opened, proofs) = cheat.open(&model, &spec, &[first_faked, first_real]).unwrap();
	let verified = verify_samples(&model, &spec, &seed, &[first_faked, first_real], None).unwrap();
	assert!(verify_sample(&cheat.root, n, first_faked, &opened[0], &proofs[0]));
	assert!(verify_sample(&cheat.root, n, first_real, &opened[1], &proofs[1]));
	assert!(!passes(&opened[0], &verified[0]) && passes(&opened[1], &verified[1]));

	let (wrong, wrong_outputs) = committed(&model, &spec, &seed, n, Some(Fault::WrongModel));
	for index in 0..n {
		assert!(
			!passes(&wrong_outputs[index as usize], &honest_outputs[index as usize]),
			"#{index}"
		);
	}
	// Every faulty commitment opens against its root: the faults are consistent cheats, caught
	// by the comparison with the verifiers, never by a bad proof.
	for challenge in [&random, &wrong] {
		let (opened, proofs) = challenge.open(&model, &spec, &[0, n / 2, n - 1]).unwrap();
		for ((index, output), proof) in [0, n / 2, n - 1].into_iter().zip(&opened).zip(&proofs) {
			assert!(verify_sample(&challenge.root, n, index, output, proof), "#{index}");
		}
	}

	// A faulty verifier fakes the same samples the same way.
	let audited = [first_faked, first_real, 3];
	let lazy = verify_samples(&model, &spec, &seed, &audited, Some(partial)).unwrap();
	for (&index, output) in audited.iter().zip(&lazy) {
		assert_eq!(output.to_vec(), cheat_outputs[index as usize], "#{index}");
	}
	let lazy = verify_samples(&model, &spec, &seed, &audited, Some(Fault::WrongModel)).unwrap();
	for (&index, output) in audited.iter().zip(&lazy) {
		assert_eq!(output.to_vec(), wrong_outputs[index as usize], "#{index}");
	}

	for fault in [
		Fault::SkipReveal,
		Fault::LateCommit,
		Fault::Partial { per_mille: 0 },
		Fault::FramingVerifier,
	] {
		let (same, same_outputs) = committed(&model, &spec, &seed, n, Some(fault));
		assert_eq!((&same_outputs, same.root), (&honest_outputs, honest.root), "{fault}");
	}
	// A framing verifier works honestly but verifies with the outputs a `random` worker
	// commits to: it votes with that cheater and against honest workers.
	let framed =
		verify_samples(&model, &spec, &seed, &audited, Some(Fault::FramingVerifier)).unwrap();
	for (&index, output) in audited.iter().zip(&framed) {
		assert_eq!(output.to_vec(), random_outputs[index as usize], "#{index}");
	}
}

#[test]
fn a_restarted_worker_recomputes_the_root_it_committed_to() {
	// A worker keeps only the leaves of its commitment and runs the opened samples' batches
	// again to reveal them; one that restarts between its commitment and its reveal has lost
	// even the leaves and recomputes the challenge (`task.rs`, `reveal`). On a new engine the
	// whole CPU batch must give the committed root again, and the batches run again the
	// committed bits, or its reveal would fail the Merkle check and be faulted as a bad proof.
	let restarted = engine_over(models_dir());
	for (id, spec) in models() {
		let n = spec.tier_params(poai_primitives::TierId(0)).unwrap().batch_size;
		let seed = [0x3cu8; 32];
		let before = honest(&engine().model(id, &spec).unwrap(), &spec, &seed, n);
		let after = honest(&restarted.model(id, &spec).unwrap(), &spec, &seed, n);
		assert_eq!(after.root, before.root, "{}", String::from_utf8_lossy(&spec.name));
		let last = n - 1;
		let model = restarted.model(id, &spec).unwrap();
		let opened_indices = [0, 1023, 1024, last];
		let (opened, proofs) = before.open(&model, &spec, &opened_indices).unwrap();
		for ((index, output), proof) in opened_indices.into_iter().zip(&opened).zip(&proofs) {
			assert!(verify_sample(&before.root, n, index, output, proof), "#{index}");
		}
	}
}

#[test]
fn an_opening_that_does_not_reproduce_the_commitment_is_refused() {
	// A worker whose engine gives other bits on the second run (or whose model file was
	// swapped) must not reveal outputs its commitment does not hash: the reveal would fail the
	// Merkle check on chain. It refuses, naming the sample.
	let (id, spec) =
		models().into_iter().find(|(_, spec)| spec.name == b"dense-mlp".to_vec()).unwrap();
	let model = engine().model(id, &spec).unwrap();
	let seed = [0x61u8; 32];
	let other = run_challenge(&model, &spec, &[0x62u8; 32], 16, None).unwrap();
	let mut challenge = run_challenge(&model, &spec, &seed, 16, None).unwrap();
	challenge.leaves[5] = other.leaves[5];
	assert!(challenge.open(&model, &spec, &[4]).is_ok());
	assert!(matches!(
		challenge.open(&model, &spec, &[4, 5]),
		Err(EngineError::NotReproduced { index: 5 })
	));
}

#[test]
fn a_challenge_past_its_deadline_is_given_up_between_batches() {
	// A worker whose hardware is slower than its tier's promise stops at the deadline instead
	// of finishing a batch whose commitment would be refused.
	let (id, spec) =
		models().into_iter().find(|(_, spec)| spec.name == b"dense-mlp".to_vec()).unwrap();
	let model = engine().model(id, &spec).unwrap();
	let asked = std::cell::Cell::new(0);
	let give_up = || {
		asked.set(asked.get() + 1);
		asked.get() >= 2
	};
	let result = run_challenge_until(&model, &spec, &[0x63u8; 32], 4096, None, &give_up);
	match result {
		Err(EngineError::Abandoned { done, total, .. }) => assert_eq!((done, total), (2048, 4096)),
		other => panic!("not given up: {other:?}"),
	}
	// Asked only between batches, never after the last one.
	asked.set(0);
	let never = || {
		asked.set(asked.get() + 1);
		false
	};
	assert!(run_challenge_until(&model, &spec, &[0x63u8; 32], 4096, None, &never).is_ok());
	assert_eq!(asked.get(), 3);
}
