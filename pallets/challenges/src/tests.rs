//! Tests of the challenge protocol: every step, every failure, honest and adversarial workers
//! and verifiers, and statistics over many rounds.

use crate::{mock::*, pallet::*, Fault, OffenceKind, Phase, ProtocolParams};
use codec::{Decode, Encode};
use frame_support::{
	assert_noop, assert_ok,
	dispatch::{DispatchResult, GetDispatchInfo},
	pallet_prelude::TransactionSource,
	traits::{ConstU32, Hooks},
};
use poai_primitives::{
	commitment_root, fake_output, fault::Fault as SimulatedFault, leaf_hash, merkle_proof,
	verification_digest, InputKind, InputSpec, ModelSpec, OpenedOutputs, OpenedProofs, Panel,
	RoundOutcome, SampleOutput, Seed, Submission, SubmitError, TierId, Tolerance, VerificationSalt,
	VerifyDuty, WorkerSignature,
};
use sp_core::{Pair, H256};
use sp_runtime::{
	traits::{Applyable, Checkable},
	transaction_validity::{InvalidTransaction, TransactionValidityError},
	BuildStorage, DispatchError, Perbill,
};

type MaxVerifiers = ConstU32<7>;

mod authorize_fuzz;
mod scorecard;
mod time_to_slash;

// ---- submitting through the transaction path ------------------------------------------------

/// Builds the call for `submission` signed by `signer`'s key (claiming to be `claimed`'s key).
fn call_signed_by(signer: &str, claimed: &str, submission: Submission) -> crate::Call<Test> {
	call_signed_with(&pair(signer), key(claimed), submission)
}

/// [`call_signed_by`] with the signer's key pair at hand (deriving one from its name is slow).
fn call_signed_with(
	signer: &sp_core::sr25519::Pair,
	key: poai_primitives::WorkerId,
	submission: Submission,
) -> crate::Call<Test> {
	let payload = crate::signing_payload::<Test>(&key, &submission);
	let signature = WorkerSignature::from(signer.sign(&payload));
	match submission {
		Submission::Commit { round, root, n, wall_time_ms } => {
			crate::Call::commit { key, round, root, n, wall_time_ms, signature }
		}
		Submission::CommitVerification { round, worker, digest } => {
			crate::Call::commit_verification { key, round, worker, digest, signature }
		}
		Submission::OpenVerification { round, worker, outputs, salt } => {
			crate::Call::open_verification { key, round, worker, outputs, salt, signature }
		}
		Submission::Reveal { round, outputs, proofs } => {
			crate::Call::reveal { key, round, outputs, proofs, signature }
		}
	}
}

/// Validates `call` as a general transaction the way the pool does, then applies it the way
/// block building does.
fn apply(call: crate::Call<Test>) -> Result<DispatchResult, TransactionValidityError> {
	let xt = UncheckedExtrinsic::new_transaction(
		RuntimeCall::Challenges(call),
		(frame_system::AuthorizeCall::<Test>::new(),),
	);
	let info = xt.get_dispatch_info();
	let len = xt.encoded_size();
	let checked = Checkable::check(xt, &frame_system::ChainContext::<Test>::default())?;
	checked.validate::<Test>(TransactionSource::External, &info, len)?;
	let result = checked.apply::<Test>(&info, len)?;
	Ok(result.map(|_| ()).map_err(|e| e.error))
}

fn submit(name: &str, submission: Submission) -> Result<DispatchResult, TransactionValidityError> {
	apply(call_signed_by(name, name, submission))
}

fn stale() -> TransactionValidityError {
	InvalidTransaction::Stale.into()
}

fn custom(error: Error<Test>) -> TransactionValidityError {
	InvalidTransaction::Custom(error.encode()[0]).into()
}

// ---- simulated workers -----------------------------------------------------------------------

/// How a worker computes the outputs it commits to.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Work {
	/// Runs the model.
	Honest,
	/// Runs the model on hardware whose floats differ by up to this relative amount.
	Noisy(f32),
	/// Fakes outputs as a worker run with `--poai-simulate-fault` does (the shared fault model:
	/// `random`, `partial:F`, `wrong-model`).
	Faulty(SimulatedFault),
	/// Does not commit.
	Skip,
}

/// What a worker does when audited.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Opening {
	/// Opens what it committed to.
	Honest,
	/// Opens other outputs than it committed to (with the committed tree's proofs).
	Mismatch,
	/// Never reveals.
	Never,
}

/// What a worker does when drawn as a verifier.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Verifying {
	/// Re-executes the samples (with its own hardware noise, if any).
	Honest,
	/// Guesses.
	Guess,
	/// Does not submit.
	Never,
	/// Submits whatever the audited worker committed to (colluding with it offline).
	Collude,
	/// Submits made-up outputs that agree with every other framer (to frame an honest worker).
	Frame,
	/// Re-executes and commits, but never opens.
	NoOpen,
}

#[derive(Clone, Copy, Debug)]
struct Node {
	stash: AccountId,
	name: &'static str,
	tier: TierId,
	validator: bool,
	work: Work,
	opening: Opening,
	verifying: Verifying,
}

fn node(stash: AccountId, name: &'static str) -> Node {
	Node {
		stash,
		name,
		tier: TierId(0),
		validator: true,
		work: Work::Honest,
		opening: Opening::Honest,
		verifying: Verifying::Honest,
	}
}

fn register(nodes: &[Node]) {
	let workers: Vec<_> = nodes.iter().map(|n| (n.stash, n.name, n.tier, n.validator)).collect();
	set_workers(&workers);
}

fn find<'a>(nodes: &'a [Node], key: &poai_primitives::WorkerId) -> &'a Node {
	nodes.iter().find(|n| &crate::mock::key(n.name) == key).expect("a registered node")
}

/// The worker of [`Work::Faulty`] that makes every output up.
const LAZY: Work = Work::Faulty(SimulatedFault::RandomOutputs);

/// The worker of [`Work::Faulty`] that makes up a quarter of its outputs.
const QUARTER: SimulatedFault = SimulatedFault::Partial { per_mille: 250 };

/// The output `node` commits to for sample `index`.
fn committed_output(node: &Node, seed: &Seed, index: u32) -> Vec<i32> {
	let spec = mlp_spec();
	match node.work {
		Work::Honest | Work::Skip => quantised_output(&spec, seed, index, 0.0),
		Work::Noisy(noise) => quantised_output(&spec, seed, index, noise),
		Work::Faulty(fault) if fault.fakes_sample(seed, index) => fake_output(&spec, seed, index),
		Work::Faulty(fault) => quantised_output(&spec, &fault.input_seed(seed), index, 0.0),
	}
}

fn outputs(values: Vec<Vec<i32>>) -> OpenedOutputs {
	OpenedOutputs::truncate_from(values.into_iter().map(SampleOutput::truncate_from).collect())
}

fn leaves_of(node: &Node, seed: &Seed, n: u32) -> Vec<H256> {
	(0..n).map(|i| leaf_hash(i, &committed_output(node, seed, i))).collect()
}

fn round_phase(round: u32) -> Option<Phase<BlockNumber>> {
	Rounds::<Test>::get(round).map(|info| info.phase)
}

/// Starts session `round` in the next block (which issues the round).
fn issue(round: u32) {
	set_session(round);
	run_to_block(System::block_number() + 1);
	assert!(Rounds::<Test>::contains_key(round), "round {round} was issued");
}

/// Every node that works commits to its challenge of `round`.
fn commit_all(round: u32, nodes: &[Node]) {
	for node in nodes.iter().filter(|n| n.work != Work::Skip) {
		for duty in Challenges::duties(&key(node.name)).challenges {
			if duty.round != round {
				continue;
			}
			let root = commitment_root(&leaves_of(node, &duty.seed, duty.n));
			let commit = Submission::Commit { round, root, n: duty.n, wall_time_ms: 900 };
			assert_eq!(submit(node.name, commit), Ok(Ok(())), "{} commits", node.name);
		}
	}
}

fn run_until(mut done: impl FnMut() -> bool) {
	for _ in 0..200 {
		if done() {
			return;
		}
		run_to_block(System::block_number() + 1);
	}
	panic!("the round did not get there within 200 blocks");
}

/// The outputs `verifier` stands by for `duty`, according to its behaviour (`None`: it does not
/// take part).
fn verifier_outputs(
	verifier: &Node,
	nodes: &[Node],
	duty: &VerifyDuty<BlockNumber>,
) -> Option<OpenedOutputs> {
	let spec = mlp_spec();
	let worker = find(nodes, &duty.worker);
	let values: Vec<Vec<i32>> = duty
		.indices
		.iter()
		.map(|&i| match verifier.verifying {
			Verifying::Honest | Verifying::NoOpen => match verifier.work {
				Work::Noisy(noise) => quantised_output(&spec, &duty.seed, i, noise),
				_ => quantised_output(&spec, &duty.seed, i, 0.0),
			},
			Verifying::Guess => fake_output(
				&spec,
				&(verifier.name, duty.seed).using_encoded(sp_io::hashing::blake2_256),
				i,
			),
			Verifying::Collude => committed_output(worker, &duty.seed, i),
			// What `--poai-simulate-fault=framing-verifier` submits: a `random` worker's outputs.
			Verifying::Frame => fake_output(&spec, &duty.seed, i),
			Verifying::Never => Vec::new(),
		})
		.collect();
	(verifier.verifying != Verifying::Never).then(|| outputs(values))
}

/// The salt `verifier` commits with for `duty`.
fn salt_of(verifier: &Node, duty: &VerifyDuty<BlockNumber>) -> VerificationSalt {
	(b"salt", verifier.name, duty.round, &duty.worker, duty.panel)
		.using_encoded(sp_io::hashing::blake2_256)
}

/// Every drawn verifier whose commit window is open commits to its outputs.
fn verify_all(round: u32, nodes: &[Node]) {
	for verifier in nodes {
		for duty in Challenges::duties(&key(verifier.name)).verifications {
			if duty.round != round || duty.committed {
				continue;
			}
			let Some(outputs) = verifier_outputs(verifier, nodes, &duty) else { continue };
			let digest = verification_digest(
				&outputs,
				&key(verifier.name),
				round,
				&duty.worker,
				&salt_of(verifier, &duty),
			);
			let submission =
				Submission::CommitVerification { round, worker: duty.worker.clone(), digest };
			assert_eq!(submit(verifier.name, submission), Ok(Ok(())), "{} commits", verifier.name);
		}
	}
}

