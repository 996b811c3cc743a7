//! Fuzzing the authorisation of submissions (issue #11, item 11): arbitrary submissions (any
//! step, round, audited worker, output shape, proof, salt; signed by the claimed key or by
//! another) go through the pool's validation and block application, as `apply` runs them, at
//! every phase of a round. None may panic, and none signed by a key other than the one it
//! claims may pass. Run by `scripts/fuzz.sh` with the other targets:
//!
//! ```text
//! POAI_FUZZ_CASES=1000000 cargo test --release --workspace -- --ignored --nocapture authorize_fuzz
//! ```

use super::*;
use frame_support::storage::{with_transaction, TransactionOutcome};
use poai_primitives::{SeedRng, MAX_OPENED_SAMPLES, MAX_PROOF_LEN};

const NAMES: [&str; 6] = ["Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie"];

fn h256(rng: &mut SeedRng) -> H256 {
	let mut bytes = [0u8; 32];
	for chunk in bytes.chunks_mut(8) {
		chunk.copy_from_slice(&rng.next_u64().to_le_bytes());
	}
	H256(bytes)
}

fn arbitrary_outputs(rng: &mut SeedRng) -> OpenedOutputs {
	let samples = rng.below(MAX_OPENED_SAMPLES + 2);
	let values: Vec<Vec<i32>> =
		(0..samples).map(|_| (0..rng.below(9)).map(|_| rng.next_u32() as i32).collect()).collect();
	outputs(values)
}

fn arbitrary_submission(rng: &mut SeedRng, keys: &[poai_primitives::WorkerId]) -> Submission {
	let round = match rng.below(4) {
		0 => rng.next_u32(),
		r => r - 1,
	};
	let worker = keys[rng.below(keys.len() as u32) as usize].clone();
	match rng.below(4) {
		0 => Submission::Commit {
			round,
			root: h256(rng),
			n: [0, 1, 31, 32, 33, u32::MAX][rng.below(6) as usize],
			wall_time_ms: rng.next_u32(),
		},
		1 => Submission::CommitVerification { round, worker, digest: h256(rng) },
		2 => {
			let outputs = arbitrary_outputs(rng);
			let proofs = (0..rng.below(MAX_OPENED_SAMPLES + 2))
				.map(|_| {
					let proof: Vec<H256> =
						(0..rng.below(MAX_PROOF_LEN + 1)).map(|_| h256(rng)).collect();
					poai_primitives::MerkleProof::truncate_from(proof)
				})
				.collect::<Vec<_>>();
			Submission::Reveal { round, outputs, proofs: OpenedProofs::truncate_from(proofs) }
		}
		_ => Submission::OpenVerification {
			round,
			worker,
			outputs: arbitrary_outputs(rng),
			salt: h256(rng).0,
		},
	}
}

/// Runs `cases` arbitrary submissions against the state as it is, each rolled back.
fn fuzz_here(rng: &mut SeedRng, cases: u32) -> (u32, u32) {
	let pairs: Vec<_> = NAMES.iter().map(|name| pair(name)).collect();
	let keys: Vec<_> = pairs.iter().map(|p| poai_primitives::WorkerId::from(p.public())).collect();
	let pick = |rng: &mut SeedRng| rng.below(NAMES.len() as u32) as usize;
	let (mut accepted, mut forged) = (0, 0);
	for _ in 0..cases {
		let submission = arbitrary_submission(rng, &keys);
		let claimed = pick(rng);
		let signer = if rng.below(4) == 0 { pick(rng) } else { claimed };
		let call = call_signed_with(&pairs[signer], keys[claimed].clone(), submission.clone());
		let result =
			with_transaction(|| TransactionOutcome::Rollback(Ok::<_, DispatchError>(apply(call))))
				.expect("the closure cannot fail");
		if signer != claimed {
			forged += 1;
			assert!(
				result.is_err(),
				"{} passed as {}: {submission:?}",
				NAMES[signer],
				NAMES[claimed]
			);
		} else if matches!(result, Ok(Ok(()))) {
			accepted += 1;
		}
	}
	(accepted, forged)
}

#[test]
#[ignore = "a fuzzer: POAI_FUZZ_CASES arbitrary submissions (scripts/fuzz.sh runs it)"]
fn authorize_fuzz() {
	let cases: u32 =
		std::env::var("POAI_FUZZ_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(10_000);
	let per_phase = cases.div_ceil(4);
	let mut rng = SeedRng::new([7; 32]);
	new_test_ext().execute_with(|| {
		set_params(audited_everything());
		let nodes = four_honest();
		register(&nodes);
		issue(0);
		let mut report = Vec::new();
		report.push(("commit window", fuzz_here(&mut rng, per_phase)));
		commit_all(0, &nodes);
		let verify_until = run_to_verify_window(0);
		report.push(("verify window", fuzz_here(&mut rng, per_phase)));
		verify_all(0, &nodes);
		run_to_block(verify_until + 1);
		report.push(("reveal window", fuzz_here(&mut rng, per_phase)));
		open_all(0, &nodes);
		reveal_all(0, &nodes);
		run_until(|| !matches!(round_phase(0), Some(Phase::Open { .. })));
		report.push(("judged", fuzz_here(&mut rng, per_phase)));
		for (phase, (accepted, forged)) in report {
			println!(
				"authorize_fuzz: {phase}: {per_phase} submissions, {accepted} accepted, \
				 {forged} forged (all refused)"
			);
		}
	});
}
