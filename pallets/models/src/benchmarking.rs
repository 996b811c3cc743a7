//! Benchmarks of the model registry pallet.
//!
//! Every benchmark starts from an empty registry, whatever the genesis config registered, and
//! uses specs at their largest bounded sizes, so that every record read or written is as large
//! as it can be.

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::EnsureOrigin;
use poai_primitives::{
	fixtures::{dense_mlp, tiers},
	HardwareClass, InputKind, InputSpec, ModelName, Shape, TensorName, TierName, MAX_ABS_MILLI,
	MAX_BATCH_SIZE, MAX_MODEL_NAME_LEN, MAX_MODEL_TIERS, MAX_OUTPUT_ELEMENTS, MAX_RANK,
	MAX_SCALE_BITS, MAX_TENSOR_NAME_LEN, MAX_TIER_NAME_LEN,
};
use sp_core::H256;

/// The deadline of every tier of [`largest_spec`], in blocks.
const DEADLINE_BLOCKS: u32 = 10;

/// A valid spec at its largest encoding: longest names, a rank-8 shape, `MAX_MODEL_TIERS`
/// tiers served (ids `0..MAX_MODEL_TIERS`, which [`reset_registry`] registers).
/// `seed` picks its ONNX hash, so that specs of distinct seeds are not duplicates.
fn largest_spec(seed: u32) -> ModelSpec {
	let name = |byte: u8, len: u32| alloc::vec![byte; len as usize];
	let mut onnx_hash = [0xaa; 32];
	onnx_hash[28..].copy_from_slice(&seed.to_be_bytes());
	ModelSpec {
		name: ModelName::truncate_from(name(b'm', MAX_MODEL_NAME_LEN)),
		onnx_hash: H256(onnx_hash),
		input: InputSpec {
			name: TensorName::truncate_from(name(b'x', MAX_TENSOR_NAME_LEN)),
			// 4^8 = 65536 elements per sample, below MAX_ELEMENTS_PER_SAMPLE.
			shape: Shape::truncate_from(alloc::vec![4; MAX_RANK as usize]),
			kind: InputKind::Uniform { min_milli: -MAX_ABS_MILLI, max_milli: MAX_ABS_MILLI },
		},
		output: TensorName::truncate_from(name(b'y', MAX_TENSOR_NAME_LEN)),
		output_len: MAX_OUTPUT_ELEMENTS,
		scale_bits: MAX_SCALE_BITS,
		flops_per_sample: 1 << 40,
		tiers: tiers(
			&(0..MAX_MODEL_TIERS as u8)
				.map(|tier| (TierId(tier), MAX_BATCH_SIZE, DEADLINE_BLOCKS))
				.collect::<Vec<_>>(),
		),
		..dense_mlp(64, 16)
	}
}

/// A tier at its largest encoding whose promise [`largest_spec`]'s batch separates: the batch
/// takes the promised hardware a quarter of the deadline.
fn largest_tier<T: Config>() -> TierSpec {
	let spec = largest_spec(0);
	let batch_flops = u128::from(MAX_BATCH_SIZE) * u128::from(spec.flops_per_sample);
	let deadline_ms = u128::from(DEADLINE_BLOCKS) * u128::from(T::SlotDuration::get());
	let fp32_flops = (batch_flops * 1000 * 4 / deadline_ms.max(1)).min(u128::from(u64::MAX));
	TierSpec {
		name: TierName::truncate_from(alloc::vec![b't'; MAX_TIER_NAME_LEN as usize]),
		device: HardwareClass::Gpu,
		fp32_flops: fp32_flops as u64,
		int8_ops: u64::MAX,
		memory_bytes: u64::MAX,
	}
}

/// Empties the registry, whatever the genesis config put in it, and registers the
/// `MAX_MODEL_TIERS` tiers [`largest_spec`] is served by.
fn reset_registry<T: Config>() -> Result<(), BenchmarkError> {
	let _ = Models::<T>::clear(u32::MAX, None);
	NextModelId::<T>::kill();
	ActiveModels::<T>::kill();
	let _ = Tiers::<T>::clear(u32::MAX, None);
	NextTierId::<T>::kill();
	for _ in 0..MAX_MODEL_TIERS {
		Pallet::<T>::do_register_tier(largest_tier::<T>())
			.map_err(|_| BenchmarkError::Stop("cannot register the benchmark's tiers"))?;
	}
	Ok(())
}

/// Empties the registry and registers `count` active models of the largest size, ids
/// `0..count`.
fn fill<T: Config>(count: u32) -> Result<(), BenchmarkError> {
	reset_registry::<T>()?;
	for seed in 0..count {
		Pallet::<T>::do_register(largest_spec(seed))
			.map_err(|_| BenchmarkError::Stop("cannot register the benchmark's models"))?;
	}
	Ok(())
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// `register_model` with `a` models already active: validate the spec, compare its hash
	/// with every active model's, insert the record. At most `MaxActiveModels - 1` may be
	/// active, or the call fails.
	#[benchmark]
	fn register_model(
		a: Linear<0, { T::MaxActiveModels::get().saturating_sub(1) }>,
	) -> Result<(), BenchmarkError> {
		fill::<T>(a)?;
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let spec = largest_spec(a);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, spec.clone());

		assert_eq!(Models::<T>::get(a).map(|record| record.spec), Some(spec));
		assert_eq!(ActiveModels::<T>::get().len() as u32, a + 1);
		Ok(())
	}

	/// `register_tier` with `MaxTiers - 1` tiers registered (the work does not depend on how
	/// many): validate the tier, read and write the count, write the tier.
	#[benchmark]
	fn register_tier() -> Result<(), BenchmarkError> {
		reset_registry::<T>()?;
		while NextTierId::<T>::get() < T::MaxTiers::get().saturating_sub(1) {
			Pallet::<T>::do_register_tier(largest_tier::<T>())
				.map_err(|_| BenchmarkError::Stop("cannot register the benchmark's tiers"))?;
		}
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let id = TierId(NextTierId::<T>::get() as u8);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, largest_tier::<T>());

		assert_eq!(Tiers::<T>::get(id), Some(largest_tier::<T>()));
		Ok(())
	}

	/// `update_model` of one of `a` active models: read its record, validate the new spec,
	/// compare its hash with the `a - 1` other active models', write the record.
	#[benchmark]
	fn update_model(a: Linear<1, { T::MaxActiveModels::get() }>) -> Result<(), BenchmarkError> {
		fill::<T>(a)?;
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let id = a - 1;
		let spec = largest_spec(u32::MAX - 1);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, id, spec.clone());

		assert_eq!(Models::<T>::get(id).map(|record| record.spec), Some(spec));
		Ok(())
	}

	/// `retire_model` with `MaxActiveModels` models active, retiring the first: the removal
	/// from [`ActiveModels`] shifts every other id.
	#[benchmark]
	fn retire_model() -> Result<(), BenchmarkError> {
		let max = T::MaxActiveModels::get();
		fill::<T>(max)?;
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, 0);

		assert_eq!(Models::<T>::get(0).map(|record| record.status), Some(ModelStatus::Retired));
		assert_eq!(ActiveModels::<T>::get().len() as u32, max - 1);
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
