//! The fault model: the misbehaviours a testnet worker simulates (`--poai-simulate-fault`) and
//! the pallet tests replay, defined once so that both fake exactly the same outputs.
//!
//! A fault decides, per sample, whether the worker runs the model (on the challenge's input, or
//! on another seed's for [`Fault::WrongModel`]) or makes the output up ([`fake_output`]). Every
//! choice is a deterministic function of the challenge seed, so a test can recompute what a
//! faulty node committed to, and colluding faulty nodes agree with each other without talking.
//! Never simulate a fault on a real network: faked outputs fail audits and get the node slashed.

use crate::{ModelSpec, SampleIndex, Seed, SeedRng};
use alloc::vec::Vec;
use codec::Encode;
use sp_io::hashing::blake2_256;

/// Tag of the stream deciding which samples [`Fault::Partial`] fakes.
const FAULT_TAG: [u8; 10] = *b"poai/fault";
/// Tag of the stream of fake output values.
const FAKE_TAG: [u8; 9] = *b"poai/fake";
/// Tag of the seed [`Fault::WrongModel`] generates its inputs from.
const WRONG_TAG: [u8; 10] = *b"poai/wrong";

/// A misbehaviour a testnet worker simulates, to exercise audits, verdicts and slashing.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Fault {
	/// A lazy worker: random outputs of plausible magnitude, no inference at all (`random`).
	RandomOutputs,
	/// Fakes this many thousandths of the samples (chosen from the seed) and runs the rest
	/// (`partial:F`, `F` a fraction in `[0, 1]`, e.g. `partial:0.25`).
	Partial {
		/// Faked samples per thousand.
		per_mille: u32,
	},
	/// Runs a wrong computation: the model on inputs from another seed, so that every output is
	/// a real model output, of the wrong sample (`wrong-model`).
	WrongModel,
	/// Commits honestly but never reveals (`skip-reveal`; the worker task acts on it).
	SkipReveal,
	/// Commits honestly but after the deadline (`late-commit`; the worker task acts on it).
	LateCommit,
	/// Works honestly, but as a verifier submits made-up outputs for every audited sample —
	/// the same ones a `random` worker commits to (`framing-verifier`): it votes to fail honest
	/// workers and to pass `random` cheaters, colluding with them.
	FramingVerifier,
}

/// The faults a node can be told to simulate, as they are spelled on the command line.
pub const FAULT_NAMES: &str = "`random`, `partial:F` with F a fraction in [0, 1] (e.g. \
	`partial:0.25`), `wrong-model`, `skip-reveal`, `late-commit` or `framing-verifier`";

impl Fault {
	/// Whether the fault changes the committed outputs; the others change what the worker task
	/// does with honest outputs.
	pub fn fakes_outputs(&self) -> bool {
		match self {
			Fault::RandomOutputs | Fault::WrongModel => true,
			Fault::Partial { per_mille } => *per_mille > 0,
			Fault::SkipReveal | Fault::LateCommit | Fault::FramingVerifier => false,
		}
	}

	/// The fault as it applies to this node's verifications: a `framing-verifier` makes its
	/// outputs up as a `random` worker does; every other fault makes a verifier as dishonest as
	/// it makes a worker.
	pub fn as_verifier(self) -> Fault {
		match self {
			Fault::FramingVerifier => Fault::RandomOutputs,
			other => other,
		}
	}

	/// Whether sample `index` of the challenge with seed `seed` is made up ([`fake_output`])
	/// instead of run: every sample for `RandomOutputs`, a deterministic `per_mille / 1000` of
	/// them for `Partial`, none otherwise (`WrongModel` runs every sample, on the wrong input).
	pub fn fakes_sample(&self, seed: &Seed, index: SampleIndex) -> bool {
		match self {
			Fault::RandomOutputs => true,
			Fault::Partial { per_mille } => {
				let mut rng = SeedRng::new((FAULT_TAG, seed, index).using_encoded(blake2_256));
				rng.below(1000) < *per_mille
			}
			Fault::WrongModel | Fault::SkipReveal | Fault::LateCommit | Fault::FramingVerifier => {
				false
			}
		}
	}

