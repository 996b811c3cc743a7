//! The audit draw: after the commit window, each seat with a commitment is audited (with a
//! committee drawn by stake) or passes; a seat without one missed the round.

use super::{context::RoundContext, Budget};
use crate::{pallet::*, scorecard::Entry, Audit, OffenceKind, Seat, WeightInfo};
use frame_support::{pallet_prelude::*, traits::Get, BoundedVec};
use poai_primitives::{
	audit_indices, draw_committee, fp32_work, is_audited, ReputationRecorder, RoundOutcome,
	SeatWeight, TierRegistry, WorkerRegistry,
};
use sp_runtime::{SaturatedConversion, Saturating};

impl<T: Config> Pallet<T> {
	/// Draws the audits of up to the budget's workers from seat `next`. `Ok(audits)` when the
	/// snapshot is done (with the number of audits drawn in the round), `Err(next)` otherwise.
	pub(super) fn draw_chunk(
		context: &RoundContext<T>,
		next: Seat,
		budget: &mut Budget,
	) -> (Result<u32, Seat>, Weight) {
		let total = context.workers.len() as Seat;
		let end = next.saturating_add(budget.draws).min(total);
		let mut weight = T::WeightInfo::draw(total, end - next);
		// Each drawn seat's scorecard, read and written (beyond the measured `draw`).
		weight.saturating_accrue(
			T::DbWeight::get().reads_writes(1, 1).saturating_mul((end - next).into()),
		);
		// Once per chunk rather than per audit.
		let verifiers = context.verifier_seats();
		for seat in next..end {
			weight.saturating_accrue(Self::draw_one(context, &verifiers, seat));
		}
		budget.draws = budget.draws.saturating_sub(end - next);
		if end < total {
			return (Err(end), weight);
		}
		let audits = Audits::<T>::iter_prefix(context.round).count() as u32;
		weight.saturating_accrue(T::DbWeight::get().reads(audits.into()));
		(Ok(audits), weight)
	}

	/// The audit draw of one worker: a miss without a commitment; otherwise audited with
	/// probability `p` (always after an inconclusive audit), or passed. Returns the weight
	/// beyond [`WeightInfo::draw`]'s per-seat worst case (a miss reports an offence).
	fn draw_one(context: &RoundContext<T>, verifiers: &[(Seat, SeatWeight)], seat: Seat) -> Weight {
		let (round, info) = (context.round, &context.info);
		let Some(worker) = context.worker(seat) else { return Weight::zero() };
		let Some(assignment) = context.assignment_of(worker) else {
			// No model serves its tier: nothing was asked, nothing is owed.
			return Weight::zero();
		};
		let Some(commitment) = Commitments::<T>::get(round, seat) else {
			return Self::note_miss(context, seat);
		};
		MissStreaks::<T>::remove(&worker.stash);
		// The chain's own measure of how fast the worker answered: from the block that issued
		// the round to the block that included the commitment, whatever wall time it reported.
		let latency = commitment.at.saturating_sub(info.start).saturated_into::<u32>();
		Self::score(&worker.stash, worker.tier, round, Entry::Committed { latency });
		let randomness = info.audit_randomness.unwrap_or(info.randomness);
		let extra = ReAudits::<T>::take(&worker.stash);
		let audited = extra.is_some()
			|| is_audited(&randomness, round, &worker.key, info.params.audit_probability);
		if audited {
			let extra = extra.unwrap_or_default();
			let size = info.params.verifiers.saturating_add(extra).min(T::MaxVerifiers::get());
			let committee = draw_committee(&randomness, round, &worker.key, verifiers, &seat, size);
			if !committee.is_empty() {
				let indices = audit_indices(
					&randomness,
					round,
					&worker.key,
					commitment.n,
					info.params.audit_samples,
				);
				let verifiers = BoundedVec::truncate_from(committee);
				let stashes = verifiers.iter().filter_map(|&s| context.stash(s)).collect();
				Self::deposit_event(Event::Audited {
					round,
					worker: worker.stash.clone(),
					indices: indices.clone(),
					verifiers: stashes,
				});
				Audits::<T>::insert(
					round,
					seat,
					Audit { indices, verifiers, extra_verifiers: extra },
				);
				return Weight::zero();
			}
			// Nobody else validates: the round cannot be audited, so it passes unverified.
		}
		let tier = T::Tiers::tier(assignment.tier);
		let work = fp32_work(assignment.spec, assignment.n, tier.as_ref());
		Self::credit_pass(context, &worker.stash, work, false);
		// The tier read that priced the work.
		T::DbWeight::get().reads(1)
	}

	/// A missed round: recorded, and reported as an offence once the streak reaches the limit.
	fn note_miss(context: &RoundContext<T>, seat: Seat) -> Weight {
		let (round, info) = (context.round, &context.info);
		let Some(worker) = context.worker(seat) else { return Weight::zero() };
		T::Reputation::record(&worker.stash, RoundOutcome::Missed);
		Self::score(&worker.stash, worker.tier, round, Entry::Missed);
		let streak = MissStreaks::<T>::get(&worker.stash).unwrap_or_default().saturating_add(1);
		Self::deposit_event(Event::Missed { round, worker: worker.stash.clone(), streak });
		let limit = info.params.misses_before_slash;
		if limit > 0 && streak >= limit {
			// An offline node stops being challenged at once (it would only miss again), and
			// is slashed for misses at most once per period however often its operator
			// declares it again: a node offline for days loses `miss_slash` per period.
			MissStreaks::<T>::remove(&worker.stash);
			T::Workers::suspend(&worker.stash);
			let period = T::MissSlashPeriod::get();
			let slashed_lately = MissSlashes::<T>::get(&worker.stash)
				.is_some_and(|last| round < last.saturating_add(period));
			// `draw_missed` measures the report; the suspension reads and writes staking's
			// candidate and the period's record besides.
			let mut weight =
				T::WeightInfo::draw_missed().saturating_add(T::DbWeight::get().reads_writes(2, 2));
			if !slashed_lately {
				MissSlashes::<T>::insert(&worker.stash, round);
				weight.saturating_accrue(Self::report(
					context,
					&worker.stash,
					OffenceKind::RepeatedMisses,
					info.params.miss_slash,
				));
			}
			Self::deposit_event(Event::Suspended {
				round,
				worker: worker.stash.clone(),
				reported: !slashed_lately,
			});
			return weight;
		}
		MissStreaks::<T>::insert(&worker.stash, streak);
		T::WeightInfo::draw_missed()
	}
}
