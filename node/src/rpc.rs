//! JSON-RPC extensions of the PoAI node.
//!
//! `sc-service` already serves the standard Substrate methods (`chain_*`, `state_*`,
//! `author_*`, `system_*`, the new JSON-RPC spec, ...). This module adds the methods that need
//! runtime APIs or consensus handles: account nonces, fee queries, BABE and GRANDPA.

use std::sync::Arc;

use jsonrpsee::RpcModule;
use poai_runtime::{opaque::Block, AccountId, Balance, Nonce};
use sc_consensus_babe::BabeWorkerHandle;
use sc_consensus_grandpa::{
	FinalityProofProvider, GrandpaJustificationStream, SharedAuthoritySet, SharedVoterState,
};
use sc_rpc::SubscriptionTaskExecutor;
use sc_transaction_pool_api::TransactionPool;
use sp_api::ProvideRuntimeApi;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};
use sp_consensus::SelectChain;
use sp_consensus_babe::BabeApi;
use sp_keystore::KeystorePtr;
use sp_runtime::traits::{Block as BlockT, NumberFor};

/// Dependencies of the BABE RPC.
#[derive(Clone)]
pub struct BabeDeps {
	/// Keystore holding the BABE keys of this node.
	pub keystore: KeystorePtr,
	/// Handle to the BABE worker, which answers epoch queries.
	pub babe_worker_handle: BabeWorkerHandle<Block>,
}

/// Dependencies of the GRANDPA RPC.
pub struct GrandpaDeps<B> {
	/// State of the local GRANDPA voter.
	pub shared_voter_state: SharedVoterState,
	/// Authority set tracked by GRANDPA.
	pub shared_authority_set: SharedAuthoritySet<<Block as BlockT>::Hash, NumberFor<Block>>,
	/// Stream of the justifications of finalized blocks.
	pub justification_stream: GrandpaJustificationStream<Block>,
	/// Provider of finality proofs.
	pub finality_provider: Arc<FinalityProofProvider<B, Block>>,
}

// Not derived: the derive would require `B: Clone`, which a database backend is not.
impl<B> Clone for GrandpaDeps<B> {
	fn clone(&self) -> Self {
		Self {
			shared_voter_state: self.shared_voter_state.clone(),
			shared_authority_set: self.shared_authority_set.clone(),
			justification_stream: self.justification_stream.clone(),
			finality_provider: self.finality_provider.clone(),
		}
	}
}

/// Dependencies of the full node RPC extensions.
pub struct FullDeps<C, P, SC, B> {
	/// The client.
	pub client: Arc<C>,
	/// The transaction pool.
	pub pool: Arc<P>,
	/// The chain selection rule.
	pub select_chain: SC,
	/// Executor of the subscription tasks.
	pub subscription_executor: SubscriptionTaskExecutor,
	/// BABE dependencies.
	pub babe: BabeDeps,
	/// GRANDPA dependencies.
	pub grandpa: GrandpaDeps<B>,
}

/// Builds the RPC extensions of a full node.
pub fn create_full<C, P, SC, B>(
	deps: FullDeps<C, P, SC, B>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ HeaderMetadata<Block, Error = BlockChainError>
		+ Send
		+ Sync
		+ 'static,
	C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>
		+ pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>
		+ BabeApi<Block>
		+ BlockBuilder<Block>,
	P: TransactionPool + 'static,
	SC: SelectChain<Block> + 'static,
	B: sc_client_api::Backend<Block> + Send + Sync + 'static,
{
	use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
	use sc_consensus_babe_rpc::{Babe, BabeApiServer};
	use sc_consensus_grandpa_rpc::{Grandpa, GrandpaApiServer};
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let FullDeps { client, pool, select_chain, subscription_executor, babe, grandpa } = deps;
	let mut module = RpcModule::new(());

	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client.clone()).into_rpc())?;
	module.merge(
		Babe::new(client, babe.babe_worker_handle, babe.keystore, select_chain).into_rpc(),
	)?;
	module.merge(
		Grandpa::new(
			subscription_executor,
			grandpa.shared_authority_set,
			grandpa.shared_voter_state,
			grandpa.justification_stream,
			grandpa.finality_provider,
		)
		.into_rpc(),
	)?;

	Ok(module)
}
