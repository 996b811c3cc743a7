//! The description of a registered challenge model, as the model registry stores it and the
//! worker reads it.
//!
//! A model is one ONNX graph with one input tensor (generated from a seed by [`crate::input`])
//! and one float output tensor of `output_len` elements per sample, quantised with
//! `scale_bits` and compared under `tolerance`. Its work is priced by `flops_per_sample`, and
//! each hardware tier that serves it has its own batch size and commit deadline, sized so that
//! the deadline separates the tier ([`crate::tier::sizing`]).

use crate::{
	ids::TierId,
	input::{InputKind, InputSpec, InputSpecError, TensorName},
	tolerance::Tolerance,
};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::{ConstU32, H256};
use sp_runtime::BoundedVec;

/// Longest model name, in bytes.
pub const MAX_MODEL_NAME_LEN: u32 = 64;

/// Most output elements of one sample. Bounds what a reveal or a verification carries:
/// `MAX_OPENED_SAMPLES × MAX_OUTPUT_ELEMENTS × 4` bytes at most.
pub const MAX_OUTPUT_ELEMENTS: u32 = 4096;

/// Most samples one audit opens (the protocol's `k` is at most this).
pub const MAX_OPENED_SAMPLES: u32 = 16;

/// Largest batch (`n`) one challenge may ask for.
pub const MAX_BATCH_SIZE: u32 = 1 << 16;

/// Most tiers one model serves.
pub const MAX_MODEL_TIERS: u32 = 8;

/// Largest quantisation scale: `2^30` keeps every output in `[-2, 2)` representable, and
/// larger scales would overflow `i32` for ordinary activations.
pub const MAX_SCALE_BITS: u8 = 30;

/// A model's name (UTF-8).
pub type ModelName = BoundedVec<u8, ConstU32<MAX_MODEL_NAME_LEN>>;

/// One sample's quantised output.
pub type SampleOutput = BoundedVec<i32, ConstU32<MAX_OUTPUT_ELEMENTS>>;

/// The quantised outputs of the opened samples of an audit, in the order of the opened
/// indices.
pub type OpenedOutputs = BoundedVec<SampleOutput, ConstU32<MAX_OPENED_SAMPLES>>;

/// How a hardware tier runs a model: how many samples a challenge asks for and how many blocks
/// after the round starts the commitment is due.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase", deny_unknown_fields))]
pub struct TierParams {
	/// The tier these parameters are for.
	pub tier: TierId,
	/// Samples per challenge (`n`).
	pub batch_size: u32,
	/// Blocks after the round's start by which the commitment must be in.
	pub deadline_blocks: u32,
}

/// The parameters per tier a model is served with; at most one entry per tier.
pub type TierTable = BoundedVec<TierParams, ConstU32<MAX_MODEL_TIERS>>;

/// Everything the chain knows of a challenge model.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase", deny_unknown_fields))]
pub struct ModelSpec {
	/// Human-readable name, e.g. `tiny-lm-v1`.
	pub name: ModelName,
	/// Blake2-256 of the ONNX file: a node refuses a file that does not hash to this.
	pub onnx_hash: H256,
	/// The input tensor and how its values are generated.
	pub input: InputSpec,
	/// Name of the output tensor that is quantised and committed.
	pub output: TensorName,
	/// Elements of that output per sample.
	pub output_len: u32,
	/// Outputs are quantised as `round(x · 2^scale_bits)`.
	pub scale_bits: u8,
	/// How far an honest re-execution may differ.
	pub tolerance: Tolerance,
	/// Floating-point operations per sample: the price of the work in PoAI points.
	pub flops_per_sample: u64,
	/// The tiers that serve this model, with their batch sizes and deadlines.
	pub tiers: TierTable,
}

/// Why a [`ModelSpec`] cannot be registered.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ModelSpecError {
	/// The name is empty.
	EmptyName,
	/// The input spec is invalid.
	Input(InputSpecError),
	/// The output tensor name is empty.
	EmptyOutputName,
	/// `output_len` is zero or above [`MAX_OUTPUT_ELEMENTS`].
	BadOutputLength,
	/// `scale_bits` is above [`MAX_SCALE_BITS`].
	ScaleTooLarge,
	/// `flops_per_sample` is zero.
	NoWork,
	/// No hardware tier serves the model.
	NoTier,
	/// A hardware tier appears twice.
	DuplicateTier,
	/// A batch size is zero or above [`MAX_BATCH_SIZE`].
	BadBatchSize,
	/// A deadline is zero blocks.
	ZeroDeadline,
	/// An integer model (int8 input) with a quantisation scale or a tolerance: its int32
	/// outputs are compared exactly, so `scale_bits` and both tolerance bounds must be zero.
	IntegerModelNotExact,
}

