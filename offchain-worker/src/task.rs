//! The worker task: follows the best block, runs the duties of the node's `poai` keys and hands
//! the results to the runtime, which signs them with the keystore and submits them to the
//! transaction pool.
//!
//! Restart-safe by construction: what a key owes is read from the chain at every best block
//! (`PoaiChallengesApi::duties`), which lists only steps not yet included. A step handed to the
//! pool is handed again while it is still owed [`RESUBMIT_AFTER`] blocks later (a pool that
//! dropped it, full or restarted, gets it back while its window is open); the pool refuses the
//! copy of one it still holds (one per round, step and key). After a restart a step may be
//! handed once more, and the pool or the runtime refuses the duplicate. A commitment keeps only
//! its Merkle leaves; a reveal runs again the batches that hold the opened samples (the engine
//! is deterministic on one device). A reveal whose commitment was made before a restart
//! recomputes the challenge's leaves first and says so in the log.
//!
//! A challenge still running when its commit deadline passes is given up between two batches
//! (a commitment can no longer be accepted): a worker that declared a faster tier than its
//! hardware stops wasting the machine on a round it has missed.

use crate::{
	cache::{samples_fingerprint, seed_fingerprint, ByRound},
	challenge::{run_challenge_until, verify_samples, ChallengeOutput},
	engine::{Engine, EngineError},
	metrics::Metrics,
	Fault,
};
use futures::{FutureExt, StreamExt};
use poai_primitives::{
	verification_digest, ChallengeDuty, ModelId, ModelSpec, OpenedOutputs, Panel, RevealDuty,
	SessionIndex, Submission, VerificationSalt, VerifyDuty, WorkerId, POAI_KEY_TYPE,
};
use poai_runtime_api::PoaiChallengesApi;
use sc_client_api::BlockchainEvents;
use sc_transaction_pool_api::OffchainTransactionPoolFactory;
use sp_api::{ApiExt, ProvideRuntimeApi};
use sp_blockchain::HeaderBackend;
use sp_keystore::{KeystoreExt, KeystorePtr};
use sp_runtime::traits::{Block as BlockT, NumberFor, One};
use std::{collections::HashMap, sync::Arc, time::Instant};

const LOG_TARGET: &str = "poai-worker";

/// Rounds kept in memory after their last duty (commitment outputs for reveals, handed steps).
const ROUNDS_KEPT: SessionIndex = 4;

/// Blocks after which a step handed to the pool and still owed is handed again.
const RESUBMIT_AFTER: u32 = 2;

/// What the worker task needs from the node.
pub(crate) struct WorkerParams<C, Block: BlockT> {
	/// The client, for best blocks and the runtime API.
	pub client: Arc<C>,
	/// The keystore holding the node's `poai` keys.
	pub keystore: KeystorePtr,
	/// Gives the runtime access to the transaction pool when it submits.
	pub pool: OffchainTransactionPoolFactory<Block>,
	/// The inference engine.
	pub engine: Arc<Engine>,
	/// Makes this node a dishonest worker (testnets and tests only).
	pub fault: Option<Fault>,
	/// Prometheus metrics, if the node exposes them.
	pub metrics: Option<Metrics>,
}

/// A step handed to the pool: (round, step, own key, audited worker for verifications). Steps:
/// 0 commit, 1 and 3 the first committee's verification commitment and opening, 2 reveal, 4 and
/// 5 the escalation committee's.
type StepId = (SessionIndex, u8, WorkerId, Option<WorkerId>);

/// One piece of work, in the order it is done at a block: reveals and verifications have the
/// shortest windows.
enum Job<N> {
	Reveal(WorkerId, RevealDuty<N>),
	Verify(WorkerId, VerifyDuty<N>),
	Challenge(WorkerId, ChallengeDuty<N>),
}

/// The worker task's state.
struct Worker<C, Block: BlockT> {
	params: WorkerParams<C, Block>,
	/// The challenge outputs of this node's keys, per round, under the seed they were computed
	/// from (a reorganisation that replaces a round's issue block changes the seed).
	outputs: ByRound<WorkerId, Arc<ChallengeOutput>>,
	/// The outputs this node's keys committed to as verifiers, until they are opened: per round
	/// and (own key, audited worker, committee), under the seed and samples they are of.
	verified: ByRound<(WorkerId, WorkerId, Panel), OpenedOutputs>,
	/// The best block the duties being done were read at: submissions are signed there, so
	/// that work for a block a reorganisation retracted is refused on the new best chain
	/// (its signature binds that fork's round randomness) instead of standing for the new one.
	duties_at: Option<Block::Hash>,
	/// Steps handed to the pool, with the best block they were last handed at; `None` for
	/// steps given up (deadline passed, a simulated fault).
	handed: HashMap<StepId, Option<NumberFor<Block>>>,
	/// Commitments computed but held back by the `late-commit` fault until their deadline has
	/// passed.
	late: HashMap<(SessionIndex, WorkerId), (NumberFor<Block>, Submission)>,
}

