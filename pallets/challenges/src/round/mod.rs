//! The round state machine. One round is issued per session and moves through its phases in
//! bounded chunks per block, from `on_initialize`:
//!
//! | phase | what happens | ends |
//! | --- | --- | --- |
//! | `Commit` | workers commit to their challenge's outputs | `commit_window` blocks after the issue, then `randomness_window` blocks more for the audit randomness |
//! | `Drawing` | each seat is audited with probability `p` (a committee drawn) or passes; a seat without a commitment missed | when every seat is drawn |
//! | `Open` | verifiers commit, then open; audited workers reveal | `verify_window` + `reveal_window` blocks |
//! | `Judging` | the first committees' verdicts; a failing or disputed one is escalated | when every audit is judged |
//! | `Escalation` | the escalation committees commit and open | `verify_window` + `reveal_window` blocks |
//! | `JudgingEscalations` | the escalated, final verdicts | when every escalation is judged |
//! | `Pruning` | the round's keys are removed | when none is left |
//!
//! Every chunk reads the round once, as a [`RoundContext`].

pub(crate) mod congestion;
mod context;
mod draw;
#[cfg(any(feature = "try-runtime", test))]
mod invariants;
mod issue;
mod prune;
mod verdict;

pub(crate) use context::RoundContext;

use crate::{pallet::*, Phase, WeightInfo};
use frame_support::{pallet_prelude::*, traits::Get};
use frame_system::pallet_prelude::BlockNumberFor;
use poai_primitives::{Panel, SessionIndex};
use sp_runtime::traits::Saturating;

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

	/// Moves `round` on as far as this block allows.
	fn advance(round: SessionIndex, now: BlockNumberFor<T>, budget: &mut Budget) -> Weight {
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
					let context = RoundContext::<T>::with_info(round, info);
					let (done, used) = Self::draw_chunk(&context, next, budget);
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
					let context = RoundContext::<T>::with_info(round, info);
					let windows = (verify_until, reveal_until);
					let (next, used) = Self::judge_chunk(
						&context,
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
					let context = RoundContext::<T>::with_info(round, info);
					let (next, used) = Self::judge_chunk(
						&context,
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
}
