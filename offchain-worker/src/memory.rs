//! Running the memory-bound challenge ([`poai_primitives::memory`]) on this machine: building
//! the dataset from the seed, walking it, and what a worker does when it cannot hold all of it.
//!
//! A worker holds as much of the dataset as its memory allows ([`Residency`]) and recomputes
//! every other item from the cache when a walk reads it (`parents` cache reads instead
//! of one read). Holding everything is the fast path the challenge is sized for; holding less
//! gives the same outputs, later. A verifier holds the cache alone and recomputes the items its
//! opened samples touch.

use poai_primitives::{
	memory::{cache, item, Item, MemoryParams, MemoryParamsError, Walk, WALK_OUTPUT_LEN},
	SampleIndex, Seed,
};
use std::time::{Duration, Instant};

/// Walks interleaved on one thread, so that several independent reads are in flight at once.
const WALKS_IN_FLIGHT: usize = 8;

/// How much of the dataset a worker holds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Residency {
	/// All of it, or fail with [`MemoryError::CannotHold`]: what a worker that keeps its
	/// tier's promise does.
	Full,
	/// As much as the allocator grants: the whole dataset, or the largest power-of-two share of
	/// it that fits (down to none), the rest recomputed. What a worker does under a memory
	/// limit it cannot see in advance (a cgroup, `ulimit -v`, a smaller card).
	AsMuchAsFits,
	/// At most this many bytes of it: a smaller device, emulated.
	AtMost(u64),
	/// None of it: the cache alone, every item recomputed (a verifier).
	CacheOnly,
}

/// Why the memory-bound challenge could not run.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MemoryError {
	/// The parameters are invalid.
	#[error("invalid memory-challenge parameters: {0:?}")]
	InvalidParams(MemoryParamsError),
	/// The whole dataset was required and could not be allocated.
	#[error("cannot hold the {bytes}-byte dataset: the allocation failed (a memory limit?)")]
	CannotHold {
		/// Bytes of the dataset.
		bytes: u64,
	},
	/// The dataset is larger than this machine's address space.
	#[error("a {bytes}-byte dataset does not fit this machine's address space")]
	TooLarge {
		/// Bytes of the dataset.
		bytes: u64,
	},
}

/// The working set of one challenge: the cache and the part of the dataset held.
pub struct WorkingSet {
	params: MemoryParams,
	cache: Vec<Item>,
	/// Dataset items `0..resident.len()`.
	resident: Vec<Item>,
	/// How long computing the cache and the resident items took.
	pub build_time: Duration,
}

/// What a run of walks read.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct WalkStats {
	/// Dataset items read.
	pub reads: u64,
	/// Of those, items not held, recomputed from the cache.
	pub recomputed: u64,
}

impl WorkingSet {
	/// Builds the working set of the challenge with seed `seed`: the cache, then the dataset
	/// items `residency` holds, computed on `threads` threads.
	pub fn build(
		seed: &Seed,
		params: MemoryParams,
		residency: Residency,
		threads: usize,
	) -> Result<Self, MemoryError> {
		params.validate().map_err(MemoryError::InvalidParams)?;
		let started = Instant::now();
		let total = usize::try_from(params.dataset_items)
			.map_err(|_| MemoryError::TooLarge { bytes: params.dataset_bytes() })?;
		let cache = cache(seed, &params);
		let resident = match residency {
			Residency::Full => {
				allocate(total).ok_or(MemoryError::CannotHold { bytes: params.dataset_bytes() })?
			}
			Residency::AsMuchAsFits => allocate_largest_share(total),
			Residency::AtMost(bytes) => {
				let items = usize::try_from(bytes / poai_primitives::memory::ITEM_BYTES)
					.unwrap_or(usize::MAX)
					.min(total);
				allocate(items).unwrap_or_else(|| allocate_largest_share(items))
			}
			Residency::CacheOnly => Vec::new(),
		};
		let mut set = Self { params, cache, resident, build_time: Duration::ZERO };
		set.fill(threads);
		set.build_time = started.elapsed();
		Ok(set)
	}

