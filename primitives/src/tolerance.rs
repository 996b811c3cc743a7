//! The tolerance check between quantised outputs, and the verdict over a committee.
//!
//! Two honest machines running the same model on the same input agree to within float noise
//! (fp32 in any order: relative L2 error ≤ 1e-6), while cheaper computation does not (fp16
//! ≈ 8e-4, bf16 ≈ 6e-3, int8 ≈ 1.5e-2, a smaller model ≈ 1). A sample passes when both
//!
//! - the relative L2 distance `‖a − b‖₂ / ‖b‖₂ ≤ rel_l2_ppm / 10^6`, and
//! - the largest element-wise distance `max |a − b| ≤ max_abs_ppm / 10^6` (in real units, i.e.
//!   `max_abs_ppm · 2^scale_bits / 10^6` quantised units),
//!
//! where `a` is the worker's output and `b` the verifier's (the reference). Everything is exact
//! integer arithmetic: squares are compared instead of square roots, and the products go through
//! 256-bit integers, so no input can overflow or round its way to a wrong verdict.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::U256;

/// `10^6`: parts per million.
const PPM: u128 = 1_000_000;
/// `10^12`: the square of [`PPM`].
const PPM_SQUARED: u128 = PPM * PPM;

/// The tolerance of a model, in parts per million.
#[derive(
	Clone,
	Copy,
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
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase", deny_unknown_fields))]
pub struct Tolerance {
	/// Bound τ on the relative L2 distance, in ppm (3000 = 3e-3, the starting point for
	/// fp32-class models). `0` demands equality, for bit-exact families such as integer GEMM.
	pub rel_l2_ppm: u32,
	/// Bound on the largest element-wise distance, in ppm of one real unit (`10^6` = 1.0).
	pub max_abs_ppm: u32,
}

impl Tolerance {
	/// No difference at all: the tolerance of the bit-exact integer models.
	pub const EXACT: Self = Self { rel_l2_ppm: 0, max_abs_ppm: 0 };
}

/// How far one output is from another, in the units of [`Tolerance`]: what a verdict shows
/// of each verifier's comparison (in events, and so in explorers), so that anyone can read a
/// pass or a fault against the model's tolerance.
#[derive(
	Clone,
	Copy,
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
pub struct Distance {
	/// `⌊10^6 · ‖a − b‖₂ / ‖b‖₂⌋`, saturated at `u32::MAX` (which an all-zero reference with a
	/// non-zero difference also reads as). Indicative: the decision compares exact squares.
	pub rel_l2_ppm: u32,
	/// `max |a − b|` in ppm of one real unit (`⌊10^6 · max_abs_diff / 2^scale_bits⌋`),
	/// saturated at `u32::MAX`.
	pub max_abs_ppm: u32,
}

impl Distance {
	/// The distance of outputs that cannot be compared (of different lengths): the largest.
	pub const INCOMPARABLE: Distance = Distance { rel_l2_ppm: u32::MAX, max_abs_ppm: u32::MAX };

	/// The larger of each figure of `self` and `other`: the distance of an audit from those of
	/// its samples.
	pub fn worst(self, other: Distance) -> Distance {
		Distance {
			rel_l2_ppm: self.rel_l2_ppm.max(other.rel_l2_ppm),
			max_abs_ppm: self.max_abs_ppm.max(other.max_abs_ppm),
		}
	}
}

/// The outputs compared have different lengths: they cannot be outputs of one model on one
/// input, so the pair disagrees.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct LengthMismatch {
	/// Length of the worker's output.
	pub worker: usize,
	/// Length of the reference output.
	pub reference: usize,
}

