//! The inference engine: ONNX Runtime through `ort`, one cached session per registered model.
//!
//! # The ONNX Runtime library
//!
//! `ort` is built with `load-dynamic`: nothing is linked at build time, and the shared library
//! `libonnxruntime.so` is found when the engine starts ([`find_library`]), in this order:
//!
//! 1. [`EngineConfig::ort_lib`] (the node's `--poai-ort-lib`);
//! 2. the environment variable `ORT_DYLIB_PATH`;
//! 3. the Python `onnxruntime` package that `scripts/models-env.sh` installs into the venv
//!    `$POAI_VENV` (default `$HOME/.cache/poai-venv`):
//!    `lib/python3*/site-packages/onnxruntime/capi/libonnxruntime.so.1.x.y`.
//!
//! A path given explicitly (1 or 2) must exist: the engine does not silently take another
//! library than the one an operator named. The library is loaded once per process; a later
//! engine asking for another file keeps the loaded one, with a warning.
//!
//! # Devices
//!
//! [`Device::Cpu`] runs ONNX Runtime's CPU provider with every graph optimisation
//! (`ORT_ENABLE_ALL`, the setting the reference fixtures and the tolerance calibration used).
//! [`Device::Cuda`] registers the CUDA execution provider on that GPU with **TF32 disabled**:
//! onnxruntime enables TF32 by default, and TF32 errors (up to 753 ppm, `docs/MODELS.md`) are as
//! large as fp16 inference's, far beyond the models' 100 ppm tolerance, so a TF32 worker would
//! fail its audits and a TF32 verifier would condemn honest workers.
//!
//! **Fallback policy.** When CUDA is asked for but cannot be used (the library is a CPU-only
//! build, the CUDA provider or its CUDA/cuDNN libraries fail to load, or creating a session on
//! the GPU fails), the engine falls back to the CPU and says so with a `log::warn!`, instead of
//! refusing to start. The reasoning: CPU results are within tolerance of GPU ones (both are
//! honest fp32), so a worker on the CPU stays correct; it is only slower, and a worker registered
//! in the GPU class will then miss its GPU deadlines, which the warning explains. After a
//! fallback [`Engine::device`] reports [`Device::Cpu`], so the node can show (and export) what
//! it actually runs on.
//!
//! The engine's parts: [`library`] (finding and loading ONNX Runtime), [`device`] (CPU or a
//! CUDA device, and the CUDA checks), [`model`] (model files, their graphs, running batches),
//! [`error`] (what can go wrong, in words an operator acts on).

mod device;
mod error;
mod library;
mod model;
#[cfg(test)]
mod tests;

pub use device::{Device, ParseDeviceError};
pub use error::EngineError;
pub use library::{find_library, find_library_in, DEFAULT_VENV, ORT_DYLIB_PATH, POAI_VENV};
pub use model::{model_name, model_path, read_model_file, LoadedModel, OutputRow, RunStats};

use poai_primitives::{
	generate_sample, quantise_all, InputKind, InputSpecError, ModelId, ModelSpec, SampleIndex,
	SampleInput, Seed,
};
use sp_core::H256;
use sp_runtime::traits::{BlakeTwo256, Hash as _};
use std::{
	collections::HashMap,
	ffi::OsString,
	fmt,
	path::{Path, PathBuf},
	str::FromStr,
	sync::{Arc, Mutex, MutexGuard, PoisonError},
	time::{Duration, Instant},
};

use ort::{
	environment::Environment,
	ep::{ExecutionProvider as _, CUDA},
	logging::LogLevel,
	session::{builder::GraphOptimizationLevel, Session, SessionInputValue},
	value::{TensorElementType, TensorRef, ValueType},
};

use device::{cuda_provider, cuda_usable, describe};
use error::reason;
use library::{ort_version, runtime, Runtime};
use model::check_graph;

/// Log target of the engine's messages.
const LOG_TARGET: &str = "poai-engine";

/// Log target of ONNX Runtime's own messages.
const ORT_LOG_TARGET: &str = "ort";

/// Most samples given to ONNX Runtime in one session run: bounds the memory of a run (tiny-lm's
/// 4096 outputs per sample make 16 MiB of `f32` per 1024 samples) whatever the batch size.
pub const MAX_SAMPLES_PER_RUN: usize = 1024;

