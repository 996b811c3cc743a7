//! # PoAI reputation pallet
//!
//! A Beta reputation with decay for every PoAI worker (architecture, §4 "Reputation, rewards,
//! slashing").
//!
//! The challenge protocol reports the outcome of each worker's round through
//! [`ReputationRecorder::record`]; staking reads the result through
//! [`ReputationProvider::reputation`] when it elects validators and pays rewards; the
//! [`runtime_api::PoaiReputationApi`] exposes it to nodes and user interfaces.
//!
//! ## Model
//!
//! Every worker has two evidence counters, `α` (good rounds) and `β` (bad rounds). On each
//! recorded outcome both decay by `λ` ([`ReputationParams::decay`]) and the outcome adds its
//! weight:
//!
//! ```text
//! α ← λ·α + 1                 (passed)
//! β ← λ·β + failure_weight    (failed: proven fraud or fault)
//! β ← λ·β + miss_weight       (missed: no commitment before the deadline)
//! reputation = (α + 1) / (α + β + 2)
//! ```
//!
//! The reputation is the mean of a Beta(α + 1, β + 1) distribution: a worker never seen before
//! has α = β = 0 and is neutral (one half). Decay makes old evidence fade, so a worker's
//! reputation follows its recent behaviour, and it bounds the evidence: with `λ < 1` the
//! reputation of a worker that always passes tends to `(2 − λ)/(3 − 2λ)` (95.45% for
//! `λ = 95%`, see [`ReputationParams::max_reputation`]), never to 100%. Whoever picks a
//! minimum reputation (staking) must stay below that ceiling.
//!
//! `α` and `β` are [`FixedU128`] (18 decimals); decay rounds down; the reputation is a
//! [`Perbill`] rounded down. No floats. The counters saturate instead of overflowing, and with
//! weights bounded by [`MAX_FAILURE_WEIGHT`] they stay far from the limits of `u128` in any
//! case: a worker gets at most one outcome per round.
//!
//! Decay is applied per recorded outcome (one per round), not per block: a worker that is not
//! challenged keeps its reputation until its next round.
//!
//! ## Calls
//!
//! - [`Pallet::set_params`] (root): sets the [`ReputationParams`]. They apply to the outcomes
//!   recorded from then on; the evidence already accumulated is not recomputed.
//!
//! ## Weights
//!
//! Recording an outcome is not a call: the pallet that records (the challenge protocol) charges
//! [`WeightInfo::record_outcome`] for every outcome it records.

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
pub mod runtime_api;
#[cfg(test)]
mod tests;
pub mod weights;

pub use pallet::*;
pub use weights::WeightInfo;

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::traits::Get;
use poai_primitives::traits::{ReputationProvider, ReputationRecorder, RoundOutcome};
use scale_info::TypeInfo;
use sp_runtime::{
	traits::{One, SaturatedConversion, Saturating, UniqueSaturatedInto, Zero},
	FixedU128, PerThing, Perbill,
};

/// The reputation of a worker never seen before (and of one whose evidence has fully decayed):
/// one half.
pub const NEUTRAL: Perbill = Perbill::from_percent(50);

/// The largest [`ReputationParams::failure_weight`] accepted: one failure may weigh at most as
/// much as this many passed rounds.
pub const MAX_FAILURE_WEIGHT: u32 = 100;

/// The parameters of the reputation model.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReputationParams {
	/// `λ`: the share of the accumulated evidence (`α` and `β`) that is kept at each recorded
	/// outcome. 100% never forgets; lower values forget faster. Must not be zero.
	pub decay: Perbill,
	/// What a failed round (proven fraud or fault) adds to `β`, where a passed round adds 1 to
	/// `α`. At least 1 (a proven fault costs at least what an honest round earns), at most
	/// [`MAX_FAILURE_WEIGHT`].
	pub failure_weight: FixedU128,
	/// What a missed round (no commitment before the deadline) adds to `β`. At most 100%, and
	/// so never more than a failure: a worker that cannot compute honestly is better off missing
	/// the round than cheating.
	pub miss_weight: Perbill,
}

impl ReputationParams {
	/// The default parameters: `λ = 95%`, a failure weighs 1, a miss weighs ½.
	pub const DEFAULT: Self = Self {
		decay: Perbill::from_percent(95),
		failure_weight: FixedU128::from_u32(1),
		miss_weight: Perbill::from_percent(50),
	};

	/// Checks the parameters, with the error that says what is wrong.
	pub fn validate<T: Config>(&self) -> Result<(), Error<T>> {
		// `Perbill` decodes only up to 100%, but a genesis config (serde) or a `Config` constant
		// may hold more.
		if self.decay > Perbill::one() {
			return Err(Error::<T>::DecayAboveOne);
		}
		if self.decay.is_zero() {
			return Err(Error::<T>::ZeroDecay);
		}
		if self.miss_weight > Perbill::one() {
			return Err(Error::<T>::MissWeightAboveOne);
		}
		if self.failure_weight < FixedU128::one() {
			return Err(Error::<T>::FailureWeightBelowOne);
		}
		if self.failure_weight > FixedU128::from_u32(MAX_FAILURE_WEIGHT) {
			return Err(Error::<T>::FailureWeightTooHigh);
		}
		Ok(())
	}

