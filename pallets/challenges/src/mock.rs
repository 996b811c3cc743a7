//! The test runtime of the challenges pallet, with recording stand-ins for the pallets it talks
//! to (staking's worker registry, the model registry, reputation, work points, offences) and a
//! simulated model that honest, lazy and partial workers run.

use crate::{self as pallet_poai_challenges, ChallengeOffence, ProtocolParams};
use codec::Encode;
use core::cell::RefCell;
use frame_support::{
	derive_impl, parameter_types,
	traits::{Hooks, Randomness},
};
use poai_primitives::{
	fixtures::{dense_mlp, tiers},
	generate_sample, quantise_all, ModelId, ModelName, ModelRegistry, ModelSpec, RegisteredWorker,
	ReputationProvider, ReputationRecorder, RoundOutcome, SampleIndex, SampleInput, SeatWeight,
	Seed, SeedRng, TierId, WorkPointsRecorder, WorkerId, WorkerRegistry,
};
use sp_core::{sr25519, Pair, H256};
use sp_runtime::{
	testing::UintAuthorityId,
	traits::{BlakeTwo256, Convert},
	BuildStorage, Perbill,
};
use sp_staking::offence::{OffenceError, ReportOffence};
use std::collections::BTreeMap;

pub type AccountId = u64;
pub type BlockNumber = u64;
pub type TxExtension = (frame_system::AuthorizeCall<Test>,);
pub type UncheckedExtrinsic =
	sp_runtime::generic::UncheckedExtrinsic<AccountId, RuntimeCall, UintAuthorityId, TxExtension>;
pub type Block = sp_runtime::generic::Block<
	sp_runtime::generic::Header<BlockNumber, BlakeTwo256>,
	UncheckedExtrinsic,
>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Challenges: pallet_poai_challenges,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

impl frame_system::offchain::CreateTransactionBase<pallet_poai_challenges::Call<Test>> for Test {
	type Extrinsic = UncheckedExtrinsic;
	type RuntimeCall = RuntimeCall;
}

impl frame_system::offchain::CreateTransaction<pallet_poai_challenges::Call<Test>> for Test {
	type Extension = TxExtension;
	fn create_transaction(call: RuntimeCall, extension: TxExtension) -> UncheckedExtrinsic {
		UncheckedExtrinsic::new_transaction(call, extension)
	}
}

impl frame_system::offchain::CreateAuthorizedTransaction<pallet_poai_challenges::Call<Test>>
	for Test
{
	fn create_extension() -> TxExtension {
		(frame_system::AuthorizeCall::<Test>::new(),)
	}
}

thread_local! {
	static WORKERS: RefCell<Vec<RegisteredWorker<AccountId>>> = const { RefCell::new(Vec::new()) };
	static MODELS: RefCell<BTreeMap<ModelId, (ModelSpec, bool)>> = const { RefCell::new(BTreeMap::new()) };
	static SESSION: RefCell<u32> = const { RefCell::new(0) };
	static SNAPSHOTS: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
	static OUTCOMES: RefCell<Vec<(AccountId, RoundOutcome)>> = const { RefCell::new(Vec::new()) };
	static POINTS: RefCell<BTreeMap<AccountId, u32>> = const { RefCell::new(BTreeMap::new()) };
	static OFFENCES: RefCell<Vec<ChallengeOffence<AccountId>>> = const { RefCell::new(Vec::new()) };
	static OFFENCE_BLOCKS: RefCell<Vec<BlockNumber>> = const { RefCell::new(Vec::new()) };
	static SALT: RefCell<u64> = const { RefCell::new(0) };
	static SUSPENDED: RefCell<Vec<AccountId>> = const { RefCell::new(Vec::new()) };
	static FILL_BLOCKS: RefCell<bool> = const { RefCell::new(false) };
	static HOOK_WEIGHTS: RefCell<Vec<(BlockNumber, frame_support::weights::Weight)>> =
		const { RefCell::new(Vec::new()) };
}

