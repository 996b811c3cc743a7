//! `poai-node rotate-keys`: new session keys in a node's keystore, with the ownership proof that
//! `session.setKeys` checks.
//!
//! It is what the RPC `author_rotateKeysWithOwner` returns, for operators whose tools do not
//! offer that RPC (polkadot.js apps does not know it) or whose node does not expose unsafe RPCs.
//! The keys are generated as the runtime's `SessionKeys::generate` does on a node, run natively
//! against the node's keystore directory, so the node that uses that keystore picks them up
//! (running or not; the keystore is read from disk).

use codec::Encode;
use poai_runtime::{opaque::SessionKeys, AccountId};
use sc_cli::{Error, KeystoreParams, SharedParams, SubstrateCli};
use sc_keystore::LocalKeystore;
use sc_service::config::{BasePath, KeystoreConfig};
use sp_core::hexdisplay::HexDisplay;
use sp_keystore::{KeystoreExt, KeystorePtr};
use std::str::FromStr;

/// Generates new session keys (`babe`, `gran` and the `poai` worker key) in the node's keystore
/// and prints them, with the proof that they belong to `--owner`, as the arguments of
/// `session.setKeys(keys, proof)`.
#[derive(Debug, Clone, clap::Parser)]
pub struct RotateKeysCmd {
	/// The stash account that will send `session.setKeys` (SS58 address or 0x-prefixed hex
	/// public key). The proof is valid for this account only.
	#[arg(long, value_name = "ACCOUNT")]
	pub owner: String,

	#[allow(missing_docs)]
	#[clap(flatten)]
	pub shared_params: SharedParams,

	#[allow(missing_docs)]
	#[clap(flatten)]
	pub keystore_params: KeystoreParams,
}

/// Public session keys with their ownership proof, hex-encoded as `session.setKeys` takes them.
#[derive(Debug, PartialEq, Eq, serde::Serialize)]
pub struct RotatedKeys {
	/// The SCALE-encoded `SessionKeys` (`babe ++ grandpa ++ poai`): the `keys` argument.
	pub keys: String,
	/// Each key on its own, for forms that ask for the members of `keys`.
	pub babe: String,
	/// The GRANDPA (ed25519) key.
	pub grandpa: String,
	/// The PoAI worker (sr25519) key.
	pub poai: String,
	/// The SCALE-encoded tuple of the keys' proofs of possession for the owner: the `proof`
	/// argument.
	pub proof: String,
}

impl RotateKeysCmd {
	/// Runs the command: opens the keystore of `--base-path` and `--chain` (as
	/// `key insert` does), generates the keys and prints them as JSON.
	pub fn run<C: SubstrateCli>(&self, cli: &C) -> Result<(), Error> {
		let owner = AccountId::from_str(&self.owner).map_err(|e| {
			Error::Input(format!(
				"--owner {}: not an SS58 address or hex public key: {e}",
				self.owner
			))
		})?;
		let base_path = self
			.shared_params
			.base_path()?
			.unwrap_or_else(|| BasePath::from_project("", "", &C::executable_name()));
		let chain_spec =
			cli.load_spec(&self.shared_params.chain_id(self.shared_params.is_dev()))?;
		let config_dir = base_path.config_dir(chain_spec.id());
		let keystore: KeystorePtr = match self.keystore_params.keystore_config(&config_dir)? {
			KeystoreConfig::Path { path, password } => LocalKeystore::open(path, password)?.into(),
			KeystoreConfig::InMemory => {
				return Err(Error::Input("rotate-keys needs an on-disk keystore".into()))
			}
		};
		let rotated = rotate_keys(keystore, &owner);
		let json =
			serde_json::to_string_pretty(&rotated).map_err(|e| Error::Application(Box::new(e)))?;
		println!("{json}");
		Ok(())
	}
}

/// Generates a new set of session keys in `keystore` with their proof of ownership for `owner`.
pub fn rotate_keys(keystore: KeystorePtr, owner: &AccountId) -> RotatedKeys {
	let mut ext = sp_io::TestExternalities::default();
	ext.register_extension(KeystoreExt::from(keystore));
	let generated = ext.execute_with(|| SessionKeys::generate(&owner.encode(), None));
	let hex = |bytes: &[u8]| format!("0x{}", HexDisplay::from(&bytes));
	RotatedKeys {
		keys: hex(&generated.keys.encode()),
		babe: hex(generated.keys.babe.as_ref()),
		grandpa: hex(generated.keys.grandpa.as_ref()),
		poai: hex(generated.keys.poai.as_ref()),
		proof: hex(&generated.proof.encode()),
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use codec::Decode;
	use sp_core::ByteArray;
	use sp_keyring::Sr25519Keyring;
	use sp_keystore::Keystore;
	use sp_runtime::traits::OpaqueKeys;

	fn unhex(s: &str) -> Vec<u8> {
		sp_core::bytes::from_hex(s).expect("hex")
	}

	#[test]
	fn rotated_keys_are_in_the_keystore_and_proven_for_the_owner_only() {
		let dir = std::env::temp_dir().join(format!("poai-rotate-keys-{}", std::process::id()));
		let keystore: KeystorePtr = LocalKeystore::open(&dir, None).expect("keystore").into();
		let owner = Sr25519Keyring::Eve.to_account_id();
		let rotated = rotate_keys(keystore.clone(), &owner);
		let keys = SessionKeys::decode(&mut &unhex(&rotated.keys)[..]).expect("SessionKeys");
		assert_eq!(unhex(&rotated.poai), keys.poai.to_raw_vec());
		assert_eq!(unhex(&rotated.babe), keys.babe.to_raw_vec());
		assert_eq!(unhex(&rotated.grandpa), keys.grandpa.to_raw_vec());

		// On disk: a node opening this keystore signs with them.
		let reopened = LocalKeystore::open(&dir, None).expect("keystore");
		for (key_type, public) in [
			(poai_primitives::POAI_KEY_TYPE, keys.poai.to_raw_vec()),
			(sp_core::crypto::key_types::BABE, keys.babe.to_raw_vec()),
			(sp_core::crypto::key_types::GRANDPA, keys.grandpa.to_raw_vec()),
		] {
			assert!(reopened.has_keys(&[(public, key_type)]), "{key_type:?} key on disk");
		}
		let proof = unhex(&rotated.proof);
		assert!(keys.ownership_proof_is_valid(&owner.encode(), &proof));
		let other = Sr25519Keyring::Ferdie.to_account_id();
		assert!(!keys.ownership_proof_is_valid(&other.encode(), &proof));
		// A second rotation makes other keys.
		assert_ne!(rotate_keys(keystore, &owner).keys, rotated.keys);
		let _ = std::fs::remove_dir_all(dir);
	}
}
