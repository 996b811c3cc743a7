//! Challenge input generation from an arbitrary (SCALE-decoded) input spec, seed and sample
//! index, as the worker and the verifiers run it: an invalid spec is an error, a valid one
//! gives exactly its element count, the same bytes each time, inside its declared range.
//! Samples of more than 4,096 elements are validated but not generated (the per-element code
//! is the same; they only slow the fuzzer down).
#![no_main]

use codec::Decode;
use libfuzzer_sys::fuzz_target;
use poai_primitives::{generate_sample, InputKind, InputSpec, SampleInput};

fuzz_target!(|data: &[u8]| {
	if data.len() < 36 {
		return;
	}
	let mut seed = [0u8; 32];
	seed.copy_from_slice(&data[..32]);
	let index = u32::from_le_bytes([data[32], data[33], data[34], data[35]]);
	let mut rest = &data[36..];
	let Ok(spec) = InputSpec::decode(&mut rest) else { return };
	// Every element is drawn by the same code: past a few thousand, a larger sample adds time,
	// not coverage. Larger specs are still validated (up to the 2^20-element bound).
	if spec.element_count().is_ok_and(|count| count > 4096) {
		return;
	}
	let Ok(sample) = generate_sample(&spec, &seed, index) else {
		assert!(spec.validate().is_err() || spec.element_count().is_err());
		return;
	};
	let count = spec.element_count().expect("a generated spec has an element count") as usize;
	assert_eq!(sample.len(), count);
	assert_eq!(generate_sample(&spec, &seed, index).ok(), Some(sample.clone()));
	match (spec.kind, &sample) {
		(InputKind::Uniform { min_milli, max_milli }, SampleInput::Uniform { .. }) => {
			let values = sample.to_f32().expect("uniform samples are floats");
			let (low, high) = (min_milli as f32 / 1000.0, max_milli as f32 / 1000.0);
			assert!(values.iter().all(|v| *v >= low && *v <= high), "a value out of range");
		}
		(InputKind::Tokens { vocab }, SampleInput::Tokens { ids }) => {
			assert!(ids.iter().all(|&t| t >= 0 && (t as u64) < u64::from(vocab)));
		}
		(InputKind::Int8 { min, max }, SampleInput::Int8 { values }) => {
			assert!(values.iter().all(|v| (min..=max).contains(v)), "a value out of range");
		}
		_ => panic!("the sample's kind differs from the spec's"),
	}
});
