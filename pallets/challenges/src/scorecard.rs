//! Each worker's scorecard: the chain's own record of how it answers its challenges — rounds
//! committed and missed, audits passed and failed, the latency of its commitments measured from
//! the blocks (issue to inclusion, never the wall time the worker reports), and the distances
//! of its outputs from its committees' — kept with a decay so that it reflects recent rounds and
//! stays one bounded record per worker.
//!
//! Counts are in milli-rounds: one round adds [`UNIT`], and everything recorded loses
//! `⌈x/`[`FORGET_DIVISOR`]`⌉` per round since the last update (it keeps about 15/16: a
//! half-life of about eleven rounds). Latency is a decayed histogram over [`LATENCY_BUCKETS`] block counts,
//! from which the median is read and compared with the median of the worker's hardware tier.

use crate::pallet::*;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use poai_primitives::{Distance, SessionIndex, TierId};
use scale_info::TypeInfo;

/// What one round adds to a count.
pub const UNIT: u32 = 1_000;
/// Latencies of `0 ..= LATENCY_BUCKETS − 2` blocks have a bucket each; the last bucket holds
/// every longer one (deadlines are a few blocks; a commitment is never later than its deadline).
pub const LATENCY_BUCKETS: usize = 16;
/// The decay per round: `x ← x − ⌈x/16⌉`, about 15/16 of what was recorded is kept, and a
/// small remainder does not linger for ever.
pub const FORGET_DIVISOR: u32 = 16;
/// Rounds after which anything recorded has decayed to nothing: `x − ⌈x/16⌉` takes at most
/// ≈ 16 · ln(2^32) + 16 ≈ 372 steps from `u32::MAX` to zero.
const MAX_DECAY_STEPS: u32 = 512;

/// A worker's decayed record of its recent rounds ([`Scorecards`]).
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct Scorecard {
	/// The hardware tier it declared in the last round recorded.
	pub tier: TierId,
	/// The last round recorded: the decay runs from it.
	pub round: SessionIndex,
	/// Rounds committed in time, in milli-rounds, decayed.
	pub committed: u32,
	/// Rounds missed (no commitment by the tier deadline), in milli-rounds, decayed.
	pub missed: u32,
	/// Audits passed, in milli-rounds, decayed.
	pub audits_passed: u32,
	/// Audits failed (a fault), in milli-rounds, decayed.
	pub audits_failed: u32,
	/// Commit latency, blocks from the round's issue to the commitment's inclusion: a decayed
	/// histogram, bucket `b` counting latencies of `b` blocks (the last bucket, also longer).
	pub latency: [u32; LATENCY_BUCKETS],
	/// The largest distances between its outputs and its deciding committees' seen in audits
	/// (the per-figure median of each deciding committee's votes), decayed.
	pub worst_distance: Distance,
}

/// `x` after `steps` rounds of decay (about `x · (15/16)^steps`).
fn decayed(mut x: u32, steps: u32) -> u32 {
	if steps >= MAX_DECAY_STEPS {
		return 0;
	}
	for _ in 0..steps {
		if x == 0 {
			break;
		}
		x -= x.div_ceil(FORGET_DIVISOR);
	}
	x
}

impl Scorecard {
	/// The record as of `round`: everything decayed for the rounds since the last update.
	fn at(mut self, round: SessionIndex, tier: TierId) -> Self {
		let steps = round.saturating_sub(self.round);
		if steps > 0 {
			let decay = |x: &mut u32| *x = decayed(*x, steps);
			decay(&mut self.committed);
			decay(&mut self.missed);
			decay(&mut self.audits_passed);
			decay(&mut self.audits_failed);
			self.latency.iter_mut().for_each(decay);
			decay(&mut self.worst_distance.rel_l2_ppm);
			decay(&mut self.worst_distance.max_abs_ppm);
		}
		self.round = self.round.max(round);
		self.tier = tier;
		self
	}

	/// The median latency in blocks, `None` without a commitment on record.
	pub fn median_latency(&self) -> Option<u32> {
		median(&self.latency)
	}
}

/// The bucket holding the middle of `histogram`'s weight.
pub fn median(histogram: &[u32; LATENCY_BUCKETS]) -> Option<u32> {
	let total: u64 = histogram.iter().map(|&c| u64::from(c)).sum();
	if total == 0 {
		return None;
	}
	let mut seen = 0u64;
	for (bucket, &count) in histogram.iter().enumerate() {
		seen += u64::from(count);
		if seen * 2 >= total {
			return Some(bucket as u32);
		}
	}
	None
}

