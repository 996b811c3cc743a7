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

/// Log target of the engine's messages.
const LOG_TARGET: &str = "poai-engine";

/// Log target of ONNX Runtime's own messages.
const ORT_LOG_TARGET: &str = "ort";

/// Most samples given to ONNX Runtime in one session run: bounds the memory of a run (tiny-lm's
/// 4096 outputs per sample make 16 MiB of `f32` per 1024 samples) whatever the batch size.
pub const MAX_SAMPLES_PER_RUN: usize = 1024;

/// Environment variable naming the ONNX Runtime library (the one `ort` itself reads).
pub const ORT_DYLIB_PATH: &str = "ORT_DYLIB_PATH";

/// Environment variable naming the Python venv of `scripts/models-env.sh`.
pub const POAI_VENV: &str = "POAI_VENV";

/// The venv of `scripts/models-env.sh` under `$HOME` when `$POAI_VENV` is not set.
pub const DEFAULT_VENV: &str = ".cache/poai-venv";

/// Where the engine runs models.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Hash)]
pub enum Device {
	/// ONNX Runtime's CPU execution provider.
	#[default]
	Cpu,
	/// The CUDA execution provider on the GPU with this index.
	Cuda(u32),
}

impl Device {
	/// Whether this is a GPU.
	pub fn is_gpu(&self) -> bool {
		matches!(self, Device::Cuda(_))
	}
}

impl fmt::Display for Device {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Device::Cpu => f.write_str("cpu"),
			Device::Cuda(index) => write!(f, "cuda:{index}"),
		}
	}
}

/// A device string that is none of `cpu`, `cuda`, `cuda:N`.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[error("unknown device `{0}`: expected `cpu`, `cuda` (GPU 0) or `cuda:N` (GPU N, e.g. `cuda:1`)")]
pub struct ParseDeviceError(pub String);

impl FromStr for Device {
	type Err = ParseDeviceError;

	/// `cpu`, `cuda` (GPU 0) or `cuda:N`; case-insensitive, surrounding spaces ignored.
	fn from_str(s: &str) -> Result<Self, Self::Err> {
		let lower = s.trim().to_ascii_lowercase();
		match lower.as_str() {
			"cpu" => Ok(Device::Cpu),
			"cuda" => Ok(Device::Cuda(0)),
			other => other
				.strip_prefix("cuda:")
				.filter(|index| !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit()))
				.and_then(|index| index.parse().ok())
				.map(Device::Cuda)
				.ok_or_else(|| ParseDeviceError(s.to_owned())),
		}
	}
}

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
}

impl EngineConfig {
	/// A CPU engine over `models_dir`, with the library looked up and default threads.
	pub fn cpu(models_dir: impl Into<PathBuf>) -> Self {
		Self { models_dir: models_dir.into(), ort_lib: None, device: Device::Cpu, threads: None }
	}
}

