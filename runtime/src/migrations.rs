//! The storage migrations a runtime upgrade runs, besides the pallets' own hooks.
//!
//! Each is versioned (`VersionedMigration`): it runs on a chain whose pallet is at the version
//! it migrates from, sets the new one, and does nothing anywhere else, so a chain started from a
//! newer genesis (already at the new version) skips it.

use frame_support::weights::Weight;
use poai_primitives::WorkerId;

use crate::{opaque::SessionKeys, AccountId, Runtime, Session};

/// The migrations of the next runtime upgrade, in the order they run.
pub type Unreleased = (
	pallet_poai_staking::migrations::v1::MigrateV0ToV1<Runtime, WorkerKeysIntoSessionKeys>,
	pallet_poai_models::migrations::v1::MigrateV0ToV1<Runtime>,
);

/// The session keys before `spec_version` 101: without the `poai` worker key.
pub mod v100 {
	use crate::{Babe, Grandpa};
	use alloc::vec::Vec;

	sp_runtime::impl_opaque_keys! {
		/// `babe` and `grandpa`, as `session.setKeys` took them up to `spec_version` 100.
		pub struct SessionKeys {
			/// Block production.
			pub babe: Babe,
			/// Finality voting.
			pub grandpa: Grandpa,
		}
	}
}

/// The runtime's part of staking's v1 migration: every account's session keys gain the `poai`
/// member, its worker key from staking's old map, or [`placeholder_worker_key`] for an account
/// that had none (it registers a real one with `session.setKeys`, as it had to before).
pub struct WorkerKeysIntoSessionKeys;

impl pallet_poai_staking::migrations::v1::SessionKeysUpgrade<AccountId, WorkerId>
	for WorkerKeysIntoSessionKeys
{
	fn upgrade(worker_key: &dyn Fn(&AccountId) -> Option<WorkerId>) -> Weight {
		let accounts = core::cell::Cell::new(0u64);
		Session::upgrade_keys::<v100::SessionKeys, _>(|who, old| {
			accounts.set(accounts.get() + 1);
			SessionKeys {
				babe: old.babe,
				grandpa: old.grandpa,
				poai: worker_key(&who).unwrap_or_else(|| placeholder_worker_key(&who)),
			}
		});
		// Per account: its keys (and again for the queued ones) read and written, two key
		// owners removed and three written; once: the queued keys.
		let accounts = accounts.get();
		<Runtime as frame_system::Config>::DbWeight::get()
			.reads_writes(accounts.saturating_mul(2).saturating_add(1), accounts * 6 + 1)
	}
}

