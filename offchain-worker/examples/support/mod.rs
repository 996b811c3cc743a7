//! What the benchmark examples and the engine tests share: the registered models and a stderr
//! logger.

use poai_offchain_worker::{
	challenge::{run_challenge, sample_outputs, ChallengeOutput, Fault},
	engine::LoadedModel,
};
use poai_primitives::{model::registry_json, ModelId, ModelSpec, SampleIndex, Seed};
use std::path::Path;

/// The registered models with ids 0, 1, … in file order (as genesis registers them).
pub fn models(dir: &Path) -> Result<Vec<(ModelId, ModelSpec)>, String> {
	let path = dir.join("models.json");
	let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
	Ok((0..).zip(registry_json::parse(&text)?).collect())
}

/// A challenge run as a worker simulating `fault` runs it, and every one of its sample outputs,
/// checked to be exactly what the commitment's leaves hash (a worker keeps only the leaves).
#[allow(dead_code)] // Not every example and test that shares this module audits whole challenges.
pub fn committed(
	model: &LoadedModel,
	spec: &ModelSpec,
	seed: &Seed,
	n: u32,
	fault: Option<Fault>,
) -> Result<(ChallengeOutput, Vec<Vec<i32>>), String> {
	let challenge = run_challenge(model, spec, seed, n, fault).map_err(|e| e.to_string())?;
	let all: Vec<SampleIndex> = (0..n).collect();
	let outputs = sample_outputs(model, spec, seed, &all, fault).map_err(|e| e.to_string())?;
	if poai_primitives::leaves(&outputs) != challenge.leaves {
		return Err(format!("the commitment ({fault:?}) does not hash the challenge's outputs"));
	}
	Ok((challenge, outputs))
}

/// Writes the engine's log records (info and above) to stderr, so that a CUDA fallback shows.
struct StderrLogger;

impl log::Log for StderrLogger {
	fn enabled(&self, metadata: &log::Metadata) -> bool {
		metadata.level() <= log::Level::Info
	}

	fn log(&self, record: &log::Record) {
		if self.enabled(record.metadata()) {
			eprintln!("[{} {}] {}", record.level(), record.target(), record.args());
		}
	}

	fn flush(&self) {}
}

static LOGGER: StderrLogger = StderrLogger;

/// Sends log records of level info and above to stderr.
pub fn log_to_stderr() {
	// Ignored if a logger is already set (it cannot be: this is the only place that sets one).
	let _ = log::set_logger(&LOGGER);
	log::set_max_level(log::LevelFilter::Info);
}
