//! Chain capacity of the PoAI protocol (issue #6), from the runtime itself: the benchmarked
//! weight of every PoAI call and hook (`weights.rs` of each pallet, as the runtime configures
//! them), the encoded length of real PoAI transactions (general transactions with the runtime's
//! own extensions, as the worker submits them), the block limits, and the encoded size of what a
//! round stores per worker. Prints one JSON object per line for `scripts/benchmarks-report.py`.
//!
//! ```text
//! cargo run --release --locked -p poai-runtime --example capacity
//! ```
//!
//! A round's load falls on four kinds of blocks: the issue block (`issue_round`), the commit
//! window (one `commit` per worker), the verify window (`commit_verification`, a digest, by every
//! verifier of every audited worker) and the reveal window (`reveal` by every audited worker and
//! `open_verification` by every verifier) and the judging blocks (`judge`, at
//! most `JudgementsPerBlock` a block). For each model the example finds the largest number of
//! workers whose busiest block stays within half the block's weight and length, the budget
//! issue #6 sets so that transfers, staking and the next round's work still fit.

use codec::Encode;
use frame_support::{dispatch::GetDispatchInfo, traits::Get, weights::Weight};
use frame_system::offchain::CreateAuthorizedTransaction;
use pallet_poai_challenges::{
	types::{Audit, Commitment, ProtocolParams, Reveal, RoundInfo, RoundWorker, Verification},
	weights::WeightInfo as _,
	Audits, Commitments, Reveals, RoundModels, RoundWorkers, Rounds, Verifications,
};
use pallet_poai_models::weights::WeightInfo as _;
use pallet_poai_reputation::weights::WeightInfo as _;
use pallet_poai_staking::weights::WeightInfo as _;
use poai_primitives::{
	ModelSpec, OpenedOutputs, OpenedProofs, SampleOutput, TierId, WorkerId, WorkerSignature,
};
use poai_runtime::{AccountId, Runtime, RuntimeCall, UncheckedExtrinsic};
use sp_core::H256;
use sp_runtime::{BoundedVec, Perbill};

type ChallengeWeights = <Runtime as pallet_poai_challenges::Config>::WeightInfo;
type StakingWeights = <Runtime as pallet_poai_staking::Config>::WeightInfo;
type ModelsWeights = <Runtime as pallet_poai_models::Config>::WeightInfo;
type ReputationWeights = <Runtime as pallet_poai_reputation::Config>::WeightInfo;
type MaxVerifiers = <Runtime as pallet_poai_challenges::Config>::MaxVerifiers;

/// The share of a block's weight and length a round may use in any one block.
const BUDGET: Perbill = Perbill::from_percent(50);

/// One JSON line describing a weight.
fn weight_line(pallet: &str, call: &str, param: &str, weight: Weight, note: &str) {
	println!(
		"{{\"kind\":\"weight\",\"pallet\":\"{pallet}\",\"call\":\"{call}\",\"param\":\"{param}\",\
		 \"ref_time_ps\":{},\"proof_bytes\":{},\"note\":\"{note}\"}}",
		weight.ref_time(),
		weight.proof_size()
	);
}

