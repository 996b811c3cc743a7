//! Block fullness: a verifier that missed a step whose whole window had no room is excused.

use crate::pallet::*;
use frame_support::traits::Get;
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::{One, SaturatedConversion, Saturating};

/// Whether every block of a committee's commit window, and of its opening window, was full
/// ([`FullBlocks`]): a verifier that missed a step whose window had no room is excused.
#[derive(Clone, Copy, Default)]
pub(crate) struct Congestion {
	pub commit_window: bool,
	pub open_window: bool,
}

impl Congestion {
	/// The congestion of the windows ending at `windows.0` (`verify_window` blocks long) and
	/// at `windows.1` (from the block after `windows.0`), as `full_blocks` records it.
	pub(crate) fn of<T: Config>(
		full_blocks: &[BlockNumberFor<T>],
		verify_window: u32,
		(commit_until, open_until): (BlockNumberFor<T>, BlockNumberFor<T>),
	) -> Self {
		let all_full = |from: BlockNumberFor<T>, to: BlockNumberFor<T>| {
			// A window longer than the record cannot be all full blocks (and the loop below
			// stays bounded whatever the parameters say).
			let kept: BlockNumberFor<T> = full_blocks.len().saturated_into();
			if from > to || to.saturating_sub(from) >= kept {
				return false;
			}
			let mut block = from;
			while block <= to {
				if full_blocks.binary_search(&block).is_err() {
					return false;
				}
				block = block.saturating_add(One::one());
			}
			true
		};
		let commit_from =
			commit_until.saturating_sub(verify_window.into()).saturating_add(One::one());
		Self {
			commit_window: all_full(commit_from, commit_until),
			open_window: all_full(commit_until.saturating_add(One::one()), open_until),
		}
	}
}

impl<T: Config> Pallet<T> {
	/// Records `now` in [`FullBlocks`] if its normal-class weight or length reached
	/// [`crate::FULL_BLOCK`] of the limit.
	pub(crate) fn note_block_fullness(now: BlockNumberFor<T>) {
		use frame_support::dispatch::DispatchClass;
		let weights = T::BlockWeights::get();
		let limit = weights.get(DispatchClass::Normal).max_total.unwrap_or(weights.max_block);
		let used = *frame_system::Pallet::<T>::block_weight().get(DispatchClass::Normal);
		let length_limit = *T::BlockLength::get().max.get(DispatchClass::Normal);
		let length = frame_system::Pallet::<T>::block_size();
		let full = used.any_gte(crate::FULL_BLOCK * limit)
			|| length >= crate::FULL_BLOCK.mul_ceil(length_limit);
		if full {
			FullBlocks::<T>::mutate(|blocks| {
				if blocks.is_full() {
					blocks.remove(0);
				}
				let _ = blocks.try_push(now);
			});
		}
	}
}
