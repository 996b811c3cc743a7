//! The PoAI node: BABE block production, GRANDPA finality, ParityDb storage, the PoAI inference
//! worker and the standard Substrate JSON-RPC interface.

// `sc_cli::Error` and `sc_service::Error` are large, and every sc-cli/sc-service entry point
// returns them by value: boxing them here would only add an allocation on the error path.
#![allow(clippy::result_large_err)]

mod chain_spec;
mod cli;
mod command;
mod rotate_keys;
mod rpc;
mod service;

fn main() -> sc_cli::Result<()> {
	command::run()
}
