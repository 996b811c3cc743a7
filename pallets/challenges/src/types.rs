//! The records of the challenge protocol.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::BoundedVec;
use poai_primitives::{
	AuditIndices, Distance, OpenedOutputs, Randomness, SampleIndex, SeatWeight, TierId, WorkerId,
};
use scale_info::TypeInfo;
use sp_core::H256;
use sp_runtime::Perbill;

/// Most rounds in flight at once: a round is opened every session and lives for its windows
/// plus the blocks its draws, verdicts and pruning take.
pub const MAX_ACTIVE_ROUNDS: u32 = 4;

/// A worker's position in its round's [`crate::RoundWorkers`] snapshot.
pub type Seat = u32;

/// The parameters of the protocol, set by root.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProtocolParams {
	/// Blocks from a round's start in which commitments are accepted (a model's tier deadline
	/// can only shorten it).
	pub commit_window: u32,
	/// Blocks after the commit window whose VRF outputs all go into the audit draw's
	/// randomness (at least 2): the author of one block cannot choose the draw by itself.
	pub randomness_window: u32,
	/// Blocks after the audit draw in which the verifiers submit their outputs.
	pub verify_window: u32,
	/// Blocks after the verify window in which audited workers reveal.
	pub reveal_window: u32,
	/// `p`: the probability that a committed round is audited.
	pub audit_probability: Perbill,
	/// `k`: samples opened per audit (at most `MAX_OPENED_SAMPLES`).
	pub audit_samples: u32,
	/// `r`: verifiers per audit (at most `MaxVerifiers`; odd avoids ties).
	pub verifiers: u32,
	/// Verifiers added to the committee of a re-audit after an inconclusive verdict.
	pub reaudit_extra_verifiers: u32,
	/// Verifiers of the committee a failing verdict escalates to (at least `verifiers`, at
	/// most `MaxVerifiers`): only its verdict slashes the worker.
	pub escalation_verifiers: u32,
	/// Share of the bond slashed for a proven fault (bad proof, no reveal, outputs outside
	/// tolerance per the verifier majority).
	pub fraud_slash: Perbill,
	/// Share of the bond slashed from a verifier on the losing side of a decided escalation
	/// (it vouched for a cheater, or framed an honest worker).
	pub verifier_slash: Perbill,
	/// Share of the bond slashed after `misses_before_slash` missed rounds in a row.
	pub miss_slash: Perbill,
	/// Missed rounds in a row that make an offence (0: misses are never slashed).
	pub misses_before_slash: u32,
	/// Floating-point operations of verified work per reward point.
	pub flops_per_point: u64,
}

impl ProtocolParams {
	/// Parameters for a testnet with one-minute sessions (20 blocks of 3 s): half the rounds
	/// are audited; the verify and reveal windows are 10 blocks each, so that censoring one
	/// takes most of 10 consecutive slots (docs/THREATS.md). A round lives ≈ 33 blocks, so two
	/// are in flight at once.
	pub const TESTNET: Self = Self {
		commit_window: 8,
		randomness_window: 2,
		verify_window: 10,
		reveal_window: 10,
		audit_probability: Perbill::from_percent(50),
		audit_samples: 4,
		verifiers: 3,
		reaudit_extra_verifiers: 2,
		escalation_verifiers: 7,
		fraud_slash: Perbill::from_percent(20),
		verifier_slash: Perbill::from_percent(20),
		miss_slash: Perbill::from_percent(1),
		misses_before_slash: 3,
		flops_per_point: 100_000_000,
	};

	/// Parameters for the production chain with hour-long sessions (1,200 blocks of 3 s),
	/// chosen from the soundness condition in `docs/THREATS.md` ("Production parameters"):
	/// - `k` = 8 opened samples double the chance to catch a partial cheater (a worker that
	///   fakes 1% of its batch is caught in 7.7% of audits instead of 3.9%);
	/// - verify and reveal windows of 30 blocks (90 s): censoring one takes most of 30
	///   consecutive slots: α^30 ≈ 4 × 10⁻¹⁵ per window for a coalition authoring a share
	///   α = 33% of the slots;
	/// - a 4-block randomness window, so the audit draw mixes four VRF outputs;
	/// - the same committees and slashes as the testnets: they set the capture bound and the
	///   cost of cheating, which do not depend on the session length.
	///
	/// A round lives ≈ 80 blocks, a small part of its session: one round is in flight at once.
	pub const PRODUCTION: Self = Self {
		commit_window: 10,
		randomness_window: 4,
		verify_window: 30,
		reveal_window: 30,
		audit_samples: 8,
		..Self::TESTNET
	};
}

