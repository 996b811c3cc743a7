//! Keeping ledgers, candidates' backing totals and nominators' shares consistent.
//!
//! Every change of a stash's active bond goes through [`Pallet::put_ledger`], which updates the
//! stash's candidate record (its self-bond) or, for a nominator, its share in each target's
//! backers and the targets' nominated totals. That way the election reads one record per
//! candidate and never iterates nominators.

use frame_support::pallet_prelude::DispatchError;
use sp_runtime::{traits::Zero, Saturating};
use sp_staking::OnStakingUpdate;

use crate::{
	Backer, Backers, BalanceOf, CandidateInfo, Candidates, Config, Error, Event, Ledger,
	Nominators, Pallet, StakingLedger,
};

impl<T: Config> Pallet<T> {
	/// The shares of `active` among `count` targets: equal, the remainder of the division to
	/// the first target.
	pub(crate) fn split_shares(
		active: BalanceOf<T>,
		count: usize,
	) -> impl Iterator<Item = BalanceOf<T>> {
		let n = BalanceOf::<T>::from(count.max(1) as u32);
		let share = active / n;
		let first = active.saturating_sub(share.saturating_mul(n.saturating_sub(1u32.into())));
		core::iter::once(first).chain(core::iter::repeat(share)).take(count)
	}

	/// Applies `f` to `who`'s candidate record if it is a candidate (writes nothing otherwise).
	fn update_candidate(who: &T::AccountId, f: impl FnOnce(&mut CandidateInfo<T>)) {
		let _ = Candidates::<T>::try_mutate_exists(who, |candidate| -> Result<(), ()> {
			f(candidate.as_mut().ok_or(())?);
			Ok(())
		});
	}

	/// Stores `ledger` and propagates its active bond to the stash's candidate record or to its
	/// nominations.
	pub(crate) fn put_ledger(stash: &T::AccountId, ledger: &StakingLedger<T>) {
		Ledger::<T>::insert(stash, ledger);
		Self::refresh_backing(stash, ledger.active);
	}

	/// Makes the backing `stash` provides match its active bond `active`.
	fn refresh_backing(stash: &T::AccountId, active: BalanceOf<T>) {
		Self::update_candidate(stash, |candidate| candidate.self_bond = active);
		if let Some(targets) = Nominators::<T>::get(stash) {
			for (target, share) in targets.iter().zip(Self::split_shares(active, targets.len())) {
				Self::set_backer_value(target, stash, share);
			}
		}
	}

	/// Sets the value of `backer`'s entry behind `target` and adjusts `target`'s nominated sum.
	fn set_backer_value(target: &T::AccountId, backer: &T::AccountId, value: BalanceOf<T>) {
		let mut old = None;
		Backers::<T>::mutate(target, |backers| {
			if let Some(entry) = backers.iter_mut().find(|b| &b.who == backer) {
				old = Some(entry.value);
				entry.value = value;
			}
		});
		let Some(old) = old else {
			frame_support::defensive!("a nomination is missing from its target's backers");
			return;
		};
		if old != value {
			Self::update_candidate(target, |candidate| {
				candidate.nominated = candidate.nominated.saturating_sub(old).saturating_add(value);
			});
		}
	}

	/// Adds `nominator` to the backers of `targets` with its shares of `active`. A target with
	/// `MaxBackersPerCandidate` backers makes room by dropping its smallest backer, if that
	/// one's share is smaller than the new one (so dust nominations cannot fill a candidate's
	/// list); returns how many backers were dropped.
	pub(crate) fn add_nominations(
		nominator: &T::AccountId,
		targets: &[T::AccountId],
		active: BalanceOf<T>,
	) -> Result<u32, DispatchError> {
		let mut evictions = 0u32;
		for (target, share) in targets.iter().zip(Self::split_shares(active, targets.len())) {
			let evicted = Backers::<T>::try_mutate(target, |backers| {
				let backer = Backer { who: nominator.clone(), value: share };
				let Err(backer) = backers.try_push(backer) else { return Ok(None) };
				let smallest = backers
					.iter()
					.enumerate()
					.min_by_key(|(_, b)| b.value)
					.map(|(index, b)| (index, b.clone()))
					.filter(|(_, b)| b.value < share);
				let Some((index, smallest)) = smallest else {
					return Err(Error::<T>::CandidateFull);
				};
				if let Some(slot) = backers.get_mut(index) {
					*slot = backer;
				}
				Ok(Some(smallest))
			})?;
			Self::update_candidate(target, |candidate| {
				candidate.nominated = candidate.nominated.saturating_add(share);
			});
			if let Some(evicted) = evicted {
				evictions = evictions.saturating_add(1);
				Self::update_candidate(target, |candidate| {
					candidate.nominated = candidate.nominated.saturating_sub(evicted.value);
				});
				Self::drop_target(&evicted.who, target);
			}
		}
		Ok(evictions)
	}

	/// `nominator` lost its place among `target`'s backers: its bond is split over its other
	/// targets from now on (it nominates nobody if there are none).
	fn drop_target(nominator: &T::AccountId, target: &T::AccountId) {
		let Some(mut targets) = Nominators::<T>::get(nominator) else { return };
		targets.retain(|t| t != target);
		Self::remove_nominations(nominator);
		Self::deposit_event(Event::NominationDropped {
			nominator: nominator.clone(),
			target: target.clone(),
		});
		if targets.is_empty() {
			return;
		}
		let active = Ledger::<T>::get(nominator).map(|l| l.active).unwrap_or_default();
		// It just left each of these targets, so each has room for it again.
		if Self::add_nominations(nominator, &targets, active).is_ok() {
			Nominators::<T>::insert(nominator, targets);
		} else {
			frame_support::defensive!("a target a nominator just left has no room for it");
		}
	}

	/// Removes `nominator`'s nominations and its entries in its targets' backers; returns
	/// whether it nominated.
	pub(crate) fn remove_nominations(nominator: &T::AccountId) -> bool {
		let Some(targets) = Nominators::<T>::take(nominator) else { return false };
		for target in targets.iter() {
			let mut removed = BalanceOf::<T>::zero();
			Backers::<T>::mutate_exists(target, |maybe_backers| {
				if let Some(backers) = maybe_backers {
					backers.retain(|b| {
						if &b.who == nominator {
							removed = removed.saturating_add(b.value);
							false
						} else {
							true
						}
					});
					if backers.is_empty() {
						*maybe_backers = None;
					}
				}
			});
			Self::update_candidate(target, |candidate| {
				candidate.nominated = candidate.nominated.saturating_sub(removed);
			});
		}
		true
	}

	/// Forgets a stash with nothing bonded any more: its ledger, candidacy and nominations.
	pub(crate) fn kill_stash(stash: &T::AccountId) {
		let was_candidate = Candidates::<T>::take(stash).is_some();
		let was_nominator = Self::remove_nominations(stash);
		if was_candidate || was_nominator {
			Self::deposit_event(Event::Chilled { stash: stash.clone() });
		}
		Ledger::<T>::remove(stash);
		T::EventListeners::on_unstake(stash);
		Self::deposit_event(Event::StashRemoved { stash: stash.clone() });
	}
}
