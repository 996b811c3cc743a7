//! Benchmarks of the challenges pallet (`frame_benchmarking::v2`).
//!
//! Every benchmark but `issue_round` writes the round it needs straight into the pallet's
//! storage (a round no genesis issues, the only one in flight), so that it depends on nothing
//! but the pallet: the registries are only read when a round is issued.
//!
//! The round's steps (`issue_round`, `draw`, `draw_missed`, `judge`, `prune`) are private to
//! the state machine and run in `on_initialize`, so each of those benchmarks measures a whole
//! `on_initialize` in a block where only the benchmarked step is due. Each therefore also
//! includes what `on_initialize_idle` charges and the round record's read and write, and
//! `judge`, the last verdict of its round, also the start of the round's pruning in the same
//! block (its few remaining keys, as after every round's last verdict): small overestimates.
//!
//! Worst cases: snapshots of `MaxWorkers` workers and `MaxRoundModels` models, batches of
//! `MAX_BATCH_SIZE` samples (the longest Merkle proofs), audits opening `MAX_OPENED_SAMPLES`
//! samples and drawing committees of `MaxVerifiers` verifiers. Submissions are signed with
//! `poai` keys generated in the benchmark's keystore (`KeystoreExt`, which
//! `benchmark pallet` and the mock's `new_bench_ext` provide).
//!
//! The weight of the `verify` call is `verify_outputs`: a benchmark cannot be named `verify`,
//! which `frame_benchmarking`'s macros use for their own flag.

