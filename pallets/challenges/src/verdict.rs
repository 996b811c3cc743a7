//! Verdicts: the first committee's, the escalation of a failing one to a larger committee, and
//! what each outcome does to the worker and to its verifiers.
//!
//! | first committee | escalation committee | worker | verifiers against the final verdict | for it |
//! | --- | --- | --- | --- | --- |
//! | pass, every opened output agrees | — | passed | — | points |
//! | inconclusive | — | re-audited next round | — | — |
//! | fail, or pass with a dissent | pass | passed | slashed (`FalseVerification`) | points |
//! | fail, or pass with a dissent | fail | faulted, slashed (`Fraud`) | slashed (`FalseVerification`) | points |
//! | fail, or pass with a dissent | inconclusive | re-audited next round | — | — |
//!
//! A dissent escalates a pass too: otherwise a coalition holding a majority of the first
//! committee would cover its own fake work against an honest minority, and a lone dissenting
//! verifier could not be told from an honest one without a second opinion.
//!
//! A missing or bad reveal is a fault without a committee: the worker alone can open what it
//! committed to. A verifier that did not commit, or did not open, is recorded as missing.

use crate::{
	pallet::*, Audit, ChallengeOffence, Fault, OffenceKind, Reveal, RoundInfo, RoundWorker, Slot,
	WeightInfo,
};
use alloc::vec::Vec;
use frame_support::{pallet_prelude::*, BoundedVec};
use frame_system::pallet_prelude::BlockNumberFor;
use poai_primitives::{
	committee_verdict, draw_committee, ModelId, ModelSpec, OpenedOutputs, Panel,
	ReputationProvider, ReputationRecorder, RoundIndex, RoundOutcome, SeatWeight, Verdict,
	WorkPointsRecorder,
};
use sp_runtime::traits::{Convert, One, SaturatedConversion, Saturating};
use sp_staking::offence::ReportOffence;

/// What a committee's opened outputs say about the worker's revealed ones.
pub(crate) struct Tally {
	/// The committee's verdict (a strict majority of the whole drawn committee decides).
	pub verdict: Verdict,
	/// The verifiers whose outputs agree with the worker's on every opened sample.
	pub for_worker: Vec<Slot>,
	/// The verifiers whose outputs disagree with the worker's on some opened sample.
	pub against_worker: Vec<Slot>,
}

impl Tally {
	/// The verifiers against `verdict`, if it is decided.
	fn losers(&self, verdict: Verdict) -> &[Slot] {
		match verdict {
			Verdict::Pass => &self.against_worker,
			Verdict::Fail => &self.for_worker,
			Verdict::Inconclusive => &[],
		}
	}

	/// The verifiers for `verdict`, if it is decided.
	fn winners(&self, verdict: Verdict) -> &[Slot] {
		match verdict {
			Verdict::Pass => &self.for_worker,
			Verdict::Fail => &self.against_worker,
			Verdict::Inconclusive => &[],
		}
	}
}

/// Compares the worker's `revealed` outputs with each verifier's `opened` ones, sample by
/// sample; one failed sample fails the audit.
pub(crate) fn tally(
	revealed: &OpenedOutputs,
	opened: &[(Slot, OpenedOutputs)],
	committee: usize,
	spec: &ModelSpec,
) -> Tally {
	let mut verdict = Verdict::Pass;
	let mut agrees_everywhere = alloc::vec![true; opened.len()];
	for (position, output) in revealed.iter().enumerate() {
		let references: Vec<&[i32]> = opened
			.iter()
			.map(|(_, outputs)| outputs.get(position).map_or(&[][..], |o| o.as_slice()))
			.collect();
		let report =
			committee_verdict(output, &references, committee, spec.scale_bits, spec.tolerance);
		verdict = verdict.combine(report.verdict);
		for (all, agrees) in agrees_everywhere.iter_mut().zip(report.agreements) {
			*all &= agrees;
		}
	}
	let (mut for_worker, mut against_worker) = (Vec::new(), Vec::new());
	for ((slot, _), agrees) in opened.iter().zip(agrees_everywhere) {
		if agrees {
			for_worker.push(*slot);
		} else {
			against_worker.push(*slot);
		}
	}
	Tally { verdict, for_worker, against_worker }
}

