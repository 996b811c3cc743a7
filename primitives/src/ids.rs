//! Identifiers and small value types of the challenge protocol.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Identifier of a registered challenge model.
pub type ModelId = u32;

/// A round is identified by the session it is issued in: one round per session, so a round's
/// index is the session index of `pallet-session` (the same type, re-exported).
pub use sp_staking::SessionIndex;

/// Index of a sample within a round's batch (`0..n`).
pub type SampleIndex = u32;

/// A 32-byte seed: the output of a Blake2-256 derivation (see [`crate::seed`]).
pub type Seed = [u8; 32];

/// 32 bytes of on-chain randomness (BABE's epoch randomness), the root of every draw.
pub type Randomness = [u8; 32];

/// The class of hardware a worker claims to run inference on.
///
/// The class decides the batch size and the deadline of a worker's challenges, so claiming a
/// faster class than one has makes one miss deadlines.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum HardwareClass {
	/// General-purpose CPUs. The default: it promises the least.
	#[default]
	#[codec(index = 0)]
	Cpu,
	/// GPUs (or other accelerators) with a CUDA-class throughput.
	#[codec(index = 1)]
	Gpu,
}

impl HardwareClass {
	/// Every class, in encoding order; lets the runtime iterate classes without allocating.
	pub const ALL: [HardwareClass; 2] = [HardwareClass::Cpu, HardwareClass::Gpu];
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn hardware_class_encoding_is_stable() {
		// The encoding is part of the chain's storage layout: pin it.
		assert_eq!(HardwareClass::Cpu.encode(), vec![0]);
		assert_eq!(HardwareClass::Gpu.encode(), vec![1]);
		assert_eq!(HardwareClass::max_encoded_len(), 1);
		for class in HardwareClass::ALL {
			assert_eq!(HardwareClass::decode(&mut &class.encode()[..]), Ok(class));
		}
		assert!(HardwareClass::decode(&mut &[2u8][..]).is_err());
		assert_eq!(HardwareClass::default(), HardwareClass::Cpu);
	}

	#[test]
	fn hardware_class_serde_uses_variant_names() {
		assert_eq!(serde_json::to_string(&HardwareClass::Gpu).unwrap(), "\"Gpu\"");
		assert_eq!(serde_json::from_str::<HardwareClass>("\"Cpu\"").unwrap(), HardwareClass::Cpu);
	}
}
