//! What the worker computed for a round, kept until it is revealed or opened, and only for
//! the challenge it was computed for.
//!
//! A round's seeds come from the randomness of the block that issued it (and an audit's samples
//! from the blocks after its commit window). When a reorganisation replaces such a block, the
//! same round asks for another challenge: outputs computed on the retracted fork must never be
//! committed or revealed on the new one. Each entry is therefore held under the fingerprint of
//! what it was computed from, and a lookup with another fingerprint finds nothing, so the
//! worker computes again.

use poai_primitives::SessionIndex;
use std::{collections::HashMap, hash::Hash};

/// What a computation was made from, exactly (SCALE-encoded): the duty's seed, and the opened
/// samples for a verifier.
pub type Fingerprint = Vec<u8>;

/// The fingerprint of a challenge: its seed.
pub fn seed_fingerprint(seed: &[u8; 32]) -> Fingerprint {
	seed.to_vec()
}

/// Per round and key: one value, with the fingerprint of what it was computed from.
pub struct ByRound<K, V> {
	entries: HashMap<(SessionIndex, K), (Fingerprint, V)>,
}

impl<K: Eq + Hash, V> Default for ByRound<K, V> {
	fn default() -> Self {
		Self { entries: HashMap::new() }
	}
}

impl<K: Eq + Hash, V> ByRound<K, V> {
	/// The value of `(round, key)` if it was computed from `fingerprint`.
	pub fn get(&self, round: SessionIndex, key: &K, fingerprint: &Fingerprint) -> Option<&V>
	where
		K: Clone,
	{
		self.entries
			.get(&(round, key.clone()))
			.filter(|(computed_from, _)| computed_from == fingerprint)
			.map(|(_, value)| value)
	}

	/// Keeps `value` for `(round, key)`, replacing whatever was computed from something else.
	pub fn insert(&mut self, round: SessionIndex, key: K, fingerprint: Fingerprint, value: V) {
		self.entries.insert((round, key), (fingerprint, value));
	}

	/// Forgets the rounds before `oldest_kept`.
	pub fn retain_from(&mut self, oldest_kept: SessionIndex) {
		self.entries.retain(|(round, _), _| *round >= oldest_kept);
	}
}

/// The fingerprint of a verifier's samples: the seed and the opened indices.
pub fn samples_fingerprint(seed: &[u8; 32], indices: &[u32]) -> Fingerprint {
	codec::Encode::encode(&(seed, indices))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn outputs_of_a_retracted_challenge_are_not_found_for_the_new_one() {
		let mut cache = ByRound::<&str, u32>::default();
		let (seed_a, seed_b) = (seed_fingerprint(&[1u8; 32]), seed_fingerprint(&[2u8; 32]));
		cache.insert(5, "alice", seed_a.clone(), 10);
		assert_eq!(cache.get(5, &"alice", &seed_a), Some(&10));
		// The issue block was replaced: round 5 now has another seed for alice.
		assert_eq!(cache.get(5, &"alice", &seed_b), None);
		cache.insert(5, "alice", seed_b.clone(), 20);
		assert_eq!(cache.get(5, &"alice", &seed_b), Some(&20));
		assert_eq!(cache.get(5, &"alice", &seed_a), None, "the stale outputs are gone");
		assert_eq!(cache.get(6, &"alice", &seed_b), None);
	}

	#[test]
	fn old_rounds_are_forgotten() {
		let mut cache = ByRound::<u8, ()>::default();
		for round in 0..5 {
			cache.insert(round, 0, vec![0], ());
		}
		cache.retain_from(3);
		assert_eq!(cache.get(2, &0, &vec![0]), None);
		assert_eq!(cache.get(3, &0, &vec![0]), Some(&()));
	}

	#[test]
	fn a_verifier_s_fingerprint_covers_the_seed_and_the_samples() {
		let seed = [7u8; 32];
		let base = samples_fingerprint(&seed, &[1, 2, 3]);
		assert_ne!(base, samples_fingerprint(&seed, &[1, 2, 4]));
		assert_ne!(base, samples_fingerprint(&[8u8; 32], &[1, 2, 3]));
		assert_eq!(base, samples_fingerprint(&seed, &[1, 2, 3]));
	}
}
