//! Checking, signing and submitting the workers' submissions.
//!
//! One check per step serves both the transaction pool (`authorize`) and dispatch, so a
//! submission that reaches a block has passed exactly the checks the pool ran.

use crate::{
	pallet::*, round::RoundContext, Audit, Commitment, Phase, Reveal, RoundWorker, Seat,
	Verification,
};
use alloc::vec::Vec;
use codec::Encode;
use frame_support::{pallet_prelude::*, BoundedVec};
use frame_system::{offchain::SubmitTransaction, pallet_prelude::BlockNumberFor};
use poai_primitives::{
	leaf_hash, verification_digest, verify_leaf, OpenedOutputs, OpenedProofs, Panel, SessionIndex,
	Submission, SubmitError, VerificationSalt, WorkerId, WorkerSignature,
};
use sp_core::H256;
use sp_runtime::{
	traits::{SaturatedConversion, Saturating, Zero},
	transaction_validity::{InvalidTransaction, TransactionValidityError, ValidTransaction},
	RuntimeAppPublic,
};

/// What a valid verifier opening resolves to: the audit it opens, the verifier's seat, its
/// commitment and the round's context.
type VerifierOpening<T> = (AuditCheck<T>, Seat, Verification, RoundContext<T>);

/// Domain separation of the signed submissions (v2: the round's randomness is signed too).
pub const SUBMISSION_CONTEXT: [u8; 18] = *b"poai/submission/v2";

/// The bytes a worker's `poai` key signs for `submission`:
/// `SCALE(SUBMISSION_CONTEXT, genesis hash, round randomness, key, submission)`.
///
/// The genesis hash keeps a signature from being replayed on another chain; the randomness of
/// the submission's round (from the VRF outputs before it was issued) from being replayed on a
/// relaunch of this chain with the same genesis and keys, whose round of the same index has
/// other randomness; the round inside the submission from being replayed in another round. An
/// unknown round signs zero randomness: its submissions are refused before the signature is
/// checked.
pub fn signing_payload<T: Config>(key: &WorkerId, submission: &Submission) -> Vec<u8> {
	let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
	let randomness =
		Rounds::<T>::get(submission.round()).map(|info| info.randomness).unwrap_or_default();
	(SUBMISSION_CONTEXT, genesis, randomness, key, submission).encode()
}

/// The validity of an accepted submission in the pool: provided once per `tag`, valid until
/// `deadline`.
fn valid_until<T: Config>(tag: impl Encode, deadline: BlockNumberFor<T>) -> ValidTransaction {
	let now = frame_system::Pallet::<T>::block_number();
	let longevity = deadline.saturating_sub(now).saturated_into::<u64>().saturating_add(1);
	ValidTransaction::with_tag_prefix("PoaiChallenges")
		.priority(T::SubmissionPriority::get())
		.and_provides(tag)
		.longevity(longevity)
		.propagate(true)
		.build()
		.unwrap_or_default()
}

/// How a refused submission is reported to the pool: late and repeated ones are stale, bad
/// signatures bad proofs, early ones future; the rest carry the pallet error's index.
fn to_validity<T: Config>(error: Error<T>) -> TransactionValidityError {
	let invalid = match error {
		Error::<T>::UnknownRound | Error::<T>::TooLate | Error::<T>::AlreadySubmitted => {
			InvalidTransaction::Stale
		}
		Error::<T>::TooEarly => InvalidTransaction::Future,
		Error::<T>::BadSignature => InvalidTransaction::BadProof,
		other => InvalidTransaction::Custom(other.encode().first().copied().unwrap_or(u8::MAX)),
	};
	invalid.into()
}

/// What a checked commitment refers to.
struct CommitCheck<T: Config> {
	seat: Seat,
	worker: RoundWorker<T::AccountId>,
	model: poai_primitives::ModelId,
	deadline: BlockNumberFor<T>,
}

/// What a checked verification or reveal refers to.
struct AuditCheck<T: Config> {
	/// The audited worker's seat.
	seat: Seat,
	audit: Audit<T::MaxVerifiers>,
	/// The committee whose window is open.
	panel: Panel,
	/// Its verifiers.
	committee: BoundedVec<Seat, T::MaxVerifiers>,
	deadline: BlockNumberFor<T>,
}

/// The submissions about an audit, each in its own window.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AuditStep {
	/// A verifier's commitment: the committee's commit window.
	CommitVerification,
	/// A verifier's opening: after the committee's commit window.
	OpenVerification,
	/// The worker's reveal: after the first committee's commit window.
	Reveal,
}

