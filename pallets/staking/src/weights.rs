//! Weights for `pallet_poai_staking`
//!
//! HAND-WRITTEN PLACEHOLDER in the layout of the benchmark CLI's output. The storage reads and
//! writes are counted from the code paths (worst case: a nominator with `MaxNominations`
//! targets, full backer lists, a stash leaving staking entirely); the execution times and proof
//! sizes are conservative estimates, not measurements. Regenerate on reference hardware once the
//! runtime includes the pallet:
//!
//! ```text
//! poai-node benchmark pallet --runtime <poai_runtime.wasm> --genesis-builder=runtime \
//!     --pallet pallet_poai_staking --extrinsic '*' --steps 50 --repeat 20 \
//!     --output pallets/staking/src/weights.rs
//! ```
//!
//! Parameters: `n` = backers of a validator (≤ `MaxBackersPerCandidate`) or targets of a
//! nomination (≤ `MaxNominations`); `c` = candidates (≤ `MaxCandidates`); `v` = validators of a
//! session (≤ `MaxValidators`).

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]
#![allow(dead_code)]

use frame_support::{traits::Get, weights::{Weight, constants::RocksDbWeight}};
use core::marker::PhantomData;

/// Weight functions needed for `pallet_poai_staking`.
pub trait WeightInfo {
	fn bond() -> Weight;
	fn bond_extra() -> Weight;
	fn unbond() -> Weight;
	fn rebond() -> Weight;
	fn withdraw_unbonded() -> Weight;
	fn validate() -> Weight;
	fn set_worker_key() -> Weight;
	fn chill() -> Weight;
	fn nominate(n: u32, ) -> Weight;
	fn set_payee() -> Weight;
	fn set_params() -> Weight;
	fn payout_stakers(n: u32, ) -> Weight;
	/// One offender with `n` backers, all of them nominating `MaxNominations` candidates.
	fn on_offence(n: u32, ) -> Weight;
	/// One election over `c` candidates (charged by `pallet-session` as a full block).
	fn elect(c: u32, ) -> Weight;
	/// The end of a session with `v` validators that earned points.
	fn end_session(v: u32, ) -> Weight;
	/// One pruning step in `on_initialize`.
	fn prune_step() -> Weight;
	/// Crediting points (`note_author`, `note_work`).
	fn note_points() -> Weight;
}

/// Reads and writes of re-splitting a nominator's bond over its `MaxNominations` targets:
/// `Nominators`, then per target `Backers` and `Candidates` (read and written).
fn resplit<T: crate::Config>(db: frame_support::weights::RuntimeDbWeight) -> Weight {
	let n = <T as crate::Config>::MaxNominations::get() as u64;
	db.reads(1 + 2 * n).saturating_add(db.writes(2 * n))
		.saturating_add(Weight::from_parts(2_000_000 * n, 12_000 * n))
}

