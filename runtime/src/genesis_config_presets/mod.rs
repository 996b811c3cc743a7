//! Genesis presets: the `dev` and `local` test networks, and `production`.
//!
//! `poai-node --chain dev|local|production` and `poai-node build-spec` build their chain specs
//! from these. On the test networks each validator bonds from its stash account
//! `//Name//stash` and registers its session keys from it; the keys themselves (`babe`,
//! `gran`, and the `poai` worker key) are the well-known `//Name` keys: `--alice`, `--bob`, …
//! insert all three into the node's keystore (sc-service generates every session key type from
//! the seed), and so does zombienet. The production preset is in [`production`].

pub mod production;

use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_consensus_babe::AuthorityId as BabeId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

use pallet_poai_challenges::ProtocolParams;
use pallet_poai_staking::StakingParams;
use pallet_poai_timing::ChainTiming;
use poai_primitives::{reference_tiers, ModelSpec, TierId, WorkerId};
use sp_runtime::Perbill;

use crate::{
	opaque::SessionKeys, AccountId, BabeConfig, Balance, BalancesConfig, CouncilMembershipConfig,
	PoaiChallengesConfig, PoaiModelsConfig, PoaiStakingConfig, PoaiTimingConfig,
	RuntimeGenesisConfig, SessionConfig, SudoConfig, BABE_GENESIS_EPOCH_CONFIG, UNIT,
};

/// The registry records of the challenge models in `models/`, as `models/make_models.py`
/// wrote them (names as strings).
const MODELS_JSON: &str = include_str!("../../../models/models.json");

/// The challenge models every preset registers at genesis, read from `models/models.json`
/// (so the hashes pinned there are the ones the chain checks model files against).
pub fn challenge_models() -> Vec<ModelSpec> {
	poai_primitives::model::registry_json::parse(MODELS_JSON)
		.expect("models/models.json holds valid registry records; qed")
}

/// The name of the production chain's preset.
pub const PRODUCTION_RUNTIME_PRESET: &str = "production";

/// Free balance of every endowed development account.
pub const ENDOWMENT: Balance = 1_000_000 * UNIT;
/// Bond of every genesis validator.
pub const GENESIS_BOND: Balance = 100_000 * UNIT;

/// Staking parameters of the test networks.
pub fn testnet_staking_params() -> StakingParams<Balance> {
	StakingParams {
		max_validators: 16,
		min_validators: 1,
		min_validator_bond: 10_000 * UNIT,
		min_nominator_bond: 100 * UNIT,
		// A new worker is neutral (50%); one recorded failure takes it to a third.
		min_reputation: Perbill::from_percent(40),
		reward_per_session: 1_000 * UNIT,
		authoring_points: 20,
		// Below the challenge protocol's fraud slash (`ProtocolParams::TESTNET`, 20%) and above
		// its miss slash (1%): a proven fraud also chills the offender, so the next election
		// drops it until its operator validates again; repeated misses only cost the 1%.
		fraud_slash_threshold: Perbill::from_percent(10),
	}
}

/// A genesis validator: its stash, bond, hardware tier and session keys. The production
/// launch set lists them in this form (`runtime/presets/production-launch.json`).
#[derive(serde::Deserialize, Debug)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GenesisValidator {
	/// The account that bonds, registers the session keys and is the validator's identity.
	pub stash: AccountId,
	/// The self-bond, at least the chain's `min_validator_bond`.
	pub bond: Balance,
	/// The hardware tier it declares: an id of [`reference_tiers`], which every preset
	/// registers (0 = `cpu`).
	#[serde(default)]
	pub tier: TierId,
	/// The BABE, GRANDPA and `poai` worker keys.
	pub keys: SessionKeys,
}

impl GenesisValidator {
	/// The well-known development validator `//Name`, with stash `//Name//stash`.
	pub fn well_known(name: Sr25519Keyring) -> Self {
		Self {
			stash: stash_of(name).to_account_id(),
			bond: GENESIS_BOND,
			tier: TierId(0),
			keys: SessionKeys {
				babe: BabeId::from(name.public()),
				grandpa: grandpa_of(name),
				poai: WorkerId::from(name.public()),
			},
		}
	}
}

/// Everything a preset decides about its chain's genesis.
pub struct ChainGenesis {
	/// Who validates from the first block.
	pub validators: Vec<GenesisValidator>,
	/// Free balances; every validator's stash must hold its bond.
	pub balances: Vec<(AccountId, Balance)>,
	/// The sudo key; `None` on a chain that only its council governs.
	pub sudo: Option<AccountId>,
	/// The council, whose majority holds the admin origins.
	pub council: Vec<AccountId>,
	/// Session length, bonding duration and history depth.
	pub timing: ChainTiming,
	/// The challenge protocol's parameters.
	pub protocol: ProtocolParams,
	/// The staking parameters.
	pub staking: StakingParams<Balance>,
}

