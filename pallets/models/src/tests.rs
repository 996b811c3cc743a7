//! Tests of the model registry pallet.
//!
//! The mock runtime allows 5 models in all and 3 active at once, and 8 tiers; its genesis
//! registers the two test tiers (`fixtures::test_tiers`), which `dense_mlp(64, 16)`'s table
//! separates.

use crate::{mock::*, *};
use frame_support::{
	assert_noop, assert_ok,
	dispatch::GetDispatchInfo,
	traits::{Get, Hooks},
	BoundedVec,
};
use poai_primitives::{
	fixtures::{dense_mlp, test_tiers, tiers},
	InputKind, ModelName, Shape, MAX_ABS_MILLI, MAX_BATCH_SIZE, MAX_OUTPUT_ELEMENTS,
};
use sp_core::H256;
use sp_runtime::DispatchError;

fn root() -> RuntimeOrigin {
	RuntimeOrigin::root()
}

fn hash(seed: u8) -> H256 {
	H256::repeat_byte(seed)
}

mod tiers;

/// A valid spec served by the given test tiers (with the fixture's batch sizes, which separate
/// them), with the ONNX hash `hash(seed)`.
fn spec_for(seed: u8, served: &[TierId]) -> ModelSpec {
	let fixture = dense_mlp(64, 16);
	let table: Vec<_> = served
		.iter()
		.filter_map(|&tier| fixture.tier_params(tier))
		.map(|params| (params.tier, params.batch_size, params.deadline_blocks))
		.collect();
	ModelSpec {
		name: ModelName::truncate_from(format!("model-{seed}").into_bytes()),
		onnx_hash: hash(seed),
		tiers: tiers(&table),
		..fixture
	}
}

/// A valid spec served by both test tiers, with the ONNX hash `hash(seed)`.
fn spec(seed: u8) -> ModelSpec {
	spec_for(seed, &[TierId(0), TierId(1)])
}

/// A genesis config with the test tiers and `models`.
fn genesis(models: Vec<ModelSpec>) -> GenesisConfig<Test> {
	GenesisConfig { tiers: test_tiers(), models, ..Default::default() }
}

/// Registers `spec` as root and returns its id.
fn register(spec: ModelSpec) -> ModelId {
	let id = NextModelId::<Test>::get();
	assert_ok!(PoaiModels::register_model(root(), spec));
	id
}

fn active() -> Vec<ModelId> {
	ActiveModels::<Test>::get().into_inner()
}

fn record(id: ModelId) -> ModelRecord<u64> {
	Models::<Test>::get(id).expect("the model is registered")
}

/// Every way to break a spec, with the error the registry answers.
fn broken_specs() -> Vec<(ModelSpec, DispatchError)> {
	let broken = |edit: &dyn Fn(&mut ModelSpec)| {
		let mut spec = spec(9);
		edit(&mut spec);
		spec
	};
	let broken_specs: Vec<(ModelSpec, Error<Test>)> = vec![
		(broken(&|s| s.name.clear()), Error::EmptyName),
		(broken(&|s| s.input.name.clear()), Error::EmptyInputName),
		(broken(&|s| s.input.shape.clear()), Error::EmptyInputShape),
		(broken(&|s| s.input.shape[0] = 0), Error::ZeroInputDimension),
		(
			broken(&|s| s.input.shape = Shape::truncate_from(vec![1024, 1024, 2])),
			Error::TooManyInputElements,
		),
		(
			broken(&|s| s.input.kind = InputKind::Uniform { min_milli: 5, max_milli: 5 }),
			Error::EmptyInputRange,
		),
		(
			broken(&|s| {
				s.input.kind = InputKind::Uniform { min_milli: -MAX_ABS_MILLI - 1, max_milli: 1000 }
			}),
			Error::InputRangeTooWide,
		),
		(broken(&|s| s.input.kind = InputKind::Tokens { vocab: 0 }), Error::EmptyVocabulary),
		(broken(&|s| s.output.clear()), Error::EmptyOutputName),
		(broken(&|s| s.output_len = 0), Error::BadOutputLength),
		(broken(&|s| s.output_len = MAX_OUTPUT_ELEMENTS + 1), Error::BadOutputLength),
		(broken(&|s| s.scale_bits = 31), Error::ScaleTooLarge),
		(broken(&|s| s.flops_per_sample = 0), Error::NoWork),
		(broken(&|s| s.tiers.clear()), Error::NoTier),
		(broken(&|s| s.tiers[1].tier = TierId(0)), Error::DuplicateTier),
		(broken(&|s| s.tiers[0].batch_size = 0), Error::BadBatchSize),
		(broken(&|s| s.tiers[0].batch_size = MAX_BATCH_SIZE + 1), Error::BadBatchSize),
		(broken(&|s| s.tiers[1].deadline_blocks = 0), Error::ZeroDeadline),
	];
	broken_specs.into_iter().map(|(spec, error)| (spec, error.into())).collect()
}

