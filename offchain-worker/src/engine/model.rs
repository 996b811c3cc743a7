//! Model files (named, found and checked against their registered hash), their graphs, and
//! running a batch of samples through a loaded model.

use super::*;

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
/// output (float, or int32 for an integer model).
pub(super) fn check_graph(session: &Session, spec: &ModelSpec) -> Result<(), String> {
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
		InputKind::Int8 { .. } => TensorElementType::Int8,
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
	let expected =
		if spec.is_integer() { TensorElementType::Int32 } else { TensorElementType::Float32 };
	match output.dtype() {
		ValueType::Tensor { ty, .. } if *ty == expected => Ok(()),
		other => {
			Err(format!("output `{output_name}` is {other:?}, expected a {expected:?} tensor"))
		}
	}
}

/// Outputs as the graph produced them (one sample's row, or a whole run's before it is split
/// into rows): floats, quantised before they are committed, or an integer model's int32
/// values, committed as they are.
#[derive(Clone, Copy, Debug)]
pub enum OutputRow<'a> {
	/// A float model's output.
	Float(&'a [f32]),
	/// An integer model's output.
	Int(&'a [i32]),
}

impl<'a> OutputRow<'a> {
	/// Row `position` of a batch's output with rows of `len` elements, if there is one.
	pub fn row(&self, position: usize, len: usize) -> Option<OutputRow<'a>> {
		let range = position.checked_mul(len)?..position.checked_add(1)?.checked_mul(len)?;
		match self {
			OutputRow::Float(data) => data.get(range).map(OutputRow::Float),
			OutputRow::Int(data) => data.get(range).map(OutputRow::Int),
		}
	}

	/// Number of elements.
	pub fn len(&self) -> usize {
		match self {
			OutputRow::Float(row) => row.len(),
			OutputRow::Int(row) => row.len(),
		}
	}

	/// Whether there is no element (never, for a checked model).
	pub fn is_empty(&self) -> bool {
		self.len() == 0
	}
}

/// A model ready to run: its checked file and its ONNX Runtime session.
pub struct LoadedModel {
	pub(super) id: ModelId,
	pub(super) name: String,
	pub(super) path: PathBuf,
	pub(super) onnx_hash: H256,
	pub(super) device: Device,
	/// `Session::run` takes `&mut`: one run at a time per model (each run uses every intra-op
	/// thread anyway).
	pub(super) session: Mutex<Session>,
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
pub(super) enum Batch {
	Float(Vec<f32>),
	Int(Vec<i64>),
	Int8(Vec<i8>),
}

/// Threads that generate one batch's inputs.
const GENERATION_THREADS: usize = 8;

/// Fewer samples than this are generated on one thread: a thread costs more than they do.
const MIN_SAMPLES_PER_THREAD: usize = 64;

impl Batch {
	/// An empty batch of `kind`'s element type, with room for `capacity` elements.
	fn empty(kind: &InputKind, capacity: usize) -> Self {
		match kind {
			InputKind::Uniform { .. } => Batch::Float(Vec::with_capacity(capacity)),
			InputKind::Tokens { .. } => Batch::Int(Vec::with_capacity(capacity)),
			InputKind::Int8 { .. } => Batch::Int8(Vec::with_capacity(capacity)),
		}
	}

	/// Appends `other`'s elements; `false` (nothing appended) when its element type differs.
	fn append(&mut self, other: Batch) -> bool {
		match (self, other) {
			(Batch::Float(data), Batch::Float(more)) => data.extend(more),
			(Batch::Int(data), Batch::Int(more)) => data.extend(more),
			(Batch::Int8(data), Batch::Int8(more)) => data.extend(more),
			_ => return false,
		}
		true
	}
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

