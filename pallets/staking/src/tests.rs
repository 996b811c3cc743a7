//! Tests of the staking pallet against the mock runtime.

use crate::{
	mock::*, Backer, Backers, CandidateExposures, Candidates, Error, Event, Exposures, Ledger,
	Nominators, Params, Payout, Payouts, Points, Pruning, RewardDestination, SessionValidators,
	SlashedFractions, StakingParams, UnlockChunk, WorkerKeyProvider,
};
use frame_support::{assert_noop, assert_ok, BoundedVec};
use pallet_session::SessionManager;
use poai_primitives::{traits::WorkPointsRecorder, TierId};
use sp_runtime::{DispatchError, Perbill};
use sp_staking::offence::{OffenceDetails, OnOffenceHandler};

fn signed(who: AccountId) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

fn targets(list: &[AccountId]) -> BoundedVec<AccountId, MaxNominations> {
	list.to_vec().try_into().expect("at most MaxNominations")
}

fn bond_and_nominate(who: AccountId, value: Balance, to: &[AccountId]) {
	assert_ok!(Staking::bond(signed(who), value));
	assert_ok!(Staking::nominate(signed(who), targets(to)));
}

fn backer_value(candidate: AccountId, backer: AccountId) -> Option<Balance> {
	Backers::<Test>::get(candidate).into_iter().find(|b| b.who == backer).map(|b| b.value)
}

fn nominated(candidate: AccountId) -> Balance {
	Candidates::<Test>::get(candidate).expect("a candidate").nominated
}

fn active(who: AccountId) -> Balance {
	Ledger::<Test>::get(who).map(|l| l.active).unwrap_or_default()
}

fn offence(offender: AccountId, percent: u32, session: u32) {
	let details = OffenceDetails { offender: (offender, ()), reporters: vec![] };
	let _ = <Staking as OnOffenceHandler<AccountId, (AccountId, ()), _>>::on_offence(
		&[details],
		&[Perbill::from_percent(percent)],
		session,
	);
}

fn note_author(who: AccountId) {
	<Staking as pallet_authorship::EventHandler<AccountId, u64>>::note_author(who);
}

fn note_work(who: AccountId, points: u32) {
	<Staking as WorkPointsRecorder<AccountId>>::note_work(&who, points);
}

fn set_params(f: impl FnOnce(&mut StakingParams<Balance>)) {
	let mut params = Params::<Test>::get();
	f(&mut params);
	assert_ok!(Staking::set_params(RuntimeOrigin::root(), params));
}

fn validators(session: u32) -> Vec<AccountId> {
	SessionValidators::<Test>::get(session).map(|v| v.into_inner()).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Genesis
// ---------------------------------------------------------------------------------------------

#[test]
fn genesis_stakers_are_candidates_and_initial_validators() {
	ExtBuilder::default().build_and_execute(|| {
		for (who, bond) in [(10, 1_000), (20, 2_000), (30, 3_000)] {
			let ledger = Ledger::<Test>::get(who).unwrap();
			assert_eq!((ledger.active, ledger.total), (bond, bond));
			assert_eq!(held(who), bond);
			assert_eq!(free(who), ENDOWMENT - bond);
			assert_eq!(Candidates::<Test>::get(who).unwrap().self_bond, bond);
		}
		assert_eq!(Staking::tier(&10), Some(TierId(1)));
		assert_eq!(Staking::tier(&20), Some(TierId(0)));
		assert_eq!(Candidates::<Test>::count(), 3);
		// Elected by stake × (neutral) reputation.
		assert_eq!(validators(0), vec![30, 20, 10]);
		assert_eq!(validators(1), vec![30, 20, 10]);
		assert_eq!(Params::<Test>::get(), default_params());
		assert!(Staking::is_active_validator(&10));
		assert!(!Staking::is_active_validator(&1));
		let exposure = Exposures::<Test>::get(0, 20).unwrap();
		assert_eq!((exposure.own, exposure.total, exposure.others.len()), (2_000, 2_000, 0));
	});
}

#[test]
#[should_panic(expected = "invalid staking params at genesis")]
fn genesis_rejects_invalid_params() {
	let mut params = default_params();
	params.min_validators = 0;
	ExtBuilder::default().params(params).build();
}

#[test]
#[should_panic(expected = "cannot hold its bond")]
fn genesis_rejects_unfunded_staker() {
	ExtBuilder::default().stakers(vec![(500, 1_000, TierId(0), None)]).build();
}

#[test]
fn genesis_config_from_chain_spec_json() {
	// How a chain spec (or a genesis preset) writes the pallet's genesis.
	let json = serde_json::json!({
		"stakers": [[10, 1_000, 1], [20, 2_000, 0]],
		"params": {
			"maxValidators": 3,
			"minValidators": 1,
			"minValidatorBond": 500,
			"minNominatorBond": 100,
			"minReputation": 200_000_000,
			"rewardPerSession": 1_000,
			"authoringPoints": 20,
			"fraudSlashThreshold": 500_000_000
		}
	});
	let config: crate::GenesisConfig<Test> = serde_json::from_value(json).unwrap();
	assert_eq!(config.stakers[0], (10, 1_000, TierId(1)));
	assert_eq!(config.stakers[1], (20, 2_000, TierId(0)));
	assert_eq!(config.params, default_params());
	let unknown_field = serde_json::json!({ "stakers": [], "params": { "maxValidator": 3 } });
	assert!(serde_json::from_value::<crate::GenesisConfig<Test>>(unknown_field).is_err());
}

// ---------------------------------------------------------------------------------------------
// Bonding
// ---------------------------------------------------------------------------------------------

#[test]
fn bond_holds_funds() {
	ExtBuilder::default().build_and_execute(|| {
		let issuance = total_issuance();
		assert_ok!(Staking::bond(signed(1), 500));
		assert_eq!(held(1), 500);
		assert_eq!(free(1), ENDOWMENT - 500);
		let ledger = Ledger::<Test>::get(1).unwrap();
		assert_eq!((ledger.active, ledger.total), (500, 500));
		assert!(ledger.unlocking.is_empty());
		assert_eq!(ledger.payee, RewardDestination::Stash);
		assert_eq!(total_issuance(), issuance);
		assert_eq!(staking_events(), vec![Event::Bonded { stash: 1, amount: 500 }]);
	});
}

#[test]
fn bond_errors() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(Staking::bond(RuntimeOrigin::none(), 500), DispatchError::BadOrigin);
		assert_noop!(Staking::bond(signed(10), 500), Error::<Test>::AlreadyBonded);
		assert_noop!(Staking::bond(signed(1), 0), Error::<Test>::ZeroAmount);
		assert_noop!(Staking::bond(signed(1), ED - 1), Error::<Test>::BondBelowMinimum);
		// More than the free balance, or all of it (the existential deposit must stay free).
		assert_noop!(Staking::bond(signed(1), ENDOWMENT + 1), Error::<Test>::InsufficientBalance);
		assert_noop!(Staking::bond(signed(1), ENDOWMENT), Error::<Test>::InsufficientBalance);
		// An account that doesn't exist has nothing to bond.
		assert_noop!(Staking::bond(signed(77), 100), Error::<Test>::InsufficientBalance);
		assert_ok!(Staking::bond(signed(1), ENDOWMENT - ED));
		assert_eq!(free(1), ED);
	});
}

