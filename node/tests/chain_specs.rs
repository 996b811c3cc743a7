//! The committed chain specs in `chain-specs/` must be what the current runtime generates.
//! When this fails, run `scripts/regenerate-chain-specs.sh` and commit the result.
//!
//! The runtime's wasm code is left out of the comparison: it embeds the source paths of the
//! machine that built it (panic locations), so two clones of the same commit produce different
//! bytes. Everything the genesis presets and the chain-spec builder decide is compared.

use std::{path::PathBuf, process::Command};

fn generated_spec(chain: &str) -> serde_json::Value {
	let output = Command::new(env!("CARGO_BIN_EXE_poai-node"))
		.args(["build-spec", "--chain", chain, "--disable-default-bootnode"])
		.output()
		.expect("poai-node runs");
	assert!(
		output.status.success(),
		"build-spec --chain {chain} failed: {}",
		String::from_utf8_lossy(&output.stderr)
	);
	serde_json::from_slice(&output.stdout).expect("build-spec prints JSON")
}

fn committed_spec(chain: &str) -> serde_json::Value {
	let path =
		PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../chain-specs/{chain}.json"));
	let text = std::fs::read_to_string(&path)
		.unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
	serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// The spec without the runtime code (see the module documentation).
fn without_code(mut spec: serde_json::Value) -> serde_json::Value {
	let code = spec["genesis"]["runtimeGenesis"]
		.as_object_mut()
		.and_then(|runtime_genesis| runtime_genesis.remove("code"));
	assert!(code.is_some_and(|code| code.as_str().is_some_and(|hex| hex.starts_with("0x"))));
	spec
}

fn assert_fresh(chain: &str) {
	let generated = without_code(generated_spec(chain));
	let committed = without_code(committed_spec(chain));
	for field in ["name", "id", "chainType", "properties", "genesis"] {
		assert!(
			generated[field] == committed[field],
			"chain-specs/{chain}.json is stale in `{field}`: run scripts/regenerate-chain-specs.sh"
		);
	}
}

#[test]
fn dev_spec_is_fresh() {
	assert_fresh("dev");
}

#[test]
fn local_spec_is_fresh() {
	assert_fresh("local");
}

#[test]
fn production_spec_is_fresh() {
	assert_fresh("production");
}

#[test]
fn a_spec_file_can_be_loaded_back() {
	let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../chain-specs/local.json");
	let output = Command::new(env!("CARGO_BIN_EXE_poai-node"))
		.args(["build-spec", "--raw", "--chain"])
		.arg(&path)
		.output()
		.expect("poai-node runs");
	assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
	let raw: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
	assert!(raw["genesis"]["raw"]["top"].as_object().is_some_and(|top| !top.is_empty()));
}

#[test]
fn an_unknown_chain_is_a_clear_error() {
	let output = Command::new(env!("CARGO_BIN_EXE_poai-node"))
		.args(["build-spec", "--chain", "/nonexistent/spec.json"])
		.output()
		.expect("poai-node runs");
	assert!(!output.status.success());
	let stderr = String::from_utf8_lossy(&output.stderr);
	assert!(stderr.contains("/nonexistent/spec.json"), "error names the file: {stderr}");
}
