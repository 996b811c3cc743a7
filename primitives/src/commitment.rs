//! Leaf hashing and the Merkle commitment to a round's outputs.
//!
//! The worker commits to its `n` quantised outputs with the root of a binary Merkle tree
//! (polkadot-sdk's `binary-merkle-tree`, Blake2-256) over one leaf per sample, and later opens
//! the audited samples with a proof each. The leaves are already hashes, so the tree is built
//! with the crate's `_raw` functions, which do not hash them again.
//!
//! Leaves and inner nodes cannot be confused: an inner node hashes 64 bytes, while a leaf hashes
//! `SCALE(index, output)`, which is `4 + 1 + 4·len` bytes for outputs shorter than 64 elements
//! (never 64) and more than 64 bytes for longer ones. Each leaf also binds its own index, so
//! the proof for one sample cannot be replayed as another's.

use crate::ids::SampleIndex;
use alloc::vec::Vec;
use codec::Encode;
use sp_core::{ConstU32, H256};
use sp_io::hashing::blake2_256;
use sp_runtime::{traits::BlakeTwo256, BoundedVec};

/// The hasher of the tree: Blake2-256, through the host function when in the runtime.
pub type MerkleHasher = BlakeTwo256;

/// Longest Merkle proof: `⌈log2 n⌉ ≤ 32` hashes for any `n` that fits a [`SampleIndex`].
pub const MAX_PROOF_LEN: u32 = 32;

/// The sibling hashes proving one leaf, from the leaf up; bounded so that the runtime can take
/// it in a call.
pub type MerkleProof = BoundedVec<H256, ConstU32<MAX_PROOF_LEN>>;

/// The leaf of sample `index` with quantised output `quantised`:
/// `blake2_256(SCALE(index, quantised))`, i.e. of `index_u32_le ‖ compact(len) ‖ i32_le…`.
pub fn leaf_hash(index: SampleIndex, quantised: &[i32]) -> H256 {
	H256((index, quantised).using_encoded(blake2_256))
}

/// The root committing to `leaves` (leaf `i` at position `i`).
///
/// An empty list gives the zero hash; the protocol never commits to zero samples.
pub fn commitment_root(leaves: &[H256]) -> H256 {
	binary_merkle_tree::merkle_root_raw::<MerkleHasher, _>(leaves.iter().copied())
}

/// The proof of leaf `index` among `leaves`, or `None` when `index` is out of range (or there
/// are more than `u32::MAX` leaves).
pub fn merkle_proof(leaves: &[H256], index: SampleIndex) -> Option<MerkleProof> {
	// `merkle_proof_raw` panics on an index out of range: check first.
	let count = u32::try_from(leaves.len()).ok()?;
	if index >= count {
		return None;
	}
	let proof =
		binary_merkle_tree::merkle_proof_raw::<MerkleHasher, _>(leaves.iter().copied(), index);
	// At most ⌈log2 count⌉ ≤ 32 items, so this always fits.
	MerkleProof::try_from(proof.proof).ok()
}

/// Whether `proof` proves that `leaf` is leaf `index` of a tree of `number_of_leaves` leaves
/// with root `root`. `false` for an index out of range.
pub fn verify_leaf(
	root: &H256,
	proof: &[H256],
	number_of_leaves: u32,
	index: SampleIndex,
	leaf: H256,
) -> bool {
	binary_merkle_tree::verify_proof::<MerkleHasher, _, _>(
		root,
		proof.iter().copied(),
		number_of_leaves,
		index,
		binary_merkle_tree::Leaf::Hash(leaf),
	)
}

/// Whether `quantised` is the committed output of sample `index`: hashes the leaf with its
/// index (so a reveal cannot be moved to another position) and checks `proof` against `root`.
/// What the runtime runs on a reveal.
pub fn verify_sample(
	root: &H256,
	number_of_leaves: u32,
	index: SampleIndex,
	quantised: &[i32],
	proof: &[H256],
) -> bool {
	verify_leaf(root, proof, number_of_leaves, index, leaf_hash(index, quantised))
}