#[test]
fn bond_extra_adds_up_to_the_free_balance() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(Staking::bond_extra(signed(1), 100), Error::<Test>::NotBonded);
		assert_ok!(Staking::bond(signed(1), 5_000));
		assert_noop!(Staking::bond_extra(signed(1), 0), Error::<Test>::ZeroAmount);
		assert_ok!(Staking::bond_extra(signed(1), 100));
		assert_eq!(active(1), 5_100);
		// Asking for more than is free bonds what is free, keeping the existential deposit.
		assert_ok!(Staking::bond_extra(signed(1), 1_000_000));
		assert_eq!(active(1), ENDOWMENT - ED);
		assert_eq!(held(1), ENDOWMENT - ED);
		assert_noop!(Staking::bond_extra(signed(1), 1), Error::<Test>::InsufficientBalance);
		assert_eq!(
			staking_events(),
			vec![
				Event::Bonded { stash: 1, amount: 5_000 },
				Event::Bonded { stash: 1, amount: 100 },
				Event::Bonded { stash: 1, amount: 4_890 },
			]
		);
	});
}

#[test]
fn bond_extra_updates_candidate_self_bond() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Staking::bond_extra(signed(10), 500));
		assert_eq!(Candidates::<Test>::get(10).unwrap().self_bond, 1_500);
	});
}

#[test]
fn unbond_starts_unlocking() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Staking::bond(signed(1), 1_000));
		assert_ok!(Staking::unbond(signed(1), 300));
		let ledger = Ledger::<Test>::get(1).unwrap();
		assert_eq!((ledger.active, ledger.total), (700, 1_000));
		assert_eq!(ledger.unlocking.into_inner(), vec![UnlockChunk { value: 300, session: 3 }]);
		// Still held until withdrawn.
		assert_eq!(held(1), 1_000);
		// A second unbond in the same session joins the same chunk.
		assert_ok!(Staking::unbond(signed(1), 100));
		let ledger = Ledger::<Test>::get(1).unwrap();
		assert_eq!(ledger.unlocking.into_inner(), vec![UnlockChunk { value: 400, session: 3 }]);
		assert!(staking_events().contains(&Event::Unbonded {
			stash: 1,
			amount: 300,
			unlock_at: 3
		}));
	});
}

#[test]
fn unbond_errors() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(Staking::unbond(signed(1), 100), Error::<Test>::NotBonded);
		assert_ok!(Staking::bond(signed(1), 1_000));
		assert_noop!(Staking::unbond(signed(1), 0), Error::<Test>::ZeroAmount);
		// Over-unbonding.
		assert_noop!(Staking::unbond(signed(1), 1_001), Error::<Test>::NotEnoughActive);
		assert_ok!(Staking::unbond(signed(1), 400));
		assert_noop!(Staking::unbond(signed(1), 601), Error::<Test>::NotEnoughActive);

		// A candidate cannot go below min_validator_bond (500), nor unbond everything.
		assert_noop!(Staking::unbond(signed(10), 501), Error::<Test>::WouldFallBelowMinimumBond);
		assert_noop!(Staking::unbond(signed(10), 1_000), Error::<Test>::WouldFallBelowMinimumBond);
		assert_ok!(Staking::unbond(signed(10), 500));
		assert_eq!(Candidates::<Test>::get(10).unwrap().self_bond, 500);

		// Nor a nominator below min_nominator_bond (100).
		bond_and_nominate(2, 300, &[20]);
		assert_noop!(Staking::unbond(signed(2), 201), Error::<Test>::WouldFallBelowMinimumBond);
		assert_noop!(Staking::unbond(signed(2), 300), Error::<Test>::WouldFallBelowMinimumBond);
		assert_ok!(Staking::unbond(signed(2), 200));
		assert_eq!(backer_value(20, 2), Some(100));
		// After chilling, everything can go.
		assert_ok!(Staking::chill(signed(2)));
		assert_ok!(Staking::unbond(signed(2), 100));
		assert_eq!(active(2), 0);
	});
}

#[test]
fn unbond_leaving_dust_unbonds_everything() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Staking::bond(signed(1), 1_000));
		assert_ok!(Staking::unbond(signed(1), 995));
		let ledger = Ledger::<Test>::get(1).unwrap();
		assert_eq!(ledger.active, 0);
		assert_eq!(ledger.unlocking.into_inner(), vec![UnlockChunk { value: 1_000, session: 3 }]);
	});
}

#[test]
fn unlocking_chunks_are_bounded() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Staking::bond(signed(1), 1_000));
		for _ in 0..3 {
			assert_ok!(Staking::unbond(signed(1), 10));
			advance_session();
		}
		// Session 3: the first chunk unlocked but is still in the ledger.
		assert_eq!(Ledger::<Test>::get(1).unwrap().unlocking.len(), 3);
		assert_noop!(Staking::unbond(signed(1), 10), Error::<Test>::TooManyUnlockingChunks);
		assert_ok!(Staking::withdraw_unbonded(signed(1)));
		assert_ok!(Staking::unbond(signed(1), 10));
		assert_eq!(Ledger::<Test>::get(1).unwrap().unlocking.len(), 3);
	});
}

#[test]
fn withdraw_only_after_bonding_duration() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Staking::bond(signed(1), 1_000));
		assert_ok!(Staking::unbond(signed(1), 400));
		// Unbonded in session 0: withdrawable from session 0 + BondingDuration (3) on.
		assert_noop!(Staking::withdraw_unbonded(signed(1)), Error::<Test>::NothingToWithdraw);
		advance_to_session(2);
		assert_noop!(Staking::withdraw_unbonded(signed(1)), Error::<Test>::NothingToWithdraw);
		advance_to_session(3);
		assert_ok!(Staking::withdraw_unbonded(signed(1)));
		assert_eq!(held(1), 600);
		assert_eq!(free(1), ENDOWMENT - 600);
		let ledger = Ledger::<Test>::get(1).unwrap();
		assert_eq!((ledger.active, ledger.total), (600, 600));
		assert!(ledger.unlocking.is_empty());
		assert!(staking_events().contains(&Event::Withdrawn { stash: 1, amount: 400 }));
		assert_noop!(Staking::withdraw_unbonded(signed(1)), Error::<Test>::NothingToWithdraw);
		assert_noop!(Staking::withdraw_unbonded(signed(2)), Error::<Test>::NotBonded);
	});
}

