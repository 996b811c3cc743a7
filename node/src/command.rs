//! Dispatch of the command line: runs the node or one of the chain operations.

use std::sync::Arc;

use poai_runtime::opaque::Block;
use sc_cli::SubstrateCli;
use sc_network::config::NetworkBackendType;
use sc_service::{Configuration, PartialComponents, TaskManager};
use sp_runtime::traits::{Block as BlockT, NumberFor};

use crate::{
	chain_spec,
	cli::{Cli, Subcommand},
	service::{self, FullBackend, FullClient},
};

impl SubstrateCli for Cli {
	fn impl_name() -> String {
		"PoAI Node".into()
	}

	fn impl_version() -> String {
		env!("SUBSTRATE_CLI_IMPL_VERSION").into()
	}

	fn description() -> String {
		env!("CARGO_PKG_DESCRIPTION").into()
	}

	fn author() -> String {
		env!("CARGO_PKG_AUTHORS").into()
	}

	fn support_url() -> String {
		"https://github.com/poai-chain/poai/issues/new".into()
	}

	fn copyright_start_year() -> i32 {
		2026
	}

	fn load_spec(&self, id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
		let spec = match id {
			"dev" => chain_spec::development_chain_spec()?,
			"" | "local" => chain_spec::local_chain_spec()?,
			"production" => chain_spec::production_chain_spec()?,
			path => chain_spec::from_json_file(path)?,
		};
		Ok(Box::new(spec))
	}
}

/// Parses the command line and runs the node or the requested chain operation.
pub fn run() -> sc_cli::Result<()> {
	let mut cli = Cli::from_args();
	cli.use_paritydb_by_default();

	match &cli.subcommand {
		None => {
			let runner = cli.create_runner(&cli.run)?;
			let poai = cli.poai.clone();
			runner.run_node_until_exit(|config| async move {
				start_node(config, poai).map_err(sc_cli::Error::Service)
			})
		}
		Some(Subcommand::Key(cmd)) => cmd.run(&cli),
		Some(Subcommand::RotateKeys(cmd)) => cmd.run(&cli),
		Some(Subcommand::BuildSpec(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.chain_spec, config.network))
		}
		Some(Subcommand::ExportChainSpec(cmd)) => {
			let spec = cli.load_spec(&cmd.chain)?;
			cmd.run(spec)
		}
		Some(Subcommand::CheckBlock(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } =
					service::new_partial(&config)?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		}
		Some(Subcommand::ExportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } = service::new_partial(&config)?;
				Ok((cmd.run(client, config.database), task_manager))
			})
		}
		Some(Subcommand::ExportState(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } = service::new_partial(&config)?;
				Ok((cmd.run(client, config.chain_spec), task_manager))
			})
		}
		Some(Subcommand::ImportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } =
					service::new_partial(&config)?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		}
		Some(Subcommand::PurgeChain(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.database))
		}
		Some(Subcommand::Revert(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, backend, .. } =
					service::new_partial(&config)?;
				let revert = cmd.run::<Block, FullBackend, FullClient>(
					client,
					backend,
					Some(Box::new(revert_consensus)),
				);
				Ok((revert, task_manager))
			})
		}
		Some(Subcommand::ChainInfo(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run::<Block>(&config))
		}
		#[cfg(feature = "runtime-benchmarks")]
		Some(Subcommand::Benchmark(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| run_benchmark(cmd, config))
		}
	}
}

/// Starts the full node on the networking backend selected with `--network-backend`.
fn start_node(
	config: Configuration,
	poai: crate::cli::PoaiWorkerParams,
) -> Result<TaskManager, sc_service::Error> {
	match config.network.network_backend {
		NetworkBackendType::Libp2p => service::new_full::<
			sc_network::NetworkWorker<Block, <Block as BlockT>::Hash>,
		>(config, poai),
		NetworkBackendType::Litep2p => {
			service::new_full::<sc_network::Litep2pNetworkBackend>(config, poai)
		}
	}
}

/// Reverts the consensus data kept next to the blocks: BABE epoch changes and GRANDPA
/// authority set changes.
fn revert_consensus(
	client: Arc<FullClient>,
	backend: Arc<FullBackend>,
	blocks: NumberFor<Block>,
) -> sc_cli::Result<()> {
	sc_consensus_babe::revert(client.clone(), backend, blocks)?;
	sc_consensus_grandpa::revert(client, blocks)?;
	Ok(())
}

/// Runs a `benchmark` subcommand.
#[cfg(feature = "runtime-benchmarks")]
fn run_benchmark(
	cmd: &frame_benchmarking_cli::BenchmarkCmd,
	config: Configuration,
) -> sc_cli::Result<()> {
	use frame_benchmarking_cli::{BenchmarkCmd, SUBSTRATE_REFERENCE_HARDWARE};
	use sp_runtime::traits::HashingFor;

	match cmd {
		BenchmarkCmd::Pallet(cmd) => {
			cmd.run_with_spec::<HashingFor<Block>, ()>(Some(config.chain_spec))
		}
		BenchmarkCmd::Block(cmd) => {
			let PartialComponents { client, .. } = service::new_partial(&config)?;
			cmd.run::<Block, FullBackend, FullClient>(client)
		}
		BenchmarkCmd::Storage(cmd) => {
			let PartialComponents { client, backend, .. } = service::new_partial(&config)?;
			let db = backend.expose_db();
			let storage = backend.expose_storage();
			let shared_trie_cache = backend.expose_shared_trie_cache();
			cmd.run::<Block, FullBackend, FullClient>(
				config,
				client,
				db,
				storage,
				shared_trie_cache,
			)
		}
		BenchmarkCmd::Machine(cmd) => cmd.run(&config, SUBSTRATE_REFERENCE_HARDWARE.clone()),
		BenchmarkCmd::Overhead(_) | BenchmarkCmd::Extrinsic(_) => Err(
			"The `overhead` and `extrinsic` benchmarks need a runtime-specific extrinsic builder \
			 that this node does not provide."
				.into(),
		),
	}
}
