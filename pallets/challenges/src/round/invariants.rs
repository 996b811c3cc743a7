//! The pallet's invariants, checked by `try-runtime` and after every block of the tests.

use crate::{pallet::*, Phase, Seat};
use frame_support::pallet_prelude::*;

impl<T: Config> Pallet<T> {
	/// Checks the pallet's invariants: the rounds in flight are sorted and unique and each has
	/// its record; every snapshot is sorted by key; commitments, audits and reveals refer to
	/// workers of their round; every audit's verifiers are validators other than the worker
	/// (rounds being pruned excepted).
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		Self::check_params(&Params::<T>::get()).map_err(|_| "invalid params in force")?;
		let active = ActiveRounds::<T>::get();
		ensure!(active.windows(2).all(|w| w[0] < w[1]), "rounds in flight are not sorted");
		for round in active.iter() {
			let info = Rounds::<T>::get(round).ok_or("a round in flight has no record")?;
			if info.phase == Phase::Pruning {
				// Its records are going, in chunks and in no particular order.
				continue;
			}
			let workers = RoundWorkers::<T>::get(round);
			ensure!(
				workers.windows(2).all(|w| w[0].key < w[1].key),
				"a worker snapshot is not sorted by key"
			);
			let count = workers.len() as Seat;
			for (seat, _) in Commitments::<T>::iter_prefix(round) {
				ensure!(seat < count, "a commitment outside the snapshot");
			}
			for (seat, audit) in Audits::<T>::iter_prefix(round) {
				ensure!(seat < count, "an audit outside the snapshot");
				ensure!(
					Commitments::<T>::contains_key(round, seat),
					"an audit without a commitment"
				);
				for verifier in audit.verifiers.iter() {
					ensure!(*verifier != seat, "a worker verifies itself");
					ensure!(
						workers.get(*verifier as usize).is_some_and(|w| w.validator),
						"a verifier is not a validator of the round"
					);
				}
			}
			for (seat, _) in Reveals::<T>::iter_prefix(round) {
				ensure!(Audits::<T>::contains_key(round, seat), "a reveal without an audit");
			}
			for (seat, committee) in Escalations::<T>::iter_prefix(round) {
				ensure!(
					matches!(Reveals::<T>::get(round, seat), Some(crate::Reveal::Valid(_))),
					"an escalation without a valid reveal"
				);
				for verifier in committee.iter() {
					ensure!(*verifier != seat, "a worker verifies itself in an escalation");
				}
			}
			for ((seat, _, _), _) in Verifications::<T>::iter_prefix((round,)) {
				ensure!(Audits::<T>::contains_key(round, seat), "a verification without an audit");
			}
		}
		for (round, _) in Rounds::<T>::iter() {
			ensure!(active.contains(&round), "a round record outside the rounds in flight");
		}
		Ok(())
	}
}
