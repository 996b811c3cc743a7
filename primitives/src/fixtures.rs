//! Model specs for tests and benchmarks (feature `test-utils`): one definition that the
//! primitives', pallets' and worker's tests and the benchmarks derive theirs from, with struct
//! update syntax (`ModelSpec { output_len: 4096, ..dense_mlp(8, 4) }`).

use crate::{
	ClassParams, ClassTable, HardwareClass, InputKind, InputSpec, ModelName, ModelSpec, Shape,
	TensorName, Tolerance,
};
use alloc::vec::Vec;
use sp_core::H256;

/// A dense layer of `inputs` uniform inputs in [-1, 1] to `outputs` outputs (`x` → `y`, 16
/// scale bits, the tolerance of the registered float models), served by the CPU class at batch
/// 32 and the GPU class at batch 256, both with a 6-block deadline.
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
		classes: classes(&[(HardwareClass::Cpu, 32, 6), (HardwareClass::Gpu, 256, 6)]),
	}
}

/// The class table of `(class, batch size, deadline in blocks)` triples.
pub fn classes(table: &[(HardwareClass, u32, u32)]) -> ClassTable {
	ClassTable::truncate_from(
		table
			.iter()
			.map(|&(class, batch_size, deadline_blocks)| ClassParams {
				class,
				batch_size,
				deadline_blocks,
			})
			.collect::<Vec<_>>(),
	)
}

/// The class table serving every class with the same batch size and deadline.
pub fn every_class(batch_size: u32, deadline_blocks: u32) -> ClassTable {
	let table: Vec<_> =
		HardwareClass::ALL.iter().map(|&class| (class, batch_size, deadline_blocks)).collect();
	classes(&table)
}