impl ChainGenesis {
	/// The genesis patch of this chain: the reference hardware tiers and every model of `models/`
	/// registered.
	pub fn into_patch(self) -> Value {
		build_struct_json_patch!(RuntimeGenesisConfig {
			balances: BalancesConfig { balances: self.balances },
			babe: BabeConfig { epoch_config: BABE_GENESIS_EPOCH_CONFIG },
			poai_timing: PoaiTimingConfig { timing: self.timing },
			poai_staking: PoaiStakingConfig {
				stakers: self
					.validators
					.iter()
					.map(|v| (v.stash.clone(), v.bond, v.tier))
					.collect::<Vec<_>>(),
				params: self.staking,
			},
			session: SessionConfig {
				keys: self
					.validators
					.into_iter()
					.map(|v| (v.stash.clone(), v.stash, v.keys))
					.collect::<Vec<_>>(),
			},
			sudo: SudoConfig { key: self.sudo },
			council_membership: CouncilMembershipConfig {
				members: self
					.council
					.try_into()
					.expect("the presets' councils are within CouncilMaxMembers; qed"),
			},
			poai_models: PoaiModelsConfig { tiers: reference_tiers(), models: challenge_models() },
			poai_challenges: PoaiChallengesConfig { params: Some(self.protocol) },
		})
	}
}

fn stash_of(name: Sr25519Keyring) -> Sr25519Keyring {
	match name {
		Sr25519Keyring::Alice => Sr25519Keyring::AliceStash,
		Sr25519Keyring::Bob => Sr25519Keyring::BobStash,
		Sr25519Keyring::Charlie => Sr25519Keyring::CharlieStash,
		Sr25519Keyring::Dave => Sr25519Keyring::DaveStash,
		Sr25519Keyring::Eve => Sr25519Keyring::EveStash,
		Sr25519Keyring::Ferdie => Sr25519Keyring::FerdieStash,
		other => other,
	}
}

fn grandpa_of(name: Sr25519Keyring) -> GrandpaId {
	let ed = match name {
		Sr25519Keyring::Alice => Ed25519Keyring::Alice,
		Sr25519Keyring::Bob => Ed25519Keyring::Bob,
		Sr25519Keyring::Charlie => Ed25519Keyring::Charlie,
		Sr25519Keyring::Dave => Ed25519Keyring::Dave,
		Sr25519Keyring::Eve => Ed25519Keyring::Eve,
		_ => Ed25519Keyring::Ferdie,
	};
	GrandpaId::from(ed.public())
}

/// A test network: the given validators, every account endowed with [`ENDOWMENT`], Alice as
/// sudo, one-minute sessions and the testnet parameters.
pub fn testnet_genesis(
	validators: Vec<GenesisValidator>,
	endowed_accounts: Vec<AccountId>,
	root: AccountId,
	council: Vec<AccountId>,
) -> Value {
	ChainGenesis {
		validators,
		balances: endowed_accounts.into_iter().map(|k| (k, ENDOWMENT)).collect(),
		sudo: Some(root),
		council,
		timing: ChainTiming::TESTNET,
		protocol: ProtocolParams::TESTNET,
		staking: testnet_staking_params(),
	}
	.into_patch()
}

/// Every well-known development account (`//Alice` … `//Ferdie` and their stashes).
fn endowed_development_accounts() -> Vec<AccountId> {
	Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect()
}

/// `dev`: Alice validates alone; sessions are one minute.
pub fn development_config_genesis() -> Value {
	testnet_genesis(
		vec![GenesisValidator::well_known(Sr25519Keyring::Alice)],
		endowed_development_accounts(),
		Sr25519Keyring::Alice.to_account_id(),
		testnet_council(),
	)
}

/// `local`: Alice, Bob, Charlie, Dave and Ferdie validate (the zombienet network, where Dave
/// cheats and Ferdie vouches for him).
pub fn local_config_genesis() -> Value {
	testnet_genesis(
		[
			Sr25519Keyring::Alice,
			Sr25519Keyring::Bob,
			Sr25519Keyring::Charlie,
			Sr25519Keyring::Dave,
			Sr25519Keyring::Ferdie,
		]
		.into_iter()
		.map(GenesisValidator::well_known)
		.collect(),
		endowed_development_accounts(),
		Sr25519Keyring::Alice.to_account_id(),
		testnet_council(),
	)
}

/// The council of the test networks: Alice, Bob and Charlie (a motion passes with two votes).
fn testnet_council() -> Vec<AccountId> {
	[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie]
		.into_iter()
		.map(|k| k.to_account_id())
		.collect()
}

/// The preset called `id`, serialised, or `None` if there is no such preset.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
		PRODUCTION_RUNTIME_PRESET => production::production_config_genesis(),
		_ => return None,
	};
	Some(
		serde_json::to_string(&patch)
			.expect("serialization to json is expected to work. qed.")
			.into_bytes(),
	)
}

/// The names of the presets this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
		PresetId::from(PRODUCTION_RUNTIME_PRESET),
	]
}
