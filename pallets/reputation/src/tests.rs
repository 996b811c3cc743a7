//! Tests of the reputation pallet.
//!
//! The expected values are exact: they follow the integer arithmetic of the pallet (`α`, `β` in
//! units of 10⁻¹⁸, decay `λ·x` rounded down, reputation `⌊10⁹·(α + 1)/(α + β + 2)⌋` parts per
//! billion), worked out by hand in the comments.

use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok, traits::Hooks};
use poai_primitives::traits::RoundOutcome::{self, Failed, Missed, Passed};
use sp_runtime::{traits::Bounded, DispatchError};

/// 1 in the units of `FixedU128`.
const ONE: u128 = 1_000_000_000_000_000_000;
/// 90%: the threshold of the recovery tests.
const NINETY: Perbill = Perbill::from_percent(90);

fn fixed(inner: u128) -> FixedU128 {
	FixedU128::from_inner(inner)
}

fn reputation(who: u64) -> Perbill {
	<Reputation as ReputationProvider<u64>>::reputation(&who)
}

fn record(who: u64, outcome: RoundOutcome) {
	<Reputation as ReputationRecorder<u64>>::record(&who, outcome)
}

/// Records `outcomes` in order and returns the reputation after each.
fn record_all(who: u64, outcomes: impl IntoIterator<Item = RoundOutcome>) -> Vec<u32> {
	outcomes
		.into_iter()
		.map(|outcome| {
			record(who, outcome);
			reputation(who).deconstruct()
		})
		.collect()
}

fn evidence(who: u64) -> (u128, u128) {
	let record = Reputations::<Test>::get(who).expect("the worker has a record");
	(record.alpha.into_inner(), record.beta.into_inner())
}

fn params(decay_percent: u32, failure_weight: u32, miss_percent: u32) -> ReputationParams {
	ReputationParams {
		decay: Perbill::from_percent(decay_percent),
		failure_weight: FixedU128::from_u32(failure_weight),
		miss_weight: Perbill::from_percent(miss_percent),
	}
}

fn set(params: ReputationParams) {
	assert_ok!(Reputation::set_params(RuntimeOrigin::root(), params));
}

fn repeat(outcome: RoundOutcome, n: usize) -> impl Iterator<Item = RoundOutcome> {
	core::iter::repeat_n(outcome, n)
}

#[test]
fn a_new_worker_is_neutral() {
	new_test_ext().execute_with(|| {
		assert_eq!(reputation(1), Perbill::from_percent(50));
		assert_eq!(reputation(1), NEUTRAL);
		assert_eq!(Reputation::reputation_of(&1), NEUTRAL);
		assert_eq!(reputation(1), <() as ReputationProvider<u64>>::reputation(&1));
		assert_eq!(Reputation::summary(&1), None);
		assert!(!Reputations::<Test>::contains_key(1));
		// No evidence is neutral too.
		assert_eq!(beta_reputation(FixedU128::zero(), FixedU128::zero()), NEUTRAL);
		assert_eq!(ReputationRecord::new(1u64).reputation(), NEUTRAL);
		// Reading creates nothing and emits nothing.
		assert!(!Reputations::<Test>::contains_key(1));
		assert!(System::events().is_empty());
	});
}

#[test]
fn defaults_come_from_the_config() {
	new_test_ext().execute_with(|| {
		assert_eq!(Params::<Test>::get(), ReputationParams::DEFAULT);
		assert_eq!(ReputationParams::default(), ReputationParams::DEFAULT);
		assert_eq!(ReputationParams::DEFAULT, params(95, 1, 50));
		assert!(ReputationParams::DEFAULT.validate::<Test>().is_ok());
		<Reputation as Hooks<u64>>::integrity_test();
		assert_ok!(Reputation::do_try_state());
	});
}

