//! The test runtime of the timing pallet.

use crate::{self as pallet_poai_timing, ChainTiming};
use frame_support::{derive_impl, traits::ConstU64};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		PoaiTiming: pallet_poai_timing,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

/// The shortest session the tests' genesis may set.
pub const MIN_EPOCH_DURATION: u64 = 10;

impl pallet_poai_timing::Config for Test {
	type MinEpochDuration = ConstU64<MIN_EPOCH_DURATION>;
}

/// Storage built from a genesis that sets `timing`.
pub fn storage_with(timing: ChainTiming) -> sp_runtime::Storage {
	RuntimeGenesisConfig {
		system: Default::default(),
		poai_timing: pallet_poai_timing::GenesisConfig { timing, ..Default::default() },
	}
	.build_storage()
	.expect("the test genesis is valid; qed")
}
