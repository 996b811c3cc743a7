//! Command line interface of the PoAI node.

use poai_offchain_worker::{engine::Device, Fault};
use sc_cli::{Database, DatabaseParams, RunCmd};
use std::path::PathBuf;

/// Command line of the PoAI node: runs the node unless a subcommand is given.
#[derive(Debug, clap::Parser)]
pub struct Cli {
	/// A chain operation to run instead of the node.
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	/// Parameters of the node itself.
	#[clap(flatten)]
	pub run: RunCmd,

	/// Parameters of the PoAI inference worker.
	#[clap(flatten)]
	pub poai: PoaiWorkerParams,
}

/// The PoAI inference worker: runs on validators (`--validator`, `--alice`, …) that are given
/// the challenge models with `--poai-models`.
#[derive(Debug, Clone, clap::Args)]
pub struct PoaiWorkerParams {
	/// Directory holding the challenge models as `<name>.onnx` (the repository's `models/`).
	/// Each file is checked against the hash the chain registered for it; a missing or
	/// mismatching file is refused. Without this flag the node runs no PoAI worker.
	#[arg(long, value_name = "DIR")]
	pub poai_models: Option<PathBuf>,

	/// Where inference runs: `cpu`, `cuda` or `cuda:N`. Without a usable CUDA device the
	/// worker falls back to the CPU and says so in the log.
	#[arg(long, value_name = "DEVICE", default_value = "cpu")]
	pub poai_device: Device,

	/// Path of `libonnxruntime.so` (default: `$ORT_DYLIB_PATH`, then the Python `onnxruntime`
	/// package in `$POAI_VENV` or `~/.cache/poai-venv`, which `scripts/setup.sh` installs).
	#[arg(long, value_name = "PATH")]
	pub poai_ort_lib: Option<PathBuf>,

	/// Intra-op threads of ONNX Runtime on the CPU (default: ONNX Runtime's choice).
	#[arg(long, value_name = "N")]
	pub poai_threads: Option<usize>,

	/// Makes this node a dishonest worker, for testnets and tests: `random` (made-up
	/// outputs), `partial:F` (a fraction F of the samples made up), `wrong-model`,
	/// `skip-reveal`, `late-commit`, `framing-verifier` (honest work, made-up verifications).
	#[arg(long, value_name = "MODE")]
	pub poai_simulate_fault: Option<Fault>,
}

/// Chain operations and utilities.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management utilities.
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Generate new session keys (`babe`, `gran`, `poai`) in the node's keystore and print
	/// them with the ownership proof for `session.setKeys(keys, proof)`, as the RPC
	/// `author_rotateKeysWithOwner` would.
	RotateKeys(crate::rotate_keys::RotateKeysCmd),

	/// Build a chain specification.
	///
	/// Legacy command kept for existing scripts; prefer `export-chain-spec`.
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Export a chain specification to a JSON file or to stdout.
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain specification.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Print information about the chain in the database.
	ChainInfo(sc_cli::ChainInfoCmd),

	/// Runtime and node benchmarks.
	#[cfg(feature = "runtime-benchmarks")]
	#[command(subcommand)]
	Benchmark(frame_benchmarking_cli::BenchmarkCmd),
}

impl Cli {
	/// Selects ParityDb for the command about to run unless `--database` was given.
	///
	/// The node is built without RocksDB. `sc-cli` itself only falls back to ParityDb while its
	/// `rocksdb` feature is off, so the default is pinned here: a feature enabled elsewhere in
	/// the dependency graph must not silently switch existing nodes to another database.
	pub fn use_paritydb_by_default(&mut self) {
		if let Some(params) = self.database_params_mut() {
			if params.database.is_none() {
				params.database = Some(Database::ParityDb);
			}
		}
	}

	/// The database parameters of the command about to run, if it opens the database.
	fn database_params_mut(&mut self) -> Option<&mut DatabaseParams> {
		let params = match &mut self.subcommand {
			None => &mut self.run.import_params.database_params,
			Some(Subcommand::CheckBlock(cmd)) => &mut cmd.import_params.database_params,
			Some(Subcommand::ImportBlocks(cmd)) => &mut cmd.import_params.database_params,
			Some(Subcommand::ExportBlocks(cmd)) => &mut cmd.database_params,
			Some(Subcommand::ExportState(cmd)) => &mut cmd.database_params,
			Some(Subcommand::PurgeChain(cmd)) => &mut cmd.database_params,
			Some(Subcommand::Revert(cmd)) => &mut cmd.database_params,
			Some(Subcommand::ChainInfo(cmd)) => &mut cmd.database_params,
			Some(_) => return None,
		};
		Some(params)
	}
}