#[test]
fn one_outcome_from_neutral() {
	new_test_ext().execute_with(|| {
		// Pass: α = 1, β = 0 → 2/3.
		record(1, Passed);
		assert_eq!(evidence(1), (ONE, 0));
		assert_eq!(reputation(1), Perbill::from_parts(666_666_666));
		// Failure: α = 0, β = 1 → 1/3.
		record(2, Failed);
		assert_eq!(evidence(2), (0, ONE));
		assert_eq!(reputation(2), Perbill::from_parts(333_333_333));
		// Miss: α = 0, β = ½ → 1/2.5 = 40%.
		record(3, Missed);
		assert_eq!(evidence(3), (0, ONE / 2));
		assert_eq!(reputation(3), Perbill::from_percent(40));

		assert!(reputation(1) > NEUTRAL);
		assert!(reputation(2) < reputation(3) && reputation(3) < NEUTRAL);

		let record = Reputations::<Test>::get(1).unwrap();
		assert_eq!((record.passes, record.failures, record.misses), (1, 0, 0));
		let record = Reputations::<Test>::get(2).unwrap();
		assert_eq!((record.passes, record.failures, record.misses), (0, 1, 0));
		let record = Reputations::<Test>::get(3).unwrap();
		assert_eq!((record.passes, record.failures, record.misses), (0, 0, 1));
	});
}

#[test]
fn passes_raise_failures_and_misses_lower_and_misses_weigh_less() {
	new_test_ext().execute_with(|| {
		// β after k failures: 1, 1.95, 2.8525, 3.709875, 4.52438125 → 1/(β + 2).
		assert_eq!(
			record_all(1, repeat(Failed, 5)),
			[333_333_333, 253_164_556, 206_079_340, 175_135_182, 153_271_239]
		);
		// β after k misses: half of the above → 1/(β + 2).
		assert_eq!(
			record_all(2, repeat(Missed, 5)),
			[400_000_000, 336_134_453, 291_864_283, 259_407_577, 234_621_134]
		);
		// α after k passes: 1, 1.95, 2.8525, … → (α + 1)/(α + 2), strictly increasing.
		let passes = record_all(3, repeat(Passed, 5));
		assert_eq!(passes[..3], [666_666_666, 746_835_443, 793_920_659]);
		assert!(passes.windows(2).all(|w| w[0] < w[1]));
		assert_eq!(evidence(1).1, 4_524_381_250_000_000_000);
		assert_eq!(evidence(2).1, 4_524_381_250_000_000_000 / 2);
		assert_eq!(evidence(3).0, 4_524_381_250_000_000_000);
	});
}

#[test]
fn exact_values_of_a_mixed_history() {
	new_test_ext().execute_with(|| {
		// λ = 95%, failure 1, miss ½.
		record(1, Passed);
		// α = 1, β = 0: 2/3.
		assert_eq!(evidence(1), (ONE, 0));
		assert_eq!(reputation(1).deconstruct(), 666_666_666);
		record(1, Passed);
		// α = 0.95 + 1 = 1.95: 2.95/3.95 = 0.746835443…
		assert_eq!(evidence(1), (1_950_000_000_000_000_000, 0));
		assert_eq!(reputation(1).deconstruct(), 746_835_443);
		record(1, Failed);
		// α = 1.8525, β = 1: 2.8525/4.8525 = 0.587841318…
		assert_eq!(evidence(1), (1_852_500_000_000_000_000, ONE));
		assert_eq!(reputation(1).deconstruct(), 587_841_318);
		record(1, Missed);
		// α = 1.759875, β = 0.95 + 0.5 = 1.45: 2.759875/5.209875 = 0.529739197…
		assert_eq!(evidence(1), (1_759_875_000_000_000_000, 1_450_000_000_000_000_000));
		assert_eq!(reputation(1).deconstruct(), 529_739_197);
	});
}

