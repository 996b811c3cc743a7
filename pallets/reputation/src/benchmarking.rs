//! Benchmarks of the reputation pallet.

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::EnsureOrigin;
use sp_runtime::traits::One;

#[benchmarks]
mod benchmarks {
	use super::*;

	/// `set_params`: validate and store the parameters.
	#[benchmark]
	fn set_params() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let params = ReputationParams {
			decay: Perbill::from_percent(90),
			failure_weight: FixedU128::from_u32(3),
			miss_weight: Perbill::from_percent(25),
		};

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, params);

		assert_eq!(Params::<T>::get(), params);
		Ok(())
	}

	/// Recording an outcome (not a call: the challenge pallet charges this weight). Worst case:
	/// the worker already has a record, which is read, decoded, updated and written back.
	#[benchmark]
	fn record_outcome() {
		let who: T::AccountId = account("worker", 0, 0);
		let now = frame_system::Pallet::<T>::block_number();
		Reputations::<T>::insert(
			&who,
			ReputationRecord {
				alpha: FixedU128::from_u32(7),
				beta: FixedU128::from_u32(3),
				passes: 7,
				failures: 2,
				misses: 2,
				last_updated: now,
			},
		);
		frame_system::Pallet::<T>::set_block_number(now + One::one());

		#[block]
		{
			<Pallet<T> as ReputationRecorder<T::AccountId>>::record(&who, RoundOutcome::Failed);
		}

		let record = Reputations::<T>::get(&who).expect("the record exists; qed");
		assert_eq!(record.failures, 3);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