/// How to build an [`Engine`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct EngineConfig {
	/// Folder holding `<model name>.onnx` for every model the node may run (`models/`).
	pub models_dir: PathBuf,
	/// The ONNX Runtime library to load; `None` looks it up (see [`find_library`]).
	pub ort_lib: Option<PathBuf>,
	/// The device asked for; see the module docs for the CUDA fallback.
	pub device: Device,
	/// Intra-op threads of CPU sessions; `None` lets ONNX Runtime choose (one per physical core).
	pub threads: Option<usize>,
	/// How far ONNX Runtime rewrites the graph before running it. Honest results must not depend
	/// on it (the tests check the registered models on every level); the node always uses
	/// [`GraphOptimization::All`].
	pub optimization: GraphOptimization,
}

/// ONNX Runtime's graph optimisation levels.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum GraphOptimization {
	/// The graph as written.
	Disabled,
	/// Semantics-preserving rewrites: constant folding, redundant node elimination.
	Basic,
	/// Basic, plus fusions of common node patterns.
	Extended,
	/// Every optimisation, layout changes included.
	#[default]
	All,
}

impl GraphOptimization {
	/// Every level, from none to all.
	pub const EVERY: [Self; 4] = [Self::Disabled, Self::Basic, Self::Extended, Self::All];

	fn level(self) -> GraphOptimizationLevel {
		match self {
			Self::Disabled => GraphOptimizationLevel::Disable,
			Self::Basic => GraphOptimizationLevel::Level1,
			Self::Extended => GraphOptimizationLevel::Level2,
			Self::All => GraphOptimizationLevel::All,
		}
	}
}

impl EngineConfig {
	/// A CPU engine over `models_dir`, with the library looked up and default threads.
	pub fn cpu(models_dir: impl Into<PathBuf>) -> Self {
		Self {
			models_dir: models_dir.into(),
			ort_lib: None,
			device: Device::Cpu,
			threads: None,
			optimization: GraphOptimization::All,
		}
	}
}

/// Locks a mutex, taking the data even if a thread panicked while holding it: every value kept
/// behind the engine's mutexes is valid between statements (a cache map, a session).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
	mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The inference engine: the loaded ONNX Runtime, the device chosen, and a cache of loaded
/// models. Shareable between threads.
pub struct Engine {
	config: EngineConfig,
	runtime: Arc<Runtime>,
	/// The device sessions are built for; [`Device::Cpu`] after a CUDA fallback.
	device: Mutex<Device>,
	/// Loaded models by id and file hash: a model re-registered with another file is loaded anew.
	models: Mutex<HashMap<(ModelId, H256), Arc<LoadedModel>>>,
}

impl fmt::Debug for Engine {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.debug_struct("Engine")
			.field("config", &self.config)
			.field("library", &self.runtime.library)
			.field("device", &self.device())
			.finish_non_exhaustive()
	}
}

impl Engine {
	/// Finds and loads ONNX Runtime and settles the device (falling back from CUDA to the CPU
	/// with a warning when CUDA cannot be used; see the module docs).
	pub fn new(config: EngineConfig) -> Result<Self, EngineError> {
		let library = find_library(config.ort_lib.as_deref())?;
		let runtime = runtime(&library)?;
		let device = match config.device {
			Device::Cpu => Device::Cpu,
			Device::Cuda(index) => match cuda_usable(&runtime, index) {
				Ok(()) => Device::Cuda(index),
				Err(why) => {
					log::warn!(
						target: LOG_TARGET,
						"CUDA device {index} was asked for but cannot be used: {why}. FALLING BACK \
						 TO THE CPU: results stay correct but are much slower, and GPU-class \
						 challenges will likely miss their deadlines",
					);
					Device::Cpu
				}
			},
		};
		log::info!(
			target: LOG_TARGET,
			"ONNX Runtime {} loaded from `{}`; running models on {}{}",
			ort_version(&runtime.library),
			runtime.library.display(),
			describe(device),
			match (device, config.threads) {
				(Device::Cpu, Some(1)) => " with 1 intra-op thread".to_owned(),
				(Device::Cpu, Some(threads)) => format!(" with {threads} intra-op threads"),
				_ => String::new(),
			},
		);
		Ok(Self { config, runtime, device: Mutex::new(device), models: Mutex::new(HashMap::new()) })
	}

	/// The device models run on now (after any fallback).
	pub fn device(&self) -> Device {
		*lock(&self.device)
	}

