//! The input spec of a registered model and the deterministic generator of its sample inputs.
//!
//! The chain stores an [`InputSpec`] per model and a seed per challenge; the worker and the
//! verifiers both derive sample `i`'s input with [`generate_sample`], so they run the model on
//! bit-identical inputs. The generator produces integers only (the runtime has no floats);
//! turning uniform draws into the `f32` tensor the model eats is a `std`-only step,
//! [`SampleInput::to_f32`], specified so that it too is bit-identical on every machine.

use crate::{
	ids::{SampleIndex, Seed},
	seed::{sample_seed, SeedRng},
};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::ConstU32;
use sp_runtime::BoundedVec;

/// Longest input tensor name, in bytes.
pub const MAX_TENSOR_NAME_LEN: u32 = 64;

/// Highest rank of a per-sample input shape.
pub const MAX_RANK: u32 = 8;

/// Most elements in one sample's input (`2^20`: 4 MiB of `f32`), so that generating a sample
/// never needs an unbounded allocation whatever a spec says.
pub const MAX_ELEMENTS_PER_SAMPLE: u32 = 1 << 20;

/// Largest magnitude of a uniform range bound, in thousandths (±1000.0).
///
/// Inputs of a challenge model are activations of order one, so this does not restrict any real
/// model. It keeps the exact integer form of a value, `min·2^24 + (max−min)·u`, below `2^46`, so
/// that [`SampleInput::to_f32`] can hold it exactly in an `f64` (see there).
pub const MAX_ABS_MILLI: i32 = 1_000_000;

/// Name of an ONNX input tensor (UTF-8 bytes).
pub type TensorName = BoundedVec<u8, ConstU32<MAX_TENSOR_NAME_LEN>>;

/// Shape of one sample's input, without the batch dimension (the worker stacks `n` samples
/// along a leading batch axis).
pub type Shape = BoundedVec<u32, ConstU32<MAX_RANK>>;

/// Which values an input tensor holds; this also fixes its element type.
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
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all_fields = "camelCase"))]
pub enum InputKind {
	/// `f32` values spread uniformly over `[min_milli, max_milli]` thousandths, e.g. the
	/// activations fed to a dense MLP.
	#[codec(index = 0)]
	Uniform {
		/// Lower bound, in thousandths.
		min_milli: i32,
		/// Upper bound, in thousandths; greater than `min_milli`.
		max_milli: i32,
	},
	/// `i64` token ids uniform in `0..vocab`, e.g. the sequence a small language model is
	/// scored on.
	#[codec(index = 1)]
	Tokens {
		/// Vocabulary size; positive.
		vocab: u32,
	},
	/// `i8` values uniform in `min..=max`: the input of a bit-exact integer model (int8 ×
	/// int8 → int32 arithmetic, whose outputs every device computes identically, so they are
	/// compared exactly; see [`crate::ModelSpec::is_integer`]).
	#[codec(index = 2)]
	Int8 {
		/// Smallest value.
		min: i8,
		/// Largest value; at least `min`.
		max: i8,
	},
}

/// How a registered model's input is generated: tensor name, per-sample shape, value kind.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase", deny_unknown_fields))]
pub struct InputSpec {
	/// Name of the ONNX input tensor.
	pub name: TensorName,
	/// Shape of one sample, without the batch dimension.
	pub shape: Shape,
	/// Which values the tensor holds.
	pub kind: InputKind,
}

/// Why an [`InputSpec`] is unusable.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum InputSpecError {
	/// The tensor name is empty.
	EmptyName,
	/// The shape has no dimension.
	EmptyShape,
	/// A dimension is zero, so a sample would be empty.
	ZeroDimension,
	/// A sample would have more than [`MAX_ELEMENTS_PER_SAMPLE`] elements.
	TooManyElements,
	/// A uniform range with `min_milli >= max_milli`.
	EmptyRange,
	/// A uniform range bound beyond ±[`MAX_ABS_MILLI`].
	RangeTooWide,
	/// A token vocabulary of size zero.
	EmptyVocabulary,
}

