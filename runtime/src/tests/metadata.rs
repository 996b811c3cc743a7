//! The metadata the explorer's unit tests decode with (`explorer/test/metadata.scale`) must be
//! this runtime's: the explorer reads events and storage by name and by type, and its tests
//! prove that it decodes every one it reads with the metadata of the code in the same commit.
//! When this fails, run `scripts/regenerate-metadata.sh` and commit the result.

use crate::Runtime;
use std::path::PathBuf;

fn fixture() -> PathBuf {
	PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../explorer/test/metadata.scale")
}

/// The SCALE-encoded `RuntimeMetadataPrefixed` (v15) that `state_getMetadata` serves.
fn metadata() -> Vec<u8> {
	// Building the metadata reads the pallets' storage prefixes through `sp_io`.
	sp_io::TestExternalities::default().execute_with(|| {
		let opaque = Runtime::metadata_at_version(15).expect("the runtime serves metadata v15");
		opaque.to_vec()
	})
}

#[test]
fn the_explorer_decodes_with_this_runtimes_metadata() {
	let metadata = metadata();
	if std::env::var_os("POAI_WRITE_METADATA").is_some() {
		std::fs::write(fixture(), &metadata).expect("the explorer's test folder is writable");
	}
	let committed = std::fs::read(fixture()).unwrap_or_default();
	assert!(
		committed == metadata,
		"explorer/test/metadata.scale is not this runtime's metadata ({} bytes committed, {} \
		 now): run scripts/regenerate-metadata.sh",
		committed.len(),
		metadata.len()
	);
}
