//! Storage migrations of the staking pallet.

/// Version 0 → 1: the worker keys leave the pallet's own maps for the session keys.
///
/// Up to version 0 a stash registered its `poai` worker key with a call of this pallet
/// (`set_worker_key`, with its own proof of possession), kept in `WorkerKeys` and
/// `WorkerKeyOwners`. From version 1 the key is the `poai` member of the session keys, so that
/// one `session.setKeys` registers everything a validator's node signs with. The migration hands
/// each stash's worker key to the runtime's [`v1::SessionKeysUpgrade`], which rewrites the
/// session keys with it (`pallet_session::Pallet::upgrade_keys`), and then clears both maps.
pub mod v1 {
	use crate::{Config, Pallet, LOG_TARGET};
	#[cfg(feature = "try-runtime")]
	use alloc::vec::Vec;
	use frame_support::{
		migrations::VersionedMigration, pallet_prelude::*, storage_alias,
		traits::UncheckedOnRuntimeUpgrade,
	};

	/// The worker key of each stash, as version 0 kept it.
	#[storage_alias]
	pub type WorkerKeys<T: Config> = StorageMap<
		Pallet<T>,
		Twox64Concat,
		<T as frame_system::Config>::AccountId,
		<T as Config>::WorkerKey,
	>;

	/// The stash of each worker key, as version 0 kept it.
	#[storage_alias]
	pub type WorkerKeyOwners<T: Config> = StorageMap<
		Pallet<T>,
		Blake2_128Concat,
		<T as Config>::WorkerKey,
		<T as frame_system::Config>::AccountId,
	>;

	/// The runtime's part of the migration: rewriting the session keys of every account that
	/// has some so that they hold the worker key `worker_key(account)` gives (or, for an
	/// account without one, a placeholder nobody holds the private key of: it registers a real
	/// one with `session.setKeys`, as it had to before). Returns the weight it used.
	pub trait SessionKeysUpgrade<AccountId, WorkerKey> {
		/// Rewrites the session keys; `worker_key` reads the version-0 maps.
		fn upgrade(worker_key: &dyn Fn(&AccountId) -> Option<WorkerKey>) -> Weight;
	}

	/// The migration without its version guard: use [`MigrateV0ToV1`].
	pub struct UncheckedMigrateV0ToV1<T, U>(core::marker::PhantomData<(T, U)>);

	impl<T, U> UncheckedOnRuntimeUpgrade for UncheckedMigrateV0ToV1<T, U>
	where
		T: Config,
		U: SessionKeysUpgrade<T::AccountId, T::WorkerKey>,
	{
		fn on_runtime_upgrade() -> Weight {
			// Each look-up of the closure is one read; clearing a map reads and removes each
			// of its entries once, so the clear's count is also how many keys there were.
			let lookups = core::cell::Cell::new(0u64);
			let upgraded = U::upgrade(&|who| {
				lookups.set(lookups.get().saturating_add(1));
				WorkerKeys::<T>::get(who)
			});
			let keys = WorkerKeys::<T>::clear(u32::MAX, None).unique as u64;
			let cleared =
				keys.saturating_add(WorkerKeyOwners::<T>::clear(u32::MAX, None).unique as u64);
			log::info!(
				target: LOG_TARGET,
				"v1: {keys} worker key(s) moved into the session keys, {cleared} entries cleared",
			);
			upgraded.saturating_add(
				T::DbWeight::get().reads_writes(lookups.get().saturating_add(cleared), cleared),
			)
		}

		/// Records every worker key: after the upgrade each must be its stash's `poai` session
		/// key, if the stash has session keys.
		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
			Ok(pre_upgrade_state::<T>().encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let expected = Decode::decode(&mut &state[..])
				.map_err(|_| "v1: the pre-upgrade state does not decode")?;
			check_post_upgrade::<T>(expected)
		}
	}

	/// The migration from version 0 to 1, run once: it does nothing on a chain at another
	/// version and sets the pallet's on-chain storage version to 1.
	pub type MigrateV0ToV1<T, U> = VersionedMigration<
		0,
		1,
		UncheckedMigrateV0ToV1<T, U>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;

	/// What [`check_post_upgrade`] checks against: every stash with a worker key, with that
	/// key. (Whether a stash has session keys cannot be asked before the upgrade: the session
	/// pallet cannot decode keys of the old layout.)
	pub fn pre_upgrade_state<T: Config>() -> alloc::vec::Vec<(T::AccountId, T::WorkerKey)> {
		WorkerKeys::<T>::iter().collect()
	}

