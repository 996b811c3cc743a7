//! Model specs for tests and benchmarks (feature `test-utils`): one definition that the
//! primitives', pallets' and worker's tests and the benchmarks derive theirs from, with struct
//! update syntax (`ModelSpec { output_len: 4096, ..dense_mlp(8, 4) }`).

use crate::{
	HardwareClass, InputKind, InputSpec, ModelName, ModelSpec, Shape, TensorName, TierId, TierName,
	TierParams, TierSpec, TierTable, Tolerance,
};
use alloc::vec::Vec;
use sp_core::H256;

/// A dense layer of `inputs` uniform inputs in [-1, 1] to `outputs` outputs (`x` → `y`, 16
/// scale bits, the tolerance of the registered float models), served by tier 0 at batch 32 and
/// tier 1 at batch 256, both with a 6-block deadline ([`test_tiers`] are sized for it).
pub fn dense_mlp(inputs: u32, outputs: u32) -> ModelSpec {
	ModelSpec {
		name: ModelName::truncate_from(b"dense-mlp".to_vec()),
		onnx_hash: H256::repeat_byte(7),
		input: InputSpec {
			name: TensorName::truncate_from(b"x".to_vec()),
			shape: Shape::truncate_from(alloc::vec![inputs]),
			kind: InputKind::Uniform { min_milli: -1000, max_milli: 1000 },
		},
		output: TensorName::truncate_from(b"y".to_vec()),
		output_len: outputs,
		scale_bits: 16,
		tolerance: Tolerance { rel_l2_ppm: 3000, max_abs_ppm: 50_000 },
		flops_per_sample: u64::from(inputs) * u64::from(outputs) * 2,
		tiers: tiers(&[(TierId(0), 32, 6), (TierId(1), 256, 6)]),
	}
}

/// A bit-exact integer model: `inputs` int8 values in [-128, 127] through one int8 × int8 →
/// int32 layer of `outputs` outputs (`q` → `acc`), compared exactly; served by tier 0 at batch
/// 32 with a 6-block deadline.
pub fn int8_gemm(inputs: u32, outputs: u32) -> ModelSpec {
	let mlp = dense_mlp(inputs, outputs);
	ModelSpec {
		name: ModelName::truncate_from(b"int8-gemm".to_vec()),
		onnx_hash: H256::repeat_byte(8),
		input: InputSpec {
			name: TensorName::truncate_from(b"q".to_vec()),
			kind: InputKind::Int8 { min: i8::MIN, max: i8::MAX },
			..mlp.input.clone()
		},
		output: TensorName::truncate_from(b"acc".to_vec()),
		scale_bits: 0,
		tolerance: Tolerance::EXACT,
		tiers: tiers(&[(TierId(0), 32, 6)]),
		..mlp
	}
}

/// The tier table of `(tier, batch size, deadline in blocks)` triples.
pub fn tiers(table: &[(TierId, u32, u32)]) -> TierTable {
	TierTable::truncate_from(
		table
			.iter()
			.map(|&(tier, batch_size, deadline_blocks)| TierParams {
				tier,
				batch_size,
				deadline_blocks,
			})
			.collect::<Vec<_>>(),
	)
}

/// The tier table serving tiers 0 and 1 with the same batch size and deadline.
pub fn every_tier(batch_size: u32, deadline_blocks: u32) -> TierTable {
	tiers(&[(TierId(0), batch_size, deadline_blocks), (TierId(1), batch_size, deadline_blocks)])
}

/// Two tiers for mock chains with 3-second blocks, promising so little that the tables of
/// [`dense_mlp`]`(64, 16)` separate them: tier 0 computes its 32-sample batch (65,536 FLOPs)
/// in 3.3 s and tier 1 its 256-sample batch in 3.3 s, of an 18-second deadline.
pub fn test_tiers() -> Vec<TierSpec> {
	let tier = |name: &[u8], device, fp32_flops| TierSpec {
		name: TierName::truncate_from(name.to_vec()),
		device,
		fp32_flops,
		int8_ops: 0,
		memory_bytes: 1 << 30,
	};
	alloc::vec![
		tier(b"test-cpu", HardwareClass::Cpu, 20_000),
		tier(b"test-gpu", HardwareClass::Gpu, 160_000)
	]
}
