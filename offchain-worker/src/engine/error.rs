//! What can go wrong in the engine.

use super::*;

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
	/// Running sample `index` again did not give the output its committed leaf hashes, so it
	/// cannot be opened (the engine is not deterministic on this machine, or the model changed).
	#[error(
		"sample {index} cannot be opened: running it again did not give the output the \
		 commitment hashed (is the engine deterministic here? was the model file replaced?)"
	)]
	NotReproduced {
		/// The index.
		index: SampleIndex,
	},
	/// A challenge was given up between two batches: its commit deadline had passed, so no
	/// commitment could be accepted any more.
	#[error(
		"model `{model}`: gave up after {done} of {total} samples: the commit deadline passed"
	)]
	Abandoned {
		/// The model's name.
		model: String,
		/// Samples run.
		done: usize,
		/// Samples to run.
		total: usize,
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
pub(super) fn reason<R>(error: ort::Error<R>) -> String {
	error.to_string()
}