/// Every verifier that committed opens its outputs (its opening window must be open).
fn open_all(round: u32, nodes: &[Node]) {
	for verifier in nodes.iter().filter(|n| n.verifying != Verifying::NoOpen) {
		for duty in Challenges::duties(&key(verifier.name)).verifications {
			if duty.round != round || !duty.committed {
				continue;
			}
			let Some(outputs) = verifier_outputs(verifier, nodes, &duty) else { continue };
			let salt = salt_of(verifier, &duty);
			let submission =
				Submission::OpenVerification { round, worker: duty.worker.clone(), outputs, salt };
			assert_eq!(submit(verifier.name, submission), Ok(Ok(())), "{} opens", verifier.name);
		}
	}
}

/// Every audited worker reveals according to its behaviour.
fn reveal_all(round: u32, nodes: &[Node]) {
	for node in nodes.iter().filter(|n| n.opening != Opening::Never) {
		for duty in Challenges::duties(&key(node.name)).reveals {
			assert_eq!(duty.round, round);
			let leaves = leaves_of(node, &duty.seed, duty.n);
			let values: Vec<Vec<i32>> = duty
				.indices
				.iter()
				.map(|&i| match node.opening {
					Opening::Mismatch => quantised_output(&mlp_spec(), &duty.seed, i, 0.0)
						.into_iter()
						.map(|v| v.wrapping_add(1 << 20))
						.collect(),
					_ => committed_output(node, &duty.seed, i),
				})
				.collect();
			let proofs = OpenedProofs::truncate_from(
				duty.indices.iter().map(|&i| merkle_proof(&leaves, i).unwrap()).collect(),
			);
			let submission = Submission::Reveal { round, outputs: outputs(values), proofs };
			assert_eq!(submit(node.name, submission), Ok(Ok(())), "{} reveals", node.name);
		}
	}
}

/// Plays round `round` to its end: issue, commits, draw, verifications, reveals, verdicts,
/// pruning. Checks the pallet's invariants at every block.
fn play_round(round: u32, nodes: &[Node]) {
	register(nodes);
	play_registered_round(round, nodes);
}

/// [`play_round`] for the workers registered now (`nodes` says how each behaves).
fn play_registered_round(round: u32, nodes: &[Node]) {
	issue(round);
	commit_all(round, nodes);
	run_until(|| {
		Challenges::do_try_state().unwrap();
		matches!(round_phase(round), Some(Phase::Open { .. }) | None)
	});
	let Some(Phase::Open { verify_until, .. }) = round_phase(round) else { return };
	finish_round(round, nodes, verify_until);
}

/// Runs blocks until the audit draw of `round` is done; returns the last block of its verify
/// window.
fn run_to_verify_window(round: u32) -> BlockNumber {
	run_until(|| matches!(round_phase(round), Some(Phase::Open { .. })));
	let Some(Phase::Open { verify_until, .. }) = round_phase(round) else {
		panic!("round {round} is not open")
	};
	verify_until
}

/// The rest of an open round: verifier commitments, then reveals and openings, then verdicts,
/// the escalations they lead to, and pruning.
fn finish_round(round: u32, nodes: &[Node], verify_until: BlockNumber) {
	verify_all(round, nodes);
	run_to_block(verify_until + 1);
	open_all(round, nodes);
	reveal_all(round, nodes);
	run_until(|| {
		Challenges::do_try_state().unwrap();
		matches!(round_phase(round), None | Some(Phase::Escalation { .. }))
	});
	if let Some(Phase::Escalation { verify_until, .. }) = round_phase(round) {
		verify_all(round, nodes);
		run_to_block(verify_until + 1);
		open_all(round, nodes);
		run_until(|| {
			Challenges::do_try_state().unwrap();
			round_phase(round).is_none()
		});
	}
}

fn audited_everything() -> ProtocolParams {
	ProtocolParams { audit_probability: Perbill::one(), ..ProtocolParams::TESTNET }
}

fn set_params(params: ProtocolParams) {
	assert_ok!(Challenges::set_params(RuntimeOrigin::root(), params));
}

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Challenges(e) => Some(e),
			_ => None,
		})
		.collect()
}

fn faults() -> Vec<(AccountId, Fault)> {
	events()
		.into_iter()
		.filter_map(|e| match e {
			Event::Faulted { worker, fault, .. } => Some((worker, fault)),
			_ => None,
		})
		.collect()
}

/// The verifiers slashed for standing on the losing side of an escalation, once per audit.
fn penalised() -> Vec<AccountId> {
	events()
		.into_iter()
		.filter_map(|e| match e {
			Event::VerifierSlashed { verifier, .. } => Some(verifier),
			_ => None,
		})
		.collect()
}

/// The points `who` earned as a verifier (`VerifierRewarded`).
fn verifier_points(who: AccountId) -> u32 {
	events()
		.into_iter()
		.filter_map(|e| match e {
			Event::VerifierRewarded { verifier, points, .. } if verifier == who => Some(points),
			_ => None,
		})
		.sum()
}

/// The points `who` earned for its own challenges: all its points but those for verifying.
fn worker_points(who: AccountId) -> u32 {
	points_of(who) - verifier_points(who)
}

fn four_honest() -> Vec<Node> {
	vec![node(1, "Alice"), node(2, "Bob"), node(3, "Charlie"), node(4, "Dave")]
}

// ---- issue ------------------------------------------------------------------------------------

#[test]
fn a_round_is_issued_per_session_with_seeded_challenges() {
	new_test_ext().execute_with(|| {
		let mut nodes = four_honest();
		nodes[3].tier = TierId(1);
		register(&nodes);
		issue(0);
		let info = Rounds::<Test>::get(0).unwrap();
		assert_eq!(info.start, 1);
		assert_eq!(info.phase, Phase::Commit { until: 1 + 8 });
		assert_eq!(RoundWorkers::<Test>::get(0).len(), 4);
		assert!(RoundWorkers::<Test>::get(0).windows(2).all(|w| w[0].key < w[1].key));
		// The registry fixed the workers' stake for the round's session (attack 6).
		assert_eq!(snapshots(), vec![0]);
		let alice = Challenges::duties(&key("Alice")).challenges;
		assert_eq!(alice.len(), 1);
		assert_eq!((alice[0].model, alice[0].n, alice[0].deadline), (0, 32, 1 + 6));
		let dave = Challenges::duties(&key("Dave")).challenges;
		assert_eq!((dave[0].n, dave[0].deadline, dave[0].tier), (128, 1 + 4, TierId(1)));
		let seed = poai_primitives::challenge_seed(&info.randomness, 0, &key("Alice"));
		assert_eq!(alice[0].seed, seed);
		assert_ne!(alice[0].seed, Challenges::duties(&key("Bob")).challenges[0].seed);
		assert!(Challenges::duties(&key("Eve")).is_empty());
		// The same session issues nothing more; the next one does, with another randomness.
		run_to_block(5);
		assert_eq!(ActiveRounds::<Test>::get().into_inner(), vec![0]);
		set_session(1);
		run_to_block(6);
		assert_eq!(ActiveRounds::<Test>::get().into_inner(), vec![0, 1]);
		assert_eq!(snapshots(), vec![0, 1]);
		assert_ne!(Rounds::<Test>::get(1).unwrap().randomness, info.randomness);
		assert!(events().contains(&Event::RoundIssued {
			round: 1,
			workers: 4,
			models: 1,
			commit_until: 14
		}));
	});
}

/// Attack 9: a model update during a round faults nobody. Every duty carries the model as the
/// round snapshotted it (the worker runs that, not whatever the registry holds by then), and
/// the verdict judges against the same snapshot.
#[test]
fn a_model_update_during_a_round_faults_nobody() {
	new_test_ext().execute_with(|| {
		set_params(audited_everything());
		let nodes = four_honest();
		register(&nodes);
		issue(0);
		let mut updated = mlp_spec();
		updated.onnx_hash = H256::repeat_byte(2);
		updated.tolerance.rel_l2_ppm = 1;
		updated.tiers[0].batch_size = 64;
		set_model(0, updated.clone());
		for node in &nodes {
			let duty = &Challenges::duties(&key(node.name)).challenges[0];
			assert_eq!((duty.spec.clone(), duty.n), (mlp_spec(), 32), "the round's model");
		}
		commit_all(0, &nodes);
		let verify_until = run_to_verify_window(0);
		for node in &nodes {
			for duty in Challenges::duties(&key(node.name)).verifications {
				assert_eq!(duty.spec, mlp_spec());
			}
		}
		finish_round(0, &nodes, verify_until);
		assert_eq!(faults(), vec![]);
		assert!(offences().is_empty());
		for node in &nodes {
			assert_eq!(outcomes_of(node.stash), vec![RoundOutcome::Passed]);
		}
		// The next round issues the updated model.
		issue(1);
		assert_eq!(Challenges::duties(&key("Alice")).challenges[0].spec, updated);
	});
}

#[test]
fn rounds_in_flight_are_bounded() {
	new_test_ext().execute_with(|| {
		register(&four_honest());
		for session in 0..crate::MAX_ACTIVE_ROUNDS {
			issue(session);
		}
		set_session(9);
		run_to_block(System::block_number() + 1);
		assert!(!Rounds::<Test>::contains_key(9));
		assert!(events().contains(&Event::RoundSkipped { round: 9 }));
		assert_eq!(ActiveRounds::<Test>::get().len() as u32, crate::MAX_ACTIVE_ROUNDS);
	});
}

// ---- honest rounds ---------------------------------------------------------------------------

#[test]
fn an_honest_audited_round_passes_and_earns_points() {
	new_test_ext().execute_with(|| {
		set_params(audited_everything());
		let nodes = four_honest();
		play_round(0, &nodes);
		for node in &nodes {
			assert_eq!(outcomes_of(node.stash), vec![RoundOutcome::Passed], "{}", node.name);
			// 32 samples × 64 FLOPs at 1e8 FLOPs per point is one point, at 50% reputation
			// still one (never zero); each of its three verifications earns one more.
			assert_eq!(worker_points(node.stash), 1);
			assert_eq!(verifier_points(node.stash), 3);
			assert_eq!(points_of(node.stash), 4);
		}
		let audited =
			events().iter().filter(|e| matches!(e, Event::Passed { audited: true, .. })).count();
		assert_eq!(audited, 4);
		assert!(faults().is_empty() && penalised().is_empty() && offences().is_empty());
		assert!(events().contains(&Event::RoundClosed { round: 0 }));
		// Everything of the round is pruned.
		assert!(ActiveRounds::<Test>::get().is_empty());
		assert_eq!(Commitments::<Test>::iter().count(), 0);
		assert_eq!(Audits::<Test>::iter().count(), 0);
		assert_eq!(Verifications::<Test>::iter().count(), 0);
		assert_eq!(Reveals::<Test>::iter().count(), 0);
		assert_eq!(RoundWorkers::<Test>::iter().count(), 0);
	});
}