/// A `poai` key unique to `who` whose private key nobody knows: the hash of a domain tag and
/// the account, taken as an sr25519 public key. No node can sign with it, so the runtime's
/// worker-key lookup ([`crate::configs::WorkerKeys`]) treats it as no key: its account is no
/// worker (and misses no round) until it sets real keys, as before the upgrade.
pub fn placeholder_worker_key(who: &AccountId) -> WorkerId {
	use sp_runtime::traits::{BlakeTwo256, Hash};
	let hash = BlakeTwo256::hash_of(&(b"poai/placeholder-worker-key", who));
	sp_core::sr25519::Public::from_raw(hash.0).into()
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::tests::genesis_from_preset;
	use codec::Encode;
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	use pallet_poai_staking::migrations::v1;
	use poai_primitives::POAI_KEY_TYPE;
	use sp_keyring::Sr25519Keyring;
	use sp_runtime::traits::OpaqueKeys;

	/// Rewrites a `local` chain's state as `spec_version` 100 kept it: session keys without
	/// `poai`, the worker keys in staking's own maps (Dave registered none), staking at
	/// version 0.
	fn downgrade_to_v100() {
		let dave = Sr25519Keyring::DaveStash.to_account_id();
		for (who, keys) in pallet_session::NextKeys::<Runtime>::iter().collect::<Vec<_>>() {
			let old = v100::SessionKeys { babe: keys.babe.clone(), grandpa: keys.grandpa.clone() };
			sp_io::storage::set(
				&pallet_session::NextKeys::<Runtime>::hashed_key_for(&who),
				&old.encode(),
			);
			pallet_session::KeyOwner::<Runtime>::remove((
				POAI_KEY_TYPE,
				keys.get_raw(POAI_KEY_TYPE),
			));
			if who != dave {
				v1::WorkerKeys::<Runtime>::insert(&who, &keys.poai);
				v1::WorkerKeyOwners::<Runtime>::insert(&keys.poai, &who);
			}
		}
		let queued: Vec<(AccountId, v100::SessionKeys)> =
			pallet_session::QueuedKeys::<Runtime>::get()
				.into_iter()
				.map(|(who, k)| (who, v100::SessionKeys { babe: k.babe, grandpa: k.grandpa }))
				.collect();
		sp_io::storage::set(&pallet_session::QueuedKeys::<Runtime>::hashed_key(), &queued.encode());
		StorageVersion::new(0).put::<crate::PoaiStaking>();
	}

	#[test]
	fn the_upgrade_to_101_moves_the_worker_keys_into_the_session_keys() {
		genesis_from_preset("local_testnet").execute_with(|| {
			let before: Vec<_> = pallet_session::NextKeys::<Runtime>::iter().collect();
			let queued_before = pallet_session::QueuedKeys::<Runtime>::get();
			assert_eq!(before.len(), 5);
			downgrade_to_v100();
			let expected = v1::pre_upgrade_state::<Runtime>();
			assert_eq!(expected.len(), 4, "alice, bob, charlie and ferdie had worker keys");
			assert!(expected.iter().all(|(who, _)| before.iter().any(|(v, _)| v == who)));

			let weight = Unreleased::on_runtime_upgrade();
			assert!(weight.ref_time() > 0);
			v1::check_post_upgrade::<Runtime>(expected).expect("post-upgrade checks hold");
			assert_eq!(crate::PoaiStaking::on_chain_storage_version(), 1);

			let dave = Sr25519Keyring::DaveStash.to_account_id();
			for (who, keys) in before {
				let now = pallet_session::NextKeys::<Runtime>::get(&who).expect("keys kept");
				assert_eq!((&now.babe, &now.grandpa), (&keys.babe, &keys.grandpa));
				let poai = if who == dave { placeholder_worker_key(&who) } else { keys.poai };
				assert_eq!(now.poai, poai);
				assert_eq!(
					Session::key_owner(POAI_KEY_TYPE, now.get_raw(POAI_KEY_TYPE)),
					Some(who.clone()),
					"the worker key's owner is recorded, so nobody else can register it"
				);
			}
			let queued = pallet_session::QueuedKeys::<Runtime>::get();
			assert_eq!(queued.len(), queued_before.len());
			for ((who, now), (_, keys)) in queued.iter().zip(queued_before) {
				let poai = if *who == dave { placeholder_worker_key(who) } else { keys.poai };
				assert_eq!(now.poai, poai);
			}
			// Dave's placeholder key makes him no worker (he would miss every round); the others
			// still are, with their keys.
			let workers = pallet_poai_staking::Pallet::<Runtime>::snapshot_workers(0, u32::MAX);
			assert_eq!(workers.len(), 4);
			assert!(workers.iter().all(|w| w.0 != dave));
			assert!(pallet_poai_staking::Candidates::<Runtime>::contains_key(&dave));

			// Run again (the next upgrade): nothing changes.
			let after: Vec<_> = pallet_session::NextKeys::<Runtime>::iter().collect();
			Unreleased::on_runtime_upgrade();
			assert_eq!(pallet_session::NextKeys::<Runtime>::iter().collect::<Vec<_>>(), after);
		});
	}

	#[test]
	fn a_new_chain_is_born_at_the_current_version_and_skips_the_migration() {
		genesis_from_preset("local_testnet").execute_with(|| {
			assert_eq!(crate::PoaiStaking::on_chain_storage_version(), 1);
			let before: Vec<_> = pallet_session::NextKeys::<Runtime>::iter().collect();
			Unreleased::on_runtime_upgrade();
			assert_eq!(pallet_session::NextKeys::<Runtime>::iter().collect::<Vec<_>>(), before);
		});
	}
}
