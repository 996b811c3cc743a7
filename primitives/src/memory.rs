//! The memory-bound challenge: a working set drawn from the round's seed, sized to a tier's
//! memory, that a worker must hold to answer in time.
//!
//! A compute challenge proves throughput, not memory: a 24 GB card that claims an 80 GB tier
//! computes the same batches. This challenge proves memory. Its working set, the **dataset**,
//! is `dataset_items` items of 64 bytes derived from the challenge seed, which exists only once
//! the round is issued, so it can be neither precomputed nor shared between workers (each worker
//! has its own seed). A sample is a **walk** of `steps` dependent reads at pseudo-random places
//! of the dataset; its output is a hash of what it read.
//!
//! The construction follows Ethash's light-client split, so that verification is cheap:
//!
//! - the **cache**, `cache_items` items, is a Blake2-512 chain from the seed: sequential, small
//!   (a fraction of the dataset);
//! - dataset item `i` ([`item`]) mixes `parents` cache items chosen from `i` and the cache, so
//!   computing one item costs `parents` reads of the cache;
//! - a walk ([`Walk`]) reads `steps` dataset items, each index chosen from the previous mix.
//!
//! A worker that holds the dataset pays one memory read a step. One that holds part of it (or
//! none) must recompute every missing item from the cache: `parents` reads instead of one, or stream it from slower memory (host RAM over PCIe, for a GPU). A verifier recomputes
//! the few items its opened samples touch from the cache alone: `k × steps × parents` reads.
//!
//! Every value is integer arithmetic and Blake2, the same natively and in wasm. The dataset
//! itself is built by the worker ([`item`] for each index); this module holds the definitions
//! that the worker, a verifier and the tests share.
//!
//! # Derivations
//!
//! Words are little-endian `u64`, an item is eight of them. `fnv(a, b) = (a ⊕ b) · 0x100000001b3`
//! (wrapping) and `fmix` is MurmurHash3's 64-bit finaliser.
//!
//! | value | definition |
//! | --- | --- |
//! | cache item 0 | `blake2_512("poai/memory-cache" ‖ seed)` |
//! | cache item `c > 0` | `blake2_512(cache item c − 1)` |
//! | dataset item `i` | `base = fmix(cache[i mod C] with word 0 ⊕ i)`, `mix = base`; for `j` in `0..parents`: `mix = fnv(mix, cache[fnv(i ⊕ j, base[j mod 8]) mod C])` word by word; then `fmix` each word |
//! | walk start of sample `s` | `blake2_512("poai/memory-walk" ‖ seed ‖ s_u32)` |
//! | walk step `t` | `mix = fnv(mix, dataset[fnv(t, mix[t mod 8]) mod N])` word by word |
//! | walk output | `blake2_256(mix)`, read as eight `i32` |

use crate::ids::{SampleIndex, Seed};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_crypto_hashing::{blake2_256, blake2_512};

/// Words of one item.
pub const ITEM_WORDS: usize = 8;

/// Bytes of one item of the cache or the dataset: one cache line on common hardware.
pub const ITEM_BYTES: u64 = 64;

/// One item of the cache or the dataset.
pub type Item = [u64; ITEM_WORDS];

/// Elements of one walk's output: eight `i32`, the 32 bytes of a Blake2-256.
pub const WALK_OUTPUT_LEN: u32 = 8;

/// Most dataset items: 2^34 items are 1 TiB, more than any card holds.
pub const MAX_DATASET_ITEMS: u64 = 1 << 34;

/// Most cache items: 2^24 items are 1 GiB, the most a verifier is asked to hold.
pub const MAX_CACHE_ITEMS: u32 = 1 << 24;

/// Most parents of a dataset item.
pub const MAX_PARENTS: u32 = 1024;

/// Most reads of one walk: enough for `R = N·P` at GPU scale (a 60 GiB dataset, `P` = 64,
/// 65,536 samples: 983 k steps a walk).
pub const MAX_STEPS: u32 = 1 << 22;

/// Tag of the cache's first item.
const CACHE_TAG: [u8; 17] = *b"poai/memory-cache";
/// Tag of a walk's start.
const WALK_TAG: [u8; 16] = *b"poai/memory-walk";

const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// What a memory-bound challenge asks for: the size of its working set and the reads of a
/// sample.
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
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase", deny_unknown_fields))]
pub struct MemoryParams {
	/// Items of the dataset (`N`): the working set is `N × 64` bytes.
	pub dataset_items: u64,
	/// Items of the cache (`C`) every dataset item is computed from.
	pub cache_items: u32,
	/// Cache items mixed into one dataset item: what recomputing a missing item costs, in
	/// reads.
	pub parents: u32,
	/// Dataset reads of one walk (one sample).
	pub steps: u32,
}