	/// The highest reputation a worker can reach under these parameters: the limit of a worker
	/// that always passes, `(2 − λ)/(3 − 2λ)` (100% when `λ = 100%`). Rounded down.
	pub fn max_reputation(&self) -> Perbill {
		let whole = u64::from(Perbill::ACCURACY);
		let forget = whole.saturating_sub(u64::from(self.decay.deconstruct()));
		Perbill::from_rational(whole.saturating_add(forget), whole.saturating_add(2 * forget))
	}
}

impl Default for ReputationParams {
	fn default() -> Self {
		Self::DEFAULT
	}
}

/// The reputation of the Beta evidence `α`, `β`: `(α + 1)/(α + β + 2)`, rounded down.
pub fn beta_reputation(alpha: FixedU128, beta: FixedU128) -> Perbill {
	let one = FixedU128::one().into_inner();
	let numerator = alpha.into_inner().saturating_add(one);
	let denominator = numerator.saturating_add(beta.into_inner()).saturating_add(one);
	// `numerator ≤ denominator` and `denominator ≥ 2`, so this never falls back.
	Perbill::from_rational(numerator, denominator)
}

/// `λ · x`, rounded down.
fn decayed(x: FixedU128, decay: Perbill) -> FixedU128 {
	FixedU128::from_inner(decay.mul_floor(x.into_inner()))
}

/// The reputation record of one worker.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct ReputationRecord<BlockNumber> {
	/// `α`: the decayed evidence of passed rounds.
	pub alpha: FixedU128,
	/// `β`: the decayed, weighted evidence of failed and missed rounds.
	pub beta: FixedU128,
	/// How many passed rounds were recorded (saturating).
	pub passes: u32,
	/// How many failed rounds were recorded (saturating).
	pub failures: u32,
	/// How many missed rounds were recorded (saturating).
	pub misses: u32,
	/// The block of the last recorded outcome.
	pub last_updated: BlockNumber,
}

impl<BlockNumber> ReputationRecord<BlockNumber> {
	/// The record of a worker with no evidence yet (neutral).
	pub fn new(now: BlockNumber) -> Self {
		Self {
			alpha: FixedU128::zero(),
			beta: FixedU128::zero(),
			passes: 0,
			failures: 0,
			misses: 0,
			last_updated: now,
		}
	}

	/// The worker's reputation, `(α + 1)/(α + β + 2)`.
	pub fn reputation(&self) -> Perbill {
		beta_reputation(self.alpha, self.beta)
	}

	/// Decays the evidence and adds `outcome` to it, as of block `now`.
	pub fn note(&mut self, outcome: RoundOutcome, params: &ReputationParams, now: BlockNumber) {
		self.alpha = decayed(self.alpha, params.decay);
		self.beta = decayed(self.beta, params.decay);
		match outcome {
			RoundOutcome::Passed => {
				self.alpha = self.alpha.saturating_add(FixedU128::one());
				self.passes = self.passes.saturating_add(1);
			}
			RoundOutcome::Failed => {
				self.beta = self.beta.saturating_add(params.failure_weight);
				self.failures = self.failures.saturating_add(1);
			}
			RoundOutcome::Missed => {
				self.beta = self.beta.saturating_add(FixedU128::from_perbill(params.miss_weight));
				self.misses = self.misses.saturating_add(1);
			}
		}
		self.last_updated = now;
	}
}

/// A worker's reputation and the record behind it, as the runtime API returns it.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct ReputationSummary {
	/// The reputation, `(α + 1)/(α + β + 2)`.
	pub reputation: Perbill,
	/// `α`: the decayed evidence of passed rounds.
	pub alpha: FixedU128,
	/// `β`: the decayed, weighted evidence of failed and missed rounds.
	pub beta: FixedU128,
	/// How many passed rounds were recorded (saturating).
	pub passes: u32,
	/// How many failed rounds were recorded (saturating).
	pub failures: u32,
	/// How many missed rounds were recorded (saturating).
	pub misses: u32,
	/// The block number of the last recorded outcome.
	pub last_updated: u64,
}

