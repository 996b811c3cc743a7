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

use super::{congestion::Congestion, context::RoundContext};
use crate::scorecard::{median_distance, Entry};
use crate::{
	pallet::*, Audit, ChallengeOffence, Fault, OffenceKind, Reveal, RoundInfo, Seat, Vote,
	WeightInfo,
};
use alloc::vec::Vec;
use frame_support::{pallet_prelude::*, BoundedVec};
use frame_system::pallet_prelude::BlockNumberFor;
use poai_primitives::{
	committee_verdict, draw_committee, fp32_work, Distance, ModelSpec, OpenedOutputs, Panel,
	ReputationProvider, ReputationRecorder, RoundOutcome, TierRegistry, TierSpec, Verdict,
	WorkPointsRecorder,
};
use sp_runtime::traits::Convert;
use sp_staking::offence::ReportOffence;

/// What a committee's opened outputs say about the worker's revealed ones.
pub(crate) struct Tally {
	/// The committee's verdict (a strict majority of the whole drawn committee decides).
	pub verdict: Verdict,
	/// The verifiers whose outputs agree with the worker's on every opened sample.
	pub for_worker: Vec<Seat>,
	/// The verifiers whose outputs disagree with the worker's on some opened sample.
	pub against_worker: Vec<Seat>,
	/// Every verifier that opened, whether it agrees everywhere, and its largest distances.
	pub votes: Vec<(Seat, bool, Distance)>,
}

impl Tally {
	/// The verifiers against `verdict`, if it is decided.
	fn losers(&self, verdict: Verdict) -> &[Seat] {
		match verdict {
			Verdict::Pass => &self.against_worker,
			Verdict::Fail => &self.for_worker,
			Verdict::Inconclusive => &[],
		}
	}

	/// The verifiers for `verdict`, if it is decided.
	fn winners(&self, verdict: Verdict) -> &[Seat] {
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
	opened: &[(Seat, OpenedOutputs)],
	committee: usize,
	spec: &ModelSpec,
) -> Tally {
	let mut verdict = Verdict::Pass;
	let mut agrees_everywhere = alloc::vec![true; opened.len()];
	let mut distances = alloc::vec![Distance::default(); opened.len()];
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
		for (worst, distance) in distances.iter_mut().zip(report.distances) {
			*worst = worst.worst(distance);
		}
	}
	let (mut for_worker, mut against_worker) = (Vec::new(), Vec::new());
	for ((seat, _), &agrees) in opened.iter().zip(&agrees_everywhere) {
		if agrees {
			for_worker.push(*seat);
		} else {
			against_worker.push(*seat);
		}
	}
	let votes = opened
		.iter()
		.zip(agrees_everywhere)
		.zip(distances)
		.map(|(((seat, _), agrees), distance)| (*seat, agrees, distance))
		.collect();
	Tally { verdict, for_worker, against_worker, votes }
}

impl<T: Config> Pallet<T> {
	/// Judges up to the budget's audits of `panel` from seat `next`; `None` when the snapshot
	/// is done.
	pub(super) fn judge_chunk(
		context: &RoundContext<T>,
		panel: Panel,
		next: Seat,
		windows: (BlockNumberFor<T>, BlockNumberFor<T>),
		judgements: &mut u32,
	) -> (Option<Seat>, Weight) {
		let round = context.round;
		let full_blocks = FullBlocks::<T>::get();
		let congested =
			Congestion::of::<T>(&full_blocks, context.info.params.verify_window, windows);
		let total = context.workers.len() as Seat;
		let mut weight = T::DbWeight::get().reads(3);
		let mut seat = next;
		while seat < total && *judgements > 0 {
			weight.saturating_accrue(T::DbWeight::get().reads(1));
			let judged = match panel {
				Panel::First => Audits::<T>::get(round, seat).map(|audit| {
					let verifiers = audit.verifiers.clone();
					Self::judge_first(context, congested, seat, &audit, &verifiers)
				}),
				Panel::Escalation => Escalations::<T>::get(round, seat).and_then(|committee| {
					let audit = Audits::<T>::get(round, seat)?;
					Some(Self::judge_escalation(context, congested, seat, &audit, &committee))
				}),
			};
			if let Some(used) = judged {
				// The judged worker's scorecard, beyond the measured `judge`.
				weight
					.saturating_accrue(used.saturating_add(T::DbWeight::get().reads_writes(1, 1)));
				*judgements -= 1;
			}
			seat += 1;
		}
		((seat < total).then_some(seat), weight)
	}

