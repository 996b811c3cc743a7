//! Checking, signing and submitting the workers' submissions.
//!
//! One check per step serves both the transaction pool (`authorize`) and dispatch, so a
//! submission that reaches a block has passed exactly the checks the pool ran.

use crate::{pallet::*, Audit, Commitment, Phase, Reveal, RoundWorker, Slot};
use alloc::vec::Vec;
use codec::Encode;
use frame_support::{pallet_prelude::*, BoundedVec};
use frame_system::{offchain::SubmitTransaction, pallet_prelude::BlockNumberFor};
use poai_primitives::{
	leaf_hash, verify_leaf, OpenedOutputs, OpenedProofs, RoundIndex, Submission, SubmitError,
	WorkerId, WorkerSignature,
};
use sp_core::H256;
use sp_runtime::{
	traits::{SaturatedConversion, Saturating, Zero},
	transaction_validity::{InvalidTransaction, TransactionValidityError, ValidTransaction},
	RuntimeAppPublic,
};

/// Domain separation of the signed submissions.
pub const SUBMISSION_CONTEXT: [u8; 18] = *b"poai/submission/v1";

/// The bytes a worker's `poai` key signs for `submission`:
/// `SCALE(SUBMISSION_CONTEXT, genesis hash, key, submission)`. The genesis hash keeps a
/// signature from being replayed on another chain; the round inside the submission keeps it
/// from being replayed in another round.
pub fn signing_payload<T: Config>(key: &WorkerId, submission: &Submission) -> Vec<u8> {
	let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
	(SUBMISSION_CONTEXT, genesis, key, submission).encode()
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
	slot: Slot,
	worker: RoundWorker<T::AccountId>,
	model: poai_primitives::ModelId,
	deadline: BlockNumberFor<T>,
}

/// What a checked verification or reveal refers to.
struct AuditCheck<T: Config> {
	slot: Slot,
	audit: Audit<T::MaxVerifiers>,
	deadline: BlockNumberFor<T>,
}

