//! The PoAI inference worker that runs natively inside `poai-node` (architecture §5).
//!
//! - [`engine`]: ONNX Runtime (through `ort`, loading `libonnxruntime` dynamically) with one
//!   cached session per model, CUDA when asked and available;
//! - [`challenge`]: runs a challenge's samples, quantises and commits to them, opens samples
//!   with their Merkle proofs;
//! - [`memory`]: the memory-bound challenge's working set, held in memory as far as it fits;
//! - [`task`]: the worker's loop: follows the best block, asks the runtime for the duties of
//!   the node's `poai` keys, runs them on a blocking thread and hands the results to the
//!   runtime, which signs and submits them;
//! - [`metrics`]: its Prometheus metrics;
//! - [`gadget`]: [`start_inference_worker`], what the node's service calls.
//!
//! The runtime API it calls is `poai-runtime-api`'s; the crate links no FRAME pallet.

#![warn(missing_docs)]

mod cache;
pub mod challenge;
pub mod engine;
pub mod gadget;
pub mod memory;
pub mod metrics;
pub mod task;

pub use challenge::{ChallengeOutput, Fault};
pub use engine::{Device, Engine, EngineConfig, EngineError};
pub use gadget::{start_inference_worker, InferenceWorkerParams, WorkerError};