#[test]
fn decay_makes_old_failures_fade() {
	new_test_ext().execute_with(|| {
		// Five failures: β = (1 − 0.95⁵)/0.05 = 4.52438125. Then n passes:
		// α = 20·(1 − 0.95ⁿ), β = 4.52438125·0.95ⁿ, and the reputation reaches 90% when
		// α > 9β + 8, i.e. 0.95ⁿ < 12/60.72: n = 32.
		record_all(1, repeat(Failed, 5));
		let recovery = record_all(1, repeat(Passed, 32));
		assert_eq!(recovery[30], 897_977_615);
		assert_eq!(recovery[31], 901_252_217);
		assert!(recovery[..31].iter().all(|&parts| parts < NINETY.deconstruct()));
		assert_eq!(evidence(1), (16_125_770_310_829_976_910, 876_424_608_193_709_019));

		// Without decay the same failures never fade: (n + 1)/(n + 7) reaches 90% at n = 53.
		set(params(100, 1, 50));
		record_all(2, repeat(Failed, 5));
		let recovery = record_all(2, repeat(Passed, 53));
		assert_eq!(recovery[51], 898_305_084); // 53/59
		assert_eq!(recovery[52], 900_000_000); // 54/60
		assert_eq!(evidence(2), (53 * ONE, 5 * ONE));
	});
}

#[test]
fn with_decay_one_old_failure_is_forgotten() {
	// Worker 1 failed once, then passed `n` times; worker 2 passed `n + 1` times.
	let gap = |decay_percent: u32, n: usize| {
		new_test_ext().execute_with(|| {
			set(params(decay_percent, 1, 50));
			record(1, Failed);
			record_all(1, repeat(Passed, n));
			record_all(2, repeat(Passed, n + 1));
			assert!(reputation(1) < reputation(2));
			(reputation(1).deconstruct(), reputation(2).deconstruct())
		})
	};
	// λ = 95%: the gap shrinks like 0.95ⁿ.
	assert_eq!(gap(95, 10), (849_516_451, 905_873_477));
	assert_eq!(gap(95, 200), (954_542_485, 954_544_078));
	// λ = 100%: (n + 1)/(n + 3) against (n + 2)/(n + 3); the gap shrinks like 1/n only.
	assert_eq!(gap(100, 10), (846_153_846, 923_076_923));
	assert_eq!(gap(100, 200), (990_147_783, 995_073_891));
}

#[test]
fn recent_behaviour_weighs_more_than_old() {
	new_test_ext().execute_with(|| {
		// Same counts, opposite order.
		record_all(1, repeat(Failed, 3).chain(repeat(Passed, 10)));
		record_all(2, repeat(Passed, 10).chain(repeat(Failed, 3)));
		assert_eq!(reputation(1).deconstruct(), 769_209_871);
		assert_eq!(reputation(2).deconstruct(), 671_657_034);
	});
}

#[test]
fn always_passing_tends_to_the_ceiling_and_never_exceeds_it() {
	new_test_ext().execute_with(|| {
		// (2 − λ)/(3 − 2λ) = 1.05/1.1 for λ = 95%.
		let ceiling = ReputationParams::DEFAULT.max_reputation();
		assert_eq!(ceiling.deconstruct(), 954_545_454);
		assert_eq!(params(100, 1, 50).max_reputation(), Perbill::one());
		assert_eq!(params(50, 1, 50).max_reputation(), Perbill::from_percent(75));

		let history = record_all(1, repeat(Passed, 10_000));
		assert!(history.windows(2).all(|w| w[0] <= w[1]));
		assert!(history.iter().all(|&parts| parts <= ceiling.deconstruct()));
		assert_eq!(reputation(1), ceiling);
		// α tends to 1/(1 − λ) = 20 from below (the decay rounds down).
		assert_eq!(evidence(1), (19_999_999_999_999_999_981, 0));
		assert_eq!(Reputations::<Test>::get(1).unwrap().passes, 10_000);
	});
}