/// The registered workers: whatever the test put there. Records the sessions it snapshots.
pub struct MockWorkers;
impl WorkerRegistry<AccountId> for MockWorkers {
	fn snapshot_workers(session: u32, max: u32) -> Vec<RegisteredWorker<AccountId>> {
		SNAPSHOTS.with(|s| s.borrow_mut().push(session));
		WORKERS.with(|w| w.borrow().iter().take(max as usize).cloned().collect())
	}
	fn suspend(stash: &AccountId) -> bool {
		SUSPENDED.with(|s| s.borrow_mut().push(*stash));
		WORKERS.with(|w| {
			let mut workers = w.borrow_mut();
			let before = workers.len();
			workers.retain(|worker| worker.stash != *stash);
			workers.len() < before
		})
	}
}

/// The workers suspended so far, in order.
pub fn suspended() -> Vec<AccountId> {
	SUSPENDED.with(|s| s.borrow().clone())
}

/// The model registry: specs with an active flag.
/// The tiers: the reference tiers, ids 0, 1 and 2.
pub struct MockTiers;
impl poai_primitives::TierRegistry for MockTiers {
	fn tier(id: poai_primitives::TierId) -> Option<poai_primitives::TierSpec> {
		poai_primitives::reference_tiers().get(usize::from(id.0)).cloned()
	}
}

pub struct MockModels;
impl ModelRegistry for MockModels {
	fn model(id: ModelId) -> Option<ModelSpec> {
		MODELS.with(|m| m.borrow().get(&id).map(|(spec, _)| spec.clone()))
	}
	fn active_models() -> Vec<ModelId> {
		MODELS.with(|m| {
			m.borrow().iter().filter(|(_, (_, active))| *active).map(|(id, _)| *id).collect()
		})
	}
}

/// Randomness that changes with the block, the subject and a per-test salt.
pub struct MockRandomness;
impl Randomness<H256, BlockNumber> for MockRandomness {
	fn random(subject: &[u8]) -> (H256, BlockNumber) {
		let block = System::block_number();
		let salt = SALT.with(|s| *s.borrow());
		(H256((subject, block, salt).using_encoded(sp_io::hashing::blake2_256)), block)
	}
}
impl Randomness<Option<H256>, BlockNumber> for MockRandomness {
	fn random(subject: &[u8]) -> (Option<H256>, BlockNumber) {
		let (random, block) = <Self as Randomness<H256, BlockNumber>>::random(subject);
		(Some(random), block)
	}
}

pub struct CurrentSession;
impl frame_support::traits::Get<u32> for CurrentSession {
	fn get() -> u32 {
		SESSION.with(|s| *s.borrow())
	}
}

/// Records outcomes; the reputation is the share of passes among the recorded outcomes (neutral
/// without any), enough to see points scale with it.
pub struct MockReputation;
impl ReputationRecorder<AccountId> for MockReputation {
	fn record(who: &AccountId, outcome: RoundOutcome) {
		OUTCOMES.with(|o| o.borrow_mut().push((*who, outcome)));
	}
}
impl ReputationProvider<AccountId> for MockReputation {
	fn reputation(who: &AccountId) -> Perbill {
		let (passes, total) = OUTCOMES.with(|o| {
			o.borrow().iter().filter(|(w, _)| w == who).fold((0u32, 0u32), |(p, t), (_, oc)| {
				(p + u32::from(*oc == RoundOutcome::Passed), t + 1)
			})
		});
		if total == 0 {
			Perbill::from_percent(50)
		} else {
			Perbill::from_rational(passes, total)
		}
	}
}

pub struct MockWorkPoints;
impl WorkPointsRecorder<AccountId> for MockWorkPoints {
	fn note_work(who: &AccountId, points: u32) {
		POINTS.with(|p| *p.borrow_mut().entry(*who).or_default() += points);
	}
}

pub struct IdentifyStash;
impl Convert<AccountId, Option<AccountId>> for IdentifyStash {
	fn convert(stash: AccountId) -> Option<AccountId> {
		Some(stash)
	}
}

