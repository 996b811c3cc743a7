//! What a worker key owes at the current block, for the node's worker (runtime API `duties`).

use crate::{pallet::*, Audit, Phase, RoundInfo, RoundWorker, Slot};
use frame_system::pallet_prelude::BlockNumberFor;
use poai_primitives::{
	ChallengeDuty, Duties, ModelId, ModelSpec, Panel, RevealDuty, RoundIndex, VerifyDuty, WorkerId,
};
use sp_runtime::traits::{One, Saturating};

impl<T: Config> Pallet<T> {
	/// The duties of `key` at the current block: challenges to commit to, audits of others to
	/// verify (commit, then open), own audits to reveal. Duties whose window has not opened yet
	/// are listed with the block they open at, so that the worker can prepare.
	pub fn duties(key: &WorkerId) -> Duties<BlockNumberFor<T>> {
		let now = frame_system::Pallet::<T>::block_number();
		let mut duties = Duties::default();
		for round in ActiveRounds::<T>::get() {
			let Some(info) = Rounds::<T>::get(round) else { continue };
			let workers = RoundWorkers::<T>::get(round);
			let Some(slot) = Self::slot_of(&workers, key) else { continue };
			let models = RoundModels::<T>::get(round);
			let context = (round, &info, workers.as_slice(), models.as_slice());
			match info.phase {
				Phase::Commit { .. } => {
					let Some(worker) = workers.get(slot as usize) else { continue };
					let Some(a) = Self::assignment(round, &info, &models, worker) else { continue };
					if now <= a.deadline && !Commitments::<T>::contains_key(round, slot) {
						duties.challenges.push(ChallengeDuty {
							round,
							model: a.model,
							spec: a.spec.clone(),
							seed: a.seed,
							n: a.n,
							class: worker.class,
							deadline: a.deadline,
						});
					}
				}
				Phase::Open { verify_until, reveal_until } => {
					for (audited, audit) in Audits::<T>::iter_prefix(round) {
						if audit.verifiers.contains(&slot) {
							let window = (verify_until, reveal_until);
							let duty = Self::verify_duty(
								context,
								audited,
								&audit,
								slot,
								Panel::First,
								window,
								now,
							);
							duties.verifications.extend(duty);
						}
					}
					if now <= reveal_until && !Reveals::<T>::contains_key(round, slot) {
						let Some(audit) = Audits::<T>::get(round, slot) else { continue };
						let Some(worker) = workers.get(slot as usize) else { continue };
						let Some(a) = Self::assignment(round, &info, &models, worker) else {
							continue;
						};
						let n = Commitments::<T>::get(round, slot).map_or(a.n, |c| c.n);
						duties.reveals.push(RevealDuty {
							round,
							model: a.model,
							spec: a.spec.clone(),
							seed: a.seed,
							n,
							indices: audit.indices,
							opens: verify_until.saturating_add(One::one()),
							deadline: reveal_until,
						});
					}
				}
				Phase::Escalation { verify_until, open_until } => {
					for (audited, committee) in Escalations::<T>::iter_prefix(round) {
						if !committee.contains(&slot) {
							continue;
						}
						let Some(audit) = Audits::<T>::get(round, audited) else { continue };
						let window = (verify_until, open_until);
						let duty = Self::verify_duty(
							context,
							audited,
							&audit,
							slot,
							Panel::Escalation,
							window,
							now,
						);
						duties.verifications.extend(duty);
					}
				}
				Phase::Drawing { .. }
				| Phase::Judging { .. }
				| Phase::JudgingEscalations { .. }
				| Phase::Pruning => {}
			}
		}
		duties
	}

	/// What `verifier` still owes for the audit of `audited` on `panel`, whose commit window
	/// ends at `window.0` and opening window at `window.1`: its commitment, its opening, or
	/// nothing.
	fn verify_duty(
		(round, info, workers, models): (
			RoundIndex,
			&RoundInfo<BlockNumberFor<T>>,
			&[RoundWorker<T::AccountId>],
			&[(ModelId, ModelSpec)],
		),
		audited: Slot,
		audit: &Audit<T::MaxVerifiers>,
		verifier: Slot,
		panel: Panel,
		(commit_until, deadline): (BlockNumberFor<T>, BlockNumberFor<T>),
		now: BlockNumberFor<T>,
	) -> Option<VerifyDuty<BlockNumberFor<T>>> {
		let committed = match Verifications::<T>::get((round, audited, panel, verifier)) {
			Some(record) if record.outputs.is_some() => return None,
			Some(_) => true,
			None if now > commit_until => return None,
			None => false,
		};
		if now > deadline {
			return None;
		}
		let worker = workers.get(audited as usize)?;
		let a = Self::assignment(round, info, models, worker)?;
		Some(VerifyDuty {
			round,
			worker: worker.key.clone(),
			panel,
			model: a.model,
			spec: a.spec.clone(),
			seed: a.seed,
			indices: audit.indices.clone(),
			committed,
			commit_until,
			opens: commit_until.saturating_add(One::one()),
			deadline,
		})
	}
}
