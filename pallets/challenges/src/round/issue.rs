//! Issuing a round: the randomness it is seeded with and the snapshots it runs on.

use crate::{pallet::*, Phase, RoundInfo, RoundWorker, WeightInfo};
use alloc::vec::Vec;
use codec::Encode;
use frame_support::{
	pallet_prelude::*,
	traits::{Get, Randomness as RandomnessT},
	BoundedVec,
};
use frame_system::pallet_prelude::BlockNumberFor;
use poai_primitives::{
	ModelId, ModelRegistry, ModelSpec, Randomness, SessionIndex, WorkerRegistry,
};
use sp_runtime::traits::Saturating;

/// The subject under which the parent block's VRF output is read.
const ACCUMULATOR_SUBJECT: &[u8] = b"poai/randomness-accumulator";

impl<T: Config> Pallet<T> {
	/// Folds the parent block's VRF output into [`RandomnessAccumulator`]. A block without
	/// one (genesis) leaves the accumulator as it is.
	pub(super) fn accumulate_randomness() {
		let (output, _) = T::Randomness::random(ACCUMULATOR_SUBJECT);
		if let Some(output) = output {
			RandomnessAccumulator::<T>::mutate(|accumulator| {
				*accumulator = (*accumulator, output).using_encoded(sp_io::hashing::blake2_256);
			});
		}
	}

	/// 32 bytes of randomness for `purpose` in `round`, from the VRF outputs accumulated up to
	/// this block. No block hash goes in: an author can re-seal its block to change the hash,
	/// not its VRF output.
	pub(crate) fn fresh_randomness(purpose: &[u8], round: SessionIndex) -> Randomness {
		let accumulator = RandomnessAccumulator::<T>::get();
		(b"poai/round", purpose, round, accumulator).using_encoded(sp_io::hashing::blake2_256)
	}

	/// Issues round `round`: snapshots the workers and the active models, draws the seed
	/// randomness and opens the commit window.
	pub(super) fn issue_round(round: SessionIndex, now: BlockNumberFor<T>) -> Weight {
		LastRound::<T>::put(round);
		let mut active = ActiveRounds::<T>::get();
		if active.is_full() {
			Self::deposit_event(Event::RoundSkipped { round });
			return T::WeightInfo::issue_round(0, 0);
		}
		let mut workers: Vec<RoundWorker<T::AccountId>> =
			T::Workers::snapshot_workers(round, T::MaxWorkers::get())
				.into_iter()
				.map(|w| RoundWorker {
					key: w.key,
					stash: w.stash,
					tier: w.tier,
					validator: w.validator,
					weight: w.weight,
				})
				.collect();
		workers.sort_by(|a, b| a.key.cmp(&b.key));
		workers.dedup_by(|a, b| a.key == b.key);
		let workers = BoundedVec::<_, T::MaxWorkers>::truncate_from(workers);

		let models: Vec<(ModelId, ModelSpec)> = T::Models::active_models()
			.into_iter()
			.filter_map(|id| T::Models::model(id).map(|spec| (id, spec)))
			.collect();
		let models = BoundedVec::<_, T::MaxRoundModels>::truncate_from(models);

		let params = Params::<T>::get();
		let commit_until = now.saturating_add(params.commit_window.into());
		let info = RoundInfo {
			start: now,
			randomness: Self::fresh_randomness(b"issue", round),
			audit_randomness: None,
			phase: Phase::Commit { until: commit_until },
			params,
		};
		let (worker_count, model_count) = (workers.len() as u32, models.len() as u32);
		Rounds::<T>::insert(round, info);
		RoundWorkers::<T>::insert(round, workers);
		RoundModels::<T>::insert(round, models);
		// Cannot fail: checked not full above.
		let _ = active.try_push(round);
		ActiveRounds::<T>::put(active);
		Self::deposit_event(Event::RoundIssued {
			round,
			workers: worker_count,
			models: model_count,
			commit_until,
		});
		T::WeightInfo::issue_round(worker_count, model_count)
	}
}