/// Records offences, refusing duplicates like `pallet-offences`.
pub struct MockOffences;
impl ReportOffence<AccountId, AccountId, ChallengeOffence<AccountId>> for MockOffences {
	fn report_offence(
		_reporters: Vec<AccountId>,
		offence: ChallengeOffence<AccountId>,
	) -> Result<(), OffenceError> {
		OFFENCES.with(|o| {
			let mut o = o.borrow_mut();
			if o.iter().any(|known| {
				known.offender == offence.offender
					&& (known.round, known.kind) == (offence.round, offence.kind)
			}) {
				return Err(OffenceError::DuplicateReport);
			}
			o.push(offence);
			OFFENCE_BLOCKS.with(|b| b.borrow_mut().push(System::block_number()));
			Ok(())
		})
	}
	fn is_known_offence(offenders: &[AccountId], time_slot: &(u32, crate::OffenceKind)) -> bool {
		OFFENCES.with(|o| {
			o.borrow()
				.iter()
				.any(|k| offenders.contains(&k.offender) && (k.round, k.kind) == *time_slot)
		})
	}
}

parameter_types! {
	pub const DefaultParams: ProtocolParams = ProtocolParams::TESTNET;
	/// Sessions with at most one slash for missed rounds.
	pub const MissSlashPeriod: u32 = 8;
	/// Far above any hook's own weight in the mock, so that tests can tell a block that
	/// reported an offence from one that did not.
	pub const OffenceReportWeight: frame_support::weights::Weight =
		frame_support::weights::Weight::from_parts(1_000_000_000_000, 0);
}

impl pallet_poai_challenges::Config for Test {
	type Workers = MockWorkers;
	type Models = MockModels;
	type Tiers = MockTiers;
	type Randomness = MockRandomness;
	type CurrentSession = CurrentSession;
	type Reputation = MockReputation;
	type WorkPoints = MockWorkPoints;
	type OffenderId = AccountId;
	type IdentifyOffender = IdentifyStash;
	type ReportOffence = MockOffences;
	type OffenceReportWeight = OffenceReportWeight;
	type DefaultParams = DefaultParams;
	type MaxWorkers = frame_support::traits::ConstU32<64>;
	type MaxRoundModels = frame_support::traits::ConstU32<8>;
	type MaxVerifiers = frame_support::traits::ConstU32<7>;
	type DrawsPerBlock = frame_support::traits::ConstU32<4>;
	type JudgementsPerBlock = frame_support::traits::ConstU32<2>;
	type PruneKeysPerBlock = frame_support::traits::ConstU32<8>;
	type MissSlashPeriod = MissSlashPeriod;
	type SubmissionPriority = frame_support::traits::ConstU64<{ u64::MAX / 2 }>;
	type AdminOrigin = frame_system::EnsureRoot<Self::AccountId>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockBenchmarkHelper;
}

/// Fills the mock registries for the benchmarks: workers with raw keys (issuing a round signs
/// nothing) and copies of the simulated MLP under a name as long as allowed.
#[cfg(feature = "runtime-benchmarks")]
pub struct MockBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper for MockBenchmarkHelper {
	fn register_workers(count: u32) -> u32 {
		WORKERS.with(|w| {
			let mut workers = w.borrow_mut();
			let first = workers.len() as u64;
			workers.extend((first..first + u64::from(count)).map(|i| RegisteredWorker {
				stash: 1_000_000 + i,
				key: WorkerId::from(sr25519::Public::from_raw(
					(b"bench-worker", i).using_encoded(sp_io::hashing::blake2_256),
				)),
				tier: TierId(0),
				validator: true,
				weight: 1_000,
			}));
		});
		count
	}

	fn register_models(count: u32) {
		let first = MODELS.with(|m| m.borrow().keys().next_back().map_or(0, |id| id + 1));
		let mut spec = mlp_spec();
		spec.name =
			ModelName::truncate_from(vec![b'm'; poai_primitives::MAX_MODEL_NAME_LEN as usize]);
		for id in first..first + count {
			set_model(id, spec.clone());
		}
	}
}

// ---- test set-up ----------------------------------------------------------------------------

/// The sr25519 pair of the dev seed `//<name>`.
pub fn pair(name: &str) -> sr25519::Pair {
	sr25519::Pair::from_string(&format!("//{name}"), None).expect("dev seeds are valid; qed")
}

