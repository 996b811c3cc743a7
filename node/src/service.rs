//! The PoAI node service: client, transaction pool, import queue, networking, BABE block
//! production, GRANDPA finality, RPC and the PoAI inference worker.

use std::{sync::Arc, time::Duration};

use jsonrpsee::RpcModule;
use poai_runtime::{opaque::Block, RuntimeApi};
use sc_consensus_babe::{BabeLink, BabeWorkerHandle, SlotProportion};
use sc_consensus_grandpa::{FinalityProofProvider, SharedVoterState};
use sc_consensus_slots::BackoffAuthoringOnFinalizedHeadLagging;
use sc_network::{config::FullNetworkConfiguration, NetworkBackend};
use sc_rpc::SubscriptionTaskExecutor;
use sc_service::{
	error::Error as ServiceError, Configuration, PartialComponents, TaskManager, WarpSyncConfig,
};
use sc_telemetry::{Telemetry, TelemetryWorker};
use sc_transaction_pool_api::OffchainTransactionPoolFactory;
use sp_blockchain::HeaderBackend;
use sp_consensus_babe::{inherents::BabeCreateInherentDataProviders, SlotDuration};
use sp_keystore::KeystorePtr;
use sp_runtime::traits::{Block as BlockT, NumberFor};

use crate::rpc::{BabeDeps, FullDeps, GrandpaDeps};

/// Host functions the runtime is allowed to call.
#[cfg(not(feature = "runtime-benchmarks"))]
pub type HostFunctions = sp_io::SubstrateHostFunctions;

/// Host functions the runtime is allowed to call, including the benchmarking ones.
#[cfg(feature = "runtime-benchmarks")]
pub type HostFunctions =
	(sp_io::SubstrateHostFunctions, frame_benchmarking::benchmarking::HostFunctions);

/// Executor of the runtime wasm blob.
pub type RuntimeExecutor = sc_executor::WasmExecutor<HostFunctions>;

/// The full client.
pub type FullClient = sc_service::TFullClient<Block, RuntimeApi, RuntimeExecutor>;

/// The database backend of the full client.
pub type FullBackend = sc_service::TFullBackend<Block>;

/// The chain selection rule: the longest chain.
pub type FullSelectChain = sc_consensus::LongestChain<FullBackend, Block>;

/// The transaction pool.
pub type TransactionPool = sc_transaction_pool::TransactionPoolHandle<Block, FullClient>;

/// GRANDPA block import, wrapping the client.
pub type FullGrandpaBlockImport =
	sc_consensus_grandpa::GrandpaBlockImport<FullBackend, Block, FullClient, FullSelectChain>;

/// Link between the GRANDPA block import and the GRANDPA voter.
pub type FullGrandpaLink = sc_consensus_grandpa::LinkHalf<Block, FullClient, FullSelectChain>;

/// BABE block import, wrapping the GRANDPA block import.
pub type FullBabeBlockImport = sc_consensus_babe::BabeBlockImport<
	Block,
	FullClient,
	FullGrandpaBlockImport,
	BabeCreateInherentDataProviders<Block>,
	FullSelectChain,
>;

/// The components built by [`new_partial`].
pub type Service = PartialComponents<
	FullClient,
	FullBackend,
	FullSelectChain,
	sc_consensus::DefaultImportQueue<Block>,
	TransactionPool,
	ConsensusComponents,
>;

/// Consensus and telemetry components built by [`new_partial`] for [`new_full`].
pub struct ConsensusComponents {
	/// The block import the BABE authoring worker feeds its blocks into.
	pub block_import: FullBabeBlockImport,
	/// Link between the BABE import queue and the BABE authoring worker.
	pub babe_link: BabeLink<Block>,
	/// Handle to the BABE worker, which answers epoch queries.
	pub babe_worker_handle: BabeWorkerHandle<Block>,
	/// Link between the GRANDPA block import and the GRANDPA voter.
	pub grandpa_link: FullGrandpaLink,
	/// Telemetry of this node, if telemetry endpoints are configured.
	pub telemetry: Option<Telemetry>,
}

/// Minimum period, in blocks, between GRANDPA justifications that are imported and generated.
const GRANDPA_JUSTIFICATION_PERIOD: u32 = 512;

/// Expected time for a GRANDPA message to be gossiped across the network.
const GRANDPA_GOSSIP_DURATION: Duration = Duration::from_millis(333);

/// Capacity of the buffer between this node and the telemetry worker.
const TELEMETRY_BUFFER_SIZE: usize = 16;

