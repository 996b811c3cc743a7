//! What a worker key owes at the current block, for the node's worker (runtime API `duties`).

use crate::{pallet::*, round::RoundContext, Audit, Phase, Seat};
use frame_system::pallet_prelude::BlockNumberFor;
use poai_primitives::{ChallengeDuty, Duties, Panel, RevealDuty, VerifyDuty, WorkerId};
use sp_runtime::traits::{One, Saturating};

impl<T: Config> Pallet<T> {
	/// The duties of `key` at the current block: challenges to commit to, audits of others to
	/// verify (commit, then open), own audits to reveal. Duties whose window has not opened yet
	/// are listed with the block they open at, so that the worker can prepare.
	pub fn duties(key: &WorkerId) -> Duties<BlockNumberFor<T>> {
		let now = frame_system::Pallet::<T>::block_number();
		let mut duties = Duties::default();
		for round in ActiveRounds::<T>::get() {
			let Some(context) = RoundContext::<T>::load(round) else { continue };
			let Some(seat) = context.seat_of(key) else { continue };
			match context.info.phase {
				Phase::Commit { .. } => {
					let Some(worker) = context.worker(seat) else { continue };
					let Some(a) = context.assignment_of(worker) else { continue };
					if now <= a.deadline && !Commitments::<T>::contains_key(round, seat) {
						duties.challenges.push(ChallengeDuty {
							round,
							model: a.model,
							spec: a.spec.clone(),
							seed: a.seed,
							n: a.n,
							tier: worker.tier,
							deadline: a.deadline,
						});
					}
				}
				Phase::Open { verify_until, reveal_until } => {
					for (audited, audit) in Audits::<T>::iter_prefix(round) {
						if audit.verifiers.contains(&seat) {
							let window = (verify_until, reveal_until);
							let duty = Self::verify_duty(
								&context,
								audited,
								&audit,
								seat,
								Panel::First,
								window,
								now,
							);
							duties.verifications.extend(duty);
						}
					}
					if now <= reveal_until && !Reveals::<T>::contains_key(round, seat) {
						let Some(audit) = Audits::<T>::get(round, seat) else { continue };
						let Some(a) = context.assignment(seat) else { continue };
						let n = Commitments::<T>::get(round, seat).map_or(a.n, |c| c.n);
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
						if !committee.contains(&seat) {
							continue;
						}
						let Some(audit) = Audits::<T>::get(round, audited) else { continue };
						let window = (verify_until, open_until);
						let duty = Self::verify_duty(
							&context,
							audited,
							&audit,
							seat,
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
		context: &RoundContext<T>,
		audited: Seat,
		audit: &Audit<T::MaxVerifiers>,
		verifier: Seat,
		panel: Panel,
		(commit_until, deadline): (BlockNumberFor<T>, BlockNumberFor<T>),
		now: BlockNumberFor<T>,
	) -> Option<VerifyDuty<BlockNumberFor<T>>> {
		let round = context.round;
		let committed = match Verifications::<T>::get((round, audited, panel, verifier)) {
			Some(record) if record.outputs.is_some() => return None,
			Some(_) => true,
			None if now > commit_until => return None,
			None => false,
		};
		if now > deadline {
			return None;
		}
		let worker = context.worker(audited)?;
		let a = context.assignment_of(worker)?;
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
