//! The runtime API the node's inference worker uses.

use codec::Codec;
use poai_primitives::{Duties, ModelId, ModelSpec, Submission, SubmitError, WorkerId};

sp_api::decl_runtime_apis! {
	/// What a worker owes and how it hands its results back.
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
	}
}
