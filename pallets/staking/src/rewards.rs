//! Reward points, session payouts, lazy payouts to validators and backers, and the pruning of
//! expired sessions.
//!
//! Rewards are minted: each ended session mints at most `reward_per_session` (the sum of the
//! validators' floored pro-rata payouts; the rounding dust and the rewards of sessions without
//! points are never minted), when the payouts are claimed. Minting is the simplest reward source
//! that needs no funded pot; the chain's inflation is therefore `reward_per_session` per session
//! at most, which governance sets with `set_params`.

use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Mutate, MutateHold},
		Get,
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use poai_primitives::traits::WorkPointsRecorder;
use sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding,
	traits::{Saturating, UniqueSaturatedInto, Zero},
	Rounding,
};
use sp_staking::SessionIndex;

use crate::{
	ActiveSession, BalanceOf, CandidateExposures, Config, Error, Event, Exposures, HoldReason,
	Ledger, Pallet, Params, Payout, Payouts, Points, Pruning, RewardDestination, SessionControl,
	SessionValidators, SlashedFractions, WeightInfo,
};

/// `value × numerator / denominator`, rounded down, without overflow; zero when `denominator`
/// is zero.
pub(crate) fn mul_div<B: sp_runtime::traits::AtLeast32BitUnsigned + Copy>(
	value: B,
	numerator: B,
	denominator: B,
) -> B {
	if denominator.is_zero() {
		return Zero::zero();
	}
	let (v, n, d): (u128, u128, u128) = (
		value.unique_saturated_into(),
		numerator.unique_saturated_into(),
		denominator.unique_saturated_into(),
	);
	multiply_by_rational_with_rounding(v, n, d, Rounding::Down)
		.map(|r| r.unique_saturated_into())
		.unwrap_or_else(Zero::zero)
}

impl<T: Config> Pallet<T> {
	/// Credits `points` to `who` in the session now running, if `who` is one of its validators.
	pub(crate) fn add_points(who: &T::AccountId, points: u32) {
		if points == 0 {
			return;
		}
		let session = ActiveSession::<T>::get();
		if !Exposures::<T>::contains_key(session, who) {
			return;
		}
		Points::<T>::mutate(session, |record| {
			let added = match record.individual.get_mut(who) {
				Some(current) => {
					let before = *current;
					*current = current.saturating_add(points);
					*current - before
				}
				// At most `MaxValidators` validators per session, so this fits.
				None => {
					record.individual.try_insert(who.clone(), points).map(|_| points).unwrap_or(0)
				}
			};
			record.total = record.total.saturating_add(added);
		});
	}

	/// Computes the payouts of the ended session `session` and lets the oldest session of the
	/// history expire.
	pub(crate) fn end_session_rewards(session: SessionIndex) {
		let points = Points::<T>::get(session);
		let reward = Params::<T>::get().reward_per_session;
		let mut total_reward = BalanceOf::<T>::zero();
		if points.total > 0 {
			let total_points = BalanceOf::<T>::from(points.total);
			for (validator, p) in points.individual.iter() {
				let amount = mul_div(reward, BalanceOf::<T>::from(*p), total_points);
				if !amount.is_zero() {
					Payouts::<T>::insert(session, validator, Payout { amount, paid: false });
					total_reward = total_reward.saturating_add(amount);
				}
			}
		}
		Self::deposit_event(Event::SessionRewarded {
			session,
			total_points: points.total,
			total_reward,
		});
		let expired_before = session.saturating_add(1).saturating_sub(T::HistoryDepth::get());
		Pruning::<T>::mutate(|state| {
			state.expired_before = state.expired_before.max(expired_before);
		});
	}

