//! Running a challenge, committing to its outputs, opening samples, and re-running samples as a
//! verifier, applying the [`Fault`] a testnet worker simulates (`--poai-simulate-fault`; the
//! fault model itself lives in [`poai_primitives::fault`], shared with the pallet tests).
//!
//! A challenge of `n` samples runs samples `0..n` of the seed's inputs, quantises every output
//! with the model's `scale_bits`, hashes one leaf per sample ([`poai_primitives::leaf_hash`]) and
//! commits to the Merkle root over them. Only the leaves are kept (32 bytes a sample, where the
//! outputs of a 65,536-sample tiny-lm batch are 1 GiB): when samples are audited,
//! [`ChallengeOutput::open`] runs again the batches of the commitment that hold them, checks
//! each output against its leaf and opens it with its Merkle proof. A verifier re-runs just the
//! opened samples ([`verify_samples`]) and the chain compares the two within tolerance.
//!
//! A worker gives a challenge up once its commit deadline has passed ([`run_challenge_until`]):
//! a commitment after it is refused, so the rest of the batch would be wasted work.

use crate::engine::{EngineError, LoadedModel, OutputRow, MAX_SAMPLES_PER_RUN};
use poai_primitives::{
	commitment_root, leaf_hash, merkle_proof, ModelSpec, OpenedOutputs, OpenedProofs, SampleIndex,
	SampleOutput, Seed, MAX_BATCH_SIZE, MAX_OPENED_SAMPLES, MAX_OUTPUT_ELEMENTS,
};
pub use poai_primitives::{fake_output, Fault, ParseFaultError};
use sp_core::H256;
use std::{collections::BTreeMap, time::Duration};

/// Log target of the challenge runner.
const LOG_TARGET: &str = "poai-worker";

/// A challenge run and committed to: the leaves, not the outputs.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ChallengeOutput {
	/// The Merkle leaf of each sample.
	pub leaves: Vec<H256>,
	/// The root committed to.
	pub root: H256,
	/// Time spent in ONNX Runtime running the samples, in milliseconds (saturated): the
	/// inference alone, without generating inputs, quantising, hashing or building the tree.
	pub wall_time_ms: u32,
	/// The challenge's seed.
	seed: Seed,
	/// The fault simulated when the challenge ran, which an opening must simulate again.
	fault: Option<Fault>,
}

impl ChallengeOutput {
	/// Number of samples committed to.
	pub fn n(&self) -> u32 {
		u32::try_from(self.leaves.len()).unwrap_or(u32::MAX)
	}

