//! Weights for `pallet_poai_reputation`
//!
//! HANDWRITTEN PLACEHOLDERS IN THE STYLE OF THE BENCHMARK CLI, NOT MEASURED.
//! The benchmarks in `benchmarking.rs` need a node build (`frame-omni-bencher` or
//! `poai-node benchmark pallet`) to be measured; until they are, the execution times below are
//! conservative estimates (above what comparable pallets measure for the same storage
//! accesses), and the storage reads and writes are counted from the code. Regenerate with:
//!
//! ```text
//! poai-node benchmark pallet --runtime=<poai_runtime.compact.compressed.wasm> \
//!   --genesis-builder=runtime --pallet=pallet_poai_reputation --extrinsic='*' \
//!   --steps=50 --repeat=20 --wasm-execution=compiled --heap-pages=4096 \
//!   --output=pallets/reputation/src/weights.rs --template=<frame-weight-template.hbs>
//! ```
//!
//! Proof sizes assume a 32-byte `AccountId` (`Reputations`: 16 + 32 key bytes, 48 value bytes).

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]
#![allow(dead_code)]

use frame_support::{traits::Get, weights::{Weight, constants::RocksDbWeight}};
use core::marker::PhantomData;

/// Weight functions needed for `pallet_poai_reputation`.
pub trait WeightInfo {
	fn set_params() -> Weight;
	fn record_outcome() -> Weight;
}

/// Weights for `pallet_poai_reputation` using the Substrate node and recommended hardware.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `PoaiReputation::Params` (r:0 w:1)
	/// Proof: `PoaiReputation::Params` (`max_values`: Some(1), `max_size`: Some(24), added: 519, mode: `MaxEncodedLen`)
	fn set_params() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `0`
		//  Estimated: `0`
		// Minimum execution time: (not measured) picoseconds.
		Weight::from_parts(10_000_000, 0)
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	/// Storage: `PoaiReputation::Params` (r:1 w:0)
	/// Proof: `PoaiReputation::Params` (`max_values`: Some(1), `max_size`: Some(24), added: 519, mode: `MaxEncodedLen`)
	/// Storage: `PoaiReputation::Reputations` (r:1 w:1)
	/// Proof: `PoaiReputation::Reputations` (`max_values`: None, `max_size`: Some(96), added: 2571, mode: `MaxEncodedLen`)
	fn record_outcome() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `150`
		//  Estimated: `3561`
		// Minimum execution time: (not measured) picoseconds.
		Weight::from_parts(20_000_000, 3561)
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
}

// For backwards compatibility and tests.
impl WeightInfo for () {
	/// Storage: `PoaiReputation::Params` (r:0 w:1)
	/// Proof: `PoaiReputation::Params` (`max_values`: Some(1), `max_size`: Some(24), added: 519, mode: `MaxEncodedLen`)
	fn set_params() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `0`
		//  Estimated: `0`
		// Minimum execution time: (not measured) picoseconds.
		Weight::from_parts(10_000_000, 0)
			.saturating_add(RocksDbWeight::get().writes(1_u64))
	}
	/// Storage: `PoaiReputation::Params` (r:1 w:0)
	/// Proof: `PoaiReputation::Params` (`max_values`: Some(1), `max_size`: Some(24), added: 519, mode: `MaxEncodedLen`)
	/// Storage: `PoaiReputation::Reputations` (r:1 w:1)
	/// Proof: `PoaiReputation::Reputations` (`max_values`: None, `max_size`: Some(96), added: 2571, mode: `MaxEncodedLen`)
	fn record_outcome() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `150`
		//  Estimated: `3561`
		// Minimum execution time: (not measured) picoseconds.
		Weight::from_parts(20_000_000, 3561)
			.saturating_add(RocksDbWeight::get().reads(2_u64))
			.saturating_add(RocksDbWeight::get().writes(1_u64))
	}
}
