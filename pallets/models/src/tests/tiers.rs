//! Hardware tiers: registration, and the rule that a model's deadline separates every tier it
//! serves (the promised hardware computes the batch in at most half the deadline, hardware with
//! a tenth of the promise cannot compute it in time).
//!
//! The test tiers promise 20,000 FLOP/s (tier 0) and 160,000 FLOP/s (tier 1); `dense_mlp(64,
//! 16)` costs 2,048 FLOPs a sample; a 6-block deadline is 18 s. For tier 0 the batch must cost
//! more than 36,000 FLOPs (a tenth of the promise would need more than 18 s) and at most
//! 180,000 (the promise needs at most 9 s): 18 to 87 samples.

use super::*;
use crate::migrations::v1;
use frame_support::traits::{Get, GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
use poai_primitives::{reference_tiers, HardwareClass, TierName, TierRegistry};

fn tier(name: &str, fp32_flops: u64) -> TierSpec {
	TierSpec {
		name: TierName::truncate_from(name.as_bytes().to_vec()),
		device: HardwareClass::Gpu,
		fp32_flops,
		int8_ops: 0,
		memory_bytes: 24 << 30,
	}
}

/// `spec(seed)` served by tier 0 only, at `batch` samples and a `deadline`-block deadline.
fn sized(seed: u8, batch: u32, deadline: u32) -> ModelSpec {
	ModelSpec { tiers: tiers(&[(TierId(0), batch, deadline)]), ..spec(seed) }
}

#[test]
fn tiers_get_ids_in_order_up_to_max_tiers() {
	new_test_ext().execute_with(|| {
		System::set_block_number(3);
		assert_ok!(PoaiModels::register_tier(root(), tier("gpu-a", 1_000_000)));
		System::assert_last_event(
			Event::TierRegistered { tier: TierId(2), name: tier("gpu-a", 1).name }.into(),
		);
		assert_eq!(PoaiModels::tier(TierId(2)), Some(tier("gpu-a", 1_000_000)));
		assert_eq!(PoaiModels::tier(TierId(0)), Some(test_tiers().remove(0)));
		assert_eq!(PoaiModels::tier(TierId(3)), None);
		for n in 3..8 {
			assert_ok!(PoaiModels::register_tier(root(), tier(&format!("gpu-{n}"), 1_000_000)));
		}
		assert_eq!(NextTierId::<Test>::get(), 8);
		// MaxTiers (8) reached: tiers are never deleted, so no more can be registered.
		assert_noop!(
			PoaiModels::register_tier(root(), tier("gpu-c", 3_000_000)),
			Error::<Test>::TooManyTiers
		);
		assert_ok!(PoaiModels::do_try_state());
	});
}

#[test]
fn only_the_admin_registers_tiers_and_bad_tiers_say_what_to_fix() {
	new_test_ext().execute_with(|| {
		for origin in [RuntimeOrigin::signed(1), RuntimeOrigin::none()] {
			assert_noop!(
				PoaiModels::register_tier(origin, tier("gpu", 1_000_000)),
				DispatchError::BadOrigin
			);
		}
		let broken = |edit: fn(&mut TierSpec)| {
			let mut spec = tier("gpu", 1_000_000);
			edit(&mut spec);
			spec
		};
		for (spec, error) in [
			(broken(|t| t.name.clear()), Error::<Test>::EmptyTierName),
			(broken(|t| t.fp32_flops = 0), Error::NoTierThroughput),
			(broken(|t| t.memory_bytes = 0), Error::NoTierMemory),
		] {
			assert_noop!(PoaiModels::register_tier(root(), spec), error);
		}
		assert_eq!(NextTierId::<Test>::get(), 2);
	});
}

#[test]
fn a_model_can_only_be_served_by_registered_tiers() {
	new_test_ext().execute_with(|| {
		register(spec(1));
		let unknown = ModelSpec { tiers: tiers(&[(TierId(2), 32, 6)]), ..spec(2) };
		assert_noop!(
			PoaiModels::register_model(root(), unknown.clone()),
			Error::<Test>::UnknownTier
		);
		assert_noop!(
			PoaiModels::update_model(root(), 0, unknown.clone()),
			Error::<Test>::UnknownTier
		);
		// Once the tier exists (and its deadline separates it), the model is accepted.
		assert_ok!(PoaiModels::register_tier(root(), tier("gpu", 20_000)));
		assert_ok!(PoaiModels::register_model(root(), unknown));
		assert_ok!(PoaiModels::do_try_state());
	});
}

#[test]
fn a_deadline_must_separate_every_tier_a_model_serves() {
	new_test_ext().execute_with(|| {
		// 18 to 87 samples separate tier 0 with a 6-block deadline.
		assert_ok!(PoaiModels::register_model(root(), sized(1, 18, 6)));
		assert_ok!(PoaiModels::register_model(root(), sized(2, 87, 6)));
		// 88 samples: the promised 20,000 FLOP/s need 9.01 s of the 18.
		assert_noop!(
			PoaiModels::register_model(root(), sized(3, 88, 6)),
			Error::<Test>::TooSlowForTier
		);
		// 17 samples: hardware with 2,000 FLOP/s would finish in 17.4 s, within the deadline.
		assert_noop!(
			PoaiModels::register_model(root(), sized(3, 17, 6)),
			Error::<Test>::TierNotSeparated
		);
		// The same rule holds for updates.
		assert_noop!(
			PoaiModels::update_model(root(), 0, sized(3, 88, 6)),
			Error::<Test>::TooSlowForTier
		);
		assert_noop!(
			PoaiModels::update_model(root(), 0, sized(3, 1, 6)),
			Error::<Test>::TierNotSeparated
		);
		// A longer deadline makes room for the larger batch.
		assert_ok!(PoaiModels::update_model(root(), 0, sized(3, 88, 7)));
		assert_ok!(PoaiModels::do_try_state());
	});
}

#[test]
fn a_batch_that_a_slower_tier_computes_in_time_cannot_be_a_faster_tiers_challenge() {
	// The attack the rule closes: tier 1 promises 8x tier 0. Were tier 1 served tier 0's batch,
	// tier-0 hardware (an eighth of tier 1's promise) would pass tier 1's rounds and earn its
	// points.
	new_test_ext().execute_with(|| {
		let cheap =
			ModelSpec { tiers: tiers(&[(TierId(0), 32, 6), (TierId(1), 32, 6)]), ..spec(1) };
		assert_noop!(PoaiModels::register_model(root(), cheap), Error::<Test>::TierNotSeparated);
		// At 256 samples a tenth of tier 1's promise needs 32.8 s of the 18: accepted.
		assert_ok!(PoaiModels::register_model(root(), spec(1)));
	});
}

#[test]
fn an_integer_model_is_exact_and_sized_by_the_int8_promise() {
	new_test_ext().execute_with(|| {
		// The test tiers promise no int8 throughput: no integer batch is small enough.
		let integer = |seed: u8, batch: u32| ModelSpec {
			onnx_hash: H256::repeat_byte(seed),
			tiers: tiers(&[(TierId(0), batch, 6)]),
			..poai_primitives::fixtures::int8_gemm(64, 16)
		};
		assert_noop!(
			PoaiModels::register_model(root(), integer(1, 1)),
			Error::<Test>::TooSlowForTier
		);
		// A tier promising 4x its fp32 throughput in int8 (80,000 op/s): at 2,048 int8 ops a
		// sample the batch must cost more than 144,000 and at most 720,000: 71 to 351 samples.
		assert_ok!(PoaiModels::register_tier(
			root(),
			TierSpec { int8_ops: 80_000, ..tier("int8", 20_000) }
		));
		let on = |seed: u8, batch: u32| ModelSpec {
			tiers: tiers(&[(TierId(2), batch, 6)]),
			..integer(seed, batch)
		};
		assert_ok!(PoaiModels::register_model(root(), on(1, 351)));
		assert_noop!(PoaiModels::register_model(root(), on(2, 352)), Error::<Test>::TooSlowForTier);
		assert_noop!(
			PoaiModels::register_model(root(), on(2, 70)),
			Error::<Test>::TierNotSeparated
		);
		// Priced by fp32 (were it a float model), 351 samples would be far too slow for it.
		let float = ModelSpec { tiers: tiers(&[(TierId(2), 351, 6)]), ..sized(3, 351, 6) };
		assert_noop!(PoaiModels::register_model(root(), float), Error::<Test>::TooSlowForTier);
		// Compared exactly, or refused with what to fix.
		let tolerant = ModelSpec {
			tolerance: poai_primitives::Tolerance { rel_l2_ppm: 1, max_abs_ppm: 0 },
			..on(4, 200)
		};
		assert_noop!(
			PoaiModels::register_model(root(), tolerant),
			Error::<Test>::IntegerModelNotExact
		);
		let scaled = ModelSpec { scale_bits: 4, ..on(4, 200) };
		assert_noop!(
			PoaiModels::register_model(root(), scaled),
			Error::<Test>::IntegerModelNotExact
		);
		assert_ok!(PoaiModels::do_try_state());
	});
}

#[test]
#[should_panic(expected = "model 0 of the model registry's genesis config cannot be registered: \
	            TierNotSeparated")]
fn genesis_rejects_a_model_whose_deadline_does_not_separate_its_tier() {
	ext_with(genesis(vec![sized(1, 1, 6)]));
}

#[test]
#[should_panic(expected = "model 0 of the model registry's genesis config cannot be registered: \
	            UnknownTier")]
fn genesis_rejects_a_model_of_a_tier_it_does_not_register() {
	ext_with(GenesisConfig { models: vec![spec(1)], ..Default::default() });
}

#[test]
#[should_panic(expected = "tier 1 of the model registry's genesis config cannot be registered: \
	            NoTierMemory")]
fn genesis_rejects_an_invalid_tier() {
	let mut tiers = test_tiers();
	tiers[1].memory_bytes = 0;
	ext_with(GenesisConfig { tiers, ..Default::default() });
}

#[test]
fn try_state_detects_broken_tier_invariants() {
	let broken = |corrupt: fn()| {
		new_test_ext().execute_with(|| {
			register(spec(1));
			assert_ok!(PoaiModels::do_try_state());
			corrupt();
			assert!(PoaiModels::do_try_state().is_err());
		})
	};
	broken(|| NextTierId::<Test>::put(3));
	broken(|| NextTierId::<Test>::put(1));
	// An active model served by a tier that is gone.
	broken(|| {
		Tiers::<Test>::remove(TierId(1));
		NextTierId::<Test>::put(1);
	});
	broken(|| {
		Tiers::<Test>::mutate(TierId(0), |t| {
			if let Some(t) = t {
				t.fp32_flops = 0
			}
		})
	});
}

/// A chain as version 0 kept it: models whose tables name tiers 0 and 1 (the hardware
/// classes `Cpu` and `Gpu`, one byte each), no tiers, storage version 0.
fn downgrade_to_v0() {
	register(spec(1));
	let _ = Tiers::<Test>::clear(u32::MAX, None);
	NextTierId::<Test>::kill();
	StorageVersion::new(0).put::<PoaiModels>();
}

#[test]
fn v1_registers_the_reference_tiers_once() {
	new_test_ext().execute_with(|| {
		downgrade_to_v0();
		assert!(PoaiModels::do_try_state().is_err(), "the model lists unregistered tiers");

		v1::MigrateV0ToV1::<Test>::on_runtime_upgrade();
		v1::check_post_upgrade::<Test>(0).expect("post-upgrade checks hold");
		assert_eq!(PoaiModels::on_chain_storage_version(), 1);
		let reference = reference_tiers();
		assert_eq!(NextTierId::<Test>::get(), reference.len() as u32);
		for (id, spec) in reference.into_iter().enumerate() {
			assert_eq!(PoaiModels::tier(TierId(id as u8)), Some(spec));
		}
		// The model's tables kept their tiers, which now exist.
		assert_eq!(record(0).spec, spec(1));
		assert_ok!(PoaiModels::do_try_state());

		// A second upgrade changes nothing.
		let weight = v1::MigrateV0ToV1::<Test>::on_runtime_upgrade();
		assert_eq!(NextTierId::<Test>::get(), 3);
		let db: frame_support::weights::RuntimeDbWeight =
			<Test as frame_system::Config>::DbWeight::get();
		assert_eq!(weight, db.reads(1));
	});
}

#[test]
fn v1_leaves_a_chain_that_has_tiers_as_it_is() {
	new_test_ext().execute_with(|| {
		register(spec(1));
		StorageVersion::new(0).put::<PoaiModels>();
		v1::MigrateV0ToV1::<Test>::on_runtime_upgrade();
		assert_eq!(NextTierId::<Test>::get(), 2);
		assert_eq!(PoaiModels::tier(TierId(0)), Some(test_tiers().remove(0)));
		v1::check_post_upgrade::<Test>(2).expect("post-upgrade checks hold");
		// The check catches a migration that lost the reference tiers.
		let _ = Tiers::<Test>::clear(u32::MAX, None);
		assert!(v1::check_post_upgrade::<Test>(0).is_err());
	});
}
