//! Tests of the timing pallet: what a genesis sets is what the chain reads, an unusable clock
//! never reaches storage, and a chain whose genesis predates the pallet keeps the testnet clock.

use crate::{mock::*, BondingDuration, ChainTiming, EpochDuration, HistoryDepth, TimingError};
use frame_support::traits::{Get, Hooks};

fn read_all() -> (u64, u32, u32) {
	(EpochDuration::<Test>::get(), BondingDuration::<Test>::get(), HistoryDepth::<Test>::get())
}

#[test]
fn the_genesis_clock_is_what_the_chain_reads() {
	sp_io::TestExternalities::new(storage_with(ChainTiming::PRODUCTION))
		.execute_with(|| assert_eq!(read_all(), (1_200, 168, 336)));
	sp_io::TestExternalities::new(storage_with(ChainTiming::TESTNET))
		.execute_with(|| assert_eq!(read_all(), (20, 8, 16)));
}

#[test]
fn a_chain_without_a_genesis_clock_keeps_the_testnet_one() {
	// The testnets launched before this pallet existed ran with these values compiled in.
	sp_io::TestExternalities::new_empty().execute_with(|| {
		assert_eq!(read_all(), (20, 8, 16));
		PoaiTiming::integrity_test();
	});
}

#[test]
fn unusable_clocks_are_named() {
	let base = ChainTiming::PRODUCTION;
	assert_eq!(base.check(MIN_EPOCH_DURATION), Ok(()));
	assert_eq!(
		ChainTiming { epoch_duration: MIN_EPOCH_DURATION - 1, ..base }.check(MIN_EPOCH_DURATION),
		Err(TimingError::EpochTooShort)
	);
	assert_eq!(
		ChainTiming { bonding_duration: 0, ..base }.check(MIN_EPOCH_DURATION),
		Err(TimingError::NoBondingDuration)
	);
	assert_eq!(
		ChainTiming { history_depth: base.bonding_duration - 1, ..base }.check(MIN_EPOCH_DURATION),
		Err(TimingError::HistoryShorterThanBonding)
	);
}

#[test]
#[should_panic(expected = "invalid chain timing in the genesis config: EpochTooShort")]
fn a_genesis_with_too_short_a_session_does_not_build() {
	storage_with(ChainTiming { epoch_duration: 1, ..ChainTiming::TESTNET });
}

#[test]
#[should_panic(expected = "invalid chain timing in the genesis config: HistoryShorterThanBonding")]
fn a_genesis_whose_history_ends_before_unbonding_does_not_build() {
	storage_with(ChainTiming { bonding_duration: 20, history_depth: 10, ..ChainTiming::TESTNET });
}

#[test]
fn the_genesis_config_reads_the_chain_spec_json() {
	let json =
		r#"{ "timing": { "epochDuration": 1200, "bondingDuration": 168, "historyDepth": 336 } }"#;
	let config: crate::GenesisConfig<Test> =
		serde_json::from_str(json).expect("the chain-spec form parses");
	assert_eq!(config.timing, ChainTiming::PRODUCTION);
	// A misspelt field is refused, not silently replaced by a default.
	let misspelt =
		r#"{ "timing": { "epochLength": 1200, "bondingDuration": 168, "historyDepth": 336 } }"#;
	assert!(serde_json::from_str::<crate::GenesisConfig<Test>>(misspelt).is_err());
}
