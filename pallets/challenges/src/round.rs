//! The round state machine: issue, audit draw, verdicts and pruning, in bounded chunks per
//! block.

use crate::{pallet::*, Audit, OffenceKind, Phase, RoundInfo, RoundWorker, Slot, WeightInfo};
use alloc::vec::Vec;
use codec::Encode;
use frame_support::{
	pallet_prelude::*,
	traits::{Get, Randomness as RandomnessT},
	BoundedVec,
};
use frame_system::pallet_prelude::BlockNumberFor;
use poai_primitives::{
	audit_indices, challenge_seed, draw_committee, is_audited, model_choice, HardwareClass,
	ModelId, ModelRegistry, ModelSpec, Panel, Randomness, ReputationRecorder, RoundIndex,
	RoundOutcome, SeatWeight, Seed, WorkerRegistry,
};
use sp_runtime::traits::Saturating;

/// A worker's challenge in a round, derived from the round's randomness and snapshots.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct Assignment<'a, BlockNumber> {
	pub model: ModelId,
	/// The model as the round snapshotted it (a registry update during the round changes
	/// nothing for it).
	pub spec: &'a ModelSpec,
	pub seed: Seed,
	pub n: u32,
	pub deadline: BlockNumber,
}

/// The subject under which the parent block's VRF output is read.
const ACCUMULATOR_SUBJECT: &[u8] = b"poai/randomness-accumulator";

/// What is left of a block's allowance for chunked work.
struct Budget {
	draws: u32,
	judgements: u32,
	prune_keys: u32,
}

impl<T: Config> Pallet<T> {
	/// The block's work: issue a round if the session changed, then advance the rounds in
	/// flight. Returns the weight used.
	pub(crate) fn on_block(now: BlockNumberFor<T>) -> Weight {
		// The accumulator's read and write.
		let mut weight = T::WeightInfo::on_initialize_idle()
			.saturating_add(T::DbWeight::get().reads_writes(1, 1));
		Self::accumulate_randomness();
		let session = T::CurrentSession::get();
		if LastRound::<T>::get() != Some(session) {
			weight.saturating_accrue(Self::issue_round(session, now));
		}
		let mut budget = Budget {
			draws: T::DrawsPerBlock::get(),
			judgements: T::JudgementsPerBlock::get(),
			prune_keys: T::PruneKeysPerBlock::get(),
		};
		for round in ActiveRounds::<T>::get() {
			weight.saturating_accrue(Self::advance(round, now, &mut budget));
		}
		weight
	}

	/// Folds the parent block's VRF output into [`RandomnessAccumulator`]. A block without
	/// one (genesis) leaves the accumulator as it is.
	fn accumulate_randomness() {
		let (output, _) = T::Randomness::random(ACCUMULATOR_SUBJECT);
		if let Some(output) = output {
			RandomnessAccumulator::<T>::mutate(|accumulator| {
				*accumulator = (*accumulator, output).using_encoded(sp_io::hashing::blake2_256);
			});
		}
	}

	/// 32 bytes of randomness for `purpose` in `round`, from the VRF outputs accumulated up to
	/// this block. No block hash goes in: an author can re-seal its block to change the hash,
	/// not its VRF output.
	pub(crate) fn fresh_randomness(purpose: &[u8], round: RoundIndex) -> Randomness {
		let accumulator = RandomnessAccumulator::<T>::get();
		(b"poai/round", purpose, round, accumulator).using_encoded(sp_io::hashing::blake2_256)
	}