#[test]
fn withdrawing_everything_removes_the_stash() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Staking::bond(signed(1), 1_000));
		assert_ok!(Staking::unbond(signed(1), 1_000));
		advance_to_session(3);
		assert_ok!(Staking::withdraw_unbonded(signed(1)));
		assert_eq!(Ledger::<Test>::get(1), None);
		assert_eq!(held(1), 0);
		assert_eq!(free(1), ENDOWMENT);
		assert!(staking_events().contains(&Event::StashRemoved { stash: 1 }));
		assert_eq!(unstaked(), vec![1], "the pallets keeping records of the stash are told");
	});
}

#[test]
fn rebond_takes_newest_chunks_first() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(Staking::rebond(signed(1), 100), Error::<Test>::NotBonded);
		assert_ok!(Staking::bond(signed(1), 1_000));
		assert_noop!(Staking::rebond(signed(1), 0), Error::<Test>::ZeroAmount);
		assert_noop!(Staking::rebond(signed(1), 100), Error::<Test>::NothingToRebond);
		assert_ok!(Staking::unbond(signed(1), 300));
		advance_session();
		assert_ok!(Staking::unbond(signed(1), 200));
		assert_ok!(Staking::rebond(signed(1), 250));
		let ledger = Ledger::<Test>::get(1).unwrap();
		assert_eq!(ledger.active, 750);
		assert_eq!(ledger.unlocking.into_inner(), vec![UnlockChunk { value: 250, session: 3 }]);
		// Asking for more rebonds what is unlocking.
		assert_ok!(Staking::rebond(signed(1), 10_000));
		let ledger = Ledger::<Test>::get(1).unwrap();
		assert_eq!((ledger.active, ledger.total), (1_000, 1_000));
		assert!(ledger.unlocking.is_empty());
		assert_noop!(Staking::rebond(signed(1), 1), Error::<Test>::NothingToRebond);
		let rebonded: Vec<_> =
			staking_events().into_iter().filter(|e| matches!(e, Event::Rebonded { .. })).collect();
		assert_eq!(
			rebonded,
			vec![
				Event::Rebonded { stash: 1, amount: 250 },
				Event::Rebonded { stash: 1, amount: 250 }
			]
		);
	});
}

#[test]
fn rebond_updates_nomination_shares() {
	ExtBuilder::default().build_and_execute(|| {
		bond_and_nominate(1, 1_000, &[10, 20]);
		assert_ok!(Staking::unbond(signed(1), 400));
		assert_eq!((backer_value(10, 1), backer_value(20, 1)), (Some(300), Some(300)));
		assert_ok!(Staking::rebond(signed(1), 401));
		assert_eq!((backer_value(10, 1), backer_value(20, 1)), (Some(500), Some(500)));
		assert_eq!((nominated(10), nominated(20)), (500, 500));
	});
}

// ---------------------------------------------------------------------------------------------
// Candidates, worker keys, chill
// ---------------------------------------------------------------------------------------------

#[test]
fn validate_registers_and_updates_a_candidate() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Staking::bond(signed(1), 600));
		assert_ok!(Staking::validate(signed(1), Perbill::from_percent(10), TierId(1)));
		let candidate = Candidates::<Test>::get(1).unwrap();
		assert_eq!(candidate.commission, Perbill::from_percent(10));
		assert_eq!(candidate.tier, TierId(1));
		assert_eq!((candidate.self_bond, candidate.nominated), (600, 0));
		assert_eq!(Candidates::<Test>::count(), 4);
		assert_ok!(Staking::validate(signed(1), Perbill::from_percent(5), TierId(0)));
		assert_eq!(Candidates::<Test>::count(), 4);
		assert_eq!(Staking::tier(&1), Some(TierId(0)));
		assert_eq!(
			staking_events().last(),
			Some(&Event::Validating {
				stash: 1,
				commission: Perbill::from_percent(5),
				tier: TierId(0)
			})
		);
	});
}

#[test]
fn validate_errors() {
	ExtBuilder::default().build_and_execute(|| {
		let v = |who| Staking::validate(signed(who), Perbill::zero(), TierId(0));
		assert_noop!(v(1), Error::<Test>::NotBonded);
		assert_ok!(Staking::bond(signed(1), 499));
		assert_noop!(v(1), Error::<Test>::InsufficientSelfBond);
		bond_and_nominate(2, 600, &[10]);
		assert_noop!(v(2), Error::<Test>::AlreadyNominating);
		// MaxCandidates is 8: 3 at genesis + 5 more.
		for who in 3..8 {
			assert_ok!(Staking::bond(signed(who), 500));
			assert_ok!(v(who));
		}
		assert_ok!(Staking::bond(signed(8), 500));
		assert_noop!(v(8), Error::<Test>::TooManyCandidates);
	});
}

#[test]
fn a_candidate_can_only_declare_a_registered_tier() {
	ExtBuilder::default().build_and_execute(|| {
		// The mock registers the three reference tiers: ids 0, 1 and 2.
		assert_ok!(Staking::bond(signed(1), 500));
		assert_noop!(
			Staking::validate(signed(1), Perbill::zero(), TierId(3)),
			Error::<Test>::UnknownTier
		);
		assert!(Candidates::<Test>::get(1).is_none());
		assert_ok!(Staking::validate(signed(1), Perbill::zero(), TierId(2)));
		assert_eq!(Staking::tier(&1), Some(TierId(2)));
		// An existing candidate cannot move to an unknown tier either; its declaration stays.
		assert_noop!(
			Staking::validate(signed(1), Perbill::zero(), TierId(200)),
			Error::<Test>::UnknownTier
		);
		assert_eq!(Staking::tier(&1), Some(TierId(2)));
	});
}

#[test]
fn revalidating_restores_the_backing() {
	ExtBuilder::default().build_and_execute(|| {
		bond_and_nominate(1, 400, &[10]);
		assert_ok!(Staking::chill(signed(10)));
		assert!(Candidates::<Test>::get(10).is_none());
		// The nomination stays and follows the nominator's bond while the candidate is away.
		assert_ok!(Staking::bond_extra(signed(1), 100));
		assert_eq!(backer_value(10, 1), Some(500));
		assert_ok!(Staking::validate(signed(10), Perbill::zero(), TierId(1)));
		assert_eq!(nominated(10), 500);
	});
}

#[test]
fn chill_errors() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(Staking::chill(signed(1)), Error::<Test>::NotBonded);
		assert_ok!(Staking::bond(signed(1), 100));
		assert_noop!(Staking::chill(signed(1)), Error::<Test>::NothingToChill);
	});
}