#[test]
fn the_mock_is_consistent() {
	new_test_ext().execute_with(|| {
		<PoaiModels as Hooks<u64>>::integrity_test();
		assert_ok!(PoaiModels::do_try_state());
		assert_eq!(NextModelId::<Test>::get(), 0);
		assert!(active().is_empty());
		assert_eq!(NextTierId::<Test>::get(), 2);
		assert_eq!(<Test as Config>::MaxTiers::get(), 8);
		assert_eq!(<Test as Config>::MaxModels::get(), 5);
		assert_eq!(<Test as Config>::MaxActiveModels::get(), 3);
	});
}

#[test]
fn register_model_stores_an_active_record_and_emits_an_event() {
	new_test_ext().execute_with(|| {
		System::set_block_number(7);
		let spec = spec(1);
		assert_ok!(PoaiModels::register_model(root(), spec.clone()));
		assert_eq!(
			record(0),
			ModelRecord {
				spec: spec.clone(),
				status: ModelStatus::Active,
				registered_at: 7,
				updated_at: 7
			}
		);
		assert_eq!(NextModelId::<Test>::get(), 1);
		assert_eq!(active(), vec![0]);
		System::assert_last_event(
			Event::ModelRegistered { id: 0, name: spec.name, onnx_hash: hash(1) }.into(),
		);
		assert_ok!(PoaiModels::do_try_state());
	});
}

#[test]
fn ids_are_assigned_in_order() {
	new_test_ext().execute_with(|| {
		assert_eq!(register(spec(1)), 0);
		assert_eq!(register(spec(2)), 1);
		assert_ok!(PoaiModels::retire_model(root(), 0));
		// A retired id is never reused.
		assert_eq!(register(spec(3)), 2);
		assert_eq!(active(), vec![1, 2]);
		assert_eq!(NextModelId::<Test>::get(), 3);
		assert_eq!(System::events().len(), 4);
		assert_ok!(PoaiModels::do_try_state());
	});
}

#[test]
fn calls_are_admin_only() {
	new_test_ext().execute_with(|| {
		register(spec(1));
		for origin in [RuntimeOrigin::signed(1), RuntimeOrigin::none()] {
			assert_noop!(
				PoaiModels::register_model(origin.clone(), spec(2)),
				DispatchError::BadOrigin
			);
			assert_noop!(
				PoaiModels::update_model(origin.clone(), 0, spec(2)),
				DispatchError::BadOrigin
			);
			assert_noop!(PoaiModels::retire_model(origin, 0), DispatchError::BadOrigin);
		}
		assert_eq!(record(0).spec, spec(1));
		assert_eq!(record(0).status, ModelStatus::Active);
		assert_eq!(NextModelId::<Test>::get(), 1);
	});
}

#[test]
fn invalid_specs_are_refused_with_what_to_fix() {
	new_test_ext().execute_with(|| {
		register(spec(1));
		for (spec, error) in broken_specs() {
			assert_noop!(PoaiModels::register_model(root(), spec.clone()), error);
			assert_noop!(PoaiModels::update_model(root(), 0, spec), error);
		}
		assert_eq!(NextModelId::<Test>::get(), 1);
		assert_eq!(record(0).spec, spec(1));
	});
}