/// Builds the leaves of a whole batch of quantised outputs, sample `i` at position `i`.
pub fn leaves<O: AsRef<[i32]>>(outputs: &[O]) -> Vec<H256> {
	// A closed range: zipping stops at `u32::MAX` instead of overflowing the index.
	outputs
		.iter()
		.zip(0..=SampleIndex::MAX)
		.map(|(output, index)| leaf_hash(index, output.as_ref()))
		.collect()
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	fn outputs(n: u32) -> Vec<Vec<i32>> {
		(0..n).map(|i| vec![i as i32, -(i as i32), 7]).collect()
	}

	#[test]
	fn leaf_hash_is_blake2_of_the_scale_encoding() {
		let mut bytes = 5u32.to_le_bytes().to_vec();
		bytes.push(3 << 2); // compact(3)
		for x in [1i32, -1, 1000] {
			bytes.extend_from_slice(&x.to_le_bytes());
		}
		assert_eq!(leaf_hash(5, &[1, -1, 1000]), H256(blake2_256(&bytes)));
		assert_ne!(leaf_hash(5, &[1, -1, 1000]), leaf_hash(6, &[1, -1, 1000]));
		assert_ne!(leaf_hash(5, &[1, -1, 1000]), leaf_hash(5, &[1, -1, 1001]));
		// No leaf preimage is 64 bytes long, the length of an inner node's preimage.
		for len in 0..100usize {
			assert_ne!((0u32, vec![0i32; len]).encode().len(), 64);
		}
	}

	#[test]
	fn small_trees() {
		assert_eq!(commitment_root(&[]), H256::zero());
		let one = leaves(&outputs(1));
		// A single leaf is its own root, with an empty proof.
		assert_eq!(commitment_root(&one), one[0]);
		assert_eq!(merkle_proof(&one, 0).map(|p| p.len()), Some(0));
		assert!(verify_leaf(&one[0], &[], 1, 0, one[0]));
		let two = leaves(&outputs(2));
		let root = H256(blake2_256(&[two[0].0, two[1].0].concat()));
		assert_eq!(commitment_root(&two), root);
		assert_eq!(merkle_proof(&two, 1).unwrap().into_inner(), vec![two[0]]);
		assert_eq!(merkle_proof(&two, 2), None);
		assert_eq!(merkle_proof(&[], 0), None);
		assert!(!verify_leaf(&root, &[two[0]], 2, 2, two[1]));
		assert!(!verify_leaf(&root, &[two[0]], 0, 0, two[1]));
	}

	#[test]
	fn proofs_of_a_large_tree_fit_the_bound() {
		let leaves: Vec<H256> = (0..5000u32).map(|i| leaf_hash(i, &[])).collect();
		let root = commitment_root(&leaves);
		assert_eq!(merkle_proof(&leaves, 0).map(|p| p.len()), Some(13));
		for index in [0, 1, 2047, 2048, 4095, 4096, 4999] {
			let proof = merkle_proof(&leaves, index).unwrap();
			// ⌈log2 5000⌉ = 13; a leaf promoted past a level has no sibling there.
			assert!(proof.len() <= 13);
			assert!(verify_leaf(&root, &proof, 5000, index, leaves[index as usize]));
		}
	}

	#[test]
	fn samples_verify_against_their_commitment() {
		let outputs = outputs(7);
		let leaves = leaves(&outputs);
		let root = commitment_root(&leaves);
		for (index, output) in (0u32..).zip(&outputs) {
			let proof = merkle_proof(&leaves, index).unwrap();
			assert!(verify_sample(&root, 7, index, output, &proof));
			let mut forged = output.clone();
			forged[0] += 1;
			assert!(!verify_sample(&root, 7, index, &forged, &proof));
			// The output of one sample revealed at another index fails, whatever the proof.
			let other = (index + 1) % 7;
			let other_proof = merkle_proof(&leaves, other).unwrap();
			assert!(!verify_sample(&root, 7, other, output, &other_proof));
		}
	}

	proptest! {
		#[test]
		fn proofs_verify_for_every_index_and_fail_when_tampered(
			n in 1u32..200,
			salt in any::<i32>(),
			flip in any::<u8>(),
		) {
			let leaves: Vec<H256> = (0..n).map(|i| leaf_hash(i, &[salt, i as i32])).collect();
			let root = commitment_root(&leaves);
			let mut other_root = root;
			other_root.0[usize::from(flip) % 32] ^= 1;
			for index in 0..n {
				let leaf = leaves[index as usize];
				let proof = merkle_proof(&leaves, index).unwrap();
				prop_assert!(verify_leaf(&root, &proof, n, index, leaf));
				// Another leaf, another index, another root, a bad sibling, another size: all fail.
				let changed = leaf_hash(index, &[salt.wrapping_add(1), index as i32]);
				prop_assert!(!verify_leaf(&root, &proof, n, index, changed));
				prop_assert!(!verify_leaf(&other_root, &proof, n, index, leaf));
				if n > 1 {
					prop_assert!(!verify_leaf(&root, &proof, n, (index + 1) % n, leaf));
					let mut bad = proof.clone().into_inner();
					let position = usize::from(flip) % bad.len();
					bad[position].0[0] ^= 1;
					prop_assert!(!verify_leaf(&root, &bad, n, index, leaf));
					prop_assert!(!verify_leaf(&root, &proof[1..], n, index, leaf));
				}
				prop_assert!(!verify_leaf(&root, &proof, n, n, leaf));
			}
		}
	}
}
