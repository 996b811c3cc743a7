//! The scorecards: latency from the blocks, late commitments scored as misses, audits and
//! distances recorded, decay, bounds.

use super::*;
use crate::{scorecard::UNIT, Scorecard, Scorecards};
use codec::MaxEncodedLen;

/// `node`'s honest commitment to its challenge of `round`, reporting `wall_time_ms`.
fn commitment(round: u32, node: &Node, wall_time_ms: u32) -> Submission {
	let duty = Challenges::duties(&key(node.name))
		.challenges
		.into_iter()
		.find(|d| d.round == round)
		.expect("a challenge of the round");
	let root = commitment_root(&leaves_of(node, &duty.seed, duty.n));
	Submission::Commit { round, root, n: duty.n, wall_time_ms }
}

/// `node` commits to its challenge of `round` now.
fn commit_now(
	round: u32,
	node: &Node,
	wall_time_ms: u32,
) -> Result<DispatchResult, TransactionValidityError> {
	submit(node.name, commitment(round, node, wall_time_ms))
}

/// Runs the rest of `round` after its commitments.
fn finish(round: u32, nodes: &[Node]) {
	run_until(|| matches!(round_phase(round), Some(Phase::Open { .. }) | None));
	if let Some(Phase::Open { verify_until, .. }) = round_phase(round) {
		finish_round(round, nodes, verify_until);
	}
}

fn card(who: AccountId) -> Scorecard {
	Scorecards::<Test>::get(who).expect("a scorecard")
}

#[test]
fn latency_is_measured_from_inclusion_not_from_the_reported_wall_time() {
	new_test_ext().execute_with(|| {
		let nodes = four_honest();
		register(&nodes);
		issue(0);
		let start = Rounds::<Test>::get(0).unwrap().start;
		// Alice reports a slow run but commits at once; Bob claims a millisecond but his
		// commitment lands three blocks later.
		assert_eq!(commit_now(0, &nodes[0], 60_000), Ok(Ok(())));
		run_to_block(start + 3);
		assert_eq!(commit_now(0, &nodes[1], 1), Ok(Ok(())));
		for node in &nodes[2..] {
			assert_eq!(commit_now(0, node, 900), Ok(Ok(())));
		}
		finish(0, &nodes);
		assert_eq!(card(1).median_latency(), Some(0));
		assert_eq!(card(2).median_latency(), Some(3));
		assert_eq!((card(2).committed, card(2).missed), (UNIT, 0));
		let summary = Challenges::scorecard(&2).unwrap();
		assert_eq!(summary.median_latency, Some(3));
		// Three of the four committed at latency 3: the tier's median is 3.
		assert_eq!(summary.tier_median_latency, Some(3));
	});
}

#[test]
fn a_commitment_after_the_tier_deadline_is_refused_scored_a_miss_and_earns_nothing() {
	new_test_ext().execute_with(|| {
		let nodes = four_honest();
		register(&nodes);
		issue(0);
		let start = Rounds::<Test>::get(0).unwrap().start;
		let deadline = mlp_spec().tier_params(TierId(0)).unwrap().deadline_blocks;
		for node in &nodes[1..] {
			assert_eq!(commit_now(0, node, 900), Ok(Ok(())));
		}
		let late = commitment(0, &nodes[0], 1);
		run_to_block(start + u64::from(deadline) + 1);
		// However fast it claims to have been, the chain refuses it: the deadline is counted
		// in blocks from the issue.
		assert!(submit("Alice", late).is_err(), "a late commitment is refused");
		finish(0, &nodes);
		assert_eq!(outcomes_of(1), vec![RoundOutcome::Missed]);
		assert_eq!(worker_points(1), 0);
		let alice = card(1);
		assert_eq!((alice.committed, alice.missed), (0, UNIT));
		assert_eq!(alice.median_latency(), None);
	});
}

#[test]
fn scorecards_record_audits_with_their_distances_and_decay_round_by_round() {
	new_test_ext().execute_with(|| {
		set_params(audited_everything());
		let mut nodes = four_honest();
		nodes[0].work = LAZY;
		play_round(0, &nodes);
		let tolerance = mlp_spec().tolerance;
		let lazy = card(1);
		assert_eq!((lazy.audits_passed, lazy.audits_failed), (0, UNIT));
		assert!(lazy.worst_distance.rel_l2_ppm > tolerance.rel_l2_ppm, "{lazy:?}");
		let honest = card(2);
		assert_eq!((honest.audits_passed, honest.audits_failed), (UNIT, 0));
		assert_eq!(honest.worst_distance, poai_primitives::Distance::default());

		// Bob keeps passing; Charlie stops committing: his passes fade as his misses grow.
		nodes[2].work = Work::Skip;
		play_round(1, &nodes);
		let charlie = card(3);
		let decayed = UNIT - UNIT.div_ceil(16);
		assert_eq!(charlie.audits_passed, decayed);
		assert_eq!(charlie.missed, UNIT);
		assert_eq!(card(2).audits_passed, UNIT + decayed);
	});
}

#[test]
fn a_scorecard_is_one_bounded_record_and_leaves_with_the_stash() {
	// Sixteen latency buckets and seven counters: it cannot grow with the rounds.
	assert!(Scorecard::max_encoded_len() <= 128, "{}", Scorecard::max_encoded_len());
	new_test_ext().execute_with(|| {
		play_round(0, &four_honest());
		assert!(Scorecards::<Test>::contains_key(1));
		<Challenges as sp_staking::OnStakingUpdate<AccountId, u64>>::on_unstake(&1);
		assert!(!Scorecards::<Test>::contains_key(1));
	});
}
