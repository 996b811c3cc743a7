//! The offences the challenge protocol reports to `pallet-offences`.

use crate::types::OffenceKind;
use sp_runtime::Perbill;
use sp_staking::{
	offence::{Kind, Offence},
	SessionIndex,
};

/// A worker's offence in a challenge round: a proven fault or a run of missed rounds.
///
/// The slashed share is fixed by the protocol parameters when the offence is found, whatever
/// the number of offenders: cheating is individual, not correlated like an equivocation.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ChallengeOffence<Offender> {
	/// What was done.
	pub kind: OffenceKind,
	/// The round it was done in: the session the round was issued in, whose exposure (as the
	/// round snapshotted it) is slashed.
	pub round: SessionIndex,
	/// Validators in that session.
	pub validator_set_count: u32,
	/// The offender.
	pub offender: Offender,
	/// The share of the bond to slash.
	pub fraction: Perbill,
}

impl<Offender: Clone> Offence<Offender> for ChallengeOffence<Offender> {
	const ID: Kind = *b"poai:challenge00";
	type Slot = (SessionIndex, OffenceKind);

	fn offenders(&self) -> alloc::vec::Vec<Offender> {
		alloc::vec![self.offender.clone()]
	}

	fn session_index(&self) -> SessionIndex {
		self.round
	}

	fn validator_set_count(&self) -> u32 {
		self.validator_set_count
	}

	fn slot(&self) -> Self::Slot {
		(self.round, self.kind)
	}

	fn slash_fraction(&self, _offenders_count: u32) -> Perbill {
		self.fraction
	}
}
