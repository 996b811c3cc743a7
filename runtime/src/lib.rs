//! The PoAI chain runtime.
//!
//! BABE produces blocks and supplies the VRF randomness the PoAI challenge protocol draws
//! from; GRANDPA finalises them. A session is one BABE epoch. `pallet-poai-staking` is the
//! session manager: every session it elects the validators from bonded candidates by
//! backing stake × reputation (`pallet-poai-reputation`), pays rewards by points and slashes
//! the offences `pallet-offences` reports.

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime!`/`#[runtime]` expand to deeply nested types.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

use alloc::vec::Vec;

// The pallets whose weights `poai-node benchmark pallet` measures. Declared before `apis` so
// that the `list_benchmarks!`/`add_benchmarks!` macros it defines are in scope there.
#[cfg(feature = "runtime-benchmarks")]
frame_benchmarking::define_benchmarks!(
	[pallet_poai_staking, PoaiStaking]
	[pallet_poai_reputation, PoaiReputation]
	[pallet_poai_models, PoaiModels]
	[pallet_poai_challenges, PoaiChallenges]
);

mod apis;
pub mod configs;
pub mod genesis_config_presets;
pub mod migrations;

#[cfg(test)]
mod tests;

use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature,
};
use sp_version::{runtime_version, RuntimeVersion};

pub use apis::RuntimeApi;
pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// Block number.
pub type BlockNumber = u32;
/// Transaction signature: sr25519, ed25519 or ecdsa, as polkadot.js apps produces.
pub type Signature = MultiSignature;
/// An account is identified by the public key of its signing scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// Balance of an account, in plancks (10^-12 POAI).
pub type Balance = u128;
/// Index of a transaction of an account.
pub type Nonce = u32;
/// Block and state hash.
pub type Hash = sp_core::H256;

/// Types the node uses without knowing the runtime's call and event enums, so that it keeps
/// syncing across runtime upgrades.
pub mod opaque {
	use super::*;
	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Opaque block identifier.
	pub type BlockId = generic::BlockId<Block>;

	impl_opaque_keys! {
		/// The keys a validator registers with `session.setKeys`.
		pub struct SessionKeys {
			/// Block production (sr25519, key type `babe`).
			pub babe: Babe,
			/// Finality voting (ed25519, key type `gran`).
			pub grandpa: Grandpa,
			/// PoAI work: the worker signs its commitments, reveals and verifications with it,
			/// and derives its verification salts from it (sr25519, key type `poai`).
			pub poai: PoaiChallenges,
		}
	}
}

/// The runtime version; polkadot.js apps and the node compare it to decide what to run.
#[cfg(not(feature = "next-spec-version"))]
#[runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("poai"),
	impl_name: alloc::borrow::Cow::Borrowed("poai-node"),
	authoring_version: 1,
	spec_version: 104,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

/// The same runtime one `spec_version` later: the code the live-upgrade test
/// (`zombienet/tests/runtime-upgrade.js`) installs on a running network through the council.
/// `#[runtime_version]` reads literals only, so this is a second literal; bump both together.
#[cfg(feature = "next-spec-version")]
#[runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("poai"),
	impl_name: alloc::borrow::Cow::Borrowed("poai-node"),
	authoring_version: 1,
	spec_version: 105,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

/// Target block time. Short, so that testnets run several PoAI rounds in minutes.
pub const MILLISECS_PER_BLOCK: u64 = 3000;
/// BABE slot duration. It cannot change once a chain has started.
pub const SLOT_DURATION: u64 = MILLISECS_PER_BLOCK;
/// Blocks per minute at the target block time.
pub const MINUTES: BlockNumber = 60_000 / (MILLISECS_PER_BLOCK as BlockNumber);
/// Blocks per hour at the target block time.
pub const HOURS: BlockNumber = MINUTES * 60;
/// Blocks per day at the target block time.
pub const DAYS: BlockNumber = HOURS * 24;
/// The shortest session (= BABE epoch) a chain's genesis may set, in slots. Each chain sets its
/// own in genesis (`pallet_poai_timing`: 20 slots on the testnets, 1,200 on production; see
/// `docs/adr/0009-chain-timing-in-genesis.md`); below 10, a testnet round (≈ 33 blocks) would
/// outlive the `MAX_ACTIVE_ROUNDS` rounds the challenge protocol keeps in flight.
pub const MIN_EPOCH_DURATION_IN_SLOTS: u64 = 10;

