//! # PoAI model registry pallet
//!
//! The registry of the challenge models that PoAI workers run (architecture, §3 "Models and
//! challenges").
//!
//! A model is a [`ModelSpec`]: a name, the Blake2-256 hash of its ONNX file, how its input is
//! generated, which output is quantised and compared (with which scale and tolerance), its
//! price in FLOPs per sample, and the batch size and commit deadline of every hardware tier
//! that serves it. The admin origin (root in the runtime) registers, updates and retires
//! models; the challenge protocol reads them through [`ModelRegistry`].
//!
//! The registry also holds the hardware tiers ([`TierSpec`]): what a tier's hardware promises
//! (device kind, sustained fp32 and int8 throughput, memory). Candidates declare a tier
//! (staking reads it through [`TierRegistry`]); a model's table entry for a tier is accepted
//! only when its deadline separates the tier ([`poai_primitives::sizing`]): the promised
//! hardware computes the batch in at most half the deadline, and hardware with a tenth of the
//! promise cannot compute it within the deadline. So a worker that declares more than it has
//! misses its deadlines instead of earning the points of the tier it claims.
//!
//! ## Storage
//!
//! - [`Models`]: the [`ModelRecord`] of every model ever registered, by id. Records are never
//!   deleted: a retired model stays, so that past rounds can still be explained. Ids are
//!   assigned in order from 0, so at most [`Config::MaxModels`] records ever exist.
//! - [`NextModelId`]: the id the next registered model gets (also the number of records).
//! - [`ActiveModels`]: the ids of the active models, ascending, at most
//!   [`Config::MaxActiveModels`].
//! - [`Tiers`]: the [`TierSpec`] of every registered tier, by id; at most [`Config::MaxTiers`].
//!   A tier is never changed or removed: candidates declared it, and past rounds were sized by
//!   it; a different promise is a new tier.
//! - [`NextTierId`]: the id the next registered tier gets (also the number of tiers).
//!
//! ## Calls
//!
//! - [`Pallet::register_model`]: validates a spec and registers it as a new active model.
//! - [`Pallet::update_model`]: replaces the spec of an active model.
//! - [`Pallet::retire_model`]: stops issuing a model in new rounds.
//! - [`Pallet::register_tier`]: validates a tier and registers it under the next free id.
//!
//! Two active models never share an ONNX hash. A change applies to the rounds issued after
//! it: a round already issued keeps the model it was issued with (the challenge protocol reads
//! the spec when it issues a round).

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod migrations;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

pub use pallet::*;
pub use weights::WeightInfo;

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::traits::Get;
use poai_primitives::{
	sizing, InputSpecError, ModelId, ModelRegistry, ModelSpec, ModelSpecError, ModelStatus,
	SizingError, TierId, TierRegistry, TierSpec, TierSpecError,
};

/// The target of this pallet's log lines.
pub const LOG_TARGET: &str = "runtime::poai-models";
use scale_info::TypeInfo;

