//! Running a challenge, committing to its outputs, opening samples, and re-running samples as a
//! verifier; plus the faults a testnet worker can simulate (`--poai-simulate-fault`).
//!
//! A challenge of `n` samples runs samples `0..n` of the seed's inputs, quantises every output
//! with the model's `scale_bits`, hashes one leaf per sample ([`poai_primitives::leaf_hash`]) and
//! commits to the Merkle root over them. The outputs and leaves are kept so that audited samples
//! can be opened later with their proofs ([`ChallengeOutput::open`]). A verifier re-runs just the
//! opened samples ([`verify_samples`]) and the chain compares the two within tolerance.

use crate::engine::{EngineError, LoadedModel};
use codec::Encode;
use poai_primitives::{
	commitment_root, leaves, merkle_proof, ModelSpec, OpenedOutputs, OpenedProofs, SampleIndex,
	SampleOutput, Seed, SeedRng, MAX_BATCH_SIZE, MAX_OPENED_SAMPLES, MAX_OUTPUT_ELEMENTS,
};
use sp_core::H256;
use sp_runtime::traits::{BlakeTwo256, Hash as _};
use std::{fmt, str::FromStr, time::Duration};

/// Log target of the challenge runner.
const LOG_TARGET: &str = "poai-worker";

/// Tag of the stream deciding which samples [`Fault::Partial`] fakes.
const FAULT_TAG: [u8; 10] = *b"poai/fault";
/// Tag of the stream of fake output values.
const FAKE_TAG: [u8; 9] = *b"poai/fake";
/// Tag of the seed [`Fault::WrongModel`] generates its inputs from.
const WRONG_TAG: [u8; 10] = *b"poai/wrong";

/// A misbehaviour a testnet worker simulates, to exercise audits, verdicts and slashing.
/// Never use one on a real network: faked outputs fail audits and get the worker slashed.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Fault {
	/// A lazy worker: random outputs of plausible magnitude, no inference at all (`random`).
	RandomOutputs,
	/// Fakes this many thousandths of the samples (chosen from the seed) and runs the rest
	/// (`partial:F`, `F` a fraction in `[0, 1]`, e.g. `partial:0.25`).
	Partial {
		/// Faked samples per thousand.
		per_mille: u32,
	},
	/// Runs a wrong computation: the model on inputs from another seed, so that every output is
	/// a real model output, of the wrong sample (`wrong-model`).
	WrongModel,
	/// Commits honestly but never reveals (`skip-reveal`; the worker task acts on it).
	SkipReveal,
	/// Commits honestly but after the deadline (`late-commit`; the worker task acts on it).
	LateCommit,
	/// Works honestly, but as a verifier submits made-up outputs for every audited sample —
	/// the same ones a `random` worker commits to (`framing-verifier`): it votes to fail honest
	/// workers and to pass `random` cheaters, colluding with them.
	FramingVerifier,
}

/// A fault string that is none of those [`Fault`] documents.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[error(
	"unknown fault `{0}`: expected `random`, `partial:F` with F a fraction in [0, 1] (e.g. \
	 `partial:0.25`), `wrong-model`, `skip-reveal`, `late-commit` or `framing-verifier`"
)]
pub struct ParseFaultError(pub String);

impl FromStr for Fault {
	type Err = ParseFaultError;

	fn from_str(s: &str) -> Result<Self, Self::Err> {
		let error = || ParseFaultError(s.to_owned());
		let lower = s.trim().to_ascii_lowercase();
		Ok(match lower.as_str() {
			"random" => Fault::RandomOutputs,
			"wrong-model" => Fault::WrongModel,
			"skip-reveal" => Fault::SkipReveal,
			"late-commit" => Fault::LateCommit,
			"framing-verifier" => Fault::FramingVerifier,
			other => {
				let fraction: f64 = other
					.strip_prefix("partial:")
					.ok_or_else(error)?
					.trim()
					.parse()
					.map_err(|_| error())?;
				if !(0.0..=1.0).contains(&fraction) {
					return Err(error());
				}
				// In [0, 1000] after the check above, so the conversion is exact.
				Fault::Partial { per_mille: (fraction * 1000.0).round() as u32 }
			}
		})
	}
}

