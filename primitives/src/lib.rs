//! Types and pure functions shared by the PoAI runtime and the native inference worker.
//!
//! Everything here is `no_std`, so that the runtime (wasm) and the worker (native) use one
//! definition of every identifier and every pure function of the challenge protocol (architecture,
//! §3 "Models and challenges"):
//!
//! - [`ids`]: identifiers of models, rounds, samples and hardware tiers, device kinds;
//! - [`seed`]: the per-round challenge seed and the deterministic stream of draws it drives;
//! - [`input`]: the input spec a model is registered with and the generator of sample inputs;
//! - [`model`]: the registered description of a challenge model and the registry interface;
//! - [`memory`]: the memory-bound challenge, a working set drawn from the round's seed;
//! - [`tier`]: the hardware tiers workers declare and the arithmetic that sizes a tier's
//!   challenges so that its deadline separates it from slower hardware;
//! - [`duty`]: what the chain asks of a worker and the results the worker hands back;
//! - [`fault`]: the misbehaviours a testnet worker simulates and the tests replay;
//! - [`quantise`] (`std` only): float outputs to integers, on the worker side;
//! - [`commitment`]: leaf hashing and the Merkle commitment over a round's outputs;
//! - [`audit`]: who is audited, which samples are opened, who verifies;
//! - [`tolerance`]: the integer tolerance check and the verdict over a committee;
//! - [`traits`]: the interfaces between the PoAI pallets (reputation, work points);
//! - `fixtures` (feature `test-utils`): the model specs tests and benchmarks build on.
//!
//! Floats appear only in `std`-only worker helpers: the runtime never touches one.

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

extern crate alloc;

pub mod audit;
pub mod commitment;
pub mod duty;
pub mod fault;
#[cfg(any(test, feature = "test-utils"))]
pub mod fixtures;
pub mod ids;
pub mod input;
pub mod memory;
pub mod model;
#[cfg(feature = "std")]
pub mod quantise;
pub mod seed;
pub mod tier;
pub mod tolerance;
pub mod traits;

pub use audit::{
	audit_indices, draw_committee, draw_verifiers, is_audited, AuditIndices, SeatWeight,
	MAX_AUDIT_SAMPLES,
};
pub use commitment::{
	commitment_root, leaf_hash, leaves, merkle_proof, verify_leaf, verify_sample, MerkleHasher,
	MerkleProof, MAX_PROOF_LEN,
};
pub use duty::{
	verification_digest, ChallengeDuty, Duties, OpenedProofs, Panel, RevealDuty, Submission,
	SubmitError, VerificationSalt, VerifyDuty,
};
#[cfg(feature = "std")]
pub use fault::ParseFaultError;
pub use fault::{fake_output, Fault, FAULT_NAMES};
pub use ids::{HardwareClass, ModelId, Randomness, SampleIndex, Seed, SessionIndex, TierId};
#[cfg(feature = "std")]
pub use input::uniform_value;
pub use input::{
	generate_sample, InputKind, InputSpec, InputSpecError, SampleInput, Shape, TensorName,
	MAX_ABS_MILLI, MAX_ELEMENTS_PER_SAMPLE, MAX_RANK, MAX_TENSOR_NAME_LEN, UNIFORM_DRAW_BITS,
};
pub use model::{
	ModelName, ModelRegistry, ModelSpec, ModelSpecError, ModelStatus, OpenedOutputs, SampleOutput,
	TierParams, TierTable, MAX_BATCH_SIZE, MAX_MODEL_NAME_LEN, MAX_MODEL_TIERS, MAX_OPENED_SAMPLES,
	MAX_OUTPUT_ELEMENTS, MAX_SCALE_BITS,
};
#[cfg(feature = "std")]
pub use quantise::{dequantise, quantise, quantise_all, NanOutput, NotANumber};
pub use seed::{challenge_seed, model_choice, sample_seed, SeedRng};
pub use tier::{
	fp32_work, reference_tiers, sizing, Sizing, SizingError, TierName, TierRegistry, TierSpec,
	TierSpecError, MAX_TIER_NAME_LEN,
};
pub use tolerance::{
	committee_verdict, verdict, within_tolerance, Distance, LengthMismatch, Tolerance,
	ToleranceVerdict, Verdict, VerdictReport,
};
pub use traits::{
	RegisteredWorker, ReputationProvider, ReputationRecorder, RoundOutcome, WorkPointsRecorder,
	WorkerRegistry,
};

use sp_core::crypto::KeyTypeId;

/// Key type of the key a worker signs its PoAI submissions with (`poai`, sr25519). Operators
/// insert it with `poai-node key insert --key-type poai --scheme sr25519`.
pub const POAI_KEY_TYPE: KeyTypeId = KeyTypeId(*b"poai");

/// The application crypto of PoAI worker keys: sr25519 under [`POAI_KEY_TYPE`].
pub mod crypto {
	use sp_application_crypto::{app_crypto, sr25519};
	app_crypto!(sr25519, super::POAI_KEY_TYPE);
}

/// The public key a worker is known by on chain.
pub type WorkerId = crypto::Public;
/// A worker's signature over a PoAI submission.
pub type WorkerSignature = crypto::Signature;

#[cfg(test)]
pub(crate) mod test_utils {
	use super::WorkerId;
	use sp_core::{sr25519, Pair};

	/// The worker key of a dev account (`//Alice`, `//Bob`, …).
	pub fn worker(name: &str) -> WorkerId {
		let pair = sr25519::Pair::from_string(&format!("//{name}"), None)
			.expect("dev seeds are valid; qed");
		WorkerId::from(pair.public())
	}

	/// A worker key made of the given raw bytes, for property tests.
	pub fn worker_from_bytes(bytes: [u8; 32]) -> WorkerId {
		WorkerId::from(sr25519::Public::from_raw(bytes))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_application_crypto::RuntimeAppPublic;
	use sp_core::{sr25519, Pair};

	#[test]
	fn worker_keys_are_sr25519_under_the_poai_key_type() {
		assert_eq!(&POAI_KEY_TYPE.0, b"poai");
		assert_eq!(<WorkerId as RuntimeAppPublic>::ID, POAI_KEY_TYPE);
		let pair = sr25519::Pair::from_string("//Alice", None).unwrap();
		let worker = WorkerId::from(pair.public());
		let signature = WorkerSignature::from(pair.sign(b"commitment"));
		assert!(worker.verify(&b"commitment", &signature));
		assert!(!worker.verify(&b"another commitment", &signature));
	}
}
