//! The council holds the admin origins, the treasury receives slashes and fees.

use super::*;
use crate::configs::{CouncilCollective, TreasuryAccount};
use frame_support::dispatch::GetDispatchInfo;
use sp_runtime::traits::Hash as _;

/// The code hashes `system.UpgradeAuthorized` events announced.
fn authorized_upgrades() -> Vec<H256> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::System(frame_system::Event::UpgradeAuthorized { code_hash, .. }) => {
				Some(code_hash)
			}
			_ => None,
		})
		.collect()
}

/// A model the council registers: the first preset model under a new hash.
fn new_model() -> poai_primitives::ModelSpec {
	let mut spec = genesis_config_presets::challenge_models().remove(0);
	spec.onnx_hash = H256::repeat_byte(0x42);
	spec.name = b"council-model".to_vec().try_into().expect("short name");
	spec
}

fn registered(spec: &poai_primitives::ModelSpec) -> bool {
	pallet_poai_models::Models::<Runtime>::iter_values().any(|m| m.spec.onnx_hash == spec.onnx_hash)
}

fn propose(threshold: u32, call: RuntimeCall) -> RuntimeCall {
	let length_bound = call.encoded_size() as u32;
	RuntimeCall::Council(pallet_collective::Call::propose {
		threshold,
		proposal: Box::new(call),
		length_bound,
	})
}

fn council_events() -> Vec<pallet_collective::Event<Runtime, CouncilCollective>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Council(e) => Some(e),
			_ => None,
		})
		.collect()
}

/// Alice proposes `call` at `slot` (with her nonce `alice_nonce`), she and Bob vote aye at the
/// next slot and she closes the motion: two of three, a majority. Asserts the motion executed
/// the call successfully.
fn pass_motion(chain: &mut ChainBuilder, slot: u64, alice_nonce: Nonce, call: RuntimeCall) {
	let (alice, bob) = (Sr25519Keyring::Alice, Sr25519Keyring::Bob);
	chain.author_block(slot, vec![signed(alice, alice_nonce, propose(2, call.clone()))]);
	let hash = pallet_collective::ProposalOf::<Runtime, CouncilCollective>::iter_keys()
		.next()
		.expect("the motion is open");
	let index = pallet_collective::ProposalCount::<Runtime, CouncilCollective>::get() - 1;
	let vote = RuntimeCall::Council(pallet_collective::Call::vote {
		proposal: hash,
		index,
		approve: true,
	});
	let close = RuntimeCall::Council(pallet_collective::Call::close {
		proposal_hash: hash,
		index,
		proposal_weight_bound: call.get_dispatch_info().call_weight,
		length_bound: call.encoded_size() as u32,
	});
	let results = chain.author_block(
		slot + 1,
		vec![
			signed(alice, alice_nonce + 1, vote.clone()),
			signed(bob, 0, vote),
			signed(alice, alice_nonce + 2, close),
		],
	);
	assert_eq!(results, vec![Ok(Ok(())), Ok(Ok(())), Ok(Ok(()))]);
	assert!(council_events()
		.iter()
		.any(|e| matches!(e, pallet_collective::Event::Executed { result: Ok(()), .. })));
}

/// A model is registered by a council motion that a majority approves; nobody outside the
/// council can propose one, a lone member's motion has no majority's origin, and a plain signed
/// call is refused.
#[test]
fn a_council_motion_registers_a_model_and_nobody_else_can() {
	genesis_from_preset("local_testnet").execute_with(|| {
		let (alice, dave) = (Sr25519Keyring::Alice, Sr25519Keyring::Dave);
		let spec = new_model();
		let register = RuntimeCall::PoaiModels(pallet_poai_models::Call::register_model {
			spec: spec.clone(),
		});
		let mut chain = ChainBuilder::new();
		chain.author_block(1, vec![]);

		// Dave is no council member: neither the call nor a motion is his to make.
		let results = chain.author_block(
			2,
			vec![signed(dave, 0, register.clone()), signed(dave, 1, propose(2, register.clone()))],
		);
		assert_eq!(results[0], Ok(Err(sp_runtime::DispatchError::BadOrigin)));
		assert_eq!(
			results[1],
			Ok(Err(pallet_collective::Error::<Runtime, CouncilCollective>::NotMember.into()))
		);

		// Alice alone (threshold 1: executed at once, with one member of three behind it) is no
		// majority: the motion runs and the registration fails with a bad origin.
		let results = chain.author_block(3, vec![signed(alice, 0, propose(1, register.clone()))]);
		assert_eq!(results, vec![Ok(Ok(()))]);
		assert!(council_events().iter().any(|e| matches!(
			e,
			pallet_collective::Event::Executed {
				result: Err(sp_runtime::DispatchError::BadOrigin),
				..
			}
		)));
		assert!(!registered(&spec));

		// Two of three: Alice proposes, she and Bob vote aye, Alice closes; the model is registered.
		pass_motion(&mut chain, 4, 1, register);
		assert!(registered(&spec));
	});
}