/// Builds the components shared by the node and the chain operations: client, backend,
/// transaction pool, and the BABE and GRANDPA block import pipeline.
pub fn new_partial(config: &Configuration) -> Result<Service, ServiceError> {
	let telemetry = telemetry_worker(config)?;

	let executor = sc_service::new_wasm_executor::<HostFunctions>(&config.executor);
	let (client, backend, keystore_container, mut task_manager) =
		sc_service::new_full_parts::<Block, RuntimeApi, _>(
			config,
			telemetry.as_ref().map(|(_, telemetry)| telemetry.handle()),
			executor,
			// Keep the blocks carrying GRANDPA justifications: warp sync proofs are built
			// from them.
			vec![Arc::new(sc_consensus_grandpa::GrandpaPruningFilter)],
		)?;
	let client = Arc::new(client);

	let telemetry = telemetry.map(|(worker, telemetry)| {
		task_manager.spawn_handle().spawn("telemetry", None, worker.run());
		telemetry
	});

	let select_chain = sc_consensus::LongestChain::new(backend.clone());

	let transaction_pool = Arc::new(
		sc_transaction_pool::Builder::new(
			task_manager.spawn_essential_handle(),
			client.clone(),
			config.role.is_authority().into(),
		)
		.with_options(config.transaction_pool.clone())
		.with_prometheus(config.prometheus_registry())
		.build(),
	);

	let (grandpa_block_import, grandpa_link) = sc_consensus_grandpa::block_import(
		client.clone(),
		GRANDPA_JUSTIFICATION_PERIOD,
		&client,
		select_chain.clone(),
		telemetry.as_ref().map(|telemetry| telemetry.handle()),
	)?;

	let babe_config = sc_consensus_babe::configuration(&*client)?;
	let slot_duration = babe_config.slot_duration();
	let (block_import, babe_link) = sc_consensus_babe::block_import(
		babe_config,
		grandpa_block_import.clone(),
		client.clone(),
		babe_inherent_data_providers(slot_duration),
		select_chain.clone(),
		OffchainTransactionPoolFactory::new(transaction_pool.clone()),
	)?;

	let (import_queue, babe_worker_handle) =
		sc_consensus_babe::import_queue(sc_consensus_babe::ImportQueueParams {
			link: babe_link.clone(),
			block_import: block_import.clone(),
			justification_import: Some(Box::new(grandpa_block_import)),
			client: client.clone(),
			slot_duration,
			spawner: &task_manager.spawn_essential_handle(),
			registry: config.prometheus_registry(),
			telemetry: telemetry.as_ref().map(|telemetry| telemetry.handle()),
		})?;
	// The essential BABE worker task stops, taking the node down with it, once the last handle
	// is dropped: keep one for as long as the task manager lives.
	task_manager.keep_alive(babe_worker_handle.clone());

	Ok(PartialComponents {
		client,
		backend,
		task_manager,
		keystore_container,
		select_chain,
		import_queue,
		transaction_pool,
		other: ConsensusComponents {
			block_import,
			babe_link,
			babe_worker_handle,
			grandpa_link,
			telemetry,
		},
	})
}