impl fmt::Display for Fault {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Fault::RandomOutputs => f.write_str("random"),
			Fault::Partial { per_mille } => {
				write!(f, "partial:{}", f64::from(*per_mille) / 1000.0)
			}
			Fault::WrongModel => f.write_str("wrong-model"),
			Fault::SkipReveal => f.write_str("skip-reveal"),
			Fault::LateCommit => f.write_str("late-commit"),
			Fault::FramingVerifier => f.write_str("framing-verifier"),
		}
	}
}

impl Fault {
	/// Whether the fault changes the committed outputs ([`run_challenge`] applies it); the
	/// others change what the worker task does with honest outputs.
	pub fn fakes_outputs(&self) -> bool {
		match self {
			Fault::RandomOutputs | Fault::WrongModel => true,
			Fault::Partial { per_mille } => *per_mille > 0,
			Fault::SkipReveal | Fault::LateCommit | Fault::FramingVerifier => false,
		}
	}

	/// The fault as it applies to this node's verifications: a `framing-verifier` makes its
	/// outputs up as a `random` worker does; every other fault makes a verifier as dishonest as
	/// it makes a worker.
	pub fn as_verifier(self) -> Fault {
		match self {
			Fault::FramingVerifier => Fault::RandomOutputs,
			other => other,
		}
	}

	/// Whether sample `index` of the challenge with seed `seed` is faked (not run on its own
	/// input): every sample for `RandomOutputs` and `WrongModel`, a deterministic
	/// `per_mille / 1000` of them for `Partial`, none otherwise.
	pub fn fakes_sample(&self, seed: &Seed, index: SampleIndex) -> bool {
		match self {
			Fault::RandomOutputs | Fault::WrongModel => true,
			Fault::Partial { per_mille } => {
				let mut rng = SeedRng::new(BlakeTwo256::hash(&(FAULT_TAG, seed, index).encode()).0);
				rng.below(1000) < *per_mille
			}
			Fault::SkipReveal | Fault::LateCommit | Fault::FramingVerifier => false,
		}
	}
}

/// A fake output for sample `index`: `output_len` values uniform in ±2.0 real units (the
/// magnitude of the registered models' outputs), deterministic from the seed.
pub fn fake_output(spec: &ModelSpec, seed: &Seed, index: SampleIndex) -> Vec<i32> {
	let mut rng = SeedRng::new(BlakeTwo256::hash(&(FAKE_TAG, seed, index).encode()).0);
	// 2.0 · 2^scale_bits, capped to the i32 range.
	let bound = 1i64
		.checked_shl(u32::from(spec.scale_bits) + 1)
		.unwrap_or(i64::MAX)
		.min(i64::from(i32::MAX));
	// 2·bound + 1 ≤ 2^32 − 1: values in [−bound, bound].
	let span = u32::try_from(2 * bound + 1).unwrap_or(u32::MAX);
	(0..spec.output_len)
		.map(|_| {
			let value = i64::from(rng.below(span)) - bound;
			i32::try_from(value).unwrap_or(0)
		})
		.collect()
}

/// The seed [`Fault::WrongModel`] generates its inputs from.
fn wrong_seed(seed: &Seed) -> Seed {
	BlakeTwo256::hash(&(WRONG_TAG, seed).encode()).0
}

/// A challenge run and committed to.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ChallengeOutput {
	/// The quantised output of each sample, sample `i` at position `i`.
	pub outputs: Vec<Vec<i32>>,
	/// The Merkle leaf of each sample.
	pub leaves: Vec<H256>,
	/// The root committed to.
	pub root: H256,
	/// Time spent in ONNX Runtime running the samples, in milliseconds (saturated): the
	/// inference alone, without generating inputs, quantising, hashing or building the tree.
	pub wall_time_ms: u32,
}

impl ChallengeOutput {
	/// Number of samples committed to.
	pub fn n(&self) -> u32 {
		u32::try_from(self.leaves.len()).unwrap_or(u32::MAX)
	}

	/// The outputs of samples `indices` with their Merkle proofs, in the order of `indices`: what
	/// a reveal carries.
	pub fn open(
		&self,
		indices: &[SampleIndex],
	) -> Result<(OpenedOutputs, OpenedProofs), EngineError> {
		check_opened_count(indices)?;
		let n = self.n();
		let mut outputs = Vec::with_capacity(indices.len());
		let mut proofs = Vec::with_capacity(indices.len());
		for &index in indices {
			let out_of_range = || EngineError::IndexOutOfRange { index, n };
			let output = self.outputs.get(index as usize).ok_or_else(out_of_range)?;
			outputs.push(sample_output(output)?);
			proofs.push(merkle_proof(&self.leaves, index).ok_or_else(out_of_range)?);
		}
		// Both fit: the count was checked.
		let too_many = || EngineError::TooLarge {
			what: "opened samples",
			count: indices.len(),
			max: MAX_OPENED_SAMPLES as usize,
		};
		Ok((
			OpenedOutputs::try_from(outputs).map_err(|_| too_many())?,
			OpenedProofs::try_from(proofs).map_err(|_| too_many())?,
		))
	}
}