#[test]
fn every_spec_error_has_its_own_pallet_error() {
	use poai_primitives::{InputSpecError as I, ModelSpecError as M};
	let all = [
		M::EmptyName,
		M::Input(I::EmptyName),
		M::Input(I::EmptyShape),
		M::Input(I::ZeroDimension),
		M::Input(I::TooManyElements),
		M::Input(I::EmptyRange),
		M::Input(I::RangeTooWide),
		M::Input(I::EmptyVocabulary),
		M::EmptyOutputName,
		M::BadOutputLength,
		M::ScaleTooLarge,
		M::NoWork,
		M::NoTier,
		M::DuplicateTier,
		M::BadBatchSize,
		M::ZeroDeadline,
	];
	let errors: Vec<DispatchError> =
		all.iter().map(|&error| Error::<Test>::from(error).into()).collect();
	for (position, error) in errors.iter().enumerate() {
		assert!(!errors[position + 1..].contains(error), "{error:?} is used twice");
	}
	// The broken specs of the tests cover every variant.
	let covered: Vec<DispatchError> = broken_specs().into_iter().map(|(_, error)| error).collect();
	assert!(errors.iter().all(|error| covered.contains(error)));
	// And each broken spec fails validation with the error mapped to it.
	for (spec, error) in broken_specs() {
		assert_eq!(
			spec.validate().map_err(|e| DispatchError::from(Error::<Test>::from(e))),
			Err(error)
		);
	}
}

#[test]
fn an_active_hash_cannot_be_registered_twice() {
	new_test_ext().execute_with(|| {
		register(spec(1));
		let mut same_file = spec(2);
		same_file.onnx_hash = hash(1);
		assert_noop!(
			PoaiModels::register_model(root(), same_file.clone()),
			Error::<Test>::DuplicateModel
		);
		assert_noop!(PoaiModels::register_model(root(), spec(1)), Error::<Test>::DuplicateModel);
		// Once the model is retired, the file can be registered again, under a new id.
		assert_ok!(PoaiModels::retire_model(root(), 0));
		assert_eq!(register(same_file), 1);
		assert_eq!(active(), vec![1]);
		assert_ok!(PoaiModels::do_try_state());
	});
}

#[test]
fn at_most_max_active_models_are_active() {
	new_test_ext().execute_with(|| {
		for seed in 1..=3 {
			register(spec(seed));
		}
		assert_eq!(active(), vec![0, 1, 2]);
		assert_noop!(
			PoaiModels::register_model(root(), spec(4)),
			Error::<Test>::TooManyActiveModels
		);
		// Retiring one makes room.
		assert_ok!(PoaiModels::retire_model(root(), 1));
		assert_eq!(register(spec(4)), 3);
		assert_eq!(active(), vec![0, 2, 3]);
		assert_ok!(PoaiModels::do_try_state());
	});
}

#[test]
fn at_most_max_models_are_ever_registered() {
	new_test_ext().execute_with(|| {
		for seed in 1..=3 {
			register(spec(seed));
		}
		assert_ok!(PoaiModels::retire_model(root(), 0));
		assert_ok!(PoaiModels::retire_model(root(), 1));
		register(spec(4));
		register(spec(5));
		assert_eq!(NextModelId::<Test>::get(), 5);
		assert_eq!(active(), vec![2, 3, 4]);
		// Full, even after retiring: records are never deleted.
		assert_ok!(PoaiModels::retire_model(root(), 2));
		assert_noop!(PoaiModels::register_model(root(), spec(6)), Error::<Test>::RegistryFull);
		// The registry is full before anything else is checked, but after the spec.
		assert_noop!(PoaiModels::register_model(root(), spec(3)), Error::<Test>::RegistryFull);
		let mut invalid = spec(6);
		invalid.name.clear();
		assert_noop!(PoaiModels::register_model(root(), invalid), Error::<Test>::EmptyName);
		// Updating still works.
		assert_ok!(PoaiModels::update_model(root(), 3, spec(6)));
		assert_ok!(PoaiModels::do_try_state());
	});
}

