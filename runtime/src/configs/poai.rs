//! Configuration of the PoAI pallets: staking, reputation, the model registry and the challenge
//! protocol.

use alloc::vec::Vec;
use frame_support::{
	parameter_types,
	traits::{ConstU32, ConstU64, Get},
};
use poai_primitives::{RegisteredWorker, WorkerRegistry};
use sp_runtime::{traits::Convert, transaction_validity::TransactionPriority};
use sp_staking::SessionIndex;

use super::super::{
	AccountId, Balance, Balances, Offences, PoaiChallenges, PoaiModels, PoaiReputation,
	PoaiStaking, Runtime, RuntimeCall, RuntimeHoldReason, Session, TxExtension, UncheckedExtrinsic,
};
use super::MaxAuthorities;

/// Sessions an unbonded stake stays slashable, as the chain's genesis set them.
pub type BondingDuration = pallet_poai_timing::BondingDuration<Runtime>;

/// Every account the historical session pallet is asked about is identified by `()`: staking
/// keeps exposures per session itself (see `pallet_poai_staking::Exposures`).
pub struct UnitIdentification;

impl Convert<AccountId, Option<()>> for UnitIdentification {
	fn convert(_validator: AccountId) -> Option<()> {
		Some(())
	}
}

parameter_types! {
	/// Default reputation dynamics: forget 5% per round, a missed round weighs half a failure.
	pub const DefaultReputationParams: pallet_poai_reputation::ReputationParams =
		pallet_poai_reputation::ReputationParams::DEFAULT;
}

impl pallet_poai_staking::Config for Runtime {
	type CurrencyBalance = Balance;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type WorkerKey = poai_primitives::WorkerId;
	type WorkerKeys = WorkerKeys;
	type Reputation = PoaiReputation;
	type Tiers = PoaiModels;
	type ValidatorRegistration = Session;
	type SessionControl = pallet_poai_staking::SessionAdapter<Runtime>;
	type Slash = super::governance::SlashToTreasury;
	type EventListeners = (PoaiChallenges, PoaiReputation);
	type AdminOrigin = super::EnsureRootOrCouncilMajority;
	type MaxValidators = MaxAuthorities;
	type MaxCandidates = ConstU32<256>;
	type MaxBackersPerCandidate = ConstU32<64>;
	type MaxNominations = ConstU32<16>;
	type MaxUnlockingChunks = ConstU32<32>;
	// Per chain, from its genesis: 8 and 16 sessions on the testnets, 168 and 336 on production.
	type BondingDuration = BondingDuration;
	type HistoryDepth = pallet_poai_timing::HistoryDepth<Runtime>;
	type MaxPruneKeysPerBlock = ConstU32<64>;
	type WeightInfo = pallet_poai_staking::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = StakingBenchmarkHelper;
}

impl pallet_poai_reputation::Config for Runtime {
	type DefaultParams = DefaultReputationParams;
	type AdminOrigin = super::EnsureRootOrCouncilMajority;
	type WeightInfo = pallet_poai_reputation::weights::SubstrateWeight<Runtime>;
}

/// The worker key of a stash: its `poai` session key, unless that is the placeholder the v1
/// migration gave an account that had registered no worker key (nobody can sign with it; the
/// account becomes a worker once it sets real keys).
pub struct WorkerKeys;
impl pallet_poai_staking::WorkerKeyProvider<AccountId, poai_primitives::WorkerId> for WorkerKeys {
	fn worker_key(who: &AccountId) -> Option<poai_primitives::WorkerId> {
		use pallet_poai_staking::SessionWorkerKeys;
		let key: poai_primitives::WorkerId = SessionWorkerKeys::<Runtime>::worker_key(who)?;
		(key != crate::migrations::placeholder_worker_key(who)).then_some(key)
	}
}

/// What the staking benchmarks need from the runtime: registered session keys.
#[cfg(feature = "runtime-benchmarks")]
pub struct StakingBenchmarkHelper;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_poai_staking::BenchmarkHelper<AccountId> for StakingBenchmarkHelper {
	fn register_session_keys(who: &AccountId) {
		let raw: [u8; 32] = *AsRef::<[u8; 32]>::as_ref(who);
		set_bench_session_keys(who, sp_core::sr25519::Public::from_raw(raw).into());
	}
}

