fn main() {
	#[cfg(feature = "std")]
	{
		// The build cache lives outside the work tree ($CARGO_TARGET_DIR), where
		// substrate-wasm-builder cannot find this workspace's Cargo.lock by walking up from its
		// output directory: point it at the workspace, so the wasm is built with the locked
		// dependency versions. Only for this crate: other wasm-building dependencies (the
		// benchmark CLI's test runtime) must keep finding their own workspace.
		let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
		std::env::set_var("WASM_BUILD_WORKSPACE_HINT", workspace);
		substrate_wasm_builder::WasmBuilder::build_using_defaults();
	}
}