/// Why [`MemoryParams`] cannot be used.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MemoryParamsError {
	/// `dataset_items` is zero or above [`MAX_DATASET_ITEMS`].
	BadDatasetSize,
	/// `cache_items` is zero, above [`MAX_CACHE_ITEMS`], or not smaller than the dataset.
	BadCacheSize,
	/// `parents` is zero or above [`MAX_PARENTS`].
	BadParents,
	/// `steps` is zero or above [`MAX_STEPS`].
	BadSteps,
}

impl MemoryParams {
	/// Checks the parameters for what the worker and a verifier rely on.
	pub fn validate(&self) -> Result<(), MemoryParamsError> {
		if self.dataset_items == 0 || self.dataset_items > MAX_DATASET_ITEMS {
			return Err(MemoryParamsError::BadDatasetSize);
		}
		if self.cache_items == 0
			|| self.cache_items > MAX_CACHE_ITEMS
			|| u64::from(self.cache_items) >= self.dataset_items
		{
			return Err(MemoryParamsError::BadCacheSize);
		}
		if self.parents == 0 || self.parents > MAX_PARENTS {
			return Err(MemoryParamsError::BadParents);
		}
		if self.steps == 0 || self.steps > MAX_STEPS {
			return Err(MemoryParamsError::BadSteps);
		}
		Ok(())
	}

	/// Bytes of the dataset: the memory a worker must hold.
	pub fn dataset_bytes(&self) -> u64 {
		self.dataset_items.saturating_mul(ITEM_BYTES)
	}

	/// Bytes of the cache: the memory a verifier holds.
	pub fn cache_bytes(&self) -> u64 {
		u64::from(self.cache_items) * ITEM_BYTES
	}
}

/// What `samples` walks cost a worker that holds `resident_items` of the dataset, in reads of
/// 64-byte items (cache and dataset reads alike): building what it holds
/// (`resident × parents`), plus per walk step one read of a held item or `parents` reads to
/// recompute a missing one. Reads are uniform over the dataset, so a share `f` of them hit
/// what is held:
///
/// `reads(f) = f·N·P + R·(f + (1 − f)·P)`, with `R = samples × steps`.
///
/// With `R = N·P` (as many walk steps as the build reads), holding everything costs `2·N·P`
/// and holding a share `f` costs `f + (1 − f)·P/2` times as much: the slowdown that the
/// deadline of a memory-bound challenge turns into a miss (`docs/HARDWARE.md`).
pub fn expected_reads(params: &MemoryParams, samples: u32, resident_items: u64) -> u128 {
	let total = u128::from(params.dataset_items.max(1));
	let resident = u128::from(resident_items.min(params.dataset_items));
	let parents = u128::from(params.parents);
	let steps = u128::from(samples) * u128::from(params.steps);
	let build = resident * parents;
	let held = steps * resident / total;
	let recomputed = (steps * (total - resident)).div_ceil(total) * parents;
	build + held + recomputed
}

fn fnv(a: u64, b: u64) -> u64 {
	(a ^ b).wrapping_mul(FNV_PRIME)
}

/// MurmurHash3's 64-bit finaliser: every input bit reaches every output bit.
fn fmix(mut x: u64) -> u64 {
	x ^= x >> 33;
	x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
	x ^= x >> 33;
	x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
	x ^ (x >> 33)
}

fn words(bytes: &[u8; 64]) -> Item {
	let mut item = [0u64; ITEM_WORDS];
	for (word, chunk) in item.iter_mut().zip(bytes.chunks_exact(8)) {
		let mut le = [0u8; 8];
		le.copy_from_slice(chunk);
		*word = u64::from_le_bytes(le);
	}
	item
}

fn bytes(item: &Item) -> [u8; 64] {
	let mut out = [0u8; 64];
	for (chunk, word) in out.chunks_exact_mut(8).zip(item.iter()) {
		chunk.copy_from_slice(&word.to_le_bytes());
	}
	out
}

/// The cache of the challenge with seed `seed`: `params.cache_items` items, a Blake2-512 chain.
pub fn cache(seed: &Seed, params: &MemoryParams) -> Vec<Item> {
	let count = params.cache_items as usize;
	let mut cache = Vec::with_capacity(count);
	let mut current = (CACHE_TAG, seed).using_encoded(blake2_512);
	for _ in 0..count {
		cache.push(words(&current));
		current = blake2_512(&current);
	}
	cache
}