	/// Issues round `round`: snapshots the workers and the active models, draws the seed
	/// randomness and opens the commit window.
	fn issue_round(round: RoundIndex, now: BlockNumberFor<T>) -> Weight {
		LastRound::<T>::put(round);
		let mut active = ActiveRounds::<T>::get();
		if active.is_full() {
			Self::deposit_event(Event::RoundSkipped { round });
			return T::WeightInfo::issue_round(0, 0);
		}
		let mut workers: Vec<RoundWorker<T::AccountId>> =
			T::Workers::snapshot_workers(round, T::MaxWorkers::get())
				.into_iter()
				.map(|w| RoundWorker {
					key: w.key,
					stash: w.stash,
					class: w.class,
					validator: w.validator,
					weight: w.weight,
				})
				.collect();
		workers.sort_by(|a, b| a.key.cmp(&b.key));
		workers.dedup_by(|a, b| a.key == b.key);
		let workers = BoundedVec::<_, T::MaxWorkers>::truncate_from(workers);

		let mut ids: Vec<ModelId> =
			HardwareClass::ALL.iter().flat_map(|&class| T::Models::active_models(class)).collect();
		ids.sort_unstable();
		ids.dedup();
		let models: Vec<(ModelId, ModelSpec)> =
			ids.into_iter().filter_map(|id| T::Models::model(id).map(|spec| (id, spec))).collect();
		let models = BoundedVec::<_, T::MaxRoundModels>::truncate_from(models);

		let params = Params::<T>::get();
		let commit_until = now.saturating_add(params.commit_window.into());
		let info = RoundInfo {
			start: now,
			randomness: Self::fresh_randomness(b"issue", round),
			audit_randomness: None,
			phase: Phase::Commit { until: commit_until },
			params,
		};
		let (worker_count, model_count) = (workers.len() as u32, models.len() as u32);
		Rounds::<T>::insert(round, info);
		RoundWorkers::<T>::insert(round, workers);
		RoundModels::<T>::insert(round, models);
		// Cannot fail: checked not full above.
		let _ = active.try_push(round);
		ActiveRounds::<T>::put(active);
		Self::deposit_event(Event::RoundIssued {
			round,
			workers: worker_count,
			models: model_count,
			commit_until,
		});
		T::WeightInfo::issue_round(worker_count, model_count)
	}