impl ModelSpec {
	/// Checks the spec for everything a worker and the verdict rely on.
	pub fn validate(&self) -> Result<(), ModelSpecError> {
		if self.name.is_empty() {
			return Err(ModelSpecError::EmptyName);
		}
		self.input.validate().map_err(ModelSpecError::Input)?;
		if self.output.is_empty() {
			return Err(ModelSpecError::EmptyOutputName);
		}
		if self.output_len == 0 || self.output_len > MAX_OUTPUT_ELEMENTS {
			return Err(ModelSpecError::BadOutputLength);
		}
		if self.scale_bits > MAX_SCALE_BITS {
			return Err(ModelSpecError::ScaleTooLarge);
		}
		if self.is_integer() && (self.scale_bits != 0 || self.tolerance != Tolerance::EXACT) {
			return Err(ModelSpecError::IntegerModelNotExact);
		}
		if self.flops_per_sample == 0 {
			return Err(ModelSpecError::NoWork);
		}
		if self.tiers.is_empty() {
			return Err(ModelSpecError::NoTier);
		}
		for (position, params) in self.tiers.iter().enumerate() {
			if self.tiers.iter().skip(position + 1).any(|other| other.tier == params.tier) {
				return Err(ModelSpecError::DuplicateTier);
			}
			if params.batch_size == 0 || params.batch_size > MAX_BATCH_SIZE {
				return Err(ModelSpecError::BadBatchSize);
			}
			if params.deadline_blocks == 0 {
				return Err(ModelSpecError::ZeroDeadline);
			}
		}
		Ok(())
	}

	/// Whether this is a bit-exact integer model: int8 inputs, int8 × int8 → int32 arithmetic
	/// and int32 outputs, which every device computes identically. Its outputs are committed
	/// as they are (`scale_bits` 0) and compared exactly ([`Tolerance::EXACT`]), its
	/// `flops_per_sample` counts int8 operations, and its deadlines are sized by a tier's
	/// int8 promise ([`crate::sizing`]).
	pub fn is_integer(&self) -> bool {
		matches!(self.input.kind, InputKind::Int8 { .. })
	}

	/// How `tier` runs this model, if it serves it.
	pub fn tier_params(&self, tier: TierId) -> Option<TierParams> {
		self.tiers.iter().find(|params| params.tier == tier).copied()
	}

	/// Whether `output` has the shape of one of this model's sample outputs.
	pub fn fits_output(&self, output: &[i32]) -> bool {
		output.len() == self.output_len as usize
	}
}

/// Whether a registered model is issued in new rounds.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ModelStatus {
	/// Issued in new rounds.
	#[codec(index = 0)]
	Active,
	/// No longer issued; kept so that past rounds stay explainable.
	#[codec(index = 1)]
	Retired,
}

/// Read access to the model registry, for the challenge protocol.
pub trait ModelRegistry {
	/// The spec of model `id`, whatever its status.
	fn model(id: crate::ModelId) -> Option<ModelSpec>;
	/// The active models, in ascending id order.
	fn active_models() -> alloc::vec::Vec<crate::ModelId>;
}

/// The registry records as `models/make_models.py` writes them to `models/models.json`: the
/// [`ModelSpec`] fields in camelCase, with names as strings (the genesis presets, the worker's
/// tests and the benchmarks all read that file through this).
#[cfg(feature = "serde")]
pub mod registry_json {
	use super::*;
	use crate::input::InputKind;
	use alloc::{format, string::String, vec::Vec};

	#[derive(serde::Deserialize)]
	#[serde(rename_all = "camelCase", deny_unknown_fields)]
	struct ModelJson {
		name: String,
		onnx_hash: H256,
		input: InputJson,
		output: String,
		output_len: u32,
		scale_bits: u8,
		tolerance: Tolerance,
		flops_per_sample: u64,
		tiers: Vec<TierParams>,
	}

	#[derive(serde::Deserialize)]
	#[serde(rename_all = "camelCase", deny_unknown_fields)]
	struct InputJson {
		name: String,
		shape: Vec<u32>,
		kind: InputKind,
	}

	fn bounded<T, S: sp_core::Get<u32>>(
		value: Vec<T>,
		what: &str,
		model: &str,
	) -> Result<BoundedVec<T, S>, String> {
		BoundedVec::try_from(value).map_err(|_| format!("model `{model}`: {what} is too long"))
	}

