//! # PoAI staking
//!
//! Bonds, worker candidates, nominations, validator election, rewards and slashing of the PoAI
//! chain (architecture §2 and §4; decisions in `docs/adr/0002-poai-staking.md`).
//!
//! - **Bonding.** A stash bonds with [`Pallet::bond`]: the amount is put on hold under
//!   [`HoldReason::Staking`] (no reserves, no locks, no controller accounts). Its
//!   [`StakingLedger`] splits the held amount into *active* (counted as stake) and *unlocking*
//!   chunks that can be withdrawn `BondingDuration` sessions after [`Pallet::unbond`].
//! - **Candidates and nominators.** A bonded stash either declares itself a candidate
//!   ([`Pallet::validate`], with a commission and a hardware tier) or nominates up to
//!   `MaxNominations` candidates ([`Pallet::nominate`]); its active bond is split equally among
//!   its targets, the remainder of the division going to the first target. Each candidate keeps
//!   the sum of its backing up to date as bonds change, so the election never iterates
//!   nominators.
//! - **Election.** The pallet is the `pallet_session::SessionManager`: for every new session it
//!   elects the top `max_validators` candidates by `backing × reputation` among those with
//!   enough self-bond and reputation and with session keys, and snapshots their [`Exposure`].
//! - **Workers.** Every candidate with a worker key (`T::WorkerKeys`: the `poai` session key in
//!   the runtime) is a worker of the PoAI challenge round of each session, validator or not
//!   ([`Pallet::snapshot_workers`]).
//!   With fewer than `min_validators` qualifying candidates it keeps the current set.
//! - **Rewards.** Validators of a session earn points for authored blocks
//!   (`pallet_authorship::EventHandler`) and for verified PoAI work
//!   ([`poai_primitives::traits::WorkPointsRecorder`]). At the end of the session,
//!   `reward_per_session` is divided by points into per-validator payouts, which anybody can
//!   pay out with [`Pallet::payout_stakers`] within `HistoryDepth` sessions; the funds are
//!   minted.
//! - **Slashing.** As `pallet-offences`' `OnOffenceHandler` the pallet slashes the offender's
//!   and its backers' bonds pro rata to the session's exposure, hands the funds to `T::Slash`,
//!   disables the offender for the rest of the session and, for fraud-sized slashes, chills it.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod election;
mod ledger;
pub mod migrations;
mod rewards;
pub mod runtime_api;
mod slashing;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

use frame_support::traits::fungible;

/// The target of the pallet's log lines.
pub const LOG_TARGET: &str = "runtime::poai-staking";

/// The balance type of the pallet.
pub type BalanceOf<T> = <T as Config>::CurrencyBalance;
/// A staker of the genesis config: stash, bond and hardware tier (its keys are in the session
/// pallet's genesis).
pub type GenesisStaker<T> =
	(<T as frame_system::Config>::AccountId, BalanceOf<T>, poai_primitives::TierId);