/// Everything that can go wrong in the engine. Each message names what an operator needs to
/// fix it: the model, the file, the hash, the library paths searched.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
	/// No ONNX Runtime library was found.
	#[error(
		"no ONNX Runtime library found; looked at:\n{}\nRun `scripts/models-env.sh` (it \
		 installs the pinned onnxruntime wheel into $HOME/.cache/poai-venv), or name the \
		 library with --poai-ort-lib or ORT_DYLIB_PATH",
		searched.iter().map(|place| format!("  - {place}")).collect::<Vec<_>>().join("\n")
	)]
	LibraryNotFound {
		/// Each place looked at, with why it did not do.
		searched: Vec<String>,
	},
	/// The ONNX Runtime library exists but could not be loaded or initialised.
	#[error("cannot load the ONNX Runtime library `{}`: {reason}", path.display())]
	LibraryLoad {
		/// The library.
		path: PathBuf,
		/// ONNX Runtime's or the loader's message.
		reason: String,
	},
	/// The spec's name is not valid UTF-8, so there is no file name for it.
	#[error(
		"model {id}: its registered name {name:?} is not UTF-8, so it has no `.onnx` file name"
	)]
	BadModelName {
		/// The model's id.
		id: ModelId,
		/// The raw name.
		name: Vec<u8>,
	},
	/// The model file is missing or unreadable.
	#[error(
		"model `{model}`: cannot read `{}` ({reason}); expected a file with blake2-256 \
		 {expected:?}: put the model's .onnx file there or point --poai-models at the folder \
		 holding it",
		path.display()
	)]
	ModelFileUnreadable {
		/// The model's name.
		model: String,
		/// The file looked for.
		path: PathBuf,
		/// The hash registered on chain.
		expected: H256,
		/// The I/O error.
		reason: String,
	},
	/// The model file is not the registered one.
	#[error(
		"model `{model}`: `{}` has blake2-256 {actual:?} but the chain registered \
		 {expected:?}: the file is corrupted or another version; replace it with the \
		 registered file",
		path.display()
	)]
	ModelHashMismatch {
		/// The model's name.
		model: String,
		/// The file.
		path: PathBuf,
		/// The hash registered on chain.
		expected: H256,
		/// The hash of the file.
		actual: H256,
	},
	/// ONNX Runtime refused to build a session for the model.
	#[error("model `{model}`: ONNX Runtime cannot load `{}` on {device}: {reason}", path.display())]
	Session {
		/// The model's name.
		model: String,
		/// The file.
		path: PathBuf,
		/// The device the session was for.
		device: Device,
		/// ONNX Runtime's message.
		reason: String,
	},
	/// The ONNX graph does not have the input or output the spec names, with the right type.
	#[error("model `{model}`: `{}` does not match its registered spec: {reason}", path.display())]
	GraphMismatch {
		/// The model's name.
		model: String,
		/// The file.
		path: PathBuf,
		/// What differs.
		reason: String,
	},
	/// A loaded model was asked to run with the spec of another model file.
	#[error(
		"model `{model}`: loaded from a file with blake2-256 {loaded:?}, asked to run with a \
		 spec registering {spec:?}; load the model for this spec with `Engine::model`"
	)]
	SpecMismatch {
		/// The model's name.
		model: String,
		/// The hash of the loaded file.
		loaded: H256,
		/// The hash in the spec given.
		spec: H256,
	},
	/// The spec's input cannot be generated.
	#[error("model `{model}`: invalid input spec: {error:?}")]
	InvalidInput {
		/// The model's name.
		model: String,
		/// Why.
		error: InputSpecError,
	},
	/// ONNX Runtime failed while running the model.
	#[error("model `{model}`: inference failed on {device}: {reason}")]
	Inference {
		/// The model's name.
		model: String,
		/// The device.
		device: Device,
		/// ONNX Runtime's message.
		reason: String,
	},
	/// The output does not have the shape the spec registers.
	#[error(
		"model `{model}`: output `{output}` has shape {shape:?} for a batch of {batch}, \
		 expected [{batch}, …] with {output_len} elements per sample"
	)]
	OutputShape {
		/// The model's name.
		model: String,
		/// The output tensor's name.
		output: String,
		/// The shape produced.
		shape: Vec<i64>,
		/// The batch size of the run.
		batch: usize,
		/// The registered elements per sample.
		output_len: u32,
	},
	/// The model produced NaN: broken model or broken hardware; the sample cannot be committed.
	#[error(
		"model `{model}`: sample {index} produced NaN (at element {position}); this points at \
		 a broken model file or faulty hardware, and the sample cannot be committed"
	)]
	NanOutput {
		/// The model's name.
		model: String,
		/// The sample.
		index: SampleIndex,
		/// The first NaN element.
		position: usize,
	},
	/// A challenge of zero samples, or beyond [`poai_primitives::MAX_BATCH_SIZE`].
	#[error("model `{model}`: a challenge of {n} samples is out of range (1..={max})")]
	BadSampleCount {
		/// The model's name.
		model: String,
		/// The count asked for.
		n: u32,
		/// The largest count allowed.
		max: u32,
	},
	/// A sample index to open is not below the number of committed samples.
	#[error("sample {index} cannot be opened: the commitment has {n} samples")]
	IndexOutOfRange {
		/// The index.
		index: SampleIndex,
		/// Number of committed samples.
		n: u32,
	},
	/// More samples to open (or verify) than a submission carries, or an output too long for one.
	#[error("{what}: {count} exceeds the limit of {max}")]
	TooLarge {
		/// What is too large.
		what: &'static str,
		/// Its size.
		count: usize,
		/// The limit.
		max: usize,
	},
	/// The thread running inference could not be started or died.
	#[error("inference thread: {0}")]
	Thread(String),
	/// Several models failed [`Engine::verify_models`].
	#[error("{} models failed to load:\n{}", errors.len(),
		errors.iter().map(|e| format!("  - {e}")).collect::<Vec<_>>().join("\n"))]
	Several {
		/// Each model's error.
		errors: Vec<EngineError>,
	},
}