/// The benchmarked weight of every PoAI call and hook, parametrised ones at their bounds.
fn print_weights() {
	let max_workers: u32 = <Runtime as pallet_poai_challenges::Config>::MaxWorkers::get();
	let max_models: u32 = <Runtime as pallet_poai_challenges::Config>::MaxRoundModels::get();
	let draws: u32 = <Runtime as pallet_poai_challenges::Config>::DrawsPerBlock::get();
	let prune: u32 = <Runtime as pallet_poai_challenges::Config>::PruneKeysPerBlock::get();
	let max_e = poai_primitives::MAX_OPENED_SAMPLES * poai_primitives::MAX_OUTPUT_ELEMENTS;
	let c = "challenges";
	weight_line(c, "commit", "", ChallengeWeights::commit(), "dispatch");
	weight_line(c, "commit", "", ChallengeWeights::authorize_commit(), "authorize (pool + block)");
	for e in [4 * 4096, max_e] {
		let p = format!("e={e}");
		weight_line(c, "verify", &p, ChallengeWeights::verify_outputs(e), "dispatch");
		weight_line(c, "verify", &p, ChallengeWeights::authorize_verify(e), "authorize");
		weight_line(c, "reveal", &p, ChallengeWeights::reveal(e), "dispatch");
		weight_line(c, "reveal", &p, ChallengeWeights::authorize_reveal(e), "authorize");
	}
	weight_line(c, "set_params", "", ChallengeWeights::set_params(), "root");
	weight_line(c, "on_initialize", "idle", ChallengeWeights::on_initialize_idle(), "hook");
	for w in [4, max_workers] {
		let p = format!("w={w},m={max_models}");
		weight_line(c, "issue_round", &p, ChallengeWeights::issue_round(w, max_models), "hook");
		let p = format!("w={w},c={}", draws.min(w));
		weight_line(c, "draw", &p, ChallengeWeights::draw(w, draws.min(w)), "hook");
		let p = format!("w={w},e={}", 3 * 4 * 4096);
		weight_line(c, "judge", &p, ChallengeWeights::judge(w, 3 * 4 * 4096), "hook, one audit");
	}
	weight_line(c, "draw_missed", "", ChallengeWeights::draw_missed(), "hook, per missed worker");
	weight_line(
		c,
		"offence report",
		"",
		<Runtime as pallet_poai_challenges::Config>::OffenceReportWeight::get(),
		"charged by the hook per offence (offences + staking slash of 64 backers)",
	);
	weight_line(c, "prune", &format!("k={prune}"), ChallengeWeights::prune(prune), "hook");

	let s = "staking";
	let max_backers: u32 = <Runtime as pallet_poai_staking::Config>::MaxBackersPerCandidate::get();
	let max_nominations: u32 = <Runtime as pallet_poai_staking::Config>::MaxNominations::get();
	let max_candidates: u32 = <Runtime as pallet_poai_staking::Config>::MaxCandidates::get();
	let max_validators: u32 = <Runtime as pallet_poai_staking::Config>::MaxValidators::get();
	weight_line(s, "bond", "", StakingWeights::bond(), "");
	weight_line(s, "bond_extra", "", StakingWeights::bond_extra(), "");
	weight_line(s, "unbond", "", StakingWeights::unbond(), "");
	weight_line(s, "rebond", "", StakingWeights::rebond(), "");
	weight_line(s, "withdraw_unbonded", "", StakingWeights::withdraw_unbonded(), "");
	weight_line(s, "validate", "", StakingWeights::validate(), "");
	weight_line(s, "chill", "", StakingWeights::chill(), "");
	let p = format!("n={max_nominations}");
	weight_line(s, "nominate", &p, StakingWeights::nominate(max_nominations), "");
	weight_line(s, "set_payee", "", StakingWeights::set_payee(), "");
	weight_line(s, "set_params", "", StakingWeights::set_params(), "root");
	let p = format!("n={max_backers}");
	weight_line(s, "payout_stakers", &p, StakingWeights::payout_stakers(max_backers), "");
	weight_line(s, "on_offence", &p, StakingWeights::on_offence(max_backers), "per offender");
	let p = format!("c={max_candidates}");
	weight_line(s, "elect", &p, StakingWeights::elect(max_candidates), "session hook");
	let p = format!("v={max_validators}");
	weight_line(s, "end_session", &p, StakingWeights::end_session(max_validators), "session hook");
	weight_line(s, "prune_step", "", StakingWeights::prune_step(), "hook");
	weight_line(s, "note_points", "", StakingWeights::note_points(), "per verdict");

	let m = "models";
	let max_active: u32 = <Runtime as pallet_poai_models::Config>::MaxActiveModels::get();
	let p = format!("a={}", max_active.saturating_sub(1));
	weight_line(m, "register_model", &p, ModelsWeights::register_model(max_active - 1), "root");
	let p = format!("a={max_active}");
	weight_line(m, "update_model", &p, ModelsWeights::update_model(max_active), "root");
	weight_line(m, "retire_model", "", ModelsWeights::retire_model(), "root");

	let r = "reputation";
	weight_line(r, "set_params", "", ReputationWeights::set_params(), "root");
	weight_line(r, "record_outcome", "", ReputationWeights::record_outcome(), "per verdict");
}

/// A worker's submission as it reaches a block: a general transaction with the runtime's own
/// extensions. Returns (total weight incl. the extrinsic base weight, encoded length).
fn transaction(call: pallet_poai_challenges::Call<Runtime>) -> (Weight, usize) {
	let extension = <Runtime as CreateAuthorizedTransaction<RuntimeCall>>::create_extension();
	let xt = UncheckedExtrinsic::new_transaction(RuntimeCall::PoaiChallenges(call), extension);
	let base = <Runtime as frame_system::Config>::BlockWeights::get()
		.get(frame_support::dispatch::DispatchClass::Normal)
		.base_extrinsic;
	(xt.get_dispatch_info().total_weight().saturating_add(base), xt.encoded_size())
}