#[test]
fn chilled_candidate_leaves_after_the_planned_session() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Staking::chill(signed(10)));
		assert_eq!(staking_events(), vec![Event::Chilled { stash: 10 }]);
		assert_eq!(Candidates::<Test>::count(), 2);
		// Session 1 was planned already; the election for session 2 leaves 10 out.
		assert_eq!(advance_session(), Some(vec![30, 20]));
		assert_eq!(validators(1), vec![30, 20, 10]);
		assert_eq!(validators(2), vec![30, 20]);
	});
}

// ---------------------------------------------------------------------------------------------
// Nominations
// ---------------------------------------------------------------------------------------------

#[test]
fn nominate_splits_the_bond_equally_remainder_to_the_first() {
	ExtBuilder::default().build_and_execute(|| {
		bond_and_nominate(100, 1_000, &[20, 10, 30]);
		assert_eq!(backer_value(20, 100), Some(334));
		assert_eq!(backer_value(10, 100), Some(333));
		assert_eq!(backer_value(30, 100), Some(333));
		assert_eq!((nominated(10), nominated(20), nominated(30)), (333, 334, 333));
		assert_eq!(Nominators::<Test>::get(100).unwrap().into_inner(), vec![20, 10, 30]);
		assert_eq!(
			staking_events().last(),
			Some(&Event::Nominated { nominator: 100, targets: targets(&[20, 10, 30]) })
		);
		// The split follows the bond.
		assert_ok!(Staking::bond_extra(signed(100), 2));
		assert_eq!((nominated(10), nominated(20), nominated(30)), (334, 334, 334));
		assert_ok!(Staking::unbond(signed(100), 500));
		assert_eq!((nominated(10), nominated(20), nominated(30)), (167, 168, 167));
		// Nominating again replaces the targets.
		assert_ok!(Staking::nominate(signed(100), targets(&[30])));
		assert_eq!((nominated(10), nominated(20), nominated(30)), (0, 0, 502));
		assert!(Backers::<Test>::get(10).is_empty());
		assert!(!Backers::<Test>::contains_key(10));
		// Chilling removes them.
		assert_ok!(Staking::chill(signed(100)));
		assert_eq!(nominated(30), 0);
		assert_eq!(Nominators::<Test>::get(100), None);
	});
}

#[test]
fn nominate_errors() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(Staking::nominate(signed(1), targets(&[10])), Error::<Test>::NotBonded);
		assert_noop!(Staking::nominate(signed(10), targets(&[20])), Error::<Test>::IsCandidate);
		assert_ok!(Staking::bond(signed(1), 50));
		assert_noop!(Staking::nominate(signed(1), targets(&[])), Error::<Test>::EmptyTargets);
		assert_noop!(
			Staking::nominate(signed(1), targets(&[10])),
			Error::<Test>::InsufficientNominatorBond
		);
		assert_ok!(Staking::bond_extra(signed(1), 50));
		assert_noop!(
			Staking::nominate(signed(1), targets(&[10, 10])),
			Error::<Test>::DuplicateTarget
		);
		// Not candidates: a plain account, a bonded non-candidate, oneself.
		assert_noop!(Staking::nominate(signed(1), targets(&[10, 2])), Error::<Test>::NotACandidate);
		assert_ok!(Staking::bond(signed(2), 100));
		assert_noop!(Staking::nominate(signed(1), targets(&[2])), Error::<Test>::NotACandidate);
		assert_noop!(Staking::nominate(signed(1), targets(&[1])), Error::<Test>::NotACandidate);
		// More than MaxNominations targets cannot even be encoded.
		assert!(BoundedVec::<AccountId, MaxNominations>::try_from(vec![10, 20, 30, 40]).is_err());
		// MaxBackersPerCandidate is 4.
		for who in 100..104 {
			bond_and_nominate(who, 100, &[10]);
		}
		assert_noop!(
			Staking::nominate(signed(1), targets(&[20, 10])),
			Error::<Test>::CandidateFull
		);
		// A current backer may nominate the full candidate again.
		assert_ok!(Staking::nominate(signed(100), targets(&[20, 10])));
	});
}

#[test]
fn nominations_count_in_the_election() {
	ExtBuilder::default().build_and_execute(|| {
		set_params(|p| p.max_validators = 1);
		bond_and_nominate(100, 5_000, &[10]);
		assert_eq!(advance_session(), Some(vec![10]));
		let exposure = Exposures::<Test>::get(2, 10).unwrap();
		assert_eq!(exposure.own, 1_000);
		assert_eq!(exposure.total, 6_000);
		assert_eq!(exposure.others.into_inner(), vec![Backer { who: 100, value: 5_000 }]);
	});
}

// ---------------------------------------------------------------------------------------------
// Parameters and payee
// ---------------------------------------------------------------------------------------------

#[test]
fn set_params_is_admin_only_and_validated() {
	ExtBuilder::default().build_and_execute(|| {
		let mut params = default_params();
		params.reward_per_session = 5;
		assert_noop!(Staking::set_params(signed(1), params.clone()), DispatchError::BadOrigin);
		assert_ok!(Staking::set_params(RuntimeOrigin::root(), params.clone()));
		assert_eq!(Params::<Test>::get(), params);
		assert_eq!(staking_events(), vec![Event::ParamsSet { params: params.clone() }]);
		for bad in [
			StakingParams { min_validators: 0, ..params.clone() },
			StakingParams { min_validators: 4, max_validators: 3, ..params.clone() },
			StakingParams { max_validators: 11, ..params.clone() },
		] {
			assert_noop!(
				Staking::set_params(RuntimeOrigin::root(), bad),
				Error::<Test>::InvalidParams
			);
		}
	});
}

#[test]
fn set_payee_works() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Staking::set_payee(signed(1), RewardDestination::Free),
			Error::<Test>::NotBonded
		);
		assert_ok!(Staking::set_payee(signed(10), RewardDestination::Account(555)));
		assert_eq!(Ledger::<Test>::get(10).unwrap().payee, RewardDestination::Account(555));
		assert_eq!(
			staking_events(),
			vec![Event::PayeeSet { stash: 10, payee: RewardDestination::Account(555) }]
		);
	});
}

// ---------------------------------------------------------------------------------------------
// Election
// ---------------------------------------------------------------------------------------------