/// Builds and starts a full node on the networking backend `N`.
///
/// Authorities produce blocks with BABE; every node runs the GRANDPA voter unless GRANDPA is
/// disabled, with its keys only on authorities. Tasks that need the client, the keystore or the
/// transaction pool are started last, once networking, RPC and consensus are up.
pub fn new_full<N: NetworkBackend<Block, <Block as BlockT>::Hash>>(
	config: Configuration,
	poai: crate::cli::PoaiWorkerParams,
) -> Result<TaskManager, ServiceError> {
	let PartialComponents {
		client,
		backend,
		mut task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other:
			ConsensusComponents {
				block_import,
				babe_link,
				babe_worker_handle,
				grandpa_link,
				mut telemetry,
			},
	} = new_partial(&config)?;

	let role = config.role;
	// `--alice` & co.: sc-service generates every session key from the seed when it spawns the
	// tasks, the `poai` worker key among them.
	let force_authoring = config.force_authoring;
	let enable_grandpa = !config.disable_grandpa;
	let node_name = config.network.node_name.clone();
	let prometheus_registry = config.prometheus_registry().cloned();

	let mut net_config = FullNetworkConfiguration::<Block, <Block as BlockT>::Hash, N>::new(
		&config.network,
		prometheus_registry.clone(),
	);
	let metrics = N::register_notification_metrics(prometheus_registry.as_ref());
	let grandpa_protocol_name = sc_consensus_grandpa::protocol_standard_name(
		&client.info().genesis_hash,
		&config.chain_spec,
	);
	let (grandpa_protocol_config, grandpa_notification_service) =
		sc_consensus_grandpa::grandpa_peers_set_config::<_, N>(
			grandpa_protocol_name.clone(),
			metrics.clone(),
			net_config.peer_store_handle(),
		);
	net_config.add_notification_protocol(grandpa_protocol_config);

	let warp_sync = Arc::new(sc_consensus_grandpa::warp_proof::NetworkProvider::new(
		backend.clone(),
		grandpa_link.shared_authority_set().clone(),
		Vec::default(),
	));

	let (network, system_rpc_tx, tx_handler_controller, sync_service, _bitswap) =
		sc_service::build_network(sc_service::BuildNetworkParams {
			config: &config,
			net_config,
			client: client.clone(),
			transaction_pool: transaction_pool.clone(),
			spawn_handle: task_manager.spawn_handle(),
			spawn_essential_handle: task_manager.spawn_essential_handle(),
			import_queue,
			block_announce_validator_builder: None,
			warp_sync_config: Some(WarpSyncConfig::WithProvider(warp_sync)),
			block_relay: None,
			metrics,
			gap_sync_body_policy: None,
		})?;

	let shared_voter_state = SharedVoterState::empty();
	let rpc_builder = rpc_extensions_builder(
		client.clone(),
		transaction_pool.clone(),
		select_chain.clone(),
		BabeDeps { keystore: keystore_container.keystore(), babe_worker_handle },
		GrandpaDeps {
			shared_voter_state: shared_voter_state.clone(),
			shared_authority_set: grandpa_link.shared_authority_set().clone(),
			justification_stream: grandpa_link.justification_stream(),
			finality_provider: FinalityProofProvider::new_for_service(
				backend.clone(),
				Some(grandpa_link.shared_authority_set().clone()),
			),
		},
	);

	sc_service::spawn_tasks(sc_service::SpawnTasksParams {
		config,
		client: client.clone(),
		backend,
		task_manager: &mut task_manager,
		keystore: keystore_container.keystore(),
		transaction_pool: transaction_pool.clone(),
		rpc_builder: Box::new(rpc_builder),
		network: network.clone(),
		system_rpc_tx,
		tx_handler_controller,
		sync_service: sync_service.clone(),
		telemetry: telemetry.as_mut(),
		tracing_execute_block: None,
	})?;

	if role.is_authority() {
		start_poai_worker(
			&poai,
			&task_manager,
			client.clone(),
			keystore_container.keystore(),
			OffchainTransactionPoolFactory::new(transaction_pool.clone()),
			prometheus_registry.clone(),
		)?;
	}

	if role.is_authority() {
		let proposer_factory = sc_basic_authorship::ProposerFactory::new(
			task_manager.spawn_handle(),
			client.clone(),
			transaction_pool.clone(),
			prometheus_registry.as_ref(),
			telemetry.as_ref().map(|telemetry| telemetry.handle()),
		);
		let slot_duration = babe_link.config().slot_duration();
		let backoff_authoring_blocks =
			BackoffAuthoringOnFinalizedHeadLagging::<NumberFor<Block>>::default();

		let babe = sc_consensus_babe::start_babe(sc_consensus_babe::BabeParams {
			keystore: keystore_container.keystore(),
			client: client.clone(),
			select_chain,
			env: proposer_factory,
			block_import,
			sync_oracle: sync_service.clone(),
			justification_sync_link: sync_service.clone(),
			create_inherent_data_providers: babe_inherent_data_providers(slot_duration),
			force_authoring,
			backoff_authoring_blocks: Some(backoff_authoring_blocks),
			babe_link,
			block_proposal_slot_portion: SlotProportion::new(0.5),
			max_block_proposal_slot_portion: None,
			telemetry: telemetry.as_ref().map(|telemetry| telemetry.handle()),
		})?;
		task_manager.spawn_essential_handle().spawn_blocking(
			"babe-proposer",
			Some("block-authoring"),
			babe,
		);
	}

	if enable_grandpa {
		let grandpa_params = sc_consensus_grandpa::GrandpaParams {
			config: sc_consensus_grandpa::Config {
				gossip_duration: GRANDPA_GOSSIP_DURATION,
				justification_generation_period: GRANDPA_JUSTIFICATION_PERIOD,
				name: Some(node_name),
				observer_enabled: false,
				keystore: role.is_authority().then(|| keystore_container.keystore()),
				local_role: role,
				telemetry: telemetry.as_ref().map(|telemetry| telemetry.handle()),
				protocol_name: grandpa_protocol_name,
			},
			link: grandpa_link,
			network,
			sync: sync_service,
			notification_service: grandpa_notification_service,
			voting_rule: sc_consensus_grandpa::VotingRulesBuilder::default().build(),
			prometheus_registry,
			shared_voter_state,
			telemetry: telemetry.as_ref().map(|telemetry| telemetry.handle()),
			offchain_tx_pool_factory: OffchainTransactionPoolFactory::new(transaction_pool.clone()),
		};
		task_manager.spawn_essential_handle().spawn_blocking(
			"grandpa-voter",
			None,
			sc_consensus_grandpa::run_grandpa_voter(grandpa_params)?,
		);
	}

	Ok(task_manager)
}

