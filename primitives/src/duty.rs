//! What the chain asks of a worker, and what the worker hands back.
//!
//! The worker asks the runtime for the [`Duties`] of its `poai` key at a block, runs them, and
//! hands each result back as a [`Submission`] to the runtime, which signs it with the key and
//! submits it to the transaction pool.

use crate::{
	audit::AuditIndices,
	commitment::MerkleProof,
	ids::{ModelId, Seed, SessionIndex, TierId},
	model::{ModelSpec, OpenedOutputs, MAX_OPENED_SAMPLES},
	WorkerId,
};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::{ConstU32, H256};
use sp_runtime::BoundedVec;

/// One Merkle proof per opened sample, in the order of the opened indices.
pub type OpenedProofs = BoundedVec<MerkleProof, ConstU32<MAX_OPENED_SAMPLES>>;

/// A challenge to run and commit to: `n` samples of `model` generated from `seed`.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct ChallengeDuty<BlockNumber> {
	/// The round.
	pub round: SessionIndex,
	/// The model to run.
	pub model: ModelId,
	/// The model as the round snapshotted it: what to run, whatever the registry says now.
	pub spec: ModelSpec,
	/// The challenge seed; sample `i` is generated from it by [`crate::generate_sample`].
	pub seed: Seed,
	/// Number of samples.
	pub n: u32,
	/// The tier the challenge was sized for.
	pub tier: TierId,
	/// Last block in which the commitment is accepted.
	pub deadline: BlockNumber,
}

/// The committee of an audit: the one drawn with the audit, or the larger one a failing verdict
/// escalates to. A verifier may sit on both; its submissions to each are separate.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Hash,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum Panel {
	/// The committee drawn with the audit.
	#[codec(index = 0)]
	First,
	/// The committee a failing verdict of the first one escalates to; only its verdict
	/// slashes.
	#[codec(index = 1)]
	Escalation,
}

/// Samples of another worker's challenge to re-execute as a verifier, in two steps: commit to
/// the outputs (until `commit_until`), then open them (from `opens` to `deadline`).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct VerifyDuty<BlockNumber> {
	/// The round.
	pub round: SessionIndex,
	/// The audited worker.
	pub worker: WorkerId,
	/// The committee this duty is on.
	pub panel: Panel,
	/// The model of its challenge.
	pub model: ModelId,
	/// The model as the round snapshotted it.
	pub spec: ModelSpec,
	/// Its challenge seed.
	pub seed: Seed,
	/// The opened sample indices, ascending.
	pub indices: AuditIndices,
	/// Whether this verifier's commitment is on chain already (only the opening is owed).
	pub committed: bool,
	/// Last block in which the commitment is accepted.
	pub commit_until: BlockNumber,
	/// First block in which the opening is accepted (after every verifier's commitment).
	pub opens: BlockNumber,
	/// Last block in which the opening is accepted.
	pub deadline: BlockNumber,
}

/// Samples of one's own audited challenge to open.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct RevealDuty<BlockNumber> {
	/// The round.
	pub round: SessionIndex,
	/// The model of the challenge.
	pub model: ModelId,
	/// The model as the round snapshotted it.
	pub spec: ModelSpec,
	/// The challenge seed.
	pub seed: Seed,
	/// Number of samples committed to.
	pub n: u32,
	/// The opened sample indices, ascending.
	pub indices: AuditIndices,
	/// First block in which the reveal is accepted (after every verifier's deadline).
	pub opens: BlockNumber,
	/// Last block in which the reveal is accepted.
	pub deadline: BlockNumber,
}

/// Everything a worker key owes at a block. Duties whose window has not opened yet are
/// listed with the block they open at (reveals) so that the worker can prepare.
#[derive(Clone, PartialEq, Eq, Debug, Default, Encode, Decode, TypeInfo)]
pub struct Duties<BlockNumber> {
	/// Challenges not committed to yet.
	pub challenges: Vec<ChallengeDuty<BlockNumber>>,
	/// Audits of others not verified yet.
	pub verifications: Vec<VerifyDuty<BlockNumber>>,
	/// Own audits not revealed yet.
	pub reveals: Vec<RevealDuty<BlockNumber>>,
}

impl<BlockNumber> Duties<BlockNumber> {
	/// Whether nothing is owed.
	pub fn is_empty(&self) -> bool {
		self.challenges.is_empty() && self.verifications.is_empty() && self.reveals.is_empty()
	}
}

/// A worker's result, as handed to the runtime to be signed and submitted.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub enum Submission {
	/// The commitment to a challenge's outputs.
	#[codec(index = 0)]
	Commit {
		/// The round.
		round: SessionIndex,
		/// Merkle root over the `n` leaves.
		root: H256,
		/// Number of leaves.
		n: u32,
		/// Wall time the inference took, in milliseconds (recorded, informational only).
		wall_time_ms: u32,
	},
	/// A verifier's commitment to its outputs for the opened samples of `worker`'s challenge:
	/// [`crate::verification_digest`] of them.
	#[codec(index = 1)]
	CommitVerification {
		/// The round.
		round: SessionIndex,
		/// The audited worker.
		worker: WorkerId,
		/// The digest of the outputs, the verifier's key, the round, the worker and a salt.
		digest: H256,
	},
	/// The audited worker's opened outputs with their proofs.
	#[codec(index = 2)]
	Reveal {
		/// The round.
		round: SessionIndex,
		/// Quantised outputs of the opened samples, in index order.
		outputs: OpenedOutputs,
		/// Merkle proof of each, in index order.
		proofs: OpenedProofs,
	},
	/// A verifier's outputs for the opened samples of `worker`'s challenge, with the salt of
	/// its commitment.
	#[codec(index = 3)]
	OpenVerification {
		/// The round.
		round: SessionIndex,
		/// The audited worker.
		worker: WorkerId,
		/// Quantised outputs of the opened samples, in index order.
		outputs: OpenedOutputs,
		/// The salt of the commitment.
		salt: VerificationSalt,
	},
}

impl Submission {
	/// The round the submission belongs to.
	pub fn round(&self) -> SessionIndex {
		match self {
			Self::Commit { round, .. }
			| Self::CommitVerification { round, .. }
			| Self::Reveal { round, .. }
			| Self::OpenVerification { round, .. } => *round,
		}
	}
}

/// The secret a verifier mixes into its commitment, so that nobody can test guesses of its
/// outputs against the digest before it opens.
pub type VerificationSalt = [u8; 32];

/// A verifier's commitment to `outputs` for `worker`'s audit in `round`:
/// `blake2_256(SCALE("poai/verification", outputs, verifier, round, worker, salt))`.
///
/// The verifier's own key is inside, so a copied commitment cannot be opened by the copier;
/// the outputs are hidden until the opening, so there is nothing to copy before it.
pub fn verification_digest(
	outputs: &OpenedOutputs,
	verifier: &WorkerId,
	round: SessionIndex,
	worker: &WorkerId,
	salt: &VerificationSalt,
) -> H256 {
	H256(
		(b"poai/verification", outputs, verifier, round, worker, salt)
			.using_encoded(sp_io::hashing::blake2_256),
	)
}

/// Why the runtime did not submit a [`Submission`].
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum SubmitError {
	/// The keystore holds no such `poai` key, or it failed to sign.
	SigningFailed,
	/// The transaction pool refused the transaction (invalid, duplicate, or full).
	PoolRejected,
}
