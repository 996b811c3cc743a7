//! The runtime API of the challenges pallet for user interfaces (the worker's own API is
//! `poai-runtime-api`): the scorecards.
//!
//! The runtime implements it with [`Pallet::scorecard`](crate::Pallet::scorecard).

// `decl_runtime_apis!` repeats the trait's generic bounds on every method it generates.
#![allow(clippy::multiple_bound_locations)]

use crate::ScorecardSummary;
use codec::Codec;

sp_api::decl_runtime_apis! {
	/// Reads the PoAI workers' scorecards.
	pub trait PoaiScorecardApi<AccountId: Codec> {
		/// `who`'s scorecard as of the current round (decayed), with its median commit latency
		/// and its hardware tier's; `None` for a worker never recorded.
		fn scorecard(who: AccountId) -> Option<ScorecardSummary>;
	}
}
