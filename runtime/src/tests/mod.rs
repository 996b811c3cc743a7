//! Tests of the assembled runtime: genesis presets, session rotation, signed transfers, keys,
//! rounds and slashes; governance and the treasury in [`governance`].
//!
//! Blocks are built the way the node builds them: `Executive::initialize_block` with a BABE
//! pre-runtime digest, the timestamp inherent, the extrinsics, `Executive::finalize_block`.

use codec::{Decode, Encode};
use frame_support::traits::Get;
use sp_consensus_babe::{
	digests::{PreDigest, SecondaryPlainPreDigest},
	Slot, BABE_ENGINE_ID,
};
use sp_core::{crypto::Pair, sr25519, H256};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{
	generic::{Digest, DigestItem, Era},
	traits::Header as _,
	BuildStorage,
};

use crate::{
	genesis_config_presets::{self, ENDOWMENT},
	*,
};

mod governance;
mod metadata;

/// Genesis storage from a preset, merged onto the default configuration as the node does.
pub(crate) fn genesis_from_preset(preset: &str) -> sp_io::TestExternalities {
	let patch = genesis_config_presets::get_preset(&preset.into()).expect("preset exists");
	let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).unwrap();
	merge(&mut config, serde_json::from_slice(&patch).unwrap());
	let config: RuntimeGenesisConfig = serde_json::from_value(config).expect("preset is valid");
	config.build_storage().expect("genesis builds").into()
}

fn merge(base: &mut serde_json::Value, patch: serde_json::Value) {
	match (base, patch) {
		(serde_json::Value::Object(base), serde_json::Value::Object(patch)) => {
			for (key, value) in patch {
				merge(base.entry(key).or_insert(serde_json::Value::Null), value);
			}
		}
		(base, patch) => *base = patch,
	}
}

/// Authors one block at `slot` with the given extrinsics; returns the results of applying them.
struct ChainBuilder {
	parent_hash: H256,
	number: BlockNumber,
}

impl ChainBuilder {
	fn new() -> Self {
		Self { parent_hash: frame_system::BlockHash::<Runtime>::get(0), number: 0 }
	}

	fn author_block(&mut self, slot: u64, extrinsics: Vec<UncheckedExtrinsic>) -> Vec<ApplyResult> {
		self.number += 1;
		let pre_digest = PreDigest::SecondaryPlain(SecondaryPlainPreDigest {
			authority_index: 0,
			slot: Slot::from(slot),
		});
		let digest =
			Digest { logs: vec![DigestItem::PreRuntime(BABE_ENGINE_ID, pre_digest.encode())] };
		let header = Header::new(
			self.number,
			Default::default(),
			Default::default(),
			self.parent_hash,
			digest,
		);
		Executive::initialize_block(&header);
		let timestamp =
			UncheckedExtrinsic::new_bare(RuntimeCall::Timestamp(pallet_timestamp::Call::set {
				now: slot * SLOT_DURATION,
			}));
		Executive::apply_extrinsic(timestamp).unwrap().unwrap();
		let results = extrinsics.into_iter().map(Executive::apply_extrinsic).collect();
		let header = Executive::finalize_block();
		self.parent_hash = header.hash();
		results
	}
}

type ApplyResult = sp_runtime::ApplyExtrinsicResult;

/// A transaction signed by `signer`, exactly as a wallet signs it.
fn signed(signer: Sr25519Keyring, nonce: Nonce, call: RuntimeCall) -> UncheckedExtrinsic {
	signed_with_tip(signer, nonce, 0, call)
}

/// [`signed`] with a tip for the block author.
fn signed_with_tip(
	signer: Sr25519Keyring,
	nonce: Nonce,
	tip: Balance,
	call: RuntimeCall,
) -> UncheckedExtrinsic {
	let extension: TxExtension = (
		frame_system::AuthorizeCall::<Runtime>::new(),
		frame_system::CheckNonZeroSender::<Runtime>::new(),
		frame_system::CheckSpecVersion::<Runtime>::new(),
		frame_system::CheckTxVersion::<Runtime>::new(),
		frame_system::CheckGenesis::<Runtime>::new(),
		frame_system::CheckEra::<Runtime>::from(Era::Immortal),
		frame_system::CheckNonce::<Runtime>::from(nonce),
		frame_system::CheckWeight::<Runtime>::new(),
		pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(tip),
		frame_system::WeightReclaim::<Runtime>::new(),
	);
	let payload = SignedPayload::new(call.clone(), extension.clone()).unwrap();
	let pair: sr25519::Pair = signer.pair();
	let signature = payload.using_encoded(|bytes| pair.sign(bytes));
	UncheckedExtrinsic::new_signed(
		call,
		MultiAddress::Id(signer.to_account_id()),
		MultiSignature::Sr25519(signature),
		extension,
	)
}

