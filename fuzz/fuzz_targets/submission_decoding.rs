//! Decoding what a submission transaction carries, from arbitrary bytes, as the runtime decodes
//! a call's arguments: never a panic; whatever decodes re-encodes to the bytes it came from and
//! stays within its bounds; a model spec that decodes is validated without a panic.
#![no_main]

use codec::{Decode, DecodeLimit, Encode};
use libfuzzer_sys::fuzz_target;
use poai_primitives::{verification_digest, ModelSpec, Submission, WorkerId};

fuzz_target!(|data: &[u8]| {
	let mut input = data;
	if let Ok(submission) = Submission::decode_with_depth_limit(32, &mut input) {
		let used = data.len() - input.len();
		assert_eq!(submission.encode(), data[..used], "a submission re-encodes differently");
		let _ = submission.round();
		if let Submission::OpenVerification { round, worker, outputs, salt } = &submission {
			let digest = verification_digest(outputs, worker, *round, worker, salt);
			assert_eq!(digest, verification_digest(outputs, worker, *round, worker, salt));
		}
	}
	let mut input = data;
	if let Ok(spec) = ModelSpec::decode(&mut input) {
		let _ = spec.validate();
	}
	let mut input = data;
	let _ = WorkerId::decode(&mut input);
});
