//! The records the staking pallet stores, and the hooks it needs from the rest of the runtime.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::fmt::Debug;
use frame_support::{
	BoundedBTreeMap, BoundedVec, CloneNoBound, DebugNoBound, DefaultNoBound, EqNoBound,
	PartialEqNoBound,
};
use scale_info::TypeInfo;
use sp_runtime::{traits::Zero, Perbill, Saturating};
use sp_staking::SessionIndex;

use poai_primitives::TierId;

use crate::{BalanceOf, Config};

/// Where the rewards of a staker go.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
	Default,
)]
pub enum RewardDestination<AccountId> {
	/// Compound: the reward is added to the stash's bond (held, and counted as stake from the
	/// next election on).
	#[default]
	#[codec(index = 0)]
	Stash,
	/// Pay the reward, free, to this account.
	#[codec(index = 1)]
	Account(AccountId),
	/// Pay the reward to the stash, free (not bonded).
	#[codec(index = 2)]
	Free,
}

/// Bonded funds on their way out: `value` becomes withdrawable at session `session`.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen, Default)]
pub struct UnlockChunk<Balance> {
	/// Amount of funds to be unlocked.
	pub value: Balance,
	/// The session at whose start the funds become withdrawable.
	pub session: SessionIndex,
}

/// The bond of a stash: held balance, split into the active part (which backs candidates and
/// is counted in elections) and the unlocking chunks.
///
/// Invariant: `total == active + Σ unlocking.value == the balance held under
/// `HoldReason::Staking`.
#[derive(
	Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct StakingLedger<T: Config> {
	/// Everything held: active and unlocking.
	pub total: BalanceOf<T>,
	/// The part of the bond that counts as stake.
	pub active: BalanceOf<T>,
	/// Funds leaving the bond, oldest first; bounded by `MaxUnlockingChunks`.
	pub unlocking: BoundedVec<UnlockChunk<BalanceOf<T>>, T::MaxUnlockingChunks>,
	/// Where this stash's rewards go.
	pub payee: RewardDestination<T::AccountId>,
}

impl<T: Config> StakingLedger<T> {
	/// A fresh ledger with `value` active, compounding rewards.
	pub fn new(value: BalanceOf<T>) -> Self {
		Self {
			total: value,
			active: value,
			unlocking: Default::default(),
			payee: RewardDestination::Stash,
		}
	}

	/// Removes the chunks unlocked at `now`, returns how much they held.
	pub fn consolidate_unlocked(&mut self, now: SessionIndex) -> BalanceOf<T> {
		let mut freed = BalanceOf::<T>::zero();
		self.unlocking.retain(|chunk| {
			if chunk.session <= now {
				freed = freed.saturating_add(chunk.value);
				false
			} else {
				true
			}
		});
		self.total = self.total.saturating_sub(freed);
		freed
	}

	/// Moves up to `value` from the unlocking chunks (newest first) back to active; returns the
	/// amount moved.
	pub fn rebond(&mut self, value: BalanceOf<T>) -> BalanceOf<T> {
		let mut left = value;
		while !left.is_zero() {
			let Some(last) = self.unlocking.last_mut() else { break };
			let take = left.min(last.value);
			last.value -= take;
			left -= take;
			if last.value.is_zero() {
				self.unlocking.pop();
			}
		}
		let moved = value - left;
		self.active = self.active.saturating_add(moved);
		moved
	}

	/// Takes up to `amount` out of the bond, active first and then the unlocking chunks (newest
	/// first: the furthest from being withdrawable); returns what was taken, which is less than
	/// `amount` only when the whole bond is gone. Never underflows.
	pub fn slash(&mut self, amount: BalanceOf<T>) -> BalanceOf<T> {
		let target = amount.min(self.total);
		let mut left = target;
		let from_active = left.min(self.active);
		self.active -= from_active;
		left -= from_active;
		for chunk in self.unlocking.iter_mut().rev() {
			if left.is_zero() {
				break;
			}
			let take = left.min(chunk.value);
			chunk.value -= take;
			left -= take;
		}
		self.unlocking.retain(|chunk| !chunk.value.is_zero());
		let taken = target - left;
		self.total -= taken;
		taken
	}