	/// The specs in `json`, in file order (the order genesis registers them, ids 0, 1, …),
	/// each validated.
	pub fn parse(json: &str) -> Result<Vec<ModelSpec>, String> {
		let models: Vec<ModelJson> =
			serde_json::from_str(json).map_err(|e| format!("models.json: {e}"))?;
		models
			.into_iter()
			.map(|m| {
				let name = m.name.clone();
				let spec = ModelSpec {
					name: bounded(m.name.into_bytes(), "the name", &name)?,
					onnx_hash: m.onnx_hash,
					input: InputSpec {
						name: bounded(m.input.name.into_bytes(), "the input name", &name)?,
						shape: bounded(m.input.shape, "the input shape", &name)?,
						kind: m.input.kind,
					},
					output: bounded(m.output.into_bytes(), "the output name", &name)?,
					output_len: m.output_len,
					scale_bits: m.scale_bits,
					tolerance: m.tolerance,
					flops_per_sample: m.flops_per_sample,
					tiers: bounded(m.tiers, "the tier table", &name)?,
				};
				spec.validate().map_err(|e| format!("model `{name}`: {e:?}"))?;
				Ok(spec)
			})
			.collect()
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::fixtures::dense_mlp;

	fn mlp() -> ModelSpec {
		dense_mlp(64, 16)
	}

	#[test]
	fn an_integer_model_is_compared_exactly_or_refused() {
		let exact = crate::fixtures::int8_gemm(64, 16);
		assert!(exact.is_integer() && !mlp().is_integer());
		assert_eq!(exact.validate(), Ok(()));
		let scaled = ModelSpec { scale_bits: 8, ..exact.clone() };
		assert_eq!(scaled.validate(), Err(ModelSpecError::IntegerModelNotExact));
		for tolerance in [
			Tolerance { rel_l2_ppm: 1, max_abs_ppm: 0 },
			Tolerance { rel_l2_ppm: 0, max_abs_ppm: 1 },
		] {
			let tolerant = ModelSpec { tolerance, ..exact.clone() };
			assert_eq!(tolerant.validate(), Err(ModelSpecError::IntegerModelNotExact));
		}
	}

	#[test]
	fn a_good_spec_validates_and_round_trips() {
		let spec = mlp();
		assert_eq!(spec.validate(), Ok(()));
		assert_eq!(spec.tier_params(TierId(1)).map(|c| c.batch_size), Some(256));
		let encoded = spec.encode();
		assert!(encoded.len() <= ModelSpec::max_encoded_len());
		assert_eq!(ModelSpec::decode(&mut &encoded[..]), Ok(spec.clone()));
		let json = serde_json::to_string(&spec).unwrap();
		assert!(json.contains("\"outputLen\":16"), "{json}");
		assert_eq!(serde_json::from_str::<ModelSpec>(&json).unwrap(), spec);
	}

	#[test]
	fn bad_specs_are_refused_with_the_reason() {
		let broken = |edit: fn(&mut ModelSpec)| {
			let mut spec = mlp();
			edit(&mut spec);
			spec.validate()
		};
		assert_eq!(broken(|s| s.name.clear()), Err(ModelSpecError::EmptyName));
		assert_eq!(
			broken(|s| s.input.shape.clear()),
			Err(ModelSpecError::Input(InputSpecError::EmptyShape))
		);
		assert_eq!(broken(|s| s.output.clear()), Err(ModelSpecError::EmptyOutputName));
		assert_eq!(broken(|s| s.output_len = 0), Err(ModelSpecError::BadOutputLength));
		assert_eq!(
			broken(|s| s.output_len = MAX_OUTPUT_ELEMENTS + 1),
			Err(ModelSpecError::BadOutputLength)
		);
		assert_eq!(broken(|s| s.scale_bits = 31), Err(ModelSpecError::ScaleTooLarge));
		assert_eq!(broken(|s| s.flops_per_sample = 0), Err(ModelSpecError::NoWork));
		assert_eq!(broken(|s| s.tiers.clear()), Err(ModelSpecError::NoTier));
		assert_eq!(broken(|s| s.tiers[1].tier = TierId(0)), Err(ModelSpecError::DuplicateTier));
		assert_eq!(broken(|s| s.tiers[0].batch_size = 0), Err(ModelSpecError::BadBatchSize));
		assert_eq!(
			broken(|s| s.tiers[0].batch_size = MAX_BATCH_SIZE + 1),
			Err(ModelSpecError::BadBatchSize)
		);
		assert_eq!(broken(|s| s.tiers[1].deadline_blocks = 0), Err(ModelSpecError::ZeroDeadline));
	}

	#[test]
	fn opened_outputs_are_bounded() {
		assert_eq!(
			OpenedOutputs::max_encoded_len(),
			// compact lengths of the outer (≤ 16: 1 byte) and every inner (≤ 4096: 2 bytes)
			// vector, then the elements
			1 + MAX_OPENED_SAMPLES as usize * (2 + 4 * MAX_OUTPUT_ELEMENTS as usize)
		);
		assert!(!mlp().fits_output(&[0; 15]) && mlp().fits_output(&[0; 16]));
	}

	#[test]
	fn the_repository_models_json_parses_into_valid_specs() {
		let json = include_str!("../../models/models.json");
		let specs = registry_json::parse(json).unwrap();
		assert_eq!(specs.len(), 3);
		assert_eq!(&specs[0].name[..], b"tiny-lm");
		assert_eq!(
			specs[1].input.kind,
			crate::InputKind::Uniform { min_milli: -1000, max_milli: 1000 }
		);
		assert_eq!(specs[2].input.kind, crate::InputKind::Int8 { min: -128, max: 127 });
		assert!(specs[2].is_integer() && specs.iter().all(|spec| spec.validate().is_ok()));
		assert!(registry_json::parse("[{}]").is_err());
		let too_long = json.replacen("\"tiny-lm\"", &format!("\"{}\"", "x".repeat(65)), 1);
		assert!(registry_json::parse(&too_long).unwrap_err().contains("too long"));
	}
}