impl InputSpec {
	/// Checks the spec; the model registry refuses a spec that fails.
	pub fn validate(&self) -> Result<(), InputSpecError> {
		if self.name.is_empty() {
			return Err(InputSpecError::EmptyName);
		}
		self.element_count()?;
		match self.kind {
			InputKind::Int8 { min, max } => {
				if min > max {
					return Err(InputSpecError::EmptyRange);
				}
			}
			InputKind::Uniform { min_milli, max_milli } => {
				if min_milli >= max_milli {
					return Err(InputSpecError::EmptyRange);
				}
				if min_milli < -MAX_ABS_MILLI || max_milli > MAX_ABS_MILLI {
					return Err(InputSpecError::RangeTooWide);
				}
			}
			InputKind::Tokens { vocab } => {
				if vocab == 0 {
					return Err(InputSpecError::EmptyVocabulary);
				}
			}
		}
		Ok(())
	}

	/// Number of elements in one sample, checked against [`MAX_ELEMENTS_PER_SAMPLE`].
	pub fn element_count(&self) -> Result<u32, InputSpecError> {
		if self.shape.is_empty() {
			return Err(InputSpecError::EmptyShape);
		}
		self.shape.iter().try_fold(1u32, |count, &dim| {
			if dim == 0 {
				return Err(InputSpecError::ZeroDimension);
			}
			count
				.checked_mul(dim)
				.filter(|&count| count <= MAX_ELEMENTS_PER_SAMPLE)
				.ok_or(InputSpecError::TooManyElements)
		})
	}
}

/// One sample's input, as integers.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum SampleInput {
	/// 24-bit draws `u` (in `0..2^24`); element `j` is `min + (max − min)·u_j / 2^24`
	/// thousandths, see [`SampleInput::to_f32`].
	Uniform {
		/// Lower bound of the range, in thousandths.
		min_milli: i32,
		/// Upper bound of the range, in thousandths.
		max_milli: i32,
		/// One draw per element, in row-major order.
		draws: Vec<u32>,
	},
	/// Token ids in `0..vocab`, in row-major order.
	Tokens {
		/// The ids.
		ids: Vec<i64>,
	},
	/// `i8` values, in row-major order.
	Int8 {
		/// The values.
		values: Vec<i8>,
	},
}

impl SampleInput {
	/// Number of elements.
	pub fn len(&self) -> usize {
		match self {
			SampleInput::Uniform { draws, .. } => draws.len(),
			SampleInput::Tokens { ids } => ids.len(),
			SampleInput::Int8 { values } => values.len(),
		}
	}

	/// Whether there is no element (never, for a valid spec).
	pub fn is_empty(&self) -> bool {
		self.len() == 0
	}

	/// The `f32` values of a uniform sample; `None` for tokens.
	///
	/// Bit-identical on every IEEE-754 platform: the value
	/// `(min·2^24 + (max − min)·u) / (1000·2^24)` has an integer numerator below `2^46` (thanks
	/// to [`MAX_ABS_MILLI`]), computed exactly in `i64` and converted exactly to `f64`; then one
	/// `f64` division by the exact constant `1000·2^24` and one conversion to `f32`, both
	/// correctly rounded by IEEE-754 and never fused or reordered by Rust. No step depends on
	/// the platform's libm, SIMD width or evaluation order. Values lie in `[min, max]`.
	#[cfg(feature = "std")]
	pub fn to_f32(&self) -> Option<Vec<f32>> {
		match self {
			SampleInput::Uniform { min_milli, max_milli, draws } => {
				Some(draws.iter().map(|&u| uniform_value(*min_milli, *max_milli, u)).collect())
			}
			SampleInput::Tokens { .. } | SampleInput::Int8 { .. } => None,
		}
	}
}

/// Number of bits of a uniform draw; an `f32` has a 24-bit significand, so more would be lost.
pub const UNIFORM_DRAW_BITS: u32 = 24;

/// The `f32` value of uniform draw `u` over `[min_milli, max_milli]` thousandths; see
/// [`SampleInput::to_f32`] for why it is portable. `u` is taken modulo `2^24`.
#[cfg(feature = "std")]
pub fn uniform_value(min_milli: i32, max_milli: i32, u: u32) -> f32 {
	const SCALE: f64 = 1000.0 * (1u64 << UNIFORM_DRAW_BITS) as f64;
	let u = i64::from(u & ((1 << UNIFORM_DRAW_BITS) - 1));
	let span = i64::from(max_milli) - i64::from(min_milli);
	// Exact: |min·2^24| + |span·u| < 2^46 for specs within MAX_ABS_MILLI, and < 2^57 (no i64
	// overflow) for any i32 bounds.
	let numerator = (i64::from(min_milli) << UNIFORM_DRAW_BITS) + span * u;
	(numerator as f64 / SCALE) as f32
}

