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

/// The kind of device a hardware tier's hardware is ([`crate::TierSpec::device`]): whether its
/// workers run inference on the CPU or on an accelerator.
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

/// Identifier of a registered hardware tier ([`crate::TierSpec`]), assigned in order from 0 by
/// the model registry.
///
/// One byte, as the two hardware classes that tiers replaced were encoded (`Cpu` = 0,
/// `Gpu` = 1): a candidate or a model table stored before tiers existed decodes as tier 0 or 1,
/// which the registry's migration registers as the CPU and the first GPU tier.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Hash,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct TierId(pub u8);

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn hardware_class_encoding_is_stable() {
		// The encoding is part of the chain's storage layout: pin it.
		assert_eq!(HardwareClass::Cpu.encode(), vec![0]);
		assert_eq!(HardwareClass::Gpu.encode(), vec![1]);
		assert_eq!(HardwareClass::max_encoded_len(), 1);
		for class in [HardwareClass::Cpu, HardwareClass::Gpu] {
			assert_eq!(HardwareClass::decode(&mut &class.encode()[..]), Ok(class));
		}
		assert!(HardwareClass::decode(&mut &[2u8][..]).is_err());
		assert_eq!(HardwareClass::default(), HardwareClass::Cpu);
	}

	#[test]
	fn tier_ids_encode_as_the_classes_they_replaced() {
		assert_eq!(TierId(0).encode(), HardwareClass::Cpu.encode());
		assert_eq!(TierId(1).encode(), HardwareClass::Gpu.encode());
		assert_eq!(TierId::max_encoded_len(), 1);
		assert_eq!(TierId::decode(&mut &[7u8][..]), Ok(TierId(7)));
		assert_eq!(serde_json::to_string(&TierId(2)).unwrap(), "2");
		assert_eq!(TierId::default(), TierId(0));
	}

	#[test]
	fn hardware_class_serde_uses_variant_names() {
		assert_eq!(serde_json::to_string(&HardwareClass::Gpu).unwrap(), "\"Gpu\"");
		assert_eq!(serde_json::from_str::<HardwareClass>("\"Cpu\"").unwrap(), HardwareClass::Cpu);
	}
}
