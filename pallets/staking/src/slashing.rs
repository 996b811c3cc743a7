//! Slashing offences reported by `pallet-offences`.
//!
//! An offence of validator `v` in session `s` with fraction `f` takes `f × value` from every
//! bond in `v`'s exposure of session `s` (its own and its backers'; for a worker outside the
//! validator set, its own bond as the session's challenge round snapshotted it), from the
//! active bond first
//! and then from the unlocking chunks, never more than is held. Repeated reports for the same
//! session only take the difference to the largest fraction already applied. The funds go to
//! `T::Slash`. The offender is disabled for the rest of the session if it validates in it, and
//! chilled when `f ≥ fraud_slash_threshold`. Offences older than `BondingDuration` sessions or
//! than the kept history are ignored (the exposure or the funds may be gone).

use frame_support::{
	pallet_prelude::*,
	traits::{fungible::BalancedHold, Imbalance, OnUnbalanced},
};
use sp_runtime::{traits::Zero, Perbill, Saturating};
use sp_staking::{
	offence::{OffenceDetails, OnOffenceHandler},
	SessionIndex,
};

use crate::{
	ActiveSession, BalanceOf, CandidateExposures, Candidates, Config, CreditOf, Event, Exposures,
	HoldReason, Ledger, Pallet, Params, Pruning, SessionControl, SlashedFractions, WeightInfo,
};

impl<T: Config> Pallet<T> {
	/// Takes up to `amount` from `stash`'s bond into `credit`; forgets the stash when nothing
	/// is left.
	fn slash_stash(stash: &T::AccountId, amount: BalanceOf<T>, credit: &mut CreditOf<T>) {
		if amount.is_zero() {
			return;
		}
		let Some(mut ledger) = Ledger::<T>::get(stash) else { return };
		let taken = ledger.slash(amount);
		if taken.is_zero() {
			return;
		}
		let (slashed, missing) =
			<T::Currency as BalancedHold<_>>::slash(&HoldReason::Staking.into(), stash, taken);
		if !missing.is_zero() {
			frame_support::defensive!("less is held than the ledger says");
		}
		let actual = slashed.peek();
		let taken_credit = core::mem::replace(credit, CreditOf::<T>::zero());
		*credit = taken_credit.merge(slashed);
		if ledger.total.is_zero() {
			Self::kill_stash(stash);
		} else {
			Self::put_ledger(stash, &ledger);
		}
		Self::deposit_event(Event::Slashed { stash: stash.clone(), amount: actual });
	}

	/// The exposure of a worker outside the validator set in `session`: its own active bond
	/// as the session's challenge round snapshotted it.
	fn candidate_exposure(
		session: SessionIndex,
		stash: &T::AccountId,
	) -> Option<crate::Exposure<T>> {
		let own = CandidateExposures::<T>::get(session, stash)?;
		Some(crate::Exposure {
			own,
			total: own,
			commission: Perbill::zero(),
			others: Default::default(),
		})
	}

	/// Applies one offence; returns the number of backers touched.
	pub(crate) fn slash_offender(
		offender: &T::AccountId,
		fraction: Perbill,
		session: SessionIndex,
		credit: &mut CreditOf<T>,
	) -> u32 {
		if fraction.is_zero() {
			return 0;
		}
		let active = ActiveSession::<T>::get();
		let too_old = session.saturating_add(T::BondingDuration::get()) <= active
			|| session < Pruning::<T>::get().expired_before;
		// A candidate that does not validate has no exposure, yet it runs PoAI challenges on
		// its bond: it answers with its own bond as the session's round snapshotted it, so
		// chilling or unbonding once audited changes nothing.
		let exposure = if too_old {
			None
		} else {
			Exposures::<T>::get(session, offender)
				.or_else(|| Self::candidate_exposure(session, offender))
		};
		let Some(exposure) = exposure else {
			Self::deposit_event(Event::OffenceIgnored { validator: offender.clone(), session });
			return 0;
		};

		let prior = SlashedFractions::<T>::get(session, offender).unwrap_or_default();
		if fraction > prior {
			SlashedFractions::<T>::insert(session, offender, fraction);
			let due = |value: BalanceOf<T>| {
				fraction.mul_floor(value).saturating_sub(prior.mul_floor(value))
			};
			Self::slash_stash(offender, due(exposure.own), credit);
			for backer in exposure.others.iter() {
				Self::slash_stash(&backer.who, due(backer.value), credit);
			}
			Self::deposit_event(Event::OffenceSlashed {
				validator: offender.clone(),
				session,
				fraction,
			});
		}

		if Exposures::<T>::contains_key(active, offender) {
			T::SessionControl::disable_validator(offender, fraction);
		}
		if fraction >= Params::<T>::get().fraud_slash_threshold
			&& Candidates::<T>::take(offender).is_some()
		{
			Self::deposit_event(Event::Chilled { stash: offender.clone() });
		}
		exposure.others.len() as u32
	}
}

impl<T: Config, FullIdentification>
	OnOffenceHandler<T::AccountId, (T::AccountId, FullIdentification), Weight> for Pallet<T>
{
	fn on_offence(
		offenders: &[OffenceDetails<T::AccountId, (T::AccountId, FullIdentification)>],
		slash_fraction: &[Perbill],
		session: SessionIndex,
	) -> Weight {
		let mut credit = CreditOf::<T>::zero();
		let mut weight = Weight::zero();
		for (details, fraction) in offenders.iter().zip(slash_fraction.iter()) {
			let backers =
				Self::slash_offender(&details.offender.0, *fraction, session, &mut credit);
			weight = weight.saturating_add(T::WeightInfo::on_offence(backers));
		}
		T::Slash::on_unbalanced(credit);
		weight
	}
}
