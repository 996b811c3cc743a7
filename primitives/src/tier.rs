//! Hardware tiers: what a worker promises about its hardware, and the arithmetic that makes a
//! challenge prove the promise.
//!
//! A tier is registered on chain by governance ([`TierSpec`]): the kind of device, the
//! sustained throughput it promises and its memory. A candidate declares a tier; every model
//! says which tiers it serves, with a batch size and a commit deadline for each
//! ([`crate::TierParams`]). The deadline separates tiers when it is sized by [`sizing`]:
//!
//! - hardware that keeps the tier's promise finishes the batch in at most **half** the deadline
//!   (the other half is for reading the duty, loading the model and getting the commitment
//!   included), and
//! - hardware with a **tenth** of the promise cannot finish within the deadline at all.
//!
//! So the promised compute time of a batch lies in `(deadline / 10, deadline / 2]`; the model
//! registry refuses a table entry outside it. All arithmetic is integer (`u128`), so the
//! runtime and the documentation's tables compute the same figures.

use crate::{
	ids::{HardwareClass, TierId},
	model::{ModelSpec, TierParams},
};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::ConstU32;
use sp_runtime::BoundedVec;

/// Longest tier name, in bytes.
pub const MAX_TIER_NAME_LEN: u32 = 32;

/// The promised hardware must finish a batch within `1 / PROMISE_SHARE_OF_DEADLINE` of the
/// deadline.
pub const PROMISE_SHARE_OF_DEADLINE: u128 = 2;

/// Hardware with `1 / SEPARATION_FACTOR` of the promised throughput must not finish a batch
/// within the deadline.
pub const SEPARATION_FACTOR: u128 = 10;

/// A tier's name (UTF-8), e.g. `gpu-24gb`.
pub type TierName = BoundedVec<u8, ConstU32<MAX_TIER_NAME_LEN>>;

/// What a hardware tier promises.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase", deny_unknown_fields))]
pub struct TierSpec {
	/// Human-readable name, e.g. `cpu` or `gpu-80gb`.
	pub name: TierName,
	/// The kind of device the tier's hardware is.
	pub device: HardwareClass,
	/// Sustained fp32 floating-point operations per second the tier promises (a multiply-add
	/// is two): what the float models' deadlines are sized by. Tensor-core shortcuts with less
	/// precision (TF32, fp16) do not count, because their results fall outside the float
	/// models' tolerance.
	pub fp32_flops: u64,
	/// Sustained int8 × int8 → int32 operations per second the tier promises: what the
	/// bit-exact integer models' deadlines are sized by.
	pub int8_ops: u64,
	/// Memory the tier promises, in bytes (RAM for a CPU tier, VRAM for a GPU tier).
	pub memory_bytes: u64,
}

/// Why a [`TierSpec`] cannot be registered.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TierSpecError {
	/// The name is empty.
	EmptyName,
	/// The promised fp32 throughput is zero.
	NoThroughput,
	/// The promised memory is zero.
	NoMemory,
}

impl TierSpec {
	/// Checks the spec for what [`sizing`] and the workers rely on.
	pub fn validate(&self) -> Result<(), TierSpecError> {
		if self.name.is_empty() {
			return Err(TierSpecError::EmptyName);
		}
		if self.fp32_flops == 0 {
			return Err(TierSpecError::NoThroughput);
		}
		if self.memory_bytes == 0 {
			return Err(TierSpecError::NoMemory);
		}
		Ok(())
	}
}

/// Read access to the registered tiers, for staking (which checks a candidate's declaration)
/// and the challenge protocol.
pub trait TierRegistry {
	/// The spec of tier `id`, if one is registered.
	fn tier(id: TierId) -> Option<TierSpec>;
}