/// A round's context for its verdicts, read once per chunk.
pub(crate) struct RoundView<'a, T: Config> {
	pub round: RoundIndex,
	pub info: &'a RoundInfo<BlockNumberFor<T>>,
	pub workers: &'a [RoundWorker<T::AccountId>],
	pub models: &'a [(ModelId, ModelSpec)],
	/// Which of the judged committee's windows had no block with room.
	pub congested: Congestion,
}

/// Whether every block of a committee's commit window, and of its opening window, was full
/// ([`FullBlocks`]): a verifier that missed a step whose window had no room is excused.
#[derive(Clone, Copy, Default)]
pub(crate) struct Congestion {
	pub commit_window: bool,
	pub open_window: bool,
}

impl Congestion {
	/// The congestion of the windows ending at `windows.0` (`verify_window` blocks long) and
	/// at `windows.1` (from the block after `windows.0`), as `full_blocks` records it.
	pub(crate) fn of<T: Config>(
		full_blocks: &[BlockNumberFor<T>],
		verify_window: u32,
		(commit_until, open_until): (BlockNumberFor<T>, BlockNumberFor<T>),
	) -> Self {
		let all_full = |from: BlockNumberFor<T>, to: BlockNumberFor<T>| {
			// A window longer than the record cannot be all full blocks (and the loop below
			// stays bounded whatever the parameters say).
			let kept: BlockNumberFor<T> = full_blocks.len().saturated_into();
			if from > to || to.saturating_sub(from) >= kept {
				return false;
			}
			let mut block = from;
			while block <= to {
				if full_blocks.binary_search(&block).is_err() {
					return false;
				}
				block = block.saturating_add(One::one());
			}
			true
		};
		let commit_from =
			commit_until.saturating_sub(verify_window.into()).saturating_add(One::one());
		Self {
			commit_window: all_full(commit_from, commit_until),
			open_window: all_full(commit_until.saturating_add(One::one()), open_until),
		}
	}
}

impl<T: Config> RoundView<'_, T> {
	fn stash(&self, slot: Slot) -> Option<T::AccountId> {
		self.workers.get(slot as usize).map(|w| w.stash.clone())
	}

	/// The spec and batch size of the challenge of the worker in `slot`.
	fn challenge(&self, slot: Slot) -> Option<(&ModelSpec, u32)> {
		let worker = self.workers.get(slot as usize)?;
		let assignment = Pallet::<T>::assignment(self.round, self.info, self.models, worker)?;
		Some((assignment.spec, assignment.n))
	}
}

impl<T: Config> Pallet<T> {
	/// Judges up to the budget's audits of `panel` from slot `next`; `None` when the snapshot
	/// is done.
	pub(crate) fn judge_chunk(
		round: RoundIndex,
		info: &RoundInfo<BlockNumberFor<T>>,
		panel: Panel,
		next: Slot,
		windows: (BlockNumberFor<T>, BlockNumberFor<T>),
		judgements: &mut u32,
	) -> (Option<Slot>, Weight) {
		let workers = RoundWorkers::<T>::get(round);
		let models = RoundModels::<T>::get(round);
		let full_blocks = FullBlocks::<T>::get();
		let congested = Congestion::of::<T>(&full_blocks, info.params.verify_window, windows);
		let view = RoundView::<T> { round, info, workers: &workers, models: &models, congested };
		let total = workers.len() as Slot;
		let mut weight = T::DbWeight::get().reads(3);
		let mut slot = next;
		while slot < total && *judgements > 0 {
			weight.saturating_accrue(T::DbWeight::get().reads(1));
			let judged = match panel {
				Panel::First => Audits::<T>::get(round, slot).map(|audit| {
					let verifiers = audit.verifiers.clone();
					Self::judge_first(&view, slot, &audit, &verifiers)
				}),
				Panel::Escalation => Escalations::<T>::get(round, slot).and_then(|committee| {
					let audit = Audits::<T>::get(round, slot)?;
					Some(Self::judge_escalation(&view, slot, &audit, &committee))
				}),
			};
			if let Some(used) = judged {
				weight.saturating_accrue(used);
				*judgements -= 1;
			}
			slot += 1;
		}
		((slot < total).then_some(slot), weight)
	}

