//! Times the memory-bound challenge ([`poai_primitives::memory`]) as a worker runs it: building
//! the working set from a seed, then walking it, holding all of the dataset, part of it, or none.
//!
//! ```text
//! cargo run --release --locked -p poai-offchain-worker --example bench_memory -- \
//!     [--dataset-mib 2048] [--cache-mib 32] [--parents 64] [--steps 64] [--samples 65536] \
//!     [--threads 2] [--reps 3] [--residency full|fits|cache-only|MIB]
//! ```
//!
//! `--residency` is how much of the dataset the worker holds ([`Residency`]): `full` (all, or
//! fail), `fits` (as much as the allocator grants: run it under `prlimit --as=BYTES` to see a
//! worker with less memory than the challenge asks), `cache-only` (none: every read recomputed,
//! what a verifier does), or a number of MiB.
//!
//! Prints one JSON line per repetition on stdout: `build_s` (cache and resident items),
//! `walk_s` (all samples' walks), `total_s`, `resident_mib`, `resident_share`, `reads`,
//! `recomputed`, `reads_per_s`, and `peak_rss_mib` (the process's `VmHWM`). Every repetition
//! uses another seed, so nothing is reused between them; the `checksum` of the outputs shows
//! that every residency computes the same walks for the same seed.

use poai_offchain_worker::memory::{Residency, WorkingSet};
use poai_primitives::{
	memory::{MemoryParams, ITEM_BYTES},
	SampleIndex,
};
use std::time::Instant;

const MIB: u64 = 1 << 20;

struct Args {
	dataset_mib: u64,
	cache_mib: u64,
	parents: u32,
	steps: u32,
	samples: u32,
	threads: usize,
	reps: u32,
	residency: Residency,
}

fn parse_args() -> Result<Args, String> {
	let mut args = Args {
		dataset_mib: 2048,
		cache_mib: 32,
		parents: 64,
		steps: 64,
		samples: 65_536,
		threads: 2,
		reps: 3,
		residency: Residency::Full,
	};
	let mut it = std::env::args().skip(1);
	let number = |text: String| text.parse::<u64>().map_err(|e| format!("`{text}`: {e}"));
	while let Some(flag) = it.next() {
		let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
		match flag.as_str() {
			"--dataset-mib" => args.dataset_mib = number(value()?)?,
			"--cache-mib" => args.cache_mib = number(value()?)?,
			"--parents" => args.parents = number(value()?)? as u32,
			"--steps" => args.steps = number(value()?)? as u32,
			"--samples" => args.samples = number(value()?)? as u32,
			"--threads" => args.threads = number(value()?)?.max(1) as usize,
			"--reps" => args.reps = number(value()?)? as u32,
			"--residency" => {
				args.residency = match value()?.as_str() {
					"full" => Residency::Full,
					"fits" => Residency::AsMuchAsFits,
					"cache-only" => Residency::CacheOnly,
					mib => Residency::AtMost(number(mib.to_owned())? * MIB),
				}
			}
			other => return Err(format!("unknown argument `{other}`")),
		}
	}
	Ok(args)
}

/// The peak resident set of this process, in MiB (Linux).
fn peak_rss_mib() -> Option<u64> {
	let status = std::fs::read_to_string("/proc/self/status").ok()?;
	let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
	let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
	Some(kib / 1024)
}

fn main() -> Result<(), String> {
	let args = parse_args()?;
	let params = MemoryParams {
		dataset_items: args.dataset_mib * MIB / ITEM_BYTES,
		cache_items: u32::try_from(args.cache_mib * MIB / ITEM_BYTES)
			.map_err(|_| "--cache-mib is too large".to_owned())?,
		parents: args.parents,
		steps: args.steps,
	};
	let samples: Vec<SampleIndex> = (0..args.samples).collect();
	for rep in 0..args.reps {
		let seed = [rep as u8 + 1; 32];
		let started = Instant::now();
		let set = WorkingSet::build(&seed, params, args.residency, args.threads)
			.map_err(|e| e.to_string())?;
		let walk_started = Instant::now();
		let (outputs, stats) = set.walk(&seed, &samples, args.threads);
		let walk_s = walk_started.elapsed().as_secs_f64();
		let total_s = started.elapsed().as_secs_f64();
		let checksum =
			outputs.iter().flatten().fold(0i64, |sum, &value| sum.wrapping_add(i64::from(value)));
		println!(
			"{{\"residency\":\"{:?}\",\"dataset_mib\":{},\"cache_mib\":{},\"parents\":{},\"steps\":{},\
			 \"samples\":{},\"threads\":{},\"rep\":{rep},\"build_s\":{:.3},\"walk_s\":{walk_s:.3},\
			 \"total_s\":{total_s:.3},\"resident_mib\":{},\"resident_share\":{:.3},\"reads\":{},\
			 \"recomputed\":{},\"reads_per_s\":{:.0},\"peak_rss_mib\":{},\"checksum\":{checksum}}}",
			args.residency,
			args.dataset_mib,
			args.cache_mib,
			args.parents,
			args.steps,
			args.samples,
			args.threads,
			set.build_time.as_secs_f64(),
			set.resident_items() * ITEM_BYTES / MIB,
			set.resident_items() as f64 / params.dataset_items as f64,
			stats.reads,
			stats.recomputed,
			stats.reads as f64 / walk_s,
			peak_rss_mib().map_or("null".to_owned(), |m| m.to_string()),
		);
	}
	Ok(())
}