	/// The seed whose inputs the samples that are run are run on: another seed's for
	/// `WrongModel`, the challenge's own otherwise.
	pub fn input_seed(&self, seed: &Seed) -> Seed {
		match self {
			Fault::WrongModel => (WRONG_TAG, seed).using_encoded(blake2_256),
			_ => *seed,
		}
	}
}

/// A fake output for sample `index`: `output_len` values uniform in ±2.0 real units (the
/// magnitude of the registered models' outputs), deterministic from the seed.
pub fn fake_output(spec: &ModelSpec, seed: &Seed, index: SampleIndex) -> Vec<i32> {
	let mut rng = SeedRng::new((FAKE_TAG, seed, index).using_encoded(blake2_256));
	// 2.0 · 2^scale_bits, capped to the i32 range.
	let bound = 1i64
		.checked_shl(u32::from(spec.scale_bits) + 1)
		.unwrap_or(i64::MAX)
		.min(i64::from(i32::MAX));
	// 2·bound + 1 ≤ 2^32 − 1: values in [−bound, bound].
	let span = u32::try_from(2 * bound + 1).unwrap_or(u32::MAX);
	(0..spec.output_len)
		.map(|_| {
			let value = i64::from(rng.below(span)) - bound;
			i32::try_from(value).unwrap_or(0)
		})
		.collect()
}

/// A fault string that is none of those [`Fault`] documents.
#[cfg(feature = "std")]
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ParseFaultError(pub alloc::string::String);

#[cfg(feature = "std")]
impl core::fmt::Display for ParseFaultError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		write!(f, "unknown fault `{}`: expected {FAULT_NAMES}", self.0)
	}
}

#[cfg(feature = "std")]
impl std::error::Error for ParseFaultError {}

#[cfg(feature = "std")]
impl core::str::FromStr for Fault {
	type Err = ParseFaultError;

	fn from_str(s: &str) -> Result<Self, Self::Err> {
		let error = || ParseFaultError(s.to_owned());
		let lower = s.trim().to_ascii_lowercase();
		Ok(match lower.as_str() {
			"random" => Fault::RandomOutputs,
			"wrong-model" => Fault::WrongModel,
			"skip-reveal" => Fault::SkipReveal,
			"late-commit" => Fault::LateCommit,
			"framing-verifier" => Fault::FramingVerifier,
			other => {
				let fraction: f64 = other
					.strip_prefix("partial:")
					.ok_or_else(error)?
					.trim()
					.parse()
					.map_err(|_| error())?;
				if !(0.0..=1.0).contains(&fraction) {
					return Err(error());
				}
				// In [0, 1000] after the check above, so the conversion is exact.
				Fault::Partial { per_mille: (fraction * 1000.0).round() as u32 }
			}
		})
	}
}

#[cfg(feature = "std")]
impl core::fmt::Display for Fault {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Fault::RandomOutputs => f.write_str("random"),
			Fault::Partial { per_mille } => {
				write!(f, "partial:{}", f64::from(*per_mille) / 1000.0)
			}
			Fault::WrongModel => f.write_str("wrong-model"),
			Fault::SkipReveal => f.write_str("skip-reveal"),
			Fault::LateCommit => f.write_str("late-commit"),
			Fault::FramingVerifier => f.write_str("framing-verifier"),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::fixtures::dense_mlp;

	#[test]
	fn faults_parse() {
		assert_eq!("random".parse(), Ok(Fault::RandomOutputs));
		assert_eq!("partial:0.25".parse(), Ok(Fault::Partial { per_mille: 250 }));
		assert_eq!("partial:1".parse(), Ok(Fault::Partial { per_mille: 1000 }));
		assert_eq!("partial:0".parse(), Ok(Fault::Partial { per_mille: 0 }));
		assert_eq!(" Partial:0.0004 ".parse(), Ok(Fault::Partial { per_mille: 0 }));
		assert_eq!("wrong-model".parse(), Ok(Fault::WrongModel));
		assert_eq!("skip-reveal".parse(), Ok(Fault::SkipReveal));
		assert_eq!("late-commit".parse(), Ok(Fault::LateCommit));
		assert_eq!("framing-verifier".parse(), Ok(Fault::FramingVerifier));
		for bad in [
			"",
			"partial",
			"partial:",
			"partial:1.5",
			"partial:-0.1",
			"partial:NaN",
			"partial:x",
			"lazy",
		] {
			let error = bad.parse::<Fault>().unwrap_err();
			assert_eq!(error, ParseFaultError(bad.to_owned()));
			assert!(error.to_string().contains("`partial:F`"), "{error}");
		}
		for fault in [
			Fault::RandomOutputs,
			Fault::Partial { per_mille: 250 },
			Fault::Partial { per_mille: 5 },
			Fault::WrongModel,
			Fault::SkipReveal,
			Fault::LateCommit,
			Fault::FramingVerifier,
		] {
			assert_eq!(fault.to_string().parse(), Ok(fault), "{fault}");
		}
	}