/// The worker key of `//<name>`.
pub fn key(name: &str) -> WorkerId {
	WorkerId::from(pair(name).public())
}

/// Registers `(stash, key name, tier, validator)` workers, each with the same stake.
/// The seat of `name`'s key in `round`'s worker snapshot.
pub fn seat_of(round: u32, name: &str) -> crate::Seat {
	let workers = crate::RoundWorkers::<Test>::get(round);
	let seat = workers.binary_search_by(|w| w.key.cmp(&key(name)));
	seat.unwrap_or_else(|_| panic!("{name} has no seat in round {round}")) as crate::Seat
}

pub fn set_workers(workers: &[(AccountId, &str, TierId, bool)]) {
	let weighted: Vec<_> = workers
		.iter()
		.map(|&(stash, name, tier, validator)| (stash, name, tier, validator, 1_000))
		.collect();
	set_weighted_workers(&weighted);
}

/// Registers `(stash, key name, tier, validator, stake)` workers.
pub fn set_weighted_workers(workers: &[(AccountId, &str, TierId, bool, SeatWeight)]) {
	WORKERS.with(|w| {
		*w.borrow_mut() = workers
			.iter()
			.map(|&(stash, name, tier, validator, weight)| RegisteredWorker {
				stash,
				key: key(name),
				tier,
				validator,
				weight,
			})
			.collect()
	});
}

/// The sessions whose workers the pallet snapshotted, in order.
pub fn snapshots() -> Vec<u32> {
	SNAPSHOTS.with(|s| s.borrow().clone())
}

/// Registers (or replaces) model `id`, active.
pub fn set_model(id: ModelId, spec: ModelSpec) {
	MODELS.with(|m| m.borrow_mut().insert(id, (spec, true)));
}

/// Retires model `id`.
pub fn retire_model(id: ModelId) {
	MODELS.with(|m| {
		if let Some(entry) = m.borrow_mut().get_mut(&id) {
			entry.1 = false;
		}
	});
}

pub fn set_session(session: u32) {
	SESSION.with(|s| *s.borrow_mut() = session);
}

pub fn set_salt(salt: u64) {
	SALT.with(|s| *s.borrow_mut() = salt);
}

pub fn outcomes() -> Vec<(AccountId, RoundOutcome)> {
	OUTCOMES.with(|o| o.borrow().clone())
}

pub fn outcomes_of(who: AccountId) -> Vec<RoundOutcome> {
	outcomes().into_iter().filter(|(w, _)| *w == who).map(|(_, o)| o).collect()
}

pub fn points_of(who: AccountId) -> u32 {
	POINTS.with(|p| p.borrow().get(&who).copied().unwrap_or_default())
}

pub fn offences() -> Vec<ChallengeOffence<AccountId>> {
	OFFENCES.with(|o| o.borrow().clone())
}

/// The block each of [`offences`] was reported in.
pub fn offence_blocks() -> Vec<BlockNumber> {
	OFFENCE_BLOCKS.with(|b| b.borrow().clone())
}

/// A small dense model served by both tiers: 8 inputs in [-1, 1], 4 outputs.
pub fn mlp_spec() -> ModelSpec {
	ModelSpec {
		name: ModelName::truncate_from(b"sim-mlp".to_vec()),
		onnx_hash: H256::repeat_byte(1),
		tiers: tiers(&[(TierId(0), 32, 6), (TierId(1), 128, 4)]),
		..dense_mlp(8, 4)
	}
}

/// Test externalities: no workers, the simulated MLP registered as model 0, session 0, block 0.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let storage =
		RuntimeGenesisConfig::default().build_storage().expect("the test genesis is valid; qed");
	WORKERS.with(|w| w.borrow_mut().clear());
	MODELS.with(|m| m.borrow_mut().clear());
	OUTCOMES.with(|o| o.borrow_mut().clear());
	POINTS.with(|p| p.borrow_mut().clear());
	OFFENCES.with(|o| o.borrow_mut().clear());
	OFFENCE_BLOCKS.with(|b| b.borrow_mut().clear());
	HOOK_WEIGHTS.with(|w| w.borrow_mut().clear());
	SNAPSHOTS.with(|s| s.borrow_mut().clear());
	set_session(0);
	set_salt(0);
	set_model(0, mlp_spec());
	sp_io::TestExternalities::new(storage)
}

