//! Quantisation of model outputs to integers (`std` only: it is the one place floats enter).
//!
//! Raw floats are never hashed nor compared on chain: two honest machines disagree in the last
//! bits. The worker and the verifiers quantise every output element to
//! `round(x · 2^scale_bits)` and the chain compares the integers within a tolerance
//! ([`crate::tolerance`]).

/// A model produced NaN, which has no quantised value.
///
/// Quantising NaN is an error rather than a sentinel integer: a sentinel would be compared like
/// any number and could end up within tolerance of another output, while a NaN can never be
/// evidence of correct inference. A worker whose model yields NaN must not commit that
/// sample (the round counts as missed); it points at a broken model or broken hardware.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct NotANumber;

/// A NaN at `position` of an output passed to [`quantise_all`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct NanOutput {
	/// Index of the first NaN element.
	pub position: usize,
}

/// `2^exponent` as an `f64`, built from its bits so it is exact (`powi` promises no precision).
fn pow2(exponent: i32) -> f64 {
	// Every exponent used here (±255) is a normal f64 exponent: bias 1023, range 1..=2046.
	let biased = u64::try_from(exponent + 1023).unwrap_or(1023);
	f64::from_bits(biased << 52)
}

/// `x · 2^scale_bits` rounded half away from zero, saturated to the `i32` range; `±∞`
/// saturate too. Errors on NaN.
///
/// Exact and portable: `x` widened to `f64` and multiplied by a power of two loses nothing (an
/// `f32` significand has 24 bits, and no `f32` times `2^255` overflows an `f64`), so the only
/// rounding is the final, exactly specified one.
pub fn quantise(x: f32, scale_bits: u8) -> Result<i32, NotANumber> {
	if x.is_nan() {
		return Err(NotANumber);
	}
	let scaled = (f64::from(x) * pow2(i32::from(scale_bits))).round();
	Ok(if scaled >= 2_147_483_648.0 {
		i32::MAX
	} else if scaled <= -2_147_483_648.0 {
		i32::MIN
	} else {
		// An integer strictly inside the i32 range: the conversion is exact.
		scaled as i32
	})
}

/// Quantises a whole output (one sample), or reports where its first NaN is.
pub fn quantise_all(values: &[f32], scale_bits: u8) -> Result<Vec<i32>, NanOutput> {
	values
		.iter()
		.enumerate()
		.map(|(position, &x)| quantise(x, scale_bits).map_err(|NotANumber| NanOutput { position }))
		.collect()
}

/// The real value `q / 2^scale_bits` a quantised integer stands for (exact).
pub fn dequantise(q: i32, scale_bits: u8) -> f64 {
	f64::from(q) * pow2(-i32::from(scale_bits))
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	#[test]
	fn rounds_half_away_from_zero() {
		assert_eq!(quantise(0.5, 0), Ok(1));
		assert_eq!(quantise(-0.5, 0), Ok(-1));
		assert_eq!(quantise(1.5, 0), Ok(2));
		assert_eq!(quantise(2.5, 0), Ok(3));
		assert_eq!(quantise(-2.5, 0), Ok(-3));
		assert_eq!(quantise(0.49999997, 0), Ok(0));
		assert_eq!(quantise(1.0 / 3.0, 8), Ok(85)); // 85.33
		assert_eq!(quantise(-0.75, 1), Ok(-2)); // -1.5
		assert_eq!(quantise(0.0, 16), Ok(0));
		assert_eq!(quantise(-0.0, 16), Ok(0));
	}

	#[test]
	fn saturates_and_refuses_nan() {
		assert_eq!(quantise(f32::INFINITY, 8), Ok(i32::MAX));
		assert_eq!(quantise(f32::NEG_INFINITY, 8), Ok(i32::MIN));
		assert_eq!(quantise(f32::MAX, 0), Ok(i32::MAX));
		assert_eq!(quantise(-f32::MAX, 255), Ok(i32::MIN));
		assert_eq!(quantise(1.0, 31), Ok(i32::MAX));
		assert_eq!(quantise(-1.0, 31), Ok(i32::MIN));
		assert_eq!(quantise(f32::MIN_POSITIVE, 255), Ok(i32::MAX)); // 2^-126 · 2^255
		assert_eq!(quantise(f32::MIN_POSITIVE, 0), Ok(0));
		assert_eq!(quantise(-1.0e-30, 16), Ok(0));
		assert_eq!(quantise(f32::NAN, 8), Err(NotANumber));
		assert_eq!(quantise(-f32::NAN, 0), Err(NotANumber));
		assert_eq!(
			quantise_all(&[1.0, 2.0, f32::NAN, f32::NAN], 4),
			Err(NanOutput { position: 2 })
		);
		assert_eq!(quantise_all(&[1.0, -2.0], 4), Ok(vec![16, -32]));
	}

	#[test]
	fn powers_of_two_are_exact() {
		assert_eq!(pow2(0), 1.0);
		assert_eq!(pow2(10), 1024.0);
		assert_eq!(pow2(-1), 0.5);
		assert_eq!(pow2(255), 2f64.powi(255));
		assert_eq!(dequantise(3, 2), 0.75);
	}

	proptest! {
		#[test]
		fn round_trip_error_is_at_most_half_a_step(x in -1.0e4f32..1.0e4, scale_bits in 0u8..=16) {
			let q = quantise(x, scale_bits).unwrap();
			let step = dequantise(1, scale_bits);
			prop_assert!((dequantise(q, scale_bits) - f64::from(x)).abs() <= step / 2.0);
		}

		#[test]
		fn is_monotone_and_odd(x in any::<f32>(), y in any::<f32>(), scale_bits in any::<u8>()) {
			prop_assume!(!x.is_nan() && !y.is_nan());
			let (qx, qy) = (quantise(x, scale_bits).unwrap(), quantise(y, scale_bits).unwrap());
			if x <= y {
				prop_assert!(qx <= qy);
			}
			// Symmetric rounding: q(-x) = -q(x) except where saturation is asymmetric.
			let neg = quantise(-x, scale_bits).unwrap();
			prop_assert!(neg == qx.saturating_neg() || qx == i32::MIN || neg == i32::MIN);
		}
	}
}