#[test]
fn election_orders_by_stake_times_reputation() {
	ExtBuilder::default().build_and_execute(|| {
		// Scores: 10 → 1000 × 90% = 900, 20 → 2000 × 50% = 1000, 30 → 3000 × 25% = 750.
		set_reputation(10, 90);
		set_reputation(30, 25);
		// What the runtime API shows beforehand is what the election picks.
		assert_eq!(Staking::ranked_candidates(), vec![(20, 1000), (10, 900), (30, 750)]);
		assert_eq!(advance_session(), Some(vec![20, 10, 30]));
		set_params(|p| p.max_validators = 2);
		assert_eq!(advance_session(), Some(vec![20, 10]));
		assert!(staking_events().contains(&Event::ValidatorsElected {
			session: 3,
			validators: vec![20, 10].try_into().unwrap()
		}));
		set_params(|p| p.max_validators = 1);
		// The candidate with the most stake is not elected: its reputation is too low.
		assert_eq!(advance_session(), Some(vec![20]));
	});
}

#[test]
fn candidate_below_min_reputation_is_not_elected_despite_the_most_stake() {
	ExtBuilder::default().build_and_execute(|| {
		set_reputation(30, 19);
		assert_eq!(advance_session(), Some(vec![20, 10]));
		// At the minimum it qualifies, and ranks by 3000 × 20% = 600.
		set_reputation(30, 20);
		assert_eq!(advance_session(), Some(vec![20, 30, 10]));
	});
}

#[test]
fn election_filters_self_bond_and_session_keys() {
	ExtBuilder::default().build_and_execute(|| {
		set_params(|p| p.min_validator_bond = 1_500);
		assert_eq!(advance_session(), Some(vec![30, 20]));
		set_params(|p| p.min_validator_bond = 500);
		set_registered(20, false);
		assert_eq!(advance_session(), Some(vec![30, 10]));
		set_registered(20, true);
		// A new candidate with keys and a bond joins.
		assert_ok!(Staking::bond(signed(1), 2_500));
		assert_ok!(Staking::validate(signed(1), Perbill::zero(), TierId(0)));
		assert_eq!(advance_session(), Some(vec![30, 1, 20]));
	});
}

#[test]
fn too_few_qualified_keeps_the_current_set() {
	ExtBuilder::default().build_and_execute(|| {
		set_params(|p| p.min_validators = 3);
		set_registered(10, false);
		assert_eq!(advance_session(), None);
		assert_eq!(
			staking_events().last(),
			Some(&Event::ElectionSkipped { session: 2, qualified: 2, required: 3 })
		);
		// Session 2 keeps the validators of session 1, with fresh exposures.
		assert_eq!(validators(2), vec![30, 20, 10]);
		assert!(Exposures::<Test>::get(2, 10).is_some());
		set_registered(10, true);
		assert_eq!(advance_session(), Some(vec![30, 20, 10]));
	});
}

#[test]
fn kept_validator_that_chilled_keeps_its_commission() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Staking::validate(signed(10), Perbill::from_percent(7), TierId(1)));
		advance_session(); // plans session 2 with 7% for 10
		set_params(|p| p.min_validators = 3);
		assert_ok!(Staking::chill(signed(10)));
		assert_eq!(advance_session(), None);
		assert_eq!(Exposures::<Test>::get(3, 10).unwrap().commission, Perbill::from_percent(7));
	});
}

// ---------------------------------------------------------------------------------------------
// Points and rewards
// ---------------------------------------------------------------------------------------------

#[test]
fn authorship_and_work_points_only_for_validators() {
	ExtBuilder::default().build_and_execute(|| {
		note_author(10);
		note_author(10);
		note_work(20, 60);
		note_work(20, 0);
		// Not validators of session 0.
		note_author(1);
		note_work(2, 100);
		let points = Points::<Test>::get(0);
		assert_eq!(points.total, 100);
		assert_eq!(points.individual.get(&10), Some(&40));
		assert_eq!(points.individual.get(&20), Some(&60));
		assert_eq!(points.individual.get(&1), None);
		assert_eq!(points.individual.len(), 2);
	});
}

#[test]
fn rewards_split_by_points_commission_and_stake() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Staking::validate(signed(10), Perbill::from_percent(10), TierId(1)));
		bond_and_nominate(100, 3_000, &[10]);
		assert_ok!(Staking::set_payee(signed(100), RewardDestination::Free));
		advance_to_session(2);
		let exposure = Exposures::<Test>::get(2, 10).unwrap();
		assert_eq!((exposure.own, exposure.total), (1_000, 4_000));
		assert_eq!(exposure.commission, Perbill::from_percent(10));

		// Session 2: 10 authors three blocks (60 points), 20 does 20 points of work.
		for _ in 0..3 {
			note_author(10);
		}
		note_work(20, 20);
		assert_noop!(Staking::payout_stakers(signed(1), 2, 10), Error::<Test>::SessionNotEnded);
		advance_session();
		assert!(staking_events().contains(&Event::SessionRewarded {
			session: 2,
			total_points: 80,
			total_reward: 1_000
		}));
		// 1000 × 60/80 = 750 for 10, 250 for 20.
		assert_eq!(Payouts::<Test>::get(2, 10), Some(Payout { amount: 750, paid: false }));
		assert_eq!(Payouts::<Test>::get(2, 20), Some(Payout { amount: 250, paid: false }));
		assert_eq!(Payouts::<Test>::get(2, 30), None);

		let issuance = total_issuance();
		let free_100 = free(100);
		System::reset_events();
		assert_ok!(Staking::payout_stakers(signed(7), 2, 10));
		// Commission 75; the rest (675) by stake: 10 → 675 × 1000/4000 = 168, 100 → 506.
		assert_eq!(active(10), 1_000 + 75 + 168);
		assert_eq!(held(10), 1_243);
		assert_eq!(free(100), free_100 + 506);
		assert_eq!(active(100), 3_000);
		assert_eq!(total_issuance(), issuance + 75 + 168 + 506);
		assert_eq!(
			staking_events(),
			vec![
				Event::Rewarded {
					session: 2,
					stash: 10,
					dest: RewardDestination::Stash,
					amount: 243
				},
				Event::Rewarded {
					session: 2,
					stash: 100,
					dest: RewardDestination::Free,
					amount: 506
				},
			]
		);
		// Compounding raised 10's candidate record too.
		assert_eq!(Candidates::<Test>::get(10).unwrap().self_bond, 1_243);

		assert_ok!(Staking::payout_stakers(signed(7), 2, 20));
		assert_eq!(active(20), 2_250);

		// Once only.
		assert_noop!(Staking::payout_stakers(signed(7), 2, 10), Error::<Test>::AlreadyPaid);
		assert_noop!(Staking::payout_stakers(signed(7), 2, 20), Error::<Test>::AlreadyPaid);
		assert_noop!(Staking::payout_stakers(signed(7), 2, 30), Error::<Test>::NoReward);
		assert_noop!(Staking::payout_stakers(signed(7), 2, 1), Error::<Test>::NoReward);
		assert_noop!(
			Staking::payout_stakers(RuntimeOrigin::none(), 2, 10),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn a_compounding_nominator_shares_follow_its_reward() {
	ExtBuilder::default().build_and_execute(|| {
		bond_and_nominate(100, 1_000, &[10, 20]);
		advance_to_session(2);
		note_author(10);
		advance_session();
		// 1000 for 10: own 1000, 100's 500 behind 10 → 10 gets 666, 100 gets 333.
		assert_ok!(Staking::payout_stakers(signed(7), 2, 10));
		assert_eq!(active(10), 1_666);
		assert_eq!(active(100), 1_333);
		assert_eq!((backer_value(10, 100), backer_value(20, 100)), (Some(667), Some(666)));
	});
}

#[test]
fn session_without_points_pays_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		let issuance = total_issuance();
		advance_session();
		assert!(staking_events().contains(&Event::SessionRewarded {
			session: 0,
			total_points: 0,
			total_reward: 0
		}));
		assert_noop!(Staking::payout_stakers(signed(7), 0, 10), Error::<Test>::NoReward);
		assert_eq!(total_issuance(), issuance);
	});
}

