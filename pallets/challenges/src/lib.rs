//! # PoAI challenges
//!
//! The challenge protocol of the PoAI chain (architecture §3): every session, every registered
//! worker (a staking candidate with a `poai` key, validator or not) gets an inference challenge
//! on a registered model, and a random sample of the results is re-executed by other
//! validators.
//!
//! A round goes through these steps, all driven by the pallet's `on_initialize`:
//!
//! 1. **Issue** (first block of a session). The registered workers and the active models are
//!    snapshotted (and with the workers, what each has at stake: a verdict slashes that,
//!    whatever the worker does afterwards); randomness `R` is taken from the accumulated VRF
//!    outputs of every block so far. Nothing else is stored: worker `w`'s seed is
//!    `blake2(R ‖ round ‖ w)`, which picks the model among those serving `w`'s tier and
//!    generates its `n` input samples (n = the tier's batch size).
//! 2. **Commit** (within the tier deadline, at most `commit_window` blocks). The worker submits
//!    the Merkle root over its `n` quantised outputs, `n` and its measured wall time
//!    ([`Pallet::commit`]).
//! 3. **Audit draw** (`randomness_window` blocks after the commit window, in chunks).
//!    Randomness that accumulated the VRF outputs of every block of that window decides, per
//!    committed worker, whether it is audited (probability `p`), which `k` samples are opened
//!    and which `r` verifiers re-execute them: validators other than the worker, each seat
//!    drawn in proportion to stake (nothing a worker declares, such as its hardware tier,
//!    changes its chance). Unaudited committed rounds pass; missing commitments are misses.
//! 4. **Verify** (`verify_window` blocks). The verifiers re-execute the opened samples and
//!    commit to their outputs with a salted digest ([`Pallet::commit_verification`]): nothing
//!    they submit can be copied, and the worker cannot reveal yet.
//! 5. **Reveal** (`reveal_window` blocks). The audited worker opens the `k` samples with their
//!    Merkle proofs ([`Pallet::reveal`]), checked on arrival, and the verifiers open their
//!    outputs against their digests ([`Pallet::open_verification`]).
//! 6. **Verdict** (in chunks). Per opened sample, the worker's output is compared with each
//!    verifier's in exact integer arithmetic under the model's tolerance; a strict majority of
//!    the drawn committee decides. A pass that every opened output agrees with → reputation and
//!    PoAI points for the worker and its verifiers; no reveal or a bad proof → a fault,
//!    reported as an offence (slash); no majority → inconclusive, and the worker's next round
//!    is audited by a larger committee.
//! 7. **Escalation** (after a failing majority, or a pass with a dissent). The audit goes to a larger committee
//!    drawn by stake from fresh randomness, which commits and opens in windows of its own; its
//!    verdict alone slashes the worker, and the verifiers of either committee on the losing
//!    side of a decided escalation are slashed too (module `round::verdict`).
//!
//! Submissions are general transactions authorised by [`#[pallet::authorize]`]: each carries
//! the worker's `poai` key and its sr25519 signature over the submission, the genesis hash and
//! the key (ADR 0003). They are accepted only from the round's workers (or the drawn
//! verifiers), once per round and step, inside their window, with outputs of the model's
//! shape: everything else is refused by the transaction pool before it reaches a block.
//!
//! The node's worker reads its duties and submits its results through the runtime API of the
//! `poai-runtime-api` crate, which the runtime implements with [`Pallet::duties`] and
//! [`Pallet::submit`]: the runtime signs with the keystore and submits to the pool, like an
//! off-chain worker.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod duties;
#[cfg(test)]
mod mock;
pub mod offence;
mod round;
pub mod runtime_api;
pub mod scorecard;
mod submission;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

/// Blocks kept in [`FullBlocks`]: more than a commit and an opening window of the longest
/// sensible length.
pub const FULL_BLOCKS_KEPT: u32 = 64;

/// A block whose normal-class weight or length reaches this share of its limit is full.
pub const FULL_BLOCK: sp_runtime::Perbill = sp_runtime::Perbill::from_percent(90);