#[test]
fn update_model_replaces_the_spec_and_emits_an_event() {
	new_test_ext().execute_with(|| {
		register(spec(1));
		register(spec(2));
		System::set_block_number(9);
		let new = spec_for(3, &[TierId(1)]);
		assert_ok!(PoaiModels::update_model(root(), 0, new.clone()));
		assert_eq!(
			record(0),
			ModelRecord { spec: new, status: ModelStatus::Active, registered_at: 1, updated_at: 9 }
		);
		System::assert_last_event(Event::ModelUpdated { id: 0, onnx_hash: hash(3) }.into());
		// The id and the active set are unchanged; the other model is untouched.
		assert_eq!(active(), vec![0, 1]);
		assert_eq!(record(1).spec, spec(2));
		assert_eq!(NextModelId::<Test>::get(), 2);
		// A model may keep its own hash.
		let mut renamed = spec(2);
		renamed.name = ModelName::truncate_from(b"renamed".to_vec());
		assert_ok!(PoaiModels::update_model(root(), 1, renamed.clone()));
		assert_eq!(record(1).spec, renamed);
		System::assert_last_event(Event::ModelUpdated { id: 1, onnx_hash: hash(2) }.into());
		assert_ok!(PoaiModels::do_try_state());
	});
}

#[test]
fn update_model_refuses_another_active_models_hash() {
	new_test_ext().execute_with(|| {
		register(spec(1));
		register(spec(2));
		assert_noop!(PoaiModels::update_model(root(), 1, spec(1)), Error::<Test>::DuplicateModel);
		// The hash of a retired model is free.
		assert_ok!(PoaiModels::retire_model(root(), 0));
		assert_ok!(PoaiModels::update_model(root(), 1, spec(1)));
		assert_eq!(record(1).spec.onnx_hash, hash(1));
		assert_ok!(PoaiModels::do_try_state());
	});
}

#[test]
fn update_model_needs_an_active_model() {
	new_test_ext().execute_with(|| {
		assert_noop!(PoaiModels::update_model(root(), 0, spec(1)), Error::<Test>::UnknownModel);
		register(spec(1));
		assert_noop!(PoaiModels::update_model(root(), 1, spec(2)), Error::<Test>::UnknownModel);
		assert_ok!(PoaiModels::retire_model(root(), 0));
		assert_noop!(PoaiModels::update_model(root(), 0, spec(2)), Error::<Test>::ModelRetired);
		// The unknown or retired model is reported before an invalid spec.
		assert_noop!(
			PoaiModels::update_model(root(), 0, broken_specs()[0].0.clone()),
			Error::<Test>::ModelRetired
		);
		assert_eq!(record(0).spec, spec(1));
	});
}

#[test]
fn retire_model_keeps_the_record_and_emits_an_event() {
	new_test_ext().execute_with(|| {
		for seed in 1..=3 {
			register(spec(seed));
		}
		System::set_block_number(4);
		assert_ok!(PoaiModels::retire_model(root(), 1));
		assert_eq!(
			record(1),
			ModelRecord {
				spec: spec(2),
				status: ModelStatus::Retired,
				registered_at: 1,
				updated_at: 4
			}
		);
		assert_eq!(active(), vec![0, 2]);
		System::assert_last_event(Event::ModelRetired { id: 1 }.into());
		assert_ok!(PoaiModels::retire_model(root(), 0));
		assert_ok!(PoaiModels::retire_model(root(), 2));
		assert!(active().is_empty());
		assert_eq!(NextModelId::<Test>::get(), 3);
		assert_ok!(PoaiModels::do_try_state());
	});
}

#[test]
fn retire_model_needs_an_active_model() {
	new_test_ext().execute_with(|| {
		assert_noop!(PoaiModels::retire_model(root(), 0), Error::<Test>::UnknownModel);
		register(spec(1));
		assert_ok!(PoaiModels::retire_model(root(), 0));
		assert_noop!(PoaiModels::retire_model(root(), 0), Error::<Test>::ModelRetired);
		assert_noop!(PoaiModels::retire_model(root(), 1), Error::<Test>::UnknownModel);
	});
}