	/// The outputs of samples `indices` with their Merkle proofs, in the order of `indices`: what
	/// a reveal carries. The outputs are computed again, batch by batch as the commitment
	/// computed them (so that batch-dependent kernels give the same bits), and each is checked
	/// against its committed leaf.
	pub fn open(
		&self,
		model: &LoadedModel,
		spec: &ModelSpec,
		indices: &[SampleIndex],
	) -> Result<(OpenedOutputs, OpenedProofs), EngineError> {
		check_opened_count(indices)?;
		let n = self.n();
		if let Some(&index) = indices.iter().find(|&&index| index >= n) {
			return Err(EngineError::IndexOutOfRange { index, n });
		}
		let plan = Plan::new(&self.seed, (0..n).collect(), self.fault);
		let recomputed = plan.recompute(model, spec, indices)?;
		let mut outputs = Vec::with_capacity(indices.len());
		let mut proofs = Vec::with_capacity(indices.len());
		for &index in indices {
			let output = recomputed.get(&index).ok_or(EngineError::NotReproduced { index })?;
			if self.leaves.get(index as usize) != Some(&leaf_hash(index, output)) {
				return Err(EngineError::NotReproduced { index });
			}
			outputs.push(sample_output(output)?);
			proofs.push(
				merkle_proof(&self.leaves, index)
					.ok_or(EngineError::IndexOutOfRange { index, n })?,
			);
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

/// How a run of samples is computed under a simulated fault: which samples are made up, and
/// which are really run, on which input seed and in which order. The real ones run in batches
/// of [`MAX_SAMPLES_PER_RUN`] in that order, which is what lets an opening run one batch again
/// and get the bits the commitment hashed.
struct Plan {
	/// The simulated fault, if it fakes outputs.
	faking: Option<Fault>,
	/// The seed the challenge's outputs are faked from.
	seed: Seed,
	/// The seed of the inputs the real samples run on.
	input_seed: Seed,
	/// The samples really run, in the order they run.
	real: Vec<SampleIndex>,
}

impl Plan {
	fn new(seed: &Seed, indices: Vec<SampleIndex>, fault: Option<Fault>) -> Self {
		let faking = fault.filter(Fault::fakes_outputs);
		let (input_seed, real) = match faking {
			None => (*seed, indices),
			Some(fault) => (
				fault.input_seed(seed),
				indices.into_iter().filter(|&index| !fault.fakes_sample(seed, index)).collect(),
			),
		};
		Self { faking, seed: *seed, input_seed, real }
	}

	/// The made-up output of sample `index`, if the fault fakes it.
	fn fake(&self, spec: &ModelSpec, index: SampleIndex) -> Option<Vec<i32>> {
		self.faking
			.filter(|fault| fault.fakes_sample(&self.seed, index))
			.map(|_| fake_output(spec, &self.seed, index))
	}

	/// Runs the real samples, quantises each batch's outputs and maps them with `map` on
	/// several threads, and hands the results to `each`, in run order; between batches, stops
	/// with [`EngineError::Abandoned`] once `give_up` says so. Returns the time spent in ONNX
	/// Runtime.
	fn run<T: Send>(
		&self,
		model: &LoadedModel,
		spec: &ModelSpec,
		give_up: &dyn Fn() -> bool,
		map: impl Fn(SampleIndex, Vec<i32>) -> T + Sync,
		mut each: impl FnMut(SampleIndex, T),
	) -> Result<Duration, EngineError> {
		let total = self.real.len();
		let mut done = 0usize;
		let stats = model.run_batches(spec, &self.input_seed, &self.real, |batch, data| {
			let mapped = quantise_batch(model, spec, batch, data, &map)?;
			for (&index, value) in batch.iter().zip(mapped) {
				each(index, value);
			}
			done += batch.len();
			if done < total && give_up() {
				return Err(EngineError::Abandoned { model: model.name().to_owned(), done, total });
			}
			Ok(())
		})?;
		Ok(stats.inference)
	}

	/// The outputs of samples `wanted`, as the whole run computes them: made up where the fault
	/// fakes them, else by running again only the batches of the run that hold them.
	fn recompute(
		&self,
		model: &LoadedModel,
		spec: &ModelSpec,
		wanted: &[SampleIndex],
	) -> Result<BTreeMap<SampleIndex, Vec<i32>>, EngineError> {
		let mut outputs = BTreeMap::new();
		let mut batches = std::collections::BTreeSet::new();
		for &index in wanted {
			match self.fake(spec, index) {
				Some(fake) => {
					outputs.insert(index, fake);
				}
				None => {
					let position = self.real.iter().position(|&real| real == index);
					let position = position.ok_or(EngineError::NotReproduced { index })?;
					batches.insert(position / MAX_SAMPLES_PER_RUN);
				}
			}
		}
		for batch in batches {
			let start = batch * MAX_SAMPLES_PER_RUN;
			let end = (start + MAX_SAMPLES_PER_RUN).min(self.real.len());
			let run = self.real.get(start..end).unwrap_or_default();
			model.run_each(spec, &self.input_seed, run, |index, row| {
				if wanted.contains(&index) {
					outputs.insert(index, model.quantise(spec, index, row)?);
				}
				Ok(())
			})?;
		}
		Ok(outputs)
	}
}

/// The quantised outputs of samples `indices` (in that order) of the challenge with seed `seed`,
/// as a worker simulating `fault` computes them: what a verifier submits, and what tests compare
/// commitments with.
pub fn sample_outputs(
	model: &LoadedModel,
	spec: &ModelSpec,
	seed: &Seed,
	indices: &[SampleIndex],
	fault: Option<Fault>,
) -> Result<Vec<Vec<i32>>, EngineError> {
	let plan = Plan::new(seed, indices.to_vec(), fault);
	let mut outputs: Vec<Vec<i32>> = Vec::with_capacity(indices.len());
	let mut real_positions = Vec::with_capacity(plan.real.len());
	for (position, &index) in indices.iter().enumerate() {
		match plan.fake(spec, index) {
			Some(fake) => outputs.push(fake),
			None => {
				outputs.push(Vec::new());
				real_positions.push(position);
			}
		}
	}
	// `run` hands the outputs in the order of `plan.real`, the real positions' order.
	let mut positions = real_positions.into_iter();
	plan.run(
		model,
		spec,
		&|| false,
		|_, output| output,
		|_, output| {
			if let Some(slot) = positions.next().and_then(|position| outputs.get_mut(position)) {
				*slot = output;
			}
		},
	)?;
	Ok(outputs)
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
	run_challenge_until(model, spec, seed, n, fault, &|| false)
}

/// [`run_challenge`], given up with [`EngineError::Abandoned`] between two batches once
/// `give_up` returns `true` (the worker's task: once the commit deadline has passed).
pub fn run_challenge_until(
	model: &LoadedModel,
	spec: &ModelSpec,
	seed: &Seed,
	n: u32,
	fault: Option<Fault>,
	give_up: &dyn Fn() -> bool,
) -> Result<ChallengeOutput, EngineError> {
	if n == 0 || n > MAX_BATCH_SIZE {
		return Err(EngineError::BadSampleCount {
			model: model.name().to_owned(),
			n,
			max: MAX_BATCH_SIZE,
		});
	}
	warn_fault(model, fault, &format!("the {n} samples of a challenge"));
	let plan = Plan::new(seed, (0..n).collect(), fault);
	let mut leaves = vec![H256::zero(); n as usize];
	if plan.faking.is_some() {
		for (index, leaf) in (0..n).zip(leaves.iter_mut()) {
			if let Some(fake) = plan.fake(spec, index) {
				*leaf = leaf_hash(index, &fake);
			}
		}
	}
	let leaf = |index, output: Vec<i32>| leaf_hash(index, &output);
	let inference = plan.run(model, spec, give_up, leaf, |index, leaf| {
		if let Some(slot) = leaves.get_mut(index as usize) {
			*slot = leaf;
		}
	})?;
	let root = commitment_root(&leaves);
	let wall_time_ms = millis(inference);
	log::debug!(
		target: LOG_TARGET,
		"model `{}`: {n} samples, {wall_time_ms} ms of inference, root {root:?}",
		model.name(),
	);
	Ok(ChallengeOutput { leaves, root, wall_time_ms, seed: *seed, fault })
}

/// Threads that quantise and hash one batch's outputs: a third of a tiny-lm batch's time on
/// the CPU (16 KiB of floats a sample), and most of it once a GPU computes the batch.
const HOST_THREADS: usize = 8;

/// Fewer rows than this are quantised on one thread: a thread costs more than they do.
const MIN_ROWS_PER_THREAD: usize = 16;

/// Quantises the rows of one batch's output (`data`, in the order of `batch`) and maps each
/// with `map`, on up to [`HOST_THREADS`] threads; the results in the order of `batch`.
fn quantise_batch<T: Send>(
	model: &LoadedModel,
	spec: &ModelSpec,
	batch: &[SampleIndex],
	data: OutputRow<'_>,
	map: &(impl Fn(SampleIndex, Vec<i32>) -> T + Sync),
) -> Result<Vec<T>, EngineError> {
	let len = spec.output_len as usize;
	let per_thread = batch.len().div_ceil(HOST_THREADS).max(MIN_ROWS_PER_THREAD);
	let quantise = |first: usize, part: &[SampleIndex]| -> Result<Vec<T>, EngineError> {
		part.iter()
			.enumerate()
			.map(|(offset, &index)| {
				// `run_batches` checked the output's length against the batch.
				let row =
					data.row(first + offset, len).ok_or_else(|| EngineError::OutputShape {
						model: model.name().to_owned(),
						output: String::from_utf8_lossy(&spec.output).into_owned(),
						shape: vec![data.len() as i64],
						batch: batch.len(),
						output_len: spec.output_len,
					})?;
				Ok(map(index, model.quantise(spec, index, row)?))
			})
			.collect()
	};
	if batch.len() <= per_thread {
		return quantise(0, batch);
	}
	std::thread::scope(|scope| {
		let workers: Vec<_> = batch
			.chunks(per_thread)
			.enumerate()
			.map(|(number, part)| scope.spawn(move || quantise(number * per_thread, part)))
			.collect();
		let mut mapped = Vec::with_capacity(batch.len());
		for worker in workers {
			let part = worker
				.join()
				.map_err(|_| EngineError::Thread("quantising a batch panicked".into()))??;
			mapped.extend(part);
		}
		Ok(mapped)
	})
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
	let rows = sample_outputs(model, spec, seed, indices, fault)?;
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
	use poai_primitives::fixtures;

	#[test]
	fn a_plan_runs_what_the_fault_does_not_fake_in_order() {
		let seed = [0x42; 32];
		let honest = Plan::new(&seed, (0..100).collect(), None);
		assert_eq!((honest.real, honest.input_seed), ((0..100).collect(), seed));
		// A fault that fakes nothing runs everything honestly.
		let late = Plan::new(&seed, (0..100).collect(), Some(Fault::LateCommit));
		assert!(late.faking.is_none() && late.real.len() == 100);
		let partial = Fault::Partial { per_mille: 300 };
		let plan = Plan::new(&seed, (0..100).collect(), Some(partial));
		let spec = fixtures::dense_mlp(16, 4);
		for index in 0..100 {
			let faked = partial.fakes_sample(&seed, index);
			assert_eq!(plan.real.contains(&index), !faked, "#{index}");
			assert_eq!(plan.fake(&spec, index).is_some(), faked, "#{index}");
		}
		assert!(plan.real.windows(2).all(|pair| pair[0] < pair[1]));
		let wrong = Plan::new(&seed, (0..100).collect(), Some(Fault::WrongModel));
		assert_eq!(wrong.real.len(), 100);
		assert_ne!(wrong.input_seed, seed);
		assert!(Plan::new(&seed, (0..100).collect(), Some(Fault::RandomOutputs)).real.is_empty());
	}
}