/// At most [`MAX_OPENED_SAMPLES`] samples are opened at once.
fn check_opened_count(indices: &[SampleIndex]) -> Result<(), EngineError> {
	if indices.len() > MAX_OPENED_SAMPLES as usize {
		return Err(EngineError::TooLarge {
			what: "opened samples",
			count: indices.len(),
			max: MAX_OPENED_SAMPLES as usize,
		});
	}
	Ok(())
}

/// One output as the bounded vector a submission carries.
fn sample_output(output: &[i32]) -> Result<SampleOutput, EngineError> {
	SampleOutput::try_from(output.to_vec()).map_err(|_| EngineError::TooLarge {
		what: "output elements of a sample",
		count: output.len(),
		max: MAX_OUTPUT_ELEMENTS as usize,
	})
}

/// Milliseconds, saturated to `u32`.
fn millis(duration: Duration) -> u32 {
	u32::try_from(duration.as_millis()).unwrap_or(u32::MAX)
}

/// Runs samples `indices` (in that order) and quantises them, applying `fault`'s fakes: the
/// outputs, and the time spent in ONNX Runtime.
fn run_samples(
	model: &LoadedModel,
	spec: &ModelSpec,
	seed: &Seed,
	indices: &[SampleIndex],
	fault: Option<Fault>,
) -> Result<(Vec<Vec<i32>>, Duration), EngineError> {
	let mut outputs: Vec<Vec<i32>> = Vec::with_capacity(indices.len());
	let stats = match fault.filter(Fault::fakes_outputs) {
		None => model.run_each(spec, seed, indices, |index, row| {
			outputs.push(model.quantise(spec, index, row)?);
			Ok(())
		})?,
		Some(Fault::WrongModel) => {
			model.run_each(spec, &wrong_seed(seed), indices, |index, row| {
				outputs.push(model.quantise(spec, index, row)?);
				Ok(())
			})?
		}
		Some(fault) => {
			// Fake what the fault fakes, run the rest (nothing for `RandomOutputs`).
			let mut real = Vec::new();
			for (position, &index) in indices.iter().enumerate() {
				if fault.fakes_sample(seed, index) {
					outputs.push(fake_output(spec, seed, index));
				} else {
					outputs.push(Vec::new());
					real.push(position);
				}
			}
			let real_indices: Vec<SampleIndex> = real.iter().map(|&p| indices[p]).collect();
			let mut positions = real.into_iter();
			model.run_each(spec, seed, &real_indices, |index, row| {
				let quantised = model.quantise(spec, index, row)?;
				// `run_each` hands the rows in the order of `real_indices`.
				if let Some(slot) = positions.next().and_then(|p| outputs.get_mut(p)) {
					*slot = quantised;
				}
				Ok(())
			})?
		}
	};
	Ok((outputs, stats.inference))
}

/// Logs that `fault` is simulated, if it changes outputs.
fn warn_fault(model: &LoadedModel, fault: Option<Fault>, what: &str) {
	if let Some(fault) = fault.filter(Fault::fakes_outputs) {
		log::warn!(
			target: LOG_TARGET,
			"SIMULATING FAULT `{fault}` on {what} of model `{}`: the outputs submitted are fake",
			model.name(),
		);
	}
}

/// Runs the `n` samples of the challenge with seed `seed` on `model`, quantises them and commits
/// to them. `fault` (testnets only) fakes outputs as [`Fault`] describes; faults that do not
/// fake outputs change nothing here.
pub fn run_challenge(
	model: &LoadedModel,
	spec: &ModelSpec,
	seed: &Seed,
	n: u32,
	fault: Option<Fault>,
) -> Result<ChallengeOutput, EngineError> {
	if n == 0 || n > MAX_BATCH_SIZE {
		return Err(EngineError::BadSampleCount {
			model: model.name().to_owned(),
			n,
			max: MAX_BATCH_SIZE,
		});
	}
	warn_fault(model, fault, &format!("the {n} samples of a challenge"));
	let indices: Vec<SampleIndex> = (0..n).collect();
	let (outputs, inference) = run_samples(model, spec, seed, &indices, fault)?;
	let leaves = leaves(&outputs);
	let root = commitment_root(&leaves);
	let wall_time_ms = millis(inference);
	log::debug!(
		target: LOG_TARGET,
		"model `{}`: {n} samples, {wall_time_ms} ms of inference, root {root:?}",
		model.name(),
	);
	Ok(ChallengeOutput { outputs, leaves, root, wall_time_ms })
}