#[test]
fn thousands_of_updates_stay_bounded() {
	new_test_ext().execute_with(|| {
		// A fixed pseudo-random history (a linear congruential generator).
		let mut state = 12_345u64;
		let outcomes: Vec<_> = (0..3_000)
			.map(|_| {
				state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
				match state >> 62 {
					0 | 1 => Passed,
					2 => Failed,
					_ => Missed,
				}
			})
			.collect();
		let ceiling = ReputationParams::DEFAULT.max_reputation().deconstruct();
		// An always-failing worker tends to 1/(1/(1 − λ) + 2) = 1/22.
		let floor = Perbill::from_rational(1u32, 22).deconstruct();
		for outcome in outcomes.iter().copied() {
			record(1, outcome);
			let (alpha, beta) = evidence(1);
			// α < 1/(1 − λ), β < failure weight/(1 − λ).
			assert!(alpha < 20 * ONE && beta < 20 * ONE);
			let parts = reputation(1).deconstruct();
			assert!(floor <= parts && parts <= ceiling);
		}
		let counted = Reputations::<Test>::get(1).unwrap();
		let count = |o: RoundOutcome| outcomes.iter().filter(|&&x| x == o).count() as u32;
		assert_eq!(
			(counted.passes, counted.failures, counted.misses),
			(count(Passed), count(Failed), count(Missed))
		);
		assert_eq!(counted.passes + counted.failures + counted.misses, 3_000);

		// Without decay and with the heaviest failures, the evidence just grows.
		set(params(100, MAX_FAILURE_WEIGHT, 50));
		for i in 0..6_000 {
			record(2, [Passed, Failed, Missed][i % 3]);
		}
		assert_eq!(evidence(2), (2_000 * ONE, 2_000 * (100 * ONE + ONE / 2)));
		// 2001/(2000 + 201_000 + 2).
		assert_eq!(reputation(2), Perbill::from_rational(2_001u64, 203_002));
	});
}

#[test]
fn counters_saturate_instead_of_overflowing() {
	new_test_ext().execute_with(|| {
		let full = ReputationRecord {
			alpha: FixedU128::max_value(),
			beta: FixedU128::max_value(),
			passes: u32::MAX,
			failures: u32::MAX,
			misses: u32::MAX,
			last_updated: 1,
		};
		for decay in [100, 95] {
			set(params(decay, MAX_FAILURE_WEIGHT, 100));
			for outcome in [Passed, Failed, Missed] {
				Reputations::<Test>::insert(1, full.clone());
				record(1, outcome);
				let record = Reputations::<Test>::get(1).unwrap();
				assert_eq!(
					(record.passes, record.failures, record.misses),
					(u32::MAX, u32::MAX, u32::MAX)
				);
				assert!(reputation(1) <= Perbill::one());
			}
		}
		// The ratio of the largest evidence is computed without overflow.
		assert_eq!(beta_reputation(FixedU128::max_value(), FixedU128::zero()), Perbill::one());
		assert_eq!(beta_reputation(FixedU128::zero(), FixedU128::max_value()), Perbill::zero());
		assert_eq!(
			beta_reputation(fixed(u128::MAX / 4), fixed(u128::MAX / 4)),
			Perbill::from_percent(50)
		);
	});
}

#[test]
fn alternating_passes_and_failures_stay_below_always_passing() {
	new_test_ext().execute_with(|| {
		for round in 0..200 {
			record(1, Passed);
			record(2, if round % 2 == 0 { Passed } else { Failed });
			// Missing every other round is not worse than failing every other round, and
			// not better than always passing.
			record(3, if round % 2 == 0 { Passed } else { Missed });
			assert!(reputation(2) <= reputation(3));
			assert!(reputation(3) < reputation(1) || round == 0);
			assert!(reputation(2) < reputation(1) || round == 0);
		}
		// Steady state after a failure: α = λ/(1 − λ²), β = 1/(1 − λ²) → below one half.
		assert!(reputation(2) < NEUTRAL);
		// 200 passes: within 0.001% of the ceiling.
		assert_eq!(reputation(1).deconstruct(), 954_544_006);
		assert_eq!(reputation(2).deconstruct(), 488_345_025);
		assert_eq!(reputation(3).deconstruct(), 636_777_547);

		// Heavier failures make the cheater's position worse still.
		set(params(95, 3, 50));
		for round in 0..200 {
			record(4, if round % 2 == 0 { Passed } else { Failed });
		}
		assert_eq!(reputation(4).deconstruct(), 252_714_521);
	});
}

