//! The tolerance check and the verdicts built on it, on arbitrary outputs, scales and
//! tolerances: no panic, no overflow; an output always agrees with itself, and a verdict's
//! agreements and dissenters are consistent with its committee.
#![no_main]

use libfuzzer_sys::fuzz_target;
use poai_primitives::{committee_verdict, verdict, within_tolerance, Tolerance, Verdict};

fuzz_target!(|data: &[u8]| {
	if data.len() < 10 {
		return;
	}
	let scale_bits = data[0];
	let tol = Tolerance {
		rel_l2_ppm: u32::from_le_bytes([data[1], data[2], data[3], data[4]]),
		max_abs_ppm: u32::from_le_bytes([data[5], data[6], data[7], data[8]]),
	};
	let committee = usize::from(data[9] % 8);
	let values: Vec<i32> = data[10..]
		.chunks(4)
		.map(|c| {
			let mut word = [0u8; 4];
			word[..c.len()].copy_from_slice(c);
			i32::from_le_bytes(word)
		})
		.collect();
	let width = (values.len() / 4).max(1);
	let outputs: Vec<&[i32]> = values.chunks(width).collect();
	let Some((worker, verifiers)) = outputs.split_first() else { return };
	if let Ok(own) = within_tolerance(worker, worker, scale_bits, tol) {
		assert!(own.passed, "an output disagrees with itself");
	}
	for reference in verifiers {
		let _ = within_tolerance(worker, reference, scale_bits, tol);
	}
	let report = verdict(worker, verifiers, scale_bits, tol);
	assert_eq!(report.agreements.len(), verifiers.len());
	assert!(report.dissenters.iter().all(|&d| (d as usize) < verifiers.len()));
	let decided = committee_verdict(worker, verifiers, committee, scale_bits, tol);
	if decided.verdict != Verdict::Inconclusive {
		let side = decided.verdict == Verdict::Pass;
		let votes = decided.agreements.iter().filter(|&&a| a == side).count();
		assert!(2 * votes > committee.max(verifiers.len()), "a decision without a majority");
	}
});
