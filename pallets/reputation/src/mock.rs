//! The test runtime of the reputation pallet.

use crate::{self as pallet_poai_reputation, ReputationParams};
use frame_support::{derive_impl, parameter_types};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Reputation: pallet_poai_reputation,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

parameter_types! {
	pub const DefaultParams: ReputationParams = ReputationParams::DEFAULT;
}

impl pallet_poai_reputation::Config for Test {
	type DefaultParams = DefaultParams;
	type AdminOrigin = frame_system::EnsureRoot<u64>;
	type WeightInfo = ();
}

/// Test externalities with the default genesis, at block 1 (so that events are kept).
pub fn new_test_ext() -> sp_io::TestExternalities {
	ext_with(pallet_poai_reputation::GenesisConfig::default())
}

/// Test externalities with the given genesis config of the pallet, at block 1.
pub fn ext_with(
	reputation: pallet_poai_reputation::GenesisConfig<Test>,
) -> sp_io::TestExternalities {
	let storage = RuntimeGenesisConfig { system: Default::default(), reputation }
		.build_storage()
		.expect("the test genesis is valid; qed");
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