	/// Sum of the unlocking chunks.
	pub fn unlocking_total(&self) -> BalanceOf<T> {
		self.unlocking.iter().fold(Zero::zero(), |acc, c| acc.saturating_add(c.value))
	}
}

/// A candidate (a worker that wants to validate).
#[derive(
	Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct CandidateInfo<T: Config> {
	/// Share of the validator's reward it keeps before the split with its backers.
	pub commission: Perbill,
	/// The hardware tier the candidate declares (a registered tier of the model registry).
	pub tier: TierId,
	/// The candidate's own active bond (kept equal to its ledger's `active`).
	pub self_bond: BalanceOf<T>,
	/// Sum of the nominations currently backing the candidate.
	pub nominated: BalanceOf<T>,
}

impl<T: Config> CandidateInfo<T> {
	/// Own bond plus nominations: the stake the election weighs by reputation.
	pub fn backing(&self) -> BalanceOf<T> {
		self.self_bond.saturating_add(self.nominated)
	}
}

/// One backer's stake behind a candidate.
#[derive(
	Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct Backer<T: Config> {
	/// The nominator.
	pub who: T::AccountId,
	/// The part of its active bond assigned to this candidate.
	pub value: BalanceOf<T>,
}

/// The backers of one candidate (bounded by `MaxBackersPerCandidate`).
pub type BackersOf<T> = BoundedVec<Backer<T>, <T as Config>::MaxBackersPerCandidate>;

/// A validator's stake as snapshotted when it was elected for a session: what rewards are split
/// by and what slashes are taken from.
#[derive(
	Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct Exposure<T: Config> {
	/// The validator's own active bond.
	pub own: BalanceOf<T>,
	/// `own` plus the backers' values.
	pub total: BalanceOf<T>,
	/// The validator's commission at election time (raising it later doesn't affect this
	/// session's rewards).
	pub commission: Perbill,
	/// The backers and their stake.
	pub others: BackersOf<T>,
}

/// Reward points of one session.
#[derive(
	Encode,
	Decode,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	TypeInfo,
	MaxEncodedLen,
	DefaultNoBound,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct SessionPoints<T: Config> {
	/// Sum of `individual`.
	pub total: u32,
	/// Points of each validator of the session that earned any.
	pub individual: BoundedBTreeMap<T::AccountId, u32, T::MaxValidators>,
}

/// A validator's reward for one ended session, to be paid by `payout_stakers`.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen, Default)]
pub struct Payout<Balance> {
	/// The reward of the validator and its backers together.
	pub amount: Balance,
	/// Whether it has been paid.
	pub paid: bool,
}

/// Where pruning of expired sessions stands.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen, Default)]
pub struct PruneState {
	/// Sessions before this one are expired: their rewards can no longer be paid and their
	/// exposures no longer slashed.
	pub expired_before: SessionIndex,
	/// The oldest session whose data may still be in storage; `on_initialize` deletes it in
	/// bounded steps until it reaches `expired_before`.
	pub next_to_prune: SessionIndex,
}

/// Parameters governance can change (`set_params`); set at genesis.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StakingParams<Balance> {
	/// How many validators to elect per session, at most (≤ the `MaxValidators` constant).
	pub max_validators: u32,
	/// The fewest qualifying candidates an election needs (≥ 1); with fewer, the current set is
	/// kept.
	pub min_validators: u32,
	/// The self-bond a candidate needs to declare itself and to be elected.
	pub min_validator_bond: Balance,
	/// The bond a nominator needs to nominate.
	pub min_nominator_bond: Balance,
	/// The reputation a candidate needs to be elected.
	pub min_reputation: Perbill,
	/// The reward minted per session, split among the session's validators by points.
	pub reward_per_session: Balance,
	/// Points for authoring a block.
	pub authoring_points: u32,
	/// A slash of at least this fraction counts as fraud: the offender is also chilled (stops
	/// being a candidate).
	pub fraud_slash_threshold: Perbill,
}

