//! The audit draw: whether a worker is audited, which samples it opens, who verifies them.
//!
//! Every draw comes from `randomness` fresh at the end of the commit window, which the worker
//! cannot know when it commits: a worker that skips part of the work is caught with probability
//! `p · (1 − (1 − f)^k)` for a skipped fraction `f` (Proof of Sampling). Each draw has its own
//! tagged stream, `SeedRng(blake2_256(tag ‖ randomness ‖ round_u32 ‖ worker))`, so the draws are
//! independent of each other and of the challenge seed, even if the runtime were to pass the
//! randomness the challenge was issued with.

use crate::{
	ids::{Randomness, SampleIndex, SessionIndex},
	seed::SeedRng,
	WorkerId,
};
use alloc::vec::Vec;
use codec::Encode;
use sp_core::ConstU32;
use sp_io::hashing::blake2_256;
use sp_runtime::{BoundedVec, PerThing, Perbill};

/// Most samples one audit opens; bounds the indices, reveals and re-executions of an audit.
pub const MAX_AUDIT_SAMPLES: u32 = 64;

/// The sample indices an audit opens: distinct, sorted, at most [`MAX_AUDIT_SAMPLES`].
pub type AuditIndices = BoundedVec<SampleIndex, ConstU32<MAX_AUDIT_SAMPLES>>;

/// Tag of the stream deciding whether a worker is audited.
const DECISION_TAG: [u8; 19] = *b"poai/audit-decision";
/// Tag of the stream picking the opened samples.
const INDICES_TAG: [u8; 18] = *b"poai/audit-indices";
/// Tag of the stream drawing the verifiers.
const VERIFIERS_TAG: [u8; 14] = *b"poai/verifiers";

/// The stream `tag` for `worker` in `round`.
fn stream<const N: usize>(
	tag: [u8; N],
	randomness: &Randomness,
	round: SessionIndex,
	worker: &WorkerId,
) -> SeedRng {
	SeedRng::new((tag, randomness, round, worker).using_encoded(blake2_256))
}

/// Whether `worker` is audited in `round`: true with probability `probability` (exactly, up to
/// a bias below `2^-32`). `Perbill::one()` audits always, `Perbill::zero()` never.
pub fn is_audited(
	randomness: &Randomness,
	round: SessionIndex,
	worker: &WorkerId,
	probability: Perbill,
) -> bool {
	let draw = stream(DECISION_TAG, randomness, round, worker).below(Perbill::ACCURACY);
	draw < probability.deconstruct()
}

/// The `k` sample indices of `worker`'s batch of `n` that an audit in `round` opens: distinct,
/// in `0..n`, sorted ascending; `k` is clamped to `n` and to [`MAX_AUDIT_SAMPLES`].
///
/// Every `k`-subset is equally likely (Floyd's algorithm: exactly `k` draws, no rejection loop,
/// so the runtime's cost is bounded by `O(k²)` with `k ≤ 64`).
pub fn audit_indices(
	randomness: &Randomness,
	round: SessionIndex,
	worker: &WorkerId,
	n: u32,
	k: u32,
) -> AuditIndices {
	let k = k.min(n).min(MAX_AUDIT_SAMPLES);
	let mut rng = stream(INDICES_TAG, randomness, round, worker);
	let mut chosen: Vec<SampleIndex> = Vec::with_capacity(k as usize);
	// Floyd: for j in n−k..n, draw t in 0..=j; take t, or j if t is taken. Every earlier pick
	// is below j, so j itself is always free.
	for j in n - k..n {
		let t = rng.below(j.saturating_add(1));
		let pick = if chosen.binary_search(&t).is_ok() { j } else { t };
		if let Err(position) = chosen.binary_search(&pick) {
			chosen.insert(position, pick);
		}
	}
	// `k ≤ MAX_AUDIT_SAMPLES`, so nothing is truncated.
	AuditIndices::truncate_from(chosen)
}

/// A candidate's weight in the committee draws: its stake, as staking's vote weight.
pub type SeatWeight = u64;