#[test]
fn points_scale_with_the_work() {
	new_test_ext().execute_with(|| {
		set_params(ProtocolParams { flops_per_point: 64, ..audited_everything() });
		let mut nodes = four_honest();
		nodes[3].tier = TierId(1);
		play_round(0, &nodes);
		// The pass is recorded first: reputation is then 100% in the mock.
		// 64 FLOPs per sample at 64 FLOPs per point: one point per sample.
		assert_eq!(worker_points(1), 32);
		assert_eq!(worker_points(4), 128);
	});
}

#[test]
fn an_integer_models_work_is_paid_at_the_rate_of_the_workers_tier() {
	new_test_ext().execute_with(|| {
		// An integer model of 6,400 int8 operations a sample, served by `cpu` (2 GFLOP/s
		// against 8 GOP/s: an int8 operation is worth a quarter of a FLOP there) and `gpu-80gb`
		// (40 TFLOP/s against 1,000 TOP/s: a twenty-fifth).
		let mlp = mlp_spec();
		set_model(
			0,
			ModelSpec {
				input: InputSpec {
					kind: InputKind::Int8 { min: -128, max: 127 },
					..mlp.input.clone()
				},
				scale_bits: 0,
				tolerance: Tolerance::EXACT,
				flops_per_sample: 6_400,
				tiers: poai_primitives::fixtures::tiers(&[(TierId(0), 32, 6), (TierId(2), 128, 4)]),
				..mlp
			},
		);
		set_params(ProtocolParams { flops_per_point: 64, ..audited_everything() });
		let mut nodes = four_honest();
		nodes[3].tier = TierId(2);
		play_round(0, &nodes);
		// At full reputation: 32 × 6,400 / 4 / 64 and 128 × 6,400 / 25 / 64 points; paid as
		// FLOPs, the same work would have earned 3,200 and 12,800.
		assert_eq!(worker_points(1), 800);
		assert_eq!(worker_points(4), 512);
		// A verifier re-executes k samples of the audited worker's challenge, priced at that
		// worker's tier.
		let k = audited_everything().audit_samples;
		let rewards: Vec<(AccountId, AccountId, u32)> = events()
			.into_iter()
			.filter_map(|e| match e {
				Event::VerifierRewarded { verifier, worker, points, .. } => {
					Some((verifier, worker, points))
				}
				_ => None,
			})
			.collect();
		assert!(rewards.iter().any(|&(_, worker, _)| worker == 4), "the gpu-80gb worker audited");
		for (verifier, worker, points) in rewards {
			let rate = if worker == 4 { 25 } else { 4 };
			// Scaled by the verifier's reputation, as every point is: the mock's is 50% before
			// its first outcome and 100% after a pass.
			let full = k * 6_400 / rate / 64;
			assert!(
				points == full || points == full / 2,
				"{verifier} verifying {worker}: {points}"
			);
		}
	});
}

#[test]
fn verifiers_are_other_validators_drawn_by_stake() {
	new_test_ext().execute_with(|| {
		set_params(ProtocolParams { verifiers: 1, ..audited_everything() });
		let nodes = four_honest();
		// Dave has a thousand times the stake of each other validator.
		set_weighted_workers(&[
			(1, "Alice", TierId(0), true, 1_000),
			(2, "Bob", TierId(0), true, 1_000),
			(3, "Charlie", TierId(0), true, 1_000),
			(4, "Dave", TierId(0), true, 1_000_000),
		]);
		issue(0);
		commit_all(0, &nodes);
		run_until(|| matches!(round_phase(0), Some(Phase::Open { .. })));
		let workers = RoundWorkers::<Test>::get(0);
		assert_eq!(workers.iter().map(|w| w.weight).max(), Some(1_000_000), "stakes snapshotted");
		let dave = seat_of(0, "Dave");
		for (seat, audit) in Audits::<Test>::iter_prefix(0) {
			assert_eq!(audit.verifiers.len(), 1);
			assert_ne!(audit.verifiers[0], seat);
			if seat != dave {
				assert_eq!(audit.verifiers[0], dave, "the heavy stake verifies everyone else");
			}
		}
	});
}

/// Issue #11, attack 1: two sybils that declare `Gpu` among CPU validators used to sit on
/// every CPU worker's committee (the draw preferred another tier) and decide its verdict.
/// Drawn by stake, a coalition with 2 of 11 equal stakes wins a 2-of-3 majority of a CPU
/// worker's committee at the hypergeometric rate (9/165 ≈ 5.5%), below the binomial bound of
/// `α' = 2 / (11 − 2)` (12.6%), over 300 committees.
#[test]
fn sybils_declaring_another_tier_do_not_capture_committees() {
	new_test_ext().execute_with(|| {
		const NAMES: [&str; 12] = [
			"Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie", "One", "Two", "Three", "Four",
			"Sybil1", "Sybil2",
		];
		set_params(audited_everything());
		let nodes: Vec<Node> = NAMES
			.iter()
			.enumerate()
			.map(|(i, &name)| {
				let mut n = node(i as AccountId + 1, name);
				if name.starts_with("Sybil") {
					n.tier = TierId(1);
				}
				n
			})
			.collect();
		let sybil = |stash: AccountId| stash > 10;
		let (mut committees, mut captured) = (0u32, 0u32);
		for round in 0..30 {
			register(&nodes);
			issue(round);
			commit_all(round, &nodes);
			let verify_until = run_to_verify_window(round);
			let workers = RoundWorkers::<Test>::get(round);
			for (seat, audit) in Audits::<Test>::iter_prefix(round) {
				if workers[seat as usize].tier != TierId(0) {
					continue;
				}
				committees += 1;
				let seats =
					audit.verifiers.iter().filter(|&&v| sybil(workers[v as usize].stash)).count();
				captured += u32::from(2 * seats > audit.verifiers.len());
			}
			finish_round(round, &nodes, verify_until);
		}
		assert_eq!(committees, 300);
		let rate = f64::from(captured) / f64::from(committees);
		let alpha: f64 = 2.0 / 9.0;
		let bound = 3.0 * alpha * alpha * (1.0 - alpha) + alpha.powi(3);
		let sigma = (bound * (1.0 - bound) / 300.0).sqrt();
		assert!(rate <= bound + 4.0 * sigma, "sybils captured {captured} of 300 committees");
	});
}

// ---- randomness ------------------------------------------------------------------------------

/// Runs round 0 for four honest nodes up to its audit draw and returns what the draw decided,
/// calling `before_block(n)` before each block `n`'s hooks (to re-seal or to change a VRF
/// output).
fn draw_of_round_zero(
	mut before_block: impl FnMut(BlockNumber),
) -> Vec<(u32, crate::Audit<MaxVerifiers>)> {
	set_params(ProtocolParams {
		audit_probability: Perbill::from_percent(50),
		verifiers: 1,
		..ProtocolParams::TESTNET
	});
	let nodes = four_honest();
	register(&nodes);
	set_session(0);
	let step = |before_block: &mut dyn FnMut(BlockNumber)| {
		let next = System::block_number() + 1;
		before_block(next);
		System::set_block_number(next);
		Challenges::on_initialize(next);
	};
	step(&mut before_block);
	commit_all(0, &nodes);
	for _ in 0..40 {
		if matches!(round_phase(0), Some(Phase::Open { .. })) {
			break;
		}
		step(&mut before_block);
	}
	assert!(matches!(round_phase(0), Some(Phase::Open { .. })), "round 0 was drawn");
	let mut audits: Vec<_> = Audits::<Test>::iter_prefix(0).collect();
	audits.sort_by_key(|(seat, _)| *seat);
	audits
}

/// Issue #11, attack 3: the author of a block can re-seal it (another hash, the same VRF
/// output). With the parent hash in the seed, each re-seal gave another audit draw to pick
/// from; the draw now depends on VRF outputs only.
#[test]
fn re_sealing_blocks_cannot_change_the_audit_draw() {
	let honest = new_test_ext().execute_with(|| draw_of_round_zero(|_| ()));
	for reseal in 0..4u8 {
		let resealed = new_test_ext().execute_with(|| {
			draw_of_round_zero(|n| System::set_parent_hash(H256::repeat_byte(reseal ^ n as u8)))
		});
		assert_eq!(resealed, honest, "re-seal {reseal} changed the draw");
	}
}

/// The audit draw waits `randomness_window` blocks after the commit window and takes the VRF
/// output of each of them: changing any one changes the draw; the author of the last block
/// alone can only withhold it (docs/THREATS.md).
#[test]
fn the_audit_draw_takes_every_vrf_output_of_its_window() {
	let honest = new_test_ext().execute_with(|| draw_of_round_zero(|_| ()));
	let commit_until = 1 + u64::from(ProtocolParams::TESTNET.commit_window);
	let window = u64::from(ProtocolParams::TESTNET.randomness_window);
	// Block b + 1 reads block b's VRF output: the window's outputs are read by the blocks
	// commit_until + 2 ..= commit_until + window + 1, the last being the draw block itself.
	for block in commit_until + 2..=commit_until + window + 1 {
		let mut differs = false;
		for salt in 1..=4u64 {
			let other = new_test_ext().execute_with(|| {
				draw_of_round_zero(|n| set_salt(if n == block { salt } else { 0 }))
			});
			differs |= other != honest;
		}
		assert!(differs, "the VRF output read at block {block} does not reach the draw");
	}
	// The draw is taken at commit_until + window + 1: outputs read after it play no part.
	let after = new_test_ext().execute_with(|| {
		draw_of_round_zero(|n| set_salt(u64::from(n > commit_until + window + 1)))
	});
	assert_eq!(after, honest);
}

// ---- cheating workers ------------------------------------------------------------------------

/// A worker that makes its outputs up (`random`) and one that runs the model on the wrong
/// inputs (`wrong-model`, every output a real model output of another sample) are both faulted.
#[test]
fn lazy_and_wrong_model_workers_are_faulted_and_reported() {
	for fault in [SimulatedFault::RandomOutputs, SimulatedFault::WrongModel] {
		new_test_ext().execute_with(|| {
			set_params(audited_everything());
			let mut nodes = four_honest();
			nodes[0].work = Work::Faulty(fault);
			play_round(0, &nodes);
			assert_eq!(faults(), vec![(1, Fault::OutsideTolerance)]);
			assert_eq!(outcomes_of(1), vec![RoundOutcome::Failed]);
			assert_eq!(worker_points(1), 0);
			let reported = offences();
			assert_eq!(reported.len(), 1);
			assert_eq!(
				(reported[0].offender, reported[0].kind, reported[0].fraction, reported[0].round),
				(1, OffenceKind::Fraud, Perbill::from_percent(20), 0)
			);
			assert_eq!(reported[0].validator_set_count, 4);
			// Its verifiers agreed among themselves: none is penalised; the honest workers pass.
			assert!(penalised().is_empty());
			for stash in 2..=4 {
				assert_eq!(outcomes_of(stash), vec![RoundOutcome::Passed]);
			}
		});
	}
}