#[test]
fn rewards_to_odd_payees() {
	ExtBuilder::default().build_and_execute(|| {
		// 10: to an account that doesn't exist yet; 20: to another staker (free, not bonded);
		// 30: to itself via Account (same as Free).
		assert_ok!(Staking::set_payee(signed(10), RewardDestination::Account(555)));
		assert_ok!(Staking::set_payee(signed(20), RewardDestination::Account(30)));
		assert_ok!(Staking::set_payee(signed(30), RewardDestination::Account(30)));
		note_author(10);
		note_author(20);
		note_author(30);
		advance_session();
		// 1000 / 3 each = 333.
		assert_ok!(Staking::payout_stakers(signed(7), 0, 10));
		assert_ok!(Staking::payout_stakers(signed(7), 0, 20));
		assert_ok!(Staking::payout_stakers(signed(7), 0, 30));
		assert_eq!(free(555), 333);
		assert_eq!(free(30), ENDOWMENT - 3_000 + 666);
		assert_eq!((active(10), active(20), active(30)), (1_000, 2_000, 3_000));
	});
}

#[test]
fn reward_below_existential_deposit_to_a_new_account_is_missed() {
	ExtBuilder::default().build_and_execute(|| {
		set_params(|p| p.reward_per_session = 5);
		assert_ok!(Staking::set_payee(signed(10), RewardDestination::Account(555)));
		note_author(10);
		advance_session();
		let issuance = total_issuance();
		assert_ok!(Staking::payout_stakers(signed(7), 0, 10));
		assert_eq!(free(555), 0);
		assert_eq!(total_issuance(), issuance);
		assert!(staking_events().contains(&Event::RewardMissed {
			session: 0,
			stash: 10,
			amount: 5
		}));
		assert_noop!(Staking::payout_stakers(signed(7), 0, 10), Error::<Test>::AlreadyPaid);
	});
}

#[test]
fn a_stash_that_left_is_paid_free() {
	ExtBuilder::default().build_and_execute(|| {
		bond_and_nominate(100, 1_000, &[10]);
		advance_to_session(2);
		assert_ok!(Staking::chill(signed(100)));
		assert_ok!(Staking::unbond(signed(100), 1_000));
		note_author(10);
		advance_to_session(5);
		assert_ok!(Staking::withdraw_unbonded(signed(100)));
		assert_eq!(Ledger::<Test>::get(100), None);
		assert_ok!(Staking::payout_stakers(signed(7), 2, 10));
		assert_eq!(free(100), ENDOWMENT + 500);
	});
}

#[test]
fn payouts_expire_and_history_is_pruned_in_steps() {
	let mut ext = ExtBuilder::default().build();
	ext.execute_with(|| {
		note_author(10);
		advance_to_session(4);
		// Sessions 0..=3 ended; HistoryDepth 4: all still claimable, nothing pruned.
		assert_eq!(Pruning::<Test>::get().expired_before, 0);
		assert!(Payouts::<Test>::get(0, 10).is_some());
	});
	// As on a chain, old sessions are in the database, not in this block's overlay (where
	// `clear_prefix` ignores its limit).
	ext.commit_all().unwrap();
	ext.execute_with(|| {
		advance_session();
		// Session 4 ended: session 0 expired. The block after the rotation deleted two of its
		// three exposures (MaxPruneKeysPerBlock = 2).
		assert_eq!(Pruning::<Test>::get().expired_before, 1);
		assert_noop!(Staking::payout_stakers(signed(7), 0, 10), Error::<Test>::PayoutExpired);
		assert_eq!(Exposures::<Test>::iter_prefix(0).count(), 1);
		assert_eq!(Payouts::<Test>::iter_prefix(0).count(), 0);
		assert!(SessionValidators::<Test>::get(0).is_some());
		assert_eq!(Pruning::<Test>::get().next_to_prune, 0);
	});
	ext.commit_all().unwrap();
	ext.execute_with(|| {
		next_block();
		assert_eq!(Exposures::<Test>::iter_prefix(0).count(), 0);
		assert!(SessionValidators::<Test>::get(0).is_none());
		assert!(!Points::<Test>::contains_key(0));
		assert_eq!(Pruning::<Test>::get().next_to_prune, 1);
		assert_eq!(history_pruned_up_to(), 1);
	});
	ext.commit_all().unwrap();
	ext.execute_with(|| {
		// Nothing more to prune until the next session ends.
		next_block();
		assert_eq!(Pruning::<Test>::get().next_to_prune, 1);
		assert_eq!(Exposures::<Test>::iter_prefix(1).count(), 3);
		// Session 1 is still claimable (no points there, though).
		assert_noop!(Staking::payout_stakers(signed(7), 1, 10), Error::<Test>::NoReward);
		Staking::do_try_state().unwrap();
	});
}

// ---------------------------------------------------------------------------------------------
// Slashing
// ---------------------------------------------------------------------------------------------

/// 100 backs 10 with 1000; sessions advance to 2, whose exposure of 10 is 1000 own + 1000.
fn slashing_setup() {
	bond_and_nominate(100, 1_000, &[10]);
	advance_to_session(2);
	let exposure = Exposures::<Test>::get(2, 10).unwrap();
	assert_eq!((exposure.own, exposure.total), (1_000, 2_000));
	System::reset_events();
}

