//! Challenge seeds and the deterministic stream of draws they drive.
//!
//! Only the seed of a challenge is stored on chain; everything else (the model, every input
//! value) is re-derived from it by the worker and by the verifiers. The derivations must
//! therefore give the same result on every platform, natively and in wasm: they use Blake2-256
//! and integer arithmetic only.
//!
//! # Derivations
//!
//! `‖` is byte concatenation, integers are little-endian, tags are ASCII without a length
//! prefix. (Each is exactly the SCALE encoding of the tuple of its parts, which is how it is
//! computed.)
//!
//! | value | definition |
//! | --- | --- |
//! | [`challenge_seed`] | `blake2_256(randomness ‖ round_u32 ‖ worker_public_key)` |
//! | [`sample_seed`] | `blake2_256("poai/sample" ‖ seed ‖ index_u32)` |
//! | [`model_choice`] | `SeedRng(blake2_256("poai/model" ‖ seed)).below(count)` |
//! | [`SeedRng`] block `i` | `blake2_256(seed ‖ i_u64)`, read as eight `u32` words |
//!
//! Tags keep the derived streams apart: a sample's draws can never equal the model draw, nor
//! another sample's, even though all of them come from one challenge seed.

use crate::{
	ids::{Randomness, SampleIndex, Seed, SessionIndex},
	WorkerId,
};
use codec::Encode;
use sp_io::hashing::blake2_256;

/// Tag of [`sample_seed`].
const SAMPLE_TAG: [u8; 11] = *b"poai/sample";
/// Tag of [`model_choice`].
const MODEL_TAG: [u8; 10] = *b"poai/model";

/// The seed of `worker`'s challenge in `round`: `blake2_256(randomness ‖ round ‖ worker)`.
///
/// `randomness` is the epoch randomness at round start, which no single block author chooses,
/// so a worker cannot pick the inputs it is challenged with.
pub fn challenge_seed(randomness: &Randomness, round: SessionIndex, worker: &WorkerId) -> Seed {
	// An sr25519 public key encodes as its 32 raw bytes, a `u32` as 4 little-endian bytes and a
	// byte array without a length prefix, so this is exactly the concatenation.
	(randomness, round, worker).using_encoded(blake2_256)
}

/// The seed of sample `index` of the challenge with seed `seed`.
///
/// Each sample has its own seed, so that a verifier opening sample 917 regenerates that sample
/// alone instead of the 916 before it.
pub fn sample_seed(seed: &Seed, index: SampleIndex) -> Seed {
	(SAMPLE_TAG, seed, index).using_encoded(blake2_256)
}

/// Which of `count` candidate models the challenge with seed `seed` uses: an index in
/// `0..count`, or `None` when there is no candidate.
///
/// The caller lists the candidates (the active models serving the worker's hardware class) in
/// a deterministic order, e.g. by model id.
pub fn model_choice(seed: &Seed, count: u32) -> Option<u32> {
	if count == 0 {
		return None;
	}
	let mut rng = SeedRng::new((MODEL_TAG, seed).using_encoded(blake2_256));
	Some(rng.below(count))
}

/// Number of `u32` words in one Blake2-256 block.
const WORDS_PER_BLOCK: usize = 8;

/// A deterministic pseudo-random stream driven by a [`Seed`]: Blake2-256 in counter mode.
///
/// Block `i` is `blake2_256(seed ‖ i as u64 little-endian)`, read as eight little-endian `u32`
/// words; words are handed out in order, and [`SeedRng::next_u64`] takes two words, low first.
///
/// Why this and not a faster generator (xoshiro, PCG): the definition is one line, it
/// reproduces in any language with a Blake2b implementation (e.g. Python's `hashlib`, for the
/// model calibration scripts), it has no floating point and no platform-dependent behaviour, and
/// in the runtime the hashing is a host call. Generating inputs costs one hash per 32 bytes,
/// which is negligible next to running the model on them.
#[derive(Clone, Debug)]
pub struct SeedRng {
	seed: Seed,
	/// Index of the next block to hash.
	counter: u64,
	/// The current block, decoded.
	words: [u32; WORDS_PER_BLOCK],
	/// Index of the next unused word of `words`; `WORDS_PER_BLOCK` when they are used up.
	next: usize,
}