	/// The opened outputs of `panel`'s `committee` for the audit of `seat`; the verifiers that
	/// did not commit or did not open are recorded as missing.
	fn opened(
		context: &RoundContext<T>,
		congested: Congestion,
		seat: Seat,
		panel: Panel,
		committee: &[Seat],
	) -> Vec<(Seat, OpenedOutputs)> {
		let mut opened = Vec::new();
		for &verifier in committee {
			let record = Verifications::<T>::get((context.round, seat, panel, verifier));
			let committed = record.is_some();
			match record.and_then(|v| v.outputs) {
				Some(outputs) => opened.push((verifier, outputs)),
				None => {
					let Some((stash, worker)) = context.stash(verifier).zip(context.stash(seat))
					else {
						continue;
					};
					let excused =
						if committed { congested.open_window } else { congested.commit_window };
					if excused {
						Self::deposit_event(Event::VerifierExcused {
							round: context.round,
							verifier: stash,
							worker,
						});
						continue;
					}
					T::Reputation::record(&stash, RoundOutcome::Missed);
					Self::deposit_event(Event::VerifierMissed {
						round: context.round,
						verifier: stash,
						worker,
					});
				}
			}
		}
		opened
	}

	/// The first committee's verdict on the audit of `seat`: final when it passes with every
	/// opened output agreeing, or is undecided; a failing or disputed verdict is escalated.
	fn judge_first(
		context: &RoundContext<T>,
		congested: Congestion,
		seat: Seat,
		audit: &Audit<T::MaxVerifiers>,
		committee: &[Seat],
	) -> Weight {
		let Some(stash) = context.stash(seat) else { return Weight::zero() };
		let opened = Self::opened(context, congested, seat, Panel::First, committee);
		let elements: u32 = opened.iter().map(|(_, outputs)| Self::elements(outputs)).sum();
		let weight = T::WeightInfo::judge(context.workers.len() as u32, elements);
		let revealed = match Reveals::<T>::get(context.round, seat) {
			None => {
				Self::score_audit(context, seat, false, None);
				return weight.saturating_add(Self::fault(context, &stash, Fault::NoReveal));
			}
			Some(Reveal::BadProof { .. }) => {
				Self::score_audit(context, seat, false, None);
				return weight.saturating_add(Self::fault(context, &stash, Fault::BadProof));
			}
			Some(Reveal::Valid(outputs)) => outputs,
		};
		let Some((spec, n, tier)) =
			context.assignment(seat).map(|a| (a.spec, a.n, a.tier)).filter(|_| !opened.is_empty())
		else {
			Self::inconclusive(context, &stash, audit);
			return weight;
		};
		let tally = tally(&revealed, &opened, committee.len(), spec);
		Self::judged(context, &stash, Panel::First, &tally);
		match tally.verdict {
			Verdict::Pass if tally.against_worker.is_empty() => {
				Self::score_audit(context, seat, true, Some(&tally));
				let tier = T::Tiers::tier(tier);
				Self::reward_verifiers(
					context,
					&stash,
					spec,
					tier.as_ref(),
					audit,
					&tally.for_worker,
				);
				Self::credit_pass(context, &stash, fp32_work(spec, n, tier.as_ref()), true);
				// The tier read that priced the work.
				return weight.saturating_add(T::DbWeight::get().reads(1));
			}
			Verdict::Pass | Verdict::Fail => Self::escalate(context, seat, &stash, audit),
			Verdict::Inconclusive => Self::inconclusive(context, &stash, audit),
		}
		weight
	}

	/// Records a decided audit of `seat` on its scorecard, with the deciding committee's median
	/// distance when a committee decided it.
	fn score_audit(context: &RoundContext<T>, seat: Seat, passed: bool, deciding: Option<&Tally>) {
		let Some(worker) = context.worker(seat) else { return };
		let distance = deciding.map(|tally| {
			let distances: Vec<Distance> = tally.votes.iter().map(|&(_, _, d)| d).collect();
			median_distance(&distances)
		});
		let entry =
			if passed { Entry::AuditPassed(distance) } else { Entry::AuditFailed(distance) };
		Self::score(&worker.stash, worker.tier, context.round, entry);
	}