	/// The opened outputs of `panel`'s `committee` for the audit of `slot`; the verifiers that
	/// did not commit or did not open are recorded as missing.
	fn opened(
		view: &RoundView<T>,
		slot: Slot,
		panel: Panel,
		committee: &[Slot],
	) -> Vec<(Slot, OpenedOutputs)> {
		let mut opened = Vec::new();
		for &verifier in committee {
			let record = Verifications::<T>::get((view.round, slot, panel, verifier));
			let committed = record.is_some();
			match record.and_then(|v| v.outputs) {
				Some(outputs) => opened.push((verifier, outputs)),
				None => {
					let Some((stash, worker)) = view.stash(verifier).zip(view.stash(slot)) else {
						continue;
					};
					let excused = if committed {
						view.congested.open_window
					} else {
						view.congested.commit_window
					};
					if excused {
						Self::deposit_event(Event::VerifierExcused {
							round: view.round,
							verifier: stash,
							worker,
						});
						continue;
					}
					T::Reputation::record(&stash, RoundOutcome::Missed);
					Self::deposit_event(Event::VerifierMissed {
						round: view.round,
						verifier: stash,
						worker,
					});
				}
			}
		}
		opened
	}

	/// The first committee's verdict on the audit of `slot`: final when it passes with every
	/// opened output agreeing, or is undecided; a failing or disputed verdict is escalated.
	fn judge_first(
		view: &RoundView<T>,
		slot: Slot,
		audit: &Audit<T::MaxVerifiers>,
		committee: &[Slot],
	) -> Weight {
		let Some(stash) = view.stash(slot) else { return Weight::zero() };
		let opened = Self::opened(view, slot, Panel::First, committee);
		let elements: u32 = opened.iter().map(|(_, outputs)| Self::elements(outputs)).sum();
		let weight = T::WeightInfo::judge(view.workers.len() as u32, elements);
		let revealed = match Reveals::<T>::get(view.round, slot) {
			None => return weight.saturating_add(Self::fault(view, &stash, Fault::NoReveal)),
			Some(Reveal::BadProof { .. }) => {
				return weight.saturating_add(Self::fault(view, &stash, Fault::BadProof))
			}
			Some(Reveal::Valid(outputs)) => outputs,
		};
		let Some((spec, n)) = view.challenge(slot).filter(|_| !opened.is_empty()) else {
			Self::inconclusive(view, &stash, audit);
			return weight;
		};
		let tally = tally(&revealed, &opened, committee.len(), spec);
		match tally.verdict {
			Verdict::Pass if tally.against_worker.is_empty() => {
				Self::reward_verifiers(view, &stash, spec, audit, &tally.for_worker);
				Self::credit_pass(view.round, view.info, &stash, Some(spec), n, true);
			}
			Verdict::Pass | Verdict::Fail => Self::escalate(view, slot, &stash, audit),
			Verdict::Inconclusive => Self::inconclusive(view, &stash, audit),
		}
		weight
	}

