//! Benchmarks of the staking pallet (`frame_benchmarking::v2`), worst cases: nominators with
//! `MaxNominations` targets whose backer lists are full, stashes leaving staking entirely,
//! payouts and slashes touching `n` compounding backers.

use super::*;
use crate::Pallet as Staking;
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::{
	pallet_prelude::*,
	traits::fungible::{Inspect, Mutate},
	BoundedVec,
};
use frame_system::RawOrigin;
use poai_primitives::TierId;
use sp_runtime::{Perbill, Saturating};
use sp_staking::offence::{OffenceDetails, OnOffenceHandler};

const SEED: u32 = 0;

/// The smallest unit the benchmarks count in: the existential deposit (at least 1).
fn unit<T: Config>() -> BalanceOf<T> {
	T::Currency::minimum_balance().max(1u32.into())
}

fn units<T: Config>(n: u32) -> BalanceOf<T> {
	unit::<T>().saturating_mul(n.into())
}

/// Known parameters: every candidate qualifies, bonds of 10 units suffice.
fn set_bench_params<T: Config>() {
	Params::<T>::put(StakingParams {
		max_validators: T::MaxValidators::get(),
		min_validators: 1,
		min_validator_bond: units::<T>(10),
		min_nominator_bond: units::<T>(10),
		min_reputation: Perbill::zero(),
		reward_per_session: units::<T>(1_000),
		authoring_points: 20,
		fraud_slash_threshold: Perbill::from_percent(50),
	});
}

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, SEED);
	T::Currency::set_balance(&who, units::<T>(1_000_000));
	who
}

fn bonded<T: Config>(name: &'static str, index: u32, value: u32) -> T::AccountId {
	let who = funded::<T>(name, index);
	assert!(Staking::<T>::bond(RawOrigin::Signed(who.clone()).into(), units::<T>(value)).is_ok());
	who
}

fn candidate<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who = bonded::<T>(name, index, 1_000);
	assert!(Staking::<T>::validate(
		RawOrigin::Signed(who.clone()).into(),
		Perbill::from_percent(10),
		TierId(1),
	)
	.is_ok());
	T::BenchmarkHelper::register_session_keys(&who);
	who
}

/// Gives `target` `count` backers that exist only in its backer list (they are scanned, never
/// touched).
fn fill_backers<T: Config>(target: &T::AccountId, count: u32) {
	let backers: Vec<Backer<T>> = (0..count)
		.map(|i| Backer { who: account("filler", i, SEED), value: unit::<T>() })
		.collect();
	let nominated = units::<T>(count);
	Backers::<T>::insert(target, BackersOf::<T>::try_from(backers).expect("count within bound"));
	Candidates::<T>::mutate(target, |c| {
		if let Some(c) = c {
			c.nominated = nominated;
		}
	});
}

/// `count` candidates named `name`, each with all but one backer slot taken.
fn full_candidates<T: Config>(
	name: &'static str,
	count: u32,
) -> BoundedVec<T::AccountId, T::MaxNominations> {
	let targets: Vec<T::AccountId> = (0..count)
		.map(|i| {
			let who = candidate::<T>(name, i);
			fill_backers::<T>(&who, T::MaxBackersPerCandidate::get().saturating_sub(1));
			who
		})
		.collect();
	targets.try_into().expect("count within MaxNominations")
}

/// A nominator backing `MaxNominations` candidates, each with a full backer list in which the
/// nominator comes last.
fn worst_nominator<T: Config>() -> T::AccountId {
	set_bench_params::<T>();
	let targets = full_candidates::<T>("target", T::MaxNominations::get());
	let nominator = bonded::<T>("nominator", 0, 1_000);
	assert!(Staking::<T>::nominate(RawOrigin::Signed(nominator.clone()).into(), targets).is_ok());
	nominator
}