/// Maps ONNX Runtime's errors (any recovery payload) to their message.
fn reason<R>(error: ort::Error<R>) -> String {
	error.to_string()
}

/// Locks a mutex, taking the data even if a thread panicked while holding it: every value kept
/// behind the engine's mutexes is valid between statements (a cache map, a session).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
	mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Finds the ONNX Runtime library from the flag, the environment and the default venv (see the
/// module docs).
pub fn find_library(flag: Option<&Path>) -> Result<PathBuf, EngineError> {
	let env = std::env::var_os(ORT_DYLIB_PATH).filter(|value| !value.is_empty());
	let venv = std::env::var_os(POAI_VENV)
		.filter(|value| !value.is_empty())
		.map(PathBuf::from)
		.or_else(|| {
			std::env::var_os("HOME").filter(|h| !h.is_empty()).map(|home| {
				let mut path = PathBuf::from(home);
				path.push(DEFAULT_VENV);
				path
			})
		});
	find_library_in(flag, env, venv.as_deref())
}

/// [`find_library`] with its inputs given: the flag, the value of `ORT_DYLIB_PATH` and the venv
/// (`None` when neither `$POAI_VENV` nor `$HOME` is set).
pub fn find_library_in(
	flag: Option<&Path>,
	env: Option<OsString>,
	venv: Option<&Path>,
) -> Result<PathBuf, EngineError> {
	let mut searched = Vec::new();
	match flag {
		Some(path) if path.is_file() => return Ok(path.to_path_buf()),
		Some(path) => {
			searched.push(format!("--poai-ort-lib {}: no such file", path.display()));
			// An explicit choice is not replaced by a guess.
			return Err(EngineError::LibraryNotFound { searched });
		}
		None => searched.push("--poai-ort-lib: not given".into()),
	}
	match env.map(PathBuf::from) {
		Some(path) if path.is_file() => return Ok(path),
		Some(path) => {
			searched.push(format!("{ORT_DYLIB_PATH}={}: no such file", path.display()));
			return Err(EngineError::LibraryNotFound { searched });
		}
		None => searched.push(format!("{ORT_DYLIB_PATH}: not set")),
	}
	let Some(venv) = venv else {
		searched.push(format!("the models venv: neither ${POAI_VENV} nor $HOME is set"));
		return Err(EngineError::LibraryNotFound { searched });
	};
	let pattern = venv.join("lib/python3*/site-packages/onnxruntime/capi/libonnxruntime.so*");
	match venv_library(venv) {
		Some(path) => Ok(path),
		None => {
			searched.push(format!("{}: no such file", pattern.display()));
			Err(EngineError::LibraryNotFound { searched })
		}
	}
}

/// The version numbers `x.y.z` of a file named `libonnxruntime.so.x.y.z` (fewer parts for
/// `libonnxruntime.so.1` or `libonnxruntime.so`), or `None` for another name.
fn library_version(name: &str) -> Option<Vec<u64>> {
	let rest = name.strip_prefix("libonnxruntime.so")?;
	if rest.is_empty() {
		return Some(Vec::new());
	}
	rest.strip_prefix('.')?.split('.').map(|part| part.parse().ok()).collect()
}

/// `<venv>/lib/python3*/site-packages/onnxruntime/capi/libonnxruntime.so*`: the real file
/// (`.so.1.x.y`, the highest version if several) before any `.so.1` / `.so` name.
fn venv_library(venv: &Path) -> Option<PathBuf> {
	let mut candidates: Vec<(Vec<u64>, PathBuf)> = Vec::new();
	for python in std::fs::read_dir(venv.join("lib")).ok()?.flatten() {
		if !python.file_name().to_string_lossy().starts_with("python3") {
			continue;
		}
		let capi = python.path().join("site-packages/onnxruntime/capi");
		let Ok(entries) = std::fs::read_dir(&capi) else { continue };
		for entry in entries.flatten() {
			let name = entry.file_name();
			let Some(version) = library_version(&name.to_string_lossy()) else { continue };
			let path = entry.path();
			if path.is_file() {
				candidates.push((version, path));
			}
		}
	}
	// Most version parts first (the real file), then the highest version.
	candidates.sort_by(|(a, _), (b, _)| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
	candidates.pop().map(|(_, path)| path)
}

/// The process's ONNX Runtime: one library, one environment.
struct Runtime {
	/// The library loaded.
	library: PathBuf,
	/// The environment every session is built in.
	environment: Environment,
}

/// Loaded once per process (`ort` allows one library and one environment per process). Only a
/// success is kept, so a failed start can be retried with another path.
static RUNTIME: Mutex<Option<Arc<Runtime>>> = Mutex::new(None);

/// Loads ONNX Runtime from `library`, or returns the runtime already loaded.
fn runtime(library: &Path) -> Result<Arc<Runtime>, EngineError> {
	let mut slot = lock(&RUNTIME);
	if let Some(runtime) = slot.as_ref() {
		if runtime.library != library {
			log::warn!(
				target: LOG_TARGET,
				"ONNX Runtime is already loaded from `{}` in this process; keeping it instead of `{}`",
				runtime.library.display(),
				library.display(),
			);
		}
		return Ok(runtime.clone());
	}
	let load_error =
		|reason: String| EngineError::LibraryLoad { path: library.to_path_buf(), reason };
	let builder = ort::init_from(library).map_err(|e| load_error(e.to_string()))?;
	let environment = builder
		.with_name("poai")
		.with_logger(Arc::new(|level, category, _id, location, message| {
			let level = match level {
				LogLevel::Verbose => log::Level::Trace,
				LogLevel::Info => log::Level::Debug,
				LogLevel::Warning => log::Level::Warn,
				LogLevel::Error | LogLevel::Fatal => log::Level::Error,
			};
			log::log!(target: ORT_LOG_TARGET, level, "[{category}] {message} ({location})");
		}))
		.build()
		.map_err(|e| load_error(reason(e)))?;
	// The logger is created at the most verbose level; formatting every verbose message would
	// cost time, so only warnings and errors are passed on.
	environment.set_log_level(LogLevel::Warning);
	let runtime = Arc::new(Runtime { library: library.to_path_buf(), environment });
	*slot = Some(runtime.clone());
	Ok(runtime)
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
			.with_optimization_level(GraphOptimizationLevel::All)
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

/// The CUDA execution provider on GPU `index`, TF32 off, failing loudly instead of silently
/// running on the CPU.
fn cuda_provider(index: u32) -> Result<ort::ep::ExecutionProviderDispatch, String> {
	let device_id = i32::try_from(index).map_err(|_| format!("GPU index {index} is too large"))?;
	Ok(CUDA::default().with_device_id(device_id).with_tf32(false).build().error_on_failure())
}

/// Why CUDA device `index` cannot be used, if it cannot: the library has no CUDA provider, or
/// registering it (which loads the provider and the CUDA libraries) fails.
fn cuda_usable(runtime: &Runtime, index: u32) -> Result<(), String> {
	match CUDA::is_available() {
		Ok(true) => {}
		Ok(false) => {
			return Err(format!(
				"the ONNX Runtime library `{}` has no CUDA execution provider (a CPU-only build; \
				 install a CUDA build, e.g. the onnxruntime-gpu wheel's library, and pass it with \
				 --poai-ort-lib)",
				runtime.library.display()
			))
		}
		Err(error) => return Err(format!("cannot list ONNX Runtime's providers: {error}")),
	}
	Session::builder(&runtime.environment)
		.map_err(reason)?
		.with_execution_providers([cuda_provider(index)?])
		.map(drop)
		.map_err(|error| format!("registering the CUDA execution provider failed: {error}"))
}

/// "cpu", or "cuda:N (TF32 off)".
fn describe(device: Device) -> String {
	match device {
		Device::Cpu => "the CPU".into(),
		Device::Cuda(_) => format!("{device} (CUDA execution provider, TF32 disabled)"),
	}
}

/// The release of the loaded ONNX Runtime: from the file name (`libonnxruntime.so.1.31.1`), else
/// the commit in its build info.
fn ort_version(library: &Path) -> String {
	let name = library.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
	if let Some(version) = library_version(&name).filter(|v| !v.is_empty()) {
		return version.iter().map(u64::to_string).collect::<Vec<_>>().join(".");
	}
	ort::info()
		.split([',', ' '])
		.find_map(|part| part.strip_prefix("git-commit-id="))
		.map(|commit| format!("(commit {commit})"))
		.unwrap_or_else(|| "(unknown version)".into())
}

/// The UTF-8 name of a spec's model.
pub fn model_name(id: ModelId, spec: &ModelSpec) -> Result<String, EngineError> {
	String::from_utf8(spec.name.to_vec())
		.map_err(|_| EngineError::BadModelName { id, name: spec.name.to_vec() })
}

/// `<models_dir>/<name>.onnx`.
pub fn model_path(
	models_dir: &Path,
	id: ModelId,
	spec: &ModelSpec,
) -> Result<PathBuf, EngineError> {
	let name = model_name(id, spec)?;
	// A name is a file name, never a path: a registered `../x` must not reach outside the folder.
	if name.is_empty() || name.contains(['/', '\\']) || name == "." || name == ".." {
		return Err(EngineError::BadModelName { id, name: spec.name.to_vec() });
	}
	Ok(models_dir.join(format!("{name}.onnx")))
}

/// Reads a model's file and checks its Blake2-256 against the spec: `(name, path, bytes)`.
pub fn read_model_file(
	models_dir: &Path,
	id: ModelId,
	spec: &ModelSpec,
) -> Result<(String, PathBuf, Vec<u8>), EngineError> {
	let name = model_name(id, spec)?;
	let path = model_path(models_dir, id, spec)?;
	let bytes = std::fs::read(&path).map_err(|error| EngineError::ModelFileUnreadable {
		model: name.clone(),
		path: path.clone(),
		expected: spec.onnx_hash,
		reason: error.to_string(),
	})?;
	let actual = BlakeTwo256::hash(&bytes);
	if actual != spec.onnx_hash {
		return Err(EngineError::ModelHashMismatch {
			model: name,
			path,
			expected: spec.onnx_hash,
			actual,
		});
	}
	Ok((name, path, bytes))
}

/// Checks that the graph has the spec's input (with the element type its kind generates) and
/// output (float).
fn check_graph(session: &Session, spec: &ModelSpec) -> Result<(), String> {
	let input_name = String::from_utf8_lossy(&spec.input.name);
	let output_name = String::from_utf8_lossy(&spec.output);
	let names = |outlets: &[ort::value::Outlet]| {
		outlets.iter().map(|o| format!("`{}`", o.name())).collect::<Vec<_>>().join(", ")
	};
	if session.inputs().len() != 1 {
		return Err(format!(
			"the graph has inputs {}, the spec one input `{input_name}`",
			names(session.inputs())
		));
	}
	let input =
		session.inputs().iter().find(|outlet| outlet.name() == input_name).ok_or_else(|| {
			format!("no input `{input_name}` (the graph has {})", names(session.inputs()))
		})?;
	let expected = match spec.input.kind {
		InputKind::Uniform { .. } => TensorElementType::Float32,
		InputKind::Tokens { .. } => TensorElementType::Int64,
	};
	match input.dtype() {
		ValueType::Tensor { ty, .. } if *ty == expected => {}
		other => {
			return Err(format!(
				"input `{input_name}` is {other:?}, expected a {expected:?} tensor"
			))
		}
	}
	let output =
		session.outputs().iter().find(|outlet| outlet.name() == output_name).ok_or_else(|| {
			format!("no output `{output_name}` (the graph has {})", names(session.outputs()))
		})?;
	match output.dtype() {
		ValueType::Tensor { ty: TensorElementType::Float32, .. } => Ok(()),
		other => Err(format!("output `{output_name}` is {other:?}, expected a Float32 tensor")),
	}
}

/// A model ready to run: its checked file and its ONNX Runtime session.
pub struct LoadedModel {
	id: ModelId,
	name: String,
	path: PathBuf,
	onnx_hash: H256,
	device: Device,
	/// `Session::run` takes `&mut`: one run at a time per model (each run uses every intra-op
	/// thread anyway).
	session: Mutex<Session>,
}

impl fmt::Debug for LoadedModel {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.debug_struct("LoadedModel")
			.field("id", &self.id)
			.field("name", &self.name)
			.field("path", &self.path)
			.field("onnx_hash", &self.onnx_hash)
			.field("device", &self.device)
			.finish_non_exhaustive()
	}
}

/// Timings of [`LoadedModel::run_each`].
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct RunStats {
	/// Time spent inside ONNX Runtime's session runs (the inference proper).
	pub inference: Duration,
	/// Samples run.
	pub samples: usize,
	/// Session runs (batches of at most [`MAX_SAMPLES_PER_RUN`]).
	pub runs: usize,
}

/// One batch's input tensor data.
enum Batch {
	Float(Vec<f32>),
	Int(Vec<i64>),
}

impl LoadedModel {
	/// The model's id.
	pub fn id(&self) -> ModelId {
		self.id
	}

	/// The model's name.
	pub fn name(&self) -> &str {
		&self.name
	}

	/// The file it was loaded from.
	pub fn path(&self) -> &Path {
		&self.path
	}

	/// Blake2-256 of that file.
	pub fn onnx_hash(&self) -> H256 {
		self.onnx_hash
	}

	/// The device its session runs on.
	pub fn device(&self) -> Device {
		self.device
	}

	/// Runs samples `indices` of the challenge with seed `seed`: one `f32` output row of
	/// `spec.output_len` elements per index, in the order of `indices`.
	pub fn run(
		&self,
		spec: &ModelSpec,
		seed: &Seed,
		indices: &[SampleIndex],
	) -> Result<Vec<Vec<f32>>, EngineError> {
		let mut rows = Vec::with_capacity(indices.len());
		self.run_each(spec, seed, indices, |_, row| {
			rows.push(row.to_vec());
			Ok(())
		})?;
		Ok(rows)
	}

	/// Runs samples `indices` and quantises each output with `spec.scale_bits`; NaN is an error.
	pub fn run_quantised(
		&self,
		spec: &ModelSpec,
		seed: &Seed,
		indices: &[SampleIndex],
	) -> Result<(Vec<Vec<i32>>, RunStats), EngineError> {
		let mut rows = Vec::with_capacity(indices.len());
		let stats = self.run_each(spec, seed, indices, |index, row| {
			rows.push(self.quantise(spec, index, row)?);
			Ok(())
		})?;
		Ok((rows, stats))
	}

	/// Quantises sample `index`'s output row, reporting NaN with the model and the sample.
	pub fn quantise(
		&self,
		spec: &ModelSpec,
		index: SampleIndex,
		row: &[f32],
	) -> Result<Vec<i32>, EngineError> {
		quantise_all(row, spec.scale_bits).map_err(|nan| EngineError::NanOutput {
			model: self.name.clone(),
			index,
			position: nan.position,
		})
	}

	/// Runs samples `indices` in batches of at most [`MAX_SAMPLES_PER_RUN`] and hands each output
	/// row to `each`, in the order of `indices`, without keeping the float outputs.
	pub fn run_each(
		&self,
		spec: &ModelSpec,
		seed: &Seed,
		indices: &[SampleIndex],
		mut each: impl FnMut(SampleIndex, &[f32]) -> Result<(), EngineError>,
	) -> Result<RunStats, EngineError> {
		if spec.onnx_hash != self.onnx_hash {
			return Err(EngineError::SpecMismatch {
				model: self.name.clone(),
				loaded: self.onnx_hash,
				spec: spec.onnx_hash,
			});
		}
		let invalid = |error| EngineError::InvalidInput { model: self.name.clone(), error };
		let per_sample = spec.input.element_count().map_err(invalid)? as usize;
		let output_len = spec.output_len as usize;
		let mut stats = RunStats::default();
		for chunk in indices.chunks(MAX_SAMPLES_PER_RUN) {
			let batch = self.generate(spec, seed, chunk, per_sample)?;
			let mut shape = Vec::with_capacity(spec.input.shape.len() + 1);
			shape.push(chunk.len() as i64);
			shape.extend(spec.input.shape.iter().map(|&d| i64::from(d)));
			let inference = |e: String| EngineError::Inference {
				model: self.name.clone(),
				device: self.device,
				reason: e,
			};
			let input: SessionInputValue<'_> = match &batch {
				Batch::Float(data) => TensorRef::from_array_view((shape, data.as_slice()))
					.map_err(|e| inference(reason(e)))?
					.into(),
				Batch::Int(data) => TensorRef::from_array_view((shape, data.as_slice()))
					.map_err(|e| inference(reason(e)))?
					.into(),
			};
			let input_name = String::from_utf8_lossy(&spec.input.name).into_owned();
			let output_name = String::from_utf8_lossy(&spec.output).into_owned();
			let mut session = lock(&self.session);
			let started = Instant::now();
			let outputs = session
				.run(vec![(std::borrow::Cow::Owned(input_name), input)])
				.map_err(|e| inference(reason(e)))?;
			stats.inference += started.elapsed();
			stats.runs += 1;
			stats.samples += chunk.len();
			let output = outputs
				.get(&output_name)
				.ok_or_else(|| inference(format!("the run returned no output `{output_name}`")))?;
			let (out_shape, data) =
				output.try_extract_tensor::<f32>().map_err(|e| inference(reason(e)))?;
			let dims: Vec<i64> = out_shape.iter().copied().collect();
			let per_row: i64 = dims.iter().skip(1).product();
			if dims.first() != Some(&(chunk.len() as i64))
				|| per_row != i64::from(spec.output_len)
				|| data.len() != chunk.len() * output_len
			{
				return Err(EngineError::OutputShape {
					model: self.name.clone(),
					output: output_name,
					shape: dims,
					batch: chunk.len(),
					output_len: spec.output_len,
				});
			}
			for (&index, row) in chunk.iter().zip(data.chunks_exact(output_len)) {
				each(index, row)?;
			}
		}
		Ok(stats)
	}

	/// Generates and stacks the inputs of `chunk`.
	fn generate(
		&self,
		spec: &ModelSpec,
		seed: &Seed,
		chunk: &[SampleIndex],
		per_sample: usize,
	) -> Result<Batch, EngineError> {
		let invalid = |error| EngineError::InvalidInput { model: self.name.clone(), error };
		let mut batch = match spec.input.kind {
			InputKind::Uniform { .. } => Batch::Float(Vec::with_capacity(chunk.len() * per_sample)),
			InputKind::Tokens { .. } => Batch::Int(Vec::with_capacity(chunk.len() * per_sample)),
		};
		for &index in chunk {
			let sample = generate_sample(&spec.input, seed, index).map_err(invalid)?;
			match (&mut batch, &sample) {
				(Batch::Float(data), SampleInput::Uniform { .. }) => {
					data.extend(sample.to_f32().unwrap_or_default())
				}
				(Batch::Int(data), SampleInput::Tokens { ids }) => data.extend_from_slice(ids),
				// The generator follows the spec's kind, which chose the batch's type.
				_ => return Err(invalid(InputSpecError::EmptyShape)),
			}
		}
		Ok(batch)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn devices_parse() {
		assert_eq!("cpu".parse(), Ok(Device::Cpu));
		assert_eq!(" CPU ".parse(), Ok(Device::Cpu));
		assert_eq!("cuda".parse(), Ok(Device::Cuda(0)));
		assert_eq!("cuda:0".parse(), Ok(Device::Cuda(0)));
		assert_eq!("CUDA:3".parse(), Ok(Device::Cuda(3)));
		for bad in [
			"",
			"gpu",
			"cuda:",
			"cuda:-1",
			"cuda:+1",
			"cuda:x",
			"cuda:1:2",
			"cuda 1",
			"cuda:99999999999",
		] {
			let error = bad.parse::<Device>().unwrap_err();
			assert_eq!(error, ParseDeviceError(bad.to_owned()));
			assert!(error.to_string().contains("expected `cpu`, `cuda`"), "{error}");
		}
		for device in [Device::Cpu, Device::Cuda(0), Device::Cuda(7)] {
			assert_eq!(device.to_string().parse(), Ok(device));
		}
	}

	#[test]
	fn library_versions_are_read_from_names() {
		assert_eq!(library_version("libonnxruntime.so.1.31.1"), Some(vec![1, 31, 1]));
		assert_eq!(library_version("libonnxruntime.so.1"), Some(vec![1]));
		assert_eq!(library_version("libonnxruntime.so"), Some(vec![]));
		assert_eq!(library_version("libonnxruntime_providers_shared.so"), None);
		assert_eq!(library_version("libonnxruntime.so.1.x"), None);
	}

	/// A fresh folder under the system's temporary directory.
	fn scratch(name: &str) -> PathBuf {
		let dir = std::env::temp_dir().join(format!("poai-engine-{name}-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&dir);
		std::fs::create_dir_all(&dir).unwrap();
		dir
	}

	#[test]
	fn the_venv_library_is_the_real_versioned_file() {
		let venv = scratch("venv");
		let capi = venv.join("lib/python3.12/site-packages/onnxruntime/capi");
		std::fs::create_dir_all(&capi).unwrap();
		assert_eq!(venv_library(&venv), None);
		for name in [
			"libonnxruntime_providers_shared.so",
			"libonnxruntime.so",
			"libonnxruntime.so.1.9.0",
			"libonnxruntime.so.1.31.1",
		] {
			std::fs::write(capi.join(name), b"").unwrap();
		}
		assert_eq!(venv_library(&venv), Some(capi.join("libonnxruntime.so.1.31.1")));
		assert_eq!(
			find_library_in(None, None, Some(&venv)).unwrap(),
			capi.join("libonnxruntime.so.1.31.1")
		);
		// The flag, then the environment, come first.
		let flag = capi.join("libonnxruntime.so.1.9.0");
		assert_eq!(find_library_in(Some(&flag), None, Some(&venv)).unwrap(), flag);
		assert_eq!(find_library_in(None, Some(flag.clone().into()), Some(&venv)).unwrap(), flag);
		std::fs::remove_dir_all(&venv).unwrap();
	}

	#[test]
	fn a_missing_library_lists_where_it_looked() {
		let venv = scratch("empty-venv");
		let message = find_library_in(None, None, Some(&venv)).unwrap_err().to_string();
		assert!(message.contains("no ONNX Runtime library found"), "{message}");
		assert!(message.contains("--poai-ort-lib: not given"), "{message}");
		assert!(message.contains("ORT_DYLIB_PATH: not set"), "{message}");
		assert!(
			message.contains(&format!(
				"{}/lib/python3*/site-packages/onnxruntime/capi/libonnxruntime.so*: no such file",
				venv.display()
			)),
			"{message}"
		);
		assert!(message.contains("scripts/models-env.sh"), "{message}");
		// An explicit path that does not exist is an error, not a reason to look elsewhere.
		let message = find_library_in(Some(Path::new("/nowhere/libonnxruntime.so")), None, None)
			.unwrap_err()
			.to_string();
		assert!(
			message.contains("--poai-ort-lib /nowhere/libonnxruntime.so: no such file"),
			"{message}"
		);
		let message = find_library_in(None, Some("/nowhere/lib.so".into()), Some(&venv))
			.unwrap_err()
			.to_string();
		assert!(message.contains("ORT_DYLIB_PATH=/nowhere/lib.so: no such file"), "{message}");
		assert!(!message.contains("python3*"), "{message}");
		let message = find_library_in(None, None, None).unwrap_err().to_string();
		assert!(message.contains("neither $POAI_VENV nor $HOME is set"), "{message}");
		std::fs::remove_dir_all(&venv).unwrap();
	}
}