/// `k` opened samples of `output_len` quantised values each.
fn opened_outputs(k: u32, output_len: u32) -> OpenedOutputs {
	let sample: SampleOutput =
		BoundedVec::truncate_from((0..output_len).map(|i| (i as i32).wrapping_mul(7919)).collect());
	BoundedVec::truncate_from((0..k).map(|_| sample.clone()).collect())
}

/// `k` Merkle proofs in a tree of `n` leaves.
fn opened_proofs(k: u32, n: u32) -> OpenedProofs {
	let depth = n.next_power_of_two().trailing_zeros();
	let proof: poai_primitives::MerkleProof =
		BoundedVec::truncate_from((0..depth).map(|i| H256::repeat_byte(i as u8)).collect());
	BoundedVec::truncate_from((0..k).map(|_| proof.clone()).collect())
}

/// What one round stores per worker and per audit for `spec`, as (key + value) bytes.
struct StateSizes {
	round: usize,
	per_model: usize,
	per_worker: usize,
	per_audit: usize,
	per_verification: usize,
}

fn state_sizes(spec: &ModelSpec, params: &ProtocolParams, n: u32) -> StateSizes {
	let round = 7u32;
	let key = WorkerId::from(sp_core::sr25519::Public::from_raw([1; 32]));
	let stash = AccountId::new([2; 32]);
	let info = RoundInfo::<u32> {
		start: 1,
		randomness: [3; 32],
		audit_randomness: Some([4; 32]),
		phase: pallet_poai_challenges::types::Phase::Judging {
			next: 0,
			verify_until: 0,
			reveal_until: 0,
		},
		params: *params,
	};
	let worker = RoundWorker { key, stash, tier: TierId(0), validator: true, weight: u64::MAX };
	let commitment = Commitment::<u32> { root: H256::repeat_byte(5), n, wall_time_ms: 400, at: 3 };
	let audit = Audit::<MaxVerifiers> {
		indices: BoundedVec::truncate_from((0..params.audit_samples).collect()),
		verifiers: BoundedVec::truncate_from((0..params.verifiers).collect()),
		extra_verifiers: 0,
	};
	let outputs = opened_outputs(params.audit_samples, spec.output_len);
	let reveal = Reveal::Valid(outputs.clone());
	let model_entry = (poai_primitives::ModelId::from(0u32), spec.clone());
	StateSizes {
		round: Rounds::<Runtime>::hashed_key_for(round).len()
			+ info.encoded_size()
			+ RoundWorkers::<Runtime>::hashed_key_for(round).len()
			+ RoundModels::<Runtime>::hashed_key_for(round).len(),
		per_model: model_entry.encoded_size(),
		per_worker: worker.encoded_size()
			+ Commitments::<Runtime>::hashed_key_for(round, 0).len()
			+ commitment.encoded_size(),
		per_audit: Audits::<Runtime>::hashed_key_for(round, 0).len()
			+ audit.encoded_size()
			+ Reveals::<Runtime>::hashed_key_for(round, 0).len()
			+ reveal.encoded_size(),
		per_verification: Verifications::<Runtime>::hashed_key_for((
			round,
			0,
			poai_primitives::Panel::First,
			1,
		))
		.len() + Verification {
			digest: H256::repeat_byte(6),
			outputs: Some(outputs),
		}
		.encoded_size(),
	}
}

/// The load of a round with `workers` workers of `spec` on each kind of block it touches.
struct Load {
	weight: Weight,
	length: usize,
}

fn fits(load: &Load, max_weight: Weight, max_length: u32) -> bool {
	load.weight.all_lte(BUDGET * max_weight) && load.length as u64 <= (BUDGET * max_length) as u64
}

