//! The worker's Prometheus metrics (`poai_worker_*`).

use substrate_prometheus_endpoint::{
	register, Counter, Gauge, Histogram, HistogramOpts, PrometheusError, Registry, F64, U64,
};

/// The worker's Prometheus metrics.
#[derive(Clone)]
pub struct Metrics {
	pub(crate) inference_seconds: Histogram,
	pub(crate) samples: Counter<U64>,
	pub(crate) samples_per_second: Gauge<F64>,
	pub(crate) committed: Counter<U64>,
	pub(crate) missed: Counter<U64>,
	pub(crate) audits: Counter<U64>,
	pub(crate) reveals: Counter<U64>,
	pub(crate) rejected: Counter<U64>,
	pub(crate) faults: Counter<U64>,
}

impl Metrics {
	/// Registers the metrics in `registry`.
	pub fn register(registry: &Registry) -> Result<Self, PrometheusError> {
		let counter = |name: &str, help: &str| register(Counter::new(name, help)?, registry);
		Ok(Self {
			inference_seconds: register(
				Histogram::with_opts(
					HistogramOpts::new(
						"poai_worker_inference_seconds",
						"Wall time of one challenge's or audit's inference",
					)
					.buckets(vec![0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0]),
				)?,
				registry,
			)?,
			samples: counter("poai_worker_samples_total", "Samples inferred")?,
			samples_per_second: register(
				Gauge::new(
					"poai_worker_samples_per_second",
					"Inference throughput of the last challenge",
				)?,
				registry,
			)?,
			committed: counter("poai_worker_challenges_committed_total", "Commitments submitted")?,
			missed: counter(
				"poai_worker_challenges_missed_total",
				"Challenges whose deadline passed before the worker could commit",
			)?,
			audits: counter("poai_worker_audits_total", "Verifications submitted as a verifier")?,
			reveals: counter("poai_worker_reveals_total", "Reveals of own audited challenges")?,
			rejected: counter(
				"poai_worker_submissions_rejected_total",
				"Submissions the runtime or the pool refused",
			)?,
			faults: counter(
				"poai_worker_faults_observed_total",
				"Faults (of any worker) found by the chain in the best blocks this node imported",
			)?,
		})
	}

	pub(crate) fn observe_inference(&self, samples: usize, seconds: f64) {
		self.inference_seconds.observe(seconds);
		self.samples.inc_by(samples as u64);
		if seconds > 0.0 {
			self.samples_per_second.set(samples as f64 / seconds);
		}
	}
}