/// One POAI in plancks.
pub const UNIT: Balance = 1_000_000_000_000;
/// A thousandth of a POAI.
pub const MILLI_UNIT: Balance = UNIT / 1_000;
/// The smallest balance an account may hold.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;

/// BABE's genesis epoch configuration: primary slots with probability 1/4, secondary slots so
/// that every slot has an author even when the primary lottery finds none. Secondary slots
/// carry a VRF output too (`PrimaryAndSecondaryVRFSlots`): every block then adds randomness
/// its author cannot choose, which the PoAI seeds and audit draws accumulate
/// (`pallet-poai-challenges`); a plain secondary slot would add none.
pub const BABE_GENESIS_EPOCH_CONFIG: sp_consensus_babe::BabeEpochConfiguration =
	sp_consensus_babe::BabeEpochConfiguration {
		c: (1, 4),
		allowed_slots: sp_consensus_babe::AllowedSlots::PrimaryAndSecondaryVRFSlots,
	};

/// The runtime, composed of its pallets.
#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;
	// Before BABE and staking, which read the chain's clock from it.
	#[runtime::pallet_index(21)]
	pub type PoaiTiming = pallet_poai_timing;
	#[runtime::pallet_index(2)]
	pub type Babe = pallet_babe;
	#[runtime::pallet_index(3)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(4)]
	pub type TransactionPayment = pallet_transaction_payment;
	#[runtime::pallet_index(5)]
	pub type Authorship = pallet_authorship;
	#[runtime::pallet_index(6)]
	pub type PoaiReputation = pallet_poai_reputation;
	// Before `Session`: session's genesis asks staking for the first validators.
	#[runtime::pallet_index(7)]
	pub type PoaiStaking = pallet_poai_staking;
	#[runtime::pallet_index(8)]
	pub type Offences = pallet_offences;
	#[runtime::pallet_index(9)]
	pub type Historical = pallet_session::historical;
	#[runtime::pallet_index(10)]
	pub type Session = pallet_session;
	#[runtime::pallet_index(11)]
	pub type Grandpa = pallet_grandpa;
	#[runtime::pallet_index(12)]
	pub type Utility = pallet_utility;
	#[runtime::pallet_index(13)]
	pub type Sudo = pallet_sudo;
	#[runtime::pallet_index(14)]
	pub type PoaiModels = pallet_poai_models;
	// After `Session`: a round is issued in the first block of its session, once the session's
	// validators are known.
	#[runtime::pallet_index(15)]
	pub type PoaiChallenges = pallet_poai_challenges;
	#[runtime::pallet_index(16)]
	pub type Treasury = pallet_treasury;
	#[runtime::pallet_index(17)]
	pub type Council = pallet_collective<Instance1>;
	#[runtime::pallet_index(18)]
	pub type CouncilMembership = pallet_membership<Instance1>;
	#[runtime::pallet_index(19)]
	pub type Preimage = pallet_preimage;
	#[runtime::pallet_index(20)]
	pub type Whitelist = pallet_whitelist;
}

/// The address format: polkadot.js apps sends `MultiAddress::Id`.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// The transaction extensions, checked in this order for every transaction.
pub type TxExtension = (
	// First, so that `#[pallet::authorize]` calls (the PoAI worker's submissions) are authorised
	// before the signed-origin checks below run.
	frame_system::AuthorizeCall<Runtime>,
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	// Last, so that it sees the weight every other extension reclaimed.
	frame_system::WeightReclaim<Runtime>,
);
/// An extrinsic as it arrives from the outside.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload a signer signs.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;
/// Migrations to run on the next runtime upgrade, besides the pallets' own.
type Migrations = migrations::Unreleased;
/// Dispatches blocks and transactions to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;