impl SeedRng {
	/// A stream positioned at the first word of block 0 of `seed`.
	pub fn new(seed: Seed) -> Self {
		Self { seed, counter: 0, words: [0; WORDS_PER_BLOCK], next: WORDS_PER_BLOCK }
	}

	/// Hashes the next block into `words`.
	fn refill(&mut self) {
		let block = (self.seed, self.counter).using_encoded(blake2_256);
		for (word, bytes) in self.words.iter_mut().zip(block.chunks_exact(4)) {
			*word = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
		}
		// 2^64 blocks are out of reach; wrapping keeps this free of overflow checks.
		self.counter = self.counter.wrapping_add(1);
		self.next = 0;
	}

	/// The next 32 uniformly distributed bits.
	pub fn next_u32(&mut self) -> u32 {
		if self.next >= WORDS_PER_BLOCK {
			self.refill();
		}
		let word = self.words.get(self.next).copied().unwrap_or_default();
		self.next = self.next.saturating_add(1);
		word
	}

	/// The next 64 uniformly distributed bits: two words, the first one low.
	pub fn next_u64(&mut self) -> u64 {
		let low = u64::from(self.next_u32());
		let high = u64::from(self.next_u32());
		low | (high << 32)
	}

	/// A draw in `0..bound` (`0` when `bound` is `0`), from one [`SeedRng::next_u64`].
	///
	/// Computed as `(next_u64 · bound) >> 64`: a fixed amount of work and no rejection loop, so
	/// the runtime's cost is bounded. The bias is below `bound / 2^64 < 2^-32` per value.
	pub fn below(&mut self, bound: u32) -> u32 {
		let wide = (u128::from(self.next_u64()) * u128::from(bound)) >> 64;
		// `wide < bound`, so it fits.
		u32::try_from(wide).unwrap_or(0)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::test_utils::{worker, worker_from_bytes};
	use proptest::prelude::*;
	use sp_core::H256;

	#[test]
	fn challenge_seed_is_the_documented_concatenation() {
		let randomness = [7u8; 32];
		let alice = worker("Alice");
		let mut bytes = randomness.to_vec();
		bytes.extend_from_slice(&42u32.to_le_bytes());
		bytes.extend_from_slice(alice.as_ref());
		assert_eq!(bytes.len(), 68);
		assert_eq!(challenge_seed(&randomness, 42, &alice), blake2_256(&bytes));
	}

	#[test]
	fn sample_seed_is_the_documented_concatenation() {
		let seed = [3u8; 32];
		let mut bytes = b"poai/sample".to_vec();
		bytes.extend_from_slice(&seed);
		bytes.extend_from_slice(&9u32.to_le_bytes());
		assert_eq!(sample_seed(&seed, 9), blake2_256(&bytes));
	}

	#[test]
	fn rng_is_blake2_in_counter_mode() {
		let seed = [1u8; 32];
		let mut rng = SeedRng::new(seed);
		let mut expected = Vec::new();
		for counter in 0u64..3 {
			let mut input = seed.to_vec();
			input.extend_from_slice(&counter.to_le_bytes());
			let block = blake2_256(&input);
			expected.extend(
				block.chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
			);
		}
		let drawn: Vec<u32> = (0..24).map(|_| rng.next_u32()).collect();
		assert_eq!(drawn, expected);
	}

	#[test]
	fn known_answers() {
		// Computed independently with Python's `hashlib.blake2b(digest_size=32)`. These values
		// must never change: workers and verifiers built from different versions, or tools in
		// other languages, would derive other inputs.
		let alice = worker("Alice");
		let seed = challenge_seed(&[7u8; 32], 42, &alice);
		assert_eq!(
			H256(seed),
			H256(hex_literal("469dc81fe9d39a0aea03a51e385325d61f0946336086d5ec365711535dd37ed8"))
		);
		assert_eq!(
			H256(sample_seed(&seed, 3)),
			H256(hex_literal("d6e22070a30571390ade0a8c9b23c42e1a544560bfbc3bba53f64fb448021891"))
		);
		let mut rng = SeedRng::new([0u8; 32]);
		assert_eq!(rng.next_u32(), 0x8031_194a);
		assert_eq!(rng.next_u32(), 0x31f4_6135);
		let mut rng = SeedRng::new([0u8; 32]);
		assert_eq!([rng.below(1000), rng.below(1000), rng.below(1000)], [195, 40, 498]);
		let mut rng = SeedRng::new(sample_seed(&seed, 3));
		let draws: Vec<u32> = (0..4).map(|_| rng.next_u32() >> 8).collect();
		assert_eq!(draws, [10_065_219, 16_381_007, 8_227_046, 13_491_550]);
	}

	fn hex_literal(hex: &str) -> [u8; 32] {
		let mut out = [0u8; 32];
		for (byte, pair) in out.iter_mut().zip(hex.as_bytes().chunks(2)) {
			*byte = u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap();
		}
		out
	}

	#[test]
	fn below_stays_below_and_handles_edges() {
		let mut rng = SeedRng::new([9u8; 32]);
		assert_eq!(rng.below(0), 0);
		assert_eq!(rng.below(1), 0);
		for bound in [2u32, 3, 10, 1000, u32::MAX] {
			for _ in 0..200 {
				assert!(rng.below(bound) < bound);
			}
		}
	}

	#[test]
	fn below_is_roughly_uniform() {
		// 60 000 draws over 6 buckets: each count is 10 000 ± 4σ (σ ≈ 91).
		let mut rng = SeedRng::new([5u8; 32]);
		let mut counts = [0u32; 6];
		for _ in 0..60_000 {
			counts[rng.below(6) as usize] += 1;
		}
		for count in counts {
			assert!((9_635..=10_365).contains(&count), "{counts:?}");
		}
	}

	#[test]
	fn model_choice_handles_empty_and_single_lists() {
		assert_eq!(model_choice(&[0u8; 32], 0), None);
		assert_eq!(model_choice(&[0u8; 32], 1), Some(0));
		let seed = challenge_seed(&[1u8; 32], 1, &worker("Alice"));
		assert!(model_choice(&seed, 5).is_some_and(|m| m < 5));
	}

	proptest! {
		#[test]
		fn seeds_differ_across_rounds_and_workers(
			randomness in any::<[u8; 32]>(),
			round in any::<u32>(),
			other_round in any::<u32>(),
			key in any::<[u8; 32]>(),
			other_key in any::<[u8; 32]>(),
		) {
			let worker = worker_from_bytes(key);
			let seed = challenge_seed(&randomness, round, &worker);
			prop_assert_eq!(seed, challenge_seed(&randomness, round, &worker));
			if other_round != round {
				prop_assert_ne!(seed, challenge_seed(&randomness, other_round, &worker));
			}
			if other_key != key {
				prop_assert_ne!(seed, challenge_seed(&randomness, round, &worker_from_bytes(other_key)));
			}
			let mut other_randomness = randomness;
			other_randomness[0] ^= 1;
			prop_assert_ne!(seed, challenge_seed(&other_randomness, round, &worker));
		}

		#[test]
		fn sample_seeds_differ_across_indices(seed in any::<[u8; 32]>(), a in any::<u32>(), b in any::<u32>()) {
			prop_assert_eq!(sample_seed(&seed, a), sample_seed(&seed, a));
			if a != b {
				prop_assert_ne!(sample_seed(&seed, a), sample_seed(&seed, b));
			}
			prop_assert_ne!(sample_seed(&seed, a), seed);
		}

		#[test]
		fn rng_is_deterministic(seed in any::<[u8; 32]>(), bound in 1u32.., len in 0usize..100) {
			let mut a = SeedRng::new(seed);
			let mut b = SeedRng::new(seed);
			for _ in 0..len {
				let x = a.below(bound);
				prop_assert_eq!(x, b.below(bound));
				prop_assert!(x < bound);
			}
			prop_assert_eq!(a.next_u64(), b.next_u64());
		}
	}
}