	/// After the upgrade: both version-0 maps are empty and every stash of `expected` that has
	/// session keys has its key as its worker key (one without session keys had registered a
	/// worker key only; it sets session keys, with the worker key among them, to work again).
	pub fn check_post_upgrade<T: Config>(
		expected: alloc::vec::Vec<(T::AccountId, T::WorkerKey)>,
	) -> Result<(), sp_runtime::TryRuntimeError> {
		use crate::WorkerKeyProvider;
		use frame_support::traits::ValidatorRegistration;
		ensure!(WorkerKeys::<T>::iter().next().is_none(), "v1: WorkerKeys is not empty");
		ensure!(WorkerKeyOwners::<T>::iter().next().is_none(), "v1: WorkerKeyOwners is not empty");
		for (stash, key) in expected {
			if !T::ValidatorRegistration::is_registered(&stash) {
				continue;
			}
			ensure!(
				T::WorkerKeys::worker_key(&stash) == Some(key),
				"v1: a stash's worker key is not its session key"
			);
		}
		ensure!(Pallet::<T>::on_chain_storage_version() == 1, "v1: storage version is not 1");
		Ok(())
	}
}

#[cfg(test)]
mod tests {
	use super::v1;
	use crate::{mock::*, Pallet, WorkerKeyProvider};
	use frame_support::{
		traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion},
		weights::Weight,
	};

	/// The session pallet's part, as the mock has it: the mock's worker-key registry stands
	/// for the session keys, and every account in `sessions` has session keys.
	struct MockSessionKeys;
	const WITH_SESSION_KEYS: [AccountId; 3] = [1, 2, 3];
	impl v1::SessionKeysUpgrade<AccountId, WorkerKey> for MockSessionKeys {
		fn upgrade(worker_key: &dyn Fn(&AccountId) -> Option<WorkerKey>) -> Weight {
			for who in WITH_SESSION_KEYS {
				set_worker_key(who, Some(worker_key(&who).unwrap_or(key(9_000 + who))));
			}
			Weight::zero()
		}
	}

	type Migration = v1::MigrateV0ToV1<Test, MockSessionKeys>;

	#[test]
	fn v1_moves_the_worker_keys_into_the_session_keys_once() {
		ExtBuilder::default().stakers(vec![]).build().execute_with(|| {
			// A chain at version 0: stashes 1 and 4 registered worker keys with the old call; 1,
			// 2 and 3 have session keys, 4 has none.
			StorageVersion::new(0).put::<Pallet<Test>>();
			for (stash, n) in [(1, 101), (4, 104)] {
				v1::WorkerKeys::<Test>::insert(stash, key(n));
				v1::WorkerKeyOwners::<Test>::insert(key(n), stash);
			}
			for who in WITH_SESSION_KEYS {
				set_registered(who, true);
			}
			set_registered(4, false);
			let mut expected = v1::pre_upgrade_state::<Test>();
			expected.sort();
			assert_eq!(expected, vec![(1, key(101)), (4, key(104))]);

			Migration::on_runtime_upgrade();
			v1::check_post_upgrade::<Test>(expected).expect("post-upgrade checks hold");
			assert_eq!(MockWorkerKeys::worker_key(&1), Some(key(101)));
			// Without a worker key before, a placeholder nobody holds: it sets keys again.
			assert_eq!(MockWorkerKeys::worker_key(&2), Some(key(9_002)));
			assert_eq!(v1::WorkerKeys::<Test>::iter().count(), 0);
			assert_eq!(v1::WorkerKeyOwners::<Test>::iter().count(), 0);
			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 1);

			// A second upgrade leaves everything as it is.
			set_worker_key(2, Some(key(55)));
			Migration::on_runtime_upgrade();
			assert_eq!(MockWorkerKeys::worker_key(&2), Some(key(55)));
		});
	}

	#[test]
	fn the_post_upgrade_check_catches_a_lost_key() {
		ExtBuilder::default().stakers(vec![]).build().execute_with(|| {
			StorageVersion::new(0).put::<Pallet<Test>>();
			v1::WorkerKeys::<Test>::insert(1, key(101));
			let expected = v1::pre_upgrade_state::<Test>();
			// An upgrade that forgets to move the key, and one that leaves the old map behind.
			struct Forgetful;
			impl v1::SessionKeysUpgrade<AccountId, WorkerKey> for Forgetful {
				fn upgrade(_: &dyn Fn(&AccountId) -> Option<WorkerKey>) -> Weight {
					Weight::zero()
				}
			}
			v1::MigrateV0ToV1::<Test, Forgetful>::on_runtime_upgrade();
			assert!(v1::check_post_upgrade::<Test>(expected.clone()).is_err());
			set_worker_key(1, Some(key(101)));
			assert!(v1::check_post_upgrade::<Test>(expected.clone()).is_ok());
			v1::WorkerKeyOwners::<Test>::insert(key(101), 1);
			assert!(v1::check_post_upgrade::<Test>(expected).is_err());
		});
	}
}