	/// Runs samples `indices` of a float model's challenge with seed `seed`: one `f32` output
	/// row of `spec.output_len` elements per index, in the order of `indices`. An integer
	/// model's outputs are read exactly with [`Self::run_quantised`].
	pub fn run(
		&self,
		spec: &ModelSpec,
		seed: &Seed,
		indices: &[SampleIndex],
	) -> Result<Vec<Vec<f32>>, EngineError> {
		let mut rows = Vec::with_capacity(indices.len());
		self.run_each(spec, seed, indices, |_, row| match row {
			OutputRow::Float(row) => {
				rows.push(row.to_vec());
				Ok(())
			}
			OutputRow::Int(_) => Err(EngineError::Inference {
				model: self.name.clone(),
				device: self.device,
				reason: "an integer model's outputs are int32: read them with run_quantised".into(),
			}),
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

	/// Quantises sample `index`'s output row, reporting NaN with the model and the sample; an
	/// integer model's row is already what is committed.
	pub fn quantise(
		&self,
		spec: &ModelSpec,
		index: SampleIndex,
		row: OutputRow<'_>,
	) -> Result<Vec<i32>, EngineError> {
		match row {
			OutputRow::Float(row) => quantise_all(row, spec.scale_bits).map_err(|nan| {
				EngineError::NanOutput { model: self.name.clone(), index, position: nan.position }
			}),
			OutputRow::Int(row) => Ok(row.to_vec()),
		}
	}

	/// Runs samples `indices` in batches of at most [`MAX_SAMPLES_PER_RUN`] and hands each output
	/// row to `each`, in the order of `indices`, without keeping the raw outputs.
	pub fn run_each(
		&self,
		spec: &ModelSpec,
		seed: &Seed,
		indices: &[SampleIndex],
		mut each: impl FnMut(SampleIndex, OutputRow<'_>) -> Result<(), EngineError>,
	) -> Result<RunStats, EngineError> {
		let output_len = spec.output_len as usize;
		self.run_batches(spec, seed, indices, |batch, data| {
			for (position, &index) in batch.iter().enumerate() {
				// `run_batches` checked the output's length against the batch.
				if let Some(row) = data.row(position, output_len) {
					each(index, row)?;
				}
			}
			Ok(())
		})
	}

	/// Runs samples `indices` in batches of at most [`MAX_SAMPLES_PER_RUN`] and hands each batch
	/// (its sample indices, and its output: `output_len` elements a sample, in the batch's
	/// order) to `each`, in the order of `indices`.
	pub fn run_batches(
		&self,
		spec: &ModelSpec,
		seed: &Seed,
		indices: &[SampleIndex],
		mut each: impl FnMut(&[SampleIndex], OutputRow<'_>) -> Result<(), EngineError>,
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
				Batch::Int8(data) => TensorRef::from_array_view((shape, data.as_slice()))
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
			let (out_shape, data) = if spec.is_integer() {
				let (shape, data) =
					output.try_extract_tensor::<i32>().map_err(|e| inference(reason(e)))?;
				(shape, OutputRow::Int(data))
			} else {
				let (shape, data) =
					output.try_extract_tensor::<f32>().map_err(|e| inference(reason(e)))?;
				(shape, OutputRow::Float(data))
			};
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
			each(chunk, data)?;
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
		// Every sample's inputs come from its own seed, so the chunk splits over threads; on a
		// GPU the host would otherwise generate while the device waits.
		let per_thread = chunk.len().div_ceil(GENERATION_THREADS).max(MIN_SAMPLES_PER_THREAD);
		if chunk.len() <= per_thread {
			return self.generate_part(spec, seed, chunk, per_sample);
		}
		let batches = std::thread::scope(|scope| {
			let workers: Vec<_> = chunk
				.chunks(per_thread)
				.map(|part| scope.spawn(move || self.generate_part(spec, seed, part, per_sample)))
				.collect();
			workers
				.into_iter()
				.map(|worker| {
					worker
						.join()
						.map_err(|_| EngineError::Thread("input generation panicked".into()))?
				})
				.collect::<Result<Vec<Batch>, EngineError>>()
		})?;
		let mut batches = batches.into_iter();
		let mut batch = batches.next().unwrap_or_else(|| Batch::empty(&spec.input.kind, 0));
		for part in batches {
			// Every part follows the spec's kind, so their types agree.
			if !batch.append(part) {
				let error = InputSpecError::EmptyShape;
				return Err(EngineError::InvalidInput { model: self.name.clone(), error });
			}
		}
		Ok(batch)
	}

	/// The inputs of `part`, in order.
	fn generate_part(
		&self,
		spec: &ModelSpec,
		seed: &Seed,
		part: &[SampleIndex],
		per_sample: usize,
	) -> Result<Batch, EngineError> {
		let invalid = |error| EngineError::InvalidInput { model: self.name.clone(), error };
		let mut batch = Batch::empty(&spec.input.kind, part.len() * per_sample);
		for &index in part {
			let sample = generate_sample(&spec.input, seed, index).map_err(invalid)?;
			match (&mut batch, &sample) {
				(Batch::Float(data), SampleInput::Uniform { .. }) => {
					data.extend(sample.to_f32().unwrap_or_default())
				}
				(Batch::Int(data), SampleInput::Tokens { ids }) => data.extend_from_slice(ids),
				(Batch::Int8(data), SampleInput::Int8 { values }) => data.extend_from_slice(values),
				// The generator follows the spec's kind, which chose the batch's type.
				_ => return Err(invalid(InputSpecError::EmptyShape)),
			}
		}
		Ok(batch)
	}
}