#[test]
fn the_registry_serves_its_active_models_in_order() {
	let served = || <PoaiModels as ModelRegistry>::active_models();
	new_test_ext().execute_with(|| {
		register(spec_for(1, &[TierId(1)]));
		register(spec_for(2, &[TierId(0)]));
		register(spec_for(3, &[TierId(1), TierId(0)]));
		assert_eq!(served(), vec![0, 1, 2]);

		// Retired models are not served, but their spec is still known.
		assert_ok!(PoaiModels::retire_model(root(), 0));
		assert_eq!(served(), vec![1, 2]);
		assert_eq!(<PoaiModels as ModelRegistry>::model(0), Some(spec_for(1, &[TierId(1)])));
		assert_eq!(<PoaiModels as ModelRegistry>::model(3), None);

		// A model registered later comes later; an update changes the tiers served.
		register(spec_for(4, &[TierId(1)]));
		assert_eq!(served(), vec![1, 2, 3]);
		assert_ok!(PoaiModels::update_model(root(), 2, spec_for(3, &[TierId(0)])));
		assert_eq!(<PoaiModels as ModelRegistry>::model(2), Some(spec_for(3, &[TierId(0)])));

		// Nothing active: nothing served.
		for id in [1, 2, 3] {
			assert_ok!(PoaiModels::retire_model(root(), id));
		}
		assert!(served().is_empty());
	});
}

#[test]
fn genesis_registers_the_models_in_order() {
	let models = vec![spec_for(1, &[TierId(0)]), spec(2)];
	ext_with(genesis(models.clone())).execute_with(|| {
		assert_eq!(NextModelId::<Test>::get(), 2);
		assert_eq!(active(), vec![0, 1]);
		for (id, spec) in models.into_iter().enumerate() {
			assert_eq!(
				record(id as ModelId),
				ModelRecord { spec, status: ModelStatus::Active, registered_at: 0, updated_at: 0 }
			);
		}
		// Genesis emits no event (block 0).
		assert!(System::events().is_empty());
		assert_ok!(PoaiModels::do_try_state());
		// The next model gets the next id.
		assert_eq!(register(spec(3)), 2);
	});
}

#[test]
#[should_panic(
	expected = "model 1 of the model registry's genesis config cannot be registered: EmptyName"
)]
fn genesis_rejects_an_invalid_model() {
	let mut nameless = spec(2);
	nameless.name.clear();
	ext_with(genesis(vec![spec(1), nameless]));
}

#[test]
#[should_panic(expected = "model 1 of the model registry's genesis config cannot be registered: \
	            DuplicateModel")]
fn genesis_rejects_a_duplicate_model() {
	ext_with(genesis(vec![spec(1), spec(1)]));
}

#[test]
#[should_panic(expected = "model 3 of the model registry's genesis config cannot be registered: \
	            TooManyActiveModels")]
fn genesis_rejects_more_than_max_active_models() {
	ext_with(genesis((1..=4).map(spec).collect()));
}