/// The outcome of [`within_tolerance`], with the measured figures (for events and for
/// calibrating a model's tolerance on real cross-device runs).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ToleranceVerdict {
	/// Both bounds hold.
	pub passed: bool,
	/// The relative L2 bound holds (for an all-zero reference: `‖a − b‖₂` is within the
	/// max-abs bound).
	pub rel_l2_ok: bool,
	/// The max-abs bound holds.
	pub max_abs_ok: bool,
	/// `Σ (a − b)²`, in squared quantised units.
	pub diff_sq: u128,
	/// `Σ b²`, in squared quantised units.
	pub reference_sq: u128,
	/// `max |a − b|`, in quantised units.
	pub max_abs_diff: u32,
	/// `⌊10^6 · ‖a − b‖₂ / ‖b‖₂⌋` (saturated), or `None` for an all-zero reference. Indicative
	/// only: the decision compares exact squares, not this rounded figure.
	pub rel_l2_ppm: Option<u32>,
}

impl ToleranceVerdict {
	/// The measured figures in the units of [`Tolerance`], for outputs quantised with
	/// `scale_bits`.
	pub fn distance(&self, scale_bits: u8) -> Distance {
		let rel_l2_ppm = match self.rel_l2_ppm {
			Some(ppm) => ppm,
			None if self.diff_sq == 0 => 0,
			None => u32::MAX,
		};
		let max_abs = (u128::from(self.max_abs_diff) * PPM) >> u32::from(scale_bits.min(127));
		Distance { rel_l2_ppm, max_abs_ppm: u32::try_from(max_abs).unwrap_or(u32::MAX) }
	}
}

/// `x · 2^shift`, saturated at `u128::MAX`.
fn shl_saturating(x: u128, shift: u8) -> u128 {
	if x == 0 {
		0
	} else if u32::from(shift) > x.leading_zeros() {
		// A set bit would be shifted out (also covers `shift ≥ 128`, as `x ≠ 0`).
		u128::MAX
	} else {
		x << shift
	}
}

/// `a · b`, exact: a product of two `u128` fits 256 bits.
fn wide_mul(a: u128, b: u128) -> U256 {
	U256::from(a).saturating_mul(U256::from(b))
}

/// Compares the worker's quantised output with a reference output (a verifier's) under `tol`;
/// both were quantised with `scale_bits`. Errors when the lengths differ.
pub fn within_tolerance(
	worker: &[i32],
	reference: &[i32],
	scale_bits: u8,
	tol: Tolerance,
) -> Result<ToleranceVerdict, LengthMismatch> {
	if worker.len() != reference.len() {
		return Err(LengthMismatch { worker: worker.len(), reference: reference.len() });
	}
	let (mut diff_sq, mut reference_sq, mut max_abs_diff) = (0u128, 0u128, 0u64);
	for (&a, &b) in worker.iter().zip(reference) {
		// |a − b| ≤ 2^32 − 1 and each square ≤ 2^64: the sums cannot realistically saturate
		// (that takes 2^64 elements), and saturating keeps them panic-free regardless.
		let diff = (i64::from(a) - i64::from(b)).unsigned_abs();
		let b = i64::from(b).unsigned_abs();
		diff_sq = diff_sq.saturating_add(u128::from(diff) * u128::from(diff));
		reference_sq = reference_sq.saturating_add(u128::from(b) * u128::from(b));
		max_abs_diff = max_abs_diff.max(diff);
	}
	let max_abs_diff = u32::try_from(max_abs_diff).unwrap_or(u32::MAX);

	// The max-abs bound in quantised units, times 10^6: max_abs_ppm · 2^scale_bits.
	let abs_bound_ppm = shl_saturating(u128::from(tol.max_abs_ppm), scale_bits);
	let max_abs_ok = u128::from(max_abs_diff) * PPM <= abs_bound_ppm;

	let lhs = wide_mul(diff_sq, PPM_SQUARED);
	let rel_l2_ok = if reference_sq == 0 {
		// No scale to be relative to: require ‖a − b‖₂ ≤ the max-abs bound, i.e.
		// 10^12 · Σ(a − b)² ≤ (max_abs_ppm · 2^scale_bits)².
		lhs <= wide_mul(abs_bound_ppm, abs_bound_ppm)
	} else {
		// ‖a − b‖₂ / ‖b‖₂ ≤ τ/10^6  ⇔  10^12 · Σ(a − b)² ≤ τ² · Σb².
		let tau = u128::from(tol.rel_l2_ppm);
		lhs <= wide_mul(tau * tau, reference_sq)
	};

	let rel_l2_ppm = (reference_sq != 0).then(|| {
		let ratio = (lhs / U256::from(reference_sq)).integer_sqrt();
		if ratio > U256::from(u32::MAX) {
			u32::MAX
		} else {
			u32::try_from(ratio.low_u64()).unwrap_or(u32::MAX)
		}
	});

	Ok(ToleranceVerdict {
		passed: rel_l2_ok && max_abs_ok,
		rel_l2_ok,
		max_abs_ok,
		diff_sq,
		reference_sq,
		max_abs_diff,
		rel_l2_ppm,
	})
}

