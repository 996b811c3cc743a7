//! A test runtime: system, balances and the staking pallet, with a reputation provider, session
//! key registry (with the worker keys) and session control whose state the tests set and read.

use crate::{self as pallet_poai_staking, CreditOf, SessionControl, StakingParams};
use core::cell::RefCell;
use frame_support::{
	derive_impl, parameter_types,
	traits::{
		fungible::{Balanced, Inspect},
		ConstU128, Hooks, OnUnbalanced, ValidatorRegistration,
	},
};
use frame_system::EnsureRoot;
use poai_primitives::{traits::ReputationProvider, TierId};
use sp_runtime::{testing::UintAuthorityId, BuildStorage, Perbill};
use sp_staking::SessionIndex;
use std::collections::{BTreeMap, BTreeSet};

pub type AccountId = u64;
pub type Balance = u128;
/// Worker keys of the tests.
pub type WorkerKey = UintAuthorityId;
type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Staking: pallet_poai_staking,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

pub const ED: Balance = 10;

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type ExistentialDeposit = ConstU128<ED>;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

thread_local! {
	static REPUTATION: RefCell<BTreeMap<AccountId, Perbill>> = const { RefCell::new(BTreeMap::new()) };
	static UNREGISTERED: RefCell<BTreeSet<AccountId>> = const { RefCell::new(BTreeSet::new()) };
	static DISABLED: RefCell<Vec<(AccountId, Perbill)>> = const { RefCell::new(Vec::new()) };
	static HISTORY_PRUNED_UP_TO: RefCell<SessionIndex> = const { RefCell::new(0) };
	static UNSTAKED: RefCell<Vec<AccountId>> = const { RefCell::new(Vec::new()) };
	static WORKER_KEYS: RefCell<BTreeMap<AccountId, WorkerKey>> = const { RefCell::new(BTreeMap::new()) };
}

/// Reputation the tests set; neutral (50%) by default.
pub struct MockReputation;
impl ReputationProvider<AccountId> for MockReputation {
	fn reputation(who: &AccountId) -> Perbill {
		REPUTATION.with(|r| r.borrow().get(who).copied().unwrap_or(Perbill::from_percent(50)))
	}
}
pub fn set_reputation(who: AccountId, percent: u32) {
	REPUTATION.with(|r| r.borrow_mut().insert(who, Perbill::from_percent(percent)));
}

/// Everybody has session keys unless a test says otherwise.
pub struct MockRegistration;
impl ValidatorRegistration<AccountId> for MockRegistration {
	fn is_registered(id: &AccountId) -> bool {
		UNREGISTERED.with(|u| !u.borrow().contains(id))
	}
}
pub fn set_registered(who: AccountId, registered: bool) {
	UNREGISTERED.with(|u| {
		if registered {
			u.borrow_mut().remove(&who);
		} else {
			u.borrow_mut().insert(who);
		}
	});
}

/// The worker keys the tests register (the `poai` session keys in the runtime).
pub struct MockWorkerKeys;
impl crate::WorkerKeyProvider<AccountId, WorkerKey> for MockWorkerKeys {
	fn worker_key(who: &AccountId) -> Option<WorkerKey> {
		WORKER_KEYS.with(|k| k.borrow().get(who).cloned())
	}
}
/// Registers `key` as `who`'s worker key, as `session.setKeys` does in the runtime.
pub fn set_worker_key(who: AccountId, key: Option<WorkerKey>) {
	WORKER_KEYS.with(|k| match key {
		Some(key) => k.borrow_mut().insert(who, key),
		None => k.borrow_mut().remove(&who),
	});
}

/// Records disabled validators and history pruning.
pub struct MockSession;
impl SessionControl<AccountId> for MockSession {
	fn disable_validator(validator: &AccountId, severity: Perbill) {
		DISABLED.with(|d| d.borrow_mut().push((*validator, severity)));
	}
	fn prune_history(up_to: SessionIndex) {
		HISTORY_PRUNED_UP_TO.with(|p| *p.borrow_mut() = up_to);
	}
}
pub fn disabled() -> Vec<(AccountId, Perbill)> {
	DISABLED.with(|d| d.borrow().clone())
}
pub fn history_pruned_up_to() -> SessionIndex {
	HISTORY_PRUNED_UP_TO.with(|p| *p.borrow())
}