	/// Records `panel`'s judgement of `worker`'s audit with each vote's evidence.
	fn judged(context: &RoundContext<T>, worker: &T::AccountId, panel: Panel, tally: &Tally) {
		let votes = tally
			.votes
			.iter()
			.filter_map(|&(seat, agrees, distance)| {
				Some(Vote { verifier: context.stash(seat)?, agrees, distance })
			})
			.collect();
		Self::deposit_event(Event::Judged {
			round: context.round,
			worker: worker.clone(),
			panel,
			verdict: tally.verdict,
			votes,
		});
	}

	/// Draws the escalation committee of the audit of `seat`: `escalation_verifiers` seats by
	/// stake among the validators but the worker, from randomness taken now (after the first
	/// committee opened), so that its draw is independent of the first.
	fn escalate(
		context: &RoundContext<T>,
		seat: Seat,
		stash: &T::AccountId,
		audit: &Audit<T::MaxVerifiers>,
	) {
		let Some(worker) = context.worker(seat) else { return };
		let randomness = Self::fresh_randomness(b"escalation", context.round);
		let seats = context.verifier_seats();
		let size = context
			.info
			.params
			.escalation_verifiers
			.max(audit.verifiers.len() as u32)
			.min(T::MaxVerifiers::get());
		let committee =
			draw_committee(&randomness, context.round, &worker.key, &seats, &seat, size);
		let verifiers: Vec<T::AccountId> =
			committee.iter().filter_map(|&s| context.stash(s)).collect();
		Escalations::<T>::insert(context.round, seat, BoundedVec::truncate_from(committee));
		Self::deposit_event(Event::Escalated {
			round: context.round,
			worker: stash.clone(),
			verifiers,
		});
	}

	/// The escalation committee's verdict on the audit of `seat`: final. Verifiers of either
	/// committee against a decided verdict are slashed; those for it are paid.
	fn judge_escalation(
		context: &RoundContext<T>,
		congested: Congestion,
		seat: Seat,
		audit: &Audit<T::MaxVerifiers>,
		committee: &[Seat],
	) -> Weight {
		let Some(stash) = context.stash(seat) else { return Weight::zero() };
		let opened = Self::opened(context, congested, seat, Panel::Escalation, committee);
		let first: Vec<(Seat, OpenedOutputs)> = audit
			.verifiers
			.iter()
			.filter_map(|&v| {
				let outputs =
					Verifications::<T>::get((context.round, seat, Panel::First, v))?.outputs?;
				Some((v, outputs))
			})
			.collect();
		let elements: u32 =
			opened.iter().chain(first.iter()).map(|(_, outputs)| Self::elements(outputs)).sum();
		let mut weight = T::WeightInfo::judge(context.workers.len() as u32, elements);
		let (Some(Reveal::Valid(revealed)), Some((spec, n, tier))) = (
			Reveals::<T>::get(context.round, seat),
			context.assignment(seat).map(|a| (a.spec, a.n, a.tier)),
		) else {
			// Escalated audits had a valid reveal and a model; nothing else can be judged.
			return weight;
		};
		let escalated = tally(&revealed, &opened, committee.len(), spec);
		if !opened.is_empty() {
			Self::judged(context, &stash, Panel::Escalation, &escalated);
		}
		let verdict = escalated.verdict;
		if verdict == Verdict::Inconclusive || opened.is_empty() {
			Self::inconclusive(context, &stash, audit);
			return weight;
		}
		let first_tally = tally(&revealed, &first, audit.verifiers.len(), spec);
		let mut losers: Vec<Seat> = escalated.losers(verdict).to_vec();
		let mut winners: Vec<Seat> = escalated.winners(verdict).to_vec();
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
		let fraction = context.info.params.verifier_slash;
		for verifier in losers {
			let Some(verifier) = context.stash(verifier) else { continue };
			T::Reputation::record(&verifier, RoundOutcome::Failed);
			Self::deposit_event(Event::VerifierSlashed {
				round: context.round,
				verifier: verifier.clone(),
				worker: stash.clone(),
			});
			weight.saturating_accrue(Self::report(
				context,
				&verifier,
				OffenceKind::FalseVerification,
				fraction,
			));
		}
		let tier = T::Tiers::tier(tier);
		Self::reward_verifiers(context, &stash, spec, tier.as_ref(), audit, &winners);
		Self::score_audit(context, seat, verdict == Verdict::Pass, Some(&escalated));
		match verdict {
			Verdict::Pass => {
				Self::credit_pass(context, &stash, fp32_work(spec, n, tier.as_ref()), true)
			}
			_ => weight.saturating_accrue(Self::fault(context, &stash, Fault::OutsideTolerance)),
		}
		// The tier read that priced the work.
		weight.saturating_add(T::DbWeight::get().reads(1))
	}