/// The `Judged` events of the run so far: worker, panel, verdict and votes.
fn judgements() -> Vec<(AccountId, Panel, poai_primitives::Verdict, Vec<crate::Vote<AccountId>>)> {
	events()
		.into_iter()
		.filter_map(|e| match e {
			Event::Judged { worker, panel, verdict, votes, .. } => {
				Some((worker, panel, verdict, votes))
			}
			_ => None,
		})
		.collect()
}

#[test]
fn every_judgement_shows_each_vote_with_its_distances_against_the_tolerance() {
	new_test_ext().execute_with(|| {
		set_params(audited_everything());
		let mut nodes = four_honest();
		nodes[0].work = LAZY;
		play_round(0, &nodes);
		let tolerance = mlp_spec().tolerance;
		let committees: Vec<(AccountId, Panel, Vec<AccountId>)> = events()
			.into_iter()
			.filter_map(|e| match e {
				Event::Audited { worker, verifiers, .. } => Some((worker, Panel::First, verifiers)),
				Event::Escalated { worker, verifiers, .. } => {
					Some((worker, Panel::Escalation, verifiers))
				}
				_ => None,
			})
			.collect();
		let judged = judgements();
		let panels: Vec<(AccountId, Panel)> = judged.iter().map(|(w, p, ..)| (*w, *p)).collect();
		// One judgement per audited worker by its first committee; the failing one is escalated
		// and judged again.
		assert_eq!(panels.iter().filter(|(_, p)| *p == Panel::First).count(), 4);
		assert_eq!(
			panels.iter().filter(|(_, p)| *p == Panel::Escalation).collect::<Vec<_>>(),
			vec![&(1, Panel::Escalation)]
		);
		for (worker, panel, verdict, votes) in judged {
			let committee =
				&committees.iter().find(|(w, p, _)| *w == worker && *p == panel).unwrap().2;
			let voters: Vec<AccountId> = votes.iter().map(|v| v.verifier).collect();
			assert_eq!(&voters, committee, "worker {worker}: every drawn verifier opened");
			for vote in votes {
				let within = vote.distance.rel_l2_ppm <= tolerance.rel_l2_ppm
					&& vote.distance.max_abs_ppm <= tolerance.max_abs_ppm;
				// The lazy worker's outputs are far outside the tolerance by both figures; the
				// honest ones are the verifiers' own.
				if worker == 1 {
					assert_eq!(verdict, poai_primitives::Verdict::Fail);
					assert!(!vote.agrees && !within, "{vote:?}");
					assert!(vote.distance.rel_l2_ppm > 10 * tolerance.rel_l2_ppm, "{vote:?}");
				} else {
					assert_eq!(verdict, poai_primitives::Verdict::Pass);
					assert!(vote.agrees && within, "{vote:?}");
					assert_eq!(vote.distance, poai_primitives::Distance::default());
				}
			}
		}
		assert_eq!(faults(), vec![(1, Fault::OutsideTolerance)]);
	});
}

/// The heaviest hook of the blocks run so far.
fn heaviest_hook() -> frame_support::weights::Weight {
	hook_weights().into_iter().map(|(_, w)| w).max_by_key(|w| w.ref_time()).unwrap_or_default()
}

#[test]
fn reported_offences_are_charged_to_the_block_that_reports_them() {
	let report = OffenceReportWeight::get();
	// Honest rounds report nothing: no hook comes near the weight of a report.
	new_test_ext().execute_with(|| {
		set_params(audited_everything());
		play_round(0, &four_honest());
		assert!(offences().is_empty());
		assert!(heaviest_hook().ref_time() < report.ref_time());
	});
	// A fault found by the verdict, a withheld reveal, and the third miss in a row: each
	// block that reports one is charged for it.
	for (work, opening) in
		[(LAZY, Opening::Honest), (Work::Honest, Opening::Never), (Work::Skip, Opening::Honest)]
	{
		new_test_ext().execute_with(|| {
			set_params(audited_everything());
			let mut nodes = four_honest();
			nodes[0].work = work;
			nodes[0].opening = opening;
			let rounds = if work == Work::Skip { 3 } else { 1 };
			for round in 0..rounds {
				play_round(round, &nodes);
			}
			assert_eq!(offences().len(), 1, "{work:?}/{opening:?}");
			let charged =
				hook_weights().iter().filter(|(_, w)| w.ref_time() >= report.ref_time()).count();
			assert_eq!(charged, 1, "{work:?}/{opening:?}: one block carries the report");
		});
	}
}

#[test]
fn a_partial_worker_is_caught_exactly_when_a_faked_sample_is_opened() {
	new_test_ext().execute_with(|| {
		set_params(audited_everything());
		let (mut caught, mut escaped) = (0, 0);
		for round in 0..12 {
			set_salt(round as u64);
			let mut nodes = four_honest();
			nodes[1].work = Work::Faulty(QUARTER);
			register(&nodes);
			issue(round);
			let seed = Challenges::duties(&key("Bob")).challenges[0].seed;
			commit_all(round, &nodes);
			let verify_until = run_to_verify_window(round);
			let seat = seat_of(round, "Bob");
			let opened = Audits::<Test>::get(round, seat).unwrap().indices;
			let hit = opened.iter().any(|&i| QUARTER.fakes_sample(&seed, i));
			let before = faults().len();
			finish_round(round, &nodes, verify_until);
			let faulted = faults().len() > before;
			assert_eq!(faulted, hit, "round {round}: opened {opened:?}");
			if hit {
				caught += 1
			} else {
				escaped += 1
			}
		}
		// With a quarter faked and four samples opened, both happen within 12 rounds.
		assert!(caught > 0 && escaped > 0, "caught {caught}, escaped {escaped}");
	});
}

#[test]
fn a_reveal_that_does_not_match_the_commitment_is_a_fault() {
	new_test_ext().execute_with(|| {
		set_params(audited_everything());
		let mut nodes = four_honest();
		nodes[2].opening = Opening::Mismatch;
		play_round(0, &nodes);
		assert!(events().contains(&Event::Revealed { round: 0, worker: 3, valid: false }));
		assert_eq!(faults(), vec![(3, Fault::BadProof)]);
		assert_eq!(offences()[0].kind, OffenceKind::Fraud);
	});
}

#[test]
fn a_worker_that_never_reveals_is_faulted() {
	new_test_ext().execute_with(|| {
		set_params(audited_everything());
		let mut nodes = four_honest();
		nodes[0].opening = Opening::Never;
		play_round(0, &nodes);
		assert_eq!(faults(), vec![(1, Fault::NoReveal)]);
		assert_eq!(outcomes_of(1), vec![RoundOutcome::Failed]);
	});
}

/// Issue #11, attack 5: a reveal window of three blocks (two in practice) let a coalition that
/// authored two blocks in a row keep an audited worker's reveal out and have it faulted. With
/// the testnets' ten-block windows, a reveal (and a verifier's opening) kept out of all but the
/// last block of its window still lands and the worker passes.
#[test]
fn a_reveal_censored_for_all_but_the_last_block_of_its_window_still_counts() {
	new_test_ext().execute_with(|| {
		set_params(audited_everything());
		const { assert!(ProtocolParams::TESTNET.reveal_window >= 10) };
		const { assert!(ProtocolParams::TESTNET.verify_window >= 10) };
		let nodes = four_honest();
		register(&nodes);
		issue(0);
		commit_all(0, &nodes);
		let verify_until = run_to_verify_window(0);
		// The verifiers' commitments are censored until the last block of their window…
		run_to_block(verify_until);
		verify_all(0, &nodes);
		// …and the openings and reveals until the last block of theirs.
		let Some(Phase::Open { reveal_until, .. }) = round_phase(0) else { panic!() };
		assert_eq!(reveal_until - verify_until, u64::from(ProtocolParams::TESTNET.reveal_window));
		run_to_block(reveal_until);
		open_all(0, &nodes);
		reveal_all(0, &nodes);
		run_until(|| round_phase(0).is_none());
		assert!(faults().is_empty(), "{:?}", faults());
		for node in &nodes {
			assert_eq!(outcomes_of(node.stash), vec![RoundOutcome::Passed], "{}", node.name);
		}
	});
}

#[test]
fn missed_rounds_are_recorded_and_a_run_of_them_is_reported() {
	new_test_ext().execute_with(|| {
		let mut nodes = four_honest();
		nodes[3].work = Work::Skip;
		for round in 0..3 {
			play_round(round, &nodes);
		}
		assert_eq!(outcomes_of(4), vec![RoundOutcome::Missed; 3]);
		assert!(events().contains(&Event::Missed { round: 1, worker: 4, streak: 2 }));
		let reported = offences();
		assert_eq!(reported.len(), 1);
		assert_eq!(
			(reported[0].offender, reported[0].kind, reported[0].fraction, reported[0].round),
			(4, OffenceKind::RepeatedMisses, Perbill::from_percent(1), 2)
		);
		assert_eq!(MissStreaks::<Test>::get(4), None, "the streak restarts after a report");
		// The run of misses suspends the worker: the next round is not issued to it.
		assert_eq!(suspended(), vec![4]);
		assert!(events().contains(&Event::Suspended { round: 2, worker: 4, reported: true }));
		play_registered_round(3, &nodes);
		assert!(!RoundWorkers::<Test>::get(3).iter().any(|w| w.stash == 4));
		assert_eq!(outcomes_of(4).len(), 3, "not challenged, so nothing missed");
		// Declared again, a committed round ends a streak.
		play_round(4, &nodes);
		nodes[3].work = Work::Honest;
		play_round(5, &nodes);
		assert_eq!(MissStreaks::<Test>::get(4), None);
		assert_eq!(offences().len(), 1);
	});
}