/// Weights for `pallet_poai_staking` using the PoAI node (ParityDb weights come from the
/// runtime's `DbWeight`).
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config + crate::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `PoaiStaking::Ledger` (r:1 w:1), `System::Account` (r:1 w:1),
	/// `Balances::Holds` (r:1 w:1)
	fn bond() -> Weight {
		Weight::from_parts(60_000_000, 4_800)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	/// Storage: `PoaiStaking::Ledger` (r:1 w:1), `System::Account` (r:1 w:1),
	/// `Balances::Holds` (r:1 w:1), `PoaiStaking::Candidates` (r:1 w:1), re-split over
	/// `MaxNominations` targets
	fn bond_extra() -> Weight {
		Weight::from_parts(70_000_000, 5_500)
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(4_u64))
			.saturating_add(resplit::<T>(T::DbWeight::get()))
	}
	/// Storage: `PoaiStaking::Ledger` (r:1 w:1), `PoaiStaking::Params` (r:1),
	/// `PoaiStaking::ActiveSession` (r:1), `PoaiStaking::Candidates` (r:2 w:1),
	/// `PoaiStaking::Nominators` (r:1), re-split over `MaxNominations` targets
	fn unbond() -> Weight {
		Weight::from_parts(50_000_000, 5_500)
			.saturating_add(T::DbWeight::get().reads(6_u64))
			.saturating_add(T::DbWeight::get().writes(2_u64))
			.saturating_add(resplit::<T>(T::DbWeight::get()))
	}
	/// Storage: `PoaiStaking::Ledger` (r:1 w:1), `PoaiStaking::Candidates` (r:1 w:1),
	/// re-split over `MaxNominations` targets
	fn rebond() -> Weight {
		Weight::from_parts(45_000_000, 5_500)
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().writes(2_u64))
			.saturating_add(resplit::<T>(T::DbWeight::get()))
	}
	/// Storage: `PoaiStaking::Ledger` (r:1 w:1), `PoaiStaking::ActiveSession` (r:1),
	/// `System::Account` (r:1 w:1), `Balances::Holds` (r:1 w:1), `PoaiStaking::Candidates`
	/// (r:1 w:1), `PoaiStaking::CounterForCandidates` (r:1 w:1), `PoaiStaking::Nominators`
	/// (r:1 w:1), `PoaiStaking::WorkerKeys` (r:1 w:1), `PoaiStaking::WorkerKeyOwners` (w:1)
	fn withdraw_unbonded() -> Weight {
		Weight::from_parts(75_000_000, 6_000)
			.saturating_add(T::DbWeight::get().reads(8_u64))
			.saturating_add(T::DbWeight::get().writes(8_u64))
	}
	/// Storage: `PoaiStaking::Ledger` (r:1), `PoaiStaking::Nominators` (r:1),
	/// `PoaiStaking::Params` (r:1), `PoaiStaking::Candidates` (r:1 w:1),
	/// `PoaiStaking::CounterForCandidates` (r:1 w:1), `PoaiStaking::Backers` (r:1)
	fn validate() -> Weight {
		Weight::from_parts(55_000_000, 14_000)
			.saturating_add(T::DbWeight::get().reads(6_u64))
			.saturating_add(T::DbWeight::get().writes(2_u64))
	}
	/// Storage: `PoaiStaking::Ledger` (r:1), `PoaiStaking::WorkerKeyOwners` (r:1 w:2),
	/// `PoaiStaking::WorkerKeys` (r:1 w:1); one sr25519 verification of the proof (~50 µs)
	fn set_worker_key() -> Weight {
		Weight::from_parts(90_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	/// Storage: `PoaiStaking::Ledger` (r:1), `PoaiStaking::Candidates` (r:1 w:1),
	/// `PoaiStaking::CounterForCandidates` (r:1 w:1), `PoaiStaking::Nominators` (r:1 w:1),
	/// then `Backers` and `Candidates` of `MaxNominations` targets (r:2 w:2 each)
	fn chill() -> Weight {
		Weight::from_parts(45_000_000, 5_000)
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
			.saturating_add(resplit::<T>(T::DbWeight::get()))
	}
	/// Storage: `PoaiStaking::Ledger` (r:1), `PoaiStaking::Candidates` (r:1 + 3n, w:n),
	/// `PoaiStaking::Params` (r:1), `PoaiStaking::Nominators` (r:1 w:1),
	/// `PoaiStaking::Backers` (r:n w:n); removing up to `MaxNominations` old targets.
	/// The range of component `n` is `[1, MaxNominations]`.
	fn nominate(n: u32, ) -> Weight {
		Weight::from_parts(50_000_000, 5_000)
			.saturating_add(Weight::from_parts(4_000_000, 12_000).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().reads((3_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes(1_u64))
			.saturating_add(T::DbWeight::get().writes((2_u64).saturating_mul(n.into())))
			.saturating_add(resplit::<T>(T::DbWeight::get()))
	}
	/// Storage: `PoaiStaking::Ledger` (r:1 w:1)
	fn set_payee() -> Weight {
		Weight::from_parts(25_000_000, 1_500)
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	/// Storage: `PoaiStaking::Params` (w:1)
	fn set_params() -> Weight {
		Weight::from_parts(15_000_000, 0)
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	/// Storage: `PoaiStaking::ActiveSession` (r:1), `PoaiStaking::Pruning` (r:1),
	/// `PoaiStaking::Payouts` (r:1 w:1), `PoaiStaking::Exposures` (r:1); per paid stash (n + 1):
	/// `PoaiStaking::Ledger` (r:1 w:1), `System::Account` (r:1 w:1), `Balances::Holds`
	/// (r:1 w:1), `PoaiStaking::Candidates` (r:1 w:1), re-split over `MaxNominations` targets.
	/// The range of component `n` is `[0, MaxBackersPerCandidate]`.
	fn payout_stakers(n: u32, ) -> Weight {
		let per_stash = Weight::from_parts(80_000_000, 6_000)
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(4_u64))
			.saturating_add(resplit::<T>(T::DbWeight::get()));
		Weight::from_parts(50_000_000, 20_000)
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
			.saturating_add(per_stash.saturating_mul((n as u64).saturating_add(1)))
	}
	/// Storage: `PoaiStaking::ActiveSession` (r:1), `PoaiStaking::Pruning` (r:1),
	/// `PoaiStaking::Exposures` (r:2), `PoaiStaking::SlashedFractions` (r:1 w:1),
	/// `PoaiStaking::Params` (r:1), `PoaiStaking::Candidates` (r:1 w:1), `Session::Validators`
	/// (r:1), `Session::DisabledValidators` (r:1 w:1); per slashed stash (n + 1):
	/// `PoaiStaking::Ledger` (r:1 w:1), `System::Account` (r:1 w:1), `Balances::Holds`
	/// (r:1 w:1), `PoaiStaking::Candidates` (r:1 w:1), re-split over `MaxNominations` targets.
	/// The range of component `n` is `[0, MaxBackersPerCandidate]`.
	fn on_offence(n: u32, ) -> Weight {
		let per_stash = Weight::from_parts(80_000_000, 6_000)
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(4_u64))
			.saturating_add(resplit::<T>(T::DbWeight::get()));
		Weight::from_parts(60_000_000, 20_000)
			.saturating_add(T::DbWeight::get().reads(9_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
			.saturating_add(per_stash.saturating_mul((n as u64).saturating_add(1)))
	}
	/// Storage: `PoaiStaking::Params` (r:1), `PoaiStaking::Candidates` (r:c),
	/// `PoaiStaking::CounterForCandidates` (r:1), reputation (r:c), `Session::NextKeys` (r:c),
	/// per elected validator `PoaiStaking::Ledger` (r:1), `PoaiStaking::Backers` (r:1),
	/// `PoaiStaking::Exposures` (w:1); `PoaiStaking::SessionValidators` (w:1).
	/// The range of component `c` is `[1, MaxCandidates]`.
	fn elect(c: u32, ) -> Weight {
		let v = <T as crate::Config>::MaxValidators::get() as u64;
		Weight::from_parts(40_000_000, 3_000)
			.saturating_add(Weight::from_parts(15_000_000, 3_000).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().reads((3_u64).saturating_mul(c.into())))
			.saturating_add(T::DbWeight::get().reads(3 * v))
			.saturating_add(T::DbWeight::get().writes(1 + v))
	}
	/// Storage: `PoaiStaking::Points` (r:1), `PoaiStaking::Params` (r:1),
	/// `PoaiStaking::Payouts` (w:v), `PoaiStaking::Pruning` (r:1 w:1).
	/// The range of component `v` is `[0, MaxValidators]`.
	fn end_session(v: u32, ) -> Weight {
		Weight::from_parts(20_000_000, 4_000)
			.saturating_add(Weight::from_parts(3_000_000, 0).saturating_mul(v.into()))
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
			.saturating_add(T::DbWeight::get().writes(v.into()))
	}
	/// Storage: `PoaiStaking::Pruning` (r:1 w:1), `PoaiStaking::Exposures`,
	/// `PoaiStaking::Payouts`, `PoaiStaking::SlashedFractions` (w:`MaxPruneKeysPerBlock`
	/// each), `PoaiStaking::SessionValidators` (w:1), `PoaiStaking::Points` (w:1),
	/// `Historical::StoredRange` (r:1 w:1), `Historical::HistoricalSessions` (w:1)
	fn prune_step() -> Weight {
		let k = <T as crate::Config>::MaxPruneKeysPerBlock::get() as u64;
		Weight::from_parts(20_000_000, 3_000)
			.saturating_add(Weight::from_parts(3_000_000, 0).saturating_mul(3 * k))
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().writes(6_u64))
			.saturating_add(T::DbWeight::get().writes(3 * k))
	}
	/// Storage: `PoaiStaking::Params` (r:1), `PoaiStaking::ActiveSession` (r:1),
	/// `PoaiStaking::Exposures` (r:1), `PoaiStaking::Points` (r:1 w:1)
	fn note_points() -> Weight {
		Weight::from_parts(15_000_000, 8_000)
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
}

// For backwards compatibility and tests.
impl WeightInfo for () {
	fn bond() -> Weight {
		Weight::from_parts(60_000_000, 4_800)
			.saturating_add(RocksDbWeight::get().reads(3_u64))
			.saturating_add(RocksDbWeight::get().writes(3_u64))
	}
	fn bond_extra() -> Weight {
		Weight::from_parts(100_000_000, 60_000)
			.saturating_add(RocksDbWeight::get().reads(36_u64))
			.saturating_add(RocksDbWeight::get().writes(36_u64))
	}
	fn unbond() -> Weight {
		Weight::from_parts(80_000_000, 60_000)
			.saturating_add(RocksDbWeight::get().reads(38_u64))
			.saturating_add(RocksDbWeight::get().writes(34_u64))
	}
	fn rebond() -> Weight {
		Weight::from_parts(75_000_000, 60_000)
			.saturating_add(RocksDbWeight::get().reads(34_u64))
			.saturating_add(RocksDbWeight::get().writes(34_u64))
	}
	fn withdraw_unbonded() -> Weight {
		Weight::from_parts(75_000_000, 6_000)
			.saturating_add(RocksDbWeight::get().reads(8_u64))
			.saturating_add(RocksDbWeight::get().writes(8_u64))
	}
	fn validate() -> Weight {
		Weight::from_parts(55_000_000, 14_000)
			.saturating_add(RocksDbWeight::get().reads(6_u64))
			.saturating_add(RocksDbWeight::get().writes(2_u64))
	}
	fn set_worker_key() -> Weight {
		Weight::from_parts(90_000_000, 4_000)
			.saturating_add(RocksDbWeight::get().reads(3_u64))
			.saturating_add(RocksDbWeight::get().writes(3_u64))
	}
	fn chill() -> Weight {
		Weight::from_parts(75_000_000, 60_000)
			.saturating_add(RocksDbWeight::get().reads(36_u64))
			.saturating_add(RocksDbWeight::get().writes(35_u64))
	}
	fn nominate(n: u32, ) -> Weight {
		Weight::from_parts(80_000_000, 60_000)
			.saturating_add(Weight::from_parts(4_000_000, 12_000).saturating_mul(n.into()))
			.saturating_add(RocksDbWeight::get().reads(37_u64))
			.saturating_add(RocksDbWeight::get().reads((3_u64).saturating_mul(n.into())))
			.saturating_add(RocksDbWeight::get().writes(33_u64))
			.saturating_add(RocksDbWeight::get().writes((2_u64).saturating_mul(n.into())))
	}
	fn set_payee() -> Weight {
		Weight::from_parts(25_000_000, 1_500)
			.saturating_add(RocksDbWeight::get().reads(1_u64))
			.saturating_add(RocksDbWeight::get().writes(1_u64))
	}
	fn set_params() -> Weight {
		Weight::from_parts(15_000_000, 0)
			.saturating_add(RocksDbWeight::get().writes(1_u64))
	}
	fn payout_stakers(n: u32, ) -> Weight {
		Weight::from_parts(50_000_000, 20_000)
			.saturating_add(Weight::from_parts(110_000_000, 60_000).saturating_mul((n as u64).saturating_add(1)))
			.saturating_add(RocksDbWeight::get().reads(4_u64))
			.saturating_add(RocksDbWeight::get().writes(1_u64))
			.saturating_add(RocksDbWeight::get().reads((37_u64).saturating_mul((n as u64).saturating_add(1))))
			.saturating_add(RocksDbWeight::get().writes((36_u64).saturating_mul((n as u64).saturating_add(1))))
	}
	fn on_offence(n: u32, ) -> Weight {
		Weight::from_parts(60_000_000, 20_000)
			.saturating_add(Weight::from_parts(110_000_000, 60_000).saturating_mul((n as u64).saturating_add(1)))
			.saturating_add(RocksDbWeight::get().reads(9_u64))
			.saturating_add(RocksDbWeight::get().writes(3_u64))
			.saturating_add(RocksDbWeight::get().reads((37_u64).saturating_mul((n as u64).saturating_add(1))))
			.saturating_add(RocksDbWeight::get().writes((36_u64).saturating_mul((n as u64).saturating_add(1))))
	}
	fn elect(c: u32, ) -> Weight {
		Weight::from_parts(40_000_000, 3_000)
			.saturating_add(Weight::from_parts(15_000_000, 3_000).saturating_mul(c.into()))
			.saturating_add(RocksDbWeight::get().reads(302_u64))
			.saturating_add(RocksDbWeight::get().reads((3_u64).saturating_mul(c.into())))
			.saturating_add(RocksDbWeight::get().writes(101_u64))
	}
	fn end_session(v: u32, ) -> Weight {
		Weight::from_parts(20_000_000, 4_000)
			.saturating_add(Weight::from_parts(3_000_000, 0).saturating_mul(v.into()))
			.saturating_add(RocksDbWeight::get().reads(3_u64))
			.saturating_add(RocksDbWeight::get().writes(1_u64))
			.saturating_add(RocksDbWeight::get().writes(v.into()))
	}
	fn prune_step() -> Weight {
		Weight::from_parts(600_000_000, 3_000)
			.saturating_add(RocksDbWeight::get().reads(2_u64))
			.saturating_add(RocksDbWeight::get().writes(198_u64))
	}
	fn note_points() -> Weight {
		Weight::from_parts(15_000_000, 8_000)
			.saturating_add(RocksDbWeight::get().reads(4_u64))
			.saturating_add(RocksDbWeight::get().writes(1_u64))
	}
}