/// The target of the pallet's log lines.
pub const LOG_TARGET: &str = "runtime::poai-challenges";

pub use offence::ChallengeOffence;
pub use scorecard::{Scorecard, ScorecardSummary};

/// What the benchmarks need from the runtime: registered workers and models in the registries
/// that [`Config::Workers`] and [`Config::Models`] read.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper {
	/// Registers `count` workers in [`Config::Workers`]' registry, each with a `poai` key
	/// generated in the benchmark's keystore (`WorkerId::generate_pair`), all of tier 0
	/// and validating. Returns how many it registered.
	fn register_workers(count: u32) -> u32;
	/// Registers `count` active models in [`Config::Models`]' registry, each served by every
	/// hardware tier and as large as the registry allows.
	fn register_models(count: u32);
}
pub use submission::{signing_payload, SUBMISSION_CONTEXT};
pub use types::*;
pub use weights::WeightInfo;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::{Randomness as RandomnessT, StorageVersion},
	};
	use frame_system::{offchain::CreateAuthorizedTransaction, pallet_prelude::*};
	use poai_primitives::{
		ModelId, ModelRegistry, ModelSpec, OpenedOutputs, OpenedProofs, Panel, Randomness,
		ReputationProvider, ReputationRecorder, SessionIndex, TierRegistry, VerificationSalt,
		WorkPointsRecorder, WorkerId, WorkerRegistry, WorkerSignature,
	};
	use sp_core::H256;
	use sp_runtime::{traits::Convert, transaction_validity::TransactionPriority};
	use sp_staking::offence::ReportOffence;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	/// The PoAI challenges pallet.
	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// The configuration of the challenges pallet.
	#[pallet::config]
	pub trait Config:
		frame_system::Config<RuntimeEvent: From<Event<Self>>>
		+ CreateAuthorizedTransaction<Call<Self>>
	{
		/// The registered workers (staking's candidates with a `poai` key).
		type Workers: WorkerRegistry<Self::AccountId>;

		/// The model registry.
		type Models: ModelRegistry;

		/// The hardware tiers: an integer model's work is paid at its tier's fp32 / int8 rate
		/// ([`poai_primitives::fp32_work`]).
		type Tiers: TierRegistry;

		/// The VRF output of the parent block (BABE's `ParentBlockRandomness` in the runtime,
		/// with VRF outputs in primary and secondary slots alike). Every block folds it into
		/// [`RandomnessAccumulator`]; no block hash goes into any seed, because an author
		/// changes its block's hash by re-sealing, not its VRF output.
		type Randomness: RandomnessT<Option<Self::Hash>, BlockNumberFor<Self>>;

		/// The session now running: a round is issued whenever it changes.
		type CurrentSession: Get<SessionIndex>;

		/// Records round outcomes and reads reputations (to scale PoAI points).
		type Reputation: ReputationRecorder<Self::AccountId> + ReputationProvider<Self::AccountId>;

		/// Credits verified work to the session's reward points.
		type WorkPoints: WorkPointsRecorder<Self::AccountId>;

		/// How an offender is identified to the offence handler (the runtime's historical
		/// session identification).
		type OffenderId: Parameter;

		/// The identification of a stash, if it can be slashed.
		type IdentifyOffender: Convert<Self::AccountId, Option<Self::OffenderId>>;

		/// Where faults and runs of misses are reported (`pallet-offences`).
		type ReportOffence: ReportOffence<
			Self::AccountId,
			Self::OffenderId,
			ChallengeOffence<Self::OffenderId>,
		>;

		/// Upper bound of the weight of reporting one offence to [`Config::ReportOffence`],
		/// including what the offence handler does with it (slashing the offender and every
		/// backer of its exposure). The verdict and draw hooks charge it per reported offence:
		/// the benchmarks of those hooks measure passing and missing workers, not slashing.
		#[pallet::constant]
		type OffenceReportWeight: Get<Weight>;

		/// The parameters in force while [`Params`] holds none. Must be valid; the integrity
		/// test checks it.
		#[pallet::constant]
		type DefaultParams: Get<ProtocolParams>;

		/// Most workers one round serves.
		#[pallet::constant]
		type MaxWorkers: Get<u32>;

		/// Most models one round issues.
		#[pallet::constant]
		type MaxRoundModels: Get<u32>;

		/// Most verifiers of one audit, re-audits included.
		#[pallet::constant]
		type MaxVerifiers: Get<u32>;

		/// Workers drawn (audited or not) per block: the chunk of the audit draw.
		#[pallet::constant]
		type DrawsPerBlock: Get<u32>;

		/// Audited workers judged per block: the chunk of the verdicts.
		#[pallet::constant]
		type JudgementsPerBlock: Get<u32>;

		/// Storage keys removed per block when pruning a judged round.
		#[pallet::constant]
		type PruneKeysPerBlock: Get<u32>;

		/// Sessions in which a worker is slashed for missed rounds at most once (the bonding
		/// duration in the runtime): an operator who keeps declaring an offline node loses
		/// `miss_slash` per period, no more.
		#[pallet::constant]
		type MissSlashPeriod: Get<SessionIndex>;

		/// Priority of PoAI submissions in the transaction pool.
		#[pallet::constant]
		type SubmissionPriority: Get<TransactionPriority>;

		/// The origin that may change the protocol parameters (root or the council in the
		/// runtime).
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Weights of the calls and of the round's steps.
		type WeightInfo: WeightInfo;

		/// Sets up the registries the benchmarks issue rounds from.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper;
	}

	/// The default of [`Params`]: [`Config::DefaultParams`].
	#[pallet::type_value]
	pub fn DefaultParamsOf<T: Config>() -> ProtocolParams {
		T::DefaultParams::get()
	}

	/// The protocol parameters for rounds issued from now on.
	#[pallet::storage]
	pub type Params<T: Config> = StorageValue<_, ProtocolParams, ValueQuery, DefaultParamsOf<T>>;

	/// The VRF outputs of every block so far, folded in one by one:
	/// `acc ← blake2(acc ‖ VRF output of the parent block)`. Seeds and audit draws are taken
	/// from it, so each depends on every block's VRF output before it.
	#[pallet::storage]
	pub type RandomnessAccumulator<T: Config> = StorageValue<_, Randomness, ValueQuery>;

	/// The last round issued (or skipped); a new one is issued when the session differs.
	#[pallet::storage]
	pub type LastRound<T: Config> = StorageValue<_, SessionIndex, OptionQuery>;

	/// The rounds in flight, oldest first.
	#[pallet::storage]
	pub type ActiveRounds<T: Config> =
		StorageValue<_, BoundedVec<SessionIndex, ConstU32<MAX_ACTIVE_ROUNDS>>, ValueQuery>;

	/// Every round in flight.
	#[pallet::storage]
	pub type Rounds<T: Config> =
		StorageMap<_, Twox64Concat, SessionIndex, RoundInfo<BlockNumberFor<T>>, OptionQuery>;

	/// The workers of a round in flight, sorted by key; a worker's position is its seat.
	#[pallet::storage]
	pub type RoundWorkers<T: Config> = StorageMap<
		_,
		Twox64Concat,
		SessionIndex,
		BoundedVec<RoundWorker<T::AccountId>, T::MaxWorkers>,
		ValueQuery,
	>;

	/// The models a round in flight issues, by ascending id.
	#[pallet::storage]
	pub type RoundModels<T: Config> = StorageMap<
		_,
		Twox64Concat,
		SessionIndex,
		BoundedVec<(ModelId, ModelSpec), T::MaxRoundModels>,
		ValueQuery,
	>;

	/// The commitments of a round, by worker seat.
	#[pallet::storage]
	pub type Commitments<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		SessionIndex,
		Twox64Concat,
		Seat,
		Commitment<BlockNumberFor<T>>,
		OptionQuery,
	>;

	/// The audits of a round, by the audited worker's seat.
	#[pallet::storage]
	pub type Audits<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		SessionIndex,
		Twox64Concat,
		Seat,
		Audit<T::MaxVerifiers>,
		OptionQuery,
	>;

	/// The verifiers' submissions: (round, audited seat, committee, verifier seat) → the
	/// commitment to its outputs of the opened samples, and the outputs once opened.
	#[pallet::storage]
	pub type Verifications<T: Config> = StorageNMap<
		_,
		(
			NMapKey<Twox64Concat, SessionIndex>,
			NMapKey<Twox64Concat, Seat>,
			NMapKey<Twox64Concat, Panel>,
			NMapKey<Twox64Concat, Seat>,
		),
		Verification,
		OptionQuery,
	>;

	/// The committees failing verdicts of a round escalated to, by the audited worker's seat.
	#[pallet::storage]
	pub type Escalations<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		SessionIndex,
		Twox64Concat,
		Seat,
		BoundedVec<Seat, T::MaxVerifiers>,
		OptionQuery,
	>;

	/// The reveals of a round, by the audited worker's seat.
	#[pallet::storage]
	pub type Reveals<T: Config> =
		StorageDoubleMap<_, Twox64Concat, SessionIndex, Twox64Concat, Seat, Reveal, OptionQuery>;

	/// Workers whose last audit was inconclusive: their next committed round is audited with
	/// this many extra verifiers.
	#[pallet::storage]
	pub type ReAudits<T: Config> = StorageMap<_, Twox64Concat, T::AccountId, u32, OptionQuery>;

	/// Rounds missed in a row, per worker with at least one.
	#[pallet::storage]
	pub type MissStreaks<T: Config> = StorageMap<_, Twox64Concat, T::AccountId, u32, OptionQuery>;

	/// The latest blocks (ascending, at most [`FULL_BLOCKS_KEPT`]) whose normal-class weight or
	/// length reached [`FULL_BLOCK`] of its limit. A verifier that misses a step whose whole
	/// window was such blocks is excused: it may have been crowded out, not lazy.
	#[pallet::storage]
	pub type FullBlocks<T: Config> =
		StorageValue<_, BoundedVec<BlockNumberFor<T>, ConstU32<FULL_BLOCKS_KEPT>>, ValueQuery>;

	/// The round of each worker's last `RepeatedMisses` offence, while it is less than
	/// [`Config::MissSlashPeriod`] sessions old (older entries are replaced when the next run
	/// of misses is reported; a stash leaving staking removes its entry).
	#[pallet::storage]
	pub type MissSlashes<T: Config> =
		StorageMap<_, Twox64Concat, T::AccountId, SessionIndex, OptionQuery>;

	/// Each worker's scorecard: its recent rounds committed and missed, audits passed and
	/// failed, commit latency measured from the blocks, and the distances its committees found,
	/// decayed per round (module [`scorecard`]). One bounded record per worker; a stash leaving
	/// staking removes it.
	#[pallet::storage]
	pub type Scorecards<T: Config> =
		StorageMap<_, Twox64Concat, T::AccountId, Scorecard, OptionQuery>;

	/// The events of the challenges pallet.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A round was issued to `workers` workers over `models` models; commitments are due by
		/// `commit_until` at the latest.
		RoundIssued {
			/// The round.
			round: SessionIndex,
			/// Workers in the snapshot.
			workers: u32,
			/// Models issued.
			models: u32,
			/// The last block of the commit window.
			commit_until: BlockNumberFor<T>,
		},
		/// A round could not be issued: too many rounds are still in flight.
		RoundSkipped {
			/// The round.
			round: SessionIndex,
		},
		/// A worker committed to its challenge's outputs.
		Committed {
			/// The round.
			round: SessionIndex,
			/// The worker's stash.
			worker: T::AccountId,
			/// The model it ran.
			model: ModelId,
			/// The Merkle root.
			root: H256,
			/// The reported inference wall time.
			wall_time_ms: u32,
		},
		/// A worker's commitment is audited.
		Audited {
			/// The round.
			round: SessionIndex,
			/// The audited worker's stash.
			worker: T::AccountId,
			/// The opened sample indices.
			indices: poai_primitives::AuditIndices,
			/// The verifiers' stashes.
			verifiers: alloc::vec::Vec<T::AccountId>,
		},
		/// The audit draw of a round is complete; verifiers submit until `verify_until`, workers
		/// reveal until `reveal_until`.
		AuditsDrawn {
			/// The round.
			round: SessionIndex,
			/// Audits drawn.
			audits: u32,
			/// Last block for verifications.
			verify_until: BlockNumberFor<T>,
			/// Last block for reveals.
			reveal_until: BlockNumberFor<T>,
		},
		/// A verifier committed to its outputs for an audit (they stay hidden until it opens).
		VerificationCommitted {
			/// The round.
			round: SessionIndex,
			/// The audited worker's stash.
			worker: T::AccountId,
			/// The committee.
			panel: Panel,
			/// The verifier's stash.
			verifier: T::AccountId,
		},
		/// A verifier opened its outputs for an audit against its commitment.
		Verified {
			/// The round.
			round: SessionIndex,
			/// The audited worker's stash.
			worker: T::AccountId,
			/// The committee.
			panel: Panel,
			/// The verifier's stash.
			verifier: T::AccountId,
		},
		/// An audited worker revealed; `valid` tells whether every proof matched its commitment.
		Revealed {
			/// The round.
			round: SessionIndex,
			/// The worker's stash.
			worker: T::AccountId,
			/// Whether every Merkle proof checked out.
			valid: bool,
		},
		/// A worker's round passed and earned `points` of PoAI work.
		Passed {
			/// The round.
			round: SessionIndex,
			/// The worker's stash.
			worker: T::AccountId,
			/// Whether the pass was verified by an audit.
			audited: bool,
			/// Reward points credited.
			points: u32,
		},
		/// A worker did not commit in time.
		Missed {
			/// The round.
			round: SessionIndex,
			/// The worker's stash.
			worker: T::AccountId,
			/// Rounds missed in a row, this one included.
			streak: u32,
		},
		/// A verifier did not commit or did not open, but every block of that step's window
		/// was full: it is not recorded as missing.
		VerifierExcused {
			/// The round.
			round: SessionIndex,
			/// The verifier's stash.
			verifier: T::AccountId,
			/// The audited worker's stash.
			worker: T::AccountId,
		},
		/// A worker missed `misses_before_slash` rounds in a row: it is chilled (no more
		/// rounds until its operator calls `validate` again) and, unless it was slashed for
		/// misses less than [`Config::MissSlashPeriod`] sessions ago, reported.
		Suspended {
			/// The round of the last miss.
			round: SessionIndex,
			/// The worker's stash.
			worker: T::AccountId,
			/// Whether a `RepeatedMisses` offence was reported (`false`: the period's one
			/// miss slash was taken already).
			reported: bool,
		},
		/// A worker was found at fault and reported.
		Faulted {
			/// The round.
			round: SessionIndex,
			/// The worker's stash.
			worker: T::AccountId,
			/// The fault.
			fault: Fault,
		},
		/// The verifiers of an audit were split; the worker's next round is re-audited with a
		/// larger committee.
		Inconclusive {
			/// The round.
			round: SessionIndex,
			/// The worker's stash.
			worker: T::AccountId,
		},
		/// The committee of an audit found the worker's outputs outside tolerance, or was not
		/// unanimous: the audit goes to a larger, independently drawn committee, whose verdict
		/// alone slashes.
		Escalated {
			/// The round.
			round: SessionIndex,
			/// The audited worker's stash.
			worker: T::AccountId,
			/// The escalation committee's stashes.
			verifiers: alloc::vec::Vec<T::AccountId>,
		},
		/// The round's failing verdicts were escalated; escalation committees commit until
		/// `verify_until` and open until `open_until`.
		EscalationsDrawn {
			/// The round.
			round: SessionIndex,
			/// Audits escalated.
			escalations: u32,
			/// Last block for the escalation committees' commitments.
			verify_until: BlockNumberFor<T>,
			/// Last block for their openings.
			open_until: BlockNumberFor<T>,
		},
		/// A verifier stood on the losing side of a decided escalation and was reported.
		VerifierSlashed {
			/// The round.
			round: SessionIndex,
			/// The verifier's stash.
			verifier: T::AccountId,
			/// The audited worker's stash.
			worker: T::AccountId,
		},
		/// A verifier whose outputs agreed with the final verdict earned `points` for the
		/// samples it re-executed.
		VerifierRewarded {
			/// The round.
			round: SessionIndex,
			/// The verifier's stash.
			verifier: T::AccountId,
			/// The audited worker's stash.
			worker: T::AccountId,
			/// Reward points credited.
			points: u32,
		},
		/// A drawn verifier did not commit, or committed and did not open.
		VerifierMissed {
			/// The round.
			round: SessionIndex,
			/// The verifier's stash.
			verifier: T::AccountId,
			/// The audited worker's stash.
			worker: T::AccountId,
		},
		/// All of a round's verdicts are in and its records are pruned.
		RoundClosed {
			/// The round.
			round: SessionIndex,
		},
		/// Root set new protocol parameters (for rounds issued from now on).
		ParamsSet {
			/// The new parameters.
			params: ProtocolParams,
		},
		/// A committee judged `worker`'s audit: the evidence behind the outcome that follows it
		/// (`Passed`, `Escalated`, `Faulted` or `Inconclusive`). Emitted for every committee with
		/// at least one opened output.
		Judged {
			/// The round.
			round: SessionIndex,
			/// The audited worker's stash.
			worker: T::AccountId,
			/// Which committee judged.
			panel: Panel,
			/// That committee's verdict (a strict majority of the whole committee decides).
			verdict: poai_primitives::Verdict,
			/// Each verifier that opened its outputs, with its vote and distances.
			votes: alloc::vec::Vec<Vote<T::AccountId>>,
		},
	}

	/// The errors of the challenges pallet. Submissions that fail these checks are refused by
	/// the transaction pool (the same checks run in `authorize`).
	#[pallet::error]
	#[derive(PartialEq, Eq)]
	pub enum Error<T> {
		/// The round is not in flight (never issued, or already judged).
		UnknownRound,
		/// The key is not a worker of this round: bond, `session.setKeys` (its `poai` key) and
		/// `validate` before the round starts.
		NotAWorker,
		/// No active model serves the worker's hardware tier, so it has no challenge.
		NoChallenge,
		/// The submission's window has not opened yet.
		TooEarly,
		/// The submission's window has closed.
		TooLate,
		/// This step was already submitted for this round.
		AlreadySubmitted,
		/// `n` differs from the challenge's batch size.
		WrongBatchSize,
		/// The worker is not audited this round.
		NotAudited,
		/// The key is not a verifier of this audit.
		NotAVerifier,
		/// The outputs (or proofs) do not match the opened samples: wrong count, or an output
		/// of the wrong length for the model.
		MalformedOutputs,
		/// The signature does not verify against the key.
		BadSignature,
		/// The opened outputs and salt do not match the verifier's commitment.
		OpeningMismatch,
		/// The verifier has no commitment to open for this audit.
		NotCommitted,
		/// Invalid parameters: windows must be at least one block (the randomness window two),
		/// `1 ≤ k ≤ 16`, `r ≤ escalation verifiers ≤ MaxVerifiers`,
		/// `1 ≤ r ≤ MaxVerifiers`, `flops_per_point ≥ 1`.
		InvalidParams,
	}

	/// The genesis config of the challenges pallet.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The parameters at genesis; `None` keeps [`Config::DefaultParams`].
		pub params: Option<ProtocolParams>,
		/// Marker.
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if let Some(params) = self.params {
				if let Err(error) = Pallet::<T>::check_params(&params) {
					panic!("invalid challenge params in the genesis config: {error:?}");
				}
				Params::<T>::put(params);
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Issues a round when the session changed, then advances every round in flight by at
		/// most one chunk of draws, verdicts and pruning.
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			// `on_finalize` reads the block's weight and length and may write `FullBlocks`.
			Self::on_block(now).saturating_add(T::DbWeight::get().reads_writes(3, 1))
		}

		fn on_finalize(now: BlockNumberFor<T>) {
			Self::note_block_fullness(now);
		}

		fn integrity_test() {
			if let Err(error) = Self::check_params(&T::DefaultParams::get()) {
				panic!("invalid `DefaultParams` of the challenges pallet: {error:?}");
			}
			assert!(T::MaxVerifiers::get() >= 1, "`MaxVerifiers` must be at least 1");
			assert!(
				T::DrawsPerBlock::get() >= 1
					&& T::JudgementsPerBlock::get() >= 1
					&& T::PruneKeysPerBlock::get() >= 1,
				"the per-block chunks must be at least 1"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Commits to the outputs of this worker's challenge in `round`: the Merkle root over
		/// the `n` leaves `H(index ‖ quantised output)`, `n` (the challenge's batch size) and
		/// the inference wall time in milliseconds.
		///
		/// A general transaction (no signer, no fee): `signature` is the worker's `poai` key
		/// signing [`signing_payload`]. Accepted once per round, from a worker of the round,
		/// until its deadline.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::commit())]
		#[pallet::authorize(|_source, key, round, root, n, wall_time_ms, signature| {
			Pallet::<T>::authorize_commit(key, *round, *root, *n, *wall_time_ms, signature)
		})]
		#[pallet::weight_of_authorize(T::WeightInfo::authorize_commit())]
		pub fn commit(
			origin: OriginFor<T>,
			key: WorkerId,
			round: SessionIndex,
			root: H256,
			n: u32,
			wall_time_ms: u32,
			signature: WorkerSignature,
		) -> DispatchResult {
			frame_system::ensure_authorized(origin)?;
			// `signature` was verified by `authorize`, the only way to this origin.
			let _ = signature;
			Self::do_commit(key, round, root, n, wall_time_ms)
		}

		/// Commits this verifier to its quantised outputs for the opened samples of `worker`'s
		/// audited challenge in `round`: `digest` is [`poai_primitives::verification_digest`]
		/// of the outputs (in the order of the opened indices), the verifier's key, the round,
		/// the worker's key and a secret salt. The outputs stay hidden until
		/// [`Pallet::open_verification`], so no verifier can copy another's.
		///
		/// A general transaction signed by the verifier's `poai` key. Accepted once per
		/// committee, from a verifier drawn on it, during its commit window (before the worker
		/// may reveal).
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::commit_verification())]
		#[pallet::authorize(|_source, key, round, worker, digest, signature| {
			Pallet::<T>::authorize_commit_verification(key, *round, worker, *digest, signature)
		})]
		#[pallet::weight_of_authorize(T::WeightInfo::authorize_commit_verification())]
		pub fn commit_verification(
			origin: OriginFor<T>,
			key: WorkerId,
			round: SessionIndex,
			worker: WorkerId,
			digest: H256,
			signature: WorkerSignature,
		) -> DispatchResult {
			frame_system::ensure_authorized(origin)?;
			let _ = signature;
			Self::do_commit_verification(key, round, worker, digest)
		}

		/// Reveals the audited worker's quantised outputs of the opened samples with their
		/// Merkle proofs, in the order of the opened indices. The proofs are checked against the
		/// commitment here: a mismatch is recorded and judged a fault.
		///
		/// A general transaction signed by the worker's `poai` key. Accepted once, during the
		/// reveal window (after the verifiers').
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::reveal(Pallet::<T>::elements(outputs)))]
		#[pallet::authorize(|_source, key, round, outputs, proofs, signature| {
			Pallet::<T>::authorize_reveal(key, *round, outputs, proofs, signature)
		})]
		#[pallet::weight_of_authorize(
			T::WeightInfo::authorize_reveal(Pallet::<T>::elements(outputs))
		)]
		pub fn reveal(
			origin: OriginFor<T>,
			key: WorkerId,
			round: SessionIndex,
			outputs: OpenedOutputs,
			proofs: OpenedProofs,
			signature: WorkerSignature,
		) -> DispatchResult {
			frame_system::ensure_authorized(origin)?;
			let _ = signature;
			Self::do_reveal(key, round, outputs, proofs)
		}

		/// Opens this verifier's commitment for `worker`'s audit in `round`: its quantised
		/// outputs of the opened samples, in the order of the opened indices, and the salt of
		/// the commitment. Refused unless they hash to the commitment.
		///
		/// A general transaction signed by the verifier's `poai` key. Accepted once per
		/// committee, after every commitment of it is in (in the worker's reveal window, or
		/// the escalation's opening window).
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::verify_outputs(Pallet::<T>::elements(outputs)))]
		#[pallet::authorize(|_source, key, round, worker, outputs, salt, signature| {
			Pallet::<T>::authorize_open_verification(key, *round, worker, outputs, salt, signature)
		})]
		#[pallet::weight_of_authorize(
			T::WeightInfo::authorize_verify(Pallet::<T>::elements(outputs))
		)]
		pub fn open_verification(
			origin: OriginFor<T>,
			key: WorkerId,
			round: SessionIndex,
			worker: WorkerId,
			outputs: OpenedOutputs,
			salt: VerificationSalt,
			signature: WorkerSignature,
		) -> DispatchResult {
			frame_system::ensure_authorized(origin)?;
			let _ = signature;
			Self::do_open_verification(key, round, worker, outputs, salt)
		}

		/// Sets the protocol parameters (admin origin: root or a council majority). They apply
		/// to rounds issued from now on; rounds in flight keep theirs.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::set_params())]
		pub fn set_params(origin: OriginFor<T>, params: ProtocolParams) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::check_params(&params)?;
			Params::<T>::put(params);
			Self::deposit_event(Event::ParamsSet { params });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// Checks `params` against the protocol's bounds.
		pub fn check_params(params: &ProtocolParams) -> DispatchResult {
			ensure!(
				params.commit_window >= 1
					&& params.randomness_window >= 2
					&& params.verify_window >= 1
					&& params.reveal_window >= 1
					&& params.audit_samples >= 1
					&& params.audit_samples <= poai_primitives::MAX_OPENED_SAMPLES
					&& params.verifiers >= 1
					&& params.verifiers <= T::MaxVerifiers::get()
					&& params.escalation_verifiers >= params.verifiers
					&& params.escalation_verifiers <= T::MaxVerifiers::get()
					&& params.flops_per_point >= 1,
				Error::<T>::InvalidParams
			);
			Ok(())
		}

		/// Elements of all outputs together: what a submission's weight scales with.
		pub fn elements(outputs: &OpenedOutputs) -> u32 {
			outputs.iter().map(|output| output.len() as u32).sum()
		}
	}
}

