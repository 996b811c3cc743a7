
//! Weights for `pallet_poai_challenges`.
//!
//! INITIAL ESTIMATES, not yet measured on the reference machine: regenerate with
//! `scripts/benchmark-weights.sh`, which runs this pallet's benchmarks through
//! `poai-node benchmark pallet` and rewrites this file.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::ParityDbWeight}};
use core::marker::PhantomData;

/// Weight functions needed for `pallet_poai_challenges`.
pub trait WeightInfo {
	fn on_initialize_idle() -> Weight;
	fn issue_round(w: u32, m: u32) -> Weight;
	fn draw(w: u32, c: u32) -> Weight;
	fn draw_missed() -> Weight;
	fn judge(w: u32, e: u32) -> Weight;
	fn prune(k: u32) -> Weight;
	fn commit() -> Weight;
	fn verify_outputs(e: u32) -> Weight;
	fn reveal(e: u32) -> Weight;
	fn authorize_commit() -> Weight;
	fn authorize_verify(e: u32) -> Weight;
	fn authorize_reveal(e: u32) -> Weight;
	fn set_params() -> Weight;
}

/// Weights for `pallet_poai_challenges`, reading the runtime's `DbWeight`.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn on_initialize_idle() -> Weight {
		Weight::from_parts(4_000_000, 0)
			.saturating_add(T::DbWeight::get().reads(3_u64))
	}
	fn issue_round(w: u32, m: u32) -> Weight {
		Weight::from_parts(40_000_000, 0)
			.saturating_add(Weight::from_parts(2_000_000, 0).saturating_mul(w.into()))
			.saturating_add(Weight::from_parts(3_000_000, 0).saturating_mul(m.into()))
			.saturating_add(T::DbWeight::get().reads(6_u64))
			.saturating_add(T::DbWeight::get().writes(5_u64))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(w.into())))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(m.into())))
	}
	fn draw(w: u32, c: u32) -> Weight {
		Weight::from_parts(20_000_000, 0)
			.saturating_add(Weight::from_parts(150_000, 0).saturating_mul(w.into()))
			.saturating_add(Weight::from_parts(60_000_000, 0).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
			.saturating_add(T::DbWeight::get().reads((5_u64).saturating_mul(c.into())))
			.saturating_add(T::DbWeight::get().writes((3_u64).saturating_mul(c.into())))
	}
	fn draw_missed() -> Weight {
		Weight::from_parts(30_000_000, 0)
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().writes(2_u64))
	}
	fn judge(w: u32, e: u32) -> Weight {
		Weight::from_parts(60_000_000, 0)
			.saturating_add(Weight::from_parts(150_000, 0).saturating_mul(w.into()))
			.saturating_add(Weight::from_parts(20_000, 0).saturating_mul(e.into()))
			.saturating_add(T::DbWeight::get().reads(12_u64))
			.saturating_add(T::DbWeight::get().writes(8_u64))
	}
	fn prune(k: u32) -> Weight {
		Weight::from_parts(5_000_000, 0)
			.saturating_add(Weight::from_parts(3_000_000, 0).saturating_mul(k.into()))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(k.into())))
	}
	fn commit() -> Weight {
		Weight::from_parts(120_000_000, 0)
			.saturating_add(T::DbWeight::get().reads(5_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn verify_outputs(e: u32) -> Weight {
		Weight::from_parts(120_000_000, 0)
			.saturating_add(Weight::from_parts(15_000, 0).saturating_mul(e.into()))
			.saturating_add(T::DbWeight::get().reads(6_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn reveal(e: u32) -> Weight {
		Weight::from_parts(150_000_000, 0)
			.saturating_add(Weight::from_parts(15_000, 0).saturating_mul(e.into()))
			.saturating_add(T::DbWeight::get().reads(6_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn authorize_commit() -> Weight {
		Weight::from_parts(110_000_000, 0)
			.saturating_add(T::DbWeight::get().reads(5_u64))
	}
	fn authorize_verify(e: u32) -> Weight {
		Weight::from_parts(110_000_000, 0)
			.saturating_add(Weight::from_parts(12_000, 0).saturating_mul(e.into()))
			.saturating_add(T::DbWeight::get().reads(6_u64))
	}
	fn authorize_reveal(e: u32) -> Weight {
		Weight::from_parts(110_000_000, 0)
			.saturating_add(Weight::from_parts(12_000, 0).saturating_mul(e.into()))
			.saturating_add(T::DbWeight::get().reads(6_u64))
	}
	fn set_params() -> Weight {
		Weight::from_parts(7_000_000, 0)
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
}

/// The same weights with ParityDb's costs, for tests and mocks.
impl WeightInfo for () {
	fn on_initialize_idle() -> Weight {
		Weight::from_parts(4_000_000, 0)
			.saturating_add(ParityDbWeight::get().reads(3_u64))
	}
	fn issue_round(w: u32, m: u32) -> Weight {
		Weight::from_parts(40_000_000, 0)
			.saturating_add(Weight::from_parts(2_000_000, 0).saturating_mul(w.into()))
			.saturating_add(Weight::from_parts(3_000_000, 0).saturating_mul(m.into()))
			.saturating_add(ParityDbWeight::get().reads(6_u64))
			.saturating_add(ParityDbWeight::get().writes(5_u64))
			.saturating_add(ParityDbWeight::get().reads((1_u64).saturating_mul(w.into())))
			.saturating_add(ParityDbWeight::get().reads((1_u64).saturating_mul(m.into())))
	}
	fn draw(w: u32, c: u32) -> Weight {
		Weight::from_parts(20_000_000, 0)
			.saturating_add(Weight::from_parts(150_000, 0).saturating_mul(w.into()))
			.saturating_add(Weight::from_parts(60_000_000, 0).saturating_mul(c.into()))
			.saturating_add(ParityDbWeight::get().reads(3_u64))
			.saturating_add(ParityDbWeight::get().writes(1_u64))
			.saturating_add(ParityDbWeight::get().reads((5_u64).saturating_mul(c.into())))
			.saturating_add(ParityDbWeight::get().writes((3_u64).saturating_mul(c.into())))
	}
	fn draw_missed() -> Weight {
		Weight::from_parts(30_000_000, 0)
			.saturating_add(ParityDbWeight::get().reads(2_u64))
			.saturating_add(ParityDbWeight::get().writes(2_u64))
	}
	fn judge(w: u32, e: u32) -> Weight {
		Weight::from_parts(60_000_000, 0)
			.saturating_add(Weight::from_parts(150_000, 0).saturating_mul(w.into()))
			.saturating_add(Weight::from_parts(20_000, 0).saturating_mul(e.into()))
			.saturating_add(ParityDbWeight::get().reads(12_u64))
			.saturating_add(ParityDbWeight::get().writes(8_u64))
	}
	fn prune(k: u32) -> Weight {
		Weight::from_parts(5_000_000, 0)
			.saturating_add(Weight::from_parts(3_000_000, 0).saturating_mul(k.into()))
			.saturating_add(ParityDbWeight::get().writes((1_u64).saturating_mul(k.into())))
	}
	fn commit() -> Weight {
		Weight::from_parts(120_000_000, 0)
			.saturating_add(ParityDbWeight::get().reads(5_u64))
			.saturating_add(ParityDbWeight::get().writes(1_u64))
	}
	fn verify_outputs(e: u32) -> Weight {
		Weight::from_parts(120_000_000, 0)
			.saturating_add(Weight::from_parts(15_000, 0).saturating_mul(e.into()))
			.saturating_add(ParityDbWeight::get().reads(6_u64))
			.saturating_add(ParityDbWeight::get().writes(1_u64))
	}
	fn reveal(e: u32) -> Weight {
		Weight::from_parts(150_000_000, 0)
			.saturating_add(Weight::from_parts(15_000, 0).saturating_mul(e.into()))
			.saturating_add(ParityDbWeight::get().reads(6_u64))
			.saturating_add(ParityDbWeight::get().writes(1_u64))
	}
	fn authorize_commit() -> Weight {
		Weight::from_parts(110_000_000, 0)
			.saturating_add(ParityDbWeight::get().reads(5_u64))
	}
	fn authorize_verify(e: u32) -> Weight {
		Weight::from_parts(110_000_000, 0)
			.saturating_add(Weight::from_parts(12_000, 0).saturating_mul(e.into()))
			.saturating_add(ParityDbWeight::get().reads(6_u64))
	}
	fn authorize_reveal(e: u32) -> Weight {
		Weight::from_parts(110_000_000, 0)
			.saturating_add(Weight::from_parts(12_000, 0).saturating_mul(e.into()))
			.saturating_add(ParityDbWeight::get().reads(6_u64))
	}
	fn set_params() -> Weight {
		Weight::from_parts(7_000_000, 0)
			.saturating_add(ParityDbWeight::get().writes(1_u64))
	}
}
