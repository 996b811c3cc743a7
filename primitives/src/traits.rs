//! The interfaces between the PoAI pallets.
//!
//! Each pallet owns one concern and sees the others only through these traits, wired together in
//! the runtime: the challenge protocol reports outcomes to reputation and verified work to
//! staking; staking reads reputation when it elects validators and pays rewards.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_runtime::Perbill;

/// What one worker's round came to, as the challenge protocol reports it.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum RoundOutcome {
	/// The round's audited samples were within tolerance (or the round was not audited and the
	/// commitment arrived in time).
	Passed,
	/// Proven fraud or a fault: outputs outside tolerance per the verifier majority, a bad
	/// Merkle proof, or no reveal when audited.
	Failed,
	/// No commitment before the commit deadline.
	Missed,
}

/// Reads a worker's reputation.
pub trait ReputationProvider<AccountId> {
	/// The reputation of `who`, from 0 (always failed) to 1 (always passed); a worker never
	/// seen before is neutral (one half).
	fn reputation(who: &AccountId) -> Perbill;
}

/// A chain without reputation: everybody is neutral.
impl<AccountId> ReputationProvider<AccountId> for () {
	fn reputation(_who: &AccountId) -> Perbill {
		Perbill::from_percent(50)
	}
}

/// Records the outcome of a worker's round.
pub trait ReputationRecorder<AccountId> {
	/// Records `outcome` for `who`.
	fn record(who: &AccountId, outcome: RoundOutcome);
}

impl<AccountId> ReputationRecorder<AccountId> for () {
	fn record(_who: &AccountId, _outcome: RoundOutcome) {}
}

/// Credits verified PoAI work to a validator's reward points of the current session.
pub trait WorkPointsRecorder<AccountId> {
	/// Adds `points` of verified work to `who`'s points of the current session.
	fn note_work(who: &AccountId, points: u32);
}

impl<AccountId> WorkPointsRecorder<AccountId> for () {
	fn note_work(_who: &AccountId, _points: u32) {}
}

/// A worker registered for PoAI challenges: a staking candidate with a `poai` key.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, MaxEncodedLen)]
pub struct RegisteredWorker<AccountId> {
	/// The stash that bonds for it.
	pub stash: AccountId,
	/// The key its node signs PoAI submissions with.
	pub key: crate::WorkerId,
	/// The hardware tier it declares.
	pub tier: crate::TierId,
	/// Whether it validates in the session now running (only validators verify others).
	pub validator: bool,
	/// The stake behind it (its own bond and its backers'), as a vote weight: its weight in
	/// the verifier draws.
	pub weight: crate::SeatWeight,
}

/// The workers the challenge protocol issues rounds to.
pub trait WorkerRegistry<AccountId> {
	/// Up to `max` registered workers for the round of `session`, in a deterministic order.
	///
	/// The registry fixes what each returned worker has at stake for `session` at this call:
	/// an offence reported for `session` slashes that snapshot, whatever the worker does
	/// afterwards (chill, unbond), so nobody escapes a verdict by leaving once it is audited.
	fn snapshot_workers(
		session: crate::SessionIndex,
		max: u32,
	) -> alloc::vec::Vec<RegisteredWorker<AccountId>>;

	/// Stops issuing rounds to `stash` until its operator declares it a candidate again:
	/// the protocol's answer to a worker that keeps missing its rounds (an offline node is
	/// not challenged, and so not slashed, round after round). Returns whether `stash` was a
	/// candidate.
	fn suspend(stash: &AccountId) -> bool;
}