#[test]
fn every_preset_builds_a_genesis_state() {
	assert_eq!(
		genesis_config_presets::preset_names(),
		vec![
			sp_genesis_builder::PresetId::from("development"),
			sp_genesis_builder::PresetId::from("local_testnet"),
			sp_genesis_builder::PresetId::from("production"),
		]
	);
	for (preset, validators) in [("development", 1), ("local_testnet", 5)] {
		genesis_from_preset(preset).execute_with(|| {
			assert_eq!(pallet_session::Validators::<Runtime>::get().len(), validators);
			assert_eq!(Babe::authorities().len(), validators);
			assert_eq!(Grandpa::grandpa_authorities().len(), validators);
			assert_eq!(
				pallet_sudo::Key::<Runtime>::get(),
				Some(Sr25519Keyring::Alice.to_account_id())
			);
			assert_eq!(Balances::free_balance(Sr25519Keyring::Ferdie.to_account_id()), ENDOWMENT);
		});
	}
	assert!(genesis_config_presets::get_preset(&"staging".into()).is_none());
}

/// The testnets keep one-minute sessions; the production chain runs hour-long ones (BABE's
/// epoch, as the node reads it through `BabeApi::configuration`), with the production protocol
/// and staking parameters, the launch set's validators and council, and nobody holding sudo.
#[test]
fn each_chain_has_its_own_clock_and_production_has_no_sudo() {
	use pallet_poai_timing::ChainTiming;
	for (preset, timing) in [
		("development", ChainTiming::TESTNET),
		("local_testnet", ChainTiming::TESTNET),
		("production", ChainTiming::PRODUCTION),
	] {
		genesis_from_preset(preset).execute_with(|| {
			// What `BabeApi::configuration` gives the node as the epoch length.
			let epoch: u64 = <Runtime as pallet_babe::Config>::EpochDuration::get();
			assert_eq!(epoch, timing.epoch_duration, "{preset}");
			assert_eq!(
				<Runtime as pallet_poai_staking::Config>::BondingDuration::get(),
				timing.bonding_duration
			);
			assert_eq!(
				<Runtime as pallet_poai_staking::Config>::HistoryDepth::get(),
				timing.history_depth
			);
			assert_eq!(
				<Runtime as pallet_poai_challenges::Config>::MissSlashPeriod::get(),
				timing.bonding_duration
			);
		});
	}
	let launch = genesis_config_presets::production::launch_set();
	genesis_from_preset("production").execute_with(|| {
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), None);
		assert_eq!(
			pallet_poai_challenges::Params::<Runtime>::get(),
			pallet_poai_challenges::ProtocolParams::PRODUCTION
		);
		assert_eq!(
			pallet_poai_staking::Params::<Runtime>::get(),
			genesis_config_presets::production::production_staking_params()
		);
		let mut stashes: Vec<AccountId> =
			launch.validators.iter().map(|v| v.stash.clone()).collect();
		let mut validators = pallet_session::Validators::<Runtime>::get();
		stashes.sort();
		validators.sort();
		assert_eq!(validators, stashes);
		assert_eq!(Babe::authorities().len(), stashes.len());
		// pallet-membership keeps its members sorted.
		let mut council = launch.council.clone();
		council.sort();
		assert_eq!(
			pallet_membership::Members::<Runtime, pallet_membership::Instance1>::get().to_vec(),
			council
		);
		// A sudo call is refused even from a council member.
		let alice = Sr25519Keyring::Alice.to_account_id();
		assert_eq!(
			Sudo::sudo(
				RuntimeOrigin::signed(alice),
				Box::new(RuntimeCall::System(frame_system::Call::remark { remark: vec![] }))
			)
			.map_err(|e| e.error),
			Err(pallet_sudo::Error::<Runtime>::RequireSudo.into())
		);
	});
}

