//! Electing the validators of each session: the pallet is `pallet-session`'s session manager.
//!
//! `pallet-session` plans session `i + 1` (`new_session(i + 1)`) right after starting session
//! `i`, and applies the planned set one session later. The election runs over candidates only
//! (at most `MaxCandidates`), reading one record per candidate plus its reputation and whether it
//! has session keys, and snapshots the winners' exposures (at most `MaxValidators` ×
//! `MaxBackersPerCandidate` entries). `pallet-session` charges a full block for a session
//! rotation, which covers this work.

use alloc::vec::Vec;
use frame_support::{
	traits::{Get, ValidatorRegistration},
	BoundedVec,
};
use poai_primitives::traits::ReputationProvider;
use sp_runtime::{traits::Zero, Perbill, Saturating};
use sp_staking::SessionIndex;

use crate::{
	ActiveSession, Backers, BalanceOf, Candidates, Config, Event, Exposure, Exposures, Ledger,
	Pallet, Params, SessionValidators,
};

impl<T: Config> Pallet<T> {
	/// The candidates that qualify for the next election, best first, with their score
	/// (`backing × reputation`). What [`crate::runtime_api::PoaiStakingApi::ranked_candidates`]
	/// returns.
	pub fn ranked_candidates() -> Vec<(T::AccountId, BalanceOf<T>)> {
		let params = Params::<T>::get();
		let mut ranked: Vec<(T::AccountId, BalanceOf<T>, BalanceOf<T>)> = Candidates::<T>::iter()
			.filter(|(_, candidate)| candidate.self_bond >= params.min_validator_bond)
			.filter_map(|(who, candidate)| {
				let reputation = T::Reputation::reputation(&who);
				if reputation < params.min_reputation
					|| !T::ValidatorRegistration::is_registered(&who)
				{
					return None;
				}
				let backing = candidate.backing();
				Some((who, reputation.mul_floor(backing), backing))
			})
			.collect();
		// Highest score first; ties go to the larger backing, then to the smaller account id, so
		// that every node computes the same order.
		ranked
			.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| b.2.cmp(&a.2)).then_with(|| a.0.cmp(&b.0)));
		ranked.into_iter().map(|(who, score, _)| (who, score)).collect()
	}

	/// Elects the validators of session `session` and snapshots their exposures; `None` (and
	/// [`Event::ElectionSkipped`]) when fewer than `min_validators` candidates qualify, in which
	/// case the current validators are snapshotted again for `session`, as `pallet-session`
	/// keeps them.
	pub(crate) fn elect(session: SessionIndex) -> Option<Vec<T::AccountId>> {
		let params = Params::<T>::get();
		let mut ranked = Self::ranked_candidates();
		let qualified = ranked.len() as u32;
		if qualified < params.min_validators.max(1) {
			Self::deposit_event(Event::ElectionSkipped {
				session,
				qualified,
				required: params.min_validators.max(1),
			});
			if let Some(current) = session.checked_sub(1).and_then(SessionValidators::<T>::get) {
				Self::snapshot(session, &current);
			}
			return None;
		}
		ranked.truncate(params.max_validators.min(T::MaxValidators::get()) as usize);
		let winners: Vec<T::AccountId> = ranked.into_iter().map(|(who, _)| who).collect();
		Self::snapshot(session, &winners);
		Self::deposit_event(Event::ValidatorsElected {
			session,
			validators: SessionValidators::<T>::get(session).unwrap_or_default(),
		});
		Some(winners)
	}

	/// Records `validators` as the validators of `session`, with their exposures as of now.
	pub(crate) fn snapshot(session: SessionIndex, validators: &[T::AccountId]) {
		let bounded: BoundedVec<T::AccountId, T::MaxValidators> = validators
			.iter()
			.take(T::MaxValidators::get() as usize)
			.cloned()
			.collect::<Vec<_>>()
			.try_into()
			.expect("truncated to MaxValidators; qed");
		for validator in validators.iter().take(T::MaxValidators::get() as usize) {
			let own = Ledger::<T>::get(validator).map(|l| l.active).unwrap_or_default();
			// A validator kept over a skipped election may have chilled: it keeps the
			// commission it was elected with.
			let commission = Candidates::<T>::get(validator)
				.map(|c| c.commission)
				.or_else(|| {
					session
						.checked_sub(1)
						.and_then(|previous| Exposures::<T>::get(previous, validator))
						.map(|e| e.commission)
				})
				.unwrap_or(Perbill::zero());
			let mut others = Backers::<T>::get(validator);
			others.retain(|b| !b.value.is_zero());
			let total = others.iter().fold(own, |acc, b| acc.saturating_add(b.value));
			Exposures::<T>::insert(session, validator, Exposure { own, total, commission, others });
		}
		SessionValidators::<T>::insert(session, bounded);
	}
}

impl<T: Config> pallet_session::SessionManager<T::AccountId> for Pallet<T> {
	fn new_session(new_index: SessionIndex) -> Option<Vec<T::AccountId>> {
		Self::elect(new_index)
	}

	fn new_session_genesis(new_index: SessionIndex) -> Option<Vec<T::AccountId>> {
		// The genesis stakers are candidates already: the regular election picks them.
		Self::elect(new_index)
	}

	fn end_session(end_index: SessionIndex) {
		Self::end_session_rewards(end_index);
	}

	fn start_session(start_index: SessionIndex) {
		ActiveSession::<T>::put(start_index);
	}
}

impl<T: Config> pallet_session::historical::SessionManager<T::AccountId, ()> for Pallet<T> {
	fn new_session(new_index: SessionIndex) -> Option<Vec<(T::AccountId, ())>> {
		<Self as pallet_session::SessionManager<_>>::new_session(new_index)
			.map(|validators| validators.into_iter().map(|v| (v, ())).collect())
	}

	fn new_session_genesis(new_index: SessionIndex) -> Option<Vec<(T::AccountId, ())>> {
		<Self as pallet_session::SessionManager<_>>::new_session_genesis(new_index)
			.map(|validators| validators.into_iter().map(|v| (v, ())).collect())
	}

	fn start_session(start_index: SessionIndex) {
		<Self as pallet_session::SessionManager<_>>::start_session(start_index)
	}

	fn end_session(end_index: SessionIndex) {
		<Self as pallet_session::SessionManager<_>>::end_session(end_index)
	}
}