/// The outcome of an audited sample (or, combined, of an audit).
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum Verdict {
	/// A strict majority of the verifiers agree with the worker.
	#[codec(index = 0)]
	Pass,
	/// A strict majority of the verifiers disagree with the worker: a fault.
	#[codec(index = 1)]
	Fail,
	/// The verifiers are split evenly (or there are none): re-audit with a larger committee.
	#[codec(index = 2)]
	Inconclusive,
}

impl Verdict {
	/// The verdict of an audit from those of two of its samples: one failed sample fails the
	/// audit, otherwise one inconclusive sample makes it inconclusive.
	pub fn combine(self, other: Verdict) -> Verdict {
		match (self, other) {
			(Verdict::Fail, _) | (_, Verdict::Fail) => Verdict::Fail,
			(Verdict::Inconclusive, _) | (_, Verdict::Inconclusive) => Verdict::Inconclusive,
			(Verdict::Pass, Verdict::Pass) => Verdict::Pass,
		}
	}
}

/// The verdict on one sample, with who stood where.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct VerdictReport {
	/// The outcome for the worker.
	pub verdict: Verdict,
	/// Whether each verifier (in the order given) agrees with the worker.
	pub agreements: Vec<bool>,
	/// How far the worker's output is from each verifier's (in the order given).
	pub distances: Vec<Distance>,
	/// Indices of the verifiers that stand against the majority outcome: those that disagree
	/// with a passing worker, or agree with a failing one. Empty when inconclusive: with an even
	/// split nobody can be told apart. The pallet penalises these.
	pub dissenters: Vec<u32>,
}

/// The verdict on one sample: the worker's output against each verifier's (as reference).
///
/// A verifier agrees when [`within_tolerance`] passes; an output of a different length
/// disagrees. The worker passes when a strict majority agree and fails when a strict majority
/// disagree; otherwise (a tie, or no verifier) the sample is inconclusive.
pub fn verdict<V: AsRef<[i32]>>(
	worker: &[i32],
	verifiers: &[V],
	scale_bits: u8,
	tol: Tolerance,
) -> VerdictReport {
	let (agreements, distances): (Vec<bool>, Vec<Distance>) = verifiers
		.iter()
		.map(|reference| match within_tolerance(worker, reference.as_ref(), scale_bits, tol) {
			Ok(verdict) => (verdict.passed, verdict.distance(scale_bits)),
			Err(LengthMismatch { .. }) => (false, Distance::INCOMPARABLE),
		})
		.unzip();
	let agreeing = agreements.iter().filter(|&&agrees| agrees).count();
	let disagreeing = agreements.len() - agreeing;
	let (verdict, majority_agrees) = if agreeing > disagreeing {
		(Verdict::Pass, Some(true))
	} else if disagreeing > agreeing {
		(Verdict::Fail, Some(false))
	} else {
		(Verdict::Inconclusive, None)
	};
	let dissenters = match majority_agrees {
		Some(majority) => agreements
			.iter()
			.zip(0..=u32::MAX)
			.filter(|(&agrees, _)| agrees != majority)
			.map(|(_, index)| index)
			.collect(),
		None => Vec::new(),
	};
	VerdictReport { verdict, agreements, distances, dissenters }
}