#[test]
fn local_validators_are_the_stashes_with_the_well_known_keys() {
	genesis_from_preset("local_testnet").execute_with(|| {
		let stashes = [
			Sr25519Keyring::AliceStash,
			Sr25519Keyring::BobStash,
			Sr25519Keyring::CharlieStash,
			Sr25519Keyring::DaveStash,
			Sr25519Keyring::FerdieStash,
		]
		.map(|k| k.to_account_id());
		let validators = pallet_session::Validators::<Runtime>::get();
		assert_eq!(validators.len(), 5);
		for stash in &stashes {
			assert!(validators.contains(stash));
		}
		let alice_babe: sp_consensus_babe::AuthorityId = Sr25519Keyring::Alice.public().into();
		assert!(Babe::authorities().iter().any(|(id, _)| *id == alice_babe));
	});
}

#[test]
fn sessions_rotate_every_epoch_and_keep_the_genesis_validators() {
	genesis_from_preset("local_testnet").execute_with(|| {
		let epoch: u64 = <Runtime as pallet_babe::Config>::EpochDuration::get();
		let validators = pallet_session::Validators::<Runtime>::get();
		let mut chain = ChainBuilder::new();
		let genesis_slot = 1_000u64;
		assert_eq!(Session::current_index(), 0);

		for slot in genesis_slot..=genesis_slot + 3 * epoch {
			chain.author_block(slot, vec![]);
		}

		assert_eq!(Babe::epoch_index(), 3);
		assert_eq!(Session::current_index(), 3);
		assert_eq!(pallet_session::Validators::<Runtime>::get(), validators);
	});
}

#[test]
fn a_signed_transfer_moves_funds_and_pays_fees() {
	genesis_from_preset("development").execute_with(|| {
		let mut chain = ChainBuilder::new();
		chain.author_block(1, vec![]);
		let dest = sr25519::Pair::from_string("//PoaiTransferTarget", None).unwrap().public();
		let amount = 10 * UNIT;
		let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: MultiAddress::Id(dest.into()),
			value: amount,
		});

		let results = chain.author_block(2, vec![signed(Sr25519Keyring::Alice, 0, call.clone())]);
		assert_eq!(results, vec![Ok(Ok(()))]);
		assert_eq!(Balances::free_balance(AccountId::from(dest)), amount);
		let alice = Balances::free_balance(Sr25519Keyring::Alice.to_account_id());
		assert!(alice < ENDOWMENT.saturating_sub(amount), "a fee was charged");
		assert_eq!(System::account_nonce(Sr25519Keyring::Alice.to_account_id()), 1);

		// The same signed transaction cannot be replayed: its nonce is spent.
		let replay = chain.author_block(3, vec![signed(Sr25519Keyring::Alice, 0, call)]);
		assert!(matches!(
			replay[0],
			Err(sp_runtime::transaction_validity::TransactionValidityError::Invalid(
				sp_runtime::transaction_validity::InvalidTransaction::Stale
			))
		));
		assert_eq!(Balances::free_balance(AccountId::from(dest)), amount);
	});
}

#[test]
fn a_transfer_with_a_bad_signature_is_rejected() {
	genesis_from_preset("development").execute_with(|| {
		let mut chain = ChainBuilder::new();
		chain.author_block(1, vec![]);
		let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: MultiAddress::Id(Sr25519Keyring::Bob.to_account_id()),
			value: UNIT,
		});
		let mut forged = signed(Sr25519Keyring::Alice, 0, call);
		// Claim Bob signed what Alice signed.
		if let sp_runtime::generic::Preamble::Signed(ref mut address, _, _) = forged.preamble {
			*address = MultiAddress::Id(Sr25519Keyring::Bob.to_account_id());
		}
		let bob_before = Balances::free_balance(Sr25519Keyring::Bob.to_account_id());
		let results = chain.author_block(2, vec![forged]);
		assert!(matches!(
			results[0],
			Err(sp_runtime::transaction_validity::TransactionValidityError::Invalid(
				sp_runtime::transaction_validity::InvalidTransaction::BadProof
			))
		));
		assert_eq!(Balances::free_balance(Sr25519Keyring::Bob.to_account_id()), bob_before);
	});
}

/// Session keys of a new validator, generated in the test keystore with the proof of possession
/// `session.setKeys` checks, as `author_rotateKeysWithOwner` produces them on a node.
fn generate_session_keys(owner: &AccountId) -> (opaque::SessionKeys, Vec<u8>) {
	let generated = opaque::SessionKeys::generate(&owner.encode(), None);
	(generated.keys, generated.proof.encode())
}