/// Creates the telemetry worker and the telemetry of this node, if endpoints are configured.
fn telemetry_worker(
	config: &Configuration,
) -> Result<Option<(TelemetryWorker, Telemetry)>, ServiceError> {
	let Some(endpoints) =
		config.telemetry_endpoints.clone().filter(|endpoints| !endpoints.is_empty())
	else {
		return Ok(None);
	};
	let worker = TelemetryWorker::new(TELEMETRY_BUFFER_SIZE)?;
	let telemetry = worker.handle().new_telemetry(endpoints);
	Ok(Some((worker, telemetry)))
}

/// Inherent data of a BABE block: the current time and the slot it falls in.
fn babe_inherent_data_providers(
	slot_duration: SlotDuration,
) -> BabeCreateInherentDataProviders<Block> {
	Arc::new(move |_parent: <Block as BlockT>::Hash, ()| async move {
		let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
		let slot =
			sp_consensus_babe::inherents::InherentDataProvider::from_timestamp_and_slot_duration(
				*timestamp,
				slot_duration,
			);
		Ok::<_, Box<dyn std::error::Error + Send + Sync>>((slot, timestamp))
	})
}

/// Starts the PoAI inference worker when `--poai-models` is given
/// (`poai_offchain_worker::start_inference_worker`): a node whose models are missing or altered,
/// or that finds no ONNX Runtime library, refuses to start and says why.
fn start_poai_worker(
	params: &crate::cli::PoaiWorkerParams,
	task_manager: &TaskManager,
	client: Arc<FullClient>,
	keystore: KeystorePtr,
	offchain_tx_pool_factory: OffchainTransactionPoolFactory<Block>,
	prometheus_registry: Option<substrate_prometheus_endpoint::Registry>,
) -> Result<(), ServiceError> {
	use poai_offchain_worker::{
		engine::{EngineConfig, GraphOptimization},
		InferenceWorkerParams,
	};
	let Some(models_dir) = params.poai_models.clone() else {
		log::warn!(
			"🧠 No `--poai-models`: this validator runs no PoAI worker and will miss its \
			 challenges (losing reputation and, after repeated misses, stake)."
		);
		return Ok(());
	};
	let worker = poai_offchain_worker::start_inference_worker(InferenceWorkerParams {
		client,
		keystore,
		offchain_tx_pool_factory,
		engine: EngineConfig {
			models_dir,
			ort_lib: params.poai_ort_lib.clone(),
			device: params.poai_device,
			threads: params.poai_threads,
			optimization: GraphOptimization::All,
		},
		fault: params.poai_simulate_fault,
		prometheus_registry,
	})
	.map_err(|e| ServiceError::Other(e.to_string()))?;
	task_manager.spawn_handle().spawn("poai-worker", Some("poai"), worker);
	Ok(())
}

/// Builds the factory of the node's RPC extensions, called for every RPC module `sc-service`
/// builds (the RPC servers and the in-memory RPC handlers).
fn rpc_extensions_builder(
	client: Arc<FullClient>,
	pool: Arc<TransactionPool>,
	select_chain: FullSelectChain,
	babe: BabeDeps,
	grandpa: GrandpaDeps<FullBackend>,
) -> impl Fn(SubscriptionTaskExecutor) -> Result<RpcModule<()>, ServiceError> {
	move |subscription_executor| {
		crate::rpc::create_full(FullDeps {
			client: client.clone(),
			pool: pool.clone(),
			select_chain: select_chain.clone(),
			subscription_executor,
			babe: babe.clone(),
			grandpa: grandpa.clone(),
		})
		.map_err(Into::into)
	}
}
