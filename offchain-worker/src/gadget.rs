//! The worker's one entry point for the node's service, as polkadot-sdk's consensus gadgets
//! have theirs (`sc_consensus_grandpa::run_grandpa_voter`,
//! `sc_consensus_beefy::start_beefy_gadget`): [`start_inference_worker`] takes
//! [`InferenceWorkerParams`], does everything that can fail before the node runs (loading ONNX
//! Runtime, checking every registered model file, registering the metrics) and returns the
//! worker's future for the service to spawn, or a [`WorkerError`] that says what to fix.

use crate::{
	engine::{Engine, EngineConfig, EngineError},
	metrics::Metrics,
	task::{self, WorkerParams},
	Fault,
};
use futures::Future;
use poai_primitives::{ModelId, ModelSpec};
use poai_runtime_api::PoaiChallengesApi;
use sc_client_api::BlockchainEvents;
use sc_transaction_pool_api::OffchainTransactionPoolFactory;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_keystore::KeystorePtr;
use sp_runtime::traits::{Block as BlockT, NumberFor};
use std::sync::Arc;
use substrate_prometheus_endpoint::{PrometheusError, Registry};

/// What the inference worker needs from the node.
pub struct InferenceWorkerParams<C, Block: BlockT> {
	/// The client: best blocks, and the runtime API the duties come from.
	pub client: Arc<C>,
	/// The keystore holding the node's `poai` session keys.
	pub keystore: KeystorePtr,
	/// Gives the runtime access to the transaction pool when it signs and submits.
	pub offchain_tx_pool_factory: OffchainTransactionPoolFactory<Block>,
	/// The models folder, the ONNX Runtime library, the device and threads.
	pub engine: EngineConfig,
	/// Makes this node a dishonest worker (testnets and tests only).
	pub fault: Option<Fault>,
	/// Where the `poai_worker_*` metrics go, if the node exposes Prometheus metrics.
	pub prometheus_registry: Option<Registry>,
}

/// Why the inference worker cannot start.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
	/// ONNX Runtime or a model file: the message names the library paths searched, or the
	/// model, its file and the hash expected.
	#[error("PoAI worker: {0}")]
	Engine(#[from] EngineError),
	/// The registered models could not be read from the runtime at the best block.
	#[error("PoAI worker: reading the registered models at the best block: {0}")]
	RuntimeApi(#[from] sp_api::ApiError),
	/// The metrics could not be registered (a name already taken in the registry).
	#[error("PoAI worker: registering its Prometheus metrics: {0}")]
	Metrics(#[from] PrometheusError),
}

/// Starts the PoAI inference worker: loads ONNX Runtime on the configured device (falling back
/// from CUDA to the CPU with a warning), checks the file of every model registered at the best
/// block against its hash (a node with a missing or altered model does not start), registers
/// the metrics, and returns the worker's future, which follows the best block until the node
/// stops.
pub fn start_inference_worker<C, Block>(
	params: InferenceWorkerParams<C, Block>,
) -> Result<impl Future<Output = ()> + Send, WorkerError>
where
	Block: BlockT,
	C: ProvideRuntimeApi<Block> + BlockchainEvents<Block> + HeaderBackend<Block>,
	C: Send + Sync + 'static,
	C::Api: PoaiChallengesApi<Block, NumberFor<Block>>,
{
	let engine = Engine::new(params.engine)?;
	engine.verify_models(&registered_models(&*params.client)?)?;
	let metrics = params.prometheus_registry.as_ref().map(Metrics::register).transpose()?;
	Ok(task::run(WorkerParams {
		client: params.client,
		keystore: params.keystore,
		pool: params.offchain_tx_pool_factory,
		engine: Arc::new(engine),
		fault: params.fault,
		metrics,
	}))
}

/// Every model registered at the best block, retired ones included (a round issued before a
/// retirement may still be audited), in id order.
fn registered_models<C, Block>(client: &C) -> Result<Vec<(ModelId, ModelSpec)>, sp_api::ApiError>
where
	Block: BlockT,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block>,
	C::Api: PoaiChallengesApi<Block, NumberFor<Block>>,
{
	let best = client.info().best_hash;
	let api = client.runtime_api();
	let mut registered = Vec::new();
	// Ids are assigned from 0 and never reused: the first id without a record ends the list.
	for id in 0..=ModelId::MAX {
		match api.model(best, id)? {
			Some(spec) => registered.push((id, spec)),
			None => break,
		}
	}
	Ok(registered)
}