	/// The ONNX Runtime library loaded.
	pub fn library(&self) -> &Path {
		&self.runtime.library
	}

	/// The configuration the engine was built with (`device` is the one asked for).
	pub fn config(&self) -> &EngineConfig {
		&self.config
	}

	/// Model `id` with spec `spec`: loaded from `<models_dir>/<name>.onnx` after checking the
	/// file's Blake2-256 against `spec.onnx_hash`, or taken from the cache.
	pub fn model(&self, id: ModelId, spec: &ModelSpec) -> Result<Arc<LoadedModel>, EngineError> {
		let key = (id, spec.onnx_hash);
		if let Some(model) = lock(&self.models).get(&key) {
			return Ok(model.clone());
		}
		// Loading takes a while; other models stay available meanwhile. Two threads loading the
		// same model at once both build a session and the first one stored wins.
		let model = Arc::new(self.load(id, spec)?);
		Ok(lock(&self.models).entry(key).or_insert(model).clone())
	}

	/// Loads (and caches) every model, so that a missing or wrong file is reported at start-up
	/// rather than at the first challenge. Every model is tried; the errors of all that fail are
	/// returned together.
	pub fn verify_models(&self, models: &[(ModelId, ModelSpec)]) -> Result<(), EngineError> {
		let mut errors: Vec<EngineError> = models
			.iter()
			.filter_map(|(id, spec)| match self.model(*id, spec) {
				Ok(model) => {
					log::info!(
						target: LOG_TARGET,
						"model {id} `{}` ready on {} ({})",
						model.name(),
						model.device(),
						model.path().display(),
					);
					None
				}
				Err(error) => {
					log::error!(target: LOG_TARGET, "{error}");
					Some(error)
				}
			})
			.collect();
		match errors.len() {
			0 => Ok(()),
			1 => Err(errors.remove(0)),
			_ => Err(EngineError::Several { errors }),
		}
	}

	/// Builds the session of a model, falling back to the CPU if CUDA fails.
	fn load(&self, id: ModelId, spec: &ModelSpec) -> Result<LoadedModel, EngineError> {
		let (name, path, bytes) = read_model_file(&self.config.models_dir, id, spec)?;
		let device = self.device();
		let session = match self.session(&bytes, device) {
			Ok(session) => session,
			Err(reason) if device.is_gpu() => {
				log::warn!(
					target: LOG_TARGET,
					"model `{name}`: cannot create a session on {device} ({reason}). FALLING BACK \
					 TO THE CPU for this and every later model: results stay correct but are much \
					 slower, and GPU-class challenges will likely miss their deadlines",
				);
				*lock(&self.device) = Device::Cpu;
				self.session(&bytes, Device::Cpu).map_err(|reason| EngineError::Session {
					model: name.clone(),
					path: path.clone(),
					device: Device::Cpu,
					reason,
				})?
			}
			Err(reason) => {
				return Err(EngineError::Session { model: name, path, device, reason });
			}
		};
		let device = self.device();
		check_graph(&session, spec).map_err(|reason| EngineError::GraphMismatch {
			model: name.clone(),
			path: path.clone(),
			reason,
		})?;
		log::debug!(target: LOG_TARGET, "model {id} `{name}` loaded from `{}` on {device}", path.display());
		Ok(LoadedModel {
			id,
			name,
			path,
			onnx_hash: spec.onnx_hash,
			device,
			session: Mutex::new(session),
		})
	}

	/// A session of `bytes` on `device`.
	fn session(&self, bytes: &[u8], device: Device) -> Result<Session, String> {
		let mut builder = Session::builder(&self.runtime.environment)
			.map_err(reason)?
			.with_optimization_level(self.config.optimization.level())
			.map_err(reason)?
			// No busy-waiting between runs: the node has other work (block import, networking).
			.with_intra_op_spinning(false)
			.map_err(reason)?
			.with_inter_threads(1)
			.map_err(reason)?;
		match device {
			Device::Cpu => {
				if let Some(threads) = self.config.threads {
					builder = builder.with_intra_threads(threads).map_err(reason)?;
				}
			}
			Device::Cuda(index) => {
				builder = builder
					.with_deterministic_compute(true)
					.map_err(reason)?
					.with_execution_providers([cuda_provider(index)?])
					.map_err(reason)?;
			}
		}
		builder.commit_from_memory(bytes).map_err(reason)
	}
}