/// Attack 8: an offline node whose operator declares it again each time it is suspended loses
/// one `miss_slash` per `MissSlashPeriod` sessions, not one per run of misses (before: a
/// report every three rounds, ≈ 18% a day with one-minute sessions).
#[test]
fn an_offline_node_is_slashed_for_misses_at_most_once_per_period() {
	new_test_ext().execute_with(|| {
		let mut nodes = four_honest();
		nodes[3].work = Work::Skip;
		let period = MissSlashPeriod::get();
		let rounds = 3 * period;
		for round in 0..rounds {
			// `play_round` registers every node again: the operator calls `validate` at once.
			play_round(round, &nodes);
		}
		let reported: Vec<_> = offences()
			.into_iter()
			.filter(|o| o.offender == 4)
			.map(|o| (o.kind, o.round, o.fraction))
			.collect();
		// Runs of three misses end in rounds 2, 5, 8, …; one report per eight sessions.
		let miss = |round| (OffenceKind::RepeatedMisses, round, Perbill::from_percent(1));
		assert_eq!(reported, vec![miss(2), miss(11), miss(20)]);
		let total: Perbill = reported.iter().map(|r| r.2).fold(Perbill::zero(), |a, b| a + b);
		assert!(total <= Perbill::from_percent(rounds.div_ceil(period)));
		assert_eq!(suspended(), vec![4; (rounds / 3) as usize], "every run suspends it");
		assert!(events().contains(&Event::Suspended { round: 5, worker: 4, reported: false }));
		assert_eq!(MissSlashes::<Test>::get(4), Some(20));
		// Leaving staking forgets the worker's records.
		ReAudits::<Test>::insert(4, 1);
		MissStreaks::<Test>::insert(4, 1);
		<Challenges as sp_staking::OnStakingUpdate<AccountId, u128>>::on_unstake(&4);
		assert_eq!(
			(MissSlashes::<Test>::get(4), MissStreaks::<Test>::get(4), ReAudits::<Test>::get(4)),
			(None, None, None)
		);
		// The honest workers were never suspended nor reported.
		assert!(offences().iter().all(|o| o.offender == 4));
	});
}

/// Attack 5, last part: a verifier whose whole commit window was full blocks may have been
/// crowded out rather than lazy, and is excused; one that stays silent with room is missing.
#[test]
fn a_verifier_crowded_out_by_full_blocks_is_excused() {
	new_test_ext().execute_with(|| {
		set_params(audited_everything());
		let mut nodes = four_honest();
		nodes[2].verifying = Verifying::Never;
		let count = |round: u32, excused: bool| {
			events()
				.iter()
				.filter(|e| match e {
					Event::VerifierMissed { round: r, verifier: 3, .. } => !excused && *r == round,
					Event::VerifierExcused { round: r, verifier: 3, .. } => excused && *r == round,
					_ => false,
				})
				.count()
		};
		// Round 0: blocks with room; Charlie's silence is a miss.
		play_round(0, &nodes);
		assert!(count(0, false) > 0);
		assert_eq!(count(0, true), 0);
		// Round 1: every block of the verify window full.
		register(&nodes);
		issue(1);
		commit_all(1, &nodes);
		let verify_until = run_to_verify_window(1);
		set_full_blocks(true);
		verify_all(1, &nodes);
		run_to_block(verify_until);
		set_full_blocks(false);
		assert!(FullBlocks::<Test>::get().contains(&verify_until));
		run_to_block(verify_until + 1);
		open_all(1, &nodes);
		reveal_all(1, &nodes);
		run_until(|| round_phase(1).is_none());
		assert_eq!(count(1, false), 0, "crowded out, not missing");
		assert!(count(1, true) > 0);
		assert!(faults().is_empty());
		assert_eq!(FullBlocks::<Test>::get().len(), 10, "the window's blocks were recorded");
		// The check itself: windows inside the record, one with a gap, one longer than it.
		use crate::round::congestion::Congestion;
		let record: Vec<BlockNumber> = (5..15).collect();
		let both = Congestion::of::<Test>(&record, 5, (9, 14));
		assert!(both.commit_window && both.open_window);
		let gap = Congestion::of::<Test>(&record, 5, (9, 15));
		assert!(gap.commit_window && !gap.open_window);
		let long = Congestion::of::<Test>(&record, u32::MAX, (u64::MAX - 1, u64::MAX));
		assert!(!long.commit_window && !long.open_window);
	});
}

// ---- cheating verifiers ----------------------------------------------------------------------

#[test]
fn a_guessing_verifier_loses_the_escalation_and_is_slashed() {
	new_test_ext().execute_with(|| {
		set_params(audited_everything());
		let mut nodes = four_honest();
		nodes[3].verifying = Verifying::Guess;
		play_round(0, &nodes);
		assert!(faults().is_empty());
		// Dave verified three workers (r = 3 of the three others) and dissented each time: each
		// audit was escalated, the honest majority passed it, and Dave lost each escalation.
		let escalated = events().iter().filter(|e| matches!(e, Event::Escalated { .. })).count();
		assert_eq!(escalated, 3);
		assert_eq!(penalised(), vec![4, 4, 4]);
		assert_eq!(outcomes_of(4).iter().filter(|o| **o == RoundOutcome::Failed).count(), 3);
		// One offence for the round (pallet-offences keeps one report per round and kind).
		let reported: Vec<_> = offences().iter().map(|o| (o.offender, o.kind)).collect();
		assert_eq!(reported, vec![(4, OffenceKind::FalseVerification)]);
		for stash in 1..=3 {
			assert_eq!(outcomes_of(stash), vec![RoundOutcome::Passed]);
		}
	});
}

#[test]
fn a_verifier_cannot_copy_the_reveal_and_a_worker_cannot_reveal_before_the_verifiers() {
	new_test_ext().execute_with(|| {
		set_params(audited_everything());
		let nodes = four_honest();
		register(&nodes);
		issue(0);
		commit_all(0, &nodes);
		run_until(|| matches!(round_phase(0), Some(Phase::Open { .. })));
		let Some(Phase::Open { verify_until, .. }) = round_phase(0) else { panic!() };
		// Alice tries to reveal while the verifiers still work: refused as premature.
		let duty = Challenges::duties(&key("Alice")).reveals.remove(0);
		assert_eq!(duty.opens, verify_until + 1);
		let leaves = leaves_of(&nodes[0], &duty.seed, duty.n);
		let reveal = Submission::Reveal {
			round: 0,
			outputs: outputs(
				duty.indices.iter().map(|&i| committed_output(&nodes[0], &duty.seed, i)).collect(),
			),
			proofs: OpenedProofs::truncate_from(
				duty.indices.iter().map(|&i| merkle_proof(&leaves, i).unwrap()).collect(),
			),
		};
		assert_eq!(submit("Alice", reveal.clone()), Err(InvalidTransaction::Future.into()));
		// After the verify window a verification is refused: nobody verifies with the reveal
		// in sight.
		run_to_block(verify_until + 1);
		let duty = Challenges::duties(&key("Bob")).verifications;
		assert!(duty.is_empty(), "no verification is owed after the window");
		let late = Submission::CommitVerification {
			round: 0,
			worker: key("Alice"),
			digest: H256::repeat_byte(1),
		};
		assert_eq!(submit("Bob", late), Err(stale()));
		assert_eq!(submit("Alice", reveal), Ok(Ok(())));
	});
}

/// Nine validators, Bob and Charlie (stashes 2 and 3) with a thousand times the stake of each
/// other one, so that they sit on nearly every first committee, verifying as `colluders`; every
/// round audited by three, escalations by seven.
fn nine_with_two_heavy_colluders(colluders: Verifying) -> Vec<Node> {
	set_params(ProtocolParams { verifiers: 3, escalation_verifiers: 7, ..audited_everything() });
	const NAMES: [&str; 9] =
		["Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie", "One", "Two", "Three"];
	let mut nodes: Vec<Node> =
		NAMES.iter().enumerate().map(|(i, &name)| node(i as AccountId + 1, name)).collect();
	nodes[1].verifying = colluders;
	nodes[2].verifying = colluders;
	let stake = |stash: AccountId| if stash == 2 || stash == 3 { 1_000_000 } else { 1_000 };
	let weighted: Vec<_> =
		nodes.iter().map(|n| (n.stash, n.name, n.tier, n.validator, stake(n.stash))).collect();
	set_weighted_workers(&weighted);
	nodes
}

/// Plays round 0 of [`nine_with_two_heavy_colluders`], checking that the colluders hold two
/// seats of Alice's first committee. Returns the stash of its third, honest verifier.
fn play_round_zero_with_alice_captured(nodes: &[Node]) -> AccountId {
	issue(0);
	commit_all(0, nodes);
	let verify_until = run_to_verify_window(0);
	let workers = RoundWorkers::<Test>::get(0);
	let seat = |name: &str| seat_of(0, name);
	let first = Audits::<Test>::get(0, seat("Alice")).unwrap().verifiers.into_inner();
	let colluders = [seat("Bob"), seat("Charlie")];
	assert!(colluders.iter().all(|c| first.contains(c)), "the colluders hold the committee");
	let honest = first.iter().find(|v| !colluders.contains(v)).map(|&v| workers[v as usize].stash);
	finish_round(0, nodes, verify_until);
	honest.expect("a committee of three holds one more verifier")
}

/// Two colluders with most of the stake hold a lazy worker's first committee and vote to pass
/// it. The honest third verifier's dissent escalates the audit: the committee of seven fails
/// the worker, and both colluders are slashed for vouching for it. (Before, two of three
/// carried the vote and the honest verifier was the one penalised.)
#[test]
fn colluders_who_capture_the_first_committee_cannot_cover_a_lazy_worker() {
	new_test_ext().execute_with(|| {
		let mut nodes = nine_with_two_heavy_colluders(Verifying::Collude);
		nodes[0].work = LAZY;
		nodes[0].verifying = Verifying::Never;
		let honest = play_round_zero_with_alice_captured(&nodes);
		assert_eq!(faults(), vec![(1, Fault::OutsideTolerance)]);
		let mut reported: Vec<_> = offences().iter().map(|o| (o.offender, o.kind)).collect();
		reported.sort();
		assert_eq!(
			reported,
			vec![
				(1, OffenceKind::Fraud),
				(2, OffenceKind::FalseVerification),
				(3, OffenceKind::FalseVerification)
			]
		);
		assert!(!penalised().contains(&honest));
	});
}