impl<BlockNumber: UniqueSaturatedInto<u64> + Copy> From<&ReputationRecord<BlockNumber>>
	for ReputationSummary
{
	fn from(record: &ReputationRecord<BlockNumber>) -> Self {
		Self {
			reputation: record.reputation(),
			alpha: record.alpha,
			beta: record.beta,
			passes: record.passes,
			failures: record.failures,
			misses: record.misses,
			last_updated: record.last_updated.saturated_into(),
		}
	}
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	/// The PoAI reputation pallet.
	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// The configuration of the reputation pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The parameters in force while [`Params`] holds none: until root sets some, when the
		/// genesis config gives none. Must be valid ([`ReputationParams::validate`]); the
		/// integrity test checks it.
		#[pallet::constant]
		type DefaultParams: Get<ReputationParams>;

		/// The origin that may change the parameters (root or the council in the runtime).
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The weights of this pallet's calls and of recording an outcome.
		type WeightInfo: WeightInfo;
	}

	/// The default of [`Params`]: [`Config::DefaultParams`].
	#[pallet::type_value]
	pub fn DefaultParamsOf<T: Config>() -> ReputationParams {
		T::DefaultParams::get()
	}

	/// The parameters of the reputation model (decay, failure and miss weights).
	#[pallet::storage]
	pub type Params<T: Config> = StorageValue<_, ReputationParams, ValueQuery, DefaultParamsOf<T>>;

	/// The reputation record of every worker with a recorded outcome. A worker without a
	/// record is neutral.
	#[pallet::storage]
	pub type Reputations<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		ReputationRecord<BlockNumberFor<T>>,
		OptionQuery,
	>;

	/// The events of the reputation pallet.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// The outcome of a worker's round was recorded; `reputation` is the worker's new
		/// reputation.
		OutcomeRecorded {
			/// The worker.
			who: T::AccountId,
			/// What its round came to.
			outcome: RoundOutcome,
			/// Its reputation after this outcome.
			reputation: Perbill,
		},
		/// Root set new parameters of the reputation model.
		ParamsSet {
			/// The new parameters.
			params: ReputationParams,
		},
	}

	/// The errors of the reputation pallet.
	#[pallet::error]
	pub enum Error<T> {
		/// The decay is zero: only the last outcome would count.
		ZeroDecay,
		/// The decay is above 100%.
		DecayAboveOne,
		/// The miss weight is above 100%.
		MissWeightAboveOne,
		/// The failure weight is below 1: a proven fault must cost at least what an honest
		/// round earns.
		FailureWeightBelowOne,
		/// The failure weight is above `MAX_FAILURE_WEIGHT` (100).
		FailureWeightTooHigh,
	}

	/// The genesis config of the reputation pallet.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The parameters at genesis; `None` keeps [`Config::DefaultParams`].
		pub params: Option<ReputationParams>,
		/// Marker.
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if let Some(params) = self.params {
				if let Err(error) = params.validate::<T>() {
					panic!("invalid reputation params in the genesis config: {error:?}");
				}
				Params::<T>::put(params);
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			if let Err(error) = T::DefaultParams::get().validate::<T>() {
				panic!("invalid `DefaultParams` of the reputation pallet: {error:?}");
			}
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Sets the parameters of the reputation model (admin origin: root or a council
		/// majority).
		///
		/// They apply to the outcomes recorded from now on; the evidence already accumulated
		/// is kept as it is. Fails when `params` are invalid: a zero decay, a failure weight
		/// below 1 or above 100.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::set_params())]
		pub fn set_params(origin: OriginFor<T>, params: ReputationParams) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			params.validate::<T>()?;
			Params::<T>::put(params);
			Self::deposit_event(Event::ParamsSet { params });
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The reputation of `who`; [`NEUTRAL`] for a worker without a record.
	pub fn reputation_of(who: &T::AccountId) -> Perbill {
		Reputations::<T>::get(who).map_or(NEUTRAL, |record| record.reputation())
	}

	/// The reputation of `who` and the record behind it; `None` for a worker without a record.
	/// What [`runtime_api::PoaiReputationApi::summary`] returns.
	pub fn summary(who: &T::AccountId) -> Option<ReputationSummary> {
		Reputations::<T>::get(who).map(|record| ReputationSummary::from(&record))
	}

	/// Checks the pallet's invariants: the parameters in force are valid.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		Params::<T>::get()
			.validate::<T>()
			.map_err(|_| sp_runtime::TryRuntimeError::Other("invalid reputation params"))
	}
}

impl<T: Config> ReputationProvider<T::AccountId> for Pallet<T> {
	fn reputation(who: &T::AccountId) -> Perbill {
		Self::reputation_of(who)
	}
}

impl<T: Config> ReputationRecorder<T::AccountId> for Pallet<T> {
	/// Decays `who`'s evidence, adds `outcome` and emits [`Event::OutcomeRecorded`].
	///
	/// Weight: [`WeightInfo::record_outcome`], charged by the caller.
	fn record(who: &T::AccountId, outcome: RoundOutcome) {
		let params = Params::<T>::get();
		let now = frame_system::Pallet::<T>::block_number();
		let reputation = Reputations::<T>::mutate(who, |maybe_record| {
			let record = maybe_record.get_or_insert_with(|| ReputationRecord::new(now));
			record.note(outcome, &params, now);
			record.reputation()
		});
		Self::deposit_event(Event::OutcomeRecorded { who: who.clone(), outcome, reputation });
	}
}

/// A stash that left staking has nothing left to answer with: its record goes (a stash bonding
/// again later starts neutral, as any new stash does).
impl<T: Config, Balance> sp_staking::OnStakingUpdate<T::AccountId, Balance> for Pallet<T> {
	fn on_unstake(who: &T::AccountId) {
		Reputations::<T>::remove(who);
	}
}