	/// Pays the verifiers whose outputs agreed with the final verdict for the samples they
	/// re-executed: the work of `k` samples at the worker's tier / `flops_per_point`, scaled by
	/// reputation.
	fn reward_verifiers(
		context: &RoundContext<T>,
		worker: &T::AccountId,
		spec: &ModelSpec,
		tier: Option<&TierSpec>,
		audit: &Audit<T::MaxVerifiers>,
		winners: &[Seat],
	) {
		let k = audit.indices.len() as u32;
		let work = fp32_work(spec, k, tier);
		for &verifier in winners {
			let Some(verifier) = context.stash(verifier) else { continue };
			let points = Self::work_points(&context.info, &verifier, work);
			T::WorkPoints::note_work(&verifier, points);
			Self::deposit_event(Event::VerifierRewarded {
				round: context.round,
				verifier,
				worker: worker.clone(),
				points,
			});
		}
	}

	/// Points for `work` fp32 operations of verified work by `who`, scaled by its reputation
	/// (at least 1).
	fn work_points(info: &RoundInfo<BlockNumberFor<T>>, who: &T::AccountId, work: u128) -> u32 {
		let flops_per_point = info.params.flops_per_point.max(1);
		let units = (work / u128::from(flops_per_point)).max(1);
		T::Reputation::reputation(who).mul_floor(u32::try_from(units).unwrap_or(u32::MAX)).max(1)
	}

	/// Credits a passed round: reputation, then points for its `work` (fp32 operations:
	/// [`fp32_work`] at the worker's tier) scaled by the new reputation.
	pub(super) fn credit_pass(
		context: &RoundContext<T>,
		stash: &T::AccountId,
		work: u128,
		audited: bool,
	) {
		T::Reputation::record(stash, RoundOutcome::Passed);
		let points = Self::work_points(&context.info, stash, work);
		T::WorkPoints::note_work(stash, points);
		Self::deposit_event(Event::Passed {
			round: context.round,
			worker: stash.clone(),
			audited,
			points,
		});
	}

	/// A faulted worker: a failure on its record and a fraud offence. Returns the report's
	/// weight.
	fn fault(context: &RoundContext<T>, stash: &T::AccountId, fault: Fault) -> Weight {
		T::Reputation::record(stash, RoundOutcome::Failed);
		Self::deposit_event(Event::Faulted { round: context.round, worker: stash.clone(), fault });
		let fraction = context.info.params.fraud_slash;
		Self::report(context, stash, OffenceKind::Fraud, fraction)
	}

	/// An undecided audit: the worker's next committed round is audited by a larger committee.
	fn inconclusive(
		context: &RoundContext<T>,
		stash: &T::AccountId,
		audit: &Audit<T::MaxVerifiers>,
	) {
		let extra =
			audit.extra_verifiers.saturating_add(context.info.params.reaudit_extra_verifiers);
		ReAudits::<T>::insert(stash, extra);
		Self::deposit_event(Event::Inconclusive { round: context.round, worker: stash.clone() });
	}

	/// Reports `offender`'s offence in `round` to the offence handler. Returns the weight of
	/// the report ([`Config::OffenceReportWeight`] when one was made).
	pub(super) fn report(
		context: &RoundContext<T>,
		offender: &T::AccountId,
		kind: OffenceKind,
		fraction: sp_runtime::Perbill,
	) -> Weight {
		let Some(offender) = T::IdentifyOffender::convert(offender.clone()) else {
			return Weight::zero();
		};
		let round = context.round;
		let offence = ChallengeOffence {
			kind,
			round,
			validator_set_count: context.validator_count(),
			offender,
			fraction,
		};
		if let Err(error) = T::ReportOffence::report_offence(Vec::new(), offence) {
			log::warn!(target: crate::LOG_TARGET, "offence of round {round} not reported: {error:?}");
		}
		T::OffenceReportWeight::get()
	}
}
