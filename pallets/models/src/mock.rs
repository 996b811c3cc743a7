//! The test runtime of the model registry pallet.

use crate::{self as pallet_poai_models};
use frame_support::{derive_impl, parameter_types};
use frame_system::EnsureRoot;
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		PoaiModels: pallet_poai_models,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

parameter_types! {
	/// Small bounds, so that the tests reach them.
	pub const MaxModels: u32 = 5;
	pub const MaxActiveModels: u32 = 3;
	pub const MaxTiers: u32 = 8;
	/// The runtime's 3-second slots.
	pub const SlotDuration: u64 = 3000;
}

impl pallet_poai_models::Config for Test {
	type AdminOrigin = EnsureRoot<u64>;
	type MaxModels = MaxModels;
	type MaxActiveModels = MaxActiveModels;
	type MaxTiers = MaxTiers;
	type SlotDuration = SlotDuration;
	type WeightInfo = ();
}

/// Test externalities with the two test tiers (`fixtures::test_tiers`) and no model, at block
/// 1 (so that events are kept).
pub fn new_test_ext() -> sp_io::TestExternalities {
	ext_with(pallet_poai_models::GenesisConfig {
		tiers: poai_primitives::fixtures::test_tiers(),
		..Default::default()
	})
}

/// Test externalities with the given genesis config of the pallet, at block 1.
pub fn ext_with(poai_models: pallet_poai_models::GenesisConfig<Test>) -> sp_io::TestExternalities {
	let storage = RuntimeGenesisConfig { system: Default::default(), poai_models }
		.build_storage()
		.expect("the test genesis is valid; qed");
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