#[test]
fn slash_reduces_validator_and_backers_pro_rata() {
	ExtBuilder::default().build_and_execute(|| {
		slashing_setup();
		let issuance = total_issuance();
		let treasury = free(TREASURY);
		offence(10, 10, 2);
		assert_eq!((active(10), held(10)), (900, 900));
		assert_eq!((active(100), held(100)), (900, 900));
		assert_eq!(free(TREASURY), treasury + 200);
		assert_eq!(total_issuance(), issuance);
		assert_eq!(nominated(10), 900);
		assert_eq!(Candidates::<Test>::get(10).unwrap().self_bond, 900);
		assert_eq!(SlashedFractions::<Test>::get(2, 10), Some(Perbill::from_percent(10)));
		assert_eq!(
			staking_events(),
			vec![
				Event::Slashed { stash: 10, amount: 100 },
				Event::Slashed { stash: 100, amount: 100 },
				Event::OffenceSlashed {
					validator: 10,
					session: 2,
					fraction: Perbill::from_percent(10)
				},
			]
		);
		// Disabled, but below the fraud threshold: still a candidate.
		assert_eq!(disabled(), vec![(10, Perbill::from_percent(10))]);
		assert!(Candidates::<Test>::contains_key(10));
	});
}

#[test]
fn repeated_reports_only_slash_the_difference() {
	ExtBuilder::default().build_and_execute(|| {
		slashing_setup();
		offence(10, 10, 2);
		offence(10, 10, 2);
		offence(10, 5, 2);
		assert_eq!((active(10), active(100)), (900, 900));
		offence(10, 20, 2);
		assert_eq!((active(10), active(100)), (800, 800));
		assert_eq!(free(TREASURY), ENDOWMENT + 400);
	});
}

#[test]
fn slash_reaches_unlocking_funds() {
	ExtBuilder::default().build_and_execute(|| {
		slashing_setup();
		// 100 leaves after the offence, before the report.
		assert_ok!(Staking::chill(signed(100)));
		assert_ok!(Staking::unbond(signed(100), 1_000));
		assert_ok!(Staking::unbond(signed(10), 300));
		offence(10, 40, 2);
		// 10: 400 due, 700 active → 300 active, chunk of 300 untouched.
		let ledger = Ledger::<Test>::get(10).unwrap();
		assert_eq!((ledger.active, ledger.total), (300, 600));
		// 100: 400 due from its 1000 unlocking.
		let ledger = Ledger::<Test>::get(100).unwrap();
		assert_eq!((ledger.active, ledger.total), (0, 600));
		assert_eq!(ledger.unlocking.into_inner(), vec![UnlockChunk { value: 600, session: 5 }]);
		assert_eq!(held(100), 600);
		// What is left can still be withdrawn.
		advance_to_session(5);
		assert_ok!(Staking::withdraw_unbonded(signed(100)));
		assert_eq!(free(100), ENDOWMENT - 400);
	});
}

#[test]
fn slash_everything_twice_cannot_underflow() {
	ExtBuilder::default().build_and_execute(|| {
		slashing_setup();
		offence(10, 100, 2);
		assert_eq!(held(10), 0);
		assert_eq!(held(100), 0);
		assert_eq!(Ledger::<Test>::get(10), None);
		assert_eq!(Ledger::<Test>::get(100), None);
		assert!(Candidates::<Test>::get(10).is_none());
		assert!(Backers::<Test>::get(10).is_empty());
		assert_eq!(free(TREASURY), ENDOWMENT + 2_000);
		let events = staking_events();
		assert!(events.contains(&Event::StashRemoved { stash: 10 }));
		assert!(events.contains(&Event::StashRemoved { stash: 100 }));
		assert_eq!(unstaked(), vec![10, 100]);
		// Again for the same session, and for the next one (10 was planned for session 3).
		offence(10, 100, 2);
		advance_session();
		assert!(Exposures::<Test>::get(3, 10).is_some());
		offence(10, 100, 3);
		assert_eq!(free(TREASURY), ENDOWMENT + 2_000);
		assert_eq!(free(10), ENDOWMENT - 1_000);
	});
}

#[test]
fn fraud_slash_chills_and_disables() {
	ExtBuilder::default().build_and_execute(|| {
		slashing_setup();
		offence(10, 50, 2);
		assert!(Candidates::<Test>::get(10).is_none());
		assert!(staking_events().contains(&Event::Chilled { stash: 10 }));
		assert_eq!(disabled(), vec![(10, Perbill::from_percent(50))]);
		assert_eq!((active(10), active(100)), (500, 500));
		// Out of the next election; its backer's nomination stays.
		assert_eq!(advance_session(), Some(vec![30, 20]));
		assert_eq!(backer_value(10, 100), Some(500));
		// A slashed stash can still unbond what is left.
		assert_ok!(Staking::unbond(signed(10), 500));
		advance_to_session(6);
		assert_ok!(Staking::withdraw_unbonded(signed(10)));
		assert_eq!(free(10), ENDOWMENT - 500);
	});
}

#[test]
fn offender_no_longer_validating_is_slashed_but_not_disabled() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Staking::chill(signed(10)));
		advance_to_session(3);
		assert_eq!(validators(3), vec![30, 20]);
		offence(10, 10, 1);
		assert_eq!(active(10), 900);
		assert!(disabled().is_empty());
	});
}

#[test]
fn offences_ignored_when_unknown_zero_or_too_old() {
	ExtBuilder::default().build_and_execute(|| {
		// Not a validator of that session.
		offence(1, 10, 0);
		assert_eq!(staking_events(), vec![Event::OffenceIgnored { validator: 1, session: 0 }]);
		// Zero fraction: nothing happens.
		System::reset_events();
		offence(10, 0, 0);
		assert!(staking_events().is_empty());
		assert!(disabled().is_empty());
		// Older than BondingDuration (3) sessions.
		advance_to_session(3);
		System::reset_events();
		offence(10, 10, 0);
		assert_eq!(staking_events(), vec![Event::OffenceIgnored { validator: 10, session: 0 }]);
		assert_eq!(active(10), 1_000);
		offence(10, 10, 1);
		assert_eq!(active(10), 900);
	});
}

#[test]
fn session_manager_traits_agree() {
	ExtBuilder::default().build_and_execute(|| {
		use pallet_session::historical::SessionManager as HistoricalSessionManager;
		let planned = <Staking as HistoricalSessionManager<AccountId, ()>>::new_session(2);
		assert_eq!(planned, Some(vec![(30, ()), (20, ()), (10, ())]));
		<Staking as HistoricalSessionManager<AccountId, ()>>::end_session(0);
		<Staking as HistoricalSessionManager<AccountId, ()>>::start_session(1);
		assert_eq!(active_session(), 1);
		assert_eq!(<Staking as SessionManager<AccountId>>::new_session(3), Some(vec![30, 20, 10]));
	});
}