fn capacity(spec: &ModelSpec, params: &ProtocolParams) {
	let block_weights = <Runtime as frame_system::Config>::BlockWeights::get();
	let max_weight = block_weights.max_block;
	// Half of the whole block, as for the weight (normal transactions alone may fill 75%).
	let max_length = *<Runtime as frame_system::Config>::BlockLength::get()
		.max
		.get(frame_support::dispatch::DispatchClass::Mandatory);
	let max_models: u32 = <Runtime as pallet_poai_challenges::Config>::MaxRoundModels::get();
	let max_workers: u32 = <Runtime as pallet_poai_challenges::Config>::MaxWorkers::get();
	let draws: u32 = <Runtime as pallet_poai_challenges::Config>::DrawsPerBlock::get();
	let judgements: u32 = <Runtime as pallet_poai_challenges::Config>::JudgementsPerBlock::get();
	let name = String::from_utf8_lossy(&spec.name).into_owned();
	let Some(cpu) = spec.tier_params(TierId(0)) else { return };
	let n = cpu.batch_size;
	let k = params.audit_samples;
	let e = k * spec.output_len;
	let key = WorkerId::from(sp_core::sr25519::Public::from_raw([1; 32]));
	let signature = WorkerSignature::from(sp_core::sr25519::Signature::from_raw([9; 64]));

	let (commit_w, commit_len) = transaction(pallet_poai_challenges::Call::commit {
		key: key.clone(),
		round: 1,
		root: H256::repeat_byte(5),
		n,
		wall_time_ms: 400,
		signature: signature.clone(),
	});
	let audited = WorkerId::from(sp_core::sr25519::Public::from_raw([2; 32]));
	let (verify_w, verify_len) = transaction(pallet_poai_challenges::Call::commit_verification {
		key: key.clone(),
		round: 1,
		worker: audited.clone(),
		digest: H256::repeat_byte(6),
		signature: signature.clone(),
	});
	let (open_w, open_len) = transaction(pallet_poai_challenges::Call::open_verification {
		key: key.clone(),
		round: 1,
		worker: audited,
		outputs: opened_outputs(k, spec.output_len),
		salt: [7; 32],
		signature: signature.clone(),
	});
	let (reveal_w, reveal_len) = transaction(pallet_poai_challenges::Call::reveal {
		key: key.clone(),
		round: 1,
		outputs: opened_outputs(k, spec.output_len),
		proofs: opened_proofs(k, n),
		signature: signature.clone(),
	});
	for (call, weight, length) in [
		("commit", commit_w, commit_len),
		("commit_verification", verify_w, verify_len),
		("open_verification", open_w, open_len),
		("reveal", reveal_w, reveal_len),
	] {
		println!(
			"{{\"kind\":\"transaction\",\"model\":\"{name}\",\"call\":\"{call}\",\"n\":{n},\"k\":{k},\
			 \"elements\":{e},\"ref_time_ps\":{},\"proof_bytes\":{},\"length\":{length},\
			 \"block_weight_share_ppm\":{},\"block_length_share_ppm\":{}}}",
			weight.ref_time(),
			weight.proof_size(),
			weight.ref_time().saturating_mul(1_000_000) / max_weight.ref_time(),
			(length as u64).saturating_mul(1_000_000) / max_length as u64
		);
	}

	let p = params.audit_probability;
	let r = params.verifiers;
	let offence = <Runtime as pallet_poai_challenges::Config>::OffenceReportWeight::get();
	// Expected audits, rounded up; `worst` assumes every worker is audited (after a round of
	// inconclusive audits, say) and every committee is widened by the re-audit's extra verifiers.
	let audits = |w: u32, worst: bool| if worst { w } else { p.mul_ceil(w) };
	let verifiers = |worst: bool| if worst { r + params.reaudit_extra_verifiers } else { r };
	let per_block = |count: u32, window: u32| count.div_ceil(window.max(1));
	let windows = |w: u32, worst: bool| -> Vec<(&'static str, Load)> {
		let a = audits(w, worst);
		let verifications = a * verifiers(worst);
		let commits = if worst { w } else { per_block(w, cpu.deadline_blocks) };
		let verify_txs = per_block(verifications, params.verify_window);
		let reveal_txs = per_block(a, params.reveal_window);
		let open_txs = per_block(verifications, params.reveal_window);
		let judged = a.min(judgements);
		vec![
			("issue", Load { weight: ChallengeWeights::issue_round(w, max_models), length: 0 }),
			(
				"commit",
				Load { weight: commit_w * commits as u64, length: commit_len * commits as usize },
			),
			("draw", Load { weight: ChallengeWeights::draw(w, draws.min(w).max(1)), length: 0 }),
			(
				"verify",
				Load {
					weight: verify_w * verify_txs as u64,
					length: verify_len * verify_txs as usize,
				},
			),
			(
				"reveal",
				Load {
					weight: reveal_w * reveal_txs as u64 + open_w * open_txs as u64,
					length: reveal_len * reveal_txs as usize + open_len * open_txs as usize,
				},
			),
			(
				"judge",
				Load {
					// Worst case: every judged worker is faulted and its offence reported.
					weight: (ChallengeWeights::judge(w, verifiers(worst) * e)
						+ if worst { offence } else { Weight::zero() })
						* judged as u64,
					length: 0,
				},
			),
		]
	};
	for worst in [false, true] {
		let case = if worst { "worst" } else { "expected" };
		for (i, (window, _)) in windows(1, worst).iter().enumerate() {
			// The largest worker count (up to 100× the runtime's bound) whose load on this
			// window's busiest block fits the budget.
			let limit = (1..=max_workers * 100)
				.take_while(|&w| fits(&windows(w, worst)[i].1, max_weight, max_length))
				.last()
				.unwrap_or(0);
			let at_max = &windows(max_workers, worst)[i].1;
			println!(
				"{{\"kind\":\"capacity\",\"model\":\"{name}\",\"case\":\"{case}\",\"window\":\"{window}\",\
				 \"max_workers\":{limit},\"runtime_max_workers\":{max_workers},\
				 \"weight_share_at_runtime_max_ppm\":{},\"length_share_at_runtime_max_ppm\":{}}}",
				at_max.weight.ref_time().saturating_mul(1_000_000) / max_weight.ref_time(),
				(at_max.length as u64).saturating_mul(1_000_000) / max_length as u64
			);
		}
	}

	let sizes = state_sizes(spec, params, n);
	let expected_per_worker = sizes.per_worker as u64
		+ (p * 1_000_000u64)
			.saturating_mul(sizes.per_audit as u64 + r as u64 * sizes.per_verification as u64)
			/ 1_000_000;
	println!(
		"{{\"kind\":\"state\",\"model\":\"{name}\",\"per_round_bytes\":{},\"per_model_bytes\":{},\
		 \"per_worker_bytes\":{},\"per_audit_bytes\":{},\"per_verification_bytes\":{},\
		 \"expected_per_worker_bytes\":{expected_per_worker},\"verifiers\":{r},\
		 \"audit_probability_ppm\":{},\"runtime_max_workers\":{max_workers}}}",
		sizes.round,
		sizes.per_model,
		sizes.per_worker,
		sizes.per_audit,
		sizes.per_verification,
		p.deconstruct() / 1_000
	);
}