/// Registers session keys for `who` with `poai` as its worker key (no proof: benchmarks set
/// them as the session pallet's genesis would).
#[cfg(feature = "runtime-benchmarks")]
fn set_bench_session_keys(who: &AccountId, poai: poai_primitives::WorkerId) -> bool {
	use pallet_session::SessionInterface;
	let raw: [u8; 32] = *AsRef::<[u8; 32]>::as_ref(who);
	let keys = crate::opaque::SessionKeys {
		babe: sp_core::sr25519::Public::from_raw(raw).into(),
		grandpa: sp_core::ed25519::Public::from_raw(raw).into(),
		poai,
	};
	<Session as SessionInterface>::set_keys(who, keys).is_ok()
}

parameter_types! {
	/// Protocol parameters of the testnet presets (one-minute sessions).
	pub const DefaultProtocolParams: pallet_poai_challenges::ProtocolParams =
		pallet_poai_challenges::ProtocolParams::TESTNET;
	/// PoAI submissions go before every fee-paying transaction: they have deadlines, and a
	/// missing reveal is a fault. The pool evicts the lowest priority first when it is full, and
	/// a tip's priority saturates only at `MAX`, so no flood of ordinary transactions can push
	/// them out (one that ties at `MAX` cannot replace them either).
	pub const PoaiSubmissionPriority: TransactionPriority = TransactionPriority::MAX;
}

impl pallet_poai_models::Config for Runtime {
	type AdminOrigin = super::EnsureRootOrCouncilMajority;
	type MaxModels = ConstU32<256>;
	type MaxActiveModels = ConstU32<16>;
	type MaxTiers = ConstU32<32>;
	type SlotDuration = ConstU64<{ crate::SLOT_DURATION }>;
	type WeightInfo = pallet_poai_models::weights::SubstrateWeight<Runtime>;
}

/// The session now running.
pub struct CurrentSession;
impl Get<SessionIndex> for CurrentSession {
	fn get() -> SessionIndex {
		Session::current_index()
	}
}

/// Staking's candidates with a `poai` key are the challenge protocol's workers; their stake
/// weighs in the verifier draws as a vote weight (`U128CurrencyToVote`, as elections use).
pub struct StakingWorkers;
impl WorkerRegistry<AccountId> for StakingWorkers {
	fn snapshot_workers(session: SessionIndex, max: u32) -> Vec<RegisteredWorker<AccountId>> {
		use sp_staking::currency_to_vote::{CurrencyToVote, U128CurrencyToVote};
		let issuance = Balances::total_issuance();
		PoaiStaking::snapshot_workers(session, max)
			.into_iter()
			.map(|(stash, key, tier, validator, stake)| RegisteredWorker {
				stash,
				key,
				tier,
				validator,
				weight: U128CurrencyToVote::to_vote(stake, issuance),
			})
			.collect()
	}

	fn suspend(stash: &AccountId) -> bool {
		PoaiStaking::suspend_worker(stash)
	}
}

/// A stash is identified to the offence handler as the historical session pallet does.
pub struct IdentifyStash;
impl Convert<AccountId, Option<(AccountId, ())>> for IdentifyStash {
	fn convert(stash: AccountId) -> Option<(AccountId, ())> {
		Some((stash, ()))
	}
}

impl pallet_poai_challenges::Config for Runtime {
	type Workers = StakingWorkers;
	type Models = PoaiModels;
	type Tiers = PoaiModels;
	type Randomness = pallet_babe::ParentBlockRandomness<Runtime>;
	type CurrentSession = CurrentSession;
	type Reputation = PoaiReputation;
	type WorkPoints = PoaiStaking;
	type OffenderId = (AccountId, ());
	type IdentifyOffender = IdentifyStash;
	type ReportOffence = Offences;
	type OffenceReportWeight = OffenceReportWeight;
	type DefaultParams = DefaultProtocolParams;
	// Every staking candidate can be a worker.
	type MaxWorkers = ConstU32<256>;
	type MaxRoundModels = ConstU32<16>;
	type MaxVerifiers = ConstU32<7>;
	type DrawsPerBlock = ConstU32<64>;
	type JudgementsPerBlock = ConstU32<16>;
	type PruneKeysPerBlock = ConstU32<512>;
	// One miss slash per bonding period: within it the funds a slash takes are still bonded.
	type MissSlashPeriod = BondingDuration;
	type SubmissionPriority = PoaiSubmissionPriority;
	type AdminOrigin = super::EnsureRootOrCouncilMajority;
	type WeightInfo = pallet_poai_challenges::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ChallengesBenchmarkHelper;
}