/// A validator elected for session 0 with `n` backers, each compounding and nominating
/// `MaxNominations` candidates; its reward for session 0 is due.
fn rewarded_validator<T: Config>(n: u32) -> T::AccountId {
	set_bench_params::<T>();
	let targets: BoundedVec<T::AccountId, T::MaxNominations> = (0..T::MaxNominations::get())
		.map(|i| candidate::<T>("validator", i))
		.collect::<Vec<_>>()
		.try_into()
		.expect("MaxNominations targets");
	let validator = targets[0].clone();
	for i in 0..n {
		let backer = bonded::<T>("backer", i, 1_000);
		assert!(Staking::<T>::nominate(RawOrigin::Signed(backer).into(), targets.clone()).is_ok());
	}
	ActiveSession::<T>::put(0);
	Staking::<T>::snapshot(0, &[validator.clone()]);
	Staking::<T>::add_points(&validator, 100);
	Staking::<T>::end_session_rewards(0);
	ActiveSession::<T>::put(1);
	validator
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn bond() {
		let caller = funded::<T>("caller", 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), units::<T>(100));
		assert_eq!(Ledger::<T>::get(&caller).map(|l| l.active), Some(units::<T>(100)));
	}

	#[benchmark]
	fn bond_extra() {
		let nominator = worst_nominator::<T>();
		#[extrinsic_call]
		_(RawOrigin::Signed(nominator.clone()), units::<T>(10));
		assert_eq!(Ledger::<T>::get(&nominator).map(|l| l.active), Some(units::<T>(1_010)));
	}

	#[benchmark]
	fn unbond() {
		let nominator = worst_nominator::<T>();
		#[extrinsic_call]
		_(RawOrigin::Signed(nominator.clone()), units::<T>(10));
		assert_eq!(Ledger::<T>::get(&nominator).map(|l| l.active), Some(units::<T>(990)));
	}

	#[benchmark]
	fn rebond() {
		let nominator = worst_nominator::<T>();
		assert!(Staking::<T>::unbond(RawOrigin::Signed(nominator.clone()).into(), units::<T>(20))
			.is_ok());
		#[extrinsic_call]
		_(RawOrigin::Signed(nominator.clone()), units::<T>(20));
		assert_eq!(Ledger::<T>::get(&nominator).map(|l| l.active), Some(units::<T>(1_000)));
	}

	#[benchmark]
	fn withdraw_unbonded() {
		set_bench_params::<T>();
		let chunks = T::MaxUnlockingChunks::get();
		let stash = bonded::<T>("stash", 0, chunks * 10);
		for i in 0..chunks {
			ActiveSession::<T>::put(i);
			assert!(Staking::<T>::unbond(RawOrigin::Signed(stash.clone()).into(), units::<T>(10))
				.is_ok());
		}
		ActiveSession::<T>::put(chunks + T::BondingDuration::get());
		#[extrinsic_call]
		_(RawOrigin::Signed(stash.clone()));
		assert!(Ledger::<T>::get(&stash).is_none());
	}

	#[benchmark]
	fn validate() {
		set_bench_params::<T>();
		let stash = bonded::<T>("stash", 0, 1_000);
		let backers: Vec<Backer<T>> = (0..T::MaxBackersPerCandidate::get())
			.map(|i| Backer { who: account("filler", i, SEED), value: unit::<T>() })
			.collect();
		Backers::<T>::insert(&stash, BackersOf::<T>::try_from(backers).expect("within bound"));
		#[extrinsic_call]
		_(RawOrigin::Signed(stash.clone()), Perbill::from_percent(5), TierId(1));
		assert_eq!(
			Candidates::<T>::get(&stash).map(|c| c.nominated),
			Some(units::<T>(T::MaxBackersPerCandidate::get()))
		);
	}

	#[benchmark]
	fn chill() {
		let nominator = worst_nominator::<T>();
		#[extrinsic_call]
		_(RawOrigin::Signed(nominator.clone()));
		assert!(Nominators::<T>::get(&nominator).is_none());
	}

	#[benchmark]
	fn nominate(n: Linear<1, { T::MaxNominations::get() }>) {
		// Replaces `MaxNominations` old targets with `n` new ones, all with full backer lists.
		let nominator = worst_nominator::<T>();
		let new_targets = full_candidates::<T>("new", n);
		#[extrinsic_call]
		_(RawOrigin::Signed(nominator.clone()), new_targets.clone());
		assert_eq!(Nominators::<T>::get(&nominator), Some(new_targets));
	}

	#[benchmark]
	fn set_payee() {
		let stash = bonded::<T>("stash", 0, 100);
		let payee = RewardDestination::Account(account("payee", 0, SEED));
		#[extrinsic_call]
		_(RawOrigin::Signed(stash.clone()), payee.clone());
		assert_eq!(Ledger::<T>::get(&stash).map(|l| l.payee), Some(payee));
	}

	#[benchmark]
	fn set_params() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let params = StakingParams {
			max_validators: T::MaxValidators::get(),
			min_validators: 1,
			min_validator_bond: units::<T>(10),
			min_nominator_bond: units::<T>(1),
			min_reputation: Perbill::from_percent(10),
			reward_per_session: units::<T>(100),
			authoring_points: 20,
			fraud_slash_threshold: Perbill::from_percent(40),
		};
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, params.clone());
		assert_eq!(Params::<T>::get(), params);
		Ok(())
	}

	#[benchmark]
	fn payout_stakers(n: Linear<0, { T::MaxBackersPerCandidate::get() }>) {
		let validator = rewarded_validator::<T>(n);
		let caller = funded::<T>("caller", 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(caller), 0, validator.clone());
		assert_eq!(Payouts::<T>::get(0, &validator).map(|p| p.paid), Some(true));
	}

	#[benchmark]
	fn on_offence(n: Linear<0, { T::MaxBackersPerCandidate::get() }>) {
		let validator = rewarded_validator::<T>(n);
		// It validates in the running session too, so it is also disabled.
		Staking::<T>::snapshot(1, &[validator.clone()]);
		let before = Ledger::<T>::get(&validator).map(|l| l.active).unwrap_or_default();
		let details = OffenceDetails { offender: (validator.clone(), ()), reporters: vec![] };
		#[block]
		{
			let _ = <Staking<T> as OnOffenceHandler<T::AccountId, (T::AccountId, ()), Weight>>::on_offence(
				&[details],
				&[Perbill::from_percent(10)],
				0,
			);
		}
		let after = Ledger::<T>::get(&validator).map(|l| l.active).unwrap_or_default();
		assert!(after < before);
	}

	#[benchmark]
	fn elect(c: Linear<1, { T::MaxCandidates::get() }>) {
		set_bench_params::<T>();
		// `c` counts all candidates, including those a runtime's genesis already has.
		let existing = Candidates::<T>::count();
		let electable_before = Staking::<T>::elect(1).map_or(0, |v| v.len() as u32);
		let added = c.saturating_sub(existing);
		for i in 0..added {
			candidate::<T>("candidate", i);
		}
		let elected;
		#[block]
		{
			elected = Staking::<T>::elect(1);
		}
		let max = Params::<T>::get().max_validators;
		assert_eq!(elected.map(|v| v.len() as u32), Some((electable_before + added).min(max)));
	}

	#[benchmark]
	fn end_session(v: Linear<0, { T::MaxValidators::get() }>) {
		set_bench_params::<T>();
		let validators: Vec<T::AccountId> = (0..v).map(|i| account("validator", i, SEED)).collect();
		ActiveSession::<T>::put(0);
		Staking::<T>::snapshot(0, &validators);
		for validator in &validators {
			Staking::<T>::add_points(validator, 20);
		}
		#[block]
		{
			Staking::<T>::end_session_rewards(0);
		}
		assert_eq!(Payouts::<T>::iter_prefix(0).count() as u32, v);
	}

	#[benchmark]
	fn prune_step() {
		let keys = T::MaxPruneKeysPerBlock::get();
		// A session no genesis has touched, so that exactly `keys` keys of each map are pruned.
		let session: sp_staking::SessionIndex = 1_000;
		for i in 0..keys {
			let who: T::AccountId = account("validator", i, SEED);
			Exposures::<T>::insert(
				session,
				&who,
				Exposure::<T> {
					own: unit::<T>(),
					total: unit::<T>(),
					commission: Perbill::zero(),
					others: Default::default(),
				},
			);
			Payouts::<T>::insert(session, &who, Payout { amount: unit::<T>(), paid: false });
			SlashedFractions::<T>::insert(session, &who, Perbill::from_percent(1));
		}
		Points::<T>::insert(session, SessionPoints::<T>::default());
		Pruning::<T>::put(PruneState { expired_before: session + 1, next_to_prune: session });
		#[block]
		{
			Staking::<T>::prune_step();
		}
		assert_eq!(Pruning::<T>::get().next_to_prune, session + 1);
		assert_eq!(Exposures::<T>::iter_prefix(session).count(), 0);
	}

	#[benchmark]
	fn note_points() {
		set_bench_params::<T>();
		let validator: T::AccountId = account("validator", 0, SEED);
		ActiveSession::<T>::put(0);
		Staking::<T>::snapshot(0, &[validator.clone()]);
		Staking::<T>::add_points(&validator, 20);
		#[block]
		{
			Staking::<T>::add_points(&validator, 20);
		}
		assert_eq!(Points::<T>::get(0).total, 40);
	}

	impl_benchmark_test_suite!(
		Staking,
		crate::mock::ExtBuilder::default().stakers(vec![]).build(),
		crate::mock::Test
	);
}