/// Dataset item `index`, computed from `cache` with `parents` reads.
///
/// `cache` must be non-empty (it is [`cache`] of valid params); an empty one gives a zero item.
pub fn item(cache: &[Item], index: u64, parents: u32) -> Item {
	let count = cache.len() as u64;
	if count == 0 {
		return [0; ITEM_WORDS];
	}
	let at = |i: u64| cache[(i % count) as usize];
	let mut base = at(index);
	base[0] ^= index;
	base.iter_mut().for_each(|word| *word = fmix(*word));
	let mut mix = base;
	// The parents are chosen from the item's base, not from the running mix: the `parents`
	// reads of one item are independent, so hardware keeps many in flight while computing it.
	// The mix folds them in order, so every one of them must still be read.
	for j in 0..u64::from(parents) {
		let parent = at(fnv(index ^ j, base[(j % ITEM_WORDS as u64) as usize]));
		for (word, other) in mix.iter_mut().zip(parent.iter()) {
			*word = fnv(*word, *other);
		}
	}
	mix.iter_mut().for_each(|word| *word = fmix(*word));
	mix
}

/// One sample's walk through the dataset, one step at a time, so that a worker can interleave
/// many walks and keep several reads in flight.
#[derive(Clone, Debug)]
pub struct Walk {
	mix: Item,
	step: u32,
	steps: u32,
	dataset_items: u64,
}

impl Walk {
	/// The walk of sample `sample` of the challenge with seed `seed`.
	pub fn new(seed: &Seed, sample: SampleIndex, params: &MemoryParams) -> Self {
		let start = (WALK_TAG, seed, sample).using_encoded(blake2_512);
		Self {
			mix: words(&start),
			step: 0,
			steps: params.steps,
			dataset_items: params.dataset_items.max(1),
		}
	}

	/// The dataset index the next step reads, or `None` when the walk is done.
	pub fn next_index(&self) -> Option<u64> {
		(self.step < self.steps).then(|| {
			let t = u64::from(self.step);
			fnv(t, self.mix[(t % ITEM_WORDS as u64) as usize]) % self.dataset_items
		})
	}

	/// Mixes in the item the step read (dataset item [`Self::next_index`]).
	pub fn absorb(&mut self, item: &Item) {
		for (word, other) in self.mix.iter_mut().zip(item.iter()) {
			*word = fnv(*word, *other);
		}
		self.step = self.step.saturating_add(1);
	}

	/// The walk's output: `blake2_256` of the final mix, as eight `i32`.
	pub fn output(&self) -> [i32; WALK_OUTPUT_LEN as usize] {
		let digest = blake2_256(&bytes(&self.mix));
		let mut out = [0i32; WALK_OUTPUT_LEN as usize];
		for (value, chunk) in out.iter_mut().zip(digest.chunks_exact(4)) {
			let mut le = [0u8; 4];
			le.copy_from_slice(chunk);
			*value = i32::from_le_bytes(le);
		}
		out
	}
}

/// The output of sample `sample`, reading dataset items through `read`: what a worker holding
/// the dataset and a verifier recomputing items from the cache both compute.
pub fn walk_output(
	seed: &Seed,
	sample: SampleIndex,
	params: &MemoryParams,
	mut read: impl FnMut(u64) -> Item,
) -> [i32; WALK_OUTPUT_LEN as usize] {
	let mut walk = Walk::new(seed, sample, params);
	while let Some(index) = walk.next_index() {
		walk.absorb(&read(index));
	}
	walk.output()
}

#[cfg(test)]
mod tests {
	use super::*;

	/// Sample 7's output for seed `0x5a…5a` and the pinned test's parameters.
	const KNOWN_ANSWER: [i32; 8] = [
		572759997,
		-173642256,
		1669651968,
		-1510578016,
		472729369,
		-1030185781,
		-7476697,
		-1299665802,
	];

	fn params() -> MemoryParams {
		MemoryParams { dataset_items: 4096, cache_items: 64, parents: 16, steps: 32 }
	}

	#[test]
	fn the_cache_and_every_item_depend_on_the_seed() {
		let params = params();
		let (a, b) = (cache(&[1; 32], &params), cache(&[2; 32], &params));
		assert_eq!(a.len(), 64);
		assert_eq!(a, cache(&[1; 32], &params), "the cache is a function of the seed");
		assert!(a.iter().zip(&b).all(|(x, y)| x != y));
		for index in [0, 1, 63, 64, 4095] {
			assert_ne!(item(&a, index, 16), item(&b, index, 16));
		}
	}

