//! Types shared by the PoAI runtime and the native inference worker.
//!
//! Everything here is `no_std`, so that the runtime (wasm) and the worker (native) use one
//! definition of every identifier and every pure function of the protocol.

#![cfg_attr(not(feature = "std"), no_std)]

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