/// Runs the worker until the node stops.
pub(crate) async fn run<Block, C>(params: WorkerParams<C, Block>)
where
	Block: BlockT,
	C: ProvideRuntimeApi<Block> + BlockchainEvents<Block> + HeaderBackend<Block> + 'static,
	C: Send + Sync,
	C::Api: PoaiChallengesApi<Block, NumberFor<Block>>,
{
	log::info!(
		target: LOG_TARGET,
		"🧠 PoAI worker started on {} ({} `poai` key(s) in the keystore){}",
		params.engine.device(),
		params.keystore.sr25519_public_keys(POAI_KEY_TYPE).len(),
		params.fault.map(|f| format!("; SIMULATING FAULT `{f}`")).unwrap_or_default(),
	);
	let mut notifications = params.client.import_notification_stream();
	let mut worker = Worker {
		params,
		outputs: ByRound::default(),
		verified: ByRound::default(),
		duties_at: None,
		handed: HashMap::new(),
		late: HashMap::new(),
	};
	while let Some(notification) = notifications.next().await {
		if !notification.is_new_best {
			continue;
		}
		worker.observe_faults(notification.hash);
		// Work from the newest best block only: skip the ones imported while busy.
		while let Some(Some(skipped)) = notifications.next().now_or_never() {
			if skipped.is_new_best {
				worker.observe_faults(skipped.hash);
			}
		}
		worker.on_best_block().await;
	}
}