fn with_keystore(mut ext: sp_io::TestExternalities) -> sp_io::TestExternalities {
	ext.register_extension(sp_keystore::KeystoreExt::new(
		sp_keystore::testing::MemoryKeystore::new(),
	));
	ext
}

#[test]
fn genesis_validators_are_the_bonded_stakers() {
	genesis_from_preset("local_testnet").execute_with(|| {
		for stash in [Sr25519Keyring::AliceStash, Sr25519Keyring::DaveStash] {
			let ledger = pallet_poai_staking::Ledger::<Runtime>::get(stash.to_account_id())
				.expect("genesis staker is bonded");
			assert_eq!(ledger.active, genesis_config_presets::GENESIS_BOND);
			assert!(pallet_poai_staking::Candidates::<Runtime>::contains_key(
				stash.to_account_id()
			));
		}
		let alice_worker: poai_primitives::WorkerId = Sr25519Keyring::Alice.public().into();
		assert_eq!(
			<configs::WorkerKeys as pallet_poai_staking::WorkerKeyProvider<_, _>>::worker_key(
				&Sr25519Keyring::AliceStash.to_account_id()
			),
			Some(alice_worker),
			"the worker key is the `poai` session key"
		);
	});
}

#[test]
fn a_new_candidate_bonds_sets_keys_validates_and_is_elected() {
	with_keystore(genesis_from_preset("local_testnet")).execute_with(|| {
		let epoch: u64 = <Runtime as pallet_babe::Config>::EpochDuration::get();
		let mut chain = ChainBuilder::new();
		let mut slot = 5_000u64;
		chain.author_block(slot, vec![]);

		let eve = Sr25519Keyring::Eve;
		let (keys, proof) = generate_session_keys(&eve.to_account_id());
		let worker_key = keys.poai.clone();
		let calls = vec![
			RuntimeCall::PoaiStaking(pallet_poai_staking::Call::bond { value: 20_000 * UNIT }),
			RuntimeCall::Session(pallet_session::Call::set_keys { keys, proof }),
			RuntimeCall::PoaiStaking(pallet_poai_staking::Call::validate {
				commission: sp_runtime::Perbill::from_percent(5),
				tier: poai_primitives::TierId(1),
			}),
		];
		let extrinsics =
			calls.into_iter().enumerate().map(|(nonce, call)| signed(eve, nonce as Nonce, call));
		slot += 1;
		let results = chain.author_block(slot, extrinsics.collect());
		assert_eq!(results, vec![Ok(Ok(())), Ok(Ok(())), Ok(Ok(()))]);
		assert!(!pallet_session::Validators::<Runtime>::get().contains(&eve.to_account_id()));
		// One `setKeys` made her a worker: the next round is issued to her `poai` key.
		let workers = pallet_poai_staking::Pallet::<Runtime>::snapshot_workers(0, u32::MAX);
		assert!(workers.iter().any(|w| w.0 == eve.to_account_id() && w.1 == worker_key));

		// Elected at the next session boundary, active one session later (pallet-session
		// queues the next set one session ahead).
		let mut active_from = None;
		for _ in 0..3 * epoch {
			slot += 1;
			chain.author_block(slot, vec![]);
			if pallet_session::Validators::<Runtime>::get().contains(&eve.to_account_id()) {
				active_from = Some(Session::current_index());
				break;
			}
		}
		assert_eq!(active_from, Some(2), "eve validates from the second session after joining");
		assert_eq!(pallet_session::Validators::<Runtime>::get().len(), 6);
	});
}