fn main() {
	let params: ProtocolParams = <Runtime as pallet_poai_challenges::Config>::DefaultParams::get();
	let block_weights = <Runtime as frame_system::Config>::BlockWeights::get();
	let block_length = <Runtime as frame_system::Config>::BlockLength::get();
	println!(
		"{{\"kind\":\"limits\",\"max_block_ref_time_ps\":{},\"normal_max_length\":{},\
		 \"max_length\":{},\"base_extrinsic_ref_time_ps\":{},\"budget_percent\":{},\
		 \"commit_window\":{},\"verify_window\":{},\"reveal_window\":{},\"audit_samples\":{},\
		 \"verifiers\":{},\"reaudit_extra_verifiers\":{},\"audit_probability_ppm\":{},\
		 \"draws_per_block\":{},\"judgements_per_block\":{},\"prune_keys_per_block\":{}}}",
		block_weights.max_block.ref_time(),
		block_length.max.get(frame_support::dispatch::DispatchClass::Normal),
		block_length.max.get(frame_support::dispatch::DispatchClass::Mandatory),
		block_weights.get(frame_support::dispatch::DispatchClass::Normal).base_extrinsic.ref_time(),
		BUDGET.deconstruct() / 10_000_000,
		params.commit_window,
		params.verify_window,
		params.reveal_window,
		params.audit_samples,
		params.verifiers,
		params.reaudit_extra_verifiers,
		params.audit_probability.deconstruct() / 1_000,
		<<Runtime as pallet_poai_challenges::Config>::DrawsPerBlock as Get<u32>>::get(),
		<<Runtime as pallet_poai_challenges::Config>::JudgementsPerBlock as Get<u32>>::get(),
		<<Runtime as pallet_poai_challenges::Config>::PruneKeysPerBlock as Get<u32>>::get(),
	);
	print_weights();
	for spec in poai_runtime::genesis_config_presets::challenge_models() {
		capacity(&spec, &params);
	}
}