	/// Computes the resident items, in parallel.
	fn fill(&mut self, threads: usize) {
		let capacity = self.resident.capacity();
		self.resident.resize(capacity, [0; 8]);
		let chunk = capacity.div_ceil(threads.max(1)).max(1);
		let (cache, parents) = (&self.cache, self.params.parents);
		std::thread::scope(|scope| {
			for (number, items) in self.resident.chunks_mut(chunk).enumerate() {
				scope.spawn(move || {
					let first = (number * chunk) as u64;
					for (offset, slot) in items.iter_mut().enumerate() {
						*slot = item(cache, first + offset as u64, parents);
					}
				});
			}
		});
	}

	/// The challenge's parameters.
	pub fn params(&self) -> &MemoryParams {
		&self.params
	}

	/// Dataset items held in memory.
	pub fn resident_items(&self) -> u64 {
		self.resident.len() as u64
	}

	/// Bytes held: the resident items and the cache.
	pub fn held_bytes(&self) -> u64 {
		(self.resident.len() + self.cache.len()) as u64 * poai_primitives::memory::ITEM_BYTES
	}

	/// Dataset item `index`, and whether it had to be recomputed.
	fn read(&self, index: u64) -> (Item, bool) {
		match self.resident.get(index as usize) {
			Some(held) => (*held, false),
			None => (item(&self.cache, index, self.params.parents), true),
		}
	}

	/// The outputs of samples `samples` (in that order), walked on `threads` threads.
	pub fn walk(
		&self,
		seed: &Seed,
		samples: &[SampleIndex],
		threads: usize,
	) -> (Vec<[i32; WALK_OUTPUT_LEN as usize]>, WalkStats) {
		let mut outputs = vec![[0i32; WALK_OUTPUT_LEN as usize]; samples.len()];
		let chunk = samples.len().div_ceil(threads.max(1)).max(1);
		let stats = std::thread::scope(|scope| {
			let workers: Vec<_> = outputs
				.chunks_mut(chunk)
				.zip(samples.chunks(chunk))
				.map(|(outputs, samples)| {
					scope.spawn(move || self.walk_chunk(seed, samples, outputs))
				})
				.collect();
			workers.into_iter().fold(WalkStats::default(), |total, worker| {
				// A walk reads only indices below the dataset size and cannot panic; if one did,
				// its outputs are unknown, so the panic goes on rather than zeros standing in.
				let stats = worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
				WalkStats {
					reads: total.reads + stats.reads,
					recomputed: total.recomputed + stats.recomputed,
				}
			})
		});
		(outputs, stats)
	}

	/// Walks `samples` into `outputs`, [`WALKS_IN_FLIGHT`] at a time in lockstep.
	fn walk_chunk(
		&self,
		seed: &Seed,
		samples: &[SampleIndex],
		outputs: &mut [[i32; WALK_OUTPUT_LEN as usize]],
	) -> WalkStats {
		let mut stats = WalkStats::default();
		for (samples, outputs) in
			samples.chunks(WALKS_IN_FLIGHT).zip(outputs.chunks_mut(WALKS_IN_FLIGHT))
		{
			let mut walks: Vec<Walk> =
				samples.iter().map(|&sample| Walk::new(seed, sample, &self.params)).collect();
			let mut active = true;
			while active {
				active = false;
				for walk in walks.iter_mut() {
					if let Some(index) = walk.next_index() {
						let (item, recomputed) = self.read(index);
						walk.absorb(&item);
						stats.reads += 1;
						stats.recomputed += u64::from(recomputed);
						active = true;
					}
				}
			}
			for (output, walk) in outputs.iter_mut().zip(&walks) {
				*output = walk.output();
			}
		}
		stats
	}
}

/// A vector with room for exactly `items` items, or `None` if the allocator refuses.
fn allocate(items: usize) -> Option<Vec<Item>> {
	let mut vec = Vec::new();
	vec.try_reserve_exact(items).ok()?;
	Some(vec)
}

/// Room for `items`, or half of it, or a quarter, …, whichever the allocator grants first.
fn allocate_largest_share(items: usize) -> Vec<Item> {
	let mut share = items;
	while share > 0 {
		if let Some(vec) = allocate(share) {
			return vec;
		}
		share /= 2;
	}
	Vec::new()
}

#[cfg(test)]
mod tests {
	use super::*;
	use poai_primitives::memory::walk_output;