/// The externalities of the benchmark tests: [`new_test_ext`] with a keystore, in which the
/// benchmarks generate the workers' keys and sign their submissions.
#[cfg(feature = "runtime-benchmarks")]
pub fn new_bench_ext() -> sp_io::TestExternalities {
	let mut ext = new_test_ext();
	ext.register_extension(sp_keystore::KeystoreExt::new(
		sp_keystore::testing::MemoryKeystore::new(),
	));
	ext
}

/// Runs blocks up to and including `n`: each block's `on_initialize` of the pallet, whose
/// weights [`hook_weights`] returns.
pub fn run_to_block(n: BlockNumber) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		// What `System::initialize` does for a real block: the weight used starts at zero.
		frame_system::BlockWeight::<Test>::kill();
		let weight = Challenges::on_initialize(next);
		HOOK_WEIGHTS.with(|w| w.borrow_mut().push((next, weight)));
		if FILL_BLOCKS.with(|f| *f.borrow()) {
			let max =
				<<Test as frame_system::Config>::BlockWeights as frame_support::traits::Get<
					frame_system::limits::BlockWeights,
				>>::get()
				.max_block;
			System::register_extra_weight_unchecked(
				max,
				frame_support::dispatch::DispatchClass::Normal,
			);
		}
		Challenges::on_finalize(next);
	}
}

/// Makes the blocks [`run_to_block`] runs from now on full (their normal-class weight at the
/// block's limit), or not.
pub fn set_full_blocks(full: bool) {
	FILL_BLOCKS.with(|f| *f.borrow_mut() = full);
}

/// The weight each block's `on_initialize` returned, since the test began.
pub fn hook_weights() -> Vec<(BlockNumber, frame_support::weights::Weight)> {
	HOOK_WEIGHTS.with(|w| w.borrow().clone())
}

// ---- the simulated model ---------------------------------------------------------------------

/// The simulated model's float output for sample `index` of the challenge seeded `seed`: a
/// fixed dense layer (weights derived from the model hash) over the generated input.
pub fn model_output(spec: &ModelSpec, seed: &Seed, index: SampleIndex) -> Vec<f32> {
	let input = generate_sample(&spec.input, seed, index).expect("the spec is valid; qed");
	let x: Vec<f32> = match &input {
		SampleInput::Uniform { .. } => input.to_f32().expect("uniform inputs map to floats"),
		SampleInput::Tokens { ids } => ids.iter().map(|&id| id as f32 / 100.0).collect(),
		SampleInput::Int8 { values } => values.iter().map(|&v| f32::from(v) / 100.0).collect(),
	};
	let mut rng = SeedRng::new(spec.onnx_hash.0);
	(0..spec.output_len)
		.map(|_| {
			x.iter()
				.map(|xi| {
					let w = (rng.next_u32() >> 8) as f32 / (1u32 << 24) as f32 - 0.5;
					w * xi
				})
				.sum::<f32>()
				+ 0.25
		})
		.collect()
}

/// The quantised output of sample `index`, optionally with relative noise of at most `noise`
/// on every element (to model honest float differences between machines).
pub fn quantised_output(spec: &ModelSpec, seed: &Seed, index: SampleIndex, noise: f32) -> Vec<i32> {
	let mut rng = SeedRng::new((b"noise", seed, index).using_encoded(sp_io::hashing::blake2_256));
	let values: Vec<f32> = model_output(spec, seed, index)
		.into_iter()
		.map(|v| {
			let u = (rng.next_u32() >> 8) as f32 / (1u32 << 24) as f32 * 2.0 - 1.0;
			v * (1.0 + noise * u)
		})
		.collect();
	quantise_all(&values, spec.scale_bits).expect("the simulated model never gives NaN")
}