	#[test]
	fn which_faults_fake_which_samples() {
		let seed = [9u8; 32];
		assert!(Fault::RandomOutputs.fakes_outputs() && Fault::WrongModel.fakes_outputs());
		assert!(Fault::Partial { per_mille: 1 }.fakes_outputs());
		assert!(!Fault::Partial { per_mille: 0 }.fakes_outputs());
		assert!(!Fault::SkipReveal.fakes_outputs() && !Fault::LateCommit.fakes_outputs());
		// A framing verifier works honestly and fakes what it verifies, as a `random` worker.
		assert!(!Fault::FramingVerifier.fakes_outputs());
		assert!((0..100).all(|i| !Fault::FramingVerifier.fakes_sample(&seed, i)));
		assert_eq!(Fault::FramingVerifier.as_verifier(), Fault::RandomOutputs);
		assert_eq!(Fault::WrongModel.as_verifier(), Fault::WrongModel);
		assert!((0..100).all(|i| Fault::RandomOutputs.fakes_sample(&seed, i)));
		// A wrong model runs every sample, on another seed's inputs.
		assert!((0..100).all(|i| !Fault::WrongModel.fakes_sample(&seed, i)));
		assert_ne!(Fault::WrongModel.input_seed(&seed), seed);
		assert_eq!(Fault::Partial { per_mille: 500 }.input_seed(&seed), seed);
		assert!((0..100).all(|i| !Fault::SkipReveal.fakes_sample(&seed, i)));
		assert!((0..100).all(|i| !Fault::Partial { per_mille: 0 }.fakes_sample(&seed, i)));
		assert!((0..100).all(|i| Fault::Partial { per_mille: 1000 }.fakes_sample(&seed, i)));
		let quarter = Fault::Partial { per_mille: 250 };
		let faked = (0..4000).filter(|&i| quarter.fakes_sample(&seed, i)).count();
		// 1000 ± 4σ (σ ≈ 27).
		assert!((890..=1110).contains(&faked), "{faked}");
		// Deterministic, and different for another seed.
		let set = |seed: &Seed| (0..64).map(|i| quarter.fakes_sample(seed, i)).collect::<Vec<_>>();
		assert_eq!(set(&seed), set(&seed));
		assert_ne!(set(&seed), set(&[8u8; 32]));
	}

	#[test]
	fn fake_outputs_are_plausible_and_deterministic() {
		let lm = ModelSpec { output_len: 4096, ..dense_mlp(8, 4) };
		let seed = [1u8; 32];
		let fake = fake_output(&lm, &seed, 3);
		assert_eq!(fake.len(), 4096);
		assert_eq!(fake, fake_output(&lm, &seed, 3));
		assert_ne!(fake, fake_output(&lm, &seed, 4));
		assert!(fake.iter().all(|&q| q.abs() <= 2 << 16));
		// Spread over the range: the rms of a uniform ±2.0 is 2/√3 ≈ 1.15 real units.
		let rms =
			(fake.iter().map(|&q| (f64::from(q) / 65536.0).powi(2)).sum::<f64>() / 4096.0).sqrt();
		assert!((1.0..1.3).contains(&rms), "{rms}");
		// Extreme scales stay in range.
		let scaled = |scale_bits| ModelSpec { scale_bits, output_len: 16, ..dense_mlp(8, 4) };
		assert!(fake_output(&scaled(30), &seed, 0).iter().any(|&q| q.unsigned_abs() > 1 << 30));
		assert_eq!(
			fake_output(&scaled(0), &seed, 0).iter().map(|q| q.abs()).max().map(|m| m <= 2),
			Some(true)
		);
	}
}