pub const TREASURY: AccountId = 999;

/// Slashed funds go to the treasury account.
pub struct SlashToTreasury;
impl OnUnbalanced<CreditOf<Test>> for SlashToTreasury {
	fn on_nonzero_unbalanced(amount: CreditOf<Test>) {
		let _ = <Balances as Balanced<AccountId>>::resolve(&TREASURY, amount);
	}
}

parameter_types! {
	pub const MaxValidators: u32 = 10;
	pub const MaxCandidates: u32 = 8;
	pub const MaxBackersPerCandidate: u32 = 4;
	pub const MaxNominations: u32 = 3;
	pub const MaxUnlockingChunks: u32 = 3;
	pub const BondingDuration: SessionIndex = 3;
	pub const HistoryDepth: SessionIndex = 4;
	pub const MaxPruneKeysPerBlock: u32 = 2;
}

#[cfg(feature = "runtime-benchmarks")]
pub struct MockBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId> for MockBenchmarkHelper {
	fn register_session_keys(who: &AccountId) {
		set_registered(*who, true);
		set_worker_key(*who, Some(key(1_000_000 + *who)));
	}
}

/// The tiers of the model registry: the reference tiers, ids 0, 1 and 2.
pub struct MockTiers;
impl poai_primitives::TierRegistry for MockTiers {
	fn tier(id: poai_primitives::TierId) -> Option<poai_primitives::TierSpec> {
		poai_primitives::reference_tiers().get(usize::from(id.0)).cloned()
	}
}

impl pallet_poai_staking::Config for Test {
	type CurrencyBalance = Balance;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type WorkerKey = WorkerKey;
	type WorkerKeys = MockWorkerKeys;
	type Reputation = MockReputation;
	type Tiers = MockTiers;
	type ValidatorRegistration = MockRegistration;
	type SessionControl = MockSession;
	type Slash = SlashToTreasury;
	type EventListeners = RecordUnstaked;
	type AdminOrigin = EnsureRoot<AccountId>;
	type MaxValidators = MaxValidators;
	type MaxCandidates = MaxCandidates;
	type MaxBackersPerCandidate = MaxBackersPerCandidate;
	type MaxNominations = MaxNominations;
	type MaxUnlockingChunks = MaxUnlockingChunks;
	type BondingDuration = BondingDuration;
	type HistoryDepth = HistoryDepth;
	type MaxPruneKeysPerBlock = MaxPruneKeysPerBlock;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockBenchmarkHelper;
}

/// Records the stashes staking tells its listeners are gone.
pub struct RecordUnstaked;
impl sp_staking::OnStakingUpdate<AccountId, Balance> for RecordUnstaked {
	fn on_unstake(who: &AccountId) {
		UNSTAKED.with(|u| u.borrow_mut().push(*who));
	}
}

/// The stashes listeners were told left staking, in order.
pub fn unstaked() -> Vec<AccountId> {
	UNSTAKED.with(|u| u.borrow().clone())
}

/// The worker key number `n`.
pub fn key(n: u64) -> WorkerKey {
	UintAuthorityId(n)
}

/// The parameters of most tests.
pub fn default_params() -> StakingParams<Balance> {
	StakingParams {
		max_validators: 3,
		min_validators: 1,
		min_validator_bond: 500,
		min_nominator_bond: 100,
		min_reputation: Perbill::from_percent(20),
		reward_per_session: 1_000,
		authoring_points: 20,
		fraud_slash_threshold: Perbill::from_percent(50),
	}
}

/// Every endowed account starts with this much.
pub const ENDOWMENT: Balance = 10_000;