/// A worker key is a session key, so `session.setKeys`' proof of possession guards it: nobody
/// can register (and so block, or be challenged under) another node's worker key, nor replay
/// another account's registration.
#[test]
fn nobody_can_register_another_nodes_keys() {
	with_keystore(genesis_from_preset("local_testnet")).execute_with(|| {
		let mut chain = ChainBuilder::new();
		chain.author_block(1, vec![]);
		let (eve, ferdie) = (Sr25519Keyring::Eve, Sr25519Keyring::Ferdie);
		let set_keys =
			|keys, proof| RuntimeCall::Session(pallet_session::Call::set_keys { keys, proof });
		let (eve_keys, eve_proof) = generate_session_keys(&eve.to_account_id());
		let (mut ferdie_keys, ferdie_proof) = generate_session_keys(&ferdie.to_account_id());
		assert_eq!(
			chain.author_block(
				2,
				vec![signed(eve, 0, set_keys(eve_keys.clone(), eve_proof.clone()))]
			),
			vec![Ok(Ok(()))]
		);

		// Ferdie replays Eve's registration; then puts Eve's worker key among his own keys.
		ferdie_keys.poai = eve_keys.poai.clone();
		let attempts = vec![
			signed(ferdie, 0, set_keys(eve_keys.clone(), eve_proof)),
			signed(ferdie, 1, set_keys(ferdie_keys, ferdie_proof)),
		];
		let results = chain.author_block(3, attempts);
		for result in &results {
			assert!(
				matches!(result, Ok(Err(e)) if *e == pallet_session::Error::<Runtime>::InvalidProof.into()),
				"dispatch fails for the proof: {result:?}"
			);
		}
		assert!(pallet_session::NextKeys::<Runtime>::get(ferdie.to_account_id()).is_none());
		assert_eq!(
			<configs::WorkerKeys as pallet_poai_staking::WorkerKeyProvider<_, _>>::worker_key(
				&eve.to_account_id()
			),
			Some(eve_keys.poai)
		);
	});
}

#[test]
fn the_genesis_presets_register_the_reference_tiers_and_the_challenge_models() {
	genesis_from_preset("local_testnet").execute_with(|| {
		use poai_primitives::{reference_tiers, sizing, ModelRegistry, TierId, TierRegistry};
		let tiers = reference_tiers();
		for (id, tier) in tiers.iter().enumerate() {
			assert_eq!(PoaiModels::tier(TierId(id as u8)).as_ref(), Some(tier));
		}
		assert_eq!(PoaiModels::tier(TierId(tiers.len() as u8)), None);
		let models = genesis_config_presets::challenge_models();
		// tiny-lm and dense-mlp (float), int8-gemm (the bit-exact integer family).
		assert_eq!(models.len(), 3);
		assert_eq!(models.iter().filter(|spec| spec.is_integer()).count(), 1);
		for (id, spec) in models.iter().enumerate() {
			assert_eq!(PoaiModels::model(id as u32).as_ref(), Some(spec));
			assert_eq!(spec.validate(), Ok(()));
			// Every tier a model serves is separated by its deadline at the runtime's slots.
			for params in spec.tiers.iter() {
				let tier = &tiers[usize::from(params.tier.0)];
				assert!(sizing(spec, params, tier, crate::SLOT_DURATION).is_ok());
			}
		}
		assert_eq!(PoaiModels::active_models(), vec![0, 1, 2]);
		// Every genesis candidate declares a registered tier.
		for (_, candidate) in pallet_poai_staking::Candidates::<Runtime>::iter() {
			assert!(PoaiModels::tier(candidate.tier).is_some());
		}
		assert_eq!(
			pallet_poai_challenges::Params::<Runtime>::get(),
			pallet_poai_challenges::ProtocolParams::TESTNET
		);
	});
}