#[test]
fn cheating_once_in_ten_rounds_does_not_pay() {
	let cheat = |failure_weight: u32| {
		new_test_ext().execute_with(|| {
			set(params(95, failure_weight, 50));
			for round in 0..300 {
				record(1, Passed);
				record(2, if round % 10 == 9 { Failed } else { Passed });
			}
			assert!(reputation(2) < reputation(1));
			reputation(2)
		})
	};
	assert!(cheat(3) < cheat(1));
	assert!(cheat(1) < Perbill::from_percent(90));
}

#[test]
fn params_apply_to_later_outcomes_only() {
	new_test_ext().execute_with(|| {
		record(1, Failed);
		assert_eq!(evidence(1), (0, ONE));
		set(params(50, 2, 0));
		// The evidence is not recomputed.
		assert_eq!(evidence(1), (0, ONE));
		assert_eq!(reputation(1).deconstruct(), 333_333_333);
		// β = 0.5 · 1 + 2 = 2.5: 1/4.5.
		record(1, Failed);
		assert_eq!(evidence(1), (0, 2_500_000_000_000_000_000));
		assert_eq!(reputation(1).deconstruct(), 222_222_222);
		// A miss of weight 0 only decays: β = 1.25.
		record(1, Missed);
		assert_eq!(evidence(1), (0, 1_250_000_000_000_000_000));
		assert_eq!(Reputations::<Test>::get(1).unwrap().misses, 1);
	});
}

#[test]
fn set_params_is_root_only() {
	new_test_ext().execute_with(|| {
		let new = params(90, 2, 25);
		assert_noop!(
			Reputation::set_params(RuntimeOrigin::signed(1), new),
			DispatchError::BadOrigin
		);
		assert_noop!(Reputation::set_params(RuntimeOrigin::none(), new), DispatchError::BadOrigin);
		assert_eq!(Params::<Test>::get(), ReputationParams::DEFAULT);

		assert_ok!(Reputation::set_params(RuntimeOrigin::root(), new));
		assert_eq!(Params::<Test>::get(), new);
		System::assert_last_event(Event::ParamsSet { params: new }.into());
	});
}