impl<T: Config> Pallet<T> {
	fn check_signature(
		key: &WorkerId,
		submission: &Submission,
		signature: &WorkerSignature,
	) -> Result<(), Error<T>> {
		let payload = signing_payload::<T>(key, submission);
		ensure!(key.verify(&payload, signature), Error::<T>::BadSignature);
		Ok(())
	}

	fn check_commit(
		key: &WorkerId,
		round: SessionIndex,
		n: u32,
	) -> Result<CommitCheck<T>, Error<T>> {
		let info = Rounds::<T>::get(round).ok_or(Error::<T>::UnknownRound)?;
		let Phase::Commit { .. } = info.phase else { return Err(Error::<T>::TooLate) };
		let context = RoundContext::<T>::with_info(round, info);
		let seat = context.seat_of(key).ok_or(Error::<T>::NotAWorker)?;
		let worker = context.worker(seat).cloned().ok_or(Error::<T>::NotAWorker)?;
		let assignment = context.assignment_of(&worker).ok_or(Error::<T>::NoChallenge)?;
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now <= assignment.deadline, Error::<T>::TooLate);
		ensure!(!Commitments::<T>::contains_key(round, seat), Error::<T>::AlreadySubmitted);
		ensure!(n == assignment.n, Error::<T>::WrongBatchSize);
		Ok(CommitCheck { seat, worker, model: assignment.model, deadline: assignment.deadline })
	}

	/// Checks everything common to the submissions about the audit of `worker_key`: the
	/// round is in `step`'s window (which also tells the committee), the worker is audited,
	/// and — with `outputs` — they have the opened samples' shape.
	fn check_audit(
		round: SessionIndex,
		worker_key: &WorkerId,
		step: AuditStep,
		outputs: Option<&OpenedOutputs>,
	) -> Result<(AuditCheck<T>, RoundContext<T>), Error<T>> {
		let info = Rounds::<T>::get(round).ok_or(Error::<T>::UnknownRound)?;
		let now = frame_system::Pallet::<T>::block_number();
		let within = |commit_until: BlockNumberFor<T>, open_until: BlockNumberFor<T>| {
			if step == AuditStep::CommitVerification {
				ensure!(now <= commit_until, Error::<T>::TooLate);
				Ok(commit_until)
			} else {
				ensure!(now > commit_until, Error::<T>::TooEarly);
				ensure!(now <= open_until, Error::<T>::TooLate);
				Ok(open_until)
			}
		};
		let (panel, deadline) = match (info.phase, step) {
			(Phase::Commit { .. } | Phase::Drawing { .. }, _) => return Err(Error::<T>::TooEarly),
			(Phase::Open { verify_until, reveal_until }, _) => {
				(Panel::First, within(verify_until, reveal_until)?)
			}
			(Phase::Escalation { verify_until, open_until }, AuditStep::Reveal) => {
				let _ = (verify_until, open_until);
				return Err(Error::<T>::TooLate);
			}
			(Phase::Escalation { verify_until, open_until }, _) => {
				(Panel::Escalation, within(verify_until, open_until)?)
			}
			(Phase::Judging { .. } | Phase::JudgingEscalations { .. } | Phase::Pruning, _) => {
				return Err(Error::<T>::TooLate)
			}
		};
		let context = RoundContext::<T>::with_info(round, info);
		let seat = context.seat_of(worker_key).ok_or(Error::<T>::NotAWorker)?;
		let audit = Audits::<T>::get(round, seat).ok_or(Error::<T>::NotAudited)?;
		let committee = match panel {
			Panel::First => audit.verifiers.clone(),
			Panel::Escalation => {
				Escalations::<T>::get(round, seat).ok_or(Error::<T>::NotAudited)?
			}
		};
		if let Some(outputs) = outputs {
			let spec = context.assignment(seat).ok_or(Error::<T>::NoChallenge)?.spec;
			ensure!(
				outputs.len() == audit.indices.len()
					&& outputs.iter().all(|output| spec.fits_output(output)),
				Error::<T>::MalformedOutputs
			);
		}
		Ok((AuditCheck { seat, audit, panel, committee, deadline }, context))
	}

	/// The verifier's seat, if it sits on the committee whose window is open.
	fn check_verifier(
		key: &WorkerId,
		check: &AuditCheck<T>,
		context: &RoundContext<T>,
	) -> Result<Seat, Error<T>> {
		let verifier = context.seat_of(key).ok_or(Error::<T>::NotAVerifier)?;
		ensure!(check.committee.contains(&verifier), Error::<T>::NotAVerifier);
		Ok(verifier)
	}

	fn check_commit_verification(
		key: &WorkerId,
		round: SessionIndex,
		worker: &WorkerId,
	) -> Result<(AuditCheck<T>, Seat, RoundContext<T>), Error<T>> {
		let (check, context) =
			Self::check_audit(round, worker, AuditStep::CommitVerification, None)?;
		let verifier = Self::check_verifier(key, &check, &context)?;
		ensure!(
			!Verifications::<T>::contains_key((round, check.seat, check.panel, verifier)),
			Error::<T>::AlreadySubmitted
		);
		Ok((check, verifier, context))
	}

	fn check_open_verification(
		key: &WorkerId,
		round: SessionIndex,
		worker: &WorkerId,
		outputs: &OpenedOutputs,
		salt: &VerificationSalt,
	) -> Result<VerifierOpening<T>, Error<T>> {
		let (check, context) =
			Self::check_audit(round, worker, AuditStep::OpenVerification, Some(outputs))?;
		let verifier = Self::check_verifier(key, &check, &context)?;
		let record = Verifications::<T>::get((round, check.seat, check.panel, verifier))
			.ok_or(Error::<T>::NotCommitted)?;
		ensure!(record.outputs.is_none(), Error::<T>::AlreadySubmitted);
		ensure!(
			verification_digest(outputs, key, round, worker, salt) == record.digest,
			Error::<T>::OpeningMismatch
		);
		Ok((check, verifier, record, context))
	}

	fn check_reveal(
		key: &WorkerId,
		round: SessionIndex,
		outputs: &OpenedOutputs,
		proofs: &OpenedProofs,
	) -> Result<(AuditCheck<T>, RoundContext<T>), Error<T>> {
		let (check, context) = Self::check_audit(round, key, AuditStep::Reveal, Some(outputs))?;
		ensure!(proofs.len() == check.audit.indices.len(), Error::<T>::MalformedOutputs);
		ensure!(!Reveals::<T>::contains_key(round, check.seat), Error::<T>::AlreadySubmitted);
		Ok((check, context))
	}

	/// The pool's check of [`Pallet::commit`].
	pub(crate) fn authorize_commit(
		key: &WorkerId,
		round: SessionIndex,
		root: H256,
		n: u32,
		wall_time_ms: u32,
		signature: &WorkerSignature,
	) -> Result<(ValidTransaction, Weight), TransactionValidityError> {
		let check = Self::check_commit(key, round, n).map_err(to_validity::<T>)?;
		Self::check_signature(key, &Submission::Commit { round, root, n, wall_time_ms }, signature)
			.map_err(to_validity::<T>)?;
		Ok((valid_until::<T>((b"commit", round, key), check.deadline), Weight::zero()))
	}

	/// The pool's check of [`Pallet::commit_verification`].
	pub(crate) fn authorize_commit_verification(
		key: &WorkerId,
		round: SessionIndex,
		worker: &WorkerId,
		digest: H256,
		signature: &WorkerSignature,
	) -> Result<(ValidTransaction, Weight), TransactionValidityError> {
		let (check, ..) =
			Self::check_commit_verification(key, round, worker).map_err(to_validity::<T>)?;
		let submission = Submission::CommitVerification { round, worker: worker.clone(), digest };
		Self::check_signature(key, &submission, signature).map_err(to_validity::<T>)?;
		let tag = (b"verify-commit", round, check.panel, key, worker);
		Ok((valid_until::<T>(tag, check.deadline), Weight::zero()))
	}

	/// The pool's check of [`Pallet::open_verification`].
	pub(crate) fn authorize_open_verification(
		key: &WorkerId,
		round: SessionIndex,
		worker: &WorkerId,
		outputs: &OpenedOutputs,
		salt: &VerificationSalt,
		signature: &WorkerSignature,
	) -> Result<(ValidTransaction, Weight), TransactionValidityError> {
		let (check, ..) = Self::check_open_verification(key, round, worker, outputs, salt)
			.map_err(to_validity::<T>)?;
		let submission = Submission::OpenVerification {
			round,
			worker: worker.clone(),
			outputs: outputs.clone(),
			salt: *salt,
		};
		Self::check_signature(key, &submission, signature).map_err(to_validity::<T>)?;
		let tag = (b"verify-open", round, check.panel, key, worker);
		Ok((valid_until::<T>(tag, check.deadline), Weight::zero()))
	}

	/// The pool's check of [`Pallet::reveal`].
	pub(crate) fn authorize_reveal(
		key: &WorkerId,
		round: SessionIndex,
		outputs: &OpenedOutputs,
		proofs: &OpenedProofs,
		signature: &WorkerSignature,
	) -> Result<(ValidTransaction, Weight), TransactionValidityError> {
		let (check, _) =
			Self::check_reveal(key, round, outputs, proofs).map_err(to_validity::<T>)?;
		let submission =
			Submission::Reveal { round, outputs: outputs.clone(), proofs: proofs.clone() };
		Self::check_signature(key, &submission, signature).map_err(to_validity::<T>)?;
		Ok((valid_until::<T>((b"reveal", round, key), check.deadline), Weight::zero()))
	}

	// The dispatch side of the calls. Their signature was verified by `authorize` (the only
	// way to the `Authorized` origin), in the same block; the state checks run again for what
	// they find (seats, audit, snapshot).

	pub(crate) fn do_commit(
		key: WorkerId,
		round: SessionIndex,
		root: H256,
		n: u32,
		wall_time_ms: u32,
	) -> DispatchResult {
		let check = Self::check_commit(&key, round, n)?;
		let at = frame_system::Pallet::<T>::block_number();
		Commitments::<T>::insert(round, check.seat, Commitment { root, n, wall_time_ms, at });
		Self::deposit_event(Event::Committed {
			round,
			worker: check.worker.stash,
			model: check.model,
			root,
			wall_time_ms,
		});
		Ok(())
	}

	pub(crate) fn do_commit_verification(
		key: WorkerId,
		round: SessionIndex,
		worker: WorkerId,
		digest: H256,
	) -> DispatchResult {
		let (check, verifier, context) = Self::check_commit_verification(&key, round, &worker)?;
		let record = Verification { digest, outputs: None };
		Verifications::<T>::insert((round, check.seat, check.panel, verifier), record);
		if let (Some(worker), Some(verifier)) = (context.stash(check.seat), context.stash(verifier))
		{
			let panel = check.panel;
			Self::deposit_event(Event::VerificationCommitted { round, worker, panel, verifier });
		}
		Ok(())
	}

	pub(crate) fn do_open_verification(
		key: WorkerId,
		round: SessionIndex,
		worker: WorkerId,
		outputs: OpenedOutputs,
		salt: VerificationSalt,
	) -> DispatchResult {
		let (check, verifier, record, context) =
			Self::check_open_verification(&key, round, &worker, &outputs, &salt)?;
		let record = Verification { outputs: Some(outputs), ..record };
		Verifications::<T>::insert((round, check.seat, check.panel, verifier), record);
		if let (Some(worker), Some(verifier)) = (context.stash(check.seat), context.stash(verifier))
		{
			let panel = check.panel;
			Self::deposit_event(Event::Verified { round, worker, panel, verifier });
		}
		Ok(())
	}

	pub(crate) fn do_reveal(
		key: WorkerId,
		round: SessionIndex,
		outputs: OpenedOutputs,
		proofs: OpenedProofs,
	) -> DispatchResult {
		let (check, context) = Self::check_reveal(&key, round, &outputs, &proofs)?;
		let commitment = Commitments::<T>::get(round, check.seat).ok_or(Error::<T>::NotAudited)?;
		let bad = check.audit.indices.iter().zip(outputs.iter().zip(proofs.iter())).find(
			|(&index, (output, proof))| {
				!verify_leaf(&commitment.root, proof, commitment.n, index, leaf_hash(index, output))
			},
		);
		let record = match bad {
			Some((&index, _)) => Reveal::BadProof { index },
			None => Reveal::Valid(outputs),
		};
		let valid = matches!(record, Reveal::Valid(_));
		Reveals::<T>::insert(round, check.seat, record);
		if let Some(worker) = context.stash(check.seat) {
			Self::deposit_event(Event::Revealed { round, worker, valid });
		}
		Ok(())
	}

	/// Signs `submission` with `key` from the keystore and submits it to the transaction pool
	/// as an authorised general transaction. Runs in the node's runtime-API context, which
	/// provides the keystore and the pool (`poai_runtime_api::PoaiChallengesApi::submit`).
	pub fn submit(key: WorkerId, submission: Submission) -> Result<(), SubmitError> {
		let payload = signing_payload::<T>(&key, &submission);
		let signature = key.sign(&payload).ok_or(SubmitError::SigningFailed)?;
		let call = match submission {
			Submission::Commit { round, root, n, wall_time_ms } => {
				Call::<T>::commit { key, round, root, n, wall_time_ms, signature }
			}
			Submission::CommitVerification { round, worker, digest } => {
				Call::<T>::commit_verification { key, round, worker, digest, signature }
			}
			Submission::OpenVerification { round, worker, outputs, salt } => {
				Call::<T>::open_verification { key, round, worker, outputs, salt, signature }
			}
			Submission::Reveal { round, outputs, proofs } => {
				Call::<T>::reveal { key, round, outputs, proofs, signature }
			}
		};
		let transaction = T::create_authorized_transaction(call.into());
		SubmitTransaction::<T, Call<T>>::submit_transaction(transaction)
			.map_err(|()| SubmitError::PoolRejected)
	}
}