/// Draws up to `r` verifiers for `worker`'s audit in `round` among `candidates`, never
/// `exclude` (the audited worker itself): every seat goes to a candidate not drawn yet with
/// probability proportional to its weight (weighted sampling without replacement), in draw
/// order. A zero weight counts as 1, so that a committee can always be filled.
///
/// Nothing a candidate declares about itself (its hardware class, say) changes its chance: a
/// coalition with a share `α` of the weight wins each seat with probability at most
/// `α' = W_c / (W − w_{r−1})`, where `w_{r−1}` is the weight of the `r − 1` heaviest others, so
/// its number of seats is dominated by `Binomial(r, α')` (docs/THREATS.md).
///
/// `candidates` must be listed in an order every node agrees on (e.g. the round's snapshot)
/// and without duplicates. Fewer than `r` eligible candidates: all of them. The cost is
/// `O(r · |candidates|)`, with no rejection loop.
pub fn draw_committee<T: Clone + PartialEq>(
	randomness: &Randomness,
	round: SessionIndex,
	worker: &WorkerId,
	candidates: &[(T, SeatWeight)],
	exclude: &T,
	r: u32,
) -> Vec<T> {
	let mut remaining: Vec<(&T, u128)> = candidates
		.iter()
		.filter(|(candidate, _)| candidate != exclude)
		.map(|(candidate, weight)| (candidate, u128::from((*weight).max(1))))
		.collect();
	let mut total: u128 = remaining.iter().map(|(_, weight)| weight).sum();
	let mut rng = stream(VERIFIERS_TAG, randomness, round, worker);
	let mut committee = Vec::with_capacity((r as usize).min(remaining.len()));
	while committee.len() < r as usize && total > 0 {
		// A draw in 0..total from 128 random bits: the modulo bias is below total / 2^128.
		let wide = (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64());
		let mut point = wide % total;
		let mut seat = remaining.len().saturating_sub(1);
		for (position, (_, weight)) in remaining.iter().enumerate() {
			if point < *weight {
				seat = position;
				break;
			}
			point -= weight;
		}
		// `remaining` is not empty while `total > 0`.
		let (chosen, weight) = remaining.remove(seat);
		total = total.saturating_sub(weight);
		committee.push(chosen.clone());
	}
	committee
}