/// The per-figure median of a committee's distances (the lower median for an even count): a
/// minority of framing or colluding verifiers does not move it.
pub(crate) fn median_distance(distances: &[Distance]) -> Distance {
	let mut rel: alloc::vec::Vec<u32> = distances.iter().map(|d| d.rel_l2_ppm).collect();
	let mut abs: alloc::vec::Vec<u32> = distances.iter().map(|d| d.max_abs_ppm).collect();
	rel.sort_unstable();
	abs.sort_unstable();
	let middle = |v: &[u32]| v.get(v.len().saturating_sub(1) / 2).copied().unwrap_or_default();
	Distance { rel_l2_ppm: middle(&rel), max_abs_ppm: middle(&abs) }
}

/// What the runtime API returns for a worker: its scorecard read as of now, beside the median
/// latency of every worker of its tier.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct ScorecardSummary {
	/// The record itself.
	pub scorecard: Scorecard,
	/// Its median commit latency, in blocks.
	pub median_latency: Option<u32>,
	/// The median commit latency of all the workers whose last round declared the same tier.
	pub tier_median_latency: Option<u32>,
}

/// How a round went for a worker, as the scorecard records it.
pub(crate) enum Entry {
	/// Committed, `latency` blocks after the round was issued.
	Committed { latency: u32 },
	/// No commitment by the deadline.
	Missed,
	/// An audit passed, with the deciding committee's median distance when one judged.
	AuditPassed(Option<Distance>),
	/// An audit failed, with the deciding committee's median distance when one judged.
	AuditFailed(Option<Distance>),
}

impl<T: Config> Pallet<T> {
	/// Records `entry` of `round` on `who`'s scorecard.
	pub(crate) fn score(who: &T::AccountId, tier: TierId, round: SessionIndex, entry: Entry) {
		Scorecards::<T>::mutate(who, |card| {
			let mut updated = card.take().unwrap_or_default().at(round, tier);
			let add = |x: &mut u32| *x = x.saturating_add(UNIT);
			let worst = |card: &mut Scorecard, d: Option<Distance>| {
				if let Some(d) = d {
					card.worst_distance = card.worst_distance.worst(d);
				}
			};
			match entry {
				Entry::Committed { latency } => {
					add(&mut updated.committed);
					let bucket = (latency as usize).min(LATENCY_BUCKETS - 1);
					add(&mut updated.latency[bucket]);
				}
				Entry::Missed => add(&mut updated.missed),
				Entry::AuditPassed(d) => {
					add(&mut updated.audits_passed);
					worst(&mut updated, d);
				}
				Entry::AuditFailed(d) => {
					add(&mut updated.audits_failed);
					worst(&mut updated, d);
				}
			}
			*card = Some(updated);
		});
	}

	/// `who`'s scorecard as of the current round, with its tier's median latency; `None` for
	/// a worker never recorded. What the runtime API returns.
	pub fn scorecard(who: &T::AccountId) -> Option<ScorecardSummary> {
		let card = Scorecards::<T>::get(who)?;
		let now = LastRound::<T>::get().unwrap_or(card.round);
		let card = card.clone().at(now, card.tier);
		let mut tier_latency = [0u32; LATENCY_BUCKETS];
		for (_, other) in Scorecards::<T>::iter().filter(|(_, c)| c.tier == card.tier) {
			let other = other.at(now, card.tier);
			for (sum, count) in tier_latency.iter_mut().zip(other.latency) {
				*sum = sum.saturating_add(count);
			}
		}
		Some(ScorecardSummary {
			median_latency: card.median_latency(),
			tier_median_latency: median(&tier_latency),
			scorecard: card,
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn decay_keeps_fifteen_sixteenths_per_round_and_reaches_zero() {
		assert_eq!(decayed(16_000, 1), 15_000);
		assert_eq!(decayed(1_000, 0), 1_000);
		// Rounded in favour of forgetting: a small count does not linger for ever.
		assert_eq!(decayed(1, 1), 0);
		assert_eq!(decayed(u32::MAX, MAX_DECAY_STEPS - 1), 0);
		assert_eq!(decayed(u32::MAX, u32::MAX), 0);
		// About eleven rounds halve a count.
		assert!((450..=560).contains(&decayed(1_000, 11)), "{}", decayed(1_000, 11));
	}

	#[test]
	fn the_median_is_the_bucket_holding_half_the_weight() {
		let mut histogram = [0u32; LATENCY_BUCKETS];
		assert_eq!(median(&histogram), None);
		histogram[2] = 1_000;
		histogram[5] = 3_000;
		assert_eq!(median(&histogram), Some(5));
		histogram[2] = 3_000;
		assert_eq!(median(&histogram), Some(2));
		histogram[15] = u32::MAX;
		assert_eq!(median(&histogram), Some(15));
	}

	#[test]
	fn a_framing_minority_does_not_move_the_median_distance() {
		let d = |rel_l2_ppm, max_abs_ppm| Distance { rel_l2_ppm, max_abs_ppm };
		let votes = [d(3, 10), d(u32::MAX, u32::MAX), d(5, 2)];
		assert_eq!(median_distance(&votes), d(5, 10));
		assert_eq!(median_distance(&[]), Distance::default());
	}
}
