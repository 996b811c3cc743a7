//! The runtime API of the staking pallet: what nodes, RPCs and user interfaces read.
//!
//! The runtime implements it with [`Pallet::ranked_candidates`](crate::Pallet::ranked_candidates),
//! the very ranking the election takes its winners from, so that a user interface shows what
//! the next election would pick without re-implementing its rules.

// `decl_runtime_apis!` repeats the trait's generic bounds on every method it generates.
#![allow(clippy::multiple_bound_locations)]

use alloc::vec::Vec;
use codec::Codec;

sp_api::decl_runtime_apis! {
	/// Reads the PoAI validator election.
	pub trait PoaiStakingApi<AccountId: Codec, Balance: Codec> {
		/// Every candidate that would qualify if the election ran now (self bond, reputation,
		/// session keys), best first, with its score (backing × reputation). The election takes
		/// the first `max_validators` of them, or keeps the current set when fewer than
		/// `min_validators` qualify (see `Params`).
		fn ranked_candidates() -> Vec<(AccountId, Balance)>;
	}
}