/// Uniform [`draw_committee`]: every eligible candidate weighs the same.
pub fn draw_verifiers<T: Clone + PartialEq>(
	randomness: &Randomness,
	round: SessionIndex,
	worker: &WorkerId,
	candidates: &[T],
	exclude: &T,
	r: u32,
) -> Vec<T> {
	let weighted: Vec<(T, SeatWeight)> = candidates.iter().map(|c| (c.clone(), 1)).collect();
	draw_committee(randomness, round, worker, &weighted, exclude, r)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::test_utils::{worker, worker_from_bytes};
	use proptest::prelude::*;

	/// Randomness for trial `trial` of a statistical test: deterministic and distinct.
	fn randomness(trial: u32) -> Randomness {
		blake2_256(&trial.to_le_bytes())
	}

	#[test]
	fn audit_probability_edges() {
		let alice = worker("Alice");
		for trial in 0..200 {
			assert!(is_audited(&randomness(trial), 1, &alice, Perbill::one()));
			assert!(!is_audited(&randomness(trial), 1, &alice, Perbill::zero()));
		}
	}

	#[test]
	fn audit_frequency_matches_the_probability() {
		// 4000 trials at p = 0.3: σ = √(p(1−p)/4000) ≈ 0.0072; accept within 4σ.
		let alice = worker("Alice");
		let p = Perbill::from_percent(30);
		let hits = (0..4000).filter(|&t| is_audited(&randomness(t), 7, &alice, p)).count();
		let rate = hits as f64 / 4000.0;
		assert!((rate - 0.3).abs() < 4.0 * (0.3f64 * 0.7 / 4000.0).sqrt(), "rate {rate}");
	}

	#[test]
	fn draws_are_independent_of_each_other() {
		// The decision and the indices come from different streams: an audited worker is not
		// more likely to have low indices opened, etc. Check the streams differ at all.
		let alice = worker("Alice");
		let r = randomness(1);
		assert_ne!(
			stream(DECISION_TAG, &r, 1, &alice).next_u64(),
			stream(INDICES_TAG, &r, 1, &alice).next_u64()
		);
	}

	#[test]
	fn audit_indices_edges() {
		let alice = worker("Alice");
		let r = randomness(0);
		assert!(audit_indices(&r, 1, &alice, 0, 5).is_empty());
		assert!(audit_indices(&r, 1, &alice, 10, 0).is_empty());
		assert_eq!(audit_indices(&r, 1, &alice, 3, 10).into_inner(), vec![0, 1, 2]);
		assert_eq!(audit_indices(&r, 1, &alice, 1000, 1000).len(), MAX_AUDIT_SAMPLES as usize);
		let all = audit_indices(&r, 1, &alice, 64, 64).into_inner();
		assert_eq!(all, (0..64).collect::<Vec<_>>());
		let top = audit_indices(&r, 1, &alice, u32::MAX, 64);
		assert_eq!(top.len(), 64);
		assert!(top.windows(2).all(|w| w[0] < w[1]));
	}

	#[test]
	fn every_index_is_opened_equally_often() {
		// n = 20, k = 4, 4000 trials: each index opened with probability 0.2, σ of the count
		// ≈ √(4000·0.2·0.8) ≈ 25.3; accept 800 ± 4σ.
		let alice = worker("Alice");
		let mut counts = [0u32; 20];
		for trial in 0..4000 {
			for index in audit_indices(&randomness(trial), 3, &alice, 20, 4) {
				counts[index as usize] += 1;
			}
		}
		for count in counts {
			assert!((699..=901).contains(&count), "{counts:?}");
		}
	}

	/// The detection rate of Proof of Sampling: with a fraction `f = faked / n` of the batch
	/// faked and `k` samples opened, an audit opens a faked sample with probability
	/// `1 − C(n − faked, k) / C(n, k)`, which is `1 − (1 − f)^k` up to the finite-batch
	/// correction. Simulated with the real `audit_indices`.
	#[test]
	fn detection_rate_matches_one_minus_one_minus_f_to_the_k() {
		const TRIALS: u32 = 4000;
		let n = 1000u32;
		for (faked, k) in [(10u32, 8u32), (50, 8), (100, 4), (20, 32), (200, 2)] {
			let f = f64::from(faked) / f64::from(n);
			let mut detected = 0u32;
			for trial in 0..TRIALS {
				let key = blake2_256(&[b"worker".as_slice(), &trial.to_le_bytes()].concat());
				let worker = worker_from_bytes(key);
				// The cheater fakes a random set of samples, chosen before the audit draw.
				let mut faker = SeedRng::new(blake2_256(&[b"faked".as_slice(), &key].concat()));
				let mut faked_set = Vec::new();
				while faked_set.len() < faked as usize {
					let index = faker.below(n);
					if !faked_set.contains(&index) {
						faked_set.push(index);
					}
				}
				let opened = audit_indices(&randomness(trial), trial, &worker, n, k);
				if opened.iter().any(|index| faked_set.contains(index)) {
					detected += 1;
				}
			}
			let rate = f64::from(detected) / f64::from(TRIALS);
			let binomial = 1.0 - (1.0 - f).powi(k as i32);
			let hypergeometric =
				1.0 - (0..k).map(|i| f64::from(n - faked - i) / f64::from(n - i)).product::<f64>();
			let sigma = (hypergeometric * (1.0 - hypergeometric) / f64::from(TRIALS)).sqrt();
			assert!(
				(rate - hypergeometric).abs() <= 4.0 * sigma,
				"f = {f}, k = {k}: rate {rate}, expected {hypergeometric} ± {}",
				4.0 * sigma
			);
			// …and the textbook formula, allowing for the finite batch.
			assert!(
				(rate - binomial).abs() <= 4.0 * sigma + (binomial - hypergeometric).abs(),
				"f = {f}, k = {k}: rate {rate}, 1 − (1 − f)^k = {binomial}"
			);
		}
	}

	#[test]
	fn verifiers_exclude_the_worker_and_are_distinct() {
		let alice = worker("Alice");
		let candidates: Vec<u32> = (0..10).collect();
		let r = randomness(5);
		for round in 0..100 {
			let drawn = draw_verifiers(&r, round, &alice, &candidates, &3, 4);
			assert_eq!(drawn.len(), 4);
			assert!(!drawn.contains(&3));
			let mut sorted = drawn.clone();
			sorted.sort();
			sorted.dedup();
			assert_eq!(sorted.len(), 4);
			assert_eq!(drawn, draw_verifiers(&r, round, &alice, &candidates, &3, 4));
		}
		// Too few candidates: all eligible ones.
		let mut all = draw_verifiers(&r, 1, &alice, &[1u32, 2, 3], &2, 5);
		all.sort();
		assert_eq!(all, vec![1, 3]);
		assert!(draw_verifiers(&r, 1, &alice, &[2u32], &2, 5).is_empty());
		assert!(draw_verifiers::<u32>(&r, 1, &alice, &[], &2, 5).is_empty());
	}

	#[test]
	fn every_candidate_is_drawn_equally_often() {
		// 9 eligible candidates, r = 3, 4000 draws: each drawn with probability 1/3, σ of the
		// count ≈ √(4000·(1/3)·(2/3)) ≈ 29.8; accept 1333 ± 4σ.
		let alice = worker("Alice");
		let candidates: Vec<u32> = (0..10).collect();
		let mut counts = [0u32; 10];
		for trial in 0..4000 {
			for v in draw_verifiers(&randomness(trial), 1, &alice, &candidates, &0, 3) {
				counts[v as usize] += 1;
			}
		}
		assert_eq!(counts[0], 0);
		for count in &counts[1..] {
			assert!((1214..=1453).contains(count), "{counts:?}");
		}
	}

	/// `P(X ≥ j)` for `X ~ Binomial(r, p)`.
	fn binomial_tail(r: u32, p: f64, j: u32) -> f64 {
		let choose =
			|n: u32, k: u32| (0..k).fold(1.0, |acc, i| acc * f64::from(n - i) / f64::from(i + 1));
		(j..=r).map(|i| choose(r, i) * p.powi(i as i32) * (1.0 - p).powi((r - i) as i32)).sum()
	}

	/// How often a coalition wins a strict majority of an `r`-seat committee over `TRIALS`
	/// draws for an honest worker, with the coalition's members listed as `coalition`.
	fn majority_rate(
		candidates: &[(u32, SeatWeight)],
		coalition: impl Fn(u32) -> bool,
		r: u32,
	) -> f64 {
		const TRIALS: u32 = 20_000;
		let worker = worker("Alice");
		let captured = (0..TRIALS)
			.filter(|&trial| {
				let committee =
					draw_committee(&randomness(trial), trial, &worker, candidates, &0, r);
				assert_eq!(committee.len(), r as usize);
				2 * committee.iter().filter(|&&seat| coalition(seat)).count() > r as usize
			})
			.count();
		captured as f64 / f64::from(TRIALS)
	}

	/// Issue #11, attack 1: a coalition's seats follow its share of the stake, whatever it
	/// declares. For α = 10% and 33% of the weight (equal stakes, 30 candidates, the audited
	/// worker excluded), the rate of committee majorities stays within 4σ of the bound
	/// `P(Binomial(r, α') ≥ ⌊r/2⌋ + 1)` with `α' = W_c / (W − w_{r−1})`, for r = 3 and r = 7.
	#[test]
	fn a_coalition_wins_a_committee_majority_no_more_often_than_the_binomial_bound() {
		for (members, r) in [(3u32, 3u32), (10, 3), (3, 7), (10, 7)] {
			// Slot 0 is the audited worker; slots 1..=members the coalition; 30 in all.
			let candidates: Vec<(u32, SeatWeight)> = (0..30).map(|s| (s, 1_000)).collect();
			let rate = majority_rate(&candidates, |s| (1..=members).contains(&s), r);
			let eligible = 29.0;
			let alpha = f64::from(members) / (eligible - f64::from(r - 1));
			let bound = binomial_tail(r, alpha, r / 2 + 1);
			let sigma = (bound * (1.0 - bound) / 20_000.0).sqrt();
			assert!(
				rate <= bound + 4.0 * sigma,
				"{members} of 29 (r = {r}): majority rate {rate} above the bound {bound}"
			);
		}
	}

	/// Many cheap identities buy no seats: 20 sybils with 1 unit of stake each against 10
	/// honest candidates with 18 units each hold 2/3 of the identities but 10% of the stake,
	/// and win a majority of a 3-seat committee at the 10% bound, not at the 2/3 one.
	#[test]
	fn sybil_identities_without_stake_do_not_buy_seats() {
		let mut candidates: Vec<(u32, SeatWeight)> = vec![(0, 18)];
		candidates.extend((1..=20).map(|s| (s, 1)));
		candidates.extend((21..=30).map(|s| (s, 18)));
		let rate = majority_rate(&candidates, |s| (1..=20).contains(&s), 3);
		// W_c = 20 of W = 200 eligible; the two heaviest others weigh 36.
		let bound = binomial_tail(3, 20.0 / (200.0 - 36.0), 2);
		let sigma = (bound * (1.0 - bound) / 20_000.0).sqrt();
		assert!(rate <= bound + 4.0 * sigma, "majority rate {rate} above {bound}");
		// Counted by identities it would be ≈ 0.75.
		assert!(rate < 0.1, "{rate}");
	}

	#[test]
	fn seats_are_drawn_in_proportion_to_weight() {
		// One seat, weights 1:2:3:4 (the excluded worker weighs 100): shares 0.1..0.4.
		let worker = worker("Alice");
		let candidates: Vec<(u32, SeatWeight)> = vec![(0, 100), (1, 1), (2, 2), (3, 3), (4, 4)];
		let mut counts = [0u32; 5];
		for trial in 0..10_000 {
			for seat in draw_committee(&randomness(trial), 1, &worker, &candidates, &0, 1) {
				counts[seat as usize] += 1;
			}
		}
		assert_eq!(counts[0], 0);
		for (seat, share) in [(1usize, 0.1f64), (2, 0.2), (3, 0.3), (4, 0.4)] {
			let sigma = (10_000.0 * share * (1.0 - share)).sqrt();
			let expected = 10_000.0 * share;
			assert!((f64::from(counts[seat]) - expected).abs() < 4.0 * sigma, "{counts:?}");
		}
		// Zero weights still fill a committee.
		let zero: Vec<(u32, SeatWeight)> = (0..5).map(|s| (s, 0)).collect();
		assert_eq!(draw_committee(&randomness(1), 1, &worker, &zero, &0, 3).len(), 3);
	}

	proptest! {
		#[test]
		fn audit_indices_are_distinct_sorted_in_range(
			r in any::<[u8; 32]>(),
			round in any::<u32>(),
			key in any::<[u8; 32]>(),
			n in 0u32..2000,
			k in 0u32..100,
		) {
			let worker = worker_from_bytes(key);
			let indices = audit_indices(&r, round, &worker, n, k);
			prop_assert_eq!(indices.len() as u32, k.min(n).min(MAX_AUDIT_SAMPLES));
			prop_assert!(indices.windows(2).all(|w| w[0] < w[1]));
			prop_assert!(indices.iter().all(|&i| i < n));
			prop_assert_eq!(&indices, &audit_indices(&r, round, &worker, n, k));
		}

		#[test]
		fn verifier_draws_are_distinct_and_exclude_the_worker(
			r in any::<[u8; 32]>(),
			round in any::<u32>(),
			count in 0u32..50,
			exclude in 0u32..60,
			committee in 0u32..10,
		) {
			let alice = worker("Alice");
			let candidates: Vec<u32> = (0..count).collect();
			let drawn = draw_verifiers(&r, round, &alice, &candidates, &exclude, committee);
			let eligible = count - u32::from(exclude < count);
			prop_assert_eq!(drawn.len() as u32, committee.min(eligible));
			prop_assert!(!drawn.contains(&exclude));
			let mut unique = drawn.clone();
			unique.sort();
			unique.dedup();
			prop_assert_eq!(unique.len(), drawn.len());
			prop_assert!(drawn.iter().all(|v| *v < count));
		}
	}
}