use super::*;
use crate::Pallet as Challenges;
use alloc::{
	collections::{BTreeMap, BTreeSet},
	string::String,
	vec,
	vec::Vec,
};
use codec::{Decode, Encode};
use core::fmt::Write;
use frame_benchmarking::v2::*;
use frame_support::{
	pallet_prelude::*,
	traits::{Authorize, Hooks, PalletInfoAccess},
	BoundedVec,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use poai_primitives::{
	fixtures::{dense_mlp, every_tier},
	leaf_hash, verification_digest, MerkleProof, ModelId, ModelName, ModelRegistry, ModelSpec,
	OpenedOutputs, OpenedProofs, Panel, SampleIndex, SampleOutput, SessionIndex, Submission,
	TierId, VerificationSalt, WorkerId, WorkerRegistry, WorkerSignature, MAX_BATCH_SIZE,
	MAX_MODEL_NAME_LEN, MAX_OPENED_SAMPLES, MAX_OUTPUT_ELEMENTS,
};
use sp_core::H256;
use sp_io::hashing::blake2_256;
use sp_runtime::{traits::One, Perbill, RuntimeAppPublic};

const SEED: u32 = 0;

/// The round the benchmarks write: far beyond any session a genesis or a benchmark reaches.
const ROUND: SessionIndex = 1_000_000;

/// Samples per challenge: the largest batch, so that every Merkle proof is as long as it gets.
const BATCH: u32 = MAX_BATCH_SIZE;

/// `log2(BATCH)`: the length of every proof.
const DEPTH: u32 = BATCH.trailing_zeros();

/// Samples every audit opens.
const OPENED: u32 = MAX_OPENED_SAMPLES;

/// The parameters of the benchmarked rounds: every committed round audited by a committee of
/// `MaxVerifiers`, `MAX_OPENED_SAMPLES` samples opened, misses slashed from the third.
fn bench_params<T: Config>() -> ProtocolParams {
	ProtocolParams {
		commit_window: 10,
		randomness_window: 2,
		verify_window: 5,
		reveal_window: 5,
		audit_probability: Perbill::one(),
		audit_samples: OPENED,
		verifiers: T::MaxVerifiers::get(),
		reaudit_extra_verifiers: T::MaxVerifiers::get(),
		escalation_verifiers: T::MaxVerifiers::get(),
		fraud_slash: Perbill::from_percent(10),
		verifier_slash: Perbill::from_percent(10),
		miss_slash: Perbill::from_percent(1),
		misses_before_slash: 3,
		flops_per_point: 1_000,
	}
}

/// A model served by tiers 0 and 1 with `BATCH` samples per challenge, `output_len` elements per
/// sample and a name as long as allowed.
fn bench_spec(output_len: u32) -> ModelSpec {
	ModelSpec {
		name: ModelName::truncate_from(vec![b'm'; MAX_MODEL_NAME_LEN as usize]),
		onnx_hash: H256::repeat_byte(1),
		output_len,
		flops_per_sample: 1_000_000,
		tiers: every_tier(BATCH, 10),
		..dense_mlp(64, output_len)
	}
}

/// The `poai` key of benchmark worker `index`, generated in the keystore from a raw seed (no
/// key derivation, so that thousands of them are cheap).
fn worker_key(index: u32) -> WorkerId {
	let seed = (b"poai/bench/worker", index).using_encoded(blake2_256);
	let mut uri = String::from("0x");
	for byte in seed {
		let _ = write!(uri, "{byte:02x}");
	}
	WorkerId::generate_pair(Some(uri.into_bytes()))
}

/// `count` validating workers with keys in the keystore, alternating between tiers 0 and 1, sorted by key
/// as in a round's snapshot.
fn bench_workers<T: Config>(count: u32) -> Vec<RoundWorker<T::AccountId>> {
	let mut workers: Vec<_> = (0..count)
		.map(|index| RoundWorker {
			key: worker_key(index),
			stash: account("worker", index, SEED),
			tier: TierId((index % 2) as u8),
			validator: true,
			weight: 1_000,
		})
		.collect();
	workers.sort_by(|a, b| a.key.cmp(&b.key));
	workers
}

/// Signs `submission` with `key` from the keystore.
fn sign<T: Config>(key: &WorkerId, submission: &Submission) -> WorkerSignature {
	key.sign(&signing_payload::<T>(key, submission))
		.expect("the benchmark keys are in the keystore; qed")
}

/// Sets the block number to `1 + offset` and returns it: the benchmarked rounds start in block 1
/// (no events are kept in block 0).
fn set_block<T: Config>(offset: u32) -> BlockNumberFor<T> {
	let now = BlockNumberFor::<T>::from(1u32 + offset);
	frame_system::Pallet::<T>::set_block_number(now);
	now
}

/// Writes [`ROUND`], issued in block 1 in `phase` to `workers` over `models` copies of the
/// benchmark model with `output_len` output elements, as the only round in flight; the round of
/// the running session counts as issued, so `on_initialize` only advances [`ROUND`].
fn write_round<T: Config>(
	phase: Phase<BlockNumberFor<T>>,
	workers: Vec<RoundWorker<T::AccountId>>,
	models: u32,
	output_len: u32,
) {
	let info = RoundInfo {
		start: One::one(),
		randomness: blake2_256(b"poai/bench/issue"),
		audit_randomness: Some(blake2_256(b"poai/bench/audit")),
		phase,
		params: bench_params::<T>(),
	};
	let models: Vec<(ModelId, ModelSpec)> =
		(0..models).map(|id| (id, bench_spec(output_len))).collect();
	Rounds::<T>::insert(ROUND, info);
	RoundWorkers::<T>::insert(
		ROUND,
		BoundedVec::<_, T::MaxWorkers>::try_from(workers).expect("at most MaxWorkers; qed"),
	);
	RoundModels::<T>::insert(
		ROUND,
		BoundedVec::<_, T::MaxRoundModels>::try_from(models).expect("at most MaxRoundModels; qed"),
	);
	ActiveRounds::<T>::put(BoundedVec::truncate_from(vec![ROUND]));
	LastRound::<T>::put(T::CurrentSession::get());
}

/// The output of opened sample `position` with `len` elements: non-zero, distinct values.
fn sample_output(position: u32, len: u32) -> SampleOutput {
	SampleOutput::truncate_from(
		(0..len).map(|i| 1_000 + (position * MAX_OUTPUT_ELEMENTS + i) as i32).collect(),
	)
}

/// `OPENED` outputs of `len` elements each.
fn opened_outputs(len: u32) -> OpenedOutputs {
	OpenedOutputs::truncate_from((0..OPENED).map(|position| sample_output(position, len)).collect())
}

/// The opened indices: `OPENED` indices spread over the batch.
fn opened_indices() -> poai_primitives::AuditIndices {
	poai_primitives::AuditIndices::truncate_from(
		(0..OPENED).map(|position| position * (BATCH / OPENED)).collect(),
	)
}

/// An audit opening [`opened_indices`] with `verifiers` as its committee.
fn bench_audit<T: Config>(verifiers: Vec<Seat>) -> Audit<T::MaxVerifiers> {
	Audit {
		indices: opened_indices(),
		verifiers: BoundedVec::try_from(verifiers).expect("at most MaxVerifiers; qed"),
		extra_verifiers: 0,
	}
}

/// The first `MaxVerifiers` seats other than `audited`.
fn committee<T: Config>(audited: Seat, workers: u32) -> Vec<Seat> {
	(0..workers).filter(|&seat| seat != audited).take(T::MaxVerifiers::get() as usize).collect()
}

/// The root of a Merkle tree over `2^depth` leaves that are zero but for `opened` ones, and the
/// proofs of those, as `commitment_root` and `merkle_proof` compute them over the whole list of
/// leaves, without hashing `2^depth` leaves.
fn sparse_tree(depth: u32, opened: &[(SampleIndex, H256)]) -> (H256, Vec<MerkleProof>) {
	let node = |left: &H256, right: &H256| H256(blake2_256(&[left.0, right.0].concat()));
	let mut level: BTreeMap<u32, H256> = opened.iter().copied().collect();
	let mut empty = H256::zero();
	let mut proofs: Vec<Vec<H256>> = vec![Vec::new(); opened.len()];
	for height in 0..depth {
		for ((index, _), proof) in opened.iter().zip(proofs.iter_mut()) {
			let sibling = (index >> height) ^ 1;
			proof.push(level.get(&sibling).copied().unwrap_or(empty));
		}
		let parents: BTreeSet<u32> = level.keys().map(|index| index >> 1).collect();
		level = parents
			.into_iter()
			.map(|parent| {
				let left = level.get(&(parent * 2)).unwrap_or(&empty);
				let right = level.get(&(parent * 2 + 1)).unwrap_or(&empty);
				(parent, node(left, right))
			})
			.collect();
		empty = node(&empty, &empty);
	}
	let root = level.get(&0).copied().unwrap_or(empty);
	(root, proofs.into_iter().map(MerkleProof::truncate_from).collect())
}

/// The pallet's events deposited so far (decoded from the runtime's events by pallet index).
fn events<T: Config>() -> Vec<Event<T>> {
	let index = <Challenges<T> as PalletInfoAccess>::index();
	frame_system::Pallet::<T>::events()
		.into_iter()
		.filter_map(|record| {
			let encoded = record.event.encode();
			match encoded.split_first() {
				Some((&pallet, mut event)) if usize::from(pallet) == index => {
					Event::<T>::decode(&mut event).ok()
				}
				_ => None,
			}
		})
		.collect()
}

/// What a verification or a reveal is submitted against: the round's snapshot, the audited
/// seat, and the outputs the worker committed to with their proofs.
struct Opened<T: Config> {
	workers: Vec<RoundWorker<T::AccountId>>,
	audited: Seat,
	outputs: OpenedOutputs,
	proofs: OpenedProofs,
}

/// A round open for verifications (`reveal == false`) or reveals of the worker in the last seat
/// of a `MaxWorkers` snapshot over `MaxRoundModels` models with outputs of `len` elements,
/// audited by a committee of `MaxVerifiers`, its commitment to a batch of `BATCH` samples in.
fn open_audit<T: Config>(len: u32, reveal: bool) -> Opened<T> {
	let workers = bench_workers::<T>(T::MaxWorkers::get());
	let count = workers.len() as u32;
	let audited = count - 1;
	let now = set_block::<T>(5);
	let phase = if reveal {
		Phase::Open { verify_until: now - One::one(), reveal_until: now + One::one() }
	} else {
		Phase::Open { verify_until: now, reveal_until: now + One::one() }
	};
	write_round::<T>(phase, workers.clone(), T::MaxRoundModels::get(), len);
	Audits::<T>::insert(ROUND, audited, bench_audit::<T>(committee::<T>(audited, count)));
	let outputs = opened_outputs(len);
	let leaves: Vec<(SampleIndex, H256)> = opened_indices()
		.iter()
		.zip(outputs.iter())
		.map(|(&index, output)| (index, leaf_hash(index, output)))
		.collect();
	let (root, proofs) = sparse_tree(DEPTH, &leaves);
	Commitments::<T>::insert(
		ROUND,
		audited,
		Commitment { root, n: BATCH, wall_time_ms: 1_000, at: One::one() },
	);
	Opened { workers, audited, outputs, proofs: OpenedProofs::truncate_from(proofs) }
}

/// A verifier's commitment to outputs of `e` elements in all, in the opening window: the
/// verifier's key, the audited worker's, the outputs, the salt, the signature of the opening and
/// the (audited, verifier) seats.
fn committed_verification<T: Config>(
	e: u32,
) -> (WorkerId, WorkerId, OpenedOutputs, VerificationSalt, WorkerSignature, (Seat, Seat)) {
	let Opened { workers, audited, outputs, .. } = open_audit::<T>(output_len(e), true);
	let verifier = *committee::<T>(audited, workers.len() as u32).last().expect("r ≥ 1");
	let key = workers[verifier as usize].key.clone();
	let worker = workers[audited as usize].key.clone();
	let salt = [5; 32];
	let digest = verification_digest(&outputs, &key, ROUND, &worker, &salt);
	Verifications::<T>::insert(
		(ROUND, audited, Panel::First, verifier),
		Verification { digest, outputs: None },
	);
	let submission = Submission::OpenVerification {
		round: ROUND,
		worker: worker.clone(),
		outputs: outputs.clone(),
		salt,
	};
	let signature = sign::<T>(&key, &submission);
	(key, worker, outputs, salt, signature, (audited, verifier))
}

/// Output elements per sample for `e` elements over `OPENED` samples.
fn output_len(e: u32) -> u32 {
	(e / OPENED).clamp(1, MAX_OUTPUT_ELEMENTS)
}

/// The smallest snapshot in which `DrawsPerBlock` seats can each get a full committee.
fn min_draw_workers<T: Config>() -> u32 {
	(T::MaxVerifiers::get() + 1).max(T::DrawsPerBlock::get()).min(T::MaxWorkers::get())
}

/// The smallest snapshot with a full committee besides the audited worker.
fn min_judge_workers<T: Config>() -> u32 {
	(T::MaxVerifiers::get() + 1).min(T::MaxWorkers::get())
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// A block with nothing to do: the session's round is already issued and no round is in
	/// flight.
	#[benchmark]
	fn on_initialize_idle() {
		let now = set_block::<T>(1);
		ActiveRounds::<T>::kill();
		let session = T::CurrentSession::get();
		LastRound::<T>::put(session);
		#[block]
		{
			Challenges::<T>::on_initialize(now);
		}
		assert_eq!(LastRound::<T>::get(), Some(session));
		assert!(ActiveRounds::<T>::get().is_empty());
		assert!(events::<T>().is_empty());
	}

	/// Issuing a round to `w` registered workers over `m` active models (the registries' own,
	/// genesis ones included, topped up by the runtime's `BenchmarkHelper`).
	#[benchmark]
	fn issue_round(
		w: Linear<1, { T::MaxWorkers::get() }>,
		m: Linear<1, { T::MaxRoundModels::get() }>,
	) {
		let session = T::CurrentSession::get();
		// Counting them snapshots them for this session; the issue below snapshots them again.
		let existing = T::Workers::snapshot_workers(session, T::MaxWorkers::get()).len() as u32;
		let workers = existing + T::BenchmarkHelper::register_workers(w.saturating_sub(existing));
		let active = |ids: &mut BTreeSet<ModelId>| ids.extend(T::Models::active_models());
		let mut ids = BTreeSet::new();
		active(&mut ids);
		T::BenchmarkHelper::register_models(m.saturating_sub(ids.len() as u32));
		active(&mut ids);
		let models = ids.iter().filter(|&&id| T::Models::model(id).is_some()).count() as u32;
		ActiveRounds::<T>::kill();
		LastRound::<T>::kill();
		let now = set_block::<T>(1);
		#[block]
		{
			Challenges::<T>::on_initialize(now);
		}
		assert_eq!(LastRound::<T>::get(), Some(session));
		assert!(Rounds::<T>::contains_key(session));
		assert_eq!(RoundWorkers::<T>::get(session).len() as u32, workers.min(T::MaxWorkers::get()));
		assert_eq!(
			RoundModels::<T>::get(session).len() as u32,
			models.min(T::MaxRoundModels::get())
		);
	}

	/// The audit draw of the last `c` seats of a snapshot of `w` workers: each committed,
	/// re-audited after an inconclusive verdict (so always audited, by a committee of
	/// `MaxVerifiers`), over `MaxRoundModels` models; the draw completes.
	#[benchmark]
	fn draw(
		w: Linear<{ min_draw_workers::<T>() }, { T::MaxWorkers::get() }>,
		c: Linear<1, { T::DrawsPerBlock::get() }>,
	) {
		let c = c.min(w);
		let workers = bench_workers::<T>(w);
		for (seat, worker) in workers.iter().enumerate().skip((w - c) as usize) {
			Commitments::<T>::insert(
				ROUND,
				seat as Seat,
				Commitment {
					root: H256::repeat_byte(7),
					n: BATCH,
					wall_time_ms: 1_000,
					at: One::one(),
				},
			);
			ReAudits::<T>::insert(&worker.stash, T::MaxVerifiers::get());
			MissStreaks::<T>::insert(&worker.stash, 1);
		}
		write_round::<T>(Phase::Drawing { next: w - c }, workers, T::MaxRoundModels::get(), 1);
		let now = set_block::<T>(11);
		#[block]
		{
			Challenges::<T>::on_initialize(now);
		}
		let info = Rounds::<T>::get(ROUND).expect("the round is in flight; qed");
		assert!(matches!(info.phase, Phase::Open { .. }));
		let audits: Vec<_> = Audits::<T>::iter_prefix(ROUND).collect();
		assert_eq!(audits.len() as u32, c);
		let full = T::MaxVerifiers::get().min(w - 1);
		assert!(audits.iter().all(|(_, audit)| audit.verifiers.len() as u32 == full
			&& audit.indices.len() as u32 == OPENED));
	}

	/// What a seat without a commitment adds to its draw: the miss is recorded, the streak
	/// reaches the limit and the offence is reported.
	#[benchmark]
	fn draw_missed() {
		let workers = bench_workers::<T>(1);
		let stash = workers[0].stash.clone();
		let limit = bench_params::<T>().misses_before_slash;
		MissStreaks::<T>::insert(&stash, limit - 1);
		write_round::<T>(Phase::Drawing { next: 0 }, workers, 1, 1);
		let now = set_block::<T>(11);
		#[block]
		{
			Challenges::<T>::on_initialize(now);
		}
		assert!(MissStreaks::<T>::get(&stash).is_none());
		assert!(events::<T>().contains(&Event::Missed {
			round: ROUND,
			worker: stash,
			streak: limit
		}));
	}

	/// The verdict on an audit in a snapshot of `w` workers, with `e` output elements submitted
	/// by the verifiers: all `MaxVerifiers` opened, the reveal is valid, the majority agrees and
	/// the largest minority dissents, so the audit is escalated (the escalation committee drawn
	/// by stake among the `w` workers).
	#[benchmark]
	fn judge(
		w: Linear<{ min_judge_workers::<T>() }, { T::MaxWorkers::get() }>,
		e: Linear<1, { T::MaxVerifiers::get() * MAX_OPENED_SAMPLES * MAX_OUTPUT_ELEMENTS }>,
	) {
		let workers = bench_workers::<T>(w);
		let audited = w - 1;
		let stash = workers[audited as usize].stash.clone();
		let verifiers = committee::<T>(audited, w);
		let len = (e / (OPENED * verifiers.len() as u32)).clamp(1, MAX_OUTPUT_ELEMENTS);
		// Every block of both windows full: the excuse check reads the longest `FullBlocks`.
		let (verify_until, reveal_until) = (32u32.into(), 63u32.into());
		FullBlocks::<T>::put(BoundedVec::truncate_from((0..64u32).map(Into::into).collect()));
		let phase = Phase::Judging { next: audited, verify_until, reveal_until };
		write_round::<T>(phase, workers, T::MaxRoundModels::get(), len);
		Audits::<T>::insert(ROUND, audited, bench_audit::<T>(verifiers.clone()));
		let outputs = opened_outputs(len);
		Reveals::<T>::insert(ROUND, audited, Reveal::Valid(outputs.clone()));
		let dissenting = (verifiers.len() - 1) / 2;
		let wrong = OpenedOutputs::truncate_from(
			outputs
				.iter()
				.map(|output| {
					SampleOutput::truncate_from(output.iter().map(|x| x.saturating_neg()).collect())
				})
				.collect(),
		);
		for (position, &verifier) in verifiers.iter().enumerate() {
			let submitted = if position < dissenting { wrong.clone() } else { outputs.clone() };
			let record = Verification { digest: H256::repeat_byte(3), outputs: Some(submitted) };
			Verifications::<T>::insert((ROUND, audited, Panel::First, verifier), record);
		}
		let now = set_block::<T>(22);
		#[block]
		{
			Challenges::<T>::on_initialize(now);
		}
		// The dissent escalates the audit: a committee drawn among the `w` workers.
		assert!(events::<T>().iter().any(|event| matches!(
			event,
			Event::Escalated { round: ROUND, worker, .. } if *worker == stash
		)));
		assert!(Escalations::<T>::contains_key(ROUND, audited));
	}

	/// Pruning `k` keys of a judged round, spread over its maps; the round is closed.
	#[benchmark]
	fn prune(k: Linear<1, { T::PruneKeysPerBlock::get() }>) {
		let workers = bench_workers::<T>(1);
		write_round::<T>(Phase::Pruning, workers, 1, 1);
		let verifiers: Vec<Seat> = (0..T::MaxVerifiers::get()).collect();
		for key in 0..k {
			let seat = key / 4;
			match key % 4 {
				0 => Commitments::<T>::insert(
					ROUND,
					seat,
					Commitment {
						root: H256::repeat_byte(7),
						n: BATCH,
						wall_time_ms: 1,
						at: One::one(),
					},
				),
				1 => Audits::<T>::insert(ROUND, seat, bench_audit::<T>(verifiers.clone())),
				2 => Verifications::<T>::insert(
					(ROUND, seat, Panel::First, 0),
					Verification { digest: H256::repeat_byte(3), outputs: Some(opened_outputs(1)) },
				),
				_ => Reveals::<T>::insert(ROUND, seat, Reveal::Valid(opened_outputs(1))),
			}
		}
		let now = set_block::<T>(30);
		#[block]
		{
			Challenges::<T>::on_initialize(now);
		}
		assert_eq!(Commitments::<T>::iter_prefix(ROUND).count(), 0);
		assert_eq!(Audits::<T>::iter_prefix(ROUND).count(), 0);
		assert_eq!(Verifications::<T>::iter_prefix((ROUND,)).count(), 0);
		assert_eq!(Reveals::<T>::iter_prefix(ROUND).count(), 0);
		assert!(!Rounds::<T>::contains_key(ROUND));
		assert!(events::<T>().contains(&Event::RoundClosed { round: ROUND }));
	}

	/// A commitment from the worker in the last seat of a `MaxWorkers` snapshot over
	/// `MaxRoundModels` models.
	#[benchmark]
	fn commit() {
		let workers = bench_workers::<T>(T::MaxWorkers::get());
		let seat = workers.len() as Seat - 1;
		let key = workers[seat as usize].key.clone();
		let now = set_block::<T>(1);
		let until = now + BlockNumberFor::<T>::from(bench_params::<T>().commit_window);
		write_round::<T>(Phase::Commit { until }, workers, T::MaxRoundModels::get(), 1);
		let root = H256::repeat_byte(7);
		let signature = sign::<T>(
			&key,
			&Submission::Commit { round: ROUND, root, n: BATCH, wall_time_ms: 1_000 },
		);
		#[extrinsic_call]
		_(RawOrigin::Authorized, key, ROUND, root, BATCH, 1_000, signature);
		assert_eq!(Commitments::<T>::get(ROUND, seat).map(|c| c.root), Some(root));
	}

	/// The pool's check of a commitment (the same worst case as `commit`).
	#[benchmark]
	fn authorize_commit() {
		let workers = bench_workers::<T>(T::MaxWorkers::get());
		let seat = workers.len() as Seat - 1;
		let key = workers[seat as usize].key.clone();
		let now = set_block::<T>(1);
		let until = now + BlockNumberFor::<T>::from(bench_params::<T>().commit_window);
		write_round::<T>(Phase::Commit { until }, workers, T::MaxRoundModels::get(), 1);
		let root = H256::repeat_byte(7);
		let signature = sign::<T>(
			&key,
			&Submission::Commit { round: ROUND, root, n: BATCH, wall_time_ms: 1_000 },
		);
		let call =
			Call::<T>::commit { key, round: ROUND, root, n: BATCH, wall_time_ms: 1_000, signature };
		let result;
		#[block]
		{
			result = call.authorize(TransactionSource::External);
		}
		assert!(matches!(result, Some(Ok(_))));
	}

	/// The last verifier of a `MaxVerifiers` committee commits to its outputs.
	#[benchmark]
	fn commit_verification() {
		let Opened { workers, audited, .. } = open_audit::<T>(1, false);
		let verifier = *committee::<T>(audited, workers.len() as u32).last().expect("r ≥ 1");
		let key = workers[verifier as usize].key.clone();
		let worker = workers[audited as usize].key.clone();
		let digest = H256::repeat_byte(4);
		let signature = sign::<T>(
			&key,
			&Submission::CommitVerification { round: ROUND, worker: worker.clone(), digest },
		);
		#[extrinsic_call]
		_(RawOrigin::Authorized, key, ROUND, worker, digest, signature);
		let record = Verifications::<T>::get((ROUND, audited, Panel::First, verifier));
		assert_eq!(record, Some(Verification { digest, outputs: None }));
	}

	/// The pool's check of a verifier's commitment (the same worst case).
	#[benchmark]
	fn authorize_commit_verification() {
		let Opened { workers, audited, .. } = open_audit::<T>(1, false);
		let verifier = *committee::<T>(audited, workers.len() as u32).last().expect("r ≥ 1");
		let key = workers[verifier as usize].key.clone();
		let worker = workers[audited as usize].key.clone();
		let digest = H256::repeat_byte(4);
		let signature = sign::<T>(
			&key,
			&Submission::CommitVerification { round: ROUND, worker: worker.clone(), digest },
		);
		let call = Call::<T>::commit_verification { key, round: ROUND, worker, digest, signature };
		let result;
		#[block]
		{
			result = call.authorize(TransactionSource::External);
		}
		assert!(matches!(result, Some(Ok(_))));
	}

	/// The last verifier of a `MaxVerifiers` committee opens its commitment to `OPENED`
	/// outputs of about `e / OPENED` elements each.
	#[benchmark]
	fn verify_outputs(e: Linear<1, { MAX_OPENED_SAMPLES * MAX_OUTPUT_ELEMENTS }>) {
		let (key, worker, outputs, salt, signature, seats) = committed_verification::<T>(e);
		#[extrinsic_call]
		open_verification(
			RawOrigin::Authorized,
			key,
			ROUND,
			worker,
			outputs.clone(),
			salt,
			signature,
		);
		let record = Verifications::<T>::get((ROUND, seats.0, Panel::First, seats.1));
		assert_eq!(record.and_then(|r| r.outputs), Some(outputs));
	}

	/// The pool's check of an opening (the same worst case as `verify_outputs`).
	#[benchmark]
	fn authorize_verify(e: Linear<1, { MAX_OPENED_SAMPLES * MAX_OUTPUT_ELEMENTS }>) {
		let (key, worker, outputs, salt, signature, _) = committed_verification::<T>(e);
		let call =
			Call::<T>::open_verification { key, round: ROUND, worker, outputs, salt, signature };
		let result;
		#[block]
		{
			result = call.authorize(TransactionSource::External);
		}
		assert!(matches!(result, Some(Ok(_))));
	}

	/// The audited worker reveals `OPENED` outputs of about `e / OPENED` elements each, with
	/// proofs of `log2(MAX_BATCH_SIZE)` hashes, all valid.
	#[benchmark]
	fn reveal(e: Linear<1, { MAX_OPENED_SAMPLES * MAX_OUTPUT_ELEMENTS }>) {
		let len = output_len(e);
		let Opened { workers, audited, outputs, proofs } = open_audit::<T>(len, true);
		let key = workers[audited as usize].key.clone();
		let signature = sign::<T>(
			&key,
			&Submission::Reveal { round: ROUND, outputs: outputs.clone(), proofs: proofs.clone() },
		);
		#[extrinsic_call]
		_(RawOrigin::Authorized, key, ROUND, outputs.clone(), proofs, signature);
		assert_eq!(Reveals::<T>::get(ROUND, audited), Some(Reveal::Valid(outputs)));
	}

	/// The pool's check of a reveal (the same worst case as `reveal`).
	#[benchmark]
	fn authorize_reveal(e: Linear<1, { MAX_OPENED_SAMPLES * MAX_OUTPUT_ELEMENTS }>) {
		let len = output_len(e);
		let Opened { workers, audited, outputs, proofs } = open_audit::<T>(len, true);
		let key = workers[audited as usize].key.clone();
		let signature = sign::<T>(
			&key,
			&Submission::Reveal { round: ROUND, outputs: outputs.clone(), proofs: proofs.clone() },
		);
		let call = Call::<T>::reveal { key, round: ROUND, outputs, proofs, signature };
		let result;
		#[block]
		{
			result = call.authorize(TransactionSource::External);
		}
		assert!(matches!(result, Some(Ok(_))));
	}

	#[benchmark]
	fn set_params() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		set_block::<T>(0);
		let params = bench_params::<T>();
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, params);
		assert_eq!(Params::<T>::get(), params);
		assert!(events::<T>().contains(&Event::ParamsSet { params }));
		Ok(())
	}

	impl_benchmark_test_suite!(Challenges, crate::mock::new_bench_ext(), crate::mock::Test);
}

#[cfg(test)]
mod tests {
	use super::*;
	use poai_primitives::{commitment_root, merkle_proof, verify_leaf};

	/// The sparse tree gives the root and proofs of the full tree with zero leaves elsewhere.
	#[test]
	fn sparse_tree_matches_the_full_tree() {
		for depth in 1..=6u32 {
			let count = 1u32 << depth;
			let opened: Vec<(SampleIndex, H256)> = (0..count)
				.filter(|index| index % 3 == 1 || *index == count - 1)
				.map(|index| (index, leaf_hash(index, &[index as i32])))
				.collect();
			let mut leaves = vec![H256::zero(); count as usize];
			for (index, leaf) in &opened {
				leaves[*index as usize] = *leaf;
			}
			let (root, proofs) = sparse_tree(depth, &opened);
			assert_eq!(root, commitment_root(&leaves));
			for ((index, leaf), proof) in opened.iter().zip(&proofs) {
				assert_eq!(Some(proof.clone()), merkle_proof(&leaves, *index));
				assert!(verify_leaf(&root, proof, count, *index, *leaf));
			}
		}
	}
}
