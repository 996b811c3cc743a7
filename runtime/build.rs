fn main() {
	#[cfg(feature = "std")]
	{
		// The build cache lives outside the work tree ($CARGO_TARGET_DIR), where
		// substrate-wasm-builder cannot find this workspace's Cargo.lock by walking up from its
		// output directory: point it at the workspace, so the wasm is built with the locked
		// dependency versions. Only for this crate: other wasm-building dependencies (the
		// benchmark CLI's test runtime) must keep finding their own workspace.
		// Read when the script runs, not when it is compiled: a build script compiled for a
		// checkout at another path (CI's clone, same $CARGO_TARGET_DIR) is reused as is.
		let manifest_dir = std::env::var("CARGO_MANIFEST_DIR")
			.expect("cargo sets CARGO_MANIFEST_DIR for build scripts");
		let workspace = std::path::Path::new(&manifest_dir).join("..");
		std::env::set_var("WASM_BUILD_WORKSPACE_HINT", workspace);
		substrate_wasm_builder::WasmBuilder::build_using_defaults();
	}
}
