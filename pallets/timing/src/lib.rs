//! # PoAI timing pallet
//!
//! The chain's clock: how many slots a session lasts (a session is one BABE epoch and one PoAI
//! round), how many sessions an unbonded stake stays slashable, and how many sessions of
//! payouts and exposures are kept. A chain sets them once, in its genesis, and never again:
//! a testnet runs one-minute sessions so that a round completes every minute, the production
//! chain hour-long ones, and both run the same runtime code (`docs/adr/0009-chain-timing-in-genesis.md`).
//!
//! The values reach the pallets that use them through [`EpochDuration`], [`BondingDuration`]
//! and [`HistoryDepth`], which implement `Get` and so fit `pallet_babe::Config::EpochDuration`
//! and `pallet_poai_staking::Config::{BondingDuration, HistoryDepth}` as constants would.
//!
//! ## Storage
//!
//! - [`Timing`]: the chain's [`ChainTiming`], written by the genesis build and by nothing
//!   else. A chain whose genesis predates this pallet reads [`ChainTiming::TESTNET`], the
//!   values its runtime had compiled in.
//!
//! ## Calls
//!
//! None, on purpose: BABE cannot change its epoch length on a running chain (block
//! production stops), and shortening the bonding duration would free stake that is still
//! slashable. Root could still overwrite the value with `system.set_storage`, as it could
//! install a broken runtime; the integrity of both rests on governance.

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use pallet::*;

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::marker::PhantomData;
use frame_support::traits::Get;
use scale_info::TypeInfo;
use sp_staking::SessionIndex;

/// A chain's clock, fixed at genesis.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChainTiming {
	/// Slots per session, which is one BABE epoch (`pallet_session` ends sessions when BABE
	/// ends epochs). The PoAI protocol issues one round per session.
	pub epoch_duration: u64,
	/// Sessions an unbonded stake stays bonded, and so slashable, before it can be withdrawn.
	pub bonding_duration: SessionIndex,
	/// Sessions a payout can be claimed in and an offence can still slash: at least
	/// `bonding_duration`.
	pub history_depth: SessionIndex,
}

impl ChainTiming {
	/// The test networks (`dev`, `local`): one-minute sessions (20 slots of 3 s), so that a
	/// PoAI round completes every minute; unbonding takes 8 minutes, payouts stay 16.
	pub const TESTNET: Self = Self { epoch_duration: 20, bonding_duration: 8, history_depth: 16 };

	/// The production chain: hour-long sessions (1,200 slots of 3 s); unbonding takes seven
	/// days (168 sessions) and payouts stay claimable for fourteen (336), so that an operator
	/// who notices an offence a week late can still see it slashed (`docs/OPERATOR.md`).
	pub const PRODUCTION: Self =
		Self { epoch_duration: 1_200, bonding_duration: 168, history_depth: 336 };

	/// Whether these values can run a chain: `epoch_duration` at least `min_epoch_duration`,
	/// a positive bonding duration, and a history at least as deep as the bonding duration
	/// (an offence must find the exposure of every session a stake can still be slashed for).
	pub fn check(&self, min_epoch_duration: u64) -> Result<(), TimingError> {
		if self.epoch_duration < min_epoch_duration {
			return Err(TimingError::EpochTooShort);
		}
		if self.bonding_duration == 0 {
			return Err(TimingError::NoBondingDuration);
		}
		if self.history_depth < self.bonding_duration {
			return Err(TimingError::HistoryShorterThanBonding);
		}
		Ok(())
	}
}

impl Default for ChainTiming {
	/// [`ChainTiming::TESTNET`]: what every chain ran before the timing moved into genesis.
	fn default() -> Self {
		Self::TESTNET
	}
}

/// Why a [`ChainTiming`] cannot run a chain.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TimingError {
	/// `epoch_duration` is below the runtime's `MinEpochDuration`.
	EpochTooShort,
	/// `bonding_duration` is zero: unbonded stake would leave before an offence is reported.
	NoBondingDuration,
	/// `history_depth` is below `bonding_duration`.
	HistoryShorterThanBonding,
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::BlockNumberFor;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	/// The PoAI timing pallet.
	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// The configuration of the timing pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The shortest session a genesis may set, in slots: a PoAI round must be issued,
		/// committed and audited in a session's time for rounds not to pile up.
		#[pallet::constant]
		type MinEpochDuration: Get<u64>;
	}

	/// The chain's clock, as its genesis set it.
	#[pallet::storage]
	pub type Timing<T: Config> = StorageValue<_, ChainTiming, ValueQuery>;

	/// The genesis configuration: the chain's clock.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The chain's clock ([`ChainTiming::TESTNET`] by default).
		pub timing: ChainTiming,
		#[serde(skip)]
		#[doc(hidden)]
		pub _config: PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if let Err(error) = self.timing.check(T::MinEpochDuration::get()) {
				panic!("invalid chain timing in the genesis config: {error:?}");
			}
			Timing::<T>::put(self.timing);
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(
				ChainTiming::default().check(T::MinEpochDuration::get()).is_ok(),
				"the default chain timing must satisfy MinEpochDuration"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Timing::<T>::get()
				.check(T::MinEpochDuration::get())
				.map_err(|_| "the stored chain timing is invalid".into())
		}
	}
}

/// Slots per session, for `pallet_babe::Config::EpochDuration`.
pub struct EpochDuration<T>(PhantomData<T>);
impl<T: Config> Get<u64> for EpochDuration<T> {
	fn get() -> u64 {
		Timing::<T>::get().epoch_duration
	}
}

/// Sessions of unbonding, for `pallet_poai_staking::Config::BondingDuration`.
pub struct BondingDuration<T>(PhantomData<T>);
impl<T: Config> Get<SessionIndex> for BondingDuration<T> {
	fn get() -> SessionIndex {
		Timing::<T>::get().bonding_duration
	}
}

/// Sessions of payout and exposure history, for `pallet_poai_staking::Config::HistoryDepth`.
pub struct HistoryDepth<T>(PhantomData<T>);
impl<T: Config> Get<SessionIndex> for HistoryDepth<T> {
	fn get() -> SessionIndex {
		Timing::<T>::get().history_depth
	}
}