	/// Draws the escalation committee of the audit of `slot`: `escalation_verifiers` seats by
	/// stake among the validators but the worker, from randomness taken now (after the first
	/// committee opened), so that its draw is independent of the first.
	fn escalate(
		view: &RoundView<T>,
		slot: Slot,
		stash: &T::AccountId,
		audit: &Audit<T::MaxVerifiers>,
	) {
		let Some(worker) = view.workers.get(slot as usize) else { return };
		let randomness = Self::fresh_randomness(b"escalation", view.round);
		let validators: Vec<(Slot, SeatWeight)> = (0..)
			.zip(view.workers.iter())
			.filter(|(_, w)| w.validator)
			.map(|(s, w)| (s, w.weight))
			.collect();
		let size = view
			.info
			.params
			.escalation_verifiers
			.max(audit.verifiers.len() as u32)
			.min(T::MaxVerifiers::get());
		let committee =
			draw_committee(&randomness, view.round, &worker.key, &validators, &slot, size);
		let verifiers: Vec<T::AccountId> =
			committee.iter().filter_map(|&s| view.stash(s)).collect();
		Escalations::<T>::insert(view.round, slot, BoundedVec::truncate_from(committee));
		Self::deposit_event(Event::Escalated {
			round: view.round,
			worker: stash.clone(),
			verifiers,
		});
	}

	/// The escalation committee's verdict on the audit of `slot`: final. Verifiers of either
	/// committee against a decided verdict are slashed; those for it are paid.
	fn judge_escalation(
		view: &RoundView<T>,
		slot: Slot,
		audit: &Audit<T::MaxVerifiers>,
		committee: &[Slot],
	) -> Weight {
		let Some(stash) = view.stash(slot) else { return Weight::zero() };
		let opened = Self::opened(view, slot, Panel::Escalation, committee);
		let first: Vec<(Slot, OpenedOutputs)> = audit
			.verifiers
			.iter()
			.filter_map(|&v| {
				let outputs =
					Verifications::<T>::get((view.round, slot, Panel::First, v))?.outputs?;
				Some((v, outputs))
			})
			.collect();
		let elements: u32 =
			opened.iter().chain(first.iter()).map(|(_, outputs)| Self::elements(outputs)).sum();
		let mut weight = T::WeightInfo::judge(view.workers.len() as u32, elements);
		let (Some(Reveal::Valid(revealed)), Some((spec, n))) =
			(Reveals::<T>::get(view.round, slot), view.challenge(slot))
		else {
			// Escalated audits had a valid reveal and a model; nothing else can be judged.
			return weight;
		};
		let escalated = tally(&revealed, &opened, committee.len(), spec);
		let verdict = escalated.verdict;
		if verdict == Verdict::Inconclusive || opened.is_empty() {
			Self::inconclusive(view, &stash, audit);
			return weight;
		}
		let first_tally = tally(&revealed, &first, audit.verifiers.len(), spec);
		let mut losers: Vec<Slot> = escalated.losers(verdict).to_vec();
		let mut winners: Vec<Slot> = escalated.winners(verdict).to_vec();
		for &verifier in first_tally.losers(verdict) {
			if !losers.contains(&verifier) {
				losers.push(verifier);
			}
		}
		for &verifier in first_tally.winners(verdict) {
			if !winners.contains(&verifier) && !losers.contains(&verifier) {
				winners.push(verifier);
			}
		}
		let fraction = view.info.params.verifier_slash;
		for verifier in losers {
			let Some(verifier) = view.stash(verifier) else { continue };
			T::Reputation::record(&verifier, RoundOutcome::Failed);
			Self::deposit_event(Event::VerifierSlashed {
				round: view.round,
				verifier: verifier.clone(),
				worker: stash.clone(),
			});
			weight.saturating_accrue(Self::report(
				view.round,
				view.workers,
				&verifier,
				OffenceKind::FalseVerification,
				fraction,
			));
		}
		Self::reward_verifiers(view, &stash, spec, audit, &winners);
		match verdict {
			Verdict::Pass => Self::credit_pass(view.round, view.info, &stash, Some(spec), n, true),
			_ => weight.saturating_accrue(Self::fault(view, &stash, Fault::OutsideTolerance)),
		}
		weight
	}