#[test]
fn genesis_config_serde_is_camel_case() {
	let config = genesis(vec![spec(1)]);
	let json = serde_json::to_value(&config).expect("serialisable");
	let model = &json["models"][0];
	assert_eq!(model["outputLen"], 16);
	assert_eq!(model["flopsPerSample"], 2 * 64 * 16);
	assert_eq!(model["tiers"][1]["tier"], 1);
	assert_eq!(model["tiers"][1]["batchSize"], 256);
	assert_eq!(model["onnxHash"], format!("0x{}", "01".repeat(32)));
	assert_eq!(json["tiers"][0]["fp32Flops"], 20_000);
	assert_eq!(json["tiers"][1]["device"], "Gpu");
	let back: GenesisConfig<Test> = serde_json::from_value(json).expect("deserialisable");
	assert_eq!(back.models, config.models);
	assert_eq!(back.tiers, config.tiers);
	// Unknown fields are refused, so that a typo in a chain spec is caught.
	assert!(serde_json::from_str::<GenesisConfig<Test>>(r#"{"modelz": []}"#).is_err());
	let empty: GenesisConfig<Test> =
		serde_json::from_str(r#"{"tiers": [], "models": []}"#).expect("deserialisable");
	assert!(empty.models.is_empty() && empty.tiers.is_empty());
}

#[test]
fn try_state_detects_broken_invariants() {
	let broken = |corrupt: fn()| {
		new_test_ext().execute_with(|| {
			register(spec(1));
			register(spec(2));
			register(spec(3));
			assert_ok!(PoaiModels::retire_model(root(), 1));
			assert_ok!(PoaiModels::do_try_state());
			corrupt();
			assert!(PoaiModels::do_try_state().is_err());
		})
	};
	// Not ascending, or repeated.
	broken(|| ActiveModels::<Test>::put(BoundedVec::truncate_from(vec![2, 0])));
	broken(|| ActiveModels::<Test>::put(BoundedVec::truncate_from(vec![0, 0, 2])));
	// A retired model listed as active; an active model not listed.
	broken(|| ActiveModels::<Test>::put(BoundedVec::truncate_from(vec![0, 1, 2])));
	broken(|| ActiveModels::<Test>::put(BoundedVec::truncate_from(vec![0])));
	// An active id without a record.
	broken(|| ActiveModels::<Test>::put(BoundedVec::truncate_from(vec![0, 2, 7])));
	// Records and the id counter disagree.
	broken(|| NextModelId::<Test>::put(2));
	broken(|| NextModelId::<Test>::put(4));
	broken(|| Models::<Test>::remove(1));
	// Two active models with one hash.
	broken(|| {
		Models::<Test>::mutate(2, |r| {
			if let Some(r) = r {
				r.spec.onnx_hash = hash(1)
			}
		})
	});
}

#[test]
fn calls_are_charged_their_worst_case() {
	let max_active = <Test as Config>::MaxActiveModels::get();
	// Besides the benchmarked weight, a model's registration or update reads the tiers its
	// table may list.
	let db: frame_support::weights::RuntimeDbWeight =
		<Test as frame_system::Config>::DbWeight::get();
	let tier_reads = db.reads(u64::from(poai_primitives::MAX_MODEL_TIERS));
	let register = RuntimeCall::PoaiModels(Call::register_model { spec: spec(1) });
	assert_eq!(
		register.get_dispatch_info().call_weight,
		<() as WeightInfo>::register_model(max_active).saturating_add(tier_reads)
	);
	let update = RuntimeCall::PoaiModels(Call::update_model { id: 0, spec: spec(1) });
	assert_eq!(
		update.get_dispatch_info().call_weight,
		<() as WeightInfo>::update_model(max_active).saturating_add(tier_reads)
	);
	let retire = RuntimeCall::PoaiModels(Call::retire_model { id: 0 });
	assert_eq!(retire.get_dispatch_info().call_weight, <() as WeightInfo>::retire_model());
	let tier = RuntimeCall::PoaiModels(Call::register_tier { spec: test_tiers().remove(0) });
	assert_eq!(tier.get_dispatch_info().call_weight, <() as WeightInfo>::register_tier());
	// Every active model read adds to the weight.
	assert!(<() as WeightInfo>::register_model(1).all_gt(<() as WeightInfo>::register_model(0)));
}

#[test]
fn the_storage_proofs_of_the_weights_are_those_of_the_records() {
	// `weights.rs` assumes entries of at most 387 bytes: a record of 375 bytes with
	// `BlockNumber = u32` (a table of up to 8 tiers), plus the 12-byte key (`Twox64Concat` of
	// a `u32`); and tiers of at most 58 bytes.
	assert_eq!(ModelRecord::<u32>::max_encoded_len(), 375);
	assert_eq!(ModelSpec::max_encoded_len(), 366);
	assert_eq!(TierSpec::max_encoded_len(), 58);
	assert_eq!(BoundedVec::<ModelId, frame_support::traits::ConstU32<16>>::max_encoded_len(), 65);
}
