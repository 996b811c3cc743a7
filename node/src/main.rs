//! The PoAI node: BABE block production, GRANDPA finality, ParityDb storage, offchain workers
//! and the standard Substrate JSON-RPC interface.

mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;

fn main() -> sc_cli::Result<()> {
	command::run()
}