/// What reporting one PoAI offence costs: `pallet-offences` records the report (its
/// concurrent-reports index and the report itself, read and written) and staking slashes the
/// offender with every backer it may have (`on_offence` at `MaxBackersPerCandidate`).
pub struct OffenceReportWeight;

impl Get<frame_support::weights::Weight> for OffenceReportWeight {
	fn get() -> frame_support::weights::Weight {
		use pallet_poai_staking::WeightInfo as _;
		let backers = <Runtime as pallet_poai_staking::Config>::MaxBackersPerCandidate::get();
		<Runtime as frame_system::Config>::DbWeight::get().reads_writes(2, 2).saturating_add(
			<Runtime as pallet_poai_staking::Config>::WeightInfo::on_offence(backers),
		)
	}
}

/// Registers workers through staking and models through the registry, as governance and
/// operators would, for the challenge benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct ChallengesBenchmarkHelper;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_poai_challenges::BenchmarkHelper for ChallengesBenchmarkHelper {
	fn register_workers(count: u32) -> u32 {
		use frame_support::traits::fungible::Mutate;
		use sp_runtime::RuntimeAppPublic;
		let bond = pallet_poai_staking::Params::<Runtime>::get().min_validator_bond;
		let mut registered = 0;
		for i in 0..count {
			let stash: AccountId = frame_benchmarking::account("poai-worker", i, 0x504f_4149);
			let _ = Balances::mint_into(&stash, bond.saturating_mul(4));
			let origin = || crate::RuntimeOrigin::signed(stash.clone());
			// In the benchmark's keystore, so that the benchmarks sign with it as a node would.
			let suri = alloc::format!("//PoaiBenchWorker//{}", 1_000_000 + i);
			let key = poai_primitives::WorkerId::generate_pair(Some(suri.into_bytes()));
			let ok = PoaiStaking::bond(origin(), bond)
				.and_then(|_| {
					set_bench_session_keys(&stash, key).then_some(()).ok_or("session keys".into())
				})
				.and_then(|_| {
					PoaiStaking::validate(
						origin(),
						sp_runtime::Perbill::zero(),
						poai_primitives::TierId(0),
					)
				});
			if ok.is_ok() {
				registered += 1;
			}
		}
		registered
	}

	fn register_models(count: u32) {
		for i in 0..count {
			let mut spec = crate::genesis_config_presets::challenge_models()
				.into_iter()
				.next()
				.expect("the presets register models; qed");
			spec.onnx_hash = <sp_runtime::traits::BlakeTwo256 as sp_runtime::traits::Hash>::hash(
				&i.to_le_bytes(),
			);
			let _ = PoaiModels::do_register(spec);
		}
	}
}

/// PoAI submissions are built in the runtime (the worker's `submit` runtime API call) as
/// general transactions: no signer, the call's own signature authorises them.
impl<LocalCall> frame_system::offchain::CreateTransaction<LocalCall> for Runtime
where
	RuntimeCall: From<LocalCall>,
{
	type Extension = TxExtension;

	fn create_transaction(call: RuntimeCall, extension: TxExtension) -> UncheckedExtrinsic {
		UncheckedExtrinsic::new_transaction(call, extension)
	}
}

impl<LocalCall> frame_system::offchain::CreateAuthorizedTransaction<LocalCall> for Runtime
where
	RuntimeCall: From<LocalCall>,
{
	/// The extensions of a general transaction: without a signer, the nonce, era and fee
	/// extensions pass it through; `AuthorizeCall` runs the call's `authorize`.
	fn create_extension() -> TxExtension {
		(
			frame_system::AuthorizeCall::<Runtime>::new(),
			frame_system::CheckNonZeroSender::<Runtime>::new(),
			frame_system::CheckSpecVersion::<Runtime>::new(),
			frame_system::CheckTxVersion::<Runtime>::new(),
			frame_system::CheckGenesis::<Runtime>::new(),
			frame_system::CheckEra::<Runtime>::from(sp_runtime::generic::Era::Immortal),
			frame_system::CheckNonce::<Runtime>::from(0),
			frame_system::CheckWeight::<Runtime>::new(),
			pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
			frame_system::WeightReclaim::<Runtime>::new(),
		)
	}
}