impl<C, Block> Worker<C, Block>
where
	Block: BlockT,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: PoaiChallengesApi<Block, NumberFor<Block>>,
{
	fn best(&self) -> (Block::Hash, NumberFor<Block>) {
		let info = self.params.client.info();
		(info.best_hash, info.best_number)
	}

	/// Whether `step` was handed to the pool lately (or given up), so that it is not handed
	/// now; a step still owed `RESUBMIT_AFTER` blocks after it was handed goes out again.
	fn handed_lately(&self, step: &StepId) -> bool {
		match self.handed.get(step) {
			None => false,
			Some(None) => true,
			Some(Some(at)) => self.best().1 < *at + RESUBMIT_AFTER.into(),
		}
	}

	/// Whether `step` was handed before (this is a re-submission).
	fn handed_before(&self, step: &StepId) -> bool {
		matches!(self.handed.get(step), Some(Some(_)))
	}

	fn mark_handed(&mut self, step: StepId) {
		let best = self.best().1;
		self.handed.insert(step, Some(best));
	}

	fn give_up(&mut self, step: StepId) {
		self.handed.insert(step, None);
	}

	/// Counts the faults the chain recorded in block `hash` (`PoaiChallengesApi::faults`, from
	/// version 2 of the API; a block of an older runtime counts none).
	fn observe_faults(&self, hash: Block::Hash) {
		let Some(metrics) = &self.params.metrics else { return };
		let api = self.params.client.runtime_api();
		let has_faults = api
			.api_version::<dyn PoaiChallengesApi<Block, NumberFor<Block>>>(hash)
			.ok()
			.flatten()
			.is_some_and(|version| version >= 2);
		if !has_faults {
			return;
		}
		match api.faults(hash) {
			Ok(0) => {}
			Ok(faults) => {
				log::info!(target: LOG_TARGET, "⚠️ {faults} PoAI fault(s) found in block {hash:?}");
				metrics.faults.inc_by(u64::from(faults));
			}
			Err(e) => log::debug!(target: LOG_TARGET, "faults of block {hash:?} not read: {e}"),
		}
	}

	fn keys(&self) -> Vec<WorkerId> {
		self.params
			.keystore
			.sr25519_public_keys(POAI_KEY_TYPE)
			.into_iter()
			.map(WorkerId::from)
			.collect()
	}

	/// Does every duty owed at the best block that can be done now.
	async fn on_best_block(&mut self) {
		let (hash, number) = self.best();
		self.submit_late_commitments(number);
		let mut jobs = Vec::new();
		let mut current_rounds = Vec::new();
		for key in self.keys() {
			let duties = match self.params.client.runtime_api().duties(hash, key.clone()) {
				Ok(duties) => duties,
				Err(error) => {
					log::debug!(target: LOG_TARGET, "no PoAI duties at {hash:?}: {error}");
					return;
				}
			};
			current_rounds.extend(duties.challenges.iter().map(|d| d.round));
			jobs.extend(duties.reveals.into_iter().map(|d| Job::Reveal(key.clone(), d)));
			jobs.extend(duties.verifications.into_iter().map(|d| Job::Verify(key.clone(), d)));
			jobs.extend(duties.challenges.into_iter().map(|d| Job::Challenge(key.clone(), d)));
		}
		if let Some(&newest) = current_rounds.iter().max() {
			let oldest_kept = newest.saturating_sub(ROUNDS_KEPT);
			self.outputs.retain_from(oldest_kept);
			self.verified.retain_from(oldest_kept);
			self.handed.retain(|(round, ..), _| *round >= oldest_kept);
		}
		self.duties_at = Some(hash);
		for job in jobs {
			if let Err(error) = self.do_job(job).await {
				log::warn!(target: LOG_TARGET, "{error}");
			}
		}
	}

	async fn do_job(&mut self, job: Job<NumberFor<Block>>) -> Result<(), String> {
		match job {
			Job::Challenge(key, duty) => self.challenge(key, duty).await,
			Job::Verify(key, duty) => self.verify(key, duty).await,
			Job::Reveal(key, duty) => self.reveal(key, duty).await,
		}
	}

	async fn challenge(
		&mut self,
		key: WorkerId,
		duty: ChallengeDuty<NumberFor<Block>>,
	) -> Result<(), String> {
		let step = (duty.round, 0, key.clone(), None);
		if self.handed_lately(&step) || self.late.contains_key(&(duty.round, key.clone())) {
			return Ok(());
		}
		if self.best().1 > duty.deadline {
			self.give_up(step);
			if let Some(metrics) = &self.params.metrics {
				metrics.missed.inc();
			}
			return Err(format!(
				"round {}: the commit deadline passed before the challenge ran",
				duty.round
			));
		}
		let output = match self.outputs.get(duty.round, &key, &seed_fingerprint(&duty.seed)) {
			Some(output) => output.clone(),
			None => {
				let computed =
					self.compute(duty.model, &duty.spec, duty.seed, duty.n, Some(duty.deadline));
				match computed.await {
					Err(error @ EngineError::Abandoned { .. }) => {
						self.give_up(step);
						if let Some(metrics) = &self.params.metrics {
							metrics.missed.inc();
						}
						return Err(format!("round {}: {error}", duty.round));
					}
					other => other.map_err(|e| format!("round {}: {e}", duty.round))?,
				}
			}
		};
		let submission = Submission::Commit {
			round: duty.round,
			root: output.root,
			n: duty.n,
			wall_time_ms: output.wall_time_ms,
		};
		self.outputs.insert(duty.round, key.clone(), seed_fingerprint(&duty.seed), output);
		if self.params.fault == Some(Fault::LateCommit) {
			log::info!(target: LOG_TARGET, "round {}: holding the commitment back until after block {} (simulated fault)", duty.round, duty.deadline);
			self.late.insert((duty.round, key), (duty.deadline, submission));
			return Ok(());
		}
		let retry = self.handed_before(&step);
		self.mark_handed(step);
		self.submit(key, submission, "commitment", duty.round, retry)?;
		if let Some(metrics) = &self.params.metrics {
			metrics.committed.inc();
		}
		Ok(())
	}

	fn submit_late_commitments(&mut self, best: NumberFor<Block>) {
		let due: Vec<_> = self
			.late
			.iter()
			.filter(|(_, (deadline, _))| best > *deadline)
			.map(|(k, _)| k.clone())
			.collect();
		for (round, key) in due {
			if let Some((_, submission)) = self.late.remove(&(round, key.clone())) {
				self.mark_handed((round, 0, key.clone(), None));
				if let Err(error) = self.submit(key, submission, "late commitment", round, false) {
					log::warn!(target: LOG_TARGET, "{error}");
				}
			}
		}
	}

	/// A verification in two steps: in the commit window, re-execute the opened samples and
	/// commit to the outputs with a salted digest; once the window closes, open them.
	async fn verify(
		&mut self,
		key: WorkerId,
		duty: VerifyDuty<NumberFor<Block>>,
	) -> Result<(), String> {
		let (commit_step, open_step) = match duty.panel {
			Panel::First => (1, 3),
			Panel::Escalation => (4, 5),
		};
		let step = |step| (duty.round, step, key.clone(), Some(duty.worker.clone()));
		// The pool checks a transaction as if in the block after the best one.
		let next = self.best().1 + One::one();
		let (step, what) = if duty.committed {
			if next < duty.opens || next > duty.deadline {
				return Ok(());
			}
			(step(open_step), "verification opening")
		} else {
			if next > duty.commit_until {
				return Ok(());
			}
			(step(commit_step), "verification commitment")
		};
		if self.handed_lately(&step) {
			return Ok(());
		}
		let cached = (key.clone(), duty.worker.clone(), duty.panel);
		let fingerprint = samples_fingerprint(&duty.seed, &duty.indices);
		let outputs = match self.verified.get(duty.round, &cached, &fingerprint) {
			Some(outputs) => outputs.clone(),
			None => {
				let spec = duty.spec.clone();
				let model =
					self.params.engine.model(duty.model, &spec).map_err(|e| e.to_string())?;
				let (seed, indices, fault) = (duty.seed, duty.indices.to_vec(), self.params.fault);
				let started = Instant::now();
				let outputs =
					tokio_blocking(move || verify_samples(&model, &spec, &seed, &indices, fault))
						.await
						.map_err(|e| {
							format!("round {}: verifying {:?}: {e}", duty.round, duty.worker)
						})?;
				if let Some(metrics) = &self.params.metrics {
					metrics.observe_inference(duty.indices.len(), started.elapsed().as_secs_f64());
				}
				self.verified.insert(duty.round, cached, fingerprint, outputs.clone());
				outputs
			}
		};
		let salt = self.salt(&key, &duty)?;
		let submission = if duty.committed {
			Submission::OpenVerification { round: duty.round, worker: duty.worker, outputs, salt }
		} else {
			let digest = verification_digest(&outputs, &key, duty.round, &duty.worker, &salt);
			Submission::CommitVerification { round: duty.round, worker: duty.worker, digest }
		};
		let retry = self.handed_before(&step);
		self.mark_handed(step);
		self.submit(key, submission, what, duty.round, retry)?;
		if duty.committed {
			if let Some(metrics) = &self.params.metrics {
				metrics.audits.inc();
			}
		}
		Ok(())
	}

	/// The salt of `key`'s commitment for `duty`: its VRF pre-output on (round, worker,
	/// committee) from the keystore. Nobody without the key can compute it, so the digest
	/// hides the outputs; the node computes it again after a restart, so a commitment made
	/// before one can still be opened.
	fn salt(
		&self,
		key: &WorkerId,
		duty: &VerifyDuty<NumberFor<Block>>,
	) -> Result<VerificationSalt, String> {
		use sp_core::sr25519::vrf::VrfInput;
		let panel = codec::Encode::encode(&duty.panel);
		let round = duty.round.to_le_bytes();
		let input = VrfInput::new(
			b"poai/verification-salt",
			&[(b"round", &round), (b"worker", duty.worker.as_ref()), (b"panel", &panel)],
		);
		let public = sp_core::sr25519::Public::from(key.clone());
		let pre_output = self
			.params
			.keystore
			.sr25519_vrf_pre_output(POAI_KEY_TYPE, &public, &input)
			.map_err(|e| format!("round {}: salt: {e}", duty.round))?
			.ok_or_else(|| format!("round {}: salt: the key is not in the keystore", duty.round))?;
		public
			.make_bytes::<32>(b"poai/salt", &input, &pre_output)
			.map_err(|e| format!("round {}: salt: {e}", duty.round))
	}

	async fn reveal(
		&mut self,
		key: WorkerId,
		duty: RevealDuty<NumberFor<Block>>,
	) -> Result<(), String> {
		let step = (duty.round, 2, key.clone(), None);
		// The pool checks a transaction as if in the block after the best one: the reveal goes
		// out at the best block before the window opens, to be in its first block.
		let next = self.best().1 + One::one();
		if self.handed_lately(&step) || next < duty.opens || next > duty.deadline {
			return Ok(());
		}
		if self.params.fault == Some(Fault::SkipReveal) {
			self.give_up(step);
			log::info!(target: LOG_TARGET, "round {}: not revealing (simulated fault)", duty.round);
			return Ok(());
		}
		let output = match self.outputs.get(duty.round, &key, &seed_fingerprint(&duty.seed)) {
			Some(output) => output.clone(),
			None => {
				log::warn!(target: LOG_TARGET, "round {}: no commitment in memory (restarted?): recomputing the challenge to reveal", duty.round);
				self.compute(duty.model, &duty.spec, duty.seed, duty.n, None)
					.await
					.map_err(|e| format!("round {}: {e}", duty.round))?
			}
		};
		let model = self.params.engine.model(duty.model, &duty.spec).map_err(|e| e.to_string())?;
		let (spec, indices) = (duty.spec.clone(), duty.indices.to_vec());
		let (outputs, proofs) = tokio_blocking(move || output.open(&model, &spec, &indices))
			.await
			.map_err(|e| format!("round {}: opening samples: {e}", duty.round))?;
		let retry = self.handed_before(&step);
		self.mark_handed(step);
		self.submit(
			key,
			Submission::Reveal { round: duty.round, outputs, proofs },
			"reveal",
			duty.round,
			retry,
		)?;
		if let Some(metrics) = &self.params.metrics {
			metrics.reveals.inc();
		}
		Ok(())
	}

	/// Runs a challenge on the blocking pool, given up once the best block reaches `deadline`
	/// (the pool checks a commitment as if in the block after the best one, so from then on
	/// none can be accepted).
	async fn compute(
		&mut self,
		model_id: ModelId,
		spec: &ModelSpec,
		seed: poai_primitives::Seed,
		n: u32,
		deadline: Option<NumberFor<Block>>,
	) -> Result<Arc<ChallengeOutput>, EngineError> {
		let model = self.params.engine.model(model_id, spec)?;
		let (spec, fault, client) = (spec.clone(), self.params.fault, self.params.client.clone());
		let past_deadline =
			move || deadline.is_some_and(|deadline| client.info().best_number >= deadline);
		let started = Instant::now();
		let output = tokio_blocking(move || {
			run_challenge_until(&model, &spec, &seed, n, fault, &past_deadline)
		})
		.await?;
		if let Some(metrics) = &self.params.metrics {
			metrics.observe_inference(n as usize, started.elapsed().as_secs_f64());
		}
		log::info!(
			target: LOG_TARGET,
			"🧠 model {model_id}: {n} samples in {} ms, root {:?}",
			output.wall_time_ms,
			output.root
		);
		Ok(Arc::new(output))
	}

	/// Hands `submission` to the runtime at the block its duty was read at (else the best
	/// block), with the keystore and the pool.
	/// A `retry` of a step handed before that the pool refuses is most likely still in the
	/// pool (not included yet): logged quietly, not counted as rejected.
	fn submit(
		&self,
		key: WorkerId,
		submission: Submission,
		what: &str,
		round: SessionIndex,
		retry: bool,
	) -> Result<(), String> {
		let at = self.duties_at.unwrap_or_else(|| self.best().0);
		let mut api = self.params.client.runtime_api();
		api.register_extension(KeystoreExt(self.params.keystore.clone()));
		api.register_extension(self.params.pool.offchain_transaction_pool(at));
		let result = api
			.submit(at, key, submission)
			.map_err(|e| e.to_string())
			.and_then(|r| r.map_err(|e| format!("{e:?}")));
		match result {
			Ok(()) if retry => {
				log::info!(target: LOG_TARGET, "round {round}: {what} submitted again (still owed; the pool had dropped it)");
				Ok(())
			}
			Ok(()) => {
				log::info!(target: LOG_TARGET, "round {round}: {what} submitted");
				Ok(())
			}
			Err(error) if retry => {
				log::debug!(target: LOG_TARGET, "round {round}: {what} still in the pool ({error})");
				Ok(())
			}
			Err(error) => {
				if let Some(metrics) = &self.params.metrics {
					metrics.rejected.inc();
				}
				Err(format!("round {round}: {what} not submitted: {error}"))
			}
		}
	}
}

/// Runs `f` on a thread of its own and waits for it without blocking the async executor.
async fn tokio_blocking<T: Send + 'static>(
	f: impl FnOnce() -> Result<T, EngineError> + Send + 'static,
) -> Result<T, EngineError> {
	let (sender, receiver) = futures::channel::oneshot::channel();
	std::thread::Builder::new()
		.name("poai-inference".into())
		.spawn(move || {
			let _ = sender.send(f());
		})
		.map_err(|e| EngineError::Thread(e.to_string()))?;
	receiver.await.map_err(|_| EngineError::Thread("the inference thread panicked".into()))?
}