/// A worker's commitment goes the node's way: the runtime signs it with the keystore's `poai`
/// key and puts a general transaction into the pool; the pool's validation accepts it, a block
/// includes it, and the round's draw then passes the committer and records misses for the
/// validators that did not commit.
#[test]
fn a_worker_commits_through_the_runtime_api_and_the_round_runs_to_its_verdicts() {
	use poai_primitives::{commitment_root, leaf_hash, Submission, POAI_KEY_TYPE};
	use sp_core::offchain::{testing::TestTransactionPoolExt, TransactionPoolExt};
	use sp_keystore::Keystore;
	use sp_runtime::transaction_validity::TransactionSource;

	let keystore = sp_keystore::testing::MemoryKeystore::new();
	keystore.sr25519_generate_new(POAI_KEY_TYPE, Some("//Alice")).unwrap();
	let (pool, pool_state) = TestTransactionPoolExt::new();
	let mut ext = genesis_from_preset("local_testnet");
	ext.register_extension(sp_keystore::KeystoreExt::new(keystore));
	ext.register_extension(TransactionPoolExt::new(pool));
	ext.execute_with(|| {
		let mut chain = ChainBuilder::new();
		chain.author_block(1_000, vec![]);
		let alice = poai_primitives::WorkerId::from(Sr25519Keyring::Alice.public());
		let duties = PoaiChallenges::duties(&alice);
		assert_eq!(duties.challenges.len(), 1, "round 0 challenges every genesis validator");
		let duty = &duties.challenges[0];
		let leaves: Vec<_> = (0..duty.n).map(|i| leaf_hash(i, &[i as i32])).collect();
		let commit = Submission::Commit {
			round: duty.round,
			root: commitment_root(&leaves),
			n: duty.n,
			wall_time_ms: 321,
		};
		assert_eq!(PoaiChallenges::submit(alice.clone(), commit.clone()), Ok(()));
		let bob = poai_primitives::WorkerId::from(Sr25519Keyring::Bob.public());
		assert_eq!(
			PoaiChallenges::submit(bob, commit),
			Err(poai_primitives::SubmitError::SigningFailed),
			"Bob's key is not in this node's keystore"
		);
		let transactions = std::mem::take(&mut pool_state.write().transactions);
		assert_eq!(transactions.len(), 1);
		let xt = UncheckedExtrinsic::decode(&mut &transactions[0][..]).unwrap();
		// The pool validates on top of the best block and throws the state away.
		let pool_validate = |xt: UncheckedExtrinsic, parent: H256| {
			frame_support::storage::with_transaction(|| {
				let validity =
					Executive::validate_transaction(TransactionSource::External, xt, parent);
				sp_runtime::TransactionOutcome::Rollback(Ok::<_, sp_runtime::DispatchError>(
					validity,
				))
			})
			.unwrap()
		};
		let validity =
			pool_validate(xt.clone(), chain.parent_hash).expect("the pool accepts the commitment");
		assert_eq!(
			validity.priority,
			<Runtime as pallet_poai_challenges::Config>::SubmissionPriority::get()
		);
		// A flood cannot outbid it for the pool (which evicts the lowest priority first): a
		// transfer's priority is (tip + 1) × the transfers a block holds, so it reaches a
		// commitment's only with a tip of ≈ u64::MAX / that per transaction, paid for every one
		// included; and a tie does not evict.
		let bob = Sr25519Keyring::Bob;
		let transfer = |tip: Balance| {
			let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
				dest: MultiAddress::Id(Sr25519Keyring::Ferdie.to_account_id()),
				value: UNIT,
			});
			pool_validate(signed_with_tip(bob, 0, tip, call), chain.parent_hash)
				.expect("the pool accepts the transfer")
				.priority
		};
		let per_tip = transfer(0);
		let tie = Balance::from(validity.priority / per_tip);
		eprintln!("a transfer ties with a PoAI submission at a tip of {} UNIT", tie / UNIT);
		assert!(tie >= 1_000 * UNIT, "a tip of {tie} ties with a PoAI submission");
		assert!(transfer(100 * UNIT) < validity.priority);
		let results = chain.author_block(1_001, vec![xt.clone()]);
		assert_eq!(results, vec![Ok(Ok(()))]);
		let stash = Sr25519Keyring::AliceStash.to_account_id();
		assert!(System::events().iter().any(|r| matches!(
			&r.event,
			RuntimeEvent::PoaiChallenges(pallet_poai_challenges::Event::Committed {
				worker, wall_time_ms: 321, ..
			}) if *worker == stash
		)));
		// The same transaction again is refused: once per round and step.
		assert!(pool_validate(xt, chain.parent_hash).is_err());

		// Past the commit window, the draw: Alice passes or is audited, the others missed.
		let mut slot = 1_002;
		while pallet_poai_challenges::Rounds::<Runtime>::get(0)
			.is_some_and(|r| matches!(r.phase, pallet_poai_challenges::Phase::Commit { .. }))
		{
			chain.author_block(slot, vec![]);
			slot += 1;
		}
		let bob_stash = Sr25519Keyring::BobStash.to_account_id();
		assert_eq!(
			PoaiReputation::summary(&bob_stash).map(|s| s.misses),
			Some(1),
			"Bob did not commit"
		);
		let alice_record = PoaiReputation::summary(&stash);
		let audited = System::events().iter().any(|r| {
			matches!(
				&r.event,
				RuntimeEvent::PoaiChallenges(pallet_poai_challenges::Event::Audited { worker, .. })
					if *worker == stash
			)
		});
		if !audited {
			assert_eq!(alice_record.map(|s| s.passes), Some(1));
		}
	});
}