	/// Pays the verifiers whose outputs agreed with the final verdict for the samples they
	/// re-executed: `flops_per_sample × k / flops_per_point`, scaled by reputation.
	fn reward_verifiers(
		view: &RoundView<T>,
		worker: &T::AccountId,
		spec: &ModelSpec,
		audit: &Audit<T::MaxVerifiers>,
		winners: &[Slot],
	) {
		let k = audit.indices.len() as u32;
		for &verifier in winners {
			let Some(verifier) = view.stash(verifier) else { continue };
			let points = Self::work_points(view.info, &verifier, Some(spec), k);
			T::WorkPoints::note_work(&verifier, points);
			Self::deposit_event(Event::VerifierRewarded {
				round: view.round,
				verifier,
				worker: worker.clone(),
				points,
			});
		}
	}

	/// Points for `spec.flops × samples` of verified work by `who`, scaled by its reputation
	/// (at least 1).
	fn work_points(
		info: &RoundInfo<BlockNumberFor<T>>,
		who: &T::AccountId,
		spec: Option<&ModelSpec>,
		samples: u32,
	) -> u32 {
		let flops_per_point = info.params.flops_per_point.max(1);
		let work = spec.map_or(0u128, |s| u128::from(s.flops_per_sample) * u128::from(samples));
		let units = (work / u128::from(flops_per_point)).max(1);
		T::Reputation::reputation(who).mul_floor(u32::try_from(units).unwrap_or(u32::MAX)).max(1)
	}

	/// Credits a passed round: reputation, then points for `spec.flops × n` scaled by the new
	/// reputation.
	pub(crate) fn credit_pass(
		round: RoundIndex,
		info: &RoundInfo<BlockNumberFor<T>>,
		stash: &T::AccountId,
		spec: Option<&ModelSpec>,
		n: u32,
		audited: bool,
	) {
		T::Reputation::record(stash, RoundOutcome::Passed);
		let points = Self::work_points(info, stash, spec, n);
		T::WorkPoints::note_work(stash, points);
		Self::deposit_event(Event::Passed { round, worker: stash.clone(), audited, points });
	}

	/// A faulted worker: a failure on its record and a fraud offence. Returns the report's
	/// weight.
	fn fault(view: &RoundView<T>, stash: &T::AccountId, fault: Fault) -> Weight {
		T::Reputation::record(stash, RoundOutcome::Failed);
		Self::deposit_event(Event::Faulted { round: view.round, worker: stash.clone(), fault });
		let fraction = view.info.params.fraud_slash;
		Self::report(view.round, view.workers, stash, OffenceKind::Fraud, fraction)
	}

	/// An undecided audit: the worker's next committed round is audited by a larger committee.
	fn inconclusive(view: &RoundView<T>, stash: &T::AccountId, audit: &Audit<T::MaxVerifiers>) {
		let extra = audit.extra_verifiers.saturating_add(view.info.params.reaudit_extra_verifiers);
		ReAudits::<T>::insert(stash, extra);
		Self::deposit_event(Event::Inconclusive { round: view.round, worker: stash.clone() });
	}

	/// Reports `offender`'s offence in `round` to the offence handler. Returns the weight of
	/// the report ([`Config::OffenceReportWeight`] when one was made).
	pub(crate) fn report(
		round: RoundIndex,
		workers: &[RoundWorker<T::AccountId>],
		offender: &T::AccountId,
		kind: OffenceKind,
		fraction: sp_runtime::Perbill,
	) -> Weight {
		let Some(offender) = T::IdentifyOffender::convert(offender.clone()) else {
			return Weight::zero();
		};
		let offence = ChallengeOffence {
			kind,
			round,
			session_index: round,
			validator_set_count: workers.iter().filter(|w| w.validator).count() as u32,
			offender,
			fraction,
		};
		if let Err(error) = T::ReportOffence::report_offence(Vec::new(), offence) {
			log::warn!(target: crate::LOG_TARGET, "offence of round {round} not reported: {error:?}");
		}
		T::OffenceReportWeight::get()
	}
}
