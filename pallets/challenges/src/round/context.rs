//! A round's context: its record and snapshots, read once and asked everything the round's
//! code needs to know about a seat.

use crate::{pallet::*, RoundInfo, RoundWorker, Seat};
use alloc::vec::Vec;
use frame_support::BoundedVec;
use frame_system::pallet_prelude::BlockNumberFor;
use poai_primitives::{
	challenge_seed, model_choice, ModelId, ModelSpec, SeatWeight, Seed, SessionIndex, TierId,
	WorkerId,
};
use sp_runtime::traits::Saturating;

/// A round's worker snapshot, as [`RoundWorkers`] holds it: sorted by key, a worker's position
/// is its seat.
pub(crate) type Snapshot<T> =
	BoundedVec<RoundWorker<<T as frame_system::Config>::AccountId>, <T as Config>::MaxWorkers>;

/// A round's model snapshot, as [`RoundModels`] holds it.
pub(crate) type ModelSnapshot<T> = BoundedVec<(ModelId, ModelSpec), <T as Config>::MaxRoundModels>;

/// A worker's challenge in a round, derived from the round's randomness and snapshots.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct Assignment<'a, BlockNumber> {
	pub model: ModelId,
	/// The model as the round snapshotted it (a registry update during the round changes
	/// nothing for it).
	pub spec: &'a ModelSpec,
	pub seed: Seed,
	pub n: u32,
	pub deadline: BlockNumber,
	/// The tier the worker declared, whose rate prices an integer model's work.
	pub tier: TierId,
}

/// One round in flight: its record and both snapshots.
pub(crate) struct RoundContext<T: Config> {
	pub round: SessionIndex,
	pub info: RoundInfo<BlockNumberFor<T>>,
	pub workers: Snapshot<T>,
	pub models: ModelSnapshot<T>,
}

impl<T: Config> RoundContext<T> {
	/// Reads round `round`; `None` when it is not in flight.
	pub fn load(round: SessionIndex) -> Option<Self> {
		Rounds::<T>::get(round).map(|info| Self::with_info(round, info))
	}

	/// The context of `round` whose record `info` the caller has read already (to check its
	/// phase before reading the snapshots).
	pub fn with_info(round: SessionIndex, info: RoundInfo<BlockNumberFor<T>>) -> Self {
		Self {
			round,
			info,
			workers: RoundWorkers::<T>::get(round),
			models: RoundModels::<T>::get(round),
		}
	}

	/// The seat of `key` in the snapshot.
	pub fn seat_of(&self, key: &WorkerId) -> Option<Seat> {
		self.workers.binary_search_by(|w| w.key.cmp(key)).ok().map(|seat| seat as Seat)
	}

	/// The worker in `seat`.
	pub fn worker(&self, seat: Seat) -> Option<&RoundWorker<T::AccountId>> {
		self.workers.get(seat as usize)
	}

	/// The stash of the worker in `seat`.
	pub fn stash(&self, seat: Seat) -> Option<T::AccountId> {
		self.worker(seat).map(|w| w.stash.clone())
	}

	/// The seats that may verify (the round's validators), with their stake.
	pub fn verifier_seats(&self) -> Vec<(Seat, SeatWeight)> {
		(0..)
			.zip(self.workers.iter())
			.filter(|(_, w)| w.validator)
			.map(|(seat, w)| (seat, w.weight))
			.collect()
	}

	/// The number of validators in the round.
	pub fn validator_count(&self) -> u32 {
		self.workers.iter().filter(|w| w.validator).count() as u32
	}

	/// The last block of the round's commit window.
	pub fn commit_until(&self) -> BlockNumberFor<T> {
		self.info.start.saturating_add(self.info.params.commit_window.into())
	}

	/// The challenge of the worker in `seat`.
	pub fn assignment(&self, seat: Seat) -> Option<Assignment<'_, BlockNumberFor<T>>> {
		self.assignment_of(self.worker(seat)?)
	}

	/// `worker`'s challenge: its seed picks one of the round's models that serve its tier.
	/// `None` when no model serves the tier.
	pub fn assignment_of(
		&self,
		worker: &RoundWorker<T::AccountId>,
	) -> Option<Assignment<'_, BlockNumberFor<T>>> {
		let seed = challenge_seed(&self.info.randomness, self.round, &worker.key);
		let serving: Vec<(ModelId, &ModelSpec, u32, u32)> = self
			.models
			.iter()
			.filter_map(|(id, spec)| {
				let params = spec.tier_params(worker.tier)?;
				Some((*id, spec, params.batch_size, params.deadline_blocks))
			})
			.collect();
		let choice = model_choice(&seed, serving.len() as u32)?;
		let &(model, spec, n, deadline_blocks) = serving.get(choice as usize)?;
		let deadline =
			self.info.start.saturating_add(deadline_blocks.into()).min(self.commit_until());
		Some(Assignment { model, spec, seed, n, deadline, tier: worker.tier })
	}
}
