//! The validator set before `pallet-poai-staking` takes over session management.
//!
//! `pallet-session` asks its session manager for the next validators at every session
//! boundary. Until bonded candidates are elected, there is nothing to elect from: the set is the
//! one the chain spec gave `pallet-session` at genesis, and it never changes. Wrapped in
//! `pallet_session::historical::NoteHistoricalRoot`, so that BABE and GRANDPA equivocations
//! can be proven against past sessions and reported to `pallet-offences`.

use alloc::vec::Vec;
use sp_runtime::traits::Convert;
use sp_staking::SessionIndex;

use super::AccountId;

/// What the historical session pallet records about each validator of a session. Without
/// staking a validator has no exposure to record, only its identity.
pub type Identification = ();

/// Every validator's [`Identification`].
pub struct IdentificationOf;

impl Convert<AccountId, Option<Identification>> for IdentificationOf {
	fn convert(_validator: AccountId) -> Option<Identification> {
		Some(())
	}
}

/// Keeps the genesis validator set for every session.
pub struct GenesisValidators;

impl pallet_session::SessionManager<AccountId> for GenesisValidators {
	fn new_session(_new_index: SessionIndex) -> Option<Vec<AccountId>> {
		None
	}
	fn start_session(_start_index: SessionIndex) {}
	fn end_session(_end_index: SessionIndex) {}
}

impl pallet_session::historical::SessionManager<AccountId, Identification> for GenesisValidators {
	fn new_session(_new_index: SessionIndex) -> Option<Vec<(AccountId, Identification)>> {
		None
	}
	fn start_session(_start_index: SessionIndex) {}
	fn end_session(_end_index: SessionIndex) {}
}