/// Issue #11, attack 2: two framers with most of the stake sit on every first committee and
/// fail honest workers. One committee's word used to fault (20% slash and a chill); now a
/// failing verdict goes to a committee of seven, the honest majority there passes the worker,
/// and the framers are slashed for the false verdict while the honest minority of the first
/// committee is paid.
#[test]
fn framers_who_capture_the_first_committee_lose_the_escalation_and_are_slashed() {
	new_test_ext().execute_with(|| {
		let nodes = nine_with_two_heavy_colluders(Verifying::Frame);
		let honest = play_round_zero_with_alice_captured(&nodes);
		// Every honest worker's first verdict failed, was escalated, and passed.
		assert!(events().iter().any(|e| matches!(e, Event::Escalated { worker: 1, .. })));
		assert!(faults().is_empty(), "an honest worker was faulted: {:?}", faults());
		for stash in [1, 4, 5, 6, 7, 8, 9] {
			assert!(outcomes_of(stash).contains(&RoundOutcome::Passed), "{stash} passed");
		}
		// The framers were reported for the false verdict; nobody else was.
		let mut reported: Vec<_> = offences().iter().map(|o| (o.offender, o.kind)).collect();
		reported.sort();
		assert_eq!(
			reported,
			vec![(2, OffenceKind::FalseVerification), (3, OffenceKind::FalseVerification)]
		);
		assert!(events().contains(&Event::VerifierSlashed { round: 0, verifier: 2, worker: 1 }));
		// The honest verifier of Alice's first committee is paid, not penalised.
		assert!(events().iter().any(|e| matches!(
			e,
			Event::VerifierRewarded { verifier, worker: 1, .. } if *verifier == honest
		)));
		assert!(!penalised().contains(&honest));
	});
}

/// With the honest majority in the first committee, a failing verdict is confirmed by the
/// escalation: the cheater is faulted and slashed, and a colluder that vouched for it in either
/// committee is slashed too.
#[test]
fn an_escalation_confirms_a_fault_and_slashes_the_verifier_that_vouched_for_it() {
	new_test_ext().execute_with(|| {
		set_params(ProtocolParams {
			verifiers: 3,
			escalation_verifiers: 5,
			..audited_everything()
		});
		let mut nodes: Vec<Node> = ["Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie"]
			.iter()
			.enumerate()
			.map(|(i, &name)| node(i as AccountId + 1, name))
			.collect();
		nodes[0].work = LAZY;
		nodes[0].verifying = Verifying::Never;
		nodes[1].verifying = Verifying::Collude;
		play_round(0, &nodes);
		assert_eq!(faults(), vec![(1, Fault::OutsideTolerance)]);
		let kinds: Vec<_> = offences().iter().map(|o| (o.offender, o.kind)).collect();
		assert!(kinds.contains(&(1, OffenceKind::Fraud)));
		// Bob vouched for Alice on at least the escalation committee (5 of the 5 others).
		assert!(kinds.contains(&(2, OffenceKind::FalseVerification)), "{kinds:?}");
		assert!(!kinds.iter().any(|(who, _)| ![1, 2].contains(who)), "{kinds:?}");
	});
}

/// Issue #11, attack 4: verifications are commitments until the commit window closes, so there
/// is nothing to copy. A copied commitment cannot be opened (the verifier's own key is in the
/// digest), an opening that does not match its commitment is refused, and a commitment left
/// unopened is a missed verification.
#[test]
fn a_verifier_cannot_copy_another_and_an_unopened_commitment_is_missed() {
	new_test_ext().execute_with(|| {
		set_params(ProtocolParams { verifiers: 3, ..audited_everything() });
		let nodes = four_honest();
		register(&nodes);
		issue(0);
		commit_all(0, &nodes);
		let verify_until = run_to_verify_window(0);
		// Bob commits honestly to his outputs for Alice's audit.
		let bob = nodes[1];
		let duty = Challenges::duties(&key("Bob"))
			.verifications
			.into_iter()
			.find(|d| d.worker == key("Alice"))
			.expect("Bob verifies Alice (all three others do)");
		let bob_outputs = verifier_outputs(&bob, &nodes, &duty).unwrap();
		let bob_salt = salt_of(&bob, &duty);
		let bob_digest =
			verification_digest(&bob_outputs, &key("Bob"), 0, &key("Alice"), &bob_salt);
		let commit =
			|digest| Submission::CommitVerification { round: 0, worker: key("Alice"), digest };
		assert_eq!(submit("Bob", commit(bob_digest)), Ok(Ok(())));
		// What is on chain is the digest alone: there are no outputs to copy.
		let seat = |n: &str| seat_of(0, n);
		let record = Verifications::<Test>::get((0, seat("Alice"), Panel::First, seat("Bob")));
		assert_eq!(record, Some(crate::Verification { digest: bob_digest, outputs: None }));
		// Charlie, lazy, copies Bob's commitment; Dave commits and will not open.
		assert_eq!(submit("Charlie", commit(bob_digest)), Ok(Ok(())));
		let open = |outputs: OpenedOutputs, salt| Submission::OpenVerification {
			round: 0,
			worker: key("Alice"),
			outputs,
			salt,
		};
		// Opening before the commit window closes is premature.
		assert_eq!(
			submit("Bob", open(bob_outputs.clone(), bob_salt)),
			Err(InvalidTransaction::Future.into())
		);
		let mut nodes_without_dave_opening = nodes.clone();
		nodes_without_dave_opening[3].verifying = Verifying::NoOpen;
		// Everyone else commits as usual (Charlie and Bob have for Alice already).
		for verifier in &nodes_without_dave_opening {
			for duty in Challenges::duties(&key(verifier.name)).verifications {
				if duty.committed {
					continue;
				}
				let outputs = verifier_outputs(verifier, &nodes, &duty).unwrap();
				let digest = verification_digest(
					&outputs,
					&key(verifier.name),
					0,
					&duty.worker,
					&salt_of(verifier, &duty),
				);
				let commit =
					Submission::CommitVerification { round: 0, worker: duty.worker, digest };
				assert_eq!(submit(verifier.name, commit), Ok(Ok(())));
			}
		}
		run_to_block(verify_until + 1);
		// Charlie cannot open Bob's commitment, not even with Bob's outputs and salt.
		assert_eq!(
			submit("Charlie", open(bob_outputs.clone(), bob_salt)),
			Err(custom(Error::OpeningMismatch))
		);
		// Bob cannot open other outputs than he committed to.
		let mut other = bob_outputs.clone();
		other[0][0] = other[0][0].wrapping_add(1);
		assert_eq!(submit("Bob", open(other, bob_salt)), Err(custom(Error::OpeningMismatch)));
		assert_eq!(submit("Bob", open(bob_outputs.clone(), bob_salt)), Ok(Ok(())));
		assert_eq!(submit("Bob", open(bob_outputs, bob_salt)), Err(stale()), "opened once");
		// The rest open (but Dave, and Charlie for Alice), Alice reveals, the verdicts come.
		let mut openers = nodes_without_dave_opening.clone();
		openers[2].verifying = Verifying::Honest;
		for verifier in openers.iter().filter(|n| n.verifying != Verifying::NoOpen) {
			for duty in Challenges::duties(&key(verifier.name)).verifications {
				if !duty.committed || (verifier.name == "Charlie" && duty.worker == key("Alice")) {
					continue;
				}
				let outputs = verifier_outputs(verifier, &nodes, &duty).unwrap();
				let salt = salt_of(verifier, &duty);
				let submission =
					Submission::OpenVerification { round: 0, worker: duty.worker, outputs, salt };
				assert_eq!(submit(verifier.name, submission), Ok(Ok(())));
			}
		}
		reveal_all(0, &nodes);
		run_until(|| round_phase(0).is_none());
		assert!(faults().is_empty());
		// Charlie's copied commitment and Dave's unopened ones are missed verifications.
		let missed: Vec<_> = events()
			.into_iter()
			.filter_map(|e| match e {
				Event::VerifierMissed { verifier, worker, .. } => Some((verifier, worker)),
				_ => None,
			})
			.collect();
		assert!(missed.contains(&(3, 1)), "{missed:?}");
		assert_eq!(missed.iter().filter(|(v, _)| *v == 4).count(), 3, "{missed:?}");
		assert!(!events()
			.iter()
			.any(|e| matches!(e, Event::VerifierRewarded { verifier: 3, worker: 1, .. })));
	});
}

#[test]
fn split_verifiers_are_inconclusive_and_the_next_round_is_re_audited_by_more() {
	new_test_ext().execute_with(|| {
		set_params(ProtocolParams { verifiers: 2, ..audited_everything() });
		// Three workers: each is verified by the two others. Charlie guesses.
		let mut nodes = vec![node(1, "Alice"), node(2, "Bob"), node(3, "Charlie")];
		nodes[2].verifying = Verifying::Guess;
		play_round(0, &nodes);
		assert!(events().contains(&Event::Inconclusive { round: 0, worker: 1 }));
		assert!(events().contains(&Event::Inconclusive { round: 0, worker: 2 }));
		assert!(faults().is_empty() && penalised().is_empty());
		assert_eq!(ReAudits::<Test>::get(1), Some(2));
		// Next round: audited even at p = 0, by 2 + 2 verifiers (capped by the two available).
		set_params(ProtocolParams {
			verifiers: 2,
			audit_probability: Perbill::zero(),
			..ProtocolParams::TESTNET
		});
		let mut nodes = vec![
			node(1, "Alice"),
			node(2, "Bob"),
			node(3, "Charlie"),
			node(4, "Dave"),
			node(5, "Eve"),
		];
		nodes[2].verifying = Verifying::Honest;
		register(&nodes);
		issue(1);
		commit_all(1, &nodes);
		run_until(|| matches!(round_phase(1), Some(Phase::Open { .. })));
		let alice = seat_of(1, "Alice");
		let audit = Audits::<Test>::get(1, alice).expect("re-audited despite p = 0");
		assert_eq!((audit.verifiers.len(), audit.extra_verifiers), (4, 2));
		assert_eq!(ReAudits::<Test>::get(1), None);
		assert_eq!(Audits::<Test>::iter_prefix(1).count(), 2, "only the re-audits at p = 0");
	});
}

#[test]
fn a_verifier_that_does_not_submit_misses_and_the_rest_decide() {
	new_test_ext().execute_with(|| {
		set_params(audited_everything());
		let mut nodes = four_honest();
		nodes[3].verifying = Verifying::Never;
		play_round(0, &nodes);
		assert!(faults().is_empty());
		let missed = events()
			.iter()
			.filter(|e| matches!(e, Event::VerifierMissed { verifier: 4, .. }))
			.count();
		assert_eq!(missed, 3);
		assert_eq!(outcomes_of(4).iter().filter(|o| **o == RoundOutcome::Missed).count(), 3);
	});
}

