//! The `production` preset: hour-long sessions, the production protocol and staking
//! parameters, no sudo key, and the genesis validators and council of the launch set.
//!
//! The launch set (`runtime/presets/production-launch.json`) names who validates and who sits
//! on the council at genesis, with their balances. The committed one is a rehearsal set whose
//! secret keys were discarded when it was generated: the built-in `production` chain starts
//! and answers RPC, but nobody can author on it. A launch puts the founding validators' own
//! keys in with `scripts/production-spec.sh` (docs/OPERATOR.md, "Launch a production
//! network"), which rewrites these same fields of the chain spec.

use alloc::vec::Vec;
use serde_json::Value;
use sp_runtime::Perbill;

use pallet_poai_challenges::ProtocolParams;
use pallet_poai_staking::StakingParams;
use pallet_poai_timing::ChainTiming;

use super::{ChainGenesis, GenesisValidator};
use crate::{AccountId, Balance, UNIT};

/// The launch set of the production chain, in the chain spec's own notation (SS58 addresses).
const LAUNCH_JSON: &str = include_str!("../../presets/production-launch.json");

/// Who validates and governs the production chain at genesis.
#[derive(serde::Deserialize, Debug)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LaunchSet {
	/// The genesis validators.
	pub validators: Vec<GenesisValidator>,
	/// The genesis council (pallet-membership), whose majority holds the admin origins.
	pub council: Vec<AccountId>,
	/// Free balances at genesis; a validator's stash must hold its bond.
	pub balances: Vec<(AccountId, Balance)>,
}

/// The committed launch set.
pub fn launch_set() -> LaunchSet {
	serde_json::from_str(LAUNCH_JSON)
		.expect("runtime/presets/production-launch.json is a valid launch set; qed")
}

/// The staking parameters of the production chain (docs/THREATS.md, "Production
/// parameters"): up to 100 validators, elections only with at least four qualifying
/// candidates, a self-bond of 100,000 POAI (its 20% fraud slash, 20,000 POAI, is the `S` of the
/// soundness condition), 1,000 POAI of rewards per hour-long session.
pub fn production_staking_params() -> StakingParams<Balance> {
	StakingParams {
		max_validators: 100,
		min_validators: 4,
		min_validator_bond: 100_000 * UNIT,
		min_nominator_bond: 1_000 * UNIT,
		min_reputation: Perbill::from_percent(40),
		reward_per_session: 1_000 * UNIT,
		authoring_points: 20,
		fraud_slash_threshold: Perbill::from_percent(10),
	}
}

/// `production`: the launch set's validators and council, hour-long sessions, no sudo key (the
/// council is the only admin).
pub fn production_config_genesis() -> Value {
	let launch = launch_set();
	ChainGenesis {
		validators: launch.validators,
		balances: launch.balances,
		sudo: None,
		council: launch.council,
		timing: ChainTiming::PRODUCTION,
		protocol: ProtocolParams::PRODUCTION,
		staking: production_staking_params(),
	}
	.into_patch()
}
