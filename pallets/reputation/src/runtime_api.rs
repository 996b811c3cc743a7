//! The runtime API of the reputation pallet: what nodes, RPCs and user interfaces read.
//!
//! The runtime implements it with [`Pallet::reputation_of`](crate::Pallet::reputation_of) and
//! [`Pallet::summary`](crate::Pallet::summary).

// `decl_runtime_apis!` repeats the trait's generic bounds on every method it generates.
#![allow(clippy::multiple_bound_locations)]

use crate::ReputationSummary;
use codec::Codec;
use sp_runtime::Perbill;

sp_api::decl_runtime_apis! {
	/// Reads the reputation of PoAI workers.
	pub trait PoaiReputationApi<AccountId: Codec> {
		/// The reputation of `who`, from 0 to 1; one half for a worker never seen before.
		fn reputation(who: AccountId) -> Perbill;

		/// The reputation of `who` and the record behind it; `None` for a worker never seen
		/// before.
		fn summary(who: AccountId) -> Option<ReputationSummary>;
	}
}