/// The verdict of a committee of `committee` drawn verifiers of which those in `verifiers`
/// submitted. A decision needs a strict majority of the *whole* committee: with verifiers
/// missing, a lone dissenting (or lazy) verifier cannot decide, and the sample is inconclusive
/// instead (the protocol then re-audits with a larger committee).
pub fn committee_verdict<V: AsRef<[i32]>>(
	worker: &[i32],
	verifiers: &[V],
	committee: usize,
	scale_bits: u8,
	tol: Tolerance,
) -> VerdictReport {
	let mut report = verdict(worker, verifiers, scale_bits, tol);
	let agreeing = report.agreements.iter().filter(|&&agrees| agrees).count();
	let disagreeing = report.agreements.len() - agreeing;
	let committee = committee.max(report.agreements.len());
	let decided = match report.verdict {
		Verdict::Pass => agreeing * 2 > committee,
		Verdict::Fail => disagreeing * 2 > committee,
		Verdict::Inconclusive => true,
	};
	if !decided {
		report.verdict = Verdict::Inconclusive;
		report.dissenters.clear();
	}
	report
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{quantise::quantise_all, seed::SeedRng};
	use proptest::prelude::*;

	/// τ = 3e-3 and a max-abs bound of 0.05: the starting point for fp32-class models.
	const FP32: Tolerance = Tolerance { rel_l2_ppm: 3000, max_abs_ppm: 50_000 };
	const SCALE: u8 = 16;

	fn check(a: &[i32], b: &[i32], tol: Tolerance) -> ToleranceVerdict {
		within_tolerance(a, b, SCALE, tol).unwrap()
	}

	#[test]
	fn identical_outputs_pass_even_under_zero_tolerance() {
		let exact = Tolerance { rel_l2_ppm: 0, max_abs_ppm: 0 };
		let v = check(&[1, -2, 3], &[1, -2, 3], exact);
		assert!(v.passed);
		assert_eq!((v.diff_sq, v.reference_sq, v.max_abs_diff, v.rel_l2_ppm), (0, 14, 0, Some(0)));
		assert!(check(&[0, 0], &[0, 0], exact).passed);
		assert!(check(&[], &[], exact).passed);
		assert!(!check(&[1, -2, 4], &[1, -2, 3], exact).passed);
	}

	#[test]
	fn relative_l2_bound_is_exact_at_the_edge() {
		// ‖b‖ = 1000·2^16·… : b = [10^6, 0], a − b = [0, d] → rel = d / 10^6, i.e. d ppm.
		let loose_abs = Tolerance { rel_l2_ppm: 3000, max_abs_ppm: u32::MAX };
		let at_edge = check(&[1_000_000, 3000], &[1_000_000, 0], loose_abs);
		assert!(at_edge.rel_l2_ok && at_edge.passed);
		assert_eq!(at_edge.rel_l2_ppm, Some(3000));
		let beyond = check(&[1_000_000, 3001], &[1_000_000, 0], loose_abs);
		assert!(!beyond.rel_l2_ok && !beyond.passed);
		assert_eq!(beyond.rel_l2_ppm, Some(3001));
	}

	#[test]
	fn max_abs_bound_is_in_real_units() {
		// 50 000 ppm = 0.05, at scale 16 that is 3276.8 quantised units.
		let loose_rel = Tolerance { rel_l2_ppm: u32::MAX, max_abs_ppm: 50_000 };
		assert!(check(&[10_000_000 + 3276], &[10_000_000], loose_rel).max_abs_ok);
		assert!(!check(&[10_000_000 + 3277], &[10_000_000], loose_rel).max_abs_ok);
		let v = check(&[5, 10_000_000 - 4000], &[5, 10_000_000], loose_rel);
		assert_eq!(v.max_abs_diff, 4000);
		assert!(v.rel_l2_ok && !v.max_abs_ok && !v.passed);
	}

	#[test]
	fn all_zero_reference_falls_back_to_the_absolute_bound() {
		// Bound 0.05 → 3276.8 units: ‖a‖₂ = 3276 passes, 3277 fails, and no division by zero.
		let v = check(&[3276, 0], &[0, 0], FP32);
		assert!(v.passed && v.rel_l2_ok);
		assert_eq!(v.rel_l2_ppm, None);
		// ‖(2000, 2000)‖ ≈ 2828 < 3276.8: each element and the norm are within the bound.
		assert!(check(&[2000, 2000], &[0, 0], FP32).passed);
		// ‖(3000, 3000)‖ ≈ 4243: each element is within the bound, the norm is not.
		let v = check(&[3000, 3000], &[0, 0], FP32);
		assert!(v.max_abs_ok && !v.rel_l2_ok && !v.passed);
		assert!(!check(&[3277], &[0], FP32).passed);
	}

	#[test]
	fn extremes_neither_overflow_nor_pass_wrongly() {
		let worker = [i32::MAX; 1000];
		let reference = [i32::MIN; 1000];
		let v = check(&worker, &reference, FP32);
		assert!(!v.passed);
		assert_eq!(v.max_abs_diff, u32::MAX);
		assert_eq!(v.rel_l2_ppm, Some(1_999_999));
		let generous = Tolerance { rel_l2_ppm: u32::MAX, max_abs_ppm: u32::MAX };
		for scale_bits in [0, 19, 20, 23, 24, 31, 64, 127, 128, 255] {
			let v = within_tolerance(&worker, &reference, scale_bits, generous).unwrap();
			assert!(v.rel_l2_ok);
			// (2^32 − 1)·10^6 ≤ (2^32 − 1)·2^s from s = 20 on.
			assert_eq!(v.max_abs_ok, scale_bits >= 20, "scale {scale_bits}");
			let v = within_tolerance(&worker, &[0; 1000], scale_bits, generous).unwrap();
			// 10^6·√1000·(2^31 − 1) ≤ (2^32 − 1)·2^s from s = 24 on.
			assert_eq!(v.rel_l2_ok, scale_bits >= 24, "scale {scale_bits}");
		}
		assert_eq!(shl_saturating(1, 127), 1 << 127);
		assert_eq!(shl_saturating(1, 128), u128::MAX);
		assert_eq!(shl_saturating(3, 127), u128::MAX);
		assert_eq!(shl_saturating(0, 255), 0);
	}

	#[test]
	fn length_mismatch_is_an_error() {
		assert_eq!(
			within_tolerance(&[1, 2], &[1], SCALE, FP32),
			Err(LengthMismatch { worker: 2, reference: 1 })
		);
	}

	#[test]
	fn verdict_follows_the_strict_majority() {
		let honest = vec![1000, -2000, 3000];
		let wrong = vec![-1000, 2000, 0];
		let report =
			verdict(&honest, &[honest.clone(), honest.clone(), wrong.clone()], SCALE, FP32);
		assert_eq!(report.verdict, Verdict::Pass);
		assert_eq!(report.agreements, vec![true, true, false]);
		assert_eq!(report.dissenters, vec![2]);

		let report = verdict(&wrong, &[honest.clone(), honest.clone(), wrong.clone()], SCALE, FP32);
		assert_eq!(report.verdict, Verdict::Fail);
		assert_eq!(report.dissenters, vec![2]);

		let report = verdict(&honest, &[honest.clone(), wrong.clone()], SCALE, FP32);
		assert_eq!(report.verdict, Verdict::Inconclusive);
		assert!(report.dissenters.is_empty());

		let none: [Vec<i32>; 0] = [];
		assert_eq!(verdict(&honest, &none, SCALE, FP32).verdict, Verdict::Inconclusive);

		// A verifier with an output of another length disagrees; slices work as well as vecs.
		let report = verdict(&honest, &[&honest[..], &honest[..2]], SCALE, FP32);
		assert_eq!(report.agreements, vec![true, false]);
		assert_eq!(report.verdict, Verdict::Inconclusive);
		let report = verdict(&honest, &[&honest[..]], SCALE, FP32);
		assert_eq!((report.verdict, report.dissenters), (Verdict::Pass, vec![]));
	}

	#[test]
	fn distances_are_in_the_units_of_the_tolerance() {
		// rel-L2 3001 ppm; max |a − b| = 3001 units = 3001·10^6/2^16 ppm ≈ 45 791 (the bound is
		// 50 000): the figures are read against the tolerance directly.
		let v = check(&[1_000_000, 3001], &[1_000_000, 0], FP32);
		assert_eq!(v.distance(SCALE), Distance { rel_l2_ppm: 3001, max_abs_ppm: 45_791 });
		assert_eq!(check(&[7, 7], &[7, 7], FP32).distance(SCALE), Distance::default());
		// An all-zero reference: 0 for an equal output, saturated otherwise.
		assert_eq!(check(&[0], &[0], FP32).distance(SCALE).rel_l2_ppm, 0);
		assert_eq!(check(&[1], &[0], FP32).distance(SCALE).rel_l2_ppm, u32::MAX);
		// Unscaled outputs saturate instead of overflowing.
		let far = check(&[i32::MAX], &[i32::MIN], FP32).distance(0);
		assert_eq!(far.max_abs_ppm, u32::MAX);

		// The report carries one distance per verifier; a length mismatch is incomparable.
		let honest = vec![1000, -2000, 3000];
		let report = verdict(&honest, &[&honest[..], &honest[..2]], SCALE, FP32);
		assert_eq!(report.distances, vec![Distance::default(), Distance::INCOMPARABLE]);
		let a = Distance { rel_l2_ppm: 5, max_abs_ppm: 1 };
		let b = Distance { rel_l2_ppm: 2, max_abs_ppm: 9 };
		assert_eq!(a.worst(b), Distance { rel_l2_ppm: 5, max_abs_ppm: 9 });
	}

	#[test]
	fn verdicts_combine_fail_first() {
		use Verdict::*;
		assert_eq!(Pass.combine(Pass), Pass);
		assert_eq!(Pass.combine(Inconclusive), Inconclusive);
		assert_eq!(Inconclusive.combine(Fail), Fail);
		assert_eq!(Fail.combine(Pass), Fail);
		assert_eq!([Pass, Pass, Fail, Inconclusive].into_iter().fold(Pass, Verdict::combine), Fail);
	}

	/// An "activation-like" f32 vector from a seed: values in about [−4, 4].
	fn activations(seed: [u8; 32], len: usize) -> Vec<f32> {
		let mut rng = SeedRng::new(seed);
		(0..len).map(|_| (rng.next_u32() >> 8) as f32 / 16_777_216.0 * 8.0 - 4.0).collect()
	}

	proptest! {
		#[test]
		fn identical_vectors_always_pass(
			values in proptest::collection::vec(any::<i32>(), 0..200),
			scale_bits in any::<u8>(),
		) {
			let exact = Tolerance { rel_l2_ppm: 0, max_abs_ppm: 0 };
			prop_assert!(within_tolerance(&values, &values, scale_bits, exact).unwrap().passed);
		}

		#[test]
		fn float_noise_passes_at_fp32_tolerance(
			seed in any::<[u8; 32]>(),
			noise_seed in any::<[u8; 32]>(),
			len in 1usize..500,
		) {
			// The worker's output is the reference perturbed element-wise by a relative error of
			// at most 1e-4: what fp32 on other hardware, or even TF32, produces.
			let reference = activations(seed, len);
			let mut noise = SeedRng::new(noise_seed);
			let worker: Vec<f32> = reference
				.iter()
				.map(|&x| {
					let e = (noise.next_u32() as f64 / u32::MAX as f64 * 2.0 - 1.0) * 1e-4;
					(f64::from(x) * (1.0 + e)) as f32
				})
				.collect();
			let (a, b) = (quantise_all(&worker, SCALE).unwrap(), quantise_all(&reference, SCALE).unwrap());
			let v = within_tolerance(&a, &b, SCALE, FP32).unwrap();
			prop_assert!(v.passed, "{:?}", v);
			prop_assert!(within_tolerance(&b, &a, SCALE, FP32).unwrap().passed);
		}

		#[test]
		fn unrelated_vectors_fail(
			seed in any::<[u8; 32]>(),
			other_seed in any::<[u8; 32]>(),
			len in 8usize..500,
		) {
			prop_assume!(seed != other_seed);
			let a = quantise_all(&activations(seed, len), SCALE).unwrap();
			let b = quantise_all(&activations(other_seed, len), SCALE).unwrap();
			let v = within_tolerance(&a, &b, SCALE, FP32).unwrap();
			prop_assert!(!v.passed, "{:?}", v);
			prop_assert!(!v.rel_l2_ok);
			prop_assert!(!within_tolerance(&b, &a, SCALE, FP32).unwrap().passed);
		}

		#[test]
		fn int8_class_errors_fail(seed in any::<[u8; 32]>(), sign_seed in any::<[u8; 32]>(), len in 1usize..500) {
			// An element-wise relative error of 1e-2 (what int8 weights cause) is a relative L2
			// error of 1e-2, beyond τ = 3e-3; while 5e-4 (fp16-class) stays within it.
			let reference = activations(seed, len);
			let perturb = |relative: f64| -> Vec<i32> {
				let mut signs = SeedRng::new(sign_seed);
				let values: Vec<f32> = reference
					.iter()
					.map(|&x| {
						let e = if signs.next_u32() & 1 == 0 { relative } else { -relative };
						(f64::from(x) * (1.0 + e)) as f32
					})
					.collect();
				quantise_all(&values, SCALE).unwrap()
			};
			let b = quantise_all(&reference, SCALE).unwrap();
			// Skip references too close to zero for any relative statement at this scale.
			prop_assume!(b.iter().map(|&x| i64::from(x).abs()).max().unwrap_or(0) > 1 << 12);
			let v = within_tolerance(&perturb(1e-2), &b, SCALE, FP32).unwrap();
			prop_assert!(!v.passed && !v.rel_l2_ok, "{:?}", v);
			let v = within_tolerance(&perturb(5e-4), &b, SCALE, FP32).unwrap();
			prop_assert!(v.passed, "{:?}", v);
		}

		#[test]
		fn the_verdict_penalises_only_the_minority(
			seed in any::<[u8; 32]>(),
			honest in 0usize..6,
			lazy in 0usize..6,
		) {
			let output = quantise_all(&activations(seed, 64), SCALE).unwrap();
			let garbage = [0i32; 64];
			let committee: Vec<&[i32]> = core::iter::repeat_n(&output[..], honest)
				.chain(core::iter::repeat_n(&garbage[..], lazy))
				.collect();
			let report = verdict(&output, &committee, SCALE, FP32);
			let expected = match honest.cmp(&lazy) {
				core::cmp::Ordering::Greater => Verdict::Pass,
				core::cmp::Ordering::Less => Verdict::Fail,
				core::cmp::Ordering::Equal => Verdict::Inconclusive,
			};
			prop_assert_eq!(report.verdict, expected);
			let dissenters: Vec<u32> = match expected {
				Verdict::Pass => (honest as u32..(honest + lazy) as u32).collect(),
				Verdict::Fail => (0..honest as u32).collect(),
				Verdict::Inconclusive => vec![],
			};
			prop_assert_eq!(report.dissenters, dissenters);
		}
	}

	#[test]
	fn a_decision_needs_a_majority_of_the_whole_committee() {
		let worker = [1000, -2000, 3000];
		let honest = worker.to_vec();
		let lazy = vec![0, 0, 0];
		// Three drawn, only the lazy one submitted: it cannot fault the worker alone.
		let report = committee_verdict(&worker, std::slice::from_ref(&lazy), 3, SCALE, FP32);
		assert_eq!(report.verdict, Verdict::Inconclusive);
		assert!(report.dissenters.is_empty());
		// Two of three submitted and agree: a majority of the committee passes the worker.
		let report = committee_verdict(&worker, &[honest.clone(), honest.clone()], 3, SCALE, FP32);
		assert_eq!(report.verdict, Verdict::Pass);
		// Two of three disagree: it fails, and the agreeing one stands against the majority.
		let report =
			committee_verdict(&worker, &[lazy.clone(), honest.clone(), lazy], 3, SCALE, FP32);
		assert_eq!((report.verdict, report.dissenters), (Verdict::Fail, vec![1]));
		// One honest of three drawn: not enough to pass either.
		let report = committee_verdict(&worker, &[honest], 3, SCALE, FP32);
		assert_eq!(report.verdict, Verdict::Inconclusive);
	}
}