#[test]
fn a_candidate_outside_the_validator_set_answers_with_its_own_bond() {
	ExtBuilder::default().build_and_execute(|| {
		// 1 runs PoAI challenges as a candidate but validates in no session yet.
		assert_ok!(Staking::bond(signed(1), 600));
		assert_ok!(Staking::validate(signed(1), Perbill::zero(), TierId(0)));
		set_worker_key(1, Some(key(101)));
		assert!(Exposures::<Test>::get(active_session(), 1).is_none());
		bond_and_nominate(100, 1_000, &[1]);
		Staking::snapshot_workers(active_session(), u32::MAX);
		System::reset_events();
		offence(1, 10, active_session());
		assert_eq!(active(1), 540, "its own bond is slashed");
		assert_eq!(active(100), 1_000, "its nominators did not back a validator");
		assert!(disabled().is_empty());
		assert!(staking_events().contains(&Event::OffenceSlashed {
			validator: 1,
			session: active_session(),
			fraction: Perbill::from_percent(10),
		}));
	});
}

/// Issue #11, attack 6: a candidate that sees its audit drawn chills (or unbonds) before the
/// verdict. Its stake was looked up when the offence arrived, so it found no exposure and
/// escaped; now the round's snapshot answers, and the full fraction is slashed.
#[test]
fn a_worker_cannot_escape_a_slash_by_chilling_or_unbonding_after_the_snapshot() {
	ExtBuilder::default().build_and_execute(|| {
		for (stash, n) in [(1u64, 101u64), (2, 102)] {
			assert_ok!(Staking::bond(signed(stash), 600));
			assert_ok!(Staking::validate(signed(stash), Perbill::zero(), TierId(0)));
			set_worker_key(stash, Some(key(n)));
		}
		let session = active_session();
		let workers = Staking::snapshot_workers(session, u32::MAX);
		let stake_of = |who| workers.iter().find(|w| w.0 == who).map(|w| (w.3, w.4));
		assert_eq!(stake_of(1), Some((false, 600)));
		assert_eq!(stake_of(10), Some((true, Exposures::<Test>::get(session, 10).unwrap().total)));
		// Audited, 1 chills, and 2 chills and unbonds everything, before the verdict.
		assert_ok!(Staking::chill(signed(1)));
		assert_ok!(Staking::chill(signed(2)));
		assert_ok!(Staking::unbond(signed(2), 600));
		assert_eq!(active(2), 0);
		offence(1, 20, session);
		offence(2, 20, session);
		assert_eq!(active(1), 480, "20% of the snapshotted 600");
		assert_eq!(Ledger::<Test>::get(2).unwrap().total, 480, "taken from the unlocking bond");
		// A worker the round never snapshotted has nothing at stake for that session.
		assert_ok!(Staking::bond(signed(3), 600));
		assert_ok!(Staking::validate(signed(3), Perbill::zero(), TierId(0)));
		System::reset_events();
		offence(3, 20, session);
		assert_eq!(active(3), 600);
		assert_eq!(staking_events(), vec![Event::OffenceIgnored { validator: 3, session }]);
	});
}

#[test]
fn snapshot_workers_lists_the_candidates_with_a_worker_key() {
	ExtBuilder::default().build_and_execute(|| {
		let session = active_session();
		let workers = Staking::snapshot_workers(session, u32::MAX);
		assert!(!workers.is_empty());
		for (stash, key, class, validator, stake) in &workers {
			assert_eq!(MockWorkerKeys::worker_key(stash).as_ref(), Some(key));
			assert_eq!(Staking::tier(stash), Some(*class));
			assert_eq!(*validator, Staking::is_active_validator(stash));
			assert!(*stake > 0);
		}
		// A candidate without a worker key is not a worker; the bound holds.
		assert_ok!(Staking::bond(signed(1), 600));
		assert_ok!(Staking::validate(signed(1), Perbill::zero(), TierId(0)));
		assert!(!Staking::snapshot_workers(session, u32::MAX).iter().any(|w| w.0 == 1));
		assert_eq!(Staking::snapshot_workers(session, 1).len(), 1);
		assert!(CandidateExposures::<Test>::get(session, 1).is_none());
	});
}

#[test]
fn a_suspended_worker_is_no_candidate_until_it_validates_again() {
	ExtBuilder::default().build_and_execute(|| {
		let session = active_session();
		let (stash, ..) = Staking::snapshot_workers(session, u32::MAX)[0].clone();
		let backers = Backers::<Test>::get(stash);
		assert!(Staking::suspend_worker(&stash));
		assert!(Candidates::<Test>::get(stash).is_none());
		assert!(staking_events().contains(&Event::Chilled { stash }));
		assert!(!Staking::snapshot_workers(session, u32::MAX).iter().any(|w| w.0 == stash));
		assert_eq!(Backers::<Test>::get(stash), backers, "its backers stay for its return");
		assert!(!Staking::suspend_worker(&stash), "suspending twice changes nothing");
		assert_ok!(Staking::validate(signed(stash), Perbill::zero(), TierId(0)));
		assert!(Staking::snapshot_workers(session, u32::MAX).iter().any(|w| w.0 == stash));
	});
}

/// Attack 10 of docs/THREATS.md: dust nominations cannot fill a candidate's backer list. A full
/// list drops its smallest backer for a larger share; the dropped nominator's bond goes to its
/// other targets.
#[test]
fn a_full_backer_list_drops_its_smallest_backer_for_a_larger_one() {
	ExtBuilder::default().build_and_execute(|| {
		// MaxBackersPerCandidate is 4: 100 backs 10 and 20 with 100 each, 101–103 back 10.
		bond_and_nominate(100, 200, &[10, 20]);
		for (who, value) in [(101, 110), (102, 120), (103, 130)] {
			bond_and_nominate(who, value, &[10]);
		}
		let before_20 = nominated(20);
		// No larger than the smallest share: refused, nothing changes.
		assert_ok!(Staking::bond(signed(104), 100));
		assert_noop!(Staking::nominate(signed(104), targets(&[10])), Error::<Test>::CandidateFull);
		// A larger share takes the smallest backer's place.
		bond_and_nominate(105, 500, &[10]);
		assert_eq!(backer_value(10, 105), Some(500));
		assert_eq!(backer_value(10, 100), None);
		assert_eq!(Backers::<Test>::get(10).len(), 4);
		assert_eq!(nominated(10), 110 + 120 + 130 + 500);
		assert!(staking_events().contains(&Event::NominationDropped { nominator: 100, target: 10 }));
		// 100's whole bond now backs its other target.
		assert_eq!(Nominators::<Test>::get(100).map(|t| t.into_inner()), Some(vec![20]));
		assert_eq!(backer_value(20, 100), Some(200));
		assert_eq!(nominated(20), before_20 + 100);
		// A backer dropped from its only target nominates nobody.
		bond_and_nominate(106, 600, &[10]);
		assert_eq!(Nominators::<Test>::get(101), None);
		assert_eq!(backer_value(10, 101), None);
		Staking::do_try_state().unwrap();
	});
}