	#[test]
	fn an_item_mixes_all_its_parents() {
		let params = params();
		let cache = cache(&[3; 32], &params);
		// Changing any one cache item changes some dataset item, and changing the parent count
		// changes every one: no shortcut skips the parents' reads.
		for index in 0..64u64 {
			assert_ne!(item(&cache, index, 16), item(&cache, index, 15));
		}
		let mut touched = cache.clone();
		touched[17][5] ^= 1;
		let changed = (0..4096u64).filter(|&i| item(&cache, i, 16) != item(&touched, i, 16));
		assert!(changed.count() > 4096 / 8, "a cache item is a parent of many items");
	}

	#[test]
	fn a_walk_reads_steps_items_and_its_output_depends_on_each() {
		let params = params();
		let seed = [4; 32];
		let cache = cache(&seed, &params);
		let mut reads = Vec::new();
		let honest = walk_output(&seed, 9, &params, |index| {
			reads.push(index);
			item(&cache, index, params.parents)
		});
		assert_eq!(reads.len(), params.steps as usize);
		assert!(reads.iter().all(|&index| index < params.dataset_items));
		// One wrong item anywhere in the walk changes the output.
		for wrong_step in [0, params.steps as usize / 2, params.steps as usize - 1] {
			let mut step = 0;
			let cheated = walk_output(&seed, 9, &params, |index| {
				let mut read = item(&cache, index, params.parents);
				if step == wrong_step {
					read[0] ^= 1;
				}
				step += 1;
				read
			});
			assert_ne!(cheated, honest, "step {wrong_step}");
		}
		// Another sample walks elsewhere.
		assert_ne!(walk_output(&seed, 10, &params, |i| item(&cache, i, 16)), honest);
	}

	#[test]
	fn holding_a_share_of_the_dataset_costs_what_the_model_says() {
		// R = N·P: holding everything costs 2·N·P reads, a share f costs f + (1 − f)·P/2 times
		// as much.
		let params =
			MemoryParams { dataset_items: 1 << 20, cache_items: 1 << 14, parents: 16, steps: 256 };
		let samples = 65_536; // 2^16 × 256 = 2^24 = N·P
		let full = expected_reads(&params, samples, 1 << 20);
		assert_eq!(full, 2 * (1 << 20) * 16);
		assert_eq!(expected_reads(&params, samples, 0), 8 * full);
		assert_eq!(expected_reads(&params, samples, 1 << 19), 9 * full / 2);
		// Holding more than the dataset is holding the dataset.
		assert_eq!(expected_reads(&params, samples, u64::MAX), full);
	}

	#[test]
	fn the_definition_is_pinned() {
		// A GPU kernel, the wasm runtime and any port must reproduce these exact words.
		let params =
			MemoryParams { dataset_items: 1 << 12, cache_items: 1 << 6, parents: 16, steps: 32 };
		let seed = [0x5a; 32];
		let cache = cache(&seed, &params);
		let out = walk_output(&seed, 7, &params, |i| item(&cache, i, params.parents));
		assert_eq!(out, KNOWN_ANSWER);
	}

	#[test]
	fn params_are_checked() {
		let good = params();
		assert_eq!(good.validate(), Ok(()));
		assert_eq!(good.dataset_bytes(), 4096 * 64);
		assert_eq!(good.cache_bytes(), 64 * 64);
		let bad = |change: fn(&mut MemoryParams)| {
			let mut params = good;
			change(&mut params);
			params.validate()
		};
		use MemoryParamsError::*;
		assert_eq!(bad(|p| p.dataset_items = 0), Err(BadDatasetSize));
		assert_eq!(bad(|p| p.dataset_items = MAX_DATASET_ITEMS + 1), Err(BadDatasetSize));
		assert_eq!(bad(|p| p.cache_items = 0), Err(BadCacheSize));
		assert_eq!(bad(|p| p.cache_items = 4096), Err(BadCacheSize));
		assert_eq!(bad(|p| p.parents = 0), Err(BadParents));
		assert_eq!(bad(|p| p.parents = MAX_PARENTS + 1), Err(BadParents));
		assert_eq!(bad(|p| p.steps = 0), Err(BadSteps));
		assert_eq!(bad(|p| p.steps = MAX_STEPS + 1), Err(BadSteps));
	}
}
