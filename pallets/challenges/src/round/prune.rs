//! Pruning a judged round, a bounded number of keys per block.

use super::Budget;
use crate::{pallet::*, WeightInfo};
use frame_support::pallet_prelude::*;
use poai_primitives::SessionIndex;

impl<T: Config> Pallet<T> {
	/// Removes up to the budget's keys of a judged round; `true` when nothing is left.
	///
	/// No cursor is kept: the keys removed by the previous block are gone from the database
	/// when the next block starts, so each block continues where the last one stopped.
	pub(super) fn prune_chunk(round: SessionIndex, budget: &mut Budget) -> (bool, Weight) {
		let mut removed = 0u32;
		let mut done = true;
		macro_rules! clear {
			($result:expr) => {{
				let result = $result;
				removed = removed.saturating_add(result.unique);
				if result.maybe_cursor.is_some() {
					done = false;
				}
			}};
		}
		let limit = |removed: u32| budget.prune_keys.saturating_sub(removed);
		clear!(Commitments::<T>::clear_prefix(round, limit(removed), None));
		if done {
			clear!(Audits::<T>::clear_prefix(round, limit(removed), None));
		}
		if done {
			clear!(Verifications::<T>::clear_prefix((round,), limit(removed), None));
		}
		if done {
			clear!(Reveals::<T>::clear_prefix(round, limit(removed), None));
		}
		if done {
			clear!(Escalations::<T>::clear_prefix(round, limit(removed), None));
		}
		budget.prune_keys = budget.prune_keys.saturating_sub(removed);
		(done, T::WeightInfo::prune(removed))
	}
}
