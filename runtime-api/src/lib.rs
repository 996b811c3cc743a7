//! The runtime API of the PoAI challenge protocol: what the node's inference worker asks the
//! runtime, and how it hands its results back.
//!
//! A crate of its own, so that the worker (and any other client) links `sp-api` and the
//! protocol's primitives but no FRAME pallet; the runtime implements it with
//! `pallet-poai-challenges`.

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

use codec::Codec;
use poai_primitives::{Duties, ModelId, ModelSpec, Submission, SubmitError, WorkerId};

sp_api::decl_runtime_apis! {
	/// What a worker owes and how it hands its results back.
	///
	/// Version 2 added [`PoaiChallengesApi::faults`]; a client checks the version a block's
	/// runtime implements before calling it.
	#[api_version(2)]
	pub trait PoaiChallengesApi<BlockNumber: Codec> {
		/// The duties of the worker with `key` at this block: challenges to run and commit,
		/// audits of others to verify, own audits to reveal.
		fn duties(key: WorkerId) -> Duties<BlockNumber>;

		/// The registered spec of `model`, whatever its status.
		fn model(model: ModelId) -> Option<ModelSpec>;

		/// Signs `submission` with `key` from the node's keystore and submits it to the
		/// transaction pool. Call it with the keystore and transaction-pool extensions
		/// registered, as for an off-chain worker.
		fn submit(key: WorkerId, submission: Submission) -> Result<(), SubmitError>;

		/// The faults (`Faulted` verdicts) this block recorded, of any worker.
		#[api_version(2)]
		fn faults() -> u32;
	}
}