#[test]
fn invalid_params_are_rejected() {
	new_test_ext().execute_with(|| {
		let root = || RuntimeOrigin::root();
		assert_noop!(Reputation::set_params(root(), params(0, 1, 50)), Error::<Test>::ZeroDecay);
		let below_one =
			ReputationParams { failure_weight: fixed(ONE - 1), ..ReputationParams::DEFAULT };
		assert_noop!(
			Reputation::set_params(root(), below_one),
			Error::<Test>::FailureWeightBelowOne
		);
		assert_noop!(
			Reputation::set_params(root(), params(95, 0, 50)),
			Error::<Test>::FailureWeightBelowOne
		);
		let too_high = ReputationParams {
			failure_weight: fixed(MAX_FAILURE_WEIGHT as u128 * ONE + 1),
			..ReputationParams::DEFAULT
		};
		assert_noop!(Reputation::set_params(root(), too_high), Error::<Test>::FailureWeightTooHigh);
		assert_eq!(Params::<Test>::get(), ReputationParams::DEFAULT);

		// The bounds themselves are valid.
		for valid in [
			params(100, 1, 0),
			params(100, MAX_FAILURE_WEIGHT, 100),
			ReputationParams { decay: Perbill::from_parts(1), ..ReputationParams::DEFAULT },
		] {
			assert_ok!(Reputation::set_params(root(), valid));
			assert_eq!(Params::<Test>::get(), valid);
		}

		// A `Perbill` above 100% cannot be decoded from a call, but a genesis config can hold
		// one.
		let json = |decay: u32, miss: u32| {
			format!(r#"{{"decay":{decay},"failureWeight":"{ONE}","missWeight":{miss}}}"#)
		};
		let decoded: ReputationParams =
			serde_json::from_str(&json(950_000_000, 500_000_000)).expect("valid JSON params");
		assert_eq!(decoded, ReputationParams::DEFAULT);
		let decoded: ReputationParams =
			serde_json::from_str(&json(1_000_000_001, 0)).expect("valid JSON");
		assert!(matches!(decoded.validate::<Test>(), Err(Error::<Test>::DecayAboveOne)));
		let decoded: ReputationParams =
			serde_json::from_str(&json(950_000_000, 1_000_000_001)).expect("valid JSON");
		assert!(matches!(decoded.validate::<Test>(), Err(Error::<Test>::MissWeightAboveOne)));
		// And SCALE refuses it.
		let encoded = codec::Encode::encode(&(1_000_000_001u32, fixed(ONE), 0u32));
		assert!(<ReputationParams as codec::Decode>::decode(&mut &encoded[..]).is_err());
	});
}

#[test]
fn outcomes_emit_events() {
	new_test_ext().execute_with(|| {
		record(7, Passed);
		System::assert_last_event(
			Event::OutcomeRecorded {
				who: 7,
				outcome: Passed,
				reputation: Perbill::from_parts(666_666_666),
			}
			.into(),
		);
		record(7, Failed);
		System::assert_last_event(
			Event::OutcomeRecorded {
				who: 7,
				outcome: Failed,
				// α = 0.95, β = 1: 1.95/3.95.
				reputation: Perbill::from_parts(493_670_886),
			}
			.into(),
		);
		record(8, Missed);
		System::assert_last_event(
			Event::OutcomeRecorded {
				who: 8,
				outcome: Missed,
				reputation: Perbill::from_percent(40),
			}
			.into(),
		);
		assert_eq!(System::events().len(), 3);
	});
}

#[test]
fn summary_for_the_runtime_api() {
	new_test_ext().execute_with(|| {
		assert_eq!(Reputation::summary(&1), None);
		System::set_block_number(5);
		record_all(1, [Passed, Passed, Failed]);
		System::set_block_number(9);
		record(1, Missed);
		assert_eq!(
			Reputation::summary(&1),
			Some(ReputationSummary {
				reputation: Perbill::from_parts(529_739_197),
				alpha: fixed(1_759_875_000_000_000_000),
				beta: fixed(1_450_000_000_000_000_000),
				passes: 2,
				failures: 1,
				misses: 1,
				last_updated: 9,
			})
		);
		assert_eq!(Reputation::summary(&1).unwrap().reputation, reputation(1));
		assert_eq!(Reputation::summary(&2), None);
	});
}

#[test]
fn genesis_sets_the_params() {
	let genesis = params(90, 4, 20);
	ext_with(GenesisConfig { params: Some(genesis), ..Default::default() }).execute_with(|| {
		assert_eq!(Params::<Test>::get(), genesis);
		// A failure weighs 4: β = 4 → 1/6.
		record(1, Failed);
		assert_eq!(reputation(1).deconstruct(), 166_666_666);
	});
}

#[test]
#[should_panic(expected = "invalid reputation params in the genesis config: ZeroDecay")]
fn genesis_rejects_invalid_params() {
	ext_with(GenesisConfig { params: Some(params(0, 1, 50)), ..Default::default() });
}

#[test]
fn a_stash_leaving_staking_is_forgotten() {
	new_test_ext().execute_with(|| {
		record_all(1, [Passed, Failed]);
		record(2, Passed);
		<Reputation as sp_staking::OnStakingUpdate<u64, u128>>::on_unstake(&1);
		assert_eq!(Reputation::summary(&1), None);
		assert_eq!(reputation(1), Perbill::from_percent(50), "a new stash is neutral");
		assert!(Reputation::summary(&2).is_some(), "others keep their records");
	});
}