#[test]
fn a_lone_lazy_verifier_cannot_fault_a_worker_when_the_others_are_silent() {
	new_test_ext().execute_with(|| {
		set_params(audited_everything());
		let mut nodes = four_honest();
		nodes[1].verifying = Verifying::Never;
		nodes[2].verifying = Verifying::Never;
		nodes[3].verifying = Verifying::Guess;
		play_round(0, &nodes);
		// Alice's committee is Bob, Charlie and Dave; only Dave's guess arrived: one of three
		// is no majority, so the audit is inconclusive and Alice is re-audited.
		assert!(faults().is_empty(), "{:?}", faults());
		assert!(penalised().is_empty());
		assert!(events().contains(&Event::Inconclusive { round: 0, worker: 1 }));
		assert_eq!(ReAudits::<Test>::get(1), Some(2));
	});
}

// ---- malformed, late, duplicate and replayed submissions -------------------------------------

#[test]
fn submissions_are_refused_before_they_reach_a_block() {
	new_test_ext().execute_with(|| {
		let nodes = four_honest();
		register(&nodes);
		issue(0);
		let duty = Challenges::duties(&key("Alice")).challenges.remove(0);
		let root = commitment_root(&leaves_of(&nodes[0], &duty.seed, duty.n));
		let commit = |round, n| Submission::Commit { round, root, n, wall_time_ms: 5 };
		// Signed by another key than the one claimed.
		assert_eq!(
			apply(call_signed_by("Bob", "Alice", commit(0, 32))),
			Err(InvalidTransaction::BadProof.into())
		);
		// A signature over other fields (the round swapped after signing).
		let mut call = call_signed_by("Alice", "Alice", commit(0, 32));
		if let crate::Call::commit { round, .. } = &mut call {
			*round = 7;
		}
		assert_eq!(apply(call), Err(stale()), "round 7 is not in flight");
		// Signed for the round of the same index on a relaunch of the chain (same genesis,
		// same keys, other randomness).
		let mut relaunched = Rounds::<Test>::get(0).unwrap();
		let ours = relaunched.randomness;
		relaunched.randomness = [0xee; 32];
		Rounds::<Test>::insert(0, relaunched);
		let replayed = call_signed_by("Alice", "Alice", commit(0, 32));
		relaunched.randomness = ours;
		Rounds::<Test>::insert(0, relaunched);
		assert_eq!(apply(replayed), Err(InvalidTransaction::BadProof.into()));
		// Not a worker of the round.
		assert_eq!(submit("Ferdie", commit(0, 32)), Err(custom(Error::NotAWorker)));
		// The wrong batch size.
		assert_eq!(submit("Alice", commit(0, 31)), Err(custom(Error::WrongBatchSize)));
		// Accepted once…
		assert_eq!(submit("Alice", commit(0, 32)), Ok(Ok(())));
		assert!(
			Commitments::<Test>::contains_key(0, 0) || Commitments::<Test>::iter().count() == 1
		);
		// …and a duplicate is stale, as is the very same transaction replayed.
		assert_eq!(submit("Alice", commit(0, 32)), Err(stale()));
		// After the deadline (start 1 + 6 blocks), Bob is late.
		run_to_block(8);
		let bob = nodes[1];
		let duty = Challenges::duties(&key("Bob")).challenges;
		assert!(duty.is_empty(), "no challenge is owed after the deadline");
		let seed = poai_primitives::challenge_seed(
			&Rounds::<Test>::get(0).unwrap().randomness,
			0,
			&key("Bob"),
		);
		let late = Submission::Commit {
			round: 0,
			root: commitment_root(&leaves_of(&bob, &seed, 32)),
			n: 32,
			wall_time_ms: 5,
		};
		assert_eq!(submit("Bob", late), Err(stale()));
	});
}

#[test]
fn malformed_and_oversized_outputs_are_refused() {
	new_test_ext().execute_with(|| {
		set_params(audited_everything());
		let nodes = four_honest();
		register(&nodes);
		issue(0);
		commit_all(0, &nodes);
		run_until(|| matches!(round_phase(0), Some(Phase::Open { .. })));
		let duty = Challenges::duties(&key("Bob")).verifications.remove(0);
		let commit = Submission::CommitVerification {
			round: 0,
			worker: duty.worker.clone(),
			digest: H256::repeat_byte(9),
		};
		assert_eq!(submit("Bob", commit), Ok(Ok(())));
		let reveal_duty = Challenges::duties(&key("Alice")).reveals.remove(0);
		run_to_block(reveal_duty.opens);
		let verify = |values: Vec<Vec<i32>>| Submission::OpenVerification {
			round: 0,
			worker: duty.worker.clone(),
			outputs: outputs(values),
			salt: [0; 32],
		};
		// One output short; one output of the wrong length.
		assert_eq!(
			submit("Bob", verify(vec![vec![0; 4]; 3])),
			Err(custom(Error::MalformedOutputs))
		);
		let mut values = vec![vec![0; 4]; 4];
		values[2].push(0);
		assert_eq!(submit("Bob", verify(values)), Err(custom(Error::MalformedOutputs)));
		// Not a verifier of this audit: the audited worker itself.
		let own = find(&nodes, &duty.worker).name;
		assert_eq!(submit(own, verify(vec![vec![0; 4]; 4])), Err(custom(Error::NotAVerifier)));
		// A reveal with a proof missing.
		let reveal = Submission::Reveal {
			round: 0,
			outputs: outputs(vec![vec![0; 4]; 4]),
			proofs: OpenedProofs::truncate_from(vec![Default::default(); 3]),
		};
		assert_eq!(submit("Alice", reveal), Err(custom(Error::MalformedOutputs)));
		// More outputs than any audit opens do not even decode.
		let mut encoded = crate::Call::<Test>::open_verification {
			key: key("Bob"),
			round: 0,
			worker: duty.worker.clone(),
			outputs: outputs(vec![vec![0; 4]; 16]),
			salt: [0; 32],
			signature: WorkerSignature::from(pair("Bob").sign(b"x")),
		}
		.encode();
		// Bump the outer length prefix (compact 16 → 17: one byte, 16 << 2 → 17 << 2).
		let position = 1 + 32 + 4 + 32;
		assert_eq!(encoded[position], 16 << 2);
		encoded[position] = 17 << 2;
		assert!(crate::Call::<Test>::decode(&mut &encoded[..]).is_err());
	});
}

#[test]
fn only_authorised_transactions_dispatch() {
	new_test_ext().execute_with(|| {
		register(&four_honest());
		issue(0);
		let call = call_signed_by(
			"Alice",
			"Alice",
			Submission::Commit { round: 0, root: H256::zero(), n: 32, wall_time_ms: 1 },
		);
		let crate::Call::commit { key, round, root, n, wall_time_ms, signature } = call else {
			panic!()
		};
		assert_noop!(
			Challenges::commit(
				RuntimeOrigin::signed(1),
				key.clone(),
				round,
				root,
				n,
				wall_time_ms,
				signature.clone()
			),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Challenges::commit(RuntimeOrigin::root(), key, round, root, n, wall_time_ms, signature),
			DispatchError::BadOrigin
		);
	});
}

// ---- models and validator sets ---------------------------------------------------------------

#[test]
fn a_retired_model_is_not_issued_and_a_tier_without_models_owes_nothing() {
	new_test_ext().execute_with(|| {
		let mut gpu_only = mlp_spec();
		gpu_only.onnx_hash = H256::repeat_byte(2);
		gpu_only.tiers.retain(|c| c.tier == TierId(1));
		set_model(1, gpu_only);
		retire_model(0);
		let mut nodes = four_honest();
		nodes[3].tier = TierId(1);
		register(&nodes);
		issue(0);
		assert_eq!(
			RoundModels::<Test>::get(0).iter().map(|(id, _)| *id).collect::<Vec<_>>(),
			vec![1]
		);
		assert!(Challenges::duties(&key("Alice")).challenges.is_empty());
		assert_eq!(Challenges::duties(&key("Dave")).challenges[0].model, 1);
		let commit = Submission::Commit { round: 0, root: H256::zero(), n: 32, wall_time_ms: 1 };
		assert_eq!(submit("Alice", commit), Err(custom(Error::NoChallenge)));
		// Nobody is charged a miss for a challenge never issued.
		run_until(|| round_phase(0).is_none());
		assert_eq!(outcomes_of(1), vec![]);
		assert_eq!(outcomes_of(4), vec![RoundOutcome::Missed]);
	});
}

#[test]
fn a_model_retired_mid_round_is_still_judged_on_its_snapshot() {
	new_test_ext().execute_with(|| {
		set_params(audited_everything());
		let nodes = four_honest();
		register(&nodes);
		issue(0);
		retire_model(0);
		commit_all(0, &nodes);
		let verify_until = run_to_verify_window(0);
		finish_round(0, &nodes, verify_until);
		assert_eq!(outcomes().len(), 4);
		assert!(outcomes().iter().all(|(_, o)| *o == RoundOutcome::Passed));
		// The next round issues nothing.
		issue(1);
		assert!(RoundModels::<Test>::get(1).is_empty());
		assert!(Challenges::duties(&key("Alice")).is_empty());
	});
}

#[test]
fn without_other_validators_rounds_pass_unaudited_and_without_workers_rounds_are_empty() {
	new_test_ext().execute_with(|| {
		set_params(audited_everything());
		let mut nodes = vec![node(1, "Alice"), node(2, "Bob")];
		nodes[1].validator = false;
		play_round(0, &nodes);
		// Alice's only possible verifier is not a validator; Bob's only one is Alice.
		assert!(events().contains(&Event::Passed {
			round: 0,
			worker: 1,
			audited: false,
			points: 1
		}));
		assert!(events().contains(&Event::Passed {
			round: 0,
			worker: 2,
			audited: true,
			points: 1
		}));
		System::reset_events();
		play_round(1, &[]);
		assert!(events()
			.iter()
			.any(|e| matches!(e, Event::RoundIssued { round: 1, workers: 0, models: 1, .. })));
		assert!(events().contains(&Event::RoundClosed { round: 1 }));
		assert_eq!(outcomes().len(), 2);
	});
}

// ---- chunking and bounds ---------------------------------------------------------------------

