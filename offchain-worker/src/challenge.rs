//! Running a challenge, committing to its outputs, opening samples, and re-running samples as a
//! verifier, applying the [`Fault`] a testnet worker simulates (`--poai-simulate-fault`; the
//! fault model itself lives in [`poai_primitives::fault`], shared with the pallet tests).
//!
//! A challenge of `n` samples runs samples `0..n` of the seed's inputs, quantises every output
//! with the model's `scale_bits`, hashes one leaf per sample ([`poai_primitives::leaf_hash`]) and
//! commits to the Merkle root over them. The outputs and leaves are kept so that audited samples
//! can be opened later with their proofs ([`ChallengeOutput::open`]). A verifier re-runs just the
//! opened samples ([`verify_samples`]) and the chain compares the two within tolerance.

use crate::engine::{EngineError, LoadedModel};
use poai_primitives::{
	commitment_root, leaves, merkle_proof, ModelSpec, OpenedOutputs, OpenedProofs, SampleIndex,
	SampleOutput, Seed, MAX_BATCH_SIZE, MAX_OPENED_SAMPLES, MAX_OUTPUT_ELEMENTS,
};
pub use poai_primitives::{fake_output, Fault, ParseFaultError};
use sp_core::H256;
use std::time::Duration;

/// Log target of the challenge runner.
const LOG_TARGET: &str = "poai-worker";

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
		Some(fault) => {
			// Make up what the fault fakes; run the rest on the fault's inputs.
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
			model.run_each(spec, &fault.input_seed(seed), &real_indices, |index, row| {
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
