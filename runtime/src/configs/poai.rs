//! Configuration of the PoAI pallets: staking and reputation.

use frame_support::{parameter_types, traits::ConstU32};
use frame_system::EnsureRoot;
use sp_runtime::traits::Convert;
use sp_staking::SessionIndex;

use super::super::{
	AccountId, Balance, Balances, PoaiReputation, Runtime, RuntimeHoldReason, Session,
};
use super::MaxAuthorities;

/// Every account the historical session pallet is asked about is identified by `()`: staking
/// keeps exposures per session itself (see `pallet_poai_staking::Exposures`).
pub struct UnitIdentification;

impl Convert<AccountId, Option<()>> for UnitIdentification {
	fn convert(_validator: AccountId) -> Option<()> {
		Some(())
	}
}

parameter_types! {
	/// Sessions an unbonded stake stays slashable before it can be withdrawn.
	pub const BondingDuration: SessionIndex = 8;
	/// Sessions a payout can be claimed and an offence can still slash.
	pub const HistoryDepth: SessionIndex = 16;
	/// Default reputation dynamics: forget 5% per round, a missed round weighs half a failure.
	pub const DefaultReputationParams: pallet_poai_reputation::ReputationParams =
		pallet_poai_reputation::ReputationParams::DEFAULT;
}

impl pallet_poai_staking::Config for Runtime {
	type CurrencyBalance = Balance;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type WorkerKey = poai_primitives::WorkerId;
	type Reputation = PoaiReputation;
	type ValidatorRegistration = Session;
	type SessionControl = pallet_poai_staking::SessionAdapter<Runtime>;
	// Slashed funds are burnt until a treasury exists.
	type Slash = ();
	type AdminOrigin = EnsureRoot<AccountId>;
	type MaxValidators = MaxAuthorities;
	type MaxCandidates = ConstU32<256>;
	type MaxBackersPerCandidate = ConstU32<64>;
	type MaxNominations = ConstU32<16>;
	type MaxUnlockingChunks = ConstU32<32>;
	type BondingDuration = BondingDuration;
	type HistoryDepth = HistoryDepth;
	type MaxPruneKeysPerBlock = ConstU32<64>;
	type WeightInfo = pallet_poai_staking::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = StakingBenchmarkHelper;
}

impl pallet_poai_reputation::Config for Runtime {
	type DefaultParams = DefaultReputationParams;
	type WeightInfo = pallet_poai_reputation::weights::SubstrateWeight<Runtime>;
}

/// What the staking benchmarks need from the runtime: worker keys with their proofs of
/// possession, and registered session keys.
#[cfg(feature = "runtime-benchmarks")]
pub struct StakingBenchmarkHelper;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_poai_staking::BenchmarkHelper<AccountId, poai_primitives::WorkerId>
	for StakingBenchmarkHelper
{
	/// Generates the `poai` key `//PoaiBenchWorker//<seed>` in the benchmark's keystore and
	/// signs the proof with it, as a node would.
	fn worker_key_and_proof(
		seed: u32,
		owner: &AccountId,
	) -> (poai_primitives::WorkerId, poai_primitives::crypto::ProofOfPossession) {
		use sp_runtime::RuntimeAppPublic;
		let suri = alloc::format!("//PoaiBenchWorker//{seed}");
		let mut key = poai_primitives::WorkerId::generate_pair(Some(suri.into_bytes()));
		let proof = key
			.generate_proof_of_possession(&pallet_poai_staking::worker_key_proof_owner(owner))
			.expect("benchmarks run with a keystore holding the key just generated");
		(key, proof)
	}

	fn register_session_keys(who: &AccountId) {
		use pallet_session::SessionInterface;
		let raw: [u8; 32] = *AsRef::<[u8; 32]>::as_ref(who);
		let keys = crate::opaque::SessionKeys {
			babe: sp_core::sr25519::Public::from_raw(raw).into(),
			grandpa: sp_core::ed25519::Public::from_raw(raw).into(),
		};
		let _ = <Session as SessionInterface>::set_keys(who, keys);
	}
}