#[test]
fn draws_verdicts_and_pruning_run_in_bounded_chunks() {
	const NAMES: [&str; 10] = ["W0", "W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8", "W9"];
	let nodes: Vec<Node> =
		NAMES.iter().enumerate().map(|(i, name)| node(i as AccountId + 10, name)).collect();
	let mut ext = new_test_ext();
	let reveal_until = ext.execute_with(|| {
		set_params(audited_everything());
		register(&nodes);
		issue(0);
		commit_all(0, &nodes);
		let Some(Phase::Commit { until }) = round_phase(0) else { panic!() };
		// The draw waits for the randomness window after the commit window.
		let draw = until + u64::from(ProtocolParams::TESTNET.randomness_window) + 1;
		run_to_block(draw - 1);
		assert_eq!(round_phase(0), Some(Phase::Commit { until }));
		run_to_block(draw);
		// 10 workers at 4 draws per block: 4, 8, then done.
		assert_eq!(round_phase(0), Some(Phase::Drawing { next: 4 }));
		run_to_block(draw + 1);
		assert_eq!(round_phase(0), Some(Phase::Drawing { next: 8 }));
		run_to_block(draw + 2);
		let Some(Phase::Open { verify_until, reveal_until }) = round_phase(0) else { panic!() };
		verify_all(0, &nodes);
		run_to_block(verify_until + 1);
		open_all(0, &nodes);
		reveal_all(0, &nodes);
		reveal_until
	});
	// Storage written in earlier blocks is in the database, where removal limits apply (keys
	// still in the overlay are removed without counting).
	ext.commit_all().unwrap();
	ext.execute_with(|| {
		run_to_block(reveal_until + 1);
		// Two verdicts per block.
		assert!(matches!(round_phase(0), Some(Phase::Judging { next: 2, .. })));
		let mut blocks = 1;
		while matches!(round_phase(0), Some(Phase::Judging { .. })) && blocks < 20 {
			run_to_block(System::block_number() + 1);
			blocks += 1;
		}
		assert_eq!(blocks, 5, "ten verdicts at two per block");
		assert_eq!(outcomes().iter().filter(|(_, o)| *o == RoundOutcome::Passed).count(), 10);
	});
	ext.commit_all().unwrap();
	// 10 commitments + 10 audits + 30 verifications + 10 reveals, 8 keys per block (the last
	// verdict block may have started with its leftover budget). Each block is committed, as
	// block import does.
	let mut pruning_blocks = 0;
	while ext.execute_with(|| round_phase(0).is_some()) && pruning_blocks < 20 {
		ext.execute_with(|| {
			assert_eq!(round_phase(0), Some(Phase::Pruning));
			run_to_block(System::block_number() + 1);
			Challenges::do_try_state().unwrap();
		});
		ext.commit_all().unwrap();
		pruning_blocks += 1;
	}
	ext.execute_with(|| {
		assert!(round_phase(0).is_none());
		assert!((6..=8).contains(&pruning_blocks), "pruned in {pruning_blocks} blocks");
		assert_eq!(Verifications::<Test>::iter().count(), 0);
		assert_eq!(Commitments::<Test>::iter().count(), 0);
	});
}

#[test]
fn set_params_is_root_only_and_checked() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Challenges::set_params(RuntimeOrigin::signed(1), ProtocolParams::TESTNET),
			DispatchError::BadOrigin
		);
		for bad in [
			ProtocolParams { commit_window: 0, ..ProtocolParams::TESTNET },
			ProtocolParams { randomness_window: 1, ..ProtocolParams::TESTNET },
			ProtocolParams { verify_window: 0, ..ProtocolParams::TESTNET },
			ProtocolParams { reveal_window: 0, ..ProtocolParams::TESTNET },
			ProtocolParams { audit_samples: 0, ..ProtocolParams::TESTNET },
			ProtocolParams { audit_samples: 17, ..ProtocolParams::TESTNET },
			ProtocolParams { verifiers: 0, ..ProtocolParams::TESTNET },
			ProtocolParams { escalation_verifiers: 2, ..ProtocolParams::TESTNET },
			ProtocolParams { escalation_verifiers: 8, ..ProtocolParams::TESTNET },
			ProtocolParams { verifiers: 8, ..ProtocolParams::TESTNET },
			ProtocolParams { flops_per_point: 0, ..ProtocolParams::TESTNET },
		] {
			assert_noop!(
				Challenges::set_params(RuntimeOrigin::root(), bad),
				Error::<Test>::InvalidParams
			);
		}
		let params = ProtocolParams { audit_samples: 16, verifiers: 7, ..ProtocolParams::TESTNET };
		assert_ok!(Challenges::set_params(RuntimeOrigin::root(), params));
		assert_eq!(Params::<Test>::get(), params);
		// Rounds in flight keep the parameters they were issued with.
		register(&four_honest());
		issue(0);
		set_params(ProtocolParams::TESTNET);
		assert_eq!(Rounds::<Test>::get(0).unwrap().params, params);
	});
}

// ---- the runtime-API path: keystore and transaction pool -------------------------------------

#[test]
fn submit_signs_with_the_keystore_and_reaches_the_pool() {
	use sp_core::offchain::{testing::TestTransactionPoolExt, TransactionPoolExt};
	use sp_keystore::{testing::MemoryKeystore, Keystore, KeystoreExt};
	use std::sync::Arc;

	let (pool, pool_state) = TestTransactionPoolExt::new();
	let keystore = MemoryKeystore::new();
	keystore.sr25519_generate_new(poai_primitives::POAI_KEY_TYPE, Some("//Alice")).unwrap();
	let mut ext = new_test_ext();
	ext.register_extension(TransactionPoolExt::new(pool));
	ext.register_extension(KeystoreExt(Arc::new(keystore)));
	ext.execute_with(|| {
		let nodes = four_honest();
		register(&nodes);
		issue(0);
		let duty = Challenges::duties(&key("Alice")).challenges.remove(0);
		let root = commitment_root(&leaves_of(&nodes[0], &duty.seed, duty.n));
		let commit = Submission::Commit { round: 0, root, n: duty.n, wall_time_ms: 12 };
		assert_eq!(Challenges::submit(key("Alice"), commit.clone()), Ok(()));
		// Bob's key is not in this node's keystore.
		assert_eq!(Challenges::submit(key("Bob"), commit), Err(SubmitError::SigningFailed));
		let transactions = std::mem::take(&mut pool_state.write().transactions);
		assert_eq!(transactions.len(), 1);
		let xt = UncheckedExtrinsic::decode(&mut &transactions[0][..]).unwrap();
		let info = xt.get_dispatch_info();
		let len = xt.encoded_size();
		let checked = Checkable::check(xt, &frame_system::ChainContext::<Test>::default()).unwrap();
		checked.validate::<Test>(TransactionSource::Local, &info, len).unwrap();
		assert_eq!(checked.apply::<Test>(&info, len).unwrap().map(|_| ()), Ok(()));
		assert!(events()
			.iter()
			.any(|e| matches!(e, Event::Committed { worker: 1, wall_time_ms: 12, .. })));
	});
}

// ---- statistics over many rounds -------------------------------------------------------------

#[test]
fn detection_rate_of_a_partial_cheater_matches_the_sampling_bound() {
	// f = 1/4 of the samples faked, k = 4 opened out of n = 32, every round audited. A round
	// is caught exactly when an opened sample is faked: the hypergeometric
	// 1 − C(n − m, k) / C(n, k) for the m faked samples of that round, ≈ 1 − (1 − f)^k.
	const ROUNDS: u32 = 300;
	new_test_ext().execute_with(|| {
		set_params(audited_everything());
		let mut nodes = vec![node(1, "Alice"), node(2, "Bob"), node(3, "Charlie"), node(4, "Dave")];
		nodes[0].work = Work::Faulty(QUARTER);
		let mut expected = 0.0f64;
		for round in 0..ROUNDS {
			set_salt(u64::from(round));
			register(&nodes);
			set_session(round);
			run_to_block(System::block_number() + 1);
			let seed = Challenges::duties(&key("Alice")).challenges[0].seed;
			let m = (0..32).filter(|&i| QUARTER.fakes_sample(&seed, i)).count() as f64;
			let miss: f64 =
				(0..4).map(|i| (32.0 - m - i as f64).max(0.0) / (32.0 - i as f64)).product();
			expected += 1.0 - miss;
			commit_all(round, &nodes);
			let verify_until = run_to_verify_window(round);
			finish_round(round, &nodes, verify_until);
			System::reset_events();
		}
		let detected = offences().iter().filter(|o| o.offender == 1).count() as f64;
		let rate = detected / f64::from(ROUNDS);
		let p = expected / f64::from(ROUNDS);
		let sigma = (p * (1.0 - p) / f64::from(ROUNDS)).sqrt();
		let bound = 1.0 - 0.75f64.powi(4);
		assert!((rate - p).abs() <= 4.0 * sigma, "rate {rate}, expected {p} ± {}", 4.0 * sigma);
		assert!((p - bound).abs() < 0.05, "hypergeometric {p} vs 1 − (1 − f)^k = {bound}");
		// No honest worker was ever faulted.
		assert!(offences().iter().all(|o| o.offender == 1));
	});
}

#[test]
fn honest_workers_with_float_noise_are_never_faulted() {
	// 1e-4 relative noise on every output element (honest fp32 differences across machines are
	// ≤ 1e-6; TF32 ≈ 6e-4): 120 fully audited rounds of four workers, three verifiers each,
	// 4 samples per audit = 1,920 audited samples, each compared with three verifiers.
	new_test_ext().execute_with(|| {
		set_params(audited_everything());
		let mut nodes = four_honest();
		for (i, n) in nodes.iter_mut().enumerate() {
			n.work = Work::Noisy(1e-4 * (i as f32 + 1.0) / 4.0);
		}
		for round in 0..120 {
			set_salt(u64::from(round));
			play_round(round, &nodes);
			assert!(faults().is_empty() && penalised().is_empty(), "round {round}");
			System::reset_events();
		}
		assert!(offences().is_empty());
		assert!(outcomes().iter().all(|(_, o)| *o == RoundOutcome::Passed));
		assert_eq!(outcomes().len(), 4 * 120);
	});
}

#[test]
fn genesis_params_are_checked_and_applied() {
	let params = ProtocolParams { audit_samples: 8, ..ProtocolParams::TESTNET };
	let storage = RuntimeGenesisConfig {
		challenges: crate::GenesisConfig { params: Some(params), ..Default::default() },
		..Default::default()
	}
	.build_storage()
	.unwrap();
	sp_io::TestExternalities::new(storage).execute_with(|| {
		assert_eq!(Params::<Test>::get(), params);
	});
	let bad = ProtocolParams { verifiers: 0, ..ProtocolParams::TESTNET };
	let result = std::panic::catch_unwind(|| {
		RuntimeGenesisConfig {
			challenges: crate::GenesisConfig { params: Some(bad), ..Default::default() },
			..Default::default()
		}
		.build_storage()
	});
	assert!(result.is_err());
	new_test_ext().execute_with(Challenges::integrity_test);
}