	/// `worker`'s challenge in `round`: its seed picks one of the round's models that serve
	/// its class. `None` when no model serves the class.
	pub(crate) fn assignment<'a>(
		round: RoundIndex,
		info: &RoundInfo<BlockNumberFor<T>>,
		models: &'a [(ModelId, ModelSpec)],
		worker: &RoundWorker<T::AccountId>,
	) -> Option<Assignment<'a, BlockNumberFor<T>>> {
		let seed = challenge_seed(&info.randomness, round, &worker.key);
		let serving: Vec<(ModelId, &ModelSpec, u32, u32)> = models
			.iter()
			.filter_map(|(id, spec)| {
				let class = spec.class_params(worker.class)?;
				Some((*id, spec, class.batch_size, class.deadline_blocks))
			})
			.collect();
		let choice = model_choice(&seed, serving.len() as u32)?;
		let &(model, spec, n, deadline_blocks) = serving.get(choice as usize)?;
		let commit_until = info.start.saturating_add(info.params.commit_window.into());
		let deadline = info.start.saturating_add(deadline_blocks.into()).min(commit_until);
		Some(Assignment { model, spec, seed, n, deadline })
	}

	/// Moves `round` on as far as this block allows.
	fn advance(round: RoundIndex, now: BlockNumberFor<T>, budget: &mut Budget) -> Weight {
		let mut weight = T::DbWeight::get().reads(1);
		let Some(mut info) = Rounds::<T>::get(round) else {
			ActiveRounds::<T>::mutate(|active| active.retain(|r| *r != round));
			return weight;
		};
		loop {
			match info.phase {
				Phase::Commit { until } => {
					// The draw waits until the VRF outputs of `randomness_window` blocks after
					// the commit window are in the accumulator.
					if now <= until.saturating_add(info.params.randomness_window.into()) {
						break;
					}
					info.audit_randomness = Some(Self::fresh_randomness(b"audit", round));
					info.phase = Phase::Drawing { next: 0 };
				}
				Phase::Drawing { next } => {
					let (done, used) = Self::draw_chunk(round, &info, next, budget);
					weight.saturating_accrue(used);
					match done {
						Ok(audits) => {
							let verify_until = now.saturating_add(info.params.verify_window.into());
							let reveal_until =
								verify_until.saturating_add(info.params.reveal_window.into());
							info.phase = Phase::Open { verify_until, reveal_until };
							Self::deposit_event(Event::AuditsDrawn {
								round,
								audits,
								verify_until,
								reveal_until,
							});
						}
						Err(next) => {
							info.phase = Phase::Drawing { next };
							break;
						}
					}
				}
				Phase::Open { verify_until, reveal_until } => {
					if now <= reveal_until {
						break;
					}
					info.phase = Phase::Judging { next: 0, verify_until, reveal_until };
				}
				Phase::Judging { next, verify_until, reveal_until } => {
					let windows = (verify_until, reveal_until);
					let (next, used) = Self::judge_chunk(
						round,
						&info,
						Panel::First,
						next,
						windows,
						&mut budget.judgements,
					);
					weight.saturating_accrue(used);
					if let Some(next) = next {
						info.phase = Phase::Judging { next, verify_until, reveal_until };
						break;
					}
					let escalations = Escalations::<T>::iter_prefix(round).count() as u32;
					weight.saturating_accrue(T::DbWeight::get().reads(escalations.into()));
					if escalations == 0 {
						info.phase = Phase::Pruning;
					} else {
						let verify_until = now.saturating_add(info.params.verify_window.into());
						let open_until =
							verify_until.saturating_add(info.params.reveal_window.into());
						info.phase = Phase::Escalation { verify_until, open_until };
						Self::deposit_event(Event::EscalationsDrawn {
							round,
							escalations,
							verify_until,
							open_until,
						});
					}
				}
				Phase::Escalation { verify_until, open_until } => {
					if now <= open_until {
						break;
					}
					info.phase = Phase::JudgingEscalations { next: 0, verify_until, open_until };
				}
				Phase::JudgingEscalations { next, verify_until, open_until } => {
					let (next, used) = Self::judge_chunk(
						round,
						&info,
						Panel::Escalation,
						next,
						(verify_until, open_until),
						&mut budget.judgements,
					);
					weight.saturating_accrue(used);
					match next {
						None => info.phase = Phase::Pruning,
						Some(next) => {
							info.phase =
								Phase::JudgingEscalations { next, verify_until, open_until };
							break;
						}
					}
				}
				Phase::Pruning => {
					let (done, used) = Self::prune_chunk(round, budget);
					weight.saturating_accrue(used);
					if done {
						Rounds::<T>::remove(round);
						RoundWorkers::<T>::remove(round);
						RoundModels::<T>::remove(round);
						ActiveRounds::<T>::mutate(|active| active.retain(|r| *r != round));
						Self::deposit_event(Event::RoundClosed { round });
						return weight.saturating_add(T::DbWeight::get().writes(4));
					}
					break;
				}
			}
		}
		Rounds::<T>::insert(round, info);
		weight.saturating_add(T::DbWeight::get().writes(1))
	}

	/// Draws the audits of up to the budget's workers from slot `next`. `Ok(audits)` when the
	/// snapshot is done (with the number of audits drawn in the round), `Err(next)` otherwise.
	fn draw_chunk(
		round: RoundIndex,
		info: &RoundInfo<BlockNumberFor<T>>,
		next: Slot,
		budget: &mut Budget,
	) -> (Result<u32, Slot>, Weight) {
		let workers = RoundWorkers::<T>::get(round);
		let models = RoundModels::<T>::get(round);
		let total = workers.len() as Slot;
		let end = next.saturating_add(budget.draws).min(total);
		let mut weight = T::WeightInfo::draw(workers.len() as u32, end - next);
		// The slots that may verify (validators) with their stake, once per chunk rather than
		// per audit.
		let validators: Vec<(Slot, SeatWeight)> = (0..)
			.zip(workers.iter())
			.filter(|(_, w)| w.validator)
			.map(|(s, w)| (s, w.weight))
			.collect();
		for slot in next..end {
			weight.saturating_accrue(Self::draw_one(
				round,
				info,
				&workers,
				&validators,
				&models,
				slot,
			));
		}
		budget.draws = budget.draws.saturating_sub(end - next);
		if end < total {
			return (Err(end), weight);
		}
		let audits = Audits::<T>::iter_prefix(round).count() as u32;
		weight.saturating_accrue(T::DbWeight::get().reads(audits.into()));
		(Ok(audits), weight)
	}

	/// Records `now` in [`FullBlocks`] if its normal-class weight or length reached
	/// [`crate::FULL_BLOCK`] of the limit.
	pub(crate) fn note_block_fullness(now: BlockNumberFor<T>) {
		use frame_support::dispatch::DispatchClass;
		let weights = T::BlockWeights::get();
		let limit = weights.get(DispatchClass::Normal).max_total.unwrap_or(weights.max_block);
		let used = *frame_system::Pallet::<T>::block_weight().get(DispatchClass::Normal);
		let length_limit = *T::BlockLength::get().max.get(DispatchClass::Normal);
		let length = frame_system::Pallet::<T>::block_size();
		let full = used.any_gte(crate::FULL_BLOCK * limit)
			|| length >= crate::FULL_BLOCK.mul_ceil(length_limit);
		if full {
			FullBlocks::<T>::mutate(|blocks| {
				if blocks.is_full() {
					blocks.remove(0);
				}
				let _ = blocks.try_push(now);
			});
		}
	}

	/// The audit draw of one worker: a miss without a commitment; otherwise audited with
	/// probability `p` (always after an inconclusive audit), or passed. Returns the weight
	/// beyond [`WeightInfo::draw`]'s per-slot worst case (a miss reports an offence).
	fn draw_one(
		round: RoundIndex,
		info: &RoundInfo<BlockNumberFor<T>>,
		workers: &[RoundWorker<T::AccountId>],
		validators: &[(Slot, SeatWeight)],
		models: &[(ModelId, ModelSpec)],
		slot: Slot,
	) -> Weight {
		let Some(worker) = workers.get(slot as usize) else { return Weight::zero() };
		let Some(assignment) = Self::assignment(round, info, models, worker) else {
			// No model serves its class: nothing was asked, nothing is owed.
			return Weight::zero();
		};
		let Some(commitment) = Commitments::<T>::get(round, slot) else {
			return Self::note_miss(round, info, workers, worker);
		};
		MissStreaks::<T>::remove(&worker.stash);
		let randomness = info.audit_randomness.unwrap_or(info.randomness);
		let extra = ReAudits::<T>::take(&worker.stash);
		let audited = extra.is_some()
			|| is_audited(&randomness, round, &worker.key, info.params.audit_probability);
		if audited {
			let extra = extra.unwrap_or_default();
			let size = info.params.verifiers.saturating_add(extra).min(T::MaxVerifiers::get());
			let committee =
				draw_committee(&randomness, round, &worker.key, validators, &slot, size);
			if !committee.is_empty() {
				let indices = audit_indices(
					&randomness,
					round,
					&worker.key,
					commitment.n,
					info.params.audit_samples,
				);
				let verifiers = BoundedVec::truncate_from(committee);
				let stashes = verifiers
					.iter()
					.filter_map(|&s| workers.get(s as usize).map(|w| w.stash.clone()))
					.collect();
				Self::deposit_event(Event::Audited {
					round,
					worker: worker.stash.clone(),
					indices: indices.clone(),
					verifiers: stashes,
				});
				Audits::<T>::insert(
					round,
					slot,
					Audit { indices, verifiers, extra_verifiers: extra },
				);
				return Weight::zero();
			}
			// Nobody else validates: the round cannot be audited, so it passes unverified.
		}
		Self::credit_pass(round, info, &worker.stash, Some(assignment.spec), assignment.n, false);
		Weight::zero()
	}

	/// A missed round: recorded, and reported as an offence once the streak reaches the limit.
	fn note_miss(
		round: RoundIndex,
		info: &RoundInfo<BlockNumberFor<T>>,
		workers: &[RoundWorker<T::AccountId>],
		worker: &RoundWorker<T::AccountId>,
	) -> Weight {
		T::Reputation::record(&worker.stash, RoundOutcome::Missed);
		let streak = MissStreaks::<T>::get(&worker.stash).unwrap_or_default().saturating_add(1);
		Self::deposit_event(Event::Missed { round, worker: worker.stash.clone(), streak });
		let limit = info.params.misses_before_slash;
		if limit > 0 && streak >= limit {
			// An offline node stops being challenged at once (it would only miss again), and
			// is slashed for misses at most once per period however often its operator
			// declares it again: a node offline for days loses `miss_slash` per period.
			MissStreaks::<T>::remove(&worker.stash);
			T::Workers::suspend(&worker.stash);
			let period = T::MissSlashPeriod::get();
			let slashed_lately = MissSlashes::<T>::get(&worker.stash)
				.is_some_and(|last| round < last.saturating_add(period));
			// `draw_missed` measures the report; the suspension reads and writes staking's
			// candidate and the period's record besides.
			let mut weight =
				T::WeightInfo::draw_missed().saturating_add(T::DbWeight::get().reads_writes(2, 2));
			if !slashed_lately {
				MissSlashes::<T>::insert(&worker.stash, round);
				weight.saturating_accrue(Self::report(
					round,
					workers,
					&worker.stash,
					OffenceKind::RepeatedMisses,
					info.params.miss_slash,
				));
			}
			Self::deposit_event(Event::Suspended {
				round,
				worker: worker.stash.clone(),
				reported: !slashed_lately,
			});
			return weight;
		}
		MissStreaks::<T>::insert(&worker.stash, streak);
		T::WeightInfo::draw_missed()
	}

	/// Removes up to the budget's keys of a judged round; `true` when nothing is left.
	///
	/// No cursor is kept: the keys removed by the previous block are gone from the database
	/// when the next block starts, so each block continues where the last one stopped.
	fn prune_chunk(round: RoundIndex, budget: &mut Budget) -> (bool, Weight) {
		let mut removed = 0u32;
		let mut done = true;
		macro_rules! clear {
			($result:expr) => {{
				let result = $result;
				removed = removed.saturating_add(result.unique);
				if result.maybe_cursor.is_some() {
					done = false;
				}
			}};
		}
		let limit = |removed: u32| budget.prune_keys.saturating_sub(removed);
		clear!(Commitments::<T>::clear_prefix(round, limit(removed), None));
		if done {
			clear!(Audits::<T>::clear_prefix(round, limit(removed), None));
		}
		if done {
			clear!(Verifications::<T>::clear_prefix((round,), limit(removed), None));
		}
		if done {
			clear!(Reveals::<T>::clear_prefix(round, limit(removed), None));
		}
		if done {
			clear!(Escalations::<T>::clear_prefix(round, limit(removed), None));
		}
		budget.prune_keys = budget.prune_keys.saturating_sub(removed);
		(done, T::WeightInfo::prune(removed))
	}

	/// Checks the pallet's invariants: the rounds in flight are sorted and unique and each has
	/// its record; every snapshot is sorted by key; commitments, audits and reveals refer to
	/// workers of their round; every audit's verifiers are validators other than the worker
	/// (rounds being pruned excepted).
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		Self::check_params(&Params::<T>::get()).map_err(|_| "invalid params in force")?;
		let active = ActiveRounds::<T>::get();
		ensure!(active.windows(2).all(|w| w[0] < w[1]), "rounds in flight are not sorted");
		for round in active.iter() {
			let info = Rounds::<T>::get(round).ok_or("a round in flight has no record")?;
			if info.phase == Phase::Pruning {
				// Its records are going, in chunks and in no particular order.
				continue;
			}
			let workers = RoundWorkers::<T>::get(round);
			ensure!(
				workers.windows(2).all(|w| w[0].key < w[1].key),
				"a worker snapshot is not sorted by key"
			);
			let count = workers.len() as Slot;
			for (slot, _) in Commitments::<T>::iter_prefix(round) {
				ensure!(slot < count, "a commitment outside the snapshot");
			}
			for (slot, audit) in Audits::<T>::iter_prefix(round) {
				ensure!(slot < count, "an audit outside the snapshot");
				ensure!(
					Commitments::<T>::contains_key(round, slot),
					"an audit without a commitment"
				);
				for verifier in audit.verifiers.iter() {
					ensure!(*verifier != slot, "a worker verifies itself");
					ensure!(
						workers.get(*verifier as usize).is_some_and(|w| w.validator),
						"a verifier is not a validator of the round"
					);
				}
			}
			for (slot, _) in Reveals::<T>::iter_prefix(round) {
				ensure!(Audits::<T>::contains_key(round, slot), "a reveal without an audit");
			}
			for (slot, committee) in Escalations::<T>::iter_prefix(round) {
				ensure!(
					matches!(Reveals::<T>::get(round, slot), Some(crate::Reveal::Valid(_))),
					"an escalation without a valid reveal"
				);
				for verifier in committee.iter() {
					ensure!(*verifier != slot, "a worker verifies itself in an escalation");
				}
			}
			for ((slot, _, _), _) in Verifications::<T>::iter_prefix((round,)) {
				ensure!(Audits::<T>::contains_key(round, slot), "a verification without an audit");
			}
		}
		for (round, _) in Rounds::<T>::iter() {
			ensure!(active.contains(&round), "a round record outside the rounds in flight");
		}
		Ok(())
	}
}
