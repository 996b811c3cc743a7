//! Storage migrations of the model registry pallet.

/// Version 0 → 1: hardware tiers join the registry.
///
/// Up to version 0 a candidate declared one of two hardware classes (`Cpu` = 0, `Gpu` = 1, one
/// byte) and a model's table listed batch sizes per class. From version 1 both name a
/// registered tier by a one-byte [`poai_primitives::TierId`], so every stored candidate and
/// model table decodes unchanged as tier 0 or 1. The migration registers the reference tiers
/// ([`poai_primitives::reference_tiers`]: `cpu`, `gpu-24gb`, `gpu-80gb`) under ids 0, 1 and 2,
/// so that those ids mean the CPU and the first GPU tier, as the classes did. A chain that
/// already has tiers (one started from a version-1 genesis) is left as it is.
pub mod v1 {
	use crate::{Config, NextTierId, Pallet, Tiers, LOG_TARGET};
	#[cfg(feature = "try-runtime")]
	use alloc::vec::Vec;
	use frame_support::{
		migrations::VersionedMigration, pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade,
	};

	/// The migration without its version guard: use [`MigrateV0ToV1`].
	pub struct UncheckedMigrateV0ToV1<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for UncheckedMigrateV0ToV1<T> {
		fn on_runtime_upgrade() -> Weight {
			if NextTierId::<T>::get() > 0 {
				log::info!(target: LOG_TARGET, "v1: tiers already registered, nothing to do");
				return T::DbWeight::get().reads(1);
			}
			let mut registered = 0u64;
			for spec in poai_primitives::reference_tiers() {
				match Pallet::<T>::do_register_tier(spec) {
					Ok(_) => registered = registered.saturating_add(1),
					Err(error) => {
						log::error!(target: LOG_TARGET, "v1: a reference tier: {error:?}");
						break;
					}
				}
			}
			log::info!(target: LOG_TARGET, "v1: {registered} reference tier(s) registered");
			// Per tier: the count read and written, the tier written, the event.
			T::DbWeight::get()
				.reads_writes(registered.saturating_add(1), registered.saturating_mul(3))
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
			Ok(NextTierId::<T>::get().encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let before: u32 = Decode::decode(&mut &state[..])
				.map_err(|_| "v1: the pre-upgrade state does not decode")?;
			check_post_upgrade::<T>(before)
		}
	}

	/// The migration from version 0 to 1, run once: it does nothing on a chain at another
	/// version and sets the pallet's on-chain storage version to 1.
	pub type MigrateV0ToV1<T> = VersionedMigration<
		0,
		1,
		UncheckedMigrateV0ToV1<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;

	/// After the upgrade: a chain that had no tiers has the reference tiers under ids 0, 1, 2
	/// (one that had some still has exactly those), every active model lists only registered
	/// tiers, and the storage version is 1.
	pub fn check_post_upgrade<T: Config>(
		tiers_before: u32,
	) -> Result<(), sp_runtime::TryRuntimeError> {
		if tiers_before == 0 {
			for (id, spec) in poai_primitives::reference_tiers().into_iter().enumerate() {
				let id = poai_primitives::TierId(id as u8);
				ensure!(Tiers::<T>::get(id) == Some(spec), "v1: a reference tier is missing");
			}
		} else {
			ensure!(NextTierId::<T>::get() == tiers_before, "v1: the tiers changed");
		}
		for id in crate::ActiveModels::<T>::get() {
			let record = crate::Models::<T>::get(id).ok_or("v1: an active model has no record")?;
			ensure!(
				Pallet::<T>::lists_registered_tiers(&record.spec),
				"v1: an active model lists a tier that is not registered"
			);
		}
		ensure!(Pallet::<T>::on_chain_storage_version() == 1, "v1: storage version is not 1");
		Ok(())
	}
}
