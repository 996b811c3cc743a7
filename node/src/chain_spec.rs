//! Chain specifications of the PoAI chain.
//!
//! The built-in specifications are assembled from the genesis presets of the runtime, so the
//! runtime stays the single source of truth for genesis state. The JSON files committed under
//! `chain-specs/` are generated from these with `poai-node build-spec --chain <id>`
//! (`scripts/regenerate-chain-specs.sh`).

use std::path::PathBuf;

use poai_runtime::WASM_BINARY;
use sc_service::{ChainType, Properties};

/// Chain specification of the PoAI chain.
pub type ChainSpec = sc_service::GenericChainSpec;

/// Ticker of the native token.
const TOKEN_SYMBOL: &str = "POAI";
/// Number of decimals of the native token.
const TOKEN_DECIMALS: u32 = 12;
/// SS58 address format: the generic Substrate prefix.
const SS58_FORMAT: u32 = 42;

/// Specification of the development chain (`--dev`, `--chain dev`): one authority, Alice, which
/// produces and finalizes blocks on its own.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm_binary()?, Default::default())
		.with_name("PoAI Development")
		.with_id("dev")
		.with_chain_type(ChainType::Development)
		.with_genesis_config_preset_name(sp_genesis_builder::DEV_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// Specification of the local testnet (`--chain local`, the default): several authorities
/// running on one machine or a private network.
pub fn local_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm_binary()?, Default::default())
		.with_name("PoAI Local Testnet")
		.with_id("local")
		.with_chain_type(ChainType::Local)
		.with_genesis_config_preset_name(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// Specification of the production chain (`--chain production`): hour-long sessions, the
/// production protocol and staking parameters, a council and no sudo key, with the launch set's
/// genesis validators (`runtime/presets/production-launch.json`; a launch replaces them with
/// `scripts/production-spec.sh`, see docs/OPERATOR.md).
pub fn production_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm_binary()?, Default::default())
		.with_name("PoAI")
		.with_id("poai")
		.with_protocol_id("poai")
		.with_chain_type(ChainType::Live)
		.with_genesis_config_preset_name(
			poai_runtime::genesis_config_presets::PRODUCTION_RUNTIME_PRESET,
		)
		.with_properties(properties())
		.build())
}

/// Loads a chain specification from the JSON file at `path`.
pub fn from_json_file(path: &str) -> Result<ChainSpec, String> {
	ChainSpec::from_json_file(PathBuf::from(path))
		.map_err(|error| format!("Cannot load the chain specification `{path}`: {error}"))
}

/// The runtime wasm blob embedded in the node.
fn wasm_binary() -> Result<&'static [u8], String> {
	WASM_BINARY.ok_or_else(|| {
		"The PoAI runtime wasm binary is not available: this node was built without it \
		 (was SKIP_WASM_BUILD set?). Rebuild the node with the wasm runtime to use the \
		 built-in chain specifications, or pass a chain specification file with --chain."
			.to_string()
	})
}

/// Token and address properties shown by wallets and explorers.
fn properties() -> Properties {
	let mut properties = Properties::new();
	properties.insert("tokenSymbol".into(), TOKEN_SYMBOL.into());
	properties.insert("tokenDecimals".into(), TOKEN_DECIMALS.into());
	properties.insert("ss58Format".into(), SS58_FORMAT.into());
	properties
}