/// A round's worker snapshot, as [`RoundWorkers`] holds it.
type Snapshot<T> =
	BoundedVec<RoundWorker<<T as frame_system::Config>::AccountId>, <T as Config>::MaxWorkers>;

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

	fn check_commit(key: &WorkerId, round: RoundIndex, n: u32) -> Result<CommitCheck<T>, Error<T>> {
		let info = Rounds::<T>::get(round).ok_or(Error::<T>::UnknownRound)?;
		let Phase::Commit { .. } = info.phase else { return Err(Error::<T>::TooLate) };
		let workers = RoundWorkers::<T>::get(round);
		let slot = Self::slot_of(&workers, key).ok_or(Error::<T>::NotAWorker)?;
		let worker = workers.get(slot as usize).cloned().ok_or(Error::<T>::NotAWorker)?;
		let models = RoundModels::<T>::get(round);
		let assignment =
			Self::assignment(round, &info, &models, &worker).ok_or(Error::<T>::NoChallenge)?;
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now <= assignment.deadline, Error::<T>::TooLate);
		ensure!(!Commitments::<T>::contains_key(round, slot), Error::<T>::AlreadySubmitted);
		ensure!(n == assignment.n, Error::<T>::WrongBatchSize);
		Ok(CommitCheck { slot, worker, model: assignment.model, deadline: assignment.deadline })
	}

	/// Checks everything common to verifications and reveals of the audit of `worker_key`:
	/// the round is open, the worker audited, and `outputs` have the opened samples' shape.
	fn check_audit(
		round: RoundIndex,
		worker_key: &WorkerId,
		outputs: &OpenedOutputs,
		reveal: bool,
	) -> Result<(AuditCheck<T>, Snapshot<T>), Error<T>> {
		let info = Rounds::<T>::get(round).ok_or(Error::<T>::UnknownRound)?;
		let now = frame_system::Pallet::<T>::block_number();
		let deadline = match info.phase {
			Phase::Commit { .. } | Phase::Drawing { .. } => return Err(Error::<T>::TooEarly),
			Phase::Open { verify_until, reveal_until } => {
				if reveal {
					ensure!(now > verify_until, Error::<T>::TooEarly);
					ensure!(now <= reveal_until, Error::<T>::TooLate);
					reveal_until
				} else {
					ensure!(now <= verify_until, Error::<T>::TooLate);
					verify_until
				}
			}
			Phase::Judging { .. } | Phase::Pruning => return Err(Error::<T>::TooLate),
		};
		let workers = RoundWorkers::<T>::get(round);
		let slot = Self::slot_of(&workers, worker_key).ok_or(Error::<T>::NotAWorker)?;
		let audit = Audits::<T>::get(round, slot).ok_or(Error::<T>::NotAudited)?;
		let worker = workers.get(slot as usize).ok_or(Error::<T>::NotAWorker)?;
		let models = RoundModels::<T>::get(round);
		let assignment =
			Self::assignment(round, &info, &models, worker).ok_or(Error::<T>::NoChallenge)?;
		let spec = models
			.iter()
			.find(|(id, _)| *id == assignment.model)
			.map(|(_, spec)| spec.clone())
			.ok_or(Error::<T>::NoChallenge)?;
		ensure!(
			outputs.len() == audit.indices.len()
				&& outputs.iter().all(|output| spec.fits_output(output)),
			Error::<T>::MalformedOutputs
		);
		Ok((AuditCheck { slot, audit, deadline }, workers))
	}

	fn check_verify(
		key: &WorkerId,
		round: RoundIndex,
		worker: &WorkerId,
		outputs: &OpenedOutputs,
	) -> Result<(AuditCheck<T>, Slot, Snapshot<T>), Error<T>> {
		let (check, workers) = Self::check_audit(round, worker, outputs, false)?;
		let verifier = Self::slot_of(&workers, key).ok_or(Error::<T>::NotAVerifier)?;
		ensure!(check.audit.verifiers.contains(&verifier), Error::<T>::NotAVerifier);
		ensure!(
			!Verifications::<T>::contains_key((round, check.slot, verifier)),
			Error::<T>::AlreadySubmitted
		);
		Ok((check, verifier, workers))
	}

	fn check_reveal(
		key: &WorkerId,
		round: RoundIndex,
		outputs: &OpenedOutputs,
		proofs: &OpenedProofs,
	) -> Result<(AuditCheck<T>, Snapshot<T>), Error<T>> {
		let (check, workers) = Self::check_audit(round, key, outputs, true)?;
		ensure!(proofs.len() == check.audit.indices.len(), Error::<T>::MalformedOutputs);
		ensure!(!Reveals::<T>::contains_key(round, check.slot), Error::<T>::AlreadySubmitted);
		Ok((check, workers))
	}

	/// The pool's check of [`Pallet::commit`].
	pub(crate) fn authorize_commit(
		key: &WorkerId,
		round: RoundIndex,
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

	/// The pool's check of [`Pallet::verify`].
	pub(crate) fn authorize_verify(
		key: &WorkerId,
		round: RoundIndex,
		worker: &WorkerId,
		outputs: &OpenedOutputs,
		signature: &WorkerSignature,
	) -> Result<(ValidTransaction, Weight), TransactionValidityError> {
		let (check, ..) =
			Self::check_verify(key, round, worker, outputs).map_err(to_validity::<T>)?;
		let submission =
			Submission::Verify { round, worker: worker.clone(), outputs: outputs.clone() };
		Self::check_signature(key, &submission, signature).map_err(to_validity::<T>)?;
		Ok((valid_until::<T>((b"verify", round, key, worker), check.deadline), Weight::zero()))
	}

	/// The pool's check of [`Pallet::reveal`].
	pub(crate) fn authorize_reveal(
		key: &WorkerId,
		round: RoundIndex,
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
	// they find (slots, audit, snapshot).

	pub(crate) fn do_commit(
		key: WorkerId,
		round: RoundIndex,
		root: H256,
		n: u32,
		wall_time_ms: u32,
	) -> DispatchResult {
		let check = Self::check_commit(&key, round, n)?;
		let at = frame_system::Pallet::<T>::block_number();
		Commitments::<T>::insert(round, check.slot, Commitment { root, n, wall_time_ms, at });
		Self::deposit_event(Event::Committed {
			round,
			worker: check.worker.stash,
			model: check.model,
			root,
			wall_time_ms,
		});
		Ok(())
	}

	pub(crate) fn do_verify(
		key: WorkerId,
		round: RoundIndex,
		worker: WorkerId,
		outputs: OpenedOutputs,
	) -> DispatchResult {
		let (check, verifier, workers) = Self::check_verify(&key, round, &worker, &outputs)?;
		Verifications::<T>::insert((round, check.slot, verifier), outputs);
		let stash = |slot: Slot| workers.get(slot as usize).map(|w| w.stash.clone());
		if let (Some(worker), Some(verifier)) = (stash(check.slot), stash(verifier)) {
			Self::deposit_event(Event::Verified { round, worker, verifier });
		}
		Ok(())
	}

	pub(crate) fn do_reveal(
		key: WorkerId,
		round: RoundIndex,
		outputs: OpenedOutputs,
		proofs: OpenedProofs,
	) -> DispatchResult {
		let (check, workers) = Self::check_reveal(&key, round, &outputs, &proofs)?;
		let commitment = Commitments::<T>::get(round, check.slot).ok_or(Error::<T>::NotAudited)?;
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
		Reveals::<T>::insert(round, check.slot, record);
		if let Some(worker) = workers.get(check.slot as usize) {
			Self::deposit_event(Event::Revealed { round, worker: worker.stash.clone(), valid });
		}
		Ok(())
	}

	/// Signs `submission` with `key` from the keystore and submits it to the transaction pool
	/// as an authorised general transaction. Runs in the node's runtime-API context, which
	/// provides the keystore and the pool (see [`crate::runtime_api::PoaiChallengesApi`]).
	pub fn submit(key: WorkerId, submission: Submission) -> Result<(), SubmitError> {
		let payload = signing_payload::<T>(&key, &submission);
		let signature = key.sign(&payload).ok_or(SubmitError::SigningFailed)?;
		let call = match submission {
			Submission::Commit { round, root, n, wall_time_ms } => {
				Call::<T>::commit { key, round, root, n, wall_time_ms, signature }
			}
			Submission::Verify { round, worker, outputs } => {
				Call::<T>::verify { key, round, worker, outputs, signature }
			}
			Submission::Reveal { round, outputs, proofs } => {
				Call::<T>::reveal { key, round, outputs, proofs, signature }
			}
		};
		let transaction = T::create_authorized_transaction(call.into());
		SubmitTransaction::<T, Call<T>>::submit_transaction(transaction)
			.map_err(|()| SubmitError::PoolRejected)
	}

	/// The slot of `key` in a round's sorted worker snapshot.
	pub(crate) fn slot_of(workers: &[RoundWorker<T::AccountId>], key: &WorkerId) -> Option<Slot> {
		workers.binary_search_by(|worker| worker.key.cmp(key)).ok().map(|slot| slot as Slot)
	}
}