/// Slashed bonds and 80% of every fee are paid into the treasury instead of being burnt; the
/// treasury spends only through root or a council majority.
#[test]
fn slashes_and_fees_go_to_the_treasury() {
	use pallet_poai_challenges::OffenceKind;
	genesis_from_preset("local_testnet").execute_with(|| {
		let treasury = TreasuryAccount::get();
		let balance = || Balances::free_balance(&treasury);
		let mut chain = ChainBuilder::new();
		chain.author_block(1, vec![]);

		let before = balance();
		report_challenge_offence(&Sr25519Keyring::DaveStash.to_account_id(), OffenceKind::Fraud);
		let slashed = genesis_config_presets::GENESIS_BOND / 5;
		assert_eq!(balance(), before + slashed, "the 20% fraud slash is the treasury's");

		let before = balance();
		let transfer = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: MultiAddress::Id(Sr25519Keyring::Ferdie.to_account_id()),
			value: UNIT,
		});
		assert_eq!(
			chain.author_block(2, vec![signed(Sr25519Keyring::Eve, 0, transfer)]),
			vec![Ok(Ok(()))]
		);
		let fee = System::events()
			.into_iter()
			.find_map(|r| match r.event {
				RuntimeEvent::TransactionPayment(
					pallet_transaction_payment::Event::TransactionFeePaid { actual_fee, .. },
				) => Some(actual_fee),
				_ => None,
			})
			.expect("the transfer paid a fee");
		assert!(fee > 0);
		assert_eq!(balance() - before, fee - fee / 5, "80% of the fee (the author gets the rest)");

		// A spend needs the council: a signed call from a non-member is refused.
		let spend = RuntimeCall::Treasury(pallet_treasury::Call::spend {
			asset_kind: Box::new(()),
			amount: slashed,
			beneficiary: Box::new(Sr25519Keyring::Eve.to_account_id()),
			valid_from: None,
		});
		assert_eq!(
			chain.author_block(3, vec![signed(Sr25519Keyring::Eve, 1, spend)]),
			vec![Ok(Err(sp_runtime::DispatchError::BadOrigin))]
		);
	});
}

/// A chain without sudo upgrades its runtime through the council: one motion whitelists
/// `system.authorizeUpgrade(hash)` and dispatches it as root (`pallet-whitelist`); anybody
/// else's attempt is refused, and the authorised code can then be applied by anyone.
#[test]
fn a_council_motion_authorises_a_runtime_upgrade_and_nobody_else_can() {
	genesis_from_preset("local_testnet").execute_with(|| {
		let dave = Sr25519Keyring::Dave;
		let code_hash = H256::repeat_byte(0x55);
		let authorize = RuntimeCall::System(frame_system::Call::authorize_upgrade { code_hash });
		let call_hash = <Runtime as frame_system::Config>::Hashing::hash_of(&authorize);
		let upgrade = RuntimeCall::Utility(pallet_utility::Call::batch_all {
			calls: vec![
				RuntimeCall::Whitelist(pallet_whitelist::Call::whitelist_call { call_hash }),
				RuntimeCall::Whitelist(
					pallet_whitelist::Call::dispatch_whitelisted_call_with_preimage {
						call: Box::new(authorize.clone()),
					},
				),
			],
		});
		let mut chain = ChainBuilder::new();
		chain.author_block(1, vec![]);

		// Dave, no council member: the call itself and whitelisting are refused.
		let results = chain.author_block(
			2,
			vec![
				signed(dave, 0, authorize.clone()),
				signed(
					dave,
					1,
					RuntimeCall::Whitelist(pallet_whitelist::Call::whitelist_call { call_hash }),
				),
			],
		);
		assert_eq!(results[0], Ok(Err(sp_runtime::DispatchError::BadOrigin)));
		assert_eq!(results[1], Ok(Err(sp_runtime::DispatchError::BadOrigin)));
		assert!(authorized_upgrades().is_empty());

		// Two of three council members pass the motion.
		pass_motion(&mut chain, 3, 0, upgrade);
		assert_eq!(
			authorized_upgrades(),
			vec![code_hash],
			"the upgrade is authorised; `system.applyAuthorizedUpgrade(code)` may follow"
		);
	});
}