/// Funds taken by a slash, before the runtime decides where they go.
pub type CreditOf<T> =
	fungible::Credit<<T as frame_system::Config>::AccountId, <T as Config>::Currency>;
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::{collections::BTreeSet, vec::Vec};
	use codec::{DecodeWithMemTracking, HasCompact};
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{Inspect, MutateHold},
			tokens::{Fortitude, Precision, Preservation},
			OnUnbalanced, ValidatorRegistration,
		},
	};
	use frame_system::pallet_prelude::*;
	use poai_primitives::{traits::ReputationProvider, TierId, TierRegistry};
	use sp_runtime::{
		traits::{MaybeSerializeDeserialize, Zero},
		Perbill, Saturating,
	};
	use sp_staking::SessionIndex;

	/// The in-code storage version.
	///
	/// 1: the worker keys moved into the session keys (`migrations::v1`).
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The balance type of `Currency`.
		type CurrencyBalance: sp_runtime::traits::AtLeast32BitUnsigned
			+ codec::FullCodec
			+ DecodeWithMemTracking
			+ HasCompact<Type: DecodeWithMemTracking>
			+ Copy
			+ MaybeSerializeDeserialize
			+ core::fmt::Debug
			+ Default
			+ TypeInfo
			+ Send
			+ Sync
			+ MaxEncodedLen;

		/// The currency bonds are held in, rewards minted in and slashes taken from.
		type Currency: fungible::Mutate<Self::AccountId, Balance = Self::CurrencyBalance>
			+ fungible::MutateHold<
				Self::AccountId,
				Reason = Self::RuntimeHoldReason,
				Balance = Self::CurrencyBalance,
			> + fungible::BalancedHold<Self::AccountId, Balance = Self::CurrencyBalance>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// The key a worker's node signs its PoAI results with (`poai`, sr25519, in the runtime).
		type WorkerKey: Parameter + Member + MaxEncodedLen;

		/// Where each stash's worker key is registered ([`SessionWorkerKeys`] in the runtime:
		/// the `poai` session key).
		type WorkerKeys: WorkerKeyProvider<Self::AccountId, Self::WorkerKey>;

		/// Where the election reads reputation from.
		type Reputation: ReputationProvider<Self::AccountId>;

		/// The registered hardware tiers a candidate may declare (the model registry).
		type Tiers: poai_primitives::TierRegistry;

		/// Whether a candidate has session keys (`pallet_session::Pallet` implements it).
		type ValidatorRegistration: ValidatorRegistration<Self::AccountId>;

		/// Disabling offenders and pruning historical session data
		/// ([`SessionAdapter`] in the runtime).
		type SessionControl: SessionControl<Self::AccountId>;

		/// Where slashed funds go (burnt when `()`, or to a treasury).
		type Slash: OnUnbalanced<CreditOf<Self>>;

		/// Told when a stash leaves staking altogether (`on_unstake`: nothing bonded any more),
		/// so that the pallets keeping records of it forget them.
		type EventListeners: sp_staking::OnStakingUpdate<Self::AccountId, BalanceOf<Self>>;

		/// The origin that may change [`Params`] (root in the runtime).
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Upper bound of validators per session; `Params::max_validators` may be lower.
		#[pallet::constant]
		type MaxValidators: Get<u32>;

		/// Upper bound of candidates.
		#[pallet::constant]
		type MaxCandidates: Get<u32>;

		/// Upper bound of nominators backing one candidate.
		#[pallet::constant]
		type MaxBackersPerCandidate: Get<u32>;

		/// Upper bound of candidates one nominator backs.
		#[pallet::constant]
		type MaxNominations: Get<u32>;

		/// Upper bound of unlocking chunks per stash (one per session in which it unbonded).
		#[pallet::constant]
		type MaxUnlockingChunks: Get<u32>;

		/// Sessions between `unbond` and the funds becoming withdrawable. Offences reported later
		/// than this after the session they happened in are ignored, so it must exceed the time
		/// an offence takes to be reported.
		#[pallet::constant]
		type BondingDuration: Get<SessionIndex>;

		/// Sessions for which rewards can be paid out and exposures are kept for slashing;
		/// at least `BondingDuration`.
		#[pallet::constant]
		type HistoryDepth: Get<SessionIndex>;

		/// Storage keys of expired sessions removed per block and map, at most.
		#[pallet::constant]
		type MaxPruneKeysPerBlock: Get<u32>;

		/// Weights of the calls and hooks.
		type WeightInfo: WeightInfo;

		/// Registers session keys for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// A reason for the pallet placing a hold on funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// Bonded for staking (active and unlocking).
		#[codec(index = 0)]
		Staking,
	}

	/// The parameters governance can change (see [`StakingParams`]).
	#[pallet::storage]
	pub type Params<T: Config> = StorageValue<_, StakingParams<BalanceOf<T>>, ValueQuery>;

	/// The bond of every stash.
	#[pallet::storage]
	pub type Ledger<T: Config> = StorageMap<_, Twox64Concat, T::AccountId, StakingLedger<T>>;

	/// The candidates: workers that want to validate.
	#[pallet::storage]
	pub type Candidates<T: Config> =
		CountedStorageMap<_, Twox64Concat, T::AccountId, CandidateInfo<T>>;

	/// Who nominates each candidate, with how much. Kept when a candidate chills, so that its
	/// backing is back when it validates again.
	#[pallet::storage]
	pub type Backers<T: Config> =
		StorageMap<_, Twox64Concat, T::AccountId, BackersOf<T>, ValueQuery>;

	/// The candidates each nominator backs.
	#[pallet::storage]
	pub type Nominators<T: Config> =
		StorageMap<_, Twox64Concat, T::AccountId, BoundedVec<T::AccountId, T::MaxNominations>>;

	/// The session now running.
	#[pallet::storage]
	pub type ActiveSession<T: Config> = StorageValue<_, SessionIndex, ValueQuery>;

	/// The validators elected for each session still in history.
	#[pallet::storage]
	pub type SessionValidators<T: Config> =
		StorageMap<_, Twox64Concat, SessionIndex, BoundedVec<T::AccountId, T::MaxValidators>>;

	/// Each validator's exposure in each session still in history.
	#[pallet::storage]
	pub type Exposures<T: Config> =
		StorageDoubleMap<_, Twox64Concat, SessionIndex, Twox64Concat, T::AccountId, Exposure<T>>;

	/// What each worker outside the validator set had at stake (its own active bond) when the
	/// challenge round of the session was issued ([`Pallet::snapshot_workers`]): what a PoAI
	/// offence of that session slashes, even after the worker chilled or unbonded. Validators
	/// answer with their [`Exposures`].
	#[pallet::storage]
	pub type CandidateExposures<T: Config> =
		StorageDoubleMap<_, Twox64Concat, SessionIndex, Twox64Concat, T::AccountId, BalanceOf<T>>;

	/// Reward points of each session still in history.
	#[pallet::storage]
	pub type Points<T: Config> =
		StorageMap<_, Twox64Concat, SessionIndex, SessionPoints<T>, ValueQuery>;

	/// Each validator's reward for each ended session still in history.
	#[pallet::storage]
	pub type Payouts<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		SessionIndex,
		Twox64Concat,
		T::AccountId,
		Payout<BalanceOf<T>>,
	>;

	/// The largest fraction each validator has been slashed by for each session; a later
	/// report of the same session only slashes the difference.
	#[pallet::storage]
	pub type SlashedFractions<T: Config> =
		StorageDoubleMap<_, Twox64Concat, SessionIndex, Twox64Concat, T::AccountId, Perbill>;

	/// Which sessions have expired and how far their data has been deleted.
	#[pallet::storage]
	pub type Pruning<T: Config> = StorageValue<_, PruneState, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The initial candidates and validators: stash, bond, hardware tier. Each stash needs a
		/// free balance above `bond` plus the existential deposit; its keys, the worker key
		/// among them, are the session pallet's genesis.
		pub stakers: Vec<GenesisStaker<T>>,
		/// The initial [`Params`].
		pub params: StakingParams<BalanceOf<T>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if let Err(e) = Pallet::<T>::check_params(&self.params) {
				panic!("invalid staking params at genesis: {e:?}");
			}
			Params::<T>::put(&self.params);
			assert!(
				self.stakers.len() as u32 <= T::MaxCandidates::get(),
				"more genesis stakers than MaxCandidates"
			);
			for (stash, bond, tier) in &self.stakers {
				assert!(!Ledger::<T>::contains_key(stash), "genesis staker {stash:?} listed twice");
				assert!(
					*bond >= T::Currency::minimum_balance()
						&& *bond >= self.params.min_validator_bond,
					"genesis staker {stash:?} bonds less than the existential deposit or \
					 min_validator_bond"
				);
				T::Currency::hold(&HoldReason::Staking.into(), stash, *bond).unwrap_or_else(|e| {
					panic!(
						"genesis staker {stash:?} cannot hold its bond ({e:?}): endow it with \
						 more than bond + existential deposit"
					)
				});
				Ledger::<T>::insert(stash, StakingLedger::<T>::new(*bond));
				Candidates::<T>::insert(
					stash,
					CandidateInfo {
						commission: Perbill::zero(),
						tier: *tier,
						self_bond: *bond,
						nominated: Zero::zero(),
					},
				);
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `stash` bonded `amount` more; it is held under the staking hold reason.
		Bonded {
			/// The bonded account.
			stash: T::AccountId,
			/// What was added to its bond.
			amount: BalanceOf<T>,
		},
		/// `stash` started unbonding `amount`; it can be withdrawn from session `unlock_at` on.
		Unbonded {
			/// The unbonding account.
			stash: T::AccountId,
			/// What left its active bond.
			amount: BalanceOf<T>,
			/// The session from which `withdraw_unbonded` releases it.
			unlock_at: SessionIndex,
		},
		/// `stash` moved `amount` from unlocking back into its active bond.
		Rebonded {
			/// The rebonding account.
			stash: T::AccountId,
			/// What went back into its active bond.
			amount: BalanceOf<T>,
		},
		/// `stash` withdrew `amount` of unlocked funds: they are free again.
		Withdrawn {
			/// The withdrawing account.
			stash: T::AccountId,
			/// What was released from hold.
			amount: BalanceOf<T>,
		},
		/// `stash` has nothing bonded any more; its ledger, candidacy and nominations are gone.
		StashRemoved {
			/// The account that left staking.
			stash: T::AccountId,
		},
		/// `stash` is a candidate with this commission and hardware tier (new or updated).
		Validating {
			/// The candidate.
			stash: T::AccountId,
			/// The share of its rewards it keeps before its backers are paid.
			commission: Perbill,
			/// The hardware tier its PoAI challenges are sized for.
			tier: TierId,
		},
		/// `stash` stopped being a candidate or a nominator.
		Chilled {
			/// The account that stopped validating or nominating.
			stash: T::AccountId,
		},
		/// `nominator` now backs `targets`.
		Nominated {
			/// The nominating account.
			nominator: T::AccountId,
			/// The candidates its bond is split over.
			targets: BoundedVec<T::AccountId, T::MaxNominations>,
		},
		/// `nominator` was the smallest backer of `target`, whose backer list was full, and made
		/// way for a larger nomination; its bond is split over its other targets from now on.
		NominationDropped {
			/// The backer that was dropped.
			nominator: T::AccountId,
			/// The candidate it no longer backs.
			target: T::AccountId,
		},
		/// The rewards of `stash` go to `payee` from now on.
		PayeeSet {
			/// The bonded account.
			stash: T::AccountId,
			/// Where its rewards are paid.
			payee: RewardDestination<T::AccountId>,
		},
		/// Governance set new parameters.
		ParamsSet {
			/// The parameters now in force.
			params: StakingParams<BalanceOf<T>>,
		},
		/// `validators` were elected for session `session`.
		ValidatorsElected {
			/// The session they validate in.
			session: SessionIndex,
			/// The elected validators.
			validators: BoundedVec<T::AccountId, T::MaxValidators>,
		},
		/// Only `qualified` candidates qualified for session `session`, fewer than the
		/// `required` minimum: the current validators stay.
		ElectionSkipped {
			/// The session that keeps the current validators.
			session: SessionIndex,
			/// Candidates that qualified.
			qualified: u32,
			/// The minimum (`min_validators`).
			required: u32,
		},
		/// Session `session` ended with `total_points` points; `total_reward` can be paid out
		/// to its validators and their backers with `payout_stakers`.
		SessionRewarded {
			/// The session that ended.
			session: SessionIndex,
			/// All points its validators earned.
			total_points: u32,
			/// The reward to be paid out for it.
			total_reward: BalanceOf<T>,
		},
		/// `stash` was paid `amount` for session `session`, to `dest`.
		Rewarded {
			/// The session the reward is for.
			session: SessionIndex,
			/// The validator or backer paid.
			stash: T::AccountId,
			/// Where it was paid.
			dest: RewardDestination<T::AccountId>,
			/// What was paid.
			amount: BalanceOf<T>,
		},
		/// `stash`'s reward of `amount` for session `session` could not be paid (its payee
		/// account would be below the existential deposit); it is not minted.
		RewardMissed {
			/// The session the reward was for.
			session: SessionIndex,
			/// The validator or backer not paid.
			stash: T::AccountId,
			/// What it would have been paid.
			amount: BalanceOf<T>,
		},
		/// An offence of `validator` in session `session` was slashed by `fraction` of its and
		/// its backers' exposure.
		OffenceSlashed {
			/// The offender.
			validator: T::AccountId,
			/// The session the offence happened in.
			session: SessionIndex,
			/// The share of the exposure slashed.
			fraction: Perbill,
		},
		/// An offence of `validator` in session `session` was ignored: it was no validator of
		/// that session, or the session is older than the bonding duration or the history.
		OffenceIgnored {
			/// The reported offender.
			validator: T::AccountId,
			/// The session of the offence.
			session: SessionIndex,
		},
		/// `amount` of `stash`'s bond was slashed.
		Slashed {
			/// The account whose bond was slashed.
			stash: T::AccountId,
			/// What was taken from it.
			amount: BalanceOf<T>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is not bonded: call `bond` first.
		NotBonded,
		/// The account is already bonded: use `bond_extra` to add to the bond.
		AlreadyBonded,
		/// The amount is zero.
		ZeroAmount,
		/// The free balance cannot cover this bond while keeping the existential deposit.
		InsufficientBalance,
		/// A bond must be at least the existential deposit.
		BondBelowMinimum,
		/// Cannot unbond more than the active bond.
		NotEnoughActive,
		/// A candidate's active bond cannot fall below `min_validator_bond`, nor a nominator's
		/// below `min_nominator_bond`: unbond less, or `chill` first.
		WouldFallBelowMinimumBond,
		/// Too many unlocking chunks: `withdraw_unbonded` the unlocked ones, `rebond`, or wait a
		/// session.
		TooManyUnlockingChunks,
		/// Nothing is unbonding: there is nothing to rebond.
		NothingToRebond,
		/// No unbonded funds are withdrawable yet (they unlock `BondingDuration` sessions after
		/// `unbond`).
		NothingToWithdraw,
		/// The active bond is below `min_validator_bond`: `bond_extra` first.
		InsufficientSelfBond,
		/// The active bond is below `min_nominator_bond`: `bond_extra` first.
		InsufficientNominatorBond,
		/// The account nominates: `chill` before becoming a candidate.
		AlreadyNominating,
		/// The account is a candidate: `chill` before nominating.
		IsCandidate,
		/// The candidate list is full (`MaxCandidates`).
		TooManyCandidates,
		/// `nominate` needs at least one target.
		EmptyTargets,
		/// A target appears twice in the nomination.
		DuplicateTarget,
		/// A target is not a candidate.
		NotACandidate,
		/// A target already has `MaxBackersPerCandidate` backers, none with a smaller share than
		/// this nomination's: pick another candidate, fewer targets or a larger bond.
		CandidateFull,
		/// The account is neither a candidate nor a nominator.
		NothingToChill,
		/// Invalid parameters: need `1 <= min_validators <= max_validators <= MaxValidators`.
		InvalidParams,
		/// The session has not ended yet: its rewards are known once it has.
		SessionNotEnded,
		/// The session is older than `HistoryDepth` sessions: its rewards expired.
		PayoutExpired,
		/// The validator earned no reward in that session.
		NoReward,
		/// That reward has already been paid.
		AlreadyPaid,
		/// No hardware tier has this id: declare one of the registered tiers
		/// (`poaiModels.tiers` in Chain state).
		UnknownTier,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(_n: BlockNumberFor<T>) -> Weight {
			Self::prune_step()
		}

		fn integrity_test() {
			assert!(T::MaxValidators::get() > 0, "MaxValidators must be positive");
			assert!(T::MaxNominations::get() > 0, "MaxNominations must be positive");
			assert!(T::MaxUnlockingChunks::get() > 0, "MaxUnlockingChunks must be positive");
			assert!(T::MaxPruneKeysPerBlock::get() > 0, "MaxPruneKeysPerBlock must be positive");
			assert!(T::BondingDuration::get() > 0, "BondingDuration must be positive");
			assert!(
				T::HistoryDepth::get() >= T::BondingDuration::get(),
				"HistoryDepth must be at least BondingDuration, so that offences can be slashed \
				 for as long as the funds stay bonded"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Bond `value` of the caller's free balance: it is put on hold and becomes the
		/// caller's active stake. The caller (the stash) is the only account involved; rewards
		/// compound into the bond until `set_payee` says otherwise.
		///
		/// Fails when already bonded (use `bond_extra`), when `value` is below the existential
		/// deposit, or when the free balance minus the existential deposit cannot cover it.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::bond())]
		pub fn bond(
			origin: OriginFor<T>,
			#[pallet::compact] value: BalanceOf<T>,
		) -> DispatchResult {
			let stash = ensure_signed(origin)?;
			ensure!(!Ledger::<T>::contains_key(&stash), Error::<T>::AlreadyBonded);
			ensure!(!value.is_zero(), Error::<T>::ZeroAmount);
			ensure!(value >= T::Currency::minimum_balance(), Error::<T>::BondBelowMinimum);
			ensure!(value <= Self::bondable_balance(&stash), Error::<T>::InsufficientBalance);
			T::Currency::hold(&HoldReason::Staking.into(), &stash, value)?;
			Ledger::<T>::insert(&stash, StakingLedger::<T>::new(value));
			Self::deposit_event(Event::Bonded { stash, amount: value });
			Ok(())
		}

		/// Add up to `max_additional` of the caller's free balance to its bond (as much as the
		/// free balance allows while keeping the existential deposit). The new stake counts from
		/// the next election on.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::bond_extra())]
		pub fn bond_extra(
			origin: OriginFor<T>,
			#[pallet::compact] max_additional: BalanceOf<T>,
		) -> DispatchResult {
			let stash = ensure_signed(origin)?;
			let mut ledger = Ledger::<T>::get(&stash).ok_or(Error::<T>::NotBonded)?;
			ensure!(!max_additional.is_zero(), Error::<T>::ZeroAmount);
			let extra = max_additional.min(Self::bondable_balance(&stash));
			ensure!(!extra.is_zero(), Error::<T>::InsufficientBalance);
			T::Currency::hold(&HoldReason::Staking.into(), &stash, extra)?;
			ledger.active = ledger.active.saturating_add(extra);
			ledger.total = ledger.total.saturating_add(extra);
			Self::put_ledger(&stash, &ledger);
			Self::deposit_event(Event::Bonded { stash, amount: extra });
			Ok(())
		}

		/// Start unbonding `value` of the active bond. It stays held (and slashable) and can be
		/// withdrawn with `withdraw_unbonded` from `BondingDuration` sessions after the current
		/// one. If less than the existential deposit would stay active, everything is unbonded.
		///
		/// A candidate cannot go below `min_validator_bond`, nor a nominator below
		/// `min_nominator_bond`: `chill` first to unbond everything.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::unbond())]
		pub fn unbond(
			origin: OriginFor<T>,
			#[pallet::compact] value: BalanceOf<T>,
		) -> DispatchResult {
			let stash = ensure_signed(origin)?;
			let mut ledger = Ledger::<T>::get(&stash).ok_or(Error::<T>::NotBonded)?;
			ensure!(!value.is_zero(), Error::<T>::ZeroAmount);
			ensure!(value <= ledger.active, Error::<T>::NotEnoughActive);
			let mut value = value;
			let mut remaining = ledger.active - value;
			if remaining < T::Currency::minimum_balance() {
				value = ledger.active;
				remaining = Zero::zero();
			}
			let params = Params::<T>::get();
			let role_minimum = if Candidates::<T>::contains_key(&stash) {
				Some(params.min_validator_bond)
			} else if Nominators::<T>::contains_key(&stash) {
				Some(params.min_nominator_bond)
			} else {
				None
			};
			if let Some(minimum) = role_minimum {
				ensure!(
					!remaining.is_zero() && remaining >= minimum,
					Error::<T>::WouldFallBelowMinimumBond
				);
			}
			let unlock_at = ActiveSession::<T>::get().saturating_add(T::BondingDuration::get());
			ledger.active = remaining;
			match ledger.unlocking.last_mut() {
				Some(last) if last.session == unlock_at => {
					last.value = last.value.saturating_add(value)
				}
				_ => ledger
					.unlocking
					.try_push(UnlockChunk { value, session: unlock_at })
					.map_err(|_| Error::<T>::TooManyUnlockingChunks)?,
			}
			Self::put_ledger(&stash, &ledger);
			Self::deposit_event(Event::Unbonded { stash, amount: value, unlock_at });
			Ok(())
		}

		/// Move up to `value` of the unbonding funds (most recently unbonded first) back into
		/// the active bond.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::rebond())]
		pub fn rebond(
			origin: OriginFor<T>,
			#[pallet::compact] value: BalanceOf<T>,
		) -> DispatchResult {
			let stash = ensure_signed(origin)?;
			let mut ledger = Ledger::<T>::get(&stash).ok_or(Error::<T>::NotBonded)?;
			ensure!(!value.is_zero(), Error::<T>::ZeroAmount);
			ensure!(!ledger.unlocking.is_empty(), Error::<T>::NothingToRebond);
			let amount = ledger.rebond(value);
			Self::put_ledger(&stash, &ledger);
			Self::deposit_event(Event::Rebonded { stash, amount });
			Ok(())
		}

		/// Withdraw the unbonded funds whose bonding duration has passed: they are released from
		/// hold. When nothing is left bonded, the stash's staking records (ledger, payee) are
		/// removed; its session keys stay until it purges them (`session.purgeKeys`).
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::withdraw_unbonded())]
		pub fn withdraw_unbonded(origin: OriginFor<T>) -> DispatchResult {
			let stash = ensure_signed(origin)?;
			let mut ledger = Ledger::<T>::get(&stash).ok_or(Error::<T>::NotBonded)?;
			let amount = ledger.consolidate_unlocked(ActiveSession::<T>::get());
			ensure!(!amount.is_zero(), Error::<T>::NothingToWithdraw);
			T::Currency::release(
				&HoldReason::Staking.into(),
				&stash,
				amount,
				Precision::BestEffort,
			)?;
			if ledger.total.is_zero() {
				Self::kill_stash(&stash);
			} else {
				Ledger::<T>::insert(&stash, &ledger);
			}
			Self::deposit_event(Event::Withdrawn { stash, amount });
			Ok(())
		}

		/// Declare the caller a candidate for validation, or update its `commission` (the
		/// share of its rewards it keeps before splitting the rest with its backers) and its
		/// `tier` (a registered hardware tier, `poaiModels.tiers` in Chain state: its PoAI
		/// challenges are sized so that only hardware keeping the tier's promise meets their
		/// deadlines). Needs an active bond of at least `min_validator_bond`; a nominator must
		/// `chill` first. To be elected the candidate also needs session keys (`session.setKeys`:
		/// `babe`, `grandpa` and the `poai` worker key its node signs PoAI results with) and
		/// enough reputation.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::validate().saturating_add(T::DbWeight::get().reads(1)))]
		pub fn validate(origin: OriginFor<T>, commission: Perbill, tier: TierId) -> DispatchResult {
			let stash = ensure_signed(origin)?;
			ensure!(T::Tiers::tier(tier).is_some(), Error::<T>::UnknownTier);
			let ledger = Ledger::<T>::get(&stash).ok_or(Error::<T>::NotBonded)?;
			ensure!(!Nominators::<T>::contains_key(&stash), Error::<T>::AlreadyNominating);
			ensure!(
				ledger.active >= Params::<T>::get().min_validator_bond,
				Error::<T>::InsufficientSelfBond
			);
			let candidate = match Candidates::<T>::get(&stash) {
				Some(existing) => CandidateInfo { commission, tier, ..existing },
				None => {
					ensure!(
						Candidates::<T>::count() < T::MaxCandidates::get(),
						Error::<T>::TooManyCandidates
					);
					let nominated = Backers::<T>::get(&stash)
						.iter()
						.fold(BalanceOf::<T>::zero(), |acc, b| acc.saturating_add(b.value));
					CandidateInfo { commission, tier, self_bond: ledger.active, nominated }
				}
			};
			Candidates::<T>::insert(&stash, candidate);
			Self::deposit_event(Event::Validating { stash, commission, tier });
			Ok(())
		}

		// Call index 6 was `set_worker_key` (storage version 0); it is not reused, so that no
		// old transaction decodes as another call.

		/// Stop being a candidate (from the next election on: the current and the already
		/// planned session are unaffected) or stop nominating. The bond stays; `unbond` it
		/// afterwards if wanted.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::chill())]
		pub fn chill(origin: OriginFor<T>) -> DispatchResult {
			let stash = ensure_signed(origin)?;
			ensure!(Ledger::<T>::contains_key(&stash), Error::<T>::NotBonded);
			let was_candidate = Candidates::<T>::take(&stash).is_some();
			let was_nominator = Self::remove_nominations(&stash);
			ensure!(was_candidate || was_nominator, Error::<T>::NothingToChill);
			Self::deposit_event(Event::Chilled { stash });
			Ok(())
		}

		/// Back `targets` (candidates) with the caller's active bond, replacing any previous
		/// nominations. The active bond is split equally among the targets; the remainder of the
		/// division goes to the first target. The split follows the bond as it changes. Needs an
		/// active bond of at least `min_nominator_bond` (so every share is at least
		/// `min_nominator_bond / MaxNominations`); a candidate must `chill` first. A target with
		/// `MaxBackersPerCandidate` backers drops its smallest one for a larger share
		/// (`NominationDropped`); fails for a target that is no candidate or is full of backers
		/// with shares at least as large.
		#[pallet::call_index(8)]
		#[pallet::weight(Pallet::<T>::nominate_weight(targets.len() as u32, targets.len() as u32))]
		pub fn nominate(
			origin: OriginFor<T>,
			targets: BoundedVec<T::AccountId, T::MaxNominations>,
		) -> DispatchResultWithPostInfo {
			let stash = ensure_signed(origin)?;
			let ledger = Ledger::<T>::get(&stash).ok_or(Error::<T>::NotBonded)?;
			ensure!(!Candidates::<T>::contains_key(&stash), Error::<T>::IsCandidate);
			ensure!(!targets.is_empty(), Error::<T>::EmptyTargets);
			ensure!(
				ledger.active >= Params::<T>::get().min_nominator_bond,
				Error::<T>::InsufficientNominatorBond
			);
			let mut seen = BTreeSet::new();
			for target in targets.iter() {
				ensure!(seen.insert(target), Error::<T>::DuplicateTarget);
				ensure!(Candidates::<T>::contains_key(target), Error::<T>::NotACandidate);
			}
			Self::remove_nominations(&stash);
			let dropped = Self::add_nominations(&stash, &targets, ledger.active)?;
			let count = targets.len() as u32;
			Nominators::<T>::insert(&stash, &targets);
			Self::deposit_event(Event::Nominated { nominator: stash, targets });
			Ok(Some(Self::nominate_weight(count, dropped)).into())
		}

		/// Choose where the caller's rewards go: `Stash` compounds them into the bond,
		/// `Free` pays them to the stash without bonding, `Account(x)` pays them to `x` (a reward
		/// below the existential deposit to an account that doesn't exist is lost).
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::set_payee())]
		pub fn set_payee(
			origin: OriginFor<T>,
			payee: RewardDestination<T::AccountId>,
		) -> DispatchResult {
			let stash = ensure_signed(origin)?;
			Ledger::<T>::try_mutate(&stash, |ledger| -> DispatchResult {
				let ledger = ledger.as_mut().ok_or(Error::<T>::NotBonded)?;
				ledger.payee = payee.clone();
				Ok(())
			})?;
			Self::deposit_event(Event::PayeeSet { stash, payee });
			Ok(())
		}

		/// Set the staking parameters (admin origin): validator counts, minimum bonds, minimum
		/// reputation, reward per session, authoring points and the fraud slash threshold. They
		/// apply from the next election, the next block or the next session end on.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::set_params())]
		pub fn set_params(
			origin: OriginFor<T>,
			params: StakingParams<BalanceOf<T>>,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::check_params(&params)?;
			Params::<T>::put(&params);
			Self::deposit_event(Event::ParamsSet { params });
			Ok(())
		}

		/// Pay `validator`'s reward for the ended session `session`: its commission plus its
		/// share to the validator, the rest to its backers pro rata to the stake they had
		/// behind it in that session, each to their payee. Anybody may call it, once per
		/// validator and session, within `HistoryDepth` sessions.
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::payout_stakers(T::MaxBackersPerCandidate::get()))]
		pub fn payout_stakers(
			origin: OriginFor<T>,
			session: SessionIndex,
			validator: T::AccountId,
		) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			let backers = Self::do_payout_stakers(session, &validator)?;
			Ok(Some(T::WeightInfo::payout_stakers(backers)).into())
		}
	}

	impl<T: Config> Pallet<T> {
		/// What `who` can still bond: its free balance beyond the existential deposit.
		pub fn bondable_balance(who: &T::AccountId) -> BalanceOf<T> {
			T::Currency::reducible_balance(who, Preservation::Preserve, Fortitude::Force)
		}

		/// The hardware tier `who` declares, if it is a candidate.
		pub fn tier(who: &T::AccountId) -> Option<TierId> {
			Candidates::<T>::get(who).map(|c| c.tier)
		}

		/// Up to `max` candidates with a PoAI worker key, in storage order: the workers the
		/// challenge round of `session` is issued to, each with its hardware tier, whether it
		/// validates in `session` and its stake (its exposure's total if it validates, its own
		/// active bond otherwise).
		///
		/// Fixes what each of them has at stake for `session`: a validator's exposure was
		/// fixed at its election; for every other worker its own active bond is recorded in
		/// [`CandidateExposures`]. An offence reported for `session` slashes that, whatever
		/// the worker does in between (chill, unbond).
		pub fn snapshot_workers(session: SessionIndex, max: u32) -> Vec<SnapshotWorker<T>> {
			Candidates::<T>::iter()
				.filter_map(|(stash, candidate)| {
					let key = T::WorkerKeys::worker_key(&stash)?;
					Some((stash, key, candidate.tier))
				})
				.take(max as usize)
				.map(|(stash, key, tier)| match Exposures::<T>::get(session, &stash) {
					Some(exposure) => (stash, key, tier, true, exposure.total),
					None => {
						let own = Ledger::<T>::get(&stash).map(|l| l.active).unwrap_or_default();
						CandidateExposures::<T>::insert(session, &stash, own);
						(stash, key, tier, false, own)
					}
				})
				.collect()
		}

		/// Chills `stash` on the challenge protocol's behalf (a worker that keeps missing its
		/// rounds): it stays bonded, and backed, but is no candidate until it calls `validate`
		/// again. Returns whether it was a candidate.
		pub fn suspend_worker(stash: &T::AccountId) -> bool {
			let was_candidate = Candidates::<T>::take(stash).is_some();
			if was_candidate {
				Self::deposit_event(Event::Chilled { stash: stash.clone() });
			}
			was_candidate
		}

		/// The weight of a nomination of `targets` that drops `dropped` smaller backers: each
		/// of those is moved as a nomination of `MaxNominations` targets would be.
		pub fn nominate_weight(targets: u32, dropped: u32) -> Weight {
			let moved = T::WeightInfo::nominate(T::MaxNominations::get());
			T::WeightInfo::nominate(targets).saturating_add(moved.saturating_mul(dropped.into()))
		}

		/// Whether `who` is a validator of the session now running.
		pub fn is_active_validator(who: &T::AccountId) -> bool {
			Exposures::<T>::contains_key(ActiveSession::<T>::get(), who)
		}

		/// Checks `params` against the pallet's bounds.
		pub fn check_params(params: &StakingParams<BalanceOf<T>>) -> DispatchResult {
			ensure!(
				params.min_validators >= 1
					&& params.min_validators <= params.max_validators
					&& params.max_validators <= T::MaxValidators::get(),
				Error::<T>::InvalidParams
			);
			Ok(())
		}

		/// Checks the pallet's invariants: every ledger's total equals its parts and the held
		/// balance, every candidate's self-bond and nominated sum match the ledgers and backers,
		/// and every nomination appears in its target's backers with its share.
		#[cfg(any(test, feature = "try-runtime"))]
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			use frame_support::traits::fungible::InspectHold;
			for (stash, ledger) in Ledger::<T>::iter() {
				ensure!(
					ledger.total == ledger.active.saturating_add(ledger.unlocking_total()),
					"ledger total is not active + unlocking"
				);
				ensure!(
					T::Currency::balance_on_hold(&HoldReason::Staking.into(), &stash)
						== ledger.total,
					"ledger total differs from the held balance"
				);
			}
			ensure!(
				Candidates::<T>::count() as usize == Candidates::<T>::iter().count(),
				"candidate counter is off"
			);
			for (stash, candidate) in Candidates::<T>::iter() {
				let active = Ledger::<T>::get(&stash).map(|l| l.active).unwrap_or_default();
				ensure!(candidate.self_bond == active, "candidate self-bond differs from ledger");
				let sum = Backers::<T>::get(&stash)
					.iter()
					.fold(BalanceOf::<T>::zero(), |acc, b| acc.saturating_add(b.value));
				ensure!(candidate.nominated == sum, "candidate nominated sum differs from backers");
				ensure!(!Nominators::<T>::contains_key(&stash), "a candidate also nominates");
			}
			for (nominator, targets) in Nominators::<T>::iter() {
				let active = Ledger::<T>::get(&nominator).map(|l| l.active).unwrap_or_default();
				for (target, share) in targets.iter().zip(Self::split_shares(active, targets.len()))
				{
					let entry = Backers::<T>::get(target)
						.into_iter()
						.find(|b| b.who == nominator)
						.ok_or("nomination missing from the target's backers")?;
					ensure!(
						entry.value == share,
						"backer value differs from the nominator's share"
					);
				}
			}
			Ok(())
		}
	}
}