/// The work of `samples` samples of `spec` issued at `tier`, in fp32 operations: what PoAI
/// points pay for.
///
/// A float model's work is its FLOPs. An integer model's int8 operations are converted at the
/// tier's own rate, `fp32_flops / int8_ops`: the fp32 work its promised hardware does in the
/// time the int8 work takes it. So every batch pays in proportion to the time the tier's promise
/// needs for it, whatever its precision, and a cheap int8 operation is not paid as a FLOP. An
/// unknown tier, or one that promises no int8 throughput (it serves no integer model), leaves
/// the count as it is.
pub fn fp32_work(spec: &ModelSpec, samples: u32, tier: Option<&TierSpec>) -> u128 {
	let ops = u128::from(spec.flops_per_sample) * u128::from(samples);
	match tier {
		Some(tier) if spec.is_integer() && tier.int8_ops > 0 => {
			ops * u128::from(tier.fp32_flops) / u128::from(tier.int8_ops)
		}
		_ => ops,
	}
}

/// What a model's batch costs on a tier, in milliseconds: the figures [`sizing`] checks.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Sizing {
	/// Operations of one batch (`n × flops_per_sample`): fp32 ones, or int8 ones for an
	/// integer model.
	pub batch_flops: u128,
	/// The commit deadline, in milliseconds (`deadline_blocks × slot`).
	pub deadline_ms: u128,
	/// How long hardware that keeps the tier's promise computes the batch (rounded up).
	pub promised_ms: u128,
	/// How long hardware with a tenth of the promise computes it.
	pub tenth_ms: u128,
}

/// Why a model's batch and deadline do not separate a tier.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SizingError {
	/// Hardware that keeps the tier's promise needs more than half the deadline: a smaller
	/// batch or a longer deadline is needed.
	TooSlowForPromise,
	/// Hardware with a tenth of the tier's promise finishes within the deadline, so the tier
	/// proves nothing: a larger batch or a shorter deadline is needed.
	TenthOfPromiseFinishes,
}

/// The cost of `params`' batch of `spec` on `tier` with blocks of `slot_ms` milliseconds, if
/// the deadline separates the tier (see the module docs). A float model is priced by the tier's
/// fp32 promise, an integer model ([`ModelSpec::is_integer`]) by its int8 promise.
pub fn sizing(
	spec: &ModelSpec,
	params: &TierParams,
	tier: &TierSpec,
	slot_ms: u64,
) -> Result<Sizing, SizingError> {
	let batch_flops = u128::from(params.batch_size) * u128::from(spec.flops_per_sample);
	let deadline_ms = u128::from(params.deadline_blocks) * u128::from(slot_ms);
	// An integer model's operations are int8 ones, priced by the tier's int8 promise. A zero
	// fp32 promise is refused by `TierSpec::validate`; a tier that promises no int8 throughput
	// serves no integer model (its batch would take forever); `max(1)` keeps this total.
	let throughput = if spec.is_integer() { tier.int8_ops } else { tier.fp32_flops };
	let flops = u128::from(throughput).max(1);
	let promised_ms = (batch_flops * 1000).div_ceil(flops);
	let tenth_ms = (batch_flops * 1000 * SEPARATION_FACTOR).div_ceil(flops);
	let sizing = Sizing { batch_flops, deadline_ms, promised_ms, tenth_ms };
	if promised_ms * PROMISE_SHARE_OF_DEADLINE > deadline_ms {
		return Err(SizingError::TooSlowForPromise);
	}
	if tenth_ms <= deadline_ms {
		return Err(SizingError::TenthOfPromiseFinishes);
	}
	Ok(sizing)
}

