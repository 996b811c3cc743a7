//! Merkle proofs as the runtime checks a reveal: whatever the proof, root, leaf count and index,
//! `verify_leaf` answers without panicking, and over a tree built from the input a real proof
//! verifies while the same proof for another index or another leaf does not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use poai_primitives::{commitment_root, leaf_hash, merkle_proof, verify_leaf};
use sp_core::H256;

fuzz_target!(|data: &[u8]| {
	if data.len() < 9 {
		return;
	}
	let number_of_leaves = u32::from_le_bytes([data[0], data[1], data[2], data[3]]);
	let index = u32::from_le_bytes([data[4], data[5], data[6], data[7]]);
	let rest = &data[8..];
	// Arbitrary proofs against arbitrary claims.
	let hashes: Vec<H256> = rest.chunks(32).map(H256::from_slice_padded).collect();
	if let Some((root, proof)) = hashes.split_first() {
		let leaf = proof.first().copied().unwrap_or_default();
		let _ = verify_leaf(root, proof, number_of_leaves, index, leaf);
	}
	// A real tree of up to 64 leaves made from the input.
	let leaves: Vec<H256> = rest
		.chunks(4)
		.take(64)
		.enumerate()
		.map(|(i, chunk)| {
			let value = chunk.iter().fold(0i32, |a, &b| a.wrapping_mul(257).wrapping_add(b as i32));
			leaf_hash(i as u32, &[value])
		})
		.collect();
	if leaves.is_empty() {
		return;
	}
	let count = leaves.len() as u32;
	let index = index % count;
	let root = commitment_root(&leaves);
	let proof = merkle_proof(&leaves, index).expect("an index in range has a proof");
	assert!(verify_leaf(&root, &proof, count, index, leaves[index as usize]));
	let forged = H256::repeat_byte(data[8]);
	if !leaves.contains(&forged) {
		assert!(!verify_leaf(&root, &proof, count, index, forged), "a forged leaf verified");
	}
	if count > 1 {
		let other = (index + 1) % count;
		if leaves[other as usize] != leaves[index as usize] {
			assert!(
				!verify_leaf(&root, &proof, count, other, leaves[index as usize]),
				"a proof verified at another index"
			);
		}
	}
	assert!(merkle_proof(&leaves, count).is_none());
});

trait FromSlicePadded {
	fn from_slice_padded(bytes: &[u8]) -> Self;
}

impl FromSlicePadded for H256 {
	fn from_slice_padded(bytes: &[u8]) -> Self {
		let mut out = [0u8; 32];
		out[..bytes.len()].copy_from_slice(bytes);
		H256(out)
	}
}