/// Reports `stash`'s offence of `kind` in round (= session) 0 the way the challenge protocol
/// does, with the slash it takes in the testnet parameters, and records the failure or miss on
/// its reputation.
fn report_challenge_offence(stash: &AccountId, kind: pallet_poai_challenges::OffenceKind) {
	use pallet_poai_challenges::{ChallengeOffence, OffenceKind, ProtocolParams};
	use poai_primitives::{ReputationRecorder, RoundOutcome};
	use sp_staking::offence::ReportOffence;
	let (fraction, outcome) = match kind {
		OffenceKind::Fraud => (ProtocolParams::TESTNET.fraud_slash, RoundOutcome::Failed),
		OffenceKind::RepeatedMisses => (ProtocolParams::TESTNET.miss_slash, RoundOutcome::Missed),
		OffenceKind::FalseVerification => {
			(ProtocolParams::TESTNET.verifier_slash, RoundOutcome::Failed)
		}
	};
	PoaiReputation::record(stash, outcome);
	let offence = ChallengeOffence {
		kind,
		round: 0,
		validator_set_count: pallet_session::Validators::<Runtime>::get().len() as u32,
		offender: (stash.clone(), ()),
		fraction,
	};
	<Runtime as pallet_poai_challenges::Config>::ReportOffence::report_offence(vec![], offence)
		.expect("a new offence is reported");
}

/// The zombienet scenario of a cheating validator: a proven PoAI fraud slashes it and chills
/// it, so it leaves at the next election and stays out even when the unaudited rounds it passes
/// afterwards lift its reputation back above `min_reputation` — the chill, not the reputation,
/// keeps it out until its operator validates again. Repeated misses (1%) slash without chilling.
#[test]
fn a_proven_fraud_chills_the_validator_and_the_next_elections_drop_it() {
	use pallet_poai_challenges::OffenceKind;
	use poai_primitives::{ReputationProvider, ReputationRecorder, RoundOutcome};
	genesis_from_preset("local_testnet").execute_with(|| {
		let epoch: u64 = <Runtime as pallet_babe::Config>::EpochDuration::get();
		let mut chain = ChainBuilder::new();
		let mut slot = 2_000u64;
		chain.author_block(slot, vec![]);
		let dave = Sr25519Keyring::DaveStash.to_account_id();
		let bob = Sr25519Keyring::BobStash.to_account_id();
		let bond = genesis_config_presets::GENESIS_BOND;

		report_challenge_offence(&dave, OffenceKind::Fraud);
		report_challenge_offence(&bob, OffenceKind::RepeatedMisses);

		let ledger = |who: &AccountId| pallet_poai_staking::Ledger::<Runtime>::get(who).unwrap();
		assert_eq!(ledger(&dave).active, bond - bond / 5, "the fraud slash is 20%");
		assert_eq!(ledger(&bob).active, bond - bond / 100, "the miss slash is 1%");
		let chilled: Vec<_> = System::events()
			.into_iter()
			.filter_map(|r| match r.event {
				RuntimeEvent::PoaiStaking(pallet_poai_staking::Event::Chilled { stash }) => {
					Some(stash)
				}
				_ => None,
			})
			.collect();
		assert_eq!(chilled, vec![dave.clone()]);
		assert!(!pallet_poai_staking::Candidates::<Runtime>::contains_key(&dave));
		assert!(pallet_poai_staking::Candidates::<Runtime>::contains_key(&bob));

		// Rounds both go on passing (for Dave, unaudited ones, as a validator of the sessions
		// already planned).
		for _ in 0..4 {
			PoaiReputation::record(&dave, RoundOutcome::Passed);
			PoaiReputation::record(&bob, RoundOutcome::Passed);
		}
		let min_reputation = pallet_poai_staking::Params::<Runtime>::get().min_reputation;
		assert!(PoaiReputation::reputation(&dave) > min_reputation);
		assert!(PoaiReputation::reputation(&bob) > min_reputation);

		let mut left_in = None;
		for _ in 0..4 * epoch {
			slot += 1;
			chain.author_block(slot, vec![]);
			let validators = pallet_session::Validators::<Runtime>::get();
			if left_in.is_none() && !validators.contains(&dave) {
				left_in = Some(Session::current_index());
			}
			if left_in.is_some() {
				assert!(!validators.contains(&dave), "dave came back without validating again");
				assert!(validators.contains(&bob), "a 1% miss slash does not chill");
			}
		}
		assert_eq!(left_in, Some(2), "dropped by the first election after the fraud");
		assert_eq!(Session::current_index(), 4);
	});
}