/// A registered model: its spec, its status and when it was registered and last changed.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct ModelRecord<BlockNumber> {
	/// The model's current spec.
	pub spec: ModelSpec,
	/// Whether the model is issued in new rounds.
	pub status: ModelStatus,
	/// The block the model was registered in (0 for a genesis model).
	pub registered_at: BlockNumber,
	/// The block of the last change: registration, update or retirement.
	pub updated_at: BlockNumber,
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;
	use poai_primitives::{ModelName, TierName};
	use sp_core::H256;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	/// The PoAI model registry pallet.
	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// The configuration of the model registry pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The origin that registers, updates and retires models (root in the runtime).
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The most models ever registered: records are never deleted, so this bounds
		/// [`Models`]. Positive, and at least [`Config::MaxActiveModels`].
		#[pallet::constant]
		type MaxModels: Get<u32>;

		/// The most models active at once: the bound of [`ActiveModels`]. Positive.
		#[pallet::constant]
		type MaxActiveModels: Get<u32>;

		/// The most hardware tiers ever registered: tiers are never deleted, so this bounds
		/// [`Tiers`]. Positive and at most 256 (a [`TierId`] is one byte).
		#[pallet::constant]
		type MaxTiers: Get<u32>;

		/// The duration of a block (slot) in milliseconds: what a deadline in blocks is in
		/// time, for checking that a model's deadlines separate its tiers.
		#[pallet::constant]
		type SlotDuration: Get<u64>;

		/// The weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// The record of every model ever registered, by id; retired models included.
	#[pallet::storage]
	pub type Models<T: Config> =
		StorageMap<_, Twox64Concat, ModelId, ModelRecord<BlockNumberFor<T>>, OptionQuery>;

	/// The id of the next registered model, which is also the number of records in
	/// [`Models`] (ids are assigned in order from 0 and never reused).
	#[pallet::storage]
	pub type NextModelId<T: Config> = StorageValue<_, ModelId, ValueQuery>;

	/// The ids of the active models, ascending: those the challenge protocol issues.
	#[pallet::storage]
	pub type ActiveModels<T: Config> =
		StorageValue<_, BoundedVec<ModelId, T::MaxActiveModels>, ValueQuery>;

	/// Every registered hardware tier, by id.
	#[pallet::storage]
	pub type Tiers<T: Config> = StorageMap<_, Twox64Concat, TierId, TierSpec, OptionQuery>;

	/// The id of the next registered tier, which is also the number of tiers in [`Tiers`]
	/// (ids are assigned in order from 0 and never reused).
	#[pallet::storage]
	pub type NextTierId<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// The events of the model registry pallet.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A model was registered, active from the next round issued.
		ModelRegistered {
			/// Its id.
			id: ModelId,
			/// Its name.
			name: ModelName,
			/// The Blake2-256 hash of its ONNX file.
			onnx_hash: H256,
		},
		/// The spec of an active model was replaced; rounds issued from now on use the new one.
		ModelUpdated {
			/// The model's id.
			id: ModelId,
			/// The Blake2-256 hash of its (possibly new) ONNX file.
			onnx_hash: H256,
		},
		/// A model was retired: no new round issues it.
		ModelRetired {
			/// The model's id.
			id: ModelId,
		},
		/// A hardware tier was registered: candidates can declare it, and models can be
		/// served by it.
		TierRegistered {
			/// Its id.
			tier: TierId,
			/// Its name.
			name: TierName,
		},
	}

	/// The errors of the model registry pallet.
	#[pallet::error]
	pub enum Error<T> {
		/// The model name is empty: give it a name (at most 64 bytes).
		EmptyName,
		/// The input tensor name is empty: give the name of the ONNX graph's input.
		EmptyInputName,
		/// The input shape has no dimension: give the shape of one sample, without the batch
		/// dimension.
		EmptyInputShape,
		/// An input dimension is zero: every dimension of the sample shape must be positive.
		ZeroInputDimension,
		/// One sample of the input has more than `MAX_ELEMENTS_PER_SAMPLE` (2^20) elements:
		/// use a smaller sample shape.
		TooManyInputElements,
		/// The input range is empty: a uniform range's `min_milli` must be below `max_milli`,
		/// an int8 range's `min` at most `max`.
		EmptyInputRange,
		/// A uniform input bound is beyond ±`MAX_ABS_MILLI` thousandths (±1000.0): narrow the
		/// range.
		InputRangeTooWide,
		/// The token vocabulary is empty: `vocab` must be positive.
		EmptyVocabulary,
		/// The output tensor name is empty: give the name of the ONNX graph's output that is
		/// compared.
		EmptyOutputName,
		/// `output_len` is zero or above `MAX_OUTPUT_ELEMENTS` (4096): give the number of
		/// output elements of one sample, at most 4096.
		BadOutputLength,
		/// `scale_bits` is above `MAX_SCALE_BITS` (30): use a smaller quantisation scale.
		ScaleTooLarge,
		/// `flops_per_sample` is zero: give the model's floating-point operations per sample,
		/// the price of its work.
		NoWork,
		/// No hardware tier serves the model: list at least one tier with its batch size and
		/// deadline.
		NoTier,
		/// A hardware tier is listed twice: give each tier once.
		DuplicateTier,
		/// A batch size is zero or above `MAX_BATCH_SIZE` (65536): give each tier a batch
		/// size in `1..=65536`.
		BadBatchSize,
		/// A commit deadline is zero blocks: give each tier a positive deadline.
		ZeroDeadline,
		/// The model lists a tier that is not registered: register the tier first, or list
		/// only registered tiers (`Tiers` in Chain state).
		UnknownTier,
		/// For one of the model's tiers, hardware that keeps the tier's promise needs more
		/// than half the deadline to compute the batch: give that tier a smaller batch or a
		/// longer deadline (the arithmetic is in `docs/HARDWARE.md`).
		TooSlowForTier,
		/// For one of the model's tiers, hardware with a tenth of the tier's promise computes
		/// the batch within the deadline, so the tier would prove nothing: give that tier a
		/// larger batch or a shorter deadline (see `docs/HARDWARE.md`).
		TierNotSeparated,
		/// The tier's name is empty: give it a name (at most 32 bytes).
		EmptyTierName,
		/// The tier promises no fp32 throughput: give the sustained FLOP/s its hardware keeps.
		NoTierThroughput,
		/// The tier promises no memory: give the bytes of RAM or VRAM its hardware has.
		NoTierMemory,
		/// `MaxTiers` tiers have been registered, and tiers are never deleted: the runtime's
		/// bound must be raised to register more.
		TooManyTiers,
		/// `MaxModels` models have been registered, and records are never deleted: the
		/// runtime's bound must be raised to register more.
		RegistryFull,
		/// `MaxActiveModels` models are active: retire one first.
		TooManyActiveModels,
		/// Another active model has the same ONNX hash: update or retire that model instead.
		DuplicateModel,
		/// No model has this id.
		UnknownModel,
		/// The model is retired: a retired model cannot be updated or retired again; register
		/// the new spec as a new model.
		ModelRetired,
		/// An integer model (int8 input) has a quantisation scale or a tolerance: its int32
		/// outputs are compared exactly, so set `scale_bits` and both tolerance bounds to 0.
		IntegerModelNotExact,
	}

	impl<T> From<ModelSpecError> for Error<T> {
		fn from(error: ModelSpecError) -> Self {
			match error {
				ModelSpecError::EmptyName => Error::EmptyName,
				ModelSpecError::Input(input) => match input {
					InputSpecError::EmptyName => Error::EmptyInputName,
					InputSpecError::EmptyShape => Error::EmptyInputShape,
					InputSpecError::ZeroDimension => Error::ZeroInputDimension,
					InputSpecError::TooManyElements => Error::TooManyInputElements,
					InputSpecError::EmptyRange => Error::EmptyInputRange,
					InputSpecError::RangeTooWide => Error::InputRangeTooWide,
					InputSpecError::EmptyVocabulary => Error::EmptyVocabulary,
				},
				ModelSpecError::EmptyOutputName => Error::EmptyOutputName,
				ModelSpecError::BadOutputLength => Error::BadOutputLength,
				ModelSpecError::ScaleTooLarge => Error::ScaleTooLarge,
				ModelSpecError::NoWork => Error::NoWork,
				ModelSpecError::NoTier => Error::NoTier,
				ModelSpecError::DuplicateTier => Error::DuplicateTier,
				ModelSpecError::BadBatchSize => Error::BadBatchSize,
				ModelSpecError::ZeroDeadline => Error::ZeroDeadline,
				ModelSpecError::IntegerModelNotExact => Error::IntegerModelNotExact,
			}
		}
	}

	impl<T> From<SizingError> for Error<T> {
		fn from(error: SizingError) -> Self {
			match error {
				SizingError::TooSlowForPromise => Error::TooSlowForTier,
				SizingError::TenthOfPromiseFinishes => Error::TierNotSeparated,
			}
		}
	}

	impl<T> From<TierSpecError> for Error<T> {
		fn from(error: TierSpecError) -> Self {
			match error {
				TierSpecError::EmptyName => Error::EmptyTierName,
				TierSpecError::NoThroughput => Error::NoTierThroughput,
				TierSpecError::NoMemory => Error::NoTierMemory,
			}
		}
	}

	/// The genesis config of the model registry pallet.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The hardware tiers registered at genesis, with ids `0, 1, …` in this order (before
		/// the models). Each must be valid.
		pub tiers: Vec<TierSpec>,
		/// The models registered at genesis, active, with ids `0, 1, …` in this order. Each
		/// must be valid, list only tiers of `tiers`, and separate each of them; no two may
		/// share an ONNX hash.
		pub models: Vec<ModelSpec>,
		/// Marker.
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (index, tier) in self.tiers.iter().enumerate() {
				if let Err(error) = Pallet::<T>::do_register_tier(tier.clone()) {
					panic!(
						"tier {index} of the model registry's genesis config cannot be \
						 registered: {error:?}"
					);
				}
			}
			for (index, spec) in self.models.iter().enumerate() {
				if let Err(error) = Pallet::<T>::do_register(spec.clone()) {
					panic!(
						"model {index} of the model registry's genesis config cannot be \
						 registered: {error:?}"
					);
				}
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MaxModels::get() > 0, "MaxModels must be positive");
			assert!(T::MaxActiveModels::get() > 0, "MaxActiveModels must be positive");
			assert!(
				T::MaxActiveModels::get() <= T::MaxModels::get(),
				"MaxActiveModels must not exceed MaxModels"
			);
			assert!(
				(1..=256).contains(&T::MaxTiers::get()),
				"MaxTiers must be in 1..=256: a tier id is one byte"
			);
			assert!(T::SlotDuration::get() > 0, "SlotDuration must be positive");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers a new model (admin origin only), active from the next round issued.
		///
		/// The model gets the next free id, announced in [`Event::ModelRegistered`]. Fails
		/// when the spec is invalid (the error says what to fix), when it lists a tier that is
		/// not registered or whose deadline does not separate the tier, when `MaxModels` models
		/// have been registered, when `MaxActiveModels` models are active, or when an active
		/// model has the same ONNX hash.
		#[pallet::call_index(0)]
		#[pallet::weight(
			T::WeightInfo::register_model(T::MaxActiveModels::get())
				.saturating_add(Pallet::<T>::tier_reads())
		)]
		pub fn register_model(origin: OriginFor<T>, spec: ModelSpec) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_register(spec)?;
			Ok(())
		}

		/// Replaces the spec of the active model `id` (admin origin only).
		///
		/// The new spec applies to the rounds issued from now on; rounds already issued keep
		/// the spec they were issued with. Fails when no model has this id, when the model is
		/// retired, when the spec is invalid or does not separate one of its tiers (as for
		/// [`Pallet::register_model`]), or when another active model has the same ONNX hash.
		#[pallet::call_index(1)]
		#[pallet::weight(
			T::WeightInfo::update_model(T::MaxActiveModels::get())
				.saturating_add(Pallet::<T>::tier_reads())
		)]
		pub fn update_model(origin: OriginFor<T>, id: ModelId, spec: ModelSpec) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			let mut record = Models::<T>::get(id).ok_or(Error::<T>::UnknownModel)?;
			ensure!(record.status == ModelStatus::Active, Error::<T>::ModelRetired);
			Self::check_spec(&spec)?;
			ensure!(
				!Self::hash_is_active(&ActiveModels::<T>::get(), &spec.onnx_hash, Some(id)),
				Error::<T>::DuplicateModel
			);
			let onnx_hash = spec.onnx_hash;
			record.spec = spec;
			record.updated_at = frame_system::Pallet::<T>::block_number();
			Models::<T>::insert(id, record);
			Self::deposit_event(Event::ModelUpdated { id, onnx_hash });
			Ok(())
		}

		/// Retires the active model `id` (admin origin only): no new round issues it.
		///
		/// The record stays, so that past rounds remain explainable; rounds already issued
		/// with the model run to their end. Fails when no model has this id or when it is
		/// already retired.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::retire_model())]
		pub fn retire_model(origin: OriginFor<T>, id: ModelId) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			let mut record = Models::<T>::get(id).ok_or(Error::<T>::UnknownModel)?;
			ensure!(record.status == ModelStatus::Active, Error::<T>::ModelRetired);
			record.status = ModelStatus::Retired;
			record.updated_at = frame_system::Pallet::<T>::block_number();
			Models::<T>::insert(id, record);
			ActiveModels::<T>::mutate(|active| {
				if let Ok(position) = active.binary_search(&id) {
					active.remove(position);
				}
			});
			Self::deposit_event(Event::ModelRetired { id });
			Ok(())
		}

		/// Registers a new hardware tier (admin origin only) under the next free id, announced
		/// in [`Event::TierRegistered`].
		///
		/// A tier is a promise: the device kind, the sustained fp32 and int8 throughput and the
		/// memory its hardware has. It cannot be changed afterwards (candidates declared it);
		/// register a new tier for a different promise. Fails when the name is empty, when it
		/// promises no fp32 throughput or no memory, or when `MaxTiers` tiers exist.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::register_tier())]
		pub fn register_tier(origin: OriginFor<T>, spec: TierSpec) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_register_tier(spec)?;
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// Validates `spec` and registers it as a new active model; returns its id.
	///
	/// What [`Pallet::register_model`] and the genesis config do, without the origin check.
	pub fn do_register(spec: ModelSpec) -> Result<ModelId, Error<T>> {
		Self::check_spec(&spec)?;
		let id = NextModelId::<T>::get();
		if id >= T::MaxModels::get() {
			return Err(Error::<T>::RegistryFull);
		}
		let next = id.checked_add(1).ok_or(Error::<T>::RegistryFull)?;
		let mut active = ActiveModels::<T>::get();
		if active.len() >= T::MaxActiveModels::get() as usize {
			return Err(Error::<T>::TooManyActiveModels);
		}
		if Self::hash_is_active(&active, &spec.onnx_hash, None) {
			return Err(Error::<T>::DuplicateModel);
		}
		// Ids grow, so the new one goes last; the search keeps the order whatever happens.
		let position = active.binary_search(&id).unwrap_or_else(|position| position);
		active.try_insert(position, id).map_err(|_| Error::<T>::TooManyActiveModels)?;

		let now = frame_system::Pallet::<T>::block_number();
		let (name, onnx_hash) = (spec.name.clone(), spec.onnx_hash);
		Models::<T>::insert(
			id,
			ModelRecord { spec, status: ModelStatus::Active, registered_at: now, updated_at: now },
		);
		ActiveModels::<T>::put(active);
		NextModelId::<T>::put(next);
		Self::deposit_event(Event::ModelRegistered { id, name, onnx_hash });
		Ok(id)
	}

	/// Validates `spec` and checks that every tier it lists is registered and separated by its
	/// deadline (see the crate docs).
	fn check_spec(spec: &ModelSpec) -> Result<(), Error<T>> {
		spec.validate()?;
		for params in spec.tiers.iter() {
			let tier = Tiers::<T>::get(params.tier).ok_or(Error::<T>::UnknownTier)?;
			sizing(spec, params, &tier, T::SlotDuration::get())?;
		}
		Ok(())
	}

	/// Whether every tier `spec`'s table lists is registered.
	pub(crate) fn lists_registered_tiers(spec: &ModelSpec) -> bool {
		spec.tiers.iter().all(|params| Tiers::<T>::contains_key(params.tier))
	}

	/// The weight of reading the tiers a model's table can list: what `check_spec` adds to
	/// the benchmarked weight of registering and updating a model.
	fn tier_reads() -> frame_support::weights::Weight {
		T::DbWeight::get().reads(u64::from(poai_primitives::MAX_MODEL_TIERS))
	}

	/// Validates `spec` and registers it as a new tier; returns its id.
	///
	/// What [`Pallet::register_tier`], the genesis config and the migration to version 1 do,
	/// without the origin check.
	pub fn do_register_tier(spec: TierSpec) -> Result<TierId, Error<T>> {
		spec.validate()?;
		let next = NextTierId::<T>::get();
		if next >= T::MaxTiers::get() {
			return Err(Error::<T>::TooManyTiers);
		}
		let tier = TierId(u8::try_from(next).map_err(|_| Error::<T>::TooManyTiers)?);
		let name = spec.name.clone();
		Tiers::<T>::insert(tier, spec);
		NextTierId::<T>::put(next.saturating_add(1));
		Self::deposit_event(Event::TierRegistered { tier, name });
		Ok(tier)
	}

	/// Whether a model of `active` other than `except` has the ONNX hash `onnx_hash`.
	fn hash_is_active(
		active: &[ModelId],
		onnx_hash: &sp_core::H256,
		except: Option<ModelId>,
	) -> bool {
		active.iter().copied().filter(|&id| Some(id) != except).any(|id| {
			Models::<T>::get(id).is_some_and(|record| record.spec.onnx_hash == *onnx_hash)
		})
	}

	/// Checks the pallet's invariants: [`ActiveModels`] is strictly ascending, and holds
	/// exactly the ids of the records that are active; every record has an id below
	/// [`NextModelId`], which does not exceed `MaxModels`; no two active models share an ONNX
	/// hash.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use frame_support::ensure;

		let active = ActiveModels::<T>::get();
		ensure!(
			active.windows(2).all(|pair| pair[0] < pair[1]),
			"active models are not strictly ascending"
		);
		let mut hashes = Vec::with_capacity(active.len());
		for id in active.iter() {
			let record = Models::<T>::get(id).ok_or("an active model has no record")?;
			ensure!(record.status == ModelStatus::Active, "a listed active model is retired");
			ensure!(!hashes.contains(&record.spec.onnx_hash), "two active models share a hash");
			ensure!(
				Self::lists_registered_tiers(&record.spec),
				"an active model lists a tier that is not registered"
			);
			hashes.push(record.spec.onnx_hash);
		}
		let next = NextModelId::<T>::get();
		ensure!(next <= T::MaxModels::get(), "more models than MaxModels");
		let mut records = 0u32;
		for (id, record) in Models::<T>::iter() {
			records = records.saturating_add(1);
			ensure!(id < next, "a model id is not below NextModelId");
			ensure!(
				(record.status == ModelStatus::Active) == active.binary_search(&id).is_ok(),
				"a record's status disagrees with ActiveModels"
			);
		}
		ensure!(records == next, "the number of records differs from NextModelId");

		let tiers = NextTierId::<T>::get();
		ensure!(tiers <= T::MaxTiers::get(), "more tiers than MaxTiers");
		let mut count = 0u32;
		for (tier, spec) in Tiers::<T>::iter() {
			count = count.saturating_add(1);
			ensure!(u32::from(tier.0) < tiers, "a tier id is not below NextTierId");
			ensure!(spec.validate().is_ok(), "a registered tier is invalid");
		}
		ensure!(count == tiers, "the number of tiers differs from NextTierId");
		Ok(())
	}
}

impl<T: Config> ModelRegistry for Pallet<T> {
	fn model(id: ModelId) -> Option<ModelSpec> {
		Models::<T>::get(id).map(|record| record.spec)
	}

	/// The active models, ascending: reads [`ActiveModels`].
	fn active_models() -> Vec<ModelId> {
		ActiveModels::<T>::get().into_inner()
	}
}

impl<T: Config> TierRegistry for Pallet<T> {
	fn tier(id: TierId) -> Option<TierSpec> {
		Tiers::<T>::get(id)
	}
}