pub struct ExtBuilder {
	stakers: Vec<(AccountId, Balance, TierId, Option<WorkerKey>)>,
	params: StakingParams<Balance>,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self {
			// Three genesis validators: 10, 20 and 30, with worker keys 1010, 1020 and 1030 (in
			// the runtime these come with the session keys of the session pallet's genesis).
			stakers: vec![
				(10, 1_000, TierId(1), Some(key(1010))),
				(20, 2_000, TierId(0), Some(key(1020))),
				(30, 3_000, TierId(1), Some(key(1030))),
			],
			params: default_params(),
		}
	}
}

impl ExtBuilder {
	pub fn stakers(
		mut self,
		stakers: Vec<(AccountId, Balance, TierId, Option<WorkerKey>)>,
	) -> Self {
		self.stakers = stakers;
		self
	}
	pub fn params(mut self, params: StakingParams<Balance>) -> Self {
		self.params = params;
		self
	}

	pub fn build(self) -> sp_io::TestExternalities {
		REPUTATION.with(|r| r.borrow_mut().clear());
		UNREGISTERED.with(|u| u.borrow_mut().clear());
		DISABLED.with(|d| d.borrow_mut().clear());
		HISTORY_PRUNED_UP_TO.with(|p| *p.borrow_mut() = 0);
		WORKER_KEYS.with(|k| k.borrow_mut().clear());
		let mut stakers = Vec::new();
		for (stash, bond, class, key) in self.stakers {
			set_worker_key(stash, key);
			stakers.push((stash, bond, class));
		}

		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		let endowed = (1..=40).chain(100..=110).chain(core::iter::once(TREASURY));
		pallet_balances::GenesisConfig::<Test> {
			balances: endowed.map(|who| (who, ENDOWMENT)).collect(),
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		pallet_poai_staking::GenesisConfig::<Test> { stakers, params: self.params }
			.assimilate_storage(&mut storage)
			.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| {
			// What `pallet-session`'s genesis does with its session manager.
			use pallet_session::SessionManager;
			let _ = <Staking as SessionManager<AccountId>>::new_session_genesis(0);
			let _ = <Staking as SessionManager<AccountId>>::new_session_genesis(1);
			<Staking as SessionManager<AccountId>>::start_session(0);
			System::set_block_number(1);
		});
		ext
	}

	/// Builds, runs `test`, then checks the pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Staking::do_try_state().expect("invariants hold");
		});
	}
}

/// The session running now.
pub fn active_session() -> SessionIndex {
	crate::ActiveSession::<Test>::get()
}

/// Ends the running session and starts the next one, as `pallet-session::rotate_session` does;
/// then runs a block (`on_initialize`). Returns what was planned for the session after.
pub fn advance_session() -> Option<Vec<AccountId>> {
	use pallet_session::SessionManager;
	let current = active_session();
	<Staking as SessionManager<AccountId>>::end_session(current);
	<Staking as SessionManager<AccountId>>::start_session(current + 1);
	let planned = <Staking as SessionManager<AccountId>>::new_session(current + 2);
	next_block();
	planned
}

/// Advances sessions until `session` runs.
pub fn advance_to_session(session: SessionIndex) {
	while active_session() < session {
		advance_session();
	}
}

/// Runs the next block's `on_initialize`.
pub fn next_block() {
	let n = System::block_number() + 1;
	System::set_block_number(n);
	Staking::on_initialize(n);
}

pub fn free(who: AccountId) -> Balance {
	Balances::free_balance(who)
}

pub fn held(who: AccountId) -> Balance {
	use frame_support::traits::fungible::InspectHold;
	Balances::balance_on_hold(&crate::HoldReason::Staking.into(), &who)
}

pub fn total_issuance() -> Balance {
	<Balances as Inspect<AccountId>>::total_issuance()
}

/// The events of the staking pallet so far.
pub fn staking_events() -> Vec<crate::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Staking(e) => Some(e),
			_ => None,
		})
		.collect()
}