/// The tiers a new chain starts with, registered in this order (ids 0, 1, 2): the testnets'
/// genesis, the production chain spec's default and the registry's migration for chains that
/// predate tiers (where ids 0 and 1 were the CPU and GPU classes) all use this one list.
///
/// - `cpu`: what every laptop sustains in fp32 (2 GFLOP/s with 8 GiB of RAM; the 2-core
///   reference VM runs tiny-lm at ≈ 70 GFLOP/s);
/// - `gpu-24gb`: a 24 GB card (RTX 4090, L4, A10 class) at 20 TFLOP/s fp32, 200 TOPS int8;
/// - `gpu-80gb`: an 80 GB card (H100, A100 80 GB class) at 40 TFLOP/s fp32, 1,000 TOPS int8.
pub fn reference_tiers() -> alloc::vec::Vec<TierSpec> {
	const GIB: u64 = 1 << 30;
	let tier = |name: &[u8], device, fp32_flops, int8_ops, memory_bytes| TierSpec {
		name: TierName::truncate_from(name.to_vec()),
		device,
		fp32_flops,
		int8_ops,
		memory_bytes,
	};
	alloc::vec![
		tier(b"cpu", HardwareClass::Cpu, 2_000_000_000, 8_000_000_000, 8 * GIB),
		tier(b"gpu-24gb", HardwareClass::Gpu, 20_000_000_000_000, 200_000_000_000_000, 24 * GIB),
		tier(b"gpu-80gb", HardwareClass::Gpu, 40_000_000_000_000, 1_000_000_000_000_000, 80 * GIB),
	]
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::fixtures::{dense_mlp, int8_gemm};

	fn params(batch_size: u32, deadline_blocks: u32) -> TierParams {
		TierParams { tier: TierId(0), batch_size, deadline_blocks }
	}

	fn cpu() -> TierSpec {
		reference_tiers().remove(0)
	}

	#[test]
	fn the_reference_tiers_are_valid_and_bounded() {
		let tiers = reference_tiers();
		assert_eq!(tiers.len(), 3);
		for tier in &tiers {
			assert_eq!(tier.validate(), Ok(()));
			assert!(tier.encode().len() <= TierSpec::max_encoded_len());
		}
		assert_eq!(tiers[0].device, HardwareClass::Cpu);
		assert!(tiers[1].fp32_flops < tiers[2].fp32_flops);
		assert!(tiers[1].memory_bytes < tiers[2].memory_bytes);
	}

	#[test]
	fn bad_tiers_are_refused_with_the_reason() {
		let broken = |edit: fn(&mut TierSpec)| {
			let mut tier = cpu();
			edit(&mut tier);
			tier.validate()
		};
		assert_eq!(broken(|t| t.name.clear()), Err(TierSpecError::EmptyName));
		assert_eq!(broken(|t| t.fp32_flops = 0), Err(TierSpecError::NoThroughput));
		assert_eq!(broken(|t| t.memory_bytes = 0), Err(TierSpecError::NoMemory));
		// No int8 promise is allowed: such a tier serves no integer model.
		assert_eq!(broken(|t| t.int8_ops = 0), Ok(()));
	}

	#[test]
	fn a_deadline_separates_when_the_promise_takes_between_a_tenth_and_half_of_it() {
		// 1,000,000 FLOPs per sample; the CPU tier promises 2 GFLOP/s; 3 s blocks, 6-block
		// (18 s) deadline: the promised time must lie in (1.8 s, 9 s], i.e. the batch in
		// (3,600, 18,000] samples.
		let spec = crate::ModelSpec { flops_per_sample: 1_000_000, ..dense_mlp(8, 4) };
		let at = |batch| sizing(&spec, &params(batch, 6), &cpu(), 3000);
		assert_eq!(
			at(18_000),
			Ok(Sizing {
				batch_flops: 18_000_000_000,
				deadline_ms: 18_000,
				promised_ms: 9_000,
				tenth_ms: 90_000
			})
		);
		assert_eq!(at(18_001), Err(SizingError::TooSlowForPromise));
		assert_eq!(at(3_601).map(|s| s.tenth_ms), Ok(18_005));
		assert_eq!(at(3_600), Err(SizingError::TenthOfPromiseFinishes));
		assert_eq!(at(1), Err(SizingError::TenthOfPromiseFinishes));
	}

	#[test]
	fn an_integer_model_is_sized_by_the_int8_promise() {
		// The CPU tier promises 8 G int8 op/s: an 18 s deadline takes (14.4, 72] G operations.
		let spec = crate::ModelSpec { flops_per_sample: 1_000_000, ..int8_gemm(8, 4) };
		let at = |batch| sizing(&spec, &params(batch, 6), &cpu(), 3000);
		assert_eq!(at(72_000).map(|s| s.promised_ms), Ok(9_000));
		assert_eq!(at(72_001), Err(SizingError::TooSlowForPromise));
		assert_eq!(at(14_400), Err(SizingError::TenthOfPromiseFinishes));
		// The same work as a float model is priced by the fp32 promise, 4 x slower.
		let float = crate::ModelSpec { flops_per_sample: 1_000_000, ..dense_mlp(8, 4) };
		assert_eq!(
			sizing(&float, &params(72_000, 6), &cpu(), 3000),
			Err(SizingError::TooSlowForPromise)
		);
		// A tier without an int8 promise serves no integer model.
		let no_int8 = TierSpec { int8_ops: 0, ..cpu() };
		assert_eq!(
			sizing(&spec, &params(1, 6), &no_int8, 3000),
			Err(SizingError::TooSlowForPromise)
		);
	}

	#[test]
	fn sizing_cannot_overflow() {
		let spec = crate::ModelSpec { flops_per_sample: u64::MAX, ..dense_mlp(8, 4) };
		let tier = TierSpec { fp32_flops: 1, ..cpu() };
		assert_eq!(
			sizing(&spec, &params(crate::MAX_BATCH_SIZE, u32::MAX), &tier, u64::MAX),
			Err(SizingError::TenthOfPromiseFinishes)
		);
		assert_eq!(
			sizing(&spec, &params(crate::MAX_BATCH_SIZE, 1), &tier, 1),
			Err(SizingError::TooSlowForPromise)
		);
		let zero = TierSpec { fp32_flops: 0, ..cpu() };
		assert!(sizing(&spec, &params(1, 1), &zero, 3000).is_err());
	}

	#[test]
	fn tier_specs_serialise_in_camel_case() {
		let json = serde_json::to_string(&cpu()).unwrap();
		assert!(json.contains("\"fp32Flops\":2000000000"), "{json}");
		assert_eq!(serde_json::from_str::<TierSpec>(&json).unwrap(), cpu());
	}

	#[test]
	fn work_is_paid_by_the_time_the_tiers_promise_needs_for_it() {
		let cpu = &reference_tiers()[0];
		let float = dense_mlp(256, 64);
		let integer = int8_gemm(256, 64);
		// A float model's work is its FLOPs, on any tier or none.
		assert_eq!(fp32_work(&float, 100, Some(cpu)), u128::from(float.flops_per_sample) * 100);
		assert_eq!(fp32_work(&float, 100, None), u128::from(float.flops_per_sample) * 100);
		// An integer model's int8 operations count at the tier's fp32 / int8 rate: a quarter
		// on `cpu` (2 GFLOP/s against 8 GOP/s), a fiftieth on `gpu-80gb`.
		let ops = u128::from(integer.flops_per_sample) * 100;
		assert_eq!(fp32_work(&integer, 100, Some(cpu)), ops / 4);
		assert_eq!(fp32_work(&integer, 100, Some(&reference_tiers()[2])), ops / 25);
		// Two batches the promise needs the same time for pay the same: 4,096 float samples
		// and 16,384 integer ones of the same operation count, on a tier whose int8 promise is
		// four times its fp32 one.
		assert_eq!(float.flops_per_sample, integer.flops_per_sample);
		let seconds = |ops: u128, rate: u64| ops * 1_000_000 / u128::from(rate);
		assert_eq!(
			seconds(u128::from(float.flops_per_sample) * 4096, cpu.fp32_flops),
			seconds(u128::from(integer.flops_per_sample) * 16_384, cpu.int8_ops),
		);
		assert_eq!(fp32_work(&float, 4096, Some(cpu)), fp32_work(&integer, 16_384, Some(cpu)));
		// Without an int8 promise there is no rate: the count stays.
		let no_int8 = TierSpec { int8_ops: 0, ..cpu.clone() };
		assert_eq!(fp32_work(&integer, 100, Some(&no_int8)), ops);
	}
}