/// Generates sample `index` of the challenge with seed `seed` (the challenge seed, not the
/// sample seed: the sample seed is derived here).
///
/// The draws come from [`SeedRng`] seeded with [`sample_seed`]`(seed, index)`, one draw per
/// element in row-major order: for `Uniform`, the top 24 bits of one `u32` word; for `Tokens`,
/// [`SeedRng::below`]`(vocab)`; for `Int8`, `min + `[`SeedRng::below`]`(max − min + 1)`. Fails,
/// without allocating, when the spec is invalid.
pub fn generate_sample(
	spec: &InputSpec,
	seed: &Seed,
	index: SampleIndex,
) -> Result<SampleInput, InputSpecError> {
	spec.validate()?;
	let count = spec.element_count()? as usize;
	let mut rng = SeedRng::new(sample_seed(seed, index));
	Ok(match spec.kind {
		InputKind::Uniform { min_milli, max_milli } => SampleInput::Uniform {
			min_milli,
			max_milli,
			// The top bits: for a hash-based stream all bits are equally good, and the top
			// ones are what a reader of "a 24-bit draw" would expect.
			draws: (0..count).map(|_| rng.next_u32() >> (32 - UNIFORM_DRAW_BITS)).collect(),
		},
		InputKind::Tokens { vocab } => {
			SampleInput::Tokens { ids: (0..count).map(|_| i64::from(rng.below(vocab))).collect() }
		}
		InputKind::Int8 { min, max } => {
			// 1..=256 values: the span is positive and below 2^9, the sum stays in i8.
			let span = (i32::from(max) - i32::from(min) + 1) as u32;
			let value = |draw: u32| (i32::from(min) + draw as i32) as i8;
			SampleInput::Int8 { values: (0..count).map(|_| value(rng.below(span))).collect() }
		}
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	fn spec(shape: &[u32], kind: InputKind) -> InputSpec {
		InputSpec {
			name: TensorName::truncate_from(b"input".to_vec()),
			shape: Shape::truncate_from(shape.to_vec()),
			kind,
		}
	}

	const UNIT: InputKind = InputKind::Uniform { min_milli: -1000, max_milli: 1000 };

	#[test]
	fn validate_accepts_good_specs() {
		assert_eq!(spec(&[16], UNIT).validate(), Ok(()));
		assert_eq!(spec(&[3, 32, 32], UNIT).element_count(), Ok(3 * 32 * 32));
		assert_eq!(spec(&[128], InputKind::Tokens { vocab: 256 }).validate(), Ok(()));
		assert_eq!(spec(&[1 << 20], UNIT).validate(), Ok(()));
		let extreme = InputKind::Uniform { min_milli: -MAX_ABS_MILLI, max_milli: MAX_ABS_MILLI };
		assert_eq!(spec(&[4], extreme).validate(), Ok(()));
	}

	#[test]
	fn validate_rejects_bad_specs() {
		let mut unnamed = spec(&[4], UNIT);
		unnamed.name = TensorName::default();
		assert_eq!(unnamed.validate(), Err(InputSpecError::EmptyName));
		assert_eq!(spec(&[], UNIT).validate(), Err(InputSpecError::EmptyShape));
		assert_eq!(spec(&[4, 0], UNIT).validate(), Err(InputSpecError::ZeroDimension));
		assert_eq!(spec(&[1 << 20, 2], UNIT).validate(), Err(InputSpecError::TooManyElements));
		// Overflowing u32 is caught too, not wrapped.
		assert_eq!(
			spec(&[u32::MAX, u32::MAX], UNIT).validate(),
			Err(InputSpecError::TooManyElements)
		);
		let empty = InputKind::Uniform { min_milli: 5, max_milli: 5 };
		assert_eq!(spec(&[4], empty).validate(), Err(InputSpecError::EmptyRange));
		let reversed = InputKind::Uniform { min_milli: 5, max_milli: -5 };
		assert_eq!(spec(&[4], reversed).validate(), Err(InputSpecError::EmptyRange));
		let wide = InputKind::Uniform { min_milli: 0, max_milli: MAX_ABS_MILLI + 1 };
		assert_eq!(spec(&[4], wide).validate(), Err(InputSpecError::RangeTooWide));
		let reversed_int8 = InputKind::Int8 { min: 3, max: -3 };
		assert_eq!(spec(&[4], reversed_int8).validate(), Err(InputSpecError::EmptyRange));
		let no_vocab = InputKind::Tokens { vocab: 0 };
		assert_eq!(spec(&[4], no_vocab).validate(), Err(InputSpecError::EmptyVocabulary));
		assert_eq!(
			generate_sample(&spec(&[4], no_vocab), &[0; 32], 0),
			Err(InputSpecError::EmptyVocabulary)
		);
	}

	#[test]
	fn spec_encoding_is_bounded_and_round_trips() {
		let spec = spec(&[2, 8], InputKind::Tokens { vocab: 100 });
		let encoded = spec.encode();
		assert!(encoded.len() <= InputSpec::max_encoded_len());
		assert_eq!(InputSpec::decode(&mut &encoded[..]), Ok(spec));
	}

	#[test]
	fn spec_serde_is_camel_case() {
		let spec = spec(&[2], InputKind::Uniform { min_milli: -1, max_milli: 1 });
		let json = serde_json::to_string(&spec).unwrap();
		assert_eq!(
			json,
			r#"{"name":[105,110,112,117,116],"shape":[2],"kind":{"Uniform":{"minMilli":-1,"maxMilli":1}}}"#
		);
		assert_eq!(serde_json::from_str::<InputSpec>(&json).unwrap(), spec);
	}

	#[test]
	fn uniform_values_hit_the_bounds_exactly() {
		assert_eq!(uniform_value(-1000, 1000, 0), -1.0);
		assert_eq!(uniform_value(-1000, 1000, 1 << 23), 0.0);
		assert_eq!(uniform_value(0, 1000, 1 << 22), 0.25);
		// The largest draw stays below the upper bound (by 2^-24 of the span, then rounded).
		let top = uniform_value(-1000, 1000, (1 << 24) - 1);
		assert!(top < 1.0 && top > 0.99999);
		// Extreme ranges stay exact where the value is representable.
		assert_eq!(uniform_value(-MAX_ABS_MILLI, MAX_ABS_MILLI, 0), -1000.0);
		assert_eq!(uniform_value(-MAX_ABS_MILLI, MAX_ABS_MILLI, 1 << 23), 0.0);
	}

	#[test]
	fn uniform_values_pin_known_bits() {
		// Hard-coded bit patterns (computed independently with Python's float and
		// `struct.pack('<f', …)`): a change here means workers and verifiers built from
		// different versions would feed different inputs to the model.
		assert_eq!(uniform_value(-1000, 1000, 12_345_678).to_bits(), 0x3ef1_8538);
		assert_eq!(uniform_value(-1500, 2500, 1).to_bits(), 0xbfbf_fffe);
		assert_eq!(uniform_value(1, 3, 7_654_321).to_bits(), 0x3afa_abb7);
	}

	#[test]
	fn generated_samples_follow_the_spec() {
		let seed = [4u8; 32];
		let uniform = generate_sample(&spec(&[2, 3], UNIT), &seed, 0).unwrap();
		assert_eq!(uniform.len(), 6);
		assert!(uniform.to_f32().is_some_and(|v| v.len() == 6));
		let tokens =
			generate_sample(&spec(&[5], InputKind::Tokens { vocab: 3 }), &seed, 0).unwrap();
		assert_eq!(tokens.len(), 5);
		assert_eq!(tokens.to_f32(), None);
		// Samples differ by index, and the generator is what the docs say.
		let other = generate_sample(&spec(&[2, 3], UNIT), &seed, 1).unwrap();
		assert_ne!(uniform, other);
		let mut rng = SeedRng::new(sample_seed(&seed, 0));
		let expected: Vec<u32> = (0..6).map(|_| rng.next_u32() >> 8).collect();
		assert_eq!(
			uniform,
			SampleInput::Uniform { min_milli: -1000, max_milli: 1000, draws: expected }
		);
	}

	#[test]
	fn int8_draws_cover_the_whole_range_and_follow_the_stream() {
		let full = spec(&[4096], InputKind::Int8 { min: i8::MIN, max: i8::MAX });
		let SampleInput::Int8 { values } = generate_sample(&full, &[7; 32], 3).unwrap() else {
			panic!("an int8 spec generates int8 values");
		};
		assert!(values.contains(&i8::MIN) && values.contains(&i8::MAX));
		// Element j is min + below(span) of the sample's stream, in order.
		let mut rng = SeedRng::new(sample_seed(&[7; 32], 3));
		let expected: Vec<i8> = (0..4096).map(|_| (rng.below(256) as i32 - 128) as i8).collect();
		assert_eq!(values, expected);
		// A one-value range is constant.
		let constant = spec(&[5], InputKind::Int8 { min: -2, max: -2 });
		assert_eq!(
			generate_sample(&constant, &[1; 32], 0),
			Ok(SampleInput::Int8 { values: vec![-2; 5] })
		);
	}

	fn kind() -> impl Strategy<Value = InputKind> {
		prop_oneof![
			(-MAX_ABS_MILLI..MAX_ABS_MILLI, 1..=2 * MAX_ABS_MILLI).prop_map(|(min, span)| {
				InputKind::Uniform { min_milli: min, max_milli: (min + span).min(MAX_ABS_MILLI) }
			}),
			(1u32..).prop_map(|vocab| InputKind::Tokens { vocab }),
			(any::<i8>(), any::<i8>())
				.prop_map(|(a, b)| InputKind::Int8 { min: a.min(b), max: a.max(b) }),
		]
	}

	proptest! {
		#[test]
		fn generator_is_deterministic_and_in_range(
			kind in kind(),
			shape in proptest::collection::vec(1u32..6, 1..4),
			seed in any::<[u8; 32]>(),
			index in any::<u32>(),
		) {
			let spec = spec(&shape, kind);
			prop_assume!(spec.validate().is_ok());
			let sample = generate_sample(&spec, &seed, index).unwrap();
			prop_assert_eq!(&sample, &generate_sample(&spec, &seed, index).unwrap());
			prop_assert_eq!(sample.len() as u32, spec.element_count().unwrap());
			match (&sample, kind) {
				(SampleInput::Uniform { draws, .. }, InputKind::Uniform { min_milli, max_milli }) => {
					let (min, max) = (min_milli as f32 / 1000.0, max_milli as f32 / 1000.0);
					prop_assert!(draws.iter().all(|&u| u < 1 << 24));
					for value in sample.to_f32().unwrap() {
						// Up to one f32 rounding step outside the decimal bounds' own rounding.
						prop_assert!(value >= min - min.abs() * 1e-6 && value <= max + max.abs() * 1e-6,
							"{} not in [{}, {}]", value, min, max);
					}
				},
				(SampleInput::Tokens { ids }, InputKind::Tokens { vocab }) =>
					prop_assert!(ids.iter().all(|&id| id >= 0 && id < i64::from(vocab))),
				(SampleInput::Int8 { values }, InputKind::Int8 { min, max }) =>
					prop_assert!(values.iter().all(|&v| (min..=max).contains(&v))),
				_ => prop_assert!(false, "kind changed"),
			}
		}

		#[test]
		fn uniform_value_matches_the_exact_rational(
			min in -MAX_ABS_MILLI..MAX_ABS_MILLI,
			span in 1..=2 * MAX_ABS_MILLI,
			u in 0u32..1 << 24,
		) {
			let max = (min + span).min(MAX_ABS_MILLI);
			prop_assume!(min < max);
			// The result is within one f32 rounding (plus the f64 one) of the exact value.
			let exact = min as f64 / 1000.0 + (max - min) as f64 * u as f64 / 1000.0 / 16_777_216.0;
			let value = uniform_value(min, max, u) as f64;
			prop_assert!((value - exact).abs() <= exact.abs() * 1.2e-7 + 1e-30);
		}
	}
}