impl<Balance: Zero> Default for StakingParams<Balance> {
	fn default() -> Self {
		Self {
			max_validators: 1,
			min_validators: 1,
			min_validator_bond: Zero::zero(),
			min_nominator_bond: Zero::zero(),
			min_reputation: Perbill::zero(),
			reward_per_session: Zero::zero(),
			authoring_points: 20,
			fraud_slash_threshold: Perbill::from_percent(50),
		}
	}
}

/// What the staking pallet needs from the session machinery besides being its session manager.
///
/// The runtime uses [`SessionAdapter`], which goes through `pallet-session` (its
/// `DisablingStrategy` decides) and prunes `pallet-session`'s historical roots; tests use a
/// mock.
pub trait SessionControl<AccountId> {
	/// Disables `validator` for the rest of the current session, for an offence slashed by
	/// `severity`.
	fn disable_validator(validator: &AccountId, severity: Perbill);
	/// The staking pallet has forgotten sessions before `up_to`: their historical roots may go.
	fn prune_history(up_to: SessionIndex);
}

impl<AccountId> SessionControl<AccountId> for () {
	fn disable_validator(_: &AccountId, _: Perbill) {}
	fn prune_history(_: SessionIndex) {}
}

/// [`SessionControl`] through `pallet-session` (with its `historical` part): disabling goes
/// through `pallet_session::Pallet::report_offence`, so the runtime's `DisablingStrategy`
/// decides (and caps how many validators can be disabled at once).
pub struct SessionAdapter<T>(core::marker::PhantomData<T>);

impl<T: pallet_session::Config + pallet_session::historical::Config> SessionControl<T::ValidatorId>
	for SessionAdapter<T>
{
	fn disable_validator(validator: &T::ValidatorId, severity: Perbill) {
		pallet_session::Pallet::<T>::report_offence(
			validator.clone(),
			sp_staking::offence::OffenceSeverity(severity),
		);
	}
	fn prune_history(up_to: SessionIndex) {
		pallet_session::historical::Pallet::<T>::prune_up_to(up_to);
	}
}

/// Where the PoAI worker key of a stash is registered.
///
/// In the runtime it is the `poai` member of the session keys ([`SessionWorkerKeys`]): one
/// `session.setKeys` registers the keys of block production, finality and PoAI work, with one
/// ownership proof; tests use a mock.
pub trait WorkerKeyProvider<AccountId, Key> {
	/// The worker key `who` registered, if any.
	fn worker_key(who: &AccountId) -> Option<Key>;
}

/// [`WorkerKeyProvider`] through `pallet-session`: the key of type `Key::ID` in the session keys
/// `who` registered last (`NextKeys`, which `session.setKeys` writes at once; a validator's
/// queued keys follow at the next session).
///
/// `pallet-session` keeps every key unique across validators (`KeyOwner`) and checks with
/// `setKeys` that the caller holds every private key (the keys' proof of possession for the
/// caller's account), so no stash can register, and so block, another node's worker key.
pub struct SessionWorkerKeys<T>(core::marker::PhantomData<T>);

impl<T, Key> WorkerKeyProvider<T::ValidatorId, Key> for SessionWorkerKeys<T>
where
	T: pallet_session::Config,
	Key: sp_runtime::RuntimeAppPublic + codec::Decode,
{
	fn worker_key(who: &T::ValidatorId) -> Option<Key> {
		use sp_runtime::traits::OpaqueKeys;
		pallet_session::Pallet::<T>::load_keys(who)?.get(Key::ID)
	}
}

/// Produces what the benchmarks need and the pallet cannot make on its own.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Registers session keys for `who`, so that `T::ValidatorRegistration` reports it as
	/// registered and `T::WorkerKeys` has a worker key for it, different for every `who`.
	fn register_session_keys(who: &AccountId);
}

/// A worker of a round's snapshot ([`crate::Pallet::snapshot_workers`]): its stash, worker key,
/// hardware tier, whether it validates this session, and what it has at stake.
pub type SnapshotWorker<T> =
	(<T as frame_system::Config>::AccountId, <T as Config>::WorkerKey, TierId, bool, BalanceOf<T>);
