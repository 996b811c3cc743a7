
//! Weights for `pallet_poai_models`
//!
//! INITIAL ESTIMATES, NOT MEASURED: written by hand from the storage accesses of each call
//! (storage proofs for `BlockNumber = u32` and `MaxActiveModels = 16`), with execution times
//! of the order of the reputation pallet's measured ones. They are replaced by measured
//! figures in the format below.
//!
//! Regenerate with `scripts/benchmark-weights.sh`.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::ParityDbWeight}};
use core::marker::PhantomData;

/// Weight functions needed for `pallet_poai_models`.
pub trait WeightInfo {
	fn register_model(a: u32, ) -> Weight;
	fn update_model(a: u32, ) -> Weight;
	fn retire_model() -> Weight;
}

/// Weights for `pallet_poai_models` measured on the machine above, reading the runtime's `DbWeight`.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `PoaiModels::NextModelId` (r:1 w:1)
	/// Proof: `PoaiModels::NextModelId` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `PoaiModels::ActiveModels` (r:1 w:1)
	/// Proof: `PoaiModels::ActiveModels` (`max_values`: Some(1), `max_size`: Some(65), added: 560, mode: `MaxEncodedLen`)
	/// Storage: `PoaiModels::Models` (r:15 w:1)
	/// Proof: `PoaiModels::Models` (`max_values`: None, `max_size`: Some(333), added: 2808, mode: `MaxEncodedLen`)
	/// The range of component `a` is `[0, 15]`.
	fn register_model(a: u32, ) -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `0 + a * (333 ±0)`
		//  Estimated: `1059 + a * (2808 ±0)`
		// Minimum execution time: 20_000_000 picoseconds.
		Weight::from_parts(24_000_000, 1059)
			// Standard Error: 0
			.saturating_add(Weight::from_parts(5_000_000, 0).saturating_mul(a.into()))
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(a.into())))
			.saturating_add(T::DbWeight::get().writes(3_u64))
			.saturating_add(Weight::from_parts(0, 2808).saturating_mul(a.into()))
	}
	/// Storage: `PoaiModels::Models` (r:16 w:1)
	/// Proof: `PoaiModels::Models` (`max_values`: None, `max_size`: Some(333), added: 2808, mode: `MaxEncodedLen`)
	/// Storage: `PoaiModels::ActiveModels` (r:1 w:0)
	/// Proof: `PoaiModels::ActiveModels` (`max_values`: Some(1), `max_size`: Some(65), added: 560, mode: `MaxEncodedLen`)
	/// The range of component `a` is `[1, 16]`.
	fn update_model(a: u32, ) -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `0 + a * (333 ±0)`
		//  Estimated: `560 + a * (2808 ±0)`
		// Minimum execution time: 20_000_000 picoseconds.
		Weight::from_parts(24_000_000, 560)
			// Standard Error: 0
			.saturating_add(Weight::from_parts(5_000_000, 0).saturating_mul(a.into()))
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(a.into())))
			.saturating_add(T::DbWeight::get().writes(1_u64))
			.saturating_add(Weight::from_parts(0, 2808).saturating_mul(a.into()))
	}
	/// Storage: `PoaiModels::Models` (r:1 w:1)
	/// Proof: `PoaiModels::Models` (`max_values`: None, `max_size`: Some(333), added: 2808, mode: `MaxEncodedLen`)
	/// Storage: `PoaiModels::ActiveModels` (r:1 w:1)
	/// Proof: `PoaiModels::ActiveModels` (`max_values`: Some(1), `max_size`: Some(65), added: 560, mode: `MaxEncodedLen`)
	fn retire_model() -> Weight {
		// Proof Size summary in bytes:
		//  Measured:  `398`
		//  Estimated: `3368`
		// Minimum execution time: 16_000_000 picoseconds.
		Weight::from_parts(20_000_000, 3368)
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().writes(2_u64))
	}
}

/// The same weights with ParityDb's costs, for tests and mocks.
impl WeightInfo for () {
	fn register_model(a: u32, ) -> Weight {
		Weight::from_parts(24_000_000, 1059)
			.saturating_add(Weight::from_parts(5_000_000, 0).saturating_mul(a.into()))
			.saturating_add(ParityDbWeight::get().reads(2_u64))
			.saturating_add(ParityDbWeight::get().reads((1_u64).saturating_mul(a.into())))
			.saturating_add(ParityDbWeight::get().writes(3_u64))
			.saturating_add(Weight::from_parts(0, 2808).saturating_mul(a.into()))
	}
	fn update_model(a: u32, ) -> Weight {
		Weight::from_parts(24_000_000, 560)
			.saturating_add(Weight::from_parts(5_000_000, 0).saturating_mul(a.into()))
			.saturating_add(ParityDbWeight::get().reads(1_u64))
			.saturating_add(ParityDbWeight::get().reads((1_u64).saturating_mul(a.into())))
			.saturating_add(ParityDbWeight::get().writes(1_u64))
			.saturating_add(Weight::from_parts(0, 2808).saturating_mul(a.into()))
	}
	fn retire_model() -> Weight {
		Weight::from_parts(20_000_000, 3368)
			.saturating_add(ParityDbWeight::get().reads(2_u64))
			.saturating_add(ParityDbWeight::get().writes(2_u64))
	}
}