	fn params() -> MemoryParams {
		MemoryParams { dataset_items: 1 << 14, cache_items: 1 << 8, parents: 32, steps: 64 }
	}

	#[test]
	fn every_residency_gives_the_outputs_of_the_definition() {
		let (seed, params) = ([7; 32], params());
		let samples: Vec<SampleIndex> = (0..37).collect();
		let cache = cache(&seed, &params);
		let expected: Vec<_> = samples
			.iter()
			.map(|&s| walk_output(&seed, s, &params, |i| item(&cache, i, params.parents)))
			.collect();
		let quarter = params.dataset_bytes() / 4;
		for residency in [
			Residency::Full,
			Residency::AsMuchAsFits,
			Residency::AtMost(quarter),
			Residency::CacheOnly,
		] {
			for threads in [1, 3] {
				let set = WorkingSet::build(&seed, params, residency, threads).unwrap();
				let (outputs, stats) = set.walk(&seed, &samples, threads);
				assert_eq!(outputs, expected, "{residency:?} on {threads} threads");
				assert_eq!(stats.reads, 37 * 64);
				let held = set.resident_items();
				match residency {
					Residency::Full | Residency::AsMuchAsFits => {
						assert_eq!(held, params.dataset_items);
						assert_eq!(stats.recomputed, 0);
					}
					Residency::AtMost(_) => {
						assert_eq!(held, params.dataset_items / 4);
						// Reads are uniform: about three in four miss the held quarter.
						let share = stats.recomputed as f64 / stats.reads as f64;
						assert!((0.65..0.85).contains(&share), "{share}");
					}
					Residency::CacheOnly => {
						assert_eq!(held, 0);
						assert_eq!(stats.recomputed, stats.reads);
					}
				}
			}
		}
	}

	#[test]
	fn a_worker_holding_less_does_the_reads_the_cost_model_predicts() {
		use poai_primitives::memory::expected_reads;
		// R = N·P: 2^14 items × 32 parents = 2^19 walk steps = 2^13 samples × 64 steps.
		let (seed, params, samples) = ([9; 32], params(), 1u32 << 13);
		let all: Vec<SampleIndex> = (0..samples).collect();
		for share in [1, 2, 4, 8] {
			let bytes = params.dataset_bytes() / share;
			let set = WorkingSet::build(&seed, params, Residency::AtMost(bytes), 2).unwrap();
			let (_, stats) = set.walk(&seed, &all, 2);
			let parents = u128::from(params.parents);
			let done = u128::from(set.resident_items()) * parents
				+ u128::from(stats.reads - stats.recomputed)
				+ u128::from(stats.recomputed) * parents;
			let expected = expected_reads(&params, samples, set.resident_items());
			let error = done.abs_diff(expected) as f64 / expected as f64;
			assert!(error < 0.02, "holding 1/{share}: {done} reads, the model says {expected}");
		}
		// Holding an eighth costs 1/8 + 7/8 · 16 = 14.1 times what holding all costs.
		let full = expected_reads(&params, samples, params.dataset_items);
		let eighth = expected_reads(&params, samples, params.dataset_items / 8);
		assert_eq!(eighth * 8, full * 113);
	}

	#[test]
	fn a_dataset_built_for_another_seed_gives_other_outputs() {
		let params = params();
		let samples: Vec<SampleIndex> = (0..16).collect();
		let honest = WorkingSet::build(&[1; 32], params, Residency::Full, 2).unwrap();
		let precomputed = WorkingSet::build(&[2; 32], params, Residency::Full, 2).unwrap();
		let (expected, _) = honest.walk(&[1; 32], &samples, 2);
		// Walking the right seed over the wrong dataset: every sample differs.
		let (reused, _) = precomputed.walk(&[1; 32], &samples, 2);
		assert!(expected.iter().zip(&reused).all(|(a, b)| a != b));
	}

	#[test]
	fn invalid_parameters_are_refused_before_anything_is_allocated() {
		let bad = MemoryParams { parents: 0, ..params() };
		assert!(matches!(
			WorkingSet::build(&[1; 32], bad, Residency::Full, 1),
			Err(MemoryError::InvalidParams(MemoryParamsError::BadParents))
		));
	}
}