	/// Pays `validator`'s reward for `session`; returns the number of backers paid.
	pub(crate) fn do_payout_stakers(
		session: SessionIndex,
		validator: &T::AccountId,
	) -> Result<u32, DispatchError> {
		ensure!(session < ActiveSession::<T>::get(), Error::<T>::SessionNotEnded);
		ensure!(session >= Pruning::<T>::get().expired_before, Error::<T>::PayoutExpired);
		let mut payout = Payouts::<T>::get(session, validator).ok_or(Error::<T>::NoReward)?;
		ensure!(!payout.paid, Error::<T>::AlreadyPaid);
		let exposure = Exposures::<T>::get(session, validator).ok_or(Error::<T>::NoReward)?;
		payout.paid = true;
		Payouts::<T>::insert(session, validator, payout);

		let commission = exposure.commission.mul_floor(payout.amount);
		let rest = payout.amount.saturating_sub(commission);
		let own_share = if exposure.total.is_zero() {
			rest
		} else {
			mul_div(rest, exposure.own, exposure.total)
		};
		Self::pay(session, validator, commission.saturating_add(own_share));
		for backer in exposure.others.iter() {
			Self::pay(session, &backer.who, mul_div(rest, backer.value, exposure.total));
		}
		Ok(exposure.others.len() as u32)
	}

	/// Mints `amount` for `stash` and sends it where its payee says; a failure (an account
	/// that would stay below the existential deposit) is reported and nothing is minted.
	fn pay(session: SessionIndex, stash: &T::AccountId, amount: BalanceOf<T>) {
		if amount.is_zero() {
			return;
		}
		let ledger = Ledger::<T>::get(stash);
		let payee = ledger.as_ref().map(|l| l.payee.clone()).unwrap_or(RewardDestination::Free);
		let (recipient, dest) = match payee {
			RewardDestination::Account(ref account) => (account.clone(), payee.clone()),
			// A stash that has left staking since gets its reward free.
			RewardDestination::Stash if ledger.is_none() => {
				(stash.clone(), RewardDestination::Free)
			}
			_ => (stash.clone(), payee.clone()),
		};
		if T::Currency::mint_into(&recipient, amount).is_err() {
			Self::deposit_event(Event::RewardMissed { session, stash: stash.clone(), amount });
			return;
		}
		let mut dest = dest;
		if let (RewardDestination::Stash, Some(mut ledger)) = (&dest, ledger) {
			if T::Currency::hold(&HoldReason::Staking.into(), stash, amount).is_ok() {
				ledger.active = ledger.active.saturating_add(amount);
				ledger.total = ledger.total.saturating_add(amount);
				Self::put_ledger(stash, &ledger);
			} else {
				dest = RewardDestination::Free;
			}
		}
		Self::deposit_event(Event::Rewarded { session, stash: stash.clone(), dest, amount });
	}

	/// Deletes the data of the oldest expired session, at most `MaxPruneKeysPerBlock` keys per
	/// map per call; called once per block.
	pub(crate) fn prune_step() -> Weight {
		let mut state = Pruning::<T>::get();
		if state.next_to_prune >= state.expired_before {
			return T::DbWeight::get().reads(1);
		}
		let session = state.next_to_prune;
		let limit = T::MaxPruneKeysPerBlock::get();
		let exposures = Exposures::<T>::clear_prefix(session, limit, None);
		let payouts = Payouts::<T>::clear_prefix(session, limit, None);
		let slashes = SlashedFractions::<T>::clear_prefix(session, limit, None);
		let candidates = CandidateExposures::<T>::clear_prefix(session, limit, None);
		if exposures.maybe_cursor.is_none()
			&& payouts.maybe_cursor.is_none()
			&& slashes.maybe_cursor.is_none()
			&& candidates.maybe_cursor.is_none()
		{
			SessionValidators::<T>::remove(session);
			Points::<T>::remove(session);
			state.next_to_prune = session.saturating_add(1);
			Pruning::<T>::put(state);
			T::SessionControl::prune_history(state.next_to_prune);
		}
		T::WeightInfo::prune_step()
	}
}

impl<T: Config> pallet_authorship::EventHandler<T::AccountId, BlockNumberFor<T>> for Pallet<T> {
	fn note_author(author: T::AccountId) {
		Self::add_points(&author, Params::<T>::get().authoring_points);
	}
}

impl<T: Config> WorkPointsRecorder<T::AccountId> for Pallet<T> {
	fn note_work(who: &T::AccountId, points: u32) {
		Self::add_points(who, points);
	}
}