/// A stash that left staking is no worker any more: its per-worker records go with it.
impl<T: Config, Balance> sp_staking::OnStakingUpdate<T::AccountId, Balance> for Pallet<T> {
	fn on_unstake(who: &T::AccountId) {
		MissStreaks::<T>::remove(who);
		MissSlashes::<T>::remove(who);
		ReAudits::<T>::remove(who);
		Scorecards::<T>::remove(who);
	}
}

/// The `poai` worker key is a session key: `impl_opaque_keys!` names this pallet for it, so that
/// `author_rotateKeys` makes it in the node's keystore and `session.setKeys` registers it (with
/// its proof of possession) together with the block production and finality keys.
impl<T: Config> sp_runtime::BoundToRuntimeAppPublic for Pallet<T> {
	type Public = poai_primitives::WorkerId;
}

/// The session pallet tells every session key's pallet about the validators' keys. Rounds need
/// nothing from it: the round of a session snapshots the worker keys of every candidate, validator
/// or not, when it is issued (`Config::Workers`), and a key rotated during a round takes effect
/// with the next one, as a validator's rotated session keys do.
impl<T: Config> frame_support::traits::OneSessionHandler<T::AccountId> for Pallet<T> {
	type Key = poai_primitives::WorkerId;

	fn on_genesis_session<'a, I>(_validators: I)
	where
		I: Iterator<Item = (&'a T::AccountId, Self::Key)> + 'a,
	{
	}

	fn on_new_session<'a, I>(_changed: bool, _validators: I, _queued: I)
	where
		I: Iterator<Item = (&'a T::AccountId, Self::Key)> + 'a,
	{
	}

	fn on_disabled(_validator_index: u32) {}
}