/// Re-runs samples `indices` of another worker's challenge: the quantised outputs a verifier
/// submits, in the order of `indices`. A simulated `fault` makes the verifier as dishonest as it
/// makes a worker (the same samples faked in the same way; see [`Fault::as_verifier`]); `None`
/// for honest verification.
pub fn verify_samples(
	model: &LoadedModel,
	spec: &ModelSpec,
	seed: &Seed,
	indices: &[SampleIndex],
	fault: Option<Fault>,
) -> Result<OpenedOutputs, EngineError> {
	check_opened_count(indices)?;
	let fault = fault.map(Fault::as_verifier);
	warn_fault(model, fault, &format!("{} audited samples", indices.len()));
	let (rows, _) = run_samples(model, spec, seed, indices, fault)?;
	let outputs = rows.iter().map(|row| sample_output(row)).collect::<Result<Vec<_>, _>>()?;
	OpenedOutputs::try_from(outputs).map_err(|_| EngineError::TooLarge {
		what: "verified samples",
		count: indices.len(),
		max: MAX_OPENED_SAMPLES as usize,
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use poai_primitives::{
		ClassParams, ClassTable, HardwareClass, InputKind, InputSpec, ModelName, Shape, TensorName,
		Tolerance,
	};

	fn spec(output_len: u32, scale_bits: u8) -> ModelSpec {
		ModelSpec {
			name: ModelName::truncate_from(b"m".to_vec()),
			onnx_hash: H256::zero(),
			input: InputSpec {
				name: TensorName::truncate_from(b"x".to_vec()),
				shape: Shape::truncate_from(vec![4]),
				kind: InputKind::Uniform { min_milli: -1000, max_milli: 1000 },
			},
			output: TensorName::truncate_from(b"y".to_vec()),
			output_len,
			scale_bits,
			tolerance: Tolerance { rel_l2_ppm: 100, max_abs_ppm: 1000 },
			flops_per_sample: 1,
			classes: ClassTable::truncate_from(vec![ClassParams {
				class: HardwareClass::Cpu,
				batch_size: 8,
				deadline_blocks: 6,
			}]),
		}
	}

	#[test]
	fn faults_parse() {
		assert_eq!("random".parse(), Ok(Fault::RandomOutputs));
		assert_eq!("partial:0.25".parse(), Ok(Fault::Partial { per_mille: 250 }));
		assert_eq!("partial:1".parse(), Ok(Fault::Partial { per_mille: 1000 }));
		assert_eq!("partial:0".parse(), Ok(Fault::Partial { per_mille: 0 }));
		assert_eq!(" Partial:0.0004 ".parse(), Ok(Fault::Partial { per_mille: 0 }));
		assert_eq!("wrong-model".parse(), Ok(Fault::WrongModel));
		assert_eq!("skip-reveal".parse(), Ok(Fault::SkipReveal));
		assert_eq!("late-commit".parse(), Ok(Fault::LateCommit));
		assert_eq!("framing-verifier".parse(), Ok(Fault::FramingVerifier));
		for bad in [
			"",
			"partial",
			"partial:",
			"partial:1.5",
			"partial:-0.1",
			"partial:NaN",
			"partial:x",
			"lazy",
		] {
			let error = bad.parse::<Fault>().unwrap_err();
			assert_eq!(error, ParseFaultError(bad.to_owned()));
			assert!(error.to_string().contains("`partial:F`"), "{error}");
		}
		for fault in [
			Fault::RandomOutputs,
			Fault::Partial { per_mille: 250 },
			Fault::Partial { per_mille: 5 },
			Fault::WrongModel,
			Fault::SkipReveal,
			Fault::LateCommit,
			Fault::FramingVerifier,
		] {
			assert_eq!(fault.to_string().parse(), Ok(fault), "{fault}");
		}
	}

	#[test]
	fn which_faults_fake_which_samples() {
		let seed = [9u8; 32];
		assert!(Fault::RandomOutputs.fakes_outputs() && Fault::WrongModel.fakes_outputs());
		assert!(Fault::Partial { per_mille: 1 }.fakes_outputs());
		assert!(!Fault::Partial { per_mille: 0 }.fakes_outputs());
		assert!(!Fault::SkipReveal.fakes_outputs() && !Fault::LateCommit.fakes_outputs());
		// A framing verifier works honestly and fakes what it verifies, as a `random` worker.
		assert!(!Fault::FramingVerifier.fakes_outputs());
		assert!((0..100).all(|i| !Fault::FramingVerifier.fakes_sample(&seed, i)));
		assert_eq!(Fault::FramingVerifier.as_verifier(), Fault::RandomOutputs);
		assert_eq!(Fault::WrongModel.as_verifier(), Fault::WrongModel);
		assert!((0..100).all(|i| Fault::RandomOutputs.fakes_sample(&seed, i)));
		assert!((0..100).all(|i| !Fault::SkipReveal.fakes_sample(&seed, i)));
		assert!((0..100).all(|i| !Fault::Partial { per_mille: 0 }.fakes_sample(&seed, i)));
		assert!((0..100).all(|i| Fault::Partial { per_mille: 1000 }.fakes_sample(&seed, i)));
		let quarter = Fault::Partial { per_mille: 250 };
		let faked = (0..4000).filter(|&i| quarter.fakes_sample(&seed, i)).count();
		// 1000 ± 4σ (σ ≈ 27).
		assert!((890..=1110).contains(&faked), "{faked}");
		// Deterministic, and different for another seed.
		let set = |seed: &Seed| (0..64).map(|i| quarter.fakes_sample(seed, i)).collect::<Vec<_>>();
		assert_eq!(set(&seed), set(&seed));
		assert_ne!(set(&seed), set(&[8u8; 32]));
	}

	#[test]
	fn fake_outputs_are_plausible_and_deterministic() {
		let lm = spec(4096, 16);
		let seed = [1u8; 32];
		let fake = fake_output(&lm, &seed, 3);
		assert_eq!(fake.len(), 4096);
		assert_eq!(fake, fake_output(&lm, &seed, 3));
		assert_ne!(fake, fake_output(&lm, &seed, 4));
		assert!(fake.iter().all(|&q| q.abs() <= 2 << 16));
		// Spread over the range: the rms of a uniform ±2.0 is 2/√3 ≈ 1.15 real units.
		let rms =
			(fake.iter().map(|&q| (f64::from(q) / 65536.0).powi(2)).sum::<f64>() / 4096.0).sqrt();
		assert!((1.0..1.3).contains(&rms), "{rms}");
		// Extreme scales stay in range.
		assert!(fake_output(&spec(16, 30), &seed, 0).iter().any(|&q| q.unsigned_abs() > 1 << 30));
		assert_eq!(
			fake_output(&spec(16, 0), &seed, 0).iter().map(|q| q.abs()).max().map(|m| m <= 2),
			Some(true)
		);
	}

	#[test]
	fn opening_checks_indices_and_proves_samples() {
		let outputs: Vec<Vec<i32>> = (0..5).map(|i| vec![i, -i, 7]).collect();
		let leaves = leaves(&outputs);
		let root = commitment_root(&leaves);
		let challenge = ChallengeOutput { outputs: outputs.clone(), leaves, root, wall_time_ms: 1 };
		assert_eq!(challenge.n(), 5);
		let (opened, proofs) = challenge.open(&[4, 0, 2]).unwrap();
		for ((index, output), proof) in
			[4u32, 0, 2].into_iter().zip(opened.iter()).zip(proofs.iter())
		{
			assert_eq!(output.to_vec(), outputs[index as usize]);
			assert!(poai_primitives::verify_sample(&root, 5, index, output, proof));
		}
		assert!(matches!(
			challenge.open(&[5]),
			Err(EngineError::IndexOutOfRange { index: 5, n: 5 })
		));
		let many: Vec<SampleIndex> = (0..=MAX_OPENED_SAMPLES).map(|i| i % 5).collect();
		assert!(matches!(challenge.open(&many), Err(EngineError::TooLarge { .. })));
		assert_eq!(challenge.open(&[]).map(|(o, p)| (o.len(), p.len())).ok(), Some((0, 0)));
	}
}