/// Where a round stands.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum Phase<BlockNumber> {
	/// Commitments are accepted until `until` (inclusive; each worker's own deadline may be
	/// earlier).
	#[codec(index = 0)]
	Commit {
		/// The last block of the commit window.
		until: BlockNumber,
	},
	/// The audit draw runs over the snapshot; `next` is the first seat not drawn yet.
	#[codec(index = 1)]
	Drawing {
		/// The next seat to draw.
		next: Seat,
	},
	/// Verifiers submit until `verify_until`; then audited workers reveal until
	/// `reveal_until` (both inclusive).
	#[codec(index = 2)]
	Open {
		/// The last block verifiers can submit in.
		verify_until: BlockNumber,
		/// The last block audited workers can reveal in.
		reveal_until: BlockNumber,
	},
	/// Verdicts are being reached; `next` is the first seat not judged yet. The windows of
	/// the `Open` phase are kept: a verifier whose window was all full blocks is excused.
	#[codec(index = 3)]
	Judging {
		/// The next seat to judge.
		next: Seat,
		/// The last block of the verifiers' commit window.
		verify_until: BlockNumber,
		/// The last block of the reveal and opening window.
		reveal_until: BlockNumber,
	},
	/// Judged: the round's records are being removed.
	#[codec(index = 4)]
	Pruning,
	/// Failing verdicts were escalated: the escalation committees commit to their outputs
	/// until `verify_until`, then open them until `open_until` (both inclusive).
	#[codec(index = 5)]
	Escalation {
		/// The last block escalation verifiers can commit in.
		verify_until: BlockNumber,
		/// The last block escalation verifiers can open in.
		open_until: BlockNumber,
	},
	/// The escalated verdicts are being reached; `next` is the first seat not judged yet.
	#[codec(index = 6)]
	JudgingEscalations {
		/// The next seat to judge.
		next: Seat,
		/// The last block of the escalation committees' commit window.
		verify_until: BlockNumber,
		/// The last block of their opening window.
		open_until: BlockNumber,
	},
}

/// A round, from its issue to its verdicts.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct RoundInfo<BlockNumber> {
	/// The block the round was issued in.
	pub start: BlockNumber,
	/// The randomness the challenge seeds derive from.
	pub randomness: Randomness,
	/// The randomness of the audit draw, taken `randomness_window` blocks after the commit
	/// window.
	pub audit_randomness: Option<Randomness>,
	/// Where the round stands.
	pub phase: Phase<BlockNumber>,
	/// The parameters in force when the round was issued.
	pub params: ProtocolParams,
}

/// A worker as the round knows it: snapshotted at issue, sorted by key.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct RoundWorker<AccountId> {
	/// The key it signs with.
	pub key: WorkerId,
	/// The stash behind it.
	pub stash: AccountId,
	/// The tier it declares.
	pub tier: TierId,
	/// Whether it validates this session (only validators verify).
	pub validator: bool,
	/// Its stake as a vote weight when the round was issued: its weight in the verifier draws.
	pub weight: SeatWeight,
}

/// A worker's commitment.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct Commitment<BlockNumber> {
	/// Merkle root over the `n` leaves.
	pub root: H256,
	/// Number of leaves (the challenge's batch size).
	pub n: u32,
	/// Reported inference wall time, in milliseconds.
	pub wall_time_ms: u32,
	/// The block it was included in.
	pub at: BlockNumber,
}

/// The verifier committee of an audit, by seat.
pub type Committee<T> = BoundedVec<Seat, <T as crate::Config>::MaxVerifiers>;

/// An audit of one committed challenge.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	frame_support::CloneNoBound,
	frame_support::PartialEqNoBound,
	frame_support::EqNoBound,
	frame_support::DebugNoBound,
)]
#[scale_info(skip_type_params(MaxVerifiers))]
#[codec(mel_bound())]
pub struct Audit<MaxVerifiers: frame_support::traits::Get<u32>> {
	/// The opened sample indices, ascending.
	pub indices: AuditIndices,
	/// The verifiers, by seat.
	pub verifiers: BoundedVec<Seat, MaxVerifiers>,
	/// Verifiers added because earlier audits were inconclusive.
	pub extra_verifiers: u32,
}

/// A verifier's submission for one audit: its commitment, and once opened, its outputs.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct Verification {
	/// [`poai_primitives::verification_digest`] of the outputs it committed to.
	pub digest: H256,
	/// The outputs, once opened against `digest`.
	pub outputs: Option<OpenedOutputs>,
}

/// One verifier's vote in a committee's judgement of an audit ([`crate::Event::Judged`]).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct Vote<AccountId> {
	/// The verifier.
	pub verifier: AccountId,
	/// Its outputs agree with the worker's on every opened sample.
	pub agrees: bool,
	/// The largest distances between its outputs and the worker's over the opened samples, to
	/// read against the model's tolerance.
	pub distance: Distance,
}

/// What an audited worker revealed.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub enum Reveal {
	/// Every proof checked out against the commitment.
	#[codec(index = 0)]
	Valid(OpenedOutputs),
	/// The proof of the opened sample `index` does not match the commitment.
	#[codec(index = 1)]
	BadProof {
		/// The sample whose proof failed.
		index: SampleIndex,
	},
}

/// Why a worker was found at fault.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum Fault {
	/// Audited, it never revealed.
	#[codec(index = 0)]
	NoReveal,
	/// A revealed output does not match its commitment.
	#[codec(index = 1)]
	BadProof,
	/// The verifier majority found its outputs outside the model's tolerance.
	#[codec(index = 2)]
	OutsideTolerance,
}

/// The offences the protocol reports.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum OffenceKind {
	/// A proven fault (see [`Fault`]).
	#[codec(index = 0)]
	Fraud,
	/// Too many missed rounds in a row.
	#[codec(index = 1)]
	RepeatedMisses,
	/// A verifier stood on the losing side of a decided escalation: it vouched for outputs the
	/// escalation committee found outside tolerance, or it failed outputs the escalation
	/// committee found within it.
	#[codec(index = 2)]
	FalseVerification,
}
